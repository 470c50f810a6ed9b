/* A session as MANDAAT_* variables, request headers and claims: every variable for each basis
 * in its fixed order, absent members left out (never exported empty), header names, header
 * values that cannot split a header and decode back exactly, the scrub predicate's truth
 * table, and the claims JSON parsed back member by member. Sessions are built in memory. */
#include "testutil.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

#include "flow/claims.h"

static apr_pool_t *pool;

#define ACTOR "85073003328"
#define GIVER "92030145612" /* a person who gave a mandate */
#define ORG "0428315871"
#define VIA "0123456749"
#define SERVICE "wse-loket"
#define T0 ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define MAX_AGE 28800

static const char *token(char c)
{
    char *s = apr_palloc(pool, 44);
    memset(s, c, 43);
    s[43] = '\0';
    return s;
}

static apr_array_header_t *list(const char *a, const char *b)
{
    apr_array_header_t *l = apr_array_make(pool, 2, sizeof(const char *));
    if (a)
        APR_ARRAY_PUSH(l, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(l, const char *) = b;
    return l;
}

static mnd_session_t *session(mnd_basis_t basis)
{
    mnd_session_t *s = apr_pcalloc(pool, sizeof(*s));
    s->id = token('s');
    s->actor = ACTOR;
    s->given_name = "Zoë";
    s->family_name = "Peeters";
    s->loa = 3;
    s->service_id = SERVICE;
    s->basis = basis;
    s->actions = list("aanvraag", "inzage");
    s->created = s->last_seen = T0;
    s->idle_until = T0 + 900;
    s->expires = T0 + MAX_AGE;
    s->txn_id = token('t');
    switch (basis) {
    case MND_BASIS_SELF:
        s->cap_key = "self";
        s->party = ACTOR;
        s->party_name = "Zoë Peeters";
        break;
    case MND_BASIS_KBO:
        s->cap_key = "kbo:" ORG;
        s->party = ORG;
        s->party_name = "Bakkerij Janssens BV";
        break;
    case MND_BASIS_RIGHT:
        s->cap_key = "right:7";
        s->party = ORG;
        s->party_name = "Bakkerij Janssens BV";
        break;
    default:
        s->cap_key = "mandate:42";
        s->party = ORG;
        s->party_name = "Bakkerij Janssens BV";
        s->via = VIA;
        s->via_name = "Boekhouding & Co";
        s->mandate_id = 42;
        break;
    }
    return s;
}

/* The variables as "NAME=value" lines, to compare a whole export at once. */
static const char *vars_text(const mnd_session_t *s)
{
    apr_array_header_t *v = mnd_export_vars(pool, s);
    const char *out = "";
    int i;
    for (i = 0; i < v->nelts; i++) {
        const mnd_export_var_t *e = &APR_ARRAY_IDX(v, i, mnd_export_var_t);
        out = apr_pstrcat(pool, out, e->name, "=", e->value, "\n", NULL);
    }
    return out;
}

#define COMMON_HEAD                                                                                \
    "MANDAAT_ACTOR=" ACTOR "\nMANDAAT_ACTOR_GIVEN_NAME=Zoë\nMANDAAT_ACTOR_FAMILY_NAME=Peeters\n"  \
    "MANDAAT_LOA=3\nMANDAAT_SERVICE=" SERVICE "\n"

/* ---- variables -------------------------------------------------------------------------- */

static void test_vars_self(void **state)
{
    (void)state;
    assert_string_equal(vars_text(session(MND_BASIS_SELF)),
                        COMMON_HEAD "MANDAAT_BASIS=self\nMANDAAT_PARTY=" ACTOR "\n"
                                    "MANDAAT_PARTY_TYPE=person\nMANDAAT_PARTY_NAME=Zoë Peeters\n"
                                    "MANDAAT_ACTIONS=aanvraag inzage\nMANDAAT_DOELGROEPCODE=BUR\n"
                                    "MANDAAT_SESSION_EXPIRES=2026-01-01T08:00:00Z\n"
                                    "MANDAAT_CAPACITY=self\n");
}

static void test_vars_kbo(void **state)
{
    (void)state;
    assert_string_equal(vars_text(session(MND_BASIS_KBO)),
                        COMMON_HEAD "MANDAAT_BASIS=kbo\nMANDAAT_PARTY=" ORG "\n"
                                    "MANDAAT_PARTY_TYPE=organisation\n"
                                    "MANDAAT_PARTY_NAME=Bakkerij Janssens BV\n"
                                    "MANDAAT_ACTIONS=aanvraag inzage\nMANDAAT_DOELGROEPCODE=EA\n"
                                    "MANDAAT_SESSION_EXPIRES=2026-01-01T08:00:00Z\n"
                                    "MANDAAT_CAPACITY=kbo:" ORG "\n");
}

static void test_vars_right(void **state)
{
    (void)state;
    assert_string_equal(vars_text(session(MND_BASIS_RIGHT)),
                        COMMON_HEAD "MANDAAT_BASIS=right\nMANDAAT_PARTY=" ORG "\n"
                                    "MANDAAT_PARTY_TYPE=organisation\n"
                                    "MANDAAT_PARTY_NAME=Bakkerij Janssens BV\n"
                                    "MANDAAT_ACTIONS=aanvraag inzage\nMANDAAT_DOELGROEPCODE=EA\n"
                                    "MANDAAT_SESSION_EXPIRES=2026-01-01T08:00:00Z\n"
                                    "MANDAAT_CAPACITY=right:7\n");
}

static void test_vars_mandate(void **state)
{
    (void)state;
    assert_string_equal(vars_text(session(MND_BASIS_MANDATE)),
                        COMMON_HEAD "MANDAAT_BASIS=mandate\nMANDAAT_PARTY=" ORG "\n"
                                    "MANDAAT_PARTY_TYPE=organisation\n"
                                    "MANDAAT_PARTY_NAME=Bakkerij Janssens BV\n"
                                    "MANDAAT_VIA=" VIA "\nMANDAAT_VIA_NAME=Boekhouding & Co\n"
                                    "MANDAAT_MANDATE_ID=42\n"
                                    "MANDAAT_ACTIONS=aanvraag inzage\nMANDAAT_DOELGROEPCODE=EA\n"
                                    "MANDAAT_SESSION_EXPIRES=2026-01-01T08:00:00Z\n"
                                    "MANDAAT_CAPACITY=mandate:42\n");
}

static void test_vars_mandate_person(void **state)
{
    mnd_session_t *s = session(MND_BASIS_MANDATE);
    (void)state;
    /* A person's mandate held directly: a person party, no intermediary, no ACM target group
     * (it is not own name). */
    s->party = GIVER;
    s->party_name = "Jan Peeters";
    s->via = NULL;
    s->via_name = "ignored without via";
    assert_string_equal(vars_text(s),
                        COMMON_HEAD "MANDAAT_BASIS=mandate\nMANDAAT_PARTY=" GIVER "\n"
                                    "MANDAAT_PARTY_TYPE=person\nMANDAAT_PARTY_NAME=Jan Peeters\n"
                                    "MANDAAT_MANDATE_ID=42\nMANDAAT_ACTIONS=aanvraag inzage\n"
                                    "MANDAAT_SESSION_EXPIRES=2026-01-01T08:00:00Z\n"
                                    "MANDAAT_CAPACITY=mandate:42\n");
}

static void test_vars_absent(void **state)
{
    mnd_session_t *s = session(MND_BASIS_KBO);
    (void)state;
    s->given_name = NULL;
    s->family_name = "";
    s->party_name = NULL;
    s->actions = list(NULL, NULL);
    s->loa = 0;
    assert_string_equal(vars_text(s),
                        "MANDAAT_ACTOR=" ACTOR "\nMANDAAT_LOA=0\nMANDAAT_SERVICE=" SERVICE "\n"
                        "MANDAAT_BASIS=kbo\nMANDAAT_PARTY=" ORG "\n"
                        "MANDAAT_PARTY_TYPE=organisation\nMANDAAT_DOELGROEPCODE=EA\n"
                        "MANDAAT_SESSION_EXPIRES=2026-01-01T08:00:00Z\n"
                        "MANDAAT_CAPACITY=kbo:" ORG "\n");
    s->actions = NULL;
    assert_null(strstr(vars_text(s), "MANDAAT_ACTIONS"));
    assert_int_equal(mnd_export_vars(pool, NULL)->nelts, 0);
}

/* ---- headers ---------------------------------------------------------------------------- */

static void test_header_names(void **state)
{
    apr_array_header_t *v = mnd_export_vars(pool, session(MND_BASIS_MANDATE));
    int i;
    (void)state;
    assert_string_equal(mnd_export_header_name(pool, "MANDAAT_PARTY_NAME"), "Mandaat-Party-Name");
    assert_string_equal(mnd_export_header_name(pool, "MANDAAT_ACTOR"), "Mandaat-Actor");
    assert_string_equal(mnd_export_header_name(pool, "MANDAAT_LOA"), "Mandaat-Loa");
    assert_string_equal(mnd_export_header_name(pool, "MANDAAT_SESSION_EXPIRES"),
                        "Mandaat-Session-Expires");
    assert_string_equal(mnd_export_header_name(pool, "mandaat-via-name"), "Mandaat-Via-Name");
    assert_null(mnd_export_header_name(pool, NULL));
    /* Whatever we export, we also scrub: every header name and variable name is ours. */
    for (i = 0; i < v->nelts; i++) {
        const char *name = APR_ARRAY_IDX(v, i, mnd_export_var_t).name;
        assert_true(mnd_export_is_ours(name));
        assert_true(mnd_export_is_ours(mnd_export_header_name(pool, name)));
    }
}

static void assert_header_value(const char *value, const char *want)
{
    const char *got = mnd_export_header_value(pool, value), *c;
    assert_string_equal(got, want);
    for (c = got; *c; c++)
        assert_true(*c >= 0x20 && *c <= 0x7E);
    assert_true(got[0] != ' ' && (!*got || got[strlen(got) - 1] != ' '));
    /* A plain percent-decoder restores the original bytes. */
    assert_string_equal(apr_punescape_url(pool, got, NULL, NULL, 0), value);
}

static void test_header_values(void **state)
{
    (void)state;
    assert_header_value("Bakkerij Janssens BV", "Bakkerij Janssens BV");
    assert_header_value("Zoë", "Zo%C3%AB");
    assert_header_value("Ærø & Søn", "%C3%86r%C3%B8 & S%C3%B8n");
    assert_header_value("a\r\nX-Evil: 1", "a%0D%0AX-Evil: 1");
    assert_header_value("a\nb\tc\x7f", "a%0Ab%09c%7F");
    assert_header_value("100%", "100%25");
    assert_header_value("%41", "%2541");
    assert_header_value(" edges ", "%20edges%20");
    assert_header_value(" ", "%20");
    assert_header_value("a b+c/d&e=f?g;h\"i<j>", "a b+c/d&e=f?g;h\"i<j>");
    assert_header_value("", "");
    assert_null(mnd_export_header_value(pool, NULL));
}

static void test_is_ours(void **state)
{
    static const char *const ours[] = {
        "MANDAAT-Party", "mandaat_party", "Mandaat_Party", "MaNdAaT-x",
        "MANDAAT_",      "mandaat-",      "MANDAAT_ACTOR", NULL};
    static const char *const not_ours[] = {
        "mandaatx",   "xmandaat-", "mandaat",   "Mandaa-t",        "",
        " mandaat-x", "mandaat.x", "mandaat x", "X-Mandaat-Party", NULL};
    int i;
    (void)state;
    for (i = 0; ours[i]; i++)
        assert_true(mnd_export_is_ours(ours[i]));
    for (i = 0; not_ours[i]; i++)
        assert_false(mnd_export_is_ours(not_ours[i]));
    assert_false(mnd_export_is_ours(NULL));
}

/* ---- claims ----------------------------------------------------------------------------- */

static json_t *claims_of(const mnd_session_t *s, mnd_time_t now, int ttl)
{
    const char *txt = NULL;
    json_t *c;
    MND_ASSERT_OK(mnd_claims_json(pool, s, "https://mandaat.example", now, ttl, &txt));
    c = json_loads(txt, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(c);
    assert_true(json_is_object(c));
    return c;
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void assert_strings(json_t *arr, const char *a, const char *b)
{
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), b ? 2 : 1);
    assert_string_equal(json_string_value(json_array_get(arr, 0)), a);
    if (b)
        assert_string_equal(json_string_value(json_array_get(arr, 1)), b);
}

static void assert_party(json_t *o, const char *type, const char *id, const char *name)
{
    assert_true(json_is_object(o));
    assert_string_equal(str(o, "type"), type);
    assert_string_equal(str(o, "id"), id);
    if (name)
        assert_string_equal(str(o, "name"), name);
    else
        assert_null(json_object_get(o, "name"));
    assert_int_equal(json_object_size(o), name ? 3 : 2);
}

/* The members every claims set has, whatever the basis. */
static void assert_common(json_t *c, const mnd_session_t *s, const char *identifier)
{
    json_t *ad = json_object_get(c, "authorization_details"), *d;
    assert_string_equal(str(c, "iss"), "https://mandaat.example");
    assert_string_equal(str(c, "aud"), SERVICE);
    assert_int_equal(json_integer_value(json_object_get(c, "iat")), T0 + 10);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), T0 + 70);
    assert_int_equal(strlen(str(c, "jti")), 22);
    assert_string_equal(str(c, "sub"), ACTOR);
    assert_string_equal(str(c, "given_name"), "Zoë");
    assert_string_equal(str(c, "family_name"), "Peeters");
    assert_string_equal(str(c, "acr"), "loa:3");
    assert_string_equal(str(c, "basis"), mnd_basis_name(s->basis));
    assert_int_equal(json_array_size(ad), 1);
    d = json_array_get(ad, 0);
    assert_string_equal(str(d, "type"), "mandaat");
    assert_strings(json_object_get(d, "locations"), SERVICE, NULL);
    assert_strings(json_object_get(d, "actions"), "aanvraag", "inzage");
    assert_string_equal(str(d, "identifier"), identifier);
    assert_int_equal(json_object_size(d), 4);
    /* sid names the session without being its handle (the cookie value). */
    assert_int_equal(strlen(str(c, "sid")), 22);
    assert_null(strstr(str(c, "sid"), "sss"));
    assert_string_equal(str(c, "txn"), s->txn_id);
}

static void test_claims_self(void **state)
{
    mnd_session_t *s = session(MND_BASIS_SELF);
    json_t *c = claims_of(s, T0 + 10, 60);
    (void)state;
    assert_common(c, s, "self");
    assert_party(json_object_get(c, "represents"), "person", ACTOR, "Zoë Peeters");
    assert_string_equal(str(c, "vo_doelgroepcode"), "BUR");
    assert_strings(json_object_get(c, SERVICE "_rol_3d"), "aanvraag", "inzage");
    assert_null(json_object_get(c, "via"));
    assert_null(json_object_get(c, "mandate_id"));
    assert_null(json_object_get(c, "vo_orgcode"));
    assert_null(json_object_get(c, "vo_orgnaam"));
    assert_null(json_object_get(c, "wv_orgcode"));
    assert_null(json_object_get(c, "ssm_mandaatgever"));
    assert_int_equal(json_object_size(c), 16);
    json_decref(c);
}

static void test_claims_kbo(void **state)
{
    mnd_session_t *s = session(MND_BASIS_KBO);
    json_t *c = claims_of(s, T0 + 10, 60);
    (void)state;
    assert_common(c, s, "kbo:" ORG);
    assert_party(json_object_get(c, "represents"), "organisation", ORG, "Bakkerij Janssens BV");
    assert_string_equal(str(c, "vo_doelgroepcode"), "EA");
    assert_string_equal(str(c, "vo_orgcode"), ORG);
    assert_string_equal(str(c, "vo_orgnaam"), "Bakkerij Janssens BV");
    assert_string_equal(str(c, "wv_orgcode"), ORG);
    assert_null(json_object_get(c, "ssm_mandaatgever"));
    assert_strings(json_object_get(c, SERVICE "_rol_3d"), "aanvraag:" ORG, "inzage:" ORG);
    assert_int_equal(json_object_size(c), 19);
    json_decref(c);
}

static void test_claims_right(void **state)
{
    mnd_session_t *s = session(MND_BASIS_RIGHT);
    json_t *c = claims_of(s, T0 + 10, 60);
    (void)state;
    assert_common(c, s, "right:7");
    assert_string_equal(str(c, "vo_orgcode"), ORG);
    assert_null(json_object_get(c, "wv_orgcode"));
    assert_null(json_object_get(c, "ssm_mandaatgever"));
    assert_null(json_object_get(c, "mandate_id"));
    assert_int_equal(json_object_size(c), 18);
    json_decref(c);
}

static void test_claims_mandate(void **state)
{
    mnd_session_t *s = session(MND_BASIS_MANDATE);
    json_t *c = claims_of(s, T0 + 10, 60);
    (void)state;
    assert_common(c, s, "42");
    assert_party(json_object_get(c, "represents"), "organisation", ORG, "Bakkerij Janssens BV");
    assert_party(json_object_get(c, "via"), "organisation", VIA, "Boekhouding & Co");
    assert_string_equal(str(c, "mandate_id"), "42");
    assert_string_equal(str(c, "ssm_mandaatgever"), ORG);
    assert_string_equal(str(c, "vo_doelgroepcode"), "EA");
    assert_null(json_object_get(c, "wv_orgcode"));
    assert_strings(json_object_get(c, SERVICE "_rol_3d"), "aanvraag:" ORG, "inzage:" ORG);
    assert_int_equal(json_object_size(c), 21);
    json_decref(c);
}

static void test_claims_mandate_person(void **state)
{
    mnd_session_t *s = session(MND_BASIS_MANDATE);
    json_t *c;
    (void)state;
    s->party = GIVER;
    s->party_name = NULL;
    s->via = NULL;
    s->given_name = NULL;
    c = claims_of(s, T0 + 10, 60);
    assert_party(json_object_get(c, "represents"), "person", GIVER, NULL);
    assert_string_equal(str(c, "ssm_mandaatgever"), GIVER);
    assert_strings(json_object_get(c, SERVICE "_rol_3d"), "aanvraag:" GIVER, "inzage:" GIVER);
    assert_null(json_object_get(c, "vo_doelgroepcode"));
    assert_null(json_object_get(c, "vo_orgcode"));
    assert_null(json_object_get(c, "via"));
    assert_null(json_object_get(c, "given_name"));
    json_decref(c);
}

static void test_claims_markup(void **state)
{
    static const char *const evil = "<script>alert(\"x\")</script> & Co \\ \"q\" \n";
    mnd_session_t *s = session(MND_BASIS_MANDATE);
    json_t *c;
    (void)state;
    s->party_name = evil;
    s->via_name = "<b>Via</b>";
    s->family_name = "O'Brien </script>";
    c = claims_of(s, T0 + 10, 60);
    assert_string_equal(str(json_object_get(c, "represents"), "name"), evil);
    assert_string_equal(str(c, "vo_orgnaam"), evil);
    assert_string_equal(str(json_object_get(c, "via"), "name"), "<b>Via</b>");
    assert_string_equal(str(c, "family_name"), "O'Brien </script>");
    json_decref(c);
}

static void test_claims_times(void **state)
{
    mnd_session_t *s = session(MND_BASIS_SELF);
    const char *a, *b;
    json_t *c, *d;
    (void)state;
    /* A token never outlives its session. */
    c = claims_of(s, T0 + MAX_AGE - 30, 300);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), T0 + MAX_AGE);
    /* jti is fresh on every call; sid is the same for the same session. */
    d = claims_of(s, T0 + MAX_AGE - 30, 300);
    assert_string_not_equal(str(c, "jti"), str(d, "jti"));
    assert_string_equal(str(c, "sid"), str(d, "sid"));
    json_decref(d);
    s->id = token('r');
    d = claims_of(s, T0 + MAX_AGE - 30, 300);
    assert_string_not_equal(str(c, "sid"), str(d, "sid"));
    json_decref(c);
    json_decref(d);
    MND_ASSERT_OK(mnd_claims_json(pool, s, NULL, T0, 60, &a));
    assert_null(strstr(a, "\"iss\""));
    MND_ASSERT_OK(mnd_claims_json(pool, s, "x", T0, 60, &b));
    assert_non_null(strstr(b, "\"iss\":\"x\""));
}

static void test_claims_refused(void **state)
{
    mnd_session_t *s = session(MND_BASIS_KBO);
    const char *out = "unchanged";
    (void)state;
    MND_ASSERT_ERR(mnd_claims_json(pool, NULL, "i", T0, 60, &out), MND_EINVAL, "no session");
    assert_null(out);
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", T0, 0, &out), MND_EINVAL, "lifetime");
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", -1, 60, &out), MND_EINVAL, "lifetime");
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", MND_TIME_NONE - 10, 60, &out), MND_EINVAL,
                   "lifetime");
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", T0 + MAX_AGE, 60, &out), MND_ECONFLICT,
                   "session has ended");
    s->party = "12345";
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", T0, 60, &out), MND_EINVAL, "party ids");
    s = session(MND_BASIS_MANDATE);
    s->via = "not-a-kbo";
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", T0, 60, &out), MND_EINVAL, "party ids");
    s = session(MND_BASIS_SELF);
    s->actor = NULL;
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", T0, 60, &out), MND_EINVAL, "lacks");
    s = session(MND_BASIS_SELF);
    s->basis = MND_BASIS__N;
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", T0, 60, &out), MND_EINVAL, "basis");
    s = session(MND_BASIS_SELF);
    s->party_name = "bad \xff UTF-8";
    MND_ASSERT_ERR(mnd_claims_json(pool, s, "i", T0, 60, &out), MND_EINVAL, "UTF-8");
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
        cmocka_unit_test(test_vars_self),
        cmocka_unit_test(test_vars_kbo),
        cmocka_unit_test(test_vars_right),
        cmocka_unit_test(test_vars_mandate),
        cmocka_unit_test(test_vars_mandate_person),
        cmocka_unit_test(test_vars_absent),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_header_values),
        cmocka_unit_test(test_is_ours),
        cmocka_unit_test(test_claims_self),
        cmocka_unit_test(test_claims_kbo),
        cmocka_unit_test(test_claims_right),
        cmocka_unit_test(test_claims_mandate),
        cmocka_unit_test(test_claims_mandate_person),
        cmocka_unit_test(test_claims_markup),
        cmocka_unit_test(test_claims_times),
        cmocka_unit_test(test_claims_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
