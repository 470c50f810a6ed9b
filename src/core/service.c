/* Services (e-counters) and their action catalogues. */
#include "core/service.h"
#include "util/text.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#define SERVICE_COLS "id, name_nl, name_fr, name_de, name_en, bases, min_loa"
#define ACTION_COLS "service_id, code, label_nl, label_fr, label_de, label_en, citizen"

const mnd_sql_t mnd_sql_service[] = {
    {"service_upsert",
     "INSERT INTO service (id, name_nl, name_fr, name_de, name_en, bases, min_loa, updated_at)"
     " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
     " ON CONFLICT (id) DO UPDATE SET name_nl = excluded.name_nl, name_fr = excluded.name_fr,"
     " name_de = excluded.name_de, name_en = excluded.name_en, bases = excluded.bases,"
     " min_loa = excluded.min_loa, updated_at = excluded.updated_at",
     "INSERT INTO service (id, name_nl, name_fr, name_de, name_en, bases, min_loa, updated_at)"
     " VALUES (%s, %s, %s, %s, %s, %s, CAST(%s AS INTEGER), CAST(%s AS BIGINT))"
     " ON CONFLICT (id) DO UPDATE SET name_nl = excluded.name_nl, name_fr = excluded.name_fr,"
     " name_de = excluded.name_de, name_en = excluded.name_en, bases = excluded.bases,"
     " min_loa = excluded.min_loa, updated_at = excluded.updated_at"},
    {"service_actions_clear", "DELETE FROM service_action WHERE service_id = %s", NULL},
    {"service_action_insert",
     "INSERT INTO service_action (service_id, code, label_nl, label_fr, label_de, label_en,"
     " citizen, position) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
     "INSERT INTO service_action (service_id, code, label_nl, label_fr, label_de, label_en,"
     " citizen, position) VALUES (%s, %s, %s, %s, %s, %s, CAST(%s AS INTEGER),"
     " CAST(%s AS INTEGER))"},
    {"service_get", "SELECT " SERVICE_COLS " FROM service WHERE id = %s", NULL},
    {"service_actions_get",
     "SELECT " ACTION_COLS " FROM service_action WHERE service_id = %s ORDER BY position, code",
     NULL},
    {"service_list", "SELECT " SERVICE_COLS " FROM service ORDER BY id", NULL},
    {"service_actions_all",
     "SELECT " ACTION_COLS " FROM service_action ORDER BY service_id, position, code", NULL},
    {NULL, NULL, NULL},
};

static mnd_error_t *check_service(apr_pool_t *p, const mnd_service_t *svc)
{
    int i, j;
    if (!mnd_token_ok(svc->id, 64, "._:/-"))
        return mnd_error(p, MND_EINVAL,
                         "service id '%s' must be 1-64 characters of letters, digits and ._:/-",
                         svc->id ? svc->id : "");
    if ((svc->bases & MND_BASES_ALL) == 0 || (svc->bases & ~MND_BASES_ALL))
        return mnd_error(p, MND_EINVAL, "service %s must accept at least one basis", svc->id);
    if (svc->min_loa < 0 || svc->min_loa > 10)
        return mnd_error(p, MND_EINVAL, "service %s: level of assurance %d is out of range 0-10",
                         svc->id, svc->min_loa);
    for (i = 0; svc->actions && i < svc->actions->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(svc->actions, i, mnd_action_t);
        if (!mnd_token_ok(a->code, 64, "._-"))
            return mnd_error(p, MND_EINVAL,
                             "service %s: action code '%s' must be 1-64 characters of letters, "
                             "digits and ._-",
                             svc->id, a->code ? a->code : "");
        for (j = 0; j < i; j++)
            if (strcmp(APR_ARRAY_IDX(svc->actions, j, mnd_action_t).code, a->code) == 0)
                return mnd_error(p, MND_EINVAL, "service %s: action '%s' is listed twice",
                                 svc->id, a->code);
    }
    return NULL;
}

mnd_error_t *mnd_service_put(mnd_store_t *s, apr_pool_t *p, const mnd_service_t *svc,
                             mnd_time_t now)
{
    mnd_error_t *err;
    int i;
    MND_TRY(check_service(p, svc));
    MND_TRY(mnd_store_begin(s));
    err = mnd_store_exec(s, p, "service_upsert", NULL,
                         MND_ARGV(svc->id, svc->name[0], svc->name[1], svc->name[2],
                                  svc->name[3], mnd_bases_format(p, svc->bases),
                                  apr_itoa(p, svc->min_loa), mnd_time_arg(p, now)));
    if (!err)
        err = mnd_store_exec(s, p, "service_actions_clear", NULL, MND_ARGV(svc->id));
    for (i = 0; !err && svc->actions && i < svc->actions->nelts; i++) {
        const mnd_action_t *a = &APR_ARRAY_IDX(svc->actions, i, mnd_action_t);
        err = mnd_store_exec(s, p, "service_action_insert", NULL,
                             MND_ARGV(svc->id, a->code, a->label[0], a->label[1], a->label[2],
                                      a->label[3], a->citizen ? "1" : "0", apr_itoa(p, i)));
    }
    if (err) {
        mnd_store_rollback(s);
        return err;
    }
    return mnd_store_commit(s);
}

static const char *dup_nonempty_or_null(apr_pool_t *p, const char *s)
{
    return s && *s ? apr_pstrdup(p, s) : NULL;
}

static mnd_service_t *service_from_cols(apr_pool_t *p, const char *const *cols)
{
    mnd_service_t *svc = apr_pcalloc(p, sizeof(*svc));
    int i;
    svc->id = apr_pstrdup(p, cols[0]);
    for (i = 0; i < MND_LANG__N; i++)
        svc->name[i] = dup_nonempty_or_null(p, cols[1 + i]);
    /* Stored values were validated on the way in; an unknown word is ignored here. */
    if (mnd_bases_parse(p, cols[5], &svc->bases))
        svc->bases = 0;
    svc->min_loa = cols[6] ? atoi(cols[6]) : 0;
    svc->actions = apr_array_make(p, 8, sizeof(mnd_action_t));
    return svc;
}

static void action_from_cols(apr_pool_t *p, mnd_service_t *svc, const char *const *cols)
{
    mnd_action_t *a = apr_array_push(svc->actions);
    int i;
    a->code = apr_pstrdup(p, cols[1]);
    for (i = 0; i < MND_LANG__N; i++)
        a->label[i] = dup_nonempty_or_null(p, cols[2 + i]);
    a->citizen = cols[6] && atoi(cols[6]) != 0;
}

static mnd_error_t *one_action(void *baton, apr_pool_t *p, const char *const *cols, int ncols)
{
    action_from_cols(p, baton, cols);
    return NULL;
}

mnd_error_t *mnd_service_get(mnd_store_t *s, apr_pool_t *p, const char *id,
                             mnd_service_t **out)
{
    int found = 0;
    const char **cols = NULL;
    mnd_service_t *svc;
    MND_TRY(mnd_store_query_one(s, p, "service_get", MND_ARGV(id), &found, &cols, NULL));
    if (!found)
        return mnd_error(p, MND_ENOTFOUND, "service '%s' is not known", id);
    svc = service_from_cols(p, cols);
    MND_TRY(mnd_store_query(s, p, "service_actions_get", MND_ARGV(id), one_action, svc));
    *out = svc;
    return NULL;
}

static mnd_error_t *list_service(void *baton, apr_pool_t *p, const char *const *cols, int n)
{
    *(mnd_service_t **)apr_array_push(baton) = service_from_cols(p, cols);
    return NULL;
}

static mnd_error_t *list_action(void *baton, apr_pool_t *p, const char *const *cols, int n)
{
    apr_array_header_t *list = baton;
    int i;
    for (i = 0; i < list->nelts; i++) {
        mnd_service_t *svc = APR_ARRAY_IDX(list, i, mnd_service_t *);
        if (strcmp(svc->id, cols[0]) == 0) {
            action_from_cols(p, svc, cols);
            break;
        }
    }
    return NULL;
}

mnd_error_t *mnd_service_list(mnd_store_t *s, apr_pool_t *p, apr_array_header_t **out)
{
    *out = apr_array_make(p, 8, sizeof(mnd_service_t *));
    MND_TRY(mnd_store_query(s, p, "service_list", 0, NULL, list_service, *out));
    return mnd_store_query(s, p, "service_actions_all", 0, NULL, list_action, *out);
}

int mnd_service_has_action(const mnd_service_t *svc, const char *code)
{
    int i;
    for (i = 0; svc->actions && i < svc->actions->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(svc->actions, i, mnd_action_t).code, code) == 0)
            return 1;
    return 0;
}

mnd_error_t *mnd_service_check_actions(apr_pool_t *p, const mnd_service_t *svc,
                                       const apr_array_header_t *actions)
{
    int i;
    if (!actions || actions->nelts == 0)
        return mnd_error(p, MND_EINVAL, "at least one action of service %s is needed", svc->id);
    for (i = 0; i < actions->nelts; i++) {
        const char *code = APR_ARRAY_IDX(actions, i, const char *);
        int j;
        if (!mnd_service_has_action(svc, code))
            return mnd_error(p, MND_EINVAL, "action '%s' is not in the catalogue of service %s",
                             code, svc->id);
        for (j = 0; j < i; j++)
            if (strcmp(APR_ARRAY_IDX(actions, j, const char *), code) == 0)
                return mnd_error(p, MND_EINVAL, "action '%s' is listed twice", code);
    }
    return NULL;
}
