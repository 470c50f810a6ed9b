/* mandaatctl capacities: what the chooser would offer a person at a service (the core's
 * resolution, unchanged), and with --explain the near misses with what to do about each. The
 * helpdesk's first question, "why can't I act for X?", answered from the command line. */
#include "cli.h"

#include "core/resolve.h"
#include "core/service.h"
#include "util/strlist.h"

#include <apr_strings.h>

#include <stdio.h>
#include <string.h>

static const char *party_or(mnd_cli_t *cli, const mnd_party_t *party, const char *fallback)
{
    return party ? mnd_cli_party_display(cli, party) : fallback;
}

static const char *since_text(mnd_cli_t *cli, mnd_time_t t)
{
    return t == MND_TIME_NONE ? "an unknown time" : mnd_time_format(cli->pool, t);
}

static const char *mandate_text(mnd_cli_t *cli, const mnd_near_miss_t *m)
{
    return m->mandate_id ? apr_psprintf(cli->pool, "mandate %" APR_INT64_T_FMT, m->mandate_id)
                         : "the mandate";
}

/* What a helpdesk would tell the person for each reason code. */
static const char *explain(mnd_cli_t *cli, const mnd_resolution_t *res, const mnd_near_miss_t *m)
{
    apr_pool_t *p = cli->pool;
    const char *party = party_or(cli, m->party, "the party");
    const char *via = party_or(cli, m->via, "the organisation");
    switch (m->reason) {
    case MND_MISS_MANDATE_PENDING:
        return apr_psprintf(p,
                            "%s from %s awaits approval since %s: ask a mandate manager "
                            "(SSM Mandaatbeheerder or KBO legal representative) of %s to "
                            "approve it",
                            mandate_text(cli, m), party, since_text(cli, m->since),
                            mnd_cli_party_id_display(cli, m->awaiting));
    case MND_MISS_MANDATE_EXPIRED:
        return apr_psprintf(p, "%s from %s expired at %s: ask %s for a new mandate",
                            mandate_text(cli, m), party, since_text(cli, m->since), party);
    case MND_MISS_MANDATE_NOT_YET_VALID:
        return apr_psprintf(p, "%s from %s becomes valid at %s: try again then",
                            mandate_text(cli, m), party, since_text(cli, m->since));
    case MND_MISS_MANDATE_REVOKED:
        return apr_psprintf(p, "%s from %s was revoked at %s: ask %s for a new mandate",
                            mandate_text(cli, m), party, since_text(cli, m->since), party);
    case MND_MISS_MISSING_EXECUTOR_RIGHT:
        return apr_psprintf(p,
                            "%s holds %ld mandate%s for this service but you lack the "
                            "right SSM Mandaatuitvoerder there: ask the local administrator "
                            "of %s for the right SSM Mandaatuitvoerder",
                            via, m->count, m->count == 1 ? "" : "s",
                            m->via ? mnd_cli_id_display(p, m->via->id) : "it");
    case MND_MISS_KBO_FUNCTION_ENDED:
        return apr_psprintf(p,
                            "your KBO function at %s ended at %s: only a current function "
                            "in the KBO makes you its legal representative",
                            party, since_text(cli, m->since));
    case MND_MISS_ENTERPRISE_STOPPED:
        return apr_psprintf(p, "%s is stopped in the KBO: nobody can act for it",
                            m->via ? via : party);
    case MND_MISS_BASIS_NOT_ACCEPTED:
        return apr_psprintf(p, "service %s does not accept the basis '%s' (it accepts: %s)",
                            res->service->id, mnd_basis_name(m->basis),
                            mnd_bases_format(p, res->service->bases));
    case MND_MISS_LOA_TOO_LOW:
        return apr_psprintf(p,
                            "service %s needs level of assurance %d, this login has %d: "
                            "log in with a means of at least that level",
                            res->service->id, m->required_loa, res->loa);
    case MND_MISS_RIGHT_ENDED:
        return apr_psprintf(p,
                            "your service right at %s ended at %s: ask the local "
                            "administrator of %s to renew it",
                            party, since_text(cli, m->since),
                            m->party ? mnd_cli_id_display(p, m->party->id) : "it");
    case MND_MISS__N:
        break;
    }
    return "";
}

static const char *ground_text(apr_pool_t *p, const mnd_ground_t *g)
{
    const char *s = mnd_basis_name(g->basis);
    if (g->mandate_id)
        s = apr_psprintf(p, "%s:%" APR_INT64_T_FMT, s, g->mandate_id);
    else if (g->right_id)
        s = apr_psprintf(p, "%s:%" APR_INT64_T_FMT, s, g->right_id);
    if (g->via)
        s = apr_pstrcat(p, s, " via ", mnd_cli_id_display(p, g->via->id), NULL);
    return s;
}

static json_t *capacity_json(mnd_cli_t *cli, const mnd_capacity_t *c)
{
    json_t *also = json_array(), *o;
    int i;
    for (i = 0; c->also && i < c->also->nelts; i++) {
        const mnd_ground_t *g = APR_ARRAY_IDX(c->also, i, mnd_ground_t *);
        json_array_append_new(
            also, json_pack("{s:s, s:o, s:o, s:o}", "basis", mnd_basis_name(g->basis), "via",
                            g->via ? json_string(g->via->id) : json_null(), "mandate_id",
                            g->mandate_id ? json_integer(g->mandate_id) : json_null(), "right_id",
                            g->right_id ? json_integer(g->right_id) : json_null()));
    }
    o = json_object();
    json_object_set_new(o, "key", json_string(c->key));
    json_object_set_new(o, "basis", json_string(mnd_basis_name(c->basis)));
    json_object_set_new(o, "party", mnd_cli_json_party(c->party));
    json_object_set_new(o, "via", mnd_cli_json_party(c->via));
    json_object_set_new(o, "mandate_id", c->mandate_id ? json_integer(c->mandate_id) : json_null());
    json_object_set_new(o, "right_id", c->right_id ? json_integer(c->right_id) : json_null());
    json_object_set_new(o, "actions", mnd_cli_json_strlist(c->actions));
    json_object_set_new(o, "valid_until", mnd_cli_json_time(cli->pool, c->valid_until));
    json_object_set_new(o, "also", also);
    return o;
}

static json_t *miss_json(mnd_cli_t *cli, const mnd_resolution_t *res, const mnd_near_miss_t *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "reason", json_string(mnd_miss_reason_code(m->reason)));
    json_object_set_new(o, "basis", json_string(mnd_basis_name(m->basis)));
    json_object_set_new(o, "party", mnd_cli_json_party(m->party));
    json_object_set_new(o, "via", mnd_cli_json_party(m->via));
    json_object_set_new(o, "mandate_id", m->mandate_id ? json_integer(m->mandate_id) : json_null());
    json_object_set_new(o, "since", mnd_cli_json_time(cli->pool, m->since));
    json_object_set_new(o, "awaiting", mnd_cli_json_str(m->awaiting));
    if (m->reason == MND_MISS_MISSING_EXECUTOR_RIGHT)
        json_object_set_new(o, "count", json_integer(m->count));
    if (m->reason == MND_MISS_LOA_TOO_LOW)
        json_object_set_new(o, "required_loa", json_integer(m->required_loa));
    json_object_set_new(o, "explanation", json_string(explain(cli, res, m)));
    return o;
}

static int print_json(mnd_cli_t *cli, const mnd_resolution_t *res, int with_misses)
{
    json_t *caps = json_array(), *o;
    int i;
    for (i = 0; i < res->capacities->nelts; i++)
        json_array_append_new(
            caps, capacity_json(cli, APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *)));
    o = json_pack("{s:s, s:s, s:o, s:i, s:o}", "person", res->person, "service", res->service->id,
                  "at", mnd_cli_json_time(cli->pool, res->at), "loa", res->loa, "capacities", caps);
    if (with_misses) {
        json_t *misses = json_array();
        for (i = 0; i < res->near_misses->nelts; i++)
            json_array_append_new(
                misses, miss_json(cli, res, APR_ARRAY_IDX(res->near_misses, i, mnd_near_miss_t *)));
        json_object_set_new(o, "near_misses", misses);
    }
    return mnd_cli_json_print(o);
}

static void print_capacities(mnd_cli_t *cli, const mnd_resolution_t *res)
{
    apr_pool_t *p = cli->pool;
    mnd_cli_table_t *t =
        mnd_cli_table(p, 7, "BASIS", "PARTY", "VIA", "MANDATE", "ACTIONS", "VALID UNTIL", "ALSO");
    int i, j;
    for (i = 0; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, i, mnd_capacity_t *);
        const char *also = "";
        for (j = 0; c->also && j < c->also->nelts; j++)
            also = apr_pstrcat(p, also, j ? ", " : "",
                               ground_text(p, APR_ARRAY_IDX(c->also, j, mnd_ground_t *)), NULL);
        mnd_cli_table_row(
            t, mnd_basis_name(c->basis), mnd_cli_party_display(cli, c->party),
            c->via ? mnd_cli_party_display(cli, c->via) : NULL,
            c->mandate_id ? apr_psprintf(p, "%" APR_INT64_T_FMT, c->mandate_id) : NULL,
            mnd_strlist_join(p, c->actions), mnd_cli_time_display(p, c->valid_until), also);
    }
    printf("capacities of %s at %s on %s (level of assurance %d):\n",
           mnd_cli_party_id_display(cli, res->person), res->service->id,
           mnd_time_format(p, res->at), res->loa);
    mnd_cli_table_print(t);
}

static void print_misses(mnd_cli_t *cli, const mnd_resolution_t *res)
{
    int i;
    printf("\nnear misses:\n");
    if (!res->near_misses->nelts)
        puts("(none)");
    for (i = 0; i < res->near_misses->nelts; i++) {
        const mnd_near_miss_t *m = APR_ARRAY_IDX(res->near_misses, i, mnd_near_miss_t *);
        printf("- %s [%s]%s%s\n  %s\n", mnd_miss_reason_code(m->reason), mnd_basis_name(m->basis),
               m->party ? " " : "", m->party ? mnd_cli_party_display(cli, m->party) : "",
               explain(cli, res, m));
    }
}

static int cmd_capacities(mnd_cli_t *cli)
{
    const char *person, *at = mnd_cli_opt(cli, "at"), *loa = mnd_cli_opt(cli, "loa");
    mnd_resolution_t *res;
    mnd_error_t *err;
    mnd_time_t when = mnd_now();
    long level = 0;
    int explain_misses = mnd_cli_opt(cli, "explain") != NULL;

    if ((err = mnd_cli_parse_person(cli, "person", mnd_cli_arg(cli, 0), &person)) ||
        (at && (err = mnd_cli_parse_time(cli, "--at", at, &when))) ||
        (loa && (err = mnd_cli_parse_uint(cli, "--loa", loa, 10, &level))) ||
        (err = mnd_cli_open_store(cli, 0)))
        return mnd_cli_fail(cli, err);
    if (!loa) {
        /* Without --loa: a login just strong enough for the service, so that the answer is
         * about authority, not about how the person logged in. */
        mnd_service_t *svc;
        if ((err = mnd_service_get(cli->store, cli->pool, mnd_cli_arg(cli, 1), &svc)))
            return mnd_cli_fail(cli, err);
        level = svc->min_loa;
    }
    if ((err = mnd_capacities(cli->store, cli->pool, person, mnd_cli_arg(cli, 1), when, (int)level,
                              &res)))
        return mnd_cli_fail(cli, err);
    if (cli->json)
        return print_json(cli, res, explain_misses);
    print_capacities(cli, res);
    if (explain_misses)
        print_misses(cli, res);
    return MND_CLI_EXIT_OK;
}

static const mnd_cli_opt_t opts[] = {{"at", 1}, {"loa", 1}, {"explain", 0}, {NULL, 0}};

const mnd_cli_cmd_t mnd_cli_cmds_capacities[] = {
    {"capacities", cmd_capacities, opts, 2, 2,
     "capacities INSZ SERVICE [--at TIME] [--loa N] [--explain] [--json]"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
