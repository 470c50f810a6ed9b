/* Checks of the configuration as a whole, after every directive was read and the virtual hosts
 * were merged: what one directive's parser cannot see (a passphrase needed by a
 * MandaatService elsewhere, an idle timeout longer than the maximum age, a template directory
 * on disk). They run in check_config, so `apachectl configtest` reports them; the logs are not
 * open yet there, so messages go to stderr (a NULL server). */
#include "mod_mandaat.h"

#include <apr_file_info.h>
#include <apr_strings.h>
#include <http_core.h>

/* Log a configuration error of server s; returns 1 so callers can count failures. */
static int config_error(apr_pool_t *p, const server_rec *s, const char *msg)
{
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, MND_LOGNO(0007) "%s (%s)", msg,
                 mnd_server_label(p, s));
    return 1;
}

static int check_passphrase(apr_pool_t *p, const server_rec *s)
{
    const mnd_server_conf_t *conf = mnd_server_conf(s);
    if (!conf->state_used || (conf->passphrases && conf->passphrases->nelts > 0))
        return 0;
    return config_error(p, s,
                        apr_psprintf(p,
                                     "%s, the SAML IdP or the OpenID provider is used but %s "
                                     "is not set: the module seals its transactions and "
                                     "sessions with keys derived from it; add e.g. '%s <random "
                                     "text of at least %d characters>'",
                                     MND_DIR_SERVICE, MND_DIR_CRYPTO_PASSPHRASE,
                                     MND_DIR_CRYPTO_PASSPHRASE, MND_MIN_PASSPHRASE_LEN));
}

static int check_session_times(apr_pool_t *p, const server_rec *s)
{
    int idle = mnd_conf_session_idle(s), max_age = mnd_conf_session_max_age(s);
    if (idle <= max_age)
        return 0;
    return config_error(p, s,
                        apr_psprintf(p,
                                     "%s %d is longer than %s %d: a session could never reach "
                                     "its idle timeout; lower the first or raise the second",
                                     MND_DIR_SESSION_IDLE_TIMEOUT, idle, MND_DIR_SESSION_MAX_AGE,
                                     max_age));
}

static int check_template_dir(apr_pool_t *p, const server_rec *s)
{
    const char *dir = mnd_conf_template_dir(s);
    apr_finfo_t fi;
    apr_status_t rv;
    char buf[120];

    if (!dir)
        return 0;
    rv = apr_stat(&fi, dir, APR_FINFO_TYPE, p);
    if (rv != APR_SUCCESS)
        return config_error(p, s,
                            apr_psprintf(p, "%s %s: %s", MND_DIR_TEMPLATE_DIR, dir,
                                         apr_strerror(rv, buf, sizeof(buf))));
    if (fi.filetype != APR_DIR)
        return config_error(p, s,
                            apr_psprintf(p, "%s %s: not a directory", MND_DIR_TEMPLATE_DIR, dir));
    return 0;
}

int mnd_config_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    int failed = 0;
    (void)pconf;
    (void)plog;

    for (sp = s; sp; sp = sp->next) {
        failed += check_passphrase(ptemp, sp);
        failed += check_session_times(ptemp, sp);
        failed += check_template_dir(ptemp, sp);
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

int mnd_config_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    (void)pconf;
    (void)plog;

    /* The first pass runs before httpd detaches and the config is read again: warn once. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    for (sp = s; sp; sp = sp->next) {
        if (mnd_server_conf(sp)->cookie_secure != 0)
            continue;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, sp,
                     MND_LOGNO(0008) "%s Off (%s): session and transaction cookies are sent "
                                     "over plain http and can be stolen on the network; this "
                                     "is meant for tests on 127.0.0.1 only",
                     MND_DIR_COOKIE_SECURE, mnd_server_label(ptemp, sp));
    }
    return OK;
}
