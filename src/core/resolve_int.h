/* Internals shared by the resolver's files: core/resolve.c (the resolution, self, KBO
 * functions, rights, folding, order) and core/resolve_rows.c (mandate rows: reading,
 * classifying at the request's time, the cache). Not an API. */
#ifndef MND_CORE_RESOLVE_INT_H
#define MND_CORE_RESOLVE_INT_H

#include "core/resolve.h"
#include "core/resolve_cache.h"

#include <apr_hash.h>

/* Grounds that ended (expired or revoked mandates, ended KBO functions and rights) are near
 * misses for this long after they ended. Older history explains nothing the person still
 * expects, and leaving it unread keeps a long-lived store as fast as a new one. */
#define RESOLVE_RECENT ((mnd_time_t)90 * 86400)

/* Every party-bearing query starts with the party's columns in this order. */
#define PARTY_NCOLS 7
#define PARTY_COLS "p.kind, p.status, p.name_nl, p.name_fr, p.name_de, p.name_en"

/* A set of catalogue actions: the codes in catalogue order (shared by every row with this
 * set, so read-only) and the catalogue positions as bits for subset tests. */
typedef struct aset_t {
    apr_array_header_t *codes;
    uint64_t *bits;
} aset_t;

/* What display order and the merge of sorted runs need of any offered row; first member of
 * both row kinds, so a capacity pointer is also a pointer to its head. */
typedef struct row_head_t {
    mnd_capacity_t cap;
    const char *sort_name;
} row_head_t;

/* One capacity of this request and what folding needs. */
typedef struct row_t {
    row_head_t h;
    mnd_party_t party;       /* storage for the party when the row owns it */
    apr_array_header_t also; /* embedded: a row with nothing folded allocates nothing */
    const aset_t *aset;
    struct row_t *next_same; /* the next row of the same party */
} row_t;

/* A mandate row as read, before time is applied. */
typedef struct mrow_t {
    mnd_party_t giver;
    int64_t id;
    const char *id_text;
    const char *actions; /* as stored */
    mnd_time_t valid_from, valid_until;
    mnd_time_t since;          /* created (pending), state changed (revoked), else NONE */
    const char *awaiting;      /* pending: the party whose approval is awaited */
    mnd_mandate_state_t state; /* awaiting approval, active or revoked */
} mrow_t;

/* What a mandate row is at time t: usable, a near miss (a reason), or nothing to say. */
#define MROW_USABLE (-1)
#define MROW_SILENT (-2)

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

typedef struct ctx_t {
    mnd_store_t *s;
    apr_pool_t *p;
    mnd_resolution_t *res;
    const mnd_service_t *svc;
    mnd_time_t t, recent;                      /* recent: t - RESOLVE_RECENT */
    const char *t_arg, *recent_arg, *wide_arg; /* wide_arg: recent - margin, made once */
    int nwords;                                /* 64-bit words of an action set */
    aset_t *all, *citizen;
    const char *const *codes;     /* the catalogue's codes by position */
    apr_hash_t *positions;        /* action code -> catalogue position + 1 */
    apr_hash_t *asets;            /* stored action text -> aset_t */
    apr_hash_t *by_party;         /* party id -> its first row_t */
    apr_hash_t *orgs;             /* org id -> org_t */
    apr_array_header_t *org_list; /* org_t *, sorted by id before the mandates */
    apr_array_header_t *rights;   /* svc_right_t */
    const mnd_party_t *via;       /* the taker organisation of the mandates being read */
    const char *taker;
    /* the cache (NULL without one) */
    mnd_resolve_cache_t *cache;
    int64_t generation; /* read before the first cached taker's rows, once */
    int have_generation;
    long rows_read;           /* rows of the taker just read without the cache */
    apr_array_header_t *bigs; /* big_t: cached takers of this request, in precedence order */
    apr_hash_t *materialized; /* party id -> how many bigs were offered for it */
} ctx_t;

/* ---- resolve.c ---- */
/* A party over the party columns of a row (strings not copied). */
void mnd_resolve_party_from_cols(mnd_party_t *pt, const char *const *col);
/* Bytes the strings of pt take, and a copy of src into dst with its strings in buf (that
 * many bytes); returns the end of what was used. */
size_t mnd_resolve_party_bytes(const mnd_party_t *pt);
char *mnd_resolve_party_copy(mnd_party_t *dst, char *buf, const mnd_party_t *src);
int mnd_resolve_accepts(const ctx_t *c, mnd_basis_t b);
/* The interned action set of a stored action list (NULL: the whole catalogue). */
const aset_t *mnd_resolve_aset_of(ctx_t *c, const char *text);
/* A new action set for text in pool, its codes taken from codes (the catalogue's codes by
 * position, living as long as pool). */
aset_t *mnd_resolve_aset_parse(ctx_t *c, apr_pool_t *pool, const char *text,
                               const char *const *codes);
int mnd_resolve_aset_subset(const ctx_t *c, const aset_t *a, const aset_t *b);
/* A row for a ground of basis over party (copied into the row when copy is set, else
 * referenced); the key is prefix followed by suffix (may be NULL). */
row_t *mnd_resolve_row_new(ctx_t *c, mnd_basis_t basis, const mnd_party_t *party, int copy,
                           const char *prefix, const char *suffix);
/* A near miss appended to the resolution; party (may be NULL) as in mnd_resolve_row_new,
 * awaiting copied when given, via from c->via. */
mnd_near_miss_t *mnd_resolve_miss_add(ctx_t *c, mnd_miss_reason_t reason, mnd_basis_t basis,
                                      const mnd_party_t *party, int copy, const char *awaiting);
/* Offer r with action set as in precedence order (folding into an earlier row of its party
 * whose actions include as). Cached takers' rows of that party are offered first. */
void mnd_resolve_offer(ctx_t *c, row_t *r, const aset_t *as);
/* Offer without looking at cached takers (their own rows, in precedence order). */
void mnd_resolve_offer_plain(ctx_t *c, row_t *r, const aset_t *as);
/* Display order over pointers to row heads. */
int mnd_resolve_cmp_heads(const void *va, const void *vb);

/* ---- resolve_rows.c ---- */
/* Every mandate source: the person's own, then each organisation's, in precedence order. */
mnd_error_t *mnd_resolve_mandates(ctx_t *c);
/* Offer the rows that cached takers registered so far hold for party id, once. */
void mnd_resolve_materialize(ctx_t *c, const char *id);
/* Put the capacities in display order, merging cached takers' pre-sorted rows. */
void mnd_resolve_order(ctx_t *c);

#endif
