/* The httpd glue of mod_mandaat: what mod_mandaat.c (module struct, hooks), config.c
 * (directives) and store_glue.c (mod_dbd) share. Only files in mod_mandaat/ include httpd
 * headers; the core in src/ is reached through its own headers. */
#ifndef MOD_MANDAAT_H
#define MOD_MANDAAT_H

#include "crypto/seal.h"
#include "store/store.h"
#include "util/error.h"

#include <ap_expr.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

/* Lets `LogLevel mandaat:debug` select our messages in every file of the glue. */
APLOG_USE_MODULE(mandaat);

/* Stable message ids, like httpd's APLOGNO: ap_log_error(..., MND_LOGNO(0001) "text").
 * Each id is used exactly once (tests/integration/test_module.sh checks this), so an
 * operator can grep for it and a message keeps its id when its wording changes. Never reuse a
 * retired id. Next free id: 0073 (0056 and 0057 are free too). */
#define MND_LOGNO(n) "MND" #n ": "

/* Directive names, used in the command table, in messages and in conf/mandaat.conf. */
#define MND_DIR_STORE_MIGRATE "MandaatStoreMigrate"
#define MND_DIR_STORE_SOCACHE "MandaatStoreSOCache"
#define MND_DIR_ENDPOINT_PATH "MandaatEndpointPath"
#define MND_DIR_ACTOR_IDENTIFIER "MandaatActorIdentifier"
#define MND_DIR_ACTOR_GIVEN_NAME "MandaatActorGivenName"
#define MND_DIR_ACTOR_FAMILY_NAME "MandaatActorFamilyName"
#define MND_DIR_ACTOR_LOA "MandaatActorLoA"
#define MND_DIR_CRYPTO_PASSPHRASE "MandaatCryptoPassphrase"
#define MND_DIR_SERVICE "MandaatService"
#define MND_DIR_TEMPLATE_DIR "MandaatTemplateDir"
#define MND_DIR_CHOOSER_AUTO_SELECT "MandaatChooserAutoSelect"
#define MND_DIR_COOKIE_SECURE "MandaatCookieSecure"
#define MND_DIR_TRANSACTION_LIFETIME "MandaatTransactionLifetime"
#define MND_DIR_SESSION_IDLE_TIMEOUT "MandaatSessionIdleTimeout"
#define MND_DIR_SESSION_MAX_AGE "MandaatSessionMaxAge"
#define MND_DIR_GATEWAY_HEADERS "MandaatGatewayHeaders"
#define MND_DIR_GATEWAY_JWT_HEADER "MandaatGatewayJWTHeader"
#define MND_DIR_GATEWAY_JWT_KEY_FILE "MandaatGatewayJWTKeyFile"
#define MND_DIR_GATEWAY_JWT_LIFETIME "MandaatGatewayJWTLifetime"
#define MND_DIR_CHOOSER_PAGE_SIZE "MandaatChooserPageSize"

/* Defaults and ranges (seconds) of the settings; conf/mandaat.conf documents the same. */
#define MND_DEFAULT_ENDPOINT_PATH "/mandaat"
#define MND_DEFAULT_SOCACHE "shmcb"
/* Bytes of shared memory for the default shmcb (MandaatStoreSOCache unset): 16 MiB. */
#define MND_DEFAULT_SHMCB_SIZE (16 * 1024 * 1024)
#define MND_DEFAULT_TXN_LIFETIME 600
#define MND_MIN_TXN_LIFETIME 30
#define MND_MAX_TXN_LIFETIME 3600
#define MND_DEFAULT_SESSION_IDLE 900
#define MND_MIN_SESSION_IDLE 60
#define MND_MAX_SESSION_IDLE 86400
#define MND_DEFAULT_SESSION_MAX_AGE 28800
#define MND_MIN_SESSION_MAX_AGE 300
#define MND_MAX_SESSION_MAX_AGE 604800
#define MND_DEFAULT_JWT_HEADER "Mandaat-JWT"
#define MND_DEFAULT_JWT_LIFETIME 60
#define MND_MIN_JWT_LIFETIME 10
#define MND_MAX_JWT_LIFETIME 3600
/* Where `make install` puts the page templates (MandaatTemplateDir overrides it). */
#ifndef MND_TEMPLATE_DIR
#define MND_TEMPLATE_DIR "/usr/share/mod_mandaat/templates"
#endif
/* The shortest passphrase accepted; the same rule as mnd_sealer_create. */
#define MND_MIN_PASSPHRASE_LEN 16

/* A directive that was not given; merged configs inherit the outer value. */
#define MND_UNSET (-1)

/* Per-server configuration (server config and <VirtualHost>). Fields hold the raw parsed
 * values (MND_UNSET when absent); read them through the mnd_conf_* accessors, which apply the
 * defaults. */
typedef struct mnd_server_conf_t {
    int store_migrate;               /* MandaatStoreMigrate */
    const char *endpoint_path;       /* MandaatEndpointPath; NULL: unset */
    apr_array_header_t *passphrases; /* MandaatCryptoPassphrase (const char *); NULL: unset */
    const char *template_dir;        /* MandaatTemplateDir, absolute; NULL: unset */
    int cookie_secure;               /* MandaatCookieSecure */
    int txn_lifetime;                /* MandaatTransactionLifetime, seconds */
    int session_idle;                /* MandaatSessionIdleTimeout, seconds */
    int session_max_age;             /* MandaatSessionMaxAge, seconds */
    apr_array_header_t *jwt_key_files; /* MandaatGatewayJWTKeyFile (const char *); NULL: unset */
    int jwt_lifetime;                /* MandaatGatewayJWTLifetime, seconds */
    const char *public_url;          /* MandaatPublicURL; NULL: unset */
    /* The MandaatSAML* directives (saml.h); NULL: no SAML on this server. A virtual host's
     * SAML settings replace the main server's as a whole. */
    struct mnd_saml_conf_t *saml;
    /* The MandaatOIDC* directives (oidc.h); NULL: no OpenID provider on this server. Replaced
     * as a whole by a virtual host's, like saml. */
    struct mnd_oidc_conf_t *oidc;
    /* 1 when a section of this server (or of the main server, whose sections apply to every
     * virtual host) needs sealed state: it has MandaatService. Merged as "or". Such a server
     * needs MandaatCryptoPassphrase, and the socache is set up only when one exists. */
    int state_used;
    /* Set at post_config for servers with state_used (shared between servers with the same
     * passphrases); never by a directive. */
    const mnd_sealer_t *sealer;
    /* Set at post_config: the loaded page templates (pages.c) and gateway keys (keys.c). */
    const struct mnd_pages_t *pages;
    const apr_array_header_t *jwt_keys;
    /* Set at post_config: the SAML IdP (saml_config.c). */
    struct mnd_saml_idp_t *saml_idp;
    /* Set at post_config: the OpenID provider (oidc_config.c). */
    const struct mnd_oidc_op_t *oidc_op;
} mnd_server_conf_t;

/* Per-directory configuration (<Location>, <Directory>, and the server's defaults). */
typedef struct mnd_dir_conf_t {
    const ap_expr_info_t *actor_identifier;  /* NULL: unset (the default is r->user) */
    const ap_expr_info_t *actor_given_name;  /* NULL: unset */
    const ap_expr_info_t *actor_family_name; /* NULL: unset */
    const ap_expr_info_t *actor_loa;         /* NULL: unset (level 0) */
    const char *service;                     /* MandaatService; NULL: unset */
    int chooser_auto_select;                 /* MandaatChooserAutoSelect */
    int chooser_page_size;                   /* MandaatChooserPageSize */
    int gateway_headers;                     /* MandaatGatewayHeaders */
    const char *jwt_header;                  /* MandaatGatewayJWTHeader; "" = Off; NULL: unset */
} mnd_dir_conf_t;

/* What the upstream authentication says about the acting person (mnd_actor_read). */
typedef struct mnd_actor_t {
    const char *identifier;  /* never NULL or empty on success */
    const char *given_name;  /* NULL when unset or empty */
    const char *family_name; /* NULL when unset or empty */
    int loa;                 /* 0 when unset */
} mnd_actor_t;

/* ---- config.c ---- */

/* The command table of the module (every Mandaat* directive). */
extern const command_rec mnd_cmds[];

/* Create the per-server configuration with every directive unset. */
void *mnd_server_conf_create(apr_pool_t *p, server_rec *s);

/* Merge a virtual host's configuration (add) over the main server's (base). */
void *mnd_server_conf_merge(apr_pool_t *p, void *base, void *add);

/* Create the per-directory configuration with every directive unset. */
void *mnd_dir_conf_create(apr_pool_t *p, char *dir);

/* Merge a section's configuration (add) over its parent's (base). */
void *mnd_dir_conf_merge(apr_pool_t *p, void *base, void *add);

/* The merged configuration of server s. */
const mnd_server_conf_t *mnd_server_conf(const server_rec *s);

/* The same, writable: only for the post_config hooks that fill the runtime fields. */
mnd_server_conf_t *mnd_server_conf_rw(server_rec *s);

/* The merged per-directory configuration of request r. */
const mnd_dir_conf_t *mnd_dir_conf(const request_rec *r);

/* Accessors applying the defaults (see MND_DEFAULT_*). */
int mnd_conf_store_migrate(const server_rec *s);           /* default Off */
const char *mnd_conf_endpoint_path(const server_rec *s);   /* default /mandaat */
const char *mnd_conf_template_dir(const server_rec *s);    /* NULL when unset */
int mnd_conf_cookie_secure(const server_rec *s);           /* default On */
int mnd_conf_txn_lifetime(const server_rec *s);            /* seconds */
int mnd_conf_session_idle(const server_rec *s);            /* seconds */
int mnd_conf_session_max_age(const server_rec *s);         /* seconds */
int mnd_conf_chooser_auto_select(const mnd_dir_conf_t *d); /* default On */
int mnd_conf_chooser_page_size(const mnd_dir_conf_t *d);   /* default 50 */
int mnd_conf_gateway_headers(const mnd_dir_conf_t *d);     /* default On */
const char *mnd_conf_jwt_header(const mnd_dir_conf_t *d);  /* NULL when Off */
int mnd_conf_jwt_lifetime(const server_rec *s);            /* seconds */

/* Evaluate the MandaatActor* expressions for r. No identifier (neither the expression nor
 * r->user gives one) is MND_EFORBIDDEN: nobody authenticated upstream; an expression that
 * fails to evaluate or a LoA that is not a number 0..999 is MND_EINVAL. */
mnd_error_t *mnd_actor_read(request_rec *r, mnd_actor_t *out);

/* check_config hook: the checks that involve several directives (passphrase needed by
 * MandaatService, idle timeout within the maximum age, MandaatTemplateDir exists). */
int mnd_config_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* post_config hook: warnings about settings meant for tests only (MandaatCookieSecure Off). */
int mnd_config_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* ---- config_parse.c: pure value parsers; each returns NULL or a message naming the
 * directive and the rule broken, so that `apachectl configtest` says what to fix ---- */

/* On/Off into *out (1/0). */
const char *mnd_cfg_parse_flag(apr_pool_t *p, const char *directive, const char *arg, int *out);

/* A decimal integer in [min, max] into *out. */
const char *mnd_cfg_parse_int_range(apr_pool_t *p, const char *directive, const char *arg, int min,
                                    int max, int *out);

/* A URL path for the endpoints: starts with '/', no trailing '/', segments of
 * [A-Za-z0-9._~-] that are not "." or "..". */
const char *mnd_cfg_parse_endpoint_path(apr_pool_t *p, const char *directive, const char *arg);

/* A service id: 1..64 characters of [A-Za-z0-9._:/-]. */
const char *mnd_cfg_parse_service_id(apr_pool_t *p, const char *directive, const char *arg);

/* A literal passphrase of at least MND_MIN_PASSPHRASE_LEN characters; "exec:" and "file:"
 * prefixes are reserved for later and refused. */
const char *mnd_cfg_parse_passphrase(apr_pool_t *p, const char *directive, const char *arg);

/* An HTTP header name: an RFC 9110 token of at most 64 characters. */
const char *mnd_cfg_parse_header_name(apr_pool_t *p, const char *directive, const char *arg);

/* Split a socache spec "provider[:args]" into *name and *args (NULL when absent). */
const char *mnd_cfg_parse_socache(apr_pool_t *p, const char *directive, const char *arg,
                                  const char **name, const char **args);

/* ---- store_glue.c ---- */

/* Where server s was defined, for messages: "the main server" or "<VirtualHost> at f:l". */
const char *mnd_server_label(apr_pool_t *p, const server_rec *s);

/* check_config hook: refuse a configuration where mod_dbd is missing or a server that
 * migrates at start has no usable store (runs for `apachectl configtest` too). */
int mnd_store_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* post_config hook: apply schema migrations to each store whose server has
 * MandaatStoreMigrate On; any failure refuses start. */
int mnd_store_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* The store for request r: mod_dbd's connection for the request, wrapped for the core and
 * valid for the life of r->pool. No connection is an MND_ESTORE error: callers fail closed. */
mnd_error_t *mnd_glue_store(request_rec *r, mnd_store_t **out);

/* ---- state_glue.c: sealed server-side state in the socache (MandaatStoreSOCache) ---- */

/* The largest sealed value the state keeps (bytes); larger values are refused by put. */
#define MND_STATE_MAX_VALUE (256 * 1024)

/* MandaatStoreSOCache: look up the provider and create its instance (global; NULL or an
 * error message naming the directive and, for an unknown provider, the module to load). */
const char *mnd_state_set_socache(cmd_parms *cmd, const char *name, const char *args);

/* pre_config hook: register the state mutex and forget the previous generation's cache. */
int mnd_state_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);

/* check_config hook: a configuration that needs state must have a socache provider. */
int mnd_state_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* post_config hook: create the sealers and initialise the socache (with its global mutex when
 * the provider is not multi-process safe); any failure refuses start. */
int mnd_state_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* child_init hook: reattach the global mutex in a child. */
void mnd_state_child_init(apr_pool_t *p, server_rec *s);

/* Keep json (a NUL-terminated string) under (purpose, id) until expiry, sealed for purpose
 * and r's virtual host; replaces an earlier value. MND_EINVAL if the sealed value exceeds
 * MND_STATE_MAX_VALUE; MND_ESTORE if the cache or its lock fails (callers fail closed). */
mnd_error_t *mnd_state_put(request_rec *r, const char *purpose, const char *id, const char *json,
                           apr_time_t expiry);

/* The value kept under (purpose, id), at most max_len bytes, in r->pool. MND_ENOTFOUND when
 * absent or expired; MND_EINVAL when it does not open (another host, purpose or key, tampered,
 * longer than max_len); MND_ESTORE when the cache fails. */
mnd_error_t *mnd_state_get(request_rec *r, const char *purpose, const char *id, size_t max_len,
                           const char **json);

/* mnd_state_get, then remove the value: single use (transactions, codes). With a provider
 * that needs the mutex the two happen under one lock, so two concurrent takes on this node
 * cannot both succeed; the value is removed even when it does not open. */
mnd_error_t *mnd_state_take(request_rec *r, const char *purpose, const char *id, size_t max_len,
                            const char **json);

/* Whether a value is kept under (purpose, id), without opening it: for markers whose absence
 * is the normal case (no probe of the cache on "not found"). MND_ESTORE on failure. */
mnd_error_t *mnd_state_exists(request_rec *r, const char *purpose, const char *id, int *exists);

/* Remove the value under (purpose, id); absent is not an error. MND_ESTORE on failure. */
mnd_error_t *mnd_state_remove(request_rec *r, const char *purpose, const char *id);

#endif
