/* The service provider of bench_saml: lasso in-process, as in tests/unit/test_saml_idp.c. It
 * writes its metadata (for MandaatSAMLSPMetadataFile), builds signed HTTP-Redirect
 * AuthnRequests (each with a fresh ID, since the IdP refuses replays), and verifies the
 * Responses the IdP posts back. One SP object per thread: lasso objects are not shared between
 * threads. lasso must be initialised first (mnd_saml_idp_create does it). */
#ifndef MND_BENCH_SAML_SP_H
#define MND_BENCH_SAML_SP_H

#include "saml/idp.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct mnd_bench_sp_t mnd_bench_sp_t;

/* What the SP needs: its metadata, key and certificate (PEM text), the IdP's metadata. */
typedef struct mnd_bench_sp_conf_t {
    const char *metadata, *key_pem, *cert_pem, *idp_metadata;
} mnd_bench_sp_conf_t;

/* SP metadata as mod_auth_mellon writes it: signed AuthnRequests, one HTTP-POST ACS. */
const char *mnd_bench_sp_metadata(apr_pool_t *p, const char *entity_id, const char *acs_url,
                                  const char *cert_pem);

/* The SP (released with p), or NULL with a message on stderr. */
mnd_bench_sp_t *mnd_bench_sp_new(apr_pool_t *p, const mnd_bench_sp_conf_t *c);

/* A fresh signed AuthnRequest (RSA-SHA256) for the HTTP-Redirect binding: the path and query of
 * the URL (e.g. "/mandaat/saml/sso?SAMLRequest=...&SigAlg=...&Signature=..."), in p; NULL when
 * lasso fails. */
const char *mnd_bench_sp_request(mnd_bench_sp_t *sp, apr_pool_t *p);

/* n such requests made by threads threads (each its own SP), in p. NULL on failure. */
apr_array_header_t *mnd_bench_sp_requests(apr_pool_t *p, const mnd_bench_sp_conf_t *c, int n,
                                          int threads);

/* What a Response held. */
typedef struct mnd_bench_resp_info_t {
    int verified;     /* lasso's process_authn_response_msg + accept_sso said yes */
    int lasso_rc;     /* its code otherwise */
    int signatures;   /* ds:Signature elements in the decoded Response */
    size_t xml_bytes; /* decoded size */
    const char *session_index;
    apr_array_header_t *attrs; /* mnd_saml_attr_t, as the assertion carries them */
} mnd_bench_resp_info_t;

/* Decode, count signatures, verify with lasso and read the assertion's attributes. */
void mnd_bench_sp_check(mnd_bench_sp_t *sp, apr_pool_t *p, const char *saml_response,
                        mnd_bench_resp_info_t *out);

/* ds:Signature elements in xml (lasso writes them with a default namespace or "ds:"). */
int mnd_bench_count_signatures(const char *xml);

#endif
