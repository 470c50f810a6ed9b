/* The store as httpd sees it: mod_dbd owns the connections (DBDriver, DBDParams), we only
 * borrow them per request; schema migrations may run at start (MandaatStoreMigrate).
 *
 * Why migration opens its own connection. mod_dbd cannot give us one at post_config: with
 * DBDPersist On (the default) ap_dbd_open needs the connection pool that mod_dbd
 * creates in child_init, so it returns NULL in the parent; and a connection made in the parent
 * would be inherited by every child across fork(), which PostgreSQL and SQLite forbid. Its
 * per-server settings are private to mod_dbd. So we read DBDriver and DBDParams from the
 * parsed configuration tree (ap_conftree, as mod_info does), resolve each server's values the
 * way mod_dbd merges them (a <VirtualHost>'s own values, else the main server's), open a
 * short-lived connection with mnd_store_open, migrate, and close it before any child exists.
 * The tree is final by then: Include, <IfModule>, <IfDefine> and mod_macro are expanded while
 * reading, so DBDriver/DBDParams are top-level nodes or children of a <VirtualHost> node, and a
 * <VirtualHost> node is found from its server_rec by the file and line that defined it.
 *
 * Migration runs in every post_config pass: the first (before httpd detaches) makes a failure
 * refuse `apachectl start` with a non-zero status; later passes (graceful restart) upgrade the
 * store after a module upgrade; a pass with nothing to do only reads schema_version. */
#include "mod_mandaat.h"
#include "store/schema.h"

#include <apr_file_info.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <mod_dbd.h>
#include <unixd.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mod_dbd's per-request connection; retrieved at check_config, NULL without mod_dbd. */
typedef APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) dbd_acquire_fn;
static dbd_acquire_fn *dbd_acquire;

/* DBDriver and DBDParams as mod_dbd resolves them for one server. */
typedef struct dbd_setting_t {
    const char *driver; /* NULL: DBDriver not set */
    const char *params; /* "" when DBDParams is not set */
    const char *at;     /* "file:line" of DBDriver, for messages */
} dbd_setting_t;

static const char *node_at(apr_pool_t *p, const ap_directive_t *d)
{
    return apr_psprintf(p, "%s:%d", d->filename ? d->filename : "?", d->line_num);
}

/* Read DBDriver/DBDParams among the siblings starting at first; the last one wins, as when
 * httpd applies them in order. Arguments are unquoted as httpd's TAKE1 does. */
static void read_dbd_nodes(apr_pool_t *p, const ap_directive_t *first, dbd_setting_t *out)
{
    const ap_directive_t *d;
    for (d = first; d; d = d->next) {
        const char *args = d->args;
        if (!d->directive)
            continue;
        if (!strcasecmp(d->directive, "DBDriver")) {
            out->driver = ap_getword_conf(p, &args);
            out->at = node_at(p, d);
        } else if (!strcasecmp(d->directive, "DBDParams")) {
            out->params = ap_getword_conf(p, &args);
        }
    }
}

/* The <VirtualHost> node that defined server s (NULL for the main server). */
static const ap_directive_t *vhost_node(const server_rec *s)
{
    const ap_directive_t *d;
    if (!s->is_virtual || !s->defn_name)
        return NULL;
    for (d = ap_conftree; d; d = d->next) {
        if (d->directive && !strcasecmp(d->directive, "<VirtualHost") &&
            d->line_num == (int)s->defn_line_number && d->filename &&
            !strcmp(d->filename, s->defn_name))
            return d;
    }
    return NULL;
}

static dbd_setting_t main_dbd_setting(apr_pool_t *p)
{
    dbd_setting_t set = {NULL, "", NULL};
    read_dbd_nodes(p, ap_conftree, &set);
    return set;
}

/* Merge like mod_dbd: the virtual host's DBDriver if set, its DBDParams if not empty. */
static dbd_setting_t server_dbd_setting(apr_pool_t *p, const server_rec *s,
                                        const dbd_setting_t *main_set)
{
    dbd_setting_t set = {NULL, "", NULL};
    const ap_directive_t *node = vhost_node(s);
    if (node)
        read_dbd_nodes(p, node->first_child, &set);
    if (!set.driver) {
        set.driver = main_set->driver;
        set.at = main_set->at;
    }
    if (!*set.params)
        set.params = main_set->params;
    return set;
}

const char *mnd_server_label(apr_pool_t *p, const server_rec *s)
{
    if (!s->is_virtual || !s->defn_name)
        return "the main server";
    return apr_psprintf(p, "<VirtualHost> at %s:%u", s->defn_name, s->defn_line_number);
}

/* How to name a store in messages: an SQLite path is harmless, a PostgreSQL conninfo may
 * hold a password and is never logged. */
static const char *store_name(apr_pool_t *p, const dbd_setting_t *set)
{
    if (!strcmp(set->driver, "sqlite3"))
        return apr_psprintf(p, "sqlite3 store '%s'", set->params);
    return apr_psprintf(p, "%s store of DBDriver at %s", set->driver, set->at);
}

/* The checks a migrating server's store must pass before any connection is tried. */
static const char *check_migrate_setting(apr_pool_t *p, const server_rec *s,
                                         const dbd_setting_t *set)
{
    if (!set->driver)
        return apr_psprintf(p,
                            "%s On (%s) needs a store: set DBDriver (sqlite3 or pgsql) and "
                            "DBDParams, the directives of mod_dbd",
                            MND_DIR_STORE_MIGRATE, mnd_server_label(p, s));
    if (strcmp(set->driver, "sqlite3") && strcmp(set->driver, "pgsql"))
        return apr_psprintf(p,
                            "%s On (%s): DBDriver '%s' at %s is not supported: use sqlite3 "
                            "or pgsql",
                            MND_DIR_STORE_MIGRATE, mnd_server_label(p, s), set->driver, set->at);
    /* The parent resolves a relative path against the directory httpd was started from,
     * the children against "/": they would not use the database we migrated. */
    if (!strcmp(set->driver, "sqlite3") && set->params[0] != '/')
        return apr_psprintf(p,
                            "%s On (%s): DBDParams for sqlite3 must be the absolute path "
                            "of the database file, not '%s'",
                            MND_DIR_STORE_MIGRATE, mnd_server_label(p, s), set->params);
    return NULL;
}

static const char no_dbd_msg[] =
    "mod_mandaat keeps its store in mod_dbd (DBDriver, DBDParams), which is not loaded: add "
    "'LoadModule dbd_module modules/mod_dbd.so' before it (on Debian: a2enmod dbd)";

int mnd_store_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    dbd_setting_t main_set;
    server_rec *sp;
    int failed = 0;

    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    if (!dbd_acquire) {
        /* Logs are not open yet: a NULL server writes to stderr, where configtest shows it. */
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, MND_LOGNO(0001) "%s", no_dbd_msg);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    main_set = main_dbd_setting(ptemp);
    for (sp = s; sp; sp = sp->next) {
        dbd_setting_t set;
        const char *msg;
        if (!mnd_conf_store_migrate(sp))
            continue;
        set = server_dbd_setting(ptemp, sp, &main_set);
        msg = check_migrate_setting(ptemp, sp, &set);
        if (msg) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, MND_LOGNO(0002) "%s", msg);
            failed = 1;
        }
    }
    return failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

/* httpd starts as root and post_config runs before it switches to User: an SQLite file (and
 * journal) that the migration just created would belong to root and be read-only for the
 * children. Hand it to the User/Group of the children; files that existed are left alone. */
static mnd_error_t *hand_over_new_file(apr_pool_t *p, const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    apr_size_t i;

    if (geteuid() != 0 || ap_unixd_config.user_id == 0)
        return NULL;
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        const char *f = apr_pstrcat(p, path, suffixes[i], NULL);
        if (chown(f, ap_unixd_config.user_id, ap_unixd_config.group_id) != 0 && errno != ENOENT)
            return mnd_error(p, MND_ESTORE,
                             "cannot give the new database file %s to the "
                             "User/Group httpd runs as: %s",
                             f, strerror(errno));
    }
    return NULL;
}

/* SQLite creates its -wal and -shm files beside the database when a child first reads it, as
 * the User httpd runs as: a directory only root may write makes every request fail later.
 * Mode bits are a heuristic (ACLs and supplementary groups are not seen), so this only warns. */
static void warn_unwritable_dir(apr_pool_t *p, server_rec *s, const char *path)
{
    const char *dir = ap_make_dirstr_parent(p, path);
    const char *user;
    struct stat st;
    int ok;

    if (geteuid() != 0 || ap_unixd_config.user_id == 0 || stat(dir, &st) != 0)
        return;
    ok = (st.st_uid == ap_unixd_config.user_id && (st.st_mode & S_IWUSR) &&
          (st.st_mode & S_IXUSR)) ||
         (st.st_gid == ap_unixd_config.group_id && (st.st_mode & S_IWGRP) &&
          (st.st_mode & S_IXGRP)) ||
         ((st.st_mode & S_IWOTH) && (st.st_mode & S_IXOTH));
    if (ok)
        return;
    user = ap_unixd_config.user_name ? ap_unixd_config.user_name : "?";
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 MND_LOGNO(0006) "the directory %s of the sqlite3 store seems not writable "
                                 "for User %s, who needs to create the journal files there: "
                                 "requests will fail; make the directory belong to %s",
                 dir, user, user);
}

static int file_exists(apr_pool_t *p, const char *path)
{
    apr_finfo_t fi;
    return apr_stat(&fi, path, APR_FINFO_TYPE, p) == APR_SUCCESS;
}

/* Open, migrate and close one store; the connection lives in a subpool destroyed before
 * returning, so no database handle survives into the children. The error is in p. */
static mnd_error_t *migrate_store(apr_pool_t *p, server_rec *s, const dbd_setting_t *set)
{
    apr_pool_t *conn_pool;
    mnd_store_t *store = NULL;
    mnd_error_t *err;
    int from = 0, to = 0;
    int sqlite = !strcmp(set->driver, "sqlite3");
    int created = sqlite && !file_exists(p, set->params);

    apr_pool_create(&conn_pool, p);
    err = mnd_store_open(conn_pool, set->driver, set->params, &store);
    if (!err)
        err = mnd_store_migrate(store, conn_pool, &from, &to);
    if (err)
        err = mnd_error(p, err->rc, "%s", err->msg); /* outlive conn_pool */
    apr_pool_destroy(conn_pool);
    if (created && file_exists(p, set->params)) {
        mnd_error_t *own = hand_over_new_file(p, set->params);
        if (!err)
            err = own;
    }
    if (err)
        return err;
    if (from != to)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     MND_LOGNO(0003) "%s: %s migrated from schema version %d to %d",
                     MND_DIR_STORE_MIGRATE, store_name(p, set), from, to);
    else
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                     MND_LOGNO(0004) "%s: %s is at schema version %d, nothing to do",
                     MND_DIR_STORE_MIGRATE, store_name(p, set), to);
    if (sqlite)
        warn_unwritable_dir(p, s, set->params);
    return NULL;
}

int mnd_store_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *done = apr_hash_make(ptemp);
    dbd_setting_t main_set = main_dbd_setting(ptemp);
    server_rec *sp;

    for (sp = s; sp; sp = sp->next) {
        dbd_setting_t set;
        const char *key;
        mnd_error_t *err;

        if (!mnd_conf_store_migrate(sp))
            continue;
        set = server_dbd_setting(ptemp, sp, &main_set);
        if (check_migrate_setting(ptemp, sp, &set))
            return HTTP_INTERNAL_SERVER_ERROR; /* check_config already said why */
        /* Virtual hosts usually share the main server's store: migrate each store once. */
        key = apr_pstrcat(ptemp, set.driver, "\n", set.params, NULL);
        if (apr_hash_get(done, key, APR_HASH_KEY_STRING))
            continue;
        apr_hash_set(done, key, APR_HASH_KEY_STRING, key);
        err = migrate_store(ptemp, sp, &set);
        if (err) {
            ap_log_error(
                APLOG_MARK, APLOG_EMERG, 0, s,
                MND_LOGNO(0005) "%s On (%s): the %s cannot be migrated, refusing to start: %s",
                MND_DIR_STORE_MIGRATE, mnd_server_label(ptemp, sp), store_name(ptemp, &set),
                err->msg);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

mnd_error_t *mnd_glue_store(request_rec *r, mnd_store_t **out)
{
    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    if (!dbd)
        return mnd_error(r->pool, MND_ESTORE,
                         "no database connection from mod_dbd (see its messages in the error "
                         "log; check DBDriver and DBDParams)");
    return mnd_store_wrap(r->pool, dbd->driver, dbd->handle, dbd->prepared, dbd->pool, out);
}
