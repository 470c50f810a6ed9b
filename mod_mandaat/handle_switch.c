/* <MandaatEndpointPath>/switch: choose another party without a new eID login. An application
 * links here (?return_to=/app/path, optionally &login_hint=<ACM hint>); the person's current
 * session names the service, a new transaction starts and the chooser is shown, always (also
 * with a single capacity: the person asked to see it). The current session stays valid until
 * the new choice replaces it, so cancelling returns to it. */
#include "login.h"

#include <apr_strings.h>
#include <http_protocol.h>

/* The capacity key a login_hint designates among res, or NULL (a bad hint is no hint). */
static const char *hint_key(request_rec *r, mnd_store_t *st, const mnd_session_t *s)
{
    const char *raw = mnd_query_arg(r, "login_hint");
    mnd_login_hint_t hint;
    mnd_resolution_t *res;
    const mnd_capacity_t *cap;
    mnd_error_t *err;

    if (!raw)
        return NULL;
    err = mnd_login_hint_parse(r->pool, raw, &hint);
    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MND_LOGNO(0039) "login_hint ignored: %s",
                      err->msg);
        return NULL;
    }
    if (mnd_glue_resolve(r, st, s->actor, s->service_id, s->loa, &res))
        return NULL;
    cap = mnd_login_hint_match(res, &hint);
    return cap ? cap->key : NULL;
}

int mnd_handle_switch(request_rec *r)
{
    mnd_actor_t actor = {0};
    const char *insz, *return_to = mnd_query_arg(r, "return_to");
    mnd_session_t *s = NULL;
    mnd_store_t *st;
    mnd_txn_t *t;
    mnd_error_t *err;

    if (!mnd_method_ok(r, MND_M(M_GET), "GET, HEAD"))
        return mnd_answer(r);
    if (!mnd_login_actor(r, &actor, &insz))
        return mnd_answer(r);
    if (!return_to || !mnd_local_path_ok(return_to))
        return_to = "/";
    err = mnd_gateway_session_any(r, insz, &s);
    if (!err && !s) {
        mnd_req_fail(r, HTTP_BAD_REQUEST, "no_session", return_to);
        return mnd_answer(r);
    }
    if (!err)
        err = mnd_glue_store(r, &st);
    if (!err)
        err = mnd_login_begin(r, &actor, insz, s->service_id, "gateway", return_to, NULL,
                              hint_key(r, st, s), &t);
    if (err) {
        mnd_req_fail_error(r, err, "switching party");
        return mnd_answer(r);
    }
    mnd_req_redirect(r, mnd_endpoint_url(r, "choose"));
    return mnd_answer(r);
}
