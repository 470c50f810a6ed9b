/* The provider's self-description: /.well-known/openid-configuration (OpenID Connect
 * Discovery 1.0), describing exactly what is supported, and nothing more. Pure. */
#ifndef MND_OIDC_DISCOVERY_H
#define MND_OIDC_DISCOVERY_H

#include "util/error.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct mnd_oidc_op_conf_t {
    const char *issuer;          /* https URL without query or fragment (never from a request) */
    const char *authorization_endpoint, *token_endpoint, *userinfo_endpoint, *jwks_uri;
    const apr_array_header_t *signing_algs; /* const char *: the algs of the signing keys */
    const apr_array_header_t *scopes;       /* const char *: union of the clients' scopes */
    const apr_array_header_t *claims;       /* const char *: every claim we may return */
    const apr_array_header_t *acr_values;   /* const char *: "loa:<n>" the OP issues */
} mnd_oidc_op_conf_t;

/* The discovery document: issuer, the endpoints, response_types_supported ["code"],
 * response_modes_supported ["query","form_post"], grant_types_supported
 * ["authorization_code"], subject_types_supported ["pairwise","public"],
 * id_token_signing_alg_values_supported, token_endpoint_auth_methods_supported
 * [client_secret_basic, client_secret_post, private_key_jwt, none],
 * token_endpoint_auth_signing_alg_values_supported [RS256, PS256, ES256],
 * code_challenge_methods_supported ["S256"], scopes_supported, claims_supported,
 * prompt_values_supported, request_parameter_supported false, request_uri_parameter_supported
 * false, authorization_response_iss_parameter_supported true (RFC 9207: the glue sends iss
 * with every authorization response), authorization_details_types_supported ["mandaat"],
 * acr_values_supported (from conf; scopes_supported, claims_supported and
 * acr_values_supported left out when NULL or empty; userinfo_endpoint when NULL).
 * MND_EINVAL for an issuer that breaks mnd_oidc_url_rule (https, http only for 127.0.0.1,
 * [::1] and localhost) or has a query; an endpoint or jwks_uri that breaks it (a query
 * allowed); no signing alg; a NULL or non-UTF-8 value. */
mnd_error_t *mnd_oidc_discovery_json(apr_pool_t *p, const mnd_oidc_op_conf_t *conf,
                                     const char **out);

#endif
