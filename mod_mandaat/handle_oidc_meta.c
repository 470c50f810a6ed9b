/* <MandaatEndpointPath>/oidc/userinfo, oidc/jwks and <issuer>/.well-known/openid-configuration,
 * and how the OIDC endpoints send JSON.
 *
 * Userinfo takes the access token from the Authorization header only (RFC 6750 section 2.1;
 * one in the query or the body is refused: URLs end in logs and Referer headers). The token
 * must verify with our keys as an at+jwt of our issuer, unexpired, and its grant must still be
 * kept (a replayed code removes it): that makes it revocable, which a self-contained JWT is
 * not. Then the capacity is resolved again, as the gateway does on every request, so that a
 * revoked mandate or right stops the token at once rather than at its exp. */
#include "oidc.h"
#include "saml.h" /* mnd_read_body */

#include "jose/jwt.h"
#include "oidc/params.h"
#include "oidc/tokens.h"
#include "util/ident.h"

#include <apr_strings.h>
#include <http_protocol.h>
#include <jansson.h>

/* Clock skew allowed on the access token's exp. */
#define EXP_SKEW 30
/* Largest grant read back (the session plus a few members). */
#define GRANT_MAX_JSON (MND_SESSION_MAX_JSON + 16 * 1024)

int mnd_oidc_send_json(request_rec *r, int status, const char *json)
{
    r->status = status;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Pragma", "no-cache");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_set_content_length(r, strlen(json));
    if (!r->header_only)
        ap_rputs(json, r);
    return OK;
}

/* A public document: GET or HEAD, cacheable for a short while so that a rotated key or a new
 * client's scope is seen soon. */
static int send_public(request_rec *r, const char *type, const char *body)
{
    if (!mnd_oidc_op(r->server)) {
        mnd_req_fail(r, HTTP_NOT_FOUND, "not_found", NULL);
        return mnd_answer(r);
    }
    if (!mnd_method_ok(r, MND_M(M_GET), "GET, HEAD"))
        return mnd_answer(r);
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_set_content_length(r, strlen(body));
    if (!r->header_only)
        ap_rputs(body, r);
    return OK;
}

int mnd_handle_oidc_jwks(request_rec *r)
{
    const mnd_oidc_op_t *op = mnd_oidc_op(r->server);
    return send_public(r, "application/jwk-set+json", op ? op->jwks_json : "");
}

int mnd_handle_oidc_discovery(request_rec *r)
{
    const mnd_oidc_op_t *op = mnd_oidc_op(r->server);
    return send_public(r, "application/json", op ? op->discovery_json : "");
}

/* ---- userinfo ---------------------------------------------------------------------------- */

/* What the access token stands for. */
typedef struct grant_t {
    const char *jti;
    const mnd_oidc_client_t *client;
    const char *scope;
    mnd_time_t auth_time;
    mnd_session_t *session;
} grant_t;

/* Refuse: 401 with the Bearer challenge (error omitted when no token was sent at all, RFC 6750
 * section 3.1), or 400 invalid_request. Logs why at info; never the token. Returns 0. */
static int refuse(request_rec *r, int status, const char *error, const char *why)
{
    const char *challenge = "Bearer realm=\"mandaat\"";
    if (error)
        challenge = apr_pstrcat(r->pool, challenge, ", error=\"", error, "\"", NULL);
    apr_table_setn(r->headers_out, "WWW-Authenticate", challenge);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MND_LOGNO(0068) "OIDC userinfo refused (%d %s): %s",
                  status, error ? error : "no token", why);
    mnd_oidc_send_json(r, status,
                       mnd_oidc_error_json(r->pool, error ? error : "invalid_request", why));
    return 0;
}

/* A failure of ours: the store or cache (503, fail closed) or anything else (500). */
static int fail(request_rec *r, mnd_error_t *err, const char *what)
{
    int store = err->rc == MND_ESTORE;
    if (store)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0071) "OIDC userinfo: %s: the store or cache is unavailable, "
                                      "refusing (fail closed): %s",
                      what, err->msg);
    else
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MND_LOGNO(0072) "OIDC userinfo: %s: %s", what,
                      err->msg);
    if (store)
        apr_table_setn(r->headers_out, "Retry-After", "30");
    mnd_oidc_send_json(r, store ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR,
                       mnd_oidc_error_json(r->pool,
                                           store ? "temporarily_unavailable" : "server_error",
                                           store ? "the service is unavailable, try again later"
                                                 : "internal error"));
    return 0;
}

/* A token in the query or in a form body is refused (RFC 6750 sections 2.2, 2.3 are optional
 * and we do not offer them); the body is read either way, up to 16 KiB. */
static int no_token_elsewhere(request_rec *r)
{
    const char *ct, *body;
    apr_hash_t *form;

    if (mnd_query_arg(r, "access_token"))
        return refuse(r, HTTP_BAD_REQUEST, "invalid_request",
                      "the access token goes in the Authorization header, not the URL");
    if (r->method_number != M_POST)
        return 1;
    body = mnd_read_body(r, MND_OIDC_MAX_REQUEST);
    if (!body) {
        mnd_req(r)->intercept = 0; /* answered as JSON here, not as a page */
        return refuse(r, HTTP_BAD_REQUEST, "invalid_request", "the body cannot be read");
    }
    ct = apr_table_get(r->headers_in, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return 1;
    if (mnd_oidc_params_parse(r->pool, body, &form) != NULL)
        return refuse(r, HTTP_BAD_REQUEST, "invalid_request", "the form body is malformed");
    if (apr_hash_get(form, "access_token", APR_HASH_KEY_STRING))
        return refuse(r, HTTP_BAD_REQUEST, "invalid_request",
                      "the access token goes in the Authorization header, not the body");
    return 1;
}

/* The token of "Authorization: Bearer <b64token>" (RFC 6750 section 2.1). */
static int bearer_token(request_rec *r, const char **token)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");
    size_t n;

    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return refuse(r, HTTP_UNAUTHORIZED, NULL, "no Bearer access token");
    for (h += 7; *h == ' '; h++)
        ;
    n = strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
    n += strspn(h + n, "=");
    if (n == 0 || h[n] != '\0' || n > MND_OIDC_MAX_REQUEST)
        return refuse(r, HTTP_UNAUTHORIZED, "invalid_token", "a malformed access token");
    *token = h;
    return 1;
}

/* The jti of a verified access token of ours: our issuer, not expired. NULL otherwise, with
 * *why set. */
static const char *token_jti(request_rec *r, const mnd_oidc_op_t *op, const char *claims,
                             const char **why)
{
    json_t *o = json_loads(claims, 0, NULL);
    json_t *iss = json_object_get(o, "iss"), *exp = json_object_get(o, "exp");
    json_t *jti = json_object_get(o, "jti");
    const char *out = NULL;

    if (!json_is_string(iss) || strcmp(json_string_value(iss), op->issuer) != 0)
        *why = "the access token is of another issuer";
    else if (!json_is_integer(exp) || json_integer_value(exp) + EXP_SKEW <= mnd_now())
        *why = "the access token has expired";
    else if (!json_is_string(jti) || !*json_string_value(jti))
        *why = "the access token has no jti";
    else
        out = apr_pstrdup(r->pool, json_string_value(jti));
    json_decref(o);
    return out;
}

/* The grant kept for jti at the token endpoint: *found 0 when there is none (expired,
 * revoked by a code replay, or its client is no longer configured). */
static mnd_error_t *read_grant(request_rec *r, const mnd_oidc_op_t *op, grant_t *g, int *found)
{
    const char *json;
    json_t *o;
    const char *client_id = NULL, *scope = NULL, *session = NULL;
    json_int_t auth_time = 0;
    mnd_error_t *err = mnd_state_get(r, MND_PURPOSE_OIDC_GRANT, g->jti, GRANT_MAX_JSON, &json);

    *found = 0;
    if (err)
        return err->rc == MND_ESTORE ? err : NULL;
    o = json_loads(json, 0, NULL);
    if (!o || json_unpack(o, "{s:s, s:s, s:I, s:s}", "client_id", &client_id, "scope", &scope,
                          "auth_time", &auth_time, "session", &session) != 0) {
        json_decref(o);
        return mnd_error(r->pool, MND_EINTERNAL, "the grant of an access token is malformed");
    }
    g->client = mnd_oidc_registry_find(op->clients, client_id);
    g->scope = apr_pstrdup(r->pool, scope);
    g->auth_time = (mnd_time_t)auth_time;
    err = mnd_session_from_json(r->pool, session, strlen(session), &g->session);
    json_decref(o);
    *found = !err && g->client != NULL;
    return err;
}

/* The verified token's grant; answers r (returns 0) when there is none. */
static int token_grant(request_rec *r, const mnd_oidc_op_t *op, const char *token, grant_t *g)
{
    const char *claims, *why = NULL;
    int found = 0;
    mnd_error_t *err = mnd_jwt_verify_typ(r->pool, op->keys, token, "at+jwt", &claims);

    if (err)
        return refuse(r, HTTP_UNAUTHORIZED, "invalid_token", err->msg);
    g->jti = token_jti(r, op, claims, &why);
    if (!g->jti)
        return refuse(r, HTTP_UNAUTHORIZED, "invalid_token", why);
    err = read_grant(r, op, g, &found);
    if (err)
        return fail(r, err, "reading the grant");
    if (!found)
        return refuse(r, HTTP_UNAUTHORIZED, "invalid_token",
                      "the access token is revoked or its client is gone");
    return 1;
}

/* The session still stands: not logged out, and the store still grants its capacity (the
 * same key, party and basis, as the gateway checks). If not, the grant is removed. */
static int still_granted(request_rec *r, const grant_t *g)
{
    const mnd_session_t *s = g->session;
    const mnd_capacity_t *cap = NULL;
    mnd_resolution_t *res;
    mnd_store_t *st;
    int ended = 0;
    mnd_error_t *err = mnd_state_exists(r, MND_PURPOSE_ENDED, s->id, &ended);

    if (!err && !ended)
        err = mnd_glue_store(r, &st);
    if (!err && !ended)
        err = mnd_glue_resolve(r, st, s->actor, s->service_id, s->loa, &res);
    if (err && err->rc != MND_ENOTFOUND) /* ENOTFOUND: the service is gone from the store */
        return fail(r, err, "checking the capacity");
    if (!err && !ended)
        cap = mnd_resolution_find(res, s->cap_key);
    if (cap && cap->party && !strcmp(cap->party->id, s->party) && cap->basis == s->basis)
        return 1;
    err = mnd_state_remove(r, MND_PURPOSE_OIDC_GRANT, g->jti);
    if (err)
        return fail(r, err, "revoking the access token");
    return refuse(r, HTTP_UNAUTHORIZED, "invalid_token",
                  ended ? "the session has ended"
                        : apr_psprintf(r->pool, "the store no longer grants %s for %s", s->cap_key,
                                       s->service_id));
}

/* The userinfo claims of g, as at issuance (oidc/tokens.h). */
static int answer(request_rec *r, const mnd_oidc_op_t *op, const grant_t *g)
{
    mnd_oidc_issue_t in = {0};
    const char *json;
    mnd_error_t *err;

    in.issuer = op->issuer;
    in.client = g->client;
    in.session = g->session;
    in.scope = g->scope;
    in.now = mnd_now();
    in.auth_time = g->auth_time;
    in.id_token_ttl = op->id_token_ttl;
    in.access_token_ttl = op->access_token_ttl;
    in.pairwise_secret = op->pairwise_secret;
    in.jti = g->jti;
    err = mnd_oidc_userinfo_claims(r->pool, &in, &json);
    if (err && (err->rc == MND_ECONFLICT || err->rc == MND_EFORBIDDEN))
        return refuse(r, HTTP_UNAUTHORIZED, "invalid_token", err->msg);
    if (err)
        return fail(r, err, "writing the claims");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0070) "OIDC userinfo for client %s: party=%s basis=%s jti=%.8s...",
                  g->client->client_id, mnd_party_id_display(r->pool, g->session->party),
                  mnd_basis_name(g->session->basis), g->jti);
    apr_table_setn(r->notes, "MANDAAT_EVENT", "userinfo");
    mnd_login_notes(r, g->session);
    mnd_oidc_send_json(r, HTTP_OK, json);
    return 1;
}

int mnd_handle_oidc_userinfo(request_rec *r)
{
    const mnd_oidc_op_t *op = mnd_oidc_op(r->server);
    const char *token = NULL;
    grant_t g = {0};

    if (!op) {
        mnd_req_fail(r, HTTP_NOT_FOUND, "not_found", NULL);
        return mnd_answer(r);
    }
    if (r->method_number != M_GET && r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "GET, POST");
        mnd_oidc_send_json(
            r, HTTP_METHOD_NOT_ALLOWED,
            mnd_oidc_error_json(r->pool, "invalid_request", "userinfo takes GET or POST"));
        return OK;
    }
    if (no_token_elsewhere(r) && bearer_token(r, &token) && token_grant(r, op, token, &g) &&
        still_granted(r, &g))
        answer(r, op, &g);
    return OK;
}
