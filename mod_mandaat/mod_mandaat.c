/* mod_mandaat: the module record and hook registration, nothing else. Directives live in
 * config.c, the store glue in store_glue.c; each later stage (login, SAML, OIDC) adds its own
 * file and one line here. This is the only place that registers hooks. */
#include "mod_mandaat.h"

static void mnd_register_hooks(apr_pool_t *p)
{
    /* check_config runs for `apachectl configtest` as well as at start, so configuration
     * errors that need no database are caught there; migrations need post_config (after the
     * logs are open, so failures reach the error log). */
    ap_hook_check_config(mnd_store_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA mandaat_module = {
    STANDARD20_MODULE_STUFF,
    NULL,                   /* per-directory config: none yet */
    NULL,                   /* merge per-directory config */
    mnd_server_conf_create, /* per-server config */
    mnd_server_conf_merge,  /* merge per-server config */
    mnd_cmds,               /* command table */
    mnd_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE,
#endif
};
