/* Per-request state shared by the hooks of one request (mnd_req_t), how an answer is decided
 * before the handler phase (intercept: the handler then produces it, so every body comes from
 * the handler and nothing is proxied), security event logging, and small URL helpers. */
#include "login.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

mnd_req_t *mnd_req_peek(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &mandaat_module);
}

mnd_req_t *mnd_req(request_rec *r)
{
    mnd_req_t *req = mnd_req_peek(r);
    if (!req) {
        req = apr_pcalloc(r->pool, sizeof(*req));
        ap_set_module_config(r->request_config, &mandaat_module, req);
    }
    return req;
}

void mnd_req_fail(request_rec *r, int status, const char *code, const char *back)
{
    mnd_req_t *req = mnd_req(r);
    req->intercept = 1;
    req->status = status;
    req->error = code;
    req->back = back;
    req->location = NULL;
    apr_table_setn(r->subprocess_env, "MANDAAT_ERROR", code);
}

void mnd_req_redirect(request_rec *r, const char *url)
{
    mnd_req_t *req = mnd_req(r);
    req->intercept = 1;
    req->status = HTTP_SEE_OTHER;
    req->location = url;
    req->error = NULL;
}

void mnd_req_fail_error(request_rec *r, mnd_error_t *err, const char *what)
{
    if (err->rc == MND_ESTORE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0018) "%s: the store or cache is unavailable, refusing (fail "
                                      "closed): %s",
                      what, err->msg);
        mnd_req_fail(r, HTTP_SERVICE_UNAVAILABLE, "store_unavailable", NULL);
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MND_LOGNO(0019) "%s: %s", what, err->msg);
    mnd_req_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal", NULL);
}

void mnd_security_event(request_rec *r, const char *event, const char *detail)
{
    /* The path only (no query: it may carry codes or hints), and the detail is ours. */
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                  MND_LOGNO(0020) "security event=%s client=%s uri=%s%s%s", event,
                  r->useragent_ip ? r->useragent_ip : "-", r->uri ? r->uri : "-",
                  detail ? " " : "", detail ? detail : "");
}

const char *mnd_endpoint_url(request_rec *r, const char *name)
{
    return apr_pstrcat(r->pool, mnd_conf_endpoint_path(r->server), "/", name, NULL);
}

int mnd_local_path_ok(const char *p)
{
    const char *c;
    if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\' || strlen(p) > 8192)
        return 0;
    for (c = p; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return 0;
    }
    return 1;
}
