/* The resolution cache's bookkeeping: a hash by key, an LRU list, reference counts and one
 * mutex. It knows nothing of what the entries hold (core/resolve_rows.c fills them). */
#include "core/resolve_cache.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <stdlib.h>
#include <string.h>

/* The generation of a mark: older than any store's. */
#define MARK_GENERATION (-1)
/* Entries freed after unlocking, per insertion (any further ones are freed under the lock). */
#define DROP_MAX 8

struct mnd_resolve_cache_t {
    apr_pool_t *pool;
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    apr_hash_t *entries; /* key -> published entry */
    apr_pool_t *spare;   /* a cleared entry pool kept for reuse, or NULL */
    mnd_resolve_cache_entry_t *head, *tail;
    size_t max_rows;
    int min_rows;
    mnd_resolve_cache_stats_t stats;
};

static void lock(mnd_resolve_cache_t *c)
{
#if APR_HAS_THREADS
    if (c && c->mutex)
        apr_thread_mutex_lock(c->mutex);
#else
    (void)c;
#endif
}

static void unlock(mnd_resolve_cache_t *c)
{
#if APR_HAS_THREADS
    if (c && c->mutex)
        apr_thread_mutex_unlock(c->mutex);
#else
    (void)c;
#endif
}

static void entry_destroy(mnd_resolve_cache_entry_t *e)
{
    if (e->pool)
        apr_pool_destroy(e->pool); /* the entry itself lives in its pool */
    else
        free(e);
}

/* Free an entry nobody uses (lock not held). Its pool, cleared, is kept for the next entry
 * if the spare place is free: a large taker's entry is replaced after every store change,
 * and reusing the memory spares the next fill mapping and faulting in megabytes again. */
static void entry_free(mnd_resolve_cache_entry_t *e)
{
    mnd_resolve_cache_t *c = e->cache;
    apr_pool_t *pool = e->pool;
    if (!pool || !c) {
        entry_destroy(e);
        return;
    }
    apr_pool_clear(pool); /* e is gone */
    lock(c);
    if (!c->spare) {
        c->spare = pool;
        pool = NULL;
    }
    unlock(c);
    if (pool)
        apr_pool_destroy(pool);
}

static void lru_unlink(mnd_resolve_cache_t *c, mnd_resolve_cache_entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(mnd_resolve_cache_t *c, mnd_resolve_cache_entry_t *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

/* Take a published entry out of the cache (lock held). Returns 1 when nobody uses it any
 * more: the caller frees it after unlocking. */
static int unpublish(mnd_resolve_cache_t *c, mnd_resolve_cache_entry_t *e)
{
    apr_hash_set(c->entries, e->key, APR_HASH_KEY_STRING, NULL);
    lru_unlink(c, e);
    e->published = 0;
    c->stats.entries--;
    c->stats.rows -= e->rows;
    return e->refs == 0;
}

/* Request pool cleanup: drop the request's reference. */
static apr_status_t entry_release(void *data)
{
    mnd_resolve_cache_entry_t *e = data;
    mnd_resolve_cache_t *c = e->cache;
    int gone;
    lock(c);
    gone = --e->refs == 0 && !e->published;
    unlock(c);
    if (gone)
        entry_free(e);
    return APR_SUCCESS;
}

static void hold(mnd_resolve_cache_entry_t *e, apr_pool_t *p)
{
    e->refs++;
    apr_pool_cleanup_register(p, e, entry_release, apr_pool_cleanup_null);
}

/* Cache pool cleanup: free what nobody holds; an entry still held by a pool that outlives
 * the cache (a caller's mistake) is freed by its last release without the mutex. */
static apr_status_t cache_cleanup(void *data)
{
    mnd_resolve_cache_t *c = data;
    mnd_resolve_cache_entry_t *e = c->head, *next;
    for (; e; e = next) {
        next = e->next;
        e->published = 0;
        e->cache = NULL;
        if (e->refs == 0)
            entry_destroy(e);
    }
    c->head = c->tail = NULL;
    if (c->spare)
        apr_pool_destroy(c->spare);
    c->spare = NULL;
#if APR_HAS_THREADS
    c->mutex = NULL; /* destroyed with the pool */
#endif
    return APR_SUCCESS;
}

mnd_error_t *mnd_resolve_cache_create(apr_pool_t *p, size_t max_rows, int min_rows,
                                      mnd_resolve_cache_t **out)
{
    mnd_resolve_cache_t *c = apr_pcalloc(p, sizeof(*c));
    *out = NULL;
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS)
        return mnd_error(p, MND_EINTERNAL, "cannot create the resolution cache's mutex");
#endif
    c->pool = p;
    c->entries = apr_hash_make(p);
    c->max_rows = max_rows ? max_rows : MND_RESOLVE_CACHE_MAX_ROWS;
    c->min_rows = min_rows > 0 ? min_rows : MND_RESOLVE_CACHE_MIN_ROWS;
    apr_pool_cleanup_register(p, c, cache_cleanup, apr_pool_cleanup_null);
    *out = c;
    return NULL;
}

int mnd_resolve_cache_min_rows(const mnd_resolve_cache_t *c)
{
    return c->min_rows;
}

int mnd_resolve_cache_fits(const mnd_resolve_cache_t *c, size_t rows)
{
    return rows <= c->max_rows;
}

void mnd_resolve_cache_stats(mnd_resolve_cache_t *c, mnd_resolve_cache_stats_t *out)
{
    lock(c);
    *out = c->stats;
    unlock(c);
}

static int insert_locked(mnd_resolve_cache_t *c, mnd_resolve_cache_entry_t *e,
                         mnd_resolve_cache_entry_t **drop, int *ndrop);

size_t mnd_resolve_cache_known(mnd_resolve_cache_t *c, const char *key)
{
    mnd_resolve_cache_entry_t *e;
    size_t rows = 0;
    lock(c);
    e = apr_hash_get(c->entries, key, APR_HASH_KEY_STRING);
    if (e)
        rows = e->seen > e->rows ? e->seen : e->rows;
    unlock(c);
    return rows;
}

void mnd_resolve_cache_mark(mnd_resolve_cache_t *c, const char *key, size_t seen)
{
    mnd_resolve_cache_entry_t *drop[DROP_MAX + 1], *e;
    size_t nkey = strlen(key) + 1;
    int ndrop = 0, taken = 0, i;

    e = calloc(1, sizeof(*e) + nkey);
    if (!e)
        return; /* a mark only saves time later */
    e->key = memcpy(e + 1, key, nkey);
    e->generation = MARK_GENERATION;
    e->rows = 1;
    e->seen = seen;
    e->cache = c;
    lock(c);
    if (!apr_hash_get(c->entries, key, APR_HASH_KEY_STRING) &&
        (taken = insert_locked(c, e, drop, &ndrop)))
        c->stats.marks++;
    unlock(c);
    if (!taken)
        free(e);
    for (i = 0; i < ndrop; i++)
        entry_free(drop[i]);
}

mnd_resolve_cache_entry_t *mnd_resolve_cache_get(mnd_resolve_cache_t *c, apr_pool_t *p,
                                                 const char *key, int64_t generation)
{
    mnd_resolve_cache_entry_t *e, *drop = NULL;
    lock(c);
    e = apr_hash_get(c->entries, key, APR_HASH_KEY_STRING);
    if (e && e->generation == generation) {
        lru_unlink(c, e);
        lru_push_front(c, e);
        hold(e, p);
        c->stats.hits++;
    } else {
        if (e && e->generation < generation) {
            if (e->generation != MARK_GENERATION)
                c->stats.stale++;
            if (unpublish(c, e))
                drop = e;
        }
        e = NULL;
        c->stats.misses++;
    }
    unlock(c);
    if (drop)
        entry_free(drop);
    return e;
}

mnd_error_t *mnd_resolve_cache_entry_create(mnd_resolve_cache_t *c, apr_pool_t *p, const char *key,
                                            int64_t generation, size_t inline_size,
                                            mnd_resolve_cache_entry_t **out)
{
    mnd_resolve_cache_entry_t *e;
    size_t nkey = strlen(key) + 1;

    *out = NULL;
    if (inline_size) {
        /* Header, payload (aligned as the header is), key: one block. */
        size_t off = (sizeof(*e) + 15) & ~(size_t)15, n = off + ((inline_size + 15) & ~(size_t)15);
        e = calloc(1, n + nkey);
        if (!e)
            return mnd_error(p, MND_EINTERNAL, "out of memory for a resolution cache entry");
        e->data = (char *)e + off;
        e->key = memcpy((char *)e + n, key, nkey);
    } else {
        apr_pool_t *ep;
        lock(c);
        ep = c->spare;
        c->spare = NULL;
        unlock(c);
        /* Unmanaged, with an allocator of its own: destroying it returns all its memory,
         * whichever thread does it, and it belongs to no other pool's lifetime. */
        if (!ep && apr_pool_create_unmanaged_ex(&ep, NULL, NULL) != APR_SUCCESS)
            return mnd_error(p, MND_EINTERNAL, "cannot create a pool for a resolution cache entry");
        e = apr_pcalloc(ep, sizeof(*e));
        e->pool = ep;
        e->key = apr_pstrmemdup(ep, key, nkey - 1);
    }
    e->generation = generation;
    e->cache = c;
    hold(e, p);
    *out = e;
    return NULL;
}

/* Insert e, evicting as needed (lock held). Entries nobody uses any more go to drop[] (up to
 * DROP_MAX, freed by the caller after unlocking; any further ones are freed here). Returns 0
 * when e is not taken: a newer entry is there, or e alone exceeds max_rows. */
static int insert_locked(mnd_resolve_cache_t *c, mnd_resolve_cache_entry_t *e,
                         mnd_resolve_cache_entry_t **drop, int *ndrop)
{
    mnd_resolve_cache_entry_t *old = apr_hash_get(c->entries, e->key, APR_HASH_KEY_STRING);
    if (e->published || e->rows > c->max_rows || (old && old->generation > e->generation))
        return 0;
    if (old) {
        if (old->generation != MARK_GENERATION && old->generation < e->generation)
            c->stats.stale++;
        if (unpublish(c, old))
            drop[(*ndrop)++] = old;
    }
    while (c->tail && c->stats.rows + e->rows > c->max_rows) {
        mnd_resolve_cache_entry_t *victim = c->tail;
        c->stats.evictions++;
        if (unpublish(c, victim)) {
            if (*ndrop < DROP_MAX)
                drop[(*ndrop)++] = victim;
            else
                entry_destroy(victim);
        }
    }
    apr_hash_set(c->entries, e->key, APR_HASH_KEY_STRING, e);
    lru_push_front(c, e);
    e->published = 1;
    c->stats.entries++;
    c->stats.rows += e->rows;
    return 1;
}

void mnd_resolve_cache_publish(mnd_resolve_cache_t *c, mnd_resolve_cache_entry_t *e)
{
    mnd_resolve_cache_entry_t *drop[DROP_MAX + 1];
    int ndrop = 0, i;
    lock(c);
    insert_locked(c, e, drop, &ndrop);
    unlock(c);
    for (i = 0; i < ndrop; i++)
        entry_free(drop[i]);
}
