/* mandaatctl: the admin CLI of mod_mandaat. main() parses the global options, finds the
 * command by its words ("mandate give") in the command tables of the cli_*.c files, parses
 * the command's options and runs it. See docs/mandaatctl.md. */
#include "cli.h"

#include "store/schema.h"

#include <apr_general.h>
#include <apr_strings.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_migrate(mnd_cli_t *cli)
{
    mnd_error_t *err;
    int from = 0, to = 0, rc;

    if ((rc = mnd_cli_operator_only(cli)))
        return rc;
    if ((err = mnd_cli_open_store(cli, 1)) ||
        (err = mnd_store_migrate(cli->store, cli->pool, &from, &to)))
        return mnd_cli_fail(cli, err);
    if (cli->json)
        return mnd_cli_json_print(json_pack("{s:i, s:i}", "from", from, "to", to));
    if (from == to)
        printf("schema already at version %d\n", to);
    else
        printf("schema migrated from version %d to %d\n", from, to);
    return MND_CLI_EXIT_OK;
}

static int cmd_help(mnd_cli_t *cli);

const mnd_cli_cmd_t mnd_cli_cmds_main[] = {
    {"migrate", cmd_migrate, NULL, 0, 0, "migrate"},
    {"help", cmd_help, NULL, 0, -1, "help [COMMAND]"},
    {NULL, NULL, NULL, 0, 0, NULL},
};

static const mnd_cli_cmd_t *const tables[] = {
    mnd_cli_cmds_main,    mnd_cli_cmds_service,    mnd_cli_cmds_kbo,   mnd_cli_cmds_right,
    mnd_cli_cmds_mandate, mnd_cli_cmds_capacities, mnd_cli_cmds_audit,
};
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

/* How many leading words of argv spell cmd's path (0 if they do not). */
static int match_words(const char *path, int argc, const char *const *argv)
{
    int n = 0;
    const char *w = path;
    while (*w) {
        size_t len = strcspn(w, " ");
        if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], w, len) != 0)
            return 0;
        n++;
        w += len;
        while (*w == ' ')
            w++;
    }
    return n;
}

/* The command spelled by the longest prefix of argv; *used gets its word count. */
static const mnd_cli_cmd_t *find_cmd(int argc, const char *const *argv, int *used)
{
    const mnd_cli_cmd_t *best = NULL, *c;
    size_t t;
    *used = 0;
    for (t = 0; t < N_TABLES; t++)
        for (c = tables[t]; c->path; c++) {
            int n = match_words(c->path, argc, argv);
            if (n > *used) {
                *used = n;
                best = c;
            }
        }
    return best;
}

/* Print the usage lines of every command whose path starts with the words of prefix (all
 * for NULL) to out (NULL: only count them); returns how many. */
static int print_usages(FILE *out, const char *prefix)
{
    size_t t, plen = prefix ? strlen(prefix) : 0;
    const mnd_cli_cmd_t *c;
    int n = 0;
    for (t = 0; t < N_TABLES; t++)
        for (c = tables[t]; c->path; c++)
            if (!prefix || (strncmp(c->path, prefix, plen) == 0 &&
                            (c->path[plen] == ' ' || c->path[plen] == '\0'))) {
                if (out)
                    fprintf(out, "  mandaatctl %s\n", c->usage);
                n++;
            }
    return n;
}

static void print_help(void)
{
    puts("usage: mandaatctl [GLOBAL OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
         "\n"
         "global options (also accepted after the command):\n"
         "  --store LOCATOR   sqlite3:/path/to/mandaat.db or pgsql:<conninfo>\n"
         "  --config FILE     read DBDriver/DBDParams from the httpd configuration the module "
         "uses\n"
         "                    (default: $MANDAAT_STORE, else " MND_CLI_DEFAULT_STORE ")\n"
         "  --as INSZ         the person who makes a change (--as operator where allowed)\n"
         "  --json            machine-readable output\n"
         "\n"
         "commands:");
    print_usages(stdout, NULL);
    puts("\nexit codes: 0 ok, 1 other error, 2 usage, 3 invalid input, 4 not found, "
         "5 forbidden,\n6 conflict, 7 store unavailable. See docs/mandaatctl.md.");
}

static int cmd_help(mnd_cli_t *cli)
{
    const char *topic = cli->args->nelts ? apr_array_pstrcat(cli->pool, cli->args, ' ') : NULL;
    if (!topic) {
        print_help();
        return MND_CLI_EXIT_OK;
    }
    if (!print_usages(stdout, topic))
        return mnd_cli_usage(cli, "no command '%s'", topic);
    return MND_CLI_EXIT_OK;
}

/* The argument vector a command parses: its own words after the command name, with a program
 * name in front as apr_getopt expects. */
static const char *const *cmd_argv(apr_pool_t *p, int argc, const char *const *argv)
{
    const char **v = apr_pcalloc(p, sizeof(*v) * (size_t)(argc + 2));
    int i;
    v[0] = "mandaatctl";
    for (i = 0; i < argc; i++)
        v[i + 1] = argv[i];
    return v;
}

static int run(mnd_cli_t *cli, int argc, const char *const *argv)
{
    const mnd_cli_cmd_t *cmd;
    int next = 0, used = 0, rc;

    rc = mnd_cli_parse_global(cli, argc, cmd_argv(cli->pool, argc - 1, argv + 1), &next);
    if (rc == -1) {
        print_help();
        return MND_CLI_EXIT_OK;
    }
    if (rc)
        return rc;
    /* next counts from the program name, as in the original argv */
    if (next >= argc)
        return mnd_cli_usage(cli, "no command given (mandaatctl help lists them)");
    cmd = find_cmd(argc - next, argv + next, &used);
    if (!cmd) {
        if (print_usages(NULL, argv[next])) {
            if (next + 1 < argc)
                fprintf(stderr, "mandaatctl: usage: unknown command '%s %s'; '%s' has:\n",
                        argv[next], argv[next + 1], argv[next]);
            else
                fprintf(stderr, "mandaatctl: usage: '%s' needs one of these subcommands:\n",
                        argv[next]);
            print_usages(stderr, argv[next]);
            return MND_CLI_EXIT_USAGE;
        }
        return mnd_cli_usage(cli, "unknown command '%s' (mandaatctl help lists them)", argv[next]);
    }
    rc = mnd_cli_parse_cmd(cli, cmd, argc - next - used + 1,
                           cmd_argv(cli->pool, argc - next - used, argv + next + used));
    if (rc == -1) {
        printf("usage: mandaatctl %s\n(docs/mandaatctl.md describes every option)\n", cmd->usage);
        return MND_CLI_EXIT_OK;
    }
    if (rc)
        return rc;
    return cmd->fn(cli);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    mnd_cli_t cli;
    int rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS) {
        fputs("mandaatctl: internal: cannot initialise APR\n", stderr);
        return MND_CLI_EXIT_OTHER;
    }
    apr_pool_create(&pool, NULL);
    memset(&cli, 0, sizeof(cli));
    cli.pool = pool;
    rc = run(&cli, argc, argv);
    fflush(stdout);
    /* Closing the store (a pool cleanup) before APR goes away. */
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
