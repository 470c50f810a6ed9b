/* <MandaatEndpointPath>/oidc/token: the authorization code is exchanged for an id_token and an
 * access token (OpenID Connect Core 1.0 section 3.1.3, RFC 6749 section 4.1.3). The core
 * (src/oidc/token.h) authenticates the client and checks the code; here the socache makes
 * codes and client assertions single use, a replayed code revokes the access token it gave
 * (RFC 6749 section 4.1.2), the grant behind the access token is kept for userinfo, and
 * nothing is issued that the audit trail does not show.
 *
 * Every answer is JSON with Cache-Control: no-store (RFC 6749 section 5.1). invalid_client is
 * always 401 (RFC 6749 section 5.2 allows it), with WWW-Authenticate: Basic realm="mandaat"
 * when the client tried the Authorization header, which 5.2 requires then. Refusals are
 * logged at info with the core's reason; no secret, code or token is ever logged, and what
 * the client is told about a failed authentication is deliberately vague (an unknown client
 * and a wrong secret look the same from outside). */
#include "oidc.h"
#include "saml.h" /* mnd_read_body */

#include "jose/jwt.h"
#include "oidc/params.h"
#include "oidc/tokens.h"
#include "util/ident.h"

#include <apr_strings.h>
#include <http_protocol.h>
#include <jansson.h>

/* Largest sealed code (a session plus the request's values) and code-used marker read back. */
#define CODE_MAX_JSON (MND_SESSION_MAX_JSON + 16 * 1024)
#define USED_MAX_JSON 1024

/* One token request as it is worked through. */
typedef struct token_req_t {
    request_rec *r;
    const mnd_oidc_op_t *op;
    apr_hash_t *params;
    mnd_oidc_client_auth_t auth;
    int header_auth;       /* the client tried the Authorization header */
    const char *code_text; /* the code as presented */
    mnd_oidc_code_t *code; /* what it stands for, once taken */
    mnd_time_t now;
} token_req_t;

/* Answer an OAuth error (status, error, description for the client) and log why at info.
 * Returns 0, so that a step can `return refuse(...)`. */
static int refuse(request_rec *r, int status, const char *error, const char *description,
                  const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0064) "OIDC token request refused (%d %s): %s", status, error, why);
    mnd_oidc_send_json(r, status, mnd_oidc_error_json(r->pool, error, description));
    return 0;
}

/* A failed client authentication: 401 invalid_client, the Basic challenge when the client
 * used the Authorization header. */
static int refuse_client(token_req_t *t, const char *why)
{
    if (t->header_auth)
        apr_table_setn(t->r->headers_out, "WWW-Authenticate", "Basic realm=\"mandaat\"");
    return refuse(t->r, HTTP_UNAUTHORIZED, "invalid_client", "client authentication failed", why);
}

/* A failure of ours: the store or cache (503, fail closed) or anything else (500). */
static int fail(request_rec *r, mnd_error_t *err, const char *what)
{
    if (err->rc == MND_ESTORE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0066) "OIDC token: %s: the store or cache is unavailable, "
                                      "refusing (fail closed): %s",
                      what, err->msg);
        apr_table_setn(r->headers_out, "Retry-After", "30");
        mnd_oidc_send_json(r, HTTP_SERVICE_UNAVAILABLE,
                           mnd_oidc_error_json(r->pool, "temporarily_unavailable",
                                               "the service is unavailable, try again later"));
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MND_LOGNO(0067) "OIDC token: %s: %s", what,
                  err->msg);
    mnd_oidc_send_json(r, HTTP_INTERNAL_SERVER_ERROR,
                       mnd_oidc_error_json(r->pool, "server_error", "internal error"));
    return 0;
}

static int is_form(const char *ct)
{
    static const char form[] = "application/x-www-form-urlencoded";
    size_t n = sizeof(form) - 1;
    return ct && !strncasecmp(ct, form, n) &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* POST, a form body only (RFC 6749 section 2.3.1: credentials never in the URL). */
static int read_request(token_req_t *t)
{
    request_rec *r = t->r;
    const char *body;
    mnd_error_t *err;

    if (r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "POST");
        return refuse(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                      "the token endpoint takes POST only",
                      apr_psprintf(r->pool, "method %s", r->method));
    }
    if (r->args && *r->args)
        return refuse(r, HTTP_BAD_REQUEST, "invalid_request",
                      "parameters go in the body, not in the URL", "a query string");
    if (!is_form(apr_table_get(r->headers_in, "Content-Type")))
        return refuse(r, HTTP_BAD_REQUEST, "invalid_request",
                      "Content-Type must be application/x-www-form-urlencoded", "not a form body");
    body = mnd_read_body(r, MND_OIDC_MAX_REQUEST);
    if (!body) {
        /* mnd_read_body decided an error page; the answer here is JSON instead. */
        mnd_req_t *rq = mnd_req(r);
        int status = rq->status == HTTP_REQUEST_ENTITY_TOO_LARGE ? rq->status : HTTP_BAD_REQUEST;
        rq->intercept = 0;
        return refuse(r, status, "invalid_request",
                      status == HTTP_BAD_REQUEST ? "the body cannot be read"
                                                 : "the request is larger than 16 KiB",
                      "unreadable or oversized body");
    }
    err = mnd_oidc_params_parse(r->pool, body, &t->params);
    if (err)
        return refuse(r, HTTP_BAD_REQUEST, "invalid_request", err->msg, err->msg);
    return 1;
}

/* A private_key_jwt assertion is single use (RFC 7523 section 3): its jti is kept, per
 * client, until the assertion expires. */
static int assertion_fresh(token_req_t *t)
{
    request_rec *r = t->r;
    const char *id = mnd_hmac_b64url(
        r->pool, "mandaat oidc jti",
        apr_pstrcat(r->pool, t->auth.client->client_id, "\n", t->auth.jti, NULL), 32);
    int seen = 0;
    mnd_error_t *err = mnd_state_exists(r, MND_PURPOSE_OIDC_JTI, id, &seen);

    if (!err && seen) {
        mnd_security_event(r, "oidc_assertion_replay",
                           apr_psprintf(r->pool,
                                        "(client %s: a client assertion jti used "
                                        "before)",
                                        t->auth.client->client_id));
        return refuse_client(t, "client assertion replayed (its jti was used before)");
    }
    if (!err)
        err = mnd_state_put(r, MND_PURPOSE_OIDC_JTI, id, "{}",
                            apr_time_from_sec(t->auth.jti_expires));
    if (err)
        return fail(r, err, "recording the client assertion");
    return 1;
}

static int authenticate(token_req_t *t)
{
    request_rec *r = t->r;
    const char *authorization = apr_table_get(r->headers_in, "Authorization");
    const char *audiences[] = {t->op->token_url, t->op->issuer, NULL};
    const char *oauth_error = NULL;
    mnd_error_t *err;

    t->header_auth = authorization && *authorization;
    err = mnd_oidc_client_authenticate(r->pool, t->op->clients, t->params, authorization, audiences,
                                       t->now, &t->auth, &oauth_error);
    if (err && err->rc == MND_EINVAL)
        return refuse(r, HTTP_BAD_REQUEST, oauth_error ? oauth_error : "invalid_request", err->msg,
                      err->msg);
    if (err)
        return refuse_client(t, err->msg);
    return t->auth.jti ? assertion_fresh(t) : 1;
}

static int check_grant(token_req_t *t)
{
    const char *grant_type = mnd_oidc_param(t->params, "grant_type");
    if (!grant_type)
        return refuse(t->r, HTTP_BAD_REQUEST, "invalid_request", "grant_type is missing",
                      "no grant_type");
    if (strcmp(grant_type, "authorization_code") != 0)
        return refuse(t->r, HTTP_BAD_REQUEST, "unsupported_grant_type",
                      "only authorization_code is supported", "another grant_type");
    t->code_text = mnd_oidc_param(t->params, "code");
    if (!t->code_text)
        return refuse(t->r, HTTP_BAD_REQUEST, "invalid_request", "code is missing", "no code");
    return 1;
}

/* Where a redeemed code leaves its marker: a one-way derivative, so the marker's key never
 * is the code itself. */
static const char *used_id(token_req_t *t)
{
    return mnd_hmac_b64url(t->r->pool, "mandaat oidc code used", t->code_text, 32);
}

/* The code is gone. If it was redeemed, this is a replay: whoever holds it now (the client or
 * a thief), the access token it gave is revoked (RFC 6749 section 4.1.2). Either way
 * invalid_grant, and the same words: the answer does not tell which. */
static int code_gone(token_req_t *t)
{
    request_rec *r = t->r;
    const char *json, *jti = NULL;
    json_t *o;
    mnd_error_t *err =
        mnd_state_get(r, MND_PURPOSE_OIDC_CODE_USED, used_id(t), USED_MAX_JSON, &json);
    if (err && err->rc == MND_ESTORE)
        return fail(r, err, "looking for a redeemed code");
    if (!err && (o = json_loads(json, 0, NULL))) {
        if (json_is_string(json_object_get(o, "jti")))
            jti = apr_pstrdup(r->pool, json_string_value(json_object_get(o, "jti")));
        json_decref(o);
    }
    if (jti) {
        /* No grant: nothing was issued (a failure after the marker, a retry), or it expired. */
        int granted = 0;
        err = mnd_state_exists(r, MND_PURPOSE_OIDC_GRANT, jti, &granted);
        if (!err && granted)
            err = mnd_state_remove(r, MND_PURPOSE_OIDC_GRANT, jti);
        mnd_security_event(r, "oidc_code_replay",
                           apr_psprintf(r->pool,
                                        "(a redeemed code presented again by client "
                                        "%s; %s)",
                                        t->auth.client->client_id,
                                        err       ? "revoking its access token failed"
                                        : granted ? "its access token is revoked"
                                                  : "no access token of it is valid"));
        if (err)
            return fail(r, err, "revoking the access token of a replayed code");
    }
    return refuse(r, HTTP_BAD_REQUEST, "invalid_grant",
                  "the code is invalid, expired or already used",
                  jti ? "code replayed" : "unknown or expired code");
}

/* Take the code (single use) and check it against this request. */
static int redeem(token_req_t *t)
{
    request_rec *r = t->r;
    const char *json, *oauth_error = NULL;
    mnd_error_t *err = mnd_state_take(r, MND_PURPOSE_OIDC_CODE, t->code_text, CODE_MAX_JSON, &json);
    if (err && err->rc == MND_ENOTFOUND)
        return code_gone(t);
    if (err && err->rc == MND_ESTORE)
        return fail(r, err, "taking the code");
    if (!err)
        err = mnd_oidc_code_from_json(r->pool, json, strlen(json), &t->code);
    if (err)
        return refuse(r, HTTP_BAD_REQUEST, "invalid_grant",
                      "the code is invalid, expired or already used", err->msg);
    err = mnd_oidc_code_check(r->pool, t->code, t->auth.client, t->params, t->now, &oauth_error);
    if (err)
        return refuse(r, HTTP_BAD_REQUEST, oauth_error ? oauth_error : "invalid_grant", err->msg,
                      err->msg);
    return 1;
}

/* A JSON object of string and integer members (jansson), as text in p. */
static const char *dump_json(apr_pool_t *p, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    const char *out = s ? apr_pstrdup(p, s) : NULL;
    free(s);
    json_decref(o);
    return out;
}

/* Before anything is issued: the code's marker, so that a replay finds the access token. */
static mnd_error_t *mark_used(token_req_t *t, const char *jti)
{
    request_rec *r = t->r;
    const char *json = dump_json(
        r->pool, json_pack("{s:s, s:s}", "jti", jti, "client_id", t->auth.client->client_id));
    if (!json)
        return mnd_error(r->pool, MND_EINTERNAL, "cannot write the code-used marker");
    return mnd_state_put(r, MND_PURPOSE_OIDC_CODE_USED, used_id(t), json,
                         apr_time_from_sec(t->code->expires + t->op->access_token_ttl));
}

/* The access token's exp, as the core wrote it (never beyond the session's end). */
static mnd_error_t *claims_exp(apr_pool_t *p, const char *claims, mnd_time_t *exp)
{
    json_t *o = json_loads(claims, 0, NULL);
    json_t *v = json_object_get(o, "exp");
    *exp = json_is_integer(v) ? (mnd_time_t)json_integer_value(v) : 0;
    json_decref(o);
    return *exp > 0 ? NULL : mnd_error(p, MND_EINTERNAL, "access token claims without exp");
}

/* Claims and signatures of both tokens; *at_exp is the access token's exp. */
static mnd_error_t *sign_tokens(token_req_t *t, const mnd_oidc_issue_t *in, const char **idt,
                                const char **at, mnd_time_t *at_exp)
{
    apr_pool_t *p = t->r->pool;
    const mnd_jwt_key_t *key = APR_ARRAY_IDX(t->op->keys, 0, const mnd_jwt_key_t *);
    const char *idt_claims, *at_claims;
    MND_TRY(mnd_oidc_id_token_claims(p, in, &idt_claims));
    MND_TRY(mnd_oidc_access_token_claims(p, in, &at_claims));
    MND_TRY(claims_exp(p, at_claims, at_exp));
    MND_TRY(mnd_jwt_sign(key, p, "JWT", idt_claims, idt));
    return mnd_jwt_sign(key, p, "at+jwt", at_claims, at);
}

/* What userinfo needs, kept under the access token's jti until it expires. */
static mnd_error_t *keep_grant(token_req_t *t, const char *jti, mnd_time_t exp)
{
    request_rec *r = t->r;
    const char *json = dump_json(
        r->pool, json_pack("{s:s, s:s, s:I, s:s}", "client_id", t->auth.client->client_id, "scope",
                           t->code->scope, "auth_time", (json_int_t)t->code->auth_time, "session",
                           t->code->session_json));
    if (!json)
        return mnd_error(r->pool, MND_EINTERNAL, "cannot write the grant");
    return mnd_state_put(r, MND_PURPOSE_OIDC_GRANT, jti, json, apr_time_from_sec(exp));
}

/* The session of the code, unless it ended since (logout, single logout). */
static int code_session(token_req_t *t, mnd_session_t **s)
{
    request_rec *r = t->r;
    int ended = 0;
    mnd_error_t *err =
        mnd_session_from_json(r->pool, t->code->session_json, strlen(t->code->session_json), s);
    if (!err)
        err = mnd_state_exists(r, MND_PURPOSE_ENDED, (*s)->id, &ended);
    if (err)
        return fail(r, err, "reading the code's session");
    if (ended)
        return refuse(r, HTTP_BAD_REQUEST, "invalid_grant", "the session has ended",
                      "the code's session was logged out");
    return 1;
}

static int issue(token_req_t *t)
{
    request_rec *r = t->r;
    mnd_oidc_issue_t in = {0};
    mnd_session_t *s;
    mnd_store_t *st;
    const char *jti, *idt, *at, *json;
    mnd_time_t exp = 0;
    mnd_error_t *err = mnd_random_token(r->pool, 32, &jti);

    if (!err)
        err = mark_used(t, jti);
    if (err)
        return fail(r, err, "marking the code redeemed");
    if (!code_session(t, &s))
        return 0;
    in.issuer = t->op->issuer;
    in.client = t->auth.client;
    in.session = s;
    in.scope = t->code->scope;
    in.nonce = t->code->nonce;
    in.now = t->now;
    in.auth_time = t->code->auth_time;
    in.id_token_ttl = t->op->id_token_ttl;
    in.access_token_ttl = t->op->access_token_ttl;
    in.pairwise_secret = t->op->pairwise_secret;
    in.jti = jti;
    err = sign_tokens(t, &in, &idt, &at, &exp);
    if (err && (err->rc == MND_ECONFLICT || err->rc == MND_EFORBIDDEN))
        return refuse(r, HTTP_BAD_REQUEST, "invalid_grant", "the session has ended", err->msg);
    if (err)
        return fail(r, err, "issuing the tokens");
    /* Nothing is issued that the trail does not show. */
    err = mnd_glue_store(r, &st);
    if (!err)
        err = mnd_login_audit(r, st, s, "token.issued",
                              apr_psprintf(r->pool, "protocol=oidc client=%s jti=%s",
                                           t->auth.client->client_id, jti));
    if (err)
        return fail(r, mnd_error(r->pool, MND_ESTORE, "audit record: %s", err->msg),
                    "writing the audit record");
    err = keep_grant(t, jti, exp);
    if (!err)
        err = mnd_oidc_token_response(r->pool, at, (int)(exp - t->now), idt, t->code->scope, &json);
    if (err)
        return fail(r, err, "keeping the grant");
    apr_table_setn(r->notes, "MANDAAT_EVENT", "token");
    mnd_login_notes(r, s);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0065) "OIDC tokens issued to client %s: party=%s basis=%s "
                                  "service=%s jti=%.8s...",
                  t->auth.client->client_id, mnd_party_id_display(r->pool, s->party),
                  mnd_basis_name(s->basis), s->service_id, jti);
    mnd_oidc_send_json(r, HTTP_OK, json);
    return 1;
}

int mnd_handle_oidc_token(request_rec *r)
{
    token_req_t t = {0};

    t.r = r;
    t.op = mnd_oidc_op(r->server);
    if (!t.op) {
        mnd_req_fail(r, HTTP_NOT_FOUND, "not_found", NULL);
        return mnd_answer(r);
    }
    t.now = mnd_now();
    if (read_request(&t) && authenticate(&t) && check_grant(&t) && redeem(&t))
        issue(&t);
    return OK;
}
