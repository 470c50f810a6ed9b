/* The OpenID provider's relying parties, read at start from MandaatOIDCClientFile and
 * MandaatOIDCClientDir, and what the discovery document says about them. Any client that
 * cannot be used refuses start, naming its file: a provider that came up with some clients
 * missing would send their users to an error page at the first login. */
#include "oidc_clients.h"

#include "flow/claims.h"
#include "util/file.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <stdlib.h>

/* ---- reading the files ---- */

static mnd_error_t *read_client_file(apr_pool_t *p, const char *path, const char **txt,
                                     apr_size_t *len)
{
    char *buf;
    MND_TRY(mnd_file_read(p, path, MND_OIDC_CLIENT_FILE_MAX, &buf, len));
    *txt = buf;
    return NULL;
}

typedef struct load_t {
    apr_pool_t *p;
    server_rec *s;
    const mnd_oidc_conf_t *oc;
    mnd_oidc_registry_t *reg;
    apr_array_header_t *list; /* mnd_oidc_client_t * */
} load_t;

static mnd_error_t *pairwise_check(apr_pool_t *p, const load_t *l, const mnd_oidc_client_t *c)
{
    if (c->subject_public || l->oc->pairwise_secret)
        return NULL;
    return mnd_error(p, MND_EINVAL,
                     "%s: client %s has subject_type pairwise (the default) but %s is not set: "
                     "add it (at least %d characters, never changed afterwards), or give the "
                     "client \"subject_type\": \"public\"",
                     c->source, c->client_id, MND_DIR_OIDC_PAIRWISE_SECRET,
                     MND_MIN_PAIRWISE_SECRET_LEN);
}

static mnd_error_t *add_file(load_t *l, const mnd_oidc_client_decl_t *d, const char *path)
{
    mnd_oidc_client_t *c = NULL;
    const char *txt = NULL;
    apr_size_t len = 0;
    mnd_error_t *err = read_client_file(l->p, path, &txt, &len);

    if (!err)
        err = mnd_oidc_client_parse(l->p, txt, len, path, &c);
    if (!err)
        err = pairwise_check(l->p, l, c);
    if (!err)
        err = mnd_oidc_registry_add(l->reg, c);
    if (err)
        return mnd_error(l->p, err->rc, "%s at %s: %s",
                         d->is_dir ? MND_DIR_OIDC_CLIENT_DIR : MND_DIR_OIDC_CLIENT_FILE, d->where,
                         err->msg);
    APR_ARRAY_PUSH(l->list, const mnd_oidc_client_t *) = c;
    if (l->s)
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, l->s,
                     MND_LOGNO(0054) "OIDC client %s for service %s (%s subjects, sub = "
                                     "the %s) from %s",
                     c->client_id, c->service_id, c->subject_public ? "public" : "pairwise",
                     c->subject_party ? "represented party" : "person", path);
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether name in dir is a client file: *.json, not hidden, a regular file or a link to one. */
static int is_client_file(apr_pool_t *p, const char *dir, const apr_finfo_t *fi)
{
    size_t len = strlen(fi->name);
    apr_finfo_t target;
    if (len <= 5 || strcmp(fi->name + len - 5, ".json") || fi->name[0] == '.')
        return 0;
    if ((fi->valid & APR_FINFO_TYPE) && fi->filetype == APR_REG)
        return 1;
    return apr_stat(&target, apr_pstrcat(p, dir, "/", fi->name, NULL), APR_FINFO_TYPE, p) ==
               APR_SUCCESS &&
           target.filetype == APR_REG;
}

/* Every *.json of the directory in name order, so that start-up is the same on every node
 * (and a duplicate client_id is reported the same way). */
static mnd_error_t *add_dir(load_t *l, const mnd_oidc_client_decl_t *d)
{
    apr_array_header_t *names = apr_array_make(l->p, 8, sizeof(const char *));
    apr_dir_t *dir;
    apr_finfo_t fi;
    char err[120];
    int i;
    apr_status_t rv = apr_dir_open(&dir, d->path, l->p);

    if (rv != APR_SUCCESS)
        return mnd_error(l->p, MND_EINVAL, "%s at %s: %s: %s", MND_DIR_OIDC_CLIENT_DIR, d->where,
                         d->path, apr_strerror(rv, err, sizeof(err)));
    while ((rv = apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir)) == APR_SUCCESS ||
           rv == APR_INCOMPLETE)
        if (fi.name && is_client_file(l->p, d->path, &fi))
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(l->p, fi.name);
    apr_dir_close(dir);
    if (!APR_STATUS_IS_ENOENT(rv))
        return mnd_error(l->p, MND_EINVAL, "%s at %s: %s: %s", MND_DIR_OIDC_CLIENT_DIR, d->where,
                         d->path, apr_strerror(rv, err, sizeof(err)));
    if (names->nelts == 0)
        return mnd_error(l->p, MND_EINVAL, "%s at %s: %s: no *.json client file in the directory",
                         MND_DIR_OIDC_CLIENT_DIR, d->where, d->path);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), by_name);
    for (i = 0; i < names->nelts; i++)
        MND_TRY(add_file(
            l, d, apr_pstrcat(l->p, d->path, "/", APR_ARRAY_IDX(names, i, const char *), NULL)));
    return NULL;
}

mnd_error_t *mnd_oidc_clients_load(apr_pool_t *p, server_rec *s, const mnd_oidc_conf_t *oc,
                                   mnd_oidc_registry_t **reg, apr_array_header_t **list)
{
    load_t l = {p, s, oc, mnd_oidc_registry_make(p), apr_array_make(p, 4, sizeof(void *))};
    int i;

    for (i = 0; i < oc->clients->nelts; i++) {
        const mnd_oidc_client_decl_t *d = &APR_ARRAY_IDX(oc->clients, i, mnd_oidc_client_decl_t);
        MND_TRY(d->is_dir ? add_dir(&l, d) : add_file(&l, d, d->path));
    }
    *reg = l.reg;
    *list = l.list;
    return NULL;
}

/* ---- what the discovery document says of them ---- */

/* A list of distinct strings, in order of first appearance. */
typedef struct names_t {
    apr_array_header_t *list;
    apr_hash_t *seen;
} names_t;

static names_t names_make(apr_pool_t *p)
{
    names_t n = {apr_array_make(p, 32, sizeof(const char *)), apr_hash_make(p)};
    return n;
}

static void names_add(names_t *n, const char *name)
{
    if (apr_hash_get(n->seen, name, APR_HASH_KEY_STRING))
        return;
    apr_hash_set(n->seen, name, APR_HASH_KEY_STRING, name);
    APR_ARRAY_PUSH(n->list, const char *) = name;
}

static void names_add_all(names_t *n, const char *const *names)
{
    for (; *names; names++)
        names_add(n, *names);
}

#define CLIENT(clients, i) APR_ARRAY_IDX(clients, i, const mnd_oidc_client_t *)

apr_array_header_t *mnd_oidc_clients_scopes(apr_pool_t *p, const apr_array_header_t *clients)
{
    names_t n = names_make(p);
    int i, j;
    for (i = 0; i < clients->nelts; i++)
        for (j = 0; j < CLIENT(clients, i)->scopes->nelts; j++)
            names_add(&n, APR_ARRAY_IDX(CLIENT(clients, i)->scopes, j, const char *));
    return n.list;
}

apr_array_header_t *mnd_oidc_clients_claims(apr_pool_t *p, const apr_array_header_t *clients)
{
    /* src/oidc/tokens.c: what the id_token, the access token and userinfo carry whatever the
     * client (act is in every access token, whose sub is the represented party). */
    static const char *const always[] = {
        "iss", "sub",       "act",       "aud",   "azp",
        "exp", "iat",       "auth_time", "nonce", "acr",
        "sid", "client_id", "scope",     "jti",   "authorization_details",
        NULL};
    static const char *const profile[] = {"given_name", "family_name", NULL};
    static const char *const acm[] = {"vo_doelgroepcode", "vo_orgcode",       "vo_orgnaam",
                                      "wv_orgcode",       "ssm_mandaatgever", NULL};
    static const char *const mandaat[] = {"represents", "via", "basis", "mandate_id", NULL};
    names_t n = names_make(p);
    int i;

    names_add_all(&n, always);
    for (i = 0; i < clients->nelts; i++)
        if (mnd_oidc_client_scope_ok(CLIENT(clients, i), "profile"))
            names_add_all(&n, profile);
    for (i = 0; i < clients->nelts; i++)
        if (CLIENT(clients, i)->rrn)
            names_add(&n, "rrn");
    for (i = 0; i < clients->nelts; i++)
        if (CLIENT(clients, i)->profile_mandaat)
            names_add_all(&n, mandaat);
    for (i = 0; i < clients->nelts; i++)
        if (CLIENT(clients, i)->profile_acm) {
            names_add_all(&n, acm);
            names_add(&n, mnd_claims_rol_3d_name(p, CLIENT(clients, i)->service_id));
        }
    return n.list;
}
