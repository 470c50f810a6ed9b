/* Capacity resolution: every capacity a person may act in for a service at a time and level
 * of assurance, plus the near misses that explain what is excluded. Knows nothing of SAML,
 * OIDC or httpd.
 *
 * One party reachable through several bases: one row per distinct ground (basis,
 * intermediary, mandate), because who acts on which legal ground is what the audit and the
 * claims must state truthfully. A ground whose actions are a subset of an earlier ground for
 * the same party (precedence self, kbo, right, mandate held directly, mandate held through an
 * organisation) is folded into that earlier row and listed in its `also` array, so the
 * chooser shows a party once unless the grounds give different actions.
 * Everything a resolution points to lives in the pool given to mnd_capacities (or, with a
 * cache, in cache entries held until that pool is cleared); parties, action arrays, `also`
 * arrays and capacities may be shared between rows and between requests, so treat all of it
 * as read-only.
 * See docs/resolution.md. */
#ifndef MND_CORE_RESOLVE_H
#define MND_CORE_RESOLVE_H

#include "core/model.h"
#include "core/resolve_cache.h"
#include "store/store.h"

typedef struct mnd_ground_t {
    mnd_basis_t basis;
    const mnd_party_t *via;          /* intermediary organisation, or NULL */
    int64_t mandate_id;              /* 0 unless basis is mandate */
    int64_t right_id;                /* 0 unless basis is right */
} mnd_ground_t;

typedef struct mnd_capacity_t {
    const char *key;                 /* stable offer key: "self", "kbo:<org>", "right:<id>",
                                        "mandate:<id>" */
    mnd_basis_t basis;
    const mnd_party_t *party;        /* represented party (the person for self) */
    const mnd_party_t *via;          /* intermediary: the taker organisation of a mandate held
                                        through an organisation; NULL otherwise */
    int64_t mandate_id;              /* 0 unless basis is mandate */
    int64_t right_id;                /* 0 unless basis is right */
    const char *giver;               /* mandate giver party id (== party->id) or NULL */
    apr_array_header_t *actions;     /* action codes allowed, catalogue order */
    mnd_time_t valid_until;          /* when the ground ends, MND_TIME_NONE if open-ended */
    apr_array_header_t *also;        /* mnd_ground_t * folded into this row (may be empty) */
} mnd_capacity_t;

typedef enum mnd_miss_reason_t {
    MND_MISS_MANDATE_PENDING = 0,    /* awaiting approval by `awaiting` since `since` */
    MND_MISS_MANDATE_EXPIRED,        /* expired at `since` */
    MND_MISS_MANDATE_NOT_YET_VALID,  /* valid from `since` */
    MND_MISS_MANDATE_REVOKED,        /* revoked at `since` */
    MND_MISS_MISSING_EXECUTOR_RIGHT, /* `via` holds `count` mandates; the person lacks SSM
                                        Mandaatuitvoerder there (ask its local administrator) */
    MND_MISS_KBO_FUNCTION_ENDED,     /* function at `party` ended at `since` */
    MND_MISS_ENTERPRISE_STOPPED,     /* `party` (or the intermediary `via`) is stopped */
    MND_MISS_BASIS_NOT_ACCEPTED,     /* the service does not accept `basis` */
    MND_MISS_LOA_TOO_LOW,            /* needs level `required_loa` */
    MND_MISS_RIGHT_ENDED,            /* service right at `party` ended at `since` */
    MND_MISS__N
} mnd_miss_reason_t;

/* Stable reason codes ("mandate_pending", ...) for CLI, logs, pages and JSON. */
const char *mnd_miss_reason_code(mnd_miss_reason_t r);

typedef struct mnd_near_miss_t {
    mnd_miss_reason_t reason;
    mnd_basis_t basis;
    const mnd_party_t *party;        /* the party that could not be represented (may be NULL
                                        for a service-wide reason) */
    const mnd_party_t *via;          /* intermediary involved, or NULL */
    int64_t mandate_id;              /* 0 if none */
    mnd_time_t since;                /* see the reason; MND_TIME_NONE if not applicable */
    const char *awaiting;            /* party id whose approval is awaited (pending) */
    long count;                      /* mandates concerned (missing executor right) */
    int required_loa;                /* for MND_MISS_LOA_TOO_LOW */
} mnd_near_miss_t;

typedef struct mnd_resolution_t {
    const mnd_service_t *service;
    const char *person;              /* normalised INSZ */
    mnd_time_t at;
    int loa;
    apr_array_header_t *capacities;  /* mnd_capacity_t *, display order: basis, then party
                                        name (nl), then party id, then intermediary */
    apr_array_header_t *near_misses; /* mnd_near_miss_t * */
} mnd_resolution_t;

/* Resolve the capacities of person (normalised INSZ) for service at time at with level of
 * assurance loa. MND_ENOTFOUND for an unknown service; MND_ESTORE if the store fails (the
 * caller must then refuse: fail closed). */
mnd_error_t *mnd_capacities(mnd_store_t *s, apr_pool_t *p, const char *person,
                            const char *service_id, mnd_time_t at, int loa,
                            mnd_resolution_t **out);

/* mnd_capacities with a process-wide cache of large takers' mandate rows (see
 * core/resolve_cache.h; NULL: none, exactly mnd_capacities). The result is the same as
 * without it; capacities that come from the cache point into it (held until p is cleared)
 * and, like every part of a resolution, must not be modified. One cache per store. */
mnd_error_t *mnd_capacities_ex(mnd_store_t *s, apr_pool_t *p, mnd_resolve_cache_t *cache,
                               const char *person, const char *service_id, mnd_time_t at,
                               int loa, mnd_resolution_t **out);

/* The capacity with offer key `key` in a resolution, or NULL. */
const mnd_capacity_t *mnd_resolution_find(const mnd_resolution_t *res, const char *key);

extern const mnd_sql_t mnd_sql_resolve[];

#endif
