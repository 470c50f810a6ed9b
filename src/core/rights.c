/* User management: granting and revoking the rights of a person in an organisation, with the
 * chain of authority of the Flemish Gebruikersbeheer (docs/lifecycle.md): the KBO legal
 * representative (or the operator, to bootstrap) appoints the hoofdtoegangsbeheerder, who
 * appoints local administrators, who grant the SSM and service rights. Whether someone holds a
 * right is decided by core/authority.c; this file changes rights and explains refusals. */
#include "core/rights.h"

#include "core/audit.h"
#include "core/authority.h"
#include "core/party.h"
#include "core/service.h"
#include "util/strlist.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#define RIGHT_COLS                                                                                 \
    "id, person, org, kind, service_id, actions, valid_from, valid_until, granted_by,"             \
    " granted_at, revoked_by, revoked_at"
#define RIGHT_NCOLS 12

const mnd_sql_t mnd_sql_rights[] = {
    {"rights_insert",
     "INSERT INTO user_right (person, org, kind, service_id, actions, valid_from, valid_until,"
     " granted_by, granted_at) VALUES (%s, %s, %s, %s, %s, CAST(%s AS BIGINT),"
     " CAST(%s AS BIGINT), %s, CAST(%s AS BIGINT)) RETURNING id",
     NULL},
    {"rights_by_id", "SELECT " RIGHT_COLS " FROM user_right WHERE id = CAST(%s AS BIGINT)", NULL},
    /* A live right of the same kind whose period overlaps [from, until). Arguments: person,
     * org, kind, service, from, until, until. */
    {"rights_overlapping",
     "SELECT " RIGHT_COLS " FROM user_right WHERE person = %s AND org = %s AND kind = %s"
     " AND COALESCE(service_id, '') = COALESCE(CAST(%s AS TEXT), '') AND revoked_at IS NULL"
     " AND (valid_until IS NULL OR valid_until > CAST(%s AS BIGINT))"
     " AND (CAST(%s AS BIGINT) IS NULL OR valid_from < CAST(%s AS BIGINT)) ORDER BY id",
     NULL},
    /* Only a live right changes, so two concurrent revocations cannot both succeed. */
    {"rights_revoke",
     "UPDATE user_right SET revoked_by = %s, revoked_at = CAST(%s AS BIGINT)"
     " WHERE id = CAST(%s AS BIGINT) AND revoked_at IS NULL",
     NULL},
    /* Arguments: person x2, org x2, include_ended, t x3. */
    {"rights_list",
     "SELECT " RIGHT_COLS " FROM user_right"
     " WHERE (CAST(%s AS TEXT) IS NULL OR person = %s) AND (CAST(%s AS TEXT) IS NULL OR org = %s)"
     " AND (CAST(%s AS INTEGER) = 1 OR ((revoked_at IS NULL OR revoked_at > CAST(%s AS BIGINT))"
     " AND valid_from <= CAST(%s AS BIGINT)"
     " AND (valid_until IS NULL OR valid_until > CAST(%s AS BIGINT)))) ORDER BY id",
     NULL},
    {NULL, NULL, NULL},
};

/* ---- reading ---- */

static mnd_right_t *right_from_cols(apr_pool_t *p, const char *const *c)
{
    mnd_right_t *r = apr_pcalloc(p, sizeof(*r));
    mnd_right_kind_t k = MND_RIGHT_SERVICE;
    r->id = strtoll(c[0], NULL, 10);
    r->person = mnd_pstrdup_opt(p, c[1]);
    r->org = mnd_pstrdup_opt(p, c[2]);
    mnd_right_kind_parse(c[3], &k);
    r->kind = k;
    r->service_id = mnd_pstrdup_opt(p, c[4]);
    r->actions = c[5] ? mnd_strlist_split(p, c[5]) : NULL;
    r->valid_from = mnd_time_from_col(c[6]);
    r->valid_until = mnd_time_from_col(c[7]);
    r->granted_by = mnd_pstrdup_opt(p, c[8]);
    r->granted_at = mnd_time_from_col(c[9]);
    r->revoked_by = mnd_pstrdup_opt(p, c[10]);
    r->revoked_at = mnd_time_from_col(c[11]);
    return r;
}

static mnd_error_t *collect_right(void *baton, apr_pool_t *p, const char *const *cols, int ncols)
{
    apr_array_header_t *out = baton;
    if (ncols < RIGHT_NCOLS)
        return mnd_error(p, MND_EINTERNAL, "user_right row has %d columns", ncols);
    APR_ARRAY_PUSH(out, mnd_right_t *) = right_from_cols(out->pool, cols);
    return NULL;
}

mnd_error_t *mnd_right_get(mnd_store_t *s, apr_pool_t *p, int64_t id, mnd_right_t **out)
{
    apr_array_header_t *rows = apr_array_make(p, 1, sizeof(mnd_right_t *));
    MND_TRY(mnd_store_query(s, p, "rights_by_id",
                            MND_ARGV(apr_psprintf(p, "%" APR_INT64_T_FMT, id)), collect_right,
                            rows));
    if (rows->nelts == 0)
        return mnd_error(p, MND_ENOTFOUND, "right %" APR_INT64_T_FMT " does not exist", id);
    *out = APR_ARRAY_IDX(rows, 0, mnd_right_t *);
    return NULL;
}

mnd_error_t *mnd_right_list(mnd_store_t *s, apr_pool_t *p, const char *person, const char *org,
                            mnd_time_t t, int include_ended, apr_array_header_t **out)
{
    char pbuf[MND_INSZ_LEN + 1], obuf[MND_KBO_LEN + 1];
    const char *ts;

    if (person) {
        MND_TRY(mnd_error_wrap(p, mnd_insz_parse(p, person, pbuf), "person filter"));
        person = pbuf;
    }
    if (org) {
        MND_TRY(mnd_error_wrap(p, mnd_kbo_parse(p, org, obuf), "organisation filter"));
        org = obuf;
    }
    ts = mnd_time_arg(p, t == MND_TIME_NONE ? mnd_now() : t);
    *out = apr_array_make(p, 8, sizeof(mnd_right_t *));
    return mnd_store_query(
        s, p, "rights_list",
        MND_ARGV(person, person, org, org, include_ended ? "1" : "0", ts, ts, ts), collect_right,
        *out);
}

/* ---- who may grant what ---- */

/* An actor is a person (INSZ) or "operator:<name>"; *is_operator tells which. */
static mnd_error_t *parse_actor(apr_pool_t *p, const char *actor, const char **out,
                                int *is_operator)
{
    const size_t plen = sizeof(MND_ACTOR_OPERATOR_PREFIX) - 1;
    char buf[MND_INSZ_LEN + 1];

    *is_operator = 0;
    if (!actor || !*actor)
        return mnd_error(p, MND_EINVAL,
                         "no actor: changing a right needs the acting person's "
                         "INSZ or operator:<name>");
    if (strncmp(actor, MND_ACTOR_OPERATOR_PREFIX, plen) == 0) {
        const char *c;
        if (!actor[plen] || strlen(actor + plen) > 64)
            return mnd_error(p, MND_EINVAL,
                             "operator actor '%s' needs a name of 1-64 "
                             "characters after 'operator:'",
                             actor);
        for (c = actor + plen; *c; c++)
            if (!apr_isalnum(*c) && !strchr("._@-", *c))
                return mnd_error(p, MND_EINVAL,
                                 "operator name '%s' may only contain letters, "
                                 "digits and . _ @ -",
                                 actor + plen);
        *is_operator = 1;
        *out = actor;
        return NULL;
    }
    MND_TRY(mnd_error_wrap(p, mnd_insz_parse(p, actor, buf), "actor"));
    *out = apr_pstrdup(p, buf);
    return NULL;
}

typedef struct need_t {
    mnd_right_kind_t a, b; /* rights that give the authority (b == a if only one) */
    int kbo_rep;           /* being the KBO legal representative gives it instead */
} need_t;

/* The authority needed to grant or revoke kind, following rights.h. */
static need_t needed(mnd_right_kind_t kind)
{
    need_t n = {MND_RIGHT_HTB, MND_RIGHT_HTB, 0};
    if (kind == MND_RIGHT_HTB)
        n.kbo_rep = 1;
    else if (kind != MND_RIGHT_LOCAL_ADMIN)
        n.a = MND_RIGHT_LOCAL_ADMIN;
    return n;
}

static mnd_error_t *authorise(mnd_store_t *s, apr_pool_t *p, const char *actor, int is_operator,
                              const char *org, mnd_right_kind_t kind, const char *doing,
                              mnd_time_t now)
{
    need_t n = needed(kind);
    const char *at = mnd_kbo_format(p, org), *who;
    int yes = 0;

    if (is_operator) {
        if (kind == MND_RIGHT_HTB)
            return NULL;
        return mnd_error(p, MND_EFORBIDDEN,
                         "refused: %s at %s needs %s there; an operator (%s) "
                         "can only appoint a Hoofdtoegangsbeheerder, to bootstrap an "
                         "organisation",
                         doing, at,
                         n.a == n.b ? mnd_right_kind_label(n.a)
                                    : "Lokale beheerder or Hoofdtoegangsbeheerder",
                         actor);
    }
    if (n.kbo_rep)
        MND_TRY(mnd_authority_is_kbo_rep(s, p, actor, org, now, &yes));
    else
        MND_TRY(mnd_authority_holds(s, p, actor, org, n.a, now, &yes));
    if (!yes && !n.kbo_rep && n.b != n.a)
        MND_TRY(mnd_authority_holds(s, p, actor, org, n.b, now, &yes));
    if (yes)
        return NULL;
    who = mnd_insz_mask(p, actor);
    if (n.kbo_rep)
        return mnd_error(p, MND_EFORBIDDEN,
                         "refused: %s at %s needs being its legal "
                         "representative in the KBO (or an operator bootstrapping the "
                         "organisation); %s is not",
                         doing, at, who);
    if (n.a == n.b)
        return mnd_error(p, MND_EFORBIDDEN,
                         "refused: %s at %s needs %s at %s; %s does not hold "
                         "it",
                         doing, at, mnd_right_kind_label(n.a), at, who);
    return mnd_error(p, MND_EFORBIDDEN,
                     "refused: %s at %s needs Lokale beheerder or "
                     "Hoofdtoegangsbeheerder at %s; %s holds neither",
                     doing, at, at, who);
}

static const char *doing_phrase(apr_pool_t *p, const char *verb, const mnd_right_t *r)
{
    if (r->kind == MND_RIGHT_SERVICE)
        return apr_psprintf(p, "%s a service right for %s", verb, r->service_id);
    return apr_psprintf(p, "%s %s", verb, mnd_right_kind_label(r->kind));
}

/* ---- granting ---- */

/* Input checks that need no store; n gets the normalised right. */
static mnd_error_t *check_input(apr_pool_t *p, const mnd_right_t *r, mnd_time_t now, mnd_right_t *n)
{
    char pbuf[MND_INSZ_LEN + 1], obuf[MND_KBO_LEN + 1];

    if ((unsigned)r->kind >= MND_RIGHT__N)
        return mnd_error(p, MND_EINVAL, "right kind %d is not a right of user management",
                         (int)r->kind);
    n->kind = r->kind;
    if (!r->person || !*r->person)
        return mnd_error(p, MND_EINVAL, "a right needs the holder's INSZ");
    MND_TRY(mnd_error_wrap(p, mnd_insz_parse(p, r->person, pbuf), "right holder"));
    n->person = apr_pstrdup(p, pbuf);
    if (!r->org || !*r->org)
        return mnd_error(p, MND_EINVAL, "a right needs the organisation's KBO number");
    MND_TRY(mnd_error_wrap(p, mnd_kbo_parse(p, r->org, obuf), "organisation of the right"));
    n->org = apr_pstrdup(p, obuf);
    if (r->kind == MND_RIGHT_SERVICE && (!r->service_id || !*r->service_id))
        return mnd_error(p, MND_EINVAL, "a service right needs a service");
    if (r->kind != MND_RIGHT_SERVICE && (r->service_id || r->actions))
        return mnd_error(p, MND_EINVAL,
                         "%s is not a service right: it takes no service or "
                         "actions",
                         mnd_right_kind_label(r->kind));
    n->service_id = r->service_id;
    n->valid_from = r->valid_from == MND_TIME_NONE ? now : r->valid_from;
    n->valid_until = r->valid_until;
    if (n->valid_until != MND_TIME_NONE && n->valid_until <= n->valid_from)
        return mnd_error(p, MND_EINVAL, "valid_until %s is not after valid_from %s",
                         mnd_time_format(p, n->valid_until), mnd_time_format(p, n->valid_from));
    if (n->valid_until != MND_TIME_NONE && n->valid_until <= now)
        return mnd_error(p, MND_EINVAL,
                         "valid_until %s has already passed: a right must end in "
                         "the future",
                         mnd_time_format(p, n->valid_until));
    return NULL;
}

/* The organisation must be known and active; a service right's service and actions must
 * exist (actions NULL = every action of the service, now and later). */
static mnd_error_t *check_store(mnd_store_t *s, apr_pool_t *p, const mnd_right_t *r, mnd_right_t *n)
{
    mnd_party_t *org = NULL;
    mnd_service_t *svc;
    mnd_error_t *err = mnd_party_get(s, p, n->org, &org);

    if (err && err->rc == MND_ENOTFOUND)
        return mnd_error(p, MND_ENOTFOUND, "enterprise %s is not known: import KBO data first",
                         mnd_kbo_format(p, n->org));
    MND_TRY(err);
    if (org->kind != MND_PARTY_ORG)
        return mnd_error(p, MND_EINVAL, "%s is not an organisation", n->org);
    if (!org->active)
        return mnd_error(p, MND_ECONFLICT,
                         "enterprise %s is stopped: no rights can be granted "
                         "there",
                         mnd_kbo_format(p, n->org));
    if (n->kind != MND_RIGHT_SERVICE)
        return NULL;
    MND_TRY(mnd_service_get(s, p, n->service_id, &svc));
    if (r->actions) {
        MND_TRY(mnd_service_check_actions(p, svc, r->actions));
        n->actions = apr_array_make(p, r->actions->nelts, sizeof(const char *));
        mnd_strlist_union(n->actions, r->actions);
    }
    return NULL;
}

static mnd_error_t *check_duplicate(mnd_store_t *s, apr_pool_t *p, const mnd_right_t *n)
{
    apr_array_header_t *rows = apr_array_make(p, 1, sizeof(mnd_right_t *));
    const char *until = mnd_time_arg(p, n->valid_until);
    const mnd_right_t *old;

    MND_TRY(mnd_store_query(s, p, "rights_overlapping",
                            MND_ARGV(n->person, n->org, mnd_right_kind_name(n->kind), n->service_id,
                                     mnd_time_arg(p, n->valid_from), until, until),
                            collect_right, rows));
    if (rows->nelts == 0)
        return NULL;
    old = APR_ARRAY_IDX(rows, 0, mnd_right_t *);
    return mnd_error(p, MND_ECONFLICT,
                     "%s already holds %s%s%s at %s (right %" APR_INT64_T_FMT
                     ", valid [%s, %s)): revoke it first to change it",
                     mnd_insz_mask(p, n->person), mnd_right_kind_label(n->kind),
                     n->service_id ? " for " : "", n->service_id ? n->service_id : "",
                     mnd_kbo_format(p, n->org), old->id, mnd_time_format(p, old->valid_from),
                     mnd_time_format(p, old->valid_until));
}

static mnd_error_t *audit_right(mnd_store_t *s, apr_pool_t *p, const char *event, const char *actor,
                                const mnd_right_t *r, mnd_time_t now)
{
    mnd_audit_t a;
    memset(&a, 0, sizeof(a));
    a.at = now;
    a.event = event;
    a.actor = actor;
    a.party = r->org;
    a.service_id = r->service_id;
    a.actions = r->actions ? mnd_strlist_join(p, r->actions) : NULL;
    a.detail = apr_psprintf(p, "right %" APR_INT64_T_FMT ": %s for %s, valid [%s, %s)", r->id,
                            mnd_right_kind_name(r->kind), r->person,
                            mnd_time_format(p, r->valid_from), mnd_time_format(p, r->valid_until));
    return mnd_audit_write(s, p, &a);
}

static mnd_error_t *grant_in_txn(mnd_store_t *s, apr_pool_t *p, const char *actor, int is_operator,
                                 const mnd_right_t *r, mnd_right_t *n, mnd_time_t now)
{
    MND_TRY(check_store(s, p, r, n));
    MND_TRY(
        authorise(s, p, actor, is_operator, n->org, n->kind, doing_phrase(p, "granting", n), now));
    MND_TRY(check_duplicate(s, p, n));
    MND_TRY(mnd_party_ensure_person(s, p, n->person, now));
    MND_TRY(
        mnd_store_insert_id(s, p, "rights_insert",
                            MND_ARGV(n->person, n->org, mnd_right_kind_name(n->kind), n->service_id,
                                     n->actions ? mnd_strlist_join(p, n->actions) : NULL,
                                     mnd_time_arg(p, n->valid_from),
                                     mnd_time_arg(p, n->valid_until), actor, mnd_time_arg(p, now)),
                            &n->id));
    n->granted_by = actor;
    n->granted_at = now;
    return audit_right(s, p, "right.grant", actor, n, now);
}

mnd_error_t *mnd_right_grant(mnd_store_t *s, apr_pool_t *p, const char *actor, const mnd_right_t *r,
                             mnd_time_t now, int64_t *id)
{
    mnd_right_t *n = apr_pcalloc(p, sizeof(*n));
    mnd_error_t *err;
    int is_operator;

    if (!r)
        return mnd_error(p, MND_EINVAL, "no right given");
    MND_TRY(parse_actor(p, actor, &actor, &is_operator));
    MND_TRY(check_input(p, r, now, n));
    n->revoked_at = MND_TIME_NONE;
    MND_TRY(mnd_store_begin(s));
    err = grant_in_txn(s, p, actor, is_operator, r, n, now);
    if (err) {
        mnd_store_rollback(s);
        return err;
    }
    MND_TRY(mnd_store_commit(s));
    if (id)
        *id = n->id;
    return NULL;
}

/* ---- revoking ---- */

static mnd_error_t *revoke_in_txn(mnd_store_t *s, apr_pool_t *p, const char *actor, int is_operator,
                                  int64_t id, mnd_time_t now)
{
    mnd_right_t *r;
    int n = 0;

    MND_TRY(mnd_right_get(s, p, id, &r));
    MND_TRY(
        authorise(s, p, actor, is_operator, r->org, r->kind, doing_phrase(p, "revoking", r), now));
    if (r->revoked_by)
        return mnd_error(p, MND_ECONFLICT,
                         "right %" APR_INT64_T_FMT " was already revoked at "
                         "%s by %s",
                         id, mnd_time_format(p, r->revoked_at),
                         strlen(r->revoked_by) == MND_INSZ_LEN ? mnd_insz_mask(p, r->revoked_by)
                                                               : r->revoked_by);
    /* Like an expired mandate: a right that has ended has nothing left to revoke. */
    if (r->valid_until != MND_TIME_NONE && r->valid_until <= now)
        return mnd_error(p, MND_ECONFLICT,
                         "right %" APR_INT64_T_FMT " ended at %s: an ended "
                         "right cannot be revoked",
                         id, mnd_time_format(p, r->valid_until));
    MND_TRY(mnd_store_exec(
        s, p, "rights_revoke", &n,
        MND_ARGV(actor, mnd_time_arg(p, now), apr_psprintf(p, "%" APR_INT64_T_FMT, id))));
    if (n != 1)
        return mnd_error(p, MND_ECONFLICT, "right %" APR_INT64_T_FMT " was revoked concurrently",
                         id);
    return audit_right(s, p, "right.revoke", actor, r, now);
}

mnd_error_t *mnd_right_revoke(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                              mnd_time_t now)
{
    mnd_error_t *err;
    int is_operator;

    MND_TRY(parse_actor(p, actor, &actor, &is_operator));
    MND_TRY(mnd_store_begin(s));
    err = revoke_in_txn(s, p, actor, is_operator, id, now);
    if (err) {
        mnd_store_rollback(s);
        return err;
    }
    return mnd_store_commit(s);
}
