/* The chooser's rows, search, paging and summary, and the "why is a party missing?" list.
 *
 * Cost is what shapes this file: a person may hold 20,000 capacities, and the page must be
 * built in a few milliseconds. So matching allocates nothing (the search is folded once; each
 * capacity is compared in place), the matches are kept in a bitmap rather than a list, and
 * strings (offer tokens, names, escaped markup) are made only for the rows of the page shown.
 * Every text comes from the catalogue and every value is escaped where it is put into markup.
 * See docs/chooser.md. */
#include "html/chooser.h"

#include "html/template.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <string.h>

#define MAX_TERMS 16   /* words of a search that must all match; more are ignored */
#define MAX_LEAD 32    /* recent keys considered (the store keeps 5) */
#define LEAD_SLOTS 128 /* open-addressing table of lead keys: a power of 2, > 2 * MAX_LEAD */
#define EXPIRY_WINDOW (30 * 86400) /* "expires in N days" within this */
#define PAGER_SPREAD 2             /* page links either side of the current one */

/* ---- search ---------------------------------------------------------------------------- */

typedef struct matcher_t {
    char buf[MND_CHOOSER_MAX_SEARCH + 1];    /* the folded search text */
    char digits[MND_CHOOSER_MAX_SEARCH + 1]; /* digit mode: its digits only */
    size_t ndigits;
    int nterms;
    const char *term[MAX_TERMS];
    size_t tlen[MAX_TERMS];
    const mnd_party_t *via; /* the last intermediary seen, and what it matched */
    unsigned via_terms;
    int via_digits;
} matcher_t;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Byte j of s folded to lower case: ASCII A-Z, and the Latin-1 capitals U+00C0..U+00DE
 * (bytes C3 80..9E but not the multiplication sign C3 97), whose lower-case forms are C3 A0..BE.
 * Both keep their length, so a folded comparison needs no copy; other bytes are compared as
 * they are, so multibyte text is never split or altered. */
static unsigned char fold_at(const unsigned char *s, size_t j)
{
    unsigned char c = s[j];
    if (c >= 'A' && c <= 'Z')
        return (unsigned char)(c + 32);
    if (c >= 0x80 && c <= 0x9E && c != 0x97 && j > 0 && s[j - 1] == 0xC3)
        return (unsigned char)(c + 0x20);
    return c;
}

/* Whether folded needle [n, n+len) occurs in hay. The first byte is found by comparing
 * against its two case forms only (the hot loop: 20,000 capacities, several texts each);
 * the rest is compared folded. A needle starts at a character boundary (search_span), so a
 * match does too. */
static int contains_folded(const char *hay, const char *n, size_t len)
{
    const unsigned char *h = (const unsigned char *)hay, *nd = (const unsigned char *)n;
    unsigned char c0 = nd[0], c1 = (c0 >= 'a' && c0 <= 'z') ? (unsigned char)(c0 - 32) : c0;
    size_t k;
    if (!hay)
        return 0;
    for (; *h; h++) {
        if (*h != c0 && *h != c1)
            continue;
        for (k = 1; k < len; k++) {
            if (!h[k])
                return 0; /* hay ends: no later start has room either */
            if (fold_at(h, k) != nd[k])
                break;
        }
        if (k == len)
            return 1;
    }
    return 0;
}

/* Bytes at the end of s[0..len) that start a multibyte character but do not finish it (a
 * search cut short by the client): matching half a character would match every text that
 * has the other half's neighbours, and it cannot be shown back. */
static size_t incomplete_tail(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = len, need;
    while (i > 0 && len - i < 3 && (u[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0 || u[i - 1] < 0xC0)
        return 0; /* ASCII, or continuation bytes without a lead: left to fail matching */
    need = u[i - 1] >= 0xF0 ? 4 : u[i - 1] >= 0xE0 ? 3 : 2;
    return len - (i - 1) < need ? len - (i - 1) : 0;
}

/* Length of s trimmed of white space and cut to MND_CHOOSER_MAX_SEARCH bytes at a character
 * boundary; *start gets the first byte kept. */
static size_t search_span(const char *s, const char **start)
{
    size_t len;
    while (*s && is_space((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && is_space((unsigned char)s[len - 1]))
        len--;
    if (len > MND_CHOOSER_MAX_SEARCH) {
        len = MND_CHOOSER_MAX_SEARCH;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--; /* never cut a multibyte character in two */
    }
    len -= incomplete_tail(s, len);
    while (len > 0 && is_space((unsigned char)s[len - 1]))
        len--;
    *start = s;
    return len;
}

/* Digit mode: the search is a number as people write it (0123.456.749, BE 0123 456 749,
 * 85.07.30-033.28): digits and separators only, at least one digit, an optional BE. */
static void detect_digits(matcher_t *m)
{
    const char *s = m->buf;
    if (s[0] == 'b' && s[1] == 'e')
        s += 2;
    m->ndigits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            m->digits[m->ndigits++] = *s;
        else if (!strchr(" \t.-/", *s))
            break;
    }
    if (*s)
        m->ndigits = 0;
    m->digits[m->ndigits] = '\0';
}

static void matcher_init(matcher_t *m, const char *search)
{
    const char *s;
    size_t len = search_span(search ? search : "", &s), i;
    memcpy(m->buf, s, len);
    m->buf[len] = '\0';
    for (i = 0; i < len; i++)
        m->buf[i] = (char)fold_at((const unsigned char *)s, i);
    detect_digits(m);
    m->via = NULL;
    m->via_terms = 0;
    m->via_digits = 0;
    m->nterms = 0;
    for (i = 0; i < len && m->nterms < MAX_TERMS;) {
        size_t j = i;
        while (j < len && !is_space((unsigned char)m->buf[j]))
            j++;
        if (j > i) {
            m->term[m->nterms] = m->buf + i;
            m->tlen[m->nterms++] = j - i;
        }
        i = j + 1;
    }
}

static int party_has(const mnd_party_t *pt, const char *t, size_t len)
{
    int l;
    if (!pt)
        return 0;
    for (l = 0; l < MND_LANG__N; l++)
        if (pt->name[l] && (l == 0 || pt->name[l] != pt->name[l - 1]) &&
            contains_folded(pt->name[l], t, len))
            return 1;
    return contains_folded(pt->id, t, len);
}

/* What an intermediary matches: the terms (a bit each) and, in digit mode, the number. An
 * intermediary is shared by thousands of rows, so this is kept for the last one seen. */
static void via_terms(matcher_t *m, const mnd_party_t *via)
{
    int i;
    if (via == m->via)
        return;
    m->via = via;
    m->via_terms = 0;
    m->via_digits = via && m->ndigits && contains_folded(via->id, m->digits, m->ndigits);
    for (i = 0; via && i < m->nterms; i++)
        if (party_has(via, m->term[i], m->tlen[i]))
            m->via_terms |= 1u << i;
}

static int match_cap(matcher_t *m, const mnd_capacity_t *c)
{
    int i;
    if (m->nterms == 0)
        return 1;
    via_terms(m, c->via);
    if (m->ndigits &&
        (m->via_digits || contains_folded(c->party ? c->party->id : NULL, m->digits, m->ndigits)))
        return 1;
    for (i = 0; i < m->nterms; i++)
        if (!(m->via_terms & (1u << i)) && !party_has(c->party, m->term[i], m->tlen[i]))
            return 0;
    return 1;
}

int mnd_chooser_matches(const mnd_capacity_t *c, const char *search)
{
    matcher_t m;
    if (!c)
        return 0;
    matcher_init(&m, search);
    return match_cap(&m, c);
}

/* ---- texts ----------------------------------------------------------------------------- */

typedef struct texts_t {
    apr_pool_t *p;
    const mnd_catalog_t *cat;
    mnd_lang_t lang;
} texts_t;

/* The message key (raw text); the key itself if a catalogue lacks it, which the built-in one
 * never does (test_i18n), so a page never shows nothing where a text belongs. */
static const char *msg(const texts_t *t, const char *key)
{
    const char *m = mnd_msg(t->cat, t->lang, key);
    return m ? m : key;
}

static const char *msg_n(const texts_t *t, const char *key, int n, const char *a1, const char *a2)
{
    const char *args[2] = {a1, a2};
    const char *m = mnd_msg_args(t->p, t->cat, t->lang, key, n, args);
    return m ? m : key;
}

static const char *esc(const texts_t *t, const char *s)
{
    return mnd_html_text(t->p, s);
}

static int is_org(const mnd_party_t *pt)
{
    return pt->kind == MND_PARTY_ORG ||
           (pt->kind != MND_PARTY_PERSON && pt->id && strlen(pt->id) == MND_KBO_LEN);
}

/* A party's identifier as shown: enterprise numbers formatted, national numbers masked. */
static const char *party_id_text(const texts_t *t, const mnd_party_t *pt)
{
    if (is_org(pt))
        return msg_n(t, "chooser.enterprise_number", 1, mnd_kbo_format(t->p, pt->id), NULL);
    return msg_n(t, "chooser.national_number", 1, mnd_insz_mask(t->p, pt->id), NULL);
}

static const char *party_name(const texts_t *t, const mnd_party_t *pt)
{
    return mnd_name_pick(pt->name, t->lang, mnd_party_id_display(t->p, pt->id));
}

static const char *basis_text(const texts_t *t, mnd_basis_t b)
{
    return msg(t, apr_pstrcat(t->p, "basis.", mnd_basis_name(b), NULL));
}

/* A date as the language writes it (page.date orders day, month and year). */
static const char *date_text(const texts_t *t, mnd_time_t when)
{
    apr_time_exp_t tm;
    if (when == MND_TIME_NONE)
        return "";
    if (apr_time_exp_gmt(&tm, (apr_time_t)when * APR_USEC_PER_SEC) != APR_SUCCESS)
        return "";
    {
        const char *args[3] = {apr_psprintf(t->p, "%04d", tm.tm_year + 1900),
                               apr_psprintf(t->p, "%02d", tm.tm_mon + 1),
                               apr_psprintf(t->p, "%02d", tm.tm_mday)};
        return mnd_msg_args(t->p, t->cat, t->lang, "page.date", 3, args);
    }
}

/* ---- one row --------------------------------------------------------------------------- */

static const char *action_label(const texts_t *t, const mnd_service_t *svc, const char *code)
{
    int i;
    for (i = 0; svc && svc->actions && i < svc->actions->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(svc->actions, i, mnd_action_t);
        if (a->code && strcmp(a->code, code) == 0)
            return mnd_name_pick(a->label, t->lang, code);
    }
    return code;
}

static const char *actions_text(const texts_t *t, const mnd_service_t *svc,
                                const apr_array_header_t *codes)
{
    apr_array_header_t *labels;
    int i;
    if (!codes || codes->nelts == 0)
        return NULL;
    labels = apr_array_make(t->p, codes->nelts * 2, sizeof(const char *));
    for (i = 0; i < codes->nelts; i++) {
        if (i)
            APR_ARRAY_PUSH(labels, const char *) = ", ";
        APR_ARRAY_PUSH(labels, const char *) =
            action_label(t, svc, APR_ARRAY_IDX(codes, i, const char *));
    }
    return msg_n(t, "chooser.actions", 1, apr_array_pstrcat(t->p, labels, 0), NULL);
}

static const char *expiry_text(const texts_t *t, mnd_time_t until, mnd_time_t now)
{
    mnd_time_t left;
    if (until == MND_TIME_NONE || until <= now || until - now > EXPIRY_WINDOW)
        return NULL;
    left = (until - now + 86399) / 86400; /* a part of a day counts as a day */
    if (left <= 1)
        return msg(t, "chooser.expires_in_one_day");
    return msg_n(t, "chooser.expires_in", 1, apr_psprintf(t->p, "%ld", (long)left), NULL);
}

/* What the page's script filters on: names in every language and enterprise numbers (not
 * national numbers, which the page shows masked). */
static const char *filter_key(const texts_t *t, const mnd_capacity_t *c)
{
    const mnd_party_t *pts[2] = {c->party, c->via};
    apr_array_header_t *a = apr_array_make(t->p, 12, sizeof(const char *));
    int i, l;
    for (i = 0; i < 2; i++) {
        if (!pts[i])
            continue;
        for (l = 0; l < MND_LANG__N; l++)
            if (pts[i]->name[l] && (l == 0 || pts[i]->name[l] != pts[i]->name[l - 1]))
                APR_ARRAY_PUSH(a, const char *) = pts[i]->name[l];
        if (is_org(pts[i]) && pts[i]->id)
            APR_ARRAY_PUSH(a, const char *) = pts[i]->id;
    }
    return apr_array_pstrcat(t->p, a, ' ');
}

static const char *span(const texts_t *t, const char *cls, const char *text)
{
    if (!text)
        return "";
    return apr_pstrcat(t->p, " <span class=\"", cls, "\">", esc(t, text), "</span>", NULL);
}

/* The <li> of capacity c, or NULL when it has no offer token (it cannot be chosen). */
static const char *row_html(const texts_t *t, const mnd_chooser_input_t *in,
                            const mnd_capacity_t *c, int focus)
{
    const char *token = in->token(in->token_baton, t->p, c->key), *name, *detail, *basis = NULL;
    if (!token || !c->party)
        return NULL;
    if (c->basis == MND_BASIS_SELF) {
        name = msg(t, "chooser.self");
        detail = party_id_text(t, c->party);
        if (mnd_name_pick(c->party->name, t->lang, NULL))
            detail = apr_pstrcat(t->p, party_name(t, c->party), ", ", detail, NULL);
    } else {
        name = party_name(t, c->party);
        detail = party_id_text(t, c->party);
        basis = basis_text(t, c->basis);
    }
    return apr_pstrcat(
        t->p, "<li data-k=\"", mnd_html_attr(t->p, filter_key(t, c)),
        "\"><button type=\"submit\" name=\"choice\" class=\"choice\" value=\"",
        mnd_html_attr(t->p, token), "\"", focus ? " autofocus" : "", "><span class=\"name\">",
        esc(t, name), "</span>", span(t, "id", detail), span(t, "basis", basis),
        span(t, "via", c->via ? msg_n(t, "chooser.via", 1, party_name(t, c->via), NULL) : NULL),
        span(t, "actions", actions_text(t, in->res->service, c->actions)),
        span(t, "expires", expiry_text(t, c->valid_until, in->now)), "</button></li>", NULL);
}

/* ---- order: hinted, recent, then by basis ----------------------------------------------- */

enum { GROUP_HINT = MND_BASIS__N, GROUP_RECENT, GROUP_NONE };

typedef struct build_t {
    texts_t t;
    const mnd_chooser_input_t *in;
    const mnd_capacity_t *const *caps;
    int n;
    int lead[MAX_LEAD + 1], lead_group[MAX_LEAD + 1], nlead;
    uint64_t *lead_bits, *match_bits; /* match_bits NULL: everything matches */
    matcher_t m;
} build_t;

#define BIT_GET(bits, i) (((bits)[(i) >> 6] >> ((i)&63)) & 1u)
#define BIT_SET(bits, i) ((bits)[(i) >> 6] |= (uint64_t)1 << ((i)&63))

static uint32_t key_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a: a handful of keys, looked up 20,000 times */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

typedef struct lead_table_t {
    const char *key[LEAD_SLOTS];
    int want[LEAD_SLOTS]; /* position in the lead list */
} lead_table_t;

static void lead_put(lead_table_t *lt, const char *key, int pos)
{
    uint32_t i = key_hash(key) & (LEAD_SLOTS - 1);
    while (lt->key[i]) {
        if (strcmp(lt->key[i], key) == 0)
            return; /* a key named twice keeps its first place */
        i = (i + 1) & (LEAD_SLOTS - 1);
    }
    lt->key[i] = key;
    lt->want[i] = pos;
}

static int lead_get(const lead_table_t *lt, const char *key)
{
    uint32_t i = key_hash(key) & (LEAD_SLOTS - 1);
    for (; lt->key[i]; i = (i + 1) & (LEAD_SLOTS - 1))
        if (strcmp(lt->key[i], key) == 0)
            return lt->want[i];
    return -1;
}

/* The hinted and recent capacities still offered, in that order, each once: one pass over
 * the capacities with a small hash table rather than a linear lookup per key. */
static void find_lead(build_t *b)
{
    lead_table_t lt;
    int found[MAX_LEAD + 1], i, nwant = 0, pos;
    const apr_array_header_t *rec = b->in->recent;
    memset(&lt, 0, sizeof(lt));
    if (b->in->hint_key)
        lead_put(&lt, b->in->hint_key, nwant++);
    for (i = 0; rec && i < rec->nelts && nwant < MAX_LEAD + 1; i++)
        if (APR_ARRAY_IDX(rec, i, const char *))
            lead_put(&lt, APR_ARRAY_IDX(rec, i, const char *), nwant++);
    b->nlead = 0;
    if (!nwant)
        return;
    for (i = 0; i <= MAX_LEAD; i++)
        found[i] = -1;
    for (i = 0; i < b->n; i++)
        if (b->caps[i]->key && (pos = lead_get(&lt, b->caps[i]->key)) >= 0 && found[pos] < 0)
            found[pos] = i;
    for (pos = 0; pos < nwant; pos++) {
        if (found[pos] < 0 || BIT_GET(b->lead_bits, found[pos]))
            continue;
        BIT_SET(b->lead_bits, found[pos]);
        b->lead[b->nlead] = found[pos];
        b->lead_group[b->nlead++] = (pos == 0 && b->in->hint_key) ? GROUP_HINT : GROUP_RECENT;
    }
}

/* Count the matches into a bitmap (one pass, nothing allocated per capacity). */
static long count_matches(build_t *b)
{
    long count = 0;
    int i;
    if (b->m.nterms == 0)
        return b->n;
    b->match_bits = apr_pcalloc(b->t.p, sizeof(uint64_t) * (size_t)(b->n / 64 + 1));
    for (i = 0; i < b->n; i++)
        if (match_cap(&b->m, b->caps[i])) {
            BIT_SET(b->match_bits, i);
            count++;
        }
    return count;
}

static const char *group_heading(const texts_t *t, int group)
{
    if (group == GROUP_HINT)
        return msg(t, "chooser.suggested");
    if (group == GROUP_RECENT)
        return msg(t, "chooser.recent");
    return basis_text(t, (mnd_basis_t)group);
}

typedef struct rows_t {
    apr_array_header_t *out;
    int group;
    long seen, from, to; /* matches seen so far; the page is [from, to) */
} rows_t;

static void emit(build_t *b, rows_t *r, int idx, int group)
{
    const char *li;
    if (b->match_bits && !BIT_GET(b->match_bits, idx))
        return;
    if (r->seen++ < r->from || r->seen > r->to)
        return;
    li = row_html(&b->t, b->in, b->caps[idx],
                  group == GROUP_HINT && !b->m.nterms); /* focus the hint, not after a search */
    if (!li)
        return;
    if (group != r->group) {
        if (r->group != GROUP_NONE)
            APR_ARRAY_PUSH(r->out, const char *) = "</ul></section>\n";
        APR_ARRAY_PUSH(r->out, const char *) = apr_pstrcat(b->t.p, "<section class=\"group\"><h2>",
                                                           esc(&b->t, group_heading(&b->t, group)),
                                                           "</h2><ul class=\"choices\">", NULL);
        r->group = group;
    }
    APR_ARRAY_PUSH(r->out, const char *) = li;
    APR_ARRAY_PUSH(r->out, const char *) = "\n";
}

static const char *rows_html(build_t *b, long from, long to)
{
    rows_t r = {apr_array_make(b->t.p, 4 * (int)(to - from) + 8, sizeof(const char *)), GROUP_NONE,
                0, from, to};
    int i;
    for (i = 0; i < b->nlead && r.seen < to; i++)
        emit(b, &r, b->lead[i], b->lead_group[i]);
    for (i = 0; i < b->n && r.seen < to; i++)
        if (!BIT_GET(b->lead_bits, i))
            emit(b, &r, i, (int)b->caps[i]->basis);
    if (r.group != GROUP_NONE)
        APR_ARRAY_PUSH(r.out, const char *) = "</ul></section>\n";
    return apr_array_pstrcat(b->t.p, r.out, 0);
}

/* ---- pager and summary ----------------------------------------------------------------- */

static const char *page_href(const build_t *b, const char *search, long page)
{
    const char *u = b->in->self_url;
    const char *sep = strchr(u, '?') ? "&" : "?";
    const char *q =
        *search ? apr_pstrcat(b->t.p, "q=", mnd_url_component(b->t.p, search), "&", NULL) : "";
    return mnd_html_attr(b->t.p, apr_psprintf(b->t.p, "%s%s%spage=%ld", u, sep, q, page));
}

static const char *page_item(const build_t *b, const char *search, long page, long current)
{
    const texts_t *t = &b->t;
    const char *num = apr_psprintf(t->p, "%ld", page);
    return apr_pstrcat(t->p, "<li><a href=\"", page_href(b, search, page), "\" aria-label=\"",
                       mnd_html_attr(t->p, msg_n(t, "chooser.page_n", 1, num, NULL)), "\"",
                       page == current ? " aria-current=\"page\"" : "", ">", num, "</a></li>",
                       NULL);
}

static const char *pager_html(const build_t *b, const char *search, long page, long pages)
{
    const texts_t *t = &b->t;
    apr_array_header_t *a;
    long i;
    if (pages <= 1)
        return "";
    a = apr_array_make(t->p, 16, sizeof(const char *));
    APR_ARRAY_PUSH(a, const char *) =
        apr_pstrcat(t->p, "<nav class=\"pager\" aria-label=\"",
                    mnd_html_attr(t->p, msg(t, "chooser.pages")), "\"><ul>", NULL);
    if (page > 1)
        APR_ARRAY_PUSH(a, const char *) =
            apr_pstrcat(t->p, "<li><a href=\"", page_href(b, search, page - 1), "\" rel=\"prev\">",
                        esc(t, msg(t, "chooser.previous")), "</a></li>", NULL);
    for (i = 1; i <= pages; i++) {
        if (i == 1 || i == pages || (i >= page - PAGER_SPREAD && i <= page + PAGER_SPREAD))
            APR_ARRAY_PUSH(a, const char *) = page_item(b, search, i, page);
        else if (i == page - PAGER_SPREAD - 1 || i == page + PAGER_SPREAD + 1)
            APR_ARRAY_PUSH(a, const char *) = "<li class=\"gap\" aria-hidden=\"true\">…</li>";
    }
    if (page < pages)
        APR_ARRAY_PUSH(a, const char *) =
            apr_pstrcat(t->p, "<li><a href=\"", page_href(b, search, page + 1), "\" rel=\"next\">",
                        esc(t, msg(t, "chooser.next")), "</a></li>", NULL);
    APR_ARRAY_PUSH(a, const char *) = "</ul></nav>";
    return apr_array_pstrcat(t->p, a, 0);
}

static const char *summary_text(const texts_t *t, const mnd_chooser_view_t *v, int searching)
{
    const char *s;
    if (v->total == 0)
        return "";
    if (searching)
        s = msg_n(t, "chooser.summary", 2, apr_psprintf(t->p, "%ld", v->matched),
                  apr_psprintf(t->p, "%ld", v->total));
    else
        s = msg_n(t, "chooser.summary_all", 1, apr_psprintf(t->p, "%ld", v->total), NULL);
    if (v->pages > 1)
        s = apr_pstrcat(t->p, s, " ",
                        msg_n(t, "chooser.summary_page", 2, apr_psprintf(t->p, "%ld", v->page),
                              apr_psprintf(t->p, "%ld", v->pages)),
                        NULL);
    return s;
}

/* What the page says when there is no row to show. */
static const char *empty_html(const texts_t *t, const mnd_chooser_view_t *v)
{
    return apr_pstrcat(t->p, "<p class=\"none\">",
                       esc(t, msg(t, v->total ? "chooser.no_results" : "chooser.nothing")), "</p>",
                       NULL);
}

static mnd_error_t *check_input(apr_pool_t *p, const mnd_chooser_input_t *in,
                                const mnd_chooser_view_t *out)
{
    if (!in || !out)
        return mnd_error(p, MND_EINVAL, "chooser: input and view are required");
    if (!in->res || !in->res->capacities || !in->cat)
        return mnd_error(p, MND_EINVAL, "chooser: a resolution and a catalogue are required");
    if (!in->token)
        return mnd_error(p, MND_EINVAL, "chooser: an offer-token function is required");
    if (!in->self_url)
        return mnd_error(p, MND_EINVAL, "chooser: the chooser's own URL is required");
    return NULL;
}

mnd_error_t *mnd_chooser_build(apr_pool_t *p, const mnd_chooser_input_t *in,
                               mnd_chooser_view_t *out)
{
    build_t b;
    long size, from;
    const char *start;
    size_t slen;
    MND_TRY(check_input(p, in, out));
    memset(&b, 0, sizeof(b));
    b.t.p = p, b.t.cat = in->cat, b.t.lang = in->lang, b.in = in;
    b.caps = (const mnd_capacity_t *const *)in->res->capacities->elts;
    b.n = in->res->capacities->nelts;
    b.lead_bits = apr_pcalloc(p, sizeof(uint64_t) * (size_t)(b.n / 64 + 1));
    matcher_init(&b.m, in->search);
    slen = search_span(in->search ? in->search : "", &start);
    out->search = apr_pstrndup(p, start, slen);
    find_lead(&b);
    size = in->page_size <= 0
               ? MND_CHOOSER_PAGE_SIZE
               : (in->page_size > MND_CHOOSER_MAX_PAGE_SIZE ? MND_CHOOSER_MAX_PAGE_SIZE
                                                            : in->page_size);
    out->total = b.n;
    out->matched = count_matches(&b);
    out->pages = out->matched ? (out->matched + size - 1) / size : 1;
    out->page = in->page < 1 ? 1 : (in->page > out->pages ? out->pages : in->page);
    from = (out->page - 1) * size;
    out->rows = out->matched ? rows_html(&b, from, from + size) : empty_html(&b.t, out);
    out->pager = pager_html(&b, out->search, out->page, out->pages);
    out->summary = summary_text(&b.t, out, b.m.nterms > 0);
    return NULL;
}

/* ---- why a party is missing ------------------------------------------------------------ */

/* Who must approve a pending mandate, by name where the resolution knows the party. */
static const char *awaiting_name(const texts_t *t, const mnd_resolution_t *res,
                                 const mnd_near_miss_t *nm)
{
    if (!nm->awaiting)
        return nm->party ? party_name(t, nm->party) : "";
    if (res->person && strcmp(nm->awaiting, res->person) == 0)
        return msg(t, "why.you");
    if (nm->party && nm->party->id && strcmp(nm->awaiting, nm->party->id) == 0)
        return party_name(t, nm->party);
    if (nm->via && nm->via->id && strcmp(nm->awaiting, nm->via->id) == 0)
        return party_name(t, nm->via);
    return mnd_party_id_display(t->p, nm->awaiting);
}

/* The explanation of nm (miss.<reason> with its arguments). */
static const char *miss_text(const texts_t *t, const mnd_resolution_t *res,
                             const mnd_near_miss_t *nm, const char *who)
{
    const char *key = apr_pstrcat(t->p, "miss.", mnd_miss_reason_code(nm->reason), NULL);
    switch (nm->reason) {
    case MND_MISS_MANDATE_PENDING:
        return msg_n(t, key, 2, awaiting_name(t, res, nm), date_text(t, nm->since));
    case MND_MISS_MISSING_EXECUTOR_RIGHT:
        return msg_n(t, key, 2, who, apr_psprintf(t->p, "%ld", nm->count));
    case MND_MISS_KBO_FUNCTION_ENDED:
    case MND_MISS_RIGHT_ENDED:
        return msg_n(t, key, 2, who, date_text(t, nm->since));
    case MND_MISS_ENTERPRISE_STOPPED:
        return msg_n(t, key, 1, who, NULL);
    case MND_MISS_BASIS_NOT_ACCEPTED:
        return msg_n(t, key, 1, basis_text(t, nm->basis), NULL);
    case MND_MISS_LOA_TOO_LOW:
        return msg_n(t, key, 1, apr_psprintf(t->p, "%d", nm->required_loa), NULL);
    default: /* mandate expired, not yet valid, revoked: {1} date */
        return msg_n(t, key, 1, date_text(t, nm->since), NULL);
    }
}

/* What the person can do about nm, or NULL when nothing can be done here. */
static const char *advice_text(const texts_t *t, const mnd_resolution_t *res,
                               const mnd_near_miss_t *nm, const char *who)
{
    const char *code = mnd_miss_reason_code(nm->reason);
    switch (nm->reason) {
    case MND_MISS_MANDATE_PENDING:
        if (nm->awaiting && res->person && strcmp(nm->awaiting, res->person) == 0)
            return msg(t, "why.advice.mandate_pending_self");
        if (nm->awaiting && strlen(nm->awaiting) == MND_INSZ_LEN)
            return msg_n(t, "why.advice.mandate_pending_person", 1, awaiting_name(t, res, nm),
                         NULL);
        return msg_n(t, "why.advice.mandate_pending", 1, awaiting_name(t, res, nm), NULL);
    case MND_MISS_ENTERPRISE_STOPPED:
        /* Nobody can act for a stopped enterprise; a stopped intermediary can be replaced. */
        return nm->party ? NULL : msg_n(t, "why.advice.enterprise_stopped_via", 1, who, NULL);
    case MND_MISS_MANDATE_EXPIRED:
    case MND_MISS_MANDATE_NOT_YET_VALID:
    case MND_MISS_MANDATE_REVOKED:
        if (!nm->party)
            return NULL;
        /* fall through */
    default:
        return msg_n(t, apr_pstrcat(t->p, "why.advice.", code, NULL), 1, who, NULL);
    }
}

/* Whom the near miss is about: the party, else the intermediary; NULL for the service. */
static const mnd_party_t *miss_subject(const mnd_near_miss_t *nm)
{
    return nm->party ? nm->party : nm->via;
}

static const char *miss_html(const texts_t *t, const mnd_resolution_t *res,
                             const mnd_near_miss_t *nm)
{
    const mnd_party_t *who = miss_subject(nm);
    const char *name = who ? party_name(t, who) : "", *head = "", *advice, *count = NULL;
    if (who)
        head = apr_pstrcat(t->p, "<p class=\"party\"><span class=\"name\">", esc(t, name),
                           "</span>", span(t, "id", party_id_text(t, who)),
                           span(t, "via",
                                nm->party && nm->via
                                    ? msg_n(t, "chooser.via", 1, party_name(t, nm->via), NULL)
                                    : NULL),
                           "</p>", NULL);
    if (nm->count > 0 && nm->reason != MND_MISS_MISSING_EXECUTOR_RIGHT)
        count = msg_n(t, "why.mandates", 1, apr_psprintf(t->p, "%ld", nm->count), NULL);
    advice = advice_text(t, res, nm, name);
    return apr_pstrcat(
        t->p, "<li class=\"miss ", mnd_miss_reason_code(nm->reason), "\">", head,
        "<p class=\"reason\">", esc(t, miss_text(t, res, nm, name)),
        count ? apr_pstrcat(t->p, " ", esc(t, count), NULL) : "", "</p>",
        advice ? apr_pstrcat(t->p, "<p class=\"advice\">", esc(t, advice), "</p>", NULL) : "",
        "</li>\n", NULL);
}

const char *mnd_why_build(apr_pool_t *p, const mnd_resolution_t *res, const mnd_catalog_t *cat,
                          mnd_lang_t lang, mnd_time_t now)
{
    texts_t t = {p, cat ? cat : mnd_catalog_builtin(), lang};
    apr_array_header_t *a;
    int i;
    (void)now; /* the texts give dates, not durations */
    if (!res || !res->near_misses || res->near_misses->nelts == 0)
        return apr_pstrcat(p, "<p class=\"none\">", esc(&t, msg(&t, "why.none")), "</p>", NULL);
    a = apr_array_make(p, res->near_misses->nelts + 2, sizeof(const char *));
    APR_ARRAY_PUSH(a, const char *) = "<ul class=\"misses\">\n";
    for (i = 0; i < res->near_misses->nelts; i++) {
        const mnd_near_miss_t *nm = APR_ARRAY_IDX(res->near_misses, i, const mnd_near_miss_t *);
        if (nm)
            APR_ARRAY_PUSH(a, const char *) = miss_html(&t, res, nm);
    }
    APR_ARRAY_PUSH(a, const char *) = "</ul>";
    return apr_array_pstrcat(p, a, 0);
}
