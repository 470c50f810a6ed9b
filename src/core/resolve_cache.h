/* A process-wide cache for capacity resolution (core/resolve.c): what is expensive to read
 * and slow to change, kept between requests and dropped as soon as the store changes it.
 *
 * What is kept is rows, never a verdict: an entry holds a taker's mandates for a service as
 * the store had them at a store generation (schema table store_generation, bumped by triggers
 * on every change to mandates, services and the cached columns of parties). Whether a row is
 * usable is derived again on every request, from its state and dates, at the request's time.
 * An entry is used only while the store's generation, read by the request before the first
 * rows it may keep, equals the entry's; so a revoked mandate or a stopped giver takes effect
 * on the next request, on every node.
 *
 * Thread-safe (httpd's event MPM runs requests on threads): lookups and insertions take one
 * mutex; an entry is immutable once published and read without the lock. Entries are
 * reference counted: a request that uses one holds a reference until its pool is cleared, so
 * eviction never frees memory a resolution still points to. Each entry has its own pool
 * (its own allocator), so freeing it returns its memory at once, except that one freed pool
 * is kept, cleared, for the next entry (the next fill of the same large taker, typically).
 *
 * One cache serves one store: generations of different stores are unrelated numbers. The
 * cache must outlive every pool a resolution with it was made in. See docs/resolution.md. */
#ifndef MND_CORE_RESOLVE_CACHE_H
#define MND_CORE_RESOLVE_CACHE_H

#include "util/error.h"

#include <apr_pools.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mnd_resolve_cache_t mnd_resolve_cache_t;

/* A taker needs this many mandate rows for a service before they are cached: below it,
 * reading them costs less than a millisecond and caching them would only take memory. */
#define MND_RESOLVE_CACHE_MIN_ROWS 256
/* Rows kept in all entries together (about 400 bytes each, so about 80 MB per process). */
#define MND_RESOLVE_CACHE_MAX_ROWS 200000

/* Create a cache in p (which must outlive every use) holding at most max_rows rows in all
 * (0: MND_RESOLVE_CACHE_MAX_ROWS), least recently used entries evicted first, for takers
 * with at least min_rows rows (<= 0: MND_RESOLVE_CACHE_MIN_ROWS). */
mnd_error_t *mnd_resolve_cache_create(apr_pool_t *p, size_t max_rows, int min_rows,
                                      mnd_resolve_cache_t **out);

/* The min_rows the cache was created with. */
int mnd_resolve_cache_min_rows(const mnd_resolve_cache_t *c);

typedef struct mnd_resolve_cache_stats_t {
    size_t entries, rows;       /* published now (a kept count or a mark is one row) */
    unsigned long hits, misses; /* lookups that found a current entry, and the others */
    unsigned long stale;        /* entries dropped because the store changed */
    unsigned long marks;        /* takers marked as worth caching */
    unsigned long evictions;    /* entries dropped to stay within max_rows */
} mnd_resolve_cache_stats_t;

/* A consistent snapshot of the counters (for tests, benchmarks and status pages). */
void mnd_resolve_cache_stats(mnd_resolve_cache_t *c, mnd_resolve_cache_stats_t *out);

/* ---- entries: the resolver's side ------------------------------------------------------ */

/* Whether an entry of rows rows can be kept at all (rows <= max_rows). */
int mnd_resolve_cache_fits(const mnd_resolve_cache_t *c, size_t rows);

typedef struct mnd_resolve_cache_entry_t mnd_resolve_cache_entry_t;
struct mnd_resolve_cache_entry_t {
    const char *key;    /* what the entry is about, e.g. "m <taker> <service>" */
    int64_t generation; /* the store generation read before the rows */
    size_t rows;        /* counted toward max_rows; set before publishing */
    apr_pool_t *pool;   /* the entry's memory (NULL for an entry created with inline) */
    void *data;         /* the payload: in pool, or `inline` bytes after the entry */
    /* private to resolve_cache.c */
    mnd_resolve_cache_t *cache;
    size_t seen; /* a mark: the rows read */
    unsigned refs;
    int published;
    mnd_resolve_cache_entry_t *prev, *next; /* LRU list, most recent first */
};

/* Whether the cache holds anything for key (an entry of any generation, or a mark): only
 * then is the store generation worth reading for it. Returns how many rows it had (0: none
 * known), so that a refill can size its buffers. */
size_t mnd_resolve_cache_known(mnd_resolve_cache_t *c, const char *key);

/* Remember that key is worth caching (its `seen` rows were read without the cache), so that
 * the next request reads the generation first and fills an entry. No-op when the cache holds
 * something for key. A mark counts as one row. */
void mnd_resolve_cache_mark(mnd_resolve_cache_t *c, const char *key, size_t seen);

/* The published entry for key at generation, or NULL. A hit is referenced until request
 * pool p is cleared. An entry of an older generation (or a mark) is dropped on the way (the
 * store has changed since), one of a newer generation is left for the requests that read
 * it. */
mnd_resolve_cache_entry_t *mnd_resolve_cache_get(mnd_resolve_cache_t *c, apr_pool_t *p,
                                                 const char *key, int64_t generation);

/* A new, unpublished entry for key at generation, referenced until request pool p is
 * cleared. With inline > 0 its data is inline zeroed bytes and it has no pool (for small
 * payloads); otherwise it gets a pool of its own for the caller to fill. */
mnd_error_t *mnd_resolve_cache_entry_create(mnd_resolve_cache_t *c, apr_pool_t *p, const char *key,
                                            int64_t generation, size_t inline_size,
                                            mnd_resolve_cache_entry_t **out);

/* Publish a filled entry (e->rows set; never changed afterwards). It replaces an entry of the
 * same key and the same or an older generation (the newer fill wins: it may correct one made
 * from a catalogue read just before a change); it is dropped when one of a newer generation
 * is there, or when it alone exceeds max_rows. Either way the caller may keep using it for
 * the request. */
void mnd_resolve_cache_publish(mnd_resolve_cache_t *c, mnd_resolve_cache_entry_t *e);

#endif
