/* The session after a choice: what it copies from the transaction and the capacity, JSON round
 * trips and every malformed variant from_json refuses, and the idle and absolute timeouts at
 * their boundary seconds. No store: capacities are built in memory. */
#include "testutil.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/session.h"

static apr_pool_t *pool;

#define ACTOR "85073003328"
#define T0 ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */

static const char *make_kbo(long first8)
{
    return apr_psprintf(pool, "%08ld%02d", first8, (int)(97 - first8 % 97));
}

static const char *fixed_token(char c)
{
    char *s = apr_palloc(pool, 44);
    memset(s, c, 43);
    s[43] = '\0';
    return s;
}

static const char *repeat(char c, size_t n)
{
    char *s = apr_palloc(pool, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static mnd_txn_t *txn(void)
{
    mnd_txn_t *t = apr_pcalloc(pool, sizeof(*t));
    t->id = fixed_token('t');
    t->actor = ACTOR;
    t->given_name = "Zoë";
    t->family_name = "Peeters";
    t->loa = 3;
    t->service_id = "https://loket.example/sp";
    t->protocol = "saml";
    t->created = T0 - 60;
    t->expires = T0 + 540;
    t->csrf = fixed_token('c');
    t->offer_secret = fixed_token('s');
    return t;
}

static mnd_party_t *party(const char *id, mnd_party_kind_t kind)
{
    mnd_party_t *p = apr_pcalloc(pool, sizeof(*p));
    p->id = apr_pstrdup(pool, id);
    p->kind = kind;
    p->active = 1;
    return p;
}

/* A mandate held through an organisation: giver B, taker (intermediary) C. */
static mnd_capacity_t *mandate_cap(void)
{
    mnd_capacity_t *c = apr_pcalloc(pool, sizeof(*c));
    mnd_party_t *b = party(make_kbo(2222222), MND_PARTY_ORG);
    mnd_party_t *v = party(make_kbo(3333333), MND_PARTY_ORG);
    b->name[MND_LANG_FR] = "Bâtiments SA";
    b->name[MND_LANG_NL] = "Gebouwen NV";
    v->name[MND_LANG_EN] = "Clerks Ltd"; /* no nl name: the first known one */
    c->key = "mandate:42";
    c->basis = MND_BASIS_MANDATE;
    c->party = b;
    c->via = v;
    c->mandate_id = 42;
    c->giver = b->id;
    c->actions = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(c->actions, const char *) = "aanvraag_indienen";
    APR_ARRAY_PUSH(c->actions, const char *) = "dossier_raadplegen";
    c->valid_until = MND_TIME_NONE;
    c->also = apr_array_make(pool, 0, sizeof(mnd_ground_t *));
    return c;
}

static mnd_capacity_t *self_cap(void)
{
    mnd_capacity_t *c = apr_pcalloc(pool, sizeof(*c));
    c->key = "self";
    c->basis = MND_BASIS_SELF;
    c->party = party(ACTOR, MND_PARTY_PERSON);
    c->actions = apr_array_make(pool, 0, sizeof(const char *));
    c->valid_until = MND_TIME_NONE;
    return c;
}

/* A session with every member set, built without randomness. */
static mnd_session_t *full_session(void)
{
    mnd_session_t *s = apr_pcalloc(pool, sizeof(*s));
    s->id = fixed_token('i');
    s->actor = ACTOR;
    s->given_name = "Zoë";
    s->family_name = "Peeters";
    s->loa = 3;
    s->service_id = "https://loket.example/sp";
    s->cap_key = "mandate:42";
    s->basis = MND_BASIS_MANDATE;
    s->party = make_kbo(2222222);
    s->party_name = "Gebouwen \"NV\"";
    s->via = make_kbo(3333333);
    s->via_name = "Clerks Ltd";
    s->mandate_id = 42;
    s->actions = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(s->actions, const char *) = "aanvraag_indienen";
    APR_ARRAY_PUSH(s->actions, const char *) = "dossier_raadplegen";
    s->created = T0;
    s->last_seen = T0 + 10;
    s->idle_until = T0 + 910;
    s->expires = T0 + 28800;
    s->txn_id = fixed_token('t');
    return s;
}

static void assert_str_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_session_equal(const mnd_session_t *a, const mnd_session_t *b)
{
    int i;
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->actor, b->actor);
    assert_str_or_null(a->given_name, b->given_name);
    assert_str_or_null(a->family_name, b->family_name);
    assert_int_equal(a->loa, b->loa);
    assert_string_equal(a->service_id, b->service_id);
    assert_string_equal(a->cap_key, b->cap_key);
    assert_int_equal(a->basis, b->basis);
    assert_string_equal(a->party, b->party);
    assert_str_or_null(a->party_name, b->party_name);
    assert_str_or_null(a->via, b->via);
    assert_str_or_null(a->via_name, b->via_name);
    assert_int_equal(a->mandate_id, b->mandate_id);
    assert_int_equal(a->actions->nelts, b->actions->nelts);
    for (i = 0; i < a->actions->nelts; i++)
        assert_string_equal(APR_ARRAY_IDX(a->actions, i, const char *),
                            APR_ARRAY_IDX(b->actions, i, const char *));
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->last_seen, b->last_seen);
    assert_int_equal(a->idle_until, b->idle_until);
    assert_int_equal(a->expires, b->expires);
    assert_string_equal(a->txn_id, b->txn_id);
}

static const char *to_json(const mnd_session_t *s)
{
    const char *json = NULL;
    MND_ASSERT_OK(mnd_session_to_json(pool, s, &json));
    assert_non_null(json);
    return json;
}

static mnd_session_t *round_trip(const mnd_session_t *s)
{
    const char *json = to_json(s);
    mnd_session_t *back = NULL;
    MND_ASSERT_OK(mnd_session_from_json(pool, json, strlen(json), &back));
    assert_session_equal(s, back);
    return back;
}

static const char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    return apr_pstrcat(pool, apr_pstrmemdup(pool, s, (apr_size_t)(at - s)), to, at + strlen(from),
                       NULL);
}

static void test_session_new(void **state)
{
    mnd_capacity_t *c = mandate_cap();
    mnd_session_t *s = NULL;
    (void)state;
    MND_ASSERT_OK(mnd_session_new(pool, txn(), c, T0, 900, 28800, &s));
    assert_true(strlen(s->id) >= 43);
    assert_string_not_equal(s->id, fixed_token('t'));
    assert_string_equal(s->actor, ACTOR);
    assert_string_equal(s->given_name, "Zoë");
    assert_string_equal(s->family_name, "Peeters");
    assert_int_equal(s->loa, 3);
    assert_string_equal(s->service_id, "https://loket.example/sp");
    assert_string_equal(s->cap_key, "mandate:42");
    assert_int_equal(s->basis, MND_BASIS_MANDATE);
    assert_string_equal(s->party, c->party->id);
    assert_string_equal(s->party_name, "Gebouwen NV");
    assert_string_equal(s->via, c->via->id);
    assert_string_equal(s->via_name, "Clerks Ltd");
    assert_int_equal(s->mandate_id, 42);
    assert_int_equal(s->actions->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(s->actions, 1, const char *), "dossier_raadplegen");
    assert_int_equal(s->created, T0);
    assert_int_equal(s->last_seen, T0);
    assert_int_equal(s->idle_until, T0 + 900);
    assert_int_equal(s->expires, T0 + 28800);
    assert_string_equal(s->txn_id, fixed_token('t'));
    /* Copies, not references into the capacity (which lives in the request pool). */
    APR_ARRAY_IDX(c->actions, 0, const char *) = "changed";
    assert_ptr_not_equal(s->party, c->party->id);
    assert_string_equal(APR_ARRAY_IDX(s->actions, 0, const char *), "aanvraag_indienen");
    round_trip(s);
}

static void test_session_new_self(void **state)
{
    mnd_session_t *s = NULL;
    (void)state;
    /* An idle timeout longer than the absolute one is cut to it. */
    MND_ASSERT_OK(mnd_session_new(pool, txn(), self_cap(), T0, 7200, 3600, &s));
    assert_string_equal(s->cap_key, "self");
    assert_string_equal(s->party, ACTOR);
    assert_null(s->party_name);
    assert_null(s->via);
    assert_null(s->via_name);
    assert_int_equal(s->mandate_id, 0);
    assert_int_equal(s->actions->nelts, 0);
    assert_int_equal(s->idle_until, T0 + 3600);
    assert_int_equal(s->expires, T0 + 3600);
    round_trip(s);
}

static void test_session_new_rejects(void **state)
{
    mnd_session_t *s = NULL;
    mnd_capacity_t *c = mandate_cap();
    (void)state;
    MND_ASSERT_ERR(mnd_session_new(pool, NULL, c, T0, 900, 3600, &s), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_session_new(pool, txn(), NULL, T0, 900, 3600, &s), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_session_new(pool, txn(), c, T0, 0, 3600, &s), MND_EINVAL, "timeout");
    MND_ASSERT_ERR(mnd_session_new(pool, txn(), c, T0, 900, -1, &s), MND_EINVAL, "timeout");
    MND_ASSERT_ERR(mnd_session_new(pool, txn(), c, MND_TIME_NONE - 10, 900, 3600, &s), MND_EINVAL,
                   NULL);
    c->key = "kbo:1"; /* key and basis disagree */
    MND_ASSERT_ERR(mnd_session_new(pool, txn(), c, T0, 900, 3600, &s), MND_EINVAL, "cap_key");
    assert_null(s);
}

static void test_session_json(void **state)
{
    mnd_session_t *s = full_session(), *back;
    const char *json = to_json(s);
    (void)state;
    assert_non_null(strstr(json, "\"basis\":\"mandate\""));
    assert_non_null(strstr(json, "\"actions\":[\"aanvraag_indienen\",\"dossier_raadplegen\"]"));
    assert_null(strstr(json, ": "));
    back = round_trip(s);
    assert_ptr_not_equal(back->party_name, s->party_name);
    /* Optional members absent. */
    s->given_name = s->family_name = s->party_name = s->via = s->via_name = NULL;
    s->actions = apr_array_make(pool, 0, sizeof(const char *));
    json = to_json(s);
    assert_null(strstr(json, "null"));
    assert_non_null(strstr(json, "\"actions\":[]"));
    back = round_trip(s);
    assert_null(back->via);
}

static void test_session_to_json_rejects(void **state)
{
    mnd_session_t *s = full_session();
    const char *json = NULL;
    (void)state;
    MND_ASSERT_ERR(mnd_session_to_json(pool, NULL, &json), MND_EINVAL, NULL);
    s->basis = MND_BASIS__N;
    MND_ASSERT_ERR(mnd_session_to_json(pool, s, &json), MND_EINVAL, "basis");
    s = full_session();
    s->party_name = "\xc3";
    MND_ASSERT_ERR(mnd_session_to_json(pool, s, &json), MND_EINVAL, "UTF-8");
    s = full_session();
    APR_ARRAY_PUSH(s->actions, const char *) = "\xff";
    MND_ASSERT_ERR(mnd_session_to_json(pool, s, &json), MND_EINVAL, "UTF-8");
    s = full_session();
    APR_ARRAY_PUSH(s->actions, const char *) = NULL;
    MND_ASSERT_ERR(mnd_session_to_json(pool, s, &json), MND_EINVAL, "actions");
    s = full_session();
    s->actions = NULL;
    MND_ASSERT_ERR(mnd_session_to_json(pool, s, &json), MND_EINVAL, "actions");
    assert_null(json);
}

/* JSON for actions: n codes of length len. */
static const char *actions_json(int n, size_t len)
{
    const char *out = "\"actions\":[";
    int i;
    for (i = 0; i < n; i++)
        out = apr_pstrcat(pool, out, i ? "," : "", "\"", repeat('a', len), "\"", NULL);
    return apr_pstrcat(pool, out, "]", NULL);
}

static void test_session_json_bad(void **state)
{
    const char *good = to_json(full_session());
    const char *acts = "\"actions\":[\"aanvraag_indienen\",\"dossier_raadplegen\"]";
    const char *bad[] = {
        "",
        "null",
        "[]",
        "{}",
        "\"session\"",
        "{\"v\":1}",
        apr_pstrmemdup(pool, good, strlen(good) - 1),
        apr_pstrcat(pool, good, ",", NULL),
        replace(good, "\"v\":1", "\"v\":0"),
        replace(good, "\"basis\":\"mandate\"", "\"basis\":\"delegate\""),
        replace(good, "\"basis\":\"mandate\"", "\"basis\":\"MANDATE\""),
        replace(good, "\"basis\":\"mandate\"", "\"basis\":\"right\""), /* key disagrees */
        replace(good, "\"basis\":\"mandate\"", "\"basis\":3"),
        replace(good, "\"cap_key\":\"mandate:42\"", "\"cap_key\":\"mandate:4x\""),
        replace(good, "\"cap_key\":\"mandate:42\"", "\"cap_key\":\"../\""),
        replace(good, acts, "\"actions\":\"aanvraag_indienen\""),
        replace(good, acts, "\"actions\":[1]"),
        replace(good, acts, "\"actions\":[\"\"]"),
        replace(good, acts, "\"actions\":[null]"),
        replace(good, acts, "\"actions\":{}"),
        replace(good, acts, actions_json(513, 1)),
        replace(good, acts, actions_json(1, 129)),
        replace(good, acts, "\"actions\":[[[[[[[[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]]]]]]]"),
        replace(good, acts,
                apr_pstrcat(pool, "\"actions\":", repeat('[', 5000), repeat(']', 5000), NULL)),
        replace(good, "\"mandate_id\":42", "\"mandate_id\":-1"),
        replace(good, "\"mandate_id\":42", "\"mandate_id\":18446744073709551616"),
        replace(good, "\"mandate_id\":42", "\"mandate_id\":4.2e1"),
        replace(good, "\"loa\":3", "\"loa\":101"),
        replace(good, "\"loa\":3", "\"loa\":-2147483649"),
        replace(good, "\"expires\":1767254400", "\"expires\":1767226509"), /* < idle_until */
        replace(good, "\"last_seen\":1767225610", "\"last_seen\":1767225599"),
        replace(good, "\"created\":1767225600", "\"created\":\"now\""),
        replace(good, "\"actor\":\"85073003328\"", "\"actor\":\"85073003329\""),
        replace(good, "\"party\":\"", "\"party\":\"BE"),
        replace(good, "\"via\":\"", "\"via\":\"x"),
        replace(good, "\"txn_id\":\"", "\"txn_id\":\"!"),
        replace(good, "\"txn_id\":\"", "\"txn_ids\":\""),
        replace(good, "{", "{\"admin\":true,"),
        replace(good, "{", "{\"party\":\"0123456749\","),
        replace(good, "Clerks", "Cl\\u0000erks"),
        replace(good, "Clerks",
                "Cl\xe2\x82"
                "erks"),
        replace(good, "\"party_name\":\"", "\"party_name\":null,\"x\":\""),
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mnd_session_t *s = (mnd_session_t *)1;
        mnd_error_t *e = mnd_session_from_json(pool, bad[i], strlen(bad[i]), &s);
        /* FLOW_DEBUG=1 shows which rule refused each input. */
        if (getenv("FLOW_DEBUG") && e)
            fprintf(stderr, "%zu: %s\n", i, e->msg);
        if (!e || e->rc != MND_EINVAL)
            fail_msg("bad input %zu accepted or wrong class: %.120s", i, bad[i]);
        assert_null(s);
    }
}

static void test_session_json_bad_bytes(void **state)
{
    const char *good = to_json(full_session());
    size_t n = strlen(good), big = 256 * 1024 + 1;
    char *buf = apr_pstrdup(pool, good), *huge;
    mnd_session_t *s = NULL;
    (void)state;
    buf[10] = '\0';
    MND_ASSERT_ERR(mnd_session_from_json(pool, buf, n, &s), MND_EINVAL, "NUL");
    MND_ASSERT_ERR(mnd_session_from_json(pool, NULL, 0, &s), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_session_from_json(pool, good, n / 3, &s), MND_EINVAL, NULL);
    huge = apr_palloc(pool, big + 1);
    memset(huge, ' ', big);
    memcpy(huge, good, n);
    huge[big] = '\0';
    MND_ASSERT_ERR(mnd_session_from_json(pool, huge, big, &s), MND_EINVAL, "limit");
    MND_ASSERT_OK(mnd_session_from_json(pool, huge, big - 1, &s));
    assert_non_null(s);
}

static void test_session_touch_idle(void **state)
{
    mnd_session_t *s = NULL;
    (void)state;
    MND_ASSERT_OK(mnd_session_new(pool, txn(), mandate_cap(), T0, 900, 28800, &s));
    /* The last second before the idle deadline counts; the deadline itself does not. */
    MND_ASSERT_OK(mnd_session_touch(s, T0 + 899, 900));
    assert_int_equal(s->last_seen, T0 + 899);
    assert_int_equal(s->idle_until, T0 + 1799);
    MND_ASSERT_ERR(mnd_session_touch(s, T0 + 1799, 900), MND_ECONFLICT, "idle");
    /* A refused touch changes nothing. */
    assert_int_equal(s->last_seen, T0 + 899);
    assert_int_equal(s->idle_until, T0 + 1799);
    MND_ASSERT_ERR(mnd_session_touch(s, T0 + 5000, 900), MND_ECONFLICT, "idle");
    MND_ASSERT_ERR(mnd_session_touch(s, T0 + 10, 0), MND_EINVAL, NULL);
    MND_ASSERT_ERR(mnd_session_touch(NULL, T0, 900), MND_EINVAL, NULL);
    /* A clock that steps back moves neither last_seen nor the idle deadline back. */
    MND_ASSERT_OK(mnd_session_touch(s, T0 + 100, 900));
    assert_int_equal(s->last_seen, T0 + 899);
    assert_int_equal(s->idle_until, T0 + 1799);
}

static void test_session_touch_absolute(void **state)
{
    mnd_session_t *s = NULL;
    mnd_time_t t;
    (void)state;
    MND_ASSERT_OK(mnd_session_new(pool, txn(), self_cap(), T0, 900, 3600, &s));
    /* Active every 10 minutes: the idle deadline never passes the absolute one. */
    for (t = T0 + 600; t < T0 + 3600; t += 600) {
        MND_ASSERT_OK(mnd_session_touch(s, t, 900));
        assert_true(s->idle_until <= s->expires);
    }
    assert_int_equal(s->idle_until, T0 + 3600);
    MND_ASSERT_OK(mnd_session_touch(s, T0 + 3599, 900));
    assert_int_equal(s->idle_until, T0 + 3600);
    MND_ASSERT_ERR(mnd_session_touch(s, T0 + 3600, 900), MND_ECONFLICT, "absolute");
    MND_ASSERT_ERR(mnd_session_touch(s, T0 + 99999, 900), MND_ECONFLICT, "absolute");
    /* The deadlines survive a round trip through JSON. */
    s = round_trip(s);
    MND_ASSERT_ERR(mnd_session_touch(s, T0 + 3600, 900), MND_ECONFLICT, "absolute");
}

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_new),
        cmocka_unit_test(test_session_new_self),
        cmocka_unit_test(test_session_new_rejects),
        cmocka_unit_test(test_session_json),
        cmocka_unit_test(test_session_to_json_rejects),
        cmocka_unit_test(test_session_json_bad),
        cmocka_unit_test(test_session_json_bad_bytes),
        cmocka_unit_test(test_session_touch_idle),
        cmocka_unit_test(test_session_touch_absolute),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
