/* mandaatctl, the admin CLI over the core: shared state, option parsing, store opening and
 * output helpers used by the command files (one file per command group). The CLI only parses,
 * calls the core and prints; every authority check is the core's, exactly as on the web. */
#ifndef MND_CLI_CLI_H
#define MND_CLI_CLI_H

#include "core/model.h"
#include "store/store.h"

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

/* Exit codes (docs/mandaatctl.md). */
#define MND_CLI_EXIT_OK 0
#define MND_CLI_EXIT_OTHER 1
#define MND_CLI_EXIT_USAGE 2
#define MND_CLI_EXIT_INVALID 3
#define MND_CLI_EXIT_NOTFOUND 4
#define MND_CLI_EXIT_FORBIDDEN 5
#define MND_CLI_EXIT_CONFLICT 6
#define MND_CLI_EXIT_STORE 7

#define MND_CLI_DEFAULT_STORE "sqlite3:/var/lib/mandaat/mandaat.db"

/* One option a command accepts: "--name VALUE" (has_arg) or "--name" (a flag). */
typedef struct mnd_cli_opt_t {
    const char *name;
    int has_arg;
} mnd_cli_opt_t;

typedef struct mnd_cli_t {
    apr_pool_t *pool;
    /* global options */
    const char *store_locator; /* --store */
    const char *config;        /* --config */
    const char *as;            /* --as, as given */
    int json;                  /* --json */
    /* the command being run */
    const char *usage;        /* usage line of the command, for usage errors */
    apr_table_t *opts;        /* option name -> value ("" for flags), repeats added */
    apr_array_header_t *args; /* positional arguments (const char *) */
    mnd_store_t *store;
    apr_hash_t *party_cache; /* party id -> mnd_party_t * (or a miss marker) */
} mnd_cli_t;

/* A command: runs with cli->opts and cli->args parsed; returns an exit code. */
typedef int (*mnd_cli_cmd_fn)(mnd_cli_t *cli);

typedef struct mnd_cli_cmd_t {
    const char *path; /* the command words: "mandate give", "migrate" */
    mnd_cli_cmd_fn fn;
    const mnd_cli_opt_t *opts; /* {NULL, 0}-terminated; the global options are implied */
    int min_args, max_args;    /* positional arguments accepted (max -1 = unbounded) */
    const char *usage;         /* "mandate give --as INSZ --giver ID ..." */
} mnd_cli_cmd_t;

/* Command tables of each file, {NULL...}-terminated. */
extern const mnd_cli_cmd_t mnd_cli_cmds_main[];
extern const mnd_cli_cmd_t mnd_cli_cmds_service[];
extern const mnd_cli_cmd_t mnd_cli_cmds_right[];
extern const mnd_cli_cmd_t mnd_cli_cmds_mandate[];
extern const mnd_cli_cmd_t mnd_cli_cmds_kbo[];
extern const mnd_cli_cmd_t mnd_cli_cmds_capacities[];
extern const mnd_cli_cmd_t mnd_cli_cmds_audit[];

/* ---- option parsing (cli_common.c) ---- */

/* Parse the global options that precede the command word; *next gets the index of the first
 * argument that is not one. Returns an exit code (0 = go on). */
int mnd_cli_parse_global(mnd_cli_t *cli, int argc, const char *const *argv, int *next);

/* Parse argv (the words after the command name) against cmd's options plus the global ones,
 * options and arguments interleaved. Returns an exit code (0 = go on). */
int mnd_cli_parse_cmd(mnd_cli_t *cli, const mnd_cli_cmd_t *cmd, int argc, const char *const *argv);

/* The value of option name (the last one given), or NULL. */
const char *mnd_cli_opt(const mnd_cli_t *cli, const char *name);

/* Every value given for a repeatable option, in order (array of const char *). */
apr_array_header_t *mnd_cli_opt_all(const mnd_cli_t *cli, const char *name);

/* Positional argument i (the caller has checked the count). */
const char *mnd_cli_arg(const mnd_cli_t *cli, int i);

/* ---- errors and exit codes ---- */

/* Print "mandaatctl: usage: msg" and the command's usage line; returns MND_CLI_EXIT_USAGE. */
int mnd_cli_usage(mnd_cli_t *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "mandaatctl: <class>: <message>" and return the exit code of the error's class
 * (0 for NULL). */
int mnd_cli_fail(mnd_cli_t *cli, const mnd_error_t *err);

/* ---- store and actor ---- */

/* Open the store named by --store, --config, MANDAAT_STORE or the default. for_migrate: an
 * empty or missing store is expected; otherwise it must exist and be migrated. */
mnd_error_t *mnd_cli_open_store(mnd_cli_t *cli, int for_migrate);

/* The actor of a change from --as: a normalised INSZ, or "operator:<$SUDO_USER, $USER or uid>"
 * for "--as operator". Missing --as is a usage error: *exit_code is then set, NULL returned. */
const char *mnd_cli_actor(mnd_cli_t *cli, int *exit_code, mnd_error_t **err);

/* The operator name recorded for operator commands ("operator:<name>"). */
const char *mnd_cli_operator(apr_pool_t *p);

/* For operator-only commands (service add, party add, kbo ...): --as must be absent or
 * "operator". Returns an exit code (0 = go on). */
int mnd_cli_operator_only(mnd_cli_t *cli);

/* Write an audit record for an operator change (actor "operator:<name>"). */
mnd_error_t *mnd_cli_audit_operator(mnd_cli_t *cli, const char *event, const char *party,
                                    const char *service_id, const char *detail);

/* ---- input parsing (normalises, rejects with the rule) ---- */

mnd_error_t *mnd_cli_parse_party(mnd_cli_t *cli, const char *what, const char *in, const char **id);
mnd_error_t *mnd_cli_parse_person(mnd_cli_t *cli, const char *what, const char *in,
                                  const char **id);
mnd_error_t *mnd_cli_parse_org(mnd_cli_t *cli, const char *what, const char *in, const char **id);
/* A time for --from, --at, --since: "YYYY-MM-DD" is midnight UTC at its start. */
mnd_error_t *mnd_cli_parse_time(mnd_cli_t *cli, const char *what, const char *in, mnd_time_t *out);
/* An end time for --until: a date alone "YYYY-MM-DD" means the end of that day (the next
 * midnight UTC, because intervals are half-open); a full timestamp is taken as is. */
mnd_error_t *mnd_cli_parse_until(mnd_cli_t *cli, const char *what, const char *in, mnd_time_t *out);
/* A positive integer id (mandate or right). */
mnd_error_t *mnd_cli_parse_id(mnd_cli_t *cli, const char *what, const char *in, int64_t *id);
/* A non-negative integer no larger than max. */
mnd_error_t *mnd_cli_parse_uint(mnd_cli_t *cli, const char *what, const char *in, long max,
                                long *out);
/* "yes"/"no" (also true/false, 1/0). */
mnd_error_t *mnd_cli_parse_bool(mnd_cli_t *cli, const char *what, const char *in, int *out);

/* ---- output ---- */

/* Identifier as an admin sees it: INSZ formatted in full ("85.07.30-033.28"), KBO dotted,
 * anything else (operator:...) unchanged; "-" for NULL. */
const char *mnd_cli_id_display(apr_pool_t *p, const char *id);
/* "<display id> <name>" for a party; looks the name up when only the id is known. */
const char *mnd_cli_party_display(mnd_cli_t *cli, const mnd_party_t *party);
const char *mnd_cli_party_id_display(mnd_cli_t *cli, const char *id);
/* Time for tables: "2026-11-23T14:05:00Z", "-" for MND_TIME_NONE. */
const char *mnd_cli_time_display(apr_pool_t *p, mnd_time_t t);
/* Time for JSON: a string, or null for MND_TIME_NONE. */
json_t *mnd_cli_json_time(apr_pool_t *p, mnd_time_t t);
/* A string or null. */
json_t *mnd_cli_json_str(const char *s);
/* Array of strings from an apr array of const char * (NULL gives null). */
json_t *mnd_cli_json_strlist(const apr_array_header_t *list);
/* {"nl": ..., "fr": ..., ...} of the non-NULL names. */
json_t *mnd_cli_json_names(const char *const names[MND_LANG__N]);
/* {"id", "kind", "name", "names", "active"} of a party (null for NULL). */
json_t *mnd_cli_json_party(const mnd_party_t *party);

/* Print value as indented JSON on stdout and release it. */
int mnd_cli_json_print(json_t *value);

/* A text table: header cells then rows, columns aligned by display width. */
typedef struct mnd_cli_table_t mnd_cli_table_t;
mnd_cli_table_t *mnd_cli_table(apr_pool_t *p, int ncols, ...); /* ncols header strings */
void mnd_cli_table_row(mnd_cli_table_t *t, ...);               /* ncols strings (NULL = "-") */
/* Print the table on stdout ("(none)" when it has no rows). */
void mnd_cli_table_print(const mnd_cli_table_t *t);

#endif
