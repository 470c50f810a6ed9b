/* The audit trail. Records are only ever appended. */
#include "core/audit.h"

#include "util/strlist.h"

#include <apr_strings.h>
#include <stdlib.h>

#define AUDIT_COLS "id, at, event, actor, party, basis, via, mandate_id, service_id, actions, txn_id, detail"

const mnd_sql_t mnd_sql_audit[] = {
    {"audit_insert",
     "INSERT INTO audit (at, event, actor, party, basis, via, mandate_id, service_id, actions,"
     " txn_id, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
     "INSERT INTO audit (at, event, actor, party, basis, via, mandate_id, service_id, actions,"
     " txn_id, detail) VALUES (CAST(%s AS BIGINT), %s, %s, %s, %s, %s, CAST(%s AS BIGINT), %s,"
     " %s, %s, %s)"},
    /* NULL filters match everything; the casts let PostgreSQL type the parameters. */
    {"audit_list",
     "SELECT " AUDIT_COLS " FROM audit"
     " WHERE (%s IS NULL OR actor = %s) AND (%s IS NULL OR party = %s)"
     " AND at >= %s AND at < %s ORDER BY at DESC, id DESC LIMIT CAST(%s AS INTEGER)",
     "SELECT " AUDIT_COLS " FROM audit"
     " WHERE (CAST(%s AS TEXT) IS NULL OR actor = %s) AND (CAST(%s AS TEXT) IS NULL OR party = %s)"
     " AND at >= CAST(%s AS BIGINT) AND at < CAST(%s AS BIGINT)"
     " ORDER BY at DESC, id DESC LIMIT CAST(%s AS BIGINT)"},
    {NULL, NULL, NULL},
};

mnd_error_t *mnd_audit_write(mnd_store_t *s, apr_pool_t *p, const mnd_audit_t *a)
{
    return mnd_store_exec(
        s, p, "audit_insert", NULL,
        MND_ARGV(mnd_time_arg(p, a->at), a->event, a->actor, a->party, a->basis, a->via,
                 a->mandate_id ? apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)a->mandate_id)
                               : NULL,
                 a->service_id, a->actions, a->txn_id, a->detail));
}

static mnd_error_t *audit_row(void *baton, apr_pool_t *p, const char *const *cols, int ncols)
{
    apr_array_header_t *out = baton;
    mnd_audit_t *a = apr_pcalloc(p, sizeof(*a));
    a->id = strtoll(cols[0], NULL, 10);
    a->at = mnd_time_from_col(cols[1]);
    a->event = mnd_pstrdup_opt(p, cols[2]);
    a->actor = mnd_pstrdup_opt(p, cols[3]);
    a->party = mnd_pstrdup_opt(p, cols[4]);
    a->basis = mnd_pstrdup_opt(p, cols[5]);
    a->via = mnd_pstrdup_opt(p, cols[6]);
    a->mandate_id = cols[7] ? strtoll(cols[7], NULL, 10) : 0;
    a->service_id = mnd_pstrdup_opt(p, cols[8]);
    a->actions = mnd_pstrdup_opt(p, cols[9]);
    a->txn_id = mnd_pstrdup_opt(p, cols[10]);
    a->detail = mnd_pstrdup_opt(p, cols[11]);
    *(mnd_audit_t **)apr_array_push(out) = a;
    return NULL;
}

mnd_error_t *mnd_audit_list(mnd_store_t *s, apr_pool_t *p, const mnd_audit_filter_t *f,
                            apr_array_header_t **out)
{
    const char *since = mnd_time_arg(p, f->since == MND_TIME_NONE ? INT64_MIN + 1 : f->since);
    const char *until = mnd_time_arg(p, f->until == MND_TIME_NONE ? INT64_MAX - 1 : f->until);
    const char *limit = apr_itoa(p, f->limit > 0 ? f->limit : 100);
    *out = apr_array_make(p, 16, sizeof(mnd_audit_t *));
    return mnd_store_query(s, p, "audit_list",
                           MND_ARGV(f->actor, f->actor, f->party, f->party, since, until, limit),
                           audit_row, *out);
}
