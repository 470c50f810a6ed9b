/* The token endpoint's checks (OpenID Connect Core 1.0 section 3.1.3, RFC 6749 section 4.1.3,
 * RFC 7636, RFC 7523 for private_key_jwt): client authentication, the authorization code's
 * content and binding, PKCE. Issuing the tokens is oidc/tokens.h. Pure: no httpd, no store;
 * single use (codes, client assertion jti) is the caller's, through the socache. */
#ifndef MND_OIDC_TOKEN_H
#define MND_OIDC_TOKEN_H

#include "flow/session.h"
#include "oidc/client.h"

#include <apr_hash.h>

/* Longest an authorization code lives. */
#define MND_OIDC_CODE_MAX_TTL 60

/* What an authorization code stands for (sealed by the glue in the socache under a random
 * code; single use). */
typedef struct mnd_oidc_code_t {
    const char *client_id;
    const char *redirect_uri;
    const char *code_challenge;  /* S256 challenge or NULL */
    const char *nonce;           /* may be NULL */
    const char *scope;
    mnd_time_t issued, expires;  /* expires - issued <= MND_OIDC_CODE_MAX_TTL */
    mnd_time_t auth_time;        /* the upstream login's time */
    const char *session_json;    /* the mandaat session that chose (flow/session.h JSON) */
} mnd_oidc_code_t;

mnd_error_t *mnd_oidc_code_to_json(apr_pool_t *p, const mnd_oidc_code_t *c, const char **json);
mnd_error_t *mnd_oidc_code_from_json(apr_pool_t *p, const char *json, size_t len,
                                     mnd_oidc_code_t **out);

/* An authenticated client and, for private_key_jwt, the assertion's jti to mark used until
 * jti_expires. */
typedef struct mnd_oidc_client_auth_t {
    const mnd_oidc_client_t *client;
    const char *jti;             /* NULL unless private_key_jwt */
    mnd_time_t jti_expires;
} mnd_oidc_client_auth_t;

/* Authenticate the client of a token request: params (the form) and the Authorization
 * header (may be NULL). Exactly one method, the one the client is registered with:
 *   client_secret_basic: "Basic base64(urlencode(id):urlencode(secret))" (RFC 6749 2.3.1);
 *   client_secret_post: client_id + client_secret in the form;
 *   private_key_jwt: client_assertion_type urn:ietf:params:oauth:client-assertion-type:jwt-bearer
 *     and client_assertion, a JWS signed by a key of the client's jwks with RS256, PS256 or
 *     ES256 (never none or HS*), iss = sub = client_id, aud containing one of audiences
 *     (the token endpoint URL, the issuer), exp in the future and at most 600 s after iat or
 *     now, nbf (if any) not in the future, jti present (<= 256 bytes);
 *   none: client_id in the form, no secret or assertion (public client).
 * Secrets compare in constant time. Two methods at once, an unknown client, a bad secret or
 * assertion: MND_EFORBIDDEN with *oauth_error "invalid_client"; malformed input: MND_EINVAL
 * with "invalid_request". Allowed clock skew: 30 s. */
mnd_error_t *mnd_oidc_client_authenticate(apr_pool_t *p, const mnd_oidc_registry_t *reg,
                                          apr_hash_t *params, const char *authorization,
                                          const char *const *audiences, mnd_time_t now,
                                          mnd_oidc_client_auth_t *out, const char **oauth_error);

/* PKCE S256: whether verifier (43..128 of [A-Za-z0-9-._~]) hashes to challenge. */
int mnd_oidc_pkce_ok(const char *challenge, const char *verifier);

/* Check a code's content against the token request: same client, redirect_uri byte for byte
 * equal to the one in the code (required whenever the code has one), not expired at now, PKCE
 * verifier matching when the code has a challenge, a verifier without a challenge in the code
 * refused (a PKCE downgrade), and a challenge required for public clients. MND_EFORBIDDEN with
 * *oauth_error "invalid_grant" otherwise. */
mnd_error_t *mnd_oidc_code_check(apr_pool_t *p, const mnd_oidc_code_t *code,
                                 const mnd_oidc_client_t *client, apr_hash_t *params,
                                 mnd_time_t now, const char **oauth_error);

#endif
