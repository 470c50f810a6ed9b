#include "util/csv.h"

#include <apr_strings.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Big reads keep the syscall count low on the 2 GB KBO files; the record buffer is the hard
 * limit on one record, which also bounds memory however odd the input. */
#define MND_CSV_BUFSZ (256 * 1024)
#define MND_CSV_MAX_RECORD (64 * 1024)
#define MND_CSV_FIELDS_INIT 32

struct mnd_csv_t {
    apr_pool_t *pool;
    const char *path;
    FILE *f;
    char *buf;             /* read buffer (malloc) */
    const char *pos, *end; /* its unread part */
    int eof;               /* fread has seen the end of the file */
    int failed;            /* a call returned an error: the position is unusable */
    char *rec;             /* fields of the current record, NUL-terminated, back to back */
    char **fields;         /* pointers into rec, NULL after the last (malloc) */
    int fcap;
    long line;     /* line of the next unread byte */
    long rec_line; /* line where the record last returned started */
};

static apr_status_t csv_cleanup(void *data)
{
    mnd_csv_t *c = data;
    if (c->f)
        fclose(c->f);
    c->f = NULL;
    free(c->buf);
    free(c->rec);
    free(c->fields);
    c->buf = c->rec = NULL;
    c->fields = NULL;
    c->pos = c->end = NULL;
    c->failed = 1;
    return APR_SUCCESS;
}

/* Refill the read buffer: 1 with data, 0 at end of file, -1 on a read error (errno set). */
static int csv_fill(mnd_csv_t *c)
{
    size_t n;
    /* the caller's s/e are reloaded from pos/end: leave them empty, not stale */
    c->pos = c->end = c->buf;
    if (c->eof)
        return 0;
    n = fread(c->buf, 1, MND_CSV_BUFSZ, c->f);
    if (n < MND_CSV_BUFSZ) {
        if (ferror(c->f))
            return -1;
        c->eof = 1;
    }
    c->end = c->buf + n;
    return n > 0;
}

/* Room for one more field pointer plus the terminating NULL. Growth stops by itself: every
 * field takes at least its NUL in the 64 KiB record buffer. */
static int csv_grow(mnd_csv_t *c, int nf)
{
    char **f;
    int cap;
    if (nf + 1 < c->fcap)
        return 1;
    cap = c->fcap * 2;
    f = realloc(c->fields, (size_t)cap * sizeof(*f));
    if (!f)
        return 0;
    c->fields = f;
    c->fcap = cap;
    return 1;
}

mnd_error_t *mnd_csv_open(apr_pool_t *p, const char *path, mnd_csv_t **out)
{
    mnd_csv_t *c = apr_pcalloc(p, sizeof(*c));
    *out = NULL;
    c->pool = p;
    c->path = apr_pstrdup(p, path);
    c->line = 1;
    c->f = fopen(path, "rb");
    if (!c->f)
        return mnd_error(p, MND_EINVAL, "cannot open %s: %s", path, strerror(errno));
    /* We buffer ourselves; stdio buffering would only add a copy. */
    setvbuf(c->f, NULL, _IONBF, 0);
    apr_pool_cleanup_register(p, c, csv_cleanup, apr_pool_cleanup_null);
    c->buf = malloc(MND_CSV_BUFSZ);
    c->rec = malloc(MND_CSV_MAX_RECORD);
    c->fcap = MND_CSV_FIELDS_INIT;
    c->fields = malloc((size_t)c->fcap * sizeof(*c->fields));
    if (!c->buf || !c->rec || !c->fields) {
        apr_pool_cleanup_run(p, c, csv_cleanup);
        return mnd_error(p, MND_EINTERNAL, "%s: out of memory for the CSV reader", path);
    }
    c->pos = c->end = c->buf;
    if (csv_fill(c) < 0) {
        mnd_error_t *err = mnd_error(p, MND_EINVAL, "cannot read %s: %s", path, strerror(errno));
        apr_pool_cleanup_run(p, c, csv_cleanup);
        return err;
    }
    /* Excel and some exports start with a UTF-8 byte order mark; it is not data. */
    if (c->end - c->pos >= 3 && memcmp(c->pos, "\xEF\xBB\xBF", 3) == 0)
        c->pos += 3;
    *out = c;
    return NULL;
}

enum csv_why { CSV_UNCLOSED, CSV_JUNK, CSV_TOO_LONG, CSV_IO, CSV_NO_MEMORY };

/* The error of mnd_csv_next; the reader stops, as the position inside the record is lost.
 * line is where reading stopped, field the 1-based field, qline where its quote opened. */
static mnd_error_t *csv_fail(mnd_csv_t *c, enum csv_why why, long line, int field, long qline)
{
    int err = errno;
    c->failed = 1;
    switch (why) {
    case CSV_UNCLOSED:
        return mnd_error(c->pool, MND_EINVAL,
                         "%s line %ld: the quoted field %d opened on line %ld is not closed at "
                         "the end of the file",
                         c->path, c->rec_line, field, qline);
    case CSV_JUNK:
        return mnd_error(c->pool, MND_EINVAL,
                         "%s line %ld: text after the closing quote of field %d (a quote inside "
                         "a quoted field is written as \"\")",
                         c->path, line, field);
    case CSV_TOO_LONG:
        return mnd_error(c->pool, MND_EINVAL,
                         "%s line %ld: record is longer than the limit of %d bytes", c->path,
                         c->rec_line, MND_CSV_MAX_RECORD);
    case CSV_IO:
        return mnd_error(c->pool, MND_EINVAL, "%s line %ld: read error: %s", c->path, line,
                         strerror(err));
    case CSV_NO_MEMORY:
        break;
    }
    return mnd_error(c->pool, MND_EINTERNAL, "%s line %ld: out of memory for fields", c->path,
                     c->rec_line);
}

/* Next byte into ch, or jump to on_eof at the end of the file. Local s/e keep the hot loop
 * in registers; c->pos/c->end are only touched on a refill. */
#define CSV_GETC(on_eof)                                                                           \
    do {                                                                                           \
        if (s == e) {                                                                              \
            rc = csv_fill(c);                                                                      \
            if (rc < 0)                                                                            \
                goto io_error;                                                                     \
            s = c->pos;                                                                            \
            e = c->end;                                                                            \
            if (s == e)                                                                            \
                goto on_eof;                                                                       \
        }                                                                                          \
        ch = (unsigned char)*s++;                                                                  \
    } while (0)

/* Append a byte to the record, or fail when the record outgrows its buffer. */
#define CSV_PUT(x)                                                                                 \
    do {                                                                                           \
        if (o == oe)                                                                               \
            goto too_long;                                                                         \
        *o++ = (char)(x);                                                                          \
    } while (0)

/* After a CR: consume the LF of a CRLF and jump to target; a bare CR falls through. */
#define CSV_CRLF(target)                                                                           \
    do {                                                                                           \
        if (s == e) {                                                                              \
            rc = csv_fill(c);                                                                      \
            if (rc < 0)                                                                            \
                goto io_error;                                                                     \
            s = c->pos;                                                                            \
            e = c->end;                                                                            \
        }                                                                                          \
        if (s != e && *s == '\n') {                                                                \
            s++;                                                                                   \
            line++;                                                                                \
            goto target;                                                                           \
        }                                                                                          \
    } while (0)

mnd_error_t *mnd_csv_next(mnd_csv_t *c, char ***fields, int *nfields)
{
    const char *s = c->pos, *e = c->end;
    char *o = c->rec, *oe = c->rec + MND_CSV_MAX_RECORD;
    long line = c->line, qline = 0;
    int nf = 0, ch, rc;

    *fields = c->fields;
    *nfields = 0;
    if (c->failed)
        return mnd_error(c->pool, MND_EINVAL, "%s: no further reading after an earlier error",
                         c->path);
    c->rec_line = line;
    CSV_GETC(at_eof);

next_field:
    if (!csv_grow(c, nf))
        goto no_memory;
    c->fields[nf++] = o;
    if (ch == '"') {
        qline = line;
        goto quoted;
    }
    /* Unquoted: up to a comma or line end; quotes and bare CRs inside are plain data. */
    for (;;) {
        if (ch == ',') {
            CSV_PUT('\0');
            CSV_GETC(eof_after_comma);
            goto next_field;
        }
        if (ch == '\n') {
            line++;
            goto end_record;
        }
        if (ch == '\r')
            CSV_CRLF(end_record);
        CSV_PUT(ch);
        CSV_GETC(end_record);
    }

quoted:
    for (;;) {
        CSV_GETC(unclosed);
        if (ch != '"') {
            if (ch == '\n')
                line++;
            CSV_PUT(ch);
            continue;
        }
        CSV_GETC(end_record);
        if (ch == '"') {
            CSV_PUT('"');
            continue;
        }
        if (ch == ',') {
            CSV_PUT('\0');
            CSV_GETC(eof_after_comma);
            goto next_field;
        }
        if (ch == '\n') {
            line++;
            goto end_record;
        }
        if (ch == '\r')
            CSV_CRLF(end_record);
        goto junk;
    }

eof_after_comma:
    /* "a,<EOF>": the comma still announces a last, empty field. */
    if (!csv_grow(c, nf))
        goto no_memory;
    c->fields[nf++] = o;
end_record:
    CSV_PUT('\0');
    c->fields[nf] = NULL;
    c->pos = s;
    c->end = e;
    c->line = line;
    *fields = c->fields;
    *nfields = nf;
    return NULL;

at_eof:
    c->pos = s;
    c->end = e;
    return NULL;

unclosed:
    return csv_fail(c, CSV_UNCLOSED, line, nf, qline);
junk:
    return csv_fail(c, CSV_JUNK, line, nf, qline);
too_long:
    return csv_fail(c, CSV_TOO_LONG, line, nf, qline);
io_error:
    return csv_fail(c, CSV_IO, line, nf, qline);
no_memory:
    return csv_fail(c, CSV_NO_MEMORY, line, nf, qline);
}

long mnd_csv_line(const mnd_csv_t *c)
{
    return c->rec_line;
}

const char *mnd_csv_path(const mnd_csv_t *c)
{
    return c->path;
}

void mnd_csv_close(mnd_csv_t *c)
{
    if (c)
        apr_pool_cleanup_run(c->pool, c, csv_cleanup);
}
