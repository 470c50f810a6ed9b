/* mod_mandaat: the module record and hook registration, nothing else. Directives live in
 * config.c (parsers in config_parse.c, cross-checks in config_check.c), the store glue in
 * store_glue.c, sealed state in the socache in state_glue.c; each later stage (login, SAML,
 * OIDC) adds its own file and one line here. This is the only place that registers hooks. */
#include "oidc.h"
#include "saml.h"

#include <http_request.h>
#include <mod_auth.h>

static void mnd_register_hooks(apr_pool_t *p)
{
    /* check_config runs for `apachectl configtest` as well as at start, so configuration
     * errors that need no database are caught there; migrations need post_config (after the
     * logs are open, so failures reach the error log). */
    ap_hook_pre_config(mnd_state_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_store_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_config_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_state_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_saml_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mnd_oidc_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_config_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_state_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_pages_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_keys_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_saml_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mnd_oidc_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mnd_state_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mnd_resolve_child_init, NULL, NULL, APR_HOOK_MIDDLE);

    /* The login path. The session check runs after the upstream authentication and before
     * mod_authz_core's Require evaluation (which hooks in last), so the mandaat-* providers
     * see the checked session: in check_access_ex for modules that authenticate in the access
     * phase (mellon), else in check_authz. Scrubbing runs first among the fixups, before anything that
     * could pass a header on; the handler runs before every other, mod_proxy included. */
    ap_hook_check_access_ex(mnd_gateway_access_ex, NULL, NULL, APR_HOOK_FIRST,
                            AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(mnd_gateway_check_authz, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(mnd_scrub_fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_fixups(mnd_gateway_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(mnd_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
    mnd_authz_register(p);
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
