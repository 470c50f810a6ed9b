/* What the backend receives in gateway mode: the MANDAAT_* environment (for CGI, FastCGI,
 * AJP and SSI), the same as Mandaat-* request headers for mod_proxy_http backends
 * (MandaatGatewayHeaders), and a signed JWT header for backends that verify rather than trust
 * their network (MandaatGatewayJWTHeader; keys from MandaatGatewayJWTKeyFile). Incoming copies
 * were removed by scrub.c; the JWT header, whose name the operator chooses, is removed here
 * too, whether or not a JWT is sent. */
#include "login.h"

#include "flow/claims.h"
#include "jose/jwt.h"

#include <apr_strings.h>
#include <http_core.h>

static mnd_error_t *add_jwt(request_rec *r, const mnd_session_t *s, const char *header)
{
    const apr_array_header_t *keys = mnd_keys(r->server);
    const char *claims, *jws;
    if (!keys)
        return NULL;
    MND_TRY(mnd_claims_json(r->pool, s, ap_construct_url(r->pool, mnd_conf_endpoint_path(r->server), r),
                            mnd_now(), mnd_conf_jwt_lifetime(r->server), &claims));
    MND_TRY(mnd_jwt_sign(APR_ARRAY_IDX(keys, 0, const mnd_jwt_key_t *), r->pool, "JWT", claims,
                         &jws));
    apr_table_setn(r->headers_in, header, jws);
    apr_table_setn(r->subprocess_env, "MANDAAT_JWT", jws);
    return NULL;
}

mnd_error_t *mnd_export_session(request_rec *r, const mnd_session_t *s)
{
    const mnd_dir_conf_t *d = mnd_dir_conf(r);
    const apr_array_header_t *vars = mnd_export_vars(r->pool, s);
    const char *jwt_header = mnd_conf_jwt_header(d);
    int headers = mnd_conf_gateway_headers(d);
    int i;

    if (jwt_header)
        apr_table_unset(r->headers_in, jwt_header);
    for (i = 0; i < vars->nelts; i++) {
        const mnd_export_var_t *v = &APR_ARRAY_IDX(vars, i, mnd_export_var_t);
        apr_table_setn(r->subprocess_env, v->name, v->value);
        if (headers)
            apr_table_setn(r->headers_in, mnd_export_header_name(r->pool, v->name),
                           mnd_export_header_value(r->pool, v->value));
    }
    return jwt_header ? add_jwt(r, s, jwt_header) : NULL;
}
