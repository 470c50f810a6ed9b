/* Signed JWTs over cjose, keys read with OpenSSL 3's EVP interface. OpenSSL parses and checks
 * the PEM key; its parts are handed to cjose as raw big-endian numbers (cjose builds its own
 * EC_KEY/RSA from them), so no deprecated key structure is touched here. cjose does the JWS
 * work; everything an attacker controls in a token (its shape, header, kid, alg, signature
 * length, payload) is checked here first, because cjose 0.6.2 picks its algorithm from the
 * token's header and does not check that the key fits it (an "HS256" header against an RSA
 * key would make it use the RSA structure as an HMAC secret). See docs/gateway.md. */
#include "jose/jwt.h"

#include "flow/json_in.h"
#include "jose/jwt_int.h"
#include "util/json_text.h"

#include <apr_encode.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <cjose/cjose.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

/* A PEM key of any supported size is a few KiB; anything much larger is not a key file. */
#define JWT_PEM_MAX (64 * 1024)
#define JWT_MAX MND_JWT_MAX
#define JWT_HEADER_MAX MND_JWT_HEADER_MAX
#define JWT_RSA_MIN_BITS MND_JWT_RSA_MIN_BITS
#define JWT_EC_P256_BYTES 32

struct mnd_jwt_key_t {
    cjose_jwk_t *jwk; /* the key pair; released by a cleanup of the key's pool */
    const char *alg;  /* "ES256", "RS256" or "PS256" */
    const char *kid;  /* RFC 7638 thumbprint */
    size_t sig_len;   /* bytes of a signature: 64 (R||S) or the RSA modulus size */
};

static const char *cj_msg(const cjose_err *e)
{
    return e->message ? e->message : "unknown error";
}

/* OpenSSL's reason for the last failure, and an empty queue afterwards so that the next
 * caller of OpenSSL does not see our leftovers. Reasons never contain key material. */
static const char *ssl_reason(apr_pool_t *p)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    const char *out = apr_pstrdup(p, r ? r : "no detail");
    ERR_clear_error();
    return out;
}

static apr_status_t jwk_cleanup(void *data)
{
    mnd_jwt_key_t *k = data;
    if (k->jwk)
        cjose_jwk_release(k->jwk);
    k->jwk = NULL;
    return APR_SUCCESS;
}

/* ---- RFC 7638 thumbprint ---------------------------------------------------------------- */

static int copy_string_member(json_t *to, json_t *from, const char *name)
{
    json_t *v = json_object_get(from, name);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return 0;
    return json_object_set(to, name, v) == 0;
}

mnd_error_t *mnd_jwk_thumbprint(apr_pool_t *p, const char *jwk_json, const char **out)
{
    static const char *const ec[] = {"crv", "kty", "x", "y", NULL};
    static const char *const rsa[] = {"e", "kty", "n", NULL};
    const char *const *names = NULL;
    json_t *jwk = NULL, *req = NULL;
    mnd_error_t *err = NULL;
    const char *kty;
    char *canon = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int i;

    *out = NULL;
    MND_TRY(mnd_json_in(p, "JWK", jwk_json, jwk_json ? strlen(jwk_json) : 0, JWT_PEM_MAX, &jwk));
    kty = json_string_value(json_object_get(jwk, "kty"));
    if (kty && strcmp(kty, "EC") == 0)
        names = ec;
    else if (kty && strcmp(kty, "RSA") == 0)
        names = rsa;
    if (!json_is_object(jwk) || !names) {
        err = mnd_error(p, MND_EINVAL, "JWK thumbprint: kty must be \"EC\" or \"RSA\"");
        goto done;
    }
    /* RFC 7638 section 3.2: the required members only, sorted by name, no whitespace. */
    req = json_object();
    for (i = 0; req && names[i]; i++) {
        if (!copy_string_member(req, jwk, names[i])) {
            err = mnd_error(p, MND_EINVAL, "JWK thumbprint: member \"%s\" must be a string",
                            names[i]);
            goto done;
        }
    }
    canon = req ? json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!canon || EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL) != 1) {
        err = mnd_error(p, MND_EINTERNAL, "JWK thumbprint: hashing failed (%s)", ssl_reason(p));
        goto done;
    }
    *out = apr_pencode_base64_binary(p, md, (apr_ssize_t)mdlen, APR_ENCODE_BASE64URL, NULL);
    if (!*out)
        err = mnd_error(p, MND_EINTERNAL, "JWK thumbprint: base64url encoding failed");
done:
    mnd_json_text_free(canon);
    json_decref(req);
    json_decref(jwk);
    return err;
}

/* ---- loading ---------------------------------------------------------------------------- */

/* Raw big-endian key parts, wiped when freed: they hold the private key. */
#define PARTS_MAX 8
typedef struct key_parts_t {
    unsigned char *v[PARTS_MAX];
    size_t n[PARTS_MAX];
} key_parts_t;

static void parts_free(key_parts_t *kp)
{
    int i;
    for (i = 0; i < PARTS_MAX; i++)
        if (kp->v[i])
            OPENSSL_clear_free(kp->v[i], kp->n[i]);
    memset(kp, 0, sizeof(*kp));
}

/* Part i of kp from the BIGNUM parameter name of pk, left-padded to pad bytes (0: minimal). */
static int part_get(const EVP_PKEY *pk, const char *name, size_t pad, key_parts_t *kp, int i)
{
    BIGNUM *bn = NULL;
    size_t n;
    int ok = 0;
    if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
        return 0;
    n = pad ? pad : (size_t)BN_num_bytes(bn);
    if (n > 0 && (size_t)BN_num_bytes(bn) <= n && (kp->v[i] = OPENSSL_malloc(n)) != NULL) {
        kp->n[i] = n;
        ok = BN_bn2binpad(bn, kp->v[i], (int)n) == (int)n;
    }
    BN_clear_free(bn);
    return ok;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag;
    *(int *)u = 1;
    return -1;
}

static mnd_error_t *ec_jwk(apr_pool_t *p, EVP_PKEY *pk, cjose_jwk_t **jwk)
{
    char group[64];
    key_parts_t kp = {{0}, {0}};
    cjose_jwk_ec_keyspec spec;
    cjose_err cerr = {0};
    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL) != 1 ||
        OBJ_txt2nid(group) != NID_X9_62_prime256v1) {
        ERR_clear_error();
        return mnd_error(p, MND_EINVAL, "an EC key must be on curve P-256 (ES256)");
    }
    if (!part_get(pk, OSSL_PKEY_PARAM_PRIV_KEY, JWT_EC_P256_BYTES, &kp, 0) ||
        !part_get(pk, OSSL_PKEY_PARAM_EC_PUB_X, JWT_EC_P256_BYTES, &kp, 1) ||
        !part_get(pk, OSSL_PKEY_PARAM_EC_PUB_Y, JWT_EC_P256_BYTES, &kp, 2)) {
        parts_free(&kp);
        return mnd_error(p, MND_EINVAL, "the EC key lacks its private or public part (%s)",
                         ssl_reason(p));
    }
    memset(&spec, 0, sizeof(spec));
    spec.crv = CJOSE_JWK_EC_P_256;
    spec.d = kp.v[0], spec.dlen = kp.n[0];
    spec.x = kp.v[1], spec.xlen = kp.n[1];
    spec.y = kp.v[2], spec.ylen = kp.n[2];
    *jwk = cjose_jwk_create_EC_spec(&spec, &cerr);
    parts_free(&kp);
    ERR_clear_error();
    if (!*jwk)
        return mnd_error(p, MND_EINVAL, "cjose refused the EC key: %s", cj_msg(&cerr));
    return NULL;
}

static mnd_error_t *rsa_jwk(apr_pool_t *p, EVP_PKEY *pk, cjose_jwk_t **jwk)
{
    static const char *const names[] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    key_parts_t kp = {{0}, {0}};
    cjose_jwk_rsa_keyspec spec;
    cjose_err cerr = {0};
    BIGNUM *third = NULL;
    int i;
    if (EVP_PKEY_get_bits(pk) < JWT_RSA_MIN_BITS)
        return mnd_error(p, MND_EINVAL,
                         "an RSA key must have at least %d bits (RS256), this "
                         "one has %d",
                         JWT_RSA_MIN_BITS, EVP_PKEY_get_bits(pk));
    /* cjose knows two primes only; its CRT signature would be wrong with a third. */
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR3, &third) == 1) {
        BN_clear_free(third);
        return mnd_error(p, MND_EINVAL, "multi-prime RSA keys are not supported");
    }
    for (i = 0; i < PARTS_MAX; i++) {
        if (!part_get(pk, names[i], 0, &kp, i)) {
            parts_free(&kp);
            return mnd_error(p, MND_EINVAL, "the RSA key lacks its private part \"%s\" (%s)",
                             names[i], ssl_reason(p));
        }
    }
    memset(&spec, 0, sizeof(spec));
    spec.n = kp.v[0], spec.nlen = kp.n[0];
    spec.e = kp.v[1], spec.elen = kp.n[1];
    spec.d = kp.v[2], spec.dlen = kp.n[2];
    spec.p = kp.v[3], spec.plen = kp.n[3];
    spec.q = kp.v[4], spec.qlen = kp.n[4];
    spec.dp = kp.v[5], spec.dplen = kp.n[5];
    spec.dq = kp.v[6], spec.dqlen = kp.n[6];
    spec.qi = kp.v[7], spec.qilen = kp.n[7];
    *jwk = cjose_jwk_create_RSA_spec(&spec, &cerr);
    parts_free(&kp);
    ERR_clear_error();
    if (!*jwk)
        return mnd_error(p, MND_EINVAL, "cjose refused the RSA key: %s", cj_msg(&cerr));
    return NULL;
}

/* Why a PEM text gave no private key: encrypted, public only, or none at all. */
static mnd_error_t *pem_refusal(apr_pool_t *p, const char *pem, size_t len, int asked)
{
    BIO *bio;
    EVP_PKEY *pub = NULL;
    ERR_clear_error();
    if (asked)
        return mnd_error(p, MND_EINVAL,
                         "the private key is encrypted; keys are read at start "
                         "without a prompt, so store it unencrypted and readable by root only");
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio)
        pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (pub) {
        EVP_PKEY_free(pub);
        return mnd_error(p, MND_EINVAL, "holds a public key, not a private key");
    }
    return mnd_error(p, MND_EINVAL, "holds no PEM private key");
}

/* The parsed, checked private key of pem, or an error saying why not. */
static mnd_error_t *pem_pkey(apr_pool_t *p, const char *pem, size_t len, EVP_PKEY **out)
{
    BIO *bio;
    EVP_PKEY_CTX *ctx;
    int asked = 0, ok;
    *out = NULL;
    if (!pem || len == 0 || len > JWT_PEM_MAX)
        return mnd_error(p, MND_EINVAL, "a PEM key has 1 to %d bytes", JWT_PEM_MAX);
    bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return mnd_error(p, MND_EINTERNAL, "out of memory reading a PEM key");
    *out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
    BIO_free(bio);
    if (!*out)
        return pem_refusal(p, pem, len, asked);
    /* The parts of a PEM key are not checked against each other when it is parsed; a key
     * whose public half does not match would sign tokens that nobody can verify. */
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
    ok = ctx && EVP_PKEY_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(*out);
        *out = NULL;
        return mnd_error(p, MND_EINVAL, "the private key is inconsistent (%s)", ssl_reason(p));
    }
    return NULL;
}

/* Thumbprint of k's public JWK as kid, set in cjose too so the JWKS carries it. */
static mnd_error_t *key_set_kid(apr_pool_t *p, mnd_jwt_key_t *k)
{
    cjose_err cerr = {0};
    char *pub = cjose_jwk_to_json(k->jwk, false, &cerr);
    mnd_error_t *err;
    if (!pub)
        return mnd_error(p, MND_EINTERNAL, "cjose could not export the public key: %s",
                         cj_msg(&cerr));
    err = mnd_jwk_thumbprint(p, pub, &k->kid);
    cjose_get_dealloc()(pub);
    MND_TRY(err);
    if (!cjose_jwk_set_kid(k->jwk, k->kid, strlen(k->kid), &cerr))
        return mnd_error(p, MND_EINTERNAL, "cjose could not set the key id: %s", cj_msg(&cerr));
    return NULL;
}

mnd_error_t *mnd_jwt_key_from_pem(apr_pool_t *p, const char *pem, size_t len, mnd_jwt_key_t **out)
{
    EVP_PKEY *pk = NULL;
    mnd_jwt_key_t *k;
    mnd_error_t *err;
    *out = NULL;
    MND_TRY(pem_pkey(p, pem, len, &pk));
    k = apr_pcalloc(p, sizeof(*k));
    if (EVP_PKEY_is_a(pk, "EC")) {
        k->alg = "ES256";
        k->sig_len = 2 * JWT_EC_P256_BYTES;
        err = ec_jwk(p, pk, &k->jwk);
    } else if (EVP_PKEY_is_a(pk, "RSA")) {
        k->alg = "RS256";
        k->sig_len = (size_t)(EVP_PKEY_get_bits(pk) + 7) / 8;
        err = rsa_jwk(p, pk, &k->jwk);
    } else {
        err = mnd_error(p, MND_EINVAL, "the key must be EC P-256 (ES256) or RSA (RS256), not %s",
                        EVP_PKEY_get0_type_name(pk) ? EVP_PKEY_get0_type_name(pk) : "unknown");
    }
    EVP_PKEY_free(pk);
    ERR_clear_error();
    if (err)
        return err;
    apr_pool_cleanup_register(p, k, jwk_cleanup, apr_pool_cleanup_null);
    MND_TRY(key_set_kid(p, k));
    *out = k;
    return NULL;
}

mnd_error_t *mnd_jwt_key_load(apr_pool_t *p, const char *path, mnd_jwt_key_t **out)
{
    apr_file_t *f = NULL;
    apr_finfo_t fi;
    apr_status_t rv;
    char *buf = NULL, why[120];
    apr_size_t got = 0;
    mnd_error_t *err;
    *out = NULL;
    if (!path)
        return mnd_error(p, MND_EINVAL, "JWT key: no file given");
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && (fi.size <= 0 || fi.size > JWT_PEM_MAX)) {
        apr_file_close(f);
        return mnd_error(p, MND_EINVAL, "JWT key %s: a PEM key file has 1 to %d bytes", path,
                         JWT_PEM_MAX);
    }
    if (rv == APR_SUCCESS) {
        buf = apr_palloc(p, (apr_size_t)fi.size);
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &got);
    }
    if (f)
        apr_file_close(f);
    if (rv != APR_SUCCESS) {
        if (buf)
            OPENSSL_cleanse(buf, (size_t)fi.size);
        return mnd_error(p, MND_EINVAL, "JWT key %s: unreadable (%s)", path,
                         apr_strerror(rv, why, sizeof(why)));
    }
    err = mnd_jwt_key_from_pem(p, buf, got, out);
    OPENSSL_cleanse(buf, got);
    return mnd_error_wrap(p, err, "JWT key %s", path);
}

const char *mnd_jwt_key_alg(const mnd_jwt_key_t *k)
{
    return k->alg;
}

mnd_error_t *mnd_jwt_key_set_alg(apr_pool_t *p, mnd_jwt_key_t *k, const char *alg)
{
    /* The key's type decides which algs can use it; the signature length stays the key's. */
    int rsa = k && k->alg && strcmp(k->alg, "ES256") != 0;
    if (!k || !alg)
        return mnd_error(p, MND_EINVAL, "JWT key: no key or alg given");
    if (rsa && (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0))
        k->alg = strcmp(alg, "RS256") == 0 ? "RS256" : "PS256";
    else if (!rsa && strcmp(alg, "ES256") == 0)
        k->alg = "ES256";
    else
        return mnd_error(p, MND_EINVAL, "JWT key: an %s key signs with %s, not \"%.16s\"",
                         rsa ? "RSA" : "EC P-256", rsa ? "RS256 or PS256" : "ES256", alg);
    return NULL;
}

const char *mnd_jwt_key_kid(const mnd_jwt_key_t *k)
{
    return k->kid;
}

mnd_error_t *mnd_jwt_keys_check(apr_pool_t *p, const apr_array_header_t *keys)
{
    int i, j;
    if (!keys || keys->nelts < 1)
        return mnd_error(p, MND_EINVAL, "JWT keys: at least one key is needed");
    for (i = 0; i < keys->nelts; i++) {
        const mnd_jwt_key_t *a = APR_ARRAY_IDX(keys, i, const mnd_jwt_key_t *);
        if (!a || !a->jwk)
            return mnd_error(p, MND_EINVAL, "JWT keys: key %d is missing", i + 1);
        for (j = 0; j < i; j++) {
            const mnd_jwt_key_t *b = APR_ARRAY_IDX(keys, j, const mnd_jwt_key_t *);
            if (strcmp(a->kid, b->kid) == 0)
                return mnd_error(p, MND_EINVAL,
                                 "JWT keys: key %d is the same key as key %d "
                                 "(kid %s)",
                                 i + 1, j + 1, a->kid);
        }
    }
    return NULL;
}

/* ---- signing ---------------------------------------------------------------------------- */

/* A typ is a short media type name: printable ASCII without spaces or quotes. */
static int typ_valid(const char *typ)
{
    size_t n;
    for (n = 0; typ[n]; n++)
        if (typ[n] <= ' ' || typ[n] > '~' || typ[n] == '"' || typ[n] == '\\')
            return 0;
    return n >= 1 && n <= 64;
}

mnd_error_t *mnd_jwt_sign(const mnd_jwt_key_t *k, apr_pool_t *p, const char *typ,
                          const char *claims_json, const char **out)
{
    cjose_err cerr = {0};
    cjose_header_t *hdr = NULL;
    cjose_jws_t *jws = NULL;
    const char *ser = NULL;
    json_t *claims = NULL;
    mnd_error_t *err = NULL;
    size_t len = claims_json ? strlen(claims_json) : 0;

    *out = NULL;
    if (!k || !k->jwk)
        return mnd_error(p, MND_EINVAL, "JWT sign: no key");
    if (!typ)
        typ = "JWT";
    if (!typ_valid(typ))
        return mnd_error(p, MND_EINVAL, "JWT sign: typ must be 1 to 64 printable characters");
    MND_TRY(mnd_json_in(p, "JWT claims", claims_json, len, JWT_MAX / 2, &claims));
    if (!json_is_object(claims))
        err = mnd_error(p, MND_EINVAL, "JWT sign: the claims must be a JSON object");
    json_decref(claims);
    if (err)
        return err;

    hdr = cjose_header_new(&cerr);
    if (!hdr || !cjose_header_set(hdr, CJOSE_HDR_ALG, k->alg, &cerr) ||
        !cjose_header_set(hdr, "typ", typ, &cerr) ||
        !cjose_header_set(hdr, CJOSE_HDR_KID, k->kid, &cerr))
        err = mnd_error(p, MND_EINTERNAL, "JWT sign: header: %s", cj_msg(&cerr));
    if (!err && !(jws = cjose_jws_sign(k->jwk, hdr, (const uint8_t *)claims_json, len, &cerr)))
        err = mnd_error(p, MND_EINTERNAL, "JWT sign: %s", cj_msg(&cerr));
    if (!err && !cjose_jws_export(jws, &ser, &cerr))
        err = mnd_error(p, MND_EINTERNAL, "JWT sign: export: %s", cj_msg(&cerr));
    if (!err)
        *out = apr_pstrdup(p, ser);
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    ERR_clear_error();
    return err;
}

/* ---- verification ----------------------------------------------------------------------- */

static int is_b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int mnd_jws_split(const char *jws, size_t len, const char *seg[3], size_t seglen[3])
{
    size_t i, n = 0, start = 0;
    for (i = 0; i <= len; i++) {
        if (i == len || jws[i] == '.') {
            if (n == 3 || i == start)
                return 0;
            seg[n] = jws + start;
            seglen[n++] = i - start;
            start = i + 1;
        } else if (!is_b64url_char(jws[i])) {
            return 0;
        }
    }
    return n == 3;
}

/* typ values compare case-insensitively and "application/" may be left out (RFC 7515
 * section 4.1.9). */
static int typ_matches(const char *got, const char *want)
{
    static const char app[] = "application/";
    if (!want)
        return 1;
    if (!got)
        return 0;
    if (strncasecmp(got, app, sizeof(app) - 1) == 0)
        got += sizeof(app) - 1;
    if (strncasecmp(want, app, sizeof(app) - 1) == 0)
        want += sizeof(app) - 1;
    return strcasecmp(got, want) == 0;
}

/* The key the protected header names, after every check of the header that needs no
 * cryptography: a JSON object without duplicates, no "crit" (we understand no extension), a
 * string alg that is not "none", a kid we hold, the key's own alg, the wanted typ. */
static mnd_error_t *header_key(apr_pool_t *p, const apr_array_header_t *keys, const char *seg,
                               size_t len, const char *want_typ, const mnd_jwt_key_t **key)
{
    apr_size_t dlen = 0;
    const char *raw = NULL, *alg, *kid, *typ;
    json_t *h = NULL;
    mnd_error_t *err = NULL;
    int i;
    *key = NULL;
    if (len <= JWT_HEADER_MAX)
        raw = apr_pdecode_base64(p, seg, (apr_ssize_t)len, APR_ENCODE_BASE64URL, &dlen);
    if (!raw)
        return mnd_error(p, MND_EINVAL, "JWT: the header is not base64url or too long");
    MND_TRY(mnd_json_in(p, "JWT header", raw, dlen, JWT_HEADER_MAX, &h));
    alg = json_string_value(json_object_get(h, "alg"));
    kid = json_string_value(json_object_get(h, "kid"));
    typ = json_string_value(json_object_get(h, "typ"));
    if (!json_is_object(h))
        err = mnd_error(p, MND_EINVAL, "JWT: the header must be a JSON object");
    else if (json_object_get(h, "crit"))
        err = mnd_error(p, MND_EINVAL, "JWT: critical header extensions are not supported");
    else if (!alg)
        err = mnd_error(p, MND_EINVAL, "JWT: the header lacks a string alg");
    else if (strcasecmp(alg, "none") == 0)
        err = mnd_error(p, MND_EINVAL, "JWT: alg \"none\" (an unsigned token) is refused");
    else if (!kid)
        err = mnd_error(p, MND_EINVAL, "JWT: the header lacks a string kid");
    else if (json_object_get(h, "typ") && !typ)
        err = mnd_error(p, MND_EINVAL, "JWT: typ must be a string");
    else if (!typ_matches(typ, want_typ))
        err = mnd_error(p, MND_EINVAL, "JWT: typ must be \"%s\"", want_typ);
    for (i = 0; !err && keys && i < keys->nelts && !*key; i++) {
        const mnd_jwt_key_t *k = APR_ARRAY_IDX(keys, i, const mnd_jwt_key_t *);
        if (k && k->kid && strcmp(k->kid, kid) == 0)
            *key = k;
    }
    if (!err && !*key)
        err = mnd_error(p, MND_EINVAL, "JWT: unknown kid (not one of our keys)");
    else if (!err && strcmp(alg, (*key)->alg) != 0)
        err = mnd_error(p, MND_EINVAL, "JWT: alg must be the key's %s", (*key)->alg);
    json_decref(h);
    if (err)
        *key = NULL;
    return err;
}

/* Check the signature of the token with cjose and return a pool copy of its payload. */
static mnd_error_t *cjose_check(apr_pool_t *p, const mnd_jwt_key_t *k, const char *jws, size_t len,
                                const char **payload, size_t *plen)
{
    cjose_err cerr = {0};
    cjose_jws_t *cj = cjose_jws_import(jws, len, &cerr);
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    mnd_error_t *err = NULL;
    if (!cj)
        err = mnd_error(p, MND_EINVAL, "JWT: malformed (%s)", cj_msg(&cerr));
    else if (!cjose_jws_verify(cj, k->jwk, &cerr))
        err = mnd_error(p, MND_EINVAL, "JWT: the signature does not verify");
    else if (!cjose_jws_get_plaintext(cj, &pt, &ptlen, &cerr))
        err = mnd_error(p, MND_EINVAL, "JWT: no payload (%s)", cj_msg(&cerr));
    else {
        *payload = apr_pstrmemdup(p, (const char *)pt, ptlen);
        *plen = ptlen;
    }
    cjose_jws_release(cj);
    ERR_clear_error();
    return err;
}

mnd_error_t *mnd_jwt_verify_typ(apr_pool_t *p, const apr_array_header_t *keys, const char *jws,
                                const char *typ, const char **claims_json)
{
    const char *seg[3], *payload = NULL;
    size_t seglen[3], len, plen = 0;
    const mnd_jwt_key_t *k;
    json_t *claims = NULL;
    mnd_error_t *err = NULL;

    *claims_json = NULL;
    len = jws ? strnlen(jws, JWT_MAX + 1) : 0;
    if (len == 0 || len > JWT_MAX)
        return mnd_error(p, MND_EINVAL, "JWT: empty or longer than %d bytes", JWT_MAX);
    if (!mnd_jws_split(jws, len, seg, seglen))
        return mnd_error(p, MND_EINVAL, "JWT: not three non-empty base64url segments");
    MND_TRY(header_key(p, keys, seg[0], seglen[0], typ, &k));
    /* A signature of another length is not one of ours; cjose would split an ES256 one at
     * any length and pad it. */
    if (seglen[2] != (k->sig_len * 4 + 2) / 3)
        return mnd_error(p, MND_EINVAL, "JWT: the signature has the wrong length for %s", k->alg);
    MND_TRY(cjose_check(p, k, jws, len, &payload, &plen));
    MND_TRY(mnd_json_in(p, "JWT claims", payload, plen, JWT_MAX, &claims));
    if (!json_is_object(claims))
        err = mnd_error(p, MND_EINVAL, "JWT: the claims must be a JSON object");
    json_decref(claims);
    if (!err)
        *claims_json = payload;
    return err;
}

mnd_error_t *mnd_jwt_verify(apr_pool_t *p, const apr_array_header_t *keys, const char *jws,
                            const char **claims_json)
{
    return mnd_jwt_verify_typ(p, keys, jws, NULL, claims_json);
}

/* ---- JWKS ------------------------------------------------------------------------------- */

/* The public JWK of k, built from an allow-list of members so that a private one can never
 * slip through, whatever cjose exports. */
static mnd_error_t *public_jwk(apr_pool_t *p, const mnd_jwt_key_t *k, json_t **out)
{
    static const char *const pub[] = {"crv", "x", "y", "n", "e", NULL};
    cjose_err cerr = {0};
    char *txt = cjose_jwk_to_json(k->jwk, false, &cerr);
    json_t *src = NULL, *jwk;
    mnd_error_t *err = NULL;
    int i;
    *out = NULL;
    if (!txt)
        return mnd_error(p, MND_EINTERNAL, "JWKS: cjose could not export a key: %s", cj_msg(&cerr));
    err = mnd_json_in(p, "JWK", txt, strlen(txt), JWT_PEM_MAX, &src);
    cjose_get_dealloc()(txt);
    MND_TRY(err);
    jwk = json_object();
    if (!jwk || json_object_set(jwk, "kty", json_object_get(src, "kty")) ||
        json_object_set_new(jwk, "use", json_string("sig")) ||
        json_object_set_new(jwk, "alg", json_string(k->alg)) ||
        json_object_set_new(jwk, "kid", json_string(k->kid)))
        err = mnd_error(p, MND_EINTERNAL, "JWKS: out of memory");
    for (i = 0; !err && pub[i]; i++) {
        json_t *v = json_object_get(src, pub[i]);
        if (v && json_object_set(jwk, pub[i], v))
            err = mnd_error(p, MND_EINTERNAL, "JWKS: out of memory");
    }
    json_decref(src);
    if (err)
        json_decref(jwk);
    else
        *out = jwk;
    return err;
}

mnd_error_t *mnd_jwks_json(apr_pool_t *p, const apr_array_header_t *keys, const char **out)
{
    json_t *root, *arr;
    mnd_error_t *err = NULL;
    char *txt;
    int i;
    *out = NULL;
    MND_TRY(mnd_jwt_keys_check(p, keys));
    root = json_object();
    arr = json_array();
    if (!root || !arr || json_object_set(root, "keys", arr))
        err = mnd_error(p, MND_EINTERNAL, "JWKS: out of memory");
    for (i = 0; !err && i < keys->nelts; i++) {
        json_t *jwk = NULL;
        err = public_jwk(p, APR_ARRAY_IDX(keys, i, const mnd_jwt_key_t *), &jwk);
        if (!err && json_array_append_new(arr, jwk))
            err = mnd_error(p, MND_EINTERNAL, "JWKS: out of memory");
    }
    txt = err ? NULL : json_dumps(root, JSON_COMPACT);
    if (!err && !txt)
        err = mnd_error(p, MND_EINTERNAL, "JWKS: out of memory");
    if (txt)
        *out = apr_pstrdup(p, txt);
    mnd_json_text_free(txt);
    json_decref(arr);
    json_decref(root);
    return err;
}
