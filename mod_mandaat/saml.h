/* The SAML identity provider in httpd: its directives, the IdP built at start from them (the
 * core in src/saml/ does the SAML), and the endpoints saml/metadata, saml/sso, saml/login and
 * saml/slo. A pending AuthnRequest rides in the login transaction (protocol "saml", the lasso
 * dump as protocol state) while the person chooses; the answer is an auto-posting page.
 * See docs/saml.md. */
#ifndef MND_GLUE_SAML_H
#define MND_GLUE_SAML_H

#include "login.h"

#include "saml/idp.h"

#define MND_DIR_PUBLIC_URL "MandaatPublicURL"
#define MND_DIR_SAML_SIGNING_KEY_FILE "MandaatSAMLSigningKeyFile"
#define MND_DIR_SAML_CERTIFICATE_FILE "MandaatSAMLCertificateFile"
#define MND_DIR_SAML_ENTITY_ID "MandaatSAMLEntityID"
#define MND_DIR_SAML_SP_METADATA_FILE "MandaatSAMLSPMetadataFile"
#define MND_DIR_SAML_SP_METADATA_DIR "MandaatSAMLSPMetadataDir"
#define MND_DIR_SAML_WANT_SIGNED_REQUESTS "MandaatSAMLWantSignedRequests"
#define MND_DIR_SAML_ASSERTION_LIFETIME "MandaatSAMLAssertionLifetime"
#define MND_DIR_SAML_NAMEID_SECRET "MandaatSAMLNameIDSecret"

#define MND_DEFAULT_SAML_LIFETIME 300
#define MND_MIN_SAML_LIFETIME 30
#define MND_MAX_SAML_LIFETIME 300
#define MND_MIN_NAMEID_SECRET_LEN 32

/* Purposes of the SAML glue's sealed state. */
#define MND_PURPOSE_SAML_PARKED "saml-parked" /* an AuthnRequest waiting for authentication */
#define MND_PURPOSE_SAML_SEEN "saml-seen"     /* a request ID already received (replays) */
#define MND_PURPOSE_SAML_SIDX "saml-sidx"     /* SessionIndex -> session handle (logout) */
#define MND_COOKIE_SAML "mandaat_saml"

/* Largest SAML message body read (the core refuses more than this too). */
#define MND_SAML_BODY_MAX (256 * 1024)

/* One MandaatSAMLSPMetadataFile or MandaatSAMLSPMetadataDir line. */
typedef struct mnd_saml_sp_decl_t {
    const char *path;        /* metadata file, or directory of *.xml */
    int is_dir;
    const char *service_id;  /* NULL for a directory: each file's base name */
    const char *profile;
    int nameid_transient;
    int sign_response;
    const char *where;       /* "file:line" of the directive */
} mnd_saml_sp_decl_t;

/* The SAML settings of a server; created by the first SAML directive of the server. */
typedef struct mnd_saml_conf_t {
    const char *key_file, *cert_file, *entity_id, *nameid_secret;
    int want_signed;         /* MND_UNSET: default On */
    int lifetime;            /* MND_UNSET: default */
    apr_array_header_t *sps; /* mnd_saml_sp_decl_t */
} mnd_saml_conf_t;

/* ---- saml_config.c ---- */

const char *mnd_saml_set_public_url(cmd_parms *cmd, void *dconf, const char *arg);
const char *mnd_saml_set_file(cmd_parms *cmd, void *dconf, const char *arg);
const char *mnd_saml_set_entity_id(cmd_parms *cmd, void *dconf, const char *arg);
const char *mnd_saml_add_sp(cmd_parms *cmd, void *dconf, int argc, char *const argv[]);
const char *mnd_saml_set_want_signed(cmd_parms *cmd, void *dconf, const char *arg);
const char *mnd_saml_set_lifetime(cmd_parms *cmd, void *dconf, const char *arg);
const char *mnd_saml_set_nameid_secret(cmd_parms *cmd, void *dconf, const char *arg);

/* The command table entries of the SAML directives (spliced into mnd_cmds). */
#define MND_SAML_CMDS                                                                          \
    AP_INIT_TAKE1(MND_DIR_PUBLIC_URL, mnd_saml_set_public_url, NULL, RSRC_CONF,                \
                  "scheme://host[:port] of this server as browsers and partners see it "       \
                  "(absolute URLs in metadata; never taken from request headers)"),            \
    AP_INIT_TAKE1(MND_DIR_SAML_SIGNING_KEY_FILE, mnd_saml_set_file, (void *)0, RSRC_CONF,      \
                  "PEM RSA private key (>= 2048 bits) signing SAML messages; enables the "     \
                  "SAML IdP"),                                                                 \
    AP_INIT_TAKE1(MND_DIR_SAML_CERTIFICATE_FILE, mnd_saml_set_file, (void *)1, RSRC_CONF,      \
                  "PEM certificate of the SAML signing key"),                                  \
    AP_INIT_TAKE1(MND_DIR_SAML_ENTITY_ID, mnd_saml_set_entity_id, NULL, RSRC_CONF,             \
                  "the IdP's entityID (default <MandaatPublicURL><endpoint>/saml/metadata)"),  \
    AP_INIT_TAKE_ARGV(MND_DIR_SAML_SP_METADATA_FILE, mnd_saml_add_sp, (void *)0, RSRC_CONF,    \
                      "<metadata.xml> <service> [profile=mandaat|acm|eidas] "                  \
                      "[nameid=persistent|transient] [sign-response]: a service provider"),    \
    AP_INIT_TAKE_ARGV(MND_DIR_SAML_SP_METADATA_DIR, mnd_saml_add_sp, (void *)1, RSRC_CONF,     \
                      "<dir> [options as " MND_DIR_SAML_SP_METADATA_FILE "]: every "           \
                      "*.xml is an SP whose service is the file's base name"),                 \
    AP_INIT_TAKE1(MND_DIR_SAML_WANT_SIGNED_REQUESTS, mnd_saml_set_want_signed, NULL,           \
                  RSRC_CONF, "Off: accept unsigned AuthnRequests (default On)"),               \
    AP_INIT_TAKE1(MND_DIR_SAML_ASSERTION_LIFETIME, mnd_saml_set_lifetime, NULL, RSRC_CONF,     \
                  "seconds an assertion may be used (30..300, default 300)"),                  \
    AP_INIT_TAKE1(MND_DIR_SAML_NAMEID_SECRET, mnd_saml_set_nameid_secret, NULL, RSRC_CONF,     \
                  "secret (>= 32 characters) of the pairwise NameIDs (default: derived from "  \
                  "the signing key)")

/* check_config hook: key and certificate both or neither, MandaatPublicURL set, at least one
 * SP, files readable. */
int mnd_saml_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* post_config hook: build each server's IdP (keys, SPs, lasso's log into the error log); any
 * failure refuses start with the file named. */
int mnd_saml_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* The IdP of server s, or NULL when SAML is not configured there. */
mnd_saml_idp_t *mnd_saml_idp(const server_rec *s);

/* The absolute URL of endpoint name on s (MandaatPublicURL + MandaatEndpointPath + "/" +
 * name); NULL without MandaatPublicURL. */
const char *mnd_public_endpoint_url(apr_pool_t *p, const server_rec *s, const char *name);

/* ---- handle_saml.c: the endpoints ---- */

int mnd_handle_saml_metadata(request_rec *r);
int mnd_handle_saml_sso(request_rec *r);
int mnd_handle_saml_login(request_rec *r);
int mnd_handle_saml_slo(request_rec *r);

/* Read r's body (at most max bytes) as a string; NULL and an answered request (400/413) when
 * it cannot. */
const char *mnd_read_body(request_rec *r, apr_size_t max);

/* The SAML message of r: *query for GET (HTTP-Redirect), *body for a urlencoded POST; 0 and
 * an answered request when the body is not such a form or too large. */
int mnd_saml_read_message(request_rec *r, const char **query, const char **body);

/* Refuse a request ID of kind ("AuthnRequest", "LogoutRequest") this IdP received before
 * from the same SP (kept, sealed and keyed by an HMAC of the three, for as long as an answer
 * to it could matter). Returns 0 with r answered (400 saml_replay, or 503) otherwise. */
int mnd_saml_fresh_id(request_rec *r, const char *kind, const char *sp_entity_id,
                      const char *request_id);

/* ---- saml_answer.c: answering a pending AuthnRequest ---- */

/* Go on with received request req for the authenticated person of r: an existing session for
 * the SP's service answers at once, else the capacities decide (deny, NoPassive, auto-select
 * or the chooser). Returns the handler's return value. */
int mnd_saml_proceed(request_rec *r, mnd_saml_idp_t *idp, const mnd_saml_request_t *req);

/* Answer req with a RequestDenied (or, with no_passive, NoPassive) Response on a page that
 * says why (message_key) and posts itself when auto_post is set. */
int mnd_saml_deny(request_rec *r, const mnd_saml_request_t *req, int no_passive,
                  const char *message_key, int auto_post);

/* After the chooser: answer transaction t (protocol "saml") with session s. */
int mnd_saml_after_choice(request_rec *r, mnd_store_t *st, const mnd_txn_t *t,
                          const mnd_session_t *s);

/* After cancel: answer transaction t (protocol "saml") with RequestDenied. */
int mnd_saml_after_cancel(request_rec *r, const mnd_txn_t *t);

/* Send the auto-posting page that takes post to the SP (field is "SAMLResponse"). */
int mnd_saml_post_page(request_rec *r, const mnd_saml_post_t *post, const char *title_key,
                       const char *message_key);

#endif
