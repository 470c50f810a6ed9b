/* mandaatctl kbo import|function-code set and party add|show: the parties the store knows,
 * from KBO Open Data or added by hand (an organisation not in the KBO, a person with a name
 * for demos). Operator commands: this is reference data, not a person's decision. */
#include "cli.h"

#include "core/party.h"
#include "kbo/import.h"

#include <apr_strings.h>

#include <stdio.h>
#include <string.h>

static const char *const kbo_file_names[MND_KBO__N] = {
    "enterprise.csv",   "enterprise_delete.csv",   "enterprise_insert.csv",
    "denomination.csv", "denomination_delete.csv", "denomination_insert.csv",
    "functions.csv",
};

static mnd_error_t *collect_files(mnd_cli_t *cli, mnd_kbo_import_t *in)
{
    int i;
    memset(in, 0, sizeof(*in));
    for (i = 0; i < cli->args->nelts; i++) {
        const char *path = mnd_cli_arg(cli, i);
        int kind = mnd_kbo_file_from_name(path);
        if (kind < 0 || kind >= MND_KBO__N)
            return mnd_error(cli->pool, MND_EINVAL,
                             "'%s' is not a file the KBO import knows: it recognises files by "
                             "name (enterprise.csv, enterprise_delete.csv, "
                             "enterprise_insert.csv, denomination.csv, denomination_delete.csv, "
                             "denomination_insert.csv, functions.csv)",
                             path);
        if (in->path[kind])
            return mnd_error(cli->pool, MND_EINVAL, "'%s' and '%s' are both %s: give one",
                             in->path[kind], path, kbo_file_names[kind]);
        in->path[kind] = path;
    }
    in->now = mnd_now();
    return NULL;
}

static const char *stats_summary(apr_pool_t *p, const mnd_kbo_stats_t *st)
{
    return apr_psprintf(p,
                        "%ld enterprises updated, %ld marked stopped, %ld names set, "
                        "%ld functions",
                        st->enterprises_upserted, st->enterprises_deleted, st->names_set,
                        st->functions);
}

static int print_stats(mnd_cli_t *cli, const mnd_kbo_import_t *in, const mnd_kbo_stats_t *st)
{
    int k;
    if (cli->json) {
        json_t *files = json_object();
        for (k = 0; k < MND_KBO__N; k++)
            if (in->path[k])
                json_object_set_new(
                    files, kbo_file_names[k],
                    json_pack("{s:s, s:I}", "path", in->path[k], "rows", (json_int_t)st->rows[k]));
        return mnd_cli_json_print(
            json_pack("{s:o, s:I, s:I, s:I, s:I}", "files", files, "enterprises_upserted",
                      (json_int_t)st->enterprises_upserted, "enterprises_deleted",
                      (json_int_t)st->enterprises_deleted, "names_set", (json_int_t)st->names_set,
                      "functions", (json_int_t)st->functions));
    }
    for (k = 0; k < MND_KBO__N; k++)
        if (in->path[k])
            printf("%s: %ld rows (%s)\n", kbo_file_names[k], st->rows[k], in->path[k]);
    printf("imported: %s\n", stats_summary(cli->pool, st));
    return MND_CLI_EXIT_OK;
}

static int cmd_import(mnd_cli_t *cli)
{
    mnd_kbo_import_t in;
    mnd_kbo_stats_t st;
    mnd_error_t *err;
    int rc;

    if ((rc = mnd_cli_operator_only(cli)))
        return rc;
    if ((err = collect_files(cli, &in)) || (err = mnd_cli_open_store(cli, 0)))
        return mnd_cli_fail(cli, err);
    memset(&st, 0, sizeof(st));
    if ((err = mnd_store_begin(cli->store)))
        return mnd_cli_fail(cli, err);
    err = mnd_kbo_import(cli->store, cli->pool, &in, &st);
    if (!err)
        err = mnd_cli_audit_operator(cli, "kbo.import", NULL, NULL, stats_summary(cli->pool, &st));
    if (err) {
        mnd_store_rollback(cli->store);
        return mnd_cli_fail(cli, err);
    }
    if ((err = mnd_store_commit(cli->store)))
        return mnd_cli_fail(cli, err);
    return print_stats(cli, &in, &st);
}

static int cmd_function_code_set(mnd_cli_t *cli)
{
    const char *code = mnd_cli_arg(cli, 0), *rep = mnd_cli_opt(cli, "representative");
    mnd_error_t *err;
    int yes = 0, rc;

    if ((rc = mnd_cli_operator_only(cli)))
        return rc;
    if (!rep)
        return mnd_cli_usage(cli, "--representative yes|no is required");
    if ((err = mnd_cli_parse_bool(cli, "--representative", rep, &yes)) ||
        (err = mnd_cli_open_store(cli, 0)) || (err = mnd_store_begin(cli->store)))
        return mnd_cli_fail(cli, err);
    err = mnd_kbo_function_code_set(cli->store, cli->pool, code, mnd_cli_opt(cli, "label"), yes);
    if (!err)
        err = mnd_cli_audit_operator(
            cli, "kbo.function_code", NULL, NULL,
            apr_psprintf(cli->pool, "%s representative=%s", code, yes ? "yes" : "no"));
    if (err) {
        mnd_store_rollback(cli->store);
        return mnd_cli_fail(cli, err);
    }
    if ((err = mnd_store_commit(cli->store)))
        return mnd_cli_fail(cli, err);
    printf("KBO function code %s %s as legal representative\n", code,
           yes ? "counts" : "does not count");
    return MND_CLI_EXIT_OK;
}

static mnd_error_t *build_party(mnd_cli_t *cli, mnd_party_t *party)
{
    const char *id;
    int l;
    memset(party, 0, sizeof(*party));
    MND_TRY(mnd_party_id_parse(cli->pool, mnd_cli_arg(cli, 0), &party->kind, &id));
    party->id = id;
    for (l = 0; l < MND_LANG__N; l++)
        party->name[l] = mnd_cli_opt(cli, apr_pstrcat(cli->pool, "name-", mnd_lang_code(l), NULL));
    /* --name is the name in Dutch, the first language every display falls back to. */
    if (mnd_cli_opt(cli, "name"))
        party->name[MND_LANG_NL] = mnd_cli_opt(cli, "name");
    party->active = mnd_cli_opt(cli, "stopped") == NULL;
    if (party->kind == MND_PARTY_PERSON && !party->active)
        return mnd_error(cli->pool, MND_EINVAL, "--stopped applies to organisations only");
    return NULL;
}

static int cmd_party_add(mnd_cli_t *cli)
{
    mnd_party_t party;
    mnd_error_t *err;
    int rc;

    if ((rc = mnd_cli_operator_only(cli)))
        return rc;
    if ((err = mnd_error_wrap(cli->pool, build_party(cli, &party), "party '%s'",
                              mnd_cli_arg(cli, 0))) ||
        (err = mnd_cli_open_store(cli, 0)) || (err = mnd_store_begin(cli->store)))
        return mnd_cli_fail(cli, err);
    err = mnd_party_put(cli->store, cli->pool, &party, mnd_now());
    if (!err)
        err = mnd_cli_audit_operator(cli, "party.put", party.id, NULL,
                                     party.active ? "active" : "stopped");
    if (err) {
        mnd_store_rollback(cli->store);
        return mnd_cli_fail(cli, err);
    }
    if ((err = mnd_store_commit(cli->store)))
        return mnd_cli_fail(cli, err);
    printf("%s %s saved%s\n", party.kind == MND_PARTY_PERSON ? "person" : "organisation",
           mnd_cli_party_display(cli, &party), party.active ? "" : " (stopped)");
    return MND_CLI_EXIT_OK;
}

static int cmd_party_show(mnd_cli_t *cli)
{
    mnd_party_t *party;
    const char *id;
    mnd_error_t *err;
    int l;

    if ((err = mnd_cli_parse_party(cli, "party", mnd_cli_arg(cli, 0), &id)) ||
        (err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_party_get(cli->store, cli->pool, id, &party)))
        return mnd_cli_fail(cli, err);
    if (cli->json)
        return mnd_cli_json_print(mnd_cli_json_party(party));
    printf("party:      %s\n", mnd_cli_id_display(cli->pool, party->id));
    printf("kind:       %s\n", party->kind == MND_PARTY_PERSON ? "person" : "organisation");
    if (party->kind == MND_PARTY_ORG)
        printf("status:     %s\n", party->active ? "active" : "stopped");
    for (l = 0; l < MND_LANG__N; l++)
        if (party->name[l])
            printf("name (%s):  %s\n", mnd_lang_code(l), party->name[l]);
    return MND_CLI_EXIT_OK;
}

static const mnd_cli_opt_t fc_opts[] = {{"representative", 1}, {"label", 1}, {NULL, 0}};
static const mnd_cli_opt_t party_opts[] = {
    {"name", 1},    {"name-nl", 1}, {"name-fr", 1}, {"name-de", 1},
    {"name-en", 1}, {"stopped", 0}, {NULL, 0},
};

const mnd_cli_cmd_t mnd_cli_cmds_kbo[] = {
    {"kbo import", cmd_import, NULL, 1, -1, "kbo import FILE... [--json]"},
    {"kbo function-code set", cmd_function_code_set, fc_opts, 1, 1,
     "kbo function-code set CODE --representative yes|no [--label LABEL_NL]"},
    {"party add", cmd_party_add, party_opts, 1, 1,
     "party add ID [--name NAME] [--name-nl|--name-fr|--name-de|--name-en NAME] [--stopped]"},
    {"party show", cmd_party_show, NULL, 1, 1, "party show ID [--json]"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
