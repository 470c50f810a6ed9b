/* INSZ and KBO numbers: the valid forms people type, and every rule that rejects. Valid test
 * numbers are computed here from the check-digit rules rather than copied from real people. */
#include "testutil.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

#include "util/ident.h"

static apr_pool_t *pool;

/* A valid INSZ yymmdd + seq with check digits by the pre-2000 or the 2000 rule. */
static const char *make_insz(int yy, int mm, int dd, int seq, int from2000)
{
    long long base = (long long)yy * 10000000 + mm * 100000 + dd * 1000 + seq;
    int cc = (int)(97 - ((from2000 ? 2000000000LL : 0) + base) % 97);
    return apr_psprintf(pool, "%02d%02d%02d%03d%02d", yy, mm, dd, seq, cc);
}

/* A valid 10-digit KBO number from its first 8 digits. */
static const char *make_kbo(long first8)
{
    return apr_psprintf(pool, "%08ld%02d", first8, (int)(97 - first8 % 97));
}

/* The same digits with the two check digits replaced by wrong ones. */
static const char *break_check(const char *valid)
{
    char *s = apr_pstrdup(pool, valid);
    size_t n = strlen(s);
    s[n - 1] = s[n - 1] == '9' ? '0' : (char)(s[n - 1] + 1);
    return s;
}

static void assert_insz(const char *in, const char *want)
{
    char out[MND_INSZ_LEN + 1];
    MND_ASSERT_OK(mnd_insz_parse(pool, in, out));
    assert_string_equal(out, want);
}

static void assert_kbo(const char *in, const char *want)
{
    char out[MND_KBO_LEN + 1];
    MND_ASSERT_OK(mnd_kbo_parse(pool, in, out));
    assert_string_equal(out, want);
}

static void test_insz_rrn(void **state)
{
    assert_insz("85073003328", "85073003328");
    assert_insz("85.07.30-033.28", "85073003328");
    assert_insz(" 85 07 30 033 28 ", "85073003328");
    assert_insz("850730/033-28", "85073003328");
    assert_insz(make_insz(99, 12, 31, 998, 0), make_insz(99, 12, 31, 998, 0));
    assert_int_equal(mnd_insz_is_bis("85073003328"), 0);
}

static void test_insz_from2000(void **state)
{
    const char *born2005 = make_insz(5, 1, 1, 123, 1);
    /* The 2000 rule gives other check digits than the old rule for the same 9 digits. */
    assert_string_not_equal(born2005, make_insz(5, 1, 1, 123, 0));
    assert_insz(born2005, born2005);
    assert_string_equal(born2005, "05010112385");
    assert_insz(make_insz(24, 2, 29, 1, 1), make_insz(24, 2, 29, 1, 1));
}

static void test_insz_bis(void **state)
{
    const char *sex_unknown = make_insz(85, 7 + 20, 30, 33, 0);
    const char *sex_known = make_insz(85, 7 + 40, 30, 33, 0);
    const char *bis2010 = make_insz(10, 12 + 40, 31, 1, 1);
    assert_insz(sex_unknown, sex_unknown);
    assert_insz(sex_known, sex_known);
    assert_insz(bis2010, bis2010);
    assert_insz(make_insz(85, 32, 1, 1, 0), make_insz(85, 32, 1, 1, 0));
    assert_int_equal(mnd_insz_is_bis(sex_unknown), 1);
    assert_int_equal(mnd_insz_is_bis(sex_known), 1);
    assert_int_equal(mnd_insz_is_bis(bis2010), 1);
    assert_int_equal(mnd_insz_is_bis(NULL), 0);
    assert_int_equal(mnd_insz_is_bis("8527"), 0);
}

static void test_insz_unknown_month_day(void **state)
{
    const int months[] = {0, 20, 40};
    int i;
    for (i = 0; i < 3; i++) {
        const char *v = make_insz(60, months[i], 0, 17, 0);
        assert_insz(v, v);
    }
    assert_insz(make_insz(60, 5, 0, 17, 0), make_insz(60, 5, 0, 17, 0));
    assert_insz(make_insz(60, 0, 15, 17, 0), make_insz(60, 0, 15, 17, 0));
}

static void test_insz_bad_check(void **state)
{
    char out[MND_INSZ_LEN + 1];
    MND_ASSERT_ERR(mnd_insz_parse(pool, "85073003329", out), MND_EINVAL,
                   "INSZ 85073003329: check digits 29 do not match (expected 28");
    assert_string_equal(out, "");
    MND_ASSERT_ERR(mnd_insz_parse(pool, break_check(make_insz(5, 1, 1, 123, 1)), out), MND_EINVAL,
                   "check digits");
    /* All zeros: month and day 00 pass, the check digits cannot (97 or 29 needed). */
    MND_ASSERT_ERR(mnd_insz_parse(pool, "00000000000", out), MND_EINVAL,
                   "check digits 00 do not match");
}

static void test_insz_bad_date(void **state)
{
    char out[MND_INSZ_LEN + 1];
    const int bad_months[] = {13, 19, 33, 39, 53, 60, 99};
    size_t i;
    for (i = 0; i < sizeof(bad_months) / sizeof(bad_months[0]); i++)
        MND_ASSERT_ERR(mnd_insz_parse(pool, make_insz(85, bad_months[i], 1, 1, 0), out), MND_EINVAL,
                       "is not 00-12 (national register), 20-32 or 40-52");
    MND_ASSERT_ERR(mnd_insz_parse(pool, make_insz(85, 1, 32, 1, 0), out), MND_EINVAL,
                   "day 32 is not 00-31");
    MND_ASSERT_ERR(mnd_insz_parse(pool, make_insz(85, 41, 99, 1, 0), out), MND_EINVAL,
                   "day 99 is not 00-31");
}

static void test_insz_bad_syntax(void **state)
{
    char out[MND_INSZ_LEN + 1];
    MND_ASSERT_ERR(mnd_insz_parse(pool, NULL, out), MND_EINVAL, "no INSZ given");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "", out), MND_EINVAL, "an INSZ has 11 digits, got 0");
    MND_ASSERT_ERR(mnd_insz_parse(pool, " .-/ ", out), MND_EINVAL, "got 0");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "8507300332", out), MND_EINVAL,
                   "an INSZ has 11 digits, got 10");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "850730033280", out), MND_EINVAL,
                   "an INSZ has 11 digits, got 12");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "85073003328850730033288507300332885073003328", out),
                   MND_EINVAL, "got 44");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "85.07.3O-033.28", out), MND_EINVAL,
                   "'O' at position 8 is not allowed");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "85073003328x", out), MND_EINVAL, "'x'");
    /* The BE prefix belongs to enterprise numbers only. */
    MND_ASSERT_ERR(mnd_insz_parse(pool, "BE85073003328", out), MND_EINVAL, "'B'");
    /* Non-ASCII look-alikes: a fullwidth digit and a euro sign, named by byte. */
    MND_ASSERT_ERR(mnd_insz_parse(pool,
                                  "\xEF\xBC\x98"
                                  "5073003328",
                                  out),
                   MND_EINVAL, "byte 0xEF at position 1");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "85073003328\xE2\x82\xAC", out), MND_EINVAL, "byte 0xE2");
    MND_ASSERT_ERR(mnd_insz_parse(pool, "85073003328\n", out), MND_EINVAL, "byte 0x0A");
}

static void test_insz_format(void **state)
{
    assert_string_equal(mnd_insz_format(pool, "85073003328"), "85.07.30-033.28");
    assert_string_equal(mnd_insz_mask(pool, "85073003328"), "85.07.30-***.**");
    /* Not an INSZ: format passes it through, mask hides it all. */
    assert_string_equal(mnd_insz_format(pool, "123"), "123");
    assert_string_equal(mnd_insz_format(pool, NULL), "");
    assert_string_equal(mnd_insz_mask(pool, "8507300332"), "***");
    assert_string_equal(mnd_insz_mask(pool, NULL), "***");
}

static void test_kbo_valid(void **state)
{
    const char *one = make_kbo(10000042);
    assert_kbo("0123456749", "0123456749");
    assert_kbo("0123.456.749", "0123456749");
    assert_kbo("BE 0123.456.749", "0123456749");
    assert_kbo("be0123456749", "0123456749");
    assert_kbo("BE0123 456 749", "0123456749");
    assert_kbo("  Be-0123-456-749", "0123456749");
    assert_kbo(one, one);
    assert_int_equal(one[0], '1');
    assert_kbo(make_kbo(19999999), make_kbo(19999999));
    /* check digits 97 when the first 8 digits are a multiple of 97 */
    assert_kbo(make_kbo(97L * 100000), make_kbo(97L * 100000));
    assert_string_equal(make_kbo(97L * 100000) + 8, "97");
}

static void test_kbo_legacy(void **state)
{
    assert_kbo("123456749", "0123456749");
    assert_kbo("123.456.749", "0123456749");
    assert_kbo("BE123456749", "0123456749");
}

static void test_kbo_bad(void **state)
{
    char out[MND_KBO_LEN + 1];
    int d;
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "0123456748", out), MND_EINVAL,
                   "KBO number 0123456748: check digits 48 do not match (expected 49");
    assert_string_equal(out, "");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, break_check(make_kbo(10000042)), out), MND_EINVAL,
                   "check digits");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "123456748", out), MND_EINVAL, "check digits 48");
    /* All zeros: 00 must not pass where 97 is the check digit. */
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "0000000000", out), MND_EINVAL,
                   "check digits 00 do not match (expected 97");
    for (d = 2; d <= 9; d++) {
        /* valid mod 97, so only the first-digit rule can reject it */
        const char *v = make_kbo(d * 10000000L + 1234567);
        MND_ASSERT_ERR(mnd_kbo_parse(pool, v, out), MND_EINVAL,
                       apr_psprintf(pool, "the first digit must be 0 or 1, got %d", d));
    }
    MND_ASSERT_ERR(mnd_kbo_parse(pool, NULL, out), MND_EINVAL, "no KBO number given");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "", out), MND_EINVAL,
                   "a KBO number has 10 digits (or 9 in the legacy form), got 0");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "BE", out), MND_EINVAL, "got 0");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "01234567", out), MND_EINVAL, "got 8");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "01234567490", out), MND_EINVAL, "got 11");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "BEBE0123456749", out), MND_EINVAL, "'B'");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "NL0123456749", out), MND_EINVAL, "'N' at position 1");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "0123456749BE", out), MND_EINVAL, "'B' at position 11");
    MND_ASSERT_ERR(mnd_kbo_parse(pool, "0123,456,749", out), MND_EINVAL, "','");
    MND_ASSERT_ERR(mnd_kbo_parse(pool,
                                 "0123\xC2\xA0"
                                 "456749",
                                 out),
                   MND_EINVAL, "byte 0xC2");
}

static void test_kbo_format(void **state)
{
    assert_string_equal(mnd_kbo_format(pool, "0123456749"), "0123.456.749");
    assert_string_equal(mnd_kbo_format(pool, "12345"), "12345");
    assert_string_equal(mnd_kbo_format(pool, NULL), "");
}

static void test_party_id(void **state)
{
    mnd_party_kind_t kind = 0;
    const char *id = NULL;
    MND_ASSERT_OK(mnd_party_id_parse(pool, "85.07.30-033.28", &kind, &id));
    assert_int_equal(kind, MND_PARTY_PERSON);
    assert_string_equal(id, "85073003328");
    MND_ASSERT_OK(mnd_party_id_parse(pool, "BE 0123.456.749", &kind, &id));
    assert_int_equal(kind, MND_PARTY_ORG);
    assert_string_equal(id, "0123456749");
    MND_ASSERT_OK(mnd_party_id_parse(pool, "123456749", &kind, &id));
    assert_int_equal(kind, MND_PARTY_ORG);
    assert_string_equal(id, "0123456749");

    MND_ASSERT_ERR(mnd_party_id_parse(pool, "85073003329", &kind, &id), MND_EINVAL,
                   "INSZ 85073003329: check digits 29");
    assert_null(id);
    MND_ASSERT_ERR(mnd_party_id_parse(pool, "0123456748", &kind, &id), MND_EINVAL,
                   "KBO number 0123456748");
    /* 11 digits after BE is neither: not an INSZ, too long for KBO. */
    MND_ASSERT_ERR(mnd_party_id_parse(pool, "BE85073003328", &kind, &id), MND_EINVAL,
                   "a KBO number has 10 digits");
    MND_ASSERT_ERR(mnd_party_id_parse(pool, "12345678", &kind, &id), MND_EINVAL,
                   "a party id is an INSZ (11 digits) or a KBO number");
    MND_ASSERT_ERR(mnd_party_id_parse(pool, "850730033280", &kind, &id), MND_EINVAL,
                   "got 12 digits");
    MND_ASSERT_ERR(mnd_party_id_parse(pool, "", &kind, &id), MND_EINVAL, "got 0 digits");
    MND_ASSERT_ERR(mnd_party_id_parse(pool, NULL, &kind, &id), MND_EINVAL, "no party id");
    MND_ASSERT_ERR(mnd_party_id_parse(pool, "abc", &kind, &id), MND_EINVAL, "'a'");
}

static void test_party_display(void **state)
{
    assert_string_equal(mnd_party_id_display(pool, "85073003328"), "85.07.30-***.**");
    assert_string_equal(mnd_party_id_display(pool, "0123456749"), "0123.456.749");
    assert_string_equal(mnd_party_id_display(pool, "garbage"), "***");
    assert_string_equal(mnd_party_id_display(pool, NULL), "***");
}

static int setup(void **state)
{
    apr_initialize();
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insz_rrn),        cmocka_unit_test(test_insz_from2000),
        cmocka_unit_test(test_insz_bis),        cmocka_unit_test(test_insz_unknown_month_day),
        cmocka_unit_test(test_insz_bad_check),  cmocka_unit_test(test_insz_bad_date),
        cmocka_unit_test(test_insz_bad_syntax), cmocka_unit_test(test_insz_format),
        cmocka_unit_test(test_kbo_valid),       cmocka_unit_test(test_kbo_legacy),
        cmocka_unit_test(test_kbo_bad),         cmocka_unit_test(test_kbo_format),
        cmocka_unit_test(test_party_id),        cmocka_unit_test(test_party_display),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
