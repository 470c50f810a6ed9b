/* The mandate life cycle: every transition allowed and refused, the record it leaves, derived
 * expiry and listing. Runs on SQLite and, with MANDAAT_TEST_PGSQL, on PostgreSQL. */
#include "testutil.h"

#include "core/audit.h"
#include "core/mandate.h"
#include "core/party.h"
#include "util/strlist.h"

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Persons (valid INSZ). */
#define ALICE "85073003328" /* KBO legal representative (bestuurder) of ACME */
#define BOB "90010100123"   /* SSM Mandaatbeheerder at ACCT (a right) */
#define CAROL "75051212063" /* no rights: a natural person in own name */
#define DAVE "80022904503"  /* no relation to anything */
#define ERIN "66060606618"  /* SSM Mandaatbeheerder at ACME (a right) */
#define FRANK "92081501271" /* rights that ended or were revoked, an ended KBO function */
/* Organisations (valid KBO numbers). */
#define ACME "0123456749"
#define ACCT "0400000086"
#define STOPPED "0412345614"
#define UNKNOWN "0876543270" /* valid number, not in the party table */

#define T0 ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */

static const char *const fixture[] = {
    "INSERT INTO party (id, kind, status, name_nl, updated_at) VALUES"
    " ('" ACME "', 'org', 'active', 'Acme NV', 0),"
    " ('" ACCT "', 'org', 'active', 'Boekhouder BV', 0),"
    " ('" STOPPED "', 'org', 'stopped', 'Gestopt BV', 0)",
    "INSERT INTO service (id, name_nl, bases, min_loa, updated_at) VALUES"
    " ('wse', 'WSE-loket', 'self kbo right mandate', 0, 0),"
    " ('nomandate', 'Zonder mandaten', 'self kbo right', 0, 0)",
    "INSERT INTO service_action (service_id, code, label_nl, citizen, position) VALUES"
    " ('wse', 'view', 'Bekijken', 1, 0), ('wse', 'submit', 'Indienen', 1, 1),"
    " ('wse', 'sign', 'Ondertekenen', 0, 2), ('nomandate', 'view', 'Bekijken', 1, 0)",
    "INSERT INTO kbo_function (holder, enterprise, function_code, valid_from, valid_until)"
    " VALUES ('" ALICE "', '" ACME "', 'bestuurder', 0, NULL),"
    " ('" FRANK "', '" ACCT "', 'zaakvoerder', 0, 1767225000)",
    "INSERT INTO user_right (person, org, kind, valid_from, valid_until, granted_by, granted_at,"
    " revoked_by, revoked_at) VALUES"
    " ('" BOB "', '" ACCT "', 'ssm_mandaatbeheerder', 0, NULL, 'operator:t', 0, NULL, NULL),"
    " ('" ERIN "', '" ACME "', 'ssm_mandaatbeheerder', 0, NULL, 'operator:t', 0, NULL, NULL),"
    " ('" FRANK "', '" ACME "', 'ssm_mandaatbeheerder', 0, 1767225000, 'operator:t', 0, NULL,"
    "  NULL),"
    " ('" FRANK "', '" ACCT "', 'ssm_mandaatbeheerder', 0, NULL, 'operator:t', 0, '" DAVE "',"
    "  1767225000),"
    " ('" DAVE "', '" ACME "', 'ssm_mandaatuitvoerder', 0, NULL, 'operator:t', 0, NULL, NULL)",
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

static mnd_mandate_draft_t draft(apr_pool_t *p, const char *giver, const char *taker,
                                 const char *actions)
{
    mnd_mandate_draft_t d;
    memset(&d, 0, sizeof(d));
    d.giver = giver;
    d.taker = taker;
    d.service_id = "wse";
    d.actions = actions ? mnd_strlist_split(p, actions) : NULL;
    d.valid_from = MND_TIME_NONE;
    d.valid_until = MND_TIME_NONE;
    return d;
}

static mnd_mandate_t *get(mnd_test_ctx_t *c, int64_t id, apr_array_header_t **events)
{
    mnd_mandate_t *m = NULL;
    MND_ASSERT_OK(mnd_mandate_get(c->store, c->pool, id, &m, events));
    return m;
}

static const mnd_mandate_event_t *event_at(apr_array_header_t *ev, int i)
{
    return APR_ARRAY_IDX(ev, i, const mnd_mandate_event_t *);
}

/* A mandate ACME -> ACCT for "view submit", given by ALICE (KBO rep of ACME) at T0. */
static int64_t give_acme_acct(mnd_test_ctx_t *c)
{
    mnd_mandate_draft_t d = draft(c->pool, ACME, ACCT, "view submit");
    int64_t id = 0;
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, ALICE, &d, T0, &id));
    assert_true(id > 0);
    return id;
}

static int64_t active_acme_acct(mnd_test_ctx_t *c)
{
    int64_t id = give_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, BOB, id, T0 + 10));
    return id;
}

static apr_array_header_t *audit_of(mnd_test_ctx_t *c, const char *party)
{
    mnd_audit_filter_t f;
    apr_array_header_t *out = NULL;
    memset(&f, 0, sizeof(f));
    f.party = party;
    f.since = MND_TIME_NONE;
    f.until = MND_TIME_NONE;
    MND_ASSERT_OK(mnd_audit_list(c->store, c->pool, &f, &out));
    return out;
}

/* ---- allowed transitions ---- */

static void test_give_then_approve(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    apr_array_header_t *ev;
    int64_t id = give_acme_acct(c);
    mnd_mandate_t *m = get(c, id, &ev);

    assert_int_equal(m->state, MND_MANDATE_AWAITING);
    assert_string_equal(m->giver, ACME);
    assert_string_equal(m->taker, ACCT);
    assert_string_equal(m->service_id, "wse");
    assert_string_equal(mnd_strlist_join(c->pool, m->actions), "view submit");
    assert_string_equal(m->initiated_by_party, ACME);
    assert_string_equal(m->initiated_by_person, ALICE);
    assert_true(m->valid_from == T0 && m->created_at == T0 && m->state_changed_at == T0);
    assert_true(m->valid_until == MND_TIME_NONE);
    assert_null(m->ext_ref);
    assert_null(m->state_reason);
    assert_int_equal(ev->nelts, 1);

    /* BOB manages ACCT's mandates through his SSM Mandaatbeheerder right. */
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, BOB, id, T0 + 10));
    m = get(c, id, &ev);
    assert_int_equal(m->state, MND_MANDATE_ACTIVE);
    assert_true(m->state_changed_at == T0 + 10);
    assert_int_equal(mnd_mandate_effective_state(m, T0 + 1000000), MND_MANDATE_ACTIVE);
    assert_int_equal(ev->nelts, 2);
    assert_string_equal(event_at(ev, 1)->event, "approve");
    assert_string_equal(event_at(ev, 1)->actor_person, BOB);
    assert_string_equal(event_at(ev, 1)->actor_party, ACCT);
    mnd_test_close(c);
}

static void test_request_then_approve(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d = draft(c->pool, ACME, ACCT, "sign");
    apr_array_header_t *ev;
    mnd_mandate_t *m;
    int64_t id = 0;

    /* The taker starts it (seed: "Een mandaatnemer kan ook een mandaat opstarten"). */
    MND_ASSERT_OK(mnd_mandate_request(c->store, c->pool, BOB, &d, T0, &id));
    m = get(c, id, &ev);
    assert_int_equal(m->state, MND_MANDATE_AWAITING);
    assert_string_equal(m->initiated_by_party, ACCT);
    assert_string_equal(m->initiated_by_person, BOB);
    assert_string_equal(event_at(ev, 0)->event, "request");
    assert_string_equal(event_at(ev, 0)->actor_party, ACCT);
    /* ERIN holds SSM Mandaatbeheerder at the giver ACME. */
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, ERIN, id, T0 + 5));
    m = get(c, id, &ev);
    assert_int_equal(m->state, MND_MANDATE_ACTIVE);
    assert_string_equal(event_at(ev, 1)->actor_person, ERIN);
    assert_string_equal(event_at(ev, 1)->actor_party, ACME);
    mnd_test_close(c);
}

static void test_person_in_own_name(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d = draft(c->pool, CAROL, ACCT, "view");
    mnd_party_t *party = NULL;
    int64_t id = 0, id2 = 0;

    /* CAROL holds no right at all: a natural person manages mandates in own name. */
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, CAROL, &d, T0, &id));
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, BOB, id, T0 + 1));
    assert_int_equal(get(c, id, NULL)->state, MND_MANDATE_ACTIVE);
    /* Persons are created on first reference. */
    MND_ASSERT_OK(mnd_party_get(c->store, c->pool, CAROL, &party));
    assert_int_equal(party->kind, MND_PARTY_PERSON);

    /* A person taking a mandate from an organisation, and approving it; DAVE is created. */
    d = draft(c->pool, ACME, DAVE, "view");
    MND_ASSERT_OK(mnd_mandate_request(c->store, c->pool, DAVE, &d, T0, &id2));
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, ALICE, id2, T0 + 1));
    assert_int_equal(get(c, id2, NULL)->state, MND_MANDATE_ACTIVE);
    MND_ASSERT_OK(mnd_party_get(c->store, c->pool, DAVE, &party));

    /* Person to person: CAROL gives, DAVE approves in own name. */
    d = draft(c->pool, CAROL, DAVE, "view");
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, CAROL, &d, T0, &id));
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, DAVE, id, T0 + 1));
    MND_ASSERT_OK(mnd_mandate_revoke(c->store, c->pool, DAVE, id, NULL, T0 + 2));
    assert_int_equal(get(c, id, NULL)->state, MND_MANDATE_REVOKED);
    mnd_test_close(c);
}

static void test_reject_withdraw_revoke(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    apr_array_header_t *ev;
    mnd_mandate_t *m;
    int64_t id;

    id = give_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_reject(c->store, c->pool, BOB, id, "wrong actions", T0 + 3));
    m = get(c, id, &ev);
    assert_int_equal(m->state, MND_MANDATE_REJECTED);
    assert_string_equal(m->state_reason, "wrong actions");
    assert_string_equal(event_at(ev, 1)->event, "reject");
    assert_string_equal(event_at(ev, 1)->reason, "wrong actions");

    id = give_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_reject(c->store, c->pool, BOB, id, NULL, T0 + 3));
    assert_null(get(c, id, NULL)->state_reason);

    /* ERIN withdraws ALICE's proposal: the initiator is the party ACME, not the person. */
    id = give_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_withdraw(c->store, c->pool, ERIN, id, T0 + 4));
    m = get(c, id, &ev);
    assert_int_equal(m->state, MND_MANDATE_WITHDRAWN);
    assert_string_equal(event_at(ev, 1)->actor_party, ACME);

    /* Revoke by the giver, with a reason; by the taker, without (empty counts as none). */
    id = active_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_revoke(c->store, c->pool, ALICE, id, "contract ended", T0 + 20));
    m = get(c, id, &ev);
    assert_int_equal(m->state, MND_MANDATE_REVOKED);
    assert_string_equal(m->state_reason, "contract ended");
    assert_true(m->state_changed_at == T0 + 20);
    assert_string_equal(event_at(ev, 2)->actor_party, ACME);

    id = active_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_revoke(c->store, c->pool, BOB, id, "", T0 + 20));
    m = get(c, id, &ev);
    assert_int_equal(m->state, MND_MANDATE_REVOKED);
    assert_null(m->state_reason);
    assert_string_equal(event_at(ev, 2)->actor_party, ACCT);
    assert_null(event_at(ev, 2)->reason);
    mnd_test_close(c);
}

/* ---- refused: wrong actor ---- */

static void test_refused_wrong_actor(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d = draft(c->pool, ACME, ACCT, "view");
    apr_array_header_t *ev;
    int64_t id, active, none = 0;
    char *want;

    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, DAVE, &d, T0, &none), MND_EFORBIDDEN,
                   "refused: giving a mandate from 0123.456.749 needs SSM Mandaatbeheerder at "
                   "0123.456.749 (or being its legal representative in the KBO); "
                   "80.02.29-***.** holds neither");
    /* BOB manages the taker, not the giver. */
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, BOB, &d, T0, &none), MND_EFORBIDDEN,
                   "holds neither");
    MND_ASSERT_ERR(mnd_mandate_request(c->store, c->pool, ALICE, &d, T0, &none), MND_EFORBIDDEN,
                   "requesting a mandate for 0400.000.086 needs SSM "
                   "Mandaatbeheerder at 0400.000.086");
    d = draft(c->pool, CAROL, ACCT, "view");
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, DAVE, &d, T0, &none), MND_EFORBIDDEN,
                   "needs being 75.05.12-***.** in own name; 80.02.29-***.** is another person");
    assert_int_equal(none, 0);

    id = give_acme_acct(c);
    want = apr_psprintf(c->pool,
                        "refused: approving mandate %" APR_INT64_T_FMT " needs SSM "
                        "Mandaatbeheerder at 0400.000.086 (or being its legal representative "
                        "in the KBO); 85.07.30-***.** holds neither; the party that initiated "
                        "a mandate cannot approve or reject it",
                        id);
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, ALICE, id, T0 + 1), MND_EFORBIDDEN, want);
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, ERIN, id, T0 + 1), MND_EFORBIDDEN,
                   "cannot approve or reject it");
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, DAVE, id, T0 + 1), MND_EFORBIDDEN,
                   "80.02.29-***.** holds neither");
    MND_ASSERT_ERR(mnd_mandate_reject(c->store, c->pool, ALICE, id, NULL, T0 + 1), MND_EFORBIDDEN,
                   "rejecting mandate");
    MND_ASSERT_ERR(mnd_mandate_reject(c->store, c->pool, DAVE, id, NULL, T0 + 1), MND_EFORBIDDEN,
                   "holds neither");
    MND_ASSERT_ERR(mnd_mandate_withdraw(c->store, c->pool, BOB, id, T0 + 1), MND_EFORBIDDEN,
                   "only the party that initiated a mandate can withdraw it");
    MND_ASSERT_ERR(mnd_mandate_withdraw(c->store, c->pool, DAVE, id, T0 + 1), MND_EFORBIDDEN,
                   "withdrawing mandate");
    /* Refusals change nothing and leave no event. */
    assert_int_equal(get(c, id, &ev)->state, MND_MANDATE_AWAITING);
    assert_int_equal(ev->nelts, 1);

    active = active_acme_acct(c);
    want = apr_psprintf(c->pool,
                        "refused: revoking mandate %" APR_INT64_T_FMT " needs SSM "
                        "Mandaatbeheerder at 0123.456.749 (or being its legal representative "
                        "in the KBO), or SSM Mandaatbeheerder at 0400.000.086 (or being its "
                        "legal representative in the KBO); 80.02.29-***.** qualifies for "
                        "neither party",
                        active);
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, DAVE, active, NULL, T0 + 20),
                   MND_EFORBIDDEN, want);
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, CAROL, active, NULL, T0 + 20),
                   MND_EFORBIDDEN, "qualifies for neither party");
    assert_int_equal(get(c, active, NULL)->state, MND_MANDATE_ACTIVE);
    mnd_test_close(c);
}

static void test_refused_operator_and_bad_actor(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d = draft(c->pool, ACME, ACCT, "view");
    int64_t id = give_acme_acct(c), none = 0;

    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, "operator:root", &d, T0, &none),
                   MND_EFORBIDDEN, "an operator (operator:root) cannot act in a mandate");
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, "operator:root", id, T0), MND_EFORBIDDEN,
                   "operator");
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, "85073003329", &d, T0, &none), MND_EINVAL,
                   "actor");
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, NULL, &d, T0, &none), MND_EINVAL,
                   "no actor");
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, "", id, T0), MND_EINVAL, "no actor");
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, ACME, id, NULL, T0), MND_EINVAL, "actor");
    /* An actor typed with dots and dashes is the same person. */
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, "90.01.01-001.23", id, T0 + 1));
    mnd_test_close(c);
}

/* ---- authority through rights, KBO, and their ends ---- */

static void test_manager_sources(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d = draft(c->pool, ACME, ACCT, "view");
    int64_t id = 0;

    /* ALICE: KBO legal representative, no rights. ERIN: SSM Mandaatbeheerder right. */
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, ALICE, &d, T0, &id));
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, ERIN, &d, T0, &id));
    /* DAVE holds SSM Mandaatuitvoerder at ACME: executing is not managing. */
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, DAVE, &d, T0, &id), MND_EFORBIDDEN,
                   "holds neither");
    /* FRANK's right at ACME ended before T0; his right at ACCT was revoked; his KBO function
     * at ACCT ended: none counts. */
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, FRANK, &d, T0, &id), MND_EFORBIDDEN,
                   "92.08.15-***.** holds neither");
    MND_ASSERT_ERR(mnd_mandate_request(c->store, c->pool, FRANK, &d, T0, &id), MND_EFORBIDDEN,
                   "SSM Mandaatbeheerder at 0400.000.086");
    /* ...but they did count before they ended. */
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, FRANK, &d, 1767224000, &id));
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, FRANK, id, 1767224100));
    /* A right revoked now stops counting at once. */
    mnd_test_sql(c, "UPDATE user_right SET revoked_by = 'operator:t', revoked_at = 1767225600"
                    " WHERE person = '" ERIN "'");
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, ERIN, &d, T0, &id), MND_EFORBIDDEN,
                   "66.06.06-***.** holds neither");
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, ERIN, id, NULL, T0), MND_EFORBIDDEN,
                   "qualifies for neither party");
    /* A KBO representative of a stopped enterprise no longer manages it. */
    mnd_test_sql(c, "UPDATE party SET status = 'stopped' WHERE id = '" ACME "'");
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, ALICE, id, NULL, T0), MND_EFORBIDDEN,
                   "85.07.30-***.** qualifies for neither party");
    mnd_test_close(c);
}

/* ---- refused: wrong state ---- */

static void test_refused_wrong_state(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    int64_t pending = give_acme_acct(c), active = active_acme_acct(c), rejected, withdrawn;
    char *want;

    want = apr_psprintf(c->pool,
                        "mandate %" APR_INT64_T_FMT " is active since "
                        "2026-01-01T00:00:10Z: only a mandate that is awaiting_approval can "
                        "be approved",
                        active);
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, BOB, active, T0 + 30), MND_ECONFLICT,
                   want);
    MND_ASSERT_ERR(mnd_mandate_reject(c->store, c->pool, BOB, active, NULL, T0 + 30), MND_ECONFLICT,
                   "can be rejected");
    MND_ASSERT_ERR(mnd_mandate_withdraw(c->store, c->pool, ALICE, active, T0 + 30), MND_ECONFLICT,
                   "can be withdrawn");
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, ALICE, pending, NULL, T0 + 30),
                   MND_ECONFLICT,
                   "is awaiting_approval since 2026-01-01T00:00:00Z: only a "
                   "mandate that is active can be revoked");

    rejected = give_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_reject(c->store, c->pool, BOB, rejected, NULL, T0 + 1));
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, BOB, rejected, T0 + 2), MND_ECONFLICT,
                   "is rejected");
    MND_ASSERT_ERR(mnd_mandate_reject(c->store, c->pool, BOB, rejected, NULL, T0 + 2),
                   MND_ECONFLICT, "is rejected");
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, BOB, rejected, NULL, T0 + 2),
                   MND_ECONFLICT, "is rejected");

    withdrawn = give_acme_acct(c);
    MND_ASSERT_OK(mnd_mandate_withdraw(c->store, c->pool, ALICE, withdrawn, T0 + 1));
    MND_ASSERT_ERR(mnd_mandate_withdraw(c->store, c->pool, ALICE, withdrawn, T0 + 2), MND_ECONFLICT,
                   "is withdrawn");
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, BOB, withdrawn, T0 + 2), MND_ECONFLICT,
                   "is withdrawn");

    MND_ASSERT_OK(mnd_mandate_revoke(c->store, c->pool, BOB, active, NULL, T0 + 40));
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, ALICE, active, NULL, T0 + 41),
                   MND_ECONFLICT, "is revoked");
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, BOB, active, T0 + 41), MND_ECONFLICT,
                   "is revoked");

    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, BOB, 99999, T0), MND_ENOTFOUND,
                   "mandate 99999 does not exist");
    MND_ASSERT_ERR(mnd_mandate_reject(c->store, c->pool, BOB, 99999, NULL, T0), MND_ENOTFOUND,
                   NULL);
    MND_ASSERT_ERR(mnd_mandate_withdraw(c->store, c->pool, BOB, 99999, T0), MND_ENOTFOUND, NULL);
    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, BOB, 99999, NULL, T0), MND_ENOTFOUND,
                   NULL);
    mnd_test_close(c);
}

/* ---- derived expiry ---- */

static int64_t expiring(mnd_test_ctx_t *c, mnd_time_t until)
{
    mnd_mandate_draft_t d = draft(c->pool, ACME, ACCT, "view");
    int64_t id = 0;
    d.valid_until = until;
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, ALICE, &d, T0, &id));
    return id;
}

static int list_count(mnd_test_ctx_t *c, const char *party, const char *service, int st,
                      mnd_time_t at, int limit)
{
    mnd_mandate_filter_t f = {party, service, st, at, limit};
    apr_array_header_t *out = NULL;
    MND_ASSERT_OK(mnd_mandate_list(c->store, c->pool, &f, &out));
    return out->nelts;
}

static void test_expiry_boundary(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    const mnd_time_t end = T0 + 100;
    int64_t a = expiring(c, end), b = expiring(c, end), late = expiring(c, end);
    mnd_mandate_t *m;

    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, BOB, a, T0 + 1));
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, BOB, b, T0 + 1));
    m = get(c, a, NULL);
    assert_int_equal(mnd_mandate_effective_state(m, end - 1), MND_MANDATE_ACTIVE);
    assert_int_equal(mnd_mandate_effective_state(m, end), MND_MANDATE_EXPIRED);
    assert_int_equal(m->state, MND_MANDATE_ACTIVE); /* never stored */

    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_ACTIVE, end - 1, 0), 2);
    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_EXPIRED, end - 1, 0), 0);
    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_ACTIVE, end, 0), 0);
    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_EXPIRED, end, 0), 2);
    /* A pending mandate past its end is not "expired": it simply never became active. */
    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_AWAITING, end, 0), 1);

    MND_ASSERT_ERR(mnd_mandate_revoke(c->store, c->pool, ALICE, a, NULL, end), MND_ECONFLICT,
                   "expired at 2026-01-01T00:01:40Z: an expired mandate cannot be revoked");
    MND_ASSERT_OK(mnd_mandate_revoke(c->store, c->pool, ALICE, b, NULL, end - 1));
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, BOB, late, end), MND_ECONFLICT,
                   "can no longer be approved, only rejected or withdrawn");
    MND_ASSERT_OK(mnd_mandate_withdraw(c->store, c->pool, ALICE, late, end));
    mnd_test_close(c);
}

/* ---- validation ---- */

static void test_validation(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d;
    apr_pool_t *p = c->pool;
    int64_t id = 0;

#define GIVE(dr) mnd_mandate_give(c->store, p, ALICE, &(dr), T0, &id)
    MND_ASSERT_ERR(mnd_mandate_give(c->store, p, ALICE, NULL, T0, &id), MND_EINVAL, NULL);
    d = draft(p, ACME, "0123.456.749", "view");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "giver and taker are both 0123.456.749");
    d = draft(p, "0123456748", ACCT, "view");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "mandate giver");
    d = draft(p, ACME, "75051212064", "view");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "mandate taker");
    d = draft(p, ACME, "12345", "view");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "mandate taker");
    d = draft(p, NULL, ACCT, "view");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "needs a giver");
    d = draft(p, ACME, "", "view");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "needs a taker");
    d = draft(p, ACME, ACCT, "view");
    d.service_id = NULL;
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "needs a service");
    d.service_id = "nope";
    MND_ASSERT_ERR(GIVE(d), MND_ENOTFOUND, "service 'nope' is not known");
    d.service_id = "nomandate";
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "service nomandate does not accept mandates");
    d = draft(p, ACME, ACCT, NULL);
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "at least one action");
    d = draft(p, ACME, ACCT, "");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "at least one action");
    d = draft(p, ACME, ACCT, "view delete");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "action 'delete' is not in the catalogue");
    d = draft(p, ACME, ACCT, "view view");
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "listed twice");
    d = draft(p, ACME, ACCT, "view");
    d.valid_from = T0 + 50;
    d.valid_until = T0 + 50;
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "is not after valid_from");
    d.valid_from = MND_TIME_NONE;
    d.valid_until = T0 - 1;
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "is not after valid_from");
    d.valid_from = T0 - 100;
    d.valid_until = T0;
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "has already passed");
    d = draft(p, ACME, UNKNOWN, "view");
    MND_ASSERT_ERR(GIVE(d), MND_ENOTFOUND,
                   "enterprise 0876.543.270 (the taker) is not known: import KBO data first");
    d = draft(p, ACME, STOPPED, "view");
    MND_ASSERT_ERR(GIVE(d), MND_ECONFLICT, "enterprise 0412.345.614 (the taker) is stopped");
    d = draft(p, STOPPED, ACCT, "view");
    MND_ASSERT_ERR(mnd_mandate_give(c->store, p, ALICE, &d, T0, &id), MND_ECONFLICT,
                   "(the giver) is stopped");
    d = draft(p, ACME, ACCT, "view");
    d.ext_ref = "";
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "external reference is empty");
    d.ext_ref = "bad\nref";
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "control character");
    d.ext_ref = apr_pstrndup(p,
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             "x",
                             129);
    MND_ASSERT_ERR(GIVE(d), MND_EINVAL, "longer than 128");
    d.ext_ref = "SSM-2026-0001";
    MND_ASSERT_OK(GIVE(d));
    MND_ASSERT_ERR(GIVE(d), MND_ECONFLICT,
                   "external reference 'SSM-2026-0001' is already used "
                   "by mandate");
    assert_string_equal(get(c, id, NULL)->ext_ref, "SSM-2026-0001");
    /* The unknown taker was not created on the way, refused or not. */
    MND_ASSERT_ERR(mnd_party_get(c->store, p, UNKNOWN, &(mnd_party_t *){NULL}), MND_ENOTFOUND,
                   NULL);
#undef GIVE
    mnd_test_close(c);
}

static void test_normalised_and_defaults(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d = draft(c->pool, "BE 0123.456.749", "75.05.12-120.63", "sign view");
    mnd_party_t *party = NULL;
    mnd_mandate_t *m;
    int64_t id = 0;

    d.valid_from = T0 + 3600;
    d.valid_until = T0 + 7200;
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, ALICE, &d, T0, &id));
    m = get(c, id, NULL);
    assert_string_equal(m->giver, ACME);
    assert_string_equal(m->taker, CAROL);
    assert_string_equal(mnd_strlist_join(c->pool, m->actions), "sign view");
    assert_true(m->valid_from == T0 + 3600 && m->valid_until == T0 + 7200);
    MND_ASSERT_OK(mnd_party_get(c->store, c->pool, CAROL, &party));
    /* A refused step rolls back: DAVE, refused as giver, was not added as a person. */
    d = draft(c->pool, DAVE, CAROL, "view");
    MND_ASSERT_ERR(mnd_mandate_give(c->store, c->pool, ALICE, &d, T0, &id), MND_EFORBIDDEN,
                   "is another person");
    MND_ASSERT_ERR(mnd_party_get(c->store, c->pool, DAVE, &party), MND_ENOTFOUND, NULL);
    mnd_test_close(c);
}

static void test_reason_checks(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    int64_t pending = give_acme_acct(c);
    char *longer = apr_palloc(c->pool, 502);

    memset(longer, 'r', 501);
    longer[501] = '\0';
    MND_ASSERT_ERR(mnd_mandate_reject(c->store, c->pool, BOB, pending, longer, T0 + 1), MND_EINVAL,
                   "reason is longer than 500");
    MND_ASSERT_ERR(mnd_mandate_reject(c->store, c->pool, BOB, pending, "a\tb", T0 + 1), MND_EINVAL,
                   "control character");
    longer[500] = '\0';
    MND_ASSERT_OK(mnd_mandate_reject(c->store, c->pool, BOB, pending, longer, T0 + 1));
    mnd_test_close(c);
}

/* ---- the record: events and audit ---- */

static void test_events_and_audit(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    apr_array_header_t *ev, *au;
    const mnd_audit_t *a;
    int64_t id = active_acme_acct(c);
    int i;
    static const char *const names[] = {"give", "approve", "revoke"};

    MND_ASSERT_OK(mnd_mandate_revoke(c->store, c->pool, BOB, id, "done", T0 + 30));
    get(c, id, &ev);
    assert_int_equal(ev->nelts, 3);
    for (i = 0; i < 3; i++)
        assert_string_equal(event_at(ev, i)->event, names[i]);
    assert_true(event_at(ev, 0)->at == T0 && event_at(ev, 1)->at == T0 + 10 &&
                event_at(ev, 2)->at == T0 + 30);
    assert_string_equal(event_at(ev, 0)->actor_person, ALICE);
    assert_string_equal(event_at(ev, 0)->actor_party, ACME);
    assert_string_equal(event_at(ev, 2)->actor_person, BOB);
    assert_string_equal(event_at(ev, 2)->actor_party, ACCT);
    assert_string_equal(event_at(ev, 2)->reason, "done");
    assert_true(event_at(ev, 2)->mandate_id == id);

    au = audit_of(c, ACME); /* newest first */
    assert_int_equal(au->nelts, 3);
    for (i = 0; i < 3; i++) {
        a = APR_ARRAY_IDX(au, i, const mnd_audit_t *);
        assert_string_equal(a->event, apr_pstrcat(c->pool, "mandate.", names[2 - i], NULL));
        assert_true(a->mandate_id == id);
        assert_string_equal(a->party, ACME);
        assert_string_equal(a->service_id, "wse");
        assert_string_equal(a->actions, "view submit");
        assert_non_null(strstr(a->detail, "taker " ACCT));
    }
    a = APR_ARRAY_IDX(au, 0, const mnd_audit_t *);
    assert_string_equal(a->actor, BOB);
    assert_true(a->at == T0 + 30);
    assert_non_null(strstr(a->detail, "active -> revoked"));
    assert_non_null(strstr(a->detail, "reason: done"));
    assert_non_null(
        strstr(APR_ARRAY_IDX(au, 2, const mnd_audit_t *)->detail, "on behalf of " ACME));
    /* A refused step writes no audit record. */
    MND_ASSERT_ERR(mnd_mandate_approve(c->store, c->pool, DAVE, id, T0 + 40), MND_EFORBIDDEN, NULL);
    assert_int_equal(audit_of(c, ACME)->nelts, 3);
    mnd_test_close(c);
}

/* ---- listing ---- */

static void test_list_filters(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    mnd_mandate_draft_t d = draft(c->pool, CAROL, ACCT, "view");
    mnd_mandate_filter_t f = {NULL, NULL, -1, T0 + 50, 0};
    apr_array_header_t *out = NULL;
    int64_t a = give_acme_acct(c), b = active_acme_acct(c), cc = 0;
    int i;

    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, CAROL, &d, T0, &cc));
    mnd_test_sql(c, "INSERT INTO service (id, bases, min_loa, updated_at)"
                    " VALUES ('other', 'mandate', 0, 0)");
    mnd_test_sql(c, "INSERT INTO service_action (service_id, code) VALUES ('other', 'x')");
    d = draft(c->pool, ACME, CAROL, "x");
    d.service_id = "other";
    MND_ASSERT_OK(mnd_mandate_give(c->store, c->pool, ALICE, &d, T0, &(int64_t){0}));

    MND_ASSERT_OK(mnd_mandate_list(c->store, c->pool, &f, &out));
    assert_int_equal(out->nelts, 4);
    for (i = 1; i < out->nelts; i++) /* ordered by id */
        assert_true(APR_ARRAY_IDX(out, i - 1, mnd_mandate_t *)->id <
                    APR_ARRAY_IDX(out, i, mnd_mandate_t *)->id);
    assert_int_equal(list_count(c, ACME, NULL, -1, T0, 0), 3);  /* as giver */
    assert_int_equal(list_count(c, ACCT, NULL, -1, T0, 0), 3);  /* as taker */
    assert_int_equal(list_count(c, CAROL, NULL, -1, T0, 0), 2); /* giver and taker */
    assert_int_equal(list_count(c, "0123.456.749", NULL, -1, T0, 0), 3);
    assert_int_equal(list_count(c, DAVE, NULL, -1, T0, 0), 0);
    assert_int_equal(list_count(c, NULL, "wse", -1, T0, 0), 3);
    assert_int_equal(list_count(c, NULL, "other", -1, T0, 0), 1);
    assert_int_equal(list_count(c, ACME, "other", -1, T0, 0), 1);
    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_AWAITING, T0, 0), 3);
    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_ACTIVE, T0, 0), 1);
    assert_int_equal(list_count(c, NULL, NULL, MND_MANDATE_REVOKED, T0, 0), 0);
    assert_int_equal(list_count(c, ACCT, "wse", MND_MANDATE_AWAITING, T0, 0), 2);
    assert_int_equal(list_count(c, NULL, NULL, -1, T0, 2), 2);

    f.limit = 1;
    f.state = MND_MANDATE_AWAITING;
    MND_ASSERT_OK(mnd_mandate_list(c->store, c->pool, &f, &out));
    assert_int_equal(out->nelts, 1);
    assert_true(APR_ARRAY_IDX(out, 0, mnd_mandate_t *)->id == a);
    f.state = MND_MANDATE_ACTIVE;
    MND_ASSERT_OK(mnd_mandate_list(c->store, c->pool, &f, &out));
    assert_true(APR_ARRAY_IDX(out, 0, mnd_mandate_t *)->id == b);
    assert_string_equal(APR_ARRAY_IDX(out, 0, mnd_mandate_t *)->initiated_by_party, ACME);

    MND_ASSERT_OK(mnd_mandate_list(c->store, c->pool, NULL, &out)); /* NULL: all, now */
    assert_int_equal(out->nelts, 4);
    f.party = "0123456748";
    MND_ASSERT_ERR(mnd_mandate_list(c->store, c->pool, &f, &out), MND_EINVAL, "party filter");
    f.party = NULL;
    f.state = 42;
    MND_ASSERT_ERR(mnd_mandate_list(c->store, c->pool, &f, &out), MND_EINVAL, "state filter");
    f.state = -1;
    f.limit = -1;
    MND_ASSERT_ERR(mnd_mandate_list(c->store, c->pool, &f, &out), MND_EINVAL, "negative");
    mnd_test_close(c);
}

/* ---- concurrency: two approvals of the same mandate, one must lose ---- */

typedef struct racer_t {
    const char *driver, *params;
    int64_t id;
    mnd_rc_t rc;
    const char *msg;
} racer_t;

static void *APR_THREAD_FUNC race_approve(apr_thread_t *t, void *data)
{
    racer_t *r = data;
    apr_pool_t *p;
    mnd_store_t *s2;
    mnd_error_t *err;

    apr_pool_create(&p, NULL);
    err = mnd_store_open(p, r->driver, r->params, &s2);
    if (!err)
        err = mnd_mandate_approve(s2, p, BOB, r->id, T0 + 2);
    r->rc = err ? err->rc : MND_OK;
    r->msg = err ? strdup(err->msg) : NULL;
    apr_pool_destroy(p);
    /* Returning (not apr_thread_exit, whose pthread_exit unwinding trips ASan) ends the
     * thread; its pool goes with the parent pool. */
    (void)t;
    return NULL;
}

static void test_concurrent_approvals(void **state)
{
    mnd_test_ctx_t *c = setup(state);
    racer_t r = {"pgsql", NULL, 0, MND_OK, NULL};
    apr_thread_t *thread;
    apr_status_t rv;
    apr_array_header_t *ev;
    apr_pool_t *tp;

    if (strcmp(c->driver, "pgsql") != 0) {
        /* An in-memory SQLite store has one connection: nothing can race. */
        mnd_test_close(c);
        skip();
    }
    /* The second connection must see this process's test schema. */
    r.params = c->params;
    r.id = give_acme_acct(c);
    /* Hold our approval uncommitted so that the other connection's UPDATE waits on the row
     * and then finds the state changed. */
    MND_ASSERT_OK(mnd_store_begin(c->store));
    MND_ASSERT_OK(mnd_mandate_approve(c->store, c->pool, BOB, r.id, T0 + 1));
    /* The thread gets its own root pool: APR allocators are not shared across threads. */
    apr_pool_create(&tp, NULL);
    assert_int_equal(apr_thread_create(&thread, NULL, race_approve, &r, tp), APR_SUCCESS);
    usleep(300000);
    MND_ASSERT_OK(mnd_store_commit(c->store));
    apr_thread_join(&rv, thread);
    apr_pool_destroy(tp);
    if (r.rc != MND_ECONFLICT)
        fail_msg("second approval: expected a conflict, got %s: %s", mnd_rc_name(r.rc),
                 r.msg ? r.msg : "");
    free((void *)r.msg);
    get(c, r.id, &ev);
    assert_int_equal(ev->nelts, 2);
    assert_true(event_at(ev, 1)->at == T0 + 1);
    mnd_test_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_give_then_approve),
        cmocka_unit_test(test_request_then_approve),
        cmocka_unit_test(test_person_in_own_name),
        cmocka_unit_test(test_reject_withdraw_revoke),
        cmocka_unit_test(test_refused_wrong_actor),
        cmocka_unit_test(test_refused_operator_and_bad_actor),
        cmocka_unit_test(test_manager_sources),
        cmocka_unit_test(test_refused_wrong_state),
        cmocka_unit_test(test_expiry_boundary),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_normalised_and_defaults),
        cmocka_unit_test(test_reason_checks),
        cmocka_unit_test(test_events_and_audit),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_concurrent_approvals),
    };
    return MND_RUN_PER_DRIVER("mandate", tests);
}
