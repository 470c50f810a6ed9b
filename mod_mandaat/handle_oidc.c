/* <MandaatEndpointPath>/oidc/authorize and oidc/login. oidc/authorize reads the request
 * strictly (src/oidc/params.c), has the core check it against the client registry, and goes on
 * at once when the person is already authenticated on this request; otherwise it parks the
 * checked request under a cookie and sends the browser to oidc/login, which the upstream
 * authentication protects (as saml/sso does: an upstream module that authenticates by
 * redirect loses a POST body on the way). Until the client and its redirect_uri are vetted,
 * refusals are error pages: nothing goes back to a URI we did not vet. */
#include "oidc.h"
#include "saml.h" /* mnd_read_body */

#include "oidc/params.h"

#include <apr_strings.h>
#include <http_protocol.h>

static const mnd_oidc_op_t *op_or_404(request_rec *r)
{
    const mnd_oidc_op_t *op = mnd_oidc_op(r->server);
    if (!op)
        mnd_req_fail(r, HTTP_NOT_FOUND, "not_found", NULL);
    return op;
}

/* The request's parameters: the query (GET) or the urlencoded form (POST), read strictly (a
 * parameter given twice refuses the request). NULL with r answered (400) when they are not. */
static apr_hash_t *read_params(request_rec *r)
{
    const char *text = r->args ? r->args : "", *ct;
    apr_hash_t *params;
    mnd_error_t *err = NULL;

    if (r->method_number == M_POST) {
        ct = apr_table_get(r->headers_in, "Content-Type");
        if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
            err = mnd_error(r->pool, MND_EINVAL, "a POST must be a urlencoded form");
        /* One byte over the limit reaches the parser, which names the rule. */
        else if (!(text = mnd_read_body(r, MND_OIDC_MAX_REQUEST + 1)))
            return NULL;
    }
    if (!err)
        err = mnd_oidc_params_parse(r->pool, text, &params);
    if (err) {
        /* Duplicates and odd encodings are how parameter pollution starts. */
        mnd_security_event(r, "oidc_request_malformed",
                           apr_psprintf(r->pool, "(%.300s)", err->msg));
        mnd_req_fail(r, HTTP_BAD_REQUEST, "oidc_request", NULL);
        return NULL;
    }
    return params;
}

/* Answer a refusal (e) with why in the log: a request we could not vet is a security event;
 * one refused after vetting goes back to the client as an error. */
static int refuse(request_rec *r, const mnd_oidc_authz_error_t *e, const char *why)
{
    if (!e->redirect)
        mnd_security_event(r, "oidc_request_refused",
                           apr_psprintf(r->pool, "(%s: %.300s)", e->error, why));
    else
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      MND_LOGNO(0058) "OIDC authorization request answered with %s: %.300s",
                      e->error, why);
    return mnd_oidc_authz_fail(r, e);
}

/* prompt=none and nobody authenticated: the upstream login would take over the screen. */
static int login_required(request_rec *r, const mnd_oidc_authz_t *a)
{
    mnd_oidc_authz_error_t e = {0};
    e.redirect = 1;
    e.error = "login_required";
    e.description = "the person is not logged in and prompt none forbids asking";
    e.redirect_uri = a->redirect_uri;
    e.state = a->state;
    e.form_post = a->form_post;
    return refuse(r, &e,
                  apr_psprintf(r->pool, "client %s asked prompt=none and nobody is logged in",
                               a->client->client_id));
}

/* Keep a until the person has authenticated at oidc/login. */
static int park(request_rec *r, const mnd_oidc_authz_t *a)
{
    const char *handle, *json;
    int lifetime = mnd_conf_txn_lifetime(r->server);
    mnd_error_t *err = mnd_oidc_authz_to_json(r->pool, a, &json);

    if (!err)
        err = mnd_random_token(r->pool, 32, &handle);
    if (!err)
        err = mnd_state_put(r, MND_PURPOSE_OIDC_PARKED, handle, json,
                            apr_time_now() + apr_time_from_sec(lifetime));
    if (err) {
        mnd_req_fail_error(r, err, "keeping the authorization request");
        return mnd_answer(r);
    }
    mnd_cookie_set(r, MND_COOKIE_OIDC, handle, mnd_endpoint_url(r, "oidc"), lifetime);
    mnd_req_redirect(r, mnd_endpoint_url(r, "oidc/login"));
    return mnd_answer(r);
}

int mnd_handle_oidc_authorize(request_rec *r)
{
    const mnd_oidc_op_t *op;
    mnd_oidc_authz_t *a;
    mnd_oidc_authz_error_t e = {0};
    mnd_actor_t actor = {0};
    apr_hash_t *params;
    mnd_error_t *err;

    if (!(op = op_or_404(r)) ||
        !mnd_method_ok(r, MND_M(M_GET) | MND_M(M_POST), "GET, HEAD, POST") ||
        !(params = read_params(r)))
        return mnd_answer(r);
    err = mnd_oidc_authorize_check(r->pool, op->clients, params, &a, &e);
    if (err)
        return refuse(r, &e, err->msg);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0059) "OIDC authorization request of client %s for service %s "
                                  "(prompt%s%s%s%s, max_age %ld, loa %d, %s)",
                  a->client->client_id, a->client->service_id,
                  a->prompt & MND_OIDC_PROMPT_NONE ? " none" : "",
                  a->prompt & MND_OIDC_PROMPT_LOGIN ? " login" : "",
                  a->prompt & MND_OIDC_PROMPT_SELECT_ACCOUNT ? " select_account" : "",
                  a->prompt ? "" : " -", a->max_age, a->min_loa,
                  a->form_post ? "form_post" : "query");
    /* Authenticated already (this location is protected, or the upstream module found its own
     * session): no detour. */
    if (mnd_actor_read(r, &actor) == NULL)
        return mnd_oidc_proceed(r, op, a);
    if (a->prompt & MND_OIDC_PROMPT_NONE)
        return login_required(r, a);
    return park(r, a);
}

int mnd_handle_oidc_login(request_rec *r)
{
    const mnd_oidc_op_t *op;
    mnd_oidc_authz_t *a;
    mnd_actor_t actor = {0};
    const char *insz, *handle, *json = NULL;
    mnd_error_t *err;

    if (!(op = op_or_404(r)) || !mnd_method_ok(r, MND_M(M_GET), "GET, HEAD") ||
        !mnd_login_actor(r, &actor, &insz))
        return mnd_answer(r);
    handle = mnd_cookie_handle(r, MND_COOKIE_OIDC);
    err = handle ? mnd_state_take(r, MND_PURPOSE_OIDC_PARKED, handle, MND_TXN_MAX_JSON, &json)
                 : mnd_error(r->pool, MND_ENOTFOUND, "no cookie");
    mnd_cookie_clear(r, MND_COOKIE_OIDC, mnd_endpoint_url(r, "oidc"));
    if (err && err->rc == MND_ESTORE) {
        mnd_req_fail_error(r, err, "reading the authorization request");
        return mnd_answer(r);
    }
    if (!err)
        err = mnd_oidc_authz_from_json(r->pool, op->clients, json, &a);
    if (err) {
        /* Used, expired, never there, or its client changed meanwhile: the client has to
         * start again. */
        mnd_req_fail(r, HTTP_BAD_REQUEST, "txn_expired", NULL);
        return mnd_answer(r);
    }
    return mnd_oidc_proceed(r, op, a);
}
