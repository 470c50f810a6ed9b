/* Mandate rows of capacity resolution: every taker through which the person may act (the
 * person, then each organisation in enterprise-number order), its rows read as stored and
 * classified at the request's time, and the cache of large takers' rows
 * (docs/resolution.md, "The cache").
 *
 * A cached taker (a "big" source) is not offered row by row: its rows are already in display
 * order in the entry, each with its capacity built, and a request only decides which are
 * usable at its time. Folding needs a row of this request only where another ground names the
 * same party: the rows of such parties (found through the entry's hash by giver, from the
 * few parties of the other grounds) are "materialised", offered through the ordinary path in
 * precedence order and left out of the entry's walk. */
#include "core/resolve_int.h"

#include <apr_strings.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* An entry holds the rows a request at fill time t needs, widened this far into the past so
 * that requests whose clock lags a little (other threads, other nodes) can use it. */
#define CACHE_MARGIN ((mnd_time_t)86400)

/* Columns of resolve_mandates after the giver's. */
enum { M_ID = PARTY_NCOLS, M_ACTIONS, M_FROM, M_UNTIL, M_STATE, M_SINCE, M_AWAITING, M_NCOLS };

/* A cached row: its capacity as offered when nothing folds into it, and the row. */
typedef struct crow_t {
    row_head_t h;
    mrow_t m;
    const aset_t *aset;
    int next_same; /* index of the giver's next row (id order), -1 */
    int plain;     /* usable at every time the entry serves: no need to look at it */
} crow_t;

/* The payload of a cached taker's entry; immutable once published. */
typedef struct rentry_t {
    crow_t *rows; /* id order */
    int nrows;
    crow_t **display;          /* display order */
    int *watch, nwatch;        /* the rows that are not plain, id order: near misses */
    apr_hash_t *by_giver;      /* giver id -> index of its first row + 1 */
    apr_array_header_t *multi; /* const char *: givers with several rows */
    const char **codes;        /* the catalogue the action sets were made with */
    int ncodes;
    int direct;             /* the taker is the person: no intermediary */
    mnd_party_t via;        /* otherwise the taker */
    mnd_time_t usable_from; /* the earliest request time the rows serve */
    apr_array_header_t no_also;
} rentry_t;

/* A cached taker in this request. */
typedef struct big_t {
    const rentry_t *e;
    const mnd_party_t *via;
    unsigned char *taken; /* rows materialised (bitmap), NULL while none */
} big_t;

/* A kept count of usable mandates, valid for request times in [lo, hi). */
typedef struct window_t {
    long count;
    mnd_time_t lo, hi;
} window_t;

#define BIG(c, i) (&APR_ARRAY_IDX((c)->bigs, (i), big_t))

/* ---- rows and time --------------------------------------------------------------------- */

/* A row over the columns of resolve_mandates (strings not copied). */
static void mrow_read(mrow_t *m, const char *const *col)
{
    const char *st = col[M_STATE];
    mnd_resolve_party_from_cols(&m->giver, col);
    m->id_text = col[M_ID];
    m->id = strtoll(col[M_ID], NULL, 10);
    m->actions = col[M_ACTIONS];
    m->valid_from = mnd_time_from_col(col[M_FROM]);
    m->valid_until = mnd_time_from_col(col[M_UNTIL]);
    m->state = st && strcmp(st, "active") == 0    ? MND_MANDATE_ACTIVE
               : st && strcmp(st, "revoked") == 0 ? MND_MANDATE_REVOKED
                                                  : MND_MANDATE_AWAITING;
    m->since = mnd_time_from_col(col[M_SINCE]);
    m->awaiting = col[M_AWAITING];
}

static size_t opt_len(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static char *opt_put(char *buf, const char *s, const char **out)
{
    size_t n = opt_len(s);
    *out = n ? memcpy(buf, s, n) : NULL;
    return buf + n;
}

/* *dst = *src with every string copied into pool, in one allocation. */
static void mrow_copy(apr_pool_t *pool, mrow_t *dst, const mrow_t *src)
{
    char *buf = apr_palloc(pool, mnd_resolve_party_bytes(&src->giver) + opt_len(src->id_text) +
                                     opt_len(src->actions) + opt_len(src->awaiting));
    *dst = *src;
    buf = mnd_resolve_party_copy(&dst->giver, buf, &src->giver);
    buf = opt_put(buf, src->id_text, &dst->id_text);
    buf = opt_put(buf, src->actions, &dst->actions);
    opt_put(buf, src->awaiting, &dst->awaiting);
}

/* What row m is at time t (recent = t - RESOLVE_RECENT): MROW_USABLE, a near-miss reason
 * with *since, or MROW_SILENT. State before dates before status; ended grounds are reported
 * for RESOLVE_RECENT only. The one place where time is applied to a mandate. */
static int mrow_classify(const mrow_t *m, mnd_time_t t, mnd_time_t recent, mnd_time_t *since)
{
    *since = MND_TIME_NONE;
    if (m->state == MND_MANDATE_AWAITING) {
        *since = m->since;
        return MND_MISS_MANDATE_PENDING;
    }
    if (m->state == MND_MANDATE_REVOKED) {
        if (m->since <= recent)
            return MROW_SILENT;
        *since = m->since;
        return MND_MISS_MANDATE_REVOKED;
    }
    if (m->valid_until <= t) {
        if (m->valid_until <= recent)
            return MROW_SILENT;
        *since = m->valid_until;
        return MND_MISS_MANDATE_EXPIRED;
    }
    if (m->valid_from > t) {
        *since = m->valid_from;
        return MND_MISS_MANDATE_NOT_YET_VALID;
    }
    return m->giver.active ? MROW_USABLE : MND_MISS_ENTERPRISE_STOPPED;
}

/* mrow_classify(m, t, ...) == MROW_USABLE, without the near-miss details: the hot test. */
static int usable(const mrow_t *m, mnd_time_t t)
{
    return m->state == MND_MANDATE_ACTIVE && m->valid_from <= t && t < m->valid_until &&
           m->giver.active;
}

static void miss_of(ctx_t *c, const mrow_t *m, int reason, mnd_time_t since, int copy)
{
    mnd_near_miss_t *nm = mnd_resolve_miss_add(c, (mnd_miss_reason_t)reason, MND_BASIS_MANDATE,
                                               &m->giver, copy, m->awaiting);
    nm->mandate_id = m->id;
    nm->since = since;
}

/* Offer row m of the taker being read, or report it; its strings are copied when copy. */
static void take_mrow(ctx_t *c, const mrow_t *m, int copy)
{
    mnd_time_t since;
    int k = mrow_classify(m, c->t, c->recent, &since);
    if (k == MROW_USABLE) {
        row_t *r =
            mnd_resolve_row_new(c, MND_BASIS_MANDATE, &m->giver, copy, "mandate:", m->id_text);
        r->h.cap.via = c->via;
        r->h.cap.mandate_id = m->id;
        r->h.cap.giver = r->h.cap.party->id;
        r->h.cap.valid_until = m->valid_until;
        mnd_resolve_offer(c, r, mnd_resolve_aset_of(c, m->actions));
    } else if (k >= 0) {
        miss_of(c, m, k, since, copy);
    }
}

static mnd_error_t *direct_row(void *baton, apr_pool_t *p, const char *const *col, int n)
{
    ctx_t *c = baton;
    mrow_t m;
    if (n < M_NCOLS)
        return mnd_error(p, MND_EINTERNAL, "resolve_mandates: short row");
    mrow_read(&m, col);
    take_mrow(c, &m, 1);
    c->rows_read++;
    return NULL;
}

/* Rows read for the cache: the structs in the request's pool, their strings where they will
 * stay (the pool of the entry they may fill). */
typedef struct buffer_t {
    apr_array_header_t *rows; /* mrow_t */
    apr_pool_t *strings;
} buffer_t;

static mnd_error_t *buffer_row(void *baton, apr_pool_t *p, const char *const *col, int n)
{
    buffer_t *b = baton;
    mrow_t m;
    if (n < M_NCOLS)
        return mnd_error(p, MND_EINTERNAL, "resolve_mandates: short row");
    mrow_read(&m, col);
    mrow_copy(b->strings, apr_array_push(b->rows), &m);
    return NULL;
}

/* ---- filling an entry ------------------------------------------------------------------ */

/* Chain each giver's rows in id order and list the givers with several. */
static void link_givers(apr_pool_t *ep, rentry_t *e)
{
    int i;
    e->by_giver = apr_hash_make(ep);
    e->multi = apr_array_make(ep, 4, sizeof(const char *));
    for (i = e->nrows - 1; i >= 0; i--) {
        crow_t *r = &e->rows[i];
        int next = (int)(intptr_t)apr_hash_get(e->by_giver, r->m.giver.id, APR_HASH_KEY_STRING) - 1;
        r->next_same = next;
        if (next >= 0 && e->rows[next].next_same < 0)
            APR_ARRAY_PUSH(e->multi, const char *) = r->m.giver.id;
        apr_hash_set(e->by_giver, r->m.giver.id, APR_HASH_KEY_STRING, (void *)(intptr_t)(i + 1));
    }
}

/* Row r of entry e (pool ep) from row m, whose strings are in ep already. */
static void fill_row(ctx_t *c, apr_pool_t *ep, rentry_t *e, apr_hash_t *asets, crow_t *r,
                     const mrow_t *m)
{
    aset_t *as;
    r->m = *m;
    as = apr_hash_get(asets, r->m.actions, APR_HASH_KEY_STRING);
    if (!as) {
        as = mnd_resolve_aset_parse(c, ep, r->m.actions, e->codes);
        apr_hash_set(asets, r->m.actions, APR_HASH_KEY_STRING, as);
    }
    r->aset = as;
    memset(&r->h, 0, sizeof(r->h));
    r->h.cap.key = apr_pstrcat(ep, "mandate:", r->m.id_text, NULL);
    r->h.cap.basis = MND_BASIS_MANDATE;
    r->h.cap.party = &r->m.giver;
    r->h.cap.via = e->direct ? NULL : &e->via;
    r->h.cap.mandate_id = r->m.id;
    r->h.cap.giver = r->m.giver.id;
    r->h.cap.actions = as->codes;
    r->h.cap.valid_until = r->m.valid_until;
    r->h.cap.also = &e->no_also;
    r->h.sort_name = mnd_name_pick(r->m.giver.name, MND_LANG_NL, r->m.giver.id);
    r->plain = r->m.state == MND_MANDATE_ACTIVE && r->m.giver.active &&
               r->m.valid_until == MND_TIME_NONE && r->m.valid_from <= e->usable_from;
}

/* A row and its name folded to lower case, for sorting an entry: strcmp on folded names
 * orders as strcasecmp does (same tolower), at a fraction of the cost. */
typedef struct sortable_t {
    const char *folded;
    crow_t *r;
} sortable_t;

/* mnd_resolve_cmp_heads for rows of one entry (same basis and intermediary). */
static int cmp_sortable(const void *va, const void *vb)
{
    const sortable_t *a = va, *b = vb;
    int d;
    if ((d = strcmp(a->folded, b->folded)) || (d = strcmp(a->r->h.sort_name, b->r->h.sort_name)) ||
        (d = strcmp(a->r->m.giver.id, b->r->m.giver.id)))
        return d;
    return a->r->m.id < b->r->m.id ? -1 : a->r->m.id > b->r->m.id;
}

/* e->display: the rows in display order (one sort per fill, none per request). */
static void sort_display(ctx_t *c, apr_pool_t *ep, rentry_t *e)
{
    sortable_t *v = apr_palloc(c->p, sizeof(*v) * (size_t)(e->nrows ? e->nrows : 1));
    int i;
    for (i = 0; i < e->nrows; i++) {
        const char *name = e->rows[i].h.sort_name;
        size_t n = strlen(name), k;
        char *f = apr_palloc(c->p, n + 1);
        for (k = 0; k <= n; k++)
            f[k] = (char)tolower((unsigned char)name[k]);
        v[i].folded = f;
        v[i].r = &e->rows[i];
    }
    qsort(v, (size_t)e->nrows, sizeof(*v), cmp_sortable);
    e->display = apr_palloc(ep, sizeof(crow_t *) * (size_t)(e->nrows ? e->nrows : 1));
    for (i = 0; i < e->nrows; i++)
        e->display[i] = v[i].r;
}

/* Fill entry ce from the rows read (at c->generation; their strings already in its pool),
 * publish it, and return its payload (referenced until the request ends, published or
 * not). */
static rentry_t *fill(ctx_t *c, mnd_resolve_cache_entry_t *ce, const apr_array_header_t *rows)
{
    static char no_elts[sizeof(mnd_ground_t *)];
    apr_pool_t *ep = ce->pool;
    apr_hash_t *asets = apr_hash_make(c->p);
    rentry_t *e = apr_pcalloc(ep, sizeof(*e));
    int i;

    e->ncodes = c->svc->actions->nelts;
    e->codes = apr_palloc(ep, sizeof(*e->codes) * (size_t)(e->ncodes + 1));
    for (i = 0; i < e->ncodes; i++)
        e->codes[i] = apr_pstrdup(ep, c->codes[i]);
    e->direct = c->via == NULL;
    if (c->via) {
        char *buf = apr_palloc(ep, mnd_resolve_party_bytes(c->via));
        mnd_resolve_party_copy(&e->via, buf, c->via);
    }
    e->usable_from = c->t - CACHE_MARGIN;
    e->no_also.pool = NULL; /* never pushed to: cached capacities are read-only */
    e->no_also.elt_size = sizeof(mnd_ground_t *);
    e->no_also.elts = no_elts;
    e->nrows = rows->nelts;
    e->rows = apr_palloc(ep, sizeof(crow_t) * (size_t)(e->nrows ? e->nrows : 1));
    e->watch = apr_palloc(ep, sizeof(int) * (size_t)(e->nrows ? e->nrows : 1));
    for (i = 0; i < e->nrows; i++) {
        fill_row(c, ep, e, asets, &e->rows[i], &APR_ARRAY_IDX(rows, i, mrow_t));
        if (!e->rows[i].plain)
            e->watch[e->nwatch++] = i;
    }
    link_givers(ep, e);
    sort_display(c, ep, e);
    ce->data = e;
    ce->rows = (size_t)e->nrows;
    mnd_resolve_cache_publish(c->cache, ce);
    return e;
}

static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The entry serves this request: its rows were read for times from usable_from on, and it
 * was made with the catalogue and intermediary this request read. Both are read before the
 * generation, so a change just before it shows here, not in the generation. */
static int entry_serves(const ctx_t *c, const rentry_t *e)
{
    int i;
    if (e->usable_from > c->t || e->ncodes != c->svc->actions->nelts ||
        e->direct != (c->via == NULL))
        return 0;
    for (i = 0; i < e->ncodes; i++)
        if (strcmp(e->codes[i], c->codes[i]) != 0)
            return 0;
    if (e->direct)
        return 1;
    if (e->via.kind != c->via->kind || e->via.active != c->via->active)
        return 0;
    for (i = 0; i < MND_LANG__N; i++)
        if (!same_text(e->via.name[i], c->via->name[i]))
            return 0;
    return 1; /* ids are equal: the taker is the key */
}

/* ---- using an entry -------------------------------------------------------------------- */

static void offer_big_rows(ctx_t *c, big_t *b, const char *id)
{
    const rentry_t *e = b->e;
    int i = (int)(intptr_t)apr_hash_get(e->by_giver, id, APR_HASH_KEY_STRING) - 1;
    for (; i >= 0; i = e->rows[i].next_same) {
        const crow_t *cr = &e->rows[i];
        row_t *r;
        if (!usable(&cr->m, c->t) || cr->aset->codes->nelts == 0)
            continue;
        if (!b->taken)
            b->taken = apr_pcalloc(c->p, (size_t)e->nrows / 8 + 1);
        b->taken[i / 8] |= (unsigned char)(1u << (i % 8));
        r = mnd_resolve_row_new(c, MND_BASIS_MANDATE, &cr->m.giver, 0, cr->h.cap.key, NULL);
        r->h.cap.via = b->via;
        r->h.cap.mandate_id = cr->m.id;
        r->h.cap.giver = cr->m.giver.id;
        r->h.cap.valid_until = cr->m.valid_until;
        mnd_resolve_offer_plain(c, r, cr->aset);
    }
}

void mnd_resolve_materialize(ctx_t *c, const char *id)
{
    int n = c->bigs->nelts;
    intptr_t done = (intptr_t)apr_hash_get(c->materialized, id, APR_HASH_KEY_STRING);
    if (done >= n)
        return;
    apr_hash_set(c->materialized, id, APR_HASH_KEY_STRING, (void *)(intptr_t)n);
    for (; done < n; done++)
        offer_big_rows(c, BIG(c, done), id);
}

/* Parties of cached taker k that another ground of this request also names (or that have
 * several rows in it): only their rows can fold or be folded into. */
static void contest(ctx_t *c, int k)
{
    const rentry_t *e = BIG(c, k)->e;
    apr_array_header_t *ids = apr_array_make(c->p, 8, sizeof(const char *));
    apr_hash_index_t *hi;
    int i, j;

    /* Iterators from the request pool: the entries' hashes are shared between threads. */
    for (hi = apr_hash_first(c->p, c->by_party); hi; hi = apr_hash_next(hi)) {
        const void *id;
        apr_hash_this(hi, &id, NULL, NULL);
        if (apr_hash_get(e->by_giver, id, APR_HASH_KEY_STRING))
            APR_ARRAY_PUSH(ids, const char *) = id;
    }
    for (j = 0; j < k; j++) {
        const rentry_t *o = BIG(c, j)->e;
        const rentry_t *few = o->nrows < e->nrows ? o : e, *many = few == o ? e : o;
        for (hi = apr_hash_first(c->p, few->by_giver); hi; hi = apr_hash_next(hi)) {
            const void *id;
            apr_hash_this(hi, &id, NULL, NULL);
            if (apr_hash_get(many->by_giver, id, APR_HASH_KEY_STRING))
                APR_ARRAY_PUSH(ids, const char *) = id;
        }
    }
    for (i = 0; i < e->multi->nelts; i++)
        APR_ARRAY_PUSH(ids, const char *) = APR_ARRAY_IDX(e->multi, i, const char *);
    for (i = 0; i < ids->nelts; i++)
        mnd_resolve_materialize(c, APR_ARRAY_IDX(ids, i, const char *));
}

/* Take cached taker e as the source being read: its near misses now (id order), its rows
 * at display time, but those of contested parties now, through the ordinary path. */
static void use_big(ctx_t *c, const rentry_t *e)
{
    big_t *b;
    int i;

    if (!c->bigs) {
        c->bigs = apr_array_make(c->p, 2, sizeof(big_t));
        c->materialized = apr_hash_make(c->p);
    }
    b = apr_array_push(c->bigs);
    b->e = e;
    b->via = c->via;
    b->taken = NULL;
    for (i = 0; i < e->nwatch; i++) {
        const mrow_t *m = &e->rows[e->watch[i]].m;
        mnd_time_t since;
        int k = mrow_classify(m, c->t, c->recent, &since);
        if (k >= 0)
            miss_of(c, m, k, since, 0);
    }
    contest(c, c->bigs->nelts - 1);
}

/* ---- sources ------------------------------------------------------------------------- */

/* Read the taker's rows into b for an entry: the window widened by CACHE_MARGIN. */
static mnd_error_t *read_rows(ctx_t *c, buffer_t *b)
{
    if (!c->wide_arg)
        c->wide_arg = mnd_time_arg(c->p, c->recent - CACHE_MARGIN);
    return mnd_store_query(c->s, c->p, "resolve_mandates",
                           MND_ARGV(c->taker, c->svc->id, c->wide_arg, c->wide_arg), buffer_row, b);
}

/* "<kind> <taker> <service>" into buf (KEY_MAX bytes), or NULL if it does not fit (an
 * unusual service id: then the taker is not cached). Built on the stack: most lookups miss. */
#define KEY_MAX 160
static const char *cache_key(char *buf, char kind, const char *taker, const char *service)
{
    size_t nt = strlen(taker), ns = strlen(service);
    if (nt + ns + 4 > KEY_MAX)
        return NULL;
    buf[0] = kind;
    buf[1] = ' ';
    memcpy(buf + 2, taker, nt);
    buf[2 + nt] = ' ';
    memcpy(buf + 3 + nt, service, ns + 1);
    return buf;
}

/* The store generation, read once per request, just before the first rows that may be
 * kept: rows read after it are at least that new. What the request read before it (the
 * catalogue, the intermediaries) is compared with each entry instead (entry_serves). */
static mnd_error_t *need_generation(ctx_t *c)
{
    const char **col = NULL;
    int found = 0;
    if (c->have_generation)
        return NULL;
    MND_TRY(mnd_store_query_one(c->s, c->p, "resolve_generation", 0, NULL, &found, &col, NULL));
    if (!found || !col[0])
        return mnd_error(c->p, MND_ESTORE,
                         "the store has no generation (table store_generation): migrate it");
    c->generation = strtoll(col[0], NULL, 10);
    c->have_generation = 1;
    return NULL;
}

/* The taker's rows without the cache, as mnd_capacities reads them; a taker with many is
 * marked, so that the next request fills an entry for it. */
static mnd_error_t *uncached_source(ctx_t *c, const char *key)
{
    c->rows_read = 0;
    MND_TRY(mnd_store_query(c->s, c->p, "resolve_mandates",
                            MND_ARGV(c->taker, c->svc->id, c->recent_arg, c->recent_arg),
                            direct_row, c));
    if (key && c->rows_read >= mnd_resolve_cache_min_rows(c->cache))
        mnd_resolve_cache_mark(c->cache, key, (size_t)c->rows_read);
    return NULL;
}

/* The taker's rows through the cache. A taker the cache knows nothing of is read as without
 * it (no generation needed: most takers are small and never kept). For a known one: the
 * current entry, or the rows read after the generation and, if still many, kept. */
static mnd_error_t *cached_source(ctx_t *c)
{
    char buf[KEY_MAX];
    const char *key = cache_key(buf, 'm', c->taker, c->svc->id);
    mnd_resolve_cache_entry_t *ce, *fresh;
    size_t known = key ? mnd_resolve_cache_known(c->cache, key) : 0;
    buffer_t b;
    int i;

    if (!known)
        return uncached_source(c, key);
    MND_TRY(need_generation(c));
    ce = mnd_resolve_cache_get(c->cache, c->p, key, c->generation);
    if (ce && entry_serves(c, ce->data)) {
        use_big(c, ce->data);
        return NULL;
    }
    /* Refill. A current entry that does not serve was made for later times (this entry will
     * serve both), or with a catalogue or intermediary that changed just before a
     * generation was read (by that request or this one): the fill replaces it, so a wrong
     * one does not stay. The strings go straight into the new entry's pool (held by this
     * request: if the rows turn out few, it is never published and goes with the request). */
    MND_TRY(mnd_resolve_cache_entry_create(c->cache, c->p, key, c->generation, 0, &fresh));
    /* Sized for what the taker had (a growing array would copy itself ~15 times). */
    b.rows = apr_array_make(c->p, (int)(known + known / 8 + 16), sizeof(mrow_t));
    b.strings = fresh->pool;
    MND_TRY(read_rows(c, &b));
    if (b.rows->nelts >= mnd_resolve_cache_min_rows(c->cache) &&
        mnd_resolve_cache_fits(c->cache, (size_t)b.rows->nelts)) {
        use_big(c, fill(c, fresh, b.rows));
        return NULL;
    }
    for (i = 0; i < b.rows->nelts; i++)
        take_mrow(c, &APR_ARRAY_IDX(b.rows, i, mrow_t), 0);
    return NULL;
}

static mnd_error_t *count_plain(ctx_t *c, const char *taker, long *count)
{
    const char **col = NULL;
    int found = 0;
    MND_TRY(mnd_store_query_one(c->s, c->p, "resolve_mandates_usable",
                                MND_ARGV(taker, c->svc->id, c->t_arg, c->t_arg), &found, &col,
                                NULL));
    *count = found && col[0] ? atol(col[0]) : 0;
    return NULL;
}

/* The count through the cache: a known taker's is kept with the interval of request times
 * in which it holds. */
static mnd_error_t *count_window(ctx_t *c, const char *taker, long *count)
{
    char buf[KEY_MAX];
    const char *t = c->t_arg, *key = cache_key(buf, 'n', taker, c->svc->id);
    mnd_resolve_cache_entry_t *ce;
    const char **col = NULL;
    mnd_time_t lo, hi, v;
    int found = 0, n = 0;

    if (!key || !mnd_resolve_cache_known(c->cache, key)) {
        MND_TRY(count_plain(c, taker, count));
        if (key && *count >= mnd_resolve_cache_min_rows(c->cache))
            mnd_resolve_cache_mark(c->cache, key, (size_t)*count);
        return NULL;
    }
    MND_TRY(need_generation(c));
    ce = mnd_resolve_cache_get(c->cache, c->p, key, c->generation);
    if (ce) {
        const window_t *w = ce->data;
        if (w->lo <= c->t && c->t < w->hi) {
            *count = w->count;
            return NULL;
        }
    }
    MND_TRY(mnd_store_query_one(c->s, c->p, "resolve_mandates_window",
                                MND_ARGV(t, t, t, t, t, t, taker, c->svc->id), &found, &col, &n));
    if (!found || n < 6)
        return mnd_error(c->p, MND_EINTERNAL, "resolve_mandates_window: no row");
    *count = col[1] ? atol(col[1]) : 0;
    if (!col[0] || atol(col[0]) < mnd_resolve_cache_min_rows(c->cache))
        return NULL;
    /* The count holds from the latest start or end at or before t to the next one after. */
    lo = INT64_MIN;
    if ((v = mnd_time_from_col(col[2])) != MND_TIME_NONE && v > lo)
        lo = v;
    if ((v = mnd_time_from_col(col[3])) != MND_TIME_NONE && v > lo)
        lo = v;
    hi = mnd_time_from_col(col[4]);
    if ((v = mnd_time_from_col(col[5])) < hi)
        hi = v;
    MND_TRY(
        mnd_resolve_cache_entry_create(c->cache, c->p, key, c->generation, sizeof(window_t), &ce));
    ((window_t *)ce->data)->count = *count;
    ((window_t *)ce->data)->lo = lo;
    ((window_t *)ce->data)->hi = hi;
    ce->rows = 1;
    mnd_resolve_cache_publish(c->cache, ce);
    return NULL;
}

/* How many mandates taker holds that would be usable at t. */
static mnd_error_t *count_usable(ctx_t *c, const char *taker, long *count)
{
    return c->cache ? count_window(c, taker, count) : count_plain(c, taker, count);
}

/* One near miss for the mandates taker holds, if it holds any usable one: the person
 * cannot use them for reason. Counting keeps 20,000 mandates from becoming 20,000 rows. */
static mnd_error_t *miss_taker(ctx_t *c, const char *taker, mnd_miss_reason_t reason)
{
    long count = 0;
    MND_TRY(count_usable(c, taker, &count));
    if (count > 0)
        mnd_resolve_miss_add(c, reason, MND_BASIS_MANDATE, NULL, 0, NULL)->count = count;
    return NULL;
}

/* The mandates the person holds directly (via NULL) or through organisation via. */
static mnd_error_t *mandates_of(ctx_t *c, const mnd_party_t *via)
{
    c->via = via;
    c->taker = via ? via->id : c->res->person;
    if (!mnd_resolve_accepts(c, MND_BASIS_MANDATE))
        return miss_taker(c, c->taker, MND_MISS_BASIS_NOT_ACCEPTED);
    if (via && !via->active)
        return miss_taker(c, c->taker, MND_MISS_ENTERPRISE_STOPPED);
    if (c->cache)
        return cached_source(c);
    return mnd_store_query(c->s, c->p, "resolve_mandates",
                           MND_ARGV(c->taker, c->svc->id, c->recent_arg, c->recent_arg), direct_row,
                           c);
}

mnd_error_t *mnd_resolve_mandates(ctx_t *c)
{
    int i;
    MND_TRY(mandates_of(c, NULL));
    for (i = 0; i < c->org_list->nelts; i++) {
        org_t *o = APR_ARRAY_IDX(c->org_list, i, org_t *);
        if (o->kbo_in_force || o->executor) {
            MND_TRY(mandates_of(c, &o->party));
        } else if (o->any_right && o->party.active && mnd_resolve_accepts(c, MND_BASIS_MANDATE)) {
            /* The person works there but may not execute its mandates: their local
             * administrator can grant SSM Mandaatuitvoerder. */
            c->via = &o->party;
            MND_TRY(miss_taker(c, o->party.id, MND_MISS_MISSING_EXECUTOR_RIGHT));
        }
    }
    c->via = NULL;
    return NULL;
}

/* ---- display order --------------------------------------------------------------------- */

/* An array of pointers with room for n, not zeroed (apr_array_make clears it: 160 KB for a
 * large taker, for nothing). */
static apr_array_header_t *pointers(apr_pool_t *p, int n)
{
    apr_array_header_t *a = apr_palloc(p, sizeof(*a));
    a->pool = p;
    a->elt_size = sizeof(void *);
    a->nelts = 0;
    a->nalloc = n > 0 ? n : 1;
    a->elts = apr_palloc(p, sizeof(void *) * (size_t)a->nalloc);
    return a;
}

/* Where x goes in d[from, n) (display order): the first position holding a row after x.
 * Galloping from `from`, then binary search: a few other rows cost a few comparisons each
 * and the cached rows none; two long runs merge in about one comparison per row. */
static int place(void **d, int from, int n, void *x)
{
    int lo = from, hi = n, step = 1;
    for (;;) {
        int at = from + step - 1;
        if (at >= n)
            break;
        if (mnd_resolve_cmp_heads(&d[at], &x) >= 0) {
            hi = at;
            break;
        }
        lo = at + 1;
        step *= 2;
    }
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (mnd_resolve_cmp_heads(&d[mid], &x) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The usable, not materialised rows of cached taker b in display order, with the rows of
 * run `other` (sorted) placed among them. */
static apr_array_header_t *merge_big(ctx_t *c, const big_t *b, const apr_array_header_t *other)
{
    const rentry_t *e = b->e;
    apr_array_header_t *out = pointers(c->p, e->nrows + other->nelts);
    void **dst = (void **)out->elts, **d = (void **)e->display;
    int i, j = 0, k, n = 0;

    for (k = 0; k <= other->nelts; k++) {
        void *x = k < other->nelts ? APR_ARRAY_IDX(other, k, void *) : NULL;
        int lo = x ? place(d, j, e->nrows, x) : e->nrows;
        for (i = j; i < lo; i++) {
            const crow_t *r = e->display[i];
            int idx = (int)(r - e->rows);
            if (b->taken && (b->taken[idx / 8] & (1u << (idx % 8))))
                continue;
            if ((r->plain || usable(&r->m, c->t)) && r->aset->codes->nelts > 0)
                dst[n++] = (void *)&r->h.cap;
        }
        j = lo;
        if (x)
            dst[n++] = x;
    }
    out->nelts = n;
    return out;
}

void mnd_resolve_order(ctx_t *c)
{
    apr_array_header_t *caps = c->res->capacities;
    int i;
    qsort(caps->elts, (size_t)caps->nelts, sizeof(mnd_capacity_t *), mnd_resolve_cmp_heads);
    for (i = 0; c->bigs && i < c->bigs->nelts; i++)
        caps = merge_big(c, BIG(c, i), caps);
    c->res->capacities = caps;
}
