/* The audit trail: every issuance (who acted for whom, basis, mandate, service, actions, time,
 * transaction id) and every administrative change is recorded in the store. */
#ifndef MND_CORE_AUDIT_H
#define MND_CORE_AUDIT_H

#include "core/model.h"
#include "store/store.h"

typedef struct mnd_audit_t {
    int64_t id;
    mnd_time_t at;
    const char *event;      /* "capacity.chosen", "mandate.give", "right.grant", ... */
    const char *actor;      /* INSZ or operator:<name> */
    const char *party;      /* represented party / object party, may be NULL */
    const char *basis;      /* may be NULL */
    const char *via;        /* intermediary, may be NULL */
    int64_t mandate_id;     /* 0 if none */
    const char *service_id; /* may be NULL */
    const char *actions;    /* space-separated, may be NULL */
    const char *txn_id;     /* may be NULL */
    const char *detail;     /* free text, may be NULL */
} mnd_audit_t;

/* Append a record (id is ignored). */
mnd_error_t *mnd_audit_write(mnd_store_t *s, apr_pool_t *p, const mnd_audit_t *a);

typedef struct mnd_audit_filter_t {
    const char *actor;      /* NULL = any */
    const char *party;      /* NULL = any */
    mnd_time_t since, until; /* MND_TIME_NONE = unbounded */
    int limit;              /* 0 = 100 */
} mnd_audit_filter_t;

/* Records matching f, newest first (array of mnd_audit_t *). */
mnd_error_t *mnd_audit_list(mnd_store_t *s, apr_pool_t *p, const mnd_audit_filter_t *f,
                            apr_array_header_t **out);

extern const mnd_sql_t mnd_sql_audit[];

#endif
