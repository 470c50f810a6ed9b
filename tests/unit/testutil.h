/* Shared helpers of the unit tests: a fresh, migrated store per test on every configured
 * driver. SQLite (in memory) always; PostgreSQL when MANDAAT_TEST_PGSQL holds a conninfo
 * (tests/run-tests.sh starts a server on 127.0.0.1 and sets it). */
#ifndef MND_TESTUTIL_H
#define MND_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "store/schema.h"
#include "store/store.h"

typedef struct mnd_test_ctx_t {
    apr_pool_t *pool;
    mnd_store_t *store;
    const char *driver;   /* "sqlite3" or "pgsql" */
    const char *schema;   /* pgsql: this process's own schema, dropped on close */
    const char *params;   /* apr_dbd params of this store, for a second connection */
} mnd_test_ctx_t;

/* Number of drivers under test (1 or 2) and the name of driver i. */
int mnd_test_driver_count(void);
const char *mnd_test_driver(int i);

/* Open a fresh store on driver (an empty database, migrated). Fails the test on error. */
mnd_test_ctx_t *mnd_test_open(const char *driver);
void mnd_test_close(mnd_test_ctx_t *ctx);

/* Run raw SQL (fixtures). Fails the test on error. */
void mnd_test_sql(mnd_test_ctx_t *ctx, const char *sql);

/* Assert that err is NULL, printing its message otherwise. */
#define MND_ASSERT_OK(expr)                                                            \
    do {                                                                               \
        mnd_error_t *mnd__t = (expr);                                                  \
        if (mnd__t)                                                                    \
            fail_msg("%s:%d: unexpected error (%s): %s", __FILE__, __LINE__,           \
                     mnd_rc_name(mnd__t->rc), mnd__t->msg);                            \
    } while (0)

/* 1 when needle is NULL or occurs in haystack. */
int mnd_test_contains(const char *haystack, const char *needle);

/* Assert that err is an error of class rc whose message contains needle (may be NULL). */
#define MND_ASSERT_ERR(expr, want_rc, needle)                                          \
    do {                                                                               \
        mnd_error_t *mnd__t = (expr);                                                  \
        if (!mnd__t)                                                                   \
            fail_msg("%s:%d: expected %s error, got success", __FILE__, __LINE__,      \
                     mnd_rc_name(want_rc));                                            \
        if (mnd__t->rc != (want_rc))                                                   \
            fail_msg("%s:%d: expected %s, got %s: %s", __FILE__, __LINE__,             \
                     mnd_rc_name(want_rc), mnd_rc_name(mnd__t->rc), mnd__t->msg);      \
        if (!mnd_test_contains(mnd__t->msg, (needle)))                                 \
            fail_msg("%s:%d: message '%s' lacks '%s'", __FILE__, __LINE__, mnd__t->msg, \
                     (const char *)(needle));                                          \
    } while (0)

/* Run a cmocka group once per configured driver. Each test's state is the driver name;
 * tests call mnd_test_open(*state). */
int mnd_test_run_per_driver(const char *group, const struct CMUnitTest *tests, size_t n);
#define MND_RUN_PER_DRIVER(group, tests)                                               \
    mnd_test_run_per_driver(group, tests, sizeof(tests) / sizeof(tests[0]))

#endif
