/* The OpenID Provider configuration document (OpenID Connect Discovery 1.0 section 3). It
 * says exactly what the provider does: a client that reads "plain" here, or "token" as a
 * response type, would send requests we refuse, and a scanner would report features we lack.
 * See docs/oidc.md, "Discovery". */
#include "oidc/discovery.h"

#include "oidc/client.h"
#include "util/json_text.h"

#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>

/* A JSON array of the NULL-terminated fixed strings. */
static json_t *fixed(const char *const *v)
{
    json_t *a = json_array();
    for (; a && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

/* A JSON array of l (const char *), or NULL for a NULL element or a value that is not UTF-8. */
static json_t *list(const apr_array_header_t *l)
{
    json_t *a = json_array(), *s;
    int i;
    for (i = 0; a && i < l->nelts; i++) {
        const char *v = APR_ARRAY_IDX(l, i, const char *);
        if (!v || !(s = json_string(v)) || json_array_append_new(a, s) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static mnd_error_t *url_check(apr_pool_t *p, const char *what, const char *url, int allow_query)
{
    const char *rule = mnd_oidc_url_rule(p, url, allow_query);
    if (rule)
        return mnd_error(p, MND_EINVAL, "OIDC discovery: the %s %s", what, rule);
    return NULL;
}

static mnd_error_t *conf_check(apr_pool_t *p, const mnd_oidc_op_conf_t *c)
{
    /* The issuer is compared as a string with every token's iss (OpenID Connect Discovery
     * 1.0 section 4.3), so no query or fragment may make two spellings of it. */
    MND_TRY(url_check(p, "issuer", c->issuer, 0));
    MND_TRY(url_check(p, "authorization_endpoint", c->authorization_endpoint, 1));
    MND_TRY(url_check(p, "token_endpoint", c->token_endpoint, 1));
    MND_TRY(url_check(p, "jwks_uri", c->jwks_uri, 1));
    if (c->userinfo_endpoint)
        MND_TRY(url_check(p, "userinfo_endpoint", c->userinfo_endpoint, 1));
    if (!c->signing_algs || c->signing_algs->nelts < 1)
        return mnd_error(p, MND_EINVAL, "OIDC discovery: at least one signing alg is needed");
    return NULL;
}

/* Add an optional list member: absent when l is NULL or empty. */
static int add_list(json_t *o, const char *name, const apr_array_header_t *l)
{
    json_t *a;
    if (!l || l->nelts == 0)
        return 0;
    if (!(a = list(l)))
        return -1;
    return json_object_set_new(o, name, a);
}

static int add_fixed(json_t *o)
{
    static const char *const response_types[] = {"code", NULL};
    static const char *const response_modes[] = {"query", "form_post", NULL};
    static const char *const grants[] = {"authorization_code", NULL};
    static const char *const subjects[] = {"pairwise", "public", NULL};
    static const char *const auth[] = {"client_secret_basic", "client_secret_post",
                                       "private_key_jwt", "none", NULL};
    static const char *const auth_algs[] = {"RS256", "PS256", "ES256", NULL};
    static const char *const pkce[] = {"S256", NULL};
    static const char *const prompts[] = {"none", "login", "select_account", "consent", NULL};
    static const char *const details[] = {"mandaat", NULL};
    int rc = 0;
    rc |= json_object_set_new(o, "response_types_supported", fixed(response_types));
    rc |= json_object_set_new(o, "response_modes_supported", fixed(response_modes));
    rc |= json_object_set_new(o, "grant_types_supported", fixed(grants));
    rc |= json_object_set_new(o, "subject_types_supported", fixed(subjects));
    rc |= json_object_set_new(o, "token_endpoint_auth_methods_supported", fixed(auth));
    rc |= json_object_set_new(o, "token_endpoint_auth_signing_alg_values_supported",
                              fixed(auth_algs));
    rc |= json_object_set_new(o, "code_challenge_methods_supported", fixed(pkce));
    rc |= json_object_set_new(o, "prompt_values_supported", fixed(prompts));
    rc |= json_object_set_new(o, "request_parameter_supported", json_false());
    /* Its default is true: say false, or clients may send request_uri. */
    rc |= json_object_set_new(o, "request_uri_parameter_supported", json_false());
    /* Every authorization response carries iss (RFC 9207): a client talking to several
     * providers can tell which one answered (mix-up attacks). */
    rc |= json_object_set_new(o, "authorization_response_iss_parameter_supported", json_true());
    rc |= json_object_set_new(o, "authorization_details_types_supported", fixed(details));
    return rc;
}

static json_t *document(const mnd_oidc_op_conf_t *c)
{
    json_t *o = json_object(), *algs = list(c->signing_algs);
    int rc = !o || !algs;
    if (!rc) {
        rc |= json_object_set_new(o, "issuer", json_string(c->issuer));
        rc |= json_object_set_new(o, "authorization_endpoint",
                                  json_string(c->authorization_endpoint));
        rc |= json_object_set_new(o, "token_endpoint", json_string(c->token_endpoint));
        if (c->userinfo_endpoint)
            rc |= json_object_set_new(o, "userinfo_endpoint", json_string(c->userinfo_endpoint));
        rc |= json_object_set_new(o, "jwks_uri", json_string(c->jwks_uri));
        rc |= add_fixed(o);
        rc |= json_object_set_new(o, "id_token_signing_alg_values_supported", algs);
        algs = NULL;
        rc |= add_list(o, "scopes_supported", c->scopes);
        rc |= add_list(o, "claims_supported", c->claims);
        rc |= add_list(o, "acr_values_supported", c->acr_values);
    }
    json_decref(algs);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

mnd_error_t *mnd_oidc_discovery_json(apr_pool_t *p, const mnd_oidc_op_conf_t *conf,
                                     const char **out)
{
    json_t *o;
    char *txt;
    *out = NULL;
    if (!conf)
        return mnd_error(p, MND_EINVAL, "OIDC discovery: no configuration");
    MND_TRY(conf_check(p, conf));
    if (!(o = document(conf)))
        return mnd_error(p, MND_EINVAL, "OIDC discovery: a value is missing or not UTF-8");
    txt = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!txt)
        return mnd_error(p, MND_EINVAL, "OIDC discovery: the document cannot be written");
    *out = apr_pstrdup(p, txt);
    mnd_json_text_free(txt);
    return NULL;
}
