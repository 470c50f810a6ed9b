/* Synthetic stores for the benchmarks. The schema comes from the real migrations; the rows are
 * bulk-loaded with the sqlite3 C API, because going through the core (one audited transaction
 * per mandate) would take hours for 10 million mandates and measure nothing we care about.
 *
 * Everything is deterministic: the same parameters and seed give the same file. Party ids come
 * from fixed permutations of their index, so the personas have the same ids in every store and
 * a reused store needs no side file to name them. */
#ifndef MND_BENCH_SYNTH_H
#define MND_BENCH_SYNTH_H

#include "util/error.h"
#include "util/ident.h"
#include "util/timeutil.h"

#include <stdint.h>

/* The "now" of every synthetic store (2026-01-01T00:00:00Z): validity and expiry are relative
 * to it, so results do not drift with the wall clock. */
#define MND_SYNTH_NOW ((mnd_time_t)1767225600)

/* The service the personas are resolved for (6 actions, accepts every basis). */
#define MND_SYNTH_SERVICE "wse-loket"

/* The level of assurance the benchmark resolves with (the services ask at most this). */
#define MND_SYNTH_LOA 3

typedef struct mnd_synth_params_t {
    long mandates;          /* mandate rows in total, the personas' included */
    long enterprises;       /* organisations (party rows of kind org) */
    long persons;           /* natural persons (party rows of kind person) */
    long firm_clients;      /* active mandates of the accountant firm for MND_SYNTH_SERVICE */
    int firm_employees;     /* persons holding ssm_mandaatuitvoerder at the firm */
    int director_companies; /* representative KBO functions of the director persona */
    uint64_t seed;
    int recreate_indexes;   /* drop the schema's secondary indexes for the load, then rebuild */
    int verbose;            /* progress on stderr */
} mnd_synth_params_t;

typedef struct mnd_synth_personas_t {
    char citizen[MND_INSZ_LEN + 1];      /* self + one mandate from citizen_party */
    char citizen_party[MND_KBO_LEN + 1];
    char director[MND_INSZ_LEN + 1];     /* self + director_companies KBO functions */
    char employee[MND_INSZ_LEN + 1];     /* self + firm_clients mandates through the firm */
    char firm[MND_KBO_LEN + 1];          /* the accountant firm */
} mnd_synth_personas_t;

typedef struct mnd_synth_stats_t {
    long parties, services, actions, kbo_functions, rights, mandates;
    long firm_other_mandates;   /* the firm's mandates that are not active for the service */
    double seconds_load;        /* schema, rows and commit */
    double seconds_index;       /* rebuilding dropped indexes (0 when kept during the load) */
} mnd_synth_stats_t;

/* Parameters for a store of `mandates` mandate rows: enterprises = mandates / 10 (at least
 * 1,000), persons = 2 x enterprises, 20,000 firm clients (fewer if the store is too small for
 * them), 50 employees, 5 companies, seed 42, indexes rebuilt after the load. */
void mnd_synth_defaults(mnd_synth_params_t *prm, long mandates);

/* The persona identifiers (the same for every store). */
void mnd_synth_personas(mnd_synth_personas_t *out);

/* Build the store at path, replacing any file there: migrate with the core, then bulk-load.
 * The result carries exactly the schema's tables and indexes; path.params records prm. */
mnd_error_t *mnd_synth_build(apr_pool_t *p, const char *path, const mnd_synth_params_t *prm,
                             mnd_synth_stats_t *stats);

/* Check that the store at path was built by this generator with prm (path.params) and has
 * the migrations' schema; MND_ENOTFOUND when there is no usable store, so the caller rebuilds
 * it. */
mnd_error_t *mnd_synth_check(apr_pool_t *p, const char *path, const mnd_synth_params_t *prm);

/* Write enterprise.csv and denomination.csv (KBO Open Data layout, rows data rows each,
 * sorted by number as KBO publishes them) into directory dir. */
mnd_error_t *mnd_synth_kbo_csv(apr_pool_t *p, const char *dir, long rows, uint64_t seed);

#endif
