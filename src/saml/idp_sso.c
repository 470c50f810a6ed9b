/* The Web SSO profile, IdP side, over lasso: receive an AuthnRequest (idp_decode.c checks it
 * first), keep it as a lasso dump while the person chooses, answer with a signed Response by
 * HTTP-POST, or deny. Every lasso object is released on every path. docs/saml.md. */
#include "saml/idp_int.h"

#include "crypto/seal.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <lasso/debug.h>
#include <string.h>

#define NAMEID_LABEL "mandaat-saml-nameid"
#define MAX_DUMP (256 * 1024)

static LassoSamlp2AuthnRequest *authn_request(LassoLogin *login)
{
    LassoNode *r = LASSO_PROFILE(login)->request;
    return LASSO_IS_SAMLP2_AUTHN_REQUEST(r) ? LASSO_SAMLP2_AUTHN_REQUEST(r) : NULL;
}

/* "<prefix><n>" with n a level 0..100, else -1. */
static int parse_loa_ref(const char *ref)
{
    size_t pl = strlen(MND_SAML_LOA_PREFIX), n;
    if (!ref || strncmp(ref, MND_SAML_LOA_PREFIX, pl) != 0)
        return -1;
    ref += pl;
    n = strlen(ref);
    if (n == 0 || n > 3 || strspn(ref, "0123456789") != n || (n > 1 && ref[0] == '0'))
        return -1;
    return atoi(ref) <= 100 ? atoi(ref) : -1;
}

/* The lowest level the SP accepts. Our levels are ordered, so "exact" is read as "minimum"
 * (a higher level satisfies it); "better" is one more; "maximum" is refused: we never issue
 * a level lower than the person's. Class references not ours are ignored, unless none is. */
static mnd_error_t *requested_loa(apr_pool_t *p, LassoSamlp2AuthnRequest *r, int *out)
{
    LassoSamlp2RequestedAuthnContext *rac = r->RequestedAuthnContext;
    const char *cmp;
    int best = -1, any = 0;
    *out = 0;
    if (!rac || (!rac->AuthnContextClassRef && !rac->AuthnContextDeclRef))
        return NULL;
    cmp = rac->Comparison ? rac->Comparison : "exact";
    for (GList *l = rac->AuthnContextClassRef; l; l = l->next, any++) {
        int n = parse_loa_ref((const char *)l->data);
        if (n >= 0 && (best < 0 || n < best))
            best = n;
    }
    if (best < 0)
        return mnd_error(p, MND_EINVAL, "SAML AuthnRequest: RequestedAuthnContext names no "
                                        "class %s<level> (%d given)", MND_SAML_LOA_PREFIX, any);
    if (strcmp(cmp, "exact") == 0 || strcmp(cmp, "minimum") == 0)
        *out = best;
    else if (strcmp(cmp, "better") == 0)
        *out = best + 1;
    else
        return mnd_error(p, MND_EINVAL, "SAML AuthnRequest: RequestedAuthnContext Comparison "
                                        "%s not supported", mnd_saml_printable(p, cmp));
    return NULL;
}

/* The request's fields from a processed (or restored) LassoLogin. */
static mnd_error_t *fill_request(apr_pool_t *p, const mnd_saml_sp_t *sp, LassoLogin *login,
                                 mnd_saml_request_t *r)
{
    LassoSamlp2AuthnRequest *ar = authn_request(login);
    const char *relay = LASSO_PROFILE(login)->msg_relayState;
    if (!ar || !ar->parent.ID || !ar->AssertionConsumerServiceURL)
        return mnd_error(p, MND_EINVAL, "SAML: the pending request is incomplete");
    r->sp_entity_id = sp->entity_id;
    r->service_id = sp->service_id;
    r->profile = sp->profile;
    r->request_id = apr_pstrdup(p, ar->parent.ID);
    r->acs_url = apr_pstrdup(p, ar->AssertionConsumerServiceURL);
    r->relay_state = relay ? apr_pstrdup(p, relay) : NULL;
    if (r->relay_state && strlen(r->relay_state) > MND_SAML_MAX_RELAY)
        return mnd_error(p, MND_EINVAL, "SAML: RelayState over %d bytes", MND_SAML_MAX_RELAY);
    r->force_authn = ar->ForceAuthn ? 1 : 0;
    r->is_passive = ar->IsPassive ? 1 : 0;
    return requested_loa(p, ar, &r->min_loa);
}

static mnd_error_t *lasso_refusal(apr_pool_t *p, LassoLogin *login, int rc, int verify,
                                  const char *issuer)
{
    int sig = LASSO_PROFILE(login)->signature_status;
    if (verify && sig)
        return mnd_error(p, MND_EFORBIDDEN, "SAML AuthnRequest from %s: bad signature: %s",
                         mnd_saml_printable(p, issuer), mnd_saml_lasso_err(p, sig));
    if (rc == LASSO_PROFILE_ERROR_INVALID_PROTOCOLPROFILE ||
        rc == LASSO_LOGIN_ERROR_NO_DEFAULT_ENDPOINT)
        return mnd_error(p, MND_EINVAL, "SAML AuthnRequest from %s: AssertionConsumerService "
                                        "not in the SP's metadata for HTTP-POST: %s",
                         mnd_saml_printable(p, issuer), mnd_saml_lasso_err(p, rc));
    return mnd_error(p, MND_EINVAL, "SAML AuthnRequest from %s refused by lasso: %s",
                     mnd_saml_printable(p, issuer), mnd_saml_lasso_err(p, rc));
}

/* Where the Response goes, from the SP's metadata only, and always by HTTP-POST. The choice is
 * written back into the request so that lasso, when it answers from the dump, uses it too. */
static mnd_error_t *pin_acs(apr_pool_t *p, const mnd_saml_sp_t *sp, LassoLogin *login,
                            const mnd_saml_inmsg_t *m)
{
    LassoSamlp2AuthnRequest *ar = authn_request(login);
    char *url = NULL;
    if ((m->has_acs_url || m->has_binding || m->has_acs_index) &&
        login->protocolProfile != LASSO_LOGIN_PROTOCOL_PROFILE_BRWS_POST)
        return mnd_error(p, MND_EINVAL, "SAML AuthnRequest from %s: the response binding "
                                        "must be HTTP-POST",
                         mnd_saml_printable(p, sp->entity_id));
    if (m->has_acs_url)
        url = g_strdup(ar->AssertionConsumerServiceURL);
    else if (m->has_acs_index)
        url = lasso_provider_get_assertion_consumer_service_url(
            lasso_server_get_provider(LASSO_PROFILE(login)->server, sp->entity_id),
            apr_psprintf(p, "%d", ar->AssertionConsumerServiceIndex));
    else
        url = g_strdup(sp->default_acs);
    if (!url)
        return mnd_error(p, MND_EINVAL, "SAML AuthnRequest from %s: no AssertionConsumerService",
                         mnd_saml_printable(p, sp->entity_id));
    lasso_assign_new_string(ar->AssertionConsumerServiceURL, url);
    lasso_assign_string(ar->ProtocolBinding, LASSO_SAML2_METADATA_BINDING_POST);
    ar->AssertionConsumerServiceIndex = -1;
    login->protocolProfile = LASSO_LOGIN_PROTOCOL_PROFILE_BRWS_POST;
    return NULL;
}

/* After lasso_login_process_authn_request_msg succeeded: agree with our own reading, pin the
 * ACS, keep the RelayState, dump. */
static mnd_error_t *accept_request(apr_pool_t *p, const mnd_saml_sp_t *sp, LassoLogin *login,
                                   const mnd_saml_inmsg_t *m, mnd_saml_request_t *r)
{
    LassoSamlp2AuthnRequest *ar = authn_request(login);
    gchar *dump;
    if (!ar || !ar->parent.ID || strcmp(ar->parent.ID, m->request_id) != 0 ||
        !LASSO_PROFILE(login)->remote_providerID ||
        strcmp(LASSO_PROFILE(login)->remote_providerID, sp->entity_id) != 0)
        return mnd_error(p, MND_EINVAL, "SAML AuthnRequest: lasso and mandaat read it "
                                        "differently");
    MND_TRY(pin_acs(p, sp, login, m));
    lasso_assign_string(LASSO_PROFILE(login)->msg_relayState, m->relay_state);
    MND_TRY(fill_request(p, sp, login, r));
    dump = lasso_login_dump(login);
    if (!dump)
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso_login_dump failed");
    r->dump = apr_pstrdup(p, dump);
    g_free(dump);
    return NULL;
}

/* lasso 2.8.1 (and 2.8.2) never frees the decoded signature in lasso_query_verify_helper:
 * about 260 bytes leak per verified HTTP-Redirect message. This wrapper exists so that
 * LeakSanitizer can be told about that leak and nothing else (tests/unit/lsan.supp); the
 * LassoLogin itself is allocated outside it, so forgetting to release it is still reported. */
__attribute__((noinline)) int mnd_saml_lasso_process_redirect(LassoLogin *login,
                                                              const char *query);
__attribute__((noinline)) int mnd_saml_lasso_process_redirect(LassoLogin *login,
                                                              const char *query)
{
    return lasso_login_process_authn_request_msg(login, query);
}

static mnd_error_t *check_flags(apr_pool_t *p)
{
    if (!lasso_flag_verify_signature || !lasso_flag_sign_messages || !lasso_flag_add_signature)
        return mnd_error(p, MND_EINTERNAL, "lasso signature checks or signing were turned off");
    return NULL;
}

mnd_error_t *mnd_saml_sso_receive(mnd_saml_idp_t *idp, apr_pool_t *p, const char *method,
                                  const char *query, const char *body,
                                  mnd_saml_request_t **out)
{
    mnd_saml_inmsg_t m;
    mnd_saml_sp_t *sp;
    LassoLogin *login;
    mnd_error_t *err = NULL;
    int rc, verify;

    MND_TRY(check_flags(p));
    MND_TRY(mnd_saml_decode_request(p, method, query, body, &m));
    if (!(sp = mnd_saml_find_sp(idp, m.issuer)))
        return mnd_error(p, MND_EFORBIDDEN, "SAML AuthnRequest from unknown SP %s",
                         mnd_saml_printable(p, m.issuer));
    if (idp->conf.want_signed_requests && !m.signed_msg)
        return mnd_error(p, MND_EFORBIDDEN, "SAML AuthnRequest from %s is not signed "
                                            "(signed requests are required)",
                         mnd_saml_printable(p, sp->entity_id));
    verify = idp->conf.want_signed_requests || m.signed_msg;
    if (!(login = lasso_login_new(idp->server)))
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso_login_new failed");
    lasso_profile_set_signature_verify_hint(LASSO_PROFILE(login),
                                            verify ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
                                                   : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
    /* lasso writes the roles of the shared server and provider here (see docs/saml.md). */
    apr_thread_mutex_lock(idp->lock);
    rc = m.redirect ? mnd_saml_lasso_process_redirect(login, m.lasso_msg)
                    : lasso_login_process_authn_request_msg(login, m.lasso_msg);
    apr_thread_mutex_unlock(idp->lock);
    if (rc || (verify && LASSO_PROFILE(login)->signature_status))
        err = lasso_refusal(p, login, rc, verify, sp->entity_id);
    else {
        *out = apr_pcalloc(p, sizeof **out);
        err = accept_request(p, sp, login, &m, *out);
    }
    lasso_release_gobject(login);
    return err;
}

/* A LassoLogin from a dump, for a known SP. */
static mnd_error_t *restore(mnd_saml_idp_t *idp, apr_pool_t *p, const char *dump,
                            LassoLogin **login, mnd_saml_sp_t **sp)
{
    if (!dump || strlen(dump) > MAX_DUMP)
        return mnd_error(p, MND_EINVAL, "SAML: pending request missing or over %d bytes",
                         MAX_DUMP);
    *login = lasso_login_new_from_dump(idp->server, dump);
    if (!*login)
        return mnd_error(p, MND_EINVAL, "SAML: lasso cannot read the pending request");
    *sp = mnd_saml_find_sp(idp, LASSO_PROFILE(*login)->remote_providerID);
    if (!*sp || !authn_request(*login)) {
        lasso_release_gobject(*login);
        return mnd_error(p, MND_EINVAL, "SAML: the pending request is for an unknown SP");
    }
    return NULL;
}

mnd_error_t *mnd_saml_request_from_dump(mnd_saml_idp_t *idp, apr_pool_t *p, const char *dump,
                                        mnd_saml_request_t **out)
{
    LassoLogin *login;
    mnd_saml_sp_t *sp;
    mnd_saml_request_t *r = apr_pcalloc(p, sizeof *r);
    mnd_error_t *err;
    MND_TRY(restore(idp, p, dump, &login, &sp));
    err = fill_request(p, sp, login, r);
    lasso_release_gobject(login);
    if (err)
        return err;
    r->dump = apr_pstrdup(p, dump);
    *out = r;
    return NULL;
}

/* ---- the Response ---- */

static mnd_error_t *make_nameid(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_sp_t *sp,
                                const char *person, LassoSaml2NameID **out)
{
    const char *value, *format;
    if (sp->nameid_transient) {
        MND_TRY(mnd_random_token(p, 24, &value));
        format = LASSO_SAML2_NAME_IDENTIFIER_FORMAT_TRANSIENT;
    } else {
        value = mnd_hmac_b64url(p, idp->pairwise_secret,
                                apr_pstrcat(p, NAMEID_LABEL "\n", sp->entity_id, "\n", person,
                                            NULL),
                                32);
        format = LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT;
    }
    if (!value)
        return mnd_error(p, MND_EINTERNAL, "SAML: cannot compute the NameID");
    *out = LASSO_SAML2_NAME_ID(lasso_saml2_name_id_new_with_string((char *)value));
    lasso_assign_string((*out)->Format, format);
    lasso_assign_string((*out)->NameQualifier, idp->conf.entity_id);
    lasso_assign_string((*out)->SPNameQualifier, sp->entity_id);
    return NULL;
}

static LassoSaml2Attribute *make_attr(const mnd_saml_attr_t *a)
{
    LassoSaml2Attribute *at = LASSO_SAML2_ATTRIBUTE(lasso_saml2_attribute_new());
    lasso_assign_string(at->Name, a->name);
    lasso_assign_string(at->NameFormat, a->name_format ? a->name_format
                                                       : LASSO_SAML2_ATTRIBUTE_NAME_FORMAT_URI);
    lasso_assign_string(at->FriendlyName, a->friendly_name);
    for (int i = 0; a->values && i < a->values->nelts; i++) {
        const char *v = APR_ARRAY_IDX(a->values, i, const char *);
        LassoSaml2AttributeValue *av = lasso_saml2_attribute_value_new();
        LassoMiscTextNode *t = lasso_misc_text_node_new_with_string(v ? v : "");
        /* Without text_child lasso writes the node as an element named XXX around the text
         * (found by the mellon interop test): the value must be the element's text. */
        t->text_child = TRUE;
        lasso_list_add_new_gobject(av->any, t);
        lasso_list_add_new_gobject(at->AttributeValue, av);
    }
    return at;
}

static mnd_error_t *add_attributes(apr_pool_t *p, LassoSaml2Assertion *as,
                                   const apr_array_header_t *attrs)
{
    LassoSaml2AttributeStatement *st;
    if (!attrs || attrs->nelts == 0)
        return NULL;
    st = LASSO_SAML2_ATTRIBUTE_STATEMENT(lasso_saml2_attribute_statement_new());
    for (int i = 0; i < attrs->nelts; i++) {
        const mnd_saml_attr_t *a = &APR_ARRAY_IDX(attrs, i, mnd_saml_attr_t);
        if (!a->name || !*a->name) {
            lasso_release_gobject(st);
            return mnd_error(p, MND_EINVAL, "SAML: attribute %d has no name", i);
        }
        lasso_list_add_new_gobject(st->Attribute, make_attr(a));
    }
    lasso_list_add_new_gobject(as->AttributeStatement, st);
    return NULL;
}

/* NameID, SessionIndex and attributes into the assertion lasso built. */
static mnd_error_t *shape_assertion(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_sp_t *sp,
                                    LassoLogin *login, const mnd_saml_subject_t *subject)
{
    LassoNode *node = lasso_login_get_assertion(login);
    LassoSaml2Assertion *as;
    LassoSaml2NameID *nid = NULL;
    mnd_error_t *err;
    if (!LASSO_IS_SAML2_ASSERTION(node) || !LASSO_SAML2_ASSERTION(node)->Subject) {
        lasso_release_gobject(node);
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso built no assertion");
    }
    as = LASSO_SAML2_ASSERTION(node);
    if (!(err = make_nameid(idp, p, sp, subject->person, &nid))) {
        lasso_assign_new_gobject(as->Subject->NameID, nid);
        if (subject->session_index && as->AuthnStatement)
            lasso_assign_string(
                LASSO_SAML2_AUTHN_STATEMENT(as->AuthnStatement->data)->SessionIndex,
                subject->session_index);
        err = add_attributes(p, as, subject->attrs);
    }
    lasso_release_gobject(node);
    return err;
}

static mnd_error_t *check_subject(apr_pool_t *p, const mnd_saml_request_t *req,
                                  const mnd_saml_subject_t *s)
{
    if (!s || !s->person || !*s->person)
        return mnd_error(p, MND_EINVAL, "SAML: no person to assert");
    if (s->loa < 0 || s->loa > 100)
        return mnd_error(p, MND_EINVAL, "SAML: level of assurance %d out of 0..100", s->loa);
    if (s->loa < req->min_loa)
        return mnd_error(p, MND_EFORBIDDEN, "SAML: level of assurance %d below the %d the SP "
                                            "requested",
                         s->loa, req->min_loa);
    return NULL;
}

/* The built message into out, posted only to the ACS chosen when the request was received. */
static mnd_error_t *take_post(apr_pool_t *p, LassoLogin *login, const mnd_saml_request_t *req,
                              mnd_saml_post_t *out)
{
    LassoProfile *pr = LASSO_PROFILE(login);
    if (!pr->msg_url || !pr->msg_body || strcmp(pr->msg_url, req->acs_url) != 0)
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso chose another ACS than the vetted one");
    out->url = apr_pstrdup(p, pr->msg_url);
    out->saml_response = apr_pstrdup(p, pr->msg_body);
    out->relay_state = pr->msg_relayState ? apr_pstrdup(p, pr->msg_relayState) : NULL;
    return NULL;
}

static mnd_error_t *build_response(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_sp_t *sp,
                                   LassoLogin *login, const mnd_saml_request_t *req,
                                   const mnd_saml_subject_t *s, mnd_time_t now,
                                   mnd_saml_post_t *out)
{
    LassoSamlp2AuthnRequest *ar = authn_request(login);
    const char *loa = apr_psprintf(p, "%s%d", MND_SAML_LOA_PREFIX, s->loa);
    const char *instant = mnd_time_format(p, s->authn_instant > 0 ? s->authn_instant : now);
    int rc;

    /* lasso would look for a stored federation for a persistent NameID; we compute ours. */
    if (ar->NameIDPolicy)
        lasso_assign_string(ar->NameIDPolicy->Format,
                            LASSO_SAML2_NAME_IDENTIFIER_FORMAT_TRANSIENT);
    if ((rc = lasso_login_validate_request_msg(login, TRUE, TRUE)))
        return mnd_error(p, MND_EINVAL, "SAML: lasso refused the pending request: %s",
                         mnd_saml_lasso_err(p, rc));
    if ((rc = lasso_login_build_assertion(login, loa, instant, NULL, mnd_time_format(p, now),
                                          mnd_time_format(p, now + idp->conf.assertion_lifetime))))
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso cannot build the assertion: %s",
                         mnd_saml_lasso_err(p, rc));
    MND_TRY(shape_assertion(idp, p, sp, login, s));
    if ((rc = lasso_login_build_authn_response_msg(login)))
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso cannot build the response: %s",
                         mnd_saml_lasso_err(p, rc));
    return take_post(p, login, req, out);
}

mnd_error_t *mnd_saml_sso_respond(mnd_saml_idp_t *idp, apr_pool_t *p,
                                  const mnd_saml_request_t *req,
                                  const mnd_saml_subject_t *subject, mnd_time_t now,
                                  mnd_saml_post_t *out)
{
    LassoLogin *login;
    mnd_saml_sp_t *sp;
    mnd_error_t *err;

    MND_TRY(check_flags(p));
    MND_TRY(check_subject(p, req, subject));
    MND_TRY(restore(idp, p, req->dump, &login, &sp));
    if (strcmp(sp->entity_id, req->sp_entity_id) != 0 ||
        strcmp(authn_request(login)->parent.ID, req->request_id) != 0)
        err = mnd_error(p, MND_EINVAL, "SAML: request and its dump disagree");
    else {
        lasso_profile_set_signature_hint(LASSO_PROFILE(login),
                                         sp->sign_response ? LASSO_PROFILE_SIGNATURE_HINT_FORCE
                                                           : LASSO_PROFILE_SIGNATURE_HINT_FORBID);
        /* The request's signature was checked when it arrived; the dump holds none. */
        lasso_profile_set_signature_verify_hint(LASSO_PROFILE(login),
                                                LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
        err = build_response(idp, p, sp, login, req, subject, now, out);
    }
    lasso_release_gobject(login);
    return err;
}

/* Responder with a second-level RequestDenied (lasso's) or NoPassive. */
static mnd_error_t *deny_status(apr_pool_t *p, LassoLogin *login, int no_passive)
{
    LassoNode *resp = LASSO_PROFILE(login)->response;
    LassoSamlp2Status *st;
    int rc = lasso_login_validate_request_msg(login, FALSE, FALSE);
    if (rc != LASSO_LOGIN_ERROR_REQUEST_DENIED)
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso did not deny: %s",
                         mnd_saml_lasso_err(p, rc));
    if (!LASSO_IS_SAMLP2_STATUS_RESPONSE(resp) ||
        !(st = LASSO_SAMLP2_STATUS_RESPONSE(resp)->Status) || !st->StatusCode ||
        !st->StatusCode->StatusCode)
        return mnd_error(p, MND_EINTERNAL, "SAML: lasso set no status");
    if (no_passive)
        lasso_assign_string(st->StatusCode->StatusCode->Value, LASSO_SAML2_STATUS_CODE_NO_PASSIVE);
    return NULL;
}

mnd_error_t *mnd_saml_sso_deny(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_request_t *req,
                               int no_passive, mnd_saml_post_t *out)
{
    LassoLogin *login;
    mnd_saml_sp_t *sp;
    mnd_error_t *err;
    int rc;

    MND_TRY(check_flags(p));
    MND_TRY(restore(idp, p, req->dump, &login, &sp));
    /* An error Response is signed too: it carries no assertion that could be. */
    lasso_profile_set_signature_hint(LASSO_PROFILE(login), LASSO_PROFILE_SIGNATURE_HINT_FORCE);
    lasso_profile_set_signature_verify_hint(LASSO_PROFILE(login),
                                            LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
    if (!(err = deny_status(p, login, no_passive))) {
        if ((rc = lasso_login_build_authn_response_msg(login)))
            err = mnd_error(p, MND_EINTERNAL, "SAML: lasso cannot build the response: %s",
                            mnd_saml_lasso_err(p, rc));
        else
            err = take_post(p, login, req, out);
    }
    lasso_release_gobject(login);
    return err;
}
