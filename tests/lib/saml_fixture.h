/* The SAML test fixture: what the unit tests (tests/unit/test_saml_idp.c, test_saml_slo.c),
 * the fuzz target with its replay (tests/fuzz/fuzz_authn_request.c) and the seed generator
 * (tests/fuzz/make_corpus.c) all need around our IdP: keys made with OpenSSL at start (nothing
 * secret is committed), SP metadata, the IdP's configuration, lasso as the SP and the
 * encodings of the two bindings. No cmocka here (the fuzz programs have none): a set-up step
 * that fails prints why and aborts, which fails a cmocka test as surely as an assertion.
 * Linking this file also gives a binary the ASan options and LeakSanitizer suppressions that
 * lasso needs (saml_fixture.c, the end). */
#ifndef MND_SAML_FIXTURE_H
#define MND_SAML_FIXTURE_H

#include "saml/idp.h"

#include <apr_pools.h>
#include <lasso/lasso.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <stddef.h>

#define FX_IDP_ID "https://idp.example/mandaat/saml/metadata"
#define FX_SSO_URL "https://idp.example/mandaat/saml/sso"
#define FX_SLO_URL "https://idp.example/mandaat/saml/slo"

/* The one SP of fx_make_idp (the fuzz programs): the seeds name these, so the harness and
 * make_corpus must agree on them. */
#define FX_SP_ID "https://sp.example/mellon/metadata"
#define FX_SP_BASE "https://sp.example/mellon"
#define FX_SP_ACS FX_SP_BASE "/postResponse"
#define FX_SP_ACS2 FX_SP_BASE "/postResponse2"

typedef struct fx_keypair_t {
    const char *key_pem, *cert_pem, *cert_b64;
} fx_keypair_t;

/* A message as the browser brings it: method "GET" with query, or "POST" with the form body;
 * id is the SAML message's ID (NULL for hand-made ones). */
typedef struct fx_msg_t {
    const char *method, *query, *body, *id;
} fx_msg_t;

/* What an SP's metadata has beyond its signing key and ACS index 0 (HTTP-POST, BASE/postResponse,
 * the default); BASE is fx_sp_metadata's base. */
enum {
    FX_MD_ENCRYPT = 1,      /* an encryption KeyDescriptor with the same certificate */
    FX_MD_SLO_REDIRECT = 2, /* SingleLogoutService HTTP-Redirect at BASE/logout */
    FX_MD_SLO_RESPONSE = 4, /* ... with ResponseLocation BASE/logoutResponse */
    FX_MD_SLO_POST = 8,     /* SingleLogoutService HTTP-POST at BASE/logoutPost */
    FX_MD_ACS_MORE = 16     /* ACS 1 (HTTP-Redirect, BASE/redirectResponse), 2 (POST, BASE/postResponse2) */
};

/* How fx_saml_param packs a message: HTTP-POST (base64) or HTTP-Redirect (raw DEFLATE, then
 * base64) with zlib's default settings or its smallest output. */
typedef enum { FX_PLAIN, FX_DEFLATE_DEFAULT, FX_DEFLATE_BEST } fx_packing_t;

typedef void fx_authn_tweak_fn(LassoSamlp2AuthnRequest *r);

/* A fresh RSA key of bits bits and a self-signed certificate for it (CN cn), in p. */
fx_keypair_t fx_keypair(apr_pool_t *p, int bits, const char *cn);

/* SP metadata for entity_id, signing with kp, its endpoints under base (e.g.
 * "https://sp1.example/mellon"), with what the FX_MD_* flags in flags add. */
const char *fx_sp_metadata(apr_pool_t *p, const char *entity_id, const char *base,
                           const fx_keypair_t *kp, int flags);

/* Our IdP's configuration as every test has it: FX_IDP_ID with key kp, signed requests
 * wanted, assertions valid 300 s. */
mnd_saml_idp_conf_t fx_idp_conf(const fx_keypair_t *kp);

/* An IdP (fx_idp_conf, want_signed_requests as given) with one SP: FX_SP_ID signing with
 * sp_kp, ACS 0..2 and a Redirect SLO, service "wse-loket", profile "mandaat". */
mnd_saml_idp_t *fx_make_idp(apr_pool_t *p, const fx_keypair_t *kp, const fx_keypair_t *sp_kp,
                            int want_signed_requests);

/* lasso as an SP with metadata md and key kp, signing RSA-SHA256, that knows the IdP of
 * idp_md; the caller releases it (lasso_release_gobject). */
LassoServer *fx_lasso_sp(const char *md, const fx_keypair_t *kp, const char *idp_md);

/* The SP sp builds an AuthnRequest to FX_IDP_ID for binding: a persistent NameID it may
 * create, the answer by HTTP-POST, then tweak (if any), signed as hint says, with RelayState
 * relay (if any). */
fx_msg_t fx_authn_request(apr_pool_t *p, LassoServer *sp, LassoHttpMethod binding,
                          LassoProfileSignatureHint hint, const char *relay,
                          fx_authn_tweak_fn *tweak);

/* The message lasso built in prof (after its build_*_msg) as sent by binding: the query of
 * its URL, or a form body of "SAMLRequest" and relay (lasso puts a Redirect's in the URL). */
fx_msg_t fx_lasso_msg(apr_pool_t *p, LassoProfile *prof, LassoHttpMethod binding,
                      const char *relay);

/* The SP processes our posted Response and accepts the assertion: 0, and (each if not NULL)
 * the assertion's XML, its NameID and the SP's session dump; or lasso's error. */
int fx_sp_accept(apr_pool_t *p, LassoServer *sp, const char *saml_response, const char **xml,
                 const char **name_id, const char **session);

/* Tweaks of an AuthnRequest that the unit test and the seeds share. */
void fx_tweak_foreign_acs(LassoSamlp2AuthnRequest *r);     /* an ACS URL not in the metadata */
void fx_tweak_acs_index2(LassoSamlp2AuthnRequest *r);      /* ACS by index 2, no binding */
void fx_tweak_redirect_binding(LassoSamlp2AuthnRequest *r); /* answer by HTTP-Redirect */
void fx_tweak_redirect_index(LassoSamlp2AuthnRequest *r);  /* ACS index 1 (HTTP-Redirect) */
void fx_tweak_no_binding(LassoSamlp2AuthnRequest *r);      /* no ProtocolBinding: the default ACS */

/* s percent-encoded for a query or form: all but ALPHA, DIGIT and "-._~". */
const char *fx_urlenc(apr_pool_t *p, const char *s);

/* fx_urlenc's inverse, for text it made (every '%' starts a valid escape). */
char *fx_urldec(apr_pool_t *p, const char *s);

/* base64 of the n bytes at data; and back, NUL-terminated. */
const char *fx_b64(apr_pool_t *p, const char *data, size_t n);
char *fx_unb64(apr_pool_t *p, const char *s);

/* "SAMLRequest=" and the n bytes at data packed as how says, URL-encoded. */
const char *fx_saml_param(apr_pool_t *p, const char *data, size_t n, fx_packing_t how);

/* The XML of a form body "SAMLRequest=..." (what lasso posts). */
char *fx_body_xml(apr_pool_t *p, const char *body);

#endif
