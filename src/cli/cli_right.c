/* mandaatctl right grant|revoke|list|show: user management (rights of a person in an
 * organisation). Whether the actor may grant or revoke is decided by the core, exactly as on
 * the web; the CLI only names the actor (--as). */
#include "cli.h"

#include "core/rights.h"
#include "util/strlist.h"

#include <apr_strings.h>

#include <stdio.h>
#include <string.h>

/* The right by store name ("ssm_mandaatuitvoerder") or label ("SSM Mandaatuitvoerder"). */
static mnd_error_t *parse_kind(mnd_cli_t *cli, const char *in, mnd_right_kind_t *k)
{
    int i;
    if (mnd_right_kind_parse(in, k))
        return NULL;
    for (i = 0; i < MND_RIGHT__N; i++)
        if (strcasecmp(in, mnd_right_kind_label((mnd_right_kind_t)i)) == 0) {
            *k = (mnd_right_kind_t)i;
            return NULL;
        }
    return mnd_error(cli->pool, MND_EINVAL,
                     "--right '%s' is not a right: use hoofdtoegangsbeheerder, "
                     "lokale_beheerder, ssm_mandaatbeheerder, ssm_mandaatuitvoerder or service",
                     in);
}

static mnd_error_t *build_right(mnd_cli_t *cli, mnd_right_t *r)
{
    const char *from = mnd_cli_opt(cli, "from"), *until = mnd_cli_opt(cli, "until");
    const char *actions = mnd_cli_opt(cli, "actions");
    memset(r, 0, sizeof(*r));
    MND_TRY(mnd_cli_parse_person(cli, "--person", mnd_cli_opt(cli, "person"), &r->person));
    MND_TRY(mnd_cli_parse_org(cli, "--org", mnd_cli_opt(cli, "org"), &r->org));
    MND_TRY(parse_kind(cli, mnd_cli_opt(cli, "right"), &r->kind));
    r->valid_from = r->valid_until = MND_TIME_NONE;
    if (from)
        MND_TRY(mnd_cli_parse_time(cli, "--from", from, &r->valid_from));
    if (until)
        MND_TRY(mnd_cli_parse_until(cli, "--until", until, &r->valid_until));
    r->service_id = mnd_cli_opt(cli, "service");
    r->actions = actions ? mnd_strlist_split(cli->pool, actions) : NULL;
    if (r->kind == MND_RIGHT_SERVICE && !r->service_id)
        return mnd_error(cli->pool, MND_EINVAL, "a service right needs --service");
    if (r->kind != MND_RIGHT_SERVICE && (r->service_id || actions))
        return mnd_error(cli->pool, MND_EINVAL,
                         "--service and --actions apply to --right service only");
    if (actions && !r->actions->nelts)
        return mnd_error(cli->pool, MND_EINVAL,
                         "--actions is empty: leave it out for all "
                         "actions of the service");
    return NULL;
}

/* What the right is now, for people reading a listing (the core decides what counts). */
static const char *right_status(const mnd_right_t *r, mnd_time_t now)
{
    if (r->revoked_at != MND_TIME_NONE)
        return "revoked";
    if (r->valid_from != MND_TIME_NONE && now < r->valid_from)
        return "not_yet_valid";
    if (r->valid_until != MND_TIME_NONE && now >= r->valid_until)
        return "ended";
    return "in_force";
}

static json_t *right_json(mnd_cli_t *cli, const mnd_right_t *r, mnd_time_t now)
{
    apr_pool_t *p = cli->pool;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "person", json_string(r->person));
    json_object_set_new(o, "org", json_string(r->org));
    json_object_set_new(o, "right", json_string(mnd_right_kind_name(r->kind)));
    json_object_set_new(o, "label", json_string(mnd_right_kind_label(r->kind)));
    json_object_set_new(o, "service", mnd_cli_json_str(r->service_id));
    json_object_set_new(o, "actions", mnd_cli_json_strlist(r->actions));
    json_object_set_new(o, "valid_from", mnd_cli_json_time(p, r->valid_from));
    json_object_set_new(o, "valid_until", mnd_cli_json_time(p, r->valid_until));
    json_object_set_new(o, "granted_by", mnd_cli_json_str(r->granted_by));
    json_object_set_new(o, "granted_at", mnd_cli_json_time(p, r->granted_at));
    json_object_set_new(o, "revoked_by", mnd_cli_json_str(r->revoked_by));
    json_object_set_new(o, "revoked_at", mnd_cli_json_time(p, r->revoked_at));
    json_object_set_new(o, "status", json_string(right_status(r, now)));
    return o;
}

static const char *right_what(mnd_cli_t *cli, const mnd_right_t *r)
{
    if (r->kind != MND_RIGHT_SERVICE)
        return mnd_right_kind_label(r->kind);
    return apr_psprintf(cli->pool, "service right %s (%s)", r->service_id,
                        r->actions ? mnd_strlist_join(cli->pool, r->actions) : "all actions");
}

static int print_right(mnd_cli_t *cli, const char *verb, int64_t id)
{
    mnd_right_t *r;
    mnd_error_t *err = mnd_right_get(cli->store, cli->pool, id, &r);
    if (err)
        return mnd_cli_fail(cli, err);
    if (cli->json)
        return mnd_cli_json_print(right_json(cli, r, mnd_now()));
    printf("right %" APR_INT64_T_FMT " %s: %s for %s at %s, valid %s to %s\n", r->id, verb,
           right_what(cli, r), mnd_cli_party_id_display(cli, r->person),
           mnd_cli_party_id_display(cli, r->org), mnd_cli_time_display(cli->pool, r->valid_from),
           r->valid_until == MND_TIME_NONE ? "open end"
                                           : mnd_cli_time_display(cli->pool, r->valid_until));
    return MND_CLI_EXIT_OK;
}

static int cmd_grant(mnd_cli_t *cli)
{
    mnd_right_t r;
    mnd_error_t *err = NULL;
    const char *actor;
    int64_t id = 0;
    int rc;

    if (!mnd_cli_opt(cli, "person") || !mnd_cli_opt(cli, "org") || !mnd_cli_opt(cli, "right"))
        return mnd_cli_usage(cli, "--person, --org and --right are required");
    if (!(actor = mnd_cli_actor(cli, &rc, &err)))
        return rc ? rc : mnd_cli_fail(cli, err);
    if ((err = build_right(cli, &r)) || (err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_right_grant(cli->store, cli->pool, actor, &r, mnd_now(), &id)))
        return mnd_cli_fail(cli, err);
    return print_right(cli, "granted", id);
}

static int cmd_revoke(mnd_cli_t *cli)
{
    mnd_error_t *err = NULL;
    const char *actor;
    int64_t id;
    int rc;

    if (!(actor = mnd_cli_actor(cli, &rc, &err)))
        return rc ? rc : mnd_cli_fail(cli, err);
    if ((err = mnd_cli_parse_id(cli, "right", mnd_cli_arg(cli, 0), &id)) ||
        (err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_right_revoke(cli->store, cli->pool, actor, id, mnd_now())))
        return mnd_cli_fail(cli, err);
    return print_right(cli, "revoked", id);
}

static int cmd_list(mnd_cli_t *cli)
{
    const char *person = NULL, *org = NULL, *at = mnd_cli_opt(cli, "at");
    apr_array_header_t *list;
    mnd_cli_table_t *t;
    mnd_error_t *err = NULL;
    mnd_time_t now = mnd_now(), when = now;
    int i;

    if (mnd_cli_opt(cli, "person"))
        err = mnd_cli_parse_person(cli, "--person", mnd_cli_opt(cli, "person"), &person);
    if (!err && mnd_cli_opt(cli, "org"))
        err = mnd_cli_parse_org(cli, "--org", mnd_cli_opt(cli, "org"), &org);
    if (!err && at)
        err = mnd_cli_parse_time(cli, "--at", at, &when);
    if (err || (err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_right_list(cli->store, cli->pool, person, org, when,
                              mnd_cli_opt(cli, "all") != NULL, &list)))
        return mnd_cli_fail(cli, err);
    if (cli->json) {
        json_t *a = json_array();
        for (i = 0; i < list->nelts; i++)
            json_array_append_new(a, right_json(cli, APR_ARRAY_IDX(list, i, mnd_right_t *), when));
        return mnd_cli_json_print(a);
    }
    t = mnd_cli_table(cli->pool, 9, "ID", "PERSON", "ORGANISATION", "RIGHT", "SERVICE", "ACTIONS",
                      "FROM", "UNTIL", "STATUS");
    for (i = 0; i < list->nelts; i++) {
        const mnd_right_t *r = APR_ARRAY_IDX(list, i, mnd_right_t *);
        mnd_cli_table_row(t, apr_psprintf(cli->pool, "%" APR_INT64_T_FMT, r->id),
                          mnd_cli_party_id_display(cli, r->person),
                          mnd_cli_party_id_display(cli, r->org), mnd_right_kind_name(r->kind),
                          r->service_id,
                          r->kind != MND_RIGHT_SERVICE ? NULL
                          : r->actions                 ? mnd_strlist_join(cli->pool, r->actions)
                                                       : "all",
                          mnd_cli_time_display(cli->pool, r->valid_from),
                          mnd_cli_time_display(cli->pool, r->valid_until), right_status(r, when));
    }
    mnd_cli_table_print(t);
    return MND_CLI_EXIT_OK;
}

static int cmd_show(mnd_cli_t *cli)
{
    mnd_right_t *r;
    mnd_error_t *err;
    int64_t id;

    if ((err = mnd_cli_parse_id(cli, "right", mnd_cli_arg(cli, 0), &id)) ||
        (err = mnd_cli_open_store(cli, 0)) || (err = mnd_right_get(cli->store, cli->pool, id, &r)))
        return mnd_cli_fail(cli, err);
    if (cli->json)
        return mnd_cli_json_print(right_json(cli, r, mnd_now()));
    printf("right:       %" APR_INT64_T_FMT " (%s)\n", r->id, right_status(r, mnd_now()));
    printf("what:        %s\n", right_what(cli, r));
    printf("person:      %s\n", mnd_cli_party_id_display(cli, r->person));
    printf("org:         %s\n", mnd_cli_party_id_display(cli, r->org));
    printf("valid from:  %s\n", mnd_cli_time_display(cli->pool, r->valid_from));
    printf("valid until: %s\n", mnd_cli_time_display(cli->pool, r->valid_until));
    printf("granted:     %s by %s\n", mnd_cli_time_display(cli->pool, r->granted_at),
           mnd_cli_party_id_display(cli, r->granted_by));
    if (r->revoked_at != MND_TIME_NONE)
        printf("revoked:     %s by %s\n", mnd_cli_time_display(cli->pool, r->revoked_at),
               mnd_cli_party_id_display(cli, r->revoked_by));
    return MND_CLI_EXIT_OK;
}

static const mnd_cli_opt_t grant_opts[] = {
    {"person", 1},  {"org", 1},  {"right", 1}, {"service", 1},
    {"actions", 1}, {"from", 1}, {"until", 1}, {NULL, 0},
};
static const mnd_cli_opt_t list_opts[] = {
    {"person", 1}, {"org", 1}, {"all", 0}, {"at", 1}, {NULL, 0},
};

const mnd_cli_cmd_t mnd_cli_cmds_right[] = {
    {"right grant", cmd_grant, grant_opts, 0, 0,
     "right grant --as INSZ|operator --person INSZ --org KBO --right KIND [--service ID "
     "[--actions A,B]] [--from DATE] [--until DATE] [--json]"},
    {"right revoke", cmd_revoke, NULL, 1, 1, "right revoke --as INSZ|operator ID [--json]"},
    {"right list", cmd_list, list_opts, 0, 0,
     "right list [--person INSZ] [--org KBO] [--all] [--at TIME] [--json]"},
    {"right show", cmd_show, NULL, 1, 1, "right show ID [--json]"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
