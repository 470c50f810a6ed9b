/* Capacity resolution (DESIGN.md section 2; the algorithm and its choices are explained in
 * docs/resolution.md). This file: the resolution as a whole, own name, KBO functions,
 * rights, action sets, folding and display order. Mandate rows and the cache of large
 * takers' rows are in core/resolve_rows.c.
 *
 * Cost shape, because an accountant firm's employee may act for 20,000 clients: a fixed
 * number of indexed queries per resolution (the service, the person, the person's KBO
 * functions, the person's rights, the mandates the person holds, then one per organisation
 * through which the person may act), each joining the party it needs so that no row costs a
 * further query. A row costs one allocation (capacity, party and strings packed together);
 * action lists are interned per distinct stored text and shared between rows; folding finds
 * earlier rows of the same party through a hash. With a cache, a large taker's rows come
 * from memory and cost a few comparisons each. */
#include "core/resolve_int.h"
#include "core/service.h"
#include "util/strlist.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const mnd_sql_t mnd_sql_resolve[] = {
    {"resolve_party", "SELECT p.id, " PARTY_COLS " FROM party p WHERE p.id = %s", NULL},
    /* Representative functions in force at t or ended since t - RESOLVE_RECENT, in
     * enterprise order from index kbo_function_holder. An enterprise without a party row
     * counts for nothing, as in core/authority.c. */
    {"resolve_kbo_functions",
     "SELECT f.enterprise, " PARTY_COLS ", f.valid_until"
     " FROM kbo_function f"
     " JOIN kbo_function_code c ON c.code = f.function_code AND c.representative = 1"
     " JOIN party p ON p.id = f.enterprise"
     " WHERE f.holder = %s AND f.valid_from <= CAST(%s AS BIGINT)"
     " AND (f.valid_until IS NULL OR f.valid_until > CAST(%s AS BIGINT))"
     " ORDER BY f.enterprise",
     NULL},
    /* Every right of the person that started and did not end (or get revoked) before
     * t - RESOLVE_RECENT; index user_right_person gives (org, id) order. */
    {"resolve_rights",
     "SELECT r.org, " PARTY_COLS ", r.id, r.kind, r.service_id, r.actions, r.valid_until,"
     " r.revoked_at"
     " FROM user_right r JOIN party p ON p.id = r.org"
     " WHERE r.person = %s AND r.valid_from <= CAST(%s AS BIGINT)"
     " AND (r.valid_until IS NULL OR r.valid_until > CAST(%s AS BIGINT))"
     " AND (r.revoked_at IS NULL OR r.revoked_at > CAST(%s AS BIGINT))"
     " ORDER BY r.org, r.id",
     NULL},
    /* The mandates one taker holds for one service with their givers, as stored (core/
     * resolve_rows.c applies the time, so that the rows can be kept): pending ones, active
     * ones not expired before the cutoff (the last two parameters), revoked ones since the
     * cutoff; rejected and withdrawn ones never explain anything. A pending or revoked row
     * also gives its time (created, revoked) and a pending one whose approval is awaited:
     * the CASEs read the mandate row only for those, so an active row is read from index
     * mandate_taker and the giver alone. The index gives id order, so that "the first
     * ground" is the oldest mandate. */
    {"resolve_mandates",
     "SELECT m.giver, " PARTY_COLS ", m.id, m.actions, m.valid_from, m.valid_until, m.state,"
     " CASE WHEN m.state = 'awaiting_approval' THEN m.created_at"
     " WHEN m.state = 'revoked' THEN m.state_changed_at END,"
     " CASE WHEN m.state = 'awaiting_approval' THEN"
     " CASE WHEN m.initiated_by_party = m.giver THEN m.taker ELSE m.giver END END"
     " FROM mandate m JOIN party p ON p.id = m.giver"
     " WHERE m.taker = %s AND m.service_id = %s"
     " AND (m.state = 'awaiting_approval'"
     " OR (m.state = 'active' AND (m.valid_until IS NULL OR m.valid_until > CAST(%s AS BIGINT)))"
     " OR (m.state = 'revoked' AND m.state_changed_at > CAST(%s AS BIGINT)))"
     " ORDER BY m.id",
     NULL},
    /* How many mandates a taker holds that would be usable at t (aggregated near misses);
     * answered from index mandate_taker alone. */
    {"resolve_mandates_usable",
     "SELECT COUNT(*) FROM mandate"
     " WHERE taker = %s AND service_id = %s AND state = 'active'"
     " AND valid_from <= CAST(%s AS BIGINT)"
     " AND (valid_until IS NULL OR valid_until > CAST(%s AS BIGINT))",
     NULL},
    /* The same count at t (first six parameters) with the interval around t in which it
     * holds (the latest start or end at or before t, the earliest after t), so that it can
     * be kept: the active mandates, the usable ones, two maxima, two minima. */
    {"resolve_mandates_window",
     "SELECT COUNT(*),"
     " SUM(CASE WHEN valid_from <= CAST(%s AS BIGINT)"
     " AND (valid_until IS NULL OR valid_until > CAST(%s AS BIGINT)) THEN 1 ELSE 0 END),"
     " MAX(CASE WHEN valid_from <= CAST(%s AS BIGINT) THEN valid_from END),"
     " MAX(CASE WHEN valid_until <= CAST(%s AS BIGINT) THEN valid_until END),"
     " MIN(CASE WHEN valid_from > CAST(%s AS BIGINT) THEN valid_from END),"
     " MIN(CASE WHEN valid_until > CAST(%s AS BIGINT) THEN valid_until END)"
     " FROM mandate WHERE taker = %s AND service_id = %s AND state = 'active'",
     NULL},
    /* The cache's reference point (schema.c: store_generation). */
    {"resolve_generation", "SELECT n FROM store_generation WHERE id = 1", NULL},
    {NULL, NULL, NULL},
};

static const char *const miss_codes[MND_MISS__N] = {
    "mandate_pending",    "mandate_expired",        "mandate_not_yet_valid",
    "mandate_revoked",    "missing_executor_right", "kbo_function_ended",
    "enterprise_stopped", "basis_not_accepted",     "loa_too_low",
    "right_ended",
};

const char *mnd_miss_reason_code(mnd_miss_reason_t r)
{
    return (unsigned)r < MND_MISS__N ? miss_codes[r] : "unknown";
}

typedef struct miss_t {
    mnd_near_miss_t nm;
    mnd_party_t party;
} miss_t;

/* A service right in force, kept until the rights are emitted in precedence order. */
typedef struct svc_right_t {
    org_t *org;
    const char *id;
    const aset_t *aset;
    mnd_time_t until;
} svc_right_t;

int mnd_resolve_accepts(const ctx_t *c, mnd_basis_t b)
{
    return (c->svc->bases & MND_BASIS_BIT(b)) != 0;
}

/* ---- parties and allocation ---------------------------------------------------------- */

/* A party over the party columns of a row (strings not copied). */
void mnd_resolve_party_from_cols(mnd_party_t *pt, const char *const *col)
{
    int i;
    pt->id = col[0];
    pt->kind = col[1] && strcmp(col[1], "person") == 0 ? MND_PARTY_PERSON : MND_PARTY_ORG;
    pt->active = !col[2] || strcmp(col[2], "active") == 0;
    for (i = 0; i < MND_LANG__N; i++)
        pt->name[i] = col[3 + i] && *col[3 + i] ? col[3 + i] : NULL;
}

size_t mnd_resolve_party_bytes(const mnd_party_t *pt)
{
    size_t n = strlen(pt->id) + 1;
    int i;
    for (i = 0; i < MND_LANG__N; i++)
        if (pt->name[i])
            n += strlen(pt->name[i]) + 1;
    return n;
}

static char *put(char *buf, const char *s, const char **out)
{
    size_t n = strlen(s) + 1;
    memcpy(buf, s, n);
    *out = buf;
    return buf + n;
}

/* Copy party src to dst with its strings in buf (mnd_resolve_party_bytes(src) bytes); returns the
 * end of what was used. */
char *mnd_resolve_party_copy(mnd_party_t *dst, char *buf, const mnd_party_t *src)
{
    int i;
    buf = put(buf, src->id, &dst->id);
    dst->kind = src->kind;
    dst->active = src->active;
    for (i = 0; i < MND_LANG__N; i++) {
        dst->name[i] = NULL;
        if (src->name[i])
            buf = put(buf, src->name[i], &dst->name[i]);
    }
    return buf;
}

static char no_elts[sizeof(mnd_ground_t *)];

/* A row for a ground of basis over party, which is copied into the row when copy is set
 * and referenced otherwise. The key is prefix followed by suffix. One allocation. */
row_t *mnd_resolve_row_new(ctx_t *c, mnd_basis_t basis, const mnd_party_t *party, int copy,
                           const char *prefix, const char *suffix)
{
    size_t np = copy ? mnd_resolve_party_bytes(party) : 0, n1 = strlen(prefix);
    size_t n2 = suffix ? strlen(suffix) : 0;
    row_t *r = apr_palloc(c->p, sizeof(*r) + np + n1 + n2 + 1);
    char *buf = (char *)(r + 1);

    memset(r, 0, sizeof(*r));
    if (copy) {
        buf = mnd_resolve_party_copy(&r->party, buf, party);
        party = &r->party;
    }
    memcpy(buf, prefix, n1);
    memcpy(buf + n1, suffix ? suffix : "", n2 + 1);
    r->h.cap.key = buf;
    r->h.cap.basis = basis;
    r->h.cap.party = party;
    r->h.cap.valid_until = MND_TIME_NONE;
    r->also.pool = c->p;
    r->also.elt_size = sizeof(mnd_ground_t *);
    r->also.elts = no_elts; /* nalloc 0: the first push allocates; elts is never NULL */
    r->h.cap.also = &r->also;
    return r;
}

/* A near miss, appended to the resolution; the party as in mnd_resolve_row_new (may be
 * absent), awaiting copied when given. via is the organisation whose mandates are read. */
mnd_near_miss_t *mnd_resolve_miss_add(ctx_t *c, mnd_miss_reason_t reason, mnd_basis_t basis,
                                      const mnd_party_t *party, int copy, const char *awaiting)
{
    size_t np = party && copy ? mnd_resolve_party_bytes(party) : 0;
    size_t na = awaiting ? strlen(awaiting) + 1 : 0;
    miss_t *m = apr_palloc(c->p, sizeof(*m) + np + na);
    char *buf = (char *)(m + 1);

    memset(m, 0, sizeof(*m));
    if (party && copy) {
        buf = mnd_resolve_party_copy(&m->party, buf, party);
        party = &m->party;
    }
    if (awaiting)
        put(buf, awaiting, &m->nm.awaiting);
    m->nm.reason = reason;
    m->nm.basis = basis;
    m->nm.party = party;
    m->nm.via = c->via;
    m->nm.since = MND_TIME_NONE;
    APR_ARRAY_PUSH(c->res->near_misses, mnd_near_miss_t *) = &m->nm;
    return &m->nm;
}

/* ---- action sets --------------------------------------------------------------------- */

static aset_t *aset_new(const ctx_t *c, apr_pool_t *pool)
{
    aset_t *a = apr_palloc(pool, sizeof(*a));
    a->bits = apr_pcalloc(pool, sizeof(uint64_t) * (size_t)(c->nwords ? c->nwords : 1));
    a->codes = NULL;
    return a;
}

static void aset_set(aset_t *a, int pos)
{
    a->bits[pos / 64] |= (uint64_t)1 << (pos % 64);
}

/* The codes of a, in catalogue order, taken from codes (the catalogue's, in pool's life). */
static aset_t *aset_finish(const ctx_t *c, apr_pool_t *pool, aset_t *a, const char *const *codes)
{
    int i, n = c->svc->actions->nelts;
    a->codes = apr_array_make(pool, n ? n : 1, sizeof(const char *));
    for (i = 0; i < n; i++)
        if (a->bits[i / 64] & ((uint64_t)1 << (i % 64)))
            APR_ARRAY_PUSH(a->codes, const char *) = codes[i];
    return a;
}

aset_t *mnd_resolve_aset_parse(ctx_t *c, apr_pool_t *pool, const char *text,
                               const char *const *codes)
{
    aset_t *a = aset_new(c, pool);
    apr_array_header_t *list = mnd_strlist_split(c->p, text);
    int i;
    for (i = 0; i < list->nelts; i++) {
        const char *code = APR_ARRAY_IDX(list, i, const char *);
        intptr_t pos = (intptr_t)apr_hash_get(c->positions, code, APR_HASH_KEY_STRING);
        if (pos)
            aset_set(a, (int)pos - 1);
    }
    return aset_finish(c, pool, a, codes);
}

/* The set named by a stored action list, intersected with the catalogue (codes the
 * catalogue no longer has grant nothing). NULL means the whole catalogue. */
const aset_t *mnd_resolve_aset_of(ctx_t *c, const char *text)
{
    aset_t *a;
    if (!text)
        return c->all;
    a = apr_hash_get(c->asets, text, APR_HASH_KEY_STRING);
    if (a)
        return a;
    a = mnd_resolve_aset_parse(c, c->p, text, c->codes);
    apr_hash_set(c->asets, apr_pstrdup(c->p, text), APR_HASH_KEY_STRING, a);
    return a;
}

int mnd_resolve_aset_subset(const ctx_t *c, const aset_t *a, const aset_t *b)
{
    int w;
    if (a == b)
        return 1;
    for (w = 0; w < c->nwords; w++)
        if (a->bits[w] & ~b->bits[w])
            return 0;
    return 1;
}

static void catalogue_init(ctx_t *c)
{
    const apr_array_header_t *cat = c->svc->actions;
    const char **codes = apr_palloc(c->p, sizeof(*codes) * (size_t)(cat->nelts + 1));
    int i;
    c->nwords = (cat->nelts + 63) / 64;
    c->positions = apr_hash_make(c->p);
    c->asets = apr_hash_make(c->p);
    c->all = aset_new(c, c->p);
    c->citizen = aset_new(c, c->p);
    for (i = 0; i < cat->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(cat, i, mnd_action_t);
        apr_hash_set(c->positions, a->code, APR_HASH_KEY_STRING, (void *)(intptr_t)(i + 1));
        codes[i] = a->code;
        aset_set(c->all, i);
        if (a->citizen)
            aset_set(c->citizen, i);
    }
    c->codes = codes;
    aset_finish(c, c->p, c->all, codes);
    aset_finish(c, c->p, c->citizen, codes);
}

/* ---- offering and folding ------------------------------------------------------------ */

void mnd_resolve_offer_plain(ctx_t *c, row_t *r, const aset_t *as)
{
    row_t *q, *last = NULL;
    const char *id = r->h.cap.party->id;

    /* A ground whose actions all left the catalogue allows nothing: offering it would let a
     * person choose a party and then do nothing there. */
    if (as->codes->nelts == 0)
        return;

    for (q = apr_hash_get(c->by_party, id, APR_HASH_KEY_STRING); q; last = q, q = q->next_same)
        if (mnd_resolve_aset_subset(c, as, q->aset)) {
            mnd_ground_t *g = apr_palloc(c->p, sizeof(*g));
            g->basis = r->h.cap.basis;
            g->via = r->h.cap.via;
            g->mandate_id = r->h.cap.mandate_id;
            g->right_id = r->h.cap.right_id;
            APR_ARRAY_PUSH(&q->also, mnd_ground_t *) = g;
            return;
        }
    if (last)
        last->next_same = r;
    else
        apr_hash_set(c->by_party, id, APR_HASH_KEY_STRING, r);
    r->aset = as;
    r->h.cap.actions = as->codes;
    r->h.sort_name = mnd_name_pick(r->h.cap.party->name, MND_LANG_NL, id);
    APR_ARRAY_PUSH(c->res->capacities, mnd_capacity_t *) = &r->h.cap;
}

/* Offer row r with action set as: fold it into the first earlier row of the same party
 * whose actions include all of as, else append it. Grounds arrive in precedence order; the
 * rows that cached takers (read earlier) hold for the party are offered first. */
void mnd_resolve_offer(ctx_t *c, row_t *r, const aset_t *as)
{
    if (c->bigs && c->bigs->nelts)
        mnd_resolve_materialize(c, r->h.cap.party->id);
    mnd_resolve_offer_plain(c, r, as);
}

/* ---- self ---------------------------------------------------------------------------- */

static mnd_error_t *resolve_self(ctx_t *c)
{
    mnd_party_t self = {c->res->person, MND_PARTY_PERSON, {NULL, NULL, NULL, NULL}, 1};
    const char **col = NULL;
    int found = 0;

    MND_TRY(mnd_store_query_one(c->s, c->p, "resolve_party", MND_ARGV(c->res->person), &found, &col,
                                NULL));
    /* A person is a party row only once something referred to them; acting in own name
     * needs none. */
    if (found)
        mnd_resolve_party_from_cols(&self, col);
    if (!mnd_resolve_accepts(c, MND_BASIS_SELF)) {
        mnd_resolve_miss_add(c, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_SELF, &self, 1, NULL);
        return NULL;
    }
    mnd_resolve_offer(c, mnd_resolve_row_new(c, MND_BASIS_SELF, &self, 1, "self", NULL),
                      c->citizen);
    return NULL;
}

/* ---- organisations: KBO functions and rights ------------------------------------------ */

static org_t *org_get(ctx_t *c, const char *const *col)
{
    org_t *o = apr_hash_get(c->orgs, col[0], APR_HASH_KEY_STRING);
    if (!o) {
        mnd_party_t pt;
        mnd_resolve_party_from_cols(&pt, col);
        o = apr_palloc(c->p, sizeof(*o) + mnd_resolve_party_bytes(&pt));
        memset(o, 0, sizeof(*o));
        mnd_resolve_party_copy(&o->party, (char *)(o + 1), &pt);
        apr_hash_set(c->orgs, o->party.id, APR_HASH_KEY_STRING, o);
        APR_ARRAY_PUSH(c->org_list, org_t *) = o;
    }
    return o;
}

static mnd_time_t later(mnd_time_t a, mnd_time_t b)
{
    return a > b ? a : b;
}

static mnd_error_t *kbo_row(void *baton, apr_pool_t *p, const char *const *col, int n)
{
    ctx_t *c = baton;
    org_t *o;
    mnd_time_t until;

    if (n < PARTY_NCOLS + 1)
        return mnd_error(p, MND_EINTERNAL, "resolve_kbo_functions: short row");
    o = org_get(c, col);
    until = mnd_time_from_col(col[PARTY_NCOLS]);
    if (until > c->t) {
        o->kbo_until = o->kbo_in_force ? later(o->kbo_until, until) : until;
        o->kbo_in_force = 1;
    } else {
        o->kbo_ended = later(o->kbo_ended, until);
    }
    return NULL;
}

/* Columns after the party: id, kind, service_id, actions, valid_until, revoked_at. */
static mnd_error_t *right_row(void *baton, apr_pool_t *p, const char *const *col, int n)
{
    ctx_t *c = baton;
    const char *const *r = col + PARTY_NCOLS;
    mnd_time_t until, revoked;
    org_t *o;
    int in_force, mine;

    if (n < PARTY_NCOLS + 6)
        return mnd_error(p, MND_EINTERNAL, "resolve_rights: short row");
    o = org_get(c, col);
    until = mnd_time_from_col(r[4]);
    revoked = mnd_time_from_col(r[5]);
    if (revoked < until)
        until = revoked;
    in_force = until > c->t;
    mine = strcmp(r[1], "service") == 0 && r[2] && strcmp(r[2], c->svc->id) == 0;
    if (in_force) {
        o->any_right = 1;
        if (strcmp(r[1], mnd_right_kind_name(MND_RIGHT_MANDATE_EXECUTOR)) == 0)
            o->executor = 1;
    }
    if (mine && in_force) {
        svc_right_t *sr = apr_array_push(c->rights);
        o->service_right = 1;
        sr->org = o;
        sr->id = apr_pstrdup(c->p, r[0]);
        sr->aset = mnd_resolve_aset_of(c, r[3]);
        sr->until = until;
    } else if (mine) {
        o->right_ended = later(o->right_ended, until);
    }
    return NULL;
}

static int cmp_org(const void *a, const void *b)
{
    return strcmp((*(org_t *const *)a)->party.id, (*(org_t *const *)b)->party.id);
}

static void emit_kbo(ctx_t *c)
{
    int i, ok = mnd_resolve_accepts(c, MND_BASIS_KBO);
    for (i = 0; i < c->org_list->nelts; i++) {
        org_t *o = APR_ARRAY_IDX(c->org_list, i, org_t *);
        if (o->kbo_in_force) {
            if (!ok) {
                mnd_resolve_miss_add(c, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_KBO, &o->party, 0,
                                     NULL);
            } else if (!o->party.active) {
                mnd_resolve_miss_add(c, MND_MISS_ENTERPRISE_STOPPED, MND_BASIS_KBO, &o->party, 0,
                                     NULL);
            } else {
                row_t *r = mnd_resolve_row_new(c, MND_BASIS_KBO, &o->party, 0, "kbo:", o->party.id);
                r->h.cap.valid_until = o->kbo_until;
                mnd_resolve_offer(c, r, c->all);
            }
        } else if (o->kbo_ended && ok) {
            /* Only when no other representative function there is in force. */
            mnd_resolve_miss_add(c, MND_MISS_KBO_FUNCTION_ENDED, MND_BASIS_KBO, &o->party, 0, NULL)
                ->since = o->kbo_ended;
        }
    }
}

static void emit_rights(ctx_t *c)
{
    int i, ok = mnd_resolve_accepts(c, MND_BASIS_RIGHT);
    for (i = 0; i < c->rights->nelts; i++) {
        svc_right_t *sr = &APR_ARRAY_IDX(c->rights, i, svc_right_t);
        const mnd_party_t *org = &sr->org->party;
        if (!ok) {
            mnd_resolve_miss_add(c, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_RIGHT, org, 0, NULL);
        } else if (!org->active) {
            mnd_resolve_miss_add(c, MND_MISS_ENTERPRISE_STOPPED, MND_BASIS_RIGHT, org, 0, NULL);
        } else {
            row_t *r = mnd_resolve_row_new(c, MND_BASIS_RIGHT, org, 0, "right:", sr->id);
            r->h.cap.right_id = strtoll(sr->id, NULL, 10);
            r->h.cap.valid_until = sr->until;
            mnd_resolve_offer(c, r, sr->aset);
        }
    }
    /* One near miss per organisation, and none where another right for the service is in
     * force: the person then lost nothing. */
    for (i = 0; ok && i < c->org_list->nelts; i++) {
        org_t *o = APR_ARRAY_IDX(c->org_list, i, org_t *);
        if (o->right_ended && !o->service_right)
            mnd_resolve_miss_add(c, MND_MISS_RIGHT_ENDED, MND_BASIS_RIGHT, &o->party, 0, NULL)
                ->since = o->right_ended;
    }
}

/* ---- the resolution ------------------------------------------------------------------ */

static int cmp_opt(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

/* Display order: basis, party name (nl, then other languages, then id; case-insensitive),
 * party id, intermediary; mandate and right ids make the order total. Over pointers to
 * row heads (capacity pointers), whichever kind of row they head. */
int mnd_resolve_cmp_heads(const void *va, const void *vb)
{
    const row_head_t *a = *(const row_head_t *const *)va, *b = *(const row_head_t *const *)vb;
    int d;
    if (a->cap.basis != b->cap.basis)
        return a->cap.basis < b->cap.basis ? -1 : 1;
    if ((d = strcasecmp(a->sort_name, b->sort_name)) || (d = strcmp(a->sort_name, b->sort_name)) ||
        (d = strcmp(a->cap.party->id, b->cap.party->id)) ||
        (d = cmp_opt(a->cap.via ? a->cap.via->id : NULL, b->cap.via ? b->cap.via->id : NULL)))
        return d;
    if (a->cap.mandate_id != b->cap.mandate_id)
        return a->cap.mandate_id < b->cap.mandate_id ? -1 : 1;
    return a->cap.right_id < b->cap.right_id ? -1 : a->cap.right_id > b->cap.right_id;
}

static mnd_error_t *resolve_all(ctx_t *c)
{
    mnd_resolution_t *res = c->res;
    const char *person = res->person;

    if (res->loa < c->svc->min_loa) {
        /* Nothing is offered below the service's level: the person must log in again with
         * a stronger means, whatever the capacity. */
        mnd_resolve_miss_add(c, MND_MISS_LOA_TOO_LOW, MND_BASIS_SELF, NULL, 0, NULL)->required_loa =
            c->svc->min_loa;
        return NULL;
    }
    MND_TRY(resolve_self(c));
    MND_TRY(mnd_store_query(c->s, c->p, "resolve_kbo_functions",
                            MND_ARGV(person, c->t_arg, c->recent_arg), kbo_row, c));
    MND_TRY(mnd_store_query(c->s, c->p, "resolve_rights",
                            MND_ARGV(person, c->t_arg, c->recent_arg, c->recent_arg), right_row,
                            c));
    qsort(c->org_list->elts, (size_t)c->org_list->nelts, sizeof(org_t *), cmp_org);
    emit_kbo(c);
    emit_rights(c);
    MND_TRY(mnd_resolve_mandates(c));
    mnd_resolve_order(c);
    return NULL;
}

static mnd_error_t *check_input(apr_pool_t *p, const char *person, const char *service_id,
                                mnd_time_t at, char *insz)
{
    mnd_error_t *err = mnd_insz_parse(p, person, insz);
    if (err)
        return mnd_error_wrap(p, err, "the acting person");
    if (!service_id || !*service_id)
        return mnd_error(p, MND_EINVAL, "a service id is needed to resolve capacities");
    if (at == MND_TIME_NONE)
        return mnd_error(p, MND_EINVAL, "a point in time is needed to resolve capacities");
    return NULL;
}

mnd_error_t *mnd_capacities_ex(mnd_store_t *s, apr_pool_t *p, mnd_resolve_cache_t *cache,
                               const char *person, const char *service_id, mnd_time_t at, int loa,
                               mnd_resolution_t **out)
{
    char insz[MND_INSZ_LEN + 1];
    mnd_service_t *svc;
    mnd_resolution_t *res;
    mnd_error_t *err;
    ctx_t c;

    *out = NULL;
    MND_TRY(check_input(p, person, service_id, at, insz));
    memset(&c, 0, sizeof(c));
    c.s = s;
    c.p = p;
    c.cache = cache;
    MND_TRY(mnd_service_get(s, p, service_id, &svc));

    res = apr_pcalloc(p, sizeof(*res));
    res->service = svc;
    res->person = apr_pstrdup(p, insz);
    res->at = at;
    res->loa = loa;
    res->capacities = apr_array_make(p, 16, sizeof(mnd_capacity_t *));
    res->near_misses = apr_array_make(p, 8, sizeof(mnd_near_miss_t *));

    c.res = res;
    c.svc = svc;
    c.t = at;
    c.recent = at - RESOLVE_RECENT;
    c.t_arg = mnd_time_arg(p, at);
    c.recent_arg = mnd_time_arg(p, c.recent);
    c.by_party = apr_hash_make(p);
    c.orgs = apr_hash_make(p);
    c.org_list = apr_array_make(p, 8, sizeof(org_t *));
    c.rights = apr_array_make(p, 4, sizeof(svc_right_t));
    catalogue_init(&c);
    err = resolve_all(&c);
    if (err)
        return mnd_error_wrap(p, err, "resolving the capacities of %s for %s",
                              mnd_insz_mask(p, insz), service_id);
    *out = res;
    return NULL;
}

mnd_error_t *mnd_capacities(mnd_store_t *s, apr_pool_t *p, const char *person,
                            const char *service_id, mnd_time_t at, int loa, mnd_resolution_t **out)
{
    return mnd_capacities_ex(s, p, NULL, person, service_id, at, loa, out);
}

const mnd_capacity_t *mnd_resolution_find(const mnd_resolution_t *res, const char *key)
{
    int i;
    if (!res || !key)
        return NULL;
    for (i = 0; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *cap = APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *);
        if (strcmp(cap->key, key) == 0)
            return cap;
    }
    return NULL;
}
