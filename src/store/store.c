/* apr_dbd access for the core. All statements are prepared (by us, lazily, on connections we
 * open; by mod_dbd on its connections); only migrations run raw SQL. */
#include "store/store.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

struct mnd_store_t {
    apr_pool_t *pool;
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    mnd_dialect_t dialect;
    apr_hash_t *prepared;   /* label -> apr_dbd_prepared_t * */
    apr_pool_t *stmt_pool;  /* lives as long as the connection: prepared statements go here */
    apr_hash_t *sql;        /* label -> const mnd_sql_t * */
    apr_dbd_transaction_t *trans;
    int trans_depth;
    int trans_failed;
};

static int dbd_initialised;

static mnd_error_t *db_error(mnd_store_t *s, apr_pool_t *p, int rv, const char *what);

/* PRAGMAs that answer with a row (busy_timeout, journal_mode) are selects to apr_dbd. */
static mnd_error_t *pragma(mnd_store_t *s, apr_pool_t *p, const char *sql)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv = apr_dbd_select(s->driver, p, s->handle, &res, sql, 0);
    if (rv)
        return db_error(s, p, rv, sql);
    while (apr_dbd_get_row(s->driver, p, res, &row, -1) == 0)
        ;
    return NULL;
}

mnd_error_t *mnd_store_global_init(apr_pool_t *p)
{
    apr_status_t rv;
    if (dbd_initialised)
        return NULL;
    rv = apr_dbd_init(p);
    if (rv != APR_SUCCESS)
        return mnd_error(p, MND_ESTORE, "apr_dbd_init failed (%d)", rv);
    dbd_initialised = 1;
    return NULL;
}

const char *mnd_sql_text(const mnd_sql_t *st, mnd_dialect_t d)
{
    if (!st)
        return NULL;
    return (d == MND_DB_PGSQL && st->sql_pgsql) ? st->sql_pgsql : st->sql;
}

static mnd_dialect_t dialect_of(const apr_dbd_driver_t *driver)
{
    return strcmp(apr_dbd_name(driver), "pgsql") == 0 ? MND_DB_PGSQL : MND_DB_SQLITE3;
}

static void index_statements(mnd_store_t *s)
{
    int n, i;
    const mnd_sql_t *all = mnd_sql_all(s->pool, &n);
    s->sql = apr_hash_make(s->pool);
    for (i = 0; i < n; i++)
        apr_hash_set(s->sql, all[i].label, APR_HASH_KEY_STRING, &all[i]);
}

static apr_status_t close_handle(void *data)
{
    mnd_store_t *s = data;
    if (s->handle) {
        apr_dbd_close(s->driver, s->handle);
        s->handle = NULL;
    }
    return APR_SUCCESS;
}

/* Per-connection SQLite settings: referential integrity (off by default in SQLite), a wait
 * for writers, and memory-mapped reads, which halve a resolution that joins 20,000 givers on a
 * large store (the default page cache keeps almost none of those pages between requests). */
static mnd_error_t *sqlite_session(mnd_store_t *s, apr_pool_t *p, int on_disk)
{
    MND_TRY(pragma(s, p, "PRAGMA foreign_keys = ON"));
    MND_TRY(pragma(s, p, "PRAGMA busy_timeout = 5000"));
    if (on_disk)
        MND_TRY(pragma(s, p, "PRAGMA mmap_size = 8589934592"));
    return NULL;
}

/* Marks a pooled mod_dbd connection whose session settings were applied (our own key in the
 * connection's statement hash: it lives exactly as long as the connection). */
#define SESSION_MARK "\001mnd:session"

mnd_error_t *mnd_store_open(apr_pool_t *p, const char *driver, const char *params,
                            mnd_store_t **out)
{
    mnd_store_t *s = apr_pcalloc(p, sizeof(*s));
    const char *errmsg = NULL;
    apr_status_t rv;

    if (!driver || (strcmp(driver, "sqlite3") != 0 && strcmp(driver, "pgsql") != 0))
        return mnd_error(p, MND_EINVAL, "store driver '%s' is not supported: use sqlite3 or pgsql",
                         driver ? driver : "");
    MND_TRY(mnd_store_global_init(p));
    s->pool = p;
    rv = apr_dbd_get_driver(p, driver, &s->driver);
    if (rv != APR_SUCCESS)
        return mnd_error(p, MND_ESTORE,
                         "the apr_dbd driver '%s' cannot be loaded: install libaprutil1-dbd-%s",
                         driver, driver);
    rv = apr_dbd_open_ex(s->driver, p, params ? params : "", &s->handle, &errmsg);
    if (rv != APR_SUCCESS || !s->handle)
        return mnd_error(p, MND_ESTORE, "cannot open the %s store: %s", driver,
                         errmsg ? errmsg : "unknown error");
    apr_pool_cleanup_register(p, s, close_handle, apr_pool_cleanup_null);
    s->dialect = dialect_of(s->driver);
    s->prepared = apr_hash_make(p);
    s->stmt_pool = p;
    index_statements(s);
    if (s->dialect == MND_DB_SQLITE3) {
        int on_disk = params && *params && strcmp(params, ":memory:") != 0;
        MND_TRY(sqlite_session(s, p, on_disk));
        /* WAL lets readers (httpd children) work while mandaatctl writes; it is a property
         * of the database file, so setting it once here is enough. */
        if (on_disk)
            MND_TRY(pragma(s, p, "PRAGMA journal_mode = WAL"));
    }
    *out = s;
    return NULL;
}

mnd_error_t *mnd_store_wrap(apr_pool_t *p, const apr_dbd_driver_t *driver, apr_dbd_t *handle,
                            apr_hash_t *prepared, apr_pool_t *conn_pool, mnd_store_t **out)
{
    mnd_store_t *s = apr_pcalloc(p, sizeof(*s));
    if (!driver || !handle || !prepared || !conn_pool)
        return mnd_error(p, MND_ESTORE, "no database connection");
    MND_TRY(mnd_store_global_init(p));
    s->pool = p;
    s->driver = driver;
    s->handle = handle;
    s->dialect = dialect_of(driver);
    s->prepared = prepared;
    s->stmt_pool = conn_pool;
    index_statements(s);
    if (s->dialect == MND_DB_SQLITE3 && !apr_hash_get(prepared, SESSION_MARK, APR_HASH_KEY_STRING)) {
        MND_TRY(sqlite_session(s, p, 1));
        apr_hash_set(prepared, SESSION_MARK, APR_HASH_KEY_STRING, (void *)SESSION_MARK);
    }
    *out = s;
    return NULL;
}

mnd_dialect_t mnd_store_dialect(const mnd_store_t *s)
{
    return s->dialect;
}

static mnd_error_t *db_error(mnd_store_t *s, apr_pool_t *p, int rv, const char *what)
{
    const char *msg = apr_dbd_error(s->driver, s->handle, rv);
    if (s->trans)
        s->trans_failed = 1;
    return mnd_error(p, MND_ESTORE, "%s: %s", what, msg ? msg : "unknown database error");
}

static mnd_error_t *statement(mnd_store_t *s, apr_pool_t *p, const char *label,
                              apr_dbd_prepared_t **out)
{
    apr_dbd_prepared_t *st = apr_hash_get(s->prepared, label, APR_HASH_KEY_STRING);
    const mnd_sql_t *def;
    int rv;

    if (st) {
        *out = st;
        return NULL;
    }
    def = apr_hash_get(s->sql, label, APR_HASH_KEY_STRING);
    if (!def)
        return mnd_error(p, MND_EINTERNAL, "unknown statement '%s'", label);
    /* No statement name: apr_dbd_pgsql declares every %s of a *named* statement as varchar,
     * which stops PostgreSQL from inferring parameter types (bigint_col <= varchar fails).
     * Unnamed, the driver sends the parameters untyped with each execution and the server
     * infers them; the price is planning per execution on PostgreSQL. SQLite ignores names. */
    rv = apr_dbd_prepare(s->driver, s->stmt_pool, s->handle, mnd_sql_text(def, s->dialect),
                         NULL, &st);
    if (rv)
        return db_error(s, p, rv, apr_psprintf(p, "preparing statement '%s'", label));
    apr_hash_set(s->prepared, def->label, APR_HASH_KEY_STRING, st);
    *out = st;
    return NULL;
}

/* apr_dbd's sqlite3 driver prepares with the legacy sqlite3_prepare: after any schema change
 * (a migration, also by another process) a cached statement fails once. Outside a transaction
 * it is safe to prepare it again and retry; inside one the driver has already doomed it. */
static int may_reprepare(const mnd_store_t *s)
{
    return s->dialect == MND_DB_SQLITE3 && !s->trans;
}

static mnd_error_t *reprepare(mnd_store_t *s, apr_pool_t *p, const char *label,
                              apr_dbd_prepared_t **st)
{
    apr_hash_set(s->prepared, label, APR_HASH_KEY_STRING, NULL);
    return statement(s, p, label, st);
}

void mnd_store_forget_statements(mnd_store_t *s)
{
    /* Only our labels: a mod_dbd connection's hash may hold other modules' statements. */
    apr_hash_index_t *hi;
    for (hi = apr_hash_first(NULL, s->sql); hi; hi = apr_hash_next(hi)) {
        const void *label;
        apr_hash_this(hi, &label, NULL, NULL);
        apr_hash_set(s->prepared, label, APR_HASH_KEY_STRING, NULL);
    }
}

static mnd_error_t *check_transaction(mnd_store_t *s, apr_pool_t *p)
{
    if (s->trans && s->trans_failed)
        return mnd_error(p, MND_ESTORE, "an earlier statement of this transaction failed");
    return NULL;
}

mnd_error_t *mnd_store_exec(mnd_store_t *s, apr_pool_t *p, const char *label, int *nrows,
                            int nargs, const char *const *args)
{
    apr_dbd_prepared_t *st;
    int n = 0, rv;
    MND_TRY(check_transaction(s, p));
    MND_TRY(statement(s, p, label, &st));
    rv = apr_dbd_pquery(s->driver, p, s->handle, &n, st, nargs, (const char **)args);
    if (rv && may_reprepare(s)) {
        MND_TRY(reprepare(s, p, label, &st));
        rv = apr_dbd_pquery(s->driver, p, s->handle, &n, st, nargs, (const char **)args);
    }
    if (rv)
        return db_error(s, p, rv, apr_psprintf(p, "statement '%s' failed", label));
    if (nrows)
        *nrows = n;
    return NULL;
}

mnd_error_t *mnd_store_query(mnd_store_t *s, apr_pool_t *p, const char *label, int nargs,
                             const char *const *args, mnd_row_fn fn, void *baton)
{
    apr_dbd_prepared_t *st;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    mnd_error_t *err = NULL;
    const char *colbuf[32];
    const char **cols = colbuf;
    int rv, ncols, i, seek;

    MND_TRY(check_transaction(s, p));
    MND_TRY(statement(s, p, label, &st));
    /* PostgreSQL results are fetched whole (random access): in apr_dbd_pgsql's sequential mode
     * a failed query reads as an empty result (an outage would look like "no such service"),
     * and every end of a result costs a 100 ms sleep. SQLite streams its rows. */
    seek = s->dialect == MND_DB_PGSQL;
    rv = apr_dbd_pselect(s->driver, p, s->handle, &res, st, seek, nargs, (const char **)args);
    if (rv && may_reprepare(s)) {
        MND_TRY(reprepare(s, p, label, &st));
        res = NULL;
        rv = apr_dbd_pselect(s->driver, p, s->handle, &res, st, seek, nargs, (const char **)args);
    }
    if (rv)
        return db_error(s, p, rv, apr_psprintf(p, "query '%s' failed", label));
    /* Results must be read to the end (sequential ones keep the connection busy, random ones
     * are freed at the end). The pgsql driver returns "" for NULL from
     * apr_dbd_get_entry; apr_dbd_datum_get tells NULL apart (APR_ENOENT) on both drivers. */
    while ((rv = apr_dbd_get_row(s->driver, p, res, &row, -1)) == 0) {
        if (err)
            continue;
        ncols = apr_dbd_num_cols(s->driver, res);
        if (ncols > (int)(sizeof(colbuf) / sizeof(colbuf[0])) && cols == colbuf)
            cols = apr_palloc(p, sizeof(*cols) * ncols);
        for (i = 0; i < ncols; i++) {
            char *v = NULL;
            cols[i] = apr_dbd_datum_get(s->driver, row, i, APR_DBD_TYPE_STRING, &v) == APR_SUCCESS
                          ? v
                          : NULL;
        }
        err = fn(baton, p, cols, ncols);
    }
    if (rv != -1 && !err)
        err = db_error(s, p, rv, apr_psprintf(p, "reading rows of '%s' failed", label));
    return err;
}

typedef struct one_row_t {
    int found;
    const char **cols;
    int ncols;
} one_row_t;

static mnd_error_t *keep_first_row(void *baton, apr_pool_t *p, const char *const *cols,
                                   int ncols)
{
    one_row_t *o = baton;
    int i;
    if (o->found++)
        return NULL;
    o->ncols = ncols;
    o->cols = apr_palloc(p, sizeof(*o->cols) * (ncols ? ncols : 1));
    for (i = 0; i < ncols; i++)
        o->cols[i] = cols[i] ? apr_pstrdup(p, cols[i]) : NULL;
    return NULL;
}

mnd_error_t *mnd_store_query_one(mnd_store_t *s, apr_pool_t *p, const char *label, int nargs,
                                 const char *const *args, int *found, const char ***cols,
                                 int *ncols)
{
    one_row_t o = {0, NULL, 0};
    MND_TRY(mnd_store_query(s, p, label, nargs, args, keep_first_row, &o));
    *found = o.found > 0;
    if (cols)
        *cols = o.cols;
    if (ncols)
        *ncols = o.ncols;
    return NULL;
}

mnd_error_t *mnd_store_insert_id(mnd_store_t *s, apr_pool_t *p, const char *label, int nargs,
                                 const char *const *args, int64_t *id)
{
    int found = 0;
    const char **cols = NULL;
    MND_TRY(mnd_store_query_one(s, p, label, nargs, args, &found, &cols, NULL));
    if (!found || !cols[0])
        return mnd_error(p, MND_ESTORE, "statement '%s' returned no id", label);
    *id = strtoll(cols[0], NULL, 10);
    return NULL;
}

mnd_error_t *mnd_store_begin(mnd_store_t *s)
{
    int rv;
    if (s->trans_depth++ > 0)
        return NULL;
    s->trans = NULL;
    s->trans_failed = 0;
    rv = apr_dbd_transaction_start(s->driver, s->pool, s->handle, &s->trans);
    if (rv) {
        s->trans_depth = 0;
        s->trans = NULL;
        return db_error(s, s->pool, rv, "cannot start a transaction");
    }
    return NULL;
}

static mnd_error_t *end_transaction(mnd_store_t *s, int rollback)
{
    int rv;
    apr_dbd_transaction_t *t = s->trans;
    if (!t)
        return NULL;
    if (rollback || s->trans_failed)
        apr_dbd_transaction_mode_set(s->driver, t, APR_DBD_TRANSACTION_ROLLBACK);
    s->trans = NULL;
    s->trans_depth = 0;
    rv = apr_dbd_transaction_end(s->driver, s->pool, t);
    if (rv && !rollback)
        return mnd_error(s->pool, MND_ESTORE, "cannot commit: %s",
                         apr_dbd_error(s->driver, s->handle, rv));
    if (s->trans_failed && !rollback)
        return mnd_error(s->pool, MND_ESTORE, "transaction rolled back after a failed statement");
    return NULL;
}

mnd_error_t *mnd_store_commit(mnd_store_t *s)
{
    if (s->trans_depth <= 0)
        return NULL;
    if (--s->trans_depth > 0)
        return NULL;
    return end_transaction(s, 0);
}

void mnd_store_rollback(mnd_store_t *s)
{
    if (s->trans_depth <= 0)
        return;
    /* A rollback anywhere dooms the outermost transaction. */
    s->trans_failed = 1;
    if (--s->trans_depth > 0)
        return;
    end_transaction(s, 1);
}

mnd_error_t *mnd_store_exec_raw(mnd_store_t *s, apr_pool_t *p, const char *sql)
{
    int n = 0, rv;
    MND_TRY(check_transaction(s, p));
    rv = apr_dbd_query(s->driver, s->handle, &n, sql);
    if (rv)
        return db_error(s, p, rv, "SQL failed");
    return NULL;
}
