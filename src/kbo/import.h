/* Import of KBO Open Data (enterprise.csv, denomination.csv, full or as the _delete/_insert
 * update files) and of function holders (our documented CSV, docs/kbo-import.md; Open Data
 * publishes none). Every import is one transaction: all or nothing. Errors name the file, the
 * line, the identifier and the rule. */
#ifndef MND_KBO_IMPORT_H
#define MND_KBO_IMPORT_H

#include "store/store.h"
#include "util/timeutil.h"

typedef enum mnd_kbo_file_t {
    MND_KBO_ENTERPRISE = 0,          /* enterprise.csv (full) */
    MND_KBO_ENTERPRISE_DELETE,       /* enterprise_delete.csv */
    MND_KBO_ENTERPRISE_INSERT,       /* enterprise_insert.csv */
    MND_KBO_DENOMINATION,            /* denomination.csv (full) */
    MND_KBO_DENOMINATION_DELETE,     /* denomination_delete.csv */
    MND_KBO_DENOMINATION_INSERT,     /* denomination_insert.csv */
    MND_KBO_FUNCTION,                /* functions.csv (ours; full replacement) */
    MND_KBO__N
} mnd_kbo_file_t;

typedef struct mnd_kbo_import_t {
    const char *path[MND_KBO__N];    /* NULL where not given */
    mnd_time_t now;                  /* updated_at of the rows written; 0: mnd_now() */
} mnd_kbo_import_t;

typedef struct mnd_kbo_stats_t {
    long rows[MND_KBO__N];           /* data rows read per file */
    long enterprises_upserted;
    long enterprises_deleted;        /* marked stopped by a delete file */
    long enterprises_absent;         /* active, missing from a full enterprise.csv: stopped */
    long names_set;
    long functions;
    long establishments_skipped;     /* denomination rows of establishment units (2.xxx...) */
    long names_ignored;              /* denominations other than 001 (abbreviation, trade name) */
    long names_unknown;              /* 001 names of enterprises not in the store */
} mnd_kbo_stats_t;

/* Recognise a file by its base name (enterprise.csv, enterprise_delete.csv, ...); -1 if not. */
int mnd_kbo_file_from_name(const char *path);

/* Import the given files in dependency order (enterprises, then denominations, then
 * functions; deletes before inserts) in one transaction. */
mnd_error_t *mnd_kbo_import(mnd_store_t *s, apr_pool_t *p, const mnd_kbo_import_t *in,
                            mnd_kbo_stats_t *stats);

/* Set whether KBO function code counts as legal representative (adds unknown codes). */
mnd_error_t *mnd_kbo_function_code_set(mnd_store_t *s, apr_pool_t *p, const char *code,
                                       const char *label_nl, int representative);

extern const mnd_sql_t mnd_sql_kbo[];

#endif
