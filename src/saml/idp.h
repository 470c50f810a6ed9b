/* The SAML 2.0 identity provider over lasso: trust (our key and certificate, the service
 * providers' metadata), our metadata, the Web SSO profile's two halves: receiving an
 * AuthnRequest (HTTP-Redirect or HTTP-POST) and, once the person chose a capacity, answering
 * with a signed Response by HTTP-POST; and SP-initiated single logout. Pure: no httpd, no
 * store; the caller keeps the pending request (mnd_saml_request_t.dump) in the login
 * transaction and supplies the subject and its attributes (saml/attrs.h). All signing,
 * verification, encryption and XML parsing is lasso's. See docs/saml.md. */
#ifndef MND_SAML_IDP_H
#define MND_SAML_IDP_H

#include "util/error.h"
#include "util/timeutil.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct mnd_saml_idp_t mnd_saml_idp_t;

typedef struct mnd_saml_idp_conf_t {
    const char *entity_id;        /* our entityID (an absolute https URL, or a URN) */
    const char *key_pem;          /* our signing key (RSA >= 2048), PEM text */
    const char *cert_pem;         /* its certificate, PEM text */
    const char *sso_url;          /* absolute URL of <endpoint>/saml/sso */
    const char *slo_url;          /* absolute URL of <endpoint>/saml/slo */
    int want_signed_requests;     /* refuse unsigned AuthnRequests (default 1) */
    int assertion_lifetime;       /* seconds, 30..300: SubjectConfirmationData NotOnOrAfter */
    const char *nameid_secret;    /* key of the pairwise NameIDs, >= 32 characters; NULL:
                                     derived from key_pem (then a new signing key changes every
                                     persistent NameID; see docs/saml.md) */
} mnd_saml_idp_conf_t;

/* Where the messages of lasso, libxml2 and xmlsec (their GLib log domains) go: fn, or nowhere
 * while fn is NULL (the default; nothing is ever written to stderr). Process-wide; call it
 * before mnd_saml_idp_create. */
enum { MND_SAML_LOG_ERROR, MND_SAML_LOG_WARN, MND_SAML_LOG_INFO, MND_SAML_LOG_DEBUG };
typedef void mnd_saml_log_fn(void *baton, int level, const char *domain, const char *msg);
void mnd_saml_set_log(mnd_saml_log_fn *fn, void *baton);

/* Per service provider. */
typedef struct mnd_saml_sp_conf_t {
    const char *metadata_xml;     /* the SP's metadata (one EntityDescriptor) */
    const char *service_id;       /* the e-counter in the store this SP serves */
    const char *profile;          /* attribute profile: "mandaat", "acm" or "eidas" */
    int nameid_transient;         /* 1: transient NameID; 0: persistent pairwise (default) */
    int sign_response;            /* 1: sign the Response as well as the assertion */
} mnd_saml_sp_conf_t;

/* Whether url may be one of our endpoints: https, or http on the loopback interface only
 * (127.0.0.1, [::1], localhost: a demo or test on one machine, where nothing crosses a
 * network). */
int mnd_saml_url_ok(const char *url);

/* Create the IdP: load key and certificate (RSA-SHA256 signatures; a key lasso or OpenSSL
 * cannot load, a key that does not match the certificate, or a key shorter than 2048 bits is
 * MND_EINVAL with a message naming what is wrong). The IdP lives as long as p and is safe to
 * use from several threads once every SP is added (each call makes its own lasso objects). */
mnd_error_t *mnd_saml_idp_create(apr_pool_t *p, const mnd_saml_idp_conf_t *conf,
                                 mnd_saml_idp_t **out);

/* Add a service provider from its metadata; *entity_id is its entityID. Metadata lasso cannot
 * load, without an AssertionConsumerService for HTTP-POST, or an entityID already added, is
 * MND_EINVAL. Only before the IdP is shared between threads. */
mnd_error_t *mnd_saml_idp_add_sp(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_sp_conf_t *sp,
                                 const char **entity_id);

/* Our metadata: an EntityDescriptor with IDPSSODescriptor (signing certificate,
 * WantAuthnRequestsSigned, SingleSignOnService for both bindings, SingleLogoutService,
 * NameIDFormats persistent and transient). */
mnd_error_t *mnd_saml_idp_metadata(mnd_saml_idp_t *idp, apr_pool_t *p, const char **xml);

/* A received, checked AuthnRequest, and what the IdP keeps while the person chooses. */
typedef struct mnd_saml_request_t {
    const char *sp_entity_id;
    const char *service_id;       /* from the SP's configuration */
    const char *profile;
    const char *request_id;       /* the AuthnRequest's ID (for replay refusal) */
    const char *acs_url;          /* the vetted AssertionConsumerService URL (from metadata) */
    const char *relay_state;      /* may be NULL; at most 80 bytes as SAML says, else refused */
    int force_authn, is_passive;
    int min_loa;                  /* from RequestedAuthnContext (0 when none); see docs */
    const char *dump;             /* opaque state to keep in the transaction */
} mnd_saml_request_t;

/* Receive an AuthnRequest: method "GET" (HTTP-Redirect: the query string) or "POST"
 * (HTTP-POST: the urlencoded form body). Refused (MND_EINVAL or MND_EFORBIDDEN, message fit for
 * the log): malformed base64 or deflate, messages over 64 KiB (also once inflated), DOCTYPE,
 * an unknown SP, a missing or bad signature when signatures are required, SHA-1 signatures, an
 * AssertionConsumerServiceURL not in the SP's metadata, URL and index together, a response
 * binding other than HTTP-POST. */
mnd_error_t *mnd_saml_sso_receive(mnd_saml_idp_t *idp, apr_pool_t *p, const char *method,
                                  const char *query, const char *body,
                                  mnd_saml_request_t **out);

/* Rebuild a request from its dump (the transaction). */
mnd_error_t *mnd_saml_request_from_dump(mnd_saml_idp_t *idp, apr_pool_t *p, const char *dump,
                                        mnd_saml_request_t **out);

/* One attribute of the assertion. */
typedef struct mnd_saml_attr_t {
    const char *name;             /* URI or ACM name */
    const char *name_format;      /* urn:oasis:names:tc:SAML:2.0:attrname-format:uri or
                                     ...:basic */
    const char *friendly_name;    /* may be NULL */
    apr_array_header_t *values;   /* const char * */
} mnd_saml_attr_t;

/* Who the assertion is about. */
typedef struct mnd_saml_subject_t {
    const char *person;           /* INSZ of the acting person (the pairwise NameID is derived
                                     from it and the SP) */
    int loa;                      /* upstream level of assurance, into the AuthnContext */
    mnd_time_t authn_instant;
    const char *session_index;    /* our session handle's public derivative, for SLO */
    const apr_array_header_t *attrs; /* mnd_saml_attr_t */
} mnd_saml_subject_t;

/* The HTTP-POST answer: where to post SAMLResponse (and RelayState). */
typedef struct mnd_saml_post_t {
    const char *url;
    const char *saml_response;    /* base64 */
    const char *relay_state;      /* may be NULL */
} mnd_saml_post_t;

/* A signed Response with one signed assertion for subject (encrypted when the SP's metadata has
 * an encryption key). */
mnd_error_t *mnd_saml_sso_respond(mnd_saml_idp_t *idp, apr_pool_t *p,
                                  const mnd_saml_request_t *req,
                                  const mnd_saml_subject_t *subject, mnd_time_t now,
                                  mnd_saml_post_t *out);

/* A Response with status Responder/RequestDenied (cancel, no capacity) or NoPassive. */
mnd_error_t *mnd_saml_sso_deny(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_request_t *req,
                               int no_passive, mnd_saml_post_t *out);

/* ---- single logout, SP-initiated (idp_slo.c) ---- */

/* A received, verified LogoutRequest. */
typedef struct mnd_saml_logout_t {
    const char *sp_entity_id;
    const char *request_id;
    const char *name_id;            /* the NameID value (a NameID is required) */
    apr_array_header_t *session_indexes; /* const char *, possibly empty */
    const char *relay_state;        /* may be NULL */
    int post;                       /* came by HTTP-POST (else HTTP-Redirect) */
    const char *dump;               /* opaque (a lasso logout dump), to answer from */
} mnd_saml_logout_t;

/* Receive a LogoutRequest ("GET": query, "POST": form body): checks as for the AuthnRequest
 * (sizes, base64, DEFLATE, no DOCTYPE, no SHA-1, RelayState), then: children other than
 * Issuer, Signature?, NameID, SessionIndex* (so no EncryptedID), xsi:type, unknown SP,
 * unsigned (when want_signed_requests), bad signature, a Destination other than our SLO URL,
 * NotOnOrAfter at or before now, over 32 SessionIndex -> MND_EFORBIDDEN/MND_EINVAL with a
 * message fit for the log. */
mnd_error_t *mnd_saml_slo_receive(mnd_saml_idp_t *idp, apr_pool_t *p, const char *method,
                                  const char *query, const char *body, mnd_time_t now,
                                  mnd_saml_logout_t **out);

/* Where the LogoutResponse goes: redirect_url, or post (post.url != NULL). */
typedef struct mnd_saml_slo_answer_t {
    const char *redirect_url;       /* set for HTTP-Redirect: the full signed URL */
    mnd_saml_post_t post;           /* set (post.url != NULL) for HTTP-POST; saml_response holds
                                       the base64 LogoutResponse (posted as SAMLResponse) */
} mnd_saml_slo_answer_t;

/* The signed (RSA-SHA256) LogoutResponse, status Success, or Responder/PartialLogout when ok is
 * 0, to the SP's SingleLogoutService (ResponseLocation if present, else Location) from its
 * metadata: by the request's binding when the SP has an endpoint for it, else by the other;
 * no SingleLogoutService for HTTP-Redirect or HTTP-POST in its metadata -> MND_EINVAL. */
mnd_error_t *mnd_saml_slo_respond(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_logout_t *req,
                                  int ok, mnd_saml_slo_answer_t *out);

#endif
