/* Time parsing and formatting: every accepted form, every rejected one, and a cross-check of
 * the calendar arithmetic against the C library over several centuries. */
#include "testutil.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/timeutil.h"

static apr_pool_t *pool;

static void assert_parse(const char *in, mnd_time_t want)
{
    mnd_time_t t = 42;
    MND_ASSERT_OK(mnd_time_parse(pool, in, &t));
    if (t != want)
        fail_msg("'%s' parsed as %lld, want %lld", in, (long long)t, (long long)want);
}

static void assert_bad(const char *in, const char *needle)
{
    mnd_time_t t = 42;
    MND_ASSERT_ERR(mnd_time_parse(pool, in, &t), MND_EINVAL, needle);
}

static void test_parse_date(void **state)
{
    assert_parse("1970-01-01", 0);
    assert_parse("2026-11-23", 1795392000);
    assert_parse("2000-02-29", 951782400);
    assert_parse("1900-01-01", -2208988800LL);
    assert_parse("9999-12-31", 253402214400LL);
}

static void test_parse_datetime(void **state)
{
    assert_parse("2026-11-23T14:05:00Z", 1795442700);
    assert_parse("2026-11-23t14:05:00z", 1795442700);
    assert_parse("2026-11-23 14:05:00Z", 1795442700);
    assert_parse("2026-11-23T16:05:00+02:00", 1795442700);
    assert_parse("2026-11-23T16:05:00+0200", 1795442700);
    assert_parse("2026-11-23T08:35:00-05:30", 1795442700);
    assert_parse("2026-11-23T14:05:00+00:00", 1795442700);
    assert_parse("2026-11-23T14:05:00-00:00", 1795442700);
    /* SAML instants carry fractions; they are dropped, not rounded. */
    assert_parse("2026-11-23T14:05:00.999Z", 1795442700);
    assert_parse("2026-11-23T14:05:00.1+01:00", 1795442700 - 3600);
    /* An offset may cross midnight and the year. */
    assert_parse("1970-01-01T00:30:00+01:00", -1800);
    assert_parse("1969-12-31", -86400);
    assert_parse("2026-11-23T23:59:59Z", 1795392000 + 86399);
}

static void test_parse_epoch(void **state)
{
    assert_parse("@0", 0);
    assert_parse("@1795442700", 1795442700);
    assert_parse("@-1", -1);
    assert_parse("@-2208988800", -2208988800LL);
    assert_parse("@253402300799", 253402300799LL);
    assert_bad("@", "'@' must be followed by epoch seconds");
    assert_bad("@-", "'@' must be followed by epoch seconds");
    assert_bad("@12a", "epoch seconds after '@' must be digits only");
    assert_bad("@ 12", "digits only");
    assert_bad("@+12", "digits only");
    assert_bad("@-2208988801", "outside the years 1900..9999");
    assert_bad("@253402300800", "outside the years");
    assert_bad("@99999999999999999999999999", "outside the years");
}

static void test_parse_bad_calendar(void **state)
{
    assert_bad("2026-02-29", "date '2026-02-29': day 29 does not exist in 2026-02");
    assert_bad("2100-02-29", "day 29 does not exist in 2100-02");
    assert_bad("2024-02-30", "day 30 does not exist");
    assert_bad("2026-02-31", "day 31 does not exist");
    assert_bad("2026-04-31", "day 31 does not exist in 2026-04");
    assert_bad("2026-01-32", "day 32 does not exist");
    assert_bad("2026-01-00", "day 00 does not exist");
    assert_bad("2026-13-01", "date '2026-13-01': month 13 is not 01-12");
    assert_bad("2026-00-10", "month 00 is not 01-12");
    assert_bad("1899-12-31", "year 1899 is outside 1900..9999");
    assert_bad("0000-01-01", "year 0 is outside");
    assert_bad("2026-02-31T10:00:00Z", "day 31 does not exist");
}

static void test_parse_bad_syntax(void **state)
{
    mnd_time_t t;
    MND_ASSERT_ERR(mnd_time_parse(pool, NULL, &t), MND_EINVAL, "no time given");
    assert_bad("", "no time given");
    assert_bad("10000-01-01", "expected YYYY-MM-DD");
    assert_bad("2026-1-1", "time '2026-1-1': expected YYYY-MM-DD");
    assert_bad("26-11-23", "expected YYYY-MM-DD");
    assert_bad("2026/11/23", "expected YYYY-MM-DD");
    assert_bad("23-11-2026", "expected YYYY-MM-DD");
    assert_bad("2026-11", "expected YYYY-MM-DD");
    assert_bad("2026", "expected YYYY-MM-DD");
    assert_bad(" 2026-11-23", "expected YYYY-MM-DD");
    assert_bad("2026-11-23x", "unexpected 'x' after the date");
    assert_bad("2026-11-23 ", "the time of day must be HH:MM:SS");
    assert_bad("2026-11-23T", "the time of day must be HH:MM:SS");
    assert_bad("2026-11-23T14:05Z", "the time of day must be HH:MM:SS");
    assert_bad("2026-11-23T14:05:00", "a time of day needs a zone");
    assert_bad("2026-11-23T14:05:00 Z", "a time of day needs a zone");
    assert_bad("2026-11-23T14:05:00ZZ", "a time of day needs a zone");
    assert_bad("2026-11-23T14:05:00Zjunk", "needs a zone");
    assert_bad("2026-11-23T14:05:00CET", "needs a zone");
    assert_bad("2026-11-23T14:05:00.Z", "'.' must be followed by digits");
    assert_bad("2026-11-23T24:00:00Z", "24:00:00 is not a time of day");
    assert_bad("2026-11-23T14:60:00Z", "14:60:00 is not a time of day");
    assert_bad("2026-11-23T14:05:60Z", "14:05:60 is not a time of day");
    assert_bad("2026-11-23T14:05:00+2", "zone offset must be +hh:mm");
    assert_bad("2026-11-23T14:05:00+02:0", "zone offset must be +hh:mm");
    assert_bad("2026-11-23T14:05:00+02:00x", "zone offset must be +hh:mm");
    assert_bad("2026-11-23T14:05:00+02:00Z", "zone offset must be +hh:mm");
    assert_bad("2026-11-23T14:05:00+24:00", "zone offset 24:00 is out of range");
    assert_bad("2026-11-23T14:05:00-02:60", "zone offset 02:60 is out of range");
}

static void test_parse_dmy(void **state)
{
    mnd_time_t t = 0;
    MND_ASSERT_OK(mnd_date_parse_dmy(pool, "23-11-2026", &t));
    assert_int_equal(t, 1795392000);
    MND_ASSERT_OK(mnd_date_parse_dmy(pool, "01-01-1900", &t));
    assert_int_equal(t, -2208988800LL);
    MND_ASSERT_OK(mnd_date_parse_dmy(pool, "29-02-2000", &t));
    assert_int_equal(t, 951782400);
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, NULL, &t), MND_EINVAL, "no date given");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "", &t), MND_EINVAL, "no date given");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "31-02-2026", &t), MND_EINVAL,
                   "date '31-02-2026': day 31 does not exist in 2026-02");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "01-13-2026", &t), MND_EINVAL, "month 13");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "01-01-1899", &t), MND_EINVAL, "year 1899");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "1-1-2026", &t), MND_EINVAL,
                   "date '1-1-2026': expected dd-mm-yyyy");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "2026-11-23", &t), MND_EINVAL, "dd-mm-yyyy");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "23-11-2026x", &t), MND_EINVAL, "dd-mm-yyyy");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "23-11-26", &t), MND_EINVAL, "dd-mm-yyyy");
    MND_ASSERT_ERR(mnd_date_parse_dmy(pool, "23/11/2026", &t), MND_EINVAL, "dd-mm-yyyy");
}

static void test_format(void **state)
{
    assert_string_equal(mnd_time_format(pool, 0), "1970-01-01T00:00:00Z");
    assert_string_equal(mnd_time_format(pool, 1795442700), "2026-11-23T14:05:00Z");
    assert_string_equal(mnd_time_format(pool, -1), "1969-12-31T23:59:59Z");
    assert_string_equal(mnd_time_format(pool, -2208988800LL), "1900-01-01T00:00:00Z");
    assert_string_equal(mnd_time_format(pool, 253402300799LL), "9999-12-31T23:59:59Z");
    assert_string_equal(mnd_time_format(pool, MND_TIME_NONE), "");
}

/* Every day from 1900 to 2200 at a moving time of day, against gmtime_r and back. */
static void test_calendar_crosscheck(void **state)
{
    apr_pool_t *sub;
    mnd_time_t t;
    apr_pool_create(&sub, pool);
    for (t = -2208988800LL; t < 7258118400LL; t += 86400 + 7) {
        time_t tt = (time_t)t;
        struct tm tm;
        char want[32];
        mnd_time_t back = 0;
        const char *got;
        gmtime_r(&tt, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        got = mnd_time_format(sub, t);
        if (strcmp(got, want) != 0)
            fail_msg("%lld formats as %s, libc says %s", (long long)t, got, want);
        MND_ASSERT_OK(mnd_time_parse(sub, got, &back));
        if (back != t)
            fail_msg("%s parses back as %lld, not %lld", got, (long long)back, (long long)t);
        apr_pool_clear(sub);
    }
    apr_pool_destroy(sub);
}

/* The parser must not consult the process time zone. */
static void test_tz_independent(void **state)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", "America/New_York", 1);
    tzset();
    assert_parse("2026-11-23T14:05:00Z", 1795442700);
    assert_parse("2026-11-23", 1795392000);
    assert_string_equal(mnd_time_format(pool, 1795442700), "2026-11-23T14:05:00Z");
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

static void test_arg_and_col(void **state)
{
    assert_null(mnd_time_arg(pool, MND_TIME_NONE));
    assert_string_equal(mnd_time_arg(pool, 0), "0");
    assert_string_equal(mnd_time_arg(pool, -5), "-5");
    assert_string_equal(mnd_time_arg(pool, 253402300799LL), "253402300799");
    assert_true(mnd_time_from_col(NULL) == MND_TIME_NONE);
    assert_true(mnd_time_from_col("") == MND_TIME_NONE);
    assert_int_equal(mnd_time_from_col("0"), 0);
    assert_int_equal(mnd_time_from_col("-5"), -5);
    assert_int_equal(mnd_time_from_col(mnd_time_arg(pool, 1795442700)), 1795442700);
    assert_true(mnd_time_from_col(mnd_time_arg(pool, MND_TIME_NONE)) == MND_TIME_NONE);
}

static void test_now(void **state)
{
    time_t before = time(NULL);
    mnd_time_t now = mnd_now();
    time_t after = time(NULL);
    assert_true(now >= (mnd_time_t)before - 1 && now <= (mnd_time_t)after + 1);
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
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_parse_datetime),
        cmocka_unit_test(test_parse_epoch),
        cmocka_unit_test(test_parse_bad_calendar),
        cmocka_unit_test(test_parse_bad_syntax),
        cmocka_unit_test(test_parse_dmy),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_calendar_crosscheck),
        cmocka_unit_test(test_tz_independent),
        cmocka_unit_test(test_arg_and_col),
        cmocka_unit_test(test_now),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
