/* Single logout, SP-initiated, IdP side, over lasso: receive a LogoutRequest (idp_decode.c
 * checks it first, as an AuthnRequest), hand the glue the NameID and SessionIndex values, and
 * answer with a signed LogoutResponse. lasso's own IdP-side logout wants a LassoSession holding
 * the assertion (lasso_logout_validate_request); we keep none, so the response is built here
 * from lasso's public node types and lasso signs and encodes it (docs/saml.md, "Single
 * logout"). Every lasso object is released on every path. */
#include "saml/idp_int.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>
#include <lasso/xml/saml-2.0/samlp2_logout_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <lasso/xml/tools.h>
#include <string.h>

#define MAX_DUMP (256 * 1024)
#define MAX_SESSION_INDEXES 32

static LassoSamlp2LogoutRequest *logout_request(LassoLogout *lo)
{
    LassoNode *r = LASSO_PROFILE(lo)->request;
    return LASSO_IS_SAMLP2_LOGOUT_REQUEST(r) ? LASSO_SAMLP2_LOGOUT_REQUEST(r) : NULL;
}

static mnd_error_t *check_flags(apr_pool_t *p)
{
    if (!lasso_flag_verify_signature || !lasso_flag_sign_messages || !lasso_flag_add_signature)
        return mnd_error(p, MND_EINTERNAL, "lasso signature checks or signing were turned off");
    return NULL;
}

/* lasso's leak of the decoded query signature (lasso_query_verify_helper, see
 * mnd_saml_lasso_process_redirect in idp_sso.c) happens here too, for every verified
 * HTTP-Redirect LogoutRequest; this wrapper is what tests/unit/lsan.supp names. */
__attribute__((noinline)) int mnd_saml_lasso_logout_redirect(LassoLogout *lo, const char *query);
__attribute__((noinline)) int mnd_saml_lasso_logout_redirect(LassoLogout *lo, const char *query)
{
    return lasso_logout_process_request_msg(lo, (char *)query);
}

static mnd_error_t *lasso_refusal(apr_pool_t *p, LassoLogout *lo, int rc, int verify,
                                  const char *issuer)
{
    int sig = LASSO_PROFILE(lo)->signature_status;
    if (verify && sig)
        return mnd_error(p, MND_EFORBIDDEN, "SAML LogoutRequest from %s: bad signature: %s",
                         mnd_saml_printable(p, issuer), mnd_saml_lasso_err(p, sig));
    return mnd_error(p, MND_EINVAL, "SAML LogoutRequest from %s refused by lasso: %s",
                     mnd_saml_printable(p, issuer), mnd_saml_lasso_err(p, rc));
}

/* What lasso does not check: Destination (when given) is our SLO URL, NotOnOrAfter is after
 * now. Both are in the signed part of the message. */
static mnd_error_t *check_validity(mnd_saml_idp_t *idp, apr_pool_t *p, const char *sp,
                                   LassoSamlp2LogoutRequest *lr, mnd_time_t now)
{
    const char *dest = lr->parent.Destination;
    mnd_time_t until;
    if (dest && strcmp(dest, idp->conf.slo_url) != 0)
        return mnd_error(p, MND_EINVAL, "SAML LogoutRequest from %s: Destination %s is not "
                                        "our SingleLogoutService",
                         mnd_saml_printable(p, sp), mnd_saml_printable(p, dest));
    if (!lr->NotOnOrAfter)
        return NULL;
    if (mnd_time_parse(p, lr->NotOnOrAfter, &until))
        return mnd_error(p, MND_EINVAL, "SAML LogoutRequest from %s: NotOnOrAfter %s is not "
                                        "a time",
                         mnd_saml_printable(p, sp), mnd_saml_printable(p, lr->NotOnOrAfter));
    if (now >= until)
        return mnd_error(p, MND_EINVAL, "SAML LogoutRequest from %s: expired (NotOnOrAfter "
                                        "%s, now %s)",
                         mnd_saml_printable(p, sp), mnd_saml_printable(p, lr->NotOnOrAfter),
                         mnd_time_format(p, now));
    return NULL;
}

/* The SessionIndex values, copied into p. */
static mnd_error_t *session_indexes(apr_pool_t *p, const char *sp, LassoSamlp2LogoutRequest *lr,
                                    apr_array_header_t **out)
{
    GList *list = lasso_samlp2_logout_request_get_session_indexes(lr);
    int n = (int)g_list_length(list);
    if (n > MAX_SESSION_INDEXES) {
        lasso_release_list_of_strings(list);
        return mnd_error(p, MND_EINVAL, "SAML LogoutRequest from %s: %d SessionIndex, at most "
                                        "%d",
                         mnd_saml_printable(p, sp), n, MAX_SESSION_INDEXES);
    }
    *out = apr_array_make(p, n > 0 ? n : 1, sizeof(const char *));
    for (GList *l = list; l; l = l->next)
        if (l->data)
            APR_ARRAY_PUSH(*out, const char *) = apr_pstrdup(p, (const char *)l->data);
    lasso_release_list_of_strings(list);
    return NULL;
}

/* After lasso_logout_process_request_msg succeeded: agree with our own reading, check the
 * validity window, fill out, dump. */
static mnd_error_t *accept_request(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_sp_t *sp,
                                   LassoLogout *lo, const mnd_saml_inmsg_t *m, mnd_time_t now,
                                   mnd_saml_logout_t *out)
{
    LassoSamlp2LogoutRequest *lr = logout_request(lo);
    const char *remote = LASSO_PROFILE(lo)->remote_providerID;
    gchar *dump;
    if (!lr || !lr->parent.ID || strcmp(lr->parent.ID, m->request_id) != 0 || !remote ||
        strcmp(remote, sp->entity_id) != 0 || !LASSO_IS_SAML2_NAME_ID(lr->NameID) ||
        !lr->NameID->content)
        return mnd_error(p, MND_EINVAL, "SAML LogoutRequest: lasso and mandaat read it "
                                        "differently");
    MND_TRY(check_validity(idp, p, sp->entity_id, lr, now));
    MND_TRY(session_indexes(p, sp->entity_id, lr, &out->session_indexes));
    out->sp_entity_id = sp->entity_id;
    out->request_id = apr_pstrdup(p, lr->parent.ID);
    out->name_id = apr_pstrdup(p, lr->NameID->content);
    out->relay_state = m->relay_state ? apr_pstrdup(p, m->relay_state) : NULL;
    out->post = !m->redirect;
    /* Ours, not lasso's reading of the query: the RelayState we checked goes back. */
    lasso_assign_string(LASSO_PROFILE(lo)->msg_relayState, m->relay_state);
    dump = lasso_logout_dump(lo);
    if (!dump)
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso_logout_dump failed");
    out->dump = apr_pstrdup(p, dump);
    g_free(dump);
    return NULL;
}

mnd_error_t *mnd_saml_slo_receive(mnd_saml_idp_t *idp, apr_pool_t *p, const char *method,
                                  const char *query, const char *body, mnd_time_t now,
                                  mnd_saml_logout_t **out)
{
    mnd_saml_inmsg_t m;
    mnd_saml_sp_t *sp;
    LassoLogout *lo;
    mnd_error_t *err;
    int rc, verify;

    MND_TRY(check_flags(p));
    MND_TRY(mnd_saml_decode_message(p, MND_SAML_MSG_LOGOUT_REQUEST, method, query, body, &m));
    if (!(sp = mnd_saml_find_sp(idp, m.issuer)))
        return mnd_error(p, MND_EFORBIDDEN, "SAML LogoutRequest from unknown SP %s",
                         mnd_saml_printable(p, m.issuer));
    if (idp->conf.want_signed_requests && !m.signed_msg)
        return mnd_error(p, MND_EFORBIDDEN, "SAML LogoutRequest from %s is not signed "
                                            "(signed requests are required)",
                         mnd_saml_printable(p, sp->entity_id));
    verify = idp->conf.want_signed_requests || m.signed_msg;
    if (!(lo = lasso_logout_new(idp->server)))
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso_logout_new failed");
    lasso_profile_set_signature_verify_hint(LASSO_PROFILE(lo),
                                            verify ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
                                                   : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
    /* No lock: lasso 2.8.1's SAML 2.0 logout request path writes no role on the shared server
     * or provider (docs/saml.md, "Single logout"). */
    rc = m.redirect ? mnd_saml_lasso_logout_redirect(lo, m.lasso_msg)
                    : lasso_logout_process_request_msg(lo, (char *)m.lasso_msg);
    if (rc || (verify && LASSO_PROFILE(lo)->signature_status))
        err = lasso_refusal(p, lo, rc, verify, sp->entity_id);
    else {
        *out = apr_pcalloc(p, sizeof **out);
        err = accept_request(idp, p, sp, lo, &m, now, *out);
    }
    lasso_release_gobject(lo);
    return err;
}

/* ---- the LogoutResponse ---- */

/* A LassoLogout from the dump, for a known SP, agreeing with req. */
static mnd_error_t *restore(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_logout_t *req,
                            LassoLogout **lo, mnd_saml_sp_t **sp)
{
    LassoSamlp2LogoutRequest *lr;
    const char *remote;
    if (!req || !req->dump || strlen(req->dump) > MAX_DUMP)
        return mnd_error(p, MND_EINVAL, "SAML: logout request missing or over %d bytes",
                         MAX_DUMP);
    if (!(*lo = lasso_logout_new_from_dump(idp->server, req->dump)))
        return mnd_error(p, MND_EINVAL, "SAML: lasso cannot read the logout request");
    lr = logout_request(*lo);
    remote = LASSO_PROFILE(*lo)->remote_providerID;
    *sp = mnd_saml_find_sp(idp, remote);
    if (!*sp || !lr || !lr->parent.ID || !req->sp_entity_id || !req->request_id ||
        strcmp(remote, req->sp_entity_id) != 0 || strcmp(lr->parent.ID, req->request_id) != 0) {
        lasso_release_gobject(*lo);
        return mnd_error(p, MND_EINVAL, "SAML: logout request and its dump disagree, or the "
                                        "SP is unknown");
    }
    return NULL;
}

/* The SP's SingleLogoutService for binding ("HTTP-Redirect", "HTTP-POST"): ResponseLocation,
 * else Location; NULL when none. The same keys lasso looks up when it builds the message. */
static const char *slo_endpoint(apr_pool_t *p, LassoProvider *prov, const char *binding)
{
    gchar *url = lasso_provider_get_metadata_one(
        prov, apr_psprintf(p, "SingleLogoutService %s ResponseLocation", binding));
    const char *r;
    if (!url)
        url = lasso_provider_get_metadata_one(prov,
                                              apr_psprintf(p, "SingleLogoutService %s", binding));
    r = url ? apr_pstrdup(p, url) : NULL;
    g_free(url);
    return r;
}

/* The request's binding when the SP has an endpoint for it, else the other one. */
static mnd_error_t *choose_binding(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_sp_t *sp,
                                   const mnd_saml_logout_t *req, LassoHttpMethod *method,
                                   const char **url)
{
    LassoProvider *prov = lasso_server_get_provider(idp->server, sp->entity_id);
    const char *redirect = prov ? slo_endpoint(p, prov, "HTTP-Redirect") : NULL;
    const char *post = prov ? slo_endpoint(p, prov, "HTTP-POST") : NULL;
    if (redirect && (!req->post || !post)) {
        *method = LASSO_HTTP_METHOD_REDIRECT;
        *url = redirect;
    } else if (post) {
        *method = LASSO_HTTP_METHOD_POST;
        *url = post;
    } else
        return mnd_error(p, MND_EINVAL, "SAML SP %s: no SingleLogoutService for HTTP-Redirect "
                                        "or HTTP-POST in its metadata",
                         mnd_saml_printable(p, sp->entity_id));
    return NULL;
}

/* What lasso_saml20_profile_init_response would make (it is not exported): ID, Version,
 * IssueInstant, Issuer, InResponseTo, and the status. */
static LassoSamlp2StatusResponse *make_response(mnd_saml_idp_t *idp, apr_pool_t *p,
                                                LassoSamlp2LogoutRequest *lr, int ok)
{
    LassoSamlp2StatusResponse *r =
        LASSO_SAMLP2_STATUS_RESPONSE(lasso_samlp2_logout_response_new());
    LassoSamlp2Status *st = LASSO_SAMLP2_STATUS(lasso_samlp2_status_new());
    LassoSamlp2StatusCode *code = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
    lasso_assign_new_string(r->ID, lasso_build_unique_id(32));
    lasso_assign_string(r->Version, "2.0");
    lasso_assign_string(r->IssueInstant, mnd_time_format(p, mnd_now()));
    lasso_assign_new_gobject(r->Issuer, LASSO_SAML2_NAME_ID(lasso_saml2_name_id_new_with_string(
                                            (char *)idp->conf.entity_id)));
    lasso_assign_string(r->InResponseTo, lr->parent.ID);
    if (ok) {
        lasso_assign_string(code->Value, LASSO_SAML2_STATUS_CODE_SUCCESS);
    } else {
        /* The session could not be ended (not found, or the glue failed): the SP must not
         * take the person as logged out here. */
        LassoSamlp2StatusCode *sub = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
        lasso_assign_string(code->Value, LASSO_SAML2_STATUS_CODE_RESPONDER);
        lasso_assign_string(sub->Value, LASSO_SAML2_STATUS_CODE_PARTIAL_LOGOUT);
        lasso_assign_new_gobject(code->StatusCode, sub);
    }
    lasso_assign_new_gobject(st->StatusCode, code);
    lasso_assign_new_gobject(r->Status, st);
    return r;
}

/* The built message into out, only to the endpoint we chose from the SP's metadata. */
static mnd_error_t *take_answer(apr_pool_t *p, LassoLogout *lo, LassoHttpMethod method,
                                const char *url, mnd_saml_slo_answer_t *out)
{
    LassoProfile *pr = LASSO_PROFILE(lo);
    size_t n = strlen(url);
    memset(out, 0, sizeof *out);
    if (method == LASSO_HTTP_METHOD_REDIRECT) {
        if (!pr->msg_url || strncmp(pr->msg_url, url, n) != 0 ||
            (pr->msg_url[n] != '?' && pr->msg_url[n] != '&') || !strstr(pr->msg_url, "Signature="))
            return mnd_error(p, MND_EINTERNAL, "SAML: lasso built another LogoutResponse URL "
                                               "than the vetted one, or an unsigned one");
        out->redirect_url = apr_pstrdup(p, pr->msg_url);
        return NULL;
    }
    if (!pr->msg_url || !pr->msg_body || strcmp(pr->msg_url, url) != 0)
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso chose another SingleLogoutService "
                                           "than the vetted one");
    out->post.url = apr_pstrdup(p, pr->msg_url);
    out->post.saml_response = apr_pstrdup(p, pr->msg_body);
    out->post.relay_state = pr->msg_relayState ? apr_pstrdup(p, pr->msg_relayState) : NULL;
    return NULL;
}

mnd_error_t *mnd_saml_slo_respond(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_logout_t *req,
                                  int ok, mnd_saml_slo_answer_t *out)
{
    LassoLogout *lo;
    mnd_saml_sp_t *sp;
    LassoHttpMethod method;
    const char *url;
    mnd_error_t *err;
    int rc;

    MND_TRY(check_flags(p));
    MND_TRY(restore(idp, p, req, &lo, &sp));
    if (!(err = choose_binding(idp, p, sp, req, &method, &url))) {
        lasso_assign_new_gobject(LASSO_PROFILE(lo)->response,
                                 LASSO_NODE(make_response(idp, p, logout_request(lo), ok)));
        /* lasso answers by the binding the request came by (initial_http_request_method, kept
         * in the dump) and has no setter for it: this field of the installed header is the
         * only way to answer a Redirect request by POST. */
        lo->initial_http_request_method = method;
        lasso_profile_set_signature_hint(LASSO_PROFILE(lo), LASSO_PROFILE_SIGNATURE_HINT_FORCE);
        lasso_profile_set_signature_verify_hint(LASSO_PROFILE(lo),
                                                LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
        if ((rc = lasso_logout_build_response_msg(lo)))
            err = mnd_error(p, MND_EINTERNAL, "SAML: lasso cannot build the LogoutResponse: %s",
                            mnd_saml_lasso_err(p, rc));
        else
            err = take_answer(p, lo, method, url, out);
    }
    lasso_release_gobject(lo);
    return err;
}
