/* Signed JWTs and the JWKS: keys generated here with OpenSSL (P-256, RSA-2048), sign/verify
 * round trips, every kind of forged or malformed token refused (tampered header, payload or
 * signature, alg none, another alg than the key's, unknown kid, wrong signature length, crit,
 * duplicate members, non-object claims), the RFC 7638 thumbprint against the RFC's own vector,
 * a JWKS without private members, and the key files that must be refused; PS256 signing
 * (checked by OpenSSL on its own); verification against a client's JWKS (mnd_jwt_verify_jwks:
 * by kid or by trying each key, the allow-list of algs, none and HS* always refused, keys
 * that may not verify skipped). Tokens with chosen headers are signed by hand (RS256 is
 * PKCS#1 v1.5 over SHA-256, PS256 PSS, ES256 raw R||S), so that each refusal is tested with a
 * valid signature and can only come from the check meant. */
#include "testutil.h"

#include <apr_encode.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "jose/jwt.h"

static apr_pool_t *pool;
static EVP_PKEY *ec_pk, *rsa_pk, *rsa2_pk;
static const char *ec_pem, *rsa_pem;

#define CLAIMS "{\"sub\":\"85073003328\",\"name\":\"Zo\\u00eb <b>\",\"n\":1}"

/* RFC 7638 section 3.1. */
#define RFC7638_JWK                                                                                \
    "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z"    \
    "wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5"    \
    "w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpb"    \
    "ISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8aw"    \
    "apJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *bio_text(BIO *bio)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    const char *s = apr_pstrmemdup(pool, data, (apr_size_t)n);
    BIO_free(bio);
    return s;
}

static const char *private_pem(EVP_PKEY *pk, const EVP_CIPHER *enc)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pk, enc,
                                              enc ? (unsigned char *)"secret-pass" : NULL,
                                              enc ? 11 : 0, NULL, NULL),
                     1);
    return bio_text(bio);
}

static const char *public_pem(EVP_PKEY *pk)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(bio, pk), 1);
    return bio_text(bio);
}

static mnd_jwt_key_t *key_of(const char *pem)
{
    mnd_jwt_key_t *k = NULL;
    MND_ASSERT_OK(mnd_jwt_key_from_pem(pool, pem, strlen(pem), &k));
    assert_non_null(k);
    return k;
}

static apr_array_header_t *keyset(mnd_jwt_key_t *a, mnd_jwt_key_t *b)
{
    apr_array_header_t *keys = apr_array_make(pool, 2, sizeof(mnd_jwt_key_t *));
    if (a)
        APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = a;
    if (b)
        APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = b;
    return keys;
}

static const char *b64u(const void *data, size_t len)
{
    return apr_pencode_base64_binary(pool, data, (apr_ssize_t)len, APR_ENCODE_BASE64URL, NULL);
}

static const char *b64u_str(const char *s)
{
    return b64u(s, strlen(s));
}

/* header.payload.signature signed by pk over exactly these segments: RS256 (PKCS#1 v1.5),
 * PS256 (PSS, salt of the hash's length, RFC 7518 section 3.5) or, for an EC key, ES256 (the
 * DER signature turned into raw R||S). */
static const char *craft(EVP_PKEY *pk, int pss, const char *header_json, const char *payload)
{
    const char *input = apr_pstrcat(pool, b64u_str(header_json), ".", b64u_str(payload), NULL);
    unsigned char sig[1024], raw[64];
    const unsigned char *der = sig;
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, pk), 1);
    if (pss) {
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
    }
    assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input, strlen(input)),
                     1);
    EVP_MD_CTX_free(ctx);
    if (EVP_PKEY_is_a(pk, "EC")) {
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)siglen);
        assert_non_null(es);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32), 32);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32), 32);
        ECDSA_SIG_free(es);
        return apr_pstrcat(pool, input, ".", b64u(raw, 64), NULL);
    }
    return apr_pstrcat(pool, input, ".", b64u(sig, siglen), NULL);
}

/* header.payload.signature with an RS256 signature by rsa_pk over exactly these segments. */
static const char *craft_rs256(const char *header_json, const char *payload)
{
    return craft(rsa_pk, 0, header_json, payload);
}

static char **segments(const char *jws)
{
    char **seg = apr_pcalloc(pool, 3 * sizeof(char *));
    char *last, *copy = apr_pstrdup(pool, jws);
    seg[0] = apr_strtok(copy, ".", &last);
    seg[1] = apr_strtok(NULL, ".", &last);
    seg[2] = apr_strtok(NULL, ".", &last);
    assert_non_null(seg[2]);
    return seg;
}

static json_t *decode_json_segment(const char *seg)
{
    apr_size_t len;
    const char *raw = apr_pdecode_base64(pool, seg, APR_ENCODE_STRING, APR_ENCODE_BASE64URL, &len);
    json_t *j;
    assert_non_null(raw);
    j = json_loadb(raw, len, 0, NULL);
    assert_non_null(j);
    return j;
}

static void assert_claims_equal(const char *got, const char *want)
{
    json_t *a = json_loads(got, 0, NULL), *b = json_loads(want, 0, NULL);
    assert_non_null(a);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
}

/* ---- keys ------------------------------------------------------------------------------- */

static void test_key_ec(void **state)
{
    mnd_jwt_key_t *k = key_of(ec_pem);
    (void)state;
    assert_string_equal(mnd_jwt_key_alg(k), "ES256");
    assert_int_equal(strlen(mnd_jwt_key_kid(k)), 43);
    /* The same key read twice has the same id: it is a thumbprint, not a counter. */
    assert_string_equal(mnd_jwt_key_kid(k), mnd_jwt_key_kid(key_of(ec_pem)));
}

static void test_key_rsa(void **state)
{
    mnd_jwt_key_t *k = key_of(rsa_pem);
    (void)state;
    assert_string_equal(mnd_jwt_key_alg(k), "RS256");
    assert_int_equal(strlen(mnd_jwt_key_kid(k)), 43);
    assert_string_not_equal(mnd_jwt_key_kid(k), mnd_jwt_key_kid(key_of(ec_pem)));
}

static void assert_refused_pem(const char *pem, const char *needle)
{
    mnd_jwt_key_t *k = (mnd_jwt_key_t *)1;
    mnd_error_t *err = mnd_jwt_key_from_pem(pool, pem, pem ? strlen(pem) : 0, &k);
    MND_ASSERT_ERR(err, MND_EINVAL, needle);
    assert_null(k);
    /* Never any key material in a message. */
    assert_null(strstr(err->msg, "-----"));
    assert_null(strstr(err->msg, "MI"));
}

static void test_key_refused(void **state)
{
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    EVP_PKEY *rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    (void)state;
    assert_non_null(p384);
    assert_non_null(rsa1024);
    assert_non_null(ed);
    assert_refused_pem(private_pem(p384, NULL), "curve P-256");
    assert_refused_pem(private_pem(rsa1024, NULL), "at least 2048 bits");
    assert_refused_pem(private_pem(ed, NULL), "EC P-256 (ES256) or RSA (RS256)");
    assert_refused_pem(public_pem(ec_pk), "a public key, not a private key");
    assert_refused_pem(public_pem(rsa_pk), "a public key, not a private key");
    assert_refused_pem(private_pem(ec_pk, EVP_aes_256_cbc()), "encrypted");
    assert_refused_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                       "no PEM private key");
    assert_refused_pem("not a key at all", "no PEM private key");
    assert_refused_pem(NULL, "1 to");
    EVP_PKEY_free(p384);
    EVP_PKEY_free(rsa1024);
    EVP_PKEY_free(ed);
}

static const char *write_temp(const char *content)
{
    apr_file_t *f;
    char *path = apr_pstrdup(pool, "/tmp/mnd-jwt-XXXXXX");
    apr_size_t n = strlen(content);
    assert_int_equal(
        apr_file_mktemp(&f, path,
                        APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE | APR_FOPEN_EXCL, pool),
        APR_SUCCESS);
    assert_int_equal(apr_file_write_full(f, content, n, NULL), APR_SUCCESS);
    apr_file_close(f);
    return path;
}

static void test_key_load_file(void **state)
{
    const char *good = write_temp(ec_pem), *pub = write_temp(public_pem(ec_pk));
    const char *empty = write_temp("");
    mnd_jwt_key_t *k = NULL;
    (void)state;
    MND_ASSERT_OK(mnd_jwt_key_load(pool, good, &k));
    assert_string_equal(mnd_jwt_key_kid(k), mnd_jwt_key_kid(key_of(ec_pem)));
    MND_ASSERT_ERR(mnd_jwt_key_load(pool, pub, &k), MND_EINVAL,
                   apr_pstrcat(pool, "JWT key ", pub, ": holds a public key", NULL));
    assert_null(k);
    MND_ASSERT_ERR(mnd_jwt_key_load(pool, empty, &k), MND_EINVAL, "1 to");
    MND_ASSERT_ERR(mnd_jwt_key_load(pool, "/nonexistent/key.pem", &k), MND_EINVAL,
                   "JWT key /nonexistent/key.pem: unreadable");
    MND_ASSERT_ERR(mnd_jwt_key_load(pool, NULL, &k), MND_EINVAL, "no file");
    apr_file_remove(good, pool);
    apr_file_remove(pub, pool);
    apr_file_remove(empty, pool);
}

static void test_keys_check(void **state)
{
    mnd_jwt_key_t *ec = key_of(ec_pem), *ec2 = key_of(ec_pem), *rsa = key_of(rsa_pem);
    apr_array_header_t *holey;
    (void)state;
    MND_ASSERT_OK(mnd_jwt_keys_check(pool, keyset(ec, rsa)));
    MND_ASSERT_ERR(mnd_jwt_keys_check(pool, keyset(NULL, NULL)), MND_EINVAL, "at least one");
    MND_ASSERT_ERR(mnd_jwt_keys_check(pool, NULL), MND_EINVAL, "at least one");
    holey = keyset(ec, NULL);
    APR_ARRAY_PUSH(holey, mnd_jwt_key_t *) = NULL;
    MND_ASSERT_ERR(mnd_jwt_keys_check(pool, holey), MND_EINVAL, "key 2 is missing");
    MND_ASSERT_ERR(mnd_jwt_keys_check(pool, keyset(ec, ec2)), MND_EINVAL,
                   "key 2 is the same key as key 1");
}

/* ---- thumbprints ------------------------------------------------------------------------ */

static void test_thumbprint_rfc7638(void **state)
{
    const char *tp = NULL;
    cjose_err cerr;
    cjose_jwk_t *jwk;
    char *exported;
    (void)state;
    MND_ASSERT_OK(mnd_jwk_thumbprint(pool, RFC7638_JWK, &tp));
    assert_string_equal(tp, RFC7638_THUMBPRINT);
    /* Through cjose as the key loader does: import, export the public members, thumbprint. */
    jwk = cjose_jwk_import(RFC7638_JWK, strlen(RFC7638_JWK), &cerr);
    assert_non_null(jwk);
    exported = cjose_jwk_to_json(jwk, false, &cerr);
    assert_non_null(exported);
    MND_ASSERT_OK(mnd_jwk_thumbprint(pool, exported, &tp));
    assert_string_equal(tp, RFC7638_THUMBPRINT);
    cjose_get_dealloc()(exported);
    cjose_jwk_release(jwk);
}

static void test_thumbprint_ec(void **state)
{
    mnd_jwt_key_t *k = key_of(ec_pem);
    const char *jwks = NULL, *canon;
    json_t *root, *jwk;
    unsigned char md[32];
    unsigned int mdlen;
    (void)state;
    MND_ASSERT_OK(mnd_jwks_json(pool, keyset(k, NULL), &jwks));
    root = json_loads(jwks, 0, NULL);
    jwk = json_array_get(json_object_get(root, "keys"), 0);
    /* RFC 7638 section 3.2 by hand: crv, kty, x, y. */
    canon = apr_psprintf(pool, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                         json_string_value(json_object_get(jwk, "x")),
                         json_string_value(json_object_get(jwk, "y")));
    assert_int_equal(EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL), 1);
    assert_string_equal(mnd_jwt_key_kid(k), b64u(md, mdlen));
    json_decref(root);
}

static void test_thumbprint_refused(void **state)
{
    const char *tp;
    (void)state;
    MND_ASSERT_ERR(mnd_jwk_thumbprint(pool, "{\"kty\":\"oct\",\"k\":\"AAAA\"}", &tp), MND_EINVAL,
                   "kty must be");
    MND_ASSERT_ERR(mnd_jwk_thumbprint(pool, "{\"kty\":\"RSA\",\"e\":\"AQAB\"}", &tp), MND_EINVAL,
                   "member \"n\"");
    MND_ASSERT_ERR(mnd_jwk_thumbprint(pool,
                                      "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":1,"
                                      "\"y\":\"a\"}",
                                      &tp),
                   MND_EINVAL, "member \"x\"");
    MND_ASSERT_ERR(mnd_jwk_thumbprint(pool, "[1]", &tp), MND_EINVAL, "kty");
    MND_ASSERT_ERR(mnd_jwk_thumbprint(pool, "{", &tp), MND_EINVAL, "not valid JSON");
    MND_ASSERT_ERR(mnd_jwk_thumbprint(pool, NULL, &tp), MND_EINVAL, NULL);
}

/* ---- sign and verify -------------------------------------------------------------------- */

static void roundtrip(mnd_jwt_key_t *k, size_t sig_chars)
{
    const char *jws = NULL, *claims = NULL;
    char **seg;
    json_t *h;
    MND_ASSERT_OK(mnd_jwt_sign(k, pool, "JWT", CLAIMS, &jws));
    seg = segments(jws);
    h = decode_json_segment(seg[0]);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), mnd_jwt_key_alg(k));
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "JWT");
    assert_string_equal(json_string_value(json_object_get(h, "kid")), mnd_jwt_key_kid(k));
    assert_int_equal(json_object_size(h), 3);
    json_decref(h);
    assert_int_equal(strlen(seg[2]), sig_chars);
    MND_ASSERT_OK(mnd_jwt_verify(pool, keyset(k, NULL), jws, &claims));
    assert_claims_equal(claims, CLAIMS);
}

static void test_roundtrip_es256(void **state)
{
    (void)state;
    roundtrip(key_of(ec_pem), 86); /* raw R||S, 64 bytes */
}

static void test_roundtrip_rs256(void **state)
{
    (void)state;
    roundtrip(key_of(rsa_pem), 342); /* 256 bytes */
}

static void test_verify_with_rotation(void **state)
{
    mnd_jwt_key_t *ec = key_of(ec_pem), *rsa = key_of(rsa_pem);
    const char *a, *b, *claims;
    (void)state;
    /* Both keys of a set verify their own tokens, whatever their order. */
    MND_ASSERT_OK(mnd_jwt_sign(ec, pool, NULL, CLAIMS, &a));
    MND_ASSERT_OK(mnd_jwt_sign(rsa, pool, NULL, CLAIMS, &b));
    MND_ASSERT_OK(mnd_jwt_verify(pool, keyset(rsa, ec), a, &claims));
    MND_ASSERT_OK(mnd_jwt_verify(pool, keyset(rsa, ec), b, &claims));
    MND_ASSERT_OK(mnd_jwt_verify(pool, keyset(ec, rsa), b, &claims));
}

static void test_typ(void **state)
{
    mnd_jwt_key_t *k = key_of(ec_pem);
    const char *jws, *claims;
    (void)state;
    MND_ASSERT_OK(mnd_jwt_sign(k, pool, "at+jwt", CLAIMS, &jws));
    MND_ASSERT_OK(mnd_jwt_verify_typ(pool, keyset(k, NULL), jws, "at+jwt", &claims));
    MND_ASSERT_OK(mnd_jwt_verify_typ(pool, keyset(k, NULL), jws, "application/AT+JWT", &claims));
    MND_ASSERT_OK(mnd_jwt_verify_typ(pool, keyset(k, NULL), jws, NULL, &claims));
    MND_ASSERT_ERR(mnd_jwt_verify_typ(pool, keyset(k, NULL), jws, "JWT", &claims), MND_EINVAL,
                   "typ must be \"JWT\"");
    assert_null(claims);
    MND_ASSERT_ERR(mnd_jwt_sign(k, pool, "a b", CLAIMS, &jws), MND_EINVAL, "typ");
    MND_ASSERT_ERR(mnd_jwt_sign(k, pool, "", CLAIMS, &jws), MND_EINVAL, "typ");
}

static void test_sign_refused(void **state)
{
    mnd_jwt_key_t *k = key_of(ec_pem);
    const char *jws = "x";
    (void)state;
    MND_ASSERT_ERR(mnd_jwt_sign(k, pool, NULL, "[1,2]", &jws), MND_EINVAL, "JSON object");
    assert_null(jws);
    MND_ASSERT_ERR(mnd_jwt_sign(k, pool, NULL, "{\"a\":1,\"a\":2}", &jws), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_jwt_sign(k, pool, NULL, "{", &jws), MND_EINVAL, "not valid JSON");
    MND_ASSERT_ERR(mnd_jwt_sign(k, pool, NULL, NULL, &jws), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_jwt_sign(NULL, pool, NULL, CLAIMS, &jws), MND_EINVAL, "no key");
}

static void assert_refused(const apr_array_header_t *keys, const char *jws, const char *needle)
{
    const char *claims = "unchanged";
    MND_ASSERT_ERR(mnd_jwt_verify(pool, keys, jws, &claims), MND_EINVAL, needle);
    assert_null(claims);
}

static void test_tampered(void **state)
{
    mnd_jwt_key_t *k = key_of(ec_pem), *r = key_of(rsa_pem);
    const char *jws, *rjws;
    char **seg, *sig;
    (void)state;
    MND_ASSERT_OK(mnd_jwt_sign(k, pool, NULL, CLAIMS, &jws));
    seg = segments(jws);
    /* Another payload under the same header and signature. */
    assert_refused(
        keyset(k, NULL),
        apr_pstrcat(pool, seg[0], ".", b64u_str("{\"sub\":\"00000000097\"}"), ".", seg[2], NULL),
        "signature does not verify");
    /* A changed header (typ) with the same signature. */
    assert_refused(keyset(k, NULL),
                   apr_pstrcat(pool,
                               b64u_str(apr_psprintf(pool,
                                                     "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
                                                     "\"kid\":\"%s\"}",
                                                     mnd_jwt_key_kid(k))),
                               ".", seg[1], ".", seg[2], NULL),
                   "signature does not verify");
    /* One signature character changed (in the middle: the last one has unused bits). */
    sig = apr_pstrdup(pool, seg[2]);
    sig[20] = sig[20] == 'A' ? 'B' : 'A';
    assert_refused(keyset(k, NULL), apr_pstrcat(pool, seg[0], ".", seg[1], ".", sig, NULL),
                   "signature does not verify");
    /* The same for RS256. */
    MND_ASSERT_OK(mnd_jwt_sign(r, pool, NULL, CLAIMS, &rjws));
    seg = segments(rjws);
    sig = apr_pstrdup(pool, seg[2]);
    sig[100] = sig[100] == 'A' ? 'B' : 'A';
    assert_refused(keyset(r, NULL), apr_pstrcat(pool, seg[0], ".", seg[1], ".", sig, NULL),
                   "signature does not verify");
    assert_refused(keyset(r, NULL),
                   apr_pstrcat(pool, seg[0], ".", b64u_str("{}"), ".", seg[2], NULL),
                   "signature does not verify");
}

static void test_alg_none(void **state)
{
    mnd_jwt_key_t *k = key_of(ec_pem);
    const char *hdr =
        b64u_str(apr_psprintf(pool, "{\"alg\":\"none\",\"kid\":\"%s\"}", mnd_jwt_key_kid(k)));
    const char *hdr2 =
        b64u_str(apr_psprintf(pool, "{\"alg\":\"NONE\",\"kid\":\"%s\"}", mnd_jwt_key_kid(k)));
    const char *payload = b64u_str(CLAIMS);
    (void)state;
    /* The unsecured form (empty signature) and with a signature-like tail. */
    assert_refused(keyset(k, NULL), apr_pstrcat(pool, hdr, ".", payload, ".", NULL),
                   "three non-empty base64url segments");
    assert_refused(keyset(k, NULL), apr_pstrcat(pool, hdr, ".", payload, ".AAAA", NULL),
                   "alg \"none\"");
    assert_refused(keyset(k, NULL), apr_pstrcat(pool, hdr2, ".", payload, ".AAAA", NULL),
                   "alg \"none\"");
}

static void test_alg_mismatch(void **state)
{
    mnd_jwt_key_t *ec = key_of(ec_pem), *rsa = key_of(rsa_pem);
    const char *eckid = mnd_jwt_key_kid(ec);
    (void)state;
    /* A real RS256 signature, but the header names the ES256 key. */
    assert_refused(
        keyset(ec, rsa),
        craft_rs256(apr_psprintf(pool, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", eckid), CLAIMS),
        "alg must be the key's ES256");
    /* HMAC with a public key as the secret: the classic key confusion. */
    assert_refused(
        keyset(ec, rsa),
        craft_rs256(apr_psprintf(pool, "{\"alg\":\"HS256\",\"kid\":\"%s\"}", mnd_jwt_key_kid(rsa)),
                    CLAIMS),
        "alg must be the key's RS256");
    assert_refused(
        keyset(ec, rsa),
        craft_rs256(apr_psprintf(pool, "{\"alg\":\"PS256\",\"kid\":\"%s\"}", mnd_jwt_key_kid(rsa)),
                    CLAIMS),
        "alg must be the key's RS256");
    assert_refused(
        keyset(ec, rsa),
        craft_rs256(apr_psprintf(pool, "{\"alg\":1,\"kid\":\"%s\"}", mnd_jwt_key_kid(rsa)), CLAIMS),
        "lacks a string alg");
}

static void test_kid(void **state)
{
    mnd_jwt_key_t *ec = key_of(ec_pem), *rsa = key_of(rsa_pem);
    const char *jws;
    (void)state;
    /* A token of a key we do not hold (here: the RSA key, absent from the set). */
    MND_ASSERT_OK(mnd_jwt_sign(rsa, pool, NULL, CLAIMS, &jws));
    assert_refused(keyset(ec, NULL), jws, "unknown kid");
    assert_refused(keyset(rsa, NULL),
                   craft_rs256("{\"alg\":\"RS256\",\"kid\":\"someone-else\"}", CLAIMS),
                   "unknown kid");
    assert_refused(keyset(rsa, NULL), craft_rs256("{\"alg\":\"RS256\"}", CLAIMS),
                   "lacks a string kid");
    assert_refused(keyset(rsa, NULL), craft_rs256("{\"alg\":\"RS256\",\"kid\":[\"x\"]}", CLAIMS),
                   "lacks a string kid");
    assert_refused(keyset(NULL, NULL), jws, "unknown kid");
    assert_refused(NULL, jws, "unknown kid");
}

static void test_crafted_valid(void **state)
{
    mnd_jwt_key_t *rsa = key_of(rsa_pem);
    const char *claims = NULL, *kid = mnd_jwt_key_kid(rsa);
    (void)state;
    /* The hand-made signature is right: the same construction verifies when nothing is wrong,
     * so every refusal below comes from the check it names. */
    MND_ASSERT_OK(mnd_jwt_verify(
        pool, keyset(rsa, NULL),
        craft_rs256(apr_psprintf(pool, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid), CLAIMS),
        &claims));
    assert_claims_equal(claims, CLAIMS);
}

static void test_crafted_refused(void **state)
{
    mnd_jwt_key_t *rsa = key_of(rsa_pem);
    const apr_array_header_t *keys = keyset(rsa, NULL);
    const char *kid = mnd_jwt_key_kid(rsa);
    const char *h = apr_psprintf(pool, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid);
    (void)state;
    assert_refused(keys,
                   craft_rs256(apr_psprintf(pool,
                                            "{\"alg\":\"RS256\",\"kid\":\"%s\","
                                            "\"crit\":[\"exp\"],\"exp\":1}",
                                            kid),
                               CLAIMS),
                   "critical header extensions");
    assert_refused(keys,
                   craft_rs256(apr_psprintf(pool,
                                            "{\"alg\":\"none\",\"alg\":\"RS256\","
                                            "\"kid\":\"%s\"}",
                                            kid),
                               CLAIMS),
                   "not valid JSON"); /* a duplicate member */
    assert_refused(keys,
                   craft_rs256(apr_psprintf(pool,
                                            "{\"alg\":\"RS256\",\"kid\":\"%s\","
                                            "\"typ\":7}",
                                            kid),
                               CLAIMS),
                   "typ must be a string");
    assert_refused(keys, craft_rs256("[\"RS256\"]", CLAIMS), "header must be a JSON object");
    assert_refused(keys, craft_rs256("not json", CLAIMS), "not valid JSON");
    assert_refused(keys, craft_rs256(h, "[1,2]"), "claims must be a JSON object");
    assert_refused(keys, craft_rs256(h, "{\"a\":1,\"a\":2}"), "not valid JSON");
    assert_refused(keys, craft_rs256(h, "{\"a\":1} trailing"), "not valid JSON");
    assert_refused(keys, craft_rs256(h, "\"text\""), "not valid JSON"); /* a bare string */
}

static void test_malformed(void **state)
{
    mnd_jwt_key_t *k = key_of(ec_pem);
    const apr_array_header_t *keys = keyset(k, NULL);
    const char *jws;
    char **seg;
    char *big;
    (void)state;
    MND_ASSERT_OK(mnd_jwt_sign(k, pool, NULL, CLAIMS, &jws));
    seg = segments(jws);
    assert_refused(keys, NULL, "empty");
    assert_refused(keys, "", "empty");
    assert_refused(keys, "a.b", "three");
    assert_refused(keys, apr_pstrcat(pool, jws, ".x.y", NULL), "three");
    assert_refused(keys, apr_pstrcat(pool, jws, "=", NULL), "three");
    assert_refused(keys, apr_pstrcat(pool, " ", jws, NULL), "three");
    assert_refused(keys, apr_pstrcat(pool, seg[0], "..", seg[2], NULL), "three");
    assert_refused(keys, apr_pstrcat(pool, seg[0], ".", seg[1], "+.", seg[2], NULL), "three");
    /* Signature of another length than the key's: padded with a zero byte, or cut. */
    assert_refused(keys, apr_pstrcat(pool, jws, "AA", NULL), "wrong length for ES256");
    assert_refused(keys, apr_pstrndup(pool, jws, strlen(jws) - 4), "wrong length for ES256");
    /* A header that is not base64url of JSON. */
    assert_refused(keys, apr_pstrcat(pool, "e30x.", seg[1], ".", seg[2], NULL), NULL);
    big = apr_palloc(pool, 1024 * 1024 + 2);
    memset(big, 'A', 1024 * 1024 + 1);
    big[1024 * 1024 + 1] = '\0';
    assert_refused(keys, big, "longer than");
}

/* ---- JWKS ------------------------------------------------------------------------------- */

static void test_jwks(void **state)
{
    static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL};
    mnd_jwt_key_t *ec = key_of(ec_pem), *rsa = key_of(rsa_pem);
    const char *jwks = NULL;
    json_t *root, *keys, *e, *r;
    int i;
    (void)state;
    MND_ASSERT_OK(mnd_jwks_json(pool, keyset(ec, rsa), &jwks));
    root = json_loads(jwks, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root);
    assert_int_equal(json_object_size(root), 1);
    keys = json_object_get(root, "keys");
    assert_int_equal(json_array_size(keys), 2);
    e = json_array_get(keys, 0);
    r = json_array_get(keys, 1);
    for (i = 0; priv[i]; i++) {
        assert_null(json_object_get(e, priv[i]));
        assert_null(json_object_get(r, priv[i]));
    }
    assert_string_equal(json_string_value(json_object_get(e, "kty")), "EC");
    assert_string_equal(json_string_value(json_object_get(e, "crv")), "P-256");
    assert_string_equal(json_string_value(json_object_get(e, "use")), "sig");
    assert_string_equal(json_string_value(json_object_get(e, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(e, "kid")), mnd_jwt_key_kid(ec));
    assert_int_equal(strlen(json_string_value(json_object_get(e, "x"))), 43);
    assert_int_equal(strlen(json_string_value(json_object_get(e, "y"))), 43);
    assert_int_equal(json_object_size(e), 7);
    assert_string_equal(json_string_value(json_object_get(r, "kty")), "RSA");
    assert_string_equal(json_string_value(json_object_get(r, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(r, "use")), "sig");
    assert_string_equal(json_string_value(json_object_get(r, "kid")), mnd_jwt_key_kid(rsa));
    assert_string_equal(json_string_value(json_object_get(r, "e")), "AQAB");
    assert_int_equal(strlen(json_string_value(json_object_get(r, "n"))), 342);
    assert_int_equal(json_object_size(r), 6);
    json_decref(root);
    /* Each published key's thumbprint is its kid. */
    MND_ASSERT_ERR(mnd_jwks_json(pool, keyset(ec, key_of(ec_pem)), &jwks), MND_EINVAL, "same key");
    MND_ASSERT_ERR(mnd_jwks_json(pool, keyset(NULL, NULL), &jwks), MND_EINVAL, "at least one");
}

static void test_jwks_thumbprints(void **state)
{
    mnd_jwt_key_t *ec = key_of(ec_pem), *rsa = key_of(rsa_pem);
    const char *jwks = NULL, *tp;
    json_t *root, *keys;
    size_t i;
    (void)state;
    MND_ASSERT_OK(mnd_jwks_json(pool, keyset(ec, rsa), &jwks));
    root = json_loads(jwks, 0, NULL);
    keys = json_object_get(root, "keys");
    for (i = 0; i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i);
        char *txt = json_dumps(k, JSON_COMPACT);
        MND_ASSERT_OK(mnd_jwk_thumbprint(pool, txt, &tp));
        assert_string_equal(tp, json_string_value(json_object_get(k, "kid")));
        free(txt);
    }
    json_decref(root);
}

/* ---- PS256 ------------------------------------------------------------------------------ */

static void test_ps256(void **state)
{
    mnd_jwt_key_t *k = key_of(rsa_pem), *ec = key_of(ec_pem);
    const char *jws = NULL, *jwks = NULL, *input;
    char **seg;
    apr_size_t siglen;
    const unsigned char *sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    (void)state;
    MND_ASSERT_OK(mnd_jwt_key_set_alg(pool, k, "PS256"));
    assert_string_equal(mnd_jwt_key_alg(k), "PS256");
    roundtrip(k, 342);
    /* Checked by OpenSSL on its own: RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt. */
    MND_ASSERT_OK(mnd_jwt_sign(k, pool, NULL, CLAIMS, &jws));
    seg = segments(jws);
    input = apr_pstrcat(pool, seg[0], ".", seg[1], NULL);
    sig = (const unsigned char *)apr_pdecode_base64(pool, seg[2], APR_ENCODE_STRING,
                                                    APR_ENCODE_BASE64URL, &siglen);
    assert_int_equal(EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, rsa_pk), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
    assert_int_equal(
        EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)input, strlen(input)), 1);
    EVP_MD_CTX_free(ctx);
    /* Published as PS256; an RS256 token by the same key no longer verifies. */
    MND_ASSERT_OK(mnd_jwks_json(pool, keyset(k, NULL), &jwks));
    assert_non_null(strstr(jwks, "\"alg\":\"PS256\""));
    assert_refused(
        keyset(k, NULL),
        craft_rs256(apr_psprintf(pool, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", mnd_jwt_key_kid(k)),
                    CLAIMS),
        "alg must be the key's PS256");
    MND_ASSERT_OK(mnd_jwt_key_set_alg(pool, k, "RS256"));
    assert_string_equal(mnd_jwt_key_alg(k), "RS256");
    /* Algs that do not fit the key. */
    MND_ASSERT_ERR(mnd_jwt_key_set_alg(pool, ec, "PS256"), MND_EINVAL,
                   "EC P-256 key signs with ES256");
    MND_ASSERT_ERR(mnd_jwt_key_set_alg(pool, ec, "RS256"), MND_EINVAL, "ES256");
    MND_ASSERT_ERR(mnd_jwt_key_set_alg(pool, k, "ES256"), MND_EINVAL, "RS256 or PS256");
    MND_ASSERT_ERR(mnd_jwt_key_set_alg(pool, k, "HS256"), MND_EINVAL, "RS256 or PS256");
    MND_ASSERT_ERR(mnd_jwt_key_set_alg(pool, k, "ps256"), MND_EINVAL, "RS256 or PS256");
    MND_ASSERT_ERR(mnd_jwt_key_set_alg(pool, k, NULL), MND_EINVAL, "no key or alg");
    assert_string_equal(mnd_jwt_key_alg(k), "RS256");
    assert_string_equal(mnd_jwt_key_alg(ec), "ES256");
}

/* ---- verification with a JWKS (private_key_jwt) ------------------------------------------ */

static const char *const ALL_ALGS[] = {"RS256", "PS256", "ES256", NULL};

/* The public JWK of pk (RSA or EC of any size or curve) with extra members, as JSON text. */
static const char *jwk_of(EVP_PKEY *pk, const char *extra)
{
    unsigned char buf[1024];
    BIGNUM *a = NULL, *b = NULL;
    const char *out;
    char crv[32];
    if (EVP_PKEY_is_a(pk, "RSA")) {
        assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &a), 1);
        assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &b), 1);
        out = apr_psprintf(pool, "{\"kty\":\"RSA\",\"n\":\"%s\",",
                           b64u(buf, (size_t)BN_bn2bin(a, buf)));
        out = apr_psprintf(pool, "%s\"e\":\"%s\"%s}", out, b64u(buf, (size_t)BN_bn2bin(b, buf)),
                           extra);
    } else {
        size_t n;
        assert_int_equal(
            EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, crv, sizeof(crv), NULL),
            1);
        assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &a), 1);
        assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &b), 1);
        n = strcmp(crv, "prime256v1") == 0 ? 32 : 48;
        out = apr_psprintf(pool, "{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\",",
                           n == 32 ? "P-256" : "P-384",
                           b64u(buf, (size_t)BN_bn2binpad(a, buf, (int)n)));
        out = apr_psprintf(pool, "%s\"y\":\"%s\"%s}", out,
                           b64u(buf, (size_t)BN_bn2binpad(b, buf, (int)n)), extra);
    }
    BN_free(a);
    BN_free(b);
    return out;
}

static void assert_jwks_ok(const char *jwks, const char *jws)
{
    const char *claims = NULL;
    MND_ASSERT_OK(mnd_jwt_verify_jwks(pool, jwks, jws, ALL_ALGS, &claims));
    assert_claims_equal(claims, CLAIMS);
}

static void assert_jwks_refused(const char *jwks, const char *jws, const char *const *algs,
                                const char *needle)
{
    const char *claims = "unchanged";
    MND_ASSERT_ERR(mnd_jwt_verify_jwks(pool, jwks, jws, algs, &claims), MND_EINVAL, needle);
    assert_null(claims);
}

static void test_jwks_verify_ok(void **state)
{
    mnd_jwt_key_t *ec = key_of(ec_pem), *rsa = key_of(rsa_pem), *ps = key_of(rsa_pem);
    const char *jwks = NULL, *jws;
    (void)state;
    MND_ASSERT_OK(mnd_jwks_json(pool, keyset(ec, rsa), &jwks));
    MND_ASSERT_OK(mnd_jwt_sign(ec, pool, NULL, CLAIMS, &jws));
    assert_jwks_ok(jwks, jws);
    MND_ASSERT_OK(mnd_jwt_sign(rsa, pool, NULL, CLAIMS, &jws));
    assert_jwks_ok(jwks, jws);
    /* PS256 by the same RSA key: the JWKS says RS256 for it, so publish it without alg. */
    MND_ASSERT_OK(mnd_jwt_key_set_alg(pool, ps, "PS256"));
    MND_ASSERT_OK(mnd_jwt_sign(ps, pool, NULL, CLAIMS, &jws));
    assert_jwks_refused(jwks, jws, ALL_ALGS, "no usable key");
    jwks = apr_psprintf(pool, "{\"keys\":[%s,%s]}", jwk_of(ec_pk, ""),
                        jwk_of(rsa_pk, apr_psprintf(pool, ",\"kid\":\"%s\"", mnd_jwt_key_kid(ps))));
    assert_jwks_ok(jwks, jws);
    /* Without a kid, every key of the type is tried: the other RSA key first. */
    jwks = apr_psprintf(pool, "{\"keys\":[%s,%s,%s]}", jwk_of(ec_pk, ",\"use\":\"sig\""),
                        jwk_of(rsa2_pk, ""), jwk_of(rsa_pk, ",\"key_ops\":[\"verify\"]"));
    assert_jwks_ok(jwks, craft(rsa_pk, 0, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", CLAIMS));
    assert_jwks_ok(jwks, craft(rsa_pk, 1, "{\"alg\":\"PS256\"}", CLAIMS));
    assert_jwks_ok(jwks, craft(ec_pk, 0, "{\"alg\":\"ES256\"}", CLAIMS));
}

static void test_jwks_verify_alg(void **state)
{
    static const char *const es_only[] = {"ES256", NULL};
    static const char *const with_hs[] = {"HS256", "RS256", "RS512", "none", NULL};
    const char *jwks = apr_psprintf(pool, "{\"keys\":[%s,%s]}", jwk_of(rsa_pk, ""),
                                    "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}");
    const char *payload = b64u_str(CLAIMS), *input;
    unsigned char mac[32];
    unsigned int maclen = 0;
    (void)state;
    /* Allowed algs decide before any key is looked at. */
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "{\"alg\":\"RS256\"}", CLAIMS), es_only,
                        "not one of the allowed algs");
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "{\"alg\":\"RS256\"}", CLAIMS), NULL,
                        "not one of the allowed algs");
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "{\"alg\":\"RS512\"}", CLAIMS), with_hs,
                        "not one of the allowed algs");
    /* none, in both forms, even when the caller's list names it. */
    assert_jwks_refused(jwks,
                        apr_pstrcat(pool, b64u_str("{\"alg\":\"none\"}"), ".", payload, ".", NULL),
                        with_hs, "three non-empty");
    assert_jwks_refused(
        jwks, apr_pstrcat(pool, b64u_str("{\"alg\":\"none\"}"), ".", payload, ".AAAA", NULL),
        with_hs, "alg \"none\"");
    assert_jwks_refused(
        jwks, apr_pstrcat(pool, b64u_str("{\"alg\":\"None\"}"), ".", payload, ".AAAA", NULL),
        ALL_ALGS, "alg \"none\"");
    /* HS256 keyed with the oct key of the set, allowed by the caller: still refused. */
    input = apr_pstrcat(pool, b64u_str("{\"alg\":\"HS256\"}"), ".", payload, NULL);
    assert_non_null(
        HMAC(EVP_sha256(), "secret", 6, (const unsigned char *)input, strlen(input), mac, &maclen));
    assert_jwks_refused(jwks, apr_pstrcat(pool, input, ".", b64u(mac, maclen), NULL), with_hs,
                        "shared-secret MAC");
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "{\"alg\":\"hs512\"}", CLAIMS), with_hs,
                        "shared-secret MAC");
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "{\"alg\":[\"RS256\"]}", CLAIMS), ALL_ALGS,
                        "lacks a string alg");
    assert_jwks_refused(
        jwks, craft(rsa_pk, 0, "{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":false}", CLAIMS),
        ALL_ALGS, "critical header");
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "{\"alg\":\"RS256\",\"kid\":7}", CLAIMS), ALL_ALGS,
                        "kid and typ must be strings");
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "{\"alg\":\"RS256\",\"alg\":\"RS256\"}", CLAIMS),
                        ALL_ALGS, "not valid JSON");
    assert_jwks_refused(jwks, craft(rsa_pk, 0, "[\"RS256\"]", CLAIMS), ALL_ALGS,
                        "header must be a JSON object");
}

static void test_jwks_verify_keys(void **state)
{
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    const char *good = apr_psprintf(pool, "{\"keys\":[%s]}", jwk_of(rsa_pk, ",\"kid\":\"a\""));
    const char *jws = craft(rsa_pk, 0, "{\"alg\":\"RS256\",\"kid\":\"a\"}", CLAIMS);
    char **seg = segments(jws);
    char *sig = apr_pstrdup(pool, seg[2]);
    (void)state;
    assert_jwks_ok(good, jws);
    /* Signed by a key not in the set, under the kid of one that is, or without a kid. */
    assert_jwks_refused(good, craft(rsa2_pk, 0, "{\"alg\":\"RS256\",\"kid\":\"a\"}", CLAIMS),
                        ALL_ALGS, "signature does not verify");
    assert_jwks_refused(good, craft(rsa2_pk, 0, "{\"alg\":\"RS256\"}", CLAIMS), ALL_ALGS,
                        "signature does not verify");
    assert_jwks_refused(good, craft(rsa_pk, 0, "{\"alg\":\"RS256\",\"kid\":\"b\"}", CLAIMS),
                        ALL_ALGS, "no usable key");
    /* Keys that may not check this signature. */
    assert_jwks_refused(apr_psprintf(pool, "{\"keys\":[%s]}", jwk_of(rsa_pk, ",\"use\":\"enc\"")),
                        jws, ALL_ALGS, "no usable key");
    assert_jwks_refused(apr_psprintf(pool, "{\"keys\":[%s]}", jwk_of(rsa_pk, ",\"alg\":\"PS256\"")),
                        jws, ALL_ALGS, "no usable key");
    assert_jwks_refused(
        apr_psprintf(pool, "{\"keys\":[%s]}", jwk_of(rsa_pk, ",\"key_ops\":[\"encrypt\"]")), jws,
        ALL_ALGS, "no usable key");
    assert_jwks_refused(apr_psprintf(pool, "{\"keys\":[%s]}", jwk_of(small, "")),
                        craft(small, 0, "{\"alg\":\"RS256\"}", CLAIMS), ALL_ALGS, "no usable key");
    assert_jwks_refused(apr_psprintf(pool, "{\"keys\":[%s]}", jwk_of(p384, "")),
                        craft(ec_pk, 0, "{\"alg\":\"ES256\"}", CLAIMS), ALL_ALGS, "no usable key");
    assert_jwks_refused(apr_psprintf(pool, "{\"keys\":[%s]}", jwk_of(ec_pk, "")), jws, ALL_ALGS,
                        "no usable key");
    /* Tampered and cut tokens. */
    sig[100] = sig[100] == 'A' ? 'B' : 'A';
    assert_jwks_refused(good, apr_pstrcat(pool, seg[0], ".", seg[1], ".", sig, NULL), ALL_ALGS,
                        "signature does not verify");
    assert_jwks_refused(good, apr_pstrcat(pool, seg[0], ".", b64u_str("{}"), ".", seg[2], NULL),
                        ALL_ALGS, "signature does not verify");
    assert_jwks_refused(good, apr_pstrcat(pool, jws, "AA", NULL), ALL_ALGS,
                        "signature does not verify");
    assert_jwks_refused(good, craft(rsa_pk, 0, "{\"alg\":\"RS256\"}", "[1]"), ALL_ALGS,
                        "claims must be a JSON object");
    assert_jwks_refused(good, "a.b", ALL_ALGS, "three");
    assert_jwks_refused(good, NULL, ALL_ALGS, "empty");
    /* JWKS that are no JWKS. */
    assert_jwks_refused("{\"keys\":{}}", jws, ALL_ALGS, "must be an array");
    assert_jwks_refused("{\"keys\":[],\"keys\":[]}", jws, ALL_ALGS, "not valid JSON");
    assert_jwks_refused("[]", jws, ALL_ALGS, "must be an array");
    assert_jwks_refused("{\"keys\":[1,\"x\",{}]}", jws, ALL_ALGS, "no usable key");
    assert_jwks_refused(NULL, jws, ALL_ALGS, NULL);
    EVP_PKEY_free(small);
    EVP_PKEY_free(p384);
}

/* ---- setup ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    if (apr_pool_create(&pool, NULL) != APR_SUCCESS)
        return -1;
    ec_pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    rsa_pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rsa2_pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!ec_pk || !rsa_pk || !rsa2_pk)
        return -1;
    ec_pem = private_pem(ec_pk, NULL);
    rsa_pem = private_pem(rsa_pk, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    EVP_PKEY_free(ec_pk);
    EVP_PKEY_free(rsa_pk);
    EVP_PKEY_free(rsa2_pk);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_ec),
        cmocka_unit_test(test_key_rsa),
        cmocka_unit_test(test_key_refused),
        cmocka_unit_test(test_key_load_file),
        cmocka_unit_test(test_keys_check),
        cmocka_unit_test(test_thumbprint_rfc7638),
        cmocka_unit_test(test_thumbprint_ec),
        cmocka_unit_test(test_thumbprint_refused),
        cmocka_unit_test(test_roundtrip_es256),
        cmocka_unit_test(test_roundtrip_rs256),
        cmocka_unit_test(test_verify_with_rotation),
        cmocka_unit_test(test_typ),
        cmocka_unit_test(test_sign_refused),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_alg_none),
        cmocka_unit_test(test_alg_mismatch),
        cmocka_unit_test(test_kid),
        cmocka_unit_test(test_crafted_valid),
        cmocka_unit_test(test_crafted_refused),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_jwks),
        cmocka_unit_test(test_jwks_thumbprints),
        cmocka_unit_test(test_ps256),
        cmocka_unit_test(test_jwks_verify_ok),
        cmocka_unit_test(test_jwks_verify_alg),
        cmocka_unit_test(test_jwks_verify_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
