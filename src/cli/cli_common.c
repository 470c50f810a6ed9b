/* What every mandaatctl command shares: option parsing (apr_getopt_long, options and
 * arguments interleaved), the mapping of core error classes to exit codes, opening the store
 * the module uses, the actor of a change, input normalisation, and text/JSON output. */
#include "cli.h"

#include "core/audit.h"
#include "core/party.h"
#include "store/locator.h"
#include "store/schema.h"
#include "util/strlist.h"

#include <apr_file_info.h>
#include <apr_getopt.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_user.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPT_BASE 256

static const mnd_cli_opt_t global_opts[] = {
    {"store", 1}, {"config", 1}, {"as", 1}, {"json", 0}, {"help", 0}, {NULL, 0},
};

/* ---- option parsing ---- */

typedef struct opt_err_t {
    apr_pool_t *pool;
    const char *msg;
} opt_err_t;

/* apr_getopt reports "<prog>: <problem>: <option>\n"; keep the problem and the option so the
 * message can be printed in our own "mandaatctl: usage: ..." form. */
static void capture_opt_error(void *arg, const char *fmt, ...)
{
    opt_err_t *e = arg;
    va_list ap;
    char *msg, *colon;
    size_t n;
    va_start(ap, fmt);
    msg = apr_pvsprintf(e->pool, fmt, ap);
    va_end(ap);
    colon = strstr(msg, ": ");
    if (colon && strncmp(msg, "mandaatctl", (size_t)(colon - msg)) == 0)
        msg = colon + 2;
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    e->msg = msg;
}

/* Build the apr_getopt table from our option lists: option i gets optch OPT_BASE + i, so
 * that no option also answers to a one-letter form. */
static apr_getopt_option_t *build_opts(apr_pool_t *p, const mnd_cli_opt_t *a,
                                       const mnd_cli_opt_t *b, const mnd_cli_opt_t ***index)
{
    int n = 0, i = 0;
    const mnd_cli_opt_t *o;
    apr_getopt_option_t *out;
    for (o = a; o && o->name; o++)
        n++;
    for (o = b; o && o->name; o++)
        n++;
    out = apr_pcalloc(p, sizeof(*out) * (size_t)(n + 2));
    *index = apr_pcalloc(p, sizeof(**index) * (size_t)(n + 1));
    for (o = a; o && o->name; o++, i++) {
        out[i].name = o->name;
        out[i].optch = OPT_BASE + i;
        out[i].has_arg = o->has_arg;
        (*index)[i] = o;
    }
    for (o = b; o && o->name; o++, i++) {
        out[i].name = o->name;
        out[i].optch = OPT_BASE + i;
        out[i].has_arg = o->has_arg;
        (*index)[i] = o;
    }
    /* -h as the one short option: what people type first. */
    out[i].name = NULL;
    out[i].optch = 'h';
    out[i].has_arg = 0;
    return out;
}

static void apply_global(mnd_cli_t *cli, const char *name, const char *val)
{
    if (strcmp(name, "store") == 0)
        cli->store_locator = val;
    else if (strcmp(name, "config") == 0)
        cli->config = val;
    else if (strcmp(name, "as") == 0)
        cli->as = val;
    else if (strcmp(name, "json") == 0)
        cli->json = 1;
}

static int is_global(const mnd_cli_opt_t *o)
{
    const mnd_cli_opt_t *g;
    for (g = global_opts; g->name; g++)
        if (g == o)
            return 1;
    return 0;
}

/* Run apr_getopt_long over argv; options land in cli->opts (command options) or the global
 * fields; *ind gets the index of the first argument left. Returns an exit code. */
static int run_getopt(mnd_cli_t *cli, const mnd_cli_opt_t *cmd_opts, int interleave, int argc,
                      const char *const *argv, apr_getopt_t **osp)
{
    const mnd_cli_opt_t **index;
    apr_getopt_option_t *table = build_opts(cli->pool, cmd_opts, global_opts, &index);
    opt_err_t err = {cli->pool, NULL};
    apr_getopt_t *os;
    apr_status_t rv;
    int optch;
    const char *val;

    apr_getopt_init(&os, cli->pool, argc, argv);
    os->interleave = interleave;
    os->errfn = capture_opt_error;
    os->errarg = &err;
    while ((rv = apr_getopt_long(os, table, &optch, &val)) == APR_SUCCESS) {
        const mnd_cli_opt_t *o;
        if (optch == 'h')
            return -1;
        o = index[optch - OPT_BASE];
        if (strcmp(o->name, "help") == 0)
            return -1;
        if (is_global(o))
            apply_global(cli, o->name, val ? val : "");
        else
            apr_table_add(cli->opts, o->name, val ? val : "");
    }
    if (rv != APR_EOF)
        return mnd_cli_usage(cli, "%s", err.msg ? err.msg : "bad option");
    *osp = os;
    return 0;
}

int mnd_cli_parse_global(mnd_cli_t *cli, int argc, const char *const *argv, int *next)
{
    apr_getopt_t *os = NULL;
    int rc;
    cli->opts = apr_table_make(cli->pool, 8);
    cli->args = apr_array_make(cli->pool, 4, sizeof(const char *));
    rc = run_getopt(cli, NULL, 0, argc, argv, &os);
    if (rc)
        return rc;
    *next = os->ind;
    return 0;
}

int mnd_cli_parse_cmd(mnd_cli_t *cli, const mnd_cli_cmd_t *cmd, int argc, const char *const *argv)
{
    apr_getopt_t *os = NULL;
    int rc, i, n;

    cli->usage = cmd->usage;
    rc = run_getopt(cli, cmd->opts, 1, argc, argv, &os);
    if (rc)
        return rc;
    for (i = os->ind; i < os->argc; i++)
        APR_ARRAY_PUSH(cli->args, const char *) = os->argv[i];
    n = cli->args->nelts;
    if (n < cmd->min_args)
        return mnd_cli_usage(cli, "'%s' needs %s%d argument%s", cmd->path,
                             cmd->max_args != cmd->min_args ? "at least " : "", cmd->min_args,
                             cmd->min_args == 1 ? "" : "s");
    if (cmd->max_args >= 0 && n > cmd->max_args)
        return mnd_cli_usage(cli, "unexpected argument '%s'",
                             APR_ARRAY_IDX(cli->args, cmd->max_args, const char *));
    if (cli->store_locator && cli->config)
        return mnd_cli_usage(cli, "give either --store or --config, not both");
    return 0;
}

const char *mnd_cli_opt(const mnd_cli_t *cli, const char *name)
{
    const apr_array_header_t *all = apr_table_elts(cli->opts);
    const apr_table_entry_t *e = (const apr_table_entry_t *)all->elts;
    const char *last = NULL;
    int i;
    for (i = 0; i < all->nelts; i++)
        if (strcmp(e[i].key, name) == 0)
            last = e[i].val;
    return last;
}

apr_array_header_t *mnd_cli_opt_all(const mnd_cli_t *cli, const char *name)
{
    const apr_array_header_t *all = apr_table_elts(cli->opts);
    const apr_table_entry_t *e = (const apr_table_entry_t *)all->elts;
    apr_array_header_t *out = apr_array_make(cli->pool, 4, sizeof(const char *));
    int i;
    for (i = 0; i < all->nelts; i++)
        if (strcmp(e[i].key, name) == 0)
            APR_ARRAY_PUSH(out, const char *) = e[i].val;
    return out;
}

const char *mnd_cli_arg(const mnd_cli_t *cli, int i)
{
    return i < cli->args->nelts ? APR_ARRAY_IDX(cli->args, i, const char *) : NULL;
}

/* ---- errors ---- */

int mnd_cli_usage(mnd_cli_t *cli, const char *fmt, ...)
{
    va_list ap;
    fputs("mandaatctl: usage: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cli->usage)
        fprintf(stderr, "usage: mandaatctl %s\n", cli->usage);
    else
        fputs("usage: mandaatctl [--store LOCATOR | --config FILE] COMMAND ... "
              "(mandaatctl help)\n",
              stderr);
    return MND_CLI_EXIT_USAGE;
}

/* Messages from drivers (libpq) span lines; one line per error keeps logs greppable. */
static const char *one_line(apr_pool_t *p, const char *msg)
{
    char *out = apr_pstrdup(p, msg ? msg : ""), *o = out;
    const char *s;
    for (s = out; *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t') {
            while (s[1] == '\n' || s[1] == '\r' || s[1] == '\t' || s[1] == ' ')
                s++;
            if (s[1] && o != out && o[-1] != ' ')
                *o++ = ' ';
            continue;
        }
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

int mnd_cli_fail(mnd_cli_t *cli, const mnd_error_t *err)
{
    if (!err)
        return MND_CLI_EXIT_OK;
    fprintf(stderr, "mandaatctl: %s: %s\n", mnd_rc_name(err->rc), one_line(cli->pool, err->msg));
    switch (err->rc) {
    case MND_OK:
        return MND_CLI_EXIT_OK;
    case MND_EINVAL:
        return MND_CLI_EXIT_INVALID;
    case MND_ENOTFOUND:
        return MND_CLI_EXIT_NOTFOUND;
    case MND_EFORBIDDEN:
        return MND_CLI_EXIT_FORBIDDEN;
    case MND_ECONFLICT:
        return MND_CLI_EXIT_CONFLICT;
    case MND_ESTORE:
        return MND_CLI_EXIT_STORE;
    case MND_EINTERNAL:
        return MND_CLI_EXIT_OTHER;
    }
    return MND_CLI_EXIT_OTHER;
}

/* ---- store ---- */

/* Which locator applies and where it came from (for messages). */
static mnd_error_t *resolve_locator(mnd_cli_t *cli, const char **driver, const char **params,
                                    const char **source)
{
    apr_pool_t *p = cli->pool;
    const char *env = getenv("MANDAAT_STORE");
    if (cli->config) {
        *source = apr_psprintf(p, "--config %s", cli->config);
        return mnd_error_wrap(p, mnd_locator_from_conf(p, cli->config, driver, params), "%s",
                              *source);
    }
    if (cli->store_locator)
        *source = "--store";
    else if (env && *env)
        *source = "MANDAAT_STORE";
    else
        *source = "the default store";
    return mnd_error_wrap(p,
                          mnd_locator_parse(p,
                                            cli->store_locator ? cli->store_locator
                                            : (env && *env)    ? env
                                                               : MND_CLI_DEFAULT_STORE,
                                            driver, params),
                          "%s", *source);
}

mnd_error_t *mnd_cli_open_store(mnd_cli_t *cli, int for_migrate)
{
    apr_pool_t *p = cli->pool;
    const char *driver, *params, *source;
    apr_finfo_t fi;
    int version = 0;

    MND_TRY(resolve_locator(cli, &driver, &params, &source));
    /* SQLite would create an empty file for a mistyped path; only migrate may create it. */
    if (!for_migrate && strcmp(driver, "sqlite3") == 0 &&
        apr_stat(&fi, params, APR_FINFO_TYPE, p) != APR_SUCCESS)
        return mnd_error(p, MND_ESTORE,
                         "no store at %s (%s): create it with 'mandaatctl migrate' or name "
                         "another with --store, --config or MANDAAT_STORE",
                         params, source);
    MND_TRY(mnd_error_wrap(p, mnd_store_open(p, driver, params, &cli->store), "%s", source));
    if (for_migrate)
        return NULL;
    MND_TRY(mnd_schema_version(cli->store, p, &version));
    if (version < mnd_schema_latest())
        return mnd_error(p, MND_ESTORE,
                         "the store (%s) is at schema version %d, this build needs %d: run "
                         "'mandaatctl migrate'",
                         source, version, mnd_schema_latest());
    return NULL;
}

/* ---- actor ---- */

const char *mnd_cli_operator(apr_pool_t *p)
{
    const char *name = getenv("SUDO_USER");
    apr_uid_t uid;
    apr_gid_t gid;
    char *uname = NULL;
    if (!name || !*name)
        name = getenv("USER");
    if ((!name || !*name) && apr_uid_current(&uid, &gid, p) == APR_SUCCESS) {
        if (apr_uid_name_get(&uname, uid, p) == APR_SUCCESS && uname)
            name = uname;
        else
            name = apr_psprintf(p, "uid%lu", (unsigned long)uid);
    }
    if (!name || !*name)
        name = "unknown";
    /* The core accepts operator names of 1-64 letters, digits and . _ @ - only. */
    {
        char *clean = apr_pstrndup(p, name, 64), *c;
        for (c = clean; *c; c++)
            if (!apr_isalnum(*c) && !strchr("._@-", *c))
                *c = '_';
        name = clean;
    }
    return apr_pstrcat(p, MND_ACTOR_OPERATOR_PREFIX, name, NULL);
}

const char *mnd_cli_actor(mnd_cli_t *cli, int *exit_code, mnd_error_t **err)
{
    char insz[MND_INSZ_LEN + 1];
    *err = NULL;
    *exit_code = 0;
    if (!cli->as || !*cli->as) {
        *exit_code = mnd_cli_usage(cli, "this command changes the store: name who acts with "
                                        "--as INSZ (or --as operator where allowed)");
        return NULL;
    }
    if (strcmp(cli->as, "operator") == 0)
        return mnd_cli_operator(cli->pool);
    *err =
        mnd_error_wrap(cli->pool, mnd_insz_parse(cli->pool, cli->as, insz), "--as '%s'", cli->as);
    return *err ? NULL : apr_pstrdup(cli->pool, insz);
}

int mnd_cli_operator_only(mnd_cli_t *cli)
{
    if (cli->as && strcmp(cli->as, "operator") != 0)
        return mnd_cli_usage(cli, "this is an operator command: it acts as "
                                  "operator:<your user name>, not as a person (drop --as)");
    return 0;
}

mnd_error_t *mnd_cli_audit_operator(mnd_cli_t *cli, const char *event, const char *party,
                                    const char *service_id, const char *detail)
{
    mnd_audit_t a;
    memset(&a, 0, sizeof(a));
    a.at = mnd_now();
    a.event = event;
    a.actor = mnd_cli_operator(cli->pool);
    a.party = party;
    a.service_id = service_id;
    a.detail = detail;
    return mnd_audit_write(cli->store, cli->pool, &a);
}

/* ---- input ---- */

mnd_error_t *mnd_cli_parse_party(mnd_cli_t *cli, const char *what, const char *in, const char **id)
{
    mnd_party_kind_t kind;
    return mnd_error_wrap(cli->pool, mnd_party_id_parse(cli->pool, in, &kind, id), "%s '%s'", what,
                          in);
}

mnd_error_t *mnd_cli_parse_person(mnd_cli_t *cli, const char *what, const char *in, const char **id)
{
    char buf[MND_INSZ_LEN + 1];
    MND_TRY(mnd_error_wrap(cli->pool, mnd_insz_parse(cli->pool, in, buf), "%s '%s'", what, in));
    *id = apr_pstrdup(cli->pool, buf);
    return NULL;
}

mnd_error_t *mnd_cli_parse_org(mnd_cli_t *cli, const char *what, const char *in, const char **id)
{
    char buf[MND_KBO_LEN + 1];
    MND_TRY(mnd_error_wrap(cli->pool, mnd_kbo_parse(cli->pool, in, buf), "%s '%s'", what, in));
    *id = apr_pstrdup(cli->pool, buf);
    return NULL;
}

mnd_error_t *mnd_cli_parse_time(mnd_cli_t *cli, const char *what, const char *in, mnd_time_t *out)
{
    return mnd_error_wrap(cli->pool, mnd_time_parse(cli->pool, in, out), "%s '%s'", what, in);
}

static int is_date_only(const char *s)
{
    int i;
    for (i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 0;
        } else if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return s[10] == '\0';
}

mnd_error_t *mnd_cli_parse_until(mnd_cli_t *cli, const char *what, const char *in, mnd_time_t *out)
{
    MND_TRY(mnd_cli_parse_time(cli, what, in, out));
    /* "valid until 2026-12-31" means through that day; intervals are half-open, so the
     * exclusive end is the next midnight UTC. */
    if (is_date_only(in))
        *out += 86400;
    return NULL;
}

mnd_error_t *mnd_cli_parse_id(mnd_cli_t *cli, const char *what, const char *in, int64_t *id)
{
    char *end = NULL;
    apr_int64_t v;
    errno = 0;
    v = apr_strtoi64(in, &end, 10);
    if (!*in || *end || errno || v <= 0)
        return mnd_error(cli->pool, MND_EINVAL, "%s '%s' is not an id: use a positive number", what,
                         in);
    *id = v;
    return NULL;
}

mnd_error_t *mnd_cli_parse_uint(mnd_cli_t *cli, const char *what, const char *in, long max,
                                long *out)
{
    char *end = NULL;
    apr_int64_t v;
    errno = 0;
    v = apr_strtoi64(in, &end, 10);
    if (!*in || *end || errno || v < 0 || v > max)
        return mnd_error(cli->pool, MND_EINVAL, "%s '%s' must be a number from 0 to %ld", what, in,
                         max);
    *out = (long)v;
    return NULL;
}

mnd_error_t *mnd_cli_parse_bool(mnd_cli_t *cli, const char *what, const char *in, int *out)
{
    if (!strcasecmp(in, "yes") || !strcasecmp(in, "true") || !strcmp(in, "1"))
        *out = 1;
    else if (!strcasecmp(in, "no") || !strcasecmp(in, "false") || !strcmp(in, "0"))
        *out = 0;
    else
        return mnd_error(cli->pool, MND_EINVAL, "%s '%s' must be yes or no", what, in);
    return NULL;
}

/* ---- output ---- */

const char *mnd_cli_id_display(apr_pool_t *p, const char *id)
{
    size_t n;
    if (!id)
        return "-";
    n = strlen(id);
    if (n == MND_INSZ_LEN && strspn(id, "0123456789") == n)
        return mnd_insz_format(p, id); /* an admin tool shows full numbers */
    if (n == MND_KBO_LEN && strspn(id, "0123456789") == n)
        return mnd_kbo_format(p, id);
    return id;
}

static const char *party_name(const mnd_party_t *party)
{
    return party ? mnd_name_pick(party->name, MND_LANG_NL, NULL) : NULL;
}

const char *mnd_cli_party_display(mnd_cli_t *cli, const mnd_party_t *party)
{
    const char *id, *name;
    if (!party)
        return "-";
    id = mnd_cli_id_display(cli->pool, party->id);
    name = party_name(party);
    return name ? apr_pstrcat(cli->pool, id, " ", name, NULL) : id;
}

static const mnd_party_t no_party;

const char *mnd_cli_party_id_display(mnd_cli_t *cli, const char *id)
{
    const mnd_party_t *party;
    if (!id)
        return "-";
    if (!cli->party_cache)
        cli->party_cache = apr_hash_make(cli->pool);
    party = apr_hash_get(cli->party_cache, id, APR_HASH_KEY_STRING);
    if (!party && cli->store) {
        mnd_party_t *found = NULL;
        /* A name is a nicety: an unknown party or a failing lookup still shows the id. */
        if (mnd_party_get(cli->store, cli->pool, id, &found) || !found)
            party = &no_party;
        else
            party = found;
        apr_hash_set(cli->party_cache, apr_pstrdup(cli->pool, id), APR_HASH_KEY_STRING, party);
    }
    if (!party || party == &no_party)
        return mnd_cli_id_display(cli->pool, id);
    return mnd_cli_party_display(cli, party);
}

const char *mnd_cli_time_display(apr_pool_t *p, mnd_time_t t)
{
    return t == MND_TIME_NONE ? "-" : mnd_time_format(p, t);
}

json_t *mnd_cli_json_time(apr_pool_t *p, mnd_time_t t)
{
    return t == MND_TIME_NONE ? json_null() : json_string(mnd_time_format(p, t));
}

json_t *mnd_cli_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *mnd_cli_json_strlist(const apr_array_header_t *list)
{
    json_t *a;
    int i;
    if (!list)
        return json_null();
    a = json_array();
    for (i = 0; i < list->nelts; i++)
        json_array_append_new(a, json_string(APR_ARRAY_IDX(list, i, const char *)));
    return a;
}

json_t *mnd_cli_json_names(const char *const names[MND_LANG__N])
{
    json_t *o = json_object();
    int l;
    for (l = 0; l < MND_LANG__N; l++)
        if (names[l])
            json_object_set_new(o, mnd_lang_code((mnd_lang_t)l), json_string(names[l]));
    return o;
}

json_t *mnd_cli_json_party(const mnd_party_t *party)
{
    if (!party)
        return json_null();
    return json_pack("{s:s, s:s, s:o, s:o, s:b}", "id", party->id, "kind",
                     party->kind == MND_PARTY_PERSON ? "person" : "org", "name",
                     mnd_cli_json_str(party_name(party)), "names", mnd_cli_json_names(party->name),
                     "active", party->active);
}

int mnd_cli_json_print(json_t *value)
{
    int rc = json_dumpf(value, stdout, JSON_INDENT(2));
    json_decref(value);
    fputc('\n', stdout);
    return rc == 0 ? MND_CLI_EXIT_OK : MND_CLI_EXIT_OTHER;
}

struct mnd_cli_table_t {
    apr_pool_t *pool;
    int ncols;
    apr_array_header_t *rows; /* const char ** of ncols cells; row 0 is the header */
};

static void table_push(mnd_cli_table_t *t, va_list ap)
{
    const char **cells = apr_pcalloc(t->pool, sizeof(*cells) * (size_t)t->ncols);
    int i;
    for (i = 0; i < t->ncols; i++) {
        const char *c = va_arg(ap, const char *);
        cells[i] = (c && *c) ? c : "-";
    }
    APR_ARRAY_PUSH(t->rows, const char **) = cells;
}

mnd_cli_table_t *mnd_cli_table(apr_pool_t *p, int ncols, ...)
{
    mnd_cli_table_t *t = apr_pcalloc(p, sizeof(*t));
    va_list ap;
    t->pool = p;
    t->ncols = ncols;
    t->rows = apr_array_make(p, 16, sizeof(const char **));
    va_start(ap, ncols);
    table_push(t, ap);
    va_end(ap);
    return t;
}

void mnd_cli_table_row(mnd_cli_table_t *t, ...)
{
    va_list ap;
    va_start(ap, t);
    table_push(t, ap);
    va_end(ap);
}

/* Display width: UTF-8 code points (names carry accents: "Gérant"). */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

void mnd_cli_table_print(const mnd_cli_table_t *t)
{
    int *width = apr_pcalloc(t->pool, sizeof(int) * (size_t)t->ncols);
    int r, c;
    if (t->rows->nelts == 1) {
        puts("(none)");
        return;
    }
    for (r = 0; r < t->rows->nelts; r++)
        for (c = 0; c < t->ncols; c++) {
            int w = text_width(APR_ARRAY_IDX(t->rows, r, const char **)[c]);
            if (w > width[c])
                width[c] = w;
        }
    for (r = 0; r < t->rows->nelts; r++) {
        const char **cells = APR_ARRAY_IDX(t->rows, r, const char **);
        for (c = 0; c < t->ncols; c++) {
            fputs(cells[c], stdout);
            if (c < t->ncols - 1)
                printf("%*s", width[c] - text_width(cells[c]) + 2, "");
        }
        fputc('\n', stdout);
    }
}
