/* The CSV reader: RFC 4180 forms, the decisions beyond it (see csv.h), every malformed input,
 * and records that straddle the reader's 256 KiB refill boundary. */
#include "testutil.h"

#include <apr_strings.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/csv.h"

#define READ_BUFSZ (256 * 1024) /* must match MND_CSV_BUFSZ in csv.c */

static apr_pool_t *pool;
static char tmpdir[] = "/tmp/mnd-test-csv-XXXXXX";

static const char *write_file(const char *name, const char *data, size_t len)
{
    const char *path = apr_pstrcat(pool, tmpdir, "/", name, NULL);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_str(const char *name, const char *data)
{
    return write_file(name, data, strlen(data));
}

/* Append s to the growing text *out (size *cap); pool copies would make read_all
 * quadratic on the large files below. */
static void append(char **out, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *out = realloc(*out, *cap);
        assert_non_null(*out);
    }
    memcpy(*out + *len, s, n + 1);
    *len += n;
}

/* All records as "line[f1|f2]" concatenated, or fail the test on an error. */
static const char *read_all(const char *path)
{
    mnd_csv_t *c;
    char **fields;
    int n, i;
    char *out = NULL, num[32];
    size_t len = 0, cap = 0;
    const char *copy;
    append(&out, &len, &cap, "");
    MND_ASSERT_OK(mnd_csv_open(pool, path, &c));
    for (;;) {
        MND_ASSERT_OK(mnd_csv_next(c, &fields, &n));
        if (n == 0)
            break;
        assert_null(fields[n]);
        snprintf(num, sizeof(num), "%ld[", mnd_csv_line(c));
        append(&out, &len, &cap, num);
        for (i = 0; i < n; i++) {
            if (i)
                append(&out, &len, &cap, "|");
            append(&out, &len, &cap, fields[i]);
        }
        append(&out, &len, &cap, "]");
    }
    /* end of file stays end of file */
    MND_ASSERT_OK(mnd_csv_next(c, &fields, &n));
    assert_int_equal(n, 0);
    mnd_csv_close(c);
    copy = apr_pstrdup(pool, out);
    free(out);
    return copy;
}

static void assert_records(const char *data, const char *want)
{
    assert_string_equal(read_all(write_str("t.csv", data)), want);
}

/* Read until the error; returns how many records came before it. */
static int read_to_error(const char *path, const char *needle)
{
    mnd_csv_t *c;
    char **fields;
    int n, good = 0;
    mnd_error_t *err;
    MND_ASSERT_OK(mnd_csv_open(pool, path, &c));
    while (!(err = mnd_csv_next(c, &fields, &n))) {
        if (n == 0)
            fail_msg("%s: expected an error with '%s', got end of file", path, needle);
        good++;
    }
    MND_ASSERT_ERR(err, MND_EINVAL, needle);
    assert_int_equal(n, 0);
    /* the position inside the broken record is lost: no silent resynchronisation */
    MND_ASSERT_ERR(mnd_csv_next(c, &fields, &n), MND_EINVAL, "after an earlier error");
    mnd_csv_close(c);
    return good;
}

static void test_plain(void **state)
{
    assert_records("a,b,c\n1,2,3\n", "1[a|b|c]2[1|2|3]");
    assert_records("a,b\r\n1,2\r\n", "1[a|b]2[1|2]");
    assert_records("a\r\nb\nc\r\n", "1[a]2[b]3[c]");
    assert_records(",,\n", "1[||]");
    assert_records("a,\n,b\n", "1[a|]2[|b]");
}

static void test_bom(void **state)
{
    assert_records("\xEF\xBB\xBF"
                   "a,b\n",
                   "1[a|b]");
    assert_records("\xEF\xBB\xBF"
                   "\"a\",b\r\n",
                   "1[a|b]");
    /* only at the very start; elsewhere it is data */
    assert_records("a\n\xEF\xBB\xBF"
                   "b\n",
                   "1[a]2[\xEF\xBB\xBF"
                   "b]");
    assert_records("\xEF\xBB\xBF", "");
    assert_records("\xEF\xBB", "1[\xEF\xBB]");
}

static void test_quoted(void **state)
{
    assert_records("\"a,b\",\"c\"\n", "1[a,b|c]");
    assert_records("\"say \"\"hi\"\"\",x\n", "1[say \"hi\"|x]");
    assert_records("\"\",\"\"\"\"\n", "1[|\"]");
    assert_records("\"a\"\r\n\"b\",\"\"\r\n", "1[a]2[b|]");
    /* a quote that does not open the field is data */
    assert_records("ab\"c,d\"\n", "1[ab\"c|d\"]");
}

static void test_multiline_line_numbers(void **state)
{
    assert_records("x\n\"multi\nline\",y\nz\n", "1[x]2[multi\nline|y]4[z]");
    assert_records("x\r\n\"a\r\n\r\nb\"\r\nz\r\n", "1[x]2[a\r\n\r\nb]5[z]");
    assert_records("\"\n\",\"\n\n\"\n\"q\"\n", "1[\n|\n\n]5[q]");
}

static void test_empty_and_last_lines(void **state)
{
    assert_records("", "");
    /* an empty line is a record of one empty field, wherever it is */
    assert_records("\n", "1[]");
    assert_records("a\n\nb\n", "1[a]2[]3[b]");
    assert_records("a\r\n\r\nb\r\n", "1[a]2[]3[b]");
    assert_records("a\n\n", "1[a]2[]");
    /* no line break at the end: the last line is still a record */
    assert_records("a,b\nc,d", "1[a|b]2[c|d]");
    assert_records("a,\"b\"", "1[a|b]");
    assert_records("a,", "1[a|]");
    assert_records("\"\"", "1[]");
}

static void test_bare_cr(void **state)
{
    assert_records("a\rb,c\n", "1[a\rb|c]");
    assert_records("a\r", "1[a\r]");
    assert_records("a\r\r\n", "1[a\r]");
    assert_records("\r\n", "1[]");
}

static void test_unclosed_quote(void **state)
{
    const char *path = write_str("u.csv", "a\n\"b\nc\n");
    assert_int_equal(read_to_error(path, apr_pstrcat(pool, path,
                                                     " line 2: the quoted field 1 opened on "
                                                     "line 2 is not closed at the end of the "
                                                     "file",
                                                     NULL)),
                     1);
    /* the record's first line and the opening line of the field, both named */
    assert_int_equal(read_to_error(write_str("u2.csv", "x,\"\"\"ok\"\"\",\"open\n\nmore"),
                                   "line 1: the quoted field 3 opened on line 1"),
                     0);
    assert_int_equal(read_to_error(write_str("u3.csv", "a,\"b\nc\",\"d\n"),
                                   "line 1: the quoted field 3 opened on line 2"),
                     0);
    assert_int_equal(read_to_error(write_str("u4.csv", "\""), "not closed"), 0);
    assert_int_equal(read_to_error(write_str("u5.csv", "\"a\"\""), "not closed"), 0);
}

static void test_junk_after_quote(void **state)
{
    assert_int_equal(read_to_error(write_str("j1.csv", "ok\n\"a\"b,c\n"),
                                   "line 2: text after the closing quote of field 1"),
                     1);
    assert_int_equal(read_to_error(write_str("j2.csv", "x,\"a\" ,b\n"),
                                   "line 1: text after the closing quote of field 2"),
                     0);
    assert_int_equal(read_to_error(write_str("j3.csv", "\"a\"\rb\n"), "closing quote"), 0);
    assert_int_equal(
        read_to_error(write_str("j4.csv", "\"a\nb\"c\n"), "line 2: text after the closing quote"),
        0);
}

static void test_record_limit(void **state)
{
    char *big = malloc(80000);
    size_t i;
    /* one field of 65535 bytes plus its NUL fills the 64 KiB exactly */
    memset(big, 'x', 65535);
    memcpy(big + 65535, "\nz\n", 3);
    {
        mnd_csv_t *c;
        char **f;
        int n;
        MND_ASSERT_OK(mnd_csv_open(pool, write_file("max.csv", big, 65538), &c));
        MND_ASSERT_OK(mnd_csv_next(c, &f, &n));
        assert_int_equal(n, 1);
        assert_int_equal(strlen(f[0]), 65535);
        MND_ASSERT_OK(mnd_csv_next(c, &f, &n));
        assert_int_equal(n, 1);
        assert_string_equal(f[0], "z");
        mnd_csv_close(c);
    }
    memset(big, 'x', 65536);
    big[65536] = '\n';
    assert_int_equal(read_to_error(write_file("over.csv", big, 65537),
                                   "line 1: record is longer than the limit of 65536 bytes"),
                     0);
    /* quoted, on a later line */
    memcpy(big, "a\n\"", 3);
    memset(big + 3, 'y', 66000);
    memcpy(big + 66003, "\"\n", 2);
    assert_int_equal(read_to_error(write_file("overq.csv", big, 66005),
                                   "line 2: record is longer than the limit"),
                     1);
    /* many short fields count too: 40000 one-byte fields need 80000 bytes */
    for (i = 0; i < 40000; i++)
        memcpy(big + 2 * i, "a,", 2);
    big[79999] = '\n';
    assert_int_equal(read_to_error(write_file("wide.csv", big, 80000), "longer than the limit"), 0);
    /* 30000 empty fields fit, and the field array grows to hold them */
    memset(big, ',', 29999);
    big[29999] = '\n';
    {
        mnd_csv_t *c;
        char **f;
        int n;
        MND_ASSERT_OK(mnd_csv_open(pool, write_file("wideok.csv", big, 30000), &c));
        MND_ASSERT_OK(mnd_csv_next(c, &f, &n));
        assert_int_equal(n, 30000);
        assert_string_equal(f[29999], "");
        assert_null(f[30000]);
        mnd_csv_close(c);
    }
    free(big);
}

/* Fill data[0..len) with short lines ending in a line break; returns how many lines. */
static long pad_lines(char *data, size_t len)
{
    size_t i;
    long lines = 0;
    for (i = 0; i < len; i++) {
        data[i] = (i % 100 == 99 || i == len - 1) ? '\n' : 'p';
        lines += data[i] == '\n';
    }
    return lines;
}

static void assert_ends_with(const char *got, const char *want)
{
    size_t g = strlen(got), w = strlen(want);
    if (g < w || strcmp(got + g - w, want) != 0)
        fail_msg("records end in '%s', want '%s'", g > w ? got + g - w : got, want);
}

/* Put each byte of a tricky record on the last byte of the first read buffer in turn, so
 * that CRLF, "" escapes, closing quotes and commas are each split by a refill. */
static void test_refill_boundary(void **state)
{
    static const char rec[] = "\"a\"\"b\",\"c\r\nd\",e\r\n\"f\"\r\n";
    const size_t reclen = sizeof(rec) - 1;
    char *data = malloc(READ_BUFSZ + 64);
    size_t i;
    long lines;
    for (i = 0; i <= reclen; i++) {
        size_t pad = READ_BUFSZ - 1 - i; /* bytes before rec */
        lines = pad_lines(data, pad);
        memcpy(data + pad, rec, reclen);
        assert_ends_with(read_all(write_file("b.csv", data, pad + reclen)),
                         apr_psprintf(pool, "%ld[a\"b|c\r\nd|e]%ld[f]", lines + 1, lines + 3));
    }
    /* the same after a BOM, which shifts everything by three bytes */
    lines = pad_lines(data, READ_BUFSZ - 1);
    memcpy(data, "\xEF\xBB\xBF", 3);
    memcpy(data + READ_BUFSZ - 1, "\"x\"\r\n", 5);
    assert_ends_with(read_all(write_file("bb.csv", data, READ_BUFSZ + 4)),
                     apr_psprintf(pool, "%ld[x]", lines + 1));
    free(data);
}

/* Many rows through several refills: every row and its line number come back. */
static void test_many_rows(void **state)
{
    const char *path = apr_pstrcat(pool, tmpdir, "/many.csv", NULL);
    FILE *f = fopen(path, "wb");
    mnd_csv_t *c;
    char **fields;
    int n;
    long i, line = 1;
    assert_non_null(f);
    for (i = 0; i < 100000; i++) {
        if (i % 1000 == 999)
            fprintf(f, "\"%ld\",\"two\nlines\"\r\n", i);
        else
            fprintf(f, "\"%ld\",\"x%*s\"\r\n", i, (int)(i % 37), "");
    }
    fclose(f);
    MND_ASSERT_OK(mnd_csv_open(pool, path, &c));
    assert_string_equal(mnd_csv_path(c), path);
    for (i = 0; i < 100000; i++) {
        MND_ASSERT_OK(mnd_csv_next(c, &fields, &n));
        assert_int_equal(n, 2);
        assert_int_equal(atol(fields[0]), i);
        assert_int_equal(mnd_csv_line(c), line);
        if (i % 1000 == 999) {
            assert_string_equal(fields[1], "two\nlines");
            line += 2;
        } else {
            assert_int_equal(strlen(fields[1]), 1 + i % 37);
            line++;
        }
    }
    MND_ASSERT_OK(mnd_csv_next(c, &fields, &n));
    assert_int_equal(n, 0);
    mnd_csv_close(c);
}

static void test_open_errors(void **state)
{
    mnd_csv_t *c = (mnd_csv_t *)1;
    MND_ASSERT_ERR(mnd_csv_open(pool, apr_pstrcat(pool, tmpdir, "/missing.csv", NULL), &c),
                   MND_EINVAL, "cannot open");
    assert_null(c);
    MND_ASSERT_ERR(mnd_csv_open(pool, tmpdir, &c), MND_EINVAL, tmpdir);
    mnd_csv_close(NULL);
}

static int setup(void **state)
{
    apr_initialize();
    if (!mkdtemp(tmpdir))
        return -1;
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(apr_pstrcat(pool, tmpdir, "/", e->d_name, NULL));
    if (d)
        closedir(d);
    rmdir(tmpdir);
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_multiline_line_numbers),
        cmocka_unit_test(test_empty_and_last_lines),
        cmocka_unit_test(test_bare_cr),
        cmocka_unit_test(test_unclosed_quote),
        cmocka_unit_test(test_junk_after_quote),
        cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_refill_boundary),
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
