/* mandaatctl mandate give|request|approve|reject|withdraw|revoke|list|show: the mandate life
 * cycle through the core, which checks every transition against the actor (--as) exactly as
 * the self-service pages do. */
#include "cli.h"

#include "core/mandate.h"
#include "util/strlist.h"

#include <apr_strings.h>

#include <stdio.h>
#include <string.h>

static const char *id_text(apr_pool_t *p, int64_t id)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, id);
}

static json_t *mandate_json(mnd_cli_t *cli, const mnd_mandate_t *m, mnd_time_t now)
{
    apr_pool_t *p = cli->pool;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "ref", mnd_cli_json_str(m->ext_ref));
    json_object_set_new(o, "giver", json_string(m->giver));
    json_object_set_new(o, "taker", json_string(m->taker));
    json_object_set_new(o, "service", json_string(m->service_id));
    json_object_set_new(o, "actions", mnd_cli_json_strlist(m->actions));
    json_object_set_new(o, "valid_from", mnd_cli_json_time(p, m->valid_from));
    json_object_set_new(o, "valid_until", mnd_cli_json_time(p, m->valid_until));
    json_object_set_new(o, "state",
                        json_string(mnd_mandate_state_name(mnd_mandate_effective_state(m, now))));
    json_object_set_new(o, "stored_state", json_string(mnd_mandate_state_name(m->state)));
    json_object_set_new(o, "initiated_by_party", mnd_cli_json_str(m->initiated_by_party));
    json_object_set_new(o, "initiated_by_person", mnd_cli_json_str(m->initiated_by_person));
    json_object_set_new(o, "created_at", mnd_cli_json_time(p, m->created_at));
    json_object_set_new(o, "state_changed_at", mnd_cli_json_time(p, m->state_changed_at));
    json_object_set_new(o, "state_reason", mnd_cli_json_str(m->state_reason));
    return o;
}

static json_t *events_json(mnd_cli_t *cli, const apr_array_header_t *events)
{
    json_t *a = json_array();
    int i;
    for (i = 0; events && i < events->nelts; i++) {
        const mnd_mandate_event_t *e = APR_ARRAY_IDX(events, i, mnd_mandate_event_t *);
        json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:o}", "event", e->event, "actor",
                                           mnd_cli_json_str(e->actor_person), "on_behalf_of",
                                           mnd_cli_json_str(e->actor_party), "at",
                                           mnd_cli_json_time(cli->pool, e->at), "reason",
                                           mnd_cli_json_str(e->reason)));
    }
    return a;
}

/* The party whose approval an awaiting mandate needs: the one that did not initiate it. */
static const char *awaited_party(const mnd_mandate_t *m)
{
    if (!m->initiated_by_party)
        return NULL;
    return strcmp(m->initiated_by_party, m->giver) == 0 ? m->taker : m->giver;
}

/* One line after a change, or the mandate as JSON with --json. */
static int print_change(mnd_cli_t *cli, const char *verb, int64_t id)
{
    mnd_mandate_t *m;
    mnd_error_t *err = mnd_mandate_get(cli->store, cli->pool, id, &m, NULL);
    mnd_time_t now = mnd_now();
    mnd_mandate_state_t st;
    if (err)
        return mnd_cli_fail(cli, err);
    if (cli->json)
        return mnd_cli_json_print(mandate_json(cli, m, now));
    st = mnd_mandate_effective_state(m, now);
    printf("mandate %" APR_INT64_T_FMT " %s; state %s", m->id, verb, mnd_mandate_state_name(st));
    if (st == MND_MANDATE_AWAITING)
        printf(" (a mandate manager of %s must approve it)",
               mnd_cli_party_id_display(cli, awaited_party(m)));
    printf("\n");
    return MND_CLI_EXIT_OK;
}

static mnd_error_t *build_draft(mnd_cli_t *cli, mnd_mandate_draft_t *d)
{
    const char *from = mnd_cli_opt(cli, "from"), *until = mnd_cli_opt(cli, "until");
    memset(d, 0, sizeof(*d));
    MND_TRY(mnd_cli_parse_party(cli, "--giver", mnd_cli_opt(cli, "giver"), &d->giver));
    MND_TRY(mnd_cli_parse_party(cli, "--taker", mnd_cli_opt(cli, "taker"), &d->taker));
    d->service_id = mnd_cli_opt(cli, "service");
    d->actions = mnd_strlist_split(cli->pool, mnd_cli_opt(cli, "actions"));
    d->valid_from = d->valid_until = MND_TIME_NONE;
    if (from)
        MND_TRY(mnd_cli_parse_time(cli, "--from", from, &d->valid_from));
    if (until)
        MND_TRY(mnd_cli_parse_until(cli, "--until", until, &d->valid_until));
    d->ext_ref = mnd_cli_opt(cli, "ref");
    if (!d->actions->nelts)
        return mnd_error(cli->pool, MND_EINVAL, "--actions is empty: name at least one action");
    return NULL;
}

typedef mnd_error_t *(*create_fn)(mnd_store_t *, apr_pool_t *, const char *,
                                  const mnd_mandate_draft_t *, mnd_time_t, int64_t *);

static int create(mnd_cli_t *cli, create_fn fn, const char *verb)
{
    mnd_mandate_draft_t d;
    mnd_error_t *err = NULL;
    const char *actor;
    int64_t id = 0;
    int rc;

    if (!mnd_cli_opt(cli, "giver") || !mnd_cli_opt(cli, "taker") || !mnd_cli_opt(cli, "service") ||
        !mnd_cli_opt(cli, "actions"))
        return mnd_cli_usage(cli, "--giver, --taker, --service and --actions are required");
    if (!(actor = mnd_cli_actor(cli, &rc, &err)))
        return rc ? rc : mnd_cli_fail(cli, err);
    if ((err = build_draft(cli, &d)) || (err = mnd_cli_open_store(cli, 0)) ||
        (err = fn(cli->store, cli->pool, actor, &d, mnd_now(), &id)))
        return mnd_cli_fail(cli, err);
    return print_change(cli, verb, id);
}

static int cmd_give(mnd_cli_t *cli)
{
    return create(cli, mnd_mandate_give, "given");
}

static int cmd_request(mnd_cli_t *cli)
{
    return create(cli, mnd_mandate_request, "requested");
}

/* approve, reject, withdraw, revoke: the id, the actor, and a reason where one applies. */
static int transition(mnd_cli_t *cli, const char *verb)
{
    const char *reason = mnd_cli_opt(cli, "reason"), *actor;
    mnd_error_t *err = NULL;
    mnd_time_t now = mnd_now();
    int64_t id;
    int rc;

    if (!(actor = mnd_cli_actor(cli, &rc, &err)))
        return rc ? rc : mnd_cli_fail(cli, err);
    if ((err = mnd_cli_parse_id(cli, "mandate", mnd_cli_arg(cli, 0), &id)) ||
        (err = mnd_cli_open_store(cli, 0)))
        return mnd_cli_fail(cli, err);
    if (strcmp(verb, "approved") == 0)
        err = mnd_mandate_approve(cli->store, cli->pool, actor, id, now);
    else if (strcmp(verb, "rejected") == 0)
        err = mnd_mandate_reject(cli->store, cli->pool, actor, id, reason, now);
    else if (strcmp(verb, "withdrawn") == 0)
        err = mnd_mandate_withdraw(cli->store, cli->pool, actor, id, now);
    else
        err = mnd_mandate_revoke(cli->store, cli->pool, actor, id, reason, now);
    if (err)
        return mnd_cli_fail(cli, err);
    return print_change(cli, verb, id);
}

static int cmd_approve(mnd_cli_t *cli)
{
    return transition(cli, "approved");
}
static int cmd_reject(mnd_cli_t *cli)
{
    return transition(cli, "rejected");
}
static int cmd_withdraw(mnd_cli_t *cli)
{
    return transition(cli, "withdrawn");
}
static int cmd_revoke(mnd_cli_t *cli)
{
    return transition(cli, "revoked");
}

static mnd_error_t *build_filter(mnd_cli_t *cli, mnd_mandate_filter_t *f)
{
    const char *party = mnd_cli_opt(cli, "party"), *state = mnd_cli_opt(cli, "state");
    const char *at = mnd_cli_opt(cli, "at"), *limit = mnd_cli_opt(cli, "limit");
    mnd_mandate_state_t st;
    long n = 0;
    memset(f, 0, sizeof(*f));
    f->state = -1;
    f->at = mnd_now();
    if (party)
        MND_TRY(mnd_cli_parse_party(cli, "--party", party, &f->party));
    f->service_id = mnd_cli_opt(cli, "service");
    if (state) {
        if (!mnd_mandate_state_parse(state, &st))
            return mnd_error(cli->pool, MND_EINVAL,
                             "--state '%s' is not a state: use awaiting_approval, active, "
                             "rejected, withdrawn, revoked or expired",
                             state);
        f->state = (int)st;
    }
    if (at)
        MND_TRY(mnd_cli_parse_time(cli, "--at", at, &f->at));
    if (limit)
        MND_TRY(mnd_cli_parse_uint(cli, "--limit", limit, 1000000, &n));
    f->limit = (int)n;
    return NULL;
}

static int cmd_list(mnd_cli_t *cli)
{
    mnd_mandate_filter_t f;
    apr_array_header_t *list;
    mnd_cli_table_t *t;
    mnd_error_t *err;
    int i;

    if ((err = build_filter(cli, &f)) || (err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_mandate_list(cli->store, cli->pool, &f, &list)))
        return mnd_cli_fail(cli, err);
    if (cli->json) {
        json_t *a = json_array();
        for (i = 0; i < list->nelts; i++)
            json_array_append_new(a,
                                  mandate_json(cli, APR_ARRAY_IDX(list, i, mnd_mandate_t *), f.at));
        return mnd_cli_json_print(a);
    }
    t = mnd_cli_table(cli->pool, 9, "ID", "STATE", "GIVER", "TAKER", "SERVICE", "ACTIONS", "FROM",
                      "UNTIL", "REF");
    for (i = 0; i < list->nelts; i++) {
        const mnd_mandate_t *m = APR_ARRAY_IDX(list, i, mnd_mandate_t *);
        mnd_cli_table_row(t, id_text(cli->pool, m->id),
                          mnd_mandate_state_name(mnd_mandate_effective_state(m, f.at)),
                          mnd_cli_party_id_display(cli, m->giver),
                          mnd_cli_party_id_display(cli, m->taker), m->service_id,
                          mnd_strlist_join(cli->pool, m->actions),
                          mnd_cli_time_display(cli->pool, m->valid_from),
                          mnd_cli_time_display(cli->pool, m->valid_until), m->ext_ref);
    }
    mnd_cli_table_print(t);
    return MND_CLI_EXIT_OK;
}

static void print_mandate(mnd_cli_t *cli, const mnd_mandate_t *m, const apr_array_header_t *events,
                          mnd_time_t now)
{
    apr_pool_t *p = cli->pool;
    mnd_cli_table_t *t;
    int i;
    mnd_mandate_state_t st = mnd_mandate_effective_state(m, now);

    printf("mandate:     %" APR_INT64_T_FMT "%s%s\n", m->id, m->ext_ref ? "  ref " : "",
           m->ext_ref ? m->ext_ref : "");
    printf("state:       %s", mnd_mandate_state_name(st));
    if (st == MND_MANDATE_AWAITING)
        printf(" (a mandate manager of %s must approve it)",
               mnd_cli_party_id_display(cli, awaited_party(m)));
    printf("%s%s\n", m->state_reason ? ", reason: " : "", m->state_reason ? m->state_reason : "");
    printf("giver:       %s\n", mnd_cli_party_id_display(cli, m->giver));
    printf("taker:       %s\n", mnd_cli_party_id_display(cli, m->taker));
    printf("service:     %s\n", m->service_id);
    printf("actions:     %s\n", mnd_strlist_join(p, m->actions));
    printf("valid from:  %s\n", mnd_cli_time_display(p, m->valid_from));
    printf("valid until: %s\n",
           m->valid_until == MND_TIME_NONE ? "open end" : mnd_cli_time_display(p, m->valid_until));
    printf("initiated:   %s by %s for %s\n\n", mnd_cli_time_display(p, m->created_at),
           mnd_cli_party_id_display(cli, m->initiated_by_person),
           mnd_cli_party_id_display(cli, m->initiated_by_party));
    t = mnd_cli_table(p, 5, "AT", "EVENT", "BY", "ON BEHALF OF", "REASON");
    for (i = 0; events && i < events->nelts; i++) {
        const mnd_mandate_event_t *e = APR_ARRAY_IDX(events, i, mnd_mandate_event_t *);
        mnd_cli_table_row(t, mnd_cli_time_display(p, e->at), e->event,
                          mnd_cli_party_id_display(cli, e->actor_person),
                          mnd_cli_party_id_display(cli, e->actor_party), e->reason);
    }
    mnd_cli_table_print(t);
}

static int cmd_show(mnd_cli_t *cli)
{
    apr_array_header_t *events = NULL;
    mnd_mandate_t *m;
    mnd_error_t *err;
    mnd_time_t now = mnd_now();
    int64_t id;

    if ((err = mnd_cli_parse_id(cli, "mandate", mnd_cli_arg(cli, 0), &id)) ||
        (err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_mandate_get(cli->store, cli->pool, id, &m, &events)))
        return mnd_cli_fail(cli, err);
    if (cli->json) {
        json_t *o = mandate_json(cli, m, now);
        json_object_set_new(o, "events", events_json(cli, events));
        return mnd_cli_json_print(o);
    }
    print_mandate(cli, m, events, now);
    return MND_CLI_EXIT_OK;
}

static const mnd_cli_opt_t create_opts[] = {
    {"giver", 1}, {"taker", 1}, {"service", 1}, {"actions", 1},
    {"from", 1},  {"until", 1}, {"ref", 1},     {NULL, 0},
};
static const mnd_cli_opt_t reason_opts[] = {{"reason", 1}, {NULL, 0}};
static const mnd_cli_opt_t list_opts[] = {
    {"party", 1}, {"service", 1}, {"state", 1}, {"at", 1}, {"limit", 1}, {NULL, 0},
};

#define CREATE_ARGS                                                                                \
    "--as INSZ --giver ID --taker ID --service ID --actions A,B [--from TIME] "                    \
    "[--until DATE|TIME] [--ref REF] [--json]"

const mnd_cli_cmd_t mnd_cli_cmds_mandate[] = {
    {"mandate give", cmd_give, create_opts, 0, 0, "mandate give " CREATE_ARGS},
    {"mandate request", cmd_request, create_opts, 0, 0, "mandate request " CREATE_ARGS},
    {"mandate approve", cmd_approve, NULL, 1, 1, "mandate approve --as INSZ ID [--json]"},
    {"mandate reject", cmd_reject, reason_opts, 1, 1,
     "mandate reject --as INSZ ID [--reason TEXT] [--json]"},
    {"mandate withdraw", cmd_withdraw, NULL, 1, 1, "mandate withdraw --as INSZ ID [--json]"},
    {"mandate revoke", cmd_revoke, reason_opts, 1, 1,
     "mandate revoke --as INSZ ID [--reason TEXT] [--json]"},
    {"mandate list", cmd_list, list_opts, 0, 0,
     "mandate list [--party ID] [--service ID] [--state STATE] [--at TIME] [--limit N] [--json]"},
    {"mandate show", cmd_show, NULL, 1, 1, "mandate show ID [--json]"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
