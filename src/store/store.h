/* The store: every persistent fact (parties, services, rights, KBO functions, mandates,
 * audit) lives in an SQL database reached through apr_dbd with prepared statements only.
 * SQLite is the default; PostgreSQL serves several nodes. The same statements run on both;
 * where a dialect differs, a statement carries a PostgreSQL variant.
 *
 * Statements are registered by label (see mnd_sql_all) and prepared on first use on each
 * connection: the CLI, tests and benchmarks open their own connection with mnd_store_open; the
 * httpd module wraps a pooled mod_dbd connection (mnd_store_wrap). Preparing lazily lets a
 * fresh database be opened and migrated before any statement refers to its tables. */
#ifndef MND_STORE_STORE_H
#define MND_STORE_STORE_H

#include "util/error.h"

#include <apr_dbd.h>
#include <apr_hash.h>

typedef enum mnd_dialect_t { MND_DB_SQLITE3 = 1, MND_DB_PGSQL = 2 } mnd_dialect_t;

typedef struct mnd_store_t mnd_store_t;

/* One SQL statement of the core. sql uses apr_dbd placeholders (%s; a literal percent sign is
 * %%). sql_pgsql, when not NULL, replaces sql on PostgreSQL. */
typedef struct mnd_sql_t {
    const char *label;
    const char *sql;
    const char *sql_pgsql;
} mnd_sql_t;

/* Every statement of the core, from every concern's table, as one list of *n entries. */
const mnd_sql_t *mnd_sql_all(apr_pool_t *p, int *n);

/* The text of statement label for dialect d (NULL if unknown). */
const char *mnd_sql_text(const mnd_sql_t *st, mnd_dialect_t d);

/* Initialise apr_dbd once per process (idempotent). */
mnd_error_t *mnd_store_global_init(apr_pool_t *p);

/* Open a connection with driver "sqlite3" or "pgsql" and apr_dbd params (a file name for
 * sqlite3, a conninfo string for pgsql). The connection closes when p is cleared. */
mnd_error_t *mnd_store_open(apr_pool_t *p, const char *driver, const char *params,
                            mnd_store_t **out);

/* Wrap a connection owned by mod_dbd for the duration of pool p. Statements are prepared on
 * first use into the connection's own hash `prepared` and pool `conn_pool` (both live as long
 * as the pooled connection), so a connection prepares each statement once. */
mnd_error_t *mnd_store_wrap(apr_pool_t *p, const apr_dbd_driver_t *driver, apr_dbd_t *handle,
                            apr_hash_t *prepared, apr_pool_t *conn_pool, mnd_store_t **out);

mnd_dialect_t mnd_store_dialect(const mnd_store_t *s);

/* Run statement label with nargs string arguments (NULL is SQL NULL). *nrows (may be NULL)
 * gets the number of rows changed. */
mnd_error_t *mnd_store_exec(mnd_store_t *s, apr_pool_t *p, const char *label, int *nrows,
                            int nargs, const char *const *args);

/* A row as column strings (NULL for SQL NULL), valid only during the callback. */
typedef mnd_error_t *(*mnd_row_fn)(void *baton, apr_pool_t *p, const char *const *cols,
                                  int ncols);

/* Run select statement label and call fn for each row; an error from fn stops the walk
 * (the remaining rows are drained) and is returned. */
mnd_error_t *mnd_store_query(mnd_store_t *s, apr_pool_t *p, const char *label, int nargs,
                             const char *const *args, mnd_row_fn fn, void *baton);

/* Run select statement label expecting at most one row; *found says whether there was one and
 * *cols (ncols entries, copied into p) holds it. */
mnd_error_t *mnd_store_query_one(mnd_store_t *s, apr_pool_t *p, const char *label, int nargs,
                                 const char *const *args, int *found, const char ***cols,
                                 int *ncols);

/* Transactions. Nested begin calls are counted; only the outermost commits. A failure inside
 * makes the outermost end roll back. */
mnd_error_t *mnd_store_begin(mnd_store_t *s);
mnd_error_t *mnd_store_commit(mnd_store_t *s);
void mnd_store_rollback(mnd_store_t *s);

/* Drop the statements prepared on this connection (after a schema change). */
void mnd_store_forget_statements(mnd_store_t *s);

/* Run raw, unprepared SQL (migrations and pragmas only; never with outside input). */
mnd_error_t *mnd_store_exec_raw(mnd_store_t *s, apr_pool_t *p, const char *sql);

/* The id returned by an INSERT ... RETURNING id statement, as a number. */
mnd_error_t *mnd_store_insert_id(mnd_store_t *s, apr_pool_t *p, const char *label, int nargs,
                                 const char *const *args, int64_t *id);

/* Pass a literal argument list: mnd_store_exec(s, p, "label", NULL, MND_ARGV(a, b)). */
#define MND_ARGV(...)                                                                   \
    (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),                \
        ((const char *const[]){__VA_ARGS__})

#endif
