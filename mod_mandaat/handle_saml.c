/* <MandaatEndpointPath>/saml/metadata, saml/sso and saml/login. saml/sso checks the
 * AuthnRequest (src/saml does every SAML check), refuses a request ID seen before, and goes on
 * at once when the person is already authenticated on this request; otherwise it parks the
 * request under a cookie and sends the browser to saml/login, which the upstream
 * authentication protects. The detour exists because an upstream module that authenticates
 * by redirect (mod_auth_mellon) loses a POST body on the way. Refusals are error pages: a
 * request we could not vet never makes us post anything anywhere. */
#include "saml.h"

#include <apr_strings.h>
#include <http_protocol.h>

const char *mnd_read_body(request_rec *r, apr_size_t max)
{
    char *buf = apr_palloc(r->pool, max + 1);
    apr_size_t len = 0;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        mnd_req_fail(r, HTTP_BAD_REQUEST, "bad_request", NULL);
        return NULL;
    }
    if (ap_should_client_block(r)) {
        while ((n = ap_get_client_block(r, buf + len, max + 1 - len)) > 0) {
            len += (apr_size_t)n;
            if (len > max) {
                mnd_req_fail(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "bad_request", NULL);
                return NULL;
            }
        }
        if (n < 0) {
            mnd_req_fail(r, HTTP_BAD_REQUEST, "bad_request", NULL);
            return NULL;
        }
    }
    buf[len] = '\0';
    if (strlen(buf) != len) { /* a NUL byte: not a form */
        mnd_req_fail(r, HTTP_BAD_REQUEST, "bad_request", NULL);
        return NULL;
    }
    return buf;
}

static mnd_saml_idp_t *idp_or_404(request_rec *r)
{
    mnd_saml_idp_t *idp = mnd_saml_idp(r->server);
    if (!idp)
        mnd_req_fail(r, HTTP_NOT_FOUND, "not_found", NULL);
    return idp;
}

int mnd_handle_saml_metadata(request_rec *r)
{
    mnd_saml_idp_t *idp;
    const char *xml;
    mnd_error_t *err;

    if (!(idp = idp_or_404(r)) || !mnd_method_ok(r, MND_M(M_GET), "GET, HEAD"))
        return mnd_answer(r);
    err = mnd_saml_idp_metadata(idp, r->pool, &xml);
    if (err) {
        mnd_req_fail_error(r, err, "SAML metadata");
        return mnd_answer(r);
    }
    ap_set_content_type(r, "application/samlmetadata+xml");
    apr_table_setn(r->headers_out, "Cache-Control", "max-age=3600");
    ap_set_content_length(r, strlen(xml));
    if (!r->header_only)
        ap_rputs(xml, r);
    return OK;
}

int mnd_saml_read_message(request_rec *r, const char **query, const char **body)
{
    const char *ct;
    *query = NULL;
    *body = NULL;
    if (r->method_number != M_POST) {
        *query = r->args ? r->args : "";
        return 1;
    }
    ct = apr_table_get(r->headers_in, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        mnd_req_fail(r, HTTP_BAD_REQUEST, "saml_request", NULL);
        return 0;
    }
    return (*body = mnd_read_body(r, MND_SAML_BODY_MAX)) != NULL;
}

int mnd_saml_fresh_id(request_rec *r, const char *kind, const char *sp_entity_id,
                      const char *request_id)
{
    const char *handle = mnd_hmac_b64url(r->pool, "mandaat saml request seen",
                                         apr_pstrcat(r->pool, kind, "\n", sp_entity_id, "\n",
                                                     request_id, NULL),
                                         32);
    apr_time_t until = apr_time_now() +
                       apr_time_from_sec(mnd_conf_txn_lifetime(r->server) + MND_TXN_GRACE);
    int seen = 0;
    mnd_error_t *err = mnd_state_exists(r, MND_PURPOSE_SAML_SEEN, handle, &seen);

    if (!err && seen) {
        mnd_security_event(r, "saml_replay",
                           apr_psprintf(r->pool, "(%s ID received before from %.128s)", kind,
                                        sp_entity_id));
        mnd_req_fail(r, HTTP_BAD_REQUEST, "saml_replay", NULL);
        return 0;
    }
    if (!err)
        err = mnd_state_put(r, MND_PURPOSE_SAML_SEEN, handle, "{}", until);
    if (err) {
        mnd_req_fail_error(r, err, "recording the SAML request ID");
        return 0;
    }
    return 1;
}

/* Keep req until the person has authenticated at saml/login. */
static int park(request_rec *r, const mnd_saml_request_t *req)
{
    const char *handle;
    int lifetime = mnd_conf_txn_lifetime(r->server);
    mnd_error_t *err = mnd_random_token(r->pool, 32, &handle);

    if (!err)
        err = mnd_state_put(r, MND_PURPOSE_SAML_PARKED, handle, req->dump,
                            apr_time_now() + apr_time_from_sec(lifetime));
    if (err) {
        mnd_req_fail_error(r, err, "keeping the AuthnRequest");
        return mnd_answer(r);
    }
    mnd_cookie_set(r, MND_COOKIE_SAML, handle, mnd_endpoint_url(r, "saml"), lifetime);
    mnd_req_redirect(r, mnd_endpoint_url(r, "saml/login"));
    return mnd_answer(r);
}

int mnd_handle_saml_sso(request_rec *r)
{
    mnd_saml_idp_t *idp;
    mnd_saml_request_t *req;
    mnd_actor_t actor = {0};
    const char *query, *body;
    mnd_error_t *err;

    if (!(idp = idp_or_404(r)) || !mnd_method_ok(r, MND_M(M_GET) | MND_M(M_POST), "GET, POST") ||
        !mnd_saml_read_message(r, &query, &body))
        return mnd_answer(r);
    err = mnd_saml_sso_receive(idp, r->pool, r->method_number == M_POST ? "POST" : "GET", query,
                               body, &req);
    if (err) {
        mnd_security_event(r, "saml_request_refused", err->msg);
        mnd_req_fail(r, err->rc == MND_EFORBIDDEN ? HTTP_FORBIDDEN : HTTP_BAD_REQUEST,
                     "saml_request", NULL);
        return mnd_answer(r);
    }
    if (!mnd_saml_fresh_id(r, "AuthnRequest", req->sp_entity_id, req->request_id))
        return mnd_answer(r);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0047) "AuthnRequest %.64s from %.128s for service %s%s%s",
                  req->request_id, req->sp_entity_id, req->service_id,
                  req->force_authn ? " ForceAuthn" : "", req->is_passive ? " IsPassive" : "");
    /* Authenticated already (this location is protected, or the upstream module found its own
     * session): no detour. */
    if (mnd_actor_read(r, &actor) == NULL)
        return mnd_saml_proceed(r, idp, req);
    /* The upstream login would take over the screen, which IsPassive forbids. */
    if (req->is_passive)
        return mnd_saml_deny(r, req, 1, "saml.denied.passive", 1);
    return park(r, req);
}

int mnd_handle_saml_login(request_rec *r)
{
    mnd_saml_idp_t *idp;
    mnd_saml_request_t *req;
    mnd_actor_t actor = {0};
    const char *insz, *handle, *dump = NULL;
    mnd_error_t *err;

    if (!(idp = idp_or_404(r)) || !mnd_method_ok(r, MND_M(M_GET), "GET, HEAD") ||
        !mnd_login_actor(r, &actor, &insz))
        return mnd_answer(r);
    handle = mnd_cookie_handle(r, MND_COOKIE_SAML);
    err = handle ? mnd_state_take(r, MND_PURPOSE_SAML_PARKED, handle, MND_TXN_MAX_JSON, &dump)
                 : mnd_error(r->pool, MND_ENOTFOUND, "no cookie");
    mnd_cookie_clear(r, MND_COOKIE_SAML, mnd_endpoint_url(r, "saml"));
    if (err && err->rc == MND_ESTORE) {
        mnd_req_fail_error(r, err, "reading the AuthnRequest");
        return mnd_answer(r);
    }
    if (!err)
        err = mnd_saml_request_from_dump(idp, r->pool, dump, &req);
    if (err) {
        /* Used, expired, or never there: the SP has to start again. */
        mnd_req_fail(r, HTTP_BAD_REQUEST, "txn_expired", NULL);
        return mnd_answer(r);
    }
    return mnd_saml_proceed(r, idp, req);
}
