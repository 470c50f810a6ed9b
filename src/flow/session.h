/* The session after a choice: who acts for whom, on which ground, with which actions. It lives
 * server-side in the socache, sealed (purpose "session"), under a random handle in the cookie
 * mandaat_session. Idle and absolute timeouts; the capacity is re-checked against the store on
 * every request so that a revoked mandate ends the session at once. */
#ifndef MND_FLOW_SESSION_H
#define MND_FLOW_SESSION_H

#include "core/resolve.h"
#include "flow/txn.h"

typedef struct mnd_session_t {
    const char *id;             /* random handle */
    const char *actor;          /* normalised INSZ */
    const char *given_name, *family_name;
    int loa;
    const char *service_id;
    const char *cap_key;        /* capacity key as resolved ("mandate:42") */
    mnd_basis_t basis;
    const char *party;          /* represented party id */
    const char *party_name;     /* for display and claims, may be NULL */
    const char *via;            /* intermediary id or NULL */
    const char *via_name;
    int64_t mandate_id;         /* 0 if none */
    apr_array_header_t *actions;/* const char * codes */
    mnd_time_t created, last_seen, idle_until, expires;
    const char *txn_id;         /* the transaction that chose, for the audit trail */
} mnd_session_t;

/* A session for the chosen capacity at now; idle and absolute lifetimes in seconds. */
mnd_error_t *mnd_session_new(apr_pool_t *p, const mnd_txn_t *txn, const mnd_capacity_t *cap,
                             mnd_time_t now, int idle, int absolute, mnd_session_t **out);

mnd_error_t *mnd_session_to_json(apr_pool_t *p, const mnd_session_t *s, const char **json);
mnd_error_t *mnd_session_from_json(apr_pool_t *p, const char *json, size_t len,
                                   mnd_session_t **out);

/* MND_ECONFLICT when idle or absolute timeout passed at now; else NULL and the idle deadline
 * is pushed forward (never beyond the absolute one). */
mnd_error_t *mnd_session_touch(mnd_session_t *s, mnd_time_t now, int idle);

#endif
