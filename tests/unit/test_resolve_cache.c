/* The resolution cache (core/resolve_cache.h): results equal to the uncached resolution
 * (cold and warm), invalidation by the store generation, time applied on cached rows,
 * folding between cached and other grounds, eviction, counts, two stores, threads.
 * test_resolve.c runs its whole suite with a cache as well. */
#include "testutil.h"

#include "core/resolve.h"

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NOW ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY ((mnd_time_t)86400)
#define OPEN 0

static const char *const P = "85073003328"; /* the acting person */
static const char *const A = "0400000185", *const B = "0400000284", *const F = "0400000581",
                         *const G = "0400000680";

/* ---- fixtures ------------------------------------------------------------------------ */

static void sqlf(mnd_test_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sqlf(mnd_test_ctx_t *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mnd_test_sql(x, apr_pvsprintf(x->pool, fmt, ap));
    va_end(ap);
}

static const char *tlit(apr_pool_t *p, mnd_time_t t)
{
    return t == OPEN ? "NULL" : apr_psprintf(p, "%" PRId64, t);
}

/* Client i of the firms: a valid KBO number 041xxxxxCC, named "Klant <i>". */
static const char *client(apr_pool_t *p, int i)
{
    unsigned f8 = 4100000u + (unsigned)i;
    return apr_psprintf(p, "%08u%02u", f8, 97u - f8 % 97u);
}

static void fx_party(mnd_test_ctx_t *x, const char *id, const char *name)
{
    sqlf(x,
         "INSERT INTO party (id, kind, status, name_nl, updated_at)"
         " VALUES ('%s', '%s', 'active', %s, 0)",
         id, strlen(id) == 11 ? "person" : "org",
         name ? apr_psprintf(x->pool, "'%s'", name) : "NULL");
}

static void fx_mandate(mnd_test_ctx_t *x, int id, const char *giver, const char *taker,
                       const char *actions, const char *state, mnd_time_t from, mnd_time_t until)
{
    sqlf(x,
         "INSERT INTO mandate (id, giver, taker, service_id, actions, valid_from, valid_until,"
         " state, initiated_by_party, initiated_by_person, created_at, state_changed_at)"
         " VALUES (%d, '%s', '%s', 'svc', '%s', %s, %s, '%s', '%s', '%s', %s, %s)",
         id, giver, taker, actions, tlit(x->pool, from), tlit(x->pool, until), state, giver, P,
         tlit(x->pool, NOW - 30 * DAY), tlit(x->pool, NOW - 30 * DAY));
}

static void fx_right(mnd_test_ctx_t *x, int id, const char *org, const char *kind)
{
    sqlf(x,
         "INSERT INTO user_right (id, person, org, kind, valid_from, granted_by, granted_at)"
         " VALUES (%d, '%s', '%s', '%s', %s, 'operator:test', 0)",
         id, P, org, kind, tlit(x->pool, NOW - DAY));
}

/* Service svc (view, submit, sign, pay), the person, A, B, and the firms F and G, each
 * holding n active mandates from clients 0..n-1 (ids 1000+i at F, 2000+i at G; G's only
 * when ng > 0). The person is SSM Mandaatuitvoerder at F. */
static void firm_fill(mnd_test_ctx_t *x, int nf, int ng)
{
    static const char *const codes[] = {"view", "submit", "sign", "pay"};
    int i;
    mnd_test_sql(x, "BEGIN");
    mnd_test_sql(x, "INSERT INTO service (id, name_nl, bases, min_loa, updated_at)"
                    " VALUES ('svc', 'Loket', 'self kbo right mandate', 0, 0)");
    for (i = 0; i < 4; i++)
        sqlf(x,
             "INSERT INTO service_action (service_id, code, label_nl, citizen, position)"
             " VALUES ('svc', '%s', '%s', %d, %d)",
             codes[i], codes[i], i < 2, i);
    fx_party(x, P, NULL);
    fx_party(x, A, "Alfa NV");
    fx_party(x, B, "Bravo BV");
    fx_party(x, F, "Fiduciaire Fox");
    fx_party(x, G, "Golf VZW");
    for (i = 0; i < (nf > ng ? nf : ng); i++)
        fx_party(x, client(x->pool, i), apr_psprintf(x->pool, "Klant %03d", (i * 37) % 1000));
    for (i = 0; i < nf; i++)
        fx_mandate(x, 1000 + i, client(x->pool, i), F, i % 3 ? "view" : "view sign", "active",
                   NOW - 30 * DAY, OPEN);
    for (i = 0; i < ng; i++)
        fx_mandate(x, 2000 + i, client(x->pool, i), G, i % 2 ? "view" : "sign", "active",
                   NOW - 30 * DAY, OPEN);
    fx_right(x, 1, F, "ssm_mandaatuitvoerder");
    mnd_test_sql(x, "COMMIT");
}

static mnd_test_ctx_t *firm_world(void **state, int nf, int ng)
{
    mnd_test_ctx_t *x = mnd_test_open(*state);
    firm_fill(x, nf, ng);
    return x;
}

/* ---- rendering and comparing ----------------------------------------------------------- */

static const char *rel(apr_pool_t *p, mnd_time_t t)
{
    return t == MND_TIME_NONE ? "-" : apr_psprintf(p, "%+" PRId64, t - NOW);
}

static const char *render(apr_pool_t *p, const mnd_resolution_t *res)
{
    const char *out = "";
    int i, j;
    for (i = 0; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *);
        out = apr_psprintf(p, "%s%s %s/%s%s%s [%s] %s g=%s", out, c->key, c->party->id,
                           c->party->name[MND_LANG_NL] ? c->party->name[MND_LANG_NL] : "-",
                           c->via ? " via " : "", c->via ? c->via->id : "",
                           apr_array_pstrcat(p, c->actions, ' '), rel(p, c->valid_until),
                           c->giver ? c->giver : "-");
        for (j = 0; j < c->also->nelts; j++) {
            const mnd_ground_t *g = APR_ARRAY_IDX(c->also, j, mnd_ground_t *);
            out =
                apr_psprintf(p, "%s +%s:%" PRId64 ":%" PRId64 "@%s", out, mnd_basis_name(g->basis),
                             g->mandate_id, g->right_id, g->via ? g->via->id : "-");
        }
        out = apr_pstrcat(p, out, "\n", NULL);
    }
    for (i = 0; i < res->near_misses->nelts; i++) {
        const mnd_near_miss_t *m = APR_ARRAY_IDX(res->near_misses, i, mnd_near_miss_t *);
        out = apr_psprintf(p, "%s! %s %s %s %s m%" PRId64 " %s %s %ld\n", out,
                           mnd_miss_reason_code(m->reason), mnd_basis_name(m->basis),
                           m->party ? m->party->id : "-", m->via ? m->via->id : "-", m->mandate_id,
                           rel(p, m->since), m->awaiting ? m->awaiting : "-", m->count);
    }
    return out;
}

/* Resolve at `at` without the cache, then three times with it (a large taker is marked,
 * filled, used); all must say the same. Returns the last (warm) one, made in pool p. */
static mnd_resolution_t *same_at(mnd_test_ctx_t *x, apr_pool_t *p, mnd_resolve_cache_t *cache,
                                 mnd_time_t at)
{
    mnd_resolution_t *res = NULL;
    const char *want;
    int round;
    MND_ASSERT_OK(mnd_capacities(x->store, p, P, "svc", at, 3, &res));
    want = render(p, res);
    for (round = 0; round < 3; round++) {
        MND_ASSERT_OK(mnd_capacities_ex(x->store, p, cache, P, "svc", at, 3, &res));
        assert_string_equal(render(p, res), want);
    }
    return res;
}

static mnd_resolution_t *same(mnd_test_ctx_t *x, mnd_resolve_cache_t *cache)
{
    return same_at(x, x->pool, cache, NOW);
}

static mnd_resolve_cache_t *new_cache(mnd_test_ctx_t *x, size_t max_rows, int min_rows)
{
    mnd_resolve_cache_t *cache = NULL;
    MND_ASSERT_OK(mnd_resolve_cache_create(x->pool, max_rows, min_rows, &cache));
    return cache;
}

static mnd_resolve_cache_stats_t stats(mnd_resolve_cache_t *cache)
{
    mnd_resolve_cache_stats_t st;
    mnd_resolve_cache_stats(cache, &st);
    return st;
}

static const mnd_capacity_t *find(const mnd_resolution_t *res, mnd_test_ctx_t *x, int id)
{
    return mnd_resolution_find(res, apr_psprintf(x->pool, "mandate:%d", id));
}

/* ---- use and invalidation -------------------------------------------------------------- */

static void test_warm_comes_from_the_cache(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 40, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 10);
    mnd_resolution_t *a, *b;
    mnd_resolve_cache_stats_t st;

    a = same(x, cache);
    assert_int_equal(a->capacities->nelts, 41);
    st = stats(cache);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.rows, 40);
    /* F's rows: read and marked; read after the generation and kept; used. The person's
     * own (none) are never looked up. */
    assert_int_equal(st.marks, 1);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.hits, 1);
    b = same(x, cache);
    /* The very same capacity objects: they live in the entry. */
    assert_ptr_equal(find(a, x, 1005), find(b, x, 1005));
    assert_int_equal(stats(cache).hits, 4);
    assert_int_equal(stats(cache).misses, 1);
    assert_int_equal(mnd_resolve_cache_min_rows(cache), 10);
    mnd_test_close(x);
}

static void test_below_min_rows_not_cached(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 40, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 0);
    same(x, cache);
    assert_int_equal(mnd_resolve_cache_min_rows(cache), MND_RESOLVE_CACHE_MIN_ROWS);
    assert_int_equal(stats(cache).entries, 0);
    assert_int_equal(stats(cache).marks, 0);
    mnd_test_close(x);
}

/* A change of each kind the cache depends on shows in the next resolution. */
static void test_invalidation(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 30, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 5);
    mnd_resolution_t *res = same(x, cache);
    const char *c3 = client(x->pool, 3), *c4 = client(x->pool, 4);

    assert_non_null(find(res, x, 1001));
    sqlf(x, "UPDATE mandate SET state = 'revoked', state_changed_at = %" PRId64 " WHERE id = 1001",
         NOW - DAY);
    res = same(x, cache);
    assert_null(find(res, x, 1001));
    assert_true(strstr(render(x->pool, res), "! mandate_revoked mandate") != NULL);

    sqlf(x, "UPDATE party SET status = 'stopped' WHERE id = '%s'", c3);
    res = same(x, cache);
    assert_null(find(res, x, 1003));

    sqlf(x, "UPDATE party SET name_nl = 'Nieuwe Naam' WHERE id = '%s'", c4);
    res = same(x, cache);
    assert_string_equal(find(res, x, 1004)->party->name[MND_LANG_NL], "Nieuwe Naam");

    mnd_test_sql(x, "DELETE FROM service_action WHERE service_id = 'svc' AND code = 'sign'");
    res = same(x, cache);
    assert_int_equal(find(res, x, 1000)->actions->nelts, 1);

    fx_mandate(x, 1100, A, F, "pay", "active", NOW - DAY, OPEN);
    res = same(x, cache);
    assert_non_null(find(res, x, 1100));
    assert_int_equal(stats(cache).stale, 5);

    /* Rights are read on every request: revoking the executor right needs no new entry. */
    sqlf(x, "UPDATE user_right SET revoked_at = %" PRId64 ", revoked_by = 'operator:test'",
         NOW - 1);
    res = same(x, cache);
    assert_int_equal(res->capacities->nelts, 1); /* own name only */
    mnd_test_close(x);
}

/* Writes that change nothing the cache holds leave the generation, and the entry, alone:
 * a KBO import restating an enterprise, a new party, a right, a KBO function. */
static void test_unrelated_writes_keep_the_entry(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 30, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 5);
    same(x, cache);
    sqlf(x,
         "UPDATE party SET updated_at = 99, status = 'active', name_nl = 'Klant 000'"
         " WHERE id = '%s'",
         client(x->pool, 0));
    fx_party(x, "0400000878", "Nieuw");
    fx_right(x, 2, G, "lokale_beheerder");
    sqlf(x,
         "INSERT INTO kbo_function (holder, enterprise, function_code, valid_from)"
         " VALUES ('%s', '%s', 'bestuurder', 0)",
         P, B);
    same(x, cache);
    assert_int_equal(stats(cache).stale, 0);
    assert_int_equal(stats(cache).entries, 1);
    mnd_test_close(x);
}

/* The catalogue and the intermediaries are read before the generation: a change between the
 * two reads gives an entry the generation does not tell apart. Simulated by a change whose
 * bump is taken back: the entry must notice by itself. */
static void test_entry_checks_what_was_read_before(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 20, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 5);
    mnd_resolution_t *res;

    same(x, cache);
    assert_int_equal(stats(cache).entries, 1);
    mnd_test_sql(x, "DELETE FROM service_action WHERE code = 'sign'");
    mnd_test_sql(x, "UPDATE store_generation SET n = n - 1");
    res = same(x, cache);
    assert_int_equal(find(res, x, 1000)->actions->nelts, 1);
    sqlf(x, "UPDATE party SET name_nl = 'Fox & Co' WHERE id = '%s'", F);
    mnd_test_sql(x, "UPDATE store_generation SET n = n - 1");
    res = same(x, cache);
    assert_string_equal(find(res, x, 1001)->via->name[MND_LANG_NL], "Fox & Co");
    mnd_test_close(x);
}

/* ---- time on cached rows --------------------------------------------------------------- */

static void test_time_applies_to_cached_rows(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 20, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 5);
    mnd_resolution_t *res;
    unsigned long stale, hits;

    fx_mandate(x, 1200, A, F, "view", "active", NOW - DAY, NOW + 100);
    fx_mandate(x, 1201, B, F, "view", "active", NOW + 50, OPEN);
    res = same_at(x, x->pool, cache, NOW + 49);
    assert_non_null(find(res, x, 1200));
    assert_null(find(res, x, 1201));
    stale = stats(cache).stale;
    /* No store change from here on: every resolution uses the same entry. */
    res = same_at(x, x->pool, cache, NOW + 50);
    assert_non_null(find(res, x, 1201));
    res = same_at(x, x->pool, cache, NOW + 99);
    assert_int_equal(find(res, x, 1200)->valid_until, NOW + 100);
    res = same_at(x, x->pool, cache, NOW + 100);
    assert_null(find(res, x, 1200));
    assert_true(strstr(render(x->pool, res),
                       "! mandate_expired mandate 0400000185 0400000581 m1200 +100") != NULL);
    /* Ended grounds are near misses for 90 days only. */
    res = same_at(x, x->pool, cache, NOW + 100 + 90 * DAY);
    assert_null(strstr(render(x->pool, res), "m1200"));
    /* Earlier than the entry serves (its fill time less a day): refilled for this time,
     * and the new entry serves the later times too. */
    res = same_at(x, x->pool, cache, NOW - DAY + 10);
    assert_non_null(find(res, x, 1200));
    assert_null(find(res, x, 1201));
    hits = stats(cache).hits;
    res = same_at(x, x->pool, cache, NOW + 50);
    assert_non_null(find(res, x, 1201));
    assert_int_equal(stats(cache).hits, hits + 3);
    assert_int_equal(stats(cache).stale, stale);
    assert_int_equal(stats(cache).entries, 1);
    mnd_test_close(x);
}

/* ---- folding with cached takers -------------------------------------------------------- */

static void test_fold_across_sources(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 12, 8);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 6);
    mnd_resolution_t *res;
    const char *c1 = client(x->pool, 1), *c2 = client(x->pool, 2);

    /* KBO representative of client 0: F's mandate from it folds into the kbo row. */
    sqlf(x,
         "INSERT INTO kbo_function (holder, enterprise, function_code, valid_from)"
         " VALUES ('%s', '%s', 'bestuurder', 0)",
         P, client(x->pool, 0));
    /* A direct mandate from client 1 (small source) that F's (view) folds into. */
    fx_mandate(x, 1, c1, P, "view sign", "active", NOW - DAY, OPEN);
    /* Client 2 gave F two mandates: the later one folds into the first. */
    fx_mandate(x, 1300, c2, F, "view", "active", NOW - DAY, OPEN);
    /* G: cached too (8 rows), overlapping F's clients 0-7. */
    fx_right(x, 2, G, "ssm_mandaatuitvoerder");
    res = same(x, cache);
    assert_int_equal(stats(cache).entries, 2);
    assert_null(find(res, x, 1000));
    assert_null(find(res, x, 1001));
    assert_null(find(res, x, 1300));
    /* G's "sign" rows fold into F's "view sign" (client 0 mod 3) or stand alone. */
    assert_null(find(res, x, 2006));
    assert_non_null(find(res, x, 2004));

    /* Now G is small (a small source after a cached one). */
    cache = new_cache(x, 0, 10);
    same(x, cache);
    assert_int_equal(stats(cache).entries, 1);
    mnd_test_close(x);
}

/* ---- eviction and memory --------------------------------------------------------------- */

static void test_eviction(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 12, 10);
    mnd_resolve_cache_t *cache = new_cache(x, 25, 5);
    apr_pool_t *p1, *p2;
    mnd_resolution_t *held;
    const char *before;
    mnd_resolve_cache_stats_t st;

    apr_pool_create(&p1, x->pool);
    apr_pool_create(&p2, x->pool);
    /* F's entry (12 rows) is held by p1. */
    held = same_at(x, p1, cache, NOW);
    before = render(x->pool, held);
    assert_int_equal(stats(cache).rows, 12);
    /* Acting through G as well: 12 + 10 = 22 fit. */
    fx_right(x, 2, G, "ssm_mandaatuitvoerder");
    same_at(x, p2, cache, NOW); /* the new right bumps nothing: F's entry is reused */
    st = stats(cache);
    assert_int_equal(st.rows, 22);
    assert_int_equal(st.evictions, 0);
    /* A third firm of 12 rows evicts the least recently used. */
    fx_right(x, 3, B, "ssm_mandaatuitvoerder");
    {
        int i;
        for (i = 0; i < 12; i++)
            fx_mandate(x, 3000 + i, client(x->pool, i), B, "pay", "active", NOW - DAY, OPEN);
    }
    same_at(x, p2, cache, NOW);
    st = stats(cache);
    assert_true(st.rows <= 25);
    assert_true(st.evictions + st.stale >= 2);
    /* Evicted or stale entries still held by p1 are intact until p1 goes. */
    assert_string_equal(render(x->pool, held), before);
    apr_pool_destroy(p1);
    apr_pool_destroy(p2);
    /* A taker with more rows than max_rows is read every time and never kept: only its
     * mark (one row) may stay. */
    cache = new_cache(x, 9, 5);
    same(x, cache);
    same(x, cache);
    st = stats(cache);
    assert_int_equal(st.rows, st.entries);
    assert_true(st.entries <= 3);
    mnd_test_close(x);
}

/* Two stores, two caches: the same generation numbers, different rows. (The second store
 * is SQLite: the PostgreSQL test schema is one per process.) */
static void test_two_stores(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 10, 0), *y = mnd_test_open("sqlite3");
    mnd_resolve_cache_t *cx, *cy;
    firm_fill(y, 12, 0);
    mnd_test_sql(x, "UPDATE store_generation SET n = 100");
    mnd_test_sql(y, "UPDATE store_generation SET n = 100");
    cx = new_cache(x, 0, 5);
    cy = new_cache(y, 0, 5);
    assert_int_equal(same(x, cx)->capacities->nelts, 11);
    assert_int_equal(same(y, cy)->capacities->nelts, 13);
    assert_int_equal(same(x, cx)->capacities->nelts, 11);
    mnd_test_close(y);
    mnd_test_close(x);
}

/* ---- counts ----------------------------------------------------------------------------- */

static void test_missing_executor_count(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 20, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 5);
    mnd_resolution_t *res;
    unsigned long hits;

    mnd_test_sql(x, "UPDATE user_right SET kind = 'lokale_beheerder'");
    fx_mandate(x, 1200, A, F, "view", "active", NOW - DAY, NOW + 100);
    fx_mandate(x, 1201, B, F, "view", "active", NOW + 50, OPEN);
    res = same(x, cache);
    assert_int_equal(APR_ARRAY_IDX(res->near_misses, 0, mnd_near_miss_t *)->count, 21);
    hits = stats(cache).hits;
    res = same_at(x, x->pool, cache, NOW + 49);
    assert_int_equal(APR_ARRAY_IDX(res->near_misses, 0, mnd_near_miss_t *)->count, 21);
    assert_int_equal(stats(cache).hits, hits + 3);
    res = same_at(x, x->pool, cache, NOW + 50);
    assert_int_equal(APR_ARRAY_IDX(res->near_misses, 0, mnd_near_miss_t *)->count, 22);
    res = same_at(x, x->pool, cache, NOW + 100);
    assert_int_equal(APR_ARRAY_IDX(res->near_misses, 0, mnd_near_miss_t *)->count, 21);
    mnd_test_sql(x, "UPDATE mandate SET state = 'revoked' WHERE id = 1000");
    res = same_at(x, x->pool, cache, NOW + 100);
    assert_int_equal(APR_ARRAY_IDX(res->near_misses, 0, mnd_near_miss_t *)->count, 20);
    mnd_test_close(x);
}

/* ---- failing closed --------------------------------------------------------------------- */

static void test_no_generation_fails_closed(void **state)
{
    mnd_test_ctx_t *x = firm_world(state, 3, 0);
    mnd_resolve_cache_t *cache = new_cache(x, 0, 2);
    mnd_resolution_t *res = (void *)1;
    same(x, cache); /* F is now known: its next resolution reads the generation first */
    mnd_test_sql(x, "DELETE FROM store_generation");
    res = (void *)1;
    MND_ASSERT_ERR(mnd_capacities_ex(x->store, x->pool, cache, P, "svc", NOW, 3, &res), MND_ESTORE,
                   "generation");
    assert_null(res);
    mnd_test_sql(x, "DROP TABLE store_generation");
    MND_ASSERT_ERR(mnd_capacities_ex(x->store, x->pool, cache, P, "svc", NOW, 3, &res), MND_ESTORE,
                   NULL);
    /* Without a cache nothing needs it. */
    MND_ASSERT_OK(mnd_capacities(x->store, x->pool, P, "svc", NOW, 3, &res));
    mnd_test_close(x);
}

/* ---- threads ---------------------------------------------------------------------------- */

typedef struct worker_t {
    const char *path;
    mnd_resolve_cache_t *cache;
    int rounds, failures, lo, hi;
} worker_t;

/* Resolve over and over on a connection of its own, reading every string of the result. */
static void *APR_THREAD_FUNC worker(apr_thread_t *th, void *data)
{
    worker_t *w = data;
    apr_pool_t *p, *rp;
    mnd_store_t *s;
    int i, j;
    apr_pool_create(&p, NULL);
    if (mnd_store_open(p, "sqlite3", w->path, &s))
        w->failures++;
    for (i = 0; !w->failures && i < w->rounds; i++) {
        mnd_resolution_t *res;
        size_t n = 0;
        apr_pool_create(&rp, p);
        mnd_error_t *err = mnd_capacities_ex(s, rp, w->cache, P, "svc", NOW, 3, &res);
        if (err || res->capacities->nelts < w->lo || res->capacities->nelts > w->hi) {
            fprintf(stderr, "worker: %s\n",
                    err ? err->msg : apr_psprintf(rp, "%d capacities", res->capacities->nelts));
            w->failures++;
        }
        for (j = 0; !w->failures && j < res->capacities->nelts; j++) {
            const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, j, mnd_capacity_t *);
            n += strlen(c->key) + strlen(c->party->id) + (c->via ? strlen(c->via->id) : 0);
            n += c->party->name[MND_LANG_NL] ? strlen(c->party->name[MND_LANG_NL]) : 0;
        }
        if (n == 0)
            w->failures++;
        apr_pool_destroy(rp);
    }
    apr_pool_destroy(p);
    (void)th; /* returning ends the thread; apr_thread_exit's pthread_exit upsets ASan */
    return NULL;
}

static void test_threads(void **state)
{
    enum { NTHREADS = 4 };
    const char *path;
    mnd_test_ctx_t *x;
    mnd_resolve_cache_t *cache;
    apr_thread_t *th[NTHREADS];
    worker_t w[NTHREADS];
    apr_status_t rv;
    apr_pool_t *pool;
    mnd_error_t *err;
    int i;

    if (strcmp(*state, "sqlite3") != 0)
        skip(); /* threads over one store; the driver does not matter */
    apr_pool_create(&pool, NULL);
    x = apr_pcalloc(pool, sizeof(*x));
    x->pool = pool;
    x->driver = "sqlite3";
    path = apr_psprintf(pool, "/tmp/mnd-test-resolve-cache-%ld.db", (long)getpid());
    unlink(path);
    if ((err = mnd_store_open(pool, "sqlite3", path, &x->store)) ||
        (err = mnd_store_migrate(x->store, pool, NULL, NULL)))
        fail_msg("%s", err->msg);
    firm_fill(x, 30, 30);
    fx_right(x, 2, G, "ssm_mandaatuitvoerder");
    /* Both firms' entries do not fit together: every request evicts. */
    cache = new_cache(x, 45, 5);
    for (i = 0; i < NTHREADS; i++) {
        /* Own name, F's 30 rows, G's 10 that do not fold into F's (one more while
         * mandate 1001 is revoked, one less of F's). */
        w[i] = (worker_t){path, cache, 60, 0, 41, 41};
        rv = apr_thread_create(&th[i], NULL, worker, &w[i], pool);
        assert_int_equal(rv, APR_SUCCESS);
    }
    /* Meanwhile the store changes: every change makes the entries stale. */
    for (i = 0; i < 30; i++) {
        sqlf(x, "UPDATE mandate SET state = '%s' WHERE id = 1001", i % 2 ? "active" : "revoked");
        sqlf(x, "UPDATE party SET name_nl = 'Naam %d' WHERE id = '%s'", i, client(pool, 7));
        usleep(2000);
    }
    for (i = 0; i < NTHREADS; i++) {
        apr_thread_join(&rv, th[i]);
        assert_int_equal(w[i].failures, 0);
    }
    assert_true(stats(cache).hits > 0);
    assert_true(stats(cache).evictions + stats(cache).stale > 0);
    mnd_test_close(x);
    unlink(path);
    unlink(apr_pstrcat(pool, path, "-wal", NULL));
    unlink(apr_pstrcat(pool, path, "-shm", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warm_comes_from_the_cache),
        cmocka_unit_test(test_below_min_rows_not_cached),
        cmocka_unit_test(test_invalidation),
        cmocka_unit_test(test_unrelated_writes_keep_the_entry),
        cmocka_unit_test(test_entry_checks_what_was_read_before),
        cmocka_unit_test(test_time_applies_to_cached_rows),
        cmocka_unit_test(test_fold_across_sources),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_two_stores),
        cmocka_unit_test(test_missing_executor_count),
        cmocka_unit_test(test_no_generation_fails_closed),
        cmocka_unit_test(test_threads),
    };
    return MND_RUN_PER_DRIVER("resolve_cache", tests);
}
