/* The token endpoint's checks: client authentication by each method and every way it is
 * refused (unknown client, wrong secret or another client's, two methods at once, a Basic
 * header that is malformed or not url-encoded as RFC 6749 says, assertions that are unsigned,
 * HMAC-signed, signed by a foreign key, for another client or audience, expired, too long,
 * not yet valid, without or with an oversized jti, of the wrong type), PKCE (RFC 7636 appendix
 * B's vector, missing, wrong, plain-style, downgrade, bad verifiers), the code's JSON and its
 * binding to client, redirect_uri, time and verifier. Keys are generated at start. */
#include "testutil.h"

#include <apr_encode.h>
#include <apr_escape.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "jose/jwt.h"
#include "oidc/params.h"
#include "oidc/token.h"

static apr_pool_t *pool;
static mnd_oidc_registry_t *reg;
static mnd_jwt_key_t *k_rs, *k_ps, *k_es, *k_foreign;
static EVP_PKEY *rsa_pk;
static const char *jwks;

#define NOW ((mnd_time_t)1767225600)
#define TOKEN_URL "https://op.example/mandaat/oidc/token"
#define ISSUER "https://op.example/mandaat/oidc"
/* Secrets with the characters RFC 6749 section 2.3.1's url-encoding changes. */
#define S_BASIC "basic+secret/with:colon%and-more-than-32-characters"
#define S_POST "post-secret-with-more-than-32-characters-0123"
#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define CB "https://app.example/cb"
/* RFC 7636 appendix B. */
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static const char *const audiences[] = {TOKEN_URL, ISSUER, NULL};

/* ---- fixtures ---------------------------------------------------------------------------- */

static apr_hash_t *form(const char *name, ...)
{
    apr_hash_t *h = apr_hash_make(pool);
    va_list ap;
    va_start(ap, name);
    for (; name; name = va_arg(ap, const char *))
        apr_hash_set(h, name, APR_HASH_KEY_STRING, va_arg(ap, const char *));
    va_end(ap);
    return h;
}

static mnd_oidc_client_t *client(const char *id, mnd_oidc_auth_t auth, const char *secret)
{
    mnd_oidc_client_t *c = apr_pcalloc(pool, sizeof(*c));
    c->client_id = id;
    c->auth = auth;
    c->secret = secret;
    c->jwks_json = auth == MND_OIDC_AUTH_PRIVATE_KEY_JWT ? jwks : NULL;
    c->redirect_uris = apr_array_make(pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(c->redirect_uris, const char *) = CB;
    c->scopes = apr_array_make(pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(c->scopes, const char *) = "openid";
    c->service_id = "wse-loket";
    c->profile_acm = c->profile_mandaat = 1;
    c->source = id;
    return c;
}

static mnd_jwt_key_t *key(EVP_PKEY *pk, const char *alg)
{
    BIO *bio = BIO_new(BIO_s_mem());
    mnd_jwt_key_t *k = NULL;
    char *pem;
    long n;
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL), 1);
    n = BIO_get_mem_data(bio, &pem);
    MND_ASSERT_OK(mnd_jwt_key_from_pem(pool, pem, (size_t)n, &k));
    MND_ASSERT_OK(mnd_jwt_key_set_alg(pool, k, alg));
    BIO_free(bio);
    return k;
}

/* The client's JWKS: its EC key, and its RSA key without "alg" (it signs RS256 and PS256). */
static const char *client_jwks(void)
{
    apr_array_header_t *keys = apr_array_make(pool, 2, sizeof(mnd_jwt_key_t *));
    const char *txt = NULL;
    json_t *set;
    char *out;
    APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = k_es;
    APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = k_rs;
    MND_ASSERT_OK(mnd_jwks_json(pool, keys, &txt));
    set = json_loads(txt, 0, NULL);
    json_object_del(json_array_get(json_object_get(set, "keys"), 1), "alg");
    out = json_dumps(set, JSON_COMPACT);
    txt = apr_pstrdup(pool, out);
    free(out);
    json_decref(set);
    return txt;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static const char *token_of(char c, size_t n)
{
    char *s = apr_palloc(pool, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static const char *b64(const char *s, int url)
{
    return apr_pencode_base64(pool, s, APR_ENCODE_STRING,
                              url ? APR_ENCODE_BASE64URL : APR_ENCODE_NONE, NULL);
}

static const char *basic_raw(const char *text)
{
    return apr_pstrcat(pool, "Basic ", b64(text, 0), NULL);
}

/* As RFC 6749 section 2.3.1 says: each half form-urlencoded, then base64. */
static const char *basic(const char *id, const char *secret)
{
    return basic_raw(apr_pstrcat(pool, apr_pescape_urlencoded(pool, id), ":",
                                 apr_pescape_urlencoded(pool, secret), NULL));
}

/* The standard claims of an assertion by jwt-app, as an object to edit. */
static json_t *std_claims(void)
{
    json_t *c = json_object();
    json_object_set_new(c, "iss", json_string("jwt-app"));
    json_object_set_new(c, "sub", json_string("jwt-app"));
    json_object_set_new(c, "aud", json_string(TOKEN_URL));
    json_object_set_new(c, "exp", json_integer(NOW + 60));
    json_object_set_new(c, "iat", json_integer(NOW));
    json_object_set_new(c, "jti", json_string("jti-0001"));
    return c;
}

static const char *text(json_t *c)
{
    char *t = json_dumps(c, JSON_COMPACT);
    const char *out = apr_pstrdup(pool, t);
    free(t);
    json_decref(c);
    return out;
}

static const char *signed_by(mnd_jwt_key_t *k, json_t *claims)
{
    const char *jws = NULL;
    MND_ASSERT_OK(mnd_jwt_sign(k, pool, "JWT", text(claims), &jws));
    return jws;
}

/* An assertion with a chosen header, signed RS256 by hand with the client's RSA key. */
static const char *crafted(const char *header, json_t *claims)
{
    const char *input = apr_pstrcat(pool, b64(header, 1), ".", b64(text(claims), 1), NULL);
    unsigned char sig[512];
    size_t n = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, rsa_pk), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &n, (const unsigned char *)input, strlen(input)), 1);
    EVP_MD_CTX_free(ctx);
    return apr_pstrcat(
        pool, input, ".",
        apr_pencode_base64_binary(pool, sig, (apr_ssize_t)n, APR_ENCODE_BASE64URL, NULL), NULL);
}

static apr_hash_t *jwt_form(const char *assertion)
{
    return form("grant_type", "authorization_code", "client_assertion_type", JWT_BEARER,
                "client_assertion", assertion, NULL);
}

static void refused(apr_hash_t *params, const char *authz, mnd_rc_t rc, const char *needle)
{
    mnd_oidc_client_auth_t a;
    const char *oe = NULL;
    mnd_error_t *err =
        mnd_oidc_client_authenticate(pool, reg, params, authz, audiences, NOW, &a, &oe);
    MND_ASSERT_ERR(err, rc, needle);
    assert_string_equal(oe, rc == MND_EINVAL ? "invalid_request" : "invalid_client");
    assert_null(a.client);
    assert_null(a.jti);
    /* Never a secret or an assertion in a message. */
    assert_false(mnd_test_contains(err->msg, "secret-with"));
    assert_false(mnd_test_contains(err->msg, "eyJ"));
}

static const mnd_oidc_client_auth_t *accepted(apr_hash_t *params, const char *authz,
                                              const char *client_id)
{
    mnd_oidc_client_auth_t *a = apr_pcalloc(pool, sizeof(*a));
    const char *oe = "unchanged";
    MND_ASSERT_OK(mnd_oidc_client_authenticate(pool, reg, params, authz, audiences, NOW, a, &oe));
    assert_null(oe);
    assert_non_null(a->client);
    assert_string_equal(a->client->client_id, client_id);
    return a;
}

/* ---- secrets ----------------------------------------------------------------------------- */

static void test_secret_basic(void **state)
{
    const mnd_oidc_client_auth_t *a;
    (void)state;
    a = accepted(form("code", "c", NULL), basic("basic-app", S_BASIC), "basic-app");
    assert_null(a->jti);
    /* Scheme in any case, more than one space; client_id in the form may repeat the header's. */
    accepted(NULL,
             apr_pstrcat(pool, "bAsIc   ",
                         b64("basic-app:"
                             "basic%2Bsecret%2Fwith%3Acolon%25"
                             "and-more-than-32-characters",
                             0),
                         NULL),
             "basic-app");
    accepted(form("client_id", "basic-app", NULL), basic("basic-app", S_BASIC), "basic-app");
    refused(form("client_id", "post-app", NULL), basic("basic-app", S_BASIC), MND_EFORBIDDEN,
            "not the one of the Basic credentials");
    /* Wrong secrets: another, another client's, a prefix, one character more. */
    refused(NULL, basic("basic-app", "x" S_BASIC), MND_EFORBIDDEN, "wrong secret for basic-app");
    refused(NULL, basic("basic-app", S_POST), MND_EFORBIDDEN, "wrong secret");
    refused(NULL, basic("basic-app", "basic+secret"), MND_EFORBIDDEN, "wrong secret");
    refused(NULL, basic("basic-app", S_BASIC "x"), MND_EFORBIDDEN, "wrong secret");
    refused(NULL, basic("nobody", S_BASIC), MND_EFORBIDDEN, "unknown client_id");
    /* A client registered for client_secret_post may not use Basic, and the reverse. */
    refused(NULL, basic("post-app", S_POST), MND_EFORBIDDEN,
            "post-app must use client_secret_post, not client_secret_basic");
    refused(form("client_id", "basic-app", "client_secret", S_BASIC, NULL), NULL, MND_EFORBIDDEN,
            "must use client_secret_basic");
}

static void test_secret_basic_malformed(void **state)
{
    (void)state;
    /* Not url-encoded: '+' decodes to a space and '%a' is a bad escape. */
    refused(NULL, basic_raw("basic-app:basic+secret/with:colon"), MND_EFORBIDDEN, "wrong secret");
    refused(NULL, basic_raw("basic-app:" S_BASIC), MND_EINVAL, "badly url-encoded");
    refused(NULL, basic_raw("basic-app:secret%00"), MND_EINVAL, "badly url-encoded");
    refused(NULL, basic_raw("basic-app:secret%zz"), MND_EINVAL, "badly url-encoded");
    refused(NULL, basic_raw("basic-app:"), MND_EINVAL, "empty");
    refused(NULL, basic_raw(":" S_POST), MND_EINVAL, "empty");
    refused(NULL, basic_raw("basic-app"), MND_EINVAL, "not base64 of \"id:secret\"");
    refused(NULL, "Basic bm90IGJhc2U2NA!!", MND_EINVAL, "not base64");
    refused(NULL, "Basic ", MND_EINVAL, "not base64");
    refused(NULL, "Basic", MND_EINVAL, "\"Basic\" credentials");
    refused(NULL, "Bearer abc", MND_EINVAL, "\"Basic\" credentials");
    refused(NULL, apr_pstrcat(pool, basic("basic-app", S_BASIC), " trailing", NULL), MND_EINVAL,
            "not base64");
    /* A NUL inside the decoded credentials. */
    refused(NULL, "Basic YmFzaWMtYXBwADpzZWNyZXQ=", MND_EINVAL, "not base64");
}

static void test_secret_post(void **state)
{
    (void)state;
    accepted(form("client_id", "post-app", "client_secret", S_POST, NULL), NULL, "post-app");
    refused(form("client_id", "post-app", "client_secret", S_BASIC, NULL), NULL, MND_EFORBIDDEN,
            "wrong secret for post-app");
    refused(form("client_id", "post-app", "client_secret", "short", NULL), NULL, MND_EFORBIDDEN,
            "wrong secret");
    refused(form("client_secret", S_POST, NULL), NULL, MND_EFORBIDDEN, "no client_id");
    refused(form("client_id", "nobody", "client_secret", S_POST, NULL), NULL, MND_EFORBIDDEN,
            "unknown client_id");
    refused(form("client_id", "post-app", NULL), NULL, MND_EFORBIDDEN,
            "must use client_secret_post, not none");
}

static void test_two_methods(void **state)
{
    const char *a = signed_by(k_rs, std_claims());
    (void)state;
    refused(form("client_id", "basic-app", "client_secret", S_BASIC, NULL),
            basic("basic-app", S_BASIC), MND_EFORBIDDEN, "more than one method");
    refused(jwt_form(a), basic("basic-app", S_BASIC), MND_EFORBIDDEN, "more than one method");
    refused(form("client_id", "post-app", "client_secret", S_POST, "client_assertion", a,
                 "client_assertion_type", JWT_BEARER, NULL),
            NULL, MND_EFORBIDDEN, "more than one method");
    /* Half an assertion still counts as a method. */
    refused(form("client_id", "post-app", "client_secret", S_POST, "client_assertion_type",
                 JWT_BEARER, NULL),
            NULL, MND_EFORBIDDEN, "more than one method");
}

static void test_public(void **state)
{
    (void)state;
    accepted(form("client_id", "public-app", NULL), NULL, "public-app");
    accepted(form("client_id", "public-app", NULL), "", "public-app");
    refused(form("client_id", "public-app", "client_secret", S_POST, NULL), NULL, MND_EFORBIDDEN,
            "public-app must use none, not client_secret_post");
    refused(NULL, NULL, MND_EFORBIDDEN, "no client_id");
    refused(form("client_id", "nobody", NULL), NULL, MND_EFORBIDDEN, "unknown client_id");
    refused(form("client_id", "jwt-app", NULL), NULL, MND_EFORBIDDEN, "must use private_key_jwt");
}

/* ---- private_key_jwt --------------------------------------------------------------------- */

static void test_assertion_accepted(void **state)
{
    const mnd_oidc_client_auth_t *a;
    json_t *c = std_claims();
    (void)state;
    a = accepted(jwt_form(signed_by(k_rs, std_claims())), NULL, "jwt-app");
    assert_string_equal(a->jti, "jti-0001");
    assert_int_equal(a->jti_expires, NOW + 60 + 30);
    accepted(jwt_form(signed_by(k_ps, std_claims())), NULL, "jwt-app");
    accepted(jwt_form(signed_by(k_es, std_claims())), NULL, "jwt-app");
    /* aud as an array holding the issuer; client_id in the form; no kid; exp a fraction;
     * limits exactly met (exp 600 s after iat, nbf now + 30, jti of 256 bytes, expired 29 s
     * ago within the skew). */
    json_object_set_new(c, "aud", json_pack("[ss]", "https://other.example", ISSUER));
    accepted(jwt_form(signed_by(k_rs, c)), NULL, "jwt-app");
    accepted(form("client_id", "jwt-app", "client_assertion_type", JWT_BEARER, "client_assertion",
                  signed_by(k_es, std_claims()), NULL),
             NULL, "jwt-app");
    accepted(jwt_form(crafted("{\"alg\":\"RS256\"}", std_claims())), NULL, "jwt-app");
    c = std_claims();
    json_object_set_new(c, "exp", json_real((double)NOW + 60.5));
    json_object_set_new(c, "iat", json_integer(NOW - 540));
    json_object_set_new(c, "nbf", json_integer(NOW + 30));
    a = accepted(jwt_form(signed_by(k_rs, c)), NULL, "jwt-app");
    assert_int_equal(a->jti_expires, NOW + 90);
    c = std_claims();
    json_object_set_new(c, "jti", json_string(token_of('j', 256)));
    json_object_set_new(c, "exp", json_integer(NOW - 29));
    json_object_set_new(c, "iat", json_integer(NOW - 100));
    accepted(jwt_form(signed_by(k_rs, c)), NULL, "jwt-app");
    c = std_claims();
    json_object_del(c, "iat");
    json_object_set_new(c, "exp", json_integer(NOW + 630));
    accepted(jwt_form(signed_by(k_rs, c)), NULL, "jwt-app");
}

static void refused_claims(json_t *c, const char *needle)
{
    refused(jwt_form(signed_by(k_rs, c)), NULL, MND_EFORBIDDEN, needle);
}

static json_t *with(const char *name, json_t *v)
{
    json_t *c = std_claims();
    if (v)
        json_object_set_new(c, name, v);
    else
        json_object_del(c, name);
    return c;
}

static void test_assertion_claims(void **state)
{
    (void)state;
    refused_claims(with("iss", json_string("post-app")), "iss and sub must both be the client_id");
    refused_claims(with("iss", NULL), "iss and sub");
    /* Without client_id in the form the client is found by sub; with it, sub must agree. */
    refused(form("client_id", "jwt-app", "client_assertion_type", JWT_BEARER, "client_assertion",
                 signed_by(k_rs, with("sub", json_string("jwt-app "))), NULL),
            NULL, MND_EFORBIDDEN, "iss and sub");
    refused(form("client_id", "jwt-app", "client_assertion_type", JWT_BEARER, "client_assertion",
                 signed_by(k_rs, with("sub", NULL)), NULL),
            NULL, MND_EFORBIDDEN, "iss and sub");
    refused_claims(with("aud", json_string("https://op.example/other/token")),
                   "aud must name this token endpoint");
    refused_claims(with("aud", json_pack("[s]", "https://elsewhere.example")), "aud must name");
    refused_claims(with("aud", NULL), "aud must name");
    refused_claims(with("aud", json_integer(1)), "aud must name");
    refused_claims(with("exp", json_integer(NOW - 30)), "it has expired");
    refused_claims(with("exp", json_integer(NOW - 3600)), "it has expired");
    refused_claims(with("exp", NULL), "exp is required");
    refused_claims(with("exp", json_string("1767225660")), "exp is required");
    refused_claims(with("exp", json_integer(-1)), "exp is required");
    refused_claims(with("exp", json_integer(NOW + 631)), "more than 600 s away");
    refused_claims(with("iat", json_integer(NOW - 541)), "at most 600 s before exp");
    refused_claims(with("iat", json_integer(NOW + 31)), "iat must be");
    refused_claims(with("iat", json_true()), "iat must be");
    refused_claims(with("nbf", json_integer(NOW + 31)), "nbf must be a time not in the future");
    refused_claims(with("nbf", json_null()), "nbf must be");
    refused_claims(with("jti", NULL), "jti is required");
    refused_claims(with("jti", json_string("")), "jti is required");
    refused_claims(with("jti", json_integer(7)), "jti is required");
    refused_claims(with("jti", json_string(token_of('j', 257))), "1 to 256 bytes");
}

static void test_assertion_refused(void **state)
{
    const char *payload = b64(text(std_claims()), 1), *input;
    unsigned char mac[32];
    unsigned int n = 0;
    (void)state;
    /* alg none, unsecured and with a tail. */
    refused(jwt_form(apr_pstrcat(pool, b64("{\"alg\":\"none\"}", 1), ".", payload, ".", NULL)),
            NULL, MND_EFORBIDDEN, "three non-empty");
    refused(jwt_form(apr_pstrcat(pool, b64("{\"alg\":\"none\"}", 1), ".", payload, ".AAAA", NULL)),
            NULL, MND_EFORBIDDEN, "alg \"none\"");
    /* HS256 keyed with a client secret (the shared secret that private_key_jwt replaces). */
    input = apr_pstrcat(pool, b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", 1), ".", payload, NULL);
    assert_non_null(HMAC(EVP_sha256(), S_POST, (int)strlen(S_POST), (const unsigned char *)input,
                         strlen(input), mac, &n));
    refused(jwt_form(apr_pstrcat(
                pool, input, ".",
                apr_pencode_base64_binary(pool, mac, n, APR_ENCODE_BASE64URL, NULL), NULL)),
            NULL, MND_EFORBIDDEN, "shared-secret MAC");
    refused(jwt_form(crafted("{\"alg\":\"RS384\"}", std_claims())), NULL, MND_EFORBIDDEN,
            "not one of the allowed algs");
    /* RS256 by a key not in the JWKS, with and without a kid of the set. */
    refused(jwt_form(signed_by(k_foreign, std_claims())), NULL, MND_EFORBIDDEN, "no usable key");
    {
        const char *jws = signed_by(k_foreign, std_claims());
        const char *dot = strchr(jws, '.');
        const char *h = apr_psprintf(pool, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
                                     mnd_jwt_key_kid(k_rs));
        /* Header swapped for one naming the client's key: the signature no longer fits. */
        refused(jwt_form(apr_pstrcat(pool, b64(h, 1), dot, NULL)), NULL, MND_EFORBIDDEN,
                "signature does not verify");
    }
    refused(jwt_form("not-a-jwt"), NULL, MND_EFORBIDDEN, "no readable sub");
    refused(form("client_id", "jwt-app", "client_assertion_type", JWT_BEARER, "client_assertion",
                 "not-a-jwt", NULL),
            NULL, MND_EFORBIDDEN, "three non-empty");
    refused(jwt_form(crafted("{\"alg\":\"RS256\"}", json_pack("[i]", 1))), NULL, MND_EFORBIDDEN,
            "no readable sub");
    /* The form's client_id and the assertion's must agree. */
    refused(form("client_id", "basic-app", "client_assertion_type", JWT_BEARER, "client_assertion",
                 signed_by(k_rs, std_claims()), NULL),
            NULL, MND_EFORBIDDEN, "basic-app must use client_secret_basic");
    refused(jwt_form(signed_by(k_rs, with("sub", json_string("nobody")))), NULL, MND_EFORBIDDEN,
            "unknown client_id");
    /* client_assertion_type: wrong, missing, or alone. */
    refused(form("client_assertion_type",
                 "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", "client_assertion",
                 signed_by(k_rs, std_claims()), NULL),
            NULL, MND_EFORBIDDEN, "client_assertion_type must be");
    refused(form("client_assertion", signed_by(k_rs, std_claims()), NULL), NULL, MND_EINVAL,
            "go together");
    refused(form("client_id", "jwt-app", "client_assertion_type", JWT_BEARER, NULL), NULL,
            MND_EINVAL, "go together");
}

/* ---- PKCE -------------------------------------------------------------------------------- */

static void test_pkce(void **state)
{
    (void)state;
    assert_true(mnd_oidc_pkce_ok(CHALLENGE, VERIFIER));
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    /* plain: the challenge sent back as the verifier. */
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, CHALLENGE));
    assert_false(mnd_oidc_pkce_ok(VERIFIER, VERIFIER));
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, NULL));
    assert_false(mnd_oidc_pkce_ok(NULL, VERIFIER));
    assert_false(mnd_oidc_pkce_ok(CHALLENGE "=", VERIFIER));
    assert_false(mnd_oidc_pkce_ok("", ""));
    /* Verifiers: 43 to 128 of [A-Za-z0-9-._~]. */
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, token_of('a', 42)));
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, token_of('a', 129)));
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, VERIFIER "+"));
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, VERIFIER " "));
    assert_false(mnd_oidc_pkce_ok(CHALLENGE, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX/"));
    {
        /* The edges accepted, against challenges computed here. */
        const char *v43 = token_of('~', 43), *v128 = token_of('.', 128);
        unsigned char md[32];
        unsigned int n;
        EVP_Digest(v43, 43, md, &n, EVP_sha256(), NULL);
        assert_true(mnd_oidc_pkce_ok(
            apr_pencode_base64_binary(pool, md, n, APR_ENCODE_BASE64URL, NULL), v43));
        EVP_Digest(v128, 128, md, &n, EVP_sha256(), NULL);
        assert_true(mnd_oidc_pkce_ok(
            apr_pencode_base64_binary(pool, md, n, APR_ENCODE_BASE64URL, NULL), v128));
    }
}

/* ---- the code ---------------------------------------------------------------------------- */

static mnd_oidc_code_t *code_for(const char *client_id, const char *challenge)
{
    mnd_oidc_code_t *c = apr_pcalloc(pool, sizeof(*c));
    c->client_id = client_id;
    c->redirect_uri = CB;
    c->code_challenge = challenge;
    c->nonce = "n-0S6";
    c->scope = "openid mandaat";
    c->issued = NOW - 10;
    c->expires = NOW + 50;
    c->auth_time = NOW - 100;
    c->session_json = "{\"id\":\"s\"}";
    return c;
}

static void test_code_json(void **state)
{
    mnd_oidc_code_t *c = code_for("public-app", CHALLENGE), *back = NULL;
    const char *json = NULL;
    (void)state;
    MND_ASSERT_OK(mnd_oidc_code_to_json(pool, c, &json));
    MND_ASSERT_OK(mnd_oidc_code_from_json(pool, json, strlen(json), &back));
    assert_string_equal(back->client_id, "public-app");
    assert_string_equal(back->redirect_uri, CB);
    assert_string_equal(back->code_challenge, CHALLENGE);
    assert_string_equal(back->nonce, "n-0S6");
    assert_string_equal(back->scope, "openid mandaat");
    assert_int_equal(back->issued, NOW - 10);
    assert_int_equal(back->expires, NOW + 50);
    assert_int_equal(back->auth_time, NOW - 100);
    assert_string_equal(back->session_json, "{\"id\":\"s\"}");
    /* Optional members stay absent. */
    c->code_challenge = c->nonce = NULL;
    MND_ASSERT_OK(mnd_oidc_code_to_json(pool, c, &json));
    MND_ASSERT_OK(mnd_oidc_code_from_json(pool, json, strlen(json), &back));
    assert_null(back->code_challenge);
    assert_null(back->nonce);
    /* A code living longer than 60 s is refused both ways; exactly 60 s is fine. */
    c->expires = c->issued + 60;
    MND_ASSERT_OK(mnd_oidc_code_to_json(pool, c, &json));
    c->expires = c->issued + 61;
    MND_ASSERT_ERR(mnd_oidc_code_to_json(pool, c, &json), MND_EINVAL, "at most 60 s");
    c->expires = c->issued;
    MND_ASSERT_ERR(mnd_oidc_code_to_json(pool, c, &json), MND_EINVAL, "more than 0");
    c = code_for(NULL, NULL);
    MND_ASSERT_ERR(mnd_oidc_code_to_json(pool, c, &json), MND_EINVAL, "client_id, scope");
    MND_ASSERT_ERR(mnd_oidc_code_to_json(pool, NULL, &json), MND_EINVAL, "none given");
}

static void code_json_refused(const char *json, const char *needle)
{
    mnd_oidc_code_t *c = (mnd_oidc_code_t *)1;
    MND_ASSERT_ERR(mnd_oidc_code_from_json(pool, json, json ? strlen(json) : 0, &c), MND_EINVAL,
                   needle);
    assert_null(c);
}

#define CODE_HEAD "{\"client_id\":\"a\",\"scope\":\"openid\",\"session\":\"{}\",\"auth_time\":1,"

static void test_code_json_refused(void **state)
{
    (void)state;
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":161}", "at most 60 s");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":100}", "more than 0");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":99}", "more than 0");
    code_json_refused(CODE_HEAD "\"issued\":-100,\"expires\":-50}", "more than 0");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":\"160\"}", "must be integers");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":160.0}", "must be integers");
    code_json_refused(CODE_HEAD "\"issued\":100}", "must be integers");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":160,\"extra\":1}", "unknown member");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":160,\"nonce\":7}", "not a string");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":160,\"redirect_uri\":\"\"}",
                      "must not be empty");
    code_json_refused(CODE_HEAD "\"issued\":100,\"expires\":160,\"code_challenge\":\"abc\"}",
                      "S256 challenge");
    code_json_refused(CODE_HEAD "\"issued\":100,\"issued\":100,\"expires\":160}", "not valid JSON");
    code_json_refused("{\"scope\":\"openid\",\"session\":\"{}\",\"auth_time\":1,\"issued\":1,"
                      "\"expires\":2}",
                      "client_id, scope and session are required");
    code_json_refused("[]", "not a JSON object");
    code_json_refused("{", "not valid JSON");
    code_json_refused(NULL, NULL);
}

static void check_refused(const mnd_oidc_code_t *code, const char *client_id, apr_hash_t *params,
                          mnd_time_t now, const char *needle)
{
    const char *oe = NULL;
    MND_ASSERT_ERR(
        mnd_oidc_code_check(pool, code, mnd_oidc_registry_find(reg, client_id), params, now, &oe),
        MND_EFORBIDDEN, needle);
    assert_string_equal(oe, "invalid_grant");
}

static void check_ok(const mnd_oidc_code_t *code, const char *client_id, apr_hash_t *params,
                     mnd_time_t now)
{
    const char *oe = "unchanged";
    MND_ASSERT_OK(
        mnd_oidc_code_check(pool, code, mnd_oidc_registry_find(reg, client_id), params, now, &oe));
    assert_null(oe);
}

static void test_code_check(void **state)
{
    static const char *const bad_uris[] = {CB "/",
                                           "https://APP.example/cb",
                                           "https://app.example/CB",
                                           CB "?x=1",
                                           CB "#f",
                                           "https://user@app.example/cb",
                                           "https://app.example/%63b",
                                           "https://app.example:443/cb",
                                           "http://app.example/cb",
                                           NULL};
    mnd_oidc_code_t *pub = code_for("public-app", CHALLENGE);
    mnd_oidc_code_t *conf = code_for("basic-app", NULL);
    apr_hash_t *ok = form("redirect_uri", CB, "code_verifier", VERIFIER, NULL);
    int i;
    (void)state;
    check_ok(pub, "public-app", ok, NOW);
    check_ok(conf, "basic-app", form("redirect_uri", CB, NULL), NOW);
    /* Another client's code. */
    check_refused(pub, "basic-app", ok, NOW, "issued to another client");
    check_refused(conf, "post-app", form("redirect_uri", CB, NULL), NOW, "another client");
    check_refused(pub, "nobody", ok, NOW, "another client");
    /* redirect_uri byte for byte. */
    for (i = 0; bad_uris[i]; i++)
        check_refused(pub, "public-app",
                      form("redirect_uri", bad_uris[i], "code_verifier", VERIFIER, NULL), NOW,
                      "redirect_uri is not the one");
    check_refused(pub, "public-app", form("code_verifier", VERIFIER, NULL), NOW, "redirect_uri");
    conf->redirect_uri = NULL;
    check_ok(conf, "basic-app", NULL, NOW);
    check_refused(conf, "basic-app", form("redirect_uri", CB, NULL), NOW, "redirect_uri");
    /* Time: valid up to, not at, expires. */
    check_ok(pub, "public-app", ok, pub->expires - 1);
    check_refused(pub, "public-app", ok, pub->expires, "the code has expired");
    check_refused(pub, "public-app", ok, pub->expires + 3600, "expired");
    /* PKCE: missing, wrong, plain, downgrade, public client without it. */
    check_refused(pub, "public-app", form("redirect_uri", CB, NULL), NOW,
                  "code_verifier is required");
    check_refused(pub, "public-app",
                  form("redirect_uri", CB, "code_verifier", token_of('a', 43), NULL), NOW,
                  "does not match");
    check_refused(pub, "public-app", form("redirect_uri", CB, "code_verifier", CHALLENGE, NULL),
                  NOW, "does not match");
    check_refused(pub, "public-app", form("redirect_uri", CB, "code_verifier", "short", NULL), NOW,
                  "does not match");
    conf = code_for("basic-app", NULL);
    check_refused(conf, "basic-app", ok, NOW, "the request had no code_challenge");
    check_refused(code_for("public-app", NULL), "public-app", form("redirect_uri", CB, NULL), NOW,
                  "a public client must use PKCE");
    /* A confidential client's code with a challenge is checked the same. */
    conf->code_challenge = CHALLENGE;
    check_ok(conf, "basic-app", ok, NOW);
    check_refused(conf, "basic-app", form("redirect_uri", CB, NULL), NOW, "code_verifier");
    check_refused(NULL, "basic-app", ok, NOW, "another client");
}

/* ---- setup ------------------------------------------------------------------------------- */

static int setup(void **state)
{
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *foreign = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    (void)state;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    rsa_pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!ec || !foreign || !rsa_pk)
        return -1;
    k_rs = key(rsa_pk, "RS256");
    k_ps = key(rsa_pk, "PS256");
    k_es = key(ec, "ES256");
    k_foreign = key(foreign, "RS256");
    EVP_PKEY_free(ec);
    EVP_PKEY_free(foreign);
    jwks = client_jwks();
    reg = mnd_oidc_registry_make(pool);
    if (mnd_oidc_registry_add(reg, client("basic-app", MND_OIDC_AUTH_SECRET_BASIC, S_BASIC)) ||
        mnd_oidc_registry_add(reg, client("post-app", MND_OIDC_AUTH_SECRET_POST, S_POST)) ||
        mnd_oidc_registry_add(reg, client("jwt-app", MND_OIDC_AUTH_PRIVATE_KEY_JWT, NULL)) ||
        mnd_oidc_registry_add(reg, client("public-app", MND_OIDC_AUTH_NONE, NULL)))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa_pk);
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_basic),
        cmocka_unit_test(test_secret_basic_malformed),
        cmocka_unit_test(test_secret_post),
        cmocka_unit_test(test_two_methods),
        cmocka_unit_test(test_public),
        cmocka_unit_test(test_assertion_accepted),
        cmocka_unit_test(test_assertion_claims),
        cmocka_unit_test(test_assertion_refused),
        cmocka_unit_test(test_pkce),
        cmocka_unit_test(test_code_json),
        cmocka_unit_test(test_code_json_refused),
        cmocka_unit_test(test_code_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
