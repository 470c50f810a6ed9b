/* The store of the HTTP benchmarks: see bench_store.h. */
#include "bench_store.h"

#include "synth.h"

#include <apr_strings.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The generator dates everything relative to MND_SYNTH_NOW, but httpd resolves at the wall
 * clock: move every validity and event time by the difference, so that the store has at
 * "now" exactly what it had at MND_SYNTH_NOW (the firm's 20,000 clients all active). */
static mnd_error_t *rebase_store(apr_pool_t *p, const char *path)
{
    static const char *const cols[] = {"mandate:valid_from",
                                       "mandate:valid_until",
                                       "mandate:created_at",
                                       "mandate:state_changed_at",
                                       "user_right:valid_from",
                                       "user_right:valid_until",
                                       "user_right:granted_at",
                                       "user_right:revoked_at",
                                       "kbo_function:valid_from",
                                       "kbo_function:valid_until",
                                       NULL};
    apr_int64_t d = (apr_int64_t)time(NULL) - (apr_int64_t)MND_SYNTH_NOW;
    sqlite3 *db;
    char *msg = NULL;
    const char *sql = "BEGIN;";
    int i, rc;
    for (i = 0; cols[i]; i++) {
        const char *c = strchr(cols[i], ':') + 1;
        sql = apr_psprintf(
            p, "%s UPDATE %.*s SET %s = %s + %" APR_INT64_T_FMT " WHERE %s IS NOT NULL;", sql,
            (int)(c - 1 - cols[i]), cols[i], c, c, d, c);
    }
    sql = apr_pstrcat(p, sql, " COMMIT;", NULL);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return mnd_error(p, MND_ESTORE, "cannot open %s: %s", path, sqlite3_errmsg(db));
    rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    sqlite3_close(db);
    if (rc != SQLITE_OK) {
        mnd_error_t *err = mnd_error(p, MND_ESTORE, "moving the store's times: %s", msg);
        sqlite3_free(msg);
        return err;
    }
    return NULL;
}

int mnd_bench_store_cmd(apr_pool_t *p, int argc, char **argv, const char *prog)
{
    mnd_synth_params_t prm;
    mnd_synth_stats_t st;
    mnd_synth_personas_t who;
    mnd_error_t *err = NULL;
    long mandates = 100000;
    uint64_t seed = 42;
    int i, reuse = 0;
    for (i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--mandates") && i + 1 < argc)
            mandates = atol(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reuse"))
            reuse = 1;
        else {
            fprintf(stderr, "usage: %s store PATH [--mandates N] [--seed N] [--reuse]\n", prog);
            return 2;
        }
    }
    mnd_synth_defaults(&prm, mandates);
    prm.seed = seed;
    prm.verbose = 1;
    if (!reuse || (err = mnd_synth_check(p, argv[2], &prm)) != NULL) {
        fprintf(stderr, "%s: building %s (%ld mandates, %ld firm clients)\n", prog, argv[2],
                prm.mandates, prm.firm_clients);
        err = mnd_synth_build(p, argv[2], &prm, &st);
        if (!err)
            err = rebase_store(p, argv[2]);
    }
    if (err) {
        fprintf(stderr, "%s: %s\n", prog, err->msg);
        return 1;
    }
    mnd_synth_personas(&who);
    printf("CITIZEN=%s\nCITIZEN_PARTY=%s\nDIRECTOR=%s\nEMPLOYEE=%s\nFIRM=%s\nFIRM_CLIENTS=%ld\n"
           "SERVICE=%s\n",
           who.citizen, who.citizen_party, who.director, who.employee, who.firm, prm.firm_clients,
           MND_SYNTH_SERVICE);
    return 0;
}
