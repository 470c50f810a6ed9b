/* The mandate life cycle (DESIGN.md section 2):
 *   give (giver's mandate manager) | request (taker's mandate manager) -> awaiting_approval
 *   approve (other party's manager) -> active; reject (other party) -> rejected;
 *   withdraw (initiator) -> withdrawn; revoke (either party, active) -> revoked;
 *   active past valid_until -> expired (derived at read time).
 * Every transition checks the actor, records an event (actor, party, time, reason) and an
 * audit record, all in one transaction. Refusals are MND_EFORBIDDEN naming the missing right,
 * or MND_ECONFLICT naming the state. */
#ifndef MND_CORE_MANDATE_H
#define MND_CORE_MANDATE_H

#include "core/model.h"
#include "store/store.h"

typedef struct mnd_mandate_draft_t {
    const char *giver, *taker;       /* party ids (normalised) */
    const char *service_id;
    apr_array_header_t *actions;     /* non-empty subset of the catalogue */
    mnd_time_t valid_from;           /* MND_TIME_NONE = now */
    mnd_time_t valid_until;          /* MND_TIME_NONE = open-ended */
    const char *ext_ref;             /* optional, unique */
} mnd_mandate_draft_t;

mnd_error_t *mnd_mandate_give(mnd_store_t *s, apr_pool_t *p, const char *actor,
                              const mnd_mandate_draft_t *d, mnd_time_t now, int64_t *id);
mnd_error_t *mnd_mandate_request(mnd_store_t *s, apr_pool_t *p, const char *actor,
                                 const mnd_mandate_draft_t *d, mnd_time_t now, int64_t *id);
mnd_error_t *mnd_mandate_approve(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                 mnd_time_t now);
mnd_error_t *mnd_mandate_reject(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                const char *reason, mnd_time_t now);
mnd_error_t *mnd_mandate_withdraw(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                  mnd_time_t now);
mnd_error_t *mnd_mandate_revoke(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                const char *reason, mnd_time_t now);

/* Load a mandate; events (may be NULL) gets its history (mnd_mandate_event_t *) oldest first. */
mnd_error_t *mnd_mandate_get(mnd_store_t *s, apr_pool_t *p, int64_t id, mnd_mandate_t **out,
                             apr_array_header_t **events);

typedef struct mnd_mandate_filter_t {
    const char *party;               /* giver or taker (NULL = any) */
    const char *service_id;          /* NULL = any */
    int state;                       /* mnd_mandate_state_t incl. derived expired, or -1 */
    mnd_time_t at;                   /* time for the derived state */
    int limit;                       /* 0 = no limit */
} mnd_mandate_filter_t;

/* Mandates matching f, ordered by id (array of mnd_mandate_t *). */
mnd_error_t *mnd_mandate_list(mnd_store_t *s, apr_pool_t *p, const mnd_mandate_filter_t *f,
                              apr_array_header_t **out);

extern const mnd_sql_t mnd_sql_mandate[];

#endif
