/* Sealing (crypto/seal.h): round trips, rotation, binding to purpose and scope, every way a
 * sealed value can be damaged (each bit, each truncation, appended bytes, bad or lenient
 * encodings, other versions, unknown keys, sizes), passphrase rules, random tokens, the
 * constant-time comparison and HMAC known answers (RFC 4231). No store is needed. */
#include "testutil.h"

#include <apr_encode.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/seal.h"

#define PASS_A "correct horse battery staple A"
#define PASS_B "correct horse battery staple B"
#define PASS_C "correct horse battery staple C"
#define OVERHEAD 33 /* version 1 + key id 4 + IV 12 + tag 16, as in docs/crypto.md */
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static apr_pool_t *gpool;                    /* the sealers live here: derivation is slow */
static mnd_sealer_t *s_a, *s_ba, *s_b, *s_c; /* [A], [B, A], [B], [C] */
static apr_pool_t *pool;                     /* per test */

static apr_array_header_t *list(apr_pool_t *p, int n, ...)
{
    apr_array_header_t *a = apr_array_make(p, n, sizeof(const char *));
    va_list ap;
    int i;
    va_start(ap, n);
    for (i = 0; i < n; i++)
        APR_ARRAY_PUSH(a, const char *) = va_arg(ap, const char *);
    va_end(ap);
    return a;
}

static int group_setup(void **state)
{
    (void)state;
    apr_initialize();
    apr_pool_create(&gpool, NULL);
    MND_ASSERT_OK(mnd_sealer_create(gpool, list(gpool, 1, PASS_A), &s_a));
    MND_ASSERT_OK(mnd_sealer_create(gpool, list(gpool, 2, PASS_B, PASS_A), &s_ba));
    MND_ASSERT_OK(mnd_sealer_create(gpool, list(gpool, 1, PASS_B), &s_b));
    MND_ASSERT_OK(mnd_sealer_create(gpool, list(gpool, 1, PASS_C), &s_c));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    apr_pool_destroy(gpool);
    apr_terminate();
    return 0;
}

static int setup(void **state)
{
    (void)state;
    apr_pool_create(&pool, gpool);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static const char *seal(const mnd_sealer_t *s, const char *purpose, const char *scope,
                        const void *data, size_t len)
{
    const char *out = NULL;
    MND_ASSERT_OK(mnd_seal(s, pool, purpose, scope, data, len, &out));
    assert_non_null(out);
    return out;
}

static mnd_error_t *unseal(const mnd_sealer_t *s, const char *purpose, const char *scope,
                           const char *sealed, size_t max_len, size_t *len)
{
    void *data;
    size_t n;
    mnd_error_t *e = mnd_unseal(s, pool, purpose, scope, sealed, max_len, &data, &n);
    if (e) {
        assert_null(data);
        assert_int_equal(n, 0);
    }
    if (len)
        *len = n;
    return e;
}

/* Opens and returns the data; fails the test on error. */
static const char *open_ok(const mnd_sealer_t *s, const char *sealed, size_t want_len)
{
    void *data;
    size_t n;
    MND_ASSERT_OK(mnd_unseal(s, pool, "txn", "www.example.be", sealed, 1 << 20, &data, &n));
    assert_int_equal(n, want_len);
    assert_int_equal(((char *)data)[n], '\0');
    return data;
}

static const unsigned char *decode(const char *text, size_t *len)
{
    const unsigned char *raw =
        apr_pdecode_base64_binary(pool, text, APR_ENCODE_STRING, APR_ENCODE_BASE64URL, len);
    assert_non_null(raw);
    return raw;
}

static const char *encode(const unsigned char *raw, size_t len)
{
    const char *t =
        apr_pencode_base64_binary(pool, raw, (apr_ssize_t)len, APR_ENCODE_BASE64URL, NULL);
    assert_non_null(t);
    return t;
}

/* A damaged value must fail as invalid, and the message must carry no secret. */
static void assert_rejected(const mnd_sealer_t *s, const char *sealed, const char *needle)
{
    mnd_error_t *e = unseal(s, "txn", "www.example.be", sealed, 1 << 20, NULL);
    MND_ASSERT_ERR(e, MND_EINVAL, needle);
    assert_null(strstr(e->msg, PASS_A));
    assert_null(strstr(e->msg, PASS_B));
    assert_null(strstr(e->msg, "secret payload"));
}

static void test_roundtrip(void **state)
{
    unsigned char *big = apr_palloc(pool, 65536);
    const char *one, *empty, *bigs;
    void *data;
    size_t i, n;
    (void)state;
    for (i = 0; i < 65536; i++)
        big[i] = (unsigned char)(i * 7 + (i >> 8)); /* includes NUL bytes */
    empty = seal(s_a, "txn", "www.example.be", NULL, 0);
    assert_string_equal(open_ok(s_a, empty, 0), "");
    empty = seal(s_a, "txn", "www.example.be", "", 0);
    assert_string_equal(open_ok(s_a, empty, 0), "");
    one = seal(s_a, "txn", "www.example.be", "x", 1);
    assert_string_equal(open_ok(s_a, one, 1), "x");
    bigs = seal(s_a, "txn", "www.example.be", big, 65536);
    MND_ASSERT_OK(mnd_unseal(s_a, pool, "txn", "www.example.be", bigs, 65536, &data, &n));
    assert_int_equal(n, 65536);
    assert_memory_equal(data, big, 65536);
    /* An empty scope is a scope like any other. */
    one = seal(s_a, "session", "", "y", 1);
    MND_ASSERT_OK(mnd_unseal(s_a, pool, "session", "", one, 1, &data, &n));
    assert_string_equal(data, "y");
}

static void test_format(void **state)
{
    const char *x = seal(s_a, "txn", "www.example.be", "abc", 3);
    const char *y = seal(s_a, "txn", "www.example.be", "abc", 3);
    const char *z = seal(s_ba, "txn", "www.example.be", "abc", 3);
    const unsigned char *rx, *ry, *rz;
    size_t nx, ny, nz;
    (void)state;
    assert_int_equal(strspn(x, B64URL), strlen(x));
    rx = decode(x, &nx);
    ry = decode(y, &ny);
    rz = decode(z, &nz);
    assert_int_equal(nx, OVERHEAD + 3);
    assert_int_equal(rx[0], 1);
    assert_memory_equal(rx + 1, ry + 1, 4);     /* same key, same id */
    assert_memory_not_equal(rx + 1, rz + 1, 4); /* [B, A] seals with B */
    assert_int_equal(ny, nz);
}

static void test_random_iv(void **state)
{
    const char *x = seal(s_a, "txn", "www.example.be", "same data", 9);
    const char *y = seal(s_a, "txn", "www.example.be", "same data", 9);
    size_t nx, ny;
    const unsigned char *rx = decode(x, &nx), *ry = decode(y, &ny);
    (void)state;
    assert_string_not_equal(x, y);
    assert_memory_not_equal(rx + 5, ry + 5, 12);
    assert_string_equal(open_ok(s_a, x, 9), "same data");
    assert_string_equal(open_ok(s_a, y, 9), "same data");
}

static void test_rotation(void **state)
{
    const char *by_a = seal(s_a, "txn", "www.example.be", "old", 3);
    const char *by_ba = seal(s_ba, "txn", "www.example.be", "new", 3);
    (void)state;
    assert_string_equal(open_ok(s_ba, by_a, 3), "old"); /* old values survive the rotation */
    assert_string_equal(open_ok(s_b, by_ba, 3), "new"); /* the new key seals */
    assert_string_equal(open_ok(s_ba, by_ba, 3), "new");
    assert_rejected(s_b, by_a, "key id");  /* A removed: its values no longer open */
    assert_rejected(s_a, by_ba, "key id"); /* A alone cannot open what B sealed */
    assert_rejected(s_c, by_a, "key id");
    assert_rejected(s_c, by_ba, "key id");
}

static void test_binding(void **state)
{
    const char *v = seal(s_a, "txn", "www.example.be", "secret payload", 14);
    const char *w = seal(s_a, "ab", "c", "secret payload", 14);
    (void)state;
    MND_ASSERT_ERR(unseal(s_a, "session", "www.example.be", v, 100, NULL), MND_EINVAL,
                   "authentication");
    MND_ASSERT_ERR(unseal(s_a, "txn", "other.example.be", v, 100, NULL), MND_EINVAL,
                   "authentication");
    MND_ASSERT_ERR(unseal(s_a, "txn", "", v, 100, NULL), MND_EINVAL, "authentication");
    MND_ASSERT_ERR(unseal(s_a, "txnx", "www.example.be", v, 100, NULL), MND_EINVAL,
                   "authentication");
    /* The NUL between purpose and scope keeps "ab"+"c" apart from "a"+"bc". */
    MND_ASSERT_ERR(unseal(s_a, "a", "bc", w, 100, NULL), MND_EINVAL, "authentication");
    MND_ASSERT_ERR(unseal(s_a, "abc", "", w, 100, NULL), MND_EINVAL, "authentication");
    MND_ASSERT_OK(unseal(s_a, "ab", "c", w, 100, NULL));
}

/* Every bit of every byte of the decoded form, and every byte complemented. */
static void test_tamper_every_byte(void **state)
{
    const char *v = seal(s_ba, "txn", "www.example.be", "secret payload", 14);
    size_t n, i;
    int bit;
    const unsigned char *raw = decode(v, &n);
    unsigned char *copy = apr_pmemdup(pool, raw, n);
    (void)state;
    assert_int_equal(n, OVERHEAD + 14);
    for (i = 0; i < n; i++) {
        for (bit = 0; bit <= 8; bit++) {
            unsigned char mask = bit == 8 ? 0xff : (unsigned char)(1u << bit);
            copy[i] ^= mask;
            assert_rejected(s_ba, encode(copy, n), NULL);
            copy[i] ^= mask;
        }
    }
    assert_string_equal(open_ok(s_ba, encode(copy, n), 14), "secret payload");
}

static void test_truncated(void **state)
{
    const char *v = seal(s_a, "txn", "www.example.be", "secret payload", 14);
    size_t tl = strlen(v), n, i;
    const unsigned char *raw = decode(v, &n);
    (void)state;
    for (i = 0; i < tl; i++) /* the text cut at every length */
        assert_rejected(s_a, apr_pstrndup(pool, v, i), NULL);
    for (i = 0; i < n; i++) /* the decoded form cut at every length */
        assert_rejected(s_a, encode(raw, i), NULL);
    assert_rejected(s_a, "", "truncated");
    assert_rejected(s_a, encode(raw, OVERHEAD - 1), "truncated");
    assert_rejected(s_a, encode(raw, OVERHEAD), "authentication");
}

static void test_appended(void **state)
{
    const char *v = seal(s_a, "txn", "www.example.be", "secret payload", 14);
    size_t n;
    const unsigned char *raw = decode(v, &n);
    unsigned char *longer = apr_pcalloc(pool, n + 16);
    int extra;
    (void)state;
    memcpy(longer, raw, n);
    for (extra = 1; extra <= 16; extra++)
        assert_rejected(s_a, encode(longer, n + (size_t)extra), "authentication");
    assert_rejected(s_a, apr_pstrcat(pool, v, "A", NULL), NULL);
    assert_rejected(s_a, apr_pstrcat(pool, v, "AA", NULL), NULL);
    assert_rejected(s_a, apr_pstrcat(pool, v, "AAAA", NULL), NULL);
    assert_rejected(s_a, apr_pstrcat(pool, v, v, NULL), NULL);
}

static void test_bad_encoding(void **state)
{
    /* 14 bytes of data: 47 decoded bytes, 63 characters, so '=' would be valid padding. */
    const char *v = seal(s_a, "txn", "www.example.be", "secret payload", 14);
    const char *bad[] = {"+", "/", "=", ".", " ", "\n", "\t", "%", "*", "~", "\x80", "\xc3"};
    size_t tl = strlen(v), i, n;
    char *copy, last;
    const char *pos;
    (void)state;
    assert_int_equal(tl % 4, 3);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        copy = apr_pstrdup(pool, v);
        copy[tl / 2] = bad[i][0];
        assert_rejected(s_a, copy, "base64url");
        assert_rejected(s_a, apr_pstrcat(pool, bad[i], v, NULL), "base64url");
        assert_rejected(s_a, apr_pstrcat(pool, v, bad[i], NULL), "base64url");
    }
    /* Padding is refused even where it would be correct. */
    assert_rejected(s_a, apr_pstrcat(pool, v, "=", NULL), "base64url");
    /* The standard alphabet's twins of '-' and '_' are refused. */
    copy = apr_pstrdup(pool, v);
    for (i = 0; i < tl; i++)
        copy[i] = copy[i] == '-' ? '+' : copy[i] == '_' ? '/' : copy[i];
    if (strcmp(copy, v) != 0)
        assert_rejected(s_a, copy, "base64url");
    /* Spare bits in the last character: same bytes, another text. */
    copy = apr_pstrdup(pool, v);
    last = copy[tl - 1];
    pos = strchr(B64URL, last);
    assert_non_null(pos);
    copy[tl - 1] = B64URL[(pos - B64URL) ^ 1];
    decode(copy, &n); /* apr alone would accept it */
    assert_int_equal(n, OVERHEAD + 14);
    assert_rejected(s_a, copy, "canonical");
    /* One character more than a multiple of four never decodes. */
    assert_rejected(s_a, apr_pstrndup(pool, v, 61), "base64url");
    MND_ASSERT_ERR(unseal(s_a, "txn", "www.example.be", NULL, 100, NULL), MND_EINVAL,
                   "no sealed value");
}

static void test_version(void **state)
{
    const char *v = seal(s_a, "txn", "www.example.be", "secret payload", 14);
    size_t n, i;
    const unsigned char versions[] = {0, 2, 0x81, 0xff};
    const unsigned char *decoded = decode(v, &n);
    unsigned char *raw = apr_pmemdup(pool, decoded, n);
    (void)state;
    for (i = 0; i < sizeof(versions); i++) {
        raw[0] = versions[i];
        assert_rejected(s_a, encode(raw, n), "unknown format version");
    }
    raw[0] = 1;
    raw[1] ^= 0x40;
    assert_rejected(s_a, encode(raw, n), "key id");
}

static void test_max_len(void **state)
{
    char data[100];
    const char *v;
    char *huge;
    size_t len;
    (void)state;
    memset(data, 'd', sizeof(data));
    v = seal(s_a, "txn", "www.example.be", data, sizeof(data));
    MND_ASSERT_ERR(unseal(s_a, "txn", "www.example.be", v, 99, NULL), MND_EINVAL, "more than");
    MND_ASSERT_ERR(unseal(s_a, "txn", "www.example.be", v, 0, NULL), MND_EINVAL, "more than");
    MND_ASSERT_OK(unseal(s_a, "txn", "www.example.be", v, 100, &len));
    assert_int_equal(len, 100);
    MND_ASSERT_OK(unseal(s_a, "txn", "www.example.be", v, (size_t)-1, &len));
    v = seal(s_a, "txn", "www.example.be", NULL, 0);
    MND_ASSERT_OK(unseal(s_a, "txn", "www.example.be", v, 0, &len));
    /* The size is refused from the text's length, before decoding or decrypting it. */
    huge = malloc(8 << 20);
    assert_non_null(huge);
    memset(huge, 'A', (8 << 20) - 1);
    huge[(8 << 20) - 1] = '\0';
    MND_ASSERT_ERR(unseal(s_a, "txn", "www.example.be", huge, 4096, NULL), MND_EINVAL, "more than");
    free(huge);
}

static void test_seal_arguments(void **state)
{
    const char *out = "unchanged";
    char *long_name = apr_palloc(pool, 1026);
    (void)state;
    memset(long_name, 'p', 1025);
    long_name[1025] = '\0';
    MND_ASSERT_ERR(mnd_seal(s_a, pool, NULL, "h", "x", 1, &out), MND_EINVAL, "purpose");
    assert_null(out);
    MND_ASSERT_ERR(mnd_seal(s_a, pool, "", "h", "x", 1, &out), MND_EINVAL, "purpose");
    MND_ASSERT_ERR(mnd_seal(s_a, pool, "txn", NULL, "x", 1, &out), MND_EINVAL, "scope");
    MND_ASSERT_ERR(mnd_seal(s_a, pool, long_name, "h", "x", 1, &out), MND_EINVAL, "at most");
    MND_ASSERT_ERR(mnd_seal(s_a, pool, "txn", long_name, "x", 1, &out), MND_EINVAL, "at most");
    MND_ASSERT_ERR(mnd_seal(s_a, pool, "txn", "h", NULL, 1, &out), MND_EINVAL, "NULL");
    /* The length is refused before the data is read, so a short buffer is safe here. */
    MND_ASSERT_ERR(mnd_seal(s_a, pool, "txn", "h", "x", (16u << 20) + 1, &out), MND_EINVAL,
                   "at most");
    MND_ASSERT_ERR(mnd_seal(NULL, pool, "txn", "h", "x", 1, &out), MND_EINTERNAL, "sealer");
    out = seal(s_a, "txn", "h", "x", 1);
    MND_ASSERT_ERR(unseal(s_a, NULL, "h", out, 10, NULL), MND_EINVAL, "purpose");
    MND_ASSERT_ERR(unseal(s_a, "", "h", out, 10, NULL), MND_EINVAL, "purpose");
    MND_ASSERT_ERR(unseal(s_a, "txn", NULL, out, 10, NULL), MND_EINVAL, "scope");
    MND_ASSERT_ERR(unseal(s_a, long_name, "h", out, 10, NULL), MND_EINVAL, "at most");
    MND_ASSERT_ERR(unseal(NULL, "txn", "h", out, 10, NULL), MND_EINTERNAL, "sealer");
}

static void test_passphrases(void **state)
{
    static int not_a_sealer;
    mnd_sealer_t *s = (mnd_sealer_t *)(void *)&not_a_sealer;
    char *long_pass = apr_palloc(pool, 1026);
    apr_array_header_t *wrong_type = apr_array_make(pool, 1, sizeof(int));
    const char *v;
    (void)state;
    memset(long_pass, 'q', 1025);
    long_pass[1025] = '\0';
    APR_ARRAY_PUSH(wrong_type, int) = 1;
    MND_ASSERT_ERR(mnd_sealer_create(pool, list(pool, 0), &s), MND_EINVAL, "at least once");
    assert_null(s);
    MND_ASSERT_ERR(mnd_sealer_create(pool, NULL, &s), MND_EINVAL, "at least once");
    MND_ASSERT_ERR(mnd_sealer_create(pool, list(pool, 1, "fifteen chars!!"), &s), MND_EINVAL,
                   "MandaatCryptoPassphrase must be at least 16 characters");
    MND_ASSERT_ERR(mnd_sealer_create(pool, list(pool, 1, ""), &s), MND_EINVAL,
                   "at least 16 characters");
    MND_ASSERT_ERR(mnd_sealer_create(pool, list(pool, 2, PASS_A, "too short"), &s), MND_EINVAL,
                   "passphrase 2 is shorter");
    MND_ASSERT_ERR(mnd_sealer_create(pool, list(pool, 2, PASS_A, NULL), &s), MND_EINVAL,
                   "at least 16 characters");
    MND_ASSERT_ERR(mnd_sealer_create(pool, list(pool, 1, long_pass), &s), MND_EINVAL,
                   "at most 1024 characters");
    MND_ASSERT_ERR(mnd_sealer_create(pool, list(pool, 3, PASS_A, PASS_B, PASS_A), &s), MND_EINVAL,
                   "passphrase 3 repeats passphrase 1");
    MND_ASSERT_ERR(mnd_sealer_create(pool, wrong_type, &s), MND_EINTERNAL, NULL);
    /* Exactly 16 is enough, and a sealer from the same passphrase opens the same values. */
    MND_ASSERT_OK(mnd_sealer_create(pool, list(pool, 1, "sixteen chars!!!"), &s));
    assert_non_null(s);
    v = seal(s, "txn", "www.example.be", "k", 1);
    assert_rejected(s_a, v, "key id");
    MND_ASSERT_OK(mnd_sealer_create(pool, list(pool, 1, "sixteen chars!!!"), &s));
    assert_string_equal(open_ok(s, v, 1), "k");
}

static void test_random_token(void **state)
{
    const char *t, *many[200];
    size_t n;
    int i, j;
    (void)state;
    for (n = 1; n <= 64; n++) {
        MND_ASSERT_OK(mnd_random_token(pool, n, &t));
        assert_int_equal(strlen(t), (4 * n + 2) / 3); /* base64url, no padding */
        assert_int_equal(strspn(t, B64URL), strlen(t));
    }
    MND_ASSERT_OK(mnd_random_token(pool, 1024, &t));
    assert_int_equal(strlen(t), 1366);
    MND_ASSERT_ERR(mnd_random_token(pool, 0, &t), MND_EINVAL, "1 to 1024 bytes");
    assert_null(t);
    MND_ASSERT_ERR(mnd_random_token(pool, 1025, &t), MND_EINVAL, "1 to 1024 bytes");
    for (i = 0; i < 200; i++)
        MND_ASSERT_OK(mnd_random_token(pool, 16, &many[i]));
    for (i = 0; i < 200; i++)
        for (j = i + 1; j < 200; j++)
            assert_string_not_equal(many[i], many[j]);
}

static void test_ct_streq(void **state)
{
    (void)state;
    assert_true(mnd_ct_streq("abc", "abc"));
    assert_true(mnd_ct_streq("", ""));
    assert_true(mnd_ct_streq("\xff\x80", "\xff\x80"));
    assert_false(mnd_ct_streq("abc", "abd"));
    assert_false(mnd_ct_streq("abc", "xbc"));
    assert_false(mnd_ct_streq("abc", "aBc"));
    assert_false(mnd_ct_streq("abc", "ab"));
    assert_false(mnd_ct_streq("ab", "abc"));
    assert_false(mnd_ct_streq("", "a"));
    assert_false(mnd_ct_streq("\xff", "\x7f"));
    assert_false(mnd_ct_streq(NULL, "a"));
    assert_false(mnd_ct_streq("a", NULL));
    assert_false(mnd_ct_streq(NULL, ""));
    assert_false(mnd_ct_streq(NULL, NULL));
}

static void test_hmac(void **state)
{
    char key1[21];
    (void)state;
    /* RFC 4231 test case 2: 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843 */
    assert_string_equal(mnd_hmac_b64url(pool, "Jefe", "what do ya want for nothing?", 32),
                        "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
    assert_string_equal(mnd_hmac_b64url(pool, "Jefe", "what do ya want for nothing?", 16),
                        "W9zBRr9gdU5qBCQmCJV1xw");
    assert_string_equal(mnd_hmac_b64url(pool, "Jefe", "what do ya want for nothing?", 1), "Ww");
    /* RFC 4231 test case 1: key 20 x 0x0b, "Hi There" ->
     * b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7 */
    memset(key1, 0x0b, 20);
    key1[20] = '\0';
    assert_string_equal(mnd_hmac_b64url(pool, key1, "Hi There", 32),
                        "sDRMYdjbOFNcqK_OrwvxK4gdwgDJgz2nJuk3bC4yz_c");
    assert_string_equal(mnd_hmac_b64url(pool, "Jefe", "", 32),
                        mnd_hmac_b64url(pool, "Jefe", "", 32));
    assert_null(mnd_hmac_b64url(pool, "Jefe", "m", 0));
    assert_null(mnd_hmac_b64url(pool, "Jefe", "m", 33));
    assert_null(mnd_hmac_b64url(pool, NULL, "m", 32));
    assert_null(mnd_hmac_b64url(pool, "", "m", 32));
    assert_null(mnd_hmac_b64url(pool, "Jefe", NULL, 32));
}

/* The sealer is shared by httpd's worker threads: each call must stand alone. The result
 * travels in *arg: apr_thread_exit's pthread_exit trips ASan's use-after-scope check. */
static void *APR_THREAD_FUNC worker(apr_thread_t *th, void *arg)
{
    int *bad = arg, i;
    apr_pool_t *p;
    (void)th;
    apr_pool_create_unmanaged(&p);
    for (i = 0; i < 100; i++) {
        const char *v, *msg = apr_psprintf(p, "message %d", i);
        void *data;
        size_t n;
        if (mnd_seal(s_ba, p, "session", "h", msg, strlen(msg), &v) ||
            mnd_unseal(s_ba, p, "session", "h", v, 64, &data, &n) || strcmp(data, msg) != 0)
            (*bad)++;
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;
}

static void test_threads(void **state)
{
    apr_thread_t *th[4];
    apr_status_t rv;
    int bad[4] = {0, 0, 0, 0}, i;
    (void)state;
    for (i = 0; i < 4; i++)
        assert_int_equal(apr_thread_create(&th[i], NULL, worker, &bad[i], pool), APR_SUCCESS);
    for (i = 0; i < 4; i++) {
        assert_int_equal(apr_thread_join(&rv, th[i]), APR_SUCCESS);
        assert_int_equal(bad[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_iv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_every_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appended, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_len, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passphrases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ct_streq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    return cmocka_run_group_tests_name("seal", tests, group_setup, group_teardown);
}
