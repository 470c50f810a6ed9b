/* <MandaatEndpointPath>/jwks: the public keys of the gateway's JWT (MandaatGatewayJWTKeyFile),
 * for backends that verify the signed header. Public, cacheable for a short while so that a
 * rotated key is picked up soon. */
#include "login.h"

#include "jose/jwt.h"

#include <http_protocol.h>

int mnd_handle_jwks(request_rec *r)
{
    const apr_array_header_t *keys = mnd_keys(r->server);
    const char *json;
    mnd_error_t *err;

    if (!mnd_method_ok(r, MND_M(M_GET), "GET, HEAD"))
        return mnd_answer(r);
    if (!keys) {
        mnd_req_fail(r, HTTP_NOT_FOUND, "not_found", NULL);
        return mnd_answer(r);
    }
    err = mnd_jwks_json(r->pool, keys, &json);
    if (err) {
        mnd_req_fail_error(r, err, "publishing the JWKS");
        return mnd_answer(r);
    }
    ap_set_content_type(r, "application/jwk-set+json");
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_set_content_length(r, strlen(json));
    if (!r->header_only)
        ap_rputs(json, r);
    return OK;
}
