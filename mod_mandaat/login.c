/* Transactions from the start of a login to the person's choice: who the person is (from the
 * upstream authentication, checked), the transaction kept sealed in the socache under the
 * mandaat_txn cookie, and the completion that turns a choice into a session, an audit record
 * and remembered recent choice. Protocol-neutral: the gateway uses it now, the SAML and OIDC
 * endpoints complete their own way from the same transaction. */
#include "login.h"

#include "core/audit.h"
#include "core/recent.h"
#include "util/strlist.h"

#include <apr_strings.h>
#include <http_protocol.h>

int mnd_login_actor(request_rec *r, mnd_actor_t *actor, const char **insz)
{
    char buf[MND_INSZ_LEN + 1];
    mnd_error_t *err = mnd_actor_read(r, actor);

    if (err && err->rc == MND_EFORBIDDEN) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MND_LOGNO(0025) "%s", err->msg);
        /* 401 when nobody authenticated at all; 403 when someone did but without an INSZ. */
        mnd_req_fail(r, r->user ? HTTP_FORBIDDEN : HTTP_UNAUTHORIZED, "no_identity", NULL);
        return 0;
    }
    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MND_LOGNO(0026) "%s", err->msg);
        mnd_req_fail(r, HTTP_FORBIDDEN, "no_identity", NULL);
        return 0;
    }
    err = mnd_insz_parse(r->pool, actor->identifier, buf);
    if (err) {
        /* The rule broken, never the value: it is a national number. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      MND_LOGNO(0027) "the identifier from upstream authentication (%s) is not "
                                      "a valid INSZ: %s",
                      MND_DIR_ACTOR_IDENTIFIER, err->msg);
        mnd_req_fail(r, HTTP_FORBIDDEN, "invalid_insz", NULL);
        return 0;
    }
    *insz = apr_pstrdup(r->pool, buf);
    return 1;
}

mnd_error_t *mnd_login_begin(request_rec *r, const mnd_actor_t *actor, const char *insz,
                             const char *service_id, const char *protocol,
                             const char *return_to, const char *proto_state,
                             const char *hint_key, mnd_txn_t **out)
{
    int lifetime = mnd_conf_txn_lifetime(r->server);
    const char *json;
    mnd_txn_t *t;

    MND_TRY(mnd_txn_new(r->pool, insz, service_id, protocol, mnd_now(), lifetime, &t));
    t->given_name = actor->given_name;
    t->family_name = actor->family_name;
    t->loa = actor->loa > 100 ? 100 : actor->loa;
    t->return_to = return_to;
    t->proto_state = proto_state;
    t->hint_key = hint_key;
    MND_TRY(mnd_txn_to_json(r->pool, t, &json));
    /* Kept a while past its expiry, so that a late choice gets "expired, go back to <the
     * app>" rather than a page that cannot say where the person came from. */
    MND_TRY(mnd_state_put(r, MND_PURPOSE_TXN, t->id, json,
                          apr_time_from_sec(t->expires + MND_TXN_GRACE)));
    mnd_cookie_set(r, MND_COOKIE_TXN, t->id, mnd_conf_endpoint_path(r->server), lifetime);
    *out = t;
    return NULL;
}

int mnd_login_txn(request_rec *r, const char *insz, mnd_txn_t **out)
{
    const char *handle = mnd_cookie_handle(r, MND_COOKIE_TXN), *json = NULL;
    mnd_error_t *err;
    mnd_txn_t *t = NULL;

    if (!handle) {
        mnd_req_fail(r, HTTP_BAD_REQUEST, "txn_expired", "/");
        return 0;
    }
    err = mnd_state_get(r, MND_PURPOSE_TXN, handle, MND_TXN_MAX_JSON, &json);
    if (!err)
        err = mnd_txn_from_json(r->pool, json, strlen(json), &t);
    if (err && err->rc == MND_ESTORE) {
        mnd_req_fail_error(r, err, "reading the login transaction");
        return 0;
    }
    if (err && err->rc == MND_EINVAL)
        mnd_security_event(r, "bad_transaction", "(the transaction does not open; removed)");
    if (err) {
        mnd_state_remove(r, MND_PURPOSE_TXN, handle);
        mnd_cookie_clear(r, MND_COOKIE_TXN, mnd_conf_endpoint_path(r->server));
        mnd_req_fail(r, HTTP_BAD_REQUEST, "txn_expired", "/");
        return 0;
    }
    err = mnd_txn_check(r->pool, t, insz, mnd_now());
    if (err) {
        if (err->rc == MND_EFORBIDDEN)
            mnd_security_event(r, "foreign_transaction",
                               "(the transaction belongs to another person)");
        mnd_req_fail(r, HTTP_BAD_REQUEST, "txn_expired",
                     err->rc == MND_EFORBIDDEN ? "/" : (t->return_to ? t->return_to : "/"));
        return 0;
    }
    *out = t;
    return 1;
}

mnd_error_t *mnd_login_audit(request_rec *r, mnd_store_t *st, const mnd_session_t *s,
                             const char *event, const char *detail)
{
    mnd_audit_t a = {0};
    a.at = mnd_now();
    a.event = event;
    a.actor = s->actor;
    a.party = s->party;
    a.basis = mnd_basis_name(s->basis);
    a.via = s->via;
    a.mandate_id = s->mandate_id;
    a.service_id = s->service_id;
    a.actions = apr_array_pstrcat(r->pool, s->actions, ' ');
    a.txn_id = s->txn_id;
    a.detail = apr_psprintf(r->pool, "%s client=%s", detail,
                            r->useragent_ip ? r->useragent_ip : "-");
    return mnd_audit_write(st, r->pool, &a);
}

mnd_error_t *mnd_login_complete(request_rec *r, mnd_store_t *st, mnd_txn_t *txn,
                                const mnd_capacity_t *cap, mnd_session_t **out)
{
    const char *json;
    mnd_session_t *s;
    mnd_error_t *err;
    mnd_time_t now = mnd_now();

    /* Single use: whoever takes the transaction first completes it. */
    err = mnd_state_take(r, MND_PURPOSE_TXN, txn->id, MND_TXN_MAX_JSON, &json);
    if (err && err->rc == MND_ENOTFOUND)
        return mnd_error(r->pool, MND_ECONFLICT, "the transaction was already used");
    MND_TRY(err);
    mnd_cookie_clear(r, MND_COOKIE_TXN, mnd_conf_endpoint_path(r->server));
    MND_TRY(mnd_session_new(r->pool, txn, cap, now, mnd_conf_session_idle(r->server),
                            mnd_conf_session_max_age(r->server), &s));
    /* The audit record first: nothing is issued that the trail does not show. */
    MND_TRY(mnd_login_audit(r, st, s, "capacity.chosen",
                            apr_psprintf(r->pool, "protocol=%s capacity=%s", txn->protocol,
                                         s->cap_key)));
    MND_TRY(mnd_session_to_json(r->pool, s, &json));
    MND_TRY(mnd_state_put(r, MND_PURPOSE_SESSION, s->id, json, apr_time_from_sec(s->expires)));
    /* A browser-session cookie (no Max-Age): the server-side timeouts decide. */
    mnd_cookie_set(r, MND_COOKIE_SESSION, s->id, "/", 0);
    err = mnd_recent_record(st, r->pool, s->actor, s->service_id, s->cap_key, now);
    if (err)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      MND_LOGNO(0028) "the choice is not remembered for next time: %s", err->msg);
    mnd_login_notes(r, s);
    apr_table_setn(r->notes, "MANDAAT_EVENT", "chosen");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0029) "capacity chosen: actor=%s party=%s basis=%s service=%s "
                                  "txn=%.8s...",
                  mnd_insz_mask(r->pool, s->actor), s->party, mnd_basis_name(s->basis),
                  s->service_id, s->txn_id);
    *out = s;
    return NULL;
}

/* How the page names the person: the upstream names, else the store's name of the person
 * (the self row), else the masked INSZ. */
const char *mnd_login_actor_name(request_rec *r, const mnd_txn_t *t, const mnd_resolution_t *res,
                              mnd_lang_t lang)
{
    const mnd_capacity_t *self = mnd_resolution_find(res, "self");
    if (t->given_name || t->family_name)
        return apr_pstrcat(r->pool, t->given_name ? t->given_name : "",
                           t->given_name && t->family_name ? " " : "",
                           t->family_name ? t->family_name : "", NULL);
    if (self && self->party)
        return mnd_name_pick(self->party->name, lang, mnd_insz_mask(r->pool, t->actor));
    return mnd_insz_mask(r->pool, t->actor);
}

void mnd_login_notes(request_rec *r, const mnd_session_t *s)
{
    apr_table_t *n = r->notes;
    apr_table_setn(n, "MANDAAT_ACTOR", s->actor);
    apr_table_setn(n, "MANDAAT_PARTY", s->party);
    apr_table_setn(n, "MANDAAT_BASIS", mnd_basis_name(s->basis));
    apr_table_setn(n, "MANDAAT_SERVICE", s->service_id);
    apr_table_setn(n, "MANDAAT_CAPACITY", s->cap_key);
    if (s->via)
        apr_table_setn(n, "MANDAAT_VIA", s->via);
    if (s->mandate_id)
        apr_table_setn(n, "MANDAAT_MANDATE_ID",
                       apr_psprintf(r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)s->mandate_id));
    apr_table_setn(n, "MANDAAT_TXN", s->txn_id);
}

mnd_error_t *mnd_login_end_session(request_rec *r, const char *handle)
{
    apr_time_t until = apr_time_now() + apr_time_from_sec(mnd_conf_session_max_age(r->server));
    MND_TRY(mnd_state_put(r, MND_PURPOSE_ENDED, handle, "{}", until));
    return mnd_state_remove(r, MND_PURPOSE_SESSION, handle);
}
