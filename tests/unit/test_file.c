/* Reading a small file whole (util/file.h): the text and its length, the size limit, and the
 * refusals (missing, a directory, too large, unreadable). */
#include "testutil.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

static apr_pool_t *pool;
static char tmpdir[] = "/tmp/mnd-test-file-XXXXXX";

static const char *write_file(const char *name, const char *data, size_t len)
{
    const char *path = apr_pstrcat(pool, tmpdir, "/", name, NULL);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_reads_whole_file(void **state)
{
    char *out = NULL;
    apr_size_t len = 0;
    const char *path = write_file("a.txt", "one\0two", 7);
    (void)state;
    MND_ASSERT_OK(mnd_file_read(pool, path, 7, &out, &len));
    assert_int_equal(len, 7);
    assert_memory_equal(out, "one\0two", 8); /* NUL-terminated after the text */
    MND_ASSERT_OK(mnd_file_read(pool, path, 100, &out, NULL));
    path = write_file("empty.txt", "", 0);
    MND_ASSERT_OK(mnd_file_read(pool, path, 0, &out, &len));
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
}

static void test_refusals(void **state)
{
    char *out = NULL;
    const char *path = write_file("b.txt", "12345678", 8), *locked;
    (void)state;
    MND_ASSERT_ERR(mnd_file_read(pool, path, 7, &out, NULL), MND_EINVAL,
                   "larger than 7 bytes");
    MND_ASSERT_ERR(mnd_file_read(pool, apr_pstrcat(pool, tmpdir, "/none", NULL), 10, &out, NULL),
                   MND_ENOTFOUND, "cannot read: no such file");
    MND_ASSERT_ERR(mnd_file_read(pool, tmpdir, 10, &out, NULL), MND_EINVAL,
                   "not a regular file");
    MND_ASSERT_ERR(mnd_file_read(pool, "/dev/null", 10, &out, NULL), MND_EINVAL,
                   "not a regular file");
    locked = write_file("locked.txt", "x", 1);
    assert_int_equal(chmod(locked, 0), 0);
    if (geteuid() != 0) /* root reads it anyway */
        MND_ASSERT_ERR(mnd_file_read(pool, locked, 10, &out, NULL), MND_EINVAL, "cannot read");
}

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    if (!mkdtemp(tmpdir))
        return -1;
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    const char *const names[] = {"a.txt", "empty.txt", "b.txt", "locked.txt"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlink(apr_pstrcat(pool, tmpdir, "/", names[i], NULL));
    rmdir(tmpdir);
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_whole_file),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
