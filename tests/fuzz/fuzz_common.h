/* What the fuzz harness (fuzz_authn_request.c) and the seed generator (make_corpus.c) share:
 * the names of the IdP and its one SP, and the in-process setup of both (keys made with
 * OpenSSL at start, as tests/unit/test_saml_idp.c does: nothing secret is committed). The
 * seeds name these entityIDs and URLs, so both programs must use the same ones. */
#ifndef MND_FUZZ_COMMON_H
#define MND_FUZZ_COMMON_H

#include "saml/idp.h"

#include <apr_pools.h>

#define FUZZ_IDP_ID "https://idp.example/mandaat/saml/metadata"
#define FUZZ_SP_ID "https://sp.example/mellon/metadata"
#define FUZZ_SP_ACS "https://sp.example/mellon/postResponse"
#define FUZZ_SP_ACS2 "https://sp.example/mellon/postResponse2"

typedef struct fuzz_keypair_t {
    const char *key_pem, *cert_pem, *cert_b64;
} fuzz_keypair_t;

/* A fresh RSA key of bits bits and a self-signed certificate for it, in p; aborts on failure
 * (a harness without keys is useless). */
fuzz_keypair_t fuzz_keypair(apr_pool_t *p, int bits, const char *cn);

/* The SP's metadata: a signing certificate, ACS index 0 (HTTP-POST, default), 1
 * (HTTP-Redirect) and 2 (HTTP-POST), as in the unit tests. */
const char *fuzz_sp_metadata(apr_pool_t *p, const fuzz_keypair_t *kp);

/* An IdP named FUZZ_IDP_ID with key kp and the SP of sp_kp added; aborts on failure. */
mnd_saml_idp_t *fuzz_make_idp(apr_pool_t *p, const fuzz_keypair_t *kp,
                              const fuzz_keypair_t *sp_kp, int want_signed_requests);

#endif
