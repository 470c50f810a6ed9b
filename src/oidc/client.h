/* OpenID Connect clients (relying parties): one JSON file each, read at start, kept in a
 * registry looked up by client_id. Pure: no httpd, no store. See docs/oidc.md.
 *
 * A client file (jansson; unknown members refused, so a typo never silently loosens a rule):
 *   {
 *     "client_id": "wse-loket-app",                 1..128 of [A-Za-z0-9._:/-]
 *     "token_endpoint_auth_method": "client_secret_basic",
 *                                   client_secret_basic | client_secret_post |
 *                                   private_key_jwt | none (public client)
 *     "client_secret": "...",       >= 32 characters; with client_secret_* only
 *     "jwks": {"keys": [...]},      the client's public keys; with private_key_jwt only
 *     "redirect_uris": ["https://app.example/cb"],   exact strings; https (http only for
 *                                   127.0.0.1, [::1] and localhost), no fragment, no userinfo
 *     "scopes": ["openid", "profile", "mandaat"],    allowed scopes; must include openid
 *     "service": "wse-loket",       the e-counter in the store
 *     "subject_type": "pairwise",   pairwise (default) | public
 *     "claims_profile": ["acm", "mandaat"],          one or both (default both)
 *     "rrn": false,                 may receive the national number claim rrn (default false)
 *     "subject": "person"           person (default): sub = the acting person;
 *                                   party: sub = the represented party, person in act
 *   }
 */
#ifndef MND_OIDC_CLIENT_H
#define MND_OIDC_CLIENT_H

#include "util/error.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum mnd_oidc_auth_t {
    MND_OIDC_AUTH_NONE = 0,         /* public client: PKCE required */
    MND_OIDC_AUTH_SECRET_BASIC,
    MND_OIDC_AUTH_SECRET_POST,
    MND_OIDC_AUTH_PRIVATE_KEY_JWT
} mnd_oidc_auth_t;

typedef struct mnd_oidc_client_t {
    const char *client_id;
    mnd_oidc_auth_t auth;
    const char *secret;               /* client_secret_*: the shared secret; else NULL */
    const char *jwks_json;            /* private_key_jwt: the client's JWKS (public keys) */
    apr_array_header_t *redirect_uris;/* const char * */
    apr_array_header_t *scopes;       /* const char *, includes "openid" */
    const char *service_id;
    int subject_public;               /* 0: pairwise sub (default) */
    int profile_acm, profile_mandaat; /* claim profiles (at least one) */
    int rrn;                          /* may receive rrn */
    int subject_party;                /* sub = represented party, person in act */
    const char *source;               /* where it was read from, for messages */
} mnd_oidc_client_t;

/* Parse one client file's text (at most 64 KiB). MND_EINVAL names source, the member and the
 * rule broken for anything malformed, missing, unknown or inconsistent (a secret with
 * private_key_jwt, no secret with client_secret_*, a jwks whose keys are not public RSA
 * (>= 2048 bits) or EC P-256 keys, a redirect URI that breaks the rules above). */
mnd_error_t *mnd_oidc_client_parse(apr_pool_t *p, const char *json, size_t len,
                                   const char *source, mnd_oidc_client_t **out);

/* NULL when url is an absolute URL (at most 2048 characters of RFC 3986's) starting https://,
 * or http:// for 127.0.0.1, [::1] and localhost, with a host, without fragment or userinfo,
 * and without query unless allow_query; else the rule it breaks (for a message). The rule of
 * redirect URIs (allow_query 1) and of the issuer (0, oidc/discovery.h). */
const char *mnd_oidc_url_rule(apr_pool_t *p, const char *url, int allow_query);

/* Whether redirect_uri is exactly (byte for byte) one of c's redirect URIs. */
int mnd_oidc_client_redirect_ok(const mnd_oidc_client_t *c, const char *redirect_uri);

/* Whether scope (one scope token) is allowed for c. */
int mnd_oidc_client_scope_ok(const mnd_oidc_client_t *c, const char *scope);

/* Compare a presented secret with c's in constant time (length included); 0 when c has no
 * secret. */
int mnd_oidc_client_secret_ok(const mnd_oidc_client_t *c, const char *presented);

/* The clients of an OP. */
typedef struct mnd_oidc_registry_t mnd_oidc_registry_t;

mnd_oidc_registry_t *mnd_oidc_registry_make(apr_pool_t *p);

/* Add c; MND_EINVAL when its client_id is in the registry already (naming both sources). */
mnd_error_t *mnd_oidc_registry_add(mnd_oidc_registry_t *reg, const mnd_oidc_client_t *c);

/* The client with client_id, or NULL. */
const mnd_oidc_client_t *mnd_oidc_registry_find(const mnd_oidc_registry_t *reg,
                                                const char *client_id);

/* Number of clients. */
int mnd_oidc_registry_count(const mnd_oidc_registry_t *reg);

#endif
