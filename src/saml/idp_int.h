/* Private to src/saml/idp*.c: the IdP object shared by the setup (idp.c), our metadata
 * (idp_meta.c), the checks on incoming messages before lasso sees them (idp_decode.c), the
 * Web SSO profile (idp_sso.c) and single logout (idp_slo.c). */
#ifndef MND_SAML_IDP_INT_H
#define MND_SAML_IDP_INT_H

#include "saml/idp.h"

#include <apr_hash.h>
#include <apr_thread_mutex.h>
#include <lasso/lasso.h>
#include <lasso/utils.h>
#include <lasso/xml/misc_text_node.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>

/* Limits on what an AuthnRequest may be (docs/saml.md, "What is refused"). */
#define MND_SAML_MAX_XML (64 * 1024)        /* decoded, and once inflated */
#define MND_SAML_MAX_FORM (256 * 1024)      /* query string or form body as received */
#define MND_SAML_MAX_RELAY 80               /* SAML bindings 3.4.3 / 3.5.3 */
#define MND_SAML_MAX_DEPTH 32               /* element nesting of an AuthnRequest */

/* The URN of our authentication context classes: this prefix and the level (docs/saml.md). */
#define MND_SAML_LOA_PREFIX "urn:be:vlaanderen:mandaat:loa:"

typedef struct mnd_saml_sp_t {
    const char *entity_id;
    const char *service_id;
    const char *profile;
    int nameid_transient;
    int sign_response;
    int encrypt;                  /* its SPSSODescriptor has a KeyDescriptor use="encryption" */
    const char *default_acs;      /* the HTTP-POST ACS we answer to when the request names none */
} mnd_saml_sp_t;

struct mnd_saml_idp_t {
    apr_pool_t *pool;
    mnd_saml_idp_conf_t conf;
    LassoServer *server;          /* read-only once the SPs are added (see idp.c) */
    LassoKey *sign_key;           /* our key, loaded once, given to every SP provider */
    const char *cert_b64;         /* base64 of the certificate's DER, for the metadata */
    const char *metadata;         /* our EntityDescriptor */
    const char *pairwise_secret;  /* key of the persistent NameIDs (docs/saml.md) */
    apr_hash_t *sps;              /* entityID -> mnd_saml_sp_t */
    apr_thread_mutex_t *lock;     /* around lasso calls that write shared objects */
};

/* Our metadata (idp_meta.c) from conf and the certificate body. */
mnd_error_t *mnd_saml_meta_build(apr_pool_t *p, const mnd_saml_idp_conf_t *conf,
                                 const char *cert_b64, const char **xml);

/* What the SP's metadata says that lasso does not tell us (idp_meta.c): entityID, whether its
 * SPSSODescriptor has an encryption key, and its default HTTP-POST ACS (isDefault, else the
 * lowest index, else the first). MND_EINVAL for metadata that is not one EntityDescriptor
 * with an SPSSODescriptor and an HTTP-POST AssertionConsumerService. */
mnd_error_t *mnd_saml_meta_sp_scan(apr_pool_t *p, const char *xml, const char **entity_id,
                                   int *encrypt, const char **default_acs);

/* Which request a message must be: the root element idp_decode.c accepts. */
typedef enum {
    MND_SAML_MSG_AUTHN_REQUEST,   /* samlp:AuthnRequest (saml/sso) */
    MND_SAML_MSG_LOGOUT_REQUEST   /* samlp:LogoutRequest (saml/slo) */
} mnd_saml_msg_kind_t;

/* A request as received, decoded and checked before lasso parses it (idp_decode.c). */
typedef struct mnd_saml_inmsg_t {
    mnd_saml_msg_kind_t kind;
    int redirect;                 /* 1: HTTP-Redirect (query), 0: HTTP-POST (form) */
    const char *lasso_msg;        /* what lasso gets: the query string, or the base64 value */
    const char *relay_state;      /* NULL when absent */
    int signed_msg;               /* a signature is present (SigAlg+Signature, or ds:Signature) */
    const char *issuer;           /* the Issuer's text */
    const char *request_id;
    int has_acs_url, has_acs_index, has_binding; /* AuthnRequest only */
} mnd_saml_inmsg_t;

/* Decode and check an incoming request of the given kind: sizes, base64, inflate, no DTD,
 * nesting, the root element, signature algorithms (no SHA-1), one signature at most. */
mnd_error_t *mnd_saml_decode_message(apr_pool_t *p, mnd_saml_msg_kind_t kind, const char *method,
                                     const char *query, const char *body, mnd_saml_inmsg_t *out);

/* mnd_saml_decode_message for an AuthnRequest. */
mnd_error_t *mnd_saml_decode_request(apr_pool_t *p, const char *method, const char *query,
                                     const char *body, mnd_saml_inmsg_t *out);

/* lasso's text for rc, in p. */
const char *mnd_saml_lasso_err(apr_pool_t *p, int rc);

/* Request text (an Issuer, an ID) for a log message: at most 128 bytes, printable ASCII. */
const char *mnd_saml_printable(apr_pool_t *p, const char *s);

/* The SP added with entity_id, or NULL. */
mnd_saml_sp_t *mnd_saml_find_sp(mnd_saml_idp_t *idp, const char *entity_id);

/* Whether n is the element ns:name (idp_decode.c). */
int mnd_saml_xml_is(xmlNodePtr n, const char *ns, const char *name);

/* The attribute name of n (no namespace) copied into p, or NULL (idp_decode.c). */
const char *mnd_saml_xml_prop(apr_pool_t *p, xmlNodePtr n, const char *name);

#endif
