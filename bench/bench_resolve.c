/* bench_resolve: latency of mnd_capacities for three personas on a small and a large synthetic
 * store, and the throughput of mnd_kbo_import, each with a ratio to a baseline measured in the
 * same process. Prints one markdown report to stdout; progress goes to stderr.
 * See bench/README.md for how to run it and the figures of a measured run. */
#include "synth.h"

#include "core/resolve.h"
#include "kbo/import.h"
#include "store/schema.h"
#include "store/store.h"
#include "util/csv.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define N_PERSONAS 3
/* Each persona is resolved without the resolution cache, with a cache that misses (the first
 * request after any change to the store), and with a warm cache. */
enum { MODE_NONE = 0, MODE_COLD, MODE_WARM, N_MODES };
#define N_CASES (N_MODES * N_PERSONAS)
static const char *const mode_names[N_MODES] = {"none", "cold", "warm"};
#define TARGET_SMALL_MS 0.2      /* p99 for the citizen and the director */
#define TARGET_LARGE_MS 5.0      /* p99 for the 20,000-row employee */
#define TARGET_FLAT_RATIO 1.5    /* large-store p99 over small-store p99 */
#define FLAT_SLACK_MS 0.02       /* below this, a difference is scheduler noise */
#define TARGET_IMPORT_RPS 200000.0
#define MIN_RUNS 100             /* a slow case still gets this many timed runs */

typedef struct opts_t {
    long small, large, kbo_rows;
    const char *dir;
    int reuse, iterations, keep_indexes, import_runs;
    double budget;               /* seconds of timed runs per case, at least MIN_RUNS runs */
    uint64_t seed;
    const char *pragmas[8];      /* what-if PRAGMAs for the measured connections */
    int npragmas;
} opts_t;

typedef struct sample_t {
    double p50, p99, max;        /* wall-clock milliseconds */
    double cpu_p50;              /* CPU milliseconds of the process: on a shared machine the
                                    wall clock includes waiting for a core, this does not */
} sample_t;

typedef struct case_t {
    const char *persona;
    const char *person;
    int mode;                    /* MODE_NONE, MODE_COLD, MODE_WARM */
    int iterations;              /* timed runs (fewer for MODE_COLD) */
    int expect_rows, rows, misses;
    double target_ms;
    sample_t t;
    const char *error;           /* NULL when measured */
} case_t;

typedef struct store_run_t {
    const char *label;
    mnd_synth_params_t prm;
    mnd_synth_stats_t stats;
    int built;
    double size_mib;
    sample_t baseline;
    int baseline_runs;
    case_t cases[N_CASES];
    mnd_resolve_cache_stats_t cache;
    const char *error;
} store_run_t;

#define MAX_IMPORT_RUNS 9

typedef struct import_run_t {
    long rows, base_rows;
    int runs;                    /* alternating baseline and import runs */
    double secs[MAX_IMPORT_RUNS], base_secs[MAX_IMPORT_RUNS];
    double cpus[MAX_IMPORT_RUNS], base_cpus[MAX_IMPORT_RUNS];
    double seconds, base_seconds; /* medians */
    double cpu, base_cpu;        /* CPU seconds: medians */
    long maxrss_mib;
    const char *error;
} import_run_t;

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_seconds(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

static double cpu_seconds(void)
{
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles of the wall times v and the median of the CPU times cpu. */
static sample_t summarise(double *v, double *cpu, int n)
{
    sample_t s;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    qsort(cpu, (size_t)n, sizeof(*cpu), cmp_double);
    s.p50 = v[(n + 1) / 2 - 1];
    s.p99 = v[(int)((n * 99 + 99) / 100) - 1];
    s.max = v[n - 1];
    s.cpu_p50 = cpu[(n + 1) / 2 - 1];
    return s;
}

static const char *count_label(apr_pool_t *p, long n)
{
    if (n >= 1000000 && n % 1000000 == 0)
        return apr_psprintf(p, "%ldM", n / 1000000);
    if (n >= 1000 && n % 1000 == 0)
        return apr_psprintf(p, "%ldk", n / 1000);
    return apr_psprintf(p, "%ld", n);
}

static int warmups(int iterations)
{
    return iterations / 10 < 5 ? 5 : iterations / 10;
}

/* ---- capacity resolution ---- */

static mnd_error_t *count_row(void *baton, apr_pool_t *p, const char *const *cols, int ncols)
{
    ++*(int *)baton;
    return NULL;
}

/* The floor: one prepared one-row SELECT through the same store layer. The store registers
 * only the core's statements, so this is the smallest of them ("SELECT MAX(version) FROM
 * schema_version", a one-row table). */
static mnd_error_t *time_baseline(mnd_store_t *s, apr_pool_t *p, int iterations, sample_t *out)
{
    apr_pool_t *it;
    double *v = apr_palloc(p, sizeof(*v) * (size_t)iterations);
    double *cpu = apr_palloc(p, sizeof(*cpu) * (size_t)iterations);
    int i, rows;
    apr_pool_create(&it, p);
    for (i = -warmups(iterations); i < iterations; i++) {
        double t0, c0;
        mnd_error_t *err;
        apr_pool_clear(it);
        rows = 0;
        c0 = cpu_seconds();
        t0 = now_seconds();
        err = mnd_store_query(s, it, "schema_version_get", 0, NULL, count_row, &rows);
        if (i >= 0) {
            v[i] = (now_seconds() - t0) * 1e3;
            cpu[i] = (cpu_seconds() - c0) * 1e3;
        }
        if (err || rows != 1)
            return mnd_error(p, MND_ESTORE, "baseline query failed: %s", err ? err->msg : "no row");
    }
    apr_pool_destroy(it);
    *out = summarise(v, cpu, iterations);
    return NULL;
}

/* A cold cache is rebuilt for every run, which for a large taker means reading and filling
 * 20,000 rows: a tenth of the iterations (at least 20) tell its cost well enough. */
static int cold_iterations(int iterations)
{
    return iterations / 10 < 20 ? (iterations < 20 ? iterations : 20) : iterations / 10;
}

static mnd_error_t *time_case(mnd_store_t *s, apr_pool_t *p, mnd_resolve_cache_t *warm,
                              int iterations, double budget, case_t *c)
{
    apr_pool_t *it, *cp;
    double *v, *cpu;
    mnd_error_t *err = NULL;
    int i;

    double warm_total = 0;
    int n = iterations;

    if (c->mode == MODE_COLD)
        iterations = n = cold_iterations(iterations);
    v = apr_palloc(p, sizeof(*v) * (size_t)iterations);
    cpu = apr_palloc(p, sizeof(*cpu) * (size_t)iterations);
    apr_pool_create(&cp, p);
    apr_pool_create(&it, p);
    for (i = -warmups(iterations); !err && i < n; i++) {
        mnd_resolve_cache_t *cache = c->mode == MODE_WARM ? warm : NULL;
        mnd_resolution_t *res = NULL;
        double t0, c0;
        apr_pool_clear(it);
        if (c->mode == MODE_COLD) {
            apr_pool_clear(cp);
            err = mnd_resolve_cache_create(cp, 0, 0, &cache);
        }
        c0 = cpu_seconds();
        t0 = now_seconds();
        if (!err)
            err = mnd_capacities_ex(s, it, cache, c->person, MND_SYNTH_SERVICE, MND_SYNTH_NOW,
                                    MND_SYNTH_LOA, &res);
        if (i >= 0) {
            v[i] = (now_seconds() - t0) * 1e3;
            cpu[i] = (cpu_seconds() - c0) * 1e3;
        } else {
            /* After the warm-up, fit the timed runs into the budget. */
            warm_total += now_seconds() - t0;
            if (i == -1 && warm_total > 0 && n > MIN_RUNS) {
                double fit = budget / (warm_total / warmups(iterations));
                n = fit < MIN_RUNS ? MIN_RUNS : fit < n ? (int)fit : n;
            }
        }
        if (err) {
            err = mnd_error(p, err->rc, "%s", err->msg);
        } else {
            c->rows = res->capacities->nelts;
            c->misses = res->near_misses ? res->near_misses->nelts : 0;
        }
    }
    /* The resolution's references into a cache go with its pool, before the cache. */
    apr_pool_destroy(it);
    apr_pool_destroy(cp);
    if (err)
        return err;
    c->iterations = n;
    c->t = summarise(v, cpu, n);
    return NULL;
}

static double file_mib(apr_pool_t *p, const char *path)
{
    struct stat st;
    double mib = 0;
    if (stat(path, &st) == 0)
        mib += (double)st.st_size;
    if (stat(apr_pstrcat(p, path, "-wal", NULL), &st) == 0)
        mib += (double)st.st_size;
    return mib / (1024.0 * 1024.0);
}

static void setup_cases(store_run_t *r, const mnd_synth_personas_t *who)
{
    static const char *const names[N_PERSONAS] = {
        "citizen, one party", "director of 5 companies", "employee of the accountant firm"};
    const char *persons[N_PERSONAS] = {who->citizen, who->director, who->employee};
    int expect[N_PERSONAS] = {2, 1 + r->prm.director_companies, 1 + (int)r->prm.firm_clients};
    double target[N_PERSONAS] = {TARGET_SMALL_MS, TARGET_SMALL_MS, TARGET_LARGE_MS};
    int k, m;
    for (k = 0; k < N_PERSONAS; k++)
        for (m = 0; m < N_MODES; m++) {
            case_t *c = &r->cases[k * N_MODES + m];
            memset(c, 0, sizeof(*c));
            c->persona = k == 1 && r->prm.director_companies != 5 ? "director of N companies"
                                                                  : names[k];
            c->person = persons[k];
            c->mode = m;
            c->expect_rows = expect[k];
            c->target_ms = target[k];
        }
}

/* Build (or reuse) the store, then time the baseline and the three personas on it. */
static void run_store(apr_pool_t *p, const opts_t *o, long mandates, store_run_t *r)
{
    const char *path = apr_psprintf(p, "%s/store-%ld.db", o->dir, mandates);
    mnd_synth_personas_t who;
    mnd_store_t *s;
    mnd_resolve_cache_t *cache = NULL;
    mnd_error_t *err = NULL;
    apr_pool_t *sp;
    int i;

    mnd_synth_defaults(&r->prm, mandates);
    r->prm.seed = o->seed;
    r->prm.recreate_indexes = !o->keep_indexes;
    r->prm.verbose = 1;
    r->label = count_label(p, mandates);
    mnd_synth_personas(&who);
    setup_cases(r, &who);
    if (!o->reuse || (err = mnd_synth_check(p, path, &r->prm)) != NULL) {
        if (err)
            fprintf(stderr, "bench: rebuilding: %s\n", err->msg);
        fprintf(stderr, "bench: building %s (%ld mandates, %ld enterprises, %ld persons)\n",
                path, r->prm.mandates, r->prm.enterprises, r->prm.persons);
        if ((err = mnd_synth_build(p, path, &r->prm, &r->stats)) != NULL) {
            r->error = err->msg;
            return;
        }
        r->built = 1;
    }
    r->size_mib = file_mib(p, path);
    apr_pool_create(&sp, p);
    err = mnd_store_open(sp, "sqlite3", path, &s);
    for (i = 0; !err && i < o->npragmas; i++)
        /* apr_dbd's sqlite3 driver takes a returned row for an error (PRAGMA mmap_size
         * returns one); a trailing statement without rows ends the batch cleanly. */
        err = mnd_store_exec_raw(s, sp, apr_pstrcat(sp, "PRAGMA ", o->pragmas[i],
                                                    "; SELECT 1 WHERE 0", NULL));
    if (!err)
        err = time_baseline(s, sp, o->iterations, &r->baseline);
    r->baseline_runs = o->iterations;
    /* One cache per store, as one per process and store in httpd. */
    if (!err)
        err = mnd_resolve_cache_create(sp, 0, 0, &cache);
    for (i = 0; !err && i < N_CASES; i++) {
        mnd_error_t *cerr;
        fprintf(stderr, "bench: %s store, %s, cache %s\n", r->label, r->cases[i].persona,
                mode_names[r->cases[i].mode]);
        cerr = time_case(s, sp, cache, o->iterations, o->budget, &r->cases[i]);
        if (cerr)
            r->cases[i].error = apr_pstrdup(p, cerr->msg);
    }
    if (cache)
        mnd_resolve_cache_stats(cache, &r->cache);
    if (err)
        r->error = apr_pstrdup(p, err->msg);
    apr_pool_destroy(sp);
}

/* ---- KBO import ---- */

static mnd_error_t *fresh_store(apr_pool_t *p, const char *path)
{
    apr_pool_t *sp;
    mnd_store_t *s;
    mnd_error_t *err;
    unlink(path);
    unlink(apr_pstrcat(p, path, "-wal", NULL));
    unlink(apr_pstrcat(p, path, "-shm", NULL));
    apr_pool_create(&sp, p);
    err = mnd_store_open(sp, "sqlite3", path, &s);
    if (!err)
        err = mnd_store_migrate(s, sp, NULL, NULL);
    if (err)
        err = mnd_error(p, err->rc, "%s", err->msg);
    apr_pool_destroy(sp);
    return err;
}

static void strip_dots(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; *in && n + 1 < len; in++)
        if (*in != '.')
            out[n++] = *in;
    out[n] = '\0';
}

static mnd_error_t *raw_fail(apr_pool_t *p, sqlite3 *db, const char *what)
{
    return mnd_error(p, MND_ESTORE, "baseline import: %s: %s", what, sqlite3_errmsg(db));
}

/* Read one KBO file with the core's CSV reader and run st for each data row; bind binds the
 * row's fields. Rows the binder skips (returns 0) still count as read. */
typedef int (*raw_bind_fn)(sqlite3_stmt **st, char **f, int nf, char *id, size_t idlen);

static mnd_error_t *raw_file(apr_pool_t *p, sqlite3 *db, const char *path, sqlite3_stmt **st,
                             raw_bind_fn bind, long *rows)
{
    mnd_csv_t *c;
    char **f, id[16];
    int nf, header = 1, which;
    MND_TRY(mnd_csv_open(p, path, &c));
    for (;;) {
        mnd_error_t *err = mnd_csv_next(c, &f, &nf);
        if (err || nf == 0) {
            mnd_csv_close(c);
            return err;
        }
        if (header-- > 0)
            continue;
        ++*rows;
        if ((which = bind(st, f, nf, id, sizeof(id))) < 0)
            continue;
        if (sqlite3_step(st[which]) != SQLITE_DONE) {
            mnd_csv_close(c);
            return raw_fail(p, db, path);
        }
        sqlite3_reset(st[which]);
    }
}

static int bind_enterprise(sqlite3_stmt **st, char **f, int nf, char *id, size_t idlen)
{
    if (nf < 7)
        return -1;
    strip_dots(f[0], id, idlen);
    sqlite3_bind_text(st[0], 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st[0], 2, strcmp(f[1], "AC") == 0 ? "active" : "stopped", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st[0], 3, MND_SYNTH_NOW);
    return 0;
}

/* Language codes of KBO: 1 fr, 2 nl, 3 de, 4 en; only legal names (type 001). */
static int bind_denomination(sqlite3_stmt **st, char **f, int nf, char *id, size_t idlen)
{
    int lang = nf >= 4 ? atoi(f[1]) : 0;
    static const int column[5] = {-1, 1, 0, 2, 3};
    if (lang < 1 || lang > 4 || strcmp(f[2], "001") != 0)
        return -1;
    strip_dots(f[0], id, idlen);
    sqlite3_bind_text(st[column[lang]], 1, f[3], -1, SQLITE_STATIC);
    sqlite3_bind_text(st[column[lang]], 2, id, -1, SQLITE_STATIC);
    return column[lang];
}

/* The floor for the import: the same files through the same CSV reader into a migrated store
 * with the same pragmas as mnd_store_open, one prepared upsert per enterprise and one prepared
 * update per name, one transaction, no validation. */
static mnd_error_t *raw_import(apr_pool_t *p, const char *db_path, const char *epath,
                               const char *dpath, long *rows, double *seconds, double *cpu)
{
    static const char *const names[4] = {"nl", "fr", "de", "en"};
    sqlite3 *db = NULL;
    sqlite3_stmt *ins[1] = {NULL}, *upd[4] = {NULL, NULL, NULL, NULL};
    mnd_error_t *err = NULL;
    double t0, c0;
    int i;
    if (sqlite3_open(db_path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
                         " PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
        err = raw_fail(p, db, db_path);
    c0 = cpu_seconds();
    t0 = now_seconds();
    if (!err && sqlite3_prepare_v2(db, "INSERT INTO party (id, kind, status, updated_at)"
                                       " VALUES (?, 'org', ?, ?) ON CONFLICT (id) DO UPDATE SET"
                                       " status = excluded.status, updated_at = excluded.updated_at",
                                   -1, &ins[0], NULL) != SQLITE_OK)
        err = raw_fail(p, db, "prepare");
    for (i = 0; !err && i < 4; i++)
        if (sqlite3_prepare_v2(db, apr_psprintf(p, "UPDATE party SET name_%s = ? WHERE id = ?",
                                                names[i]), -1, &upd[i], NULL) != SQLITE_OK)
            err = raw_fail(p, db, "prepare");
    if (!err && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        err = raw_fail(p, db, "BEGIN");
    if (!err)
        err = raw_file(p, db, epath, ins, bind_enterprise, rows);
    if (!err)
        err = raw_file(p, db, dpath, upd, bind_denomination, rows);
    if (!err && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = raw_fail(p, db, "COMMIT");
    *seconds = now_seconds() - t0;
    *cpu = cpu_seconds() - c0;
    sqlite3_finalize(ins[0]);
    for (i = 0; i < 4; i++)
        sqlite3_finalize(upd[i]);
    sqlite3_close(db);
    return err;
}

static mnd_error_t *core_import(apr_pool_t *p, const char *db_path, const char *epath,
                                const char *dpath, long *rows, double *seconds, double *cpu)
{
    apr_pool_t *sp;
    mnd_store_t *s;
    mnd_kbo_import_t in;
    mnd_kbo_stats_t stats;
    mnd_error_t *err;
    double t0, c0;
    memset(&in, 0, sizeof(in));
    memset(&stats, 0, sizeof(stats));
    in.path[MND_KBO_ENTERPRISE] = epath;
    in.path[MND_KBO_DENOMINATION] = dpath;
    in.now = MND_SYNTH_NOW;
    apr_pool_create(&sp, p);
    err = mnd_store_open(sp, "sqlite3", db_path, &s);
    c0 = cpu_seconds();
    t0 = now_seconds();
    if (!err)
        err = mnd_kbo_import(s, sp, &in, &stats);
    *seconds = now_seconds() - t0;
    *cpu = cpu_seconds() - c0;
    *rows = stats.rows[MND_KBO_ENTERPRISE] + stats.rows[MND_KBO_DENOMINATION];
    if (err)
        err = mnd_error(p, err->rc, "%s", err->msg);
    apr_pool_destroy(sp);
    return err;
}

/* Peak resident memory of the process (since the last reset_peak_rss where the kernel
 * allows one), in MiB (Linux; 0 elsewhere). */
static long peak_rss_mib(void)
{
    char line[128];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb / 1024;
}

/* Writing 5 to clear_refs resets VmHWM where the kernel allows it (the import also runs
 * before anything else, so the peak is the import's even where it does not). */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* The median of n values (0 for none); v is reordered. */
static double median(double *v, int n)
{
    if (n < 1)
        return 0;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void run_import(apr_pool_t *p, const opts_t *o, import_run_t *r)
{
    const char *kdir = apr_psprintf(p, "%s/kbo-%ld", o->dir, o->kbo_rows);
    const char *epath = apr_pstrcat(p, kdir, "/enterprise.csv", NULL);
    const char *dpath = apr_pstrcat(p, kdir, "/denomination.csv", NULL);
    const char *base_db = apr_pstrcat(p, o->dir, "/import-baseline.db", NULL);
    const char *core_db = apr_pstrcat(p, o->dir, "/import.db", NULL);
    mnd_error_t *err = NULL;
    int i;

    if (mkdir(kdir, 0755) != 0 && errno != EEXIST) {
        r->error = apr_psprintf(p, "cannot create %s", kdir);
        return;
    }
    if (!o->reuse || access(epath, R_OK) != 0 || access(dpath, R_OK) != 0) {
        fprintf(stderr, "bench: writing KBO files (%ld rows each) in %s\n", o->kbo_rows, kdir);
        err = mnd_synth_kbo_csv(p, kdir, o->kbo_rows, o->seed);
    }
    /* Throughput on a shared machine varies from run to run: alternate the two and report
     * the medians. */
    reset_peak_rss();
    for (i = 0; !err && i < o->import_runs; i++) {
        fprintf(stderr, "bench: KBO import run %d of %d: baseline, mnd_kbo_import\n", i + 1,
                o->import_runs);
        r->base_rows = r->rows = 0;
        err = fresh_store(p, base_db);
        if (!err)
            err = raw_import(p, base_db, epath, dpath, &r->base_rows, &r->base_secs[i],
                             &r->base_cpus[i]);
        if (!err)
            err = fresh_store(p, core_db);
        if (!err)
            err = core_import(p, core_db, epath, dpath, &r->rows, &r->secs[i], &r->cpus[i]);
        r->runs = i + 1;
    }
    if (err)
        r->error = err->msg;
    r->base_seconds = median(r->base_secs, r->runs);
    r->base_cpu = median(r->base_cpus, r->runs);
    r->seconds = median(r->secs, r->runs);
    r->cpu = median(r->cpus, r->runs);
    r->maxrss_mib = peak_rss_mib();
}

/* ---- the report ---- */

static const char *verdict(int ok)
{
    return ok ? "pass" : "**FAIL**";
}

static void print_machine(const opts_t *o)
{
    struct utsname u;
    char line[256], model[256] = "unknown CPU";
    long mem_kb = 0;
    double load[3];
    int i;
    mnd_synth_personas_t who;
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
    f = fopen("/proc/meminfo", "r");
    if (f && fscanf(f, "MemTotal: %ld kB", &mem_kb) != 1)
        mem_kb = 0;
    if (f)
        fclose(f);
    uname(&u);
    printf("Machine: %s, %ld CPUs, %.0f GiB RAM, %s %s; SQLite %s.\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), (double)mem_kb / 1048576.0, u.sysname, u.release,
           sqlite3_libversion());
    /* Other work on the machine shows in the tails: say how busy it was. */
    f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3)
        printf("Load average at the end of the run (1, 5, 15 min): %.2f %.2f %.2f.\n", load[0],
               load[1], load[2]);
    if (f)
        fclose(f);
    printf("Resolution: service %s at 2026-01-01T00:00:00Z, LoA %d, %d runs per case (or what "
           "fits in %g s, at least %d) after %d warm-up runs, each in a cleared pool; seed %llu; "
           "stores in %s.\n", MND_SYNTH_SERVICE, MND_SYNTH_LOA, o->iterations, o->budget,
           MIN_RUNS, warmups(o->iterations), (unsigned long long)o->seed, o->dir);
    mnd_synth_personas(&who);
    printf("Personas: citizen %s (one mandate from %s), director %s, employee %s of the "
           "accountant firm %s.\n\n", who.citizen, who.citizen_party, who.director,
           who.employee, who.firm);
    for (i = 0; i < o->npragmas; i++)
        printf("**What-if run**: PRAGMA %s on the measured connections (not a store default).\n%s",
               o->pragmas[i], i + 1 == o->npragmas ? "\n" : "");
}

static void print_stores(const store_run_t *runs, int n)
{
    int i;
    printf("| store | enterprises | persons | mandates | KBO functions | rights | generated in "
           "| of which index rebuild | size |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (i = 0; i < n; i++) {
        const store_run_t *r = &runs[i];
        if (r->error && !r->built)
            printf("| %s | %ld | %ld | %ld | – | – | failed | – | – |\n", r->label,
                   r->prm.enterprises, r->prm.persons, r->prm.mandates);
        else if (r->built)
            printf("| %s | %ld | %ld | %ld | %ld | %ld | %.1f s | %.1f s | %.0f MiB |\n",
                   r->label, r->prm.enterprises, r->prm.persons, r->stats.mandates,
                   r->stats.kbo_functions, r->stats.rights,
                   r->stats.seconds_load + r->stats.seconds_index, r->stats.seconds_index,
                   r->size_mib);
        else
            printf("| %s | %ld | %ld | %ld | – | – | reused | – | %.0f MiB |\n", r->label,
                   r->prm.enterprises, r->prm.persons, r->prm.mandates, r->size_mib);
    }
    printf("\n");
}

static void print_resolution(const store_run_t *runs, int n)
{
    int i, k;
    printf("Latency of capacity resolution (milliseconds, after warm-up runs; the store's pages "
           "are in the OS page cache). Cache `none`: mnd_capacities; `cold`: "
           "mnd_capacities_ex with an empty resolution cache, as on the first request after "
           "any change to the store; `warm`: mnd_capacities_ex with the cache filled. Runs: "
           "timed resolutions (slow cases get fewer, at least %d). Baseline: one prepared "
           "one-row SELECT through mnd_store_query on the same connection.\n\n", MIN_RUNS);
    printf("| persona | store | cache | runs | capacities | near misses | p50 ms | p99 ms | max ms "
           "| CPU p50 ms | p50 ÷ baseline | per row ÷ baseline | target p99 | result |\n"
           "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for (i = 0; i < n; i++) {
        const store_run_t *r = &runs[i];
        double b = r->baseline.p50;
        if (r->error) {
            printf("| (all) | %s | – | – | – | – | – | – | – | – | – | – | – | error: %s |\n",
                   r->label, r->error);
            continue;
        }
        printf("| baseline SELECT | %s | – | %d | 1 | – | %.4f | %.4f | %.4f | %.4f | 1 | 1 | – "
               "| – |\n", r->label, r->baseline_runs, b, r->baseline.p99, r->baseline.max,
               r->baseline.cpu_p50);
        for (k = 0; k < N_CASES; k++) {
            const case_t *c = &r->cases[k];
            const char *mode = mode_names[c->mode];
            char rows[48];
            if (c->error) {
                printf("| %s | %s | %s | – | – | – | – | – | – | – | – | – | < %g ms | error: %s |\n",
                       c->persona, r->label, mode, c->target_ms, c->error);
                continue;
            }
            if (c->rows == c->expect_rows)
                snprintf(rows, sizeof(rows), "%d", c->rows);
            else
                snprintf(rows, sizeof(rows), "%d (expected %d)", c->rows, c->expect_rows);
            printf("| %s | %s | %s | %d | %s | %d | %.3f | %.3f | %.3f | %.3f | %.0f | %.1f "
                   "| < %g ms | %s |\n",
                   c->persona, r->label, mode, c->iterations, rows, c->misses, c->t.p50, c->t.p99, c->t.max,
                   c->t.cpu_p50, c->t.p50 / b, c->t.p50 / (c->rows ? c->rows : 1) / b,
                   c->target_ms, verdict(c->t.p99 < c->target_ms));
        }
        printf("%s", i + 1 == n ? "\n" : "");
    }
    for (i = 0; i < n; i++)
        printf("Resolution cache after the %s store: %lu hits, %lu misses, %lu entries, "
               "%lu rows.\n%s", runs[i].label, runs[i].cache.hits, runs[i].cache.misses,
               (unsigned long)runs[i].cache.entries, (unsigned long)runs[i].cache.rows,
               i + 1 == n ? "\n" : "");
}

static void print_flat(const store_run_t *small, const store_run_t *large)
{
    double bs = small->baseline.p50, bl = large->baseline.p50;
    int k;
    printf("Growth from the %s to the %s store (target: p99 ratio ≤ %.1f, or a difference "
           "under %.2f ms). The last ratio divides each p50 by its store's baseline first, "
           "which takes out a change in the machine's speed between the two parts of the "
           "run.\n\n", small->label, large->label, TARGET_FLAT_RATIO, FLAT_SLACK_MS);
    printf("| persona | cache | p50 %s | p50 %s | ratio | p99 %s | p99 %s | ratio | result "
           "| p50 ÷ baseline ratio |\n|---|---|--:|--:|--:|--:|--:|--:|---|--:|\n",
           small->label, large->label, small->label, large->label);
    for (k = 0; k < N_CASES; k++) {
        const case_t *a = &small->cases[k], *b = &large->cases[k];
        if (small->error || large->error || a->error || b->error)
            continue;
        printf("| %s | %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | %s | %.2f |\n",
               a->persona, mode_names[a->mode], a->t.p50, b->t.p50, b->t.p50 / a->t.p50,
               a->t.p99, b->t.p99, b->t.p99 / a->t.p99,
               verdict(b->t.p99 <= TARGET_FLAT_RATIO * a->t.p99 ||
                       b->t.p99 - a->t.p99 < FLAT_SLACK_MS),
               (b->t.p50 / bl) / (a->t.p50 / bs));
    }
    printf("\n");
}

static void print_import(const opts_t *o, const import_run_t *r)
{
    double base = r->base_seconds > 0 ? (double)r->base_rows / r->base_seconds : 0;
    double rps = r->seconds > 0 ? (double)r->rows / r->seconds : 0;
    printf("KBO import of enterprise.csv + denomination.csv (%ld + %ld rows) into a fresh SQLite "
           "store; medians of %d runs alternating with the baseline. Baseline: the same files "
           "through the same CSV reader into the same schema with raw sqlite3 prepared "
           "statements, one transaction, no validation.\n\n",
           o->kbo_rows, o->kbo_rows, r->runs);
    printf("| run | rows | seconds | CPU seconds | rows/s | rows per CPU second | ÷ baseline "
           "| target | result |\n|---|--:|--:|--:|--:|--:|--:|--:|---|\n");
    if (r->base_rows)
        printf("| raw sqlite3 baseline | %ld | %.2f | %.2f | %.0f | %.0f | 1 | – | – |\n",
               r->base_rows, r->base_seconds, r->base_cpu, base,
               r->base_cpu > 0 ? (double)r->base_rows / r->base_cpu : 0);
    if (r->error)
        printf("| mnd_kbo_import | – | – | – | – | – | – | ≥ %.0f rows/s | error: %s |\n",
               TARGET_IMPORT_RPS, r->error);
    else
        printf("| mnd_kbo_import | %ld | %.2f | %.2f | %.0f | %.0f | %.2f | ≥ %.0f rows/s | %s |\n",
               r->rows, r->seconds, r->cpu, rps, r->cpu > 0 ? (double)r->rows / r->cpu : 0,
               base > 0 ? rps / base : 0, TARGET_IMPORT_RPS, verdict(rps >= TARGET_IMPORT_RPS));
    printf("\nPeak resident memory of the process after the imports (they run first): %ld MiB.\n\n",
           r->maxrss_mib);
}

/* ---- main ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_resolve [--small N] [--large N] [--dir DIR] [--reuse] "
               "[--iterations N]\n"
               "                     [--budget S] [--kbo-rows N] [--import-runs N] [--seed N]\n"
               "                     [--keep-indexes] [--pragma P]... [--smoke]\n"
               "  --small N       mandates in the small store (default 100000; 0 skips it)\n"
               "  --large N       mandates in the large store (default 10000000, with N/10\n"
               "                  enterprises and N/5 persons; 0 skips it)\n"
               "  --dir DIR       where stores and KBO files live (default /var/tmp/mandaat-bench)\n"
               "  --reuse         keep stores and KBO files that match the parameters\n"
               "  --iterations N  timed resolutions per persona and store (default 1000)\n"
               "  --budget S      but no more than fit in S seconds, and at least 100\n"
               "                  (default 60)\n"
               "  --kbo-rows N    rows of enterprise.csv and of denomination.csv (default\n"
               "                  1000000; 0 skips the import)\n"
               "  --import-runs N import runs, alternating with the baseline; medians are\n"
               "                  reported (default 3, at most 9)\n"
               "  --seed N        generator seed (default 42)\n"
               "  --keep-indexes  load with the schema's indexes in place instead of rebuilding\n"
               "  --pragma P      run PRAGMA P on the measured connections (what-if analysis,\n"
               "                  e.g. --pragma mmap_size=1073741824; repeatable)\n"
               "  --smoke         tiny run for CI: --small 20000 --large 0 --kbo-rows 20000\n"
               "                  --iterations 20\n");
}

static int parse_args(int argc, char **argv, opts_t *o)
{
    int i;
    memset(o, 0, sizeof(*o));
    o->small = 100000;
    o->large = 10000000;
    o->kbo_rows = 1000000;
    o->dir = "/var/tmp/mandaat-bench";
    o->iterations = 1000;
    o->import_runs = 3;
    o->budget = 60;
    o->seed = 42;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--small") == 0 && v)
            o->small = atol(v);
        else if (strcmp(a, "--large") == 0 && v)
            o->large = atol(v);
        else if (strcmp(a, "--dir") == 0 && v)
            o->dir = v;
        else if (strcmp(a, "--iterations") == 0 && v)
            o->iterations = atoi(v);
        else if (strcmp(a, "--kbo-rows") == 0 && v)
            o->kbo_rows = atol(v);
        else if (strcmp(a, "--budget") == 0 && v)
            o->budget = atof(v);
        else if (strcmp(a, "--import-runs") == 0 && v)
            o->import_runs = atoi(v);
        else if (strcmp(a, "--seed") == 0 && v)
            o->seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--pragma") == 0 && v && o->npragmas < 8)
            o->pragmas[o->npragmas++] = v;
        else {
            takes = 0;
            if (strcmp(a, "--reuse") == 0)
                o->reuse = 1;
            else if (strcmp(a, "--keep-indexes") == 0)
                o->keep_indexes = 1;
            else if (strcmp(a, "--smoke") == 0) {
                o->small = 20000;
                o->large = 0;
                o->kbo_rows = 20000;
                o->iterations = 20;
                o->import_runs = 1;
            } else {
                usage(strcmp(a, "--help") == 0 ? stdout : stderr);
                return strcmp(a, "--help") == 0 ? 0 : 2;
            }
        }
        i += takes;
    }
    if (o->iterations < 1 || o->small < 0 || o->large < 0 || o->kbo_rows < 0 ||
        o->import_runs < 1 || o->import_runs > MAX_IMPORT_RUNS || o->budget <= 0) {
        usage(stderr);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    opts_t o;
    apr_pool_t *p;
    store_run_t runs[2];
    import_run_t imp;
    int n = 0, rc = parse_args(argc, argv, &o);

    if (rc >= 0)
        return rc;
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (mkdir(o.dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench: cannot create %s: %s\n", o.dir, strerror(errno));
        return 1;
    }
    memset(runs, 0, sizeof(runs));
    memset(&imp, 0, sizeof(imp));
    /* The import first: its peak memory is then its own, not the generator's page cache. */
    if (o.kbo_rows > 0)
        run_import(p, &o, &imp);
    if (o.small > 0)
        run_store(p, &o, o.small, &runs[n++]);
    if (o.large > 0)
        run_store(p, &o, o.large, &runs[n++]);

    printf("## bench_resolve\n\n");
    print_machine(&o);
    if (n) {
        print_stores(runs, n);
        print_resolution(runs, n);
    }
    if (n == 2)
        print_flat(&runs[0], &runs[1]);
    if (o.kbo_rows > 0)
        print_import(&o, &imp);
    apr_pool_destroy(p);
    return 0;
}
