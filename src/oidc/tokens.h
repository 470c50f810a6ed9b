/* The tokens of the OpenID provider: the id_token, the access token (RFC 9068 at+jwt) and the
 * userinfo answer, from one mandaat session, per the client's claim profiles (DESIGN.md
 * section 3). Claims only (JSON text); signing is jose/jwt.h. Pure. See docs/oidc.md. */
#ifndef MND_OIDC_TOKENS_H
#define MND_OIDC_TOKENS_H

#include "flow/session.h"
#include "oidc/client.h"

typedef struct mnd_oidc_issue_t {
    const char *issuer;
    const mnd_oidc_client_t *client;
    const mnd_session_t *session;
    const char *scope;           /* granted scopes, space-separated */
    const char *nonce;           /* id_token only, may be NULL */
    mnd_time_t now, auth_time;
    int id_token_ttl, access_token_ttl; /* seconds */
    const char *pairwise_secret; /* key of pairwise subjects (>= 32 bytes) */
    const char *jti;             /* the access token's id (random, from the caller) */
} mnd_oidc_issue_t;

/* The subject the client sees for person (an INSZ): public: the INSZ; pairwise: base64url of
 * HMAC-SHA256(pairwise_secret, "mandaat-oidc-sub\n" + client_id + "\n" + person) (43
 * characters). Parties (KBO numbers) are public identifiers and never made pairwise. NULL
 * without client or person, or when pairwise and the secret is shorter than 32 bytes. */
const char *mnd_oidc_subject(apr_pool_t *p, const char *pairwise_secret,
                             const mnd_oidc_client_t *c, const char *person);

/* id_token claims: iss, sub (person, or the represented party with the person in act when the
 * client's subject is party), aud (client_id), azp, exp, iat, auth_time, nonce, acr
 * ("loa:<n>"), sid; given_name/family_name with scope profile; rrn only when the client may
 * receive it; then the capacity claims of the client's profiles: acm (vo_doelgroepcode,
 * vo_orgcode, vo_orgnaam, wv_orgcode, ssm_mandaatgever, <service>_rol_3d) and mandaat
 * (represents, via, basis, mandate_id, authorization_details per RFC 9396). Values agree with
 * flow/claims.h. */
mnd_error_t *mnd_oidc_id_token_claims(apr_pool_t *p, const mnd_oidc_issue_t *in,
                                      const char **json);

/* Access token claims (RFC 9068): iss, sub = the represented party, act = {"sub": the acting
 * person's subject}, aud (the service), client_id, scope, iat, exp, jti, auth_time, acr, and
 * authorization_details. */
mnd_error_t *mnd_oidc_access_token_claims(apr_pool_t *p, const mnd_oidc_issue_t *in,
                                          const char **json);

/* The userinfo answer: the id_token's claims without iss/aud/exp/iat/nonce/azp/auth_time. */
mnd_error_t *mnd_oidc_userinfo_claims(apr_pool_t *p, const mnd_oidc_issue_t *in,
                                      const char **json);

/* The token response JSON: access_token, token_type "Bearer", expires_in, id_token, scope. */
mnd_error_t *mnd_oidc_token_response(apr_pool_t *p, const char *access_token, int expires_in,
                                     const char *id_token, const char *scope, const char **json);

/* An OAuth error body {"error": error, "error_description": description}. */
const char *mnd_oidc_error_json(apr_pool_t *p, const char *error, const char *description);

#endif
