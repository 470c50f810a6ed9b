/* OAuth request parameters (src/oidc/params.h): form decoding, and every rule that refuses a
 * request, sent a request breaking it. A refusal never quotes the value. */
#include "testutil.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>

#include "oidc/params.h"

static apr_pool_t *pool;

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

static apr_hash_t *ok_at(int line, const char *text)
{
    apr_hash_t *h = NULL;
    mnd_error_t *err = mnd_oidc_params_parse(pool, text, &h);
    if (err)
        fail_msg("line %d: refused %s: %s", line, text ? text : "(null)", err->msg);
    assert_non_null(h);
    return h;
}
#define ok(t) ok_at(__LINE__, t)

/* text is refused with a message containing needle and never the marker "SECRETVALUE". */
static void refused_at(int line, const char *text, const char *needle)
{
    apr_hash_t *h = (void *)1;
    mnd_error_t *err = mnd_oidc_params_parse(pool, text, &h);
    if (!err)
        fail_msg("line %d: accepted %.200s", line, text);
    if (err->rc != MND_EINVAL || !err->msg || (needle && !strstr(err->msg, needle)))
        fail_msg("line %d: %.200s: %s (want %s)", line, text, err->msg, needle ? needle : "");
    if (strstr(err->msg, "SECRETVALUE"))
        fail_msg("line %d: the message quotes the value: %s", line, err->msg);
    assert_null(h);
}
#define refused(t, needle) refused_at(__LINE__, t, needle)

static void test_decoding(void **state)
{
    apr_hash_t *h;
    (void)state;
    h = ok("client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid+profile");
    assert_int_equal(apr_hash_count(h), 3);
    assert_string_equal(mnd_oidc_param(h, "client_id"), "app");
    assert_string_equal(mnd_oidc_param(h, "redirect_uri"), "https://app.example/cb");
    /* '+' is a space; %2B is a plus. */
    assert_string_equal(mnd_oidc_param(h, "scope"), "openid profile");
    h = ok("a=1%2B1&b=%20x%20&c=caf%C3%A9&d=%e2%82%ac&e=a%3Db%26c");
    assert_string_equal(mnd_oidc_param(h, "a"), "1+1");
    assert_string_equal(mnd_oidc_param(h, "b"), " x ");
    assert_string_equal(mnd_oidc_param(h, "c"), "caf\xC3\xA9");
    assert_string_equal(mnd_oidc_param(h, "d"), "\xE2\x82\xAC");
    assert_string_equal(mnd_oidc_param(h, "e"), "a=b&c");
    /* Raw UTF-8 (a browser may send it unescaped), an encoded name, '=' in a value. */
    h = ok("n=caf\xC3\xA9&%73tate=x&v=a=b&emoji=%F0%9F%98%80");
    assert_string_equal(mnd_oidc_param(h, "n"), "caf\xC3\xA9");
    assert_string_equal(mnd_oidc_param(h, "state"), "x");
    assert_string_equal(mnd_oidc_param(h, "v"), "a=b");
    assert_string_equal(mnd_oidc_param(h, "emoji"), "\xF0\x9F\x98\x80");
    /* Empty pairs name nothing. */
    h = ok("&a=1&&b=2&");
    assert_int_equal(apr_hash_count(h), 2);
    /* Names are case-sensitive. */
    h = ok("State=a&state=b");
    assert_string_equal(mnd_oidc_param(h, "State"), "a");
    assert_string_equal(mnd_oidc_param(h, "state"), "b");
    assert_null(mnd_oidc_param(h, "STATE"));
    assert_null(mnd_oidc_param(h, "nonce"));
    assert_null(mnd_oidc_param(h, NULL));
    assert_null(mnd_oidc_param(NULL, "state"));
    /* Nothing at all. */
    assert_int_equal(apr_hash_count(ok("")), 0);
    assert_int_equal(apr_hash_count(ok(NULL)), 0);
}

static void test_empty_is_absent(void **state)
{
    apr_hash_t *h;
    (void)state;
    /* RFC 6749 section 3.1: a parameter without a value is treated as omitted. */
    h = ok("state=&nonce&scope=openid&prompt=%20");
    assert_null(mnd_oidc_param(h, "state"));
    assert_null(mnd_oidc_param(h, "nonce"));
    assert_string_equal(mnd_oidc_param(h, "scope"), "openid");
    assert_string_equal(mnd_oidc_param(h, "prompt"), " "); /* a space is a value */
    /* but it still counts for the duplicate rule, in either order. */
    refused("state=&state=x", "parameter state is given more than once");
    refused("state=x&state=", "parameter state is given more than once");
    refused("state=&state=", "more than once");
    refused("state&state", "more than once");
}

static void test_duplicates(void **state)
{
    (void)state;
    refused("client_id=a&client_id=a", "parameter client_id is given more than once");
    refused("redirect_uri=SECRETVALUE&scope=openid&redirect_uri=SECRETVALUE2",
            "parameter redirect_uri is given more than once");
    /* The same name spelt two ways is the same name once decoded. */
    refused("state=1&%73tate=2", "parameter state is given more than once");
    refused("a+b=1&a%20b=2", "more than once");
}

static void test_escapes(void **state)
{
    (void)state;
    refused("state=SECRETVALUE%", "parameter state holds a bad %-escape");
    refused("state=SECRETVALUE%4", "parameter state holds a bad %-escape");
    refused("state=%4&x=1", "bad %-escape");
    refused("state=%zz", "bad %-escape");
    refused("state=%%41", "bad %-escape");
    refused("state=%G1", "bad %-escape");
    refused("state=SECRETVALUE%00", "parameter state holds %00");
    refused("state=a%00b", "%00");
    refused("sta%00te=x", "a parameter name holds %00");
    refused("sta%4=x", "a parameter name holds a bad %-escape");
}

static void test_control_characters(void **state)
{
    (void)state;
    refused("state=SECRETVALUE%0A", "parameter state holds a control character");
    refused("state=a%0Db", "control character");
    refused("state=a%09b", "control character");
    refused("state=a%1Fb", "control character");
    refused("state=a%7Fb", "control character");
    refused("state=a\tb", "control character");
    refused("state=a\x01"
            "b",
            "control character");
    refused("state=a%C2%85b", "control character"); /* NEL, a C1 control */
    refused("state=a%C2%9Fb", "control character");
    refused("sta%0Ate=x", "a parameter name holds a control character");
    ok("state=a%C2%A0b"); /* NBSP is not a control character */
}

static void test_utf8(void **state)
{
    (void)state;
    refused("state=SECRETVALUE%FF", "parameter state is not valid UTF-8");
    refused("state=%C3", "not valid UTF-8");          /* truncated */
    refused("state=%C3%28", "not valid UTF-8");       /* bad continuation */
    refused("state=%C0%AF", "not valid UTF-8");       /* overlong '/' */
    refused("state=%E0%80%AF", "not valid UTF-8");    /* overlong, 3 bytes */
    refused("state=%F0%80%80%AF", "not valid UTF-8"); /* overlong, 4 bytes */
    refused("state=%ED%A0%80", "not valid UTF-8");    /* surrogate U+D800 */
    refused("state=%F4%90%80%80", "not valid UTF-8"); /* above U+10FFFF */
    refused("state=%80", "not valid UTF-8");          /* lone continuation */
    refused("state=caf\xE9", "not valid UTF-8");      /* raw Latin-1 */
    refused("n%FF=1", "a parameter name is not valid UTF-8");
    ok("state=%EF%BF%BF&x=%F4%8F%BF%BF"); /* U+FFFF and U+10FFFF are UTF-8 */
}

static void test_names(void **state)
{
    (void)state;
    refused("=x", "a parameter without a name");
    refused("a=1&=", "a parameter without a name");
    refused("a=1&=SECRETVALUE", "a parameter without a name");
    /* An overlong or non-ASCII name is not quoted in the message. */
    refused(apr_pstrcat(pool,
                        apr_pstrndup(pool, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", 45),
                        "=%FF", NULL),
            "parameter (a parameter) is not valid UTF-8");
    refused("caf%C3%A9=%FF", "parameter (a parameter) is not valid UTF-8");
}

static void test_sizes(void **state)
{
    char *v = apr_palloc(pool, MND_OIDC_MAX_REQUEST + 16);
    char *big = apr_palloc(pool, MND_OIDC_MAX_REQUEST + 16);
    size_t i;
    (void)state;
    /* A value of exactly MND_OIDC_MAX_VALUE bytes, then one more. */
    strcpy(v, "state=");
    memset(v + 6, 'a', MND_OIDC_MAX_VALUE);
    v[6 + MND_OIDC_MAX_VALUE] = '\0';
    ok(v);
    strcat(v, "a");
    refused(v, "parameter state is longer than 4096 bytes");
    /* Escapes count once decoded: 4096 bytes as %41 each fit ... */
    strcpy(big, "state=");
    for (i = 0; i < MND_OIDC_MAX_VALUE; i++)
        memcpy(big + 6 + 3 * i, "%41", 3);
    big[6 + 3 * MND_OIDC_MAX_VALUE] = '\0';
    assert_int_equal(strlen(big), 6 + 3 * MND_OIDC_MAX_VALUE);
    ok(big);
    /* ... and 4097 do not, nor a much longer raw value. */
    strcat(big, "%41");
    refused(big, "longer than 4096 bytes");
    memset(big + 6, 'b', MND_OIDC_MAX_REQUEST - 6);
    big[MND_OIDC_MAX_REQUEST] = '\0';
    refused(big, "parameter state is longer than 4096 bytes");
    /* A name as long as a value is too long. */
    memset(big, 'n', MND_OIDC_MAX_VALUE + 1);
    strcpy(big + MND_OIDC_MAX_VALUE + 1, "=1");
    refused(big, "a parameter name is longer than 4096 bytes");
    /* The whole request: exactly MND_OIDC_MAX_REQUEST bytes, then one more. */
    for (i = 0; i < MND_OIDC_MAX_REQUEST; i += 16)
        memcpy(big + i, apr_psprintf(pool, "&p%04x=aaaaaaaaa", (unsigned)(i / 16)), 16);
    big[MND_OIDC_MAX_REQUEST] = '\0';
    assert_int_equal(apr_hash_count(ok(big)), MND_OIDC_MAX_REQUEST / 16);
    big[MND_OIDC_MAX_REQUEST] = 'a';
    big[MND_OIDC_MAX_REQUEST + 1] = '\0';
    refused(big, "longer than 16384 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decoding),
        cmocka_unit_test(test_empty_is_absent),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
