/* bench_saml's in-process measurements: see saml_inproc.h. The key comparison needs the IdP's
 * lasso server, so this file (a benchmark, not the module) reads src/saml's private header. */
#include "saml_inproc.h"

#include "bench_util.h"
#include "saml/idp_int.h"

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdatomic.h>
#include <string.h>

typedef struct loop_t {
    const mnd_bench_loop_conf_t *c;
    double until;
    atomic_long ops, errors;
    double cpu; /* summed by the threads under lock-free add at the end */
    atomic_int have_why;
    const char *why;
    apr_pool_t *pool;
} loop_t;

/* One receive (optional) and respond; 0 or -1 with the error's message in *why. */
static int one(const mnd_bench_loop_conf_t *c, apr_pool_t *p, long i, const char **why)
{
    const mnd_saml_request_t *req = c->req;
    mnd_saml_request_t *fresh;
    mnd_saml_post_t post;
    mnd_error_t *err = NULL;
    if (c->queries) {
        const char *q = APR_ARRAY_IDX(c->queries, i % c->queries->nelts, const char *);
        err = mnd_saml_sso_receive(c->idp, p, "GET", q, NULL, &fresh);
        req = fresh;
    }
    if (!err)
        err = mnd_saml_sso_respond(c->idp, p, req, c->subject, mnd_now(), &post);
    if (err)
        *why = err->msg;
    return err ? -1 : 0;
}

static void *APR_THREAD_FUNC loop_thread(apr_thread_t *th, void *data)
{
    loop_t *l = data;
    apr_pool_t *p;
    double c0 = mnd_bench_thread_cpu();
    apr_pool_create(&p, NULL);
    for (long i = 0; mnd_bench_now() < l->until; i++) {
        const char *why = NULL;
        if (one(l->c, p, i, &why) < 0) {
            atomic_fetch_add(&l->errors, 1);
            if (atomic_exchange(&l->have_why, 1) == 0)
                l->why = apr_pstrdup(l->pool, why);
        } else
            atomic_fetch_add(&l->ops, 1);
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    /* Each thread's CPU time, added without a lock: a double in an atomic compare-exchange. */
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

void mnd_bench_respond_loop(apr_pool_t *p, const mnd_bench_loop_conf_t *c, int threads,
                            double seconds, mnd_bench_loop_t *out)
{
    loop_t warm = {0}, l = {0};
    double t0;
    warm.c = l.c = c;
    warm.pool = l.pool = p;
    run_loop(p, &warm, threads, 0.5);
    t0 = mnd_bench_now();
    run_loop(p, &l, threads, seconds);
    out->threads = threads;
    out->seconds = mnd_bench_now() - t0;
    out->ops = atomic_load(&l.ops);
    out->errors = atomic_load(&l.errors) + atomic_load(&warm.errors);
    out->cpu = l.cpu;
    out->why = l.why ? l.why : warm.why;
}

static apr_status_t release_server(void *data)
{
    LassoServer *s = data;
    lasso_release_gobject(s);
    return APR_SUCCESS;
}

static apr_status_t release_key(void *data)
{
    LassoKey *k = data;
    lasso_release_gobject(k);
    return APR_SUCCESS;
}

mnd_saml_idp_t *mnd_bench_idp_other_key(apr_pool_t *p, mnd_saml_idp_t *idp,
                                        const apr_array_header_t *sp_metadata, int key_no_cert)
{
    LassoKey *key = NULL;
    mnd_saml_idp_t *x = apr_pmemdup(p, idp, sizeof(*idp));
    x->server =
        lasso_server_new_from_buffers(idp->metadata, idp->conf.key_pem, NULL, idp->conf.cert_pem);
    if (!x->server)
        return NULL;
    apr_pool_cleanup_register(p, x->server, release_server, apr_pool_cleanup_null);
    if (key_no_cert) {
        key =
            lasso_key_new_for_signature_from_memory(idp->conf.key_pem, strlen(idp->conf.key_pem),
                                                    NULL, LASSO_SIGNATURE_METHOD_RSA_SHA256, NULL);
        if (!key)
            return NULL;
        apr_pool_cleanup_register(p, key, release_key, apr_pool_cleanup_null);
    }
    x->server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
    LASSO_PROVIDER(x->server)->role = LASSO_PROVIDER_ROLE_IDP;
    for (int i = 0; i < sp_metadata->nelts; i++) {
        const char *md = APR_ARRAY_IDX(sp_metadata, i, const char *);
        const char *id = strstr(md, "entityID=\"") + 10;
        LassoProvider *prov;
        if (lasso_server_add_provider_from_buffer(x->server, LASSO_PROVIDER_ROLE_SP, md, NULL,
                                                  NULL) != 0 ||
            !(prov = lasso_server_get_provider(x->server, apr_pstrndup(p, id, strcspn(id, "\"")))))
            return NULL;
        prov->role = LASSO_PROVIDER_ROLE_SP;
        if (key && lasso_provider_set_server_signing_key(prov, key) != 0)
            return NULL;
    }
    return x;
}

/* ---- the parts of one signature ---- */

typedef enum { K_LASSO_LOAD, K_PEM, K_DUP, K_X509_DUP, K_SIGN, K_SIGN_FRESH, K_N } kpart_t;

static EVP_PKEY *parse_key(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

static void sign_with(EVP_PKEY *k, const unsigned char *data, size_t n)
{
    unsigned char sig[512];
    size_t len = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) == 1)
        EVP_DigestSign(ctx, sig, &len, data, n);
    EVP_MD_CTX_free(ctx);
}

static void key_part(kpart_t part, const char *key_pem, const char *cert_pem, EVP_PKEY *key,
                     X509 *cert)
{
    static unsigned char data[1024];
    switch (part) {
    case K_LASSO_LOAD: {
        LassoKey *k = lasso_key_new_for_signature_from_memory(
            key_pem, strlen(key_pem), NULL, LASSO_SIGNATURE_METHOD_RSA_SHA256, (char *)cert_pem);
        lasso_release_gobject(k);
        break;
    }
    case K_PEM:
        EVP_PKEY_free(parse_key(key_pem));
        break;
    case K_DUP:
        EVP_PKEY_free(EVP_PKEY_dup(key));
        break;
    case K_X509_DUP:
        X509_free(X509_dup(cert));
        break;
    case K_SIGN:
        sign_with(key, data, sizeof(data));
        break;
    default: {
        EVP_PKEY *k = parse_key(key_pem);
        sign_with(k, data, sizeof(data));
        EVP_PKEY_free(k);
        break;
    }
    }
}

void mnd_bench_key_costs(const char *key_pem, const char *cert_pem, double seconds,
                         mnd_bench_keycost_t *out)
{
    double us[K_N];
    EVP_PKEY *key = parse_key(key_pem);
    BIO *b = BIO_new_mem_buf(cert_pem, -1);
    X509 *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    for (int part = 0; part < K_N; part++) {
        double t0, until, c0;
        long n = 0;
        for (int w = 0; w < 20; w++)
            key_part((kpart_t)part, key_pem, cert_pem, key, cert);
        t0 = mnd_bench_now();
        c0 = mnd_bench_thread_cpu();
        until = t0 + seconds / K_N;
        for (; mnd_bench_now() < until; n++)
            key_part((kpart_t)part, key_pem, cert_pem, key, cert);
        us[part] = n ? (mnd_bench_thread_cpu() - c0) * 1e6 / (double)n : 0;
    }
    out->pem_key_load = us[K_LASSO_LOAD];
    out->evp_pem_parse = us[K_PEM];
    out->evp_dup = us[K_DUP];
    out->x509_dup = us[K_X509_DUP];
    out->rsa_sign = us[K_SIGN];
    out->rsa_sign_fresh = us[K_SIGN_FRESH];
    X509_free(cert);
    EVP_PKEY_free(key);
}
