/* The built-in message table (messages.c), private to src/html: i18n.c serves it through
 * mnd_catalog_builtin and lets operators override it. */
#ifndef MND_HTML_MESSAGES_H
#define MND_HTML_MESSAGES_H

#include "html/i18n.h"

#include <stddef.h>

typedef struct mnd_msg_def_t {
    const char *key;
    const char *text[MND_LANG__N]; /* nl, fr, de, en */
} mnd_msg_def_t;

struct mnd_catalog_t {
    const mnd_msg_def_t *defs; /* sorted by key, same keys as the built-in table */
    size_t n;
};

/* The built-in catalogue. */
extern const mnd_catalog_t mnd_builtin_catalog;

#endif
