/* Gateway mode: the module in front of an application (a <Location> with MandaatService).
 * After the upstream authentication (check_user_id) and before the Require rules, the
 * person's session is looked up and checked against the store on every request; without a
 * valid one the person is sent to the chooser (or, with exactly one capacity and
 * MandaatChooserAutoSelect On, the session is made at once). The session is then given to the
 * backend in fixups (export.c). Every answer that is not the backend's is produced by our
 * handler, which runs before mod_proxy. */
#include "login.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

int mnd_is_endpoint(request_rec *r, const char **name)
{
    const char *base = mnd_conf_endpoint_path(r->server);
    size_t n = strlen(base);
    if (!r->uri || strncmp(r->uri, base, n) != 0 || (r->uri[n] != '/' && r->uri[n] != '\0'))
        return 0;
    if (name)
        *name = r->uri[n] == '/' ? r->uri + n + 1 : "";
    return 1;
}

/* Drop the state of a session that ended and its cookie. */
static void end_session(request_rec *r, const char *handle, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MND_LOGNO(0030) "session ended: %s", why);
    mnd_state_remove(r, MND_PURPOSE_SESSION, handle);
    mnd_cookie_clear(r, MND_COOKIE_SESSION, "/");
}

/* The capacity of s is still granted: resolved again now, same key, party and basis. */
static mnd_error_t *still_granted(request_rec *r, mnd_store_t *st, const mnd_session_t *s,
                                  int *granted)
{
    mnd_resolution_t *res;
    const mnd_capacity_t *cap;
    MND_TRY(mnd_glue_resolve(r, st, s->actor, s->service_id, s->loa, &res));
    cap = mnd_resolution_find(res, s->cap_key);
    *granted = cap && cap->party && !strcmp(cap->party->id, s->party) && cap->basis == s->basis;
    return NULL;
}

/* The session of r's cookie, opened: *s stays NULL when there is no cookie or no such
 * session; MND_EINVAL when it does not open, MND_ESTORE when the cache fails. */
static mnd_error_t *open_session(request_rec *r, const char **handle, mnd_session_t **s)
{
    const char *json;
    mnd_error_t *err;

    *s = NULL;
    *handle = mnd_cookie_handle(r, MND_COOKIE_SESSION);
    if (!*handle)
        return NULL;
    err = mnd_state_get(r, MND_PURPOSE_SESSION, *handle, MND_SESSION_MAX_JSON, &json);
    if (err)
        return err->rc == MND_ENOTFOUND ? NULL : err;
    return mnd_session_from_json(r->pool, json, strlen(json), s);
}

mnd_error_t *mnd_gateway_session(request_rec *r, mnd_store_t *st, const char *insz,
                                 const char *service_id, mnd_session_t **out)
{
    const char *handle, *json;
    mnd_session_t *s = NULL;
    mnd_error_t *err;
    int granted = 0, ended = 0, idle = mnd_conf_session_idle(r->server);
    mnd_time_t idle_before;

    *out = NULL;
    err = open_session(r, &handle, &s);
    if (err && err->rc == MND_EINVAL) {
        mnd_security_event(r, "bad_session", "(the session does not open; removed)");
        end_session(r, handle, "unreadable");
        return NULL;
    }
    MND_TRY(err);
    if (!s)
        return NULL;
    if (!mnd_ct_streq(s->actor, insz)) {
        /* Another person logged in upstream in this browser: never use the session, but leave
         * its state alone (whoever holds a cookie must not be able to end another person's
         * session); it times out. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      MND_LOGNO(0041) "the session cookie belongs to another person than the "
                                      "one logged in upstream: ignored");
        mnd_cookie_clear(r, MND_COOKIE_SESSION, "/");
        return NULL;
    }
    if (strcmp(s->service_id, service_id) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      MND_LOGNO(0031) "the session is for service %s, this location is %s: "
                                      "choosing again",
                      s->service_id, service_id);
        return NULL;
    }
    idle_before = s->idle_until;
    if (mnd_session_touch(s, mnd_now(), idle)) {
        end_session(r, handle, "idle or absolute timeout");
        return NULL;
    }
    MND_TRY(mnd_state_exists(r, MND_PURPOSE_ENDED, handle, &ended));
    if (ended) {
        end_session(r, handle, "logged out");
        return NULL;
    }
    MND_TRY(still_granted(r, st, s, &granted));
    if (!granted) {
        end_session(r, handle, apr_psprintf(r->pool, "the store no longer grants %s for %s",
                                            s->cap_key, s->service_id));
        return NULL;
    }
    /* The idle deadline is written back only when it moved by a tenth of the idle timeout:
     * one cache write per session every few minutes instead of one per request, at the cost of
     * that much precision in the idle timeout. */
    if (s->idle_until - idle_before >= idle / 10) {
        MND_TRY(mnd_session_to_json(r->pool, s, &json));
        MND_TRY(mnd_state_put(r, MND_PURPOSE_SESSION, s->id, json,
                              apr_time_from_sec(s->expires)));
    }
    *out = s;
    return NULL;
}

mnd_error_t *mnd_gateway_session_any(request_rec *r, const char *insz, mnd_session_t **out)
{
    const char *handle;
    mnd_session_t *s = NULL;
    mnd_error_t *err = open_session(r, &handle, &s);
    int ended = 0;

    *out = NULL;
    if (err)
        return err->rc == MND_ESTORE ? err : NULL;
    if (!s || !mnd_ct_streq(s->actor, insz) ||
        mnd_session_touch(s, mnd_now(), mnd_conf_session_idle(r->server)))
        return NULL;
    MND_TRY(mnd_state_exists(r, MND_PURPOSE_ENDED, handle, &ended));
    *out = ended ? NULL : s;
    return NULL;
}

/* No session: start a login. With a single capacity (and auto-select) the session is made
 * now and the request goes on; otherwise the person is sent to the chooser. */
static mnd_error_t *start_login(request_rec *r, mnd_store_t *st, const mnd_actor_t *actor,
                                const char *insz, const char *service_id)
{
    const mnd_dir_conf_t *d = mnd_dir_conf(r);
    const char *return_to = r->unparsed_uri;
    mnd_resolution_t *res;
    mnd_txn_t *txn;

    if (!mnd_local_path_ok(return_to))
        return_to = "/";
    MND_TRY(mnd_glue_resolve(r, st, insz, service_id, actor->loa, &res));
    MND_TRY(mnd_login_begin(r, actor, insz, service_id, "gateway", return_to, NULL, NULL, &txn));
    if (res->capacities->nelts == 1 && mnd_conf_chooser_auto_select(d)) {
        const mnd_capacity_t *cap = APR_ARRAY_IDX(res->capacities, 0, const mnd_capacity_t *);
        MND_TRY(mnd_login_complete(r, st, txn, cap, &mnd_req(r)->session));
        return NULL;
    }
    mnd_req_redirect(r, mnd_endpoint_url(r, "choose"));
    return NULL;
}

/* The session check of a gateway request, once per request: DECLINED when a valid session is
 * in place (the Require rules decide), OK when the handler answers (chooser, error page). */
static int gateway_check(request_rec *r)
{
    const mnd_dir_conf_t *d = mnd_dir_conf(r);
    mnd_req_t *req;
    mnd_actor_t actor = {0};
    mnd_store_t *st;
    mnd_error_t *err;
    const char *insz;

    if (!d->service || mnd_is_endpoint(r, NULL))
        return DECLINED;
    req = mnd_req(r);
    if (req->checked)
        return req->intercept ? OK : DECLINED;
    req->checked = 1;
    if (r->main) {
        /* A subrequest acts in the capacity of its main request. */
        mnd_req_t *main = mnd_req_peek(r->main);
        req->session = main ? main->session : NULL;
        return DECLINED;
    }
    if (!mnd_login_actor(r, &actor, &insz))
        return OK;
    err = mnd_glue_store(r, &st);
    if (!err)
        err = mnd_gateway_session(r, st, insz, d->service, &req->session);
    if (!err && !req->session)
        err = start_login(r, st, &actor, insz, d->service);
    if (err) {
        mnd_req_fail_error(r, err, "gateway");
        return OK;
    }
    if (req->intercept)
        return OK; /* the handler answers; no Require rule needs to see this request */
    mnd_login_notes(r, req->session);
    return DECLINED;
}

int mnd_gateway_access_ex(request_rec *r)
{
    /* Modules that authenticate in the access phase (mod_auth_mellon) have set r->user by
     * now, and mod_authz_core may then grant `Require valid-user` here and skip the
     * authentication and authorisation hooks altogether: check the session now. Without a
     * user yet, the check waits for check_authz, after the authentication. */
    return r->user ? gateway_check(r) : DECLINED;
}

int mnd_gateway_check_authz(request_rec *r)
{
    return gateway_check(r);
}

/* The session a request inherits: httpd skips the auth hooks of subrequests and internal
 * redirects whose configuration equals their parent's, so they act in its capacity. */
static mnd_session_t *inherited_session(request_rec *r, const char *service_id)
{
    request_rec *up;
    for (up = r->main ? r->main : r->prev; up; up = up->main ? up->main : up->prev) {
        mnd_req_t *req = mnd_req_peek(up);
        if (req && req->session)
            return strcmp(req->session->service_id, service_id) ? NULL : req->session;
    }
    return NULL;
}

int mnd_gateway_fixups(request_rec *r)
{
    const mnd_dir_conf_t *d = mnd_dir_conf(r);
    mnd_req_t *req = mnd_req_peek(r);
    mnd_error_t *err;

    if (!d->service || mnd_is_endpoint(r, NULL) || (req && req->intercept))
        return DECLINED;
    if ((!req || !req->session) && (r->main || r->prev)) {
        req = mnd_req(r);
        req->session = inherited_session(r, d->service);
    }
    if (!req || !req->session) {
        /* The check above never ran: no Require needs a user here, so no authentication
         * happened. Refuse rather than pass an unauthenticated request on. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0032) "%s %s is reached without authentication: add an "
                                      "AuthType and 'Require valid-user' or 'Require "
                                      "mandaat-action ...' to this location; refusing",
                      MND_DIR_SERVICE, d->service);
        mnd_req_fail(r, HTTP_UNAUTHORIZED, "no_identity", NULL);
        return DECLINED;
    }
    err = mnd_export_session(r, req->session);
    if (err)
        mnd_req_fail_error(r, err, "passing the session to the backend");
    return DECLINED;
}
