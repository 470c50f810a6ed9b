/* The store layer, schema, parties, services, audit and authority on every driver. */
#include "testutil.h"

#include "core/audit.h"
#include "core/authority.h"
#include "core/party.h"
#include "core/service.h"

#include <apr_strings.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

/* Valid identifiers (check digits computed by hand): */
#define PERSON_A "85073003328"  /* 85.07.30-033.28 */
#define PERSON_B "90020199704"  /* 90.02.01-997.04 */
#define ORG_X "0123456749"      /* 0123.456.749 */
#define T0 1700000000

static void test_migrate_is_idempotent(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    int from = -1, to = -1, v = 0;
    MND_ASSERT_OK(mnd_store_migrate(ctx->store, ctx->pool, &from, &to));
    assert_int_equal(from, mnd_schema_latest());
    assert_int_equal(to, mnd_schema_latest());
    MND_ASSERT_OK(mnd_schema_version(ctx->store, ctx->pool, &v));
    assert_int_equal(v, mnd_schema_latest());
    mnd_test_close(ctx);
}

static void test_newer_schema_is_refused(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_test_sql(ctx, "INSERT INTO schema_version (version, applied_at) VALUES (999, 0)");
    MND_ASSERT_ERR(mnd_store_migrate(ctx->store, ctx->pool, NULL, NULL), MND_ESTORE,
                   "newer than this build");
    mnd_test_close(ctx);
}

static void test_unknown_statement_is_internal_error(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    MND_ASSERT_ERR(mnd_store_exec(ctx->store, ctx->pool, "no_such_label", NULL, 0, NULL),
                   MND_EINTERNAL, "no_such_label");
    mnd_test_close(ctx);
}

static void test_bad_driver_and_unreachable_store(void **state)
{
    apr_pool_t *p;
    mnd_store_t *s = NULL;
    (void)state;
    apr_pool_create(&p, NULL);
    MND_ASSERT_ERR(mnd_store_open(p, "mysql", "x", &s), MND_EINVAL, "not supported");
    MND_ASSERT_ERR(mnd_store_open(p, "sqlite3", "/nonexistent-dir/sub/x.db", &s), MND_ESTORE,
                   NULL);
    MND_ASSERT_ERR(mnd_store_open(p, "pgsql", "host=127.0.0.1 port=1 dbname=x connect_timeout=2",
                                  &s),
                   MND_ESTORE, NULL);
    apr_pool_destroy(p);
}

static void test_party_roundtrip_and_nulls(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_party_t org = {ORG_X, MND_PARTY_ORG, {"Boekhouding NV", "Comptabilité SA", NULL, NULL}, 1};
    mnd_party_t *got = NULL;
    MND_ASSERT_OK(mnd_party_put(ctx->store, ctx->pool, &org, T0));
    MND_ASSERT_OK(mnd_party_get(ctx->store, ctx->pool, ORG_X, &got));
    assert_string_equal(got->id, ORG_X);
    assert_int_equal(got->kind, MND_PARTY_ORG);
    assert_string_equal(got->name[MND_LANG_FR], "Comptabilité SA");
    assert_null(got->name[MND_LANG_DE]);
    assert_true(got->active);
    assert_string_equal(mnd_party_label(ctx->pool, got, MND_LANG_EN), "Boekhouding NV");
    org.active = 0;
    MND_ASSERT_OK(mnd_party_put(ctx->store, ctx->pool, &org, T0 + 1));
    MND_ASSERT_OK(mnd_party_get(ctx->store, ctx->pool, ORG_X, &got));
    assert_false(got->active);
    MND_ASSERT_ERR(mnd_party_get(ctx->store, ctx->pool, "0987654321", &got), MND_ENOTFOUND,
                   NULL);
    MND_ASSERT_OK(mnd_party_ensure_person(ctx->store, ctx->pool, "85.07.30-033.28", T0));
    MND_ASSERT_OK(mnd_party_ensure_person(ctx->store, ctx->pool, PERSON_A, T0));
    MND_ASSERT_OK(mnd_party_get(ctx->store, ctx->pool, PERSON_A, &got));
    assert_int_equal(got->kind, MND_PARTY_PERSON);
    mnd_test_close(ctx);
}

static void test_party_rejects_bad_ids(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_party_t bad = {"0123456748", MND_PARTY_ORG, {NULL}, 1};
    mnd_party_t mismatch = {PERSON_A, MND_PARTY_ORG, {NULL}, 1};
    MND_ASSERT_ERR(mnd_party_put(ctx->store, ctx->pool, &bad, T0), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_party_put(ctx->store, ctx->pool, &mismatch, T0), MND_EINVAL, "person");
    MND_ASSERT_ERR(mnd_party_ensure_person(ctx->store, ctx->pool, "85073003329", T0), MND_EINVAL,
                   NULL);
    mnd_test_close(ctx);
}

static mnd_service_t *make_service(apr_pool_t *p, const char *id, unsigned bases)
{
    mnd_service_t *svc = apr_pcalloc(p, sizeof(*svc));
    mnd_action_t *a;
    svc->id = id;
    svc->name[MND_LANG_NL] = "WSE-loket";
    svc->bases = bases;
    svc->min_loa = 3;
    svc->actions = apr_array_make(p, 2, sizeof(mnd_action_t));
    a = apr_array_push(svc->actions);
    memset(a, 0, sizeof(*a));
    a->code = "aanvraag";
    a->label[MND_LANG_NL] = "Aanvraag indienen";
    a->citizen = 1;
    a = apr_array_push(svc->actions);
    memset(a, 0, sizeof(*a));
    a->code = "inzage";
    a->citizen = 0;
    return svc;
}

static void test_service_roundtrip(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_service_t *svc = make_service(ctx->pool, "wse-loket",
                                      MND_BASIS_BIT(MND_BASIS_SELF) |
                                          MND_BASIS_BIT(MND_BASIS_MANDATE));
    mnd_service_t *got = NULL;
    apr_array_header_t *list = NULL, *acts;
    MND_ASSERT_OK(mnd_service_put(ctx->store, ctx->pool, svc, T0));
    MND_ASSERT_OK(mnd_service_get(ctx->store, ctx->pool, "wse-loket", &got));
    assert_string_equal(got->name[MND_LANG_NL], "WSE-loket");
    assert_int_equal(got->bases, svc->bases);
    assert_int_equal(got->min_loa, 3);
    assert_int_equal(got->actions->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(got->actions, 0, mnd_action_t).code, "aanvraag");
    assert_true(APR_ARRAY_IDX(got->actions, 0, mnd_action_t).citizen);
    assert_false(APR_ARRAY_IDX(got->actions, 1, mnd_action_t).citizen);
    /* Replacing keeps one catalogue. */
    apr_array_pop(svc->actions);
    MND_ASSERT_OK(mnd_service_put(ctx->store, ctx->pool, svc, T0 + 1));
    MND_ASSERT_OK(mnd_service_list(ctx->store, ctx->pool, &list));
    assert_int_equal(list->nelts, 1);
    assert_int_equal(APR_ARRAY_IDX(list, 0, mnd_service_t *)->actions->nelts, 1);
    MND_ASSERT_ERR(mnd_service_get(ctx->store, ctx->pool, "nope", &got), MND_ENOTFOUND, "nope");
    acts = apr_array_make(ctx->pool, 2, sizeof(const char *));
    MND_ASSERT_ERR(mnd_service_check_actions(ctx->pool, svc, acts), MND_EINVAL, "at least one");
    *(const char **)apr_array_push(acts) = "aanvraag";
    MND_ASSERT_OK(mnd_service_check_actions(ctx->pool, svc, acts));
    *(const char **)apr_array_push(acts) = "aanvraag";
    MND_ASSERT_ERR(mnd_service_check_actions(ctx->pool, svc, acts), MND_EINVAL, "twice");
    apr_array_pop(acts);
    *(const char **)apr_array_push(acts) = "betalen";
    MND_ASSERT_ERR(mnd_service_check_actions(ctx->pool, svc, acts), MND_EINVAL, "betalen");
    mnd_test_close(ctx);
}

static void test_service_rejects_bad_definitions(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_service_t *svc = make_service(ctx->pool, "bad id!", MND_BASIS_BIT(MND_BASIS_SELF));
    MND_ASSERT_ERR(mnd_service_put(ctx->store, ctx->pool, svc, T0), MND_EINVAL, "service id");
    svc->id = "ok";
    svc->bases = 0;
    MND_ASSERT_ERR(mnd_service_put(ctx->store, ctx->pool, svc, T0), MND_EINVAL, "basis");
    svc->bases = MND_BASIS_BIT(MND_BASIS_SELF);
    APR_ARRAY_IDX(svc->actions, 1, mnd_action_t).code = "aanvraag";
    MND_ASSERT_ERR(mnd_service_put(ctx->store, ctx->pool, svc, T0), MND_EINVAL, "twice");
    APR_ARRAY_IDX(svc->actions, 1, mnd_action_t).code = "<script>";
    MND_ASSERT_ERR(mnd_service_put(ctx->store, ctx->pool, svc, T0), MND_EINVAL, "action code");
    mnd_test_close(ctx);
}

static void test_transaction_rolls_back_on_failure(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_service_t *svc = make_service(ctx->pool, "s1", MND_BASIS_BIT(MND_BASIS_SELF));
    mnd_service_t *got = NULL;
    MND_ASSERT_OK(mnd_store_begin(ctx->store));
    MND_ASSERT_OK(mnd_service_put(ctx->store, ctx->pool, svc, T0));
    /* A failing statement dooms the transaction, even if the caller goes on. */
    MND_ASSERT_ERR(mnd_store_exec_raw(ctx->store, ctx->pool, "INSERT INTO nope VALUES (1)"),
                   MND_ESTORE, NULL);
    MND_ASSERT_ERR(mnd_store_commit(ctx->store), MND_ESTORE, NULL);
    MND_ASSERT_ERR(mnd_service_get(ctx->store, ctx->pool, "s1", &got), MND_ENOTFOUND, NULL);
    /* Explicit rollback of a nested transaction. */
    MND_ASSERT_OK(mnd_store_begin(ctx->store));
    MND_ASSERT_OK(mnd_service_put(ctx->store, ctx->pool, svc, T0));
    mnd_store_rollback(ctx->store);
    MND_ASSERT_ERR(mnd_service_get(ctx->store, ctx->pool, "s1", &got), MND_ENOTFOUND, NULL);
    /* And a good one commits. */
    MND_ASSERT_OK(mnd_store_begin(ctx->store));
    MND_ASSERT_OK(mnd_service_put(ctx->store, ctx->pool, svc, T0));
    MND_ASSERT_OK(mnd_store_commit(ctx->store));
    MND_ASSERT_OK(mnd_service_get(ctx->store, ctx->pool, "s1", &got));
    mnd_test_close(ctx);
}

static void test_audit_write_and_list(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_audit_t a = {0, T0, "capacity.chosen", PERSON_A, ORG_X, "mandate", NULL, 42, "wse-loket",
                     "aanvraag inzage", "txn-1", NULL};
    mnd_audit_filter_t all = {NULL, NULL, MND_TIME_NONE, MND_TIME_NONE, 0};
    mnd_audit_filter_t by_actor = {PERSON_B, NULL, MND_TIME_NONE, MND_TIME_NONE, 0};
    mnd_audit_filter_t window = {NULL, ORG_X, T0 + 1, T0 + 3, 10};
    apr_array_header_t *out = NULL;
    int i;
    for (i = 0; i < 5; i++) {
        a.at = T0 + i;
        a.actor = i == 4 ? PERSON_B : PERSON_A;
        MND_ASSERT_OK(mnd_audit_write(ctx->store, ctx->pool, &a));
    }
    MND_ASSERT_OK(mnd_audit_list(ctx->store, ctx->pool, &all, &out));
    assert_int_equal(out->nelts, 5);
    assert_int_equal(APR_ARRAY_IDX(out, 0, mnd_audit_t *)->at, T0 + 4); /* newest first */
    assert_int_equal(APR_ARRAY_IDX(out, 0, mnd_audit_t *)->mandate_id, 42);
    assert_null(APR_ARRAY_IDX(out, 0, mnd_audit_t *)->via);
    MND_ASSERT_OK(mnd_audit_list(ctx->store, ctx->pool, &by_actor, &out));
    assert_int_equal(out->nelts, 1);
    MND_ASSERT_OK(mnd_audit_list(ctx->store, ctx->pool, &window, &out));
    assert_int_equal(out->nelts, 2);
    mnd_test_close(ctx);
}

static void seed_authority(mnd_test_ctx_t *ctx)
{
    mnd_test_sql(ctx, "INSERT INTO party (id, kind, status, updated_at) VALUES"
                      " ('" ORG_X "', 'org', 'active', 0), ('0987654394', 'org', 'stopped', 0)");
    /* PERSON_A: director of ORG_X from T0 to T0+100; PERSON_B: vennoot (not representative). */
    mnd_test_sql(ctx, "INSERT INTO kbo_function (holder, enterprise, function_code, valid_from,"
                      " valid_until) VALUES ('" PERSON_A "', '" ORG_X "', 'bestuurder', 1700000000,"
                      " 1700000100), ('" PERSON_B "', '" ORG_X "', 'vennoot', 0, NULL),"
                      " ('" PERSON_A "', '0987654394', 'bestuurder', 0, NULL)");
    mnd_test_sql(ctx, "INSERT INTO user_right (person, org, kind, valid_from, valid_until,"
                      " granted_by, granted_at, revoked_by, revoked_at) VALUES"
                      " ('" PERSON_B "', '" ORG_X "', 'ssm_mandaatbeheerder', 1700000000, NULL,"
                      " 'x', 0, 'y', 1700000050)");
}

static void test_authority(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    mnd_store_t *s = ctx->store;
    apr_pool_t *p = ctx->pool;
    int yes = -1;
    seed_authority(ctx);
    MND_ASSERT_OK(mnd_authority_is_kbo_rep(s, p, PERSON_A, ORG_X, T0, &yes));
    assert_true(yes);
    MND_ASSERT_OK(mnd_authority_is_kbo_rep(s, p, PERSON_A, ORG_X, T0 - 1, &yes));
    assert_false(yes); /* not yet */
    MND_ASSERT_OK(mnd_authority_is_kbo_rep(s, p, PERSON_A, ORG_X, T0 + 99, &yes));
    assert_true(yes);
    MND_ASSERT_OK(mnd_authority_is_kbo_rep(s, p, PERSON_A, ORG_X, T0 + 100, &yes));
    assert_false(yes); /* ended: half-open interval */
    MND_ASSERT_OK(mnd_authority_is_kbo_rep(s, p, PERSON_B, ORG_X, T0, &yes));
    assert_false(yes); /* vennoot does not count */
    MND_ASSERT_OK(mnd_authority_is_kbo_rep(s, p, PERSON_A, "0987654394", T0, &yes));
    assert_false(yes); /* stopped enterprise */
    /* Implicit SSM rights of the legal representative. */
    MND_ASSERT_OK(mnd_authority_holds(s, p, PERSON_A, ORG_X, MND_RIGHT_MANDATE_EXECUTOR, T0, &yes));
    assert_true(yes);
    MND_ASSERT_OK(mnd_authority_holds(s, p, PERSON_A, ORG_X, MND_RIGHT_LOCAL_ADMIN, T0, &yes));
    assert_false(yes);
    /* Granted right, revoked at T0+50. */
    MND_ASSERT_OK(mnd_authority_holds(s, p, PERSON_B, ORG_X, MND_RIGHT_MANDATE_MANAGER, T0 + 49, &yes));
    assert_true(yes);
    MND_ASSERT_OK(mnd_authority_holds(s, p, PERSON_B, ORG_X, MND_RIGHT_MANDATE_MANAGER, T0 + 50, &yes));
    assert_false(yes);
    MND_ASSERT_OK(mnd_authority_is_mandate_manager(s, p, PERSON_B, ORG_X, T0 + 10, &yes));
    assert_true(yes);
    /* A person manages own mandates; never another person's. */
    MND_ASSERT_OK(mnd_authority_is_mandate_manager(s, p, PERSON_A, PERSON_A, T0, &yes));
    assert_true(yes);
    MND_ASSERT_OK(mnd_authority_is_mandate_manager(s, p, PERSON_A, PERSON_B, T0, &yes));
    assert_false(yes);
    mnd_test_close(ctx);
}

/* A pooled connection handed over by mod_dbd gets our SQLite settings once, on first wrap:
 * here, referential integrity (off by default in SQLite) must reject an orphan right. */
static void test_wrap_applies_session_settings(void **state)
{
    mnd_test_ctx_t *ctx = mnd_test_open(*state);
    const apr_dbd_driver_t *drv = NULL;
    apr_dbd_t *h = NULL;
    apr_hash_t *prepared;
    apr_pool_t *conn_pool;
    mnd_store_t *w = NULL;
    char path[] = "/tmp/mnd-test-wrap-XXXXXX";
    int fd;
    if (strcmp(ctx->driver, "sqlite3") != 0) {
        mnd_test_close(ctx);
        return; /* the settings are SQLite's; PostgreSQL enforces foreign keys always */
    }
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    apr_pool_create(&conn_pool, ctx->pool);
    assert_int_equal(apr_dbd_get_driver(conn_pool, "sqlite3", &drv), APR_SUCCESS);
    assert_int_equal(apr_dbd_open(drv, conn_pool, path, &h), APR_SUCCESS);
    prepared = apr_hash_make(conn_pool);
    MND_ASSERT_OK(mnd_store_wrap(ctx->pool, drv, h, prepared, conn_pool, &w));
    MND_ASSERT_OK(mnd_store_migrate(w, ctx->pool, NULL, NULL));
    MND_ASSERT_ERR(mnd_store_exec_raw(w, ctx->pool,
                                      "INSERT INTO user_right (person, org, kind, valid_from,"
                                      " granted_by, granted_at) VALUES ('" PERSON_A "',"
                                      " '0000000097', 'lokale_beheerder', 0, 'x', 0)"),
                   MND_ESTORE, "FOREIGN KEY");
    /* A second wrap of the same connection finds the settings applied and its statements. */
    MND_ASSERT_OK(mnd_store_wrap(ctx->pool, drv, h, prepared, conn_pool, &w));
    MND_ASSERT_OK(mnd_party_ensure_person(w, ctx->pool, PERSON_A, T0));
    MND_ASSERT_ERR(mnd_store_wrap(ctx->pool, NULL, h, prepared, conn_pool, &w), MND_ESTORE, NULL);
    apr_dbd_close(drv, h);
    unlink(path);
    mnd_test_close(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_is_idempotent),
        cmocka_unit_test(test_newer_schema_is_refused),
        cmocka_unit_test(test_unknown_statement_is_internal_error),
        cmocka_unit_test(test_bad_driver_and_unreachable_store),
        cmocka_unit_test(test_party_roundtrip_and_nulls),
        cmocka_unit_test(test_party_rejects_bad_ids),
        cmocka_unit_test(test_service_roundtrip),
        cmocka_unit_test(test_service_rejects_bad_definitions),
        cmocka_unit_test(test_transaction_rolls_back_on_failure),
        cmocka_unit_test(test_audit_write_and_list),
        cmocka_unit_test(test_authority),
        cmocka_unit_test(test_wrap_applies_session_settings),
    };
    return MND_RUN_PER_DRIVER("store", tests);
}
