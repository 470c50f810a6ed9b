/* <MandaatEndpointPath>/cancel (POST with the chooser's CSRF token): the person does not want
 * to act for anyone now. The transaction is removed; a session from before a switch stays. */
#include "oidc.h"
#include "saml.h"

#include <apr_strings.h>
#include <http_protocol.h>

int mnd_handle_cancel(request_rec *r)
{
    mnd_actor_t actor = {0};
    const char *insz, *csrf;
    mnd_session_t *s = NULL;
    apr_hash_t *form;
    mnd_txn_t *t;

    if (!mnd_method_ok(r, MND_M(M_POST), "POST"))
        return mnd_answer(r);
    if (!mnd_login_actor(r, &actor, &insz) || !mnd_login_txn(r, insz, &t) ||
        !(form = mnd_read_form(r)))
        return mnd_answer(r);
    csrf = apr_hash_get(form, "csrf", APR_HASH_KEY_STRING);
    if (!mnd_ct_streq(csrf, t->csrf)) {
        mnd_security_event(r, "bad_csrf", "(cancel: the form's token is not the transaction's)");
        mnd_req_fail(r, HTTP_FORBIDDEN, "csrf", NULL);
        return mnd_answer(r);
    }
    if (mnd_state_remove(r, MND_PURPOSE_TXN, t->id)) {
        mnd_req_fail(r, HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL);
        return mnd_answer(r);
    }
    mnd_cookie_clear(r, MND_COOKIE_TXN, mnd_conf_endpoint_path(r->server));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MND_LOGNO(0040) "login cancelled by the person");
    if (!strcmp(t->protocol, "saml"))
        return mnd_saml_after_cancel(r, t);
    if (!strcmp(t->protocol, "oidc"))
        return mnd_oidc_after_cancel(r, t);
    /* With a session to return to (a cancelled switch), the link goes back to the app. */
    if (mnd_gateway_session_any(r, insz, &s) == NULL && s)
        return mnd_page_notice(r, "cancel.title", "cancel.done", t->return_to);
    return mnd_page_notice(r, "cancel.title", "cancel.done", NULL);
}

int mnd_handle_logout(request_rec *r)
{
    const char *handle = mnd_cookie_handle(r, MND_COOKIE_SESSION);

    if (!mnd_method_ok(r, MND_M(M_GET) | MND_M(M_POST), "GET, HEAD, POST"))
        return mnd_answer(r);
    /* No identity needed: ending a session is always allowed. The marker first, so that a
     * concurrent request writing the session back cannot revive it. */
    if (handle) {
        mnd_error_t *err = mnd_login_end_session(r, handle);
        if (err) {
            mnd_req_fail_error(r, err, "logging out");
            return mnd_answer(r);
        }
    }
    mnd_cookie_clear(r, MND_COOKIE_SESSION, "/");
    return mnd_page_notice(r, "logout.title", "logout.done", "/");
}
