/* bench_saml's in-process measurements: the "lasso limit" (mnd_saml_sso_respond in a loop, on
 * one or several threads: the signed assertion without httpd) and the cost of the signing key
 * (lasso parsing the PEM key for every signature, as it does by default, against the loaded
 * LassoKey that src/saml/idp.c hands to every SP provider). */
#ifndef MND_BENCH_SAML_INPROC_H
#define MND_BENCH_SAML_INPROC_H

#include "saml/idp.h"

#include <apr_tables.h>

/* A timed loop's result. */
typedef struct mnd_bench_loop_t {
    int threads;
    long ops, errors;
    double seconds;  /* wall clock */
    double cpu;      /* the loop threads' CPU time, seconds */
    const char *why; /* the first error */
} mnd_bench_loop_t;

/* What the loop does per operation: respond to req (already received), or receive one of
 * queries (HTTP-Redirect, used round-robin) and respond to it. */
typedef struct mnd_bench_loop_conf_t {
    mnd_saml_idp_t *idp;
    const mnd_saml_request_t *req;
    const apr_array_header_t *queries; /* NULL: respond only */
    const mnd_saml_subject_t *subject;
} mnd_bench_loop_conf_t;

/* Run c on threads threads for about seconds seconds (after a short warm-up). */
void mnd_bench_respond_loop(apr_pool_t *p, const mnd_bench_loop_conf_t *c, int threads,
                            double seconds, mnd_bench_loop_t *out);

/* A copy of idp with its own lasso server (the same key, SPs from sp_metadata, signature
 * method and roles) that signs either as lasso does by default (key_no_cert 0: the SPs'
 * providers get no loaded key, so lasso_server_get_signature_context parses the PEM key and
 * certificate for every signature) or with a LassoKey loaded once without the certificate
 * (key_no_cert 1: no X509 data for xmlsec to copy per signature, no certificate in KeyInfo). */
mnd_saml_idp_t *mnd_bench_idp_other_key(apr_pool_t *p, mnd_saml_idp_t *idp,
                                        const apr_array_header_t *sp_metadata, int key_no_cert);

/* Micro-timings of one signature's parts, microseconds per operation. */
typedef struct mnd_bench_keycost_t {
    double pem_key_load;   /* lasso_key_new_for_signature_from_memory (key + cert PEM) */
    double evp_pem_parse;  /* PEM_read_bio_PrivateKey alone */
    double evp_dup;        /* EVP_PKEY_dup of the loaded key */
    double x509_dup;       /* X509_dup of the certificate */
    double rsa_sign;       /* EVP_DigestSign SHA-256 of 1 KiB with the loaded key */
    double rsa_sign_fresh; /* the same with a freshly parsed key each time */
} mnd_bench_keycost_t;

/* Time each part over about seconds seconds in all. */
void mnd_bench_key_costs(const char *key_pem, const char *cert_pem, double seconds,
                         mnd_bench_keycost_t *out);

#endif
