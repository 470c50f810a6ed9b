/* Recently chosen capacities (core/recent.c) and schema V2 that holds them, on every driver. */
#include "testutil.h"

#include "core/recent.h"

#include <apr_strings.h>
#include <string.h>

#define PERSON_A "85073003328" /* 85.07.30-033.28 */
#define PERSON_B "90020199704" /* 90.02.01-997.04 */
#define SVC "wse-loket"
#define SVC2 "e-box"
#define T0 1700000000

/* Assert that the list of (person, service) is exactly the NULL-terminated keys given. */
static void expect_keys(mnd_test_ctx_t *ctx, const char *person, const char *svc, ...)
{
    apr_array_header_t *keys = NULL;
    const char *want;
    va_list ap;
    int i = 0;
    MND_ASSERT_OK(mnd_recent_list(ctx->store, ctx->pool, person, svc, &keys));
    assert_non_null(keys);
    va_start(ap, svc);
    while ((want = va_arg(ap, const char *))) {
        if (i >= keys->nelts)
            fail_msg("[%s] %s: key %d missing, want %s", ctx->driver, svc, i, want);
        if (strcmp(APR_ARRAY_IDX(keys, i, const char *), want) != 0)
            fail_msg("[%s] %s: key %d is %s, want %s", ctx->driver, svc, i,
                     APR_ARRAY_IDX(keys, i, const char *), want);
        i++;
    }
    va_end(ap);
    if (keys->nelts != i)
        fail_msg("[%s] %s: %d keys, want %d", ctx->driver, svc, keys->nelts, i);
}

static void record(mnd_test_ctx_t *ctx, const char *person, const char *svc, const char *key,
                   mnd_time_t at)
{
    MND_ASSERT_OK(mnd_recent_record(ctx->store, ctx->pool, person, svc, key, at));
}

/* How many rows person has in the store, all services (counted by forgetting them). */
static int forget_count(mnd_test_ctx_t *ctx, const char *person)
{
    int n = -1;
    MND_ASSERT_OK(mnd_store_exec(ctx->store, ctx->pool, "recent_forget", &n, MND_ARGV(person)));
    return n;
}

static void test_schema_v2_is_latest(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    int v = 0;
    assert_int_equal(mnd_schema_latest(), 2);
    MND_ASSERT_OK(mnd_schema_version(ctx->store, ctx->pool, &v));
    assert_int_equal(v, 2);
    /* The table and its columns exist (raw SQL here may return no rows). */
    mnd_test_sql(ctx, "SELECT person, service_id, cap_key, chosen_at, seq FROM recent_choice"
                      " WHERE 1 = 0");
    mnd_test_close(ctx);
}

/* A store deployed at V1 (as V1 left it: no recent_choice, version 1 recorded) is brought
 * to V2 by migrate, and the new statements work on the same connection afterwards. */
static void test_v1_store_is_upgraded(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    int from = -1, to = -1, v = 0;
    mnd_test_sql(ctx, "DROP TABLE recent_choice");
    mnd_test_sql(ctx, "DELETE FROM schema_version WHERE version = 2");
    MND_ASSERT_OK(mnd_schema_version(ctx->store, ctx->pool, &v));
    assert_int_equal(v, 1);
    MND_ASSERT_OK(mnd_store_migrate(ctx->store, ctx->pool, &from, &to));
    assert_int_equal(from, 1);
    assert_int_equal(to, 2);
    MND_ASSERT_OK(mnd_schema_version(ctx->store, ctx->pool, &v));
    assert_int_equal(v, 2);
    record(ctx, PERSON_A, SVC, "self", T0);
    expect_keys(ctx, PERSON_A, SVC, "self", NULL);
    MND_ASSERT_OK(mnd_store_migrate(ctx->store, ctx->pool, &from, &to));
    assert_int_equal(from, 2);
    assert_int_equal(to, 2);
    mnd_test_close(ctx);
}

static void test_record_and_list_order(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    expect_keys(ctx, PERSON_A, SVC, NULL); /* nothing yet: an empty list, no error */
    record(ctx, PERSON_A, SVC, "self", T0);
    record(ctx, PERSON_A, SVC, "kbo:0123456749", T0 + 1);
    record(ctx, PERSON_A, SVC, "mandate:42", T0 + 2);
    expect_keys(ctx, PERSON_A, SVC, "mandate:42", "kbo:0123456749", "self", NULL);
    /* The time given orders, not the order of recording. */
    record(ctx, PERSON_A, SVC, "right:7", T0 - 50);
    expect_keys(ctx, PERSON_A, SVC, "mandate:42", "kbo:0123456749", "self", "right:7", NULL);
    mnd_test_close(ctx);
}

static void test_rechoosing_moves_to_front(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    record(ctx, PERSON_A, SVC, "self", T0);
    record(ctx, PERSON_A, SVC, "mandate:1", T0 + 1);
    record(ctx, PERSON_A, SVC, "mandate:2", T0 + 2);
    record(ctx, PERSON_A, SVC, "self", T0 + 3);
    expect_keys(ctx, PERSON_A, SVC, "self", "mandate:2", "mandate:1", NULL);
    record(ctx, PERSON_A, SVC, "mandate:1", T0 + 4);
    expect_keys(ctx, PERSON_A, SVC, "mandate:1", "self", "mandate:2", NULL);
    assert_int_equal(forget_count(ctx, PERSON_A), 3); /* no duplicate rows */
    mnd_test_close(ctx);
}

static void test_only_five_kept(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    int i;
    assert_int_equal(MND_RECENT_KEEP, 5);
    for (i = 1; i <= 7; i++)
        record(ctx, PERSON_A, SVC, apr_psprintf(ctx->pool, "mandate:%d", i), T0 + i);
    expect_keys(ctx, PERSON_A, SVC, "mandate:7", "mandate:6", "mandate:5", "mandate:4", "mandate:3",
                NULL);
    /* Forgotten, not merely hidden: a key chosen again later does not revive mandate:2. */
    record(ctx, PERSON_A, SVC, "mandate:3", T0 + 8);
    expect_keys(ctx, PERSON_A, SVC, "mandate:3", "mandate:7", "mandate:6", "mandate:5", "mandate:4",
                NULL);
    /* A choice older than the five kept is recorded and at once trimmed away. */
    record(ctx, PERSON_A, SVC, "self", T0 - 1);
    expect_keys(ctx, PERSON_A, SVC, "mandate:3", "mandate:7", "mandate:6", "mandate:5", "mandate:4",
                NULL);
    assert_int_equal(forget_count(ctx, PERSON_A), 5);
    mnd_test_close(ctx);
}

static void test_per_service_and_person(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    int i;
    record(ctx, PERSON_A, SVC2, "self", T0);
    record(ctx, PERSON_B, SVC, "right:9", T0);
    for (i = 1; i <= 6; i++)
        record(ctx, PERSON_A, SVC, apr_psprintf(ctx->pool, "kbo:%d", i), T0 + i);
    /* Trimming one (person, service) touches no other. */
    expect_keys(ctx, PERSON_A, SVC, "kbo:6", "kbo:5", "kbo:4", "kbo:3", "kbo:2", NULL);
    expect_keys(ctx, PERSON_A, SVC2, "self", NULL);
    expect_keys(ctx, PERSON_B, SVC, "right:9", NULL);
    expect_keys(ctx, PERSON_B, SVC2, NULL);
    /* The same key in another service or for another person is another row. */
    record(ctx, PERSON_B, SVC, "kbo:6", T0 + 10);
    expect_keys(ctx, PERSON_B, SVC, "kbo:6", "right:9", NULL);
    expect_keys(ctx, PERSON_A, SVC, "kbo:6", "kbo:5", "kbo:4", "kbo:3", "kbo:2", NULL);
    mnd_test_close(ctx);
}

static void test_forget(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    record(ctx, PERSON_A, SVC, "self", T0);
    record(ctx, PERSON_A, SVC2, "mandate:3", T0);
    record(ctx, PERSON_B, SVC, "self", T0);
    MND_ASSERT_OK(mnd_recent_forget(ctx->store, ctx->pool, PERSON_A));
    expect_keys(ctx, PERSON_A, SVC, NULL);
    expect_keys(ctx, PERSON_A, SVC2, NULL);
    expect_keys(ctx, PERSON_B, SVC, "self", NULL);
    /* Forgetting a person with nothing remembered is no error. */
    MND_ASSERT_OK(mnd_recent_forget(ctx->store, ctx->pool, PERSON_A));
    assert_int_equal(forget_count(ctx, PERSON_B), 1);
    mnd_test_close(ctx);
}

/* Choices in the same second: the last recorded comes first, also when re-chosen. */
static void test_ties_in_one_second(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    int i;
    record(ctx, PERSON_A, SVC, "mandate:10", T0);
    record(ctx, PERSON_A, SVC, "self", T0);
    record(ctx, PERSON_A, SVC, "kbo:0123456749", T0);
    expect_keys(ctx, PERSON_A, SVC, "kbo:0123456749", "self", "mandate:10", NULL);
    record(ctx, PERSON_A, SVC, "mandate:10", T0);
    expect_keys(ctx, PERSON_A, SVC, "mandate:10", "kbo:0123456749", "self", NULL);
    /* Trimming among ties keeps exactly five: the five last recorded. */
    for (i = 1; i <= 4; i++)
        record(ctx, PERSON_A, SVC, apr_psprintf(ctx->pool, "right:%d", i), T0);
    expect_keys(ctx, PERSON_A, SVC, "right:4", "right:3", "right:2", "right:1", "mandate:10", NULL);
    assert_int_equal(forget_count(ctx, PERSON_A), 5);
    /* Equal time and equal seq (as two concurrent recordings may leave): cap_key decides. */
    mnd_test_sql(ctx, "INSERT INTO recent_choice (person, service_id, cap_key, chosen_at, seq)"
                      " VALUES ('" PERSON_B "', '" SVC "', 'self', 1700000000, 1),"
                      " ('" PERSON_B "', '" SVC "', 'mandate:5', 1700000000, 1),"
                      " ('" PERSON_B "', '" SVC "', 'kbo:1', 1700000000, 1)");
    expect_keys(ctx, PERSON_B, SVC, "kbo:1", "mandate:5", "self", NULL);
    mnd_test_close(ctx);
}

/* A failure inside the caller's transaction takes the recording back with it. */
static void test_record_joins_callers_transaction(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    MND_ASSERT_OK(mnd_store_begin(ctx->store));
    record(ctx, PERSON_A, SVC, "self", T0);
    mnd_store_rollback(ctx->store);
    expect_keys(ctx, PERSON_A, SVC, NULL);
    mnd_test_close(ctx);
}

static void test_bad_inputs_refused(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_store_t *s = ctx->store;
    apr_pool_t *p = ctx->pool;
    apr_array_header_t *keys = NULL;
    char *long_svc = apr_palloc(p, 1026);
    static const char *const bad_keys[] = {
        "",          "Self",        "self ",
        "selfie",    "self:1",      "kbo:",
        "kbo:12a",   "kbo:-1",      "kbo: 1",
        "right:1.5", "mandate:",    "mandate:+3",
        "party:1",   "mandate",     ":1",
        "MANDATE:1", "mandate:1\n", "mandate:012345678901234567890" /* 21 digits */,
    };
    size_t i;

    static const char *const bad_persons[] = {
        "",
        "85.07.30-033.28" /* valid but not normalised */,
        "85073003329" /* check digit */,
        "8507300332",
        "850730033280",
        "0123456749" /* a KBO number */,
    };
    for (i = 0; i < sizeof(bad_persons) / sizeof(bad_persons[0]); i++) {
        MND_ASSERT_ERR(mnd_recent_record(s, p, bad_persons[i], SVC, "self", T0), MND_EINVAL,
                       "person must be a normalised INSZ");
        MND_ASSERT_ERR(mnd_recent_list(s, p, bad_persons[i], SVC, &keys), MND_EINVAL,
                       "person must be a normalised INSZ");
        MND_ASSERT_ERR(mnd_recent_forget(s, p, bad_persons[i]), MND_EINVAL,
                       "person must be a normalised INSZ");
    }
    MND_ASSERT_ERR(mnd_recent_record(s, p, NULL, SVC, "self", T0), MND_EINVAL, "person");
    MND_ASSERT_ERR(mnd_recent_list(s, p, NULL, SVC, &keys), MND_EINVAL, "person");
    MND_ASSERT_ERR(mnd_recent_forget(s, p, NULL), MND_EINVAL, "person");

    memset(long_svc, 'x', 1025);
    long_svc[1025] = '\0';
    MND_ASSERT_ERR(mnd_recent_record(s, p, PERSON_A, long_svc, "self", T0), MND_EINVAL,
                   "service_id must be 1 to 1024 bytes");
    MND_ASSERT_ERR(mnd_recent_record(s, p, PERSON_A, "", "self", T0), MND_EINVAL,
                   "service_id must be 1 to 1024 bytes");
    MND_ASSERT_ERR(mnd_recent_record(s, p, PERSON_A, NULL, "self", T0), MND_EINVAL, "service_id");
    MND_ASSERT_ERR(mnd_recent_list(s, p, PERSON_A, long_svc, &keys), MND_EINVAL, "service_id");
    MND_ASSERT_ERR(mnd_recent_list(s, p, PERSON_A, "", &keys), MND_EINVAL, "service_id");
    long_svc[1024] = '\0'; /* the limit itself is allowed */
    record(ctx, PERSON_A, long_svc, "self", T0);
    expect_keys(ctx, PERSON_A, long_svc, "self", NULL);

    for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++)
        MND_ASSERT_ERR(mnd_recent_record(s, p, PERSON_A, SVC, bad_keys[i], T0), MND_EINVAL,
                       "cap_key must be a capacity key");
    MND_ASSERT_ERR(mnd_recent_record(s, p, PERSON_A, SVC, NULL, T0), MND_EINVAL, "cap_key");
    record(ctx, PERSON_A, SVC, "mandate:01234567890123456789", T0); /* 20 digits */
    record(ctx, PERSON_A, SVC, "right:0", T0);

    MND_ASSERT_ERR(mnd_recent_record(s, p, PERSON_A, SVC, "self", MND_TIME_NONE), MND_EINVAL,
                   "time of a choice");
    /* Nothing refused was stored. */
    expect_keys(ctx, PERSON_A, SVC, "right:0", "mandate:01234567890123456789", NULL);
    mnd_test_close(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_v2_is_latest),
        cmocka_unit_test(test_v1_store_is_upgraded),
        cmocka_unit_test(test_record_and_list_order),
        cmocka_unit_test(test_rechoosing_moves_to_front),
        cmocka_unit_test(test_only_five_kept),
        cmocka_unit_test(test_per_service_and_person),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_ties_in_one_second),
        cmocka_unit_test(test_record_joins_callers_transaction),
        cmocka_unit_test(test_bad_inputs_refused),
    };
    return MND_RUN_PER_DRIVER("recent", tests);
}
