/* The SAML attributes of a session per profile (mandaat, acm, eidas): every attribute, in its
 * fixed order, for each basis (self, kbo, right, mandate held directly, mandate held through
 * an organisation, mandate from a person); NameFormat and FriendlyName of each; absent members
 * left out; multi-valued actions in order; markup passed on raw; unknown profiles, service ids
 * acm cannot name, and broken sessions refused; and agreement with the claims and variables of
 * the same session (flow/claims.c). Sessions are built in memory. */
#include "testutil.h"

#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

#include "flow/claims.h"
#include "saml/attrs.h"

static apr_pool_t *pool;

#define ACTOR "85073003328"
#define GIVER "92030145612" /* a person who gave a mandate */
#define ORG "0428315871"
#define VIA "0123456749"
#define SERVICE "wse-loket"
#define T0 ((mnd_time_t)1767225600) /* 2026-01-01T00:00:00Z */

#define NF_URI "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
#define NF_BASIC "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
#define NS "urn:be:vlaanderen:mandaat:attr:"
#define NP "http://eidas.europa.eu/attributes/naturalperson/"
#define LP "http://eidas.europa.eu/attributes/legalperson/"

/* The shapes under test: the four bases, the mandate in three forms. */
typedef enum shape_t { SELF, KBO, RIGHT, MANDATE, MANDATE_VIA, MANDATE_PERSON, SHAPE__N } shape_t;

static apr_array_header_t *list3(const char *a, const char *b, const char *c)
{
    apr_array_header_t *l = apr_array_make(pool, 3, sizeof(const char *));
    if (a)
        APR_ARRAY_PUSH(l, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(l, const char *) = b;
    if (c)
        APR_ARRAY_PUSH(l, const char *) = c;
    return l;
}

static mnd_session_t *session(shape_t shape)
{
    mnd_session_t *s = apr_pcalloc(pool, sizeof(*s));
    s->id = "ssssssssssssssssssssssssssssssssssssssssssss";
    s->actor = ACTOR;
    s->given_name = "Zoë";
    s->family_name = "Peeters";
    s->loa = 3;
    s->service_id = SERVICE;
    s->actions = list3("aanvraag", "inzage", NULL);
    s->created = s->last_seen = T0;
    s->idle_until = T0 + 900;
    s->expires = T0 + 28800;
    s->txn_id = "tttttttttttttttttttttttttttttttttttttttttt";
    s->party = ORG;
    s->party_name = "Bakkerij Janssens BV";
    switch (shape) {
    case SELF:
        s->basis = MND_BASIS_SELF;
        s->cap_key = "self";
        s->party = ACTOR;
        s->party_name = "Zoë Peeters";
        break;
    case KBO:
        s->basis = MND_BASIS_KBO;
        s->cap_key = "kbo:" ORG;
        break;
    case RIGHT:
        s->basis = MND_BASIS_RIGHT;
        s->cap_key = "right:7";
        break;
    default:
        s->basis = MND_BASIS_MANDATE;
        s->cap_key = "mandate:42";
        s->mandate_id = 42;
        if (shape == MANDATE_VIA) {
            s->via = VIA;
            s->via_name = "Boekhouding & Co";
        } else if (shape == MANDATE_PERSON) {
            s->party = GIVER;
            s->party_name = "Jan Janssens";
        }
        break;
    }
    return s;
}

static apr_array_header_t *attrs_of(const mnd_session_t *s, const char *profile)
{
    apr_array_header_t *a = NULL;
    MND_ASSERT_OK(mnd_saml_attrs(pool, s, profile, &a));
    assert_non_null(a);
    return a;
}

/* The attributes as "name=v1;v2" lines (our own prefix shortened to "~"), to compare a whole
 * rendering at once: names, order, values, and what is left out. */
static const char *text(const apr_array_header_t *a)
{
    const char *out = "";
    int i, j;
    for (i = 0; i < a->nelts; i++) {
        const mnd_saml_attr_t *e = &APR_ARRAY_IDX(a, i, mnd_saml_attr_t);
        const char *n = e->name;
        if (strncmp(n, NS, strlen(NS)) == 0)
            n = apr_pstrcat(pool, "~", n + strlen(NS), NULL);
        out = apr_pstrcat(pool, out, n, "=", NULL);
        assert_true(e->values->nelts > 0);
        for (j = 0; j < e->values->nelts; j++) {
            const char *v = APR_ARRAY_IDX(e->values, j, const char *);
            assert_non_null(v);
            assert_true(*v != '\0');
            out = apr_pstrcat(pool, out, j ? ";" : "", v, NULL);
        }
        out = apr_pstrcat(pool, out, "\n", NULL);
    }
    return out;
}

static const mnd_saml_attr_t *find(const apr_array_header_t *a, const char *name)
{
    int i;
    for (i = 0; i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, mnd_saml_attr_t).name, name) == 0)
            return &APR_ARRAY_IDX(a, i, mnd_saml_attr_t);
    return NULL;
}

static const char *value(const apr_array_header_t *a, const char *name)
{
    const mnd_saml_attr_t *e = find(a, name);
    if (!e)
        return NULL;
    assert_int_equal(e->values->nelts, 1);
    return APR_ARRAY_IDX(e->values, 0, const char *);
}

/* ---- profile names ---------------------------------------------------------------------- */

static void test_profile_valid(void **state)
{
    static const char *const bad[] = {"", "MANDAAT", "Acm", "eidas ", "saml", "oidc", NULL};
    int i;
    (void)state;
    assert_true(mnd_saml_profile_valid("mandaat"));
    assert_true(mnd_saml_profile_valid("acm"));
    assert_true(mnd_saml_profile_valid("eidas"));
    for (i = 0; bad[i]; i++)
        assert_false(mnd_saml_profile_valid(bad[i]));
    assert_false(mnd_saml_profile_valid(NULL));
}

static void test_unknown_profile_refused(void **state)
{
    apr_array_header_t *a = (apr_array_header_t *)1;
    (void)state;
    MND_ASSERT_ERR(mnd_saml_attrs(pool, session(KBO), "oidc", &a), MND_EINVAL,
                   "unknown profile 'oidc'");
    assert_null(a);
    MND_ASSERT_ERR(mnd_saml_attrs(pool, session(KBO), "MANDAAT", &a), MND_EINVAL,
                   "unknown profile");
    MND_ASSERT_ERR(mnd_saml_attrs(pool, session(KBO), NULL, &a), MND_EINVAL,
                   "unknown profile '(none)'");
    MND_ASSERT_ERR(mnd_saml_profile_check(pool, "gateway", SERVICE), MND_EINVAL,
                   "unknown profile 'gateway'");
}

/* acm names an attribute after the service; NameFormat basic wants an xs:Name. */
static void test_profile_check_service(void **state)
{
    static const char *const bad[] = {"1loket", "-loket", ".loket", "a/b", "urn:x/y", NULL};
    static const char *const good[] = {"wse-loket", "urn:vo:loket", "_x", "Loket.2", NULL};
    mnd_session_t *s = session(KBO);
    apr_array_header_t *a;
    int i;
    (void)state;
    for (i = 0; bad[i]; i++) {
        MND_ASSERT_ERR(mnd_saml_profile_check(pool, "acm", bad[i]), MND_EINVAL, "xs:Name");
        /* Only acm builds a name from the service. */
        MND_ASSERT_OK(mnd_saml_profile_check(pool, "mandaat", bad[i]));
        MND_ASSERT_OK(mnd_saml_profile_check(pool, "eidas", bad[i]));
    }
    for (i = 0; good[i]; i++)
        MND_ASSERT_OK(mnd_saml_profile_check(pool, "acm", good[i]));
    MND_ASSERT_ERR(mnd_saml_profile_check(pool, "mandaat", ""), MND_EINVAL, "service id");
    MND_ASSERT_ERR(mnd_saml_profile_check(pool, "acm", NULL), MND_EINVAL, "service id");
    s->service_id = "a/b";
    MND_ASSERT_ERR(mnd_saml_attrs(pool, s, "acm", &a), MND_EINVAL, "service id 'a/b'");
    MND_ASSERT_OK(mnd_saml_attrs(pool, s, "mandaat", &a));
}

static void refused(mnd_session_t *s, const char *needle)
{
    static const char *const profiles[] = {"mandaat", "acm", "eidas"};
    apr_array_header_t *a = NULL;
    int i;
    for (i = 0; i < 3; i++) {
        MND_ASSERT_ERR(mnd_saml_attrs(pool, s, profiles[i], &a), MND_EINVAL, needle);
        assert_null(a);
    }
}

static void test_session_refused(void **state)
{
    mnd_session_t *s;
    (void)state;
    refused(NULL, "no session");
    s = session(KBO);
    s->actor = NULL;
    refused(s, "lacks");
    s = session(KBO);
    s->service_id = "";
    refused(s, "lacks");
    s = session(KBO);
    s->party = NULL;
    refused(s, "lacks");
    s = session(KBO);
    s->cap_key = NULL;
    refused(s, "lacks");
    s = session(KBO);
    s->basis = MND_BASIS__N;
    refused(s, "basis is unknown");
    s = session(KBO);
    s->actor = ORG;
    refused(s, "person's INSZ");
    s = session(KBO);
    s->actor = "85073003329"; /* bad check digits */
    refused(s, "person's INSZ");
    s = session(KBO);
    s->party = "<b>0428315871</b>";
    refused(s, "party ids");
    s = session(MANDATE_VIA);
    s->via = "x";
    refused(s, "party ids");
    s = session(SELF);
    s->party = GIVER;
    refused(s, "must be the actor");
}

/* ---- mandaat ---------------------------------------------------------------------------- */

#define M_HEAD                                                                                     \
    "~person=" ACTOR "\n~given_name=Zoë\n~family_name=Peeters\n~loa=3\n~service=" SERVICE "\n"
#define M_ORG_NAME "~represents_name=Bakkerij Janssens BV\n"
#define M_ORG "~represents_type=organisation\n~represents_id=" ORG "\n" M_ORG_NAME
#define M_TAIL(dg, cap) "~actions=aanvraag;inzage\n" dg "~capacity=" cap "\n"

static void test_mandaat_bases(void **state)
{
    (void)state;
    assert_string_equal(text(attrs_of(session(SELF), "mandaat")), M_HEAD
                        "~basis=self\n~represents_type=person\n~represents_id=" ACTOR
                        "\n~represents_name=Zoë Peeters\n" M_TAIL("~doelgroepcode=BUR\n", "self"));
    assert_string_equal(text(attrs_of(session(KBO), "mandaat")),
                        M_HEAD "~basis=kbo\n" M_ORG M_TAIL("~doelgroepcode=EA\n", "kbo:" ORG));
    assert_string_equal(text(attrs_of(session(RIGHT), "mandaat")),
                        M_HEAD "~basis=right\n" M_ORG M_TAIL("~doelgroepcode=EA\n", "right:7"));
    assert_string_equal(text(attrs_of(session(MANDATE), "mandaat")),
                        M_HEAD "~basis=mandate\n" M_ORG
                               "~mandate_id=42\n" M_TAIL("~doelgroepcode=EA\n", "mandate:42"));
    assert_string_equal(text(attrs_of(session(MANDATE_VIA), "mandaat")),
                        M_HEAD "~basis=mandate\n" M_ORG "~via_type=organisation\n~via_id=" VIA
                               "\n~via_name=Boekhouding & Co\n~mandate_id=42\n" M_TAIL(
                                   "~doelgroepcode=EA\n", "mandate:42"));
    /* A person represented by mandate has no ACM target group: doelgroepcode is left out. */
    assert_string_equal(
        text(attrs_of(session(MANDATE_PERSON), "mandaat")),
        M_HEAD "~basis=mandate\n~represents_type=person\n~represents_id=" GIVER
               "\n~represents_name=Jan Janssens\n~mandate_id=42\n" M_TAIL("", "mandate:42"));
}

static void test_mandaat_formats(void **state)
{
    shape_t sh;
    int i;
    (void)state;
    for (sh = SELF; sh < SHAPE__N; sh++) {
        apr_array_header_t *a = attrs_of(session(sh), "mandaat");
        for (i = 0; i < a->nelts; i++) {
            const mnd_saml_attr_t *e = &APR_ARRAY_IDX(a, i, mnd_saml_attr_t);
            assert_string_equal(e->name_format, NF_URI);
            assert_non_null(e->friendly_name);
            assert_string_equal(e->name, apr_pstrcat(pool, NS, e->friendly_name, NULL));
        }
    }
}

/* ---- acm -------------------------------------------------------------------------------- */

#define A_HEAD "given_name=Zoë\nfamily_name=Peeters\n"
#define A_ORG "vo_doelgroepcode=EA\nvo_orgcode=" ORG "\nvo_orgnaam=Bakkerij Janssens BV\n"
#define A_ROLES(party) SERVICE "_rol_3d=aanvraag:" party ";inzage:" party "\n"

static void test_acm_bases(void **state)
{
    (void)state;
    assert_string_equal(text(attrs_of(session(SELF), "acm")),
                        A_HEAD "vo_doelgroepcode=BUR\n" SERVICE "_rol_3d=aanvraag;inzage\n");
    assert_string_equal(text(attrs_of(session(KBO), "acm")),
                        A_HEAD A_ORG "wv_orgcode=" ORG "\n" A_ROLES(ORG));
    assert_string_equal(text(attrs_of(session(RIGHT), "acm")), A_HEAD A_ORG A_ROLES(ORG));
    assert_string_equal(text(attrs_of(session(MANDATE), "acm")),
                        A_HEAD A_ORG "ssm_mandaatgever=" ORG "\n" A_ROLES(ORG));
    /* The intermediary has no ACM name: the roles are for the giver, as in the claims. */
    assert_string_equal(text(attrs_of(session(MANDATE_VIA), "acm")),
                        A_HEAD A_ORG "ssm_mandaatgever=" ORG "\n" A_ROLES(ORG));
    assert_string_equal(text(attrs_of(session(MANDATE_PERSON), "acm")),
                        A_HEAD "ssm_mandaatgever=" GIVER "\n" A_ROLES(GIVER));
}

static void test_acm_formats_no_rrn(void **state)
{
    shape_t sh;
    int i;
    (void)state;
    for (sh = SELF; sh < SHAPE__N; sh++) {
        apr_array_header_t *a = attrs_of(session(sh), "acm");
        for (i = 0; i < a->nelts; i++) {
            const mnd_saml_attr_t *e = &APR_ARRAY_IDX(a, i, mnd_saml_attr_t);
            assert_string_equal(e->name_format, NF_BASIC);
            assert_null(e->friendly_name);
        }
        /* rrn only for SPs allowed to receive it; no SP can be, yet. */
        assert_null(find(a, "rrn"));
    }
}

/* ---- eidas ------------------------------------------------------------------------------ */

#define E_REP                                                                                      \
    NP "representative/PersonIdentifier=BE/BE/" ACTOR "\n" NP                                      \
       "representative/CurrentFamilyName=Peeters\n" NP "representative/CurrentGivenName=Zoë\n"
#define E_ORG LP "LegalPersonIdentifier=BE/BE/" ORG "\n" LP "LegalName=Bakkerij Janssens BV\n"

static void test_eidas_bases(void **state)
{
    (void)state;
    /* Own name: the person, no representation. */
    assert_string_equal(text(attrs_of(session(SELF), "eidas")),
                        NP "PersonIdentifier=BE/BE/" ACTOR "\n" NP "CurrentFamilyName=Peeters\n" NP
                           "CurrentGivenName=Zoë\n");
    assert_string_equal(text(attrs_of(session(KBO), "eidas")), E_ORG E_REP);
    assert_string_equal(text(attrs_of(session(RIGHT), "eidas")), E_ORG E_REP);
    assert_string_equal(text(attrs_of(session(MANDATE), "eidas")), E_ORG E_REP);
    assert_string_equal(text(attrs_of(session(MANDATE_VIA), "eidas")),
                        E_ORG LP "representative/LegalPersonIdentifier=BE/BE/" VIA "\n" LP
                                 "representative/LegalName=Boekhouding & Co\n" E_REP);
    /* A represented person: natural-person attributes, names left out (only a display name is
     * known, eIDAS wants family and given name apart). */
    assert_string_equal(text(attrs_of(session(MANDATE_PERSON), "eidas")),
                        NP "PersonIdentifier=BE/BE/" GIVER "\n" E_REP);
}

static void test_eidas_friendly_names(void **state)
{
    static const char *const pairs[][2] = {
        {NP "PersonIdentifier", "PersonIdentifier"},
        {NP "CurrentFamilyName", "FamilyName"},
        {NP "CurrentGivenName", "FirstName"},
        {LP "LegalPersonIdentifier", "LegalPersonIdentifier"},
        {LP "LegalName", "LegalName"},
        {LP "representative/LegalPersonIdentifier", "RepresentativeLegalPersonIdentifier"},
        {LP "representative/LegalName", "RepresentativeLegalName"},
        {NP "representative/PersonIdentifier", "RepresentativePersonIdentifier"},
        {NP "representative/CurrentFamilyName", "RepresentativeFamilyName"},
        {NP "representative/CurrentGivenName", "RepresentativeFirstName"},
    };
    shape_t sh;
    size_t k;
    int i, seen = 0;
    (void)state;
    for (sh = SELF; sh < SHAPE__N; sh++) {
        apr_array_header_t *a = attrs_of(session(sh), "eidas");
        for (i = 0; i < a->nelts; i++) {
            const mnd_saml_attr_t *e = &APR_ARRAY_IDX(a, i, mnd_saml_attr_t);
            assert_string_equal(e->name_format, NF_URI);
            for (k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++)
                if (strcmp(e->name, pairs[k][0]) == 0)
                    break;
            assert_true(k < sizeof(pairs) / sizeof(pairs[0]));
            assert_non_null(e->friendly_name);
            assert_string_equal(e->friendly_name, pairs[k][1]);
            seen |= 1 << k;
        }
    }
    assert_int_equal(seen, (1 << (sizeof(pairs) / sizeof(pairs[0]))) - 1);
}

/* ---- absent members, order, markup ------------------------------------------------------- */

static void test_absent_left_out(void **state)
{
    mnd_session_t *s = session(MANDATE_VIA);
    (void)state;
    s->given_name = NULL;
    s->family_name = "";
    s->party_name = NULL;
    s->via_name = "";
    s->actions = list3(NULL, NULL, NULL);
    assert_string_equal(text(attrs_of(s, "mandaat")),
                        "~person=" ACTOR "\n~loa=3\n~service=" SERVICE "\n~basis=mandate\n"
                        "~represents_type=organisation\n~represents_id=" ORG "\n"
                        "~via_type=organisation\n~via_id=" VIA "\n~mandate_id=42\n"
                        "~doelgroepcode=EA\n~capacity=mandate:42\n");
    assert_string_equal(text(attrs_of(s, "acm")),
                        "vo_doelgroepcode=EA\nvo_orgcode=" ORG "\nssm_mandaatgever=" ORG "\n");
    assert_string_equal(text(attrs_of(s, "eidas")),
                        LP "LegalPersonIdentifier=BE/BE/" ORG "\n" LP
                           "representative/LegalPersonIdentifier=BE/BE/" VIA "\n" NP
                           "representative/PersonIdentifier=BE/BE/" ACTOR "\n");
    /* No action list at all, and a list with an empty code: still nothing empty. */
    s->actions = NULL;
    assert_null(find(attrs_of(s, "mandaat"), NS "actions"));
    assert_null(find(attrs_of(s, "acm"), SERVICE "_rol_3d"));
    s->actions = list3("", "inzage", "");
    assert_string_equal(value(attrs_of(s, "mandaat"), NS "actions"), "inzage");
    /* via_name without via is not rendered (it belongs to the intermediary). */
    s = session(KBO);
    s->via_name = "Stray";
    assert_false(mnd_test_contains(text(attrs_of(s, "mandaat")), "Stray"));
    assert_false(mnd_test_contains(text(attrs_of(s, "eidas")), "Stray"));
    /* mandate_id 0 means none. */
    s->mandate_id = 0;
    assert_null(find(attrs_of(s, "mandaat"), NS "mandate_id"));
}

static void test_actions_order(void **state)
{
    mnd_session_t *s = session(MANDATE);
    const mnd_saml_attr_t *e;
    (void)state;
    s->actions = list3("zien", "aanvraag", "melden");
    e = find(attrs_of(s, "mandaat"), NS "actions");
    assert_non_null(e);
    assert_int_equal(e->values->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(e->values, 0, const char *), "zien");
    assert_string_equal(APR_ARRAY_IDX(e->values, 1, const char *), "aanvraag");
    assert_string_equal(APR_ARRAY_IDX(e->values, 2, const char *), "melden");
    e = find(attrs_of(s, "acm"), SERVICE "_rol_3d");
    assert_non_null(e);
    assert_int_equal(e->values->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(e->values, 0, const char *), "zien:" ORG);
    assert_string_equal(APR_ARRAY_IDX(e->values, 1, const char *), "aanvraag:" ORG);
    assert_string_equal(APR_ARRAY_IDX(e->values, 2, const char *), "melden:" ORG);
}

/* Values are raw text: lasso escapes them once when it writes the XML. Escaping here would
 * make an SP read "&amp;lt;" and the agreement with the claims would break. */
static void test_markup_raw(void **state)
{
    static const char name[] = "<b>Janssens & \"Zonen\"</b> ]]> <!-- x --> &amp;";
    mnd_session_t *s = session(MANDATE_VIA);
    (void)state;
    s->party_name = name;
    s->via_name = "a<b>&c";
    s->given_name = "Zoë <script>";
    assert_string_equal(value(attrs_of(s, "mandaat"), NS "represents_name"), name);
    assert_string_equal(value(attrs_of(s, "mandaat"), NS "via_name"), "a<b>&c");
    assert_string_equal(value(attrs_of(s, "mandaat"), NS "given_name"), "Zoë <script>");
    assert_string_equal(value(attrs_of(s, "acm"), "vo_orgnaam"), name);
    assert_string_equal(value(attrs_of(s, "eidas"), LP "LegalName"), name);
    assert_string_equal(value(attrs_of(s, "eidas"), LP "representative/LegalName"), "a<b>&c");
    assert_string_equal(value(attrs_of(s, "eidas"), NP "representative/CurrentGivenName"),
                        "Zoë <script>");
}

/* ---- agreement with the claims and the variables ------------------------------------------ */

static const char *claim(json_t *c, const char *key)
{
    json_t *v = json_object_get(c, key);
    return v ? json_string_value(v) : NULL;
}

static void assert_same_opt(const char *a, const char *b)
{
    if (!a || !b)
        assert_true(a == b);
    else
        assert_string_equal(a, b);
}

static const char *var(const mnd_session_t *s, const char *name)
{
    apr_array_header_t *v = mnd_export_vars(pool, s);
    int i;
    for (i = 0; i < v->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(v, i, mnd_export_var_t).name, name) == 0)
            return APR_ARRAY_IDX(v, i, mnd_export_var_t).value;
    return NULL;
}

static void assert_list_matches(const mnd_saml_attr_t *e, json_t *arr)
{
    size_t i;
    assert_true(json_is_array(arr));
    if (json_array_size(arr) == 0) {
        assert_null(e);
        return;
    }
    assert_non_null(e);
    assert_int_equal((size_t)e->values->nelts, json_array_size(arr));
    for (i = 0; i < json_array_size(arr); i++)
        assert_string_equal(APR_ARRAY_IDX(e->values, i, const char *),
                            json_string_value(json_array_get(arr, i)));
}

static void agree(mnd_session_t *s)
{
    static const char *const acm[] = {"vo_doelgroepcode", "vo_orgcode", "vo_orgnaam", "wv_orgcode",
                                      "ssm_mandaatgever", "given_name", "family_name"};
    apr_array_header_t *a = attrs_of(s, "acm"), *m = attrs_of(s, "mandaat");
    const char *txt = NULL;
    json_t *c, *az;
    size_t i;
    MND_ASSERT_OK(mnd_claims_json(pool, s, "https://mandaat.example", T0, 60, &txt));
    c = json_loads(txt, 0, NULL);
    assert_non_null(c);
    for (i = 0; i < sizeof(acm) / sizeof(acm[0]); i++)
        assert_same_opt(value(a, acm[i]), claim(c, acm[i]));
    assert_list_matches(find(a, SERVICE "_rol_3d"), json_object_get(c, SERVICE "_rol_3d"));
    az = json_object_get(json_array_get(json_object_get(c, "authorization_details"), 0), "actions");
    assert_list_matches(find(m, NS "actions"), az);
    assert_same_opt(value(m, NS "person"), claim(c, "sub"));
    assert_same_opt(value(m, NS "basis"), claim(c, "basis"));
    assert_same_opt(value(m, NS "mandate_id"), claim(c, "mandate_id"));
    assert_same_opt(value(m, NS "represents_type"),
                    claim(json_object_get(c, "represents"), "type"));
    assert_same_opt(value(m, NS "represents_id"), claim(json_object_get(c, "represents"), "id"));
    assert_same_opt(value(m, NS "represents_name"),
                    claim(json_object_get(c, "represents"), "name"));
    assert_same_opt(value(m, NS "via_id"), claim(json_object_get(c, "via"), "id"));
    assert_same_opt(value(m, NS "via_name"), claim(json_object_get(c, "via"), "name"));
    assert_same_opt(value(m, NS "via_type"), claim(json_object_get(c, "via"), "type"));
    assert_same_opt(value(m, NS "doelgroepcode"), claim(c, "vo_doelgroepcode"));
    json_decref(c);
    /* And the gateway's variables. */
    assert_same_opt(value(m, NS "doelgroepcode"), var(s, "MANDAAT_DOELGROEPCODE"));
    assert_same_opt(value(m, NS "represents_type"), var(s, "MANDAAT_PARTY_TYPE"));
    assert_same_opt(value(m, NS "capacity"), var(s, "MANDAAT_CAPACITY"));
    assert_same_opt(value(m, NS "loa"), var(s, "MANDAAT_LOA"));
    assert_same_opt(value(m, NS "via_name"), var(s, "MANDAAT_VIA_NAME"));
}

static void test_agrees_with_claims(void **state)
{
    shape_t sh;
    mnd_session_t *s;
    (void)state;
    for (sh = SELF; sh < SHAPE__N; sh++)
        agree(session(sh));
    s = session(MANDATE_VIA);
    s->actions = list3("zien", "aanvraag", "melden");
    s->party_name = "<b>Janssens & Zonen</b>";
    agree(s);
    s = session(RIGHT);
    s->actions = NULL;
    s->party_name = NULL;
    s->given_name = NULL;
    agree(s);
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
        cmocka_unit_test(test_profile_valid),
        cmocka_unit_test(test_unknown_profile_refused),
        cmocka_unit_test(test_profile_check_service),
        cmocka_unit_test(test_session_refused),
        cmocka_unit_test(test_mandaat_bases),
        cmocka_unit_test(test_mandaat_formats),
        cmocka_unit_test(test_acm_bases),
        cmocka_unit_test(test_acm_formats_no_rrn),
        cmocka_unit_test(test_eidas_bases),
        cmocka_unit_test(test_eidas_friendly_names),
        cmocka_unit_test(test_absent_left_out),
        cmocka_unit_test(test_actions_order),
        cmocka_unit_test(test_markup_raw),
        cmocka_unit_test(test_agrees_with_claims),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
