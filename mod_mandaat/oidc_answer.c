/* Answering a pending authorization request: with the person's session for the client's
 * service when there is one and the request lets it answer, else after the choice (the login
 * path's chooser, protocol "oidc"), or with an error (cancel, no capacity, prompt=none when a
 * choice is needed, a level of assurance below acr_values). The answer is an authorization code
 * (single use, 60 s, sealed in the socache) or an error, sent to the redirect_uri the core
 * vetted against the client's registration, by query or by an auto-posting page (form_post);
 * nothing else decides where it goes. */
#include "oidc.h"

#include "util/ident.h"

#include <apr_strings.h>
#include <http_protocol.h>

/* Send fields (name, value pairs; a NULL value left out) to redirect_uri by the response mode:
 * a 303 with them in the query, or the page that posts them. */
static int send_answer(request_rec *r, const char *redirect_uri, int form_post,
                       const char *const *fields)
{
    if (form_post)
        return mnd_post_page(r, redirect_uri, fields, "oidc.post.title", "oidc.post.message");
    mnd_req_redirect(r, mnd_oidc_redirect_url(r->pool, redirect_uri, fields));
    return mnd_answer(r);
}

int mnd_oidc_authz_fail(request_rec *r, const mnd_oidc_authz_error_t *e)
{
    const mnd_oidc_op_t *op = mnd_oidc_op(r->server);
    if (!e->redirect || !e->redirect_uri || !op) {
        mnd_req_fail(r, HTTP_BAD_REQUEST, "oidc_request", NULL);
        return mnd_answer(r);
    }
    {
        /* iss: RFC 9207, so that a client talking to several providers knows who answered. */
        const char *const fields[] = {"error", e->error, "error_description", e->description,
                                      "state", e->state, "iss", op->issuer, NULL};
        apr_table_setn(r->notes, "MANDAAT_EVENT", "oidc-error");
        return send_answer(r, e->redirect_uri, e->form_post, fields);
    }
}

/* An error for the client of accepted request a; description is plain ASCII without request
 * values (it reaches the client as error_description). */
static int deny(request_rec *r, const mnd_oidc_authz_t *a, const char *error,
                const char *description)
{
    mnd_oidc_authz_error_t e = {0};
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0060) "OIDC authorization request of client %s answered with %s: %s",
                  a->client->client_id, error, description);
    e.redirect = 1;
    e.error = error;
    e.description = description;
    e.redirect_uri = a->redirect_uri;
    e.state = a->state;
    e.form_post = a->form_post;
    return mnd_oidc_authz_fail(r, &e);
}

/* Answer a with a code for session s. The code stands for the session as chosen now; the
 * token endpoint takes it once. A store or cache failure answers 503, never a code. */
static int issue_code(request_rec *r, const mnd_oidc_authz_t *a, const mnd_session_t *s)
{
    const mnd_oidc_op_t *op = mnd_oidc_op(r->server);
    mnd_oidc_code_t c = {0};
    const char *code = NULL, *json = NULL;
    mnd_error_t *err = NULL;

    if (!op || strcmp(s->service_id, a->client->service_id) != 0)
        err = mnd_error(r->pool, MND_EINTERNAL, "the session is for service %s, client %s is "
                        "for %s", s->service_id, a->client->client_id, a->client->service_id);
    c.client_id = a->client->client_id;
    c.redirect_uri = a->redirect_uri;
    c.code_challenge = a->code_challenge;
    c.nonce = a->nonce;
    c.scope = a->scope;
    c.issued = mnd_now();
    c.expires = c.issued + MND_OIDC_CODE_TTL;
    c.auth_time = s->created;
    if (!err)
        err = mnd_session_to_json(r->pool, s, &c.session_json);
    if (!err)
        err = mnd_oidc_code_to_json(r->pool, &c, &json);
    if (!err)
        err = mnd_random_token(r->pool, 32, &code);
    if (!err)
        err = mnd_state_put(r, MND_PURPOSE_OIDC_CODE, code, json, apr_time_from_sec(c.expires));
    if (err) {
        mnd_req_fail_error(r, err, "issuing the authorization code");
        return mnd_answer(r);
    }
    apr_table_setn(r->notes, "MANDAAT_EVENT", "oidc-code");
    mnd_login_notes(r, s);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0061) "OIDC code for client %s: party=%s basis=%s service=%s "
                                  "txn=%.8s...",
                  a->client->client_id, mnd_party_id_display(r->pool, s->party),
                  mnd_basis_name(s->basis), s->service_id,
                  s->txn_id);
    {
        const char *const fields[] = {"code", code, "state", a->state, "iss", op->issuer, NULL};
        return send_answer(r, a->redirect_uri, a->form_post, fields);
    }
}

/* The capacity key login_hint designates in res, or NULL (no hint, no single match, or a
 * malformed hint, which is ignored: the chooser works without it). */
static const char *hint_key(request_rec *r, const mnd_oidc_authz_t *a,
                            const mnd_resolution_t *res)
{
    mnd_login_hint_t hint;
    const mnd_capacity_t *cap;
    mnd_error_t *err;

    if (!a->login_hint)
        return NULL;
    err = mnd_login_hint_parse(r->pool, a->login_hint, &hint);
    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      MND_LOGNO(0063) "login_hint of client %s ignored: %s",
                      a->client->client_id, err->msg);
        return NULL;
    }
    cap = mnd_login_hint_match(res, &hint);
    return cap ? cap->key : NULL;
}

/* One capacity and auto-select (auto_one), or the chooser. */
static int choose_or_complete(request_rec *r, mnd_store_t *st, const mnd_actor_t *actor,
                              const char *insz, const mnd_oidc_authz_t *a,
                              const mnd_resolution_t *res, int auto_one)
{
    mnd_txn_t *t;
    mnd_session_t *s;
    const char *pending;
    mnd_error_t *err = mnd_oidc_authz_to_json(r->pool, a, &pending);

    if (!err)
        err = mnd_login_begin(r, actor, insz, a->client->service_id, "oidc", NULL, pending,
                              hint_key(r, a, res), &t);
    if (!err && auto_one) {
        err = mnd_login_complete(
            r, st, t, APR_ARRAY_IDX(res->capacities, 0, const mnd_capacity_t *), &s);
        if (!err)
            return issue_code(r, a, s);
    }
    if (err) {
        mnd_req_fail_error(r, err, "starting the choice");
        return mnd_answer(r);
    }
    mnd_req_redirect(r, mnd_endpoint_url(r, "choose"));
    return mnd_answer(r);
}

/* Whether session s may answer a without a new choice: not when the session is older than
 * max_age (max_age 0 asks for a fresh login, as prompt=login does) or its level of assurance is
 * below the one asked. */
static int session_fits(const mnd_oidc_authz_t *a, const mnd_session_t *s)
{
    if (s->loa < a->min_loa)
        return 0;
    return a->max_age < 0 || (a->max_age > 0 && mnd_now() - s->created <= a->max_age);
}

/* The capacities of insz for the client's service; answers r itself on failure (returns 0). */
static int resolve(request_rec *r, mnd_store_t *st, const char *insz, int loa,
                   const mnd_oidc_authz_t *a, mnd_resolution_t **res)
{
    mnd_error_t *err = mnd_glue_resolve(r, st, insz, a->client->service_id, loa, res);
    if (err && err->rc == MND_ENOTFOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0062) "service %s of OIDC client %s is not in the store "
                                      "(mandaatctl service add): %s",
                      a->client->service_id, a->client->client_id, err->msg);
        mnd_req_fail(r, HTTP_INTERNAL_SERVER_ERROR, "service_unknown", NULL);
        return 0;
    }
    if (err) {
        mnd_req_fail_error(r, err, "answering the authorization request");
        return 0;
    }
    return 1;
}

int mnd_oidc_proceed(request_rec *r, const mnd_oidc_op_t *op, const mnd_oidc_authz_t *a)
{
    mnd_actor_t actor = {0};
    mnd_store_t *st;
    mnd_session_t *s = NULL;
    mnd_resolution_t *res;
    const char *insz;
    mnd_error_t *err;
    int auto_one;
    (void)op;

    if (!mnd_login_actor(r, &actor, &insz))
        return mnd_answer(r);
    if (actor.loa < a->min_loa)
        return deny(r, a, "access_denied", "the level of assurance of the login is below the "
                                           "one acr_values asks");
    err = mnd_glue_store(r, &st);
    /* prompt=login: the upstream login is not ours to repeat, but the choice is made anew;
     * select_account: the person picks again. */
    if (!err && !(a->prompt & (MND_OIDC_PROMPT_LOGIN | MND_OIDC_PROMPT_SELECT_ACCOUNT)))
        err = mnd_gateway_session(r, st, insz, a->client->service_id, &s);
    if (err) {
        mnd_req_fail_error(r, err, "answering the authorization request");
        return mnd_answer(r);
    }
    if (s && session_fits(a, s))
        return issue_code(r, a, s);
    if (!resolve(r, st, insz, actor.loa, a, &res))
        return mnd_answer(r);
    if (res->capacities->nelts == 0)
        return deny(r, a, "access_denied", "the person may act for nobody at this service");
    auto_one = res->capacities->nelts == 1 &&
               mnd_conf_chooser_auto_select(mnd_dir_conf(r)) &&
               !(a->prompt & MND_OIDC_PROMPT_SELECT_ACCOUNT);
    if ((a->prompt & MND_OIDC_PROMPT_NONE) && !auto_one)
        return deny(r, a, "interaction_required", "the person has to choose for whom to act");
    return choose_or_complete(r, st, &actor, insz, a, res, auto_one);
}

/* The pending request of transaction t; answers r itself (returns 0) when it is gone (no
 * provider any more, or its client no longer registered as it was). */
static int pending_request(request_rec *r, const mnd_txn_t *t, mnd_oidc_authz_t **a)
{
    const mnd_oidc_op_t *op = mnd_oidc_op(r->server);
    mnd_error_t *err =
        op && t->proto_state
            ? mnd_oidc_authz_from_json(r->pool, op->clients, t->proto_state, a)
            : mnd_error(r->pool, MND_EINTERNAL, "no OpenID provider or no pending request");
    if (err) {
        mnd_req_fail_error(r, err, "reading the pending authorization request");
        return 0;
    }
    return 1;
}

int mnd_oidc_after_choice(request_rec *r, mnd_store_t *st, const mnd_txn_t *t,
                          const mnd_session_t *s)
{
    mnd_oidc_authz_t *a;
    (void)st;
    if (!pending_request(r, t, &a))
        return mnd_answer(r);
    return issue_code(r, a, s);
}

int mnd_oidc_after_cancel(request_rec *r, const mnd_txn_t *t)
{
    mnd_oidc_authz_t *a;
    if (!pending_request(r, t, &a))
        return mnd_answer(r);
    return deny(r, a, "access_denied", "the person cancelled");
}
