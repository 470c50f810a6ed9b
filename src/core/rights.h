/* User management: granting and revoking rights in an organisation.
 *  - hoofdtoegangsbeheerder: appointed by a KBO legal representative of the organisation
 *    (or by the operator, "operator:<name>", to bootstrap organisations without KBO data);
 *  - lokale_beheerder: appointed by a hoofdtoegangsbeheerder;
 *  - ssm_mandaatbeheerder, ssm_mandaatuitvoerder, service rights: granted by a lokale_beheerder
 *    or hoofdtoegangsbeheerder.
 * Revoking needs the same authority as granting. Every change writes an audit record. A refusal
 * is MND_EFORBIDDEN with a message that names the missing right. */
#ifndef MND_CORE_RIGHTS_H
#define MND_CORE_RIGHTS_H

#include "core/model.h"
#include "store/store.h"

/* Grant r (id, granted_by, granted_at, revoked_* are ignored) as actor at now; *id gets the
 * new right's id. valid_from MND_TIME_NONE means now. */
mnd_error_t *mnd_right_grant(mnd_store_t *s, apr_pool_t *p, const char *actor,
                             const mnd_right_t *r, mnd_time_t now, int64_t *id);

/* Revoke right id as actor at now. */
mnd_error_t *mnd_right_revoke(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                              mnd_time_t now);

mnd_error_t *mnd_right_get(mnd_store_t *s, apr_pool_t *p, int64_t id, mnd_right_t **out);

/* Rights filtered by person and/or org (NULL = any); include_ended 0 lists only those in
 * force at t. Array of mnd_right_t *. */
mnd_error_t *mnd_right_list(mnd_store_t *s, apr_pool_t *p, const char *person, const char *org,
                            mnd_time_t t, int include_ended, apr_array_header_t **out);

extern const mnd_sql_t mnd_sql_rights[];

#endif
