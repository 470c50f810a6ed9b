/* The SAML IdP's directives, their checks, and the IdP built from them at start. Everything
 * that can be wrong with a key, a certificate or an SP's metadata refuses start with the file
 * named: an IdP that comes up half-configured would answer some SPs and not others. */
#include "saml.h"

#include "saml/attrs.h"
#include "util/file.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <dlfcn.h>
#include <http_core.h>

static mnd_saml_conf_t *saml_conf(cmd_parms *cmd)
{
    mnd_server_conf_t *conf = mnd_server_conf_rw(cmd->server);
    if (!conf->saml) {
        conf->saml = apr_pcalloc(cmd->pool, sizeof(*conf->saml));
        conf->saml->want_signed = MND_UNSET;
        conf->saml->lifetime = MND_UNSET;
        conf->saml->sps = apr_array_make(cmd->pool, 4, sizeof(mnd_saml_sp_decl_t));
    }
    /* The IdP's pages (chooser, errors) and transactions need sealed state. */
    conf->state_used = 1;
    return conf->saml;
}

const char *mnd_saml_set_public_url(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_uri_t u;
    size_t n = strlen(arg);
    (void)dconf;
    if (apr_uri_parse(cmd->pool, arg, &u) != APR_SUCCESS || !u.scheme || !u.hostname ||
        (strcasecmp(u.scheme, "https") && strcasecmp(u.scheme, "http")) || u.user ||
        u.password || u.query || u.fragment || (u.path && strcmp(u.path, "/")) || n > 256)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not scheme://host[:port] (http or https, no path, "
                            "query or user)",
                            cmd->cmd->name, arg);
    mnd_server_conf_rw(cmd->server)->public_url =
        apr_pstrndup(cmd->pool, arg, arg[n - 1] == '/' ? n - 1 : n);
    return NULL;
}

const char *mnd_saml_set_file(cmd_parms *cmd, void *dconf, const char *arg)
{
    mnd_saml_conf_t *sc = saml_conf(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    (void)dconf;
    if (!path)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path", cmd->cmd->name, arg);
    if (cmd->info)
        sc->cert_file = path;
    else
        sc->key_file = path;
    return NULL;
}

const char *mnd_saml_set_entity_id(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *c;
    (void)dconf;
    for (c = arg; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7F)
            break;
    if (*c || !strchr(arg, ':') || strlen(arg) > 1024)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not an absolute URI (https://... or urn:...) of "
                            "printable ASCII without spaces, at most 1024 characters",
                            cmd->cmd->name, arg);
    saml_conf(cmd)->entity_id = arg;
    return NULL;
}

static const char *sp_option(cmd_parms *cmd, mnd_saml_sp_decl_t *d, const char *opt)
{
    if (!strncmp(opt, "profile=", 8)) {
        d->profile = opt + 8;
        if (!mnd_saml_profile_valid(d->profile))
            return apr_psprintf(cmd->pool, "%s: unknown profile '%s' (mandaat, acm or eidas)",
                                cmd->cmd->name, d->profile);
    } else if (!strcmp(opt, "nameid=persistent")) {
        d->nameid_transient = 0;
    } else if (!strcmp(opt, "nameid=transient")) {
        d->nameid_transient = 1;
    } else if (!strcmp(opt, "sign-response")) {
        d->sign_response = 1;
    } else {
        return apr_psprintf(cmd->pool,
                            "%s: unknown option '%s' (profile=mandaat|acm|eidas, "
                            "nameid=persistent|transient, sign-response)",
                            cmd->cmd->name, opt);
    }
    return NULL;
}

const char *mnd_saml_add_sp(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    mnd_saml_conf_t *sc = saml_conf(cmd);
    mnd_saml_sp_decl_t d = {0};
    const char *err;
    int i = 1;
    (void)dconf;

    d.is_dir = cmd->info != NULL;
    if (argc < (d.is_dir ? 1 : 2))
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name,
                            d.is_dir ? "needs a directory" : "needs <metadata.xml> <service>");
    d.path = ap_server_root_relative(cmd->pool, argv[0]);
    if (!d.path)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path", cmd->cmd->name, argv[0]);
    if (!d.is_dir) {
        if ((err = mnd_cfg_parse_service_id(cmd->pool, cmd->cmd->name, argv[1])))
            return err;
        d.service_id = argv[1];
        i = 2;
    }
    d.profile = "mandaat";
    for (; i < argc; i++)
        if ((err = sp_option(cmd, &d, argv[i])))
            return err;
    d.where = apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                           cmd->directive->line_num);
    APR_ARRAY_PUSH(sc->sps, mnd_saml_sp_decl_t) = d;
    return NULL;
}

const char *mnd_saml_set_want_signed(cmd_parms *cmd, void *dconf, const char *arg)
{
    (void)dconf;
    return mnd_cfg_parse_flag(cmd->pool, cmd->cmd->name, arg, &saml_conf(cmd)->want_signed);
}

const char *mnd_saml_set_lifetime(cmd_parms *cmd, void *dconf, const char *arg)
{
    (void)dconf;
    return mnd_cfg_parse_int_range(cmd->pool, cmd->cmd->name, arg, MND_MIN_SAML_LIFETIME,
                                   MND_MAX_SAML_LIFETIME, &saml_conf(cmd)->lifetime);
}

const char *mnd_saml_set_nameid_secret(cmd_parms *cmd, void *dconf, const char *arg)
{
    (void)dconf;
    if (strlen(arg) < MND_MIN_NAMEID_SECRET_LEN)
        return apr_psprintf(cmd->pool, "%s: at least %d characters", cmd->cmd->name,
                            MND_MIN_NAMEID_SECRET_LEN);
    saml_conf(cmd)->nameid_secret = arg;
    return NULL;
}

/* ---- check_config ---- */

static int check_error(apr_pool_t *p, const server_rec *s, const char *msg)
{
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, MND_LOGNO(0043) "%s (%s)", msg,
                 mnd_server_label(p, s));
    return 1;
}

int mnd_saml_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    int failed = 0;
    (void)pconf;
    (void)plog;

    for (sp = s; sp; sp = sp->next) {
        const mnd_server_conf_t *conf = mnd_server_conf(sp);
        const mnd_saml_conf_t *sc = conf->saml;
        if (!sc)
            continue;
        if (!sc->key_file || !sc->cert_file)
            failed += check_error(ptemp, sp,
                                  apr_psprintf(ptemp, "the SAML IdP needs both %s and %s",
                                               MND_DIR_SAML_SIGNING_KEY_FILE,
                                               MND_DIR_SAML_CERTIFICATE_FILE));
        if (!conf->public_url)
            failed += check_error(ptemp, sp,
                                  apr_psprintf(ptemp,
                                               "the SAML IdP needs %s: its metadata names "
                                               "absolute URLs, never taken from a request",
                                               MND_DIR_PUBLIC_URL));
        else if (!mnd_saml_url_ok(conf->public_url))
            failed += check_error(ptemp, sp,
                                  apr_psprintf(ptemp,
                                               "%s %s: the SAML IdP needs an https URL (its "
                                               "cookies and assertions travel there; http "
                                               "only on 127.0.0.1, [::1] or localhost)",
                                               MND_DIR_PUBLIC_URL, conf->public_url));
        if (sc->sps->nelts == 0)
            failed += check_error(ptemp, sp,
                                  apr_psprintf(ptemp, "the SAML IdP has no service provider (%s "
                                                      "or %s)",
                                               MND_DIR_SAML_SP_METADATA_FILE, MND_DIR_SAML_SP_METADATA_DIR));
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* ---- post_config: the IdP ---- */

static void lasso_log(void *baton, int level, const char *domain, const char *msg)
{
    static const int levels[] = {APLOG_ERR, APLOG_WARNING, APLOG_INFO, APLOG_DEBUG};
    server_rec *s = baton;
    /* Our own refusals already say what was wrong; lasso's view is detail. */
    ap_log_error(APLOG_MARK, levels[level] > APLOG_INFO ? levels[level] : APLOG_INFO, 0, s,
                 MND_LOGNO(0044) "%s: %s", domain ? domain : "lasso", msg);
}

/* Keys, certificates and metadata: at most 4 MiB each. */
static mnd_error_t *read_file(apr_pool_t *p, const char *path, const char **out)
{
    char *buf;
    MND_TRY(mnd_file_read(p, path, 4 * 1024 * 1024, &buf, NULL));
    *out = buf;
    return NULL;
}

static mnd_error_t *add_sp_file(apr_pool_t *p, mnd_saml_idp_t *idp, const mnd_saml_sp_decl_t *d,
                                const char *path, const char *service_id, server_rec *s)
{
    mnd_saml_sp_conf_t spc = {0};
    const char *entity_id;
    mnd_error_t *err;

    MND_TRY(read_file(p, path, &spc.metadata_xml));
    spc.service_id = service_id;
    spc.profile = d->profile;
    spc.nameid_transient = d->nameid_transient;
    spc.sign_response = d->sign_response;
    err = mnd_saml_idp_add_sp(idp, p, &spc, &entity_id);
    if (err)
        return mnd_error(p, err->rc, "%s (%s): %s", path, d->where, err->msg);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                 MND_LOGNO(0045) "SAML SP %s for service %s, profile %s, from %s", entity_id,
                 service_id, d->profile, path);
    return NULL;
}

static mnd_error_t *add_sp_dir(apr_pool_t *p, mnd_saml_idp_t *idp, const mnd_saml_sp_decl_t *d,
                               server_rec *s)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    char err[120];
    int n = 0;
    apr_status_t rv = apr_dir_open(&dir, d->path, p);

    if (rv != APR_SUCCESS)
        return mnd_error(p, MND_EINVAL, "%s (%s): %s", d->path, d->where,
                         apr_strerror(rv, err, sizeof(err)));
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir) == APR_SUCCESS) {
        size_t len = strlen(fi.name);
        const char *service;
        if (fi.filetype != APR_REG || len <= 4 || strcmp(fi.name + len - 4, ".xml"))
            continue;
        service = apr_pstrndup(p, fi.name, len - 4);
        if (mnd_cfg_parse_service_id(p, MND_DIR_SAML_SP_METADATA_DIR, service))
            return mnd_error(p, MND_EINVAL, "%s/%s (%s): the file's base name is the service "
                                            "id and must be 1..64 of [A-Za-z0-9._:/-]",
                             d->path, fi.name, d->where);
        MND_TRY(add_sp_file(p, idp, d, apr_pstrcat(p, d->path, "/", fi.name, NULL), service, s));
        n++;
    }
    apr_dir_close(dir);
    if (n == 0)
        return mnd_error(p, MND_EINVAL, "%s (%s): no *.xml metadata in the directory", d->path,
                         d->where);
    return NULL;
}

static mnd_error_t *build_idp(apr_pool_t *p, server_rec *s, mnd_saml_idp_t **out)
{
    const mnd_server_conf_t *conf = mnd_server_conf(s);
    const mnd_saml_conf_t *sc = conf->saml;
    mnd_saml_idp_conf_t ic = {0};
    mnd_error_t *err;
    int i;

    MND_TRY(read_file(p, sc->key_file, &ic.key_pem));
    MND_TRY(read_file(p, sc->cert_file, &ic.cert_pem));
    ic.entity_id = sc->entity_id ? sc->entity_id
                                 : mnd_public_endpoint_url(p, s, "saml/metadata");
    ic.sso_url = mnd_public_endpoint_url(p, s, "saml/sso");
    ic.slo_url = mnd_public_endpoint_url(p, s, "saml/slo");
    ic.want_signed_requests = sc->want_signed != 0;
    ic.assertion_lifetime = sc->lifetime == MND_UNSET ? MND_DEFAULT_SAML_LIFETIME : sc->lifetime;
    ic.nameid_secret = sc->nameid_secret;
    err = mnd_saml_idp_create(p, &ic, out);
    if (err)
        return mnd_error(p, err->rc, "%s %s / %s %s: %s", MND_DIR_SAML_SIGNING_KEY_FILE,
                         sc->key_file, MND_DIR_SAML_CERTIFICATE_FILE, sc->cert_file, err->msg);
    for (i = 0; i < sc->sps->nelts; i++) {
        const mnd_saml_sp_decl_t *d = &APR_ARRAY_IDX(sc->sps, i, mnd_saml_sp_decl_t);
        MND_TRY(d->is_dir ? add_sp_dir(p, *out, d, s)
                          : add_sp_file(p, *out, d, d->path, d->service_id, s));
    }
    return NULL;
}

/* httpd unloads and reloads every module at start (it reads its configuration twice) and at
 * each restart. GObject, under lasso, never unloads (NODELETE): the types lasso registered
 * from the previous copy stay in its registry, a reloaded lasso cannot register them again and
 * no LassoServer can be made ("cannot register existing type 'LassoNode'"); GLib would also
 * keep our log handler pointing into unmapped code. So this module, and with it lasso, stays
 * loaded for the life of the process once the IdP is used. (mod_auth_mellon avoids the
 * problem by calling lasso_init in the children only, but then a bad key or metadata could
 * not refuse start.) */
static void pin_module(server_rec *s)
{
    Dl_info info;
    if (dladdr((void *)pin_module, &info) && info.dli_fname &&
        dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE))
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 MND_LOGNO(0069) "SAML IdP: cannot keep mod_mandaat loaded across restarts "
                                 "(%s); a restart may fail to load lasso",
                 dlerror());
}

static apr_status_t forget_log(void *unused)
{
    (void)unused;
    mnd_saml_set_log(NULL, NULL);
    return APR_SUCCESS;
}

int mnd_saml_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    apr_hash_t *built = apr_hash_make(ptemp); /* one IdP per SAML configuration */
    (void)plog;

    for (sp = s; sp; sp = sp->next) {
        mnd_server_conf_t *conf = mnd_server_conf_rw(sp);
        mnd_saml_idp_t *idp;
        mnd_error_t *err;

        if (!conf->saml)
            continue;
        pin_module(s);
        mnd_saml_set_log(lasso_log, s);
        /* s dies with this generation's configuration: stop logging through it then. */
        apr_pool_cleanup_register(pconf, NULL, forget_log, apr_pool_cleanup_null);
        idp = apr_hash_get(built, &conf->saml, sizeof(conf->saml));
        if (!idp) {
            err = build_idp(pconf, sp, &idp);
            if (err) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, sp, MND_LOGNO(0046) "SAML IdP: %s",
                             err->msg);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            apr_hash_set(built, apr_pmemdup(ptemp, &conf->saml, sizeof(conf->saml)),
                         sizeof(conf->saml), idp);
        }
        conf->saml_idp = idp;
    }
    return OK;
}

mnd_saml_idp_t *mnd_saml_idp(const server_rec *s)
{
    return mnd_server_conf(s)->saml_idp;
}

const char *mnd_public_endpoint_url(apr_pool_t *p, const server_rec *s, const char *name)
{
    const char *base = mnd_server_conf(s)->public_url;
    return base ? apr_pstrcat(p, base, mnd_conf_endpoint_path(s), "/", name, NULL) : NULL;
}
