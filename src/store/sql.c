/* The registry of every SQL statement of the core. Each concern keeps its statements beside
 * its code; this file lists the tables so that the module can have mod_dbd prepare them all. */
#include "core/audit.h"
#include "core/authority.h"
#include "core/mandate.h"
#include "core/party.h"
#include "core/recent.h"
#include "core/resolve.h"
#include "core/rights.h"
#include "core/service.h"
#include "kbo/import.h"
#include "store/store.h"

#include <stdlib.h>

static const mnd_sql_t sql_store[] = {
    {"schema_version_get", "SELECT MAX(version) FROM schema_version", NULL},
    {"schema_version_add", "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)",
     NULL},
    {NULL, NULL, NULL},
};

static const mnd_sql_t *const tables[] = {
    sql_store,      mnd_sql_party,   mnd_sql_service, mnd_sql_authority, mnd_sql_rights,
    mnd_sql_mandate, mnd_sql_resolve, mnd_sql_audit,   mnd_sql_kbo,       mnd_sql_recent,
};

const mnd_sql_t *mnd_sql_all(apr_pool_t *p, int *n)
{
    /* Built once per process and kept for its lifetime (it is read by every connection). */
    static mnd_sql_t *all;
    static int count;
    size_t t;
    const mnd_sql_t *st;
    (void)p;

    if (!all) {
        int total = 0, i = 0;
        for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
            for (st = tables[t]; st->label; st++)
                total++;
        all = malloc(sizeof(*all) * (size_t)(total ? total : 1));
        if (!all)
            abort();
        for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
            for (st = tables[t]; st->label; st++)
                all[i++] = *st;
        count = total;
    }
    *n = count;
    return all;
}
