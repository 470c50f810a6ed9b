/* <MandaatEndpointPath>/saml/slo: single logout started by a service provider. The core
 * checks the LogoutRequest (signature by the SP's metadata key, as for an AuthnRequest); the
 * sessions it names by SessionIndex (a value only that SP received, in its assertion) end for
 * good, and so does the session of the browser's cookie, which is the person's own browser
 * carrying the front-channel request. The LogoutResponse goes to the SP's logout endpoint
 * from its metadata. */
#include "saml.h"

#include <apr_strings.h>
#include <http_protocol.h>

/* End the session that SessionIndex sidx names, if it still exists. */
static mnd_error_t *end_indexed(request_rec *r, const char *sidx, int *ended)
{
    const char *handle = NULL;
    mnd_error_t *err = mnd_state_take(r, MND_PURPOSE_SAML_SIDX, sidx, 256, &handle);
    if (err && (err->rc == MND_ENOTFOUND || err->rc == MND_EINVAL))
        return NULL; /* ended before, expired, or not ours */
    MND_TRY(err);
    MND_TRY(mnd_login_end_session(r, handle));
    (*ended)++;
    return NULL;
}

static mnd_error_t *end_sessions(request_rec *r, const mnd_saml_logout_t *lr, int *ended)
{
    const char *cookie = mnd_cookie_handle(r, MND_COOKIE_SESSION);
    int i;
    for (i = 0; lr->session_indexes && i < lr->session_indexes->nelts; i++) {
        const char *sidx = APR_ARRAY_IDX(lr->session_indexes, i, const char *);
        /* Ours are 32 base64url characters; anything else names nothing here. */
        if (strlen(sidx) == 32 && strspn(sidx, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                                               "vwxyz0123456789-_") == 32)
            MND_TRY(end_indexed(r, sidx, ended));
    }
    if (cookie) {
        MND_TRY(mnd_login_end_session(r, cookie));
        (*ended)++;
    }
    mnd_cookie_clear(r, MND_COOKIE_SESSION, "/");
    return NULL;
}

int mnd_handle_saml_slo(request_rec *r)
{
    mnd_saml_idp_t *idp = mnd_saml_idp(r->server);
    mnd_saml_logout_t *lr;
    mnd_saml_slo_answer_t ans = {0};
    const char *query, *body;
    mnd_error_t *err;
    int ended = 0;

    if (!idp) {
        mnd_req_fail(r, HTTP_NOT_FOUND, "not_found", NULL);
        return mnd_answer(r);
    }
    if (!mnd_method_ok(r, MND_M(M_GET) | MND_M(M_POST), "GET, POST") ||
        !mnd_saml_read_message(r, &query, &body))
        return mnd_answer(r);
    err = mnd_saml_slo_receive(idp, r->pool, r->method_number == M_POST ? "POST" : "GET", query,
                               body, mnd_now(), &lr);
    if (err) {
        mnd_security_event(r, "saml_logout_refused", err->msg);
        mnd_req_fail(r, err->rc == MND_EFORBIDDEN ? HTTP_FORBIDDEN : HTTP_BAD_REQUEST,
                     "saml_request", NULL);
        return mnd_answer(r);
    }
    /* A replayed LogoutRequest, sent through a victim's browser, would end the session the
     * person has now. */
    if (!mnd_saml_fresh_id(r, "LogoutRequest", lr->sp_entity_id, lr->request_id))
        return mnd_answer(r);
    /* Fail closed: a store that cannot end the session gets no "logged out" answer. */
    err = end_sessions(r, lr, &ended);
    if (!err)
        err = mnd_saml_slo_respond(idp, r->pool, lr, 1, &ans);
    if (err) {
        mnd_req_fail_error(r, err, "SAML logout");
        return mnd_answer(r);
    }
    apr_table_setn(r->notes, "MANDAAT_EVENT", "saml-logout");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0051) "SAML logout from %.128s (request %.64s): %d session(s) ended",
                  lr->sp_entity_id, lr->request_id, ended);
    if (ans.redirect_url) {
        mnd_req_redirect(r, ans.redirect_url);
        return mnd_answer(r);
    }
    return mnd_saml_post_page(r, &ans.post, "saml.logout.title", "saml.logout.done");
}
