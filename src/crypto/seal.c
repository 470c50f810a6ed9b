/* Sealing of server-side state: AES-256-GCM through OpenSSL's EVP interface, keys from
 * PBKDF2-HMAC-SHA256 then HKDF, base64url through apr_encode. docs/crypto.md describes the
 * format and the rotation procedure for operators; this file only implements them.
 *
 * Sealed value (before base64url without padding):
 *   version (1 byte, = 1) | key id (4) | IV (12, random) | ciphertext (len) | GCM tag (16)
 * AAD = version | key id | "mod_mandaat\0" purpose "\0" scope. A purpose never holds a NUL,
 * so the split between purpose and scope is unambiguous. */
#include "crypto/seal.h"

#include <apr_encode.h>
#include <apr_strings.h>
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define SEAL_VERSION 1
#define SEAL_KEYID_LEN 4
#define SEAL_IV_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_KEY_LEN 32
#define SEAL_HDR_LEN (1 + SEAL_KEYID_LEN + SEAL_IV_LEN)
#define SEAL_OVERHEAD (SEAL_HDR_LEN + SEAL_TAG_LEN)
/* Sealed values are socache entries, never bulk data; the cap also keeps every length far
 * below the int that EVP takes. */
#define SEAL_MAX_DATA (16 * 1024 * 1024)
/* Purpose and scope are short names (a use, a host name); bounded for the same reason. */
#define SEAL_MAX_BINDING 1024

#define PASSPHRASE_MIN 16
#define PASSPHRASE_MAX 1024
/* OWASP's 2023 figure for PBKDF2-HMAC-SHA256. It costs about 0.2 s per passphrase, once, at
 * start; the salt is fixed because the key must be the same on every node and every restart
 * (the passphrase itself is the only secret). */
#define PBKDF2_ITER 600000
#define PBKDF2_SALT "mod_mandaat seal v1"
#define HKDF_INFO_KEY "mod_mandaat seal v1 aes-256-gcm key"
#define HKDF_INFO_ID "mod_mandaat seal v1 key id"
#define AAD_PREFIX "mod_mandaat" /* followed by its NUL in the AAD */

#define TOKEN_MAX 1024
#define HMAC_MAX 32

#define B64URL_FLAGS APR_ENCODE_BASE64URL
#define B64URL_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

typedef struct seal_key_t {
    unsigned char id[SEAL_KEYID_LEN]; /* public: says which key sealed, saves trying all */
    unsigned char key[SEAL_KEY_LEN];
} seal_key_t;

struct mnd_sealer_t {
    int nkeys;
    seal_key_t *keys; /* keys[0] seals */
};

static apr_status_t cleanse_keys(void *data)
{
    mnd_sealer_t *s = data;
    OPENSSL_cleanse(s->keys, (size_t)s->nkeys * sizeof(*s->keys));
    return APR_SUCCESS;
}

/* HKDF-SHA256 (extract and expand, no salt: the input is already a uniform PBKDF2 output). */
static int hkdf(const unsigned char *ikm, size_t ikmlen, const char *info, unsigned char *out,
                size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[4];
    int ok;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
    params[3] = OSSL_PARAM_construct_end();
    ok = kctx && EVP_KDF_derive(kctx, out, outlen, params) == 1;
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return ok;
}

/* The key id comes from its own HKDF branch, so publishing it says nothing about the key. */
static mnd_error_t *derive_key(apr_pool_t *p, const char *passphrase, seal_key_t *k)
{
    unsigned char master[SEAL_KEY_LEN];
    int ok = PKCS5_PBKDF2_HMAC(passphrase, (int)strlen(passphrase),
                               (const unsigned char *)PBKDF2_SALT, (int)strlen(PBKDF2_SALT),
                               PBKDF2_ITER, EVP_sha256(), sizeof(master), master) == 1 &&
             hkdf(master, sizeof(master), HKDF_INFO_KEY, k->key, sizeof(k->key)) &&
             hkdf(master, sizeof(master), HKDF_INFO_ID, k->id, sizeof(k->id));
    OPENSSL_cleanse(master, sizeof(master));
    if (!ok)
        return mnd_error(p, MND_EINTERNAL, "MandaatCryptoPassphrase: key derivation failed");
    return NULL;
}

/* All passphrases are checked before the slow derivation starts. */
static mnd_error_t *check_passphrases(apr_pool_t *p, const apr_array_header_t *pps)
{
    const char *const *pp;
    int i, j;
    if (!pps || pps->nelts < 1)
        return mnd_error(p, MND_EINVAL, "MandaatCryptoPassphrase must be set at least once");
    if (pps->elt_size != (int)sizeof(const char *))
        return mnd_error(p, MND_EINTERNAL, "passphrase list must hold const char *");
    pp = (const char *const *)pps->elts;
    for (i = 0; i < pps->nelts; i++) {
        size_t n = pp[i] ? strlen(pp[i]) : 0;
        if (n < PASSPHRASE_MIN)
            return mnd_error(p, MND_EINVAL,
                             "MandaatCryptoPassphrase must be at least %d characters "
                             "(passphrase %d is shorter)",
                             PASSPHRASE_MIN, i + 1);
        if (n > PASSPHRASE_MAX)
            return mnd_error(p, MND_EINVAL,
                             "MandaatCryptoPassphrase must be at most %d characters "
                             "(passphrase %d is longer)",
                             PASSPHRASE_MAX, i + 1);
        for (j = 0; j < i; j++)
            if (strcmp(pp[i], pp[j]) == 0)
                return mnd_error(p, MND_EINVAL,
                                 "MandaatCryptoPassphrase must not repeat (passphrase %d "
                                 "repeats passphrase %d)",
                                 i + 1, j + 1);
    }
    return NULL;
}

mnd_error_t *mnd_sealer_create(apr_pool_t *p, const apr_array_header_t *passphrases,
                               mnd_sealer_t **out)
{
    mnd_sealer_t *s;
    int i;
    *out = NULL;
    MND_TRY(check_passphrases(p, passphrases));
    s = apr_pcalloc(p, sizeof(*s));
    s->nkeys = passphrases->nelts;
    s->keys = apr_pcalloc(p, (size_t)s->nkeys * sizeof(*s->keys));
    apr_pool_cleanup_register(p, s, cleanse_keys, apr_pool_cleanup_null);
    for (i = 0; i < s->nkeys; i++)
        MND_TRY(derive_key(p, APR_ARRAY_IDX(passphrases, i, const char *), &s->keys[i]));
    *out = s;
    return NULL;
}

static mnd_error_t *check_binding(apr_pool_t *p, const mnd_sealer_t *s, const char *purpose,
                                  const char *scope)
{
    if (!s)
        return mnd_error(p, MND_EINTERNAL, "sealing needs a sealer (MandaatCryptoPassphrase)");
    if (!purpose || !*purpose)
        return mnd_error(p, MND_EINVAL, "a sealed value needs a purpose");
    if (!scope)
        return mnd_error(p, MND_EINVAL, "a sealed value needs a scope (may be empty)");
    if (strlen(purpose) > SEAL_MAX_BINDING || strlen(scope) > SEAL_MAX_BINDING)
        return mnd_error(p, MND_EINVAL,
                         "purpose and scope of a sealed value must be at most "
                         "%d bytes each",
                         SEAL_MAX_BINDING);
    return NULL;
}

/* version | key id | "mod_mandaat\0" purpose "\0" scope */
static unsigned char *make_aad(apr_pool_t *p, const unsigned char *hdr, const char *purpose,
                               const char *scope, size_t *aadlen)
{
    size_t lp = strlen(purpose), ls = strlen(scope), lx = sizeof(AAD_PREFIX);
    unsigned char *aad = apr_palloc(p, 1 + SEAL_KEYID_LEN + lx + lp + 1 + ls);
    unsigned char *w = aad;
    memcpy(w, hdr, 1 + SEAL_KEYID_LEN);
    w += 1 + SEAL_KEYID_LEN;
    memcpy(w, AAD_PREFIX, lx); /* with its NUL */
    w += lx;
    memcpy(w, purpose, lp);
    w += lp;
    *w++ = '\0';
    memcpy(w, scope, ls);
    w += ls;
    *aadlen = (size_t)(w - aad);
    return aad;
}

/* One EVP context per call, freed on every path: the sealer itself holds no OpenSSL state. */
static int gcm_encrypt(const unsigned char *key, const unsigned char *iv, const unsigned char *aad,
                       size_t aadlen, const unsigned char *pt, size_t len, unsigned char *ct,
                       unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int outl = 0, finl = 0;
    int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_IV_LEN, NULL) == 1 &&
             EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) == 1 &&
             EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) == 1 &&
             (len == 0 || EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)len) == 1) &&
             EVP_EncryptFinal_ex(ctx, ct + len, &finl) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok && (len == 0 || (size_t)outl == len) && finl == 0;
}

/* The tag is checked by EVP_DecryptFinal_ex in constant time; on failure the caller wipes
 * whatever unauthenticated plaintext reached pt. */
static int gcm_decrypt(const unsigned char *key, const unsigned char *iv, const unsigned char *aad,
                       size_t aadlen, const unsigned char *ct, size_t len,
                       const unsigned char *tag_in, unsigned char *pt)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    unsigned char tag[SEAL_TAG_LEN];
    int outl = 0, finl = 0, ok;
    memcpy(tag, tag_in, sizeof(tag)); /* EVP wants a non-const pointer */
    ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_IV_LEN, NULL) == 1 &&
         EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) == 1 &&
         EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) == 1 &&
         (len == 0 || EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)len) == 1) &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, tag) == 1 &&
         EVP_DecryptFinal_ex(ctx, pt + len, &finl) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok && (len == 0 || (size_t)outl == len) && finl == 0;
}

mnd_error_t *mnd_seal(const mnd_sealer_t *s, apr_pool_t *p, const char *purpose, const char *scope,
                      const void *data, size_t len, const char **out)
{
    const seal_key_t *k;
    unsigned char *buf, *aad;
    size_t aadlen;
    *out = NULL;
    MND_TRY(check_binding(p, s, purpose, scope));
    if (!data && len)
        return mnd_error(p, MND_EINVAL, "nothing to seal: data is NULL");
    if (len > SEAL_MAX_DATA)
        return mnd_error(p, MND_EINVAL, "a sealed value holds at most %d bytes", SEAL_MAX_DATA);
    k = &s->keys[0];
    buf = apr_palloc(p, SEAL_OVERHEAD + len);
    buf[0] = SEAL_VERSION;
    memcpy(buf + 1, k->id, SEAL_KEYID_LEN);
    if (RAND_bytes(buf + 1 + SEAL_KEYID_LEN, SEAL_IV_LEN) != 1)
        return mnd_error(p, MND_EINTERNAL, "sealing: the random generator failed");
    aad = make_aad(p, buf, purpose, scope, &aadlen);
    if (!gcm_encrypt(k->key, buf + 1 + SEAL_KEYID_LEN, aad, aadlen, data, len, buf + SEAL_HDR_LEN,
                     buf + SEAL_HDR_LEN + len))
        return mnd_error(p, MND_EINTERNAL, "sealing: AES-256-GCM encryption failed");
    *out =
        apr_pencode_base64_binary(p, buf, (apr_ssize_t)(SEAL_OVERHEAD + len), B64URL_FLAGS, NULL);
    if (!*out)
        return mnd_error(p, MND_EINTERNAL, "sealing: base64url encoding failed");
    return NULL;
}

/* Decode strictly: only the base64url alphabet, no padding, no spare bits set (the text
 * must be the one mnd_seal wrote, so no two texts open to the same value). The size is
 * computed from the text and checked against max_len before anything is allocated. apr's
 * decoder is lenient (padding, '+' and '/', spare bits), hence the checks around it. */
static mnd_error_t *decode_sealed(apr_pool_t *p, const char *sealed, size_t max_len,
                                  const unsigned char **raw, size_t *rawlen)
{
    size_t tl = strlen(sealed), want, got = 0;
    const unsigned char *dec;
    const char *again;
    if (strspn(sealed, B64URL_ALPHABET) != tl || tl % 4 == 1)
        return mnd_error(p, MND_EINVAL, "sealed value is not base64url without padding");
    want = tl / 4 * 3 + (tl % 4 ? tl % 4 - 1 : 0);
    if (want < SEAL_OVERHEAD)
        return mnd_error(p, MND_EINVAL, "sealed value is truncated");
    if (want - SEAL_OVERHEAD > max_len)
        return mnd_error(p, MND_EINVAL,
                         "sealed value holds more than the %" APR_SIZE_T_FMT " bytes allowed here",
                         (apr_size_t)max_len);
    dec = apr_pdecode_base64_binary(p, sealed, (apr_ssize_t)tl, B64URL_FLAGS, &got);
    if (!dec || got != want)
        return mnd_error(p, MND_EINVAL, "sealed value is not base64url without padding");
    again = apr_pencode_base64_binary(p, dec, (apr_ssize_t)got, B64URL_FLAGS, NULL);
    if (!again || strcmp(again, sealed) != 0)
        return mnd_error(p, MND_EINVAL, "sealed value is not canonical base64url");
    *raw = dec;
    *rawlen = got;
    return NULL;
}

mnd_error_t *mnd_unseal(const mnd_sealer_t *s, apr_pool_t *p, const char *purpose,
                        const char *scope, const char *sealed, size_t max_len, void **data,
                        size_t *len)
{
    const unsigned char *raw = NULL, *aad;
    unsigned char *pt;
    size_t rawlen = 0, ctlen, aadlen;
    int i, known = 0;
    *data = NULL;
    *len = 0;
    MND_TRY(check_binding(p, s, purpose, scope));
    if (!sealed)
        return mnd_error(p, MND_EINVAL, "no sealed value");
    MND_TRY(decode_sealed(p, sealed, max_len, &raw, &rawlen));
    if (raw[0] != SEAL_VERSION)
        return mnd_error(p, MND_EINVAL, "sealed value has unknown format version %u",
                         (unsigned)raw[0]);
    ctlen = rawlen - SEAL_OVERHEAD;
    aad = make_aad(p, raw, purpose, scope, &aadlen);
    pt = apr_palloc(p, ctlen + 1);
    /* Normally one key matches the id; trying every match copes with a 2^-32 id collision. */
    for (i = 0; i < s->nkeys; i++) {
        if (memcmp(s->keys[i].id, raw + 1, SEAL_KEYID_LEN) != 0)
            continue;
        known = 1;
        if (gcm_decrypt(s->keys[i].key, raw + 1 + SEAL_KEYID_LEN, aad, aadlen, raw + SEAL_HDR_LEN,
                        ctlen, raw + SEAL_HDR_LEN + ctlen, pt)) {
            pt[ctlen] = '\0';
            *data = pt;
            *len = ctlen;
            return NULL;
        }
    }
    OPENSSL_cleanse(pt, ctlen + 1);
    if (!known)
        return mnd_error(p, MND_EINVAL,
                         "sealed value is under a key id %02x%02x%02x%02x that no "
                         "MandaatCryptoPassphrase has (rotated out, or another installation)",
                         raw[1], raw[2], raw[3], raw[4]);
    return mnd_error(p, MND_EINVAL,
                     "sealed value failed authentication (tampered, or sealed "
                     "for another purpose or virtual host)");
}

mnd_error_t *mnd_random_token(apr_pool_t *p, size_t nbytes, const char **out)
{
    unsigned char buf[TOKEN_MAX];
    *out = NULL;
    if (nbytes < 1 || nbytes > TOKEN_MAX)
        return mnd_error(p, MND_EINVAL, "a random token has 1 to %d bytes", TOKEN_MAX);
    if (RAND_bytes(buf, (int)nbytes) != 1)
        return mnd_error(p, MND_EINTERNAL, "random token: the random generator failed");
    *out = apr_pencode_base64_binary(p, buf, (apr_ssize_t)nbytes, B64URL_FLAGS, NULL);
    OPENSSL_cleanse(buf, nbytes);
    if (!*out)
        return mnd_error(p, MND_EINTERNAL, "random token: base64url encoding failed");
    return NULL;
}

int mnd_ct_streq(const char *a, const char *b)
{
    size_t la, lb;
    if (!a || !b)
        return 0;
    la = strlen(a);
    lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

/* NULL when the arguments are outside the contract: no key or an empty one (a MAC without a
 * secret), no message, outbytes 0 or above 32. */
const char *mnd_hmac_b64url(apr_pool_t *p, const char *key, const char *msg, size_t outbytes)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t kl;
    const char *r;
    if (!key || !msg || outbytes < 1 || outbytes > HMAC_MAX)
        return NULL;
    kl = strlen(key);
    if (kl < 1 || kl > INT_MAX)
        return NULL;
    if (!HMAC(EVP_sha256(), key, (int)kl, (const unsigned char *)msg, strlen(msg), mac, &maclen) ||
        maclen != HMAC_MAX) {
        OPENSSL_cleanse(mac, sizeof(mac));
        return NULL;
    }
    r = apr_pencode_base64_binary(p, mac, (apr_ssize_t)outbytes, B64URL_FLAGS, NULL);
    OPENSSL_cleanse(mac, sizeof(mac));
    return r;
}
