/* bench_oidc's in-process measurements: see oidc_inproc.h. */
#include "oidc_inproc.h"

#include "bench_util.h"
#include "core/resolve.h"
#include "crypto/seal.h"
#include "flow/session.h"
#include "flow/txn.h"
#include "store/store.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <stdatomic.h>
#include <string.h>

typedef struct loop_t {
    const mnd_bench_sign_conf_t *c;
    double until;
    atomic_long ops, errors;
    double cpu; /* summed by the threads at the end */
    atomic_int have_why;
    const char *why;
    apr_pool_t *pool;
} loop_t;

/* What the token endpoint computes for one code once it is checked. */
static mnd_error_t *issue_once(const mnd_bench_sign_conf_t *c, apr_pool_t *p)
{
    mnd_oidc_issue_t in = *c->issue;
    const char *idc, *atc, *idt, *at, *resp;
    in.now = mnd_now();
    MND_TRY(mnd_random_token(p, 16, &in.jti));
    MND_TRY(mnd_oidc_id_token_claims(p, &in, &idc));
    MND_TRY(mnd_oidc_access_token_claims(p, &in, &atc));
    MND_TRY(mnd_jwt_sign(c->key, p, "JWT", idc, &idt));
    MND_TRY(mnd_jwt_sign(c->key, p, "at+jwt", atc, &at));
    return mnd_oidc_token_response(p, at, in.access_token_ttl, idt, in.scope, &resp);
}

static mnd_error_t *one(const mnd_bench_sign_conf_t *c, apr_pool_t *p)
{
    const char *jws;
    if (c->issue)
        return issue_once(c, p);
    return mnd_jwt_sign(c->key, p, "JWT", c->claims, &jws);
}

static void *APR_THREAD_FUNC loop_thread(apr_thread_t *th, void *data)
{
    loop_t *l = data;
    apr_pool_t *p;
    double c0 = mnd_bench_thread_cpu();
    apr_pool_create(&p, NULL);
    while (mnd_bench_now() < l->until) {
        mnd_error_t *err = one(l->c, p);
        if (err) {
            atomic_fetch_add(&l->errors, 1);
            if (atomic_exchange(&l->have_why, 1) == 0)
                l->why = apr_pstrdup(l->pool, err->msg);
        } else
            atomic_fetch_add(&l->ops, 1);
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    {
        double mine = mnd_bench_thread_cpu() - c0, seen = l->cpu;
        while (!__atomic_compare_exchange(&l->cpu, &seen, &(double){seen + mine}, 0,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
    }
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

static void run_loop(apr_pool_t *p, loop_t *l, int threads, double seconds)
{
    apr_thread_t **th = apr_pcalloc(p, sizeof(*th) * (size_t)threads);
    l->until = mnd_bench_now() + seconds;
    for (int i = 0; i < threads; i++)
        apr_thread_create(&th[i], NULL, loop_thread, l, p);
    for (int i = 0; i < threads; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, th[i]);
    }
}

void mnd_bench_sign_loop(apr_pool_t *p, const mnd_bench_sign_conf_t *c, int threads, double seconds,
                         mnd_bench_sign_loop_t *out)
{
    loop_t warm = {.c = c, .pool = p}, l = {.c = c, .pool = p};
    double t0;
    run_loop(p, &warm, threads, seconds < 5 ? 0.1 : 0.5);
    t0 = mnd_bench_now();
    run_loop(p, &l, threads, seconds);
    memset(out, 0, sizeof(*out));
    out->threads = threads;
    out->seconds = mnd_bench_now() - t0;
    out->ops = atomic_load(&l.ops);
    out->errors = atomic_load(&l.errors);
    out->cpu = l.cpu;
    out->why = l.why ? l.why : warm.why;
}

/* ---- the person's session, built here ---- */

static mnd_error_t *read_file(apr_pool_t *p, const char *path, const char **text, size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *s;
    if (apr_file_open(&f, path, APR_READ, 0, p) != APR_SUCCESS ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS)
        return mnd_error(p, MND_EINVAL, "cannot read %s", path);
    n = (apr_size_t)fi.size;
    s = apr_palloc(p, n + 1);
    apr_file_read_full(f, s, n, &n);
    s[n] = '\0';
    apr_file_close(f);
    *text = s;
    *len = n;
    return NULL;
}

mnd_error_t *mnd_bench_oidc_issue(apr_pool_t *p, const mnd_bench_oidc_opts_t *o,
                                  mnd_oidc_issue_t **out)
{
    mnd_oidc_issue_t *in = apr_pcalloc(p, sizeof(*in));
    mnd_oidc_client_t *client;
    mnd_store_t *st;
    mnd_resolution_t *res;
    const mnd_capacity_t *cap = NULL;
    mnd_txn_t *txn;
    mnd_session_t *s;
    const char *text;
    size_t len;
    mnd_time_t now = mnd_now();
    MND_TRY(read_file(p, o->client_file, &text, &len));
    MND_TRY(mnd_oidc_client_parse(p, text, len, o->client_file, &client));
    MND_TRY(mnd_store_global_init(p));
    MND_TRY(mnd_store_open(p, "sqlite3", o->store, &st));
    MND_TRY(mnd_capacities(st, p, o->user, client->service_id, now, 3, &res));
    for (int i = 0; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, i, const mnd_capacity_t *);
        if (!cap || (c->basis == MND_BASIS_MANDATE && cap->basis != MND_BASIS_MANDATE))
            cap = c;
    }
    if (!cap)
        return mnd_error(p, MND_ENOTFOUND, "%s has no capacity for %s", o->user,
                         client->service_id);
    MND_TRY(mnd_txn_new(p, o->user, client->service_id, "oidc", now, 600, &txn));
    txn->loa = 3;
    MND_TRY(mnd_session_new(p, txn, cap, now, 900, 28800, &s));
    in->issuer = o->issuer;
    in->client = client;
    in->session = s;
    in->scope = o->scope;
    in->nonce = "n-0123456789abcdefghijk"; /* 22 characters, as the client sends */
    in->now = in->auth_time = now;
    in->id_token_ttl = in->access_token_ttl = 300;
    in->pairwise_secret = o->pairwise_secret;
    MND_TRY(mnd_random_token(p, 16, &in->jti));
    *out = in;
    return NULL;
}
