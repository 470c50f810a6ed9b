/* <MandaatEndpointPath>/choose: GET shows the chooser of the person's transaction (search and
 * paging by query parameters q and page), POST takes the choice. The choice must carry the
 * transaction's CSRF token and an offer token of this transaction, and the capacity is
 * resolved again at POST time: a mandate revoked while the page was open is refused. */
#include "oidc.h"
#include "saml.h"

#include "core/recent.h"
#include "html/chooser.h"
#include "html/template.h"

#include <apr_strings.h>
#include <http_protocol.h>

static const char *token_of(void *baton, apr_pool_t *p, const char *key)
{
    return mnd_offer_token(p, baton, key);
}

static long page_arg(request_rec *r)
{
    const char *v = mnd_query_arg(r, "page");
    long n = v ? strtol(v, NULL, 10) : 1;
    return n > 0 && n < 1000000 ? n : 1;
}

/* Resolve the transaction's capacities; answers r itself on failure (returns 0). */
static int resolve_txn(request_rec *r, const mnd_txn_t *t, mnd_store_t **st,
                       mnd_resolution_t **res)
{
    mnd_error_t *err = mnd_glue_store(r, st);
    if (!err)
        err = mnd_glue_resolve(r, *st, t->actor, t->service_id, t->loa, res);
    if (err && err->rc == MND_ENOTFOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0035) "service %s is not in the store (mandaatctl service add): "
                                      "%s",
                      t->service_id, err->msg);
        mnd_req_fail(r, HTTP_INTERNAL_SERVER_ERROR, "service_unknown", NULL);
        return 0;
    }
    if (err) {
        mnd_req_fail_error(r, err, "resolving the capacities");
        return 0;
    }
    return 1;
}

static apr_hash_t *page_values(request_rec *r, const mnd_txn_t *t, const mnd_resolution_t *res,
                               const mnd_chooser_view_t *v, mnd_lang_t lang)
{
    apr_hash_t *h = apr_hash_make(r->pool);
    const char *self = mnd_endpoint_url(r, "choose");
    apr_hash_set(h, "service_name", APR_HASH_KEY_STRING,
                 mnd_name_pick(res->service->name, lang, res->service->id));
    apr_hash_set(h, "actor_name", APR_HASH_KEY_STRING, mnd_login_actor_name(r, t, res, lang));
    apr_hash_set(h, "form_action", APR_HASH_KEY_STRING, self);
    apr_hash_set(h, "search_action", APR_HASH_KEY_STRING, self);
    apr_hash_set(h, "csrf", APR_HASH_KEY_STRING, t->csrf);
    apr_hash_set(h, "search", APR_HASH_KEY_STRING, v->search ? v->search : "");
    apr_hash_set(h, "summary", APR_HASH_KEY_STRING, v->summary);
    apr_hash_set(h, "rows", APR_HASH_KEY_STRING, v->rows);
    apr_hash_set(h, "pager", APR_HASH_KEY_STRING, v->pager);
    apr_hash_set(h, "why_url", APR_HASH_KEY_STRING, mnd_endpoint_url(r, "why"));
    apr_hash_set(h, "cancel_url", APR_HASH_KEY_STRING, mnd_endpoint_url(r, "cancel"));
    apr_hash_set(h, "matched", APR_HASH_KEY_STRING, apr_ltoa(r->pool, v->matched));
    apr_hash_set(h, "total", APR_HASH_KEY_STRING, apr_ltoa(r->pool, v->total));
    return h;
}

static int show(request_rec *r, const char *insz)
{
    mnd_txn_t *t;
    mnd_store_t *st;
    mnd_resolution_t *res;
    mnd_chooser_input_t in = {0};
    mnd_chooser_view_t view;
    apr_array_header_t *recent = NULL;
    mnd_error_t *err;
    mnd_lang_t lang = mnd_page_lang(r);

    if (!mnd_login_txn(r, insz, &t) || !resolve_txn(r, t, &st, &res))
        return mnd_answer(r);
    if (res->capacities->nelts == 0) {
        mnd_req_fail(r, HTTP_FORBIDDEN, "no_capacity", mnd_endpoint_url(r, "why"));
        return mnd_answer(r);
    }
    err = mnd_recent_list(st, r->pool, t->actor, t->service_id, &recent);
    if (err) /* worth a line, not worth refusing the page */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      MND_LOGNO(0036) "recent choices unavailable: %s", err->msg);
    in.res = res;
    in.cat = mnd_page_catalog(r);
    in.lang = lang;
    in.now = mnd_now();
    in.recent = err ? NULL : recent;
    in.hint_key = t->hint_key;
    in.search = mnd_query_arg(r, "q");
    in.page = page_arg(r);
    in.page_size = mnd_conf_chooser_page_size(mnd_dir_conf(r));
    in.self_url = mnd_endpoint_url(r, "choose");
    in.token = token_of;
    in.token_baton = t;
    err = mnd_chooser_build(r->pool, &in, &view);
    if (err) {
        mnd_req_fail_error(r, err, "building the chooser");
        return mnd_answer(r);
    }
    return mnd_page_send(r, HTTP_OK, MND_PAGE_CHOOSER, page_values(r, t, res, &view, lang));
}

/* Where a completed login continues: back into the gateway's location, or the protocol's
 * answer to the partner that asked. */
static int continue_after(request_rec *r, mnd_store_t *st, const mnd_txn_t *t,
                          const mnd_session_t *s)
{
    if (!strcmp(t->protocol, "saml"))
        return mnd_saml_after_choice(r, st, t, s);
    if (!strcmp(t->protocol, "oidc"))
        return mnd_oidc_after_choice(r, st, t, s);
    if (strcmp(t->protocol, "gateway") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0037) "no completion for protocol %s", t->protocol);
        mnd_req_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal", NULL);
        return mnd_answer(r);
    }
    mnd_req_redirect(r, t->return_to && mnd_local_path_ok(t->return_to) ? t->return_to : "/");
    return mnd_answer(r);
}

static int choose(request_rec *r, const char *insz)
{
    mnd_txn_t *t;
    mnd_store_t *st;
    mnd_resolution_t *res;
    mnd_session_t *s;
    apr_hash_t *form;
    const char *csrf, *choice, *key = NULL;
    const mnd_capacity_t *cap;
    mnd_error_t *err;

    if (!mnd_login_txn(r, insz, &t) || !(form = mnd_read_form(r)))
        return mnd_answer(r);
    csrf = apr_hash_get(form, "csrf", APR_HASH_KEY_STRING);
    choice = apr_hash_get(form, "choice", APR_HASH_KEY_STRING);
    if (!mnd_ct_streq(csrf, t->csrf)) {
        mnd_security_event(r, "bad_csrf", "(the form's token is not the transaction's)");
        mnd_req_fail(r, HTTP_FORBIDDEN, "csrf", mnd_endpoint_url(r, "choose"));
        return mnd_answer(r);
    }
    if (!choice || mnd_offer_check(r->pool, t, choice, &key)) {
        mnd_security_event(r, "choice_not_offered", "(the choice is not in this transaction's offer)");
        mnd_req_fail(r, HTTP_FORBIDDEN, "choice_not_offered", mnd_endpoint_url(r, "choose"));
        return mnd_answer(r);
    }
    if (!resolve_txn(r, t, &st, &res))
        return mnd_answer(r);
    cap = mnd_resolution_find(res, key);
    if (!cap) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      MND_LOGNO(0038) "the chosen capacity %s is no longer granted", key);
        mnd_req_fail(r, HTTP_CONFLICT, "capacity_invalid", mnd_endpoint_url(r, "choose"));
        return mnd_answer(r);
    }
    err = mnd_login_complete(r, st, t, cap, &s);
    if (err && err->rc == MND_ECONFLICT) {
        mnd_req_fail(r, HTTP_BAD_REQUEST, "txn_expired", t->return_to ? t->return_to : "/");
        return mnd_answer(r);
    }
    if (err) {
        mnd_req_fail_error(r, err, "completing the choice");
        return mnd_answer(r);
    }
    return continue_after(r, st, t, s);
}

int mnd_handle_choose(request_rec *r)
{
    mnd_actor_t actor = {0};
    const char *insz;

    if (!mnd_method_ok(r, MND_M(M_GET) | MND_M(M_POST), "GET, HEAD, POST"))
        return mnd_answer(r);
    if (!mnd_login_actor(r, &actor, &insz))
        return mnd_answer(r);
    return r->method_number == M_POST ? choose(r, insz) : show(r, insz);
}
