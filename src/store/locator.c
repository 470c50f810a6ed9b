/* Store locators: "driver:params" strings, or the DBDriver/DBDParams directives of the httpd
 * configuration the module runs with, so that mandaatctl never needs a second copy of the
 * connection settings. The configuration reader follows httpd's rules where they matter for
 * finding those two directives: line continuations, quoting (as ap_getword_conf), Define and
 * ${VAR} substitution, ServerRoot, Include and IncludeOptional with wildcards and directories.
 * Sections (<IfModule>, <VirtualHost>) are not evaluated: the last value read wins. */
#include "store/locator.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include <ctype.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#define CONF_MAX_LINE 16384
#define CONF_MAX_DEPTH 64

static int driver_known(const char *d)
{
    return strcmp(d, "sqlite3") == 0 || strcmp(d, "pgsql") == 0;
}

mnd_error_t *mnd_locator_parse(apr_pool_t *p, const char *locator, const char **driver,
                               const char **params)
{
    const char *colon = locator ? strchr(locator, ':') : NULL;
    const char *d;
    if (!colon || colon == locator)
        return mnd_error(p, MND_EINVAL,
                         "store locator '%s' names no driver: use sqlite3:/path/to/mandaat.db "
                         "or pgsql:<conninfo>",
                         locator ? locator : "");
    d = apr_pstrmemdup(p, locator, (apr_size_t)(colon - locator));
    if (!driver_known(d))
        return mnd_error(p, MND_EINVAL,
                         "store locator '%s': driver '%s' is not supported: use sqlite3 or pgsql",
                         locator, d);
    if (strcmp(d, "sqlite3") == 0 && !colon[1])
        return mnd_error(p, MND_EINVAL,
                         "store locator '%s' names no database file: use "
                         "sqlite3:/path/to/mandaat.db",
                         locator);
    *driver = d;
    *params = apr_pstrdup(p, colon + 1);
    return NULL;
}

/* ---- httpd configuration reader ---- */

typedef struct conf_t {
    apr_pool_t *pool;
    const char *server_root; /* from ServerRoot, NULL until seen */
    const char *top_dir;     /* directory of the file given, ServerRoot's stand-in */
    apr_hash_t *defines;     /* Define NAME [VALUE] */
    const char *driver, *params;
    const char *driver_at; /* "file:line" of the DBDriver that won */
} conf_t;

static mnd_error_t *read_conf(conf_t *c, const char *path, int depth, int optional, const char *at);

/* One argument as ap_getword_conf reads it: a quoted string (a backslash escapes the quote
 * character) or a run of non-space characters. *s advances past it; NULL at end of line. */
static char *next_word(apr_pool_t *p, const char **s)
{
    const char *in = *s, *start;
    while (*in && isspace((unsigned char)*in))
        in++;
    if (!*in)
        return NULL;
    if (*in == '"' || *in == '\'') {
        char q = *in++;
        char *out = apr_palloc(p, strlen(in) + 1), *o = out;
        while (*in && *in != q) {
            if (*in == '\\' && in[1] == q)
                in++;
            *o++ = *in++;
        }
        *o = '\0';
        *s = *in ? in + 1 : in;
        return out;
    }
    start = in;
    while (*in && !isspace((unsigned char)*in))
        in++;
    *s = in;
    return apr_pstrmemdup(p, start, (apr_size_t)(in - start));
}

/* Replace ${NAME} by its Define'd value, else the environment's; an unknown name is left as
 * written (httpd warns and does the same). */
static const char *substitute(conf_t *c, const char *line)
{
    const char *out = "", *s = line, *open;
    while ((open = strstr(s, "${")) != NULL) {
        const char *close = strchr(open + 2, '}');
        const char *name, *val;
        if (!close)
            break;
        name = apr_pstrmemdup(c->pool, open + 2, (apr_size_t)(close - open - 2));
        val = apr_hash_get(c->defines, name, APR_HASH_KEY_STRING);
        if (!val)
            val = getenv(name);
        out = apr_pstrcat(c->pool, out, apr_pstrmemdup(c->pool, s, (apr_size_t)(open - s)),
                          val ? val : apr_pstrmemdup(c->pool, open, (apr_size_t)(close - open + 1)),
                          NULL);
        s = close + 1;
    }
    return apr_pstrcat(c->pool, out, s, NULL);
}

/* A relative Include path is relative to ServerRoot, as in httpd. Without a ServerRoot
 * directive (Debian's apache2.conf leaves it to the compiled-in /etc/apache2), the directory
 * of the top-level file stands in for it: that is where httpd's own ServerRoot points. */
static const char *include_path(conf_t *c, const char *arg)
{
    if (arg[0] == '/')
        return arg;
    return apr_pstrcat(c->pool, c->server_root ? c->server_root : c->top_dir, "/", arg, NULL);
}

static const char *dir_of(apr_pool_t *p, const char *path)
{
    char *dir = apr_pstrdup(p, path), *slash = strrchr(dir, '/');
    if (!slash)
        return ".";
    if (slash == dir)
        return "/";
    *slash = '\0';
    return dir;
}

static mnd_error_t *include(conf_t *c, const char *at, const char *pattern, int depth, int optional)
{
    glob_t g;
    size_t i;
    int rc;
    if (!strpbrk(pattern, "*?["))
        return read_conf(c, pattern, depth + 1, optional, at);
    rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH) {
        globfree(&g);
        return optional ? NULL
                        : mnd_error(c->pool, MND_EINVAL,
                                    "%s: Include '%s' matches no file (use IncludeOptional if "
                                    "that is expected)",
                                    at, pattern);
    }
    if (rc != 0) {
        globfree(&g);
        return mnd_error(c->pool, MND_EINVAL, "%s: Include '%s' cannot be expanded", at, pattern);
    }
    /* glob sorts its matches, which is the order httpd reads them in. */
    for (i = 0; i < g.gl_pathc; i++) {
        mnd_error_t *err = read_conf(c, apr_pstrdup(c->pool, g.gl_pathv[i]), depth + 1, 0, at);
        if (err) {
            globfree(&g);
            return err;
        }
    }
    globfree(&g);
    return NULL;
}

static mnd_error_t *one_arg(conf_t *c, const char *at, const char *directive, const char **rest,
                            const char **out)
{
    char *arg = next_word(c->pool, rest);
    if (!arg || next_word(c->pool, rest))
        return mnd_error(c->pool, MND_EINVAL,
                         "%s: %s takes one argument (quote it if it has "
                         "spaces)",
                         at, directive);
    *out = arg;
    return NULL;
}

/* Act on one logical line of file at line number lineno. */
static mnd_error_t *conf_line(conf_t *c, const char *file, int lineno, const char *line, int depth)
{
    const char *rest = substitute(c, line), *arg = NULL;
    const char *at = apr_psprintf(c->pool, "%s:%d", file, lineno);
    char *directive = next_word(c->pool, &rest);

    if (!directive || directive[0] == '#' || directive[0] == '<')
        return NULL;
    if (!strcasecmp(directive, "DBDriver")) {
        MND_TRY(one_arg(c, at, "DBDriver", &rest, &c->driver));
        c->driver_at = at;
    } else if (!strcasecmp(directive, "DBDParams")) {
        MND_TRY(one_arg(c, at, "DBDParams", &rest, &c->params));
    } else if (!strcasecmp(directive, "ServerRoot")) {
        MND_TRY(one_arg(c, at, "ServerRoot", &rest, &arg));
        c->server_root = arg;
    } else if (!strcasecmp(directive, "Define")) {
        const char *name = next_word(c->pool, &rest), *val = next_word(c->pool, &rest);
        if (name)
            apr_hash_set(c->defines, name, APR_HASH_KEY_STRING, val ? val : "");
    } else if (!strcasecmp(directive, "Include") || !strcasecmp(directive, "IncludeOptional")) {
        MND_TRY(one_arg(c, at, directive, &rest, &arg));
        return include(c, at, include_path(c, arg), depth,
                       !strcasecmp(directive, "IncludeOptional"));
    }
    return NULL;
}

/* Every file of directory dir, sorted, as httpd includes a directory. */
static mnd_error_t *read_dir(conf_t *c, const char *dir, int depth)
{
    return include(c, dir, apr_pstrcat(c->pool, dir, "/*", NULL), depth, 1);
}

static mnd_error_t *read_lines(conf_t *c, const char *path, apr_file_t *f, int depth)
{
    char *buf = apr_palloc(c->pool, CONF_MAX_LINE);
    const char *logical = NULL;
    int lineno = 0, start = 0;

    while (apr_file_gets(buf, CONF_MAX_LINE, f) == APR_SUCCESS) {
        size_t n = strlen(buf);
        lineno++;
        if (n == CONF_MAX_LINE - 1 && buf[n - 1] != '\n')
            return mnd_error(c->pool, MND_EINVAL, "%s:%d: line longer than %d bytes", path, lineno,
                             CONF_MAX_LINE);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (!logical)
            start = lineno;
        /* A backslash at the end of a line continues it on the next, as in httpd. */
        if (n && buf[n - 1] == '\\') {
            buf[n - 1] = '\0';
            logical = apr_pstrcat(c->pool, logical ? logical : "", buf, NULL);
            continue;
        }
        logical = apr_pstrcat(c->pool, logical ? logical : "", buf, NULL);
        MND_TRY(conf_line(c, path, start, logical, depth));
        logical = NULL;
    }
    if (logical)
        MND_TRY(conf_line(c, path, start, logical, depth));
    return NULL;
}

/* Read path (a file, or a directory of files); at (NULL for the top) names the Include that
 * led here, for messages. */
static mnd_error_t *read_conf(conf_t *c, const char *path, int depth, int optional, const char *at)
{
    apr_finfo_t fi;
    apr_file_t *f;
    apr_status_t rv;
    mnd_error_t *err;

    if (depth > CONF_MAX_DEPTH)
        return mnd_error(c->pool, MND_EINVAL,
                         "%s: Include nesting deeper than %d: does a file include itself?",
                         at ? at : path, CONF_MAX_DEPTH);
    rv = apr_stat(&fi, path, APR_FINFO_TYPE, c->pool);
    if (rv != APR_SUCCESS && optional)
        return NULL;
    if (rv == APR_SUCCESS && fi.filetype == APR_DIR)
        return read_dir(c, path, depth);
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED, APR_OS_DEFAULT, c->pool);
    if (rv != APR_SUCCESS) {
        char errbuf[256];
        return mnd_error(c->pool, MND_EINVAL, "%s%scannot read the httpd configuration %s: %s",
                         at ? at : "", at ? ": " : "", path,
                         apr_strerror(rv, errbuf, sizeof(errbuf)));
    }
    err = read_lines(c, path, f, depth);
    apr_file_close(f);
    return err;
}

mnd_error_t *mnd_locator_from_conf(apr_pool_t *p, const char *conf_path, const char **driver,
                                   const char **params)
{
    conf_t c;
    memset(&c, 0, sizeof(c));
    c.pool = p;
    c.defines = apr_hash_make(p);
    if (!conf_path || !*conf_path)
        return mnd_error(p, MND_EINVAL, "no httpd configuration file given");
    c.top_dir = dir_of(p, conf_path);
    MND_TRY(read_conf(&c, conf_path, 0, 0, NULL));
    if (!c.driver)
        return mnd_error(p, MND_EINVAL,
                         "%s (with its includes) sets no DBDriver: configure mod_dbd for "
                         "mod_mandaat (DBDriver sqlite3|pgsql and DBDParams)",
                         conf_path);
    if (!driver_known(c.driver))
        return mnd_error(p, MND_EINVAL,
                         "%s: DBDriver '%s' is not supported by mod_mandaat: "
                         "use sqlite3 or pgsql",
                         c.driver_at, c.driver);
    if (!c.params && strcmp(c.driver, "sqlite3") == 0)
        return mnd_error(p, MND_EINVAL,
                         "%s: DBDriver sqlite3 needs DBDParams with the "
                         "database file",
                         c.driver_at);
    *driver = c.driver;
    *params = c.params ? c.params : "";
    return NULL;
}
