/* The httpd glue of mod_mandaat: what mod_mandaat.c (module struct, hooks), config.c
 * (directives) and store_glue.c (mod_dbd) share. Only files in mod_mandaat/ include httpd
 * headers; the core in src/ is reached through its own headers. */
#ifndef MOD_MANDAAT_H
#define MOD_MANDAAT_H

#include "store/store.h"
#include "util/error.h"

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

/* Lets `LogLevel mandaat:debug` select our messages in every file of the glue. */
APLOG_USE_MODULE(mandaat);

/* Stable message ids, like httpd's APLOGNO: ap_log_error(..., MND_LOGNO(0001) "text").
 * Each id is used exactly once (tests/integration/test_module.sh checks this), so an
 * operator can grep for it and a message keeps its id when its wording changes. Never reuse a
 * retired id. Next free id: 0007. */
#define MND_LOGNO(n) "MND" #n ": "

/* Directive names, used in the command table, in messages and in conf/mandaat.conf. */
#define MND_DIR_STORE_MIGRATE "MandaatStoreMigrate"

/* A directive that was not given; merged configs inherit the outer value. */
#define MND_UNSET (-1)

/* Per-server configuration (server config and <VirtualHost>). Fields hold the raw parsed
 * values (MND_UNSET when absent); read them through the mnd_conf_* accessors, which apply the
 * defaults. */
typedef struct mnd_server_conf_t {
    int store_migrate; /* MandaatStoreMigrate */
} mnd_server_conf_t;

/* ---- config.c ---- */

/* The command table of the module (every Mandaat* directive). */
extern const command_rec mnd_cmds[];

/* Create the per-server configuration with every directive unset. */
void *mnd_server_conf_create(apr_pool_t *p, server_rec *s);

/* Merge a virtual host's configuration (add) over the main server's (base). */
void *mnd_server_conf_merge(apr_pool_t *p, void *base, void *add);

/* The merged configuration of server s. */
const mnd_server_conf_t *mnd_server_conf(const server_rec *s);

/* Whether schema migrations run at start for server s (MandaatStoreMigrate, default Off). */
int mnd_conf_store_migrate(const server_rec *s);

/* Parse an On/Off value of directive into *out (1/0); returns an error message naming the
 * directive, or NULL. */
const char *mnd_cfg_parse_flag(apr_pool_t *p, const char *directive, const char *arg, int *out);

/* ---- store_glue.c ---- */

/* check_config hook: refuse a configuration where mod_dbd is missing or a server that
 * migrates at start has no usable store (runs for `apachectl configtest` too). */
int mnd_store_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* post_config hook: apply schema migrations to each store whose server has
 * MandaatStoreMigrate On; any failure refuses start. */
int mnd_store_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* The store for request r: mod_dbd's connection for the request, wrapped for the core and
 * valid for the life of r->pool. No connection is an MND_ESTORE error: callers fail closed. */
mnd_error_t *mnd_glue_store(request_rec *r, mnd_store_t **out);

#endif
