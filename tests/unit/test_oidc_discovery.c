/* The discovery document (src/oidc/discovery.h), read back with jansson member by member: it
 * must say exactly what the provider supports. And the refusals of a bad configuration. */
#include "testutil.h"

#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

#include "oidc/discovery.h"

static apr_pool_t *pool;

#define ISS "https://op.example/mandaat"

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

static apr_array_header_t *strings(const char *a, const char *b, const char *c)
{
    apr_array_header_t *l = apr_array_make(pool, 3, sizeof(const char *));
    const char *v[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (v[i])
            APR_ARRAY_PUSH(l, const char *) = v[i];
    return l;
}

static mnd_oidc_op_conf_t conf(void)
{
    mnd_oidc_op_conf_t c = {
        .issuer = ISS,
        .authorization_endpoint = ISS "/oidc/authorize",
        .token_endpoint = ISS "/oidc/token",
        .userinfo_endpoint = ISS "/oidc/userinfo",
        .jwks_uri = ISS "/oidc/jwks",
        .signing_algs = strings("ES256", "RS256", NULL),
        .scopes = strings("openid", "profile", "mandaat"),
        .claims = strings("sub", "represents", "vo_orgcode"),
        .acr_values = strings("loa:3", "loa:4", NULL),
    };
    return c;
}

static json_t *document(const mnd_oidc_op_conf_t *c)
{
    const char *txt = NULL;
    json_error_t e;
    json_t *o;
    MND_ASSERT_OK(mnd_oidc_discovery_json(pool, c, &txt));
    assert_non_null(txt);
    o = json_loads(txt, JSON_REJECT_DUPLICATES, &e);
    if (!o)
        fail_msg("not JSON: %s: %s", e.text, txt);
    assert_true(json_is_object(o));
    return o;
}

static void assert_str(json_t *o, const char *member, const char *want)
{
    json_t *v = json_object_get(o, member);
    if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
        fail_msg("%s: want \"%s\"", member, want);
}

/* member is exactly the array of the NULL-terminated strings, in order. */
static void assert_list(json_t *o, const char *member, const char *const *want)
{
    json_t *v = json_object_get(o, member);
    size_t n = 0;
    if (!json_is_array(v))
        fail_msg("%s: not an array", member);
    for (; want[n]; n++)
        if (!json_is_string(json_array_get(v, n)) ||
            strcmp(json_string_value(json_array_get(v, n)), want[n]) != 0)
            fail_msg("%s[%d]: want \"%s\"", member, (int)n, want[n]);
    if (json_array_size(v) != n)
        fail_msg("%s: %d elements, want %d", member, (int)json_array_size(v), (int)n);
}
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_document(void **state)
{
    mnd_oidc_op_conf_t c = conf();
    json_t *o = document(&c);
    (void)state;
    assert_str(o, "issuer", ISS);
    assert_str(o, "authorization_endpoint", ISS "/oidc/authorize");
    assert_str(o, "token_endpoint", ISS "/oidc/token");
    assert_str(o, "userinfo_endpoint", ISS "/oidc/userinfo");
    assert_str(o, "jwks_uri", ISS "/oidc/jwks");
    assert_list(o, "response_types_supported", LIST("code"));
    assert_list(o, "response_modes_supported", LIST("query", "form_post"));
    assert_list(o, "grant_types_supported", LIST("authorization_code"));
    assert_list(o, "subject_types_supported", LIST("pairwise", "public"));
    assert_list(o, "id_token_signing_alg_values_supported", LIST("ES256", "RS256"));
    assert_list(o, "token_endpoint_auth_methods_supported",
                LIST("client_secret_basic", "client_secret_post", "private_key_jwt", "none"));
    assert_list(o, "token_endpoint_auth_signing_alg_values_supported",
                LIST("RS256", "PS256", "ES256"));
    assert_list(o, "code_challenge_methods_supported", LIST("S256"));
    assert_list(o, "scopes_supported", LIST("openid", "profile", "mandaat"));
    assert_list(o, "claims_supported", LIST("sub", "represents", "vo_orgcode"));
    assert_list(o, "prompt_values_supported", LIST("none", "login", "select_account", "consent"));
    assert_list(o, "acr_values_supported", LIST("loa:3", "loa:4"));
    assert_list(o, "authorization_details_types_supported", LIST("mandaat"));
    assert_true(json_is_false(json_object_get(o, "request_parameter_supported")));
    assert_true(json_is_false(json_object_get(o, "request_uri_parameter_supported")));
    assert_true(json_is_true(json_object_get(o, "authorization_response_iss_parameter_supported")));
    /* Nothing more: every member is one of the above. */
    assert_int_equal(json_object_size(o), 21);
    json_decref(o);
}

static void test_optional_members(void **state)
{
    mnd_oidc_op_conf_t c = conf();
    json_t *o;
    (void)state;
    c.userinfo_endpoint = NULL;
    c.scopes = NULL;
    c.claims = strings(NULL, NULL, NULL);
    c.acr_values = NULL;
    o = document(&c);
    assert_null(json_object_get(o, "userinfo_endpoint"));
    assert_null(json_object_get(o, "scopes_supported"));
    assert_null(json_object_get(o, "claims_supported"));
    assert_null(json_object_get(o, "acr_values_supported"));
    assert_true(json_is_true(json_object_get(o, "authorization_response_iss_parameter_supported")));
    assert_int_equal(json_object_size(o), 17);
    json_decref(o);
    /* The loopback exception: http for 127.0.0.1, [::1] and localhost (tests, development). */
    c = conf();
    c.issuer = "http://127.0.0.1:8080";
    c.authorization_endpoint = "http://127.0.0.1:8080/authorize";
    c.token_endpoint = "http://localhost:8080/token";
    c.jwks_uri = "http://[::1]:8080/jwks";
    o = document(&c);
    assert_str(o, "issuer", "http://127.0.0.1:8080");
    json_decref(o);
    /* Endpoints may have a query (RFC 6749 section 3.1), the issuer may not. */
    c = conf();
    c.token_endpoint = ISS "/oidc?endpoint=token";
    o = document(&c);
    assert_str(o, "token_endpoint", ISS "/oidc?endpoint=token");
    json_decref(o);
}

static void refused_at(int line, const mnd_oidc_op_conf_t *c, const char *needle)
{
    const char *txt = "unchanged";
    mnd_error_t *err = mnd_oidc_discovery_json(pool, c, &txt);
    if (!err)
        fail_msg("line %d: accepted", line);
    if (err->rc != MND_EINVAL || (needle && !strstr(err->msg, needle)))
        fail_msg("line %d: %s (want %s)", line, err->msg, needle);
    assert_null(txt);
}
#define refused(c, needle) refused_at(__LINE__, c, needle)

static void test_issuer_refused(void **state)
{
    mnd_oidc_op_conf_t c = conf();
    const char *bad[][2] = {
        {"http://op.example/mandaat", "must use https"},
        {"http://127.0.0.2", "must use https"},
        {"ftp://op.example", "absolute URL"},
        {"HTTPS://op.example", "absolute URL"},
        {"op.example/mandaat", "absolute URL"},
        {"/mandaat", "absolute URL"},
        {"", "1 to 2048"},
        {ISS "?x=1", "must not have a query"},
        {ISS "?", "must not have a query"},
        {ISS "#f", "must not have a fragment"},
        {"https://user@op.example", "userinfo"},
        {"https://op.example/a b", "URI characters"},
        {"https://", "host"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c.issuer = bad[i][0];
        refused_at(__LINE__ * 1000 + (int)i, &c, bad[i][1]);
    }
    c.issuer = NULL;
    refused(&c, "the issuer is missing");
}

static void test_conf_refused(void **state)
{
    mnd_oidc_op_conf_t c;
    const char *txt = NULL;
    (void)state;
    c = conf();
    c.authorization_endpoint = "http://op.example/authorize";
    refused(&c, "the authorization_endpoint must use https");
    c = conf();
    c.token_endpoint = NULL;
    refused(&c, "the token_endpoint is missing");
    c = conf();
    c.jwks_uri = ISS "/jwks#x";
    refused(&c, "the jwks_uri must not have a fragment");
    c = conf();
    c.userinfo_endpoint = "userinfo";
    refused(&c, "the userinfo_endpoint must be an absolute URL");
    c = conf();
    c.signing_algs = NULL;
    refused(&c, "signing alg");
    c = conf();
    c.signing_algs = strings(NULL, NULL, NULL);
    refused(&c, "signing alg");
    /* A value jansson cannot carry, or a NULL in a list. */
    c = conf();
    c.claims = strings("sub", "caf\xE9", NULL);
    refused(&c, "not UTF-8");
    c = conf();
    APR_ARRAY_PUSH((apr_array_header_t *)c.scopes, const char *) = NULL;
    refused(&c, "not UTF-8");
    MND_ASSERT_ERR(mnd_oidc_discovery_json(pool, NULL, &txt), MND_EINVAL, "configuration");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_optional_members),
        cmocka_unit_test(test_issuer_refused),
        cmocka_unit_test(test_conf_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
