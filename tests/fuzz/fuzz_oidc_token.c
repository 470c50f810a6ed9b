/* libFuzzer target for the token endpoint's input: the form parser, client authentication
 * (the Basic header, secrets, the private_key_jwt assertion and its claims), the code's JSON
 * and the code's binding (src/oidc/token.h, params.h, jose/jwt.h mnd_jwt_verify_jwks). Four
 * clients in a registry built once: basic-app, post-app, jwt-app (an RSA and an EC key,
 * generated at start) and public-app.
 *
 * Input: the first byte picks what the rest is:
 *   'F' (or any other byte) a form body, sent without an Authorization header;
 *   'B' an Authorization header, a newline, then the form body;
 *   'C' the JSON of an authorization code (mnd_oidc_code_from_json);
 *   'J' a client assertion (compact JWS) as it is, sent for jwt-app;
 *   'R', 'P', 'E', 'H' a JWS header (JSON), a newline, then its claims (JSON): the harness
 *       signs them RS256, PS256 (the RSA key), ES256 (the EC key) or HS256 (keyed with
 *       post-app's secret) and sends the assertion, so that mutations reach the claim checks.
 * A NUL in a text ends it there, as it would in httpd.
 *
 * Beyond crashes, leaks and undefined behaviour it aborts when the contracts break: a refusal
 * that is not MND_EINVAL/MND_EFORBIDDEN with the matching oauth error, or whose message holds
 * a secret; a secret client accepted without its secret; an unsigned ('J') or HS256 assertion
 * accepted; an accepted assertion whose own claims break RFC 7523's rules (iss, sub, aud,
 * exp, jti) when read again here; a code check passed with another redirect_uri or a verifier
 * that does not hash to the challenge; a code JSON accepted whose TTL is over 60 s or that
 * does not survive a round trip. docs/oidc.md, "Token endpoint". */
#include "jose/jwt.h"
#include "oidc/params.h"
#include "oidc/token.h"

#include <apr_encode.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((mnd_time_t)1767225600)
#define S_BASIC "basic-secret-of-the-fuzz-client-0123456789"
#define S_POST "post-secret-of-the-fuzz-client-0123456789ab"
#define CB "https://app.example/cb"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

static const char *const audiences[] = {"https://op.example/oidc/token", "https://op.example/oidc",
                                        NULL};
static apr_pool_t *gp;
static mnd_oidc_registry_t *reg;
static EVP_PKEY *rsa_pk, *ec_pk;
static const char *jwks;
static int verbose;

static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_oidc_token: contract broken: %s: %s\n", what, detail ? detail : "(null)");
    abort();
}

/* ---- setup ------------------------------------------------------------------------------- */

static mnd_jwt_key_t *key_of(EVP_PKEY *pk)
{
    BIO *bio = BIO_new(BIO_s_mem());
    mnd_jwt_key_t *k = NULL;
    char *pem;
    long n;
    if (!PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL))
        broken("setup", "PEM");
    n = BIO_get_mem_data(bio, &pem);
    if (mnd_jwt_key_from_pem(gp, pem, (size_t)n, &k))
        broken("setup", "key");
    BIO_free(bio);
    return k;
}

/* jwt-app's JWKS with fixed kids ("ec-1", "rsa-1"), so that seeds can name them; the RSA
 * key without alg, for RS256 and PS256. */
static const char *make_jwks(void)
{
    apr_array_header_t *keys = apr_array_make(gp, 2, sizeof(mnd_jwt_key_t *));
    const char *txt = NULL;
    json_t *set, *arr;
    char *out;
    APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = key_of(ec_pk);
    APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = key_of(rsa_pk);
    if (mnd_jwks_json(gp, keys, &txt))
        broken("setup", "jwks");
    set = json_loads(txt, 0, NULL);
    arr = json_object_get(set, "keys");
    json_object_set_new(json_array_get(arr, 0), "kid", json_string("ec-1"));
    json_object_set_new(json_array_get(arr, 1), "kid", json_string("rsa-1"));
    json_object_del(json_array_get(arr, 1), "alg");
    out = json_dumps(set, JSON_COMPACT);
    txt = apr_pstrdup(gp, out);
    free(out);
    json_decref(set);
    return txt;
}

static void add_client(const char *id, mnd_oidc_auth_t auth, const char *secret)
{
    mnd_oidc_client_t *c = apr_pcalloc(gp, sizeof(*c));
    c->client_id = id;
    c->auth = auth;
    c->secret = secret;
    c->jwks_json = auth == MND_OIDC_AUTH_PRIVATE_KEY_JWT ? jwks : NULL;
    c->redirect_uris = apr_array_make(gp, 1, sizeof(const char *));
    APR_ARRAY_PUSH(c->redirect_uris, const char *) = CB;
    c->scopes = apr_array_make(gp, 1, sizeof(const char *));
    APR_ARRAY_PUSH(c->scopes, const char *) = "openid";
    c->service_id = "wse-loket";
    c->profile_acm = c->profile_mandaat = 1;
    c->source = id;
    if (mnd_oidc_registry_add(reg, c))
        broken("setup", id);
}

/* The keys live in gp, whose memory APR may take with mmap, where LeakSanitizer does not look:
 * release them before it runs (its own atexit handler was registered first, so runs last). */
static void teardown(void)
{
    apr_pool_destroy(gp);
    EVP_PKEY_free(rsa_pk);
    EVP_PKEY_free(ec_pk);
}

static void setup(void)
{
    apr_initialize();
    apr_pool_create(&gp, NULL);
    verbose = getenv("MANDAAT_FUZZ_VERBOSE") != NULL;
    rsa_pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    ec_pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!rsa_pk || !ec_pk)
        broken("setup", "keygen");
    jwks = make_jwks();
    reg = mnd_oidc_registry_make(gp);
    add_client("basic-app", MND_OIDC_AUTH_SECRET_BASIC, S_BASIC);
    add_client("post-app", MND_OIDC_AUTH_SECRET_POST, S_POST);
    add_client("jwt-app", MND_OIDC_AUTH_PRIVATE_KEY_JWT, NULL);
    add_client("public-app", MND_OIDC_AUTH_NONE, NULL);
    atexit(teardown);
}

/* ---- oracles ----------------------------------------------------------------------------- */

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_refusal(mnd_error_t *err, const char *oauth, const char *want_einval,
                          const char *want_eforbidden)
{
    const char *want = err->rc == MND_EINVAL ? want_einval : want_eforbidden;
    if (!err->msg || (err->rc != MND_EINVAL && err->rc != MND_EFORBIDDEN))
        broken("refusal not MND_EINVAL/MND_EFORBIDDEN", err->msg);
    if (!same(oauth, want))
        broken("wrong oauth error", oauth);
    if (strstr(err->msg, S_BASIC) || strstr(err->msg, S_POST))
        broken("a secret in a message", err->msg);
}

/* The claims of an accepted assertion, read again: RFC 7523's rules hold. */
static void check_assertion(apr_pool_t *p, const char *jws, const mnd_oidc_client_auth_t *a)
{
    const char *dot1 = strchr(jws, '.'), *dot2 = strchr(dot1 + 1, '.');
    apr_size_t n = 0;
    const char *raw = apr_pdecode_base64(p, dot1 + 1, dot2 - dot1 - 1, APR_ENCODE_BASE64URL, &n);
    json_t *c = raw ? json_loadb(raw, n, 0, NULL) : NULL, *aud = json_object_get(c, "aud");
    json_t *exp = json_object_get(c, "exp");
    int aud_ok = 0;
    size_t i;
    if (!c || !same(json_string_value(json_object_get(c, "iss")), "jwt-app") ||
        !same(json_string_value(json_object_get(c, "sub")), "jwt-app"))
        broken("accepted assertion not by jwt-app", raw);
    for (i = 0; audiences[i]; i++)
        aud_ok |= same(json_string_value(aud), audiences[i]);
    for (i = 0; i < json_array_size(aud); i++)
        aud_ok |= same(json_string_value(json_array_get(aud, i)), audiences[0]) ||
                  same(json_string_value(json_array_get(aud, i)), audiences[1]);
    if (!aud_ok || !json_is_number(exp) || json_number_value(exp) <= NOW - 30 ||
        json_number_value(exp) > NOW + 631)
        broken("accepted assertion with a bad aud or exp", raw);
    if (!a->jti || !*a->jti || strlen(a->jti) > 256 || a->jti_expires <= NOW ||
        a->jti_expires > NOW + 661 || !same(a->client->client_id, "jwt-app"))
        broken("accepted assertion with a bad jti or client", a->jti);
    json_decref(c);
}

/* A code check passed: the redirect_uri and the verifier were right. */
static void check_code_ok(const mnd_oidc_code_t *code, apr_hash_t *params)
{
    const char *v = mnd_oidc_param(params, "code_verifier");
    unsigned char md[32];
    unsigned int n = 0;
    char b64[64];
    apr_size_t len = 0;
    if (!same(mnd_oidc_param(params, "redirect_uri"), code->redirect_uri))
        broken("code accepted with another redirect_uri", mnd_oidc_param(params, "redirect_uri"));
    if (!code->code_challenge)
        return;
    if (!v || !EVP_Digest(v, strlen(v), md, &n, EVP_sha256(), NULL) ||
        apr_encode_base64_binary(b64, md, n, APR_ENCODE_BASE64URL | APR_ENCODE_NOPADDING, &len) !=
            APR_SUCCESS ||
        strcmp(b64, code->code_challenge) != 0)
        broken("code accepted with a wrong verifier", v);
}

static mnd_oidc_code_t *code_of(apr_pool_t *p, const char *client_id, int pkce)
{
    mnd_oidc_code_t *c = apr_pcalloc(p, sizeof(*c));
    c->client_id = client_id;
    c->redirect_uri = CB;
    c->code_challenge = pkce ? CHALLENGE : NULL;
    c->scope = "openid";
    c->issued = NOW - 10;
    c->expires = NOW + 50;
    c->session_json = "{}";
    return c;
}

/* ---- the modes --------------------------------------------------------------------------- */

static void run_request(apr_pool_t *p, const char *authz, const char *body)
{
    apr_hash_t *params = NULL;
    mnd_oidc_client_auth_t a;
    const char *oe = NULL, *cs;
    mnd_oidc_code_t *own, *other;
    mnd_error_t *err = mnd_oidc_params_parse(p, body, &params);
    if (err) {
        check_refusal(err, "x", "x", "x"); /* only the class and message matter here */
        return;
    }
    err = mnd_oidc_client_authenticate(p, reg, params, authz, audiences, NOW, &a, &oe);
    if (verbose)
        fprintf(stderr, "  authenticate: %s\n", err ? err->msg : a.client->client_id);
    if (err) {
        check_refusal(err, oe, "invalid_request", "invalid_client");
        return;
    }
    cs = mnd_oidc_param(params, "client_secret");
    if ((a.client->auth == MND_OIDC_AUTH_SECRET_POST && !same(cs, a.client->secret)) ||
        (a.client->auth == MND_OIDC_AUTH_SECRET_BASIC && (!authz || cs)) ||
        a.client->auth == MND_OIDC_AUTH_PRIVATE_KEY_JWT)
        broken("client accepted without its credentials", a.client->client_id);
    own = code_of(p, a.client->client_id, a.client->auth == MND_OIDC_AUTH_NONE);
    other = code_of(p, strcmp(a.client->client_id, "basic-app") ? "basic-app" : "post-app", 0);
    err = mnd_oidc_code_check(p, own, a.client, params, NOW, &oe);
    if (err)
        check_refusal(err, oe, "invalid_grant", "invalid_grant");
    else
        check_code_ok(own, params);
    if (!mnd_oidc_code_check(p, other, a.client, params, NOW, &oe))
        broken("another client's code accepted", a.client->client_id);
}

static void run_code(apr_pool_t *p, const char *json)
{
    mnd_oidc_code_t *c = NULL, *d = NULL;
    const char *again = NULL;
    mnd_error_t *err = mnd_oidc_code_from_json(p, json, strlen(json), &c);
    if (err) {
        check_refusal(err, "x", "x", "x");
        return;
    }
    if (c->expires <= c->issued || c->expires - c->issued > MND_OIDC_CODE_MAX_TTL)
        broken("code accepted with a TTL over 60 s", json);
    if ((err = mnd_oidc_code_to_json(p, c, &again)) ||
        (err = mnd_oidc_code_from_json(p, again, strlen(again), &d)))
        broken("code does not round-trip", err->msg);
    if (!same(c->client_id, d->client_id) || !same(c->redirect_uri, d->redirect_uri) ||
        !same(c->code_challenge, d->code_challenge) || !same(c->nonce, d->nonce) ||
        !same(c->scope, d->scope) || !same(c->session_json, d->session_json) ||
        c->issued != d->issued || c->expires != d->expires || c->auth_time != d->auth_time)
        broken("code round trip differs", json);
}

static void run_assertion(apr_pool_t *p, const char *jws, int may_pass)
{
    static const char *const algs[] = {"RS256", "PS256", "ES256", NULL};
    apr_hash_t *params = apr_hash_make(p);
    mnd_oidc_client_auth_t a;
    const char *oe = NULL, *claims = NULL;
    mnd_error_t *err;
    if (!mnd_jwt_verify_jwks(p, jwks, jws, algs, &claims) && !may_pass)
        broken("unsigned or HMAC assertion verified", jws);
    apr_hash_set(params, "client_assertion_type", APR_HASH_KEY_STRING, JWT_BEARER);
    apr_hash_set(params, "client_assertion", APR_HASH_KEY_STRING, jws);
    err = mnd_oidc_client_authenticate(p, reg, params, NULL, audiences, NOW, &a, &oe);
    if (verbose)
        fprintf(stderr, "  assertion: %s\n", err ? err->msg : "accepted");
    if (err) {
        check_refusal(err, oe, "invalid_request", "invalid_client");
        return;
    }
    if (!may_pass)
        broken("unsigned or HMAC assertion accepted", jws);
    check_assertion(p, jws, &a);
}

/* header "." claims "." signature, signed here with alg (R, P, E) or HMAC (H). */
static const char *sign_input(apr_pool_t *p, char mode, const char *h, size_t hlen, const char *c,
                              size_t clen)
{
    const char *input = apr_pstrcat(
        p, apr_pencode_base64_binary(p, (const unsigned char *)h, hlen, APR_ENCODE_BASE64URL, NULL),
        ".",
        apr_pencode_base64_binary(p, (const unsigned char *)c, clen, APR_ENCODE_BASE64URL, NULL),
        NULL);
    unsigned char sig[512], raw[64];
    size_t n = sizeof(sig);
    const unsigned char *der = sig;
    if (mode == 'H') {
        unsigned int m = 0;
        HMAC(EVP_sha256(), S_POST, (int)strlen(S_POST), (const unsigned char *)input, strlen(input),
             sig, &m);
        n = m;
    } else {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, mode == 'E' ? ec_pk : rsa_pk) != 1 ||
            (mode == 'P' &&
             (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
            EVP_DigestSign(ctx, sig, &n, (const unsigned char *)input, strlen(input)) != 1)
            broken("signing", NULL);
        EVP_MD_CTX_free(ctx);
        if (mode == 'E') {
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)n);
            if (!es)
                broken("signing", "DER");
            BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
            ECDSA_SIG_free(es);
            memcpy(sig, raw, 64);
            n = 64;
        }
    }
    return apr_pstrcat(
        p, input, ".",
        apr_pencode_base64_binary(p, sig, (apr_ssize_t)n, APR_ENCODE_BASE64URL, NULL), NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    apr_pool_t *p;
    char *text, *nl;
    char mode;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size == 0)
        return 0;
    mode = (char)data[0];
    apr_pool_create(&p, NULL);
    text = apr_pstrmemdup(p, (const char *)data + 1, size - 1);
    nl = strchr(text, '\n');
    if (mode == 'B' && nl) {
        *nl = '\0';
        run_request(p, text, nl + 1);
    } else if (mode == 'C') {
        run_code(p, text);
    } else if (mode == 'J') {
        run_assertion(p, text, 0);
    } else if ((mode == 'R' || mode == 'P' || mode == 'E' || mode == 'H') && nl) {
        run_assertion(p, sign_input(p, mode, text, (size_t)(nl - text), nl + 1, strlen(nl + 1)),
                      mode != 'H');
    } else if (mode != 'B') {
        run_request(p, NULL, text);
    }
    apr_pool_destroy(p);
    return 0;
}
