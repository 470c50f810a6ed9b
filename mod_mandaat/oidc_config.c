/* The OpenID provider's directives, their checks, and the provider built from them at start:
 * signing keys, clients (oidc_clients.c), URLs, the JWKS and the discovery document. Anything
 * wrong with a key or a client file refuses start, naming the file and the directive: a
 * provider that came up half-configured would fail logins one client at a time. */
#include "oidc_clients.h"
#include "saml.h"

#include "jose/jwt.h"
#include "oidc/discovery.h"

#include <apr_strings.h>
#include <apr_uri.h>
#include <http_core.h>

/* The levels of assurance a session can carry (flow/session.c refuses more), so the acr
 * values "loa:<n>" the provider can issue. */
#define MND_OIDC_LOA_MAX 100
/* Longest issuer (mnd_oidc_url_rule's limit). */
#define MND_OIDC_ISSUER_MAX 2048

static mnd_oidc_conf_t *oidc_conf(cmd_parms *cmd)
{
    mnd_server_conf_t *conf = mnd_server_conf_rw(cmd->server);
    if (!conf->oidc) {
        conf->oidc = apr_pcalloc(cmd->pool, sizeof(*conf->oidc));
        conf->oidc->keys = apr_array_make(cmd->pool, 2, sizeof(mnd_oidc_key_decl_t));
        conf->oidc->clients = apr_array_make(cmd->pool, 4, sizeof(mnd_oidc_client_decl_t));
        conf->oidc->id_token_lifetime = MND_UNSET;
        conf->oidc->access_token_lifetime = MND_UNSET;
    }
    /* The provider's login transactions, codes and grants are sealed state. */
    conf->state_used = 1;
    return conf->oidc;
}

static const char *where(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename, cmd->directive->line_num);
}

const char *mnd_oidc_set_issuer(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *c;
    size_t n = strlen(arg);
    (void)dconf;
    for (c = arg; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7F)
            break;
    /* The rest (under MandaatPublicURL, its path) is checked once every directive is read. */
    if (*c || n == 0 || n > MND_OIDC_ISSUER_MAX || !strstr(arg, "://") || arg[n - 1] == '/' ||
        strpbrk(arg, "?#"))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not an absolute URL of printable ASCII without "
                            "spaces, query, fragment or trailing '/'",
                            cmd->cmd->name, arg);
    oidc_conf(cmd)->issuer = arg;
    return NULL;
}

const char *mnd_oidc_add_key(cmd_parms *cmd, void *dconf, const char *path, const char *alg)
{
    mnd_oidc_key_decl_t d = {0};
    (void)dconf;
    if (alg && strcmp(alg, "ES256") && strcmp(alg, "RS256") && strcmp(alg, "PS256"))
        return apr_psprintf(cmd->pool,
                            "%s: unknown algorithm '%s' (ES256 for an EC P-256 key, RS256 or "
                            "PS256 for an RSA key)",
                            cmd->cmd->name, alg);
    d.path = ap_server_root_relative(cmd->pool, path);
    if (!d.path)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path", cmd->cmd->name, path);
    d.alg = alg;
    d.where = where(cmd);
    APR_ARRAY_PUSH(oidc_conf(cmd)->keys, mnd_oidc_key_decl_t) = d;
    return NULL;
}

const char *mnd_oidc_add_clients(cmd_parms *cmd, void *dconf, const char *path)
{
    mnd_oidc_client_decl_t d = {0};
    (void)dconf;
    d.path = ap_server_root_relative(cmd->pool, path);
    if (!d.path)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path", cmd->cmd->name, path);
    d.is_dir = cmd->info != NULL;
    d.where = where(cmd);
    APR_ARRAY_PUSH(oidc_conf(cmd)->clients, mnd_oidc_client_decl_t) = d;
    return NULL;
}

const char *mnd_oidc_set_pairwise_secret(cmd_parms *cmd, void *dconf, const char *arg)
{
    (void)dconf;
    if (strlen(arg) < MND_MIN_PAIRWISE_SECRET_LEN)
        return apr_psprintf(cmd->pool, "%s: at least %d characters", cmd->cmd->name,
                            MND_MIN_PAIRWISE_SECRET_LEN);
    oidc_conf(cmd)->pairwise_secret = arg;
    return NULL;
}

const char *mnd_oidc_set_lifetime(cmd_parms *cmd, void *dconf, const char *arg)
{
    mnd_oidc_conf_t *oc = oidc_conf(cmd);
    (void)dconf;
    return mnd_cfg_parse_int_range(cmd->pool, cmd->cmd->name, arg, MND_MIN_OIDC_TOKEN_LIFETIME,
                                   MND_MAX_OIDC_TOKEN_LIFETIME,
                                   cmd->info ? &oc->access_token_lifetime : &oc->id_token_lifetime);
}

/* ---- the provider ---- */

static mnd_error_t *load_keys(apr_pool_t *p, const mnd_oidc_conf_t *oc, apr_array_header_t **out)
{
    apr_array_header_t *keys = apr_array_make(p, oc->keys->nelts, sizeof(mnd_jwt_key_t *));
    mnd_error_t *err;
    int i;

    for (i = 0; i < oc->keys->nelts; i++) {
        const mnd_oidc_key_decl_t *d = &APR_ARRAY_IDX(oc->keys, i, mnd_oidc_key_decl_t);
        mnd_jwt_key_t *k = NULL;
        /* Without an alg the key's type decides: ES256 for EC, RS256 for RSA. */
        err = mnd_jwt_key_load(p, d->path, &k);
        if (!err && d->alg)
            err = mnd_jwt_key_set_alg(p, k, d->alg);
        if (err)
            return mnd_error(p, err->rc, "%s %s%s%s at %s: %s", MND_DIR_OIDC_SIGNING_KEY_FILE,
                             d->path, d->alg ? " " : "", d->alg ? d->alg : "", d->where, err->msg);
        APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = k;
    }
    /* The same key in two files would publish one kid twice. */
    if ((err = mnd_jwt_keys_check(p, keys)))
        return mnd_error(p, err->rc, "%s: %s", MND_DIR_OIDC_SIGNING_KEY_FILE, err->msg);
    *out = keys;
    return NULL;
}

/* The algs of the keys, each once, in key order: every key verifies, the first signs. */
static apr_array_header_t *key_algs(apr_pool_t *p, const apr_array_header_t *keys)
{
    apr_array_header_t *algs = apr_array_make(p, 3, sizeof(const char *));
    int i, j;
    for (i = 0; i < keys->nelts; i++) {
        const char *alg = mnd_jwt_key_alg(APR_ARRAY_IDX(keys, i, const mnd_jwt_key_t *));
        for (j = 0; j < algs->nelts && strcmp(APR_ARRAY_IDX(algs, j, const char *), alg); j++)
            ;
        if (j == algs->nelts)
            APR_ARRAY_PUSH(algs, const char *) = alg;
    }
    return algs;
}

static apr_array_header_t *acr_values(apr_pool_t *p)
{
    apr_array_header_t *v = apr_array_make(p, MND_OIDC_LOA_MAX + 1, sizeof(const char *));
    int n;
    for (n = 0; n <= MND_OIDC_LOA_MAX; n++)
        APR_ARRAY_PUSH(v, const char *) = apr_psprintf(p, "loa:%d", n);
    return v;
}

/* The URLs, the JWKS and the discovery document of op, whose keys are loaded. */
static mnd_error_t *describe(apr_pool_t *p, const server_rec *s, const mnd_oidc_conf_t *oc,
                             const apr_array_header_t *clients, mnd_oidc_op_t *op)
{
    mnd_oidc_op_conf_t dc = {0};
    apr_uri_t u;
    mnd_error_t *err;

    op->issuer = oc->issuer ? oc->issuer : mnd_public_endpoint_url(p, s, "oidc");
    if (!op->issuer)
        return mnd_error(p, MND_EINVAL, "no %s", MND_DIR_PUBLIC_URL);
    op->authorize_url = mnd_public_endpoint_url(p, s, "oidc/authorize");
    op->token_url = mnd_public_endpoint_url(p, s, "oidc/token");
    op->userinfo_url = mnd_public_endpoint_url(p, s, "oidc/userinfo");
    op->jwks_url = mnd_public_endpoint_url(p, s, "oidc/jwks");
    if (apr_uri_parse(p, op->issuer, &u) != APR_SUCCESS || !u.path || !*u.path)
        return mnd_error(p, MND_EINVAL, "%s %s: not a URL with a path", MND_DIR_OIDC_ISSUER,
                         op->issuer);
    op->discovery_path = apr_pstrcat(p, u.path, "/.well-known/openid-configuration", NULL);
    if ((err = mnd_jwks_json(p, op->keys, &op->jwks_json)))
        return mnd_error(p, err->rc, "%s: %s", MND_DIR_OIDC_SIGNING_KEY_FILE, err->msg);
    dc.issuer = op->issuer;
    dc.authorization_endpoint = op->authorize_url;
    dc.token_endpoint = op->token_url;
    dc.userinfo_endpoint = op->userinfo_url;
    dc.jwks_uri = op->jwks_url;
    dc.signing_algs = key_algs(p, op->keys);
    dc.scopes = mnd_oidc_clients_scopes(p, clients);
    dc.claims = mnd_oidc_clients_claims(p, clients);
    dc.acr_values = acr_values(p);
    if ((err = mnd_oidc_discovery_json(p, &dc, &op->discovery_json)))
        return mnd_error(p, err->rc, "%s %s / %s: %s", MND_DIR_OIDC_ISSUER, op->issuer,
                         MND_DIR_PUBLIC_URL, err->msg);
    return NULL;
}

/* The provider of s in p; logs what it built on s when log is set. */
static mnd_error_t *build_op(apr_pool_t *p, server_rec *s, int log, const mnd_oidc_op_t **out)
{
    const mnd_oidc_conf_t *oc = mnd_server_conf(s)->oidc;
    mnd_oidc_op_t *op = apr_pcalloc(p, sizeof(*op));
    mnd_oidc_registry_t *reg;
    apr_array_header_t *keys, *clients;

    MND_TRY(load_keys(p, oc, &keys));
    op->keys = keys;
    MND_TRY(mnd_oidc_clients_load(p, log ? s : NULL, oc, &reg, &clients));
    op->clients = reg;
    MND_TRY(describe(p, s, oc, clients, op));
    op->pairwise_secret = oc->pairwise_secret;
    op->id_token_ttl = oc->id_token_lifetime == MND_UNSET ? MND_DEFAULT_OIDC_TOKEN_LIFETIME
                                                          : oc->id_token_lifetime;
    op->access_token_ttl = oc->access_token_lifetime == MND_UNSET ? MND_DEFAULT_OIDC_TOKEN_LIFETIME
                                                                  : oc->access_token_lifetime;
    if (log)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     MND_LOGNO(0055) "OpenID provider %s: %d client(s), %d key(s), signing with "
                                     "%s key %s; discovery at %s",
                     op->issuer, mnd_oidc_registry_count(reg), keys->nelts,
                     mnd_jwt_key_alg(APR_ARRAY_IDX(keys, 0, const mnd_jwt_key_t *)),
                     mnd_jwt_key_kid(APR_ARRAY_IDX(keys, 0, const mnd_jwt_key_t *)),
                     op->discovery_path);
    *out = op;
    return NULL;
}

/* A virtual host that inherits the main server's OIDC settings but has its own
 * MandaatPublicURL or MandaatEndpointPath has other URLs, so another provider. */
static const char *op_id(apr_pool_t *p, server_rec *s)
{
    const mnd_server_conf_t *conf = mnd_server_conf(s);
    return apr_psprintf(p, "%pp %s %s", (void *)conf->oidc, conf->public_url,
                        mnd_conf_endpoint_path(s));
}

/* ---- check_config ---- */

static int check_error(apr_pool_t *p, const server_rec *s, const char *msg)
{
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, MND_LOGNO(0052) "%s (%s)", msg,
                 mnd_server_label(p, s));
    return 1;
}

/* NULL when issuer is MandaatPublicURL followed by a path of the endpoint path's characters
 * (so that r->uri, decoded, matches its discovery path as written) and a valid issuer. */
static const char *issuer_rule(apr_pool_t *p, const char *issuer, const char *public_url)
{
    size_t n = strlen(public_url);
    const char *rule;
    if (strncmp(issuer, public_url, n) || issuer[n] != '/')
        return apr_psprintf(p, "%s %s: must be %s %s followed by a path", MND_DIR_OIDC_ISSUER,
                            issuer, MND_DIR_PUBLIC_URL, public_url);
    if ((rule = mnd_cfg_parse_endpoint_path(p, MND_DIR_OIDC_ISSUER, issuer + n)))
        return apr_psprintf(p, "%s: the path after %s", rule, MND_DIR_PUBLIC_URL);
    if ((rule = mnd_oidc_url_rule(p, issuer, 0)))
        return apr_psprintf(p, "%s %s %s", MND_DIR_OIDC_ISSUER, issuer, rule);
    return NULL;
}

static int check_server(apr_pool_t *p, const server_rec *s)
{
    const mnd_server_conf_t *conf = mnd_server_conf(s);
    const mnd_oidc_conf_t *oc = conf->oidc;
    const char *rule;
    int failed = 0;

    if (!oc->keys->nelts)
        failed += check_error(p, s,
                              apr_psprintf(p, "the OpenID provider needs a signing key (%s)",
                                           MND_DIR_OIDC_SIGNING_KEY_FILE));
    if (!oc->clients->nelts)
        failed += check_error(p, s,
                              apr_psprintf(p, "the OpenID provider has no client (%s or %s)",
                                           MND_DIR_OIDC_CLIENT_FILE, MND_DIR_OIDC_CLIENT_DIR));
    if (!conf->public_url)
        return failed + check_error(p, s,
                                    apr_psprintf(p,
                                                 "the OpenID provider needs %s: its issuer and "
                                                 "endpoints are absolute URLs, never taken "
                                                 "from a request",
                                                 MND_DIR_PUBLIC_URL));
    if ((rule = mnd_oidc_url_rule(p, conf->public_url, 0)))
        return failed + check_error(p, s,
                                    apr_psprintf(p,
                                                 "%s %s %s for the OpenID provider (its "
                                                 "tokens and codes travel there)",
                                                 MND_DIR_PUBLIC_URL, conf->public_url, rule));
    if (oc->issuer && (rule = issuer_rule(p, oc->issuer, conf->public_url)))
        failed += check_error(p, s, rule);
    return failed;
}

/* The provider is built here too (and thrown away), so that `apachectl configtest` finds a bad
 * key or client file: at a graceful restart the parent would otherwise die on it. */
int mnd_oidc_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    apr_hash_t *built = apr_hash_make(ptemp);
    int failed = 0;
    (void)pconf;
    (void)plog;

    for (sp = s; sp; sp = sp->next) {
        const mnd_oidc_op_t *op;
        const char *id;
        mnd_error_t *err;
        int n;

        if (!mnd_server_conf(sp)->oidc)
            continue;
        if ((n = check_server(ptemp, sp))) {
            failed += n;
            continue;
        }
        id = op_id(ptemp, sp);
        if (apr_hash_get(built, id, APR_HASH_KEY_STRING))
            continue;
        if ((err = build_op(ptemp, sp, 0, &op)))
            failed +=
                check_error(ptemp, sp, apr_pstrcat(ptemp, "OpenID provider: ", err->msg, NULL));
        apr_hash_set(built, id, APR_HASH_KEY_STRING, id);
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* ---- post_config ---- */

int mnd_oidc_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    apr_hash_t *built = apr_hash_make(ptemp); /* one provider per configuration and URL */
    (void)plog;

    for (sp = s; sp; sp = sp->next) {
        mnd_server_conf_t *conf = mnd_server_conf_rw(sp);
        const mnd_oidc_op_t *op;
        const char *id;
        mnd_error_t *err;

        if (!conf->oidc)
            continue;
        id = op_id(ptemp, sp);
        op = apr_hash_get(built, id, APR_HASH_KEY_STRING);
        if (!op) {
            if ((err = build_op(pconf, sp, 1, &op))) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, sp, MND_LOGNO(0053) "OpenID provider: %s",
                             err->msg);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            apr_hash_set(built, id, APR_HASH_KEY_STRING, op);
        }
        conf->oidc_op = op;
    }
    return OK;
}

const mnd_oidc_op_t *mnd_oidc_op(const server_rec *s)
{
    return mnd_server_conf(s)->oidc_op;
}
