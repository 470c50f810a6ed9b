/* The Mandaat* directives: per-server configuration, the command table and the value parsers.
 *
 * Adding a directive: a name in mod_mandaat.h (MND_DIR_*), a field in mnd_server_conf_t set to
 * MND_UNSET in create and inherited in merge, an accessor applying the default, a line in
 * mnd_cmds (the generic setters take the field's offset), and its documentation in
 * conf/mandaat.conf (the integration test compares the two). Parsers are pure functions of
 * (pool, directive, value) that return a message naming the directive, so `apachectl
 * configtest` says which line is wrong and why. Checks that involve several directives or
 * other modules run in the check_config hook (store_glue.c), not here. */
#include "mod_mandaat.h"

#include <apr_strings.h>

#define MND_DEFAULT_STORE_MIGRATE 0

const char *mnd_cfg_parse_flag(apr_pool_t *p, const char *directive, const char *arg, int *out)
{
    if (!strcasecmp(arg, "On")) {
        *out = 1;
        return NULL;
    }
    if (!strcasecmp(arg, "Off")) {
        *out = 0;
        return NULL;
    }
    return apr_psprintf(p, "%s: expects On or Off, not '%s'", directive, arg);
}

static mnd_server_conf_t *server_conf_rw(server_rec *s)
{
    return ap_get_module_config(s->module_config, &mandaat_module);
}

const mnd_server_conf_t *mnd_server_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &mandaat_module);
}

void *mnd_server_conf_create(apr_pool_t *p, server_rec *s)
{
    mnd_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    conf->store_migrate = MND_UNSET;
    return conf;
}

static int merge_int(int base, int add)
{
    return add == MND_UNSET ? base : add;
}

void *mnd_server_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    const mnd_server_conf_t *base = basev, *add = addv;
    mnd_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    conf->store_migrate = merge_int(base->store_migrate, add->store_migrate);
    return conf;
}

int mnd_conf_store_migrate(const server_rec *s)
{
    int v = mnd_server_conf(s)->store_migrate;
    return v == MND_UNSET ? MND_DEFAULT_STORE_MIGRATE : v;
}

/* Generic setter for an On/Off server directive: cmd->info is the offset of its int field.
 * TAKE1 rather than httpd's FLAG so that the message is ours and names the directive. */
static const char *set_server_flag(cmd_parms *cmd, void *dconf, const char *arg)
{
    int *field = (int *)((char *)server_conf_rw(cmd->server) + (apr_size_t)cmd->info);
    return mnd_cfg_parse_flag(cmd->pool, cmd->cmd->name, arg, field);
}

#define MND_SERVER_FIELD(f) ((void *)APR_OFFSETOF(mnd_server_conf_t, f))

const command_rec mnd_cmds[] = {
    AP_INIT_TAKE1(MND_DIR_STORE_MIGRATE, set_server_flag, MND_SERVER_FIELD(store_migrate),
                  RSRC_CONF,
                  "On: apply the store's schema migrations at start (default Off); the store "
                  "is mod_dbd's DBDriver/DBDParams"),
    {NULL},
};
