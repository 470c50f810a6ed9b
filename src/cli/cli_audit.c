/* mandaatctl audit list: the audit trail (issuances and administrative changes), newest
 * first, filtered by actor, party and time. */
#include "cli.h"

#include "core/audit.h"

#include <apr_strings.h>

#include <stdio.h>
#include <string.h>

static json_t *audit_json(mnd_cli_t *cli, const mnd_audit_t *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "at", mnd_cli_json_time(cli->pool, a->at));
    json_object_set_new(o, "event", mnd_cli_json_str(a->event));
    json_object_set_new(o, "actor", mnd_cli_json_str(a->actor));
    json_object_set_new(o, "party", mnd_cli_json_str(a->party));
    json_object_set_new(o, "basis", mnd_cli_json_str(a->basis));
    json_object_set_new(o, "via", mnd_cli_json_str(a->via));
    json_object_set_new(o, "mandate_id", a->mandate_id ? json_integer(a->mandate_id) : json_null());
    json_object_set_new(o, "service", mnd_cli_json_str(a->service_id));
    json_object_set_new(o, "actions", mnd_cli_json_str(a->actions));
    json_object_set_new(o, "txn_id", mnd_cli_json_str(a->txn_id));
    json_object_set_new(o, "detail", mnd_cli_json_str(a->detail));
    return o;
}

/* --actor is an INSZ (any punctuation) or a literal "operator:<name>". */
static mnd_error_t *parse_actor(mnd_cli_t *cli, const char *in, const char **out)
{
    if (strncmp(in, MND_ACTOR_OPERATOR_PREFIX, strlen(MND_ACTOR_OPERATOR_PREFIX)) == 0) {
        *out = in;
        return NULL;
    }
    return mnd_cli_parse_person(cli, "--actor", in, out);
}

static mnd_error_t *build_filter(mnd_cli_t *cli, mnd_audit_filter_t *f)
{
    const char *actor = mnd_cli_opt(cli, "actor"), *party = mnd_cli_opt(cli, "party");
    const char *since = mnd_cli_opt(cli, "since"), *until = mnd_cli_opt(cli, "until");
    const char *limit = mnd_cli_opt(cli, "limit");
    long n = 100;
    memset(f, 0, sizeof(*f));
    f->since = f->until = MND_TIME_NONE;
    if (actor)
        MND_TRY(parse_actor(cli, actor, &f->actor));
    if (party)
        MND_TRY(mnd_cli_parse_party(cli, "--party", party, &f->party));
    if (since)
        MND_TRY(mnd_cli_parse_time(cli, "--since", since, &f->since));
    if (until)
        MND_TRY(mnd_cli_parse_until(cli, "--until", until, &f->until));
    if (limit) {
        MND_TRY(mnd_cli_parse_uint(cli, "--limit", limit, 100000, &n));
        if (n == 0)
            return mnd_error(cli->pool, MND_EINVAL, "--limit must be at least 1");
    }
    f->limit = (int)n;
    return NULL;
}

static int cmd_list(mnd_cli_t *cli)
{
    mnd_audit_filter_t f;
    apr_array_header_t *list;
    mnd_cli_table_t *t;
    mnd_error_t *err;
    int i;

    if ((err = build_filter(cli, &f)) || (err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_audit_list(cli->store, cli->pool, &f, &list)))
        return mnd_cli_fail(cli, err);
    if (cli->json) {
        json_t *a = json_array();
        for (i = 0; i < list->nelts; i++)
            json_array_append_new(a, audit_json(cli, APR_ARRAY_IDX(list, i, mnd_audit_t *)));
        return mnd_cli_json_print(a);
    }
    t = mnd_cli_table(cli->pool, 9, "ID", "AT", "EVENT", "ACTOR", "PARTY", "BASIS", "MANDATE",
                      "SERVICE", "DETAIL");
    for (i = 0; i < list->nelts; i++) {
        const mnd_audit_t *a = APR_ARRAY_IDX(list, i, mnd_audit_t *);
        const char *detail = a->detail;
        if (a->actions)
            detail = apr_pstrcat(cli->pool, "actions: ", a->actions, detail ? "; " : "",
                                 detail ? detail : "", NULL);
        if (a->via)
            detail = apr_pstrcat(cli->pool, "via ", mnd_cli_id_display(cli->pool, a->via),
                                 detail ? "; " : "", detail ? detail : "", NULL);
        mnd_cli_table_row(
            t, apr_psprintf(cli->pool, "%" APR_INT64_T_FMT, a->id),
            mnd_cli_time_display(cli->pool, a->at), a->event,
            mnd_cli_id_display(cli->pool, a->actor), mnd_cli_id_display(cli->pool, a->party),
            a->basis,
            a->mandate_id ? apr_psprintf(cli->pool, "%" APR_INT64_T_FMT, a->mandate_id) : NULL,
            a->service_id, detail);
    }
    mnd_cli_table_print(t);
    return MND_CLI_EXIT_OK;
}

static const mnd_cli_opt_t opts[] = {
    {"actor", 1}, {"party", 1}, {"since", 1}, {"until", 1}, {"limit", 1}, {NULL, 0},
};

const mnd_cli_cmd_t mnd_cli_cmds_audit[] = {
    {"audit list", cmd_list, opts, 0, 0,
     "audit list [--actor INSZ|operator:NAME] [--party ID] [--since TIME] [--until DATE|TIME] "
     "[--limit N] [--json]"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
