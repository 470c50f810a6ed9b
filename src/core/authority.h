/* Who holds which authority at time t: KBO legal representation, user-management rights,
 * mandate management. Shared by the life cycle, rights management and resolution. */
#ifndef MND_CORE_AUTHORITY_H
#define MND_CORE_AUTHORITY_H

#include "core/model.h"
#include "store/store.h"

/* *yes = person holds, at t, a KBO function whose code counts as legal representative of
 * enterprise org, and org is active. */
mnd_error_t *mnd_authority_is_kbo_rep(mnd_store_t *s, apr_pool_t *p, const char *person,
                                      const char *org, mnd_time_t t, int *yes);

/* *yes = person holds right kind at org at t (granted, not revoked, inside its validity).
 * For the SSM rights a KBO legal representative holds them implicitly. */
mnd_error_t *mnd_authority_holds(mnd_store_t *s, apr_pool_t *p, const char *person,
                                 const char *org, mnd_right_kind_t kind, mnd_time_t t,
                                 int *yes);

/* *yes = person may manage mandates for party at t: party is the person itself, or the
 * person holds SSM Mandaatbeheerder there or is its KBO legal representative. */
mnd_error_t *mnd_authority_is_mandate_manager(mnd_store_t *s, apr_pool_t *p,
                                              const char *person, const char *party,
                                              mnd_time_t t, int *yes);

extern const mnd_sql_t mnd_sql_authority[];

#endif
