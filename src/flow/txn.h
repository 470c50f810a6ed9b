/* The login transaction: what is pending while the chooser is shown. It lives server-side in
 * the socache, sealed (crypto/seal.h, purpose "txn", scope the virtual host), under a random
 * handle that travels in the cookie mandaat_txn. It is bound to the actor, expires, and is
 * used once. Protocol state (a lasso dump, an OIDC request) is opaque text here. */
#ifndef MND_FLOW_TXN_H
#define MND_FLOW_TXN_H

#include "core/resolve.h"

typedef struct mnd_txn_t {
    const char *id;             /* random handle (>= 32 bytes of entropy, base64url) */
    const char *actor;          /* normalised INSZ of the person from upstream auth */
    const char *given_name, *family_name; /* from upstream, may be NULL */
    int loa;                    /* level of assurance from upstream */
    const char *service_id;
    const char *protocol;       /* "gateway", "saml" or "oidc" */
    const char *return_to;      /* gateway: local path to continue to; else NULL */
    const char *proto_state;    /* opaque protocol state, may be NULL */
    mnd_time_t created, expires;
    const char *csrf;           /* random token the chooser form must echo */
    const char *offer_secret;   /* random key of this transaction's offer tokens */
    long offered;               /* number of capacities offered */
    const char *hint_key;       /* capacity key pre-selected by login_hint, or NULL */
} mnd_txn_t;

/* A new transaction for actor and service with fresh id, csrf and offer secret; lifetime in
 * seconds from now. */
mnd_error_t *mnd_txn_new(apr_pool_t *p, const char *actor, const char *service_id,
                         const char *protocol, mnd_time_t now, int lifetime, mnd_txn_t **out);

/* Serialise to compact JSON (jansson) and back. from_json rejects anything malformed or
 * missing a required member (MND_EINVAL). */
mnd_error_t *mnd_txn_to_json(apr_pool_t *p, const mnd_txn_t *t, const char **json);
mnd_error_t *mnd_txn_from_json(apr_pool_t *p, const char *json, size_t len, mnd_txn_t **out);

/* MND_OK only when t is not expired at now and belongs to actor; else MND_EFORBIDDEN
 * ("another person's transaction") or MND_ECONFLICT ("expired"). */
mnd_error_t *mnd_txn_check(apr_pool_t *p, const mnd_txn_t *t, const char *actor, mnd_time_t now);

/* Offer tokens: the chooser's form value for a capacity: "<key>.<mac>" where mac is an HMAC of
 * the key under the transaction's offer secret. Proves that the key was offered in this
 * transaction without storing 20,000 keys server-side. */
const char *mnd_offer_token(apr_pool_t *p, const mnd_txn_t *t, const char *cap_key);

/* The capacity key of a token, MND_EFORBIDDEN ("not in the offer") when the MAC does not
 * verify (constant-time) or the token is malformed or longer than 256 bytes. */
mnd_error_t *mnd_offer_check(apr_pool_t *p, const mnd_txn_t *t, const char *token,
                             const char **cap_key);

/* The ACM-style login_hint: base64 (standard or url alphabet) of a JSON object with
 * "cap_hint" (doelgroep code: BUR = own name, EA = enterprise, ...) and "code_hint" (the
 * organisation code, a KBO number). */
typedef struct mnd_login_hint_t {
    const char *cap_hint;       /* may be NULL */
    const char *code_hint;      /* normalised KBO number, may be NULL */
} mnd_login_hint_t;

/* Parse a login_hint (at most 1 KiB); MND_EINVAL for anything malformed. */
mnd_error_t *mnd_login_hint_parse(apr_pool_t *p, const char *hint, mnd_login_hint_t *out);

/* The capacity of res the hint designates, if and only if exactly one offered capacity
 * matches (BUR: the self row; EA + code: the row whose party is that organisation, preferring
 * the first in display order); NULL otherwise. */
const mnd_capacity_t *mnd_login_hint_match(const mnd_resolution_t *res,
                                           const mnd_login_hint_t *hint);

#endif
