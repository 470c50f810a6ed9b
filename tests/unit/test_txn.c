/* The login transaction: JSON round trips and every malformed variant from_json refuses,
 * the actor and expiry check, offer tokens, and the ACM login_hint with its matching. No store:
 * resolutions are built in memory. */
#include "testutil.h"

#include <apr_encode.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/seal.h"
#include "flow/txn.h"

static apr_pool_t *pool;

#define ACTOR "85073003328"
#define T0 ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */

/* A valid INSZ yymmdd + seq (pre-2000 rule). */
static const char *make_insz(int yy, int mm, int dd, int seq)
{
    long long base = (long long)yy * 10000000 + mm * 100000 + dd * 1000 + seq;
    return apr_psprintf(pool, "%02d%02d%02d%03d%02d", yy, mm, dd, seq, (int)(97 - base % 97));
}

/* A valid 10-digit KBO number from its first 8 digits. */
static const char *make_kbo(long first8)
{
    return apr_psprintf(pool, "%08ld%02d", first8, (int)(97 - first8 % 97));
}

/* A 43-character base64url value made of one repeated character: deterministic handles. */
static const char *fixed_token(char c)
{
    char *s = apr_palloc(pool, 44);
    memset(s, c, 43);
    s[43] = '\0';
    return s;
}

/* A transaction with every member set, built without randomness. */
static mnd_txn_t *full_txn(void)
{
    mnd_txn_t *t = apr_pcalloc(pool, sizeof(*t));
    t->id = fixed_token('a');
    t->actor = ACTOR;
    t->given_name = "Zoë";
    t->family_name = "Van \"den\" Berghe";
    t->loa = 3;
    t->service_id = "https://loket.example/sp";
    t->protocol = "saml";
    t->return_to = "/loket/start?x=1&y=2";
    t->proto_state = "<Login>\n\t<Req id=\"x\">é</Req>\\</Login>";
    t->created = T0;
    t->expires = T0 + 600;
    t->csrf = fixed_token('c');
    t->offer_secret = fixed_token('s');
    t->offered = 20000;
    t->hint_key = "kbo:0123456749";
    return t;
}

static mnd_txn_t *minimal_txn(void)
{
    mnd_txn_t *t = full_txn();
    t->given_name = t->family_name = t->return_to = t->proto_state = t->hint_key = NULL;
    t->protocol = "oidc";
    t->offered = 0;
    t->loa = 0;
    return t;
}

static const char *to_json(const mnd_txn_t *t)
{
    const char *json = NULL;
    MND_ASSERT_OK(mnd_txn_to_json(pool, t, &json));
    assert_non_null(json);
    return json;
}

static void assert_str_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_txn_equal(const mnd_txn_t *a, const mnd_txn_t *b)
{
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->actor, b->actor);
    assert_str_or_null(a->given_name, b->given_name);
    assert_str_or_null(a->family_name, b->family_name);
    assert_int_equal(a->loa, b->loa);
    assert_string_equal(a->service_id, b->service_id);
    assert_string_equal(a->protocol, b->protocol);
    assert_str_or_null(a->return_to, b->return_to);
    assert_str_or_null(a->proto_state, b->proto_state);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->expires, b->expires);
    assert_string_equal(a->csrf, b->csrf);
    assert_string_equal(a->offer_secret, b->offer_secret);
    assert_int_equal(a->offered, b->offered);
    assert_str_or_null(a->hint_key, b->hint_key);
}

/* s with the first occurrence of from replaced by to (which must occur). */
static const char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    return apr_pstrcat(pool, apr_pstrmemdup(pool, s, (apr_size_t)(at - s)), to, at + strlen(from),
                       NULL);
}

static const char *repeat(char c, size_t n)
{
    char *s = apr_palloc(pool, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_txn_new(void **state)
{
    mnd_txn_t *t = NULL;
    (void)state;
    MND_ASSERT_OK(mnd_txn_new(pool, "85.07.30-033.28", "svc", "gateway", T0, 600, &t));
    assert_string_equal(t->actor, ACTOR);
    assert_string_equal(t->service_id, "svc");
    assert_string_equal(t->protocol, "gateway");
    assert_int_equal(t->created, T0);
    assert_int_equal(t->expires, T0 + 600);
    assert_true(strlen(t->id) >= 43 && strlen(t->csrf) >= 43 && strlen(t->offer_secret) >= 43);
    assert_string_not_equal(t->id, t->csrf);
    assert_string_not_equal(t->csrf, t->offer_secret);
    assert_null(t->hint_key);
    assert_int_equal(t->offered, 0);
    /* A fresh transaction round-trips. */
    {
        mnd_txn_t *back = NULL;
        const char *json = to_json(t);
        MND_ASSERT_OK(mnd_txn_from_json(pool, json, strlen(json), &back));
        assert_txn_equal(t, back);
    }
    MND_ASSERT_ERR(mnd_txn_new(pool, "85073003329", "svc", "saml", T0, 600, &t), MND_EINVAL,
                   "actor");
    assert_null(t);
    MND_ASSERT_ERR(mnd_txn_new(pool, NULL, "svc", "saml", T0, 600, &t), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_txn_new(pool, ACTOR, "svc", "saml", T0, 0, &t), MND_EINVAL, "lifetime");
    MND_ASSERT_ERR(mnd_txn_new(pool, ACTOR, "svc", "ftp", T0, 60, &t), MND_EINVAL, "protocol");
    MND_ASSERT_ERR(mnd_txn_new(pool, ACTOR, "", "saml", T0, 60, &t), MND_EINVAL, "service_id");
    MND_ASSERT_ERR(mnd_txn_new(pool, ACTOR, NULL, "saml", T0, 60, &t), MND_EINVAL, "service_id");
}

static void test_txn_json_full(void **state)
{
    mnd_txn_t *t = full_txn(), *back = NULL;
    const char *json = to_json(t);
    (void)state;
    assert_non_null(strstr(json, "\"v\":1,"));
    assert_null(strchr(json, '\n')); /* compact; newlines of proto_state are escaped */
    assert_null(strstr(json, ": "));
    MND_ASSERT_OK(mnd_txn_from_json(pool, json, strlen(json), &back));
    assert_txn_equal(t, back);
    assert_ptr_not_equal(back->proto_state, t->proto_state);
}

static void test_txn_json_nulls(void **state)
{
    mnd_txn_t *t = minimal_txn(), *back = NULL;
    const char *json = to_json(t);
    (void)state;
    /* Absent members are omitted, not written as null. */
    assert_null(strstr(json, "null"));
    assert_null(strstr(json, "hint_key"));
    MND_ASSERT_OK(mnd_txn_from_json(pool, json, strlen(json), &back));
    assert_txn_equal(t, back);
    assert_null(back->given_name);
    assert_null(back->proto_state);
}

static void test_txn_json_proto_state_limit(void **state)
{
    mnd_txn_t *t = full_txn(), *back = NULL;
    char *big = apr_palloc(pool, 256 * 1024 + 2);
    const char *json;
    size_t i;
    (void)state;
    /* 256 KiB of the worst ordinary case: quotes and newlines escape to two bytes each. */
    for (i = 0; i < 256 * 1024; i++)
        big[i] = i % 2 ? '"' : '\n';
    big[256 * 1024] = '\0';
    t->proto_state = big;
    json = to_json(t);
    MND_ASSERT_OK(mnd_txn_from_json(pool, json, strlen(json), &back));
    assert_string_equal(back->proto_state, big);
    /* Control characters escape to six bytes: still inside the input bound. */
    memset(big, '\x01', 256 * 1024);
    json = to_json(t);
    MND_ASSERT_OK(mnd_txn_from_json(pool, json, strlen(json), &back));
    big[256 * 1024] = 'x';
    big[256 * 1024 + 1] = '\0';
    MND_ASSERT_ERR(mnd_txn_to_json(pool, t, &json), MND_EINVAL, "proto_state");
    assert_null(json);
}

static void test_txn_to_json_rejects(void **state)
{
    mnd_txn_t *t = full_txn();
    const char *json = NULL;
    (void)state;
    MND_ASSERT_ERR(mnd_txn_to_json(pool, NULL, &json), MND_EINVAL, NULL);
    t->given_name = "\xff\xfe"; /* not UTF-8 */
    MND_ASSERT_ERR(mnd_txn_to_json(pool, t, &json), MND_EINVAL, "UTF-8");
    t = full_txn();
    t->return_to = "https://evil.example/";
    MND_ASSERT_ERR(mnd_txn_to_json(pool, t, &json), MND_EINVAL, "return_to");
    t->return_to = "/\\evil.example";
    MND_ASSERT_ERR(mnd_txn_to_json(pool, t, &json), MND_EINVAL, "return_to");
    t->return_to = "/a\r\nSet-Cookie: x=1";
    MND_ASSERT_ERR(mnd_txn_to_json(pool, t, &json), MND_EINVAL, "return_to");
    t = full_txn();
    t->offered = -1;
    MND_ASSERT_ERR(mnd_txn_to_json(pool, t, &json), MND_EINVAL, "offered");
    t = full_txn();
    t->expires = t->created - 1;
    MND_ASSERT_ERR(mnd_txn_to_json(pool, t, &json), MND_EINVAL, "expires");
    assert_null(json);
}

/* Deeply nested arrays as the value of a member. */
static const char *nested(size_t depth)
{
    return apr_pstrcat(pool, repeat('[', depth), repeat(']', depth), NULL);
}

static void test_txn_json_bad(void **state)
{
    const char *good = to_json(full_txn());
    const char *bad[] = {
        "",
        " ",
        "null",
        "42",
        "\"txn\"",
        "[]",
        "{}",
        "{",
        apr_pstrmemdup(pool, good, strlen(good) - 1),     /* truncated */
        apr_pstrmemdup(pool, good, strlen(good) / 2),     /* truncated mid-way */
        apr_pstrcat(pool, good, "x", NULL),               /* trailing garbage */
        apr_pstrcat(pool, good, good, NULL),              /* two objects */
        replace(good, "\"csrf\":", "\"csrf2\":"),         /* missing csrf, unknown member */
        replace(good, "{", "{\"extra\":1,"),              /* unknown member */
        replace(good, "{", "{\"id\":\"x\","),             /* duplicate member */
        replace(good, "\"v\":1", "\"v\":2"),              /* unknown format */
        replace(good, "\"loa\":3", "\"loa\":\"3\""),      /* wrong type */
        replace(good, "\"loa\":3", "\"loa\":3.0"),        /* real, not integer */
        replace(good, "\"loa\":3", "\"loa\":2147483648"), /* int overflow */
        replace(good, "\"loa\":3", "\"loa\":-1"),
        replace(good, "\"loa\":3", "\"loa\":true"),
        replace(good, "\"created\":1767225600", "\"created\":99999999999999999999999"),
        replace(good, "\"created\":1767225600", "\"created\":1e999"),
        replace(good, "\"created\":1767225600", "\"created\":\"1767225600\""),
        replace(good, "\"created\":1767225600", "\"created\":-1"),
        replace(good, "\"expires\":1767226200", "\"expires\":1767225599"),
        replace(good, "\"expires\":1767226200", "\"expires\":9223372036854775807"),
        replace(good, "\"offered\":20000", "\"offered\":-5"),
        replace(good, "\"offered\":20000", "\"offered\":9223372036854775808"),
        replace(good, apr_pstrcat(pool, "\"id\":\"", fixed_token('a'), "\"", NULL), "\"id\":1"),
        replace(good, "\"given_name\":\"Zo\u00eb\"", "\"given_name\":null"),
        replace(good, "\"protocol\":\"saml\"", "\"protocol\":\"ftp\""),
        replace(good, "\"actor\":\"85073003328\"", "\"actor\":\"85073003329\""),
        replace(good, "\"actor\":\"85073003328\"", "\"actor\":\"85.07.30-033.28\""),
        replace(good, "\"service_id\":\"https://loket.example/sp\"", "\"service_id\":\"\""),
        replace(good, "\"hint_key\":\"kbo:0123456749\"", "\"hint_key\":\"mandate:4x\""),
        replace(good, "\"hint_key\":\"kbo:0123456749\"", "\"hint_key\":\"../etc\""),
        replace(good, "\"return_to\":\"/", "\"return_to\":\"//evil.example/"),
        replace(good, apr_pstrcat(pool, "\"csrf\":\"", fixed_token('c'), "\"", NULL),
                "\"csrf\":\"short\""),
        replace(good, "\"Zo", "\"Z\\u0000o"), /* NUL in a string */
        replace(good, "\"Zo", "\"Z\xc3o"),    /* invalid UTF-8 */
        replace(good, "\"proto_state\":\"", "\"proto_state\":{\"a\":1},\"r\":\""),
        replace(good, "\"proto_state\":\"",
                apr_pstrcat(pool, "\"proto_state\":", nested(100000), ",\"r\":\"", NULL)),
        replace(good, "\"proto_state\":\"",
                apr_pstrcat(pool, "\"proto_state\":", nested(1000), ",\"r\":\"", NULL)),
        nested(100000),
        replace(good, "\"proto_state\":\"",
                apr_pstrcat(pool, "\"proto_state\":\"", repeat('x', 256 * 1024 + 1), NULL)),
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mnd_txn_t *t = (mnd_txn_t *)1;
        mnd_error_t *e = mnd_txn_from_json(pool, bad[i], strlen(bad[i]), &t);
        /* FLOW_DEBUG=1 shows which rule refused each input. */
        if (getenv("FLOW_DEBUG") && e)
            fprintf(stderr, "%zu: %s\n", i, e->msg);
        if (!e || e->rc != MND_EINVAL)
            fail_msg("bad input %zu accepted or wrong class: %.120s", i, bad[i]);
        assert_null(t);
    }
}

static void test_txn_json_bad_bytes(void **state)
{
    const char *good = to_json(full_txn());
    size_t n = strlen(good), big = 64 * 1024 + 6 * 256 * 1024 + 1;
    char *buf = apr_pstrdup(pool, good), *huge;
    mnd_txn_t *t = NULL;
    (void)state;
    /* A raw NUL inside the given length, and a length that stops short of the text. */
    buf[n / 2] = '\0';
    MND_ASSERT_ERR(mnd_txn_from_json(pool, buf, n, &t), MND_EINVAL, "NUL");
    MND_ASSERT_ERR(mnd_txn_from_json(pool, good, n - 2, &t), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_txn_from_json(pool, NULL, 0, &t), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_txn_from_json(pool, good, 0, &t), MND_EINVAL, NULL);
    /* Longer than the bound: refused before parsing (whitespace would be valid JSON). */
    huge = apr_palloc(pool, big + 1);
    memset(huge, ' ', big);
    memcpy(huge, good, n);
    huge[big] = '\0';
    MND_ASSERT_ERR(mnd_txn_from_json(pool, huge, big, &t), MND_EINVAL, "limit");
    MND_ASSERT_OK(mnd_txn_from_json(pool, huge, big - 1, &t));
    assert_non_null(t);
}

static void test_txn_check(void **state)
{
    mnd_txn_t *t = full_txn();
    const char *other = make_insz(90, 1, 1, 123);
    (void)state;
    MND_ASSERT_OK(mnd_txn_check(pool, t, ACTOR, T0));
    MND_ASSERT_OK(mnd_txn_check(pool, t, ACTOR, T0 + 599));
    MND_ASSERT_ERR(mnd_txn_check(pool, t, ACTOR, T0 + 600), MND_ECONFLICT, "expired");
    MND_ASSERT_ERR(mnd_txn_check(pool, t, ACTOR, T0 + 601), MND_ECONFLICT, "expired");
    MND_ASSERT_ERR(mnd_txn_check(pool, t, other, T0), MND_EFORBIDDEN, "another person");
    /* A foreign actor is refused as such even when the transaction also expired. */
    MND_ASSERT_ERR(mnd_txn_check(pool, t, other, T0 + 600), MND_EFORBIDDEN, "another person");
    MND_ASSERT_ERR(mnd_txn_check(pool, t, NULL, T0), MND_EFORBIDDEN, NULL);
    MND_ASSERT_ERR(mnd_txn_check(pool, t, "", T0), MND_EFORBIDDEN, NULL);
    MND_ASSERT_ERR(mnd_txn_check(pool, t, ACTOR "0", T0), MND_EFORBIDDEN, NULL);
    MND_ASSERT_ERR(mnd_txn_check(pool, NULL, ACTOR, T0), MND_EFORBIDDEN, NULL);
}

static void assert_offer_ok(const mnd_txn_t *t, const char *key)
{
    const char *tok = mnd_offer_token(pool, t, key), *back = NULL;
    assert_non_null(tok);
    assert_int_equal(strlen(tok), strlen(key) + 1 + 22);
    assert_memory_equal(tok, key, strlen(key));
    MND_ASSERT_OK(mnd_offer_check(pool, t, tok, &back));
    assert_string_equal(back, key);
}

static void assert_offer_bad(const mnd_txn_t *t, const char *token)
{
    const char *key = "unchanged";
    MND_ASSERT_ERR(mnd_offer_check(pool, t, token, &key), MND_EFORBIDDEN, "not in the offer");
    assert_null(key);
}

static void test_offer_accept(void **state)
{
    mnd_txn_t *t = full_txn();
    (void)state;
    assert_offer_ok(t, "self");
    assert_offer_ok(t, "kbo:0123456749");
    assert_offer_ok(t, "right:7");
    assert_offer_ok(t, "mandate:42");
    assert_offer_ok(t, "mandate:12345678901234567890");
    /* Tokens are deterministic within a transaction: the page can be rendered twice. */
    assert_string_equal(mnd_offer_token(pool, t, "right:7"), mnd_offer_token(pool, t, "right:7"));
}

/* A token whose MAC is right for key, made the way txn.c makes it: shows that the syntax
 * check, not the MAC, refuses the malformed keys. */
static const char *forged(const mnd_txn_t *t, const char *key)
{
    return apr_pstrcat(pool, key, ".",
                       mnd_hmac_b64url(pool, t->offer_secret,
                                       apr_pstrcat(pool, "mandaat-offer\n", t->id, "\n", key, NULL),
                                       16),
                       NULL);
}

static void test_offer_reject(void **state)
{
    mnd_txn_t *t = full_txn(), *t2 = full_txn(), *t3 = full_txn();
    const char *tok = mnd_offer_token(pool, t, "mandate:42"), *mac = strchr(tok, '.') + 1;
    char *flipped = apr_pstrdup(pool, tok);
    const char *bad_keys[] = {"mandate:4x",
                              "../",
                              "..",
                              "mandate:",
                              "self:1",
                              "MANDATE:42",
                              " mandate:42",
                              "mandate:-1",
                              "mandate:１",
                              "sélf",
                              "mandate:123456789012345678901",
                              "delegate:1",
                              "kbo:0123456749:1",
                              "kbo",
                              ""};
    size_t i;
    (void)state;
    t2->offer_secret = fixed_token('S');
    t2->id = fixed_token('b');
    t3->id = fixed_token('b'); /* same secret, another transaction */
    assert_string_equal(forged(t, "mandate:42"), tok);
    assert_offer_bad(t, apr_pstrcat(pool, "mandate:43.", mac, NULL)); /* other key */
    assert_offer_bad(t, apr_pstrcat(pool, "self.", mac, NULL));
    assert_offer_bad(t, mnd_offer_token(pool, t2, "mandate:42")); /* other txn */
    assert_offer_bad(t, mnd_offer_token(pool, t3, "mandate:42")); /* other id only */
    assert_offer_bad(t2, tok);
    flipped[strlen(flipped) - 3] ^= 0x01;
    assert_offer_bad(t, flipped);
    assert_offer_bad(t, "mandate:42"); /* missing dot */
    assert_offer_bad(t, apr_pstrcat(pool, "mandate:42", mac, NULL));
    assert_offer_bad(t, "");
    assert_offer_bad(t, NULL);
    assert_offer_bad(t, ".");
    assert_offer_bad(t, apr_pstrcat(pool, ".", mac, NULL));
    assert_offer_bad(t, "mandate:42.");
    assert_offer_bad(t, apr_pstrcat(pool, tok, "A", NULL));          /* MAC too long */
    assert_offer_bad(t, apr_pstrmemdup(pool, tok, strlen(tok) - 1)); /* MAC too short */
    assert_offer_bad(t, apr_pstrcat(pool, tok, ".", mac, NULL));
    assert_offer_bad(t, apr_pstrcat(pool, "mandate:42.", repeat('A', 245), NULL));
    assert_offer_bad(t, repeat('x', 257));
    assert_offer_bad(t, apr_pstrcat(pool, "mandate:", repeat('1', 225), ".", mac, NULL));
    assert_int_equal(strlen(apr_pstrcat(pool, "mandate:", repeat('1', 225), ".", mac, NULL)), 256);
    assert_offer_bad(NULL, tok);
    for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
        assert_null(mnd_offer_token(pool, t, bad_keys[i]));
        assert_offer_bad(t, forged(t, bad_keys[i]));
    }
    assert_null(mnd_offer_token(pool, t, NULL));
    t2->offer_secret = NULL; /* a transaction without a secret offers nothing */
    assert_null(mnd_offer_token(pool, t2, "self"));
    assert_offer_bad(t2, tok);
}

/* base64 of text with APR's encoder under flags. */
static const char *b64(const char *text, int flags)
{
    return apr_pencode_base64(pool, text, APR_ENCODE_STRING, flags, NULL);
}

static void assert_hint(const char *hint, const char *cap, const char *code)
{
    mnd_login_hint_t h;
    MND_ASSERT_OK(mnd_login_hint_parse(pool, hint, &h));
    assert_str_or_null(h.cap_hint, cap);
    assert_str_or_null(h.code_hint, code);
}

static void assert_hint_bad(const char *hint, const char *needle)
{
    mnd_login_hint_t h = {"x", "y"};
    MND_ASSERT_ERR(mnd_login_hint_parse(pool, hint, &h), MND_EINVAL, needle);
    assert_null(h.cap_hint);
    assert_null(h.code_hint);
}

static void test_login_hint_parse(void **state)
{
    const char *kbo = make_kbo(1234567);
    /* "?>" chosen so that the standard and url encodings differ ('+' '/' vs '-' '_'). */
    const char *ea = apr_psprintf(pool,
                                  "{\"cap_hint\":\"EA\",\"code_hint\":\"BE %s\","
                                  "\"x\":\"?\?>>\"}",
                                  mnd_kbo_format(pool, kbo));
    (void)state;
    assert_true(strpbrk(b64(ea, APR_ENCODE_NONE), "+/") != NULL);
    assert_hint(b64(ea, APR_ENCODE_NONE), "EA", kbo);
    assert_hint(b64(ea, APR_ENCODE_URL), "EA", kbo);
    assert_hint(b64(ea, APR_ENCODE_BASE64URL), "EA", kbo);
    assert_hint(b64(ea, APR_ENCODE_NOPADDING), "EA", kbo);
    assert_hint(b64("{\"cap_hint\":\"BUR\"}", APR_ENCODE_NONE), "BUR", NULL);
    assert_hint(b64("{\"cap_hint\":\"bur\"}", APR_ENCODE_BASE64URL), "BUR", NULL);
    assert_hint(b64(apr_psprintf(pool, "{\"code_hint\":\"%s\"}", kbo), 0), NULL, kbo);
    assert_hint(b64(apr_psprintf(pool, "{\"cap_hint\":\"LB\",\"code_hint\":\"%s\"}", kbo + 1), 0),
                "LB", kbo); /* legacy 9 digits */

    assert_hint_bad(NULL, "empty");
    assert_hint_bad("", "empty");
    assert_hint_bad(repeat('A', 1028), "1024");
    assert_hint_bad("!!!!", "base64");
    assert_hint_bad("eyJjYXBfaGludCI6IkJVUiJ9 ", "base64");
    assert_hint_bad("a", "base64");
    assert_hint_bad("eyJ=jYX", "base64");
    assert_hint_bad(b64("hello", 0), "not JSON");
    assert_hint_bad(b64("{\"cap_hint\":\"BUR\"", 0), "not JSON");
    assert_hint_bad(b64("{\"cap_hint\":\"BUR\",\"cap_hint\":\"EA\"}", 0), "not JSON");
    assert_hint_bad(b64("[\"BUR\"]", 0), "object");
    assert_hint_bad(b64("\"BUR\"", 0), "not JSON");
    assert_hint_bad(b64("{}", 0), "cap_hint or code_hint");
    assert_hint_bad(b64("{\"doelgroep\":\"BUR\"}", 0), "cap_hint or code_hint");
    assert_hint_bad(b64("{\"cap_hint\":5}", 0), NULL);
    assert_hint_bad(b64("{\"cap_hint\":null}", 0), NULL);
    assert_hint_bad(b64("{\"cap_hint\":[\"BUR\"]}", 0), NULL);
    assert_hint_bad(b64("{\"cap_hint\":\"\"}", 0), "cap_hint");
    assert_hint_bad(b64("{\"cap_hint\":\"E A\"}", 0), "cap_hint");
    assert_hint_bad(b64("{\"cap_hint\":\"ABCDEFGHIJKLMNOPQ\"}", 0), "cap_hint");
    assert_hint_bad(b64("{\"cap_hint\":\"B\\u0000R\"}", 0), "not JSON");
    assert_hint_bad(
        apr_pencode_base64_binary(pool, (const unsigned char *)"{\"a\":1}\0", 8, 0, NULL), "NUL");
    assert_hint_bad(b64("{\"cap_hint\":\"EA\",\"code_hint\":\"0123456789\"}", 0), "code_hint");
    assert_hint_bad(b64("{\"cap_hint\":\"EA\",\"code_hint\":\"\"}", 0), "code_hint");
    assert_hint_bad(b64("{\"cap_hint\":\"EA\",\"code_hint\":42}", 0), NULL);
    assert_hint_bad(b64(apr_psprintf(pool, "{\"code_hint\":\"%s\"}", ACTOR), 0), "code_hint");
}

static mnd_party_t *party(const char *id, mnd_party_kind_t kind, const char *nl)
{
    mnd_party_t *p = apr_pcalloc(pool, sizeof(*p));
    p->id = id;
    p->kind = kind;
    p->name[MND_LANG_NL] = nl;
    p->active = 1;
    return p;
}

static mnd_capacity_t *cap(const char *key, mnd_basis_t basis, const mnd_party_t *pt,
                           const mnd_party_t *via)
{
    mnd_capacity_t *c = apr_pcalloc(pool, sizeof(*c));
    c->key = key;
    c->basis = basis;
    c->party = pt;
    c->via = via;
    c->actions = apr_array_make(pool, 1, sizeof(const char *));
    c->also = apr_array_make(pool, 0, sizeof(mnd_ground_t *));
    c->valid_until = MND_TIME_NONE;
    return c;
}

static void test_login_hint_match(void **state)
{
    const char *a = make_kbo(1111111), *b = make_kbo(2222222), *c = make_kbo(3333333),
               *d = make_kbo(4444444);
    mnd_resolution_t res = {0};
    mnd_capacity_t *self, *kbo_a, *right_a, *mand_b;
    mnd_login_hint_t h = {0};
    (void)state;
    self = cap("self", MND_BASIS_SELF, party(ACTOR, MND_PARTY_PERSON, NULL), NULL);
    kbo_a =
        cap(apr_pstrcat(pool, "kbo:", a, NULL), MND_BASIS_KBO, party(a, MND_PARTY_ORG, "A"), NULL);
    right_a = cap("right:7", MND_BASIS_RIGHT, kbo_a->party, NULL);
    mand_b = cap("mandate:42", MND_BASIS_MANDATE, party(b, MND_PARTY_ORG, "B"),
                 party(c, MND_PARTY_ORG, "C"));
    res.person = ACTOR;
    res.capacities = apr_array_make(pool, 4, sizeof(mnd_capacity_t *));
    APR_ARRAY_PUSH(res.capacities, mnd_capacity_t *) = self;
    APR_ARRAY_PUSH(res.capacities, mnd_capacity_t *) = kbo_a;
    APR_ARRAY_PUSH(res.capacities, mnd_capacity_t *) = right_a;
    APR_ARRAY_PUSH(res.capacities, mnd_capacity_t *) = mand_b;

    h.cap_hint = "BUR";
    assert_ptr_equal(mnd_login_hint_match(&res, &h), self);
    h.code_hint = a; /* BUR ignores the code */
    assert_ptr_equal(mnd_login_hint_match(&res, &h), self);
    h.cap_hint = "EA"; /* two rows for party a: the first in display order */
    assert_ptr_equal(mnd_login_hint_match(&res, &h), kbo_a);
    h.code_hint = b;
    assert_ptr_equal(mnd_login_hint_match(&res, &h), mand_b);
    h.code_hint = c; /* only an intermediary, never represented */
    assert_null(mnd_login_hint_match(&res, &h));
    h.code_hint = d; /* not offered */
    assert_null(mnd_login_hint_match(&res, &h));
    h.cap_hint = "LB";
    h.code_hint = a;
    assert_ptr_equal(mnd_login_hint_match(&res, &h), kbo_a);
    h.cap_hint = NULL;
    assert_ptr_equal(mnd_login_hint_match(&res, &h), kbo_a);
    h.cap_hint = "EA";
    h.code_hint = NULL; /* a target group without an organisation designates nothing */
    assert_null(mnd_login_hint_match(&res, &h));
    h.cap_hint = "GID";
    assert_null(mnd_login_hint_match(&res, &h));
    assert_null(mnd_login_hint_match(NULL, &h));
    assert_null(mnd_login_hint_match(&res, NULL));
    /* BUR without an own-name row (the service takes no citizens). */
    APR_ARRAY_IDX(res.capacities, 0, mnd_capacity_t *) = right_a;
    h.cap_hint = "BUR";
    assert_null(mnd_login_hint_match(&res, &h));
    res.capacities->nelts = 0;
    assert_null(mnd_login_hint_match(&res, &h));
}

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txn_new),
        cmocka_unit_test(test_txn_json_full),
        cmocka_unit_test(test_txn_json_nulls),
        cmocka_unit_test(test_txn_json_proto_state_limit),
        cmocka_unit_test(test_txn_to_json_rejects),
        cmocka_unit_test(test_txn_json_bad),
        cmocka_unit_test(test_txn_json_bad_bytes),
        cmocka_unit_test(test_txn_check),
        cmocka_unit_test(test_offer_accept),
        cmocka_unit_test(test_offer_reject),
        cmocka_unit_test(test_login_hint_parse),
        cmocka_unit_test(test_login_hint_match),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
