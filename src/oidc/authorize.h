/* The authorization request (OpenID Connect Core 1.0 section 3.1.2, RFC 6749 section 4.1,
 * RFC 7636 PKCE): checked against the client registry, kept in the login transaction while the
 * person chooses, and answered by redirect (query) or form_post. Only the authorization code
 * flow. Pure: no httpd, no store. See docs/oidc.md. */
#ifndef MND_OIDC_AUTHORIZE_H
#define MND_OIDC_AUTHORIZE_H

#include "oidc/client.h"

#include <apr_hash.h>

/* prompt values (a set). */
enum {
    MND_OIDC_PROMPT_NONE = 1,           /* no interaction: interaction_required if a choice is needed */
    MND_OIDC_PROMPT_LOGIN = 2,          /* a fresh upstream login (max_age 0) */
    MND_OIDC_PROMPT_SELECT_ACCOUNT = 4, /* always show the chooser */
    MND_OIDC_PROMPT_CONSENT = 8         /* accepted; consent is the choice itself */
};

typedef struct mnd_oidc_authz_t {
    const mnd_oidc_client_t *client;
    const char *redirect_uri;   /* exactly one of the client's */
    const char *scope;          /* the requested scopes, checked, space-separated, openid first */
    const char *state;          /* may be NULL; returned as received */
    const char *nonce;          /* may be NULL */
    const char *code_challenge; /* S256 challenge (43 base64url characters) or NULL */
    int prompt;                 /* MND_OIDC_PROMPT_* bits */
    long max_age;               /* seconds, -1 when absent */
    int min_loa;                /* from acr_values "loa:<n>" (lowest n named), 0 when absent */
    const char *login_hint;     /* raw ACM login_hint (flow/txn.h parses it), may be NULL */
    int form_post;              /* response_mode form_post (else query) */
} mnd_oidc_authz_t;

/* How a refused request is answered. */
typedef struct mnd_oidc_authz_error_t {
    int redirect;               /* 0: an error page (unknown client, bad redirect_uri: never
                                   redirect to an unvetted URI); 1: back to redirect_uri */
    const char *error;          /* RFC 6749 4.1.2.1 / OIDC 3.1.2.6 code: invalid_request,
                                   unauthorized_client, unsupported_response_type,
                                   invalid_scope, ...; on a page also invalid_client */
    const char *description;    /* for error_description: plain ASCII, no request values */
    const char *redirect_uri;   /* set when redirect */
    const char *state;          /* the request's state, may be NULL (and is when over 512) */
    int form_post;
} mnd_oidc_authz_error_t;

/* Check the authorize request params (mnd_oidc_params_parse of the query string or the POST
 * form) against reg. On success *out; on refusal a non-NULL error (message for the log) and *e
 * saying how to answer. The rules: client_id known; redirect_uri present (always, even for a client
 * with a single one) and one of the client's byte for byte;
 * response_type exactly "code"; scope contains openid, every scope allowed; PKCE:
 * code_challenge_method S256 only ("plain", others, and absent, which RFC 7636 4.3 makes
 * "plain", refused), code_challenge required for public clients, 43 base64url characters; prompt values known, "none" not combined with
 * others; max_age a non-negative integer; acr_values of the form loa:<n> (others ignored, but a
 * request naming none of ours refused with invalid_request); response_mode query or
 * form_post; request and request_uri refused (request_not_supported,
 * request_uri_not_supported); nonce and state at most 512 bytes. */
mnd_error_t *mnd_oidc_authorize_check(apr_pool_t *p, const mnd_oidc_registry_t *reg,
                                      apr_hash_t *params, mnd_oidc_authz_t **out,
                                      mnd_oidc_authz_error_t *e);

/* The pending request as JSON text for the transaction, and back (the client is looked up
 * again in reg: a client removed meanwhile, or no longer having the redirect_uri or a scope,
 * is MND_ENOTFOUND; a value that is not UTF-8 fails to_json with MND_EINVAL). */
mnd_error_t *mnd_oidc_authz_to_json(apr_pool_t *p, const mnd_oidc_authz_t *a, const char **json);
mnd_error_t *mnd_oidc_authz_from_json(apr_pool_t *p, const mnd_oidc_registry_t *reg,
                                      const char *json, mnd_oidc_authz_t **out);

/* The URL that takes the answer (code or error) back by query: redirect_uri with the
 * parameters appended ('&' when it has a query already), form-encoded. params is a NULL
 * terminated list of name, value pairs; a NULL value is left out. */
const char *mnd_oidc_redirect_url(apr_pool_t *p, const char *redirect_uri,
                                  const char *const *params);

#endif
