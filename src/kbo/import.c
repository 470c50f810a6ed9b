/* Import of KBO Open Data and of function holders into the store (docs/kbo-import.md).
 *
 * Every file is streamed row by row through one prepared statement per row inside one
 * transaction, so a full extract (about two million enterprises, three million names) imports
 * in seconds and a bad row anywhere leaves the store as it was. Per-row memory comes from a
 * pool cleared every ROW_POOL_ROWS rows; no row reads the store (function codes are loaded
 * once). Columns are found by their header names, so KBO may reorder or add columns. */
#include "kbo/import.h"

#include "util/csv.h"
#include "util/ident.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Rows between clears of the row pool: large enough to make clearing free, small enough to
 * bound memory whatever a row allocates (error paths only, today). */
#define ROW_POOL_ROWS 4096

/* Org parties only: a KBO file never touches a person (ids differ in length anyway). */
#define BY_ID " updated_at = CAST(%s AS BIGINT) WHERE id = %s AND kind = 'org'"
#define SET_NAME(col) "UPDATE party SET " col " = %s," BY_ID
/* The first name of an entity in a file replaces all its names (KBO restates an entity's
 * denominations as a whole), so a name KBO dropped does not linger. */
#define FIRST_NAME(nl, fr, de, en)                                                       \
    "UPDATE party SET name_nl = " nl ", name_fr = " fr ", name_de = " de ", name_en = " en \
    "," BY_ID

const mnd_sql_t mnd_sql_kbo[] = {
    {"kbo_party_upsert",
     "INSERT INTO party (id, kind, status, updated_at) VALUES (%s, 'org', %s, CAST(%s AS BIGINT))"
     " ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at"
     " WHERE party.kind = 'org'",
     NULL},
    /* A full enterprise.csv lists every active enterprise: what it omits has stopped. Every
     * listed row gets updated_at = now, so the omitted ones are the active rows left older
     * than now. kbo_party_demote first makes that hold for active rows already stamped now
     * or later (a second import within one second, a clock set back); each of those is then
     * either listed or stopped, so none keeps the stamp; normally it changes no row. */
    {"kbo_party_demote",
     "UPDATE party SET updated_at = CAST(%s AS BIGINT) - 1"
     " WHERE kind = 'org' AND status = 'active' AND updated_at >= CAST(%s AS BIGINT)",
     NULL},
    {"kbo_party_stop_unseen",
     "UPDATE party SET status = 'stopped', updated_at = CAST(%s AS BIGINT)"
     " WHERE kind = 'org' AND status = 'active' AND updated_at < CAST(%s AS BIGINT)",
     NULL},
    {"kbo_party_stop", "UPDATE party SET status = 'stopped'," BY_ID, NULL},
    {"kbo_names_clear",
     "UPDATE party SET name_nl = NULL, name_fr = NULL, name_de = NULL, name_en = NULL," BY_ID,
     NULL},
    {"kbo_name_nl", SET_NAME("name_nl"), NULL},
    {"kbo_name_fr", SET_NAME("name_fr"), NULL},
    {"kbo_name_de", SET_NAME("name_de"), NULL},
    {"kbo_name_en", SET_NAME("name_en"), NULL},
    /* A name of unknown language fills every language that has no name of its own. */
    {"kbo_name_any",
     "UPDATE party SET name_nl = COALESCE(name_nl, %s), name_fr = COALESCE(name_fr, %s),"
     " name_de = COALESCE(name_de, %s), name_en = COALESCE(name_en, %s)," BY_ID,
     NULL},
    {"kbo_name_first_nl", FIRST_NAME("%s", "NULL", "NULL", "NULL"), NULL},
    {"kbo_name_first_fr", FIRST_NAME("NULL", "%s", "NULL", "NULL"), NULL},
    {"kbo_name_first_de", FIRST_NAME("NULL", "NULL", "%s", "NULL"), NULL},
    {"kbo_name_first_en", FIRST_NAME("NULL", "NULL", "NULL", "%s"), NULL},
    {"kbo_name_first_any", FIRST_NAME("%s", "%s", "%s", "%s"), NULL},
    {"kbo_function_clear", "DELETE FROM kbo_function", NULL},
    /* DO NOTHING plus the changed-row count reveals a duplicate row without a SELECT. */
    {"kbo_function_add",
     "INSERT INTO kbo_function (holder, enterprise, function_code, valid_from, valid_until)"
     " VALUES (%s, %s, %s, CAST(%s AS BIGINT), CAST(%s AS BIGINT))"
     " ON CONFLICT (holder, enterprise, function_code, valid_from) DO NOTHING",
     NULL},
    {"kbo_function_codes", "SELECT code FROM kbo_function_code", NULL},
    {"kbo_function_code_set",
     "INSERT INTO kbo_function_code (code, label_nl, representative)"
     " VALUES (%s, %s, CAST(%s AS INTEGER))"
     " ON CONFLICT (code) DO UPDATE SET representative = excluded.representative,"
     " label_nl = COALESCE(excluded.label_nl, kbo_function_code.label_nl)",
     NULL},
    {NULL, NULL, NULL},
};

/* ---- file kinds ---- */

static const char *const file_names[MND_KBO__N] = {
    "enterprise.csv",   "enterprise_delete.csv",   "enterprise_insert.csv", "denomination.csv",
    "denomination_delete.csv", "denomination_insert.csv", "functions.csv",
};

int mnd_kbo_file_from_name(const char *path)
{
    const char *base;
    int i;
    if (!path)
        return -1;
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (i = 0; i < MND_KBO__N; i++)
        if (strcasecmp(base, file_names[i]) == 0)
            return i;
    return -1;
}

/* Columns each kind needs; the file may hold more, in any order. */
#define MAX_COLS 5
typedef struct layout_t {
    const char *col[MAX_COLS];
    int optional;        /* bit i: col[i] may be absent */
} layout_t;

enum { C_ENT_NUMBER = 0, C_ENT_STATUS, C_ENT_START };
enum { C_DEN_ENTITY = 0, C_DEN_LANG, C_DEN_TYPE, C_DEN_NAME };
enum { C_DEL_ENTITY = 0 };
enum { C_FN_ENTERPRISE = 0, C_FN_PERSON, C_FN_CODE, C_FN_START, C_FN_END };

static const layout_t layout_enterprise = {{"EnterpriseNumber", "Status", "StartDate"}, 1 << 2};
static const layout_t layout_denomination = {
    {"EntityNumber", "Language", "TypeOfDenomination", "Denomination"}, 0};
static const layout_t layout_delete = {{"EntityNumber"}, 0};
static const layout_t layout_function = {
    {"EnterpriseNumber", "PersonINSZ", "FunctionCode", "StartDate", "EndDate"}, 0};

/* ---- one open file ---- */

typedef struct src_t {
    mnd_csv_t *csv;
    const char *path;
    int nfields;          /* of the header; every row must have as many */
    int col[MAX_COLS];    /* field index per layout column, -1 if absent */
    char **v;             /* fields of the current row */
} src_t;

typedef struct imp_t {
    mnd_store_t *s;
    apr_pool_t *p;        /* errors and per-import data */
    apr_pool_t *row;      /* cleared every ROW_POOL_ROWS rows */
    const char *now;
    mnd_kbo_stats_t *st;
    apr_hash_t *codes;    /* known function codes */
    unsigned char *named; /* bit per enterprise (first 8 digits): got a name in this file */
    mnd_kbo_file_t kind;
} imp_t;

/* Enterprise numbers start with 0 or 1, and the last two digits follow from the first 8. */
#define NAMED_BITS 20000000L

/* "enterprise.csv line 7: EnterpriseNumber '0123.456.788': <rule>" */
static mnd_error_t *row_error(imp_t *im, src_t *f, int c, const char *layout_col,
                              const char *rule)
{
    return mnd_error(im->p, MND_EINVAL, "%s line %ld: %s '%s': %s", f->path,
                     mnd_csv_line(f->csv), layout_col, f->v[f->col[c]], rule);
}

static mnd_error_t *read_header(imp_t *im, src_t *f, const layout_t *lay)
{
    char **h;
    int n = 0, i, j;
    MND_TRY(mnd_csv_next(f->csv, &h, &n));
    if (n == 0)
        return mnd_error(im->p, MND_EINVAL, "%s: the file is empty; expected a header row "
                         "naming the columns (%s, ...)", f->path, lay->col[0]);
    f->nfields = n;
    for (j = 0; j < MAX_COLS; j++) {
        f->col[j] = -1;
        if (!lay->col[j])
            continue;
        for (i = 0; i < n; i++) {
            if (strcasecmp(h[i], lay->col[j]) != 0)
                continue;
            if (f->col[j] >= 0)
                return mnd_error(im->p, MND_EINVAL, "%s line %ld: column %s appears twice "
                                 "in the header", f->path, mnd_csv_line(f->csv), lay->col[j]);
            f->col[j] = i;
        }
        if (f->col[j] < 0 && !(lay->optional & (1 << j)))
            return mnd_error(im->p, MND_EINVAL,
                             "%s line %ld: the header lacks the required column %s "
                             "(columns are matched by name)",
                             f->path, mnd_csv_line(f->csv), lay->col[j]);
    }
    return NULL;
}

/* Next data row into f->v; *more = 0 at end of file. Blank lines carry no data and are
 * skipped; any other row must have as many fields as the header. */
static mnd_error_t *next_row(imp_t *im, src_t *f, int *more)
{
    int n = 0;
    for (;;) {
        mnd_error_t *err = mnd_csv_next(f->csv, &f->v, &n);
        if (err)
            return mnd_error(im->p, err->rc, "%s", err->msg);
        if (n == 0) {
            *more = 0;
            return NULL;
        }
        if (n == 1 && f->v[0][0] == '\0')
            continue;
        if (n != f->nfields)
            return mnd_error(im->p, MND_EINVAL,
                             "%s line %ld: the row has %d fields, the header has %d",
                             f->path, mnd_csv_line(f->csv), n, f->nfields);
        *more = 1;
        return NULL;
    }
}

static mnd_error_t *exec(imp_t *im, src_t *f, const char *label, int *nrows, int nargs,
                         const char *const *args)
{
    mnd_error_t *err = mnd_store_exec(im->s, im->row, label, nrows, nargs, args);
    if (err)
        return mnd_error(im->p, err->rc, "%s line %ld: %s", f->path, mnd_csv_line(f->csv),
                         err->msg);
    return NULL;
}

/* Parse column c as an enterprise number into id. */
static mnd_error_t *parse_kbo(imp_t *im, src_t *f, int c, const char *name,
                              char id[MND_KBO_LEN + 1])
{
    mnd_error_t *err = mnd_kbo_parse(im->row, f->v[f->col[c]], id);
    return err ? row_error(im, f, c, name, err->msg) : NULL;
}

/* Establishment units (numbers starting 2-9, "2.123.456.789") share the denomination files
 * with enterprises but are no parties of ours. */
static int is_establishment(const char *in)
{
    int digits = 0;
    char first = 0;
    for (; *in; in++) {
        if (isdigit((unsigned char)*in)) {
            if (!digits++)
                first = *in;
        } else if (*in != '.' && *in != ' ') {
            return 0;
        }
    }
    return digits == MND_KBO_LEN && first >= '2' && first <= '9';
}

/* ---- rows ---- */

static mnd_error_t *enterprise_row(imp_t *im, src_t *f)
{
    char id[MND_KBO_LEN + 1];
    const char *status = f->v[f->col[C_ENT_STATUS]];
    mnd_time_t t;

    MND_TRY(parse_kbo(im, f, C_ENT_NUMBER, "EnterpriseNumber", id));
    if (!*status)
        return row_error(im, f, C_ENT_STATUS, "Status",
                         "the status is empty (AC is active, any other code stopped)");
    /* StartDate is not stored, but a bad one means the file is not what we think it is. */
    if (f->col[C_ENT_START] >= 0 && f->v[f->col[C_ENT_START]][0]) {
        mnd_error_t *err = mnd_date_parse_dmy(im->row, f->v[f->col[C_ENT_START]], &t);
        if (err)
            return row_error(im, f, C_ENT_START, "StartDate", err->msg);
    }
    MND_TRY(exec(im, f, "kbo_party_upsert", NULL,
                 MND_ARGV(id, strcmp(status, "AC") == 0 ? "active" : "stopped", im->now)));
    im->st->enterprises_upserted++;
    return NULL;
}

static mnd_error_t *enterprise_delete_row(imp_t *im, src_t *f)
{
    char id[MND_KBO_LEN + 1];
    int n = 0;
    MND_TRY(parse_kbo(im, f, C_DEL_ENTITY, "EntityNumber", id));
    MND_TRY(exec(im, f, "kbo_party_stop", &n, MND_ARGV(im->now, id)));
    im->st->enterprises_deleted += n;
    return NULL;
}

static mnd_error_t *denomination_delete_row(imp_t *im, src_t *f)
{
    char id[MND_KBO_LEN + 1];
    if (is_establishment(f->v[f->col[C_DEL_ENTITY]])) {
        im->st->establishments_skipped++;
        return NULL;
    }
    MND_TRY(parse_kbo(im, f, C_DEL_ENTITY, "EntityNumber", id));
    return exec(im, f, "kbo_names_clear", NULL, MND_ARGV(im->now, id));
}

/* TypeOfDenomination as a number: "001" is 1. -1 if not a code. */
static int denomination_type(const char *s)
{
    int v = 0, n = 0;
    for (; *s; s++, n++) {
        if (!isdigit((unsigned char)*s) || n >= 3)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return n ? v : -1;
}

/* 1 the first time enterprise id gets a name in the current file. */
static int first_name(imp_t *im, const char *id)
{
    long bit = 0;
    int i, first;
    for (i = 0; i < 8; i++)
        bit = bit * 10 + (id[i] - '0');
    first = !(im->named[bit >> 3] & (1u << (bit & 7)));
    im->named[bit >> 3] |= (unsigned char)(1u << (bit & 7));
    return first;
}

static mnd_error_t *denomination_row(imp_t *im, src_t *f)
{
    /* By KBO language code: 0 unknown, 1 FR, 2 NL, 3 DE, 4 EN. */
    static const char *const set[] = {"kbo_name_any", "kbo_name_fr", "kbo_name_nl",
                                      "kbo_name_de", "kbo_name_en"};
    static const char *const first[] = {"kbo_name_first_any", "kbo_name_first_fr",
                                        "kbo_name_first_nl", "kbo_name_first_de",
                                        "kbo_name_first_en"};
    char id[MND_KBO_LEN + 1];
    const char *lang = f->v[f->col[C_DEN_LANG]], *name = f->v[f->col[C_DEN_NAME]];
    const char *label;
    int type = denomination_type(f->v[f->col[C_DEN_TYPE]]), n = 0, l;

    if (is_establishment(f->v[f->col[C_DEN_ENTITY]])) {
        im->st->establishments_skipped++;
        return NULL;
    }
    MND_TRY(parse_kbo(im, f, C_DEN_ENTITY, "EntityNumber", id));
    if (type < 0)
        return row_error(im, f, C_DEN_TYPE, "TypeOfDenomination",
                         "expected a code of up to three digits (001 name, 002 abbreviation, "
                         "003 commercial name)");
    if (lang[0] < '0' || lang[0] > '4' || lang[1])
        return row_error(im, f, C_DEN_LANG, "Language",
                         "expected 0 (unknown), 1 (FR), 2 (NL), 3 (DE) or 4 (EN)");
    if (type != 1) {
        im->st->names_ignored++;
        return NULL;
    }
    if (!*name)
        return row_error(im, f, C_DEN_NAME, "Denomination", "the name of the entity is empty");
    l = lang[0] - '0';
    label = first_name(im, id) ? first[l] : set[l];
    if (l == 0)
        MND_TRY(exec(im, f, label, &n, MND_ARGV(name, name, name, name, im->now, id)));
    else
        MND_TRY(exec(im, f, label, &n, MND_ARGV(name, im->now, id)));
    if (n > 0)
        im->st->names_set++;
    else
        im->st->names_unknown++;
    return NULL;
}

static mnd_error_t *parse_date(imp_t *im, src_t *f, int c, const char *name, mnd_time_t *t)
{
    mnd_error_t *err = mnd_date_parse_dmy(im->row, f->v[f->col[c]], t);
    return err ? row_error(im, f, c, name, err->msg) : NULL;
}

static mnd_error_t *function_row(imp_t *im, src_t *f)
{
    char org[MND_KBO_LEN + 1], person[MND_INSZ_LEN + 1];
    const char *code = f->v[f->col[C_FN_CODE]];
    mnd_time_t from, until = MND_TIME_NONE;
    mnd_error_t *err;
    int n = 0;

    MND_TRY(parse_kbo(im, f, C_FN_ENTERPRISE, "EnterpriseNumber", org));
    err = mnd_insz_parse(im->row, f->v[f->col[C_FN_PERSON]], person);
    if (err)
        return row_error(im, f, C_FN_PERSON, "PersonINSZ", err->msg);
    if (!apr_hash_get(im->codes, code, APR_HASH_KEY_STRING))
        return row_error(im, f, C_FN_CODE, "FunctionCode",
                         "unknown function code (known codes are configuration: add it with "
                         "mandaatctl kbo function-code set)");
    MND_TRY(parse_date(im, f, C_FN_START, "StartDate", &from));
    if (f->v[f->col[C_FN_END]][0]) {
        MND_TRY(parse_date(im, f, C_FN_END, "EndDate", &until));
        if (until <= from)
            return row_error(im, f, C_FN_END, "EndDate",
                             "the end date must be after the start date (the function ends "
                             "at the start of EndDate)");
    }
    MND_TRY(exec(im, f, "kbo_function_add", &n,
                 MND_ARGV(person, org, code, mnd_time_arg(im->row, from),
                          mnd_time_arg(im->row, until))));
    if (n == 0)
        return mnd_error(im->p, MND_EINVAL,
                         "%s line %ld: EnterpriseNumber '%s': the person already holds "
                         "function %s there from %s (a duplicate row)",
                         f->path, mnd_csv_line(f->csv), f->v[f->col[C_FN_ENTERPRISE]], code,
                         f->v[f->col[C_FN_START]]);
    im->st->functions++;
    return NULL;
}

/* ---- files ---- */

static mnd_error_t *keep_code(void *baton, apr_pool_t *p, const char *const *cols, int ncols)
{
    imp_t *im = baton;
    (void)p;
    if (ncols > 0 && cols[0])
        apr_hash_set(im->codes, apr_pstrdup(im->p, cols[0]), APR_HASH_KEY_STRING, "");
    return NULL;
}

/* Preparation for what a file restates as a whole; inside the import's transaction. */
static mnd_error_t *before_file(imp_t *im)
{
    switch (im->kind) {
    case MND_KBO_ENTERPRISE:
        return mnd_store_exec(im->s, im->p, "kbo_party_demote", NULL,
                              MND_ARGV(im->now, im->now));
    case MND_KBO_DENOMINATION:
    case MND_KBO_DENOMINATION_INSERT:
        if (!im->named)
            im->named = apr_palloc(im->p, NAMED_BITS / 8);
        memset(im->named, 0, NAMED_BITS / 8);
        return NULL;
    case MND_KBO_FUNCTION:
        im->codes = apr_hash_make(im->p);
        MND_TRY(mnd_store_query(im->s, im->p, "kbo_function_codes", 0, NULL, keep_code, im));
        return mnd_store_exec(im->s, im->p, "kbo_function_clear", NULL, 0, NULL);
    default:
        return NULL;
    }
}

static mnd_error_t *after_file(imp_t *im)
{
    int n = 0;
    if (im->kind != MND_KBO_ENTERPRISE)
        return NULL;
    MND_TRY(mnd_store_exec(im->s, im->p, "kbo_party_stop_unseen", &n,
                           MND_ARGV(im->now, im->now)));
    im->st->enterprises_absent = n;
    return NULL;
}

typedef mnd_error_t *(*row_fn)(imp_t *im, src_t *f);

static void kind_handling(mnd_kbo_file_t k, const layout_t **lay, row_fn *fn)
{
    switch (k) {
    case MND_KBO_ENTERPRISE:
    case MND_KBO_ENTERPRISE_INSERT:
        *lay = &layout_enterprise, *fn = enterprise_row;
        break;
    case MND_KBO_ENTERPRISE_DELETE:
        *lay = &layout_delete, *fn = enterprise_delete_row;
        break;
    case MND_KBO_DENOMINATION:
    case MND_KBO_DENOMINATION_INSERT:
        *lay = &layout_denomination, *fn = denomination_row;
        break;
    case MND_KBO_DENOMINATION_DELETE:
        *lay = &layout_delete, *fn = denomination_delete_row;
        break;
    default:
        *lay = &layout_function, *fn = function_row;
        break;
    }
}

static mnd_error_t *import_file(imp_t *im, src_t *f)
{
    const layout_t *lay;
    mnd_error_t *err;
    row_fn fn;
    long n = 0;
    int more = 1;

    kind_handling(im->kind, &lay, &fn);
    MND_TRY(read_header(im, f, lay));
    err = before_file(im);
    for (; !err;) {
        MND_TRY(next_row(im, f, &more));
        if (!more)
            break;
        MND_TRY(fn(im, f));
        if (++n % ROW_POOL_ROWS == 0)
            apr_pool_clear(im->row);
    }
    im->st->rows[im->kind] = n;
    if (!err)
        err = after_file(im);
    return err ? mnd_error(im->p, err->rc, "%s: %s", f->path, err->msg) : NULL;
}

static mnd_error_t *import_all(imp_t *im, src_t *src, const mnd_kbo_import_t *in)
{
    int i;
    for (i = 0; i < MND_KBO__N; i++) {
        if (!in->path[i])
            continue;
        im->kind = (mnd_kbo_file_t)i;
        MND_TRY(import_file(im, &src[i]));
    }
    return NULL;
}

static void close_all(src_t *src)
{
    int i;
    for (i = 0; i < MND_KBO__N; i++)
        if (src[i].csv)
            mnd_csv_close(src[i].csv);
}

mnd_error_t *mnd_kbo_import(mnd_store_t *s, apr_pool_t *p, const mnd_kbo_import_t *in,
                            mnd_kbo_stats_t *stats)
{
    mnd_kbo_stats_t local;
    src_t src[MND_KBO__N];
    imp_t im;
    mnd_error_t *err = NULL;
    int i, given = 0;

    if (!s || !in)
        return mnd_error(p, MND_EINTERNAL, "mnd_kbo_import needs a store and files");
    memset(src, 0, sizeof(src));
    memset(&im, 0, sizeof(im));
    im.st = stats ? stats : &local;
    memset(im.st, 0, sizeof(*im.st));
    im.s = s;
    im.p = p;
    im.now = mnd_time_arg(p, in->now > 0 ? in->now : mnd_now());
    /* Open every file before the transaction: a typo in a path costs no database work. */
    for (i = 0; i < MND_KBO__N && !err; i++) {
        if (!in->path[i])
            continue;
        given++;
        src[i].path = in->path[i];
        err = mnd_csv_open(p, in->path[i], &src[i].csv);
    }
    if (!err && !given)
        err = mnd_error(p, MND_EINVAL, "no KBO file given: name at least one of enterprise.csv, "
                        "denomination.csv, their _delete/_insert updates, or functions.csv");
    if (err) {
        close_all(src);
        return err;
    }
    apr_pool_create(&im.row, p);
    err = mnd_store_begin(s);
    if (!err) {
        err = import_all(&im, src, in);
        if (err)
            mnd_store_rollback(s);
        else
            err = mnd_store_commit(s);
    }
    close_all(src);
    apr_pool_destroy(im.row);
    return err;
}

/* ---- function codes ---- */

mnd_error_t *mnd_kbo_function_code_set(mnd_store_t *s, apr_pool_t *p, const char *code,
                                       const char *label_nl, int representative)
{
    const char *c;
    if (!code || !*code || strlen(code) > 64)
        return mnd_error(p, MND_EINVAL, "function code '%s': a code has 1 to 64 characters",
                         code ? code : "");
    for (c = code; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
            return mnd_error(p, MND_EINVAL, "function code '%s': use only letters, digits, "
                             "'_', '-' and '.'", code);
    return mnd_store_exec(s, p, "kbo_function_code_set", NULL,
                          MND_ARGV(code, label_nl && *label_nl ? label_nl : NULL,
                                   representative ? "1" : "0"));
}
