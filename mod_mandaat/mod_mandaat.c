/* mod_mandaat: the module record and hook registration, nothing else. Directives live in
 * config.c (parsers in config_parse.c, cross-checks in config_check.c), the store glue in
 * store_glue.c, sealed state in the socache in state_glue.c; each later stage (login, SAML,
 * OIDC) adds its own file and one line here. This is the only place that registers hooks. */
#include "mod_mandaat.h"

static void mnd_register_hooks(apr_pool_t *p)
{
    /* check_config runs for `apachectl configtest` as well as at start, so configuration
     * errors that need no database are caught there; migrations need post_config (after the
     * logs are open, so failures reach the error log). */
    (void)p;
    ap_hook_pre_config(mnd_state_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_store_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_config_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_state_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_config_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_state_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mnd_state_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA mandaat_module = {
    STANDARD20_MODULE_STUFF,
    mnd_dir_conf_create,    /* per-directory config */
    mnd_dir_conf_merge,     /* merge per-directory config */
    mnd_server_conf_create, /* per-server config */
    mnd_server_conf_merge,  /* merge per-server config */
    mnd_cmds,               /* command table */
    mnd_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE,
#endif
};
