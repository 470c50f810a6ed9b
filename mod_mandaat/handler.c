/* The handler: answers decided earlier (intercepted requests: the redirect to the chooser,
 * error pages) and the module's endpoints under MandaatEndpointPath, one file each. It runs
 * really first, so that nothing else, mod_proxy in particular, handles such a request, and it
 * does not depend on r->handler, which other modules and the configuration set. */
#include "oidc.h"
#include "saml.h"

#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>

static const struct {
    const char *name;
    int (*handle)(request_rec *r);
} endpoints[] = {
    {"choose", mnd_handle_choose}, {"switch", mnd_handle_switch}, {"cancel", mnd_handle_cancel},
    {"logout", mnd_handle_logout}, {"why", mnd_handle_why},       {"jwks", mnd_handle_jwks},
    {"saml/metadata", mnd_handle_saml_metadata}, {"saml/sso", mnd_handle_saml_sso},
    {"saml/login", mnd_handle_saml_login},       {"saml/slo", mnd_handle_saml_slo},
    {"oidc/authorize", mnd_handle_oidc_authorize}, {"oidc/login", mnd_handle_oidc_login},
    {"oidc/token", mnd_handle_oidc_token},         {"oidc/userinfo", mnd_handle_oidc_userinfo},
    {"oidc/jwks", mnd_handle_oidc_jwks},
};

static int answer_intercept(request_rec *r, const mnd_req_t *req)
{
    if (!req || !req->intercept)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (req->status == HTTP_SEE_OTHER) {
        apr_table_setn(r->headers_out, "Location", req->location);
        apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
        return HTTP_SEE_OTHER;
    }
    return mnd_page_error(r, req->status, req->error, req->back, req->reference);
}

int mnd_handler(request_rec *r)
{
    const mnd_req_t *req = mnd_req_peek(r);
    const mnd_oidc_op_t *op;
    const char *name;
    size_t i;

    if (req && req->intercept)
        return answer_intercept(r, req);
    /* The discovery document lives at the issuer, which need not be under the endpoints. */
    op = mnd_oidc_op(r->server);
    if (op && !strcmp(r->uri, op->discovery_path))
        return mnd_handle_oidc_discovery(r);
    if (!mnd_is_endpoint(r, &name) || !mnd_server_conf(r->server)->pages)
        return DECLINED;
    for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
        if (!strcmp(name, endpoints[i].name))
            return endpoints[i].handle(r);
    }
    return mnd_page_error(r, HTTP_NOT_FOUND, "not_found", NULL, NULL);
}

int mnd_method_ok(request_rec *r, apr_int64_t methods, const char *allow)
{
    if (methods & (AP_METHOD_BIT << r->method_number))
        return 1;
    apr_table_setn(r->err_headers_out, "Allow", allow);
    mnd_req_fail(r, HTTP_METHOD_NOT_ALLOWED, "method", NULL);
    return 0;
}

int mnd_answer(request_rec *r)
{
    return answer_intercept(r, mnd_req_peek(r));
}

const char *mnd_query_arg(request_rec *r, const char *name)
{
    /* Query strings are form-encoded ('+' is a space): ap_args_to_table decodes them as a
     * path would, so a two-word search came out as "a+b". */
    char *args, *pair, *state = NULL;

    if (!r->args)
        return NULL;
    args = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(args, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '=');
        char *key = pair, *value = eq ? eq + 1 : (char *)"";
        if (eq)
            *eq = '\0';
        if (ap_unescape_urlencoded(key) != OK || strcmp(key, name) != 0)
            continue;
        return ap_unescape_urlencoded(value) == OK ? value : NULL;
    }
    return NULL;
}

apr_hash_t *mnd_read_form(request_rec *r)
{
    apr_array_header_t *pairs = NULL;
    apr_hash_t *form = apr_hash_make(r->pool);
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    int rc;

    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        mnd_req_fail(r, HTTP_BAD_REQUEST, "bad_request", NULL);
        return NULL;
    }
    rc = ap_parse_form_data(r, NULL, &pairs, 16, MND_FORM_MAX_BYTES);
    if (rc != OK || !pairs) {
        mnd_req_fail(r, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? rc : HTTP_BAD_REQUEST,
                     "bad_request", NULL);
        return NULL;
    }
    while (pairs->nelts) {
        ap_form_pair_t *pair = (ap_form_pair_t *)apr_array_pop(pairs);
        apr_off_t len = 0;
        apr_size_t size;
        char *buf;
        apr_brigade_length(pair->value, 1, &len);
        if (len < 0 || len > MND_FORM_MAX_BYTES) {
            mnd_req_fail(r, HTTP_BAD_REQUEST, "bad_request", NULL);
            return NULL;
        }
        size = (apr_size_t)len;
        buf = apr_palloc(r->pool, size + 1);
        apr_brigade_flatten(pair->value, buf, &size);
        buf[size] = '\0';
        /* A field given twice is ambiguous: which one did the person mean? */
        if (apr_hash_get(form, pair->name, APR_HASH_KEY_STRING)) {
            mnd_req_fail(r, HTTP_BAD_REQUEST, "bad_request", NULL);
            return NULL;
        }
        apr_hash_set(form, pair->name, APR_HASH_KEY_STRING, buf);
    }
    return form;
}
