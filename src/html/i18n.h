/* Languages and messages of the pages: nl, fr, de, en. A catalogue holds, per language, every
 * message key; the built-in catalogue can be overridden by operator files at start. */
#ifndef MND_HTML_I18N_H
#define MND_HTML_I18N_H

#include "core/model.h"

typedef struct mnd_catalog_t mnd_catalog_t;

/* The built-in catalogue (all four languages complete). */
const mnd_catalog_t *mnd_catalog_builtin(void);

/* Load a catalogue from dir/{nl,fr,de,en}.txt ("key = text" lines, # comments, UTF-8) over
 * the built-in one; a key unknown to the built-in catalogue is an error naming file and line. */
mnd_error_t *mnd_catalog_load(apr_pool_t *p, const char *dir, const mnd_catalog_t **out);

/* Number of message keys, and key i (0 <= i < count) in sorted order: for checks that walk
 * the whole catalogue. */
size_t mnd_catalog_count(const mnd_catalog_t *cat);
const char *mnd_catalog_key(const mnd_catalog_t *cat, size_t i);

/* Message key in language l (falls back to nl); NULL if the key is unknown. */
const char *mnd_msg(const mnd_catalog_t *cat, mnd_lang_t l, const char *key);

/* Message key with {1}..{9} replaced by args[0..nargs-1] (raw text: escape the result for its
 * context). Catalogue text is never used as a printf format. */
const char *mnd_msg_args(apr_pool_t *p, const mnd_catalog_t *cat, mnd_lang_t l, const char *key,
                         int nargs, const char *const *args);

/* The best of nl, fr, de, en for an Accept-Language header (q-values, language ranges such
 * as nl-BE, "*"); dflt when nothing matches or the header is absent or malformed. */
mnd_lang_t mnd_lang_negotiate(const char *accept_language, mnd_lang_t dflt);

#endif
