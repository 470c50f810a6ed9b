/* Capacity resolution: every basis alone, the near misses, folding, display order, errors.
 * Fixtures are raw SQL so that these tests do not depend on the life-cycle code.
 *
 * The suite runs three times per driver: without a cache, and with a cache (core/
 * resolve_cache.h) that keeps every taker with at least 1, then 2 mandate rows. With a
 * cache, every resolution is made four times (without the cache; with it: the first read
 * marks a large taker, the second fills its entry, the third uses it) and all must render
 * the same; the test's own checks then run on the last one. Tests that change
 * the store between resolutions thereby also check that the cache follows. */
#include "testutil.h"

#include "core/resolve.h"

#include <apr_strings.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NOW ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY ((mnd_time_t)86400)
#define OPEN 0 /* an open end in the fixture helpers */

static const char *const P = "85073003328";  /* the acting person */
static const char *const P2 = "90010100123"; /* another person */
static const char *const A = "0400000185", *const B = "0400000284", *const C = "0400000383",
                         *const D = "0400000482", *const F = "0400000581", *const G = "0400000680";

/* ---- fixtures ------------------------------------------------------------------------ */

static void sqlf(mnd_test_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sqlf(mnd_test_ctx_t *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mnd_test_sql(x, apr_pvsprintf(x->pool, fmt, ap));
    va_end(ap);
}

static const char *lit(apr_pool_t *p, const char *s)
{
    return s ? apr_psprintf(p, "'%s'", s) : "NULL";
}

static const char *tlit(apr_pool_t *p, mnd_time_t t)
{
    return t == OPEN ? "NULL" : apr_psprintf(p, "%" PRId64, t);
}

/* Service id with the catalogue view, submit (citizen), sign, pay (not citizen). */
static void fx_service(mnd_test_ctx_t *x, const char *id, const char *bases, int min_loa)
{
    static const char *const codes[] = {"view", "submit", "sign", "pay"};
    int i;
    sqlf(x,
         "INSERT INTO service (id, name_nl, bases, min_loa, updated_at)"
         " VALUES ('%s', 'Loket', '%s', %d, 0)",
         id, bases, min_loa);
    for (i = 0; i < 4; i++)
        sqlf(x,
             "INSERT INTO service_action (service_id, code, label_nl,"
             " citizen, position) VALUES ('%s', '%s', '%s', %d, %d)",
             id, codes[i], codes[i], i < 2, i);
}

static void fx_party(mnd_test_ctx_t *x, const char *id, const char *status, const char *name)
{
    sqlf(x,
         "INSERT INTO party (id, kind, status, name_nl, updated_at)"
         " VALUES ('%s', '%s', '%s', %s, 0)",
         id, strlen(id) == 11 ? "person" : "org", status, lit(x->pool, name));
}

static void fx_kbo(mnd_test_ctx_t *x, const char *holder, const char *ent, const char *code,
                   mnd_time_t from, mnd_time_t until)
{
    sqlf(x,
         "INSERT INTO kbo_function (holder, enterprise, function_code,"
         " valid_from, valid_until) VALUES ('%s', '%s', '%s', %s, %s)",
         holder, ent, code, tlit(x->pool, from), tlit(x->pool, until));
}

static void fx_right(mnd_test_ctx_t *x, int id, const char *person, const char *org,
                     const char *kind, const char *actions, mnd_time_t from, mnd_time_t until,
                     mnd_time_t revoked)
{
    apr_pool_t *p = x->pool;
    const char *svc = strcmp(kind, "service") == 0 ? "svc" : NULL;
    sqlf(x,
         "INSERT INTO user_right (id, person, org, kind, service_id,"
         " actions, valid_from, valid_until, granted_by, granted_at,"
         " revoked_by, revoked_at) VALUES (%d, '%s', '%s', '%s', %s,"
         " %s, %s, %s, 'operator:test', 0, %s, %s)",
         id, person, org, kind, lit(p, svc), lit(p, actions), tlit(p, from), tlit(p, until),
         revoked == OPEN ? "NULL" : "'operator:test'", tlit(p, revoked));
}

static void fx_mandate(mnd_test_ctx_t *x, int id, const char *giver, const char *taker,
                       const char *actions, const char *state, mnd_time_t from, mnd_time_t until,
                       const char *initiator, mnd_time_t changed)
{
    apr_pool_t *p = x->pool;
    sqlf(x,
         "INSERT INTO mandate (id, giver, taker, service_id, actions,"
         " valid_from, valid_until, state, initiated_by_party,"
         " initiated_by_person, created_at, state_changed_at)"
         " VALUES (%d, '%s', '%s', 'svc', '%s', %s, %s, '%s', '%s',"
         " '%s', %s, %s)",
         id, giver, taker, actions, tlit(p, from), tlit(p, until), state,
         initiator ? initiator : giver, P, tlit(p, NOW - 30 * DAY),
         tlit(p, changed ? changed : NOW - 30 * DAY));
}

/* An active mandate for svc, valid from 30 days ago, open-ended, given by giver. */
static void fx_active(mnd_test_ctx_t *x, int id, const char *giver, const char *taker,
                      const char *actions)
{
    fx_mandate(x, id, giver, taker, actions, "active", NOW - 30 * DAY, OPEN, NULL, 0);
}

/* With a cache: its min_rows for this run (0: no cache), and the running test's cache (one
 * per store: generations of different stores are unrelated). */
static int cache_min_rows;
static mnd_resolve_cache_t *cache;

static mnd_test_ctx_t *topen(void **state)
{
    mnd_test_ctx_t *x = mnd_test_open(*state);
    cache = NULL;
    /* In the store's pool, created first: freed after every resolution made in it. */
    if (cache_min_rows)
        MND_ASSERT_OK(mnd_resolve_cache_create(x->pool, 0, cache_min_rows, &cache));
    return x;
}

/* The standard world: service svc accepting every basis, the person, organisations A-G. */
static mnd_test_ctx_t *world(void **state, const char *bases, int min_loa)
{
    mnd_test_ctx_t *x = topen(state);
    fx_service(x, "svc", bases ? bases : "self kbo right mandate", min_loa);
    fx_service(x, "other", "self kbo right mandate", 0);
    fx_party(x, P, "active", NULL);
    fx_party(x, P2, "active", NULL);
    fx_party(x, A, "active", "Alfa NV");
    fx_party(x, B, "active", "Bravo BV");
    fx_party(x, C, "active", "Charlie CV");
    fx_party(x, D, "active", NULL);
    fx_party(x, F, "active", "Fiduciaire Fox");
    fx_party(x, G, "active", "Golf VZW");
    return x;
}

/* ---- rendering a resolution for comparison --------------------------------------------- */

static const char *rel(apr_pool_t *p, mnd_time_t t)
{
    return t == MND_TIME_NONE ? "-" : apr_psprintf(p, "%+" PRId64, t - NOW);
}

static const char *caps(apr_pool_t *p, const mnd_resolution_t *res)
{
    const char *out = "";
    int i, j;
    for (i = 0; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *);
        const char *s =
            apr_psprintf(p, "%s %s%s%s [%s]", c->key, c->party->id, c->via ? " via " : "",
                         c->via ? c->via->id : "", apr_array_pstrcat(p, c->actions, ' '));
        if (c->valid_until != MND_TIME_NONE)
            s = apr_pstrcat(p, s, " until ", rel(p, c->valid_until), NULL);
        for (j = 0; j < c->also->nelts; j++) {
            const mnd_ground_t *g = APR_ARRAY_IDX(c->also, j, mnd_ground_t *);
            s = apr_psprintf(p, "%s +%s%s%s", s, mnd_basis_name(g->basis),
                             g->mandate_id ? apr_psprintf(p, ":%" PRId64, g->mandate_id)
                             : g->right_id ? apr_psprintf(p, ":%" PRId64, g->right_id)
                                           : "",
                             g->via ? apr_pstrcat(p, "@", g->via->id, NULL) : "");
        }
        out = i ? apr_pstrcat(p, out, "; ", s, NULL) : s;
    }
    return out;
}

static const char *misses(apr_pool_t *p, const mnd_resolution_t *res)
{
    const char *out = "";
    int i;
    for (i = 0; i < res->near_misses->nelts; i++) {
        const mnd_near_miss_t *m = APR_ARRAY_IDX(res->near_misses, i, mnd_near_miss_t *);
        const char *s = apr_psprintf(p, "%s %s %s", mnd_miss_reason_code(m->reason),
                                     mnd_basis_name(m->basis), m->party ? m->party->id : "-");
        if (m->via)
            s = apr_pstrcat(p, s, " via ", m->via->id, NULL);
        if (m->mandate_id)
            s = apr_psprintf(p, "%s m%" PRId64, s, m->mandate_id);
        if (m->since != MND_TIME_NONE)
            s = apr_pstrcat(p, s, " since ", rel(p, m->since), NULL);
        if (m->awaiting)
            s = apr_pstrcat(p, s, " awaiting ", m->awaiting, NULL);
        if (m->count)
            s = apr_psprintf(p, "%s count %ld", s, m->count);
        if (m->reason == MND_MISS_LOA_TOO_LOW)
            s = apr_psprintf(p, "%s loa %d", s, m->required_loa);
        out = i ? apr_pstrcat(p, out, "; ", s, NULL) : s;
    }
    return out;
}

/* Everything a resolution says, for comparing two. */
static const char *everything(apr_pool_t *p, const mnd_resolution_t *res)
{
    const char *out = apr_pstrcat(p, caps(p, res), " | ", misses(p, res), NULL);
    int i;
    for (i = 0; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *);
        out = apr_psprintf(p, "%s | %s %d %d %s %s %s %" PRId64 " %" PRId64, out,
                           c->giver ? c->giver : "-", c->party->kind, c->party->active,
                           c->party->name[MND_LANG_NL] ? c->party->name[MND_LANG_NL] : "-",
                           c->party->name[MND_LANG_FR] ? c->party->name[MND_LANG_FR] : "-",
                           c->via && c->via->name[MND_LANG_NL] ? c->via->name[MND_LANG_NL] : "-",
                           c->mandate_id, c->right_id);
    }
    return out;
}

static mnd_resolution_t *resolve_at(mnd_test_ctx_t *x, mnd_time_t at, int loa)
{
    mnd_resolution_t *res = NULL;
    MND_ASSERT_OK(mnd_capacities(x->store, x->pool, P, "svc", at, loa, &res));
    if (cache) {
        const char *want = everything(x->pool, res);
        int round;
        for (round = 0; round < 3; round++) { /* discover, fill, warm (or warm already) */
            MND_ASSERT_OK(mnd_capacities_ex(x->store, x->pool, cache, P, "svc", at, loa, &res));
            assert_string_equal(everything(x->pool, res), want);
        }
    }
    assert_non_null(res);
    assert_string_equal(res->person, P);
    assert_int_equal(res->at, at);
    return res;
}

static mnd_resolution_t *resolve(mnd_test_ctx_t *x)
{
    return resolve_at(x, NOW, 3);
}

#define SELF_ROW "self 85073003328 [view submit]"

/* ---- self ---------------------------------------------------------------------------- */

static void test_self_alone(void **state)
{
    mnd_test_ctx_t *x = topen(state);
    mnd_resolution_t *res;
    const mnd_capacity_t *c;
    fx_service(x, "svc", "self", 0);
    /* No party row for the person: self still works, without a name. */
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res), "");
    c = APR_ARRAY_IDX(res->capacities, 0, mnd_capacity_t *);
    assert_int_equal(c->basis, MND_BASIS_SELF);
    assert_int_equal(c->party->kind, MND_PARTY_PERSON);
    assert_null(c->party->name[MND_LANG_NL]);
    assert_null(c->via);
    assert_null(c->giver);
    assert_int_equal(c->also->nelts, 0);
    assert_string_equal(res->service->id, "svc");
    mnd_test_close(x);
}

static void test_self_named(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    mnd_test_sql(x, "UPDATE party SET name_nl = 'Jan Peeters' WHERE id = '85073003328'");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(APR_ARRAY_IDX(res->capacities, 0, mnd_capacity_t *)->party->name[0],
                        "Jan Peeters");
    mnd_test_close(x);
}

static void test_self_not_accepted(void **state)
{
    mnd_test_ctx_t *x = world(state, "kbo right mandate", 0);
    mnd_resolution_t *res = resolve(x);
    assert_string_equal(caps(x->pool, res), "");
    assert_string_equal(misses(x->pool, res), "basis_not_accepted self 85073003328");
    mnd_test_close(x);
}

/* ---- kbo ----------------------------------------------------------------------------- */

static void test_kbo_director_of_two(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    mnd_test_sql(x, "UPDATE party SET status = 'stopped' WHERE id = '0400000284'");
    fx_kbo(x, P, A, "bestuurder", NOW - 400 * DAY, OPEN);
    fx_kbo(x, P, B, "zaakvoerder", NOW - 400 * DAY, OPEN);
    fx_kbo(x, P2, C, "bestuurder", NOW - 400 * DAY, OPEN); /* someone else's */
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000185 0400000185 [view submit sign pay]");
    assert_string_equal(misses(x->pool, res), "enterprise_stopped kbo 0400000284");
    mnd_test_close(x);
}

static void test_kbo_function_ended(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_kbo(x, P, A, "bestuurder", NOW - 400 * DAY, NOW - 10 * DAY);
    /* Ended at C, but another representative function there is in force. */
    fx_kbo(x, P, C, "bestuurder", NOW - 400 * DAY, NOW - 10 * DAY);
    fx_kbo(x, P, C, "zaakvoerder", NOW - 10 * DAY, NOW + 5 * DAY);
    /* Ended long ago: history, not a near miss. Starting later: nothing yet. */
    fx_kbo(x, P, D, "bestuurder", NOW - 900 * DAY, NOW - 400 * DAY);
    fx_kbo(x, P, G, "bestuurder", NOW + DAY, OPEN);
    /* The boundary: a function ending exactly now has ended. */
    fx_kbo(x, P, B, "bestuurder", NOW - DAY, NOW);
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000383 0400000383 [view submit sign pay] until "
                                 "+432000");
    assert_string_equal(misses(x->pool, res), "kbo_function_ended kbo 0400000185 since -864000; "
                                              "kbo_function_ended kbo 0400000284 since +0");
    /* One second earlier the function at B was in force. */
    res = resolve_at(x, NOW - 1, 3);
    assert_non_null(mnd_resolution_find(res, "kbo:0400000284"));
    mnd_test_close(x);
}

static void test_kbo_code_not_representative(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_kbo(x, P, A, "vennoot", NOW - 400 * DAY, OPEN);
    fx_kbo(x, P, B, "commissaris", NOW - 400 * DAY, OPEN);
    fx_kbo(x, P, C, "no_such_code", NOW - 400 * DAY, OPEN);
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res), "");
    /* Which codes count is configuration. */
    mnd_test_sql(x, "UPDATE kbo_function_code SET representative = 1 WHERE code = 'vennoot'");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000185 0400000185 [view submit sign pay]");
    mnd_test_close(x);
}

static void test_kbo_enterprise_unknown(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    /* A function at an enterprise without a party row counts for nothing (as in authority). */
    fx_kbo(x, P, "0400000878", "bestuurder", NOW - 400 * DAY, OPEN);
    assert_string_equal(caps(x->pool, resolve(x)), SELF_ROW);
    mnd_test_close(x);
}

/* ---- right --------------------------------------------------------------------------- */

static void test_right_actions(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    const mnd_capacity_t *c;
    /* Actions come out in catalogue order; codes outside the catalogue grant nothing. */
    fx_right(x, 11, P, A, "service", "sign view bogus", NOW - DAY, OPEN, OPEN);
    fx_right(x, 12, P, B, "service", NULL, NOW - DAY, NOW + DAY, OPEN);
    fx_right(x, 13, P, C, "service", "view", NOW - DAY, OPEN, OPEN);
    mnd_test_sql(x, "UPDATE user_right SET service_id = 'other' WHERE id = 13");
    fx_right(x, 14, P, D, "lokale_beheerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_right(x, 15, P2, G, "service", "view", NOW - DAY, OPEN, OPEN);
    fx_right(x, 16, P, G, "service", "view", NOW + DAY, OPEN, OPEN); /* not yet */
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; right:11 0400000185 [view sign]; "
                                 "right:12 0400000284 [view submit sign pay] until +86400");
    assert_string_equal(misses(x->pool, res), "");
    c = mnd_resolution_find(res, "right:11");
    assert_non_null(c);
    assert_int_equal(c->right_id, 11);
    assert_int_equal(c->mandate_id, 0);
    assert_string_equal(c->party->name[MND_LANG_NL], "Alfa NV");
    mnd_test_close(x);
}

static void test_right_ended_and_revoked(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_right(x, 21, P, A, "service", "view", NOW - 99 * DAY, NOW - 5 * DAY, OPEN);
    fx_right(x, 22, P, B, "service", "view", NOW - 99 * DAY, OPEN, NOW - 2 * DAY);
    /* A revocation set for later bounds the capacity. */
    fx_right(x, 23, P, C, "service", "view", NOW - 99 * DAY, OPEN, NOW + 3 * DAY);
    /* Ended at the boundary second. */
    fx_right(x, 24, P, D, "service", "pay", NOW - 99 * DAY, NOW, OPEN);
    /* Ended at G, but a newer right for the service is in force there. */
    fx_right(x, 25, P, G, "service", "view", NOW - 99 * DAY, NOW - DAY, OPEN);
    fx_right(x, 26, P, G, "service", "sign", NOW - DAY, OPEN, OPEN);
    /* Ended long ago. */
    fx_right(x, 27, P, F, "service", "view", NOW - 999 * DAY, NOW - 500 * DAY, OPEN);
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW "; right:23 0400000383 [view] until +259200; "
                                                     "right:26 0400000680 [sign]");
    assert_string_equal(misses(x->pool, res), "right_ended right 0400000185 since -432000; "
                                              "right_ended right 0400000284 since -172800; "
                                              "right_ended right 0400000482 since +0");
    mnd_test_close(x);
}

static void test_right_org_stopped(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    mnd_test_sql(x, "UPDATE party SET status = 'stopped' WHERE id = '0400000185'");
    fx_right(x, 31, P, A, "service", "view", NOW - DAY, OPEN, OPEN);
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res), "enterprise_stopped right 0400000185");
    mnd_test_close(x);
}

/* ---- mandate ------------------------------------------------------------------------- */

static void test_mandate_direct(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    const mnd_capacity_t *c;
    fx_mandate(x, 1, A, P, "view sign", "active", NOW - DAY, NOW + 9 * DAY, NULL, 0);
    fx_active(x, 2, B, P2, "view"); /* someone else's */
    mnd_test_sql(x, "INSERT INTO mandate (id, giver, taker, service_id, actions, valid_from,"
                    " state, initiated_by_party, initiated_by_person, created_at,"
                    " state_changed_at) VALUES (3, '0400000383', '85073003328', 'other',"
                    " 'view', 0, 'active', '0400000383', '85073003328', 0, 0)");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; mandate:1 0400000185 [view sign] until +777600");
    assert_string_equal(misses(x->pool, res), "");
    c = mnd_resolution_find(res, "mandate:1");
    assert_int_equal(c->basis, MND_BASIS_MANDATE);
    assert_int_equal(c->mandate_id, 1);
    assert_string_equal(c->giver, A);
    assert_null(c->via);
    assert_string_equal(c->party->name[MND_LANG_NL], "Alfa NV");
    assert_int_equal(c->party->kind, MND_PARTY_ORG);
    mnd_test_close(x);
}

static void test_mandate_from_person(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    const mnd_capacity_t *c;
    fx_active(x, 1, P2, P, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW "; mandate:1 90010100123 [view]");
    c = mnd_resolution_find(res, "mandate:1");
    assert_int_equal(c->party->kind, MND_PARTY_PERSON);
    mnd_test_close(x);
}

static void test_mandate_via_executor(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    const mnd_capacity_t *c;
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_active(x, 1, A, F, "view");
    fx_active(x, 2, B, F, "view pay");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; mandate:1 0400000185 via 0400000581 [view]; "
                                 "mandate:2 0400000284 via 0400000581 [view pay]");
    assert_string_equal(misses(x->pool, res), "");
    c = mnd_resolution_find(res, "mandate:2");
    assert_string_equal(c->via->id, F);
    assert_string_equal(c->via->name[MND_LANG_NL], "Fiduciaire Fox");
    assert_string_equal(c->giver, B);
    mnd_test_close(x);
}

static void test_mandate_via_executor_not_in_force(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    /* Revoked executor right, and an ended one: the person no longer works for F's clients;
     * no other right there, so no hint either. */
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - 9 * DAY, OPEN, NOW - DAY);
    fx_right(x, 2, P, F, "ssm_mandaatuitvoerder", NULL, NOW - 9 * DAY, NOW, OPEN);
    fx_active(x, 1, A, F, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res), "");
    mnd_test_close(x);
}

static void test_mandate_via_kbo_rep(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_kbo(x, P, F, "zaakvoerder", NOW - 400 * DAY, OPEN);
    fx_active(x, 1, A, F, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000581 0400000581 [view submit sign pay]; "
                                 "mandate:1 0400000185 via 0400000581 [view]");
    /* Representative and executor there: the mandates are read once. */
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000581 0400000581 [view submit sign pay]; "
                                 "mandate:1 0400000185 via 0400000581 [view]");
    mnd_test_close(x);
}

static void test_kbo_rep_of_stopped_firm(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    mnd_test_sql(x, "UPDATE party SET status = 'stopped' WHERE id = '0400000581'");
    fx_kbo(x, P, F, "zaakvoerder", NOW - 400 * DAY, OPEN);
    fx_active(x, 1, A, F, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res), "enterprise_stopped kbo 0400000581; "
                                              "enterprise_stopped mandate - via 0400000581 "
                                              "count 1");
    mnd_test_close(x);
}

static void test_missing_executor_right(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_right(x, 1, P, F, "lokale_beheerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_right(x, 2, P, F, "ssm_mandaatbeheerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_active(x, 1, A, F, "view");
    fx_active(x, 2, B, F, "view");
    fx_active(x, 3, C, F, "sign");
    fx_mandate(x, 4, D, F, "view", "active", NOW - 9 * DAY, NOW - DAY, NULL, 0);
    fx_mandate(x, 5, G, F, "view", "awaiting_approval", NOW, OPEN, NULL, 0);
    /* G holds one too, but the person has no right there at all. */
    fx_active(x, 6, A, G, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res),
                        "missing_executor_right mandate - via 0400000581 count 3");
    mnd_test_close(x);
}

static void test_missing_executor_right_no_mandates(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    fx_right(x, 1, P, F, "lokale_beheerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_mandate(x, 1, A, F, "view", "revoked", NOW - 9 * DAY, OPEN, NULL, NOW - DAY);
    assert_string_equal(misses(x->pool, resolve(x)), "");
    mnd_test_close(x);
}

static void test_mandate_pending(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    /* Given by A: the taker must approve. Requested by the person: A must approve. */
    fx_mandate(x, 1, A, P, "view", "awaiting_approval", NOW, OPEN, A, 0);
    fx_mandate(x, 2, B, P, "view", "awaiting_approval", NOW, OPEN, P, 0);
    /* Through F: requested by F, the giver must approve; given by C, F must. */
    fx_mandate(x, 3, G, F, "view", "awaiting_approval", NOW, OPEN, F, 0);
    fx_mandate(x, 4, C, F, "view", "awaiting_approval", NOW, OPEN, C, 0);
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res),
                        "mandate_pending mandate 0400000185 m1 since -2592000 awaiting "
                        "85073003328; "
                        "mandate_pending mandate 0400000284 m2 since -2592000 awaiting "
                        "0400000284; "
                        "mandate_pending mandate 0400000680 via 0400000581 m3 since -2592000 "
                        "awaiting 0400000680; "
                        "mandate_pending mandate 0400000383 via 0400000581 m4 since -2592000 "
                        "awaiting 0400000581");
    mnd_test_close(x);
}

static void test_mandate_expiry_boundary(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_mandate(x, 1, A, P, "view", "active", NOW - 100, NOW + 100, NULL, 0);
    /* The last usable second. */
    res = resolve_at(x, NOW + 99, 3);
    assert_string_equal(caps(x->pool, res), SELF_ROW "; mandate:1 0400000185 [view] until +100");
    assert_string_equal(misses(x->pool, res), "");
    /* valid_until itself is outside the half-open interval. */
    res = resolve_at(x, NOW + 100, 3);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res), "mandate_expired mandate 0400000185 m1 since +100");
    /* The first usable second, and the one before. */
    res = resolve_at(x, NOW - 100, 3);
    assert_non_null(mnd_resolution_find(res, "mandate:1"));
    res = resolve_at(x, NOW - 101, 3);
    assert_null(mnd_resolution_find(res, "mandate:1"));
    assert_string_equal(misses(x->pool, res),
                        "mandate_not_yet_valid mandate 0400000185 m1 since -100");
    /* Long expired: history, not a near miss. */
    res = resolve_at(x, NOW + 200 * DAY, 3);
    assert_string_equal(misses(x->pool, res), "");
    mnd_test_close(x);
}

static void test_mandate_states(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_mandate(x, 1, A, P, "view", "active", NOW + 7 * DAY, OPEN, NULL, 0);
    fx_mandate(x, 2, B, P, "view", "revoked", NOW - 9 * DAY, OPEN, NULL, NOW - 3 * DAY);
    fx_mandate(x, 3, C, P, "view", "rejected", NOW - 9 * DAY, OPEN, NULL, NOW - 3 * DAY);
    fx_mandate(x, 4, D, P, "view", "withdrawn", NOW - 9 * DAY, OPEN, NULL, NOW - 3 * DAY);
    fx_mandate(x, 5, G, P, "view", "revoked", NOW - 999 * DAY, OPEN, NULL, NOW - 300 * DAY);
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res),
                        "mandate_not_yet_valid mandate 0400000185 m1 since +604800; "
                        "mandate_revoked mandate 0400000284 m2 since -259200");
    mnd_test_close(x);
}

static void test_mandate_giver_stopped(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    mnd_test_sql(x, "UPDATE party SET status = 'stopped' WHERE id = '0400000284'");
    fx_active(x, 1, B, P, "view");
    fx_active(x, 2, A, P, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW "; mandate:2 0400000185 [view]");
    assert_string_equal(misses(x->pool, res), "enterprise_stopped mandate 0400000284 m1");
    mnd_test_close(x);
}

static void test_mandate_via_stopped(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    mnd_test_sql(x, "UPDATE party SET status = 'stopped' WHERE id = '0400000581'");
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_active(x, 1, A, F, "view");
    fx_active(x, 2, B, F, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res),
                        "enterprise_stopped mandate - via 0400000581 count 2");
    mnd_test_close(x);
}

/* ---- service-wide reasons -------------------------------------------------------------- */

static void test_bases_not_accepted(void **state)
{
    mnd_test_ctx_t *x = world(state, "self", 0);
    mnd_resolution_t *res;
    fx_kbo(x, P, A, "bestuurder", NOW - 400 * DAY, OPEN);
    fx_kbo(x, P, D, "bestuurder", NOW - 400 * DAY, NOW - DAY); /* ended: not reported */
    fx_right(x, 1, P, B, "service", "view", NOW - DAY, OPEN, OPEN);
    fx_right(x, 2, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_right(x, 3, P, C, "service", "view", NOW - 9 * DAY, NOW - DAY, OPEN); /* ended */
    fx_active(x, 1, C, P, "view");
    fx_active(x, 2, C, F, "view");
    fx_active(x, 3, B, F, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    assert_string_equal(misses(x->pool, res), "basis_not_accepted kbo 0400000185; "
                                              "basis_not_accepted right 0400000284; "
                                              "basis_not_accepted mandate - count 1; "
                                              "basis_not_accepted mandate - via 0400000581 "
                                              "count 2");
    mnd_test_close(x);
}

static void test_loa_too_low(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 3);
    mnd_resolution_t *res;
    fx_kbo(x, P, A, "bestuurder", NOW - 400 * DAY, OPEN);
    fx_active(x, 1, B, P, "view");
    res = resolve_at(x, NOW, 2);
    assert_int_equal(res->loa, 2);
    assert_string_equal(caps(x->pool, res), "");
    assert_string_equal(misses(x->pool, res), "loa_too_low self - loa 3");
    /* At the required level everything is there. */
    res = resolve_at(x, NOW, 3);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000185 0400000185 [view submit sign pay]; "
                                 "mandate:1 0400000284 [view]");
    mnd_test_close(x);
}

/* ---- folding ------------------------------------------------------------------------- */

static void test_fold_kbo_and_mandate(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_kbo(x, P, A, "bestuurder", NOW - 400 * DAY, OPEN);
    fx_right(x, 7, P, A, "service", "sign", NOW - DAY, OPEN, OPEN);
    fx_active(x, 1, A, P, "view");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000185 0400000185 [view submit sign pay] +right:7 "
                                 "+mandate:1");
    assert_int_equal(res->capacities->nelts, 2);
    /* A folded ground is not offered on its own. */
    assert_null(mnd_resolution_find(res, "mandate:1"));
    assert_null(mnd_resolution_find(res, "right:7"));
    mnd_test_close(x);
}

static void test_fold_self_and_mandate_from_self(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    /* The person gave their accountant firm a mandate and works there. */
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_active(x, 1, P, F, "view");
    fx_active(x, 2, P, F, "sign");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW " +mandate:1@0400000581; "
                                                     "mandate:2 85073003328 via 0400000581 [sign]");
    mnd_test_close(x);
}

static void test_fold_via_two_orgs(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_kbo(x, P, G, "bestuurder", NOW - 400 * DAY, OPEN);
    /* A through F and G with different actions: two rows. */
    fx_active(x, 1, A, F, "view");
    fx_active(x, 2, A, G, "sign");
    /* B through F and G with the same actions: one row, through the first organisation. */
    fx_active(x, 3, B, G, "view submit");
    fx_active(x, 4, B, F, "submit view");
    /* C directly and through F with fewer actions: folds into the direct mandate. */
    fx_active(x, 5, C, P, "view sign");
    fx_active(x, 6, C, F, "sign");
    /* C through G with more actions: a row of its own. */
    fx_active(x, 7, C, G, "view sign pay");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res),
                        SELF_ROW "; kbo:0400000680 0400000680 [view submit sign pay]; "
                                 "mandate:1 0400000185 via 0400000581 [view]; "
                                 "mandate:2 0400000185 via 0400000680 [sign]; "
                                 "mandate:4 0400000284 via 0400000581 [view submit] "
                                 "+mandate:3@0400000680; "
                                 "mandate:5 0400000383 [view sign] +mandate:6@0400000581; "
                                 "mandate:7 0400000383 via 0400000680 [view sign pay]");
    mnd_test_close(x);
}

/* ---- order, lookup, errors ----------------------------------------------------------- */

static void test_display_order(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    const char *order = "";
    int i;
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    fx_right(x, 2, P, G, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    mnd_test_sql(x, "UPDATE party SET name_nl = 'zulu' WHERE id = '0400000185'");
    mnd_test_sql(x, "UPDATE party SET name_nl = NULL, name_fr = 'Echo SA' WHERE id = "
                    "'0400000284'");
    mnd_test_sql(x, "UPDATE party SET name_nl = 'Bravo' WHERE id = '0400000383'");
    mnd_test_sql(x, "UPDATE party SET name_nl = 'Bravo' WHERE id = '0400000482'");
    /* Givers: A "zulu", B (French) "Echo SA", C and D "Bravo", P2 without a name. */
    fx_active(x, 1, A, P, "view");
    fx_active(x, 2, B, G, "view");
    fx_active(x, 3, C, G, "view");
    fx_active(x, 4, C, F, "sign");
    fx_active(x, 5, D, F, "view");
    fx_active(x, 6, P2, F, "view");
    fx_kbo(x, P, F, "bestuurder", NOW - 400 * DAY, OPEN);
    fx_right(x, 3, P, B, "service", "pay", NOW - DAY, OPEN, OPEN);
    res = resolve(x);
    for (i = 0; i < res->capacities->nelts; i++)
        order = apr_pstrcat(x->pool, order, " ",
                            APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *)->key, NULL);
    /* Basis first; then names case-insensitively ("Echo" before "zulu"); equal names by
     * party id (C before D); the same party by intermediary (F before G); a party without
     * a name sorts by its id (digits before letters). */
    assert_string_equal(order, " self kbo:0400000581 right:3 mandate:6 mandate:4 mandate:3 "
                               "mandate:5 mandate:2 mandate:1");
    mnd_test_close(x);
}

static void test_find(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    fx_kbo(x, P, A, "bestuurder", NOW - 400 * DAY, OPEN);
    fx_active(x, 1, B, P, "view");
    res = resolve(x);
    assert_non_null(mnd_resolution_find(res, "self"));
    assert_int_equal(mnd_resolution_find(res, "kbo:0400000185")->basis, MND_BASIS_KBO);
    assert_int_equal(mnd_resolution_find(res, "mandate:1")->mandate_id, 1);
    assert_null(mnd_resolution_find(res, "mandate:2"));
    assert_null(mnd_resolution_find(res, "kbo:0400000284"));
    assert_null(mnd_resolution_find(res, "mandate:"));
    assert_null(mnd_resolution_find(res, ""));
    assert_null(mnd_resolution_find(res, NULL));
    assert_null(mnd_resolution_find(NULL, "self"));
    mnd_test_close(x);
}

static void test_unknown_service(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res = (void *)1;
    MND_ASSERT_ERR(mnd_capacities(x->store, x->pool, P, "nope", NOW, 3, &res), MND_ENOTFOUND,
                   "nope");
    assert_null(res);
    mnd_test_close(x);
}

static void test_bad_input(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res = NULL;
    /* Wrong check digits, a KBO number, nothing at all. */
    MND_ASSERT_ERR(mnd_capacities(x->store, x->pool, "85073003329", "svc", NOW, 3, &res),
                   MND_EINVAL, "acting person");
    MND_ASSERT_ERR(mnd_capacities(x->store, x->pool, A, "svc", NOW, 3, &res), MND_EINVAL,
                   "acting person");
    MND_ASSERT_ERR(mnd_capacities(x->store, x->pool, NULL, "svc", NOW, 3, &res), MND_EINVAL,
                   "acting person");
    MND_ASSERT_ERR(mnd_capacities(x->store, x->pool, P, "", NOW, 3, &res), MND_EINVAL,
                   "service id");
    MND_ASSERT_ERR(mnd_capacities(x->store, x->pool, P, NULL, NOW, 3, &res), MND_EINVAL,
                   "service id");
    MND_ASSERT_ERR(mnd_capacities(x->store, x->pool, P, "svc", MND_TIME_NONE, 3, &res), MND_EINVAL,
                   "point in time");
    /* A formatted INSZ is normalised. */
    MND_ASSERT_OK(mnd_capacities(x->store, x->pool, "85.07.30-033.28", "svc", NOW, 3, &res));
    assert_string_equal(res->person, P);
    assert_string_equal(caps(x->pool, res), SELF_ROW);
    mnd_test_close(x);
}

static void test_reason_codes(void **state)
{
    static const char *const want[MND_MISS__N] = {
        "mandate_pending",    "mandate_expired",        "mandate_not_yet_valid",
        "mandate_revoked",    "missing_executor_right", "kbo_function_ended",
        "enterprise_stopped", "basis_not_accepted",     "loa_too_low",
        "right_ended"};
    int i;
    (void)state;
    for (i = 0; i < MND_MISS__N; i++)
        assert_string_equal(mnd_miss_reason_code((mnd_miss_reason_t)i), want[i]);
    assert_string_equal(mnd_miss_reason_code(MND_MISS__N), "unknown");
}

static void test_catalogue_changed(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    /* Actions dropped from the catalogue since the mandate was given grant nothing; a
     * mandate left with no action at all is not offered. */
    fx_active(x, 1, A, P, "view sign");
    fx_active(x, 2, B, P, "sign");
    mnd_test_sql(x, "DELETE FROM service_action WHERE service_id = 'svc' AND code = 'sign'");
    res = resolve(x);
    assert_string_equal(caps(x->pool, res), SELF_ROW "; mandate:1 0400000185 [view]");
    mnd_test_close(x);
}

/* Many mandates through one organisation: every one offered once, in name order. */
static void test_many_via_org(void **state)
{
    mnd_test_ctx_t *x = world(state, NULL, 0);
    mnd_resolution_t *res;
    const char *prev = "";
    int i;
    fx_right(x, 1, P, F, "ssm_mandaatuitvoerder", NULL, NOW - DAY, OPEN, OPEN);
    mnd_test_sql(x, "BEGIN");
    for (i = 0; i < 500; i++) {
        char id[MND_KBO_LEN + 1];
        unsigned f8 = 50000000u + (unsigned)i * 7u;
        snprintf(id, sizeof(id), "%08u%02u", f8, 97u - f8 % 97u);
        sqlf(x,
             "INSERT INTO party (id, kind, status, name_nl, updated_at)"
             " VALUES ('%s', 'org', 'active', 'Klant %03d', 0)",
             id, (i * 37) % 500);
        fx_active(x, 100 + i, id, F, i % 2 ? "view" : "view sign");
    }
    mnd_test_sql(x, "COMMIT");
    res = resolve(x);
    assert_int_equal(res->capacities->nelts, 501);
    for (i = 1; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *);
        assert_string_equal(c->via->id, F);
        assert_true(strcmp(prev, c->party->name[MND_LANG_NL]) < 0);
        prev = c->party->name[MND_LANG_NL];
    }
    mnd_test_close(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_alone),
        cmocka_unit_test(test_self_named),
        cmocka_unit_test(test_self_not_accepted),
        cmocka_unit_test(test_kbo_director_of_two),
        cmocka_unit_test(test_kbo_function_ended),
        cmocka_unit_test(test_kbo_code_not_representative),
        cmocka_unit_test(test_kbo_enterprise_unknown),
        cmocka_unit_test(test_right_actions),
        cmocka_unit_test(test_right_ended_and_revoked),
        cmocka_unit_test(test_right_org_stopped),
        cmocka_unit_test(test_mandate_direct),
        cmocka_unit_test(test_mandate_from_person),
        cmocka_unit_test(test_mandate_via_executor),
        cmocka_unit_test(test_mandate_via_executor_not_in_force),
        cmocka_unit_test(test_mandate_via_kbo_rep),
        cmocka_unit_test(test_kbo_rep_of_stopped_firm),
        cmocka_unit_test(test_missing_executor_right),
        cmocka_unit_test(test_missing_executor_right_no_mandates),
        cmocka_unit_test(test_mandate_pending),
        cmocka_unit_test(test_mandate_expiry_boundary),
        cmocka_unit_test(test_mandate_states),
        cmocka_unit_test(test_mandate_giver_stopped),
        cmocka_unit_test(test_mandate_via_stopped),
        cmocka_unit_test(test_bases_not_accepted),
        cmocka_unit_test(test_loa_too_low),
        cmocka_unit_test(test_fold_kbo_and_mandate),
        cmocka_unit_test(test_fold_self_and_mandate_from_self),
        cmocka_unit_test(test_fold_via_two_orgs),
        cmocka_unit_test(test_display_order),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_unknown_service),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_reason_codes),
        cmocka_unit_test(test_catalogue_changed),
        cmocka_unit_test(test_many_via_org),
    };
    int failed = MND_RUN_PER_DRIVER("resolve", tests);
    cache_min_rows = 1;
    failed += MND_RUN_PER_DRIVER("resolve+cache1", tests);
    cache_min_rows = 2;
    failed += MND_RUN_PER_DRIVER("resolve+cache2", tests);
    return failed;
}
