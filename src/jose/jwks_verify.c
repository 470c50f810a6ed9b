/* Verifying a JWS with someone else's keys: a client's JWKS (private_key_jwt, RFC 7523). Unlike
 * our own keys (jwt.c), these come as JSON and the token may name no kid, so the key is picked
 * here. Everything the token controls is checked before cjose sees it: cjose 0.6.2 takes the
 * algorithm from the token's header and does not check that the key fits it, so the alg is
 * held against the caller's allow-list and the key's type, and the signature's length against
 * the key, first. See docs/oidc.md, "Token endpoint". */
#include "jose/jwt.h"

#include "flow/json_in.h"
#include "jose/jwt_int.h"
#include "util/json_text.h"

#include <apr_encode.h>
#include <apr_strings.h>
#include <cjose/cjose.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

/* A JWKS of a few keys is a few KiB; a client file is at most 64 KiB. */
#define JWKS_MAX (64 * 1024)
#define JWKS_MAX_KEYS 16
#define EC_P256_SIG_BYTES 64

/* The header's alg and kid, after every check that needs no key. */
typedef struct jws_head_t {
    const char *alg;
    const char *kid; /* NULL: none given */
} jws_head_t;

/* The only algs this function can ever verify, whatever the caller allows. */
static int alg_supported(const char *alg)
{
    return strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0 || strcmp(alg, "ES256") == 0;
}

static int alg_allowed(const char *alg, const char *const *allowed)
{
    for (; allowed && *allowed; allowed++)
        if (strcmp(alg, *allowed) == 0)
            return alg_supported(alg);
    return 0;
}

static mnd_error_t *head_check(apr_pool_t *p, json_t *h, const char *const *allowed,
                               jws_head_t *out)
{
    json_t *kid = json_object_get(h, "kid"), *typ = json_object_get(h, "typ");
    const char *alg = json_string_value(json_object_get(h, "alg"));
    if (!json_is_object(h))
        return mnd_error(p, MND_EINVAL, "JWT: the header must be a JSON object");
    if (json_object_get(h, "crit"))
        return mnd_error(p, MND_EINVAL, "JWT: critical header extensions are not supported");
    if (!alg)
        return mnd_error(p, MND_EINVAL, "JWT: the header lacks a string alg");
    if (strcasecmp(alg, "none") == 0)
        return mnd_error(p, MND_EINVAL, "JWT: alg \"none\" (an unsigned token) is refused");
    /* An HMAC "signature" would be keyed with something the verifier also knows (a shared
     * secret, or a public key misused as one): it proves nothing about the sender's key. */
    if (strncasecmp(alg, "HS", 2) == 0)
        return mnd_error(p, MND_EINVAL, "JWT: alg %.8s (a shared-secret MAC) is refused", alg);
    if (!alg_allowed(alg, allowed))
        return mnd_error(p, MND_EINVAL, "JWT: alg \"%.16s\" is not one of the allowed algs", alg);
    if ((kid && !json_is_string(kid)) || (typ && !json_is_string(typ)))
        return mnd_error(p, MND_EINVAL, "JWT: kid and typ must be strings");
    out->alg = apr_pstrdup(p, alg);
    out->kid = kid ? apr_pstrdup(p, json_string_value(kid)) : NULL;
    return NULL;
}

static mnd_error_t *head_read(apr_pool_t *p, const char *seg, size_t len,
                              const char *const *allowed, jws_head_t *out)
{
    apr_size_t dlen = 0;
    const char *raw = NULL;
    json_t *h = NULL;
    mnd_error_t *err;
    if (len <= MND_JWT_HEADER_MAX)
        raw = apr_pdecode_base64(p, seg, (apr_ssize_t)len, APR_ENCODE_BASE64URL, &dlen);
    if (!raw)
        return mnd_error(p, MND_EINVAL, "JWT: the header is not base64url or too long");
    MND_TRY(mnd_json_in(p, "JWT header", raw, dlen, MND_JWT_HEADER_MAX, &h));
    err = head_check(p, h, allowed, out);
    json_decref(h);
    return err;
}

/* Whether the JWK key may check a signature of head: of the alg's type (RSA for RS256 and
 * PS256, EC P-256 for ES256), for signatures, for this alg if it names one, with the
 * header's kid if it has one. */
static int key_fits(json_t *key, const jws_head_t *head)
{
    const char *kty = json_string_value(json_object_get(key, "kty"));
    const char *use = json_string_value(json_object_get(key, "use"));
    const char *alg = json_string_value(json_object_get(key, "alg"));
    const char *kid = json_string_value(json_object_get(key, "kid"));
    const char *crv = json_string_value(json_object_get(key, "crv"));
    json_t *ops = json_object_get(key, "key_ops");
    int rsa = strcmp(head->alg, "ES256") != 0;
    size_t i;
    if (!json_is_object(key) || !kty ||
        (json_object_get(key, "use") && (!use || strcmp(use, "sig") != 0)))
        return 0;
    if ((json_object_get(key, "alg") && (!alg || strcmp(alg, head->alg) != 0)) ||
        (head->kid && (!kid || strcmp(kid, head->kid) != 0)))
        return 0;
    if (ops) {
        for (i = 0; i < json_array_size(ops); i++)
            if (json_is_string(json_array_get(ops, i)) &&
                strcmp(json_string_value(json_array_get(ops, i)), "verify") == 0)
                break;
        if (!json_is_array(ops) || i == json_array_size(ops))
            return 0;
    }
    if (rsa)
        return strcmp(kty, "RSA") == 0;
    return strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0;
}

/* The cjose key of a fitting JWK and the length (base64url characters) of its signatures;
 * NULL for a key cjose refuses or an RSA key under 2048 bits. */
static cjose_jwk_t *key_import(json_t *key, size_t *sig_chars)
{
    cjose_err cerr = {0};
    char *txt = json_dumps(key, JSON_COMPACT);
    cjose_jwk_t *jwk = txt ? cjose_jwk_import(txt, strlen(txt), &cerr) : NULL;
    size_t bits = 0, bytes;
    mnd_json_text_free(txt);
    if (jwk)
        bits = cjose_jwk_get_keysize(jwk, &cerr);
    if (jwk && cjose_jwk_get_kty(jwk, &cerr) == CJOSE_JWK_KTY_RSA) {
        bytes = (bits + 7) / 8;
        if (bits < MND_JWT_RSA_MIN_BITS) {
            cjose_jwk_release(jwk);
            jwk = NULL;
        }
    } else {
        bytes = EC_P256_SIG_BYTES;
    }
    ERR_clear_error();
    *sig_chars = (bytes * 4 + 2) / 3;
    return jwk;
}

/* Whether jws verifies with jwk; its payload copied to p then. A fresh import per key: a
 * failed verification leaves nothing behind in the next one. */
static int try_key(apr_pool_t *p, const cjose_jwk_t *jwk, const char *jws, size_t len,
                   const char **payload, size_t *plen)
{
    cjose_err cerr = {0};
    cjose_jws_t *cj = cjose_jws_import(jws, len, &cerr);
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    int ok =
        cj && cjose_jws_verify(cj, jwk, &cerr) && cjose_jws_get_plaintext(cj, &pt, &ptlen, &cerr);
    if (ok) {
        *payload = apr_pstrmemdup(p, (const char *)pt, ptlen);
        *plen = ptlen;
    }
    cjose_jws_release(cj);
    ERR_clear_error();
    return ok;
}

/* Try each fitting key of the JWKS in turn; *fitting counts them. */
static mnd_error_t *verify_with_set(apr_pool_t *p, json_t *keys, const jws_head_t *head,
                                    const char *jws, size_t len, size_t sig_chars_got,
                                    const char **payload, size_t *plen)
{
    int fitting = 0, verified = 0;
    size_t i;
    for (i = 0; i < json_array_size(keys) && i < JWKS_MAX_KEYS && !verified; i++) {
        json_t *key = json_array_get(keys, i);
        size_t sig_chars = 0;
        cjose_jwk_t *jwk;
        if (!key_fits(key, head) || !(jwk = key_import(key, &sig_chars)))
            continue;
        fitting++;
        /* A signature of another length is not by this key; cjose would split an ES256 one
         * at any length and pad it. */
        if (sig_chars == sig_chars_got)
            verified = try_key(p, jwk, jws, len, payload, plen);
        cjose_jwk_release(jwk);
    }
    if (!fitting)
        return mnd_error(p, MND_EINVAL,
                         "JWT: no usable key of the JWKS fits the token's "
                         "%s%s",
                         head->kid ? "kid and " : "", head->alg);
    if (!verified)
        return mnd_error(p, MND_EINVAL, "JWT: the signature does not verify");
    return NULL;
}

mnd_error_t *mnd_jwt_verify_jwks(apr_pool_t *p, const char *jwks_json, const char *jws,
                                 const char *const *allowed_algs, const char **claims_json)
{
    const char *seg[3], *payload = NULL;
    size_t seglen[3], len, plen = 0;
    jws_head_t head = {NULL, NULL};
    json_t *set = NULL, *claims = NULL;
    mnd_error_t *err = NULL;

    *claims_json = NULL;
    len = jws ? strnlen(jws, MND_JWT_MAX + 1) : 0;
    if (len == 0 || len > MND_JWT_MAX)
        return mnd_error(p, MND_EINVAL, "JWT: empty or longer than %d bytes", MND_JWT_MAX);
    if (!mnd_jws_split(jws, len, seg, seglen))
        return mnd_error(p, MND_EINVAL, "JWT: not three non-empty base64url segments");
    MND_TRY(head_read(p, seg[0], seglen[0], allowed_algs, &head));
    MND_TRY(mnd_json_in(p, "JWKS", jwks_json, jwks_json ? strlen(jwks_json) : 0, JWKS_MAX, &set));
    if (!json_is_array(json_object_get(set, "keys")))
        err = mnd_error(p, MND_EINVAL, "JWKS: \"keys\" must be an array");
    else
        err = verify_with_set(p, json_object_get(set, "keys"), &head, jws, len, seglen[2], &payload,
                              &plen);
    json_decref(set);
    MND_TRY(err);
    MND_TRY(mnd_json_in(p, "JWT claims", payload, plen, MND_JWT_MAX, &claims));
    if (!json_is_object(claims))
        err = mnd_error(p, MND_EINVAL, "JWT: the claims must be a JSON object");
    json_decref(claims);
    if (!err)
        *claims_json = payload;
    return err;
}
