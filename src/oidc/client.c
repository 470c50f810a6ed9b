/* OpenID Connect clients read from their files, and the registry that finds them by client_id.
 * A client file is configuration the operator wrote: every member is checked here, at start,
 * so that a typo refuses start with the file and the member named instead of loosening a rule
 * at run time. See docs/oidc.md, "Clients". */
#include "oidc/client.h"

#include "flow/json_in.h"
#include "util/json_text.h"
#include "util/text.h"

#include <apr_encode.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <cjose/cjose.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#define CLIENT_FILE_MAX (64 * 1024)
#define CLIENT_ID_MAX 128
#define SERVICE_ID_MAX 64 /* as core/service.h */
#define SECRET_MIN 32
#define SECRET_MAX 512        /* as in the messages */
#define REDIRECT_URI_MAX 2048 /* well under MND_OIDC_MAX_VALUE, or it could never match */
#define REDIRECT_URIS_MAX 64
#define SCOPES_MAX 64
#define SCOPE_MAX 128
#define JWKS_MAX_KEYS 16 /* as many as jose/jwks_verify.c tries */
#define RSA_MIN_BITS 2048
#define P256_COORD_BYTES 32

static mnd_error_t *bad(apr_pool_t *p, const char *source, const char *member, const char *rule)
{
    return mnd_error(p, MND_EINVAL, "OIDC client file %s: %s %s", source, member, rule);
}


/* 1..max characters of visible ASCII: what can be typed into any client's configuration and
 * sent in a Basic header or a form without ambiguity. */
static int visible_ascii(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n < 1 || n > max)
        return 0;
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7E)
            return 0;
    return 1;
}

/* ---- redirect URIs ------------------------------------------------------------------------ */

/* RFC 3986 characters only: visible ASCII without the ones a URI never holds, and every '%'
 * starting an escape. */
static int uri_chars_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}", c))
            return 0;
        if (c == '%' && !(apr_isxdigit(s[1]) && apr_isxdigit(s[2])))
            return 0;
    }
    return 1;
}

/* Whether the URI's authority (after "scheme://") holds an '@', i.e. userinfo. Looked at
 * directly, besides apr_uri_parse: "https://@host/" has an empty user apr does not report. */
static int has_userinfo(const char *after_scheme)
{
    size_t n = strcspn(after_scheme, "/?#");
    return memchr(after_scheme, '@', n) != NULL;
}

static int loopback_host(const char *host)
{
    return host && (strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
                    strcmp(host, "localhost") == 0);
}

const char *mnd_oidc_url_rule(apr_pool_t *p, const char *uri, int allow_query)
{
    apr_uri_t u;
    int https, http;
    if (!uri)
        return "is missing";
    https = strncmp(uri, "https://", 8) == 0;
    http = strncmp(uri, "http://", 7) == 0;
    if (!*uri || strlen(uri) > REDIRECT_URI_MAX)
        return "must be 1 to " APR_STRINGIFY(REDIRECT_URI_MAX) " characters";
    if (strchr(uri, '#'))
        return "must not have a fragment";
    if (!uri_chars_ok(uri))
        return "must hold only URI characters (no space, control or non-ASCII character; "
               "'%' only in an escape)";
    if (!https && !http)
        return "must be an absolute URL starting with https:// (lower case)";
    if (has_userinfo(uri + (https ? 8 : 7)))
        return "must not have userinfo (user@)";
    if (apr_uri_parse(p, uri, &u) != APR_SUCCESS || !u.hostname || !*u.hostname)
        return "is not a URL with a host";
    if (u.user || u.password)
        return "must not have userinfo (user@)";
    if (u.fragment)
        return "must not have a fragment";
    if (!allow_query && (u.query || strchr(uri, '?')))
        return "must not have a query";
    if (http && !loopback_host(u.hostname))
        return "must use https (http only for 127.0.0.1, [::1] and localhost)";
    return NULL;
}

/* ---- the client's JWKS -------------------------------------------------------------------- */

static int member_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return 1;
    return 0;
}

/* Members of an RSA or EC public JWK (RFC 7517, 7518); anything else is refused. */
static const char *const jwk_public[] = {"kty", "use", "key_ops", "alg",      "kid",
                                         "x5u", "x5c", "x5t",     "x5t#S256", "n",
                                         "e",   "crv", "x",       "y",        NULL};
/* Members that only a private or symmetric key has (RFC 7518 section 6). */
static const char *const jwk_private[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL};

/* Length of base64url (no padding) text s once decoded, or -1. */
static long b64url_len(apr_pool_t *p, json_t *v)
{
    const char *s = json_string_value(v);
    apr_size_t n = 0;
    if (!s || !*s ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-_") != strlen(s))
        return -1;
    if (!apr_pdecode_base64(p, s, APR_ENCODE_STRING, APR_ENCODE_BASE64URL, &n))
        return -1;
    return (long)n;
}

/* The members every key may have: use, key_ops, alg (checked for its kty), kid. */
static const char *jwk_common_rule(json_t *key, const char *kty)
{
    json_t *use = json_object_get(key, "use"), *ops = json_object_get(key, "key_ops");
    json_t *alg = json_object_get(key, "alg"), *kid = json_object_get(key, "kid");
    const char *a = json_string_value(alg);
    int rsa = strcmp(kty, "RSA") == 0, verify = 0;
    size_t i;
    if (use && !(json_is_string(use) && strcmp(json_string_value(use), "sig") == 0))
        return "has a use other than \"sig\"";
    if (ops) {
        for (i = 0; i < json_array_size(ops); i++)
            if (!json_is_string(json_array_get(ops, i)))
                return "has a key_ops that is not an array of strings";
            else if (strcmp(json_string_value(json_array_get(ops, i)), "verify") == 0)
                verify = 1;
        if (!json_is_array(ops) || !verify)
            return "has a key_ops without \"verify\"";
    }
    if (alg && !(a && (rsa ? strcmp(a, "RS256") == 0 || strcmp(a, "PS256") == 0
                           : strcmp(a, "ES256") == 0)))
        return rsa ? "has an alg other than RS256 or PS256" : "has an alg other than ES256";
    if (kid && (!json_is_string(kid) || !*json_string_value(kid)))
        return "has a kid that is not a non-empty string";
    return NULL;
}

/* NULL when cjose takes key as a public key of kty with >= 2048 bits for RSA; cjose also
 * checks that an EC point lies on the curve. */
static const char *jwk_cjose_rule(json_t *key, int rsa)
{
    cjose_err cerr = {0};
    char *txt = json_dumps(key, JSON_COMPACT);
    cjose_jwk_t *jwk = txt ? cjose_jwk_import(txt, strlen(txt), &cerr) : NULL;
    const char *rule = NULL;
    mnd_json_text_free(txt);
    if (!jwk)
        rule = "is not a key cjose can import (for EC: a point on P-256)";
    else if (cjose_jwk_get_kty(jwk, &cerr) != (rsa ? CJOSE_JWK_KTY_RSA : CJOSE_JWK_KTY_EC))
        rule = "is not of its kty";
    else if (rsa && cjose_jwk_get_keysize(jwk, &cerr) < RSA_MIN_BITS)
        rule = "is an RSA key under 2048 bits";
    cjose_jwk_release(jwk);
    ERR_clear_error();
    return rule;
}

/* NULL when key is a public RSA (>= 2048 bits) or EC P-256 key usable for signatures. */
static const char *jwk_rule(apr_pool_t *p, json_t *key, const char **member)
{
    const char *kty = json_string_value(json_object_get(key, "kty")), *name, *rule;
    json_t *v;
    int rsa;
    if (!json_is_object(key))
        return "is not a JSON object";
    if (kty && strcmp(kty, "oct") == 0)
        return "is a symmetric key (kty oct): a client file holds public keys only";
    if (!kty || (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0))
        return "must have kty RSA or EC";
    json_object_foreach(key, name, v)
    {
        *member = name;
        if (member_in(name, jwk_private))
            return "is a private key member: a client file holds public keys only";
        if (!member_in(name, jwk_public))
            return "is not a member of a public RSA or EC key";
    }
    *member = NULL;
    if ((rule = jwk_common_rule(key, kty)))
        return rule;
    rsa = strcmp(kty, "RSA") == 0;
    if (rsa && (b64url_len(p, json_object_get(key, "n")) < 1 ||
                b64url_len(p, json_object_get(key, "e")) < 1))
        return "must have n and e in base64url";
    if (!rsa && !json_is_string(json_object_get(key, "crv")))
        return "must have crv P-256";
    if (!rsa && strcmp(json_string_value(json_object_get(key, "crv")), "P-256") != 0)
        return "must have crv P-256 (no other curve is supported)";
    if (!rsa && (b64url_len(p, json_object_get(key, "x")) != P256_COORD_BYTES ||
                 b64url_len(p, json_object_get(key, "y")) != P256_COORD_BYTES))
        return "must have x and y of 32 bytes in base64url";
    return jwk_cjose_rule(key, rsa);
}

static mnd_error_t *jwks_read(apr_pool_t *p, const char *source, json_t *jwks, const char **out)
{
    json_t *keys = json_object_get(jwks, "keys");
    const char *rule, *member = NULL, *kid, *kid2;
    size_t i, j;
    char *txt;
    if (!json_is_object(jwks) || json_object_size(jwks) != 1 || !json_is_array(keys))
        return bad(p, source, "jwks", "must be an object with one member, keys (an array)");
    if (json_array_size(keys) < 1 || json_array_size(keys) > JWKS_MAX_KEYS)
        return bad(p, source, "jwks", "must hold 1 to " APR_STRINGIFY(JWKS_MAX_KEYS) " keys");
    for (i = 0; i < json_array_size(keys); i++) {
        if ((rule = jwk_rule(p, json_array_get(keys, i), &member)))
            return mnd_error(p, MND_EINVAL, "OIDC client file %s: jwks key %d%s%.32s%s %s", source,
                             (int)i + 1, member ? " member \"" : "", member ? member : "",
                             member ? "\"" : "", rule);
        kid = json_string_value(json_object_get(json_array_get(keys, i), "kid"));
        for (j = 0; kid && j < i; j++)
            if ((kid2 = json_string_value(json_object_get(json_array_get(keys, j), "kid"))) &&
                strcmp(kid, kid2) == 0)
                return mnd_error(p, MND_EINVAL,
                                 "OIDC client file %s: jwks keys %d and %d have the same kid",
                                 source, (int)j + 1, (int)i + 1);
    }
    if (!(txt = json_dumps(jwks, JSON_COMPACT)))
        return bad(p, source, "jwks", "cannot be written back as JSON");
    *out = apr_pstrdup(p, txt);
    mnd_json_text_free(txt);
    return NULL;
}

/* ---- members ------------------------------------------------------------------------------ */

/* clang-format off */
static const char *const members[] = {
    "client_id", "token_endpoint_auth_method", "client_secret", "jwks", "redirect_uris",
    "scopes", "service", "subject_type", "claims_profile", "rrn", "subject", NULL};
/* clang-format on */

/* An array of 1..max distinct strings, each passing rule (NULL: fine, else the rule broken). */
static mnd_error_t *string_list(apr_pool_t *p, const char *source, const char *member, json_t *v,
                                int max, const char *(*rule)(apr_pool_t *, const char *),
                                apr_array_header_t **out)
{
    size_t i, j;
    const char *s, *r;
    if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > (size_t)max)
        return mnd_error(p, MND_EINVAL,
                         "OIDC client file %s: %s must be an array of 1 to %d strings", source,
                         member, max);
    *out = apr_array_make(p, (int)json_array_size(v), sizeof(const char *));
    for (i = 0; i < json_array_size(v); i++) {
        if (!(s = json_string_value(json_array_get(v, i))))
            return bad(p, source, member, "must hold strings only");
        if ((r = rule(p, s)))
            return mnd_error(p, MND_EINVAL, "OIDC client file %s: %s entry %d %s", source, member,
                             (int)i + 1, r);
        for (j = 0; j < i; j++)
            if (strcmp(s, json_string_value(json_array_get(v, j))) == 0)
                return mnd_error(p, MND_EINVAL, "OIDC client file %s: %s entry %d is listed twice",
                                 source, member, (int)i + 1);
        APR_ARRAY_PUSH(*out, const char *) = apr_pstrdup(p, s);
    }
    return NULL;
}

static const char *redirect_rule(apr_pool_t *p, const char *s)
{
    return mnd_oidc_url_rule(p, s, 1);
}

/* RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
static const char *scope_rule(apr_pool_t *p, const char *s)
{
    (void)p;
    if (!*s)
        return "is empty";
    if (strlen(s) > SCOPE_MAX)
        return "is longer than " APR_STRINGIFY(SCOPE_MAX) " characters";
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7E || *s == '"' || *s == '\\')
            return "has a character RFC 6749 section 3.3 does not allow in a scope";
    return NULL;
}

static const char *profile_rule(apr_pool_t *p, const char *s)
{
    (void)p;
    return strcmp(s, "acm") == 0 || strcmp(s, "mandaat") == 0 ? NULL
                                                              : "must be \"acm\" or \"mandaat\"";
}

/* A string member that must be one of two values; *second = whether it is the second. A
 * missing member keeps *second as it is (the default). */
static mnd_error_t *choice(apr_pool_t *p, const char *source, json_t *o, const char *member,
                           const char *first, const char *other, int *second)
{
    json_t *v = json_object_get(o, member);
    const char *s = json_string_value(v);
    if (!v)
        return NULL;
    if (!s || (strcmp(s, first) != 0 && strcmp(s, other) != 0))
        return mnd_error(p, MND_EINVAL, "OIDC client file %s: %s must be \"%s\" or \"%s\"", source,
                         member, first, other);
    *second = strcmp(s, other) == 0;
    return NULL;
}

static mnd_error_t *read_auth(apr_pool_t *p, const char *source, json_t *o, mnd_oidc_client_t *c)
{
    const char *m = json_string_value(json_object_get(o, "token_endpoint_auth_method"));
    json_t *secret = json_object_get(o, "client_secret"), *jwks = json_object_get(o, "jwks");
    static const char *const names[] = {"none", "client_secret_basic", "client_secret_post",
                                        "private_key_jwt"};
    int i;
    for (i = 0; m && i < 4 && strcmp(m, names[i]) != 0; i++)
        ;
    if (!m || i == 4)
        return bad(p, source, "token_endpoint_auth_method",
                   "must be client_secret_basic, client_secret_post, private_key_jwt or none");
    c->auth = (mnd_oidc_auth_t)i;
    if (secret && c->auth != MND_OIDC_AUTH_SECRET_BASIC && c->auth != MND_OIDC_AUTH_SECRET_POST)
        return bad(p, source, "client_secret",
                   "is only for client_secret_basic and client_secret_post "
                   "(a private_key_jwt or public client has none)");
    if (jwks && c->auth != MND_OIDC_AUTH_PRIVATE_KEY_JWT)
        return bad(p, source, "jwks", "is only for private_key_jwt");
    if (c->auth == MND_OIDC_AUTH_PRIVATE_KEY_JWT)
        return jwks ? jwks_read(p, source, jwks, &c->jwks_json)
                    : bad(p, source, "jwks", "is required with private_key_jwt");
    if (c->auth == MND_OIDC_AUTH_NONE)
        return NULL;
    if (!secret)
        return bad(p, source, "client_secret",
                   "is required with client_secret_basic and client_secret_post");
    if (!json_is_string(secret) || !visible_ascii(json_string_value(secret), SECRET_MAX))
        return bad(p, source, "client_secret",
                   "must be a string of at most 512 visible ASCII characters (no space)");
    if (strlen(json_string_value(secret)) < SECRET_MIN)
        return bad(p, source, "client_secret",
                   "must be at least " APR_STRINGIFY(SECRET_MIN) " characters");
    c->secret = apr_pstrdup(p, json_string_value(secret));
    return NULL;
}

static mnd_error_t *read_lists(apr_pool_t *p, const char *source, json_t *o, mnd_oidc_client_t *c)
{
    json_t *profiles = json_object_get(o, "claims_profile");
    apr_array_header_t *l;
    int i;
    if (!json_object_get(o, "redirect_uris"))
        return bad(p, source, "redirect_uris", "is required");
    MND_TRY(string_list(p, source, "redirect_uris", json_object_get(o, "redirect_uris"),
                        REDIRECT_URIS_MAX, redirect_rule, &c->redirect_uris));
    if (!json_object_get(o, "scopes"))
        return bad(p, source, "scopes", "is required");
    MND_TRY(string_list(p, source, "scopes", json_object_get(o, "scopes"), SCOPES_MAX, scope_rule,
                        &c->scopes));
    if (!mnd_oidc_client_scope_ok(c, "openid"))
        return bad(p, source, "scopes", "must include openid");
    c->profile_acm = c->profile_mandaat = 1;
    if (profiles) {
        MND_TRY(string_list(p, source, "claims_profile", profiles, 2, profile_rule, &l));
        c->profile_acm = c->profile_mandaat = 0;
        for (i = 0; i < l->nelts; i++)
            *(strcmp(APR_ARRAY_IDX(l, i, const char *), "acm") == 0 ? &c->profile_acm
                                                                    : &c->profile_mandaat) = 1;
    }
    return NULL;
}

static mnd_error_t *read_client(apr_pool_t *p, const char *source, json_t *o, mnd_oidc_client_t *c)
{
    const char *name, *id = json_string_value(json_object_get(o, "client_id"));
    const char *service = json_string_value(json_object_get(o, "service"));
    json_t *v, *rrn = json_object_get(o, "rrn");
    json_object_foreach(o, name, v)
    {
        if (!member_in(name, members))
            return mnd_error(p, MND_EINVAL, "OIDC client file %s: unknown member \"%.64s\"", source,
                             name);
    }
    if (!mnd_token_ok(id, CLIENT_ID_MAX, "._:/-"))
        return bad(p, source, "client_id",
                   "must be 1 to " APR_STRINGIFY(
                       CLIENT_ID_MAX) " characters of letters, digits and ._:/-");
    c->client_id = apr_pstrdup(p, id);
    MND_TRY(read_auth(p, source, o, c));
    MND_TRY(read_lists(p, source, o, c));
    if (!mnd_token_ok(service, SERVICE_ID_MAX, "._:/-"))
        return bad(p, source, "service",
                   "must be a service id: 1 to " APR_STRINGIFY(
                       SERVICE_ID_MAX) " characters of letters, digits and ._:/-");
    c->service_id = apr_pstrdup(p, service);
    MND_TRY(choice(p, source, o, "subject_type", "pairwise", "public", &c->subject_public));
    MND_TRY(choice(p, source, o, "subject", "person", "party", &c->subject_party));
    if (rrn && !json_is_boolean(rrn))
        return bad(p, source, "rrn", "must be true or false");
    c->rrn = json_is_true(rrn);
    return NULL;
}

mnd_error_t *mnd_oidc_client_parse(apr_pool_t *p, const char *json, size_t len, const char *source,
                                   mnd_oidc_client_t **out)
{
    mnd_oidc_client_t *c = apr_pcalloc(p, sizeof(*c));
    json_t *o = NULL;
    mnd_error_t *err;
    *out = NULL;
    source = source ? source : "(unnamed)";
    MND_TRY(mnd_error_wrap(p, mnd_json_in(p, "client", json, len, CLIENT_FILE_MAX, &o),
                           "OIDC client file %s (at most 64 KiB, no duplicate member)", source));
    if (!json_is_object(o))
        err = mnd_error(p, MND_EINVAL, "OIDC client file %s: must hold a JSON object", source);
    else
        err = read_client(p, source, o, c);
    json_decref(o);
    if (err)
        return err;
    c->source = apr_pstrdup(p, source);
    *out = c;
    return NULL;
}

/* ---- questions ---------------------------------------------------------------------------- */

static int in_list(const apr_array_header_t *l, const char *s)
{
    int i;
    for (i = 0; l && s && i < l->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(l, i, const char *), s) == 0)
            return 1;
    return 0;
}

int mnd_oidc_client_redirect_ok(const mnd_oidc_client_t *c, const char *redirect_uri)
{
    return c && in_list(c->redirect_uris, redirect_uri);
}

int mnd_oidc_client_scope_ok(const mnd_oidc_client_t *c, const char *scope)
{
    return c && in_list(c->scopes, scope);
}

/* Both sides are hashed first, so the comparison takes the same time whatever their lengths
 * and wherever they differ (mnd_ct_streq returns early on a length mismatch). */
int mnd_oidc_client_secret_ok(const mnd_oidc_client_t *c, const char *presented)
{
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned int la = 0, lb = 0;
    if (!c || !c->secret || !presented)
        return 0;
    if (!EVP_Digest(c->secret, strlen(c->secret), a, &la, EVP_sha256(), NULL) ||
        !EVP_Digest(presented, strlen(presented), b, &lb, EVP_sha256(), NULL) || la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

/* ---- the registry ------------------------------------------------------------------------- */

struct mnd_oidc_registry_t {
    apr_pool_t *pool;
    apr_hash_t *by_id; /* client_id -> const mnd_oidc_client_t * */
};

mnd_oidc_registry_t *mnd_oidc_registry_make(apr_pool_t *p)
{
    mnd_oidc_registry_t *reg = apr_pcalloc(p, sizeof(*reg));
    reg->pool = p;
    reg->by_id = apr_hash_make(p);
    return reg;
}

mnd_error_t *mnd_oidc_registry_add(mnd_oidc_registry_t *reg, const mnd_oidc_client_t *c)
{
    const mnd_oidc_client_t *old;
    if (!c || !c->client_id || !*c->client_id)
        return mnd_error(reg->pool, MND_EINVAL, "OIDC client without client_id");
    if ((old = apr_hash_get(reg->by_id, c->client_id, APR_HASH_KEY_STRING)))
        return mnd_error(reg->pool, MND_EINVAL,
                         "OIDC client_id %s is in %s and in %s: client ids must be unique",
                         c->client_id, old->source ? old->source : "(unnamed)",
                         c->source ? c->source : "(unnamed)");
    apr_hash_set(reg->by_id, c->client_id, APR_HASH_KEY_STRING, c);
    return NULL;
}

const mnd_oidc_client_t *mnd_oidc_registry_find(const mnd_oidc_registry_t *reg,
                                                const char *client_id)
{
    if (!reg || !client_id)
        return NULL;
    return apr_hash_get(reg->by_id, client_id, APR_HASH_KEY_STRING);
}

int mnd_oidc_registry_count(const mnd_oidc_registry_t *reg)
{
    return reg ? (int)apr_hash_count(reg->by_id) : 0;
}
