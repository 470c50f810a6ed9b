/* mandaatctl service add|list|show: the e-counters, the bases they accept and their action
 * catalogues. Services are configuration, so these are operator commands. */
#include "cli.h"

#include "core/service.h"
#include "util/strlist.h"

#include <apr_strings.h>

#include <stdio.h>
#include <string.h>

/* Find the catalogue entry for code (NULL if none). */
static mnd_action_t *find_action(apr_array_header_t *actions, const char *code)
{
    int i;
    for (i = 0; i < actions->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(actions, i, mnd_action_t).code, code) == 0)
            return &APR_ARRAY_IDX(actions, i, mnd_action_t);
    return NULL;
}

/* --action CODE[:LABEL_NL][:citizen|:no-citizen]. The flag is recognised only as the last
 * field, so a Dutch label may itself contain colons. */
static mnd_error_t *parse_action(mnd_cli_t *cli, const char *spec, mnd_action_t *a)
{
    apr_pool_t *p = cli->pool;
    char *copy = apr_pstrdup(p, spec), *colon = strchr(copy, ':'), *last;
    memset(a, 0, sizeof(*a));
    a->citizen = 1;
    if (colon)
        *colon = '\0';
    a->code = copy;
    if (!*copy)
        return mnd_error(p, MND_EINVAL, "--action '%s' has no code: use CODE[:LABEL][:citizen]",
                         spec);
    if (!colon)
        return NULL;
    last = strrchr(colon + 1, ':');
    {
        char *flag = last ? last + 1 : colon + 1;
        if (strcmp(flag, "citizen") == 0 || strcmp(flag, "no-citizen") == 0) {
            a->citizen = strcmp(flag, "citizen") == 0;
            flag[-1] = '\0';
            if (flag - 1 == colon)
                return NULL; /* CODE:citizen, no label */
        }
    }
    if (colon[1])
        a->label[MND_LANG_NL] = colon + 1;
    return NULL;
}

/* --action-label CODE:LANG:TEXT adds a label in another language. */
static mnd_error_t *apply_label(mnd_cli_t *cli, apr_array_header_t *actions, const char *spec)
{
    apr_pool_t *p = cli->pool;
    char *copy = apr_pstrdup(p, spec), *c1 = strchr(copy, ':'), *c2;
    mnd_action_t *a;
    mnd_lang_t l;
    if (!c1 || !(c2 = strchr(c1 + 1, ':')))
        return mnd_error(p, MND_EINVAL, "--action-label '%s': use CODE:LANG:TEXT", spec);
    *c1 = *c2 = '\0';
    if (!mnd_lang_parse(c1 + 1, &l))
        return mnd_error(p, MND_EINVAL,
                         "--action-label '%s': language '%s' is not nl, fr, de "
                         "or en",
                         spec, c1 + 1);
    if (!(a = find_action(actions, copy)))
        return mnd_error(p, MND_EINVAL, "--action-label '%s': no --action '%s'", spec, copy);
    a->label[l] = c2 + 1;
    return NULL;
}

static mnd_error_t *build_service(mnd_cli_t *cli, mnd_service_t *svc)
{
    apr_pool_t *p = cli->pool;
    apr_array_header_t *specs = mnd_cli_opt_all(cli, "action");
    apr_array_header_t *labels = mnd_cli_opt_all(cli, "action-label");
    const char *loa = mnd_cli_opt(cli, "min-loa");
    long v = 0;
    int i, l;

    memset(svc, 0, sizeof(*svc));
    svc->id = mnd_cli_arg(cli, 0);
    for (l = 0; l < MND_LANG__N; l++)
        svc->name[l] = mnd_cli_opt(cli, apr_pstrcat(p, "name-", mnd_lang_code(l), NULL));
    MND_TRY(mnd_bases_parse(p, mnd_cli_opt(cli, "bases"), &svc->bases));
    if (loa)
        MND_TRY(mnd_cli_parse_uint(cli, "--min-loa", loa, 100, &v));
    svc->min_loa = (int)v;
    svc->actions = apr_array_make(p, specs->nelts, sizeof(mnd_action_t));
    for (i = 0; i < specs->nelts; i++) {
        mnd_action_t a;
        MND_TRY(parse_action(cli, APR_ARRAY_IDX(specs, i, const char *), &a));
        if (find_action(svc->actions, a.code))
            return mnd_error(p, MND_EINVAL, "--action '%s' is given twice", a.code);
        APR_ARRAY_PUSH(svc->actions, mnd_action_t) = a;
    }
    for (i = 0; i < labels->nelts; i++)
        MND_TRY(apply_label(cli, svc->actions, APR_ARRAY_IDX(labels, i, const char *)));
    return NULL;
}

static int cmd_add(mnd_cli_t *cli)
{
    mnd_service_t svc;
    mnd_error_t *err;
    int rc;

    if ((rc = mnd_cli_operator_only(cli)))
        return rc;
    if (!mnd_cli_opt(cli, "bases"))
        return mnd_cli_usage(cli, "--bases is required (some of: self kbo right mandate)");
    if ((err = build_service(cli, &svc)) || (err = mnd_cli_open_store(cli, 0)))
        return mnd_cli_fail(cli, err);
    /* The service and its audit record land together or not at all. */
    if ((err = mnd_store_begin(cli->store)))
        return mnd_cli_fail(cli, err);
    err = mnd_service_put(cli->store, cli->pool, &svc, mnd_now());
    if (!err)
        err = mnd_cli_audit_operator(cli, "service.put", NULL, svc.id,
                                     apr_psprintf(cli->pool, "bases=%s min_loa=%d actions=%d",
                                                  mnd_bases_format(cli->pool, svc.bases),
                                                  svc.min_loa, svc.actions->nelts));
    if (err) {
        mnd_store_rollback(cli->store);
        return mnd_cli_fail(cli, err);
    }
    if ((err = mnd_store_commit(cli->store)))
        return mnd_cli_fail(cli, err);
    printf("service %s saved: bases %s, minimum level of assurance %d, %d action%s\n", svc.id,
           mnd_bases_format(cli->pool, svc.bases), svc.min_loa, svc.actions->nelts,
           svc.actions->nelts == 1 ? "" : "s");
    return MND_CLI_EXIT_OK;
}

static json_t *bases_json(unsigned mask)
{
    json_t *a = json_array();
    int b;
    for (b = 0; b < MND_BASIS__N; b++)
        if (mask & MND_BASIS_BIT(b))
            json_array_append_new(a, json_string(mnd_basis_name((mnd_basis_t)b)));
    return a;
}

static json_t *service_json(const mnd_service_t *svc)
{
    json_t *actions = json_array();
    int i;
    for (i = 0; svc->actions && i < svc->actions->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(svc->actions, i, mnd_action_t);
        json_array_append_new(actions,
                              json_pack("{s:s, s:o, s:b}", "code", a->code, "labels",
                                        mnd_cli_json_names(a->label), "citizen", a->citizen));
    }
    return json_pack("{s:s, s:o, s:o, s:i, s:o}", "id", svc->id, "names",
                     mnd_cli_json_names(svc->name), "bases", bases_json(svc->bases), "min_loa",
                     svc->min_loa, "actions", actions);
}

static const char *action_codes(apr_pool_t *p, const mnd_service_t *svc)
{
    const char *out = "";
    int i;
    for (i = 0; svc->actions && i < svc->actions->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(svc->actions, i, mnd_action_t);
        out = apr_pstrcat(p, out, i ? " " : "", a->code, a->citizen ? "" : "*", NULL);
    }
    return out;
}

static int cmd_list(mnd_cli_t *cli)
{
    apr_array_header_t *list;
    mnd_cli_table_t *t;
    mnd_error_t *err;
    int i;

    if ((err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_service_list(cli->store, cli->pool, &list)))
        return mnd_cli_fail(cli, err);
    if (cli->json) {
        json_t *a = json_array();
        for (i = 0; i < list->nelts; i++)
            json_array_append_new(a, service_json(APR_ARRAY_IDX(list, i, mnd_service_t *)));
        return mnd_cli_json_print(a);
    }
    t = mnd_cli_table(cli->pool, 5, "ID", "NAME", "BASES", "MIN LOA",
                      "ACTIONS (* not for citizens)");
    for (i = 0; i < list->nelts; i++) {
        const mnd_service_t *svc = APR_ARRAY_IDX(list, i, mnd_service_t *);
        mnd_cli_table_row(t, svc->id, mnd_name_pick(svc->name, MND_LANG_NL, NULL),
                          mnd_bases_format(cli->pool, svc->bases),
                          apr_itoa(cli->pool, svc->min_loa), action_codes(cli->pool, svc));
    }
    mnd_cli_table_print(t);
    return MND_CLI_EXIT_OK;
}

static int cmd_show(mnd_cli_t *cli)
{
    mnd_service_t *svc;
    mnd_cli_table_t *t;
    mnd_error_t *err;
    int i, l;

    if ((err = mnd_cli_open_store(cli, 0)) ||
        (err = mnd_service_get(cli->store, cli->pool, mnd_cli_arg(cli, 0), &svc)))
        return mnd_cli_fail(cli, err);
    if (cli->json)
        return mnd_cli_json_print(service_json(svc));
    printf("service:    %s\n", svc->id);
    for (l = 0; l < MND_LANG__N; l++)
        if (svc->name[l])
            printf("name (%s):  %s\n", mnd_lang_code(l), svc->name[l]);
    printf("bases:      %s\n", mnd_bases_format(cli->pool, svc->bases));
    printf("min LoA:    %d\n\n", svc->min_loa);
    t = mnd_cli_table(cli->pool, 6, "ACTION", "CITIZEN", "LABEL NL", "LABEL FR", "LABEL DE",
                      "LABEL EN");
    for (i = 0; i < svc->actions->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(svc->actions, i, mnd_action_t);
        mnd_cli_table_row(t, a->code, a->citizen ? "yes" : "no", a->label[MND_LANG_NL],
                          a->label[MND_LANG_FR], a->label[MND_LANG_DE], a->label[MND_LANG_EN]);
    }
    mnd_cli_table_print(t);
    return MND_CLI_EXIT_OK;
}

static const mnd_cli_opt_t add_opts[] = {
    {"name-nl", 1}, {"name-fr", 1}, {"name-de", 1},      {"name-en", 1}, {"bases", 1},
    {"min-loa", 1}, {"action", 1},  {"action-label", 1}, {NULL, 0},
};

const mnd_cli_cmd_t mnd_cli_cmds_service[] = {
    {"service add", cmd_add, add_opts, 1, 1,
     "service add ID --bases \"self kbo right mandate\" [--name-nl NAME] [--name-fr NAME] "
     "[--name-de NAME] [--name-en NAME] [--min-loa N] --action "
     "CODE[:LABEL_NL][:citizen|:no-citizen]"
     "... [--action-label CODE:LANG:TEXT]..."},
    {"service list", cmd_list, NULL, 0, 0, "service list [--json]"},
    {"service show", cmd_show, NULL, 1, 1, "service show ID [--json]"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
