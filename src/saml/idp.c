/* The IdP's setup: lasso's one-time initialisation and logging, our key and certificate, the
 * lasso server, the service providers. The Web SSO profile is in idp_sso.c, our metadata in
 * idp_meta.c, the checks on incoming messages in idp_decode.c. docs/saml.md explains the
 * choices. */
#include "saml/idp_int.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <lasso/debug.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <string.h>

#define MIN_RSA_BITS 2048
#define PAIRWISE_INFO "mandaat saml pairwise nameid v1"

/* ---- logging: GLib domains of lasso and the XML libraries, never stderr ---- */

static mnd_saml_log_fn *log_fn;
static void *log_baton;

void mnd_saml_set_log(mnd_saml_log_fn *fn, void *baton)
{
    log_fn = fn;
    log_baton = baton;
}

static void glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    int lvl;
    (void)data;
    if (!log_fn)
        return;
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        lvl = MND_SAML_LOG_ERROR;
    else if (level & G_LOG_LEVEL_WARNING)
        lvl = MND_SAML_LOG_WARN;
    else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
        lvl = MND_SAML_LOG_INFO;
    else
        lvl = MND_SAML_LOG_DEBUG;
    log_fn(log_baton, lvl, domain ? domain : "glib", msg ? msg : "");
}

/* lasso_init once per process. lasso has no reference count for init/shutdown and other
 * modules in the same httpd (mod_auth_mellon) may use it too, so we never call
 * lasso_shutdown: its global state lives as long as the process. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init_lasso(void)
{
    static const char *const domains[] = {"Lasso", "libxml2", "libxmlsec", "GLib",
                                          "GLib-GObject", NULL};
    for (int i = 0; domains[i]; i++)
        g_log_set_handler(domains[i],
                          G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                          glib_log, NULL);
    init_rc = lasso_init();
}

static mnd_error_t *ensure_init(apr_pool_t *p)
{
    pthread_once(&init_once, init_lasso);
    if (init_rc)
        return mnd_error(p, MND_EINTERNAL, "lasso_init failed: %s", mnd_saml_lasso_err(p, init_rc));
    /* LASSO_FLAG=no-verify-signature makes lasso accept every signature, even under
     * LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE. Refuse to run rather than trust nothing. */
    if (!lasso_flag_verify_signature || !lasso_flag_sign_messages || !lasso_flag_add_signature)
        return mnd_error(p, MND_EINVAL,
                         "LASSO_FLAG disables signature checks or signing "
                         "(verify-signature, sign-messages, add-signature must stay on)");
    return NULL;
}

const char *mnd_saml_lasso_err(apr_pool_t *p, int rc)
{
    const char *s = lasso_strerror(rc);
    return apr_psprintf(p, "%s (lasso %d)", s ? s : "unknown error", rc);
}

/* ---- key and certificate ---- */

static mnd_error_t *load_key(apr_pool_t *p, const char *pem, EVP_PKEY **out)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    *out = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!*out)
        return mnd_error(p, MND_EINVAL, "SAML signing key: not a PEM private key "
                                        "(or encrypted: give it unencrypted)");
    if (EVP_PKEY_get_base_id(*out) != EVP_PKEY_RSA)
        return mnd_error(p, MND_EINVAL, "SAML signing key: must be RSA (RSA-SHA256 signatures)");
    if (EVP_PKEY_get_bits(*out) < MIN_RSA_BITS)
        return mnd_error(p, MND_EINVAL, "SAML signing key: %d bits, at least %d required",
                         EVP_PKEY_get_bits(*out), MIN_RSA_BITS);
    return NULL;
}

/* The certificate must carry our key; its DER in base64 goes into our metadata. */
static mnd_error_t *load_cert(apr_pool_t *p, const char *pem, EVP_PKEY *key, const char **b64)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int len;
    BIO_free(b);
    if (!x)
        return mnd_error(p, MND_EINVAL, "SAML certificate: not a PEM certificate");
    if (X509_check_private_key(x, key) != 1) {
        X509_free(x);
        return mnd_error(p, MND_EINVAL, "SAML certificate: does not match the signing key");
    }
    len = i2d_X509(x, &der);
    X509_free(x);
    if (len <= 0)
        return mnd_error(p, MND_EINTERNAL, "SAML certificate: cannot encode as DER");
    char *enc = apr_palloc(p, apr_base64_encode_len(len));
    apr_base64_encode(enc, (const char *)der, len);
    OPENSSL_free(der);
    *b64 = enc;
    return NULL;
}

/* The key of the pairwise NameIDs: HKDF-SHA256 of our private key's DER (docs/saml.md:
 * changing the signing key changes every persistent NameID unless conf->nameid_secret is set). */
static mnd_error_t *derive_pairwise(apr_pool_t *p, EVP_PKEY *key, const char *explicit_secret,
                                    const char **out)
{
    unsigned char *der = NULL, okm[32];
    int len, ok = 0;
    EVP_KDF *kdf;
    EVP_KDF_CTX *kctx = NULL;
    if (explicit_secret) {
        if (strlen(explicit_secret) < 32)
            return mnd_error(p, MND_EINVAL, "SAML NameID secret: at least 32 characters");
        *out = apr_pstrdup(p, explicit_secret);
        return NULL;
    }
    len = i2d_PrivateKey(key, &der);
    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (len > 0 && kdf && (kctx = EVP_KDF_CTX_new(kdf))) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, der, (size_t)len),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, PAIRWISE_INFO,
                                              strlen(PAIRWISE_INFO)),
            OSSL_PARAM_construct_end()};
        ok = EVP_KDF_derive(kctx, okm, sizeof okm, params) == 1;
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    if (der)
        OPENSSL_clear_free(der, (size_t)len);
    if (!ok)
        return mnd_error(p, MND_EINTERNAL, "SAML NameID secret: HKDF failed");
    char *enc = apr_palloc(p, apr_base64_encode_len(sizeof okm));
    apr_base64_encode(enc, (const char *)okm, sizeof okm);
    OPENSSL_cleanse(okm, sizeof okm);
    *out = enc;
    return NULL;
}

int mnd_saml_url_ok(const char *url)
{
    static const char *const loopback[] = {"http://127.0.0.1", "http://localhost",
                                           "http://[::1]"};
    if (!url)
        return 0;
    if (!strncmp(url, "https://", 8))
        return url[8] != '\0';
    for (size_t i = 0; i < sizeof loopback / sizeof *loopback; i++) {
        size_t n = strlen(loopback[i]);
        const char *c = url + n;
        if (strncmp(url, loopback[i], n) != 0)
            continue;
        if (*c == ':') /* a port, and nothing that makes the host userinfo */
            for (c++; *c >= '0' && *c <= '9'; c++)
                ;
        return *c == '/' || *c == '\0';
    }
    return 0;
}

static mnd_error_t *check_conf(apr_pool_t *p, const mnd_saml_idp_conf_t *c)
{
    if (!c->entity_id || !*c->entity_id || strlen(c->entity_id) > 1024)
        return mnd_error(p, MND_EINVAL, "SAML entityID: required, at most 1024 characters");
    if (!c->key_pem || !c->cert_pem)
        return mnd_error(p, MND_EINVAL, "SAML: signing key and certificate are required");
    if (!mnd_saml_url_ok(c->sso_url) || !mnd_saml_url_ok(c->slo_url))
        return mnd_error(p, MND_EINVAL, "SAML: SSO and SLO URLs must be absolute https URLs "
                                        "(http only on 127.0.0.1, [::1] or localhost)");
    if (c->assertion_lifetime < 30 || c->assertion_lifetime > 300)
        return mnd_error(p, MND_EINVAL, "SAML assertion lifetime: %d s, must be 30..300",
                         c->assertion_lifetime);
    return NULL;
}

static apr_status_t release_idp(void *data)
{
    mnd_saml_idp_t *idp = data;
    lasso_release_gobject(idp->sign_key);
    lasso_release_gobject(idp->server);
    return APR_SUCCESS;
}

static mnd_error_t *make_server(apr_pool_t *p, mnd_saml_idp_t *idp)
{
    const mnd_saml_idp_conf_t *c = &idp->conf;
    idp->server = lasso_server_new_from_buffers(idp->metadata, c->key_pem, NULL, c->cert_pem);
    if (!idp->server)
        return mnd_error(p, MND_EINVAL, "SAML: lasso cannot load our key, certificate or "
                                        "metadata");
    /* Signatures are RSA-SHA256 whatever lasso was built to default to. */
    idp->server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
    /* lasso rewrites the roles on every AuthnRequest (login.c); set them once here so that
     * those writes store the value already there. */
    LASSO_PROVIDER(idp->server)->role = LASSO_PROVIDER_ROLE_IDP;
    /* Loaded once: without this lasso parses the PEM key again for every signature. */
    idp->sign_key = lasso_key_new_for_signature_from_memory(
        c->key_pem, strlen(c->key_pem), NULL, LASSO_SIGNATURE_METHOD_RSA_SHA256,
        (char *)c->cert_pem);
    if (!idp->sign_key)
        return mnd_error(p, MND_EINVAL, "SAML: lasso cannot load the signing key");
    return NULL;
}

mnd_error_t *mnd_saml_idp_create(apr_pool_t *p, const mnd_saml_idp_conf_t *conf,
                                 mnd_saml_idp_t **out)
{
    mnd_saml_idp_t *idp;
    EVP_PKEY *key = NULL;
    mnd_error_t *err;

    MND_TRY(ensure_init(p));
    MND_TRY(check_conf(p, conf));
    idp = apr_pcalloc(p, sizeof *idp);
    idp->pool = p;
    idp->conf = *conf;
    idp->sps = apr_hash_make(p);
    if ((err = load_key(p, conf->key_pem, &key)) ||
        (err = load_cert(p, conf->cert_pem, key, &idp->cert_b64)) ||
        (err = derive_pairwise(p, key, conf->nameid_secret, &idp->pairwise_secret))) {
        EVP_PKEY_free(key);
        return err;
    }
    EVP_PKEY_free(key);
    MND_TRY(mnd_saml_meta_build(p, conf, idp->cert_b64, &idp->metadata));
    if (apr_thread_mutex_create(&idp->lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS)
        return mnd_error(p, MND_EINTERNAL, "SAML: cannot create a mutex");
    apr_pool_cleanup_register(p, idp, release_idp, apr_pool_cleanup_null);
    MND_TRY(make_server(p, idp));
    *out = idp;
    return NULL;
}

static mnd_error_t *check_sp_conf(apr_pool_t *p, const mnd_saml_sp_conf_t *sp)
{
    if (!sp->metadata_xml || !*sp->metadata_xml)
        return mnd_error(p, MND_EINVAL, "SAML SP: metadata required");
    if (strlen(sp->metadata_xml) > 1024 * 1024)
        return mnd_error(p, MND_EINVAL, "SAML SP: metadata over 1 MiB");
    if (!sp->service_id || !*sp->service_id)
        return mnd_error(p, MND_EINVAL, "SAML SP: a service is required");
    if (!sp->profile || (strcmp(sp->profile, "mandaat") && strcmp(sp->profile, "acm") &&
                         strcmp(sp->profile, "eidas")))
        return mnd_error(p, MND_EINVAL, "SAML SP: profile must be mandaat, acm or eidas");
    return NULL;
}

/* Our signing key and the encryption settings on the SP's lasso provider. */
static mnd_error_t *setup_provider(apr_pool_t *p, mnd_saml_idp_t *idp, LassoProvider *prov,
                                   const mnd_saml_sp_t *s)
{
    int rc;
    prov->role = LASSO_PROVIDER_ROLE_SP;
    if ((rc = lasso_provider_set_server_signing_key(prov, idp->sign_key)))
        return mnd_error(p, MND_EINTERNAL, "SAML SP %s: %s", s->entity_id,
                         mnd_saml_lasso_err(p, rc));
    if (s->encrypt) {
        /* lasso 2.8 offers AES-CBC only (no AES-GCM): AES-256-CBC, key wrapped RSA-OAEP. */
        lasso_provider_set_encryption_mode(prov, LASSO_ENCRYPTION_MODE_ASSERTION);
        lasso_provider_set_encryption_sym_key_type(prov, LASSO_ENCRYPTION_SYM_KEY_TYPE_AES_256);
        lasso_provider_set_key_encryption_method(prov, LASSO_KEY_ENCRYPTION_METHOD_OAEP);
    }
    return NULL;
}

mnd_error_t *mnd_saml_idp_add_sp(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_sp_conf_t *sp,
                                 const char **entity_id)
{
    mnd_saml_sp_t *s;
    LassoProvider *prov;
    int rc;

    MND_TRY(check_sp_conf(p, sp));
    s = apr_pcalloc(idp->pool, sizeof *s);
    MND_TRY(mnd_saml_meta_sp_scan(idp->pool, sp->metadata_xml, &s->entity_id, &s->encrypt,
                                  &s->default_acs));
    if (apr_hash_get(idp->sps, s->entity_id, APR_HASH_KEY_STRING) ||
        strcmp(s->entity_id, idp->conf.entity_id) == 0)
        return mnd_error(p, MND_EINVAL, "SAML SP %s: entityID already added", s->entity_id);
    rc = lasso_server_add_provider_from_buffer(idp->server, LASSO_PROVIDER_ROLE_SP,
                                               sp->metadata_xml, NULL, NULL);
    if (rc)
        return mnd_error(p, MND_EINVAL, "SAML SP %s: lasso cannot load the metadata: %s",
                         s->entity_id, mnd_saml_lasso_err(p, rc));
    prov = lasso_server_get_provider(idp->server, s->entity_id);
    if (!prov)
        return mnd_error(p, MND_EINVAL, "SAML SP %s: lasso read another entityID",
                         s->entity_id);
    s->service_id = apr_pstrdup(idp->pool, sp->service_id);
    s->profile = apr_pstrdup(idp->pool, sp->profile);
    s->nameid_transient = sp->nameid_transient;
    s->sign_response = sp->sign_response;
    MND_TRY(setup_provider(p, idp, prov, s));
    apr_hash_set(idp->sps, s->entity_id, APR_HASH_KEY_STRING, s);
    if (entity_id)
        *entity_id = apr_pstrdup(p, s->entity_id);
    return NULL;
}

mnd_error_t *mnd_saml_idp_metadata(mnd_saml_idp_t *idp, apr_pool_t *p, const char **xml)
{
    *xml = apr_pstrdup(p, idp->metadata);
    return NULL;
}

const char *mnd_saml_printable(apr_pool_t *p, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *o;
    if (n > 128)
        n = 128;
    o = apr_pstrndup(p, s ? s : "", n);
    for (char *c = o; *c; c++)
        if (!apr_isprint((unsigned char)*c))
            *c = '?';
    return o;
}

mnd_saml_sp_t *mnd_saml_find_sp(mnd_saml_idp_t *idp, const char *entity_id)
{
    return entity_id ? apr_hash_get(idp->sps, entity_id, APR_HASH_KEY_STRING) : NULL;
}
