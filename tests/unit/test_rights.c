/* User-management rights: every grant and revocation path allowed and refused, the operator
 * bootstrap, duplicates, bad input, audit and listing. Runs on SQLite and, with
 * MANDAAT_TEST_PGSQL, on PostgreSQL. */
#include "testutil.h"

#include "core/audit.h"
#include "core/authority.h"
#include "core/party.h"
#include "core/rights.h"
#include "util/strlist.h"

#include <apr_strings.h>
#include <string.h>

#define ALICE "85073003328" /* KBO legal representative (bestuurder) of ACME */
#define BOB "90010100123"
#define CAROL "75051212063"
#define DAVE "80022904503"
#define ERIN "66060606618"
#define ACME "0123456749"
#define ACCT "0400000086" /* no KBO functions known: needs the operator bootstrap */
#define STOPPED "0412345614"
#define UNKNOWN "0876543270"
#define OPERATOR "operator:ops"

#define T0 ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */

static const char *const fixture[] = {
    "INSERT INTO party (id, kind, status, name_nl, updated_at) VALUES"
    " ('" ACME "', 'org', 'active', 'Acme NV', 0),"
    " ('" ACCT "', 'org', 'active', 'Boekhouder BV', 0),"
    " ('" STOPPED "', 'org', 'stopped', 'Gestopt BV', 0)",
    "INSERT INTO service (id, name_nl, bases, min_loa, updated_at) VALUES"
    " ('wse', 'WSE-loket', 'self kbo right mandate', 0, 0),"
    " ('sub', 'Subsidies', 'right', 0, 0)",
    "INSERT INTO service_action (service_id, code, label_nl, citizen, position) VALUES"
    " ('wse', 'view', 'Bekijken', 1, 0), ('wse', 'submit', 'Indienen', 1, 1),"
    " ('sub', 'apply', 'Aanvragen', 1, 0)",
    "INSERT INTO kbo_function (holder, enterprise, function_code, valid_from, valid_until)"
    " VALUES ('" ALICE "', '" ACME "', 'bestuurder', 0, NULL),"
    " ('" ALICE "', '" STOPPED "', 'bestuurder', 0, NULL)",
    NULL,
};

static mnd_test_ctx_t *setup(void **state)
{
    mnd_test_ctx_t *c = mnd_test_open(*state);
    const char *const *sql;
    for (sql = fixture; *sql; sql++)
        mnd_test_sql(c, *sql);
    return c;
}

static mnd_right_t right(const char *person, const char *org, mnd_right_kind_t kind)
{
    mnd_right_t r;
    memset(&r, 0, sizeof(r));
    r.person = person;
    r.org = org;
    r.kind = kind;
    r.valid_from = MND_TIME_NONE;
    r.valid_until = MND_TIME_NONE;
    r.revoked_at = MND_TIME_NONE;
    return r;
}

static int64_t grant(mnd_test_ctx_t *c, const char *actor, const char *person, const char *org,
                     mnd_right_kind_t kind)
{
    mnd_right_t r = right(person, org, kind);
    int64_t id = 0;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, actor, &r, T0, &id));
    assert_true(id > 0);
    return id;
}

static mnd_error_t *try_grant(mnd_test_ctx_t *c, const char *actor, const char *person,
                              const char *org, mnd_right_kind_t kind)
{
    mnd_right_t r = right(person, org, kind);
    int64_t id = 0;
    return mnd_right_grant(c->store, c->pool, actor, &r, T0, &id);
}

static int holds(mnd_test_ctx_t *c, const char *person, const char *org, mnd_right_kind_t k,
                 mnd_time_t t)
{
    int yes = 0;
    MND_ASSERT_OK(mnd_authority_holds(c->store, c->pool, person, org, k, t, &yes));
    return yes;
}

/* ALICE (KBO rep) appoints BOB hoofdtoegangsbeheerder, BOB appoints CAROL lokale beheerder. */
static void chain(mnd_test_ctx_t *c)
{
    grant(c, ALICE, BOB, ACME, MND_RIGHT_HTB);
    grant(c, BOB, CAROL, ACME, MND_RIGHT_LOCAL_ADMIN);
}

/* ---- granting ---- */

static void test_kbo_rep_appoints_htb(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t *r = NULL;
    int64_t id = grant(c, ALICE, BOB, ACME, MND_RIGHT_HTB);

    MND_ASSERT_OK(mnd_right_get(c->store, c->pool, id, &r));
    assert_true(r->id == id);
    assert_string_equal(r->person, BOB);
    assert_string_equal(r->org, ACME);
    assert_int_equal(r->kind, MND_RIGHT_HTB);
    assert_null(r->service_id);
    assert_null(r->actions);
    assert_true(r->valid_from == T0 && r->valid_until == MND_TIME_NONE);
    assert_string_equal(r->granted_by, ALICE);
    assert_true(r->granted_at == T0);
    assert_null(r->revoked_by);
    assert_true(r->revoked_at == MND_TIME_NONE);
    assert_true(holds(c, BOB, ACME, MND_RIGHT_HTB, T0));
    /* A KBO representative may appoint herself. */
    grant(c, ALICE, ALICE, ACME, MND_RIGHT_HTB);

    MND_ASSERT_ERR(try_grant(c, DAVE, CAROL, ACME, MND_RIGHT_HTB), MND_EFORBIDDEN,
                   "refused: granting Hoofdtoegangsbeheerder at 0123.456.749 needs being its "
                   "legal representative in the KBO (or an operator bootstrapping the "
                   "organisation); 80.02.29-***.** is not");
    /* Being hoofdtoegangsbeheerder does not let BOB appoint another one. */
    MND_ASSERT_ERR(try_grant(c, BOB, CAROL, ACME, MND_RIGHT_HTB), MND_EFORBIDDEN,
                   "legal representative in the KBO");
    /* ALICE represents ACME, not ACCT. */
    MND_ASSERT_ERR(try_grant(c, ALICE, CAROL, ACCT, MND_RIGHT_HTB), MND_EFORBIDDEN,
                   "at 0400.000.086 needs being its legal representative");
    mnd_test_close(c);
}

static void test_operator_bootstrap(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t *r = NULL;
    int64_t id = grant(c, OPERATOR, BOB, ACCT, MND_RIGHT_HTB);

    MND_ASSERT_OK(mnd_right_get(c->store, c->pool, id, &r));
    assert_string_equal(r->granted_by, OPERATOR);
    MND_ASSERT_ERR(try_grant(c, OPERATOR, CAROL, ACCT, MND_RIGHT_LOCAL_ADMIN), MND_EFORBIDDEN,
                   "refused: granting Lokale beheerder at 0400.000.086 needs "
                   "Hoofdtoegangsbeheerder there; an operator (operator:ops) can only appoint "
                   "a Hoofdtoegangsbeheerder");
    MND_ASSERT_ERR(try_grant(c, OPERATOR, CAROL, ACCT, MND_RIGHT_MANDATE_MANAGER), MND_EFORBIDDEN,
                   "needs Lokale beheerder or Hoofdtoegangsbeheerder there");
    MND_ASSERT_ERR(try_grant(c, OPERATOR, CAROL, ACCT, MND_RIGHT_MANDATE_EXECUTOR), MND_EFORBIDDEN,
                   "operator");
    /* From there the organisation runs itself. */
    grant(c, BOB, CAROL, ACCT, MND_RIGHT_LOCAL_ADMIN);
    grant(c, CAROL, DAVE, ACCT, MND_RIGHT_MANDATE_EXECUTOR);
    mnd_test_close(c);
}

static void test_local_admin_appointment(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    chain(c);
    assert_true(holds(c, CAROL, ACME, MND_RIGHT_LOCAL_ADMIN, T0));
    /* The KBO representative must first appoint herself hoofdtoegangsbeheerder. */
    MND_ASSERT_ERR(try_grant(c, ALICE, DAVE, ACME, MND_RIGHT_LOCAL_ADMIN), MND_EFORBIDDEN,
                   "refused: granting Lokale beheerder at 0123.456.749 needs "
                   "Hoofdtoegangsbeheerder at 0123.456.749; 85.07.30-***.** does not hold it");
    /* A local administrator does not appoint local administrators. */
    MND_ASSERT_ERR(try_grant(c, CAROL, DAVE, ACME, MND_RIGHT_LOCAL_ADMIN), MND_EFORBIDDEN,
                   "75.05.12-***.** does not hold it");
    /* BOB is hoofdtoegangsbeheerder at ACME only. */
    MND_ASSERT_ERR(try_grant(c, BOB, DAVE, ACCT, MND_RIGHT_LOCAL_ADMIN), MND_EFORBIDDEN,
                   "Hoofdtoegangsbeheerder at 0400.000.086");
    mnd_test_close(c);
}

static void test_ssm_and_service_rights(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t r;
    mnd_right_t *got = NULL;
    int64_t id = 0;

    chain(c);
    grant(c, CAROL, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER); /* by the local administrator */
    grant(c, BOB, DAVE, ACME, MND_RIGHT_MANDATE_EXECUTOR);  /* by the hoofdtoegangsbeheerder */
    grant(c, CAROL, ERIN, ACME, MND_RIGHT_MANDATE_EXECUTOR);
    assert_true(holds(c, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER, T0));

    r = right(ERIN, ACME, MND_RIGHT_SERVICE);
    r.service_id = "wse";
    r.actions = mnd_strlist_split(c->pool, "view");
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, CAROL, &r, T0, &id));
    MND_ASSERT_OK(mnd_right_get(c->store, c->pool, id, &got));
    assert_string_equal(got->service_id, "wse");
    assert_string_equal(mnd_strlist_join(c->pool, got->actions), "view");
    /* Actions NULL: every action of the service. */
    r.service_id = "sub";
    r.actions = NULL;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, BOB, &r, T0, &id));
    MND_ASSERT_OK(mnd_right_get(c->store, c->pool, id, &got));
    assert_null(got->actions);

    /* Holding an SSM right, or being the KBO representative, does not let one grant. */
    MND_ASSERT_ERR(try_grant(c, DAVE, ERIN, ACME, MND_RIGHT_MANDATE_MANAGER), MND_EFORBIDDEN,
                   "refused: granting SSM Mandaatbeheerder at 0123.456.749 needs Lokale "
                   "beheerder or Hoofdtoegangsbeheerder at 0123.456.749; 80.02.29-***.** holds "
                   "neither");
    MND_ASSERT_ERR(try_grant(c, ALICE, ERIN, ACME, MND_RIGHT_MANDATE_EXECUTOR), MND_EFORBIDDEN,
                   "85.07.30-***.** holds neither");
    r = right(DAVE, ACME, MND_RIGHT_SERVICE);
    r.service_id = "wse";
    MND_ASSERT_ERR(mnd_right_grant(c->store, c->pool, ERIN, &r, T0, &id), MND_EFORBIDDEN,
                   "granting a service right for wse at 0123.456.749 needs Lokale beheerder");
    mnd_test_close(c);
}

static void test_ended_authority_does_not_count(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t r = right(BOB, ACME, MND_RIGHT_HTB);
    int64_t htb = 0, local;

    r.valid_until = T0 + 100;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, ALICE, &r, T0, &htb));
    local = grant(c, BOB, CAROL, ACME, MND_RIGHT_LOCAL_ADMIN);
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, BOB, local, T0 + 1));
    /* CAROL's revoked right no longer lets her grant. */
    r = right(DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(mnd_right_grant(c->store, c->pool, CAROL, &r, T0 + 1, &local), MND_EFORBIDDEN,
                   "holds neither");
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, BOB, &r, T0 + 1, &local));
    /* BOB's right ended at T0 + 100. */
    r = right(DAVE, ACME, MND_RIGHT_LOCAL_ADMIN);
    MND_ASSERT_ERR(mnd_right_grant(c->store, c->pool, BOB, &r, T0 + 100, &local), MND_EFORBIDDEN,
                   "needs Hoofdtoegangsbeheerder");
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, BOB, &r, T0 + 99, &local));
    /* A KBO representative of a stopped enterprise appoints nobody; nor can anyone be
     * granted anything there. */
    MND_ASSERT_ERR(try_grant(c, ALICE, BOB, STOPPED, MND_RIGHT_HTB), MND_ECONFLICT,
                   "enterprise 0412.345.614 is stopped");
    mnd_test_close(c);
}

/* ---- revoking ---- */

static void test_revoke_authority(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t *r = NULL;
    int64_t htb, local, ssm, boot;

    htb = grant(c, ALICE, BOB, ACME, MND_RIGHT_HTB);
    local = grant(c, BOB, CAROL, ACME, MND_RIGHT_LOCAL_ADMIN);
    ssm = grant(c, CAROL, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, DAVE, ssm, T0 + 1), MND_EFORBIDDEN,
                   "refused: revoking SSM Mandaatbeheerder at 0123.456.749 needs Lokale "
                   "beheerder or Hoofdtoegangsbeheerder");
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, OPERATOR, ssm, T0 + 1), MND_EFORBIDDEN,
                   "an operator (operator:ops) can only appoint a Hoofdtoegangsbeheerder");
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, BOB, ssm, T0 + 1));
    MND_ASSERT_OK(mnd_right_get(c->store, c->pool, ssm, &r));
    assert_string_equal(r->revoked_by, BOB);
    assert_true(r->revoked_at == T0 + 1);
    assert_false(holds(c, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER, T0 + 1));
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, CAROL, ssm, T0 + 2), MND_ECONFLICT,
                   "was already revoked at 2026-01-01T00:00:01Z by 90.01.01-***.**");

    /* A local administrator cannot revoke a local administrator; the HTB can. */
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, CAROL, local, T0 + 2), MND_EFORBIDDEN,
                   "revoking Lokale beheerder at 0123.456.749 needs Hoofdtoegangsbeheerder");
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, BOB, local, T0 + 2));
    /* The HTB cannot revoke his own appointment; the KBO representative can. */
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, BOB, htb, T0 + 3), MND_EFORBIDDEN,
                   "legal representative in the KBO");
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, ALICE, htb, T0 + 3));
    /* The operator revokes what it bootstrapped, and nothing else. */
    boot = grant(c, OPERATOR, BOB, ACCT, MND_RIGHT_HTB);
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, OPERATOR, boot, T0 + 4));
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, OPERATOR, boot, T0 + 5), MND_ECONFLICT,
                   "by operator:ops");
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, ALICE, 9999, T0), MND_ENOTFOUND,
                   "right 9999 does not exist");
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, "bad", ssm, T0), MND_EINVAL, "actor");
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, NULL, ssm, T0), MND_EINVAL, "no actor");
    mnd_test_close(c);
}

static void test_revoke_ended_right(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t r = right(BOB, ACME, MND_RIGHT_HTB);
    int64_t id = 0;

    r.valid_until = T0 + 10;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, ALICE, &r, T0, &id));
    MND_ASSERT_ERR(mnd_right_revoke(c->store, c->pool, ALICE, id, T0 + 10), MND_ECONFLICT,
                   "ended at 2026-01-01T00:00:10Z: an ended right cannot be revoked");
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, ALICE, id, T0 + 9));
    mnd_test_close(c);
}

/* ---- duplicates ---- */

static void test_duplicates(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t r;
    int64_t id = 0, first;

    chain(c);
    first = grant(c, CAROL, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(try_grant(c, BOB, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER), MND_ECONFLICT,
                   "80.02.29-***.** already holds SSM Mandaatbeheerder at 0123.456.749 (right");
    MND_ASSERT_ERR(try_grant(c, ALICE, BOB, ACME, MND_RIGHT_HTB), MND_ECONFLICT,
                   "already holds Hoofdtoegangsbeheerder");
    /* Another kind, another person or another organisation is not a duplicate. */
    grant(c, CAROL, DAVE, ACME, MND_RIGHT_MANDATE_EXECUTOR);
    grant(c, CAROL, ERIN, ACME, MND_RIGHT_MANDATE_MANAGER);
    /* After revocation it can be granted again. */
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, CAROL, first, T0));
    grant(c, CAROL, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);

    /* Service rights: the same service is a duplicate whatever the actions. */
    r = right(ERIN, ACME, MND_RIGHT_SERVICE);
    r.service_id = "wse";
    r.actions = mnd_strlist_split(c->pool, "view");
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, CAROL, &r, T0, &id));
    r.actions = mnd_strlist_split(c->pool, "submit");
    MND_ASSERT_ERR(mnd_right_grant(c->store, c->pool, CAROL, &r, T0, &id), MND_ECONFLICT,
                   "already holds service right for wse");
    r.service_id = "sub";
    r.actions = NULL;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, CAROL, &r, T0, &id));

    /* Periods: one that starts when the other ends does not overlap; one inside does. */
    r = right(ERIN, ACME, MND_RIGHT_LOCAL_ADMIN);
    r.valid_from = T0 + 100;
    r.valid_until = T0 + 200;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, BOB, &r, T0, &id));
    r.valid_from = T0 + 200;
    r.valid_until = MND_TIME_NONE;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, BOB, &r, T0, &id));
    r.valid_from = MND_TIME_NONE;
    r.valid_until = T0 + 101;
    MND_ASSERT_ERR(mnd_right_grant(c->store, c->pool, BOB, &r, T0, &id), MND_ECONFLICT,
                   "valid [2026-01-01T00:01:40Z, 2026-01-01T00:03:20Z)");
    r.valid_until = T0 + 100;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, BOB, &r, T0, &id));
    mnd_test_close(c);
}

/* ---- bad input ---- */

static void test_bad_input(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t r;
    apr_pool_t *p = c->pool;
    int64_t id = 0;

    chain(c);
#define GRANT(actor) mnd_right_grant(c->store, p, (actor), &r, T0, &id)
    MND_ASSERT_ERR(mnd_right_grant(c->store, p, BOB, NULL, T0, &id), MND_EINVAL, NULL);
    r = right(DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(GRANT(NULL), MND_EINVAL, "no actor");
    MND_ASSERT_ERR(GRANT("85073003329"), MND_EINVAL, "actor");
    MND_ASSERT_ERR(GRANT("operator:"), MND_EINVAL, "needs a name of 1-64 characters");
    MND_ASSERT_ERR(GRANT("operator:a b"), MND_EINVAL, "operator name 'a b' may only contain");
    r.kind = (mnd_right_kind_t)17;
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "right kind 17");
    r = right("80022904504", ACME, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "right holder");
    r = right(NULL, ACME, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "needs the holder's INSZ");
    r = right(ACME, ACME, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "right holder");
    r = right(DAVE, "0123456748", MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "organisation of the right");
    r = right(DAVE, CAROL, MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "organisation of the right");
    r = right(DAVE, "", MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "needs the organisation's KBO number");
    r = right(DAVE, UNKNOWN, MND_RIGHT_HTB);
    MND_ASSERT_ERR(GRANT(OPERATOR), MND_ENOTFOUND,
                   "enterprise 0876.543.270 is not known: import KBO data first");
    r = right(DAVE, STOPPED, MND_RIGHT_HTB);
    MND_ASSERT_ERR(GRANT(OPERATOR), MND_ECONFLICT, "is stopped");

    r = right(DAVE, ACME, MND_RIGHT_SERVICE);
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "a service right needs a service");
    r.service_id = "nope";
    MND_ASSERT_ERR(GRANT(CAROL), MND_ENOTFOUND, "service 'nope' is not known");
    r.service_id = "wse";
    r.actions = mnd_strlist_split(p, "view fly");
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "action 'fly' is not in the catalogue");
    r.actions = mnd_strlist_split(p, "");
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "at least one action");
    r = right(DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);
    r.service_id = "wse";
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "SSM Mandaatbeheerder is not a service right");
    r.service_id = NULL;
    r.actions = mnd_strlist_split(p, "view");
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "takes no service or actions");
    r = right(DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);
    r.valid_from = T0 + 10;
    r.valid_until = T0 + 10;
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "is not after valid_from");
    r.valid_from = T0 - 10;
    r.valid_until = T0;
    MND_ASSERT_ERR(GRANT(CAROL), MND_EINVAL, "has already passed");
    /* Identifiers in display form are normalised. */
    r = right("80.02.29-045.03", "BE 0123.456.749", MND_RIGHT_MANDATE_MANAGER);
    MND_ASSERT_OK(GRANT("75.05.12-120.63"));
    assert_true(holds(c, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER, T0));
#undef GRANT
    mnd_test_close(c);
}

/* ---- audit and listing ---- */

static void test_audit(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_audit_filter_t f;
    apr_array_header_t *out = NULL;
    const mnd_audit_t *a;
    int64_t id;

    id = grant(c, ALICE, BOB, ACME, MND_RIGHT_HTB);
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, ALICE, id, T0 + 5));
    MND_ASSERT_ERR(try_grant(c, DAVE, CAROL, ACME, MND_RIGHT_HTB), MND_EFORBIDDEN, NULL);
    memset(&f, 0, sizeof(f));
    f.party = ACME;
    f.since = f.until = MND_TIME_NONE;
    MND_ASSERT_OK(mnd_audit_list(c->store, c->pool, &f, &out));
    assert_int_equal(out->nelts, 2); /* the refusal wrote nothing */
    a = APR_ARRAY_IDX(out, 0, const mnd_audit_t *);
    assert_string_equal(a->event, "right.revoke");
    assert_string_equal(a->actor, ALICE);
    assert_true(a->at == T0 + 5);
    assert_non_null(strstr(
        a->detail,
        apr_psprintf(c->pool, "right %" APR_INT64_T_FMT ": hoofdtoegangsbeheerder for " BOB, id)));
    a = APR_ARRAY_IDX(out, 1, const mnd_audit_t *);
    assert_string_equal(a->event, "right.grant");
    assert_string_equal(a->party, ACME);
    assert_true(a->at == T0);
    mnd_test_close(c);
}

static int count(mnd_test_ctx_t *c, const char *person, const char *org, mnd_time_t t,
                 int include_ended)
{
    apr_array_header_t *out = NULL;
    MND_ASSERT_OK(mnd_right_list(c->store, c->pool, person, org, t, include_ended, &out));
    return out->nelts;
}

static void test_list(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_right_t r = right(DAVE, ACME, MND_RIGHT_MANDATE_EXECUTOR);
    apr_array_header_t *out = NULL;
    int64_t id = 0, ssm;

    chain(c); /* BOB htb, CAROL local (ACME) */
    grant(c, OPERATOR, BOB, ACCT, MND_RIGHT_HTB);
    ssm = grant(c, CAROL, DAVE, ACME, MND_RIGHT_MANDATE_MANAGER);
    r.valid_from = T0 + 100;
    MND_ASSERT_OK(mnd_right_grant(c->store, c->pool, CAROL, &r, T0, &id));
    MND_ASSERT_OK(mnd_right_revoke(c->store, c->pool, CAROL, ssm, T0 + 50));

    assert_int_equal(count(c, NULL, NULL, T0, 0), 4);
    assert_int_equal(count(c, NULL, NULL, T0 + 50, 0), 3);  /* ssm revoked */
    assert_int_equal(count(c, NULL, NULL, T0 + 100, 0), 4); /* executor started */
    assert_int_equal(count(c, NULL, NULL, T0, 1), 5);
    assert_int_equal(count(c, BOB, NULL, T0, 0), 2);
    assert_int_equal(count(c, "90.01.01-001.23", ACME, T0, 0), 1);
    assert_int_equal(count(c, NULL, ACCT, T0, 0), 1);
    assert_int_equal(count(c, DAVE, ACME, T0 + 100, 0), 1);
    assert_int_equal(count(c, DAVE, ACME, T0 + 100, 1), 2);
    MND_ASSERT_OK(mnd_right_list(c->store, c->pool, DAVE, NULL, T0, 1, &out));
    assert_true(APR_ARRAY_IDX(out, 0, mnd_right_t *)->id == ssm); /* ordered by id */
    assert_true(APR_ARRAY_IDX(out, 1, mnd_right_t *)->id == id);
    MND_ASSERT_ERR(mnd_right_list(c->store, c->pool, "123", NULL, T0, 0, &out), MND_EINVAL,
                   "person filter");
    MND_ASSERT_ERR(mnd_right_list(c->store, c->pool, NULL, BOB, T0, 0, &out), MND_EINVAL,
                   "organisation filter");
    MND_ASSERT_ERR(mnd_right_get(c->store, c->pool, 4242, &(mnd_right_t *){NULL}), MND_ENOTFOUND,
                   "right 4242 does not exist");
    mnd_test_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kbo_rep_appoints_htb),
        cmocka_unit_test(test_operator_bootstrap),
        cmocka_unit_test(test_local_admin_appointment),
        cmocka_unit_test(test_ssm_and_service_rights),
        cmocka_unit_test(test_ended_authority_does_not_count),
        cmocka_unit_test(test_revoke_authority),
        cmocka_unit_test(test_revoke_ended_right),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_list),
    };
    return MND_RUN_PER_DRIVER("rights", tests);
}
