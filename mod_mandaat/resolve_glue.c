/* Resolution for requests, through a per-process cache of large intermediaries' mandate rows
 * (core/resolve_cache.h): made in child_init, one per server that serves logins (a server's
 * store is one database; the cache must never mix two). Lookups after child_init only read
 * the table of caches, so threads need no lock here; the cache locks itself. */
#include "login.h"

#include "core/resolve_cache.h"

#include <apr_hash.h>

static apr_hash_t *caches; /* server_rec * -> mnd_resolve_cache_t * */

void mnd_resolve_child_init(apr_pool_t *p, server_rec *s)
{
    server_rec *sp;
    caches = apr_hash_make(p);
    for (sp = s; sp; sp = sp->next) {
        mnd_resolve_cache_t *c = NULL;
        mnd_error_t *err;
        if (!mnd_server_conf(sp)->state_used)
            continue;
        err = mnd_resolve_cache_create(p, 0, 0, &c);
        if (err) {
            /* Without a cache resolution is slower, never wrong: go on without. */
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, sp,
                         MND_LOGNO(0023) "no resolution cache in this process: %s", err->msg);
            continue;
        }
        {
            /* apr_hash keeps the key pointer: it must live as long as the table. */
            server_rec **key = apr_palloc(p, sizeof(*key));
            *key = sp;
            apr_hash_set(caches, key, sizeof(*key), c);
        }
    }
}

mnd_error_t *mnd_glue_resolve(request_rec *r, mnd_store_t *st, const char *person,
                              const char *service_id, int loa, mnd_resolution_t **out)
{
    server_rec *s = r->server;
    mnd_resolve_cache_t *c = caches ? apr_hash_get(caches, &s, sizeof(s)) : NULL;
    return mnd_capacities_ex(st, r->pool, c, person, service_id, mnd_now(), loa, out);
}
