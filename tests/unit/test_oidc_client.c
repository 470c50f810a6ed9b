/* OIDC client files (src/oidc/client.h): every member read, every rule sent a file breaking
 * it, the registry, and the questions asked of a client at run time (redirect URI exact
 * match, scope, secret in constant time). Files are a valid base with one member changed. */
#include "testutil.h"

#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "oidc/client.h"

static apr_pool_t *pool;

#define SECRET "0123456789abcdef0123456789abcdef" /* 32 characters: the minimum */
#define CB "https://app.example/cb"

/* Public keys generated with openssl for these tests (private halves discarded). */
#define N2048                                                                                      \
    "mmQdn9iMc86ChZkZdXBsgHZ178A0ULaa3gxgRp_AhblFVLjnvdkAi67m2lIoTcOrvNlUeLVqHFacsckI10AlAeU9"     \
    "ktV8A1HIPSFA9OfkdTIL5YjIRsmn3c3HJ4IiKxyF4ggkVf8ZmfD9pMFFacmCYDQgsFNlkQ-oTY-t5_gRMMjABEPw"     \
    "L_osblB0852INvSUnXzXxwqeD0vAHQQ6VXhGyREFuHVoULpRPsyjmYwYfMrGW0N4A7BbX6XshJra7DQ_Puw-Bwuh"     \
    "FhKJaeEse1Z1vVTY0247G_9D75-WN5X_sTiNk1iwH5xOcmF-PTGZaM4CJHnRAl35I91RobdqVtZaTw"
#define N1024                                                                                      \
    "y2WK1Vb3RjZavP6-5mEY-ZTwGQF4S_0eyQw9M4M_rYmK2DRoEdTeXsXEWk2TPpXcoKWz0KzvysTc6JE502TEOOyS"     \
    "TTyVTq8jhdyisWooLu8Nnp8zho9GP0bGUYwqD0fWSUSrcMLP4c6ovxwSYZD8B4Yr8TaEnHsVvQoKUjJ-UFU"
#define EC_X "C37XrUEaCuPyYfU1aNnGAyzkJs86Tf_jrUjbftKDMkk"
#define EC_Y "Bo2VqEIXTXzP0npIMg7i7iRCY6HinndRgclSgKlqvyA"
/* y + 1: a point that is not on P-256. */
#define EC_Y_OFF "Bo2VqEIXTXzP0npIMg7i7iRCY6HinndRgclSgKlqvyE"
#define EC384_X "gq4ntxSGwuEElUfaeat0ipTrW5NNOUMNM-KzTsLFbZa49WzZBSUT9wHVlGT1n5hb"
#define EC384_Y "WmJfoBjaPlbC1bLN5ClKMr5a1VWADO2_WW4B7YyeAoKiAHBi6Zu36hPa7lPGQlNb"

#define RSA_KEY                                                                                    \
    "{\"kty\":\"RSA\",\"kid\":\"r1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"" N2048             \
    "\",\"e\":\"AQAB\"}"
#define EC_KEY                                                                                     \
    "{\"kty\":\"EC\",\"kid\":\"e1\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}"

static const char *base_secret =
    "{\"client_id\": \"wse-loket-app\", \"token_endpoint_auth_method\": \"client_secret_basic\","
    " \"client_secret\": \"" SECRET "\", \"redirect_uris\": [\"" CB "\"],"
    " \"scopes\": [\"openid\", \"profile\"], \"service\": \"wse-loket\"}";

static const char *base_jwt =
    "{\"client_id\": \"jwt-app\", \"token_endpoint_auth_method\": \"private_key_jwt\","
    " \"jwks\": {\"keys\": [" RSA_KEY ", " EC_KEY "]}, \"redirect_uris\": [\"" CB "\"],"
    " \"scopes\": [\"openid\"], \"service\": \"wse-loket\"}";

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

static mnd_error_t *parse(const char *json, mnd_oidc_client_t **c)
{
    return mnd_oidc_client_parse(pool, json, strlen(json), "clients/test.json", c);
}

/* base with member set to value (JSON text), or removed when value is NULL. */
static const char *with(const char *base, const char *member, const char *value)
{
    json_error_t e;
    json_t *o = json_loads(base, 0, &e), *v;
    char *txt;
    const char *out;
    assert_non_null(o);
    if (value) {
        v = json_loads(value, JSON_DECODE_ANY, &e);
        if (!v)
            fail_msg("test JSON %s: %s", value, e.text);
        json_object_set_new(o, member, v);
    } else {
        json_object_del(o, member);
    }
    txt = json_dumps(o, JSON_COMPACT);
    out = apr_pstrdup(pool, txt);
    free(txt);
    json_decref(o);
    return out;
}

/* base with member changed is refused; the message names the file and contains needle. */
static void refused_at(int line, const char *base, const char *member, const char *value,
                       const char *needle)
{
    mnd_oidc_client_t *c = (void *)1;
    mnd_error_t *err = parse(with(base, member, value), &c);
    if (!err)
        fail_msg("line %d: %s = %s accepted", line, member, value ? value : "(absent)");
    if (err->rc != MND_EINVAL || !strstr(err->msg, "clients/test.json") ||
        (needle && !strstr(err->msg, needle)))
        fail_msg("line %d: %s = %s: %s (want %s)", line, member, value ? value : "(absent)",
                 err->msg, needle ? needle : "");
    assert_null(c);
}
#define refused(m, v, needle) refused_at(__LINE__, base_secret, m, v, needle)
#define refused_jwt(m, v, needle) refused_at(__LINE__, base_jwt, m, v, needle)

static mnd_oidc_client_t *accepted_at(int line, const char *base, const char *member,
                                      const char *value)
{
    mnd_oidc_client_t *c = NULL;
    mnd_error_t *err = parse(with(base, member, value), &c);
    if (err)
        fail_msg("line %d: %s = %s refused: %s", line, member, value ? value : "(absent)",
                 err->msg);
    assert_non_null(c);
    return c;
}
#define accepted(m, v) accepted_at(__LINE__, base_secret, m, v)
#define accepted_jwt(m, v) accepted_at(__LINE__, base_jwt, m, v)

static const char *uri(const mnd_oidc_client_t *c, int i)
{
    return APR_ARRAY_IDX(c->redirect_uris, i, const char *);
}

/* ---- members read ------------------------------------------------------------------------- */

static void test_every_member(void **state)
{
    mnd_oidc_client_t *c = NULL;
    const char *json =
        "{\"client_id\": \"urn:app/x_1.b-c\", \"token_endpoint_auth_method\": "
        "\"client_secret_post\", \"client_secret\": \"" SECRET "!~\", \"redirect_uris\": [\"" CB
        "\", \"http://127.0.0.1:8080/cb?x=1\"], \"scopes\": [\"openid\", \"mandaat\"], "
        "\"service\": \"wse-loket\", \"subject_type\": \"public\", \"claims_profile\": [\"acm\"],"
        " \"rrn\": true, \"subject\": \"party\"}";
    (void)state;
    MND_ASSERT_OK(parse(json, &c));
    assert_string_equal(c->client_id, "urn:app/x_1.b-c");
    assert_int_equal(c->auth, MND_OIDC_AUTH_SECRET_POST);
    assert_string_equal(c->secret, SECRET "!~");
    assert_null(c->jwks_json);
    assert_int_equal(c->redirect_uris->nelts, 2);
    assert_string_equal(uri(c, 0), CB);
    assert_string_equal(uri(c, 1), "http://127.0.0.1:8080/cb?x=1");
    assert_int_equal(c->scopes->nelts, 2);
    assert_true(mnd_oidc_client_scope_ok(c, "openid"));
    assert_true(mnd_oidc_client_scope_ok(c, "mandaat"));
    assert_false(mnd_oidc_client_scope_ok(c, "profile"));
    assert_string_equal(c->service_id, "wse-loket");
    assert_int_equal(c->subject_public, 1);
    assert_int_equal(c->profile_acm, 1);
    assert_int_equal(c->profile_mandaat, 0);
    assert_int_equal(c->rrn, 1);
    assert_int_equal(c->subject_party, 1);
    assert_string_equal(c->source, "clients/test.json");
}

static void test_defaults(void **state)
{
    mnd_oidc_client_t *c = NULL;
    (void)state;
    MND_ASSERT_OK(parse(base_secret, &c));
    assert_int_equal(c->auth, MND_OIDC_AUTH_SECRET_BASIC);
    assert_string_equal(c->secret, SECRET);
    assert_int_equal(c->subject_public, 0); /* pairwise */
    assert_int_equal(c->profile_acm, 1);
    assert_int_equal(c->profile_mandaat, 1);
    assert_int_equal(c->rrn, 0);
    assert_int_equal(c->subject_party, 0); /* person */
    /* The explicit spellings of the defaults. */
    c = accepted("subject_type", "\"pairwise\"");
    assert_int_equal(c->subject_public, 0);
    c = accepted("subject", "\"person\"");
    assert_int_equal(c->subject_party, 0);
    c = accepted("rrn", "false");
    assert_int_equal(c->rrn, 0);
    c = accepted("claims_profile", "[\"mandaat\", \"acm\"]");
    assert_true(c->profile_acm && c->profile_mandaat);
    c = accepted("claims_profile", "[\"mandaat\"]");
    assert_true(!c->profile_acm && c->profile_mandaat);
}

static void test_public_and_jwt_clients(void **state)
{
    mnd_oidc_client_t *c;
    json_error_t e;
    json_t *j;
    (void)state;
    c = accepted_at(__LINE__, with(base_secret, "client_secret", NULL),
                    "token_endpoint_auth_method", "\"none\"");
    assert_int_equal(c->auth, MND_OIDC_AUTH_NONE);
    assert_null(c->secret);
    assert_null(c->jwks_json);
    assert_false(mnd_oidc_client_secret_ok(c, ""));

    c = accepted_jwt("client_id", "\"jwt-app\"");
    assert_int_equal(c->auth, MND_OIDC_AUTH_PRIVATE_KEY_JWT);
    assert_null(c->secret);
    assert_non_null(c->jwks_json);
    j = json_loads(c->jwks_json, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "keys")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "keys"), 0), "n")),
        N2048);
    json_decref(j);
    /* One key alone of either type, keys without kid, alg PS256, key_ops with verify. */
    accepted_jwt("jwks", "{\"keys\": [" EC_KEY "]}");
    accepted_jwt("jwks", "{\"keys\": [{\"kty\":\"RSA\",\"alg\":\"PS256\",\"key_ops\":[\"verify\"],"
                         "\"n\":\"" N2048 "\",\"e\":\"AQAB\"}]}");
    accepted_jwt("jwks", "{\"keys\": [{\"kty\":\"EC\",\"alg\":\"ES256\",\"crv\":\"P-256\","
                         "\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}");
}

/* ---- the file as a whole ------------------------------------------------------------------ */

static void test_file_refused(void **state)
{
    mnd_oidc_client_t *c = (void *)1;
    char *big;
    (void)state;
    MND_ASSERT_ERR(parse("", &c), MND_EINVAL, "clients/test.json");
    MND_ASSERT_ERR(parse("{\"client_id\": ", &c), MND_EINVAL, "not valid JSON");
    MND_ASSERT_ERR(parse("[1, 2]", &c), MND_EINVAL, "JSON object");
    MND_ASSERT_ERR(parse("\"client\"", &c), MND_EINVAL, "JSON");
    assert_null(c);
    /* A member given twice: which one would count is the parser's whim. */
    MND_ASSERT_ERR(parse("{\"client_id\": \"a\", \"client_id\": \"b\", "
                         "\"token_endpoint_auth_method\": \"none\", \"redirect_uris\": [\"" CB
                         "\"], \"scopes\": [\"openid\"], \"service\": \"s\"}",
                         &c),
                   MND_EINVAL, "no duplicate member");
    MND_ASSERT_ERR(parse("{\"client_id\": \"a\", \"token_endpoint_auth_method\": \"none\", "
                         "\"redirect_uris\": [\"" CB "\"], \"scopes\": [\"openid\"], "
                         "\"service\": \"s\", \"rrn\": false, \"rrn\": true}",
                         &c),
                   MND_EINVAL, "no duplicate member");
    /* A NUL byte inside the text. */
    MND_ASSERT_ERR(mnd_oidc_client_parse(pool, "{\"a\":1}\0{}", 10, "clients/test.json", &c),
                   MND_EINVAL, "NUL");
    /* Over 64 KiB. */
    big = apr_pcalloc(pool, 70 * 1024);
    memset(big, ' ', 70 * 1024 - 1);
    memcpy(big, base_secret, strlen(base_secret));
    MND_ASSERT_ERR(parse(big, &c), MND_EINVAL, "64 KiB");
    /* No source given: still a message. */
    MND_ASSERT_ERR(mnd_oidc_client_parse(pool, "[]", 2, NULL, &c), MND_EINVAL, "(unnamed)");
}

static void test_unknown_member(void **state)
{
    (void)state;
    refused("redirect_uri", "[\"" CB "\"]", "unknown member \"redirect_uri\"");
    refused("scope", "\"openid\"", "unknown member \"scope\"");
    refused("subject_types", "\"public\"", "unknown member");
    refused("Client_id", "\"x\"", "unknown member");
    refused("", "1", "unknown member");
}

static void test_required(void **state)
{
    (void)state;
    refused("client_id", NULL, "client_id");
    refused("token_endpoint_auth_method", NULL, "token_endpoint_auth_method");
    refused("redirect_uris", NULL, "redirect_uris is required");
    refused("scopes", NULL, "scopes is required");
    refused("service", NULL, "service");
}

static void test_client_id(void **state)
{
    char id[140];
    (void)state;
    refused("client_id", "\"\"", "client_id");
    refused("client_id", "\"my app\"", "client_id");
    refused("client_id", "\"app?x\"", "client_id");
    refused("client_id", "\"app\\u00e9\"", "client_id");
    refused("client_id", "42", "client_id");
    refused("client_id", "null", "client_id");
    memset(id, 'a', sizeof(id));
    id[0] = '"';
    strcpy(id + 130, "\""); /* 129 characters */
    refused("client_id", id, "client_id");
    strcpy(id + 129, "\""); /* 128 */
    accepted("client_id", id);
}

static void test_auth_method(void **state)
{
    (void)state;
    refused("token_endpoint_auth_method", "\"client_secret_jwt\"", "token_endpoint_auth_method");
    refused("token_endpoint_auth_method", "\"Client_Secret_Basic\"", "token_endpoint_auth_method");
    refused("token_endpoint_auth_method", "\"\"", "token_endpoint_auth_method");
    refused("token_endpoint_auth_method", "1", "token_endpoint_auth_method");
    refused("token_endpoint_auth_method", "[\"none\"]", "token_endpoint_auth_method");
}

static void test_secret(void **state)
{
    const char *no_secret = with(base_secret, "client_secret", NULL);
    char long_secret[520];
    (void)state;
    refused("client_secret", "\"0123456789abcdef0123456789abcde\"", "at least 32"); /* 31 */
    refused("client_secret", "\"\"", "client_secret");
    refused("client_secret", "\"0123456789abcdef 0123456789abcdef\"", "visible ASCII");
    refused("client_secret", "\"0123456789abcdef\\t0123456789abcdef\"", "visible ASCII");
    refused("client_secret", "\"0123456789abcdef\\u00e90123456789abcdef\"", "visible ASCII");
    refused("client_secret", "12345", "client_secret");
    memset(long_secret, 'x', sizeof(long_secret));
    long_secret[0] = '"';
    strcpy(long_secret + 514, "\""); /* 513 characters */
    refused("client_secret", long_secret, "visible ASCII");
    /* Required with client_secret_*, refused with the other methods. */
    refused_at(__LINE__, no_secret, "client_id", "\"x\"", "client_secret is required");
    refused_at(__LINE__, no_secret, "token_endpoint_auth_method", "\"client_secret_post\"",
               "client_secret is required");
    refused("token_endpoint_auth_method", "\"none\"", "client_secret is only for");
    refused_jwt("client_secret", "\"" SECRET "\"", "client_secret is only for");
    /* A jwks with a secret client. */
    refused("jwks", "{\"keys\": [" EC_KEY "]}", "jwks is only for private_key_jwt");
}

/* ---- the JWKS ----------------------------------------------------------------------------- */

static void test_jwks_refused(void **state)
{
    char many[4096] = "{\"keys\": [";
    int i;
    (void)state;
    refused_jwt("jwks", NULL, "jwks is required with private_key_jwt");
    refused_jwt("jwks", "[" EC_KEY "]", "jwks must be an object");
    refused_jwt("jwks", "{\"keys\": " EC_KEY "}", "jwks must be an object");
    refused_jwt("jwks", "{\"keys\": [" EC_KEY "], \"extra\": 1}", "jwks must be an object");
    refused_jwt("jwks", "{\"keys\": []}", "1 to 16 keys");
    for (i = 0; i < 17; i++)
        strcat(many, i ? ",{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}"
                       : "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y
                         "\"}");
    strcat(many, "]}");
    refused_jwt("jwks", many, "1 to 16 keys");
    refused_jwt("jwks", "{\"keys\": [\"" N2048 "\"]}", "not a JSON object");
    /* Private and symmetric keys: a client file holds public keys only. */
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"" N2048 "\",\"e\":\"AQAB\","
                "\"d\":\"AQAB\"}]}",
                "key 1 member \"d\" is a private key member");
    refused_jwt("jwks",
                "{\"keys\": [" EC_KEY ", {\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X
                "\",\"y\":\"" EC_Y "\",\"d\":\"" EC_X "\"}]}",
                "key 2 member \"d\" is a private key member");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"" N2048 "\",\"e\":\"AQAB\","
                "\"p\":\"AQAB\",\"q\":\"AQAB\"}]}",
                "private key member");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"" N2048 "\",\"e\":\"AQAB\","
                "\"qi\":\"AQAB\"}]}",
                "\"qi\" is a private key member");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0\"}]}",
                "symmetric key (kty oct)");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y
                "\",\"k\":\"AQAB\"}]}",
                "\"k\" is a private key member");
    /* Other key types and members. */
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" EC_X "\"}]}",
                "kty RSA or EC");
    refused_jwt("jwks", "{\"keys\": [{\"n\":\"" N2048 "\",\"e\":\"AQAB\"}]}", "kty RSA or EC");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"rsa\",\"n\":\"" N2048 "\",\"e\":\"AQAB\"}]}",
                "kty RSA or EC");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"" N2048 "\",\"e\":\"AQAB\","
                "\"nn\":\"x\"}]}",
                "member \"nn\" is not a member of a public RSA or EC key");
}

static void test_jwks_key_rules(void **state)
{
    (void)state;
    /* Size and curve. */
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"" N1024 "\",\"e\":\"AQAB\"}]}",
                "RSA key under 2048 bits");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"" EC384_X
                "\",\"y\":\"" EC384_Y "\"}]}",
                "crv P-256");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC384_X
                "\",\"y\":\"" EC384_Y "\"}]}",
                "32 bytes");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"EC\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}",
                "crv P-256");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\"}]}",
                "x and y");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y_OFF
                "\"}]}",
                "point on P-256");
    /* Encoding. */
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}", "n and e");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"" N2048 "\"}]}", "n and e");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"" N2048 "==\",\"e\":\"AQAB\"}]}",
                "base64url");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"RSA\",\"n\":\"a+b/" N2048 "\",\"e\":\"AQAB\"}]}",
                "base64url");
    refused_jwt("jwks", "{\"keys\": [{\"kty\":\"RSA\",\"n\":42,\"e\":\"AQAB\"}]}", "n and e");
    /* Use, key_ops, alg, kid. */
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"use\":\"enc\",\"crv\":\"P-256\",\"x\":\"" EC_X
                "\",\"y\":\"" EC_Y "\"}]}",
                "use other than \"sig\"");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"key_ops\":[\"sign\"],\"crv\":\"P-256\","
                "\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}",
                "key_ops without \"verify\"");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"key_ops\":\"verify\",\"crv\":\"P-256\","
                "\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}",
                "key_ops");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"key_ops\":[1],\"crv\":\"P-256\","
                "\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}",
                "key_ops");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"RSA\",\"alg\":\"HS256\",\"n\":\"" N2048
                "\",\"e\":\"AQAB\"}]}",
                "alg other than RS256 or PS256");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"RSA\",\"alg\":\"ES256\",\"n\":\"" N2048
                "\",\"e\":\"AQAB\"}]}",
                "alg other than RS256 or PS256");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"alg\":\"RS256\",\"crv\":\"P-256\","
                "\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}",
                "alg other than ES256");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"alg\":\"none\",\"crv\":\"P-256\","
                "\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}",
                "alg other than ES256");
    refused_jwt("jwks",
                "{\"keys\": [{\"kty\":\"EC\",\"kid\":7,\"crv\":\"P-256\","
                "\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}]}",
                "kid");
    refused_jwt("jwks",
                "{\"keys\": [" EC_KEY ", {\"kty\":\"RSA\",\"kid\":\"e1\",\"n\":\"" N2048
                "\",\"e\":\"AQAB\"}]}",
                "keys 1 and 2 have the same kid");
}

/* ---- redirect URIs ------------------------------------------------------------------------ */

static void bad_uri_at(int line, const char *u, const char *needle)
{
    refused_at(line, base_secret, "redirect_uris", apr_psprintf(pool, "[\"%s\", \"%s\"]", CB, u),
               needle);
}
#define bad_uri(u, needle) bad_uri_at(__LINE__, u, needle)

static void test_redirect_uris_refused(void **state)
{
    char *longuri;
    (void)state;
    refused("redirect_uris", "[]", "redirect_uris must be an array of 1 to");
    refused("redirect_uris", "\"" CB "\"", "redirect_uris must be an array");
    refused("redirect_uris", "[\"" CB "\", 1]", "strings only");
    refused("redirect_uris", "[\"" CB "\", \"" CB "\"]", "entry 2 is listed twice");
    /* http on a host that is not loopback. */
    bad_uri("http://app.example/cb", "entry 2 must use https");
    bad_uri("http://127.0.0.2/cb", "must use https");
    bad_uri("http://localhost.example/cb", "must use https");
    bad_uri("http://[::2]/cb", "must use https");
    /* Fragments and userinfo. */
    bad_uri("https://app.example/cb#frag", "fragment");
    bad_uri("https://app.example/cb#", "fragment");
    bad_uri("https://user@app.example/cb", "userinfo");
    bad_uri("https://user:pw@app.example/cb", "userinfo");
    bad_uri("https://@app.example/cb", "userinfo");
    bad_uri("https://evil.example@app.example/cb", "userinfo");
    /* Relative and not URLs at all. */
    bad_uri("/cb", "absolute URL");
    bad_uri("//app.example/cb", "absolute URL");
    bad_uri("app.example/cb", "absolute URL");
    bad_uri("cb", "absolute URL");
    bad_uri("", "1 to 2048");
    bad_uri("not a url", "URI characters");
    bad_uri("https://", "host");
    bad_uri("https:///cb", "host");
    bad_uri("https://app.example:port/cb", "host");
    bad_uri("ftp://app.example/cb", "absolute URL");
    bad_uri("HTTPS://app.example/cb", "absolute URL");
    bad_uri("javascript:alert(1)", "absolute URL");
    bad_uri("com.example.app:/cb", "absolute URL");
    /* Characters a URI never holds. */
    bad_uri("https://app.example/c b", "URI characters");
    bad_uri("https://app.example/c\\tb", "URI characters");
    bad_uri("https://app.example/caf\\u00e9", "URI characters");
    bad_uri("https://app.example/cb?x=<script>", "URI characters");
    bad_uri("https://app.example\\\\@evil.example/cb", "URI characters");
    bad_uri("https://app.example/cb%", "URI characters");
    bad_uri("https://app.example/cb%2", "URI characters");
    bad_uri("https://app.example/cb%zz", "URI characters");
    longuri = apr_pcalloc(pool, 2100);
    strcpy(longuri, "https://app.example/");
    memset(longuri + 20, 'a', 2029); /* 2049 characters */
    bad_uri(longuri, "1 to 2048");
}

static void test_redirect_uris_accepted(void **state)
{
    mnd_oidc_client_t *c;
    (void)state;
    c = accepted("redirect_uris", "[\"http://127.0.0.1:8080/cb\", \"http://[::1]/cb\", "
                                  "\"http://localhost/cb\", \"https://app.example/cb?x=1&y=%20\","
                                  " \"https://app.example\", \"https://[2001:db8::1]:8443/a/b\"]");
    assert_int_equal(c->redirect_uris->nelts, 6);
    assert_string_equal(uri(c, 3), "https://app.example/cb?x=1&y=%20");
}

/* mnd_oidc_url_rule directly, as discovery uses it: no query there. */
static void test_url_rule(void **state)
{
    (void)state;
    assert_null(mnd_oidc_url_rule(pool, "https://op.example/mandaat", 0));
    assert_null(mnd_oidc_url_rule(pool, "http://localhost:8080", 0));
    assert_non_null(mnd_oidc_url_rule(pool, "https://op.example/?x=1", 0));
    assert_non_null(mnd_oidc_url_rule(pool, "https://op.example/?", 0));
    assert_null(mnd_oidc_url_rule(pool, "https://op.example/?", 1));
    assert_non_null(mnd_oidc_url_rule(pool, NULL, 1));
}

/* ---- scopes, service, choices ------------------------------------------------------------- */

static void test_scopes(void **state)
{
    (void)state;
    refused("scopes", "[\"profile\"]", "must include openid");
    refused("scopes", "[\"OpenID\"]", "must include openid");
    refused("scopes", "[]", "scopes must be an array");
    refused("scopes", "\"openid\"", "scopes must be an array");
    refused("scopes", "[\"openid\", \"openid\"]", "listed twice");
    refused("scopes", "[\"openid\", \"\"]", "entry 2");
    refused("scopes", "[\"openid\", \"a b\"]", "RFC 6749");
    refused("scopes", "[\"openid\", \"a\\\"b\"]", "RFC 6749");
    refused("scopes", "[\"openid\", \"a\\\\b\"]", "RFC 6749");
    refused("scopes", "[\"openid\", \"caf\\u00e9\"]", "RFC 6749");
    refused("scopes", "[\"openid\", null]", "strings only");
    accepted("scopes", "[\"openid\", \"urn:x:y/z!#$\"]");
}

static void test_service(void **state)
{
    char id[80];
    (void)state;
    refused("service", "\"\"", "service must be a service id");
    refused("service", "\"wse loket\"", "service must be a service id");
    refused("service", "\"wse_loket;drop\"", "service must be a service id");
    refused("service", "1", "service must be a service id");
    memset(id, 's', sizeof(id));
    id[0] = '"';
    strcpy(id + 66, "\""); /* 65 characters */
    refused("service", id, "service must be a service id");
    strcpy(id + 65, "\""); /* 64 */
    accepted("service", id);
}

static void test_choices(void **state)
{
    (void)state;
    refused("subject_type", "\"Public\"", "subject_type must be \"pairwise\" or \"public\"");
    refused("subject_type", "\"\"", "subject_type");
    refused("subject_type", "1", "subject_type");
    refused("subject", "\"org\"", "subject must be \"person\" or \"party\"");
    refused("subject", "null", "subject must be");
    refused("rrn", "\"true\"", "rrn must be true or false");
    refused("rrn", "1", "rrn must be true or false");
    refused("claims_profile", "[]", "claims_profile must be an array of 1 to 2");
    refused("claims_profile", "\"acm\"", "claims_profile must be an array");
    refused("claims_profile", "[\"saml\"]", "must be \"acm\" or \"mandaat\"");
    refused("claims_profile", "[\"ACM\"]", "must be \"acm\" or \"mandaat\"");
    refused("claims_profile", "[\"acm\", \"acm\"]", "listed twice");
    refused("claims_profile", "[\"acm\", \"mandaat\", \"acm\"]", "1 to 2");
}

/* ---- questions at run time ---------------------------------------------------------------- */

static void test_redirect_ok(void **state)
{
    mnd_oidc_client_t *c = accepted("redirect_uris", "[\"" CB "\", \"https://app.example/q?x=1\"]");
    (void)state;
    assert_true(mnd_oidc_client_redirect_ok(c, CB));
    assert_true(mnd_oidc_client_redirect_ok(c, "https://app.example/q?x=1"));
    /* Byte for byte: no normalisation of any kind. */
    assert_false(mnd_oidc_client_redirect_ok(c, CB "/"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/cb/."));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://APP.example/cb"));
    assert_false(mnd_oidc_client_redirect_ok(c, "HTTPS://app.example/cb"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/CB"));
    assert_false(mnd_oidc_client_redirect_ok(c, CB "?x=1"));
    assert_false(mnd_oidc_client_redirect_ok(c, CB "?"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/q?x=1&y=2"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/q?x=2"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/q"));
    assert_false(mnd_oidc_client_redirect_ok(c, CB "#x"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://user@app.example/cb"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example:443/cb"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/%63b"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https%3A%2F%2Fapp.example%2Fcb"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/cb%00"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example.evil.example/cb"));
    assert_false(mnd_oidc_client_redirect_ok(c, "https://app.example/c"));
    assert_false(mnd_oidc_client_redirect_ok(c, " " CB));
    assert_false(mnd_oidc_client_redirect_ok(c, ""));
    assert_false(mnd_oidc_client_redirect_ok(c, NULL));
    assert_false(mnd_oidc_client_redirect_ok(NULL, CB));
}

static void test_scope_ok(void **state)
{
    mnd_oidc_client_t *c = accepted("scopes", "[\"openid\", \"profile\"]");
    (void)state;
    assert_true(mnd_oidc_client_scope_ok(c, "openid"));
    assert_true(mnd_oidc_client_scope_ok(c, "profile"));
    assert_false(mnd_oidc_client_scope_ok(c, "Profile"));
    assert_false(mnd_oidc_client_scope_ok(c, "openid profile"));
    assert_false(mnd_oidc_client_scope_ok(c, "mandaat"));
    assert_false(mnd_oidc_client_scope_ok(c, ""));
    assert_false(mnd_oidc_client_scope_ok(c, NULL));
    assert_false(mnd_oidc_client_scope_ok(NULL, "openid"));
}

static void test_secret_ok(void **state)
{
    mnd_oidc_client_t *c = accepted("client_id", "\"a\"");
    mnd_oidc_client_t *pub = accepted_at(__LINE__, with(base_secret, "client_secret", NULL),
                                         "token_endpoint_auth_method", "\"none\"");
    (void)state;
    assert_true(mnd_oidc_client_secret_ok(c, SECRET));
    assert_false(mnd_oidc_client_secret_ok(c, "0123456789abcdef0123456789abcdeF"));
    assert_false(mnd_oidc_client_secret_ok(c, "x123456789abcdef0123456789abcdef"));
    assert_false(mnd_oidc_client_secret_ok(c, "0123456789abcdef0123456789abcde")); /* prefix */
    assert_false(mnd_oidc_client_secret_ok(c, SECRET "0"));                        /* longer */
    assert_false(mnd_oidc_client_secret_ok(c, SECRET SECRET));
    assert_false(mnd_oidc_client_secret_ok(c, ""));
    assert_false(mnd_oidc_client_secret_ok(c, NULL));
    assert_false(mnd_oidc_client_secret_ok(pub, ""));
    assert_false(mnd_oidc_client_secret_ok(pub, SECRET));
    assert_false(mnd_oidc_client_secret_ok(NULL, SECRET));
}

/* ---- the registry ------------------------------------------------------------------------- */

static void test_registry(void **state)
{
    mnd_oidc_registry_t *reg = mnd_oidc_registry_make(pool);
    mnd_oidc_client_t *a = accepted("client_id", "\"app-a\""), *b = NULL, *a2 = NULL;
    const char *b_json = with(base_secret, "client_id", "\"app-b\"");
    (void)state;
    assert_int_equal(mnd_oidc_registry_count(reg), 0);
    assert_null(mnd_oidc_registry_find(reg, "app-a"));
    MND_ASSERT_OK(mnd_oidc_registry_add(reg, a));
    MND_ASSERT_OK(mnd_oidc_client_parse(pool, b_json, strlen(b_json), "clients/b.json", &b));
    MND_ASSERT_OK(mnd_oidc_registry_add(reg, b));
    assert_int_equal(mnd_oidc_registry_count(reg), 2);
    assert_ptr_equal(mnd_oidc_registry_find(reg, "app-a"), a);
    assert_ptr_equal(mnd_oidc_registry_find(reg, "app-b"), b);
    assert_null(mnd_oidc_registry_find(reg, "APP-A"));
    assert_null(mnd_oidc_registry_find(reg, "app-a "));
    assert_null(mnd_oidc_registry_find(reg, ""));
    assert_null(mnd_oidc_registry_find(reg, NULL));
    /* The same client_id in a second file: both files named. */
    MND_ASSERT_OK(mnd_oidc_client_parse(pool, with(base_secret, "client_id", "\"app-a\""),
                                        strlen(with(base_secret, "client_id", "\"app-a\"")),
                                        "clients/a-copy.json", &a2));
    MND_ASSERT_ERR(mnd_oidc_registry_add(reg, a2), MND_EINVAL, "clients/test.json");
    MND_ASSERT_ERR(mnd_oidc_registry_add(reg, a2), MND_EINVAL, "clients/a-copy.json");
    MND_ASSERT_ERR(mnd_oidc_registry_add(reg, a), MND_EINVAL, "unique");
    assert_int_equal(mnd_oidc_registry_count(reg), 2);
    assert_ptr_equal(mnd_oidc_registry_find(reg, "app-a"), a);
    MND_ASSERT_ERR(mnd_oidc_registry_add(reg, NULL), MND_EINVAL, "client_id");
    assert_int_equal(mnd_oidc_registry_count(NULL), 0);
    assert_null(mnd_oidc_registry_find(NULL, "app-a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_member),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_public_and_jwt_clients),
        cmocka_unit_test(test_file_refused),
        cmocka_unit_test(test_unknown_member),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_client_id),
        cmocka_unit_test(test_auth_method),
        cmocka_unit_test(test_secret),
        cmocka_unit_test(test_jwks_refused),
        cmocka_unit_test(test_jwks_key_rules),
        cmocka_unit_test(test_redirect_uris_refused),
        cmocka_unit_test(test_redirect_uris_accepted),
        cmocka_unit_test(test_url_rule),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_service),
        cmocka_unit_test(test_choices),
        cmocka_unit_test(test_redirect_ok),
        cmocka_unit_test(test_scope_ok),
        cmocka_unit_test(test_secret_ok),
        cmocka_unit_test(test_registry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
