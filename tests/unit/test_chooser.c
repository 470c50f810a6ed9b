/* The chooser's content (html/chooser.c): grouping by basis, recent and hinted rows first,
 * search (names in every language, numbers as people type them, UTF-8), paging and its links,
 * escaping of every value, rows that cannot be chosen, "expires in", 20,000 capacities; the
 * "why" list for every near-miss reason; and the shipped page templates under conf/templates,
 * loaded with the placeholder lists the module declares and rendered with hostile values.
 * Pure: resolutions are built in memory, no store. */
#include "testutil.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html/chooser.h"
#include "html/template.h"

static apr_pool_t *pool;

#define NOW ((mnd_time_t)1700000000) /* 2023-11-14T22:13:20Z */
#define DAY 86400
#define PERSON "85073003328" /* 85.07.30-033.28 */
#define ACME "0123456749"    /* shown 0123.456.749 */

static int setup(void **state)
{
    (void)state;
    apr_pool_create(&pool, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

/* ---- fixtures ---- */

static mnd_party_t *party(const char *id, const char *nl, const char *fr)
{
    mnd_party_t *pt = apr_pcalloc(pool, sizeof(*pt));
    pt->id = id;
    pt->kind = strlen(id) == MND_INSZ_LEN ? MND_PARTY_PERSON : MND_PARTY_ORG;
    pt->name[MND_LANG_NL] = nl;
    pt->name[MND_LANG_FR] = fr;
    pt->active = 1;
    return pt;
}

static mnd_service_t *service(void)
{
    mnd_service_t *s = apr_pcalloc(pool, sizeof(*s));
    mnd_action_t *a;
    s->id = "wse";
    s->name[MND_LANG_NL] = "Werkplek";
    s->bases = MND_BASES_ALL;
    s->actions = apr_array_make(pool, 3, sizeof(mnd_action_t));
    a = apr_array_push(s->actions);
    memset(a, 0, sizeof(*a));
    a->code = "read", a->label[MND_LANG_NL] = "Raadplegen", a->label[MND_LANG_EN] = "Consult";
    a = apr_array_push(s->actions);
    memset(a, 0, sizeof(*a));
    a->code = "sign", a->label[MND_LANG_NL] = "<Ondertekenen>";
    return s;
}

static mnd_resolution_t *resolution(void)
{
    mnd_resolution_t *r = apr_pcalloc(pool, sizeof(*r));
    r->service = service();
    r->person = PERSON;
    r->at = NOW;
    r->capacities = apr_array_make(pool, 8, sizeof(mnd_capacity_t *));
    r->near_misses = apr_array_make(pool, 8, sizeof(mnd_near_miss_t *));
    return r;
}

static apr_array_header_t *codes(const char *a, const char *b)
{
    apr_array_header_t *x = apr_array_make(pool, 2, sizeof(const char *));
    if (a)
        APR_ARRAY_PUSH(x, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(x, const char *) = b;
    return x;
}

static mnd_capacity_t *add_cap(mnd_resolution_t *r, const char *key, mnd_basis_t b,
                               const mnd_party_t *pt, const mnd_party_t *via)
{
    mnd_capacity_t *c = apr_pcalloc(pool, sizeof(*c));
    c->key = key;
    c->basis = b;
    c->party = pt;
    c->via = via;
    c->actions = codes("read", NULL);
    c->valid_until = MND_TIME_NONE;
    APR_ARRAY_PUSH(r->capacities, mnd_capacity_t *) = c;
    return c;
}

/* Self, kbo ACME, right at Bakkerij, a mandate from Société Générale, one through Agency. */
static mnd_resolution_t *five(void)
{
    mnd_resolution_t *r = resolution();
    add_cap(r, "self", MND_BASIS_SELF, party(PERSON, "Jan Peeters", NULL), NULL);
    add_cap(r, "kbo:" ACME, MND_BASIS_KBO, party(ACME, "ACME nv", "ACME sa"), NULL);
    add_cap(r, "right:7", MND_BASIS_RIGHT, party("0200065765", "Bakkerij Brood", NULL), NULL);
    add_cap(r, "mandate:1", MND_BASIS_MANDATE,
            party("0403170701", "Generale Maatschappij", "SOCIÉTÉ GÉNÉRALE"), NULL);
    add_cap(r, "mandate:2", MND_BASIS_MANDATE, party("0416981436", "Klant Vier", NULL),
            party("0878065378", "Boekhoudkantoor Cijfer", NULL));
    return r;
}

/* Offer tokens: "tok-<key>"; the key named by the baton gets none. */
static const char *token(void *baton, apr_pool_t *p, const char *key)
{
    if (baton && strcmp((const char *)baton, key) == 0)
        return NULL;
    return apr_pstrcat(p, "tok-", key, NULL);
}

static mnd_chooser_input_t input(const mnd_resolution_t *r)
{
    mnd_chooser_input_t in;
    memset(&in, 0, sizeof(in));
    in.res = r;
    in.cat = mnd_catalog_builtin();
    in.lang = MND_LANG_NL;
    in.now = NOW;
    in.page = 1;
    in.self_url = "/mandaat/choose";
    in.token = token;
    return in;
}

static mnd_chooser_view_t build(const mnd_chooser_input_t *in)
{
    mnd_chooser_view_t v;
    memset(&v, 0, sizeof(v));
    MND_ASSERT_OK(mnd_chooser_build(pool, in, &v));
    assert_non_null(v.rows);
    assert_non_null(v.pager);
    assert_non_null(v.summary);
    return v;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (; (hay = strstr(hay, needle)); hay += len)
        n++;
    return n;
}

/* Position of needle in hay; fails the test when absent. */
static long at(const char *hay, const char *needle)
{
    const char *s = strstr(hay, needle);
    if (!s)
        fail_msg("'%s' not found in:\n%s", needle, hay);
    return (long)(s - hay);
}

static const char *button(const char *key)
{
    return apr_pstrcat(pool, "value=\"tok-", key, "\"", NULL);
}

/* ---- grouping, recent, hint ---- */

static void test_grouping_order(void **state)
{
    mnd_chooser_input_t in = input(five());
    mnd_chooser_view_t v;
    (void)state;
    v = build(&in);
    assert_int_equal(count(v.rows, "<section"), 4);
    assert_int_equal(count(v.rows, "<h2>"), 4);
    assert_int_equal(count(v.rows, "name=\"choice\""), 5);
    assert_true(at(v.rows, "<h2>In eigen naam</h2>") < at(v.rows, button("self")));
    assert_true(at(v.rows, button("self")) <
                at(v.rows, "<h2>Als wettelijk vertegenwoordiger (KBO)</h2>"));
    assert_true(at(v.rows, "(KBO)</h2>") < at(v.rows, button("kbo:" ACME)));
    assert_true(at(v.rows, button("kbo:" ACME)) < at(v.rows, "<h2>Met een gebruikersrecht"));
    assert_true(at(v.rows, "<h2>Met een gebruikersrecht") < at(v.rows, button("right:7")));
    assert_true(at(v.rows, button("right:7")) < at(v.rows, "<h2>Met een mandaat</h2>"));
    assert_true(at(v.rows, "<h2>Met een mandaat</h2>") < at(v.rows, button("mandate:1")));
    assert_true(at(v.rows, button("mandate:1")) < at(v.rows, button("mandate:2")));
    assert_int_equal(count(v.rows, "autofocus"), 0);
    assert_int_equal(count(v.rows, "Recent gebruikt"), 0);
    /* every button is a submit button of the form */
    assert_int_equal(count(v.rows, "<button type=\"submit\" name=\"choice\""), 5);
    assert_int_equal(v.total, 5);
    assert_int_equal(v.matched, 5);
    assert_int_equal(v.page, 1);
    assert_int_equal(v.pages, 1);
    assert_string_equal(v.pager, "");
    assert_string_equal(v.summary, "Mogelijkheden: 5.");
    assert_string_equal(v.search, "");
}

static void test_recent_first(void **state)
{
    mnd_chooser_input_t in = input(five());
    apr_array_header_t *rec = apr_array_make(pool, 4, sizeof(const char *));
    mnd_chooser_view_t v;
    (void)state;
    APR_ARRAY_PUSH(rec, const char *) = "mandate:2";
    APR_ARRAY_PUSH(rec, const char *) = "mandate:999"; /* no longer offered */
    APR_ARRAY_PUSH(rec, const char *) = "kbo:" ACME;
    APR_ARRAY_PUSH(rec, const char *) = "mandate:2"; /* twice: listed once */
    in.recent = rec;
    v = build(&in);
    assert_int_equal(count(v.rows, "name=\"choice\""), 5);
    assert_int_equal(count(v.rows, button("mandate:2")), 1);
    assert_int_equal(count(v.rows, button("kbo:" ACME)), 1);
    assert_int_equal(count(v.rows, "tok-mandate:999"), 0);
    assert_int_equal(at(v.rows, "<section"), 0);
    assert_true(at(v.rows, "<h2>Recent gebruikt</h2>") < at(v.rows, button("mandate:2")));
    assert_true(at(v.rows, button("mandate:2")) < at(v.rows, button("kbo:" ACME)));
    assert_true(at(v.rows, button("kbo:" ACME)) < at(v.rows, "<h2>In eigen naam</h2>"));
    /* the KBO group is now empty, so it has no heading; the others follow in order */
    assert_int_equal(count(v.rows, "(KBO)</h2>"), 0);
    assert_true(at(v.rows, button("self")) < at(v.rows, button("right:7")));
    assert_true(at(v.rows, button("right:7")) < at(v.rows, button("mandate:1")));
    /* recent rows still say their basis */
    assert_true(at(v.rows, "<span class=\"basis\">Met een mandaat</span>") <
                at(v.rows, "<h2>In eigen naam</h2>"));
    assert_int_equal(v.matched, 5);
}

static void test_hint_first(void **state)
{
    mnd_chooser_input_t in = input(five());
    apr_array_header_t *rec = apr_array_make(pool, 2, sizeof(const char *));
    mnd_chooser_view_t v;
    (void)state;
    APR_ARRAY_PUSH(rec, const char *) = "right:7"; /* the hint too: listed once, as the hint */
    APR_ARRAY_PUSH(rec, const char *) = "mandate:1";
    in.recent = rec;
    in.hint_key = "right:7";
    v = build(&in);
    assert_int_equal(count(v.rows, "name=\"choice\""), 5);
    assert_int_equal(count(v.rows, button("right:7")), 1);
    assert_int_equal(at(v.rows, "<section class=\"group\"><h2>Voorgesteld</h2>"), 0);
    assert_int_equal(count(v.rows, "autofocus"), 1);
    assert_true(strstr(v.rows, "value=\"tok-right:7\" autofocus>"));
    assert_true(at(v.rows, button("right:7")) < at(v.rows, "<h2>Recent gebruikt</h2>"));
    assert_true(at(v.rows, "<h2>Recent gebruikt</h2>") < at(v.rows, button("mandate:1")));
    assert_true(at(v.rows, button("mandate:1")) < at(v.rows, button("self")));
    assert_int_equal(count(v.rows, "Met een gebruikersrecht in de organisatie</h2>"), 0);

    /* a hint not offered changes nothing */
    in.recent = NULL;
    in.hint_key = "kbo:0999999999";
    v = build(&in);
    assert_int_equal(count(v.rows, "autofocus"), 0);
    assert_int_equal(count(v.rows, "Voorgesteld"), 0);
    assert_int_equal(at(v.rows, "<section class=\"group\"><h2>In eigen naam</h2>"), 0);

    /* after a search the hint row is first if it matches, but the search box keeps focus */
    in.hint_key = "right:7";
    in.search = "bakkerij";
    v = build(&in);
    assert_int_equal(count(v.rows, "name=\"choice\""), 1);
    assert_true(strstr(v.rows, "<h2>Voorgesteld</h2>"));
    assert_int_equal(count(v.rows, "autofocus"), 0);
    in.search = "acme"; /* the hint does not match: not shown */
    v = build(&in);
    assert_int_equal(count(v.rows, "Voorgesteld"), 0);
    assert_int_equal(count(v.rows, button("kbo:" ACME)), 1);
}

/* ---- rows ---- */

static void test_row_content(void **state)
{
    mnd_resolution_t *r = five();
    mnd_chooser_input_t in = input(r);
    mnd_chooser_view_t v;
    (void)state;
    APR_ARRAY_IDX(r->capacities, 1, mnd_capacity_t *)->actions = codes("read", "sign");
    APR_ARRAY_IDX(r->capacities, 2, mnd_capacity_t *)->actions = codes("read", "export");
    v = build(&in);
    /* own name: the person's name and masked national number, never the full number */
    assert_true(strstr(v.rows, "<span class=\"name\">In eigen naam handelen</span> <span "
                               "class=\"id\">Jan Peeters, Rijksregisternummer 85.07.30-***.**"
                               "</span>"));
    assert_int_equal(count(v.rows, "033.28"), 0);
    assert_int_equal(count(v.rows, PERSON), 0);
    /* organisations: name, formatted number, basis, actions in the page's language */
    assert_true(strstr(v.rows, "<span class=\"name\">ACME nv</span> <span class=\"id\">"
                               "Ondernemingsnummer 0123.456.749</span> <span class=\"basis\">"
                               "Als wettelijk vertegenwoordiger (KBO)</span>"));
    assert_true(strstr(v.rows, "Toegelaten handelingen: Raadplegen, &lt;Ondertekenen&gt;"));
    assert_true(strstr(v.rows, "Toegelaten handelingen: Raadplegen, export</span>"));
    assert_true(strstr(v.rows, "<span class=\"via\">via Boekhoudkantoor Cijfer</span>"));
    /* the script filters on names in every language and enterprise numbers */
    assert_true(
        strstr(v.rows, "<li data-k=\"Generale Maatschappij SOCIÉTÉ GÉNÉRALE 0403170701\">"));
    assert_true(
        strstr(v.rows, "data-k=\"Klant Vier 0416981436 Boekhoudkantoor Cijfer 0878065378\""));
    assert_true(strstr(v.rows, "<li data-k=\"Jan Peeters\">"));

    /* French: names, labels fall back to another language, then to the code */
    in.lang = MND_LANG_FR;
    v = build(&in);
    assert_true(strstr(v.rows, "<span class=\"name\">ACME sa</span>"));
    assert_true(strstr(v.rows, "<span class=\"name\">SOCIÉTÉ GÉNÉRALE</span>"));
    assert_true(strstr(v.rows, "<span class=\"name\">Klant Vier</span>"));
    assert_true(strstr(v.rows, "Numéro d'entreprise 0123.456.749"));
    assert_true(strstr(v.rows, "Agir en votre nom propre"));
    assert_true(strstr(v.rows, "<h2>Avec un mandat</h2>"));
    in.lang = MND_LANG_EN;
    v = build(&in);
    assert_true(strstr(v.rows, "Allowed actions: Consult, &lt;Ondertekenen&gt;"));

    /* no name at all: the formatted number stands in */
    APR_ARRAY_IDX(r->capacities, 2, mnd_capacity_t *)->party = party("0200065765", NULL, NULL);
    APR_ARRAY_IDX(r->capacities, 0, mnd_capacity_t *)->party = party(PERSON, NULL, NULL);
    v = build(&in);
    assert_true(strstr(v.rows, "<span class=\"name\">0200.065.765</span>"));
    assert_true(strstr(v.rows, "<span class=\"id\">National register number 85.07.30-***.**"));
}

static void test_markup_escaped(void **state)
{
    mnd_resolution_t *r = resolution();
    mnd_chooser_input_t in = input(r);
    mnd_chooser_view_t v;
    (void)state;
    add_cap(r, "mandate:5", MND_BASIS_MANDATE,
            party("0403170701", "<script>alert(\"x\")</script> & Co", "<b>fr</b>"),
            party("0878065378", "<img src=x onerror=alert(1)>", NULL));
    in.token = token;
    v = build(&in);
    assert_int_equal(count(v.rows, "<script"), 0);
    assert_int_equal(count(v.rows, "<img"), 0);
    assert_int_equal(count(v.rows, "<b>"), 0);
    assert_true(strstr(v.rows, "<span class=\"name\">&lt;script&gt;alert(&quot;x&quot;)&lt;/"
                               "script&gt; &amp; Co</span>"));
    assert_true(strstr(v.rows, "via &lt;img src=x onerror=alert(1)&gt;"));
    assert_true(strstr(v.rows, "data-k=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                               "Co &lt;b&gt;fr&lt;/b&gt; 0403170701 &lt;img"));
    /* the search text as used is raw: the template escapes it */
    in.search = "  <b>\"x\" &  ";
    v = build(&in);
    assert_string_equal(v.search, "<b>\"x\" &");
}

/* A token function whose tokens need escaping in an attribute value. */
static const char *quote_token(void *baton, apr_pool_t *p, const char *key)
{
    (void)baton;
    return apr_pstrcat(p, key, "\"><x>&", NULL);
}

static void test_token_escaped_and_null(void **state)
{
    mnd_chooser_input_t in = input(five());
    mnd_chooser_view_t v;
    (void)state;
    in.token = quote_token;
    v = build(&in);
    assert_true(strstr(v.rows, "value=\"self&quot;&gt;&lt;x&gt;&amp;\""));
    assert_int_equal(count(v.rows, "<x>"), 0);

    in.token = token;
    in.token_baton = (void *)"mandate:1";
    v = build(&in);
    assert_int_equal(count(v.rows, "name=\"choice\""), 4);
    assert_int_equal(count(v.rows, "mandate:1"), 0);
    assert_int_equal(count(v.rows, "Generale Maatschappij"), 0);
    assert_true(strstr(v.rows, button("mandate:2")));
    /* a group whose only row cannot be chosen has no heading */
    in.token_baton = (void *)"self";
    v = build(&in);
    assert_int_equal(count(v.rows, "In eigen naam"), 0);
    assert_int_equal(count(v.rows, "<section"), 3);
}

/* The <li> holding the button of key, as a string; fails when absent. */
static const char *row_of(const char *html, const char *key)
{
    long b = at(html, button(key)), start = b, end;
    while (start > 0 && strncmp(html + start, "<li", 3) != 0)
        start--;
    end = b + at(html + b, "</li>");
    return apr_pstrndup(pool, html + start, (apr_size_t)(end - start));
}

static void test_expires_in(void **state)
{
    static const struct {
        mnd_time_t until;
        const char *want; /* NULL: no expiry shown */
    } cases[] = {
        {NOW + 3 * DAY, "verloopt over 3 dagen"},
        {NOW + 3 * 3600, "verloopt over 1 dag"},
        {NOW + 1, "verloopt over 1 dag"},
        {NOW + DAY, "verloopt over 1 dag"},
        {NOW + 2 * DAY + 1, "verloopt over 3 dagen"}, /* part of a day counts as a day */
        {NOW + 30 * DAY, "verloopt over 30 dagen"},
        {NOW + 30 * DAY + 1, NULL}, /* beyond the window: not worth saying */
        {NOW, NULL},                /* ended: the resolver would not offer it */
        {MND_TIME_NONE, NULL},
    };
    mnd_resolution_t *r = resolution();
    mnd_chooser_input_t in = input(r);
    mnd_chooser_view_t v;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        add_cap(r, apr_psprintf(pool, "mandate:%d", (int)i), MND_BASIS_MANDATE,
                party(apr_psprintf(pool, "04031707%02d", (int)i), "X", NULL), NULL)
            ->valid_until = cases[i].until;
    v = build(&in);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *li = row_of(v.rows, apr_psprintf(pool, "mandate:%d", (int)i));
        if (cases[i].want)
            assert_true(strstr(li, apr_pstrcat(pool, "<span class=\"expires\">", cases[i].want,
                                               "</span></button>", NULL)));
        else
            assert_int_equal(count(li, "expires"), 0);
    }
    in.lang = MND_LANG_DE;
    v = build(&in);
    assert_true(strstr(row_of(v.rows, "mandate:0"), "läuft in 3 Tagen ab"));
    assert_true(strstr(row_of(v.rows, "mandate:1"), "läuft in 1 Tag ab"));
}

/* ---- search ---- */

static long matched(const mnd_resolution_t *r, const char *search)
{
    mnd_chooser_input_t in = input(r);
    mnd_chooser_view_t v;
    in.search = search;
    v = build(&in);
    return v.matched;
}

static void test_search(void **state)
{
    mnd_resolution_t *r = five();
    const mnd_capacity_t *acme = APR_ARRAY_IDX(r->capacities, 1, mnd_capacity_t *);
    const mnd_capacity_t *gen = APR_ARRAY_IDX(r->capacities, 3, mnd_capacity_t *);
    const mnd_capacity_t *via = APR_ARRAY_IDX(r->capacities, 4, mnd_capacity_t *);
    (void)state;
    assert_true(mnd_chooser_matches(acme, NULL));
    assert_true(mnd_chooser_matches(acme, ""));
    assert_true(mnd_chooser_matches(acme, "   "));
    assert_false(mnd_chooser_matches(NULL, "acme"));
    /* names, case-insensitive, in any language, several words all needed */
    assert_true(mnd_chooser_matches(acme, "acme"));
    assert_true(mnd_chooser_matches(acme, "ACME SA"));
    assert_true(mnd_chooser_matches(acme, "  Acme   nv "));
    assert_false(mnd_chooser_matches(acme, "acme bv"));
    assert_true(mnd_chooser_matches(gen, "société"));
    assert_true(mnd_chooser_matches(gen, "SOCIÉTÉ"));
    assert_true(mnd_chooser_matches(gen, "Générale maatschappij"));
    assert_false(mnd_chooser_matches(gen, "societe")); /* accents are not folded away */
    assert_true(mnd_chooser_matches(gen, "\xC3"));     /* half a character is dropped: "" */
    assert_false(mnd_chooser_matches(gen, "x\xC3"));
    assert_true(mnd_chooser_matches(gen, "soci\xC3\x89t\xC3"));
    assert_true(mnd_chooser_matches(gen, "\xE2\x82"));
    assert_false(mnd_chooser_matches(gen, "\xE2\x82\xAC")); /* a whole euro sign */
    assert_false(mnd_chooser_matches(gen, "\x83"));
    assert_false(mnd_chooser_matches(gen, "\xC3\xA9\xFF\xFE"));
    /* the intermediary's name and number */
    assert_true(mnd_chooser_matches(via, "boekhoud"));
    assert_true(mnd_chooser_matches(via, "0878.065"));
    assert_true(mnd_chooser_matches(via, "vier cijfer"));
    /* numbers as people write them */
    assert_true(mnd_chooser_matches(acme, ACME));
    assert_true(mnd_chooser_matches(acme, "0123.456.749"));
    assert_true(mnd_chooser_matches(acme, "BE 0123 456 749"));
    assert_true(mnd_chooser_matches(acme, "be0123456749"));
    assert_true(mnd_chooser_matches(acme, "456.7"));
    assert_true(mnd_chooser_matches(acme, "123456749"));
    assert_false(mnd_chooser_matches(acme, "0123.456.748"));
    assert_false(mnd_chooser_matches(acme, "0123.456.749 x"));
    assert_true(
        mnd_chooser_matches(APR_ARRAY_IDX(r->capacities, 0, mnd_capacity_t *), "85.07.30-033.28"));
    /* through the view: counts */
    assert_int_equal(matched(r, "acme"), 1);
    assert_int_equal(matched(r, "0416"), 1);
    assert_int_equal(matched(r, "0"), 5); /* every number has a 0 */
    assert_int_equal(matched(r, "a"), 5);
    assert_int_equal(matched(r, "zzz"), 0);
    assert_int_equal(matched(r, "boekhoudkantoor"), 1);
}

static void test_search_text_normalised(void **state)
{
    mnd_chooser_input_t in = input(five());
    mnd_chooser_view_t v;
    char longs[600];
    int i;
    (void)state;
    /* 300 two-byte characters: cut at 200 bytes, on a character boundary */
    for (i = 0; i < 299; i++)
        memcpy(longs + 2 * i, "\xC3\xA9", 2);
    memcpy(longs + 598, "x", 2);
    in.search = longs + 1; /* starts inside a character: a byte that matches nothing */
    v = build(&in);
    assert_int_equal(strlen(v.search), MND_CHOOSER_MAX_SEARCH - 1);
    in.search = longs;
    v = build(&in);
    assert_int_equal(strlen(v.search), MND_CHOOSER_MAX_SEARCH);
    assert_int_equal(v.matched, 0);
    assert_string_equal(v.summary, "Gevonden: 0 van 5.");
    assert_true(strstr(v.rows, "<p class=\"none\">Geen resultaten voor uw zoekopdracht.</p>"));
    assert_string_equal(v.pager, "");
    in.search = "acme \xE2\x82";
    v = build(&in);
    assert_string_equal(v.search, "acme"); /* a cut character is not shown back */
    in.search = "\t acme \n";
    v = build(&in);
    assert_string_equal(v.search, "acme");
    assert_string_equal(v.summary, "Gevonden: 1 van 5.");
}

/* ---- paging ---- */

/* n capacities "mandate:<i>" for "Klant <i>" with enterprise numbers 1000000000 + i. */
static mnd_resolution_t *many(int n)
{
    mnd_resolution_t *r = resolution();
    int i;
    apr_array_header_t *read = codes("read", NULL);
    for (i = 0; i < n; i++) {
        mnd_capacity_t *c = add_cap(r, apr_psprintf(pool, "mandate:%d", i), MND_BASIS_MANDATE,
                                    party(apr_psprintf(pool, "%010d", 1000000000 + i),
                                          apr_psprintf(pool, "Klant %05d", i), NULL),
                                    NULL);
        c->actions = read;
    }
    return r;
}

static void test_paging(void **state)
{
    mnd_chooser_input_t in = input(many(120));
    mnd_chooser_view_t v;
    (void)state;
    v = build(&in);
    assert_int_equal(v.pages, 3);
    assert_int_equal(count(v.rows, "name=\"choice\""), 50);
    assert_true(strstr(v.rows, button("mandate:0")));
    assert_true(strstr(v.rows, button("mandate:49")));
    assert_string_equal(v.summary, "Mogelijkheden: 120. Pagina 1 van 3.");
    assert_true(strstr(v.pager, "<nav class=\"pager\" aria-label=\"Pagina&#39;s\">") ||
                strstr(v.pager, "<nav class=\"pager\" aria-label=\"Pagina's\">"));
    assert_int_equal(count(v.pager, "rel=\"prev\""), 0);
    assert_true(strstr(v.pager, "<a href=\"/mandaat/choose?page=2\" rel=\"next\">Volgende</a>"));
    assert_true(strstr(v.pager, "<a href=\"/mandaat/choose?page=1\" aria-label=\"Pagina 1\" "
                                "aria-current=\"page\">1</a>"));
    assert_int_equal(count(v.pager, "aria-current"), 1);

    in.page = 0; /* clamped up */
    v = build(&in);
    assert_int_equal(v.page, 1);
    in.page = -5;
    v = build(&in);
    assert_int_equal(v.page, 1);
    in.page = 99; /* clamped down to the last page */
    v = build(&in);
    assert_int_equal(v.page, 3);
    assert_int_equal(count(v.rows, "name=\"choice\""), 20);
    assert_true(strstr(v.rows, button("mandate:100")));
    assert_true(strstr(v.rows, button("mandate:119")));
    assert_int_equal(count(v.rows, button("mandate:99")), 0);
    assert_int_equal(count(v.pager, "rel=\"next\""), 0);
    assert_true(strstr(v.pager, "<a href=\"/mandaat/choose?page=2\" rel=\"prev\">Vorige</a>"));
    assert_true(strstr(v.pager, "aria-label=\"Pagina 3\" aria-current=\"page\">3</a>"));
    /* the group heading is repeated on every page */
    assert_true(strstr(v.rows, "<h2>Met een mandaat</h2>"));

    in.page = 2;
    in.page_size = 0; /* default */
    v = build(&in);
    assert_int_equal(count(v.rows, "name=\"choice\""), 50);
    assert_true(strstr(v.rows, button("mandate:50")));
    in.page_size = 7;
    v = build(&in);
    assert_int_equal(v.pages, 18);
    assert_int_equal(count(v.rows, "name=\"choice\""), 7);
    assert_true(strstr(v.rows, button("mandate:7")));
    assert_true(strstr(v.rows, button("mandate:13")));
    in.page_size = 100000; /* capped at the maximum */
    in.page = 1;
    in.res = many(1200);
    v = build(&in);
    assert_int_equal(v.pages, 3);
    assert_int_equal(count(v.rows, "name=\"choice\""), MND_CHOOSER_MAX_PAGE_SIZE);
}

static void test_pager_window(void **state)
{
    mnd_chooser_input_t in = input(many(500));
    mnd_chooser_view_t v;
    (void)state;
    in.page_size = 10; /* 50 pages */
    in.page = 25;
    v = build(&in);
    /* first, last, and two either side of the current page, gaps between */
    assert_true(strstr(v.pager, ">1</a>"));
    assert_true(strstr(v.pager, ">23</a>"));
    assert_true(strstr(v.pager, ">27</a>"));
    assert_true(strstr(v.pager, ">50</a>"));
    assert_int_equal(count(v.pager, ">22</a>"), 0);
    assert_int_equal(count(v.pager, ">28</a>"), 0);
    assert_int_equal(count(v.pager, "class=\"gap\""), 2);
    assert_int_equal(count(v.pager, "<li>"), 2 + 2 + 5);
}

static void test_pager_links_escaped(void **state)
{
    mnd_chooser_input_t in = input(many(120));
    mnd_chooser_view_t v;
    const char *q;
    (void)state;
    in.search = "<script>\"Klant\" & 'x'"; /* matches nothing; then a real one */
    v = build(&in);
    assert_string_equal(v.pager, "");
    in.search = "klant <script>";
    v = build(&in);
    assert_int_equal(v.matched, 0);
    in.search = "Klant&0";
    v = build(&in);
    assert_int_equal(v.matched, 0);

    /* a search that matches everything but carries every dangerous character */
    in.search = "0 \"&<>'?#%/+";
    in.res = many(120);
    v = build(&in);
    assert_int_equal(v.matched, 0); /* not digits only and no name has these: nothing */
    in.search = "klant";
    in.self_url = "/mandaat/choose?txn=a&b"; /* already has a query: &, entity-escaped */
    v = build(&in);
    assert_int_equal(v.pages, 3);
    assert_true(strstr(v.pager, "href=\"/mandaat/choose?txn=a&amp;b&amp;q=klant&amp;page=2\""));

    /* the search text is percent-encoded, then entity-escaped */
    in.self_url = "/mandaat/choose";
    in.search = "klant \"<&>\"";
    in.res = many(120);
    v = build(&in);
    q = mnd_url_component(pool, "klant \"<&>\"");
    assert_string_equal(q, "klant+%22%3c%26%3e%22");
    /* nothing matches (every word must), so build a search that does: names with markup */
    {
        mnd_resolution_t *r = many(120);
        int i;
        for (i = 0; i < r->capacities->nelts; i++)
            ((mnd_party_t *)APR_ARRAY_IDX(r->capacities, i, mnd_capacity_t *)->party)
                ->name[MND_LANG_FR] = "Le \"<&>\" client";
        in.res = r;
        in.search = "\"<&>\"";
        in.page = 2;
        v = build(&in);
        assert_int_equal(v.matched, 120);
        assert_true(strstr(v.pager, "href=\"/mandaat/choose?q=%22%3c%26%3e%22&amp;page=1\" "
                                    "rel=\"prev\""));
        assert_true(strstr(v.pager, "href=\"/mandaat/choose?q=%22%3c%26%3e%22&amp;page=3\" "
                                    "rel=\"next\""));
        assert_int_equal(count(v.pager, "<&>"), 0);
        assert_int_equal(count(v.pager, "\"<"), 0);
        assert_string_equal(v.search, "\"<&>\"");
        assert_string_equal(v.summary, "Gevonden: 120 van 120. Pagina 2 van 3.");
    }
}

static void test_empty_resolution(void **state)
{
    mnd_chooser_input_t in = input(resolution());
    mnd_chooser_view_t v;
    (void)state;
    in.page = 3;
    v = build(&in);
    assert_int_equal(v.total, 0);
    assert_int_equal(v.matched, 0);
    assert_int_equal(v.page, 1);
    assert_int_equal(v.pages, 1);
    assert_string_equal(v.rows,
                        "<p class=\"none\">U kunt bij deze dienst voor niemand handelen.</p>");
    assert_string_equal(v.pager, "");
    assert_string_equal(v.summary, "");
}

static void test_bad_input(void **state)
{
    mnd_chooser_input_t in = input(five());
    mnd_chooser_view_t v;
    (void)state;
    MND_ASSERT_ERR(mnd_chooser_build(pool, NULL, &v), MND_EINVAL, "required");
    MND_ASSERT_ERR(mnd_chooser_build(pool, &in, NULL), MND_EINVAL, "required");
    in.token = NULL;
    MND_ASSERT_ERR(mnd_chooser_build(pool, &in, &v), MND_EINVAL, "offer-token");
    in = input(five());
    in.self_url = NULL;
    MND_ASSERT_ERR(mnd_chooser_build(pool, &in, &v), MND_EINVAL, "own URL");
    in = input(NULL);
    MND_ASSERT_ERR(mnd_chooser_build(pool, &in, &v), MND_EINVAL, "resolution");
    in = input(five());
    in.cat = NULL;
    MND_ASSERT_ERR(mnd_chooser_build(pool, &in, &v), MND_EINVAL, "catalogue");
}

/* ---- 20,000 capacities ---- */

static void test_twenty_thousand(void **state)
{
    mnd_resolution_t *r = many(20000);
    mnd_chooser_input_t in = input(r);
    apr_array_header_t *rec = apr_array_make(pool, 5, sizeof(const char *));
    mnd_chooser_view_t v;
    int i, want = 0;
    (void)state;
    APR_ARRAY_PUSH(rec, const char *) = "mandate:19999";
    APR_ARRAY_PUSH(rec, const char *) = "mandate:5";
    in.recent = rec;
    in.hint_key = "mandate:12345";
    v = build(&in);
    assert_int_equal(v.total, 20000);
    assert_int_equal(v.matched, 20000);
    assert_int_equal(v.pages, 400);
    assert_int_equal(count(v.rows, "name=\"choice\""), 50);
    assert_true(at(v.rows, button("mandate:12345")) < at(v.rows, button("mandate:19999")));
    assert_true(at(v.rows, button("mandate:19999")) < at(v.rows, button("mandate:5")));
    assert_true(at(v.rows, button("mandate:5")) < at(v.rows, button("mandate:0")));
    /* page 1 holds 3 lead rows and mandate:0..46 (5 is a lead row, so 0..47 less one) */
    assert_true(strstr(v.rows, button("mandate:47")));
    assert_int_equal(count(v.rows, button("mandate:48")), 0);
    in.page = 400;
    v = build(&in);
    assert_int_equal(count(v.rows, "name=\"choice\""), 50);
    assert_true(strstr(v.rows, button("mandate:19998")));
    assert_int_equal(count(v.rows, button("mandate:19999")), 0); /* listed first, not here */
    assert_int_equal(count(v.rows, button("mandate:12345")), 0);

    /* a search: the same count as an independent scan */
    for (i = 0; i < 20000; i++)
        if (strstr(apr_psprintf(pool, "Klant %05d", i), "123"))
            want++;
    in.search = "KLANT 123";
    in.page = 2;
    v = build(&in);
    assert_int_equal(v.matched, want);
    assert_int_equal(v.pages, (want + 49) / 50);
    assert_int_equal(count(v.rows, "name=\"choice\""), want - 50 < 50 ? want - 50 : 50);
    /* a number: enterprise numbers 1000000000 + i */
    in.search = "1000.012.345";
    in.page = 1;
    v = build(&in);
    assert_int_equal(v.matched, 1);
    assert_true(strstr(v.rows, "<h2>Voorgesteld</h2>"));
    in.search = "100001234"; /* a prefix: ten of them */
    v = build(&in);
    assert_int_equal(v.matched, 10);
    assert_int_equal(count(v.rows, "name=\"choice\""), 10);
}

/* ---- why ---- */

static mnd_near_miss_t *miss(mnd_resolution_t *r, mnd_miss_reason_t reason, mnd_basis_t b,
                             const mnd_party_t *pt, const mnd_party_t *via)
{
    mnd_near_miss_t *nm = apr_pcalloc(pool, sizeof(*nm));
    nm->reason = reason;
    nm->basis = b;
    nm->party = pt;
    nm->via = via;
    nm->since = MND_TIME_NONE;
    APR_ARRAY_PUSH(r->near_misses, mnd_near_miss_t *) = nm;
    return nm;
}

static void test_why_every_reason(void **state)
{
    mnd_resolution_t *r = resolution();
    const mnd_party_t *giver = party("0403170701", "Giver <nv>", NULL);
    const mnd_party_t *firm = party("0878065378", "Boekhoudkantoor", NULL);
    const char *html, *en;
    mnd_near_miss_t *nm;
    int i;
    (void)state;
    nm = miss(r, MND_MISS_MANDATE_PENDING, MND_BASIS_MANDATE, giver, NULL);
    nm->since = 1704153600; /* 2024-01-02 */
    nm->awaiting = "0403170701";
    nm = miss(r, MND_MISS_MANDATE_PENDING, MND_BASIS_MANDATE, giver, NULL);
    nm->since = 1704153600;
    nm->awaiting = PERSON;
    nm = miss(r, MND_MISS_MANDATE_PENDING, MND_BASIS_MANDATE, giver, firm);
    nm->since = 1704153600;
    nm->awaiting = "0878065378";
    nm = miss(r, MND_MISS_MANDATE_PENDING, MND_BASIS_MANDATE, party("90020199704", "Els", NULL),
              NULL);
    nm->since = 1704153600;
    nm->awaiting = "90020199704";
    miss(r, MND_MISS_MANDATE_EXPIRED, MND_BASIS_MANDATE, giver, NULL)->since = 1704153600;
    miss(r, MND_MISS_MANDATE_NOT_YET_VALID, MND_BASIS_MANDATE, giver, NULL)->since = 1735689600;
    miss(r, MND_MISS_MANDATE_REVOKED, MND_BASIS_MANDATE, giver, firm)->since = 1704153600;
    miss(r, MND_MISS_MISSING_EXECUTOR_RIGHT, MND_BASIS_MANDATE, NULL, firm)->count = 12;
    miss(r, MND_MISS_KBO_FUNCTION_ENDED, MND_BASIS_KBO, party(ACME, "ACME", NULL), NULL)->since =
        1704153600;
    miss(r, MND_MISS_ENTERPRISE_STOPPED, MND_BASIS_KBO, party(ACME, "ACME", NULL), NULL);
    miss(r, MND_MISS_ENTERPRISE_STOPPED, MND_BASIS_MANDATE, NULL, firm)->count = 3;
    miss(r, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_SELF, party(PERSON, NULL, NULL), NULL);
    miss(r, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_MANDATE, NULL, NULL)->count = 4;
    miss(r, MND_MISS_LOA_TOO_LOW, MND_BASIS_SELF, NULL, NULL)->required_loa = 400;
    miss(r, MND_MISS_RIGHT_ENDED, MND_BASIS_RIGHT, party("0200065765", "Bakkerij", NULL), NULL)
        ->since = 1704153600;
    html = mnd_why_build(pool, r, mnd_catalog_builtin(), MND_LANG_NL, NOW);
    assert_int_equal(at(html, "<ul class=\"misses\">"), 0);
    assert_int_equal(count(html, "<li "), r->near_misses->nelts);
    for (i = 0; i < MND_MISS__N; i++)
        assert_true(
            strstr(html, apr_pstrcat(pool, "<li class=\"miss ",
                                     mnd_miss_reason_code((mnd_miss_reason_t)i), "\">", NULL)));
    /* pending: who must approve, by name; the person themself; a person (no manager) */
    assert_true(strstr(html, "Het mandaat wacht sinds 02/01/2024 op goedkeuring door Giver "
                             "&lt;nv&gt;.</p><p class=\"advice\">Vraag een mandaatbeheerder van "
                             "Giver &lt;nv&gt; om het mandaat goed te keuren.</p>"));
    assert_true(strstr(html, "op goedkeuring door uzelf.</p><p class=\"advice\">U kunt het "
                             "mandaat zelf goedkeuren in het mandatenbeheer.</p>"));
    assert_true(strstr(html, "op goedkeuring door Boekhoudkantoor.</p><p class=\"advice\">Vraag "
                             "een mandaatbeheerder van Boekhoudkantoor"));
    assert_true(strstr(html, "op goedkeuring door Els.</p><p class=\"advice\">Vraag Els om het "
                             "mandaat goed te keuren.</p>"));
    /* the party line: name, number, intermediary */
    assert_true(strstr(html, "<p class=\"party\"><span class=\"name\">Giver &lt;nv&gt;</span> "
                             "<span class=\"id\">Ondernemingsnummer 0403.170.701</span> <span "
                             "class=\"via\">via Boekhoudkantoor</span></p>"));
    assert_true(strstr(html, "Het mandaat is verlopen op 02/01/2024.</p><p class=\"advice\">"
                             "Vraag Giver &lt;nv&gt; om een nieuw mandaat.</p>"));
    assert_true(strstr(html, "Het mandaat is pas geldig vanaf 01/01/2025."));
    assert_true(strstr(html, "Het mandaat is ingetrokken op 02/01/2024.</p><p class=\"advice\">"
                             "Was de intrekking een vergissing"));
    assert_true(strstr(html, "Boekhoudkantoor heeft 12 mandaten gekregen, maar u hebt bij "
                             "Boekhoudkantoor niet het recht SSM Mandaatuitvoerder."));
    assert_true(strstr(html, "De hoofdtoegangsbeheerder van Boekhoudkantoor weet het"));
    assert_true(strstr(html, "Uw functie bij ACME is beëindigd op 02/01/2024.</p><p class=\""
                             "advice\">Klopt dit niet"));
    assert_true(strstr(html, "De onderneming ACME is stopgezet.</p></li>")); /* no advice */
    assert_true(strstr(html, "De onderneming Boekhoudkantoor is stopgezet. Aantal mandaten: 3."
                             "</p><p class=\"advice\">Wie een mandaat gaf aan Boekhoudkantoor"));
    assert_true(strstr(html, "aanvaardt geen toegang op deze basis: In eigen naam."));
    assert_true(strstr(html, "<li class=\"miss basis_not_accepted\"><p class=\"reason\">Deze "
                             "dienst aanvaardt geen toegang op deze basis: Met een mandaat. "
                             "Aantal mandaten: 4.</p>"));
    assert_true(strstr(html, "<span class=\"id\">Rijksregisternummer 85.07.30-***.**</span>"));
    assert_true(strstr(html, "betrouwbaarheidsniveau 400 of hoger.</p><p class=\"advice\">Meld "
                             "u opnieuw aan met uw eID-kaart of met itsme.</p>"));
    assert_true(strstr(html, "Uw recht voor deze dienst bij Bakkerij is beëindigd op 02/01/2024."
                             "</p><p class=\"advice\">Vraag de lokale beheerder van Bakkerij"));
    assert_int_equal(count(html, "<nv>"), 0);
    assert_int_equal(count(html, "{"), 0); /* every argument supplied */

    en = mnd_why_build(pool, r, mnd_catalog_builtin(), MND_LANG_EN, NOW);
    assert_true(strstr(en, "The mandate has been awaiting approval by you since 02/01/2024."));
    assert_true(strstr(en, "Ask the local administrator of Bakkerij to grant you the right "
                           "again."));
    assert_int_equal(count(en, "{"), 0);
    for (i = 0; i < MND_LANG__N; i++)
        assert_int_equal(
            count(mnd_why_build(pool, r, mnd_catalog_builtin(), (mnd_lang_t)i, NOW), "{"), 0);
    assert_true(strstr(mnd_why_build(pool, r, mnd_catalog_builtin(), MND_LANG_DE, NOW),
                       "seit dem 02.01.2024"));
}

static void test_why_none(void **state)
{
    mnd_resolution_t *r = resolution();
    (void)state;
    assert_string_equal(mnd_why_build(pool, r, mnd_catalog_builtin(), MND_LANG_NL, NOW),
                        "<p class=\"none\">We vonden geen andere partijen waarvoor u zou "
                        "kunnen handelen.</p>");
    assert_true(strstr(mnd_why_build(pool, NULL, NULL, MND_LANG_EN, NOW), "We found no other"));
}

/* ---- the shipped templates ---- */

/* The placeholder lists the module declares (mod_mandaat/pages.c). */
#define COMMON "lang", "nonce", "service_name", "actor_name"
static const char *const chooser_names[] = {
    COMMON,  "form_action", "csrf",       "search",  "search_action", "summary", "rows",
    "pager", "why_url",     "cancel_url", "matched", "total",         NULL};
static const char *const why_names[] = {COMMON, "misses", "back_url", NULL};
static const char *const error_names[] = {COMMON, "title", "message", "back", "reference", NULL};
static const char *const post_names[] = {COMMON, "title", "message", "action", "fields", "auto",
                                         NULL};

static const char *template_path(const char *file)
{
    const char *top = getenv("top_srcdir");
    const char *here = __FILE__, *slash = strrchr(here, '/');
    if (top && *top)
        return apr_pstrcat(pool, top, "/conf/templates/", file, NULL);
    return apr_pstrcat(pool, slash ? apr_pstrndup(pool, here, (apr_size_t)(slash - here)) : ".",
                       "/../../conf/templates/", file, NULL);
}

static mnd_template_t *load(const char *file, const char *const *names)
{
    mnd_template_t *t = NULL;
    MND_ASSERT_OK(mnd_template_load(pool, template_path(file), names, mnd_catalog_builtin(), &t));
    return t;
}

static apr_hash_t *common_values(void)
{
    apr_hash_t *h = apr_hash_make(pool);
    apr_hash_set(h, "lang", APR_HASH_KEY_STRING, "fr");
    apr_hash_set(h, "nonce", APR_HASH_KEY_STRING, "N0nce\"x");
    apr_hash_set(h, "service_name", APR_HASH_KEY_STRING, "Tax <on> \"web\"");
    apr_hash_set(h, "actor_name", APR_HASH_KEY_STRING, "Jan <b>Peeters</b>");
    return h;
}

#define NONCED "<script nonce=\"N0nce&quot;x\">"

static void check_common(const char *out, const char *file)
{
    const char *s;
    if (!strstr(out, "<html lang=\"fr\">"))
        fail_msg("%s: no lang attribute", file);
    assert_true(strstr(out, "<a class=\"skip\" href=\"#main\">Aller au contenu</a>"));
    assert_true(strstr(out, "<main id=\"main\""));
    assert_true(strstr(out, "<style nonce=\"N0nce&quot;x\">"));
    assert_int_equal(count(out, "<b>"), 0);
    assert_int_equal(count(out, "<on>"), 0);
    assert_int_equal(count(out, "{{"), 0);
    assert_true(strstr(out, "Tax &lt;on&gt; &quot;web&quot;"));
    assert_true(strstr(out, "Jan &lt;b&gt;Peeters&lt;/b&gt;"));
    /* no inline style attributes, event handlers or external resources (the CSP forbids
     * them); every script carries the nonce */
    assert_int_equal(count(out, " style="), 0);
    assert_int_equal(count(out, " onclick"), 0);
    assert_int_equal(count(out, "src="), 0);
    assert_int_equal(count(out, "<link"), 0);
    assert_int_equal(count(out, "http"), 0);
    for (s = out; (s = strstr(s, "<script")); s++)
        assert_int_equal(strncmp(s, NONCED, strlen(NONCED)), 0);
}

static void test_template_chooser(void **state)
{
    mnd_template_t *t = load("chooser.html", chooser_names);
    mnd_chooser_input_t in = input(five());
    mnd_chooser_view_t v;
    apr_hash_t *h = common_values();
    const char *out;
    (void)state;
    in.lang = MND_LANG_FR;
    in.search = "\"><script>x</script>";
    v = build(&in);
    apr_hash_set(h, "form_action", APR_HASH_KEY_STRING, "/mandaat/choose");
    apr_hash_set(h, "csrf", APR_HASH_KEY_STRING, "c\"srf");
    apr_hash_set(h, "search", APR_HASH_KEY_STRING, v.search);
    apr_hash_set(h, "search_action", APR_HASH_KEY_STRING, "javascript:alert(1)");
    apr_hash_set(h, "summary", APR_HASH_KEY_STRING, v.summary);
    apr_hash_set(h, "rows", APR_HASH_KEY_STRING, v.rows);
    apr_hash_set(h, "pager", APR_HASH_KEY_STRING, v.pager);
    apr_hash_set(h, "why_url", APR_HASH_KEY_STRING, "/mandaat/why?txn=a&b");
    apr_hash_set(h, "cancel_url", APR_HASH_KEY_STRING, "/mandaat/cancel");
    apr_hash_set(h, "matched", APR_HASH_KEY_STRING, "0");
    apr_hash_set(h, "total", APR_HASH_KEY_STRING, "5");
    out = mnd_template_render(pool, t, h, MND_LANG_FR);
    check_common(out, "chooser.html");
    assert_true(strstr(out, "<h1>Pour qui agissez-vous ?</h1>"));
    assert_true(strstr(out, "<form id=\"choose\" method=\"post\" action=\"/mandaat/choose\">"));
    assert_int_equal(count(out, "<input type=\"hidden\" name=\"csrf\" value=\"c&quot;srf\">"), 2);
    assert_true(strstr(out, "name=\"q\" value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
    assert_true(strstr(out, "action=\"\">")); /* javascript: never becomes a form action */
    assert_true(strstr(out, "<label for=\"q\">"));
    assert_true(strstr(out, "href=\"/mandaat/why?txn=a&amp;b\""));
    assert_true(strstr(out, "<form class=\"cancel\" method=\"post\" action=\"/mandaat/cancel\">"));
    assert_true(strstr(out, "role=\"status\" data-found=\"Trouvé : {1} sur {2}.\">Trouvé : 0 "
                            "sur 5.</p>"));
    assert_true(strstr(out, "Aucun résultat pour votre recherche."));
}

static void test_template_why_and_error(void **state)
{
    mnd_template_t *why = load("why.html", why_names), *err = load("error.html", error_names);
    mnd_resolution_t *r = resolution();
    apr_hash_t *h = common_values();
    const char *out;
    (void)state;
    miss(r, MND_MISS_ENTERPRISE_STOPPED, MND_BASIS_KBO, party(ACME, "<i>ACME</i>", NULL), NULL);
    apr_hash_set(h, "misses", APR_HASH_KEY_STRING,
                 mnd_why_build(pool, r, mnd_catalog_builtin(), MND_LANG_FR, NOW));
    apr_hash_set(h, "back_url", APR_HASH_KEY_STRING, "/mandaat/choose?x=1&y=2");
    out = mnd_template_render(pool, why, h, MND_LANG_FR);
    check_common(out, "why.html");
    assert_true(strstr(out, "<h1>Pourquoi une partie manque-t-elle ?</h1>"));
    assert_true(strstr(out, "L&#39;entreprise &lt;i&gt;ACME&lt;/i&gt;") ||
                strstr(out, "L'entreprise &lt;i&gt;ACME&lt;/i&gt;"));
    assert_true(strstr(out, "href=\"/mandaat/choose?x=1&amp;y=2\">Retour au choix</a>"));

    h = common_values();
    apr_hash_set(h, "title", APR_HASH_KEY_STRING, "Titre <t>");
    apr_hash_set(h, "message", APR_HASH_KEY_STRING, "Message <m> & \"q\"");
    apr_hash_set(h, "back", APR_HASH_KEY_STRING, "<p><a class=\"back\" href=\"/x\">Retour</a></p>");
    apr_hash_set(h, "reference", APR_HASH_KEY_STRING, "Référence : <r>");
    out = mnd_template_render(pool, err, h, MND_LANG_FR);
    check_common(out, "error.html");
    assert_true(strstr(out, "<title>Titre &lt;t&gt;</title>"));
    assert_true(strstr(out, "<h1>Titre &lt;t&gt;</h1>"));
    assert_true(strstr(out, "Message &lt;m&gt; &amp; &quot;q&quot;"));
    assert_true(strstr(out, "<p><a class=\"back\" href=\"/x\">Retour</a></p>"));
    assert_true(strstr(out, "Référence : &lt;r&gt;"));
    /* without values every page still renders */
    assert_non_null(mnd_template_render(pool, err, NULL, MND_LANG_NL));
    assert_non_null(mnd_template_render(pool, why, NULL, MND_LANG_DE));
}

/* The posting page (SAML Response, OIDC form_post): the fields come as markup the module built
 * from escaped parts (mnd_post_page), everything else is escaped by the template. */
static void test_template_post(void **state)
{
    mnd_template_t *t = load("post.html", post_names);
    apr_hash_t *h = common_values();
    const char *out;
    (void)state;
    apr_hash_set(h, "title", APR_HASH_KEY_STRING, "Retour <t>");
    apr_hash_set(h, "message", APR_HASH_KEY_STRING, "Message <m>");
    apr_hash_set(h, "action", APR_HASH_KEY_STRING, "/cb?a=1&b=\"2\"");
    apr_hash_set(h, "fields", APR_HASH_KEY_STRING,
                 "<input type=\"hidden\" name=\"code\" value=\"c&amp;d\">\n"
                 "<input type=\"hidden\" name=\"state\" value=\"&lt;s&gt;\">\n");
    apr_hash_set(h, "auto", APR_HASH_KEY_STRING, "1");
    out = mnd_template_render(pool, t, h, MND_LANG_FR);
    check_common(out, "post.html");
    assert_true(strstr(out, "<h1>Retour &lt;t&gt;</h1>"));
    assert_true(strstr(out, "Message &lt;m&gt;"));
    assert_true(strstr(out, "<form id=\"post\" method=\"post\" action=\"/cb?a=1&amp;b=&quot;2&quot;\" "
                            "data-auto=\"1\">"));
    assert_true(strstr(out, "<input type=\"hidden\" name=\"code\" value=\"c&amp;d\">\n"
                            "<input type=\"hidden\" name=\"state\" value=\"&lt;s&gt;\">"));
    assert_int_equal(count(out, "<input"), 2);
    assert_true(strstr(out, "<button type=\"submit\" class=\"primary\">Continuer</button>"));
}

/* A page may not use a name the module does not supply: each template fails with a shorter
 * list (proves the lists above are what the templates need, and the test is not vacuous). */
static void test_template_names_needed(void **state)
{
    static const char *const only_common[] = {COMMON, NULL};
    static const char *const files[] = {"chooser.html", "why.html", "error.html", "post.html"};
    mnd_template_t *t;
    int i;
    (void)state;
    for (i = 0; i < 4; i++)
        MND_ASSERT_ERR(mnd_template_load(pool, template_path(files[i]), only_common,
                                         mnd_catalog_builtin(), &t),
                       MND_EINVAL, "unknown placeholder");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping_order),
        cmocka_unit_test(test_recent_first),
        cmocka_unit_test(test_hint_first),
        cmocka_unit_test(test_row_content),
        cmocka_unit_test(test_markup_escaped),
        cmocka_unit_test(test_token_escaped_and_null),
        cmocka_unit_test(test_expires_in),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_search_text_normalised),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_pager_window),
        cmocka_unit_test(test_pager_links_escaped),
        cmocka_unit_test(test_empty_resolution),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_twenty_thousand),
        cmocka_unit_test(test_why_every_reason),
        cmocka_unit_test(test_why_none),
        cmocka_unit_test(test_template_chooser),
        cmocka_unit_test(test_template_why_and_error),
        cmocka_unit_test(test_template_post),
        cmocka_unit_test(test_template_names_needed),
    };
    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, setup, teardown);
}
