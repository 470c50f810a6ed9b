/* Answering a pending AuthnRequest: with the person's session for the SP's service when there
 * is one, else after the choice (the login path's chooser, protocol "saml"), or with a denial
 * (cancel, no capacity, IsPassive when a choice is needed, a level of assurance below the
 * request's). The answer is a page that posts the Response to the ACS URL the core vetted
 * against the SP's metadata; nothing else decides where it goes. */
#include "saml.h"

#include "saml/attrs.h"

#include <apr_strings.h>
#include <http_protocol.h>

/* The SessionIndex of session s: a one-way derivative of its handle, so that the SP can name
 * the session in a LogoutRequest without holding a handle that opens it. */
static const char *session_index(apr_pool_t *p, const mnd_session_t *s)
{
    return mnd_hmac_b64url(p, s->id, "mandaat saml session index", 24);
}

static mnd_error_t *audit_assertion(request_rec *r, mnd_store_t *st, const mnd_session_t *s,
                                    const mnd_saml_request_t *req)
{
    return mnd_login_audit(r, st, s, "assertion.issued",
                           apr_psprintf(r->pool, "protocol=saml sp=%s request=%s acs=%s",
                                        req->sp_entity_id, req->request_id, req->acs_url));
}

/* Answer req with session s: the audit record, the SessionIndex kept for logout, the signed
 * Response posted to the SP. */
static int respond(request_rec *r, mnd_store_t *st, const mnd_saml_request_t *req,
                   const mnd_session_t *s)
{
    mnd_saml_idp_t *idp = mnd_saml_idp(r->server);
    mnd_saml_subject_t subj = {0};
    mnd_saml_post_t post;
    apr_array_header_t *attrs;
    mnd_error_t *err;

    subj.person = s->actor;
    subj.loa = s->loa;
    subj.authn_instant = s->created;
    subj.session_index = session_index(r->pool, s);
    err = mnd_saml_attrs(r->pool, s, req->profile, &attrs);
    subj.attrs = attrs;
    if (!err)
        err = mnd_saml_sso_respond(idp, r->pool, req, &subj, mnd_now(), &post);
    /* Nothing is issued that the trail does not show. */
    if (!err)
        err = audit_assertion(r, st, s, req);
    if (!err)
        err = mnd_state_put(r, MND_PURPOSE_SAML_SIDX, subj.session_index, s->id,
                            apr_time_from_sec(s->expires));
    if (err) {
        mnd_req_fail_error(r, err, "issuing the SAML assertion");
        return mnd_answer(r);
    }
    apr_table_setn(r->notes, "MANDAAT_EVENT", "assertion");
    mnd_login_notes(r, s);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0048) "SAML assertion for %.128s (request %.64s): party=%s "
                                  "basis=%s",
                  req->sp_entity_id, req->request_id, s->party, mnd_basis_name(s->basis));
    return mnd_saml_post_page(r, &post, "saml.post.title", "saml.post.message");
}

/* A denial: RequestDenied (or NoPassive) posted to the SP after a page that says why. With
 * auto set the page submits itself (NoPassive: nobody is there to read it). */
int mnd_saml_deny(request_rec *r, const mnd_saml_request_t *req, int no_passive,
                  const char *message_key, int auto_post)
{
    mnd_saml_post_t post;
    mnd_error_t *err =
        mnd_saml_sso_deny(mnd_saml_idp(r->server), r->pool, req, no_passive, &post);
    if (err) {
        mnd_req_fail_error(r, err, "denying the SAML request");
        return mnd_answer(r);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0049) "SAML request %.64s of %.128s denied: %s", req->request_id,
                  req->sp_entity_id, message_key);
    apr_table_setn(r->notes, "MANDAAT_EVENT", no_passive ? "saml-no-passive" : "saml-denied");
    if (!auto_post)
        mnd_req(r)->manual_post = 1;
    return mnd_saml_post_page(r, &post, "saml.denied.title", message_key);
}

/* One capacity and auto-select, or the chooser. */
static int choose_or_complete(request_rec *r, mnd_store_t *st, const mnd_actor_t *actor,
                              const char *insz, const mnd_saml_request_t *req,
                              const mnd_resolution_t *res)
{
    mnd_txn_t *t;
    mnd_session_t *s;
    mnd_error_t *err = mnd_login_begin(r, actor, insz, req->service_id, "saml", NULL, req->dump,
                                       NULL, &t);
    if (!err && res->capacities->nelts == 1 && mnd_conf_chooser_auto_select(mnd_dir_conf(r))) {
        err = mnd_login_complete(
            r, st, t, APR_ARRAY_IDX(res->capacities, 0, const mnd_capacity_t *), &s);
        if (!err)
            return respond(r, st, req, s);
    }
    if (err) {
        mnd_req_fail_error(r, err, "starting the choice");
        return mnd_answer(r);
    }
    mnd_req_redirect(r, mnd_endpoint_url(r, "choose"));
    return mnd_answer(r);
}

int mnd_saml_proceed(request_rec *r, mnd_saml_idp_t *idp, const mnd_saml_request_t *req)
{
    mnd_actor_t actor = {0};
    mnd_store_t *st;
    mnd_session_t *s = NULL;
    mnd_resolution_t *res;
    const char *insz;
    mnd_error_t *err;
    (void)idp;

    if (!mnd_login_actor(r, &actor, &insz))
        return mnd_answer(r);
    if (actor.loa < req->min_loa)
        return mnd_saml_deny(r, req, 0, "saml.denied.loa", 0);
    err = mnd_glue_store(r, &st);
    /* ForceAuthn: the upstream login is not ours to repeat, but the choice is made anew. */
    if (!err && !req->force_authn)
        err = mnd_gateway_session(r, st, insz, req->service_id, &s);
    if (!err && s)
        return respond(r, st, req, s);
    if (!err)
        err = mnd_glue_resolve(r, st, insz, req->service_id, actor.loa, &res);
    if (err && err->rc == MND_ENOTFOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0050) "service %s of SAML SP %.128s is not in the store "
                                      "(mandaatctl service add): %s",
                      req->service_id, req->sp_entity_id, err->msg);
        mnd_req_fail(r, HTTP_INTERNAL_SERVER_ERROR, "service_unknown", NULL);
        return mnd_answer(r);
    }
    if (err) {
        mnd_req_fail_error(r, err, "answering the SAML request");
        return mnd_answer(r);
    }
    if (res->capacities->nelts == 0)
        return mnd_saml_deny(r, req, 0, "error.no_capacity", 0);
    if (req->is_passive &&
        !(res->capacities->nelts == 1 && mnd_conf_chooser_auto_select(mnd_dir_conf(r))))
        return mnd_saml_deny(r, req, 1, "saml.denied.passive", 1);
    return choose_or_complete(r, st, &actor, insz, req, res);
}

static int pending_request(request_rec *r, const mnd_txn_t *t, mnd_saml_request_t **req)
{
    mnd_saml_idp_t *idp = mnd_saml_idp(r->server);
    mnd_error_t *err = idp && t->proto_state
                           ? mnd_saml_request_from_dump(idp, r->pool, t->proto_state, req)
                           : mnd_error(r->pool, MND_EINTERNAL, "no SAML IdP or no request");
    if (err) {
        mnd_req_fail_error(r, err, "reading the pending SAML request");
        return 0;
    }
    return 1;
}

int mnd_saml_after_choice(request_rec *r, mnd_store_t *st, const mnd_txn_t *t,
                          const mnd_session_t *s)
{
    mnd_saml_request_t *req;
    if (!pending_request(r, t, &req))
        return mnd_answer(r);
    return respond(r, st, req, s);
}

int mnd_saml_after_cancel(request_rec *r, const mnd_txn_t *t)
{
    mnd_saml_request_t *req;
    if (!pending_request(r, t, &req))
        return mnd_answer(r);
    return mnd_saml_deny(r, req, 0, "cancel.done", 1);
}

int mnd_saml_post_page(request_rec *r, const mnd_saml_post_t *post, const char *title_key,
                       const char *message_key)
{
    const char *const fields[] = {"SAMLResponse", post->saml_response, "RelayState",
                                  post->relay_state, NULL};
    return mnd_post_page(r, post->url, fields, title_key, message_key);
}
