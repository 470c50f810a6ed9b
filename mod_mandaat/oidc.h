/* The OpenID provider in httpd: its directives, the provider built at start from them (the core
 * in src/oidc/ checks requests and builds claims; src/jose signs), and the endpoints
 * oidc/authorize, oidc/login, oidc/token, oidc/userinfo, oidc/jwks and the discovery document
 * at <issuer>/.well-known/openid-configuration. A pending authorization request rides in the
 * login transaction (protocol "oidc", mnd_oidc_authz_to_json as protocol state) while the
 * person chooses; the answer is a redirect (query) or an auto-posting page (form_post).
 * See docs/oidc.md. */
#ifndef MND_GLUE_OIDC_H
#define MND_GLUE_OIDC_H

#include "login.h"

#include "oidc/authorize.h"
#include "oidc/client.h"
#include "oidc/token.h"

#define MND_DIR_OIDC_ISSUER "MandaatOIDCIssuer"
#define MND_DIR_OIDC_SIGNING_KEY_FILE "MandaatOIDCSigningKeyFile"
#define MND_DIR_OIDC_CLIENT_FILE "MandaatOIDCClientFile"
#define MND_DIR_OIDC_CLIENT_DIR "MandaatOIDCClientDir"
#define MND_DIR_OIDC_PAIRWISE_SECRET "MandaatOIDCPairwiseSecret"
#define MND_DIR_OIDC_ID_TOKEN_LIFETIME "MandaatOIDCIDTokenLifetime"
#define MND_DIR_OIDC_ACCESS_TOKEN_LIFETIME "MandaatOIDCAccessTokenLifetime"

#define MND_DEFAULT_OIDC_TOKEN_LIFETIME 300
#define MND_MIN_OIDC_TOKEN_LIFETIME 30
#define MND_MAX_OIDC_TOKEN_LIFETIME 3600
#define MND_MIN_PAIRWISE_SECRET_LEN 32
/* Seconds an authorization code lives (<= MND_OIDC_CODE_MAX_TTL). */
#define MND_OIDC_CODE_TTL 60

/* Purposes of the OIDC glue's sealed state. */
#define MND_PURPOSE_OIDC_PARKED "oidc-parked"  /* an authorization request waiting for login */
#define MND_PURPOSE_OIDC_CODE "oidc-code"      /* code -> mnd_oidc_code_t JSON (single use) */
#define MND_PURPOSE_OIDC_CODE_USED "oidc-code-used" /* hash of a redeemed code -> {"jti"}: a
                                                       replay revokes what it issued */
#define MND_PURPOSE_OIDC_GRANT "oidc-grant"    /* access token jti -> grant JSON (userinfo);
                                                  removed = the token is revoked */
#define MND_PURPOSE_OIDC_JTI "oidc-jti"        /* a client assertion jti seen (replays) */
#define MND_COOKIE_OIDC "mandaat_oidc"

/* One MandaatOIDCSigningKeyFile line. */
typedef struct mnd_oidc_key_decl_t {
    const char *path;
    const char *alg;   /* NULL: ES256 for EC keys, RS256 for RSA keys; or RS256/PS256/ES256 */
    const char *where; /* "file:line" of the directive */
} mnd_oidc_key_decl_t;

/* One MandaatOIDCClientFile or MandaatOIDCClientDir line. */
typedef struct mnd_oidc_client_decl_t {
    const char *path;
    int is_dir;        /* every *.json in the directory is a client file */
    const char *where;
} mnd_oidc_client_decl_t;

/* The OIDC settings of a server, as given; created by the first MandaatOIDC* directive. A
 * virtual host's OIDC settings replace the main server's as a whole. */
typedef struct mnd_oidc_conf_t {
    const char *issuer;             /* NULL: <MandaatPublicURL><endpoint>/oidc */
    apr_array_header_t *keys;       /* mnd_oidc_key_decl_t; the first signs, all published */
    apr_array_header_t *clients;    /* mnd_oidc_client_decl_t */
    const char *pairwise_secret;    /* NULL: none (then no client may be pairwise) */
    int id_token_lifetime;          /* MND_UNSET: default */
    int access_token_lifetime;      /* MND_UNSET: default */
} mnd_oidc_conf_t;

/* The provider built at post_config (read-only afterwards). */
typedef struct mnd_oidc_op_t {
    const char *issuer;
    const char *authorize_url, *token_url, *userinfo_url, *jwks_url; /* absolute */
    const char *discovery_path;     /* the URL path of <issuer>/.well-known/openid-configuration */
    const mnd_oidc_registry_t *clients;
    const apr_array_header_t *keys; /* mnd_jwt_key_t *; the first signs */
    const char *jwks_json;          /* the published keys */
    const char *discovery_json;     /* the discovery document */
    const char *pairwise_secret;
    int id_token_ttl, access_token_ttl;
} mnd_oidc_op_t;

/* ---- oidc_config.c ---- */

const char *mnd_oidc_set_issuer(cmd_parms *cmd, void *dconf, const char *arg);
const char *mnd_oidc_add_key(cmd_parms *cmd, void *dconf, const char *path, const char *alg);
const char *mnd_oidc_add_clients(cmd_parms *cmd, void *dconf, const char *path);
const char *mnd_oidc_set_pairwise_secret(cmd_parms *cmd, void *dconf, const char *arg);
const char *mnd_oidc_set_lifetime(cmd_parms *cmd, void *dconf, const char *arg);

/* The command table entries of the OIDC directives (spliced into mnd_cmds). */
#define MND_OIDC_CMDS                                                                          \
    AP_INIT_TAKE1(MND_DIR_OIDC_ISSUER, mnd_oidc_set_issuer, NULL, RSRC_CONF,                  \
                  "the OpenID provider's issuer URL (default "                                 \
                  "<MandaatPublicURL><endpoint>/oidc); under MandaatPublicURL"),               \
    AP_INIT_TAKE12(MND_DIR_OIDC_SIGNING_KEY_FILE, mnd_oidc_add_key, NULL, RSRC_CONF,           \
                   "<key.pem> [ES256|RS256|PS256]: a PEM private key signing tokens; "         \
                   "repeatable, the first signs, all are published; enables the OP"),         \
    AP_INIT_TAKE1(MND_DIR_OIDC_CLIENT_FILE, mnd_oidc_add_clients, (void *)0, RSRC_CONF,        \
                  "<client.json>: one relying party (see docs/oidc.md)"),                      \
    AP_INIT_TAKE1(MND_DIR_OIDC_CLIENT_DIR, mnd_oidc_add_clients, (void *)1, RSRC_CONF,         \
                  "<dir>: every *.json in it is a relying party"),                             \
    AP_INIT_TAKE1(MND_DIR_OIDC_PAIRWISE_SECRET, mnd_oidc_set_pairwise_secret, NULL,            \
                  RSRC_CONF, "secret (>= 32 characters) of the pairwise subjects; needed "     \
                  "when a client has subject_type pairwise"),                                  \
    AP_INIT_TAKE1(MND_DIR_OIDC_ID_TOKEN_LIFETIME, mnd_oidc_set_lifetime, (void *)0,            \
                  RSRC_CONF, "seconds an id_token is valid (30..3600, default 300)"),          \
    AP_INIT_TAKE1(MND_DIR_OIDC_ACCESS_TOKEN_LIFETIME, mnd_oidc_set_lifetime, (void *)1,        \
                  RSRC_CONF, "seconds an access token is valid (30..3600, default 300)")

/* check_config hook: MandaatPublicURL set (https, or http on loopback), at least one key and
 * one client declaration, the issuer under MandaatPublicURL. */
int mnd_oidc_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* post_config hook: build each server's provider (keys, clients, discovery document, JWKS);
 * any failure (a bad key or client file, a pairwise client without
 * MandaatOIDCPairwiseSecret) refuses start with the file named. */
int mnd_oidc_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* The provider of server s, or NULL when OIDC is not configured there. */
const mnd_oidc_op_t *mnd_oidc_op(const server_rec *s);

/* ---- handle_oidc.c: oidc/authorize and oidc/login ---- */

int mnd_handle_oidc_authorize(request_rec *r);
int mnd_handle_oidc_login(request_rec *r);

/* ---- oidc_answer.c: answering a pending authorization request ---- */

/* Go on with checked request a for the authenticated person of r: prompt, max_age and
 * acr_values decide; an existing session for the client's service answers at once, else the
 * capacities decide (access_denied, interaction_required, auto-select or the chooser).
 * Returns the handler's return value. */
int mnd_oidc_proceed(request_rec *r, const mnd_oidc_op_t *op, const mnd_oidc_authz_t *a);

/* Send the error back to the client: a redirect or form_post to e->redirect_uri with error,
 * error_description and state when e->redirect, else an error page (400). */
int mnd_oidc_authz_fail(request_rec *r, const mnd_oidc_authz_error_t *e);

/* After the chooser: answer transaction t (protocol "oidc") with session s (a code). */
int mnd_oidc_after_choice(request_rec *r, mnd_store_t *st, const mnd_txn_t *t,
                          const mnd_session_t *s);

/* After cancel: answer transaction t (protocol "oidc") with error access_denied. */
int mnd_oidc_after_cancel(request_rec *r, const mnd_txn_t *t);

/* ---- handle_oidc_token.c: oidc/token ---- */

int mnd_handle_oidc_token(request_rec *r);

/* ---- handle_oidc_meta.c: oidc/userinfo, oidc/jwks and the discovery document ---- */

int mnd_handle_oidc_userinfo(request_rec *r);
int mnd_handle_oidc_jwks(request_rec *r);
int mnd_handle_oidc_discovery(request_rec *r);

/* Send a JSON body with status and Cache-Control: no-store (token, userinfo, errors). */
int mnd_oidc_send_json(request_rec *r, int status, const char *json);

#endif
