/* The Mandaat* directives: the per-server and per-directory configurations, their defaults
 * and merges, and the command table.
 *
 * Adding a directive: a name in mod_mandaat.h (MND_DIR_*), a field in mnd_server_conf_t or
 * mnd_dir_conf_t set to MND_UNSET/NULL in create and inherited in merge, an accessor applying
 * the default, a parser in config_parse.c when the value has rules, a line in mnd_cmds (the
 * generic setters take the field's offset), and its documentation in conf/mandaat.conf (the
 * integration test compares the two). Checks that involve several directives or the
 * filesystem run in the check_config hook (config_check.c), so `apachectl configtest` sees
 * them; the socache directive hands over to state_glue.c, which owns the cache. */
#include "mod_mandaat.h"
#include "oidc.h"
#include "saml.h"

#include "html/chooser.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include <stdlib.h>

mnd_server_conf_t *mnd_server_conf_rw(server_rec *s)
{
    return ap_get_module_config(s->module_config, &mandaat_module);
}

const mnd_server_conf_t *mnd_server_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &mandaat_module);
}

const mnd_dir_conf_t *mnd_dir_conf(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &mandaat_module);
}

void *mnd_server_conf_create(apr_pool_t *p, server_rec *s)
{
    mnd_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    (void)s;
    conf->store_migrate = MND_UNSET;
    conf->cookie_secure = MND_UNSET;
    conf->txn_lifetime = MND_UNSET;
    conf->session_idle = MND_UNSET;
    conf->session_max_age = MND_UNSET;
    conf->jwt_lifetime = MND_UNSET;
    return conf;
}

static int merge_int(int base, int add)
{
    return add == MND_UNSET ? base : add;
}

#define MERGE_PTR(f) conf->f = add->f ? add->f : base->f
#define MERGE_INT(f) conf->f = merge_int(base->f, add->f)

void *mnd_server_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    const mnd_server_conf_t *base = basev, *add = addv;
    mnd_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    MERGE_INT(store_migrate);
    MERGE_PTR(endpoint_path);
    /* A virtual host's passphrases replace the main server's as a whole: a list that mixed
     * the two would seal with a key the host never named. */
    MERGE_PTR(passphrases);
    MERGE_PTR(template_dir);
    MERGE_INT(cookie_secure);
    MERGE_INT(txn_lifetime);
    MERGE_INT(session_idle);
    MERGE_INT(session_max_age);
    MERGE_PTR(jwt_key_files);
    MERGE_INT(jwt_lifetime);
    MERGE_PTR(public_url);
    MERGE_PTR(saml);
    MERGE_PTR(oidc);
    conf->state_used = base->state_used || add->state_used;
    return conf;
}

void *mnd_dir_conf_create(apr_pool_t *p, char *dir)
{
    mnd_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    (void)dir;
    conf->chooser_auto_select = MND_UNSET;
    conf->chooser_page_size = MND_UNSET;
    conf->gateway_headers = MND_UNSET;
    return conf;
}

void *mnd_dir_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    const mnd_dir_conf_t *base = basev, *add = addv;
    mnd_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    MERGE_PTR(actor_identifier);
    MERGE_PTR(actor_given_name);
    MERGE_PTR(actor_family_name);
    MERGE_PTR(actor_loa);
    MERGE_PTR(service);
    MERGE_INT(chooser_auto_select);
    MERGE_INT(chooser_page_size);
    MERGE_INT(gateway_headers);
    MERGE_PTR(jwt_header);
    return conf;
}

static int int_or(int v, int dflt)
{
    return v == MND_UNSET ? dflt : v;
}

int mnd_conf_store_migrate(const server_rec *s)
{
    return int_or(mnd_server_conf(s)->store_migrate, 0);
}

const char *mnd_conf_endpoint_path(const server_rec *s)
{
    const char *v = mnd_server_conf(s)->endpoint_path;
    return v ? v : MND_DEFAULT_ENDPOINT_PATH;
}

const char *mnd_conf_template_dir(const server_rec *s)
{
    return mnd_server_conf(s)->template_dir;
}

int mnd_conf_cookie_secure(const server_rec *s)
{
    return int_or(mnd_server_conf(s)->cookie_secure, 1);
}

int mnd_conf_txn_lifetime(const server_rec *s)
{
    return int_or(mnd_server_conf(s)->txn_lifetime, MND_DEFAULT_TXN_LIFETIME);
}

int mnd_conf_session_idle(const server_rec *s)
{
    return int_or(mnd_server_conf(s)->session_idle, MND_DEFAULT_SESSION_IDLE);
}

int mnd_conf_session_max_age(const server_rec *s)
{
    return int_or(mnd_server_conf(s)->session_max_age, MND_DEFAULT_SESSION_MAX_AGE);
}

int mnd_conf_chooser_auto_select(const mnd_dir_conf_t *d)
{
    return int_or(d->chooser_auto_select, 1);
}

int mnd_conf_chooser_page_size(const mnd_dir_conf_t *d)
{
    return int_or(d->chooser_page_size, MND_CHOOSER_PAGE_SIZE);
}

int mnd_conf_gateway_headers(const mnd_dir_conf_t *d)
{
    return int_or(d->gateway_headers, 1);
}

const char *mnd_conf_jwt_header(const mnd_dir_conf_t *d)
{
    if (!d->jwt_header)
        return MND_DEFAULT_JWT_HEADER;
    return *d->jwt_header ? d->jwt_header : NULL;
}

int mnd_conf_jwt_lifetime(const server_rec *s)
{
    return int_or(mnd_server_conf(s)->jwt_lifetime, MND_DEFAULT_JWT_LIFETIME);
}

/* ---- evaluation of the actor expressions ---- */

/* Evaluate expr for r; NULL (not an error) when it is unset or gives an empty string. */
static mnd_error_t *eval_expr(request_rec *r, const ap_expr_info_t *expr, const char *directive,
                              const char **out)
{
    const char *err = NULL;
    const char *v;

    *out = NULL;
    if (!expr)
        return NULL;
    v = ap_expr_str_exec(r, expr, &err);
    if (err)
        return mnd_error(r->pool, MND_EINVAL, "%s (%s:%u) cannot be evaluated: %s", directive,
                         expr->filename, expr->line_number, err);
    *out = v && *v ? v : NULL;
    return NULL;
}

mnd_error_t *mnd_actor_read(request_rec *r, mnd_actor_t *out)
{
    const mnd_dir_conf_t *d = mnd_dir_conf(r);
    const char *loa = NULL;
    char *end = NULL;
    long v;

    MND_TRY(eval_expr(r, d->actor_identifier, MND_DIR_ACTOR_IDENTIFIER, &out->identifier));
    if (!d->actor_identifier)
        out->identifier = r->user && *r->user ? r->user : NULL;
    if (!out->identifier)
        return mnd_error(r->pool, MND_EFORBIDDEN,
                         "no authenticated person: %s gives no identifier (does an "
                         "AuthType/Require authenticate this location?)",
                         MND_DIR_ACTOR_IDENTIFIER);
    MND_TRY(eval_expr(r, d->actor_given_name, MND_DIR_ACTOR_GIVEN_NAME, &out->given_name));
    MND_TRY(eval_expr(r, d->actor_family_name, MND_DIR_ACTOR_FAMILY_NAME, &out->family_name));
    MND_TRY(eval_expr(r, d->actor_loa, MND_DIR_ACTOR_LOA, &loa));
    out->loa = 0;
    if (!loa)
        return NULL;
    v = strtol(loa, &end, 10);
    if (!apr_isdigit(*loa) || *end || v > 999)
        return mnd_error(r->pool, MND_EINVAL,
                         "%s gives '%s', not a level of assurance 0..999 (map the IdP's value "
                         "to a number in the expression)",
                         MND_DIR_ACTOR_LOA, loa);
    out->loa = (int)v;
    return NULL;
}

/* ---- setters ---- */

/* Server fields are addressed by offset (cmd->info). */
#define MND_SERVER_FIELD(f) ((void *)APR_OFFSETOF(mnd_server_conf_t, f))
#define MND_DIR_FIELD(f) ((void *)APR_OFFSETOF(mnd_dir_conf_t, f))

static void *server_field(cmd_parms *cmd)
{
    return (char *)mnd_server_conf_rw(cmd->server) + (apr_size_t)cmd->info;
}

/* On/Off server directive. TAKE1 rather than httpd's FLAG so that the message is ours and
 * names the directive. */
static const char *set_server_flag(cmd_parms *cmd, void *dconf, const char *arg)
{
    (void)dconf;
    return mnd_cfg_parse_flag(cmd->pool, cmd->cmd->name, arg, server_field(cmd));
}

static const char *set_dir_flag(cmd_parms *cmd, void *dconf, const char *arg)
{
    int *field = (int *)((char *)dconf + (apr_size_t)cmd->info);
    return mnd_cfg_parse_flag(cmd->pool, cmd->cmd->name, arg, field);
}

/* A duration in seconds; the range comes from the directive's name. */
static const char *set_seconds(cmd_parms *cmd, void *dconf, const char *arg)
{
    static const struct {
        const char *name;
        int min, max;
    } ranges[] = {
        {MND_DIR_TRANSACTION_LIFETIME, MND_MIN_TXN_LIFETIME, MND_MAX_TXN_LIFETIME},
        {MND_DIR_SESSION_IDLE_TIMEOUT, MND_MIN_SESSION_IDLE, MND_MAX_SESSION_IDLE},
        {MND_DIR_SESSION_MAX_AGE, MND_MIN_SESSION_MAX_AGE, MND_MAX_SESSION_MAX_AGE},
        {MND_DIR_GATEWAY_JWT_LIFETIME, MND_MIN_JWT_LIFETIME, MND_MAX_JWT_LIFETIME},
    };
    apr_size_t i;
    (void)dconf;
    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (!strcmp(ranges[i].name, cmd->cmd->name))
            return mnd_cfg_parse_int_range(cmd->pool, cmd->cmd->name, arg, ranges[i].min,
                                           ranges[i].max, server_field(cmd));
    }
    return apr_psprintf(cmd->pool, "%s: no range known (a bug)", cmd->cmd->name);
}

static const char *set_endpoint_path(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *err = mnd_cfg_parse_endpoint_path(cmd->pool, cmd->cmd->name, arg);
    (void)dconf;
    if (!err)
        mnd_server_conf_rw(cmd->server)->endpoint_path = arg;
    return err;
}

/* ITERATE: each argument is one passphrase; the first of a server seals. */
static const char *add_passphrase(cmd_parms *cmd, void *dconf, const char *arg)
{
    mnd_server_conf_t *conf = mnd_server_conf_rw(cmd->server);
    const char *err = mnd_cfg_parse_passphrase(cmd->pool, cmd->cmd->name, arg);
    (void)dconf;
    if (err)
        return err;
    if (!conf->passphrases)
        conf->passphrases = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(conf->passphrases, const char *) = arg;
    return NULL;
}

static const char *set_template_dir(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    (void)dconf;
    if (!path)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path", cmd->cmd->name, arg);
    mnd_server_conf_rw(cmd->server)->template_dir = path;
    return NULL;
}

static const char *set_socache(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *name, *args;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dconf;
    if (err)
        return apr_psprintf(cmd->pool,
                            "%s: %s (one cache serves every virtual host; values "
                            "are sealed per host)",
                            cmd->cmd->name, err);
    err = mnd_cfg_parse_socache(cmd->pool, cmd->cmd->name, arg, &name, &args);
    return err ? err : mnd_state_set_socache(cmd, name, args);
}

/* An ap_expr in string mode, parsed now so that a syntax error fails configtest. The pages
 * are never cached (no-store), so the expression adds no Vary header. */
static const char *set_actor_expr(cmd_parms *cmd, void *dconf, const char *arg)
{
    const ap_expr_info_t **field = (const ap_expr_info_t **)((char *)dconf + (apr_size_t)cmd->info);
    const char *err = NULL;
    ap_expr_info_t *expr = ap_expr_parse_cmd(
        cmd, arg, AP_EXPR_FLAG_STRING_RESULT | AP_EXPR_FLAG_DONT_VARY, &err, NULL);
    if (err)
        return apr_psprintf(cmd->pool, "%s: cannot parse the expression '%s': %s", cmd->cmd->name,
                            arg, err);
    *field = expr;
    return NULL;
}

static const char *set_service(cmd_parms *cmd, void *dconf, const char *arg)
{
    mnd_dir_conf_t *conf = dconf;
    const char *err = mnd_cfg_parse_service_id(cmd->pool, cmd->cmd->name, arg);
    if (err)
        return err;
    conf->service = arg;
    /* The server whose section this is now needs sealed state and a passphrase. */
    mnd_server_conf_rw(cmd->server)->state_used = 1;
    return NULL;
}

/* ITERATE: each argument is one PEM key file; the first of a server signs. */
static const char *add_jwt_key_file(cmd_parms *cmd, void *dconf, const char *arg)
{
    mnd_server_conf_t *conf = mnd_server_conf_rw(cmd->server);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    (void)dconf;
    if (!path)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path", cmd->cmd->name, arg);
    if (!conf->jwt_key_files)
        conf->jwt_key_files = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(conf->jwt_key_files, const char *) = path;
    return NULL;
}

/* A header name (an RFC 9110 token) or Off. */
static const char *set_jwt_header(cmd_parms *cmd, void *dconf, const char *arg)
{
    mnd_dir_conf_t *conf = dconf;
    const char *err;
    if (!strcasecmp(arg, "Off")) {
        conf->jwt_header = "";
        return NULL;
    }
    err = mnd_cfg_parse_header_name(cmd->pool, cmd->cmd->name, arg);
    if (!err)
        conf->jwt_header = arg;
    return err;
}

static const char *set_page_size(cmd_parms *cmd, void *dconf, const char *arg)
{
    mnd_dir_conf_t *conf = dconf;
    return mnd_cfg_parse_int_range(cmd->pool, cmd->cmd->name, arg, 5, MND_CHOOSER_MAX_PAGE_SIZE,
                                   &conf->chooser_page_size);
}

const command_rec mnd_cmds[] = {
    AP_INIT_TAKE1(MND_DIR_STORE_MIGRATE, set_server_flag, MND_SERVER_FIELD(store_migrate),
                  RSRC_CONF,
                  "On: apply the store's schema migrations at start (default Off); the store "
                  "is mod_dbd's DBDriver/DBDParams"),
    AP_INIT_TAKE1(MND_DIR_STORE_SOCACHE, set_socache, NULL, RSRC_CONF,
                  "provider[:args] of the socache for transactions and sessions (default "
                  "shmcb); main server only"),
    AP_INIT_TAKE1(MND_DIR_ENDPOINT_PATH, set_endpoint_path, NULL, RSRC_CONF,
                  "the URL path under which the module's endpoints live (default /mandaat)"),
    AP_INIT_TAKE1(MND_DIR_ACTOR_IDENTIFIER, set_actor_expr, MND_DIR_FIELD(actor_identifier),
                  RSRC_CONF | ACCESS_CONF,
                  "expression giving the person's INSZ (default %{REMOTE_USER})"),
    AP_INIT_TAKE1(MND_DIR_ACTOR_GIVEN_NAME, set_actor_expr, MND_DIR_FIELD(actor_given_name),
                  RSRC_CONF | ACCESS_CONF, "expression giving the person's given name"),
    AP_INIT_TAKE1(MND_DIR_ACTOR_FAMILY_NAME, set_actor_expr, MND_DIR_FIELD(actor_family_name),
                  RSRC_CONF | ACCESS_CONF, "expression giving the person's family name"),
    AP_INIT_TAKE1(MND_DIR_ACTOR_LOA, set_actor_expr, MND_DIR_FIELD(actor_loa),
                  RSRC_CONF | ACCESS_CONF,
                  "expression giving the level of assurance as a number (default 0)"),
    AP_INIT_ITERATE(MND_DIR_CRYPTO_PASSPHRASE, add_passphrase, NULL, RSRC_CONF,
                    "passphrases for sealing state: the first seals, all open"),
    AP_INIT_TAKE1(MND_DIR_SERVICE, set_service, NULL, ACCESS_CONF,
                  "the id of the service (e-counter) this location serves"),
    AP_INIT_TAKE1(MND_DIR_TEMPLATE_DIR, set_template_dir, NULL, RSRC_CONF,
                  "directory with the page templates (chooser.html, error.html, ...)"),
    AP_INIT_TAKE1(MND_DIR_CHOOSER_AUTO_SELECT, set_dir_flag, MND_DIR_FIELD(chooser_auto_select),
                  RSRC_CONF | ACCESS_CONF,
                  "On: skip the chooser when exactly one capacity exists (default On)"),
    AP_INIT_TAKE1(MND_DIR_COOKIE_SECURE, set_server_flag, MND_SERVER_FIELD(cookie_secure),
                  RSRC_CONF, "Off: cookies without Secure, for tests over http only"),
    AP_INIT_TAKE1(MND_DIR_TRANSACTION_LIFETIME, set_seconds, MND_SERVER_FIELD(txn_lifetime),
                  RSRC_CONF, "seconds a login transaction lives (default 600)"),
    AP_INIT_TAKE1(MND_DIR_SESSION_IDLE_TIMEOUT, set_seconds, MND_SERVER_FIELD(session_idle),
                  RSRC_CONF, "seconds of inactivity that end a session (default 900)"),
    AP_INIT_TAKE1(MND_DIR_SESSION_MAX_AGE, set_seconds, MND_SERVER_FIELD(session_max_age),
                  RSRC_CONF, "seconds after which a session ends in any case (default 28800)"),
    AP_INIT_TAKE1(MND_DIR_GATEWAY_HEADERS, set_dir_flag, MND_DIR_FIELD(gateway_headers),
                  RSRC_CONF | ACCESS_CONF,
                  "On: give the backend Mandaat-* request headers besides the MANDAAT_* "
                  "environment (default On)"),
    AP_INIT_TAKE1(MND_DIR_GATEWAY_JWT_HEADER, set_jwt_header, NULL, RSRC_CONF | ACCESS_CONF,
                  "request header carrying the signed JWT for the backend (default "
                  "Mandaat-JWT when a key is configured), or Off"),
    AP_INIT_ITERATE(MND_DIR_GATEWAY_JWT_KEY_FILE, add_jwt_key_file, NULL, RSRC_CONF,
                    "PEM private key files (EC P-256) signing the gateway JWT: the first "
                    "signs, all are published at <MandaatEndpointPath>/jwks"),
    AP_INIT_TAKE1(MND_DIR_GATEWAY_JWT_LIFETIME, set_seconds, MND_SERVER_FIELD(jwt_lifetime),
                  RSRC_CONF, "seconds a gateway JWT is valid (default 60)"),
    AP_INIT_TAKE1(MND_DIR_CHOOSER_PAGE_SIZE, set_page_size, NULL, RSRC_CONF | ACCESS_CONF,
                  "rows on one page of the chooser (default 50, at most 500)"),
    MND_SAML_CMDS,
    MND_OIDC_CMDS,
    {NULL},
};
