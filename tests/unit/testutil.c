#include "testutil.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int apr_ready;

static void ensure_apr(void)
{
    if (!apr_ready) {
        apr_initialize();
        atexit(apr_terminate);
        apr_ready = 1;
    }
}

int mnd_test_driver_count(void)
{
    const char *pg = getenv("MANDAAT_TEST_PGSQL");
    return pg && *pg ? 2 : 1;
}

const char *mnd_test_driver(int i)
{
    return i == 0 ? "sqlite3" : "pgsql";
}

mnd_test_ctx_t *mnd_test_open(const char *driver)
{
    mnd_test_ctx_t *ctx;
    apr_pool_t *pool;
    mnd_error_t *err;
    const char *params, *schema = NULL;

    ensure_apr();
    apr_pool_create(&pool, NULL);
    ctx = apr_pcalloc(pool, sizeof(*ctx));
    ctx->pool = pool;
    ctx->driver = driver ? driver : "sqlite3";
    if (strcmp(ctx->driver, "pgsql") == 0) {
        const char *base = getenv("MANDAAT_TEST_PGSQL");
        if (!base)
            fail_msg("MANDAAT_TEST_PGSQL is not set");
        /* Test programs run in parallel against one database: each process works in a schema
         * of its own, named after its pid, found first on the search path. */
        schema = ctx->schema = apr_psprintf(pool, "mnd_test_%ld", (long)getpid());
        params = apr_psprintf(pool, "%s options='-csearch_path=%s'", base, schema);
    } else {
        params = ":memory:";
    }
    ctx->params = params;
    err = mnd_store_open(pool, ctx->driver, params, &ctx->store);
    if (err)
        fail_msg("opening the %s test store: %s", ctx->driver, err->msg);
    if (strcmp(ctx->driver, "pgsql") == 0) {
        /* A fresh schema per test: the database is the test run's own. */
        err = mnd_store_exec_raw(ctx->store, pool,
                                 apr_psprintf(pool, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
                                              schema, schema));
        if (err)
            fail_msg("resetting the PostgreSQL test schema: %s", err->msg);
    }
    err = mnd_store_migrate(ctx->store, pool, NULL, NULL);
    if (err)
        fail_msg("migrating the %s test store: %s", ctx->driver, err->msg);
    return ctx;
}

void mnd_test_close(mnd_test_ctx_t *ctx)
{
    if (!ctx)
        return;
    if (ctx->schema)
        mnd_store_exec_raw(ctx->store, ctx->pool,
                           apr_psprintf(ctx->pool, "DROP SCHEMA IF EXISTS %s CASCADE", ctx->schema));
    apr_pool_destroy(ctx->pool);
}

void mnd_test_sql(mnd_test_ctx_t *ctx, const char *sql)
{
    mnd_error_t *err = mnd_store_exec_raw(ctx->store, ctx->pool, sql);
    if (err)
        fail_msg("fixture SQL failed on %s: %s\n%s", ctx->driver, err->msg, sql);
}

int mnd_test_run_per_driver(const char *group, const struct CMUnitTest *tests, size_t n)
{
    int d, failed = 0;
    size_t i;
    ensure_apr();
    for (d = 0; d < mnd_test_driver_count(); d++) {
        struct CMUnitTest *copy = calloc(n, sizeof(*copy));
        const char *drv = mnd_test_driver(d);
        char *name = malloc(strlen(group) + 16);
        for (i = 0; i < n; i++) {
            copy[i] = tests[i];
            copy[i].initial_state = (void *)drv;
        }
        sprintf(name, "%s[%s]", group, drv);
        failed += _cmocka_run_group_tests(name, copy, n, NULL, NULL);
        free(copy);
        free(name);
    }
    return failed;
}

int mnd_test_contains(const char *haystack, const char *needle)
{
    return !needle || (haystack && strstr(haystack, needle));
}
