/* Parties (natural persons and organisations) in the store. */
#ifndef MND_CORE_PARTY_H
#define MND_CORE_PARTY_H

#include "core/model.h"
#include "store/store.h"

/* Insert or update a party (names NULL are kept as NULL; status from active). */
mnd_error_t *mnd_party_put(mnd_store_t *s, apr_pool_t *p, const mnd_party_t *party,
                           mnd_time_t now);

/* Make sure a natural person exists (persons are created on first reference). */
mnd_error_t *mnd_party_ensure_person(mnd_store_t *s, apr_pool_t *p, const char *insz,
                                     mnd_time_t now);

/* Load a party; MND_ENOTFOUND if unknown. */
mnd_error_t *mnd_party_get(mnd_store_t *s, apr_pool_t *p, const char *id, mnd_party_t **out);

/* Build a party from the columns (id, kind, status, name_nl, name_fr, name_de, name_en)
 * starting at cols[0]; strings are copied into p. */
mnd_party_t *mnd_party_from_cols(apr_pool_t *p, const char *const *cols);

/* Label for people: the name in language l, else the formatted identifier. */
const char *mnd_party_label(apr_pool_t *p, const mnd_party_t *party, mnd_lang_t l);

extern const mnd_sql_t mnd_sql_party[];

#endif
