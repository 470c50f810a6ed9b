/* Capacity resolution (DESIGN.md section 2; the algorithm and its choices are explained in
 * docs/resolution.md).
 *
 * Cost shape, because an accountant firm's employee may act for 20,000 clients: a fixed
 * number of indexed queries per resolution (the service, the person, the person's KBO
 * functions, the person's rights, the mandates the person holds, then one per organisation
 * through which the person may act), each joining the party it needs so that no row costs a
 * further query. A row costs one allocation (capacity, party and strings packed together);
 * action lists are interned per distinct stored text and shared between rows; folding finds
 * earlier rows of the same party through a hash. */
#include "core/resolve.h"
#include "core/service.h"
#include "util/strlist.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Grounds that ended (expired or revoked mandates, ended KBO functions and rights) are near
 * misses for this long after they ended. Older history explains nothing the person still
 * expects, and leaving it unread keeps a long-lived store as fast as a new one. */
#define RESOLVE_RECENT ((mnd_time_t)90 * 86400)

/* Every party-bearing query starts with the party's columns in this order. */
#define PARTY_NCOLS 7
#define PARTY_COLS "p.kind, p.status, p.name_nl, p.name_fr, p.name_de, p.name_en"

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
    /* The mandates one taker holds for one service with their givers: pending ones, active
     * ones not expired before t - RESOLVE_RECENT, recently revoked ones (rejected and
     * withdrawn ones never explain anything). The last three columns classify the row at t
     * (the first three parameters): NULL for a usable mandate, else the near-miss reason, its
     * time and whose approval is awaited. A usable row reads only columns of index
     * mandate_taker and the giver: the mandate row itself is fetched for near misses only.
     * The index also gives id order, so that "the first ground" is the oldest mandate. */
    {"resolve_mandates",
     "SELECT m.giver, " PARTY_COLS ", m.id, m.actions, m.valid_until,"
     " CASE WHEN m.state = 'awaiting_approval' THEN 'mandate_pending'"
     " WHEN m.state = 'revoked' THEN 'mandate_revoked'"
     " WHEN m.valid_until <= CAST(%s AS BIGINT) THEN 'mandate_expired'"
     " WHEN m.valid_from > CAST(%s AS BIGINT) THEN 'mandate_not_yet_valid'"
     " WHEN p.status <> 'active' THEN 'enterprise_stopped' END,"
     " CASE WHEN m.state = 'awaiting_approval' THEN m.created_at"
     " WHEN m.state = 'revoked' THEN m.state_changed_at"
     " WHEN m.valid_from > CAST(%s AS BIGINT) THEN m.valid_from END,"
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

/* A set of catalogue actions: the codes in catalogue order (shared by every row with this
 * set, so read-only) and the catalogue positions as bits for subset tests. */
typedef struct aset_t {
    apr_array_header_t *codes;
    uint64_t *bits;
} aset_t;

/* One capacity and what folding and sorting need. cap comes first: res->capacities holds
 * pointers to it, and the comparator converts them back. */
typedef struct row_t {
    mnd_capacity_t cap;
    mnd_party_t party;       /* storage for the party when the row owns it */
    apr_array_header_t also; /* embedded: a row with nothing folded allocates nothing */
    const aset_t *aset;
    const char *sort_name;
    struct row_t *next_same; /* the next row of the same party */
} row_t;

typedef struct miss_t {
    mnd_near_miss_t nm;
    mnd_party_t party;
} miss_t;

/* An organisation the person is related to by a KBO function or a right. */
typedef struct org_t {
    mnd_party_t party;
    int kbo_in_force;       /* a representative function in force at t */
    mnd_time_t kbo_until;   /* latest end of those (MND_TIME_NONE: open) */
    mnd_time_t kbo_ended;   /* latest end of the ended ones, 0 if none */
    int executor;           /* ssm_mandaatuitvoerder in force */
    int any_right;          /* some right in force */
    int service_right;      /* a right for this service in force */
    mnd_time_t right_ended; /* latest end of this service's ended rights, 0 if none */
} org_t;

/* A service right in force, kept until the rights are emitted in precedence order. */
typedef struct svc_right_t {
    org_t *org;
    const char *id;
    const aset_t *aset;
    mnd_time_t until;
} svc_right_t;

typedef struct ctx_t {
    mnd_store_t *s;
    apr_pool_t *p;
    mnd_resolution_t *res;
    const mnd_service_t *svc;
    mnd_time_t t;
    const char *t_arg, *recent_arg;
    int nwords; /* 64-bit words of an action set */
    aset_t *all, *citizen;
    apr_hash_t *positions;        /* action code -> catalogue position + 1 */
    apr_hash_t *asets;            /* stored action text -> aset_t */
    apr_hash_t *by_party;         /* party id -> its first row_t */
    apr_hash_t *orgs;             /* org id -> org_t */
    apr_array_header_t *org_list; /* org_t *, sorted by id before the mandates */
    apr_array_header_t *rights;   /* svc_right_t */
    const mnd_party_t *via;       /* the taker organisation of the mandates being read */
    const char *taker;
} ctx_t;

static int accepts(const ctx_t *c, mnd_basis_t b)
{
    return (c->svc->bases & MND_BASIS_BIT(b)) != 0;
}

/* ---- parties and allocation ---------------------------------------------------------- */

static size_t party_bytes(const char *const *col)
{
    size_t n = strlen(col[0]) + 1;
    int i;
    for (i = 0; i < MND_LANG__N; i++)
        if (col[3 + i] && *col[3 + i])
            n += strlen(col[3 + i]) + 1;
    return n;
}

static char *put(char *buf, const char *s, const char **out)
{
    size_t n = strlen(s) + 1;
    memcpy(buf, s, n);
    *out = buf;
    return buf + n;
}

/* Fill *pt from the party columns (as mnd_party_from_cols reads them), copying the strings
 * to buf, which has party_bytes(col) bytes; returns the end of what was used. */
static char *party_fill(mnd_party_t *pt, char *buf, const char *const *col)
{
    int i;
    buf = put(buf, col[0], &pt->id);
    pt->kind = col[1] && strcmp(col[1], "person") == 0 ? MND_PARTY_PERSON : MND_PARTY_ORG;
    pt->active = !col[2] || strcmp(col[2], "active") == 0;
    for (i = 0; i < MND_LANG__N; i++) {
        pt->name[i] = NULL;
        if (col[3 + i] && *col[3 + i])
            buf = put(buf, col[3 + i], &pt->name[i]);
    }
    return buf;
}

static char no_elts[sizeof(mnd_ground_t *)];

/* A row for a ground of basis. The party is copied from pcol when given, else party is
 * referenced. The key is prefix followed by suffix. One allocation for all of it. */
static row_t *row_new(ctx_t *c, mnd_basis_t basis, const char *const *pcol,
                      const mnd_party_t *party, const char *prefix, const char *suffix)
{
    size_t np = pcol ? party_bytes(pcol) : 0, n1 = strlen(prefix);
    size_t n2 = suffix ? strlen(suffix) : 0;
    row_t *r = apr_palloc(c->p, sizeof(*r) + np + n1 + n2 + 1);
    char *buf = (char *)(r + 1);

    memset(r, 0, sizeof(*r));
    if (pcol) {
        buf = party_fill(&r->party, buf, pcol);
        party = &r->party;
    }
    memcpy(buf, prefix, n1);
    memcpy(buf + n1, suffix ? suffix : "", n2 + 1);
    r->cap.key = buf;
    r->cap.basis = basis;
    r->cap.party = party;
    r->cap.valid_until = MND_TIME_NONE;
    r->also.pool = c->p;
    r->also.elt_size = sizeof(mnd_ground_t *);
    r->also.elts = no_elts; /* nalloc 0: the first push allocates; elts is never NULL */
    r->cap.also = &r->also;
    return r;
}

/* A near miss, appended to the resolution; the party as in row_new (both may be absent),
 * awaiting copied when given. via is the organisation whose mandates are being read. */
static mnd_near_miss_t *miss_add(ctx_t *c, mnd_miss_reason_t reason, mnd_basis_t basis,
                                 const char *const *pcol, const mnd_party_t *party,
                                 const char *awaiting)
{
    size_t np = pcol ? party_bytes(pcol) : 0, na = awaiting ? strlen(awaiting) + 1 : 0;
    miss_t *m = apr_palloc(c->p, sizeof(*m) + np + na);
    char *buf = (char *)(m + 1);

    memset(m, 0, sizeof(*m));
    if (pcol) {
        buf = party_fill(&m->party, buf, pcol);
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

static aset_t *aset_new(ctx_t *c)
{
    aset_t *a = apr_palloc(c->p, sizeof(*a));
    a->bits = apr_pcalloc(c->p, sizeof(uint64_t) * (size_t)(c->nwords ? c->nwords : 1));
    a->codes = NULL;
    return a;
}

static void aset_set(aset_t *a, int pos)
{
    a->bits[pos / 64] |= (uint64_t)1 << (pos % 64);
}

/* The codes of a, in catalogue order. */
static aset_t *aset_finish(ctx_t *c, aset_t *a)
{
    const apr_array_header_t *cat = c->svc->actions;
    int i;
    a->codes = apr_array_make(c->p, cat->nelts ? cat->nelts : 1, sizeof(const char *));
    for (i = 0; i < cat->nelts; i++)
        if (a->bits[i / 64] & ((uint64_t)1 << (i % 64)))
            APR_ARRAY_PUSH(a->codes, const char *) = APR_ARRAY_IDX(cat, i, mnd_action_t).code;
    return a;
}

/* The set named by a stored action list, intersected with the catalogue (codes the
 * catalogue no longer has grant nothing). NULL means the whole catalogue. */
static const aset_t *aset_of(ctx_t *c, const char *text)
{
    aset_t *a;
    apr_array_header_t *codes;
    int i;

    if (!text)
        return c->all;
    a = apr_hash_get(c->asets, text, APR_HASH_KEY_STRING);
    if (a)
        return a;
    a = aset_new(c);
    codes = mnd_strlist_split(c->p, text);
    for (i = 0; i < codes->nelts; i++) {
        const char *code = APR_ARRAY_IDX(codes, i, const char *);
        intptr_t pos = (intptr_t)apr_hash_get(c->positions, code, APR_HASH_KEY_STRING);
        if (pos)
            aset_set(a, (int)pos - 1);
    }
    apr_hash_set(c->asets, apr_pstrdup(c->p, text), APR_HASH_KEY_STRING, aset_finish(c, a));
    return a;
}

static int aset_subset(const ctx_t *c, const aset_t *a, const aset_t *b)
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
    int i;
    c->nwords = (cat->nelts + 63) / 64;
    c->positions = apr_hash_make(c->p);
    c->asets = apr_hash_make(c->p);
    c->all = aset_new(c);
    c->citizen = aset_new(c);
    for (i = 0; i < cat->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(cat, i, mnd_action_t);
        apr_hash_set(c->positions, a->code, APR_HASH_KEY_STRING, (void *)(intptr_t)(i + 1));
        aset_set(c->all, i);
        if (a->citizen)
            aset_set(c->citizen, i);
    }
    aset_finish(c, c->all);
    aset_finish(c, c->citizen);
}

/* ---- offering and folding ------------------------------------------------------------ */

/* Offer row r with action set as: fold it into the first earlier row of the same party
 * whose actions include all of as, else append it. Grounds arrive in precedence order. */
static void offer(ctx_t *c, row_t *r, const aset_t *as)
{
    row_t *q, *last = NULL;
    const char *id = r->cap.party->id;

    for (q = apr_hash_get(c->by_party, id, APR_HASH_KEY_STRING); q; last = q, q = q->next_same)
        if (aset_subset(c, as, q->aset)) {
            mnd_ground_t *g = apr_palloc(c->p, sizeof(*g));
            g->basis = r->cap.basis;
            g->via = r->cap.via;
            g->mandate_id = r->cap.mandate_id;
            g->right_id = r->cap.right_id;
            APR_ARRAY_PUSH(&q->also, mnd_ground_t *) = g;
            return;
        }
    if (last)
        last->next_same = r;
    else
        apr_hash_set(c->by_party, id, APR_HASH_KEY_STRING, r);
    r->aset = as;
    r->cap.actions = as->codes;
    r->sort_name = mnd_name_pick(r->cap.party->name, MND_LANG_NL, id);
    APR_ARRAY_PUSH(c->res->capacities, mnd_capacity_t *) = &r->cap;
}

/* ---- self ---------------------------------------------------------------------------- */

static mnd_error_t *resolve_self(ctx_t *c)
{
    const char *none[PARTY_NCOLS] = {c->res->person, "person", "active", NULL, NULL, NULL, NULL};
    const char **col = NULL;
    int found = 0;

    MND_TRY(mnd_store_query_one(c->s, c->p, "resolve_party", MND_ARGV(c->res->person), &found, &col,
                                NULL));
    /* A person is a party row only once something referred to them; acting in own name
     * needs none. */
    if (!found)
        col = none;
    if (!accepts(c, MND_BASIS_SELF)) {
        miss_add(c, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_SELF, col, NULL, NULL);
        return NULL;
    }
    offer(c, row_new(c, MND_BASIS_SELF, col, NULL, "self", NULL), c->citizen);
    return NULL;
}

/* ---- organisations: KBO functions and rights ------------------------------------------ */

static org_t *org_get(ctx_t *c, const char *const *col)
{
    org_t *o = apr_hash_get(c->orgs, col[0], APR_HASH_KEY_STRING);
    if (!o) {
        o = apr_palloc(c->p, sizeof(*o) + party_bytes(col));
        memset(o, 0, sizeof(*o));
        party_fill(&o->party, (char *)(o + 1), col);
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
        sr->aset = aset_of(c, r[3]);
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
    int i;
    for (i = 0; i < c->org_list->nelts; i++) {
        org_t *o = APR_ARRAY_IDX(c->org_list, i, org_t *);
        if (o->kbo_in_force) {
            if (!accepts(c, MND_BASIS_KBO)) {
                miss_add(c, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_KBO, NULL, &o->party, NULL);
            } else if (!o->party.active) {
                miss_add(c, MND_MISS_ENTERPRISE_STOPPED, MND_BASIS_KBO, NULL, &o->party, NULL);
            } else {
                row_t *r = row_new(c, MND_BASIS_KBO, NULL, &o->party, "kbo:", o->party.id);
                r->cap.valid_until = o->kbo_until;
                offer(c, r, c->all);
            }
        } else if (o->kbo_ended && accepts(c, MND_BASIS_KBO)) {
            /* Only when no other representative function there is in force. */
            miss_add(c, MND_MISS_KBO_FUNCTION_ENDED, MND_BASIS_KBO, NULL, &o->party, NULL)->since =
                o->kbo_ended;
        }
    }
}

static void emit_rights(ctx_t *c)
{
    int i;
    for (i = 0; i < c->rights->nelts; i++) {
        svc_right_t *sr = &APR_ARRAY_IDX(c->rights, i, svc_right_t);
        if (!accepts(c, MND_BASIS_RIGHT)) {
            miss_add(c, MND_MISS_BASIS_NOT_ACCEPTED, MND_BASIS_RIGHT, NULL, &sr->org->party, NULL);
        } else if (!sr->org->party.active) {
            miss_add(c, MND_MISS_ENTERPRISE_STOPPED, MND_BASIS_RIGHT, NULL, &sr->org->party, NULL);
        } else {
            row_t *r = row_new(c, MND_BASIS_RIGHT, NULL, &sr->org->party, "right:", sr->id);
            r->cap.right_id = strtoll(sr->id, NULL, 10);
            r->cap.valid_until = sr->until;
            offer(c, r, sr->aset);
        }
    }
    /* One near miss per organisation, and none where another right for the service is in
     * force: the person then lost nothing. */
    for (i = 0; accepts(c, MND_BASIS_RIGHT) && i < c->org_list->nelts; i++) {
        org_t *o = APR_ARRAY_IDX(c->org_list, i, org_t *);
        if (o->right_ended && !o->service_right)
            miss_add(c, MND_MISS_RIGHT_ENDED, MND_BASIS_RIGHT, NULL, &o->party, NULL)->since =
                o->right_ended;
    }
}

/* ---- mandates ------------------------------------------------------------------------ */

/* Columns after the giver: id, actions, valid_until, then the classification of
 * resolve_mandates: reason code (NULL when usable), since, awaiting. */
enum { M_ID = PARTY_NCOLS, M_ACTIONS, M_UNTIL, M_REASON, M_SINCE, M_AWAITING, M_NCOLS };

static void mandate_miss(ctx_t *c, const char *const *col)
{
    mnd_near_miss_t *nm;
    int r;

    for (r = 0; r < MND_MISS__N && strcmp(miss_codes[r], col[M_REASON]) != 0; r++)
        ;
    if (r == MND_MISS__N)
        return;
    nm = miss_add(c, (mnd_miss_reason_t)r, MND_BASIS_MANDATE, col, NULL, col[M_AWAITING]);
    nm->mandate_id = strtoll(col[M_ID], NULL, 10);
    nm->since = mnd_time_from_col(r == MND_MISS_MANDATE_EXPIRED ? col[M_UNTIL] : col[M_SINCE]);
}

static mnd_error_t *mandate_row(void *baton, apr_pool_t *p, const char *const *col, int n)
{
    ctx_t *c = baton;
    row_t *r;

    if (n < M_NCOLS)
        return mnd_error(p, MND_EINTERNAL, "resolve_mandates: short row");
    if (col[M_REASON]) {
        mandate_miss(c, col);
        return NULL;
    }
    r = row_new(c, MND_BASIS_MANDATE, col, NULL, "mandate:", col[M_ID]);
    r->cap.via = c->via;
    r->cap.mandate_id = strtoll(col[M_ID], NULL, 10);
    r->cap.giver = r->party.id;
    r->cap.valid_until = mnd_time_from_col(col[M_UNTIL]);
    offer(c, r, aset_of(c, col[M_ACTIONS]));
    return NULL;
}

static mnd_error_t *count_usable(ctx_t *c, const char *taker, long *count)
{
    const char **col = NULL;
    int found = 0;
    MND_TRY(mnd_store_query_one(c->s, c->p, "resolve_mandates_usable",
                                MND_ARGV(taker, c->svc->id, c->t_arg, c->t_arg), &found, &col,
                                NULL));
    *count = found && col[0] ? atol(col[0]) : 0;
    return NULL;
}

/* One near miss for the mandates taker holds, if it holds any usable one: the person
 * cannot use them for reason. Counting keeps 20,000 mandates from becoming 20,000 rows. */
static mnd_error_t *miss_taker(ctx_t *c, const char *taker, mnd_miss_reason_t reason)
{
    long count = 0;
    MND_TRY(count_usable(c, taker, &count));
    if (count > 0)
        miss_add(c, reason, MND_BASIS_MANDATE, NULL, NULL, NULL)->count = count;
    return NULL;
}

/* The mandates the person holds directly (via NULL) or through organisation via. */
static mnd_error_t *mandates_of(ctx_t *c, const mnd_party_t *via)
{
    c->via = via;
    c->taker = via ? via->id : c->res->person;
    if (!accepts(c, MND_BASIS_MANDATE))
        return miss_taker(c, c->taker, MND_MISS_BASIS_NOT_ACCEPTED);
    if (via && !via->active)
        return miss_taker(c, c->taker, MND_MISS_ENTERPRISE_STOPPED);
    return mnd_store_query(
        c->s, c->p, "resolve_mandates",
        MND_ARGV(c->t_arg, c->t_arg, c->t_arg, c->taker, c->svc->id, c->recent_arg, c->recent_arg),
        mandate_row, c);
}

static mnd_error_t *resolve_mandates(ctx_t *c)
{
    int i;
    MND_TRY(mandates_of(c, NULL));
    for (i = 0; i < c->org_list->nelts; i++) {
        org_t *o = APR_ARRAY_IDX(c->org_list, i, org_t *);
        if (o->kbo_in_force || o->executor) {
            MND_TRY(mandates_of(c, &o->party));
        } else if (o->any_right && o->party.active && accepts(c, MND_BASIS_MANDATE)) {
            /* The person works there but may not execute its mandates: their local
             * administrator can grant SSM Mandaatuitvoerder. */
            c->via = &o->party;
            MND_TRY(miss_taker(c, o->party.id, MND_MISS_MISSING_EXECUTOR_RIGHT));
        }
    }
    c->via = NULL;
    return NULL;
}

/* ---- the resolution ------------------------------------------------------------------ */

static int cmp_opt(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

/* Display order: basis, party name (nl, then other languages, then id; case-insensitive),
 * party id, intermediary; mandate and right ids make the order total. */
static int cmp_rows(const void *va, const void *vb)
{
    const row_t *a = *(const row_t *const *)va, *b = *(const row_t *const *)vb;
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
        miss_add(c, MND_MISS_LOA_TOO_LOW, MND_BASIS_SELF, NULL, NULL, NULL)->required_loa =
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
    MND_TRY(resolve_mandates(c));
    qsort(res->capacities->elts, (size_t)res->capacities->nelts, sizeof(mnd_capacity_t *),
          cmp_rows);
    return NULL;
}

mnd_error_t *mnd_capacities(mnd_store_t *s, apr_pool_t *p, const char *person,
                            const char *service_id, mnd_time_t at, int loa, mnd_resolution_t **out)
{
    char insz[MND_INSZ_LEN + 1];
    mnd_service_t *svc;
    mnd_resolution_t *res;
    mnd_error_t *err;
    ctx_t c;

    *out = NULL;
    err = mnd_insz_parse(p, person, insz);
    if (err)
        return mnd_error_wrap(p, err, "the acting person");
    if (!service_id || !*service_id)
        return mnd_error(p, MND_EINVAL, "a service id is needed to resolve capacities");
    if (at == MND_TIME_NONE)
        return mnd_error(p, MND_EINVAL, "a point in time is needed to resolve capacities");
    MND_TRY(mnd_service_get(s, p, service_id, &svc));

    res = apr_pcalloc(p, sizeof(*res));
    res->service = svc;
    res->person = apr_pstrdup(p, insz);
    res->at = at;
    res->loa = loa;
    res->capacities = apr_array_make(p, 16, sizeof(mnd_capacity_t *));
    res->near_misses = apr_array_make(p, 8, sizeof(mnd_near_miss_t *));

    memset(&c, 0, sizeof(c));
    c.s = s;
    c.p = p;
    c.res = res;
    c.svc = svc;
    c.t = at;
    c.t_arg = mnd_time_arg(p, at);
    c.recent_arg = mnd_time_arg(p, at - RESOLVE_RECENT);
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
