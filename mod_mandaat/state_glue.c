/* Sealed server-side state (login transactions, OIDC codes, sessions) in httpd's socache, the
 * way mod_authn_socache uses it: MandaatStoreSOCache names a provider (shmcb on one node,
 * redis or memcache for several), a named global mutex guards providers that are not
 * multi-process safe, the cache is initialised at post_config and the mutex reattached in
 * each child.
 *
 * One cache serves every virtual host. What keeps hosts and uses apart is in the value and
 * the key: a value is sealed (src/crypto/seal.h) for its purpose and the host's scope, and the
 * key is SHA-256 over purpose, scope and handle. Hashing means the handle a browser holds
 * never sits in the cache as a key (a memcache or redis operator cannot replay it), and the
 * raw digest as key spreads entries evenly over shmcb's subcaches, which it picks by the key's
 * first byte (a readable "txn:" prefix would put every transaction in one subcache).
 *
 * Fail closed: no cache, a lock error or a refused store is MND_ESTORE, never "no state". */
#include "mod_mandaat.h"

#include <ap_provider.h>
#include <ap_socache.h>
#include <apr_strings.h>
#include <util_mutex.h>

#include <openssl/evp.h>
#include <string.h>

/* The mutex type, as named by the Mutex directive ("Mutex file:/run/lock mandaat-state"). */
static const char mutex_type[] = "mandaat-state";

/* Global to the server generation: reset in pre_config, set by the directive or at
 * check_config, made usable at post_config. */
static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static const char *provider_name;
static apr_global_mutex_t *mutex;
static int cache_ready;

#define KEY_LEN 32 /* SHA-256 */

int mnd_state_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    apr_status_t rv = ap_mutex_register(pconf, mutex_type, NULL, APR_LOCK_DEFAULT, 0);
    (void)ptemp;
    if (rv != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_CRIT, rv, plog,
                      MND_LOGNO(0009) "cannot register the %s mutex", mutex_type);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    provider = NULL;
    instance = NULL;
    provider_name = NULL;
    mutex = NULL;
    cache_ready = 0;
    return OK;
}

static const char *load_hint(apr_pool_t *p, const char *name)
{
    return apr_psprintf(p,
                        "load mod_socache_%s (LoadModule socache_%s_module "
                        "modules/mod_socache_%s.so; on Debian: a2enmod socache_%s)",
                        name, name, name, name);
}

const char *mnd_state_set_socache(cmd_parms *cmd, const char *name, const char *args)
{
    const char *err;

    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (!provider)
        return apr_psprintf(cmd->pool, "%s: unknown socache provider '%s': %s",
                            MND_DIR_STORE_SOCACHE, name, load_hint(cmd->pool, name));
    /* Creating now checks the provider's arguments (a shmcb size, a redis address) where
     * configtest reports them with this line's number. */
    instance = NULL;
    err = provider->create(&instance, args, cmd->temp_pool, cmd->pool);
    if (err)
        return apr_psprintf(cmd->pool, "%s %s%s%s: %s", MND_DIR_STORE_SOCACHE, name,
                            args ? ":" : "", args ? args : "", err);
    provider_name = name;
    return NULL;
}

static int state_needed(const server_rec *s)
{
    for (; s; s = s->next) {
        if (mnd_server_conf(s)->state_used)
            return 1;
    }
    return 0;
}

int mnd_state_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    if (provider || !state_needed(s))
        return OK;
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, MND_DEFAULT_SOCACHE,
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (!provider) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL,
                     MND_LOGNO(0010) "%s keeps its state in the socache of %s (default %s): %s",
                     MND_DIR_SERVICE, MND_DIR_STORE_SOCACHE, MND_DEFAULT_SOCACHE,
                     load_hint(ptemp, MND_DEFAULT_SOCACHE));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    provider_name = MND_DEFAULT_SOCACHE;
    return OK;
}

/* One sealer per distinct passphrase list: virtual hosts that inherit the main server's list
 * share its array, so the slow key derivation runs once for them. */
static int create_sealers(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *made = apr_hash_make(ptemp);
    server_rec *sp;

    for (sp = s; sp; sp = sp->next) {
        mnd_server_conf_t *conf = mnd_server_conf_rw(sp);
        mnd_sealer_t *sealer;
        mnd_error_t *err;

        if (!conf->state_used || !conf->passphrases)
            continue;
        sealer = apr_hash_get(made, &conf->passphrases, sizeof(conf->passphrases));
        if (!sealer) {
            err = mnd_sealer_create(pconf, conf->passphrases, &sealer);
            if (err) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                             MND_LOGNO(0011) "%s (%s): cannot derive the sealing keys, "
                                             "refusing to start: %s",
                             MND_DIR_CRYPTO_PASSPHRASE, mnd_server_label(ptemp, sp), err->msg);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            apr_hash_set(made, apr_pmemdup(ptemp, &conf->passphrases, sizeof(conf->passphrases)),
                         sizeof(conf->passphrases), sealer);
        }
        conf->sealer = sealer;
    }
    return OK;
}

static apr_status_t destroy_cache(void *data)
{
    if (instance && provider)
        provider->destroy(instance, data);
    instance = NULL;
    cache_ready = 0;
    return APR_SUCCESS;
}

static apr_status_t forget_mutex(void *data)
{
    (void)data;
    mutex = NULL; /* apr destroys it with pconf */
    return APR_SUCCESS;
}

static int init_cache(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    /* Login transactions of a few KiB, handles of 32 bytes, the default lifetime. */
    static const struct ap_socache_hints hints = {KEY_LEN, 4096,
                                                  apr_time_from_sec(MND_DEFAULT_TXN_LIFETIME)};
    const char *err;
    apr_status_t rv;

    if (!instance) {
        /* No MandaatStoreSOCache: shmcb, but with room for thousands of sessions. Its own
         * default (512000 bytes) evicted a session after some 60 later logins, which logged
         * people out. */
        const char *args = apr_psprintf(ptemp, "%s(%d)",
                                        ap_runtime_dir_relative(ptemp, "mandaat-state"),
                                        MND_DEFAULT_SHMCB_SIZE);
        err = provider->create(&instance, args, ptemp, pconf);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         MND_LOGNO(0012) "%s %s: cannot create the cache: %s",
                         MND_DIR_STORE_SOCACHE, provider_name, err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if (provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&mutex, NULL, mutex_type, NULL, s, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         MND_LOGNO(0013) "cannot create the %s mutex (see the Mutex "
                                         "directive)",
                         mutex_type);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_pool_cleanup_register(pconf, NULL, forget_mutex, apr_pool_cleanup_null);
    }
    rv = provider->init(instance, mutex_type, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     MND_LOGNO(0014) "%s %s: cannot initialise the cache, refusing to start",
                     MND_DIR_STORE_SOCACHE, provider_name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, s, destroy_cache, apr_pool_cleanup_null);
    cache_ready = 1;
    return OK;
}

int mnd_state_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rc;
    (void)plog;
    /* No MandaatService anywhere: no shared memory, no mutex, no key derivation. */
    if (!state_needed(s))
        return OK;
    if (!provider) /* check_config refused this already; be safe */
        return HTTP_INTERNAL_SERVER_ERROR;
    rc = create_sealers(pconf, ptemp, s);
    if (rc != OK)
        return rc;
    rc = init_cache(pconf, ptemp, s);
    if (rc != OK)
        return rc;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, MND_LOGNO(0015) "state kept in socache %s%s",
                 provider_name, mutex ? " with the mandaat-state mutex" : "");
    return OK;
}

void mnd_state_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;
    if (!mutex)
        return;
    rv = apr_global_mutex_child_init(&mutex, apr_global_mutex_lockfile(mutex), p);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     MND_LOGNO(0016) "cannot reattach the %s mutex in a child: state "
                                     "requests will fail",
                     mutex_type);
}

/* ---- the request side ---- */

/* The virtual host a value belongs to. */
static const char *state_scope(const request_rec *r)
{
    return apr_psprintf(r->pool, "%s:%u", r->server->server_hostname, (unsigned)r->server->port);
}

static mnd_error_t *state_key(request_rec *r, const char *purpose, const char *scope,
                              const char *id, unsigned char key[KEY_LEN])
{
    size_t plen = strlen(purpose), slen = strlen(scope), ilen = strlen(id);
    char *in = apr_palloc(r->pool, plen + slen + ilen + 2);
    unsigned int len = 0;

    memcpy(in, purpose, plen + 1); /* the NULs separate the parts */
    memcpy(in + plen + 1, scope, slen + 1);
    memcpy(in + plen + slen + 2, id, ilen);
    if (!EVP_Digest(in, plen + slen + 2 + ilen, key, &len, EVP_sha256(), NULL) || len != KEY_LEN)
        return mnd_error(r->pool, MND_EINTERNAL, "SHA-256 of a state key failed");
    return NULL;
}

/* Everything a state call needs, checked up front. */
typedef struct state_call_t {
    request_rec *r;
    const char *purpose;
    const char *scope;
    const mnd_sealer_t *sealer;
    unsigned char key[KEY_LEN];
} state_call_t;

static mnd_error_t *state_begin(request_rec *r, const char *purpose, const char *id,
                                state_call_t *c)
{
    if (!purpose || !*purpose || !id || !*id)
        return mnd_error(r->pool, MND_EINVAL, "state: purpose and id must not be empty");
    c->r = r;
    c->purpose = purpose;
    c->scope = state_scope(r);
    c->sealer = mnd_server_conf(r->server)->sealer;
    if (!cache_ready || !c->sealer)
        return mnd_error(r->pool, MND_ESTORE,
                         "no sealed state for %s: the server has no %s (so neither a cache "
                         "nor keys were set up at start)",
                         c->scope, MND_DIR_SERVICE);
    return state_key(r, purpose, c->scope, id, c->key);
}

static mnd_error_t *state_lock(request_rec *r)
{
    apr_status_t rv;
    char buf[120];
    if (!mutex)
        return NULL;
    rv = apr_global_mutex_lock(mutex);
    if (rv != APR_SUCCESS)
        return mnd_error(r->pool, MND_ESTORE, "cannot lock the %s mutex: %s", mutex_type,
                         apr_strerror(rv, buf, sizeof(buf)));
    return NULL;
}

static void state_unlock(request_rec *r)
{
    apr_status_t rv;
    if (!mutex)
        return;
    rv = apr_global_mutex_unlock(mutex);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, MND_LOGNO(0017) "cannot unlock the %s mutex",
                      mutex_type);
}

static mnd_error_t *cache_error(request_rec *r, const char *what, apr_status_t rv)
{
    char buf[120];
    return mnd_error(r->pool, MND_ESTORE, "socache %s: %s failed: %s", provider_name, what,
                     apr_strerror(rv, buf, sizeof(buf)));
}

mnd_error_t *mnd_state_put(request_rec *r, const char *purpose, const char *id, const char *json,
                           apr_time_t expiry)
{
    state_call_t c;
    const char *sealed;
    size_t len;
    apr_status_t rv;

    MND_TRY(state_begin(r, purpose, id, &c));
    if (expiry <= apr_time_now())
        return mnd_error(r->pool, MND_EINVAL, "state %s: the expiry is in the past", purpose);
    MND_TRY(mnd_seal(c.sealer, r->pool, purpose, c.scope, json, strlen(json), &sealed));
    len = strlen(sealed);
    if (len > MND_STATE_MAX_VALUE)
        return mnd_error(r->pool, MND_EINVAL,
                         "state %s: the sealed value has %lu bytes, more than the limit of %d",
                         purpose, (unsigned long)len, MND_STATE_MAX_VALUE);
    MND_TRY(state_lock(r));
    rv = provider->store(instance, r->server, c.key, KEY_LEN, expiry, (unsigned char *)sealed,
                         (unsigned int)len, r->pool);
    state_unlock(r);
    if (rv != APR_SUCCESS)
        return mnd_error_wrap(r->pool, cache_error(r, "store", rv),
                              "state %s of %lu bytes not kept (for shmcb: give it more "
                              "memory, see %s)",
                              purpose, (unsigned long)len, MND_DIR_STORE_SOCACHE);
    return NULL;
}

/* After "not found" from a networked cache: apr_redis and apr_memcache also answer "not
 * found" while their server is down or marked dead, which would read as "expired" instead of
 * "cache down". A tiny write tells the two apart; shmcb (in our memory) needs no probe. */
static mnd_error_t *probe_cache(request_rec *r)
{
    static const unsigned char key[] = "mandaat-probe";
    unsigned char one = '1';
    apr_status_t rv;
    if (provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE)
        return NULL;
    rv = provider->store(instance, r->server, key, sizeof(key) - 1,
                         apr_time_now() + apr_time_from_sec(10), &one, 1, r->pool);
    return rv == APR_SUCCESS ? NULL : cache_error(r, "probe", rv);
}

/* Retrieve the sealed value, and remove it when take is set, under one lock. */
static mnd_error_t *fetch_sealed(state_call_t *c, int take, const char **sealed)
{
    request_rec *r = c->r;
    /* shmcb copies the stored value without checking the buffer's size, so the buffer holds
     * the largest value put accepts, whatever the caller's max_len. */
    unsigned char *buf = apr_palloc(r->pool, MND_STATE_MAX_VALUE + 1);
    unsigned int len = MND_STATE_MAX_VALUE;
    apr_status_t rv, rm = APR_SUCCESS;

    MND_TRY(state_lock(r));
    rv = provider->retrieve(instance, r->server, c->key, KEY_LEN, buf, &len, r->pool);
    if (take && rv == APR_SUCCESS)
        rm = provider->remove(instance, r->server, c->key, KEY_LEN, r->pool);
    state_unlock(r);
    if (APR_STATUS_IS_NOTFOUND(rv)) {
        MND_TRY(probe_cache(r));
        return mnd_error(r->pool, MND_ENOTFOUND, "state %s: unknown or expired", c->purpose);
    }
    if (rv != APR_SUCCESS)
        return cache_error(r, "retrieve", rv);
    /* Single use: on a provider without our lock (redis, memcache) two takes can both read
     * the value, but the cache deletes atomically, so only one remove finds it; the other
     * take has lost the race and gets what a late one gets. */
    if (take && APR_STATUS_IS_NOTFOUND(rm)) {
        MND_TRY(probe_cache(r));
        return mnd_error(r->pool, MND_ENOTFOUND, "state %s: already taken", c->purpose);
    }
    if (rm != APR_SUCCESS)
        return cache_error(r, "remove", rm); /* single use not guaranteed: refuse */
    if (len > MND_STATE_MAX_VALUE)
        return mnd_error(r->pool, MND_EINVAL, "state %s: the cached value is too long", c->purpose);
    buf[len] = '\0';
    *sealed = (const char *)buf;
    return NULL;
}

static mnd_error_t *state_read(request_rec *r, const char *purpose, const char *id, size_t max_len,
                               int take, const char **json)
{
    state_call_t c;
    const char *sealed = NULL;
    void *data;
    size_t len;

    *json = NULL;
    MND_TRY(state_begin(r, purpose, id, &c));
    MND_TRY(fetch_sealed(&c, take, &sealed));
    MND_TRY(mnd_unseal(c.sealer, r->pool, purpose, c.scope, sealed, max_len, &data, &len));
    if (strlen(data) != len)
        return mnd_error(r->pool, MND_EINVAL, "state %s: the value holds a NUL byte", purpose);
    *json = data;
    return NULL;
}

mnd_error_t *mnd_state_get(request_rec *r, const char *purpose, const char *id, size_t max_len,
                           const char **json)
{
    return state_read(r, purpose, id, max_len, 0, json);
}

mnd_error_t *mnd_state_take(request_rec *r, const char *purpose, const char *id, size_t max_len,
                            const char **json)
{
    return state_read(r, purpose, id, max_len, 1, json);
}

mnd_error_t *mnd_state_remove(request_rec *r, const char *purpose, const char *id)
{
    state_call_t c;
    apr_status_t rv;

    MND_TRY(state_begin(r, purpose, id, &c));
    MND_TRY(state_lock(r));
    rv = provider->remove(instance, r->server, c.key, KEY_LEN, r->pool);
    state_unlock(r);
    if (APR_STATUS_IS_NOTFOUND(rv))
        return probe_cache(r);
    if (rv != APR_SUCCESS)
        return cache_error(r, "remove", rv);
    return NULL;
}

mnd_error_t *mnd_state_exists(request_rec *r, const char *purpose, const char *id, int *exists)
{
    state_call_t c;
    /* Sized for the largest value, like fetch_sealed: shmcb does not check the length. */
    unsigned char *buf = apr_palloc(r->pool, MND_STATE_MAX_VALUE + 1);
    unsigned int len = MND_STATE_MAX_VALUE;
    apr_status_t rv;

    *exists = 0;
    MND_TRY(state_begin(r, purpose, id, &c));
    MND_TRY(state_lock(r));
    rv = provider->retrieve(instance, r->server, c.key, KEY_LEN, buf, &len, r->pool);
    state_unlock(r);
    if (APR_STATUS_IS_NOTFOUND(rv))
        return NULL;
    if (rv != APR_SUCCESS)
        return cache_error(r, "retrieve", rv);
    *exists = 1;
    return NULL;
}
