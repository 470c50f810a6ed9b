/* The mandate life cycle: who may give, request, approve, reject, withdraw and revoke a mandate,
 * and the record each step leaves. The rules are those of the Flemish Mandate management (SSM,
 * see docs/lifecycle.md): a party acts through its mandate manager, the other party approves,
 * and an active mandate ends by revocation or by passing valid_until (derived, never stored).
 *
 * Every transition runs in one transaction: a conditional UPDATE on the expected state (so that
 * of two concurrent approvals only one changes a row), the mandate_event and the audit record.
 * Who may act is decided by core/authority.c; this file only asks and explains refusals. */
#include "core/mandate.h"

#include "core/audit.h"
#include "core/authority.h"
#include "core/party.h"
#include "core/service.h"
#include "util/strlist.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#define MANDATE_COLS                                                                               \
    "id, ext_ref, giver, taker, service_id, actions, valid_from, valid_until, state,"              \
    " initiated_by_party, initiated_by_person, created_at, state_changed_at, state_reason"
#define MANDATE_NCOLS 14

/* Effective state with expiry derived at time %s (same text in every statement using it). */
#define EFFECTIVE_STATE                                                                            \
    "CASE WHEN state = 'active' AND valid_until IS NOT NULL"                                       \
    " AND valid_until <= CAST(%s AS BIGINT) THEN 'expired' ELSE state END"

const mnd_sql_t mnd_sql_mandate[] = {
    {"mandate_insert",
     "INSERT INTO mandate (ext_ref, giver, taker, service_id, actions, valid_from,"
     " valid_until, state, initiated_by_party, initiated_by_person, created_at,"
     " state_changed_at) VALUES (%s, %s, %s, %s, %s, CAST(%s AS BIGINT), CAST(%s AS BIGINT),"
     " 'awaiting_approval', %s, %s, CAST(%s AS BIGINT), CAST(%s AS BIGINT)) RETURNING id",
     NULL},
    {"mandate_by_id", "SELECT " MANDATE_COLS " FROM mandate WHERE id = CAST(%s AS BIGINT)", NULL},
    {"mandate_by_ext_ref", "SELECT id FROM mandate WHERE ext_ref = %s", NULL},
    /* The state condition makes a lost race visible as zero changed rows. */
    {"mandate_set_state",
     "UPDATE mandate SET state = %s, state_changed_at = CAST(%s AS BIGINT), state_reason = %s"
     " WHERE id = CAST(%s AS BIGINT) AND state = %s",
     NULL},
    {"mandate_event_add",
     "INSERT INTO mandate_event (mandate_id, event, actor_person, actor_party, at, reason)"
     " VALUES (CAST(%s AS BIGINT), %s, %s, %s, CAST(%s AS BIGINT), %s)",
     NULL},
    {"mandate_events",
     "SELECT mandate_id, event, actor_person, actor_party, at, reason FROM mandate_event"
     " WHERE mandate_id = CAST(%s AS BIGINT) ORDER BY at, id",
     NULL},
    /* Arguments: party x3, service x2, state, at, state, limit. */
    {"mandate_list",
     "SELECT " MANDATE_COLS " FROM mandate"
     " WHERE (CAST(%s AS TEXT) IS NULL OR giver = %s OR taker = %s)"
     " AND (CAST(%s AS TEXT) IS NULL OR service_id = %s)"
     " AND (CAST(%s AS TEXT) IS NULL OR " EFFECTIVE_STATE " = %s)"
     " ORDER BY id LIMIT CAST(%s AS BIGINT)",
     NULL},
    {NULL, NULL, NULL},
};

/* Longest accepted free text (external reference, reason): enough for a sentence, short
 * enough for audit lines and pages. */
#define MAX_EXT_REF 128
#define MAX_REASON 500

/* ---- reading ---- */

static mnd_mandate_t *mandate_from_cols(apr_pool_t *p, const char *const *c)
{
    mnd_mandate_t *m = apr_pcalloc(p, sizeof(*m));
    mnd_mandate_state_t st = MND_MANDATE_AWAITING;
    m->id = strtoll(c[0], NULL, 10);
    m->ext_ref = mnd_pstrdup_opt(p, c[1]);
    m->giver = mnd_pstrdup_opt(p, c[2]);
    m->taker = mnd_pstrdup_opt(p, c[3]);
    m->service_id = mnd_pstrdup_opt(p, c[4]);
    m->actions = mnd_strlist_split(p, c[5]);
    m->valid_from = mnd_time_from_col(c[6]);
    m->valid_until = mnd_time_from_col(c[7]);
    mnd_mandate_state_parse(c[8], &st);
    m->state = st;
    m->initiated_by_party = mnd_pstrdup_opt(p, c[9]);
    m->initiated_by_person = mnd_pstrdup_opt(p, c[10]);
    m->created_at = mnd_time_from_col(c[11]);
    m->state_changed_at = mnd_time_from_col(c[12]);
    m->state_reason = mnd_pstrdup_opt(p, c[13]);
    return m;
}

static mnd_error_t *collect_mandate(void *baton, apr_pool_t *p, const char *const *cols, int ncols)
{
    apr_array_header_t *out = baton;
    if (ncols < MANDATE_NCOLS)
        return mnd_error(p, MND_EINTERNAL, "mandate row has %d columns", ncols);
    APR_ARRAY_PUSH(out, mnd_mandate_t *) = mandate_from_cols(out->pool, cols);
    return NULL;
}

static mnd_error_t *collect_event(void *baton, apr_pool_t *p, const char *const *c, int ncols)
{
    apr_array_header_t *out = baton;
    apr_pool_t *op = out->pool;
    mnd_mandate_event_t *e = apr_pcalloc(op, sizeof(*e));
    if (ncols < 6)
        return mnd_error(p, MND_EINTERNAL, "mandate_event row has %d columns", ncols);
    e->mandate_id = strtoll(c[0], NULL, 10);
    e->event = apr_pstrdup(op, c[1]);
    e->actor_person = apr_pstrdup(op, c[2]);
    e->actor_party = c[3] ? apr_pstrdup(op, c[3]) : NULL;
    e->at = mnd_time_from_col(c[4]);
    e->reason = c[5] ? apr_pstrdup(op, c[5]) : NULL;
    APR_ARRAY_PUSH(out, mnd_mandate_event_t *) = e;
    return NULL;
}

mnd_error_t *mnd_mandate_get(mnd_store_t *s, apr_pool_t *p, int64_t id, mnd_mandate_t **out,
                             apr_array_header_t **events)
{
    apr_array_header_t *rows = apr_array_make(p, 1, sizeof(mnd_mandate_t *));
    const char *ids = apr_psprintf(p, "%" APR_INT64_T_FMT, id);

    MND_TRY(mnd_store_query(s, p, "mandate_by_id", MND_ARGV(ids), collect_mandate, rows));
    if (rows->nelts == 0)
        return mnd_error(p, MND_ENOTFOUND, "mandate %" APR_INT64_T_FMT " does not exist", id);
    *out = APR_ARRAY_IDX(rows, 0, mnd_mandate_t *);
    if (events) {
        *events = apr_array_make(p, 4, sizeof(mnd_mandate_event_t *));
        MND_TRY(mnd_store_query(s, p, "mandate_events", MND_ARGV(ids), collect_event, *events));
    }
    return NULL;
}

static mnd_error_t *optional_party(apr_pool_t *p, const char *in, const char **out)
{
    mnd_party_kind_t kind;
    *out = NULL;
    if (!in)
        return NULL;
    return mnd_error_wrap(p, mnd_party_id_parse(p, in, &kind, out), "party filter");
}

mnd_error_t *mnd_mandate_list(mnd_store_t *s, apr_pool_t *p, const mnd_mandate_filter_t *f,
                              apr_array_header_t **out)
{
    static const mnd_mandate_filter_t all = {NULL, NULL, -1, MND_TIME_NONE, 0};
    const char *party, *state = NULL, *limit;
    mnd_time_t at;

    if (!f)
        f = &all;
    /* MND_TIME_NONE or a zero-initialised time means "now": the epoch is never a meaningful
     * query time. */
    at = (f->at == MND_TIME_NONE || f->at <= 0) ? mnd_now() : f->at;

    MND_TRY(optional_party(p, f->party, &party));
    if (f->state != -1) {
        if (f->state < 0 || f->state >= MND_MANDATE__N)
            return mnd_error(p, MND_EINVAL, "mandate state filter %d is not a state", f->state);
        state = mnd_mandate_state_name((mnd_mandate_state_t)f->state);
    }
    if (f->limit < 0)
        return mnd_error(p, MND_EINVAL, "limit %d is negative: use 0 for no limit", f->limit);
    limit = f->limit ? apr_itoa(p, f->limit) : "9223372036854775807";
    *out = apr_array_make(p, 16, sizeof(mnd_mandate_t *));
    return mnd_store_query(s, p, "mandate_list",
                           MND_ARGV(party, party, party, f->service_id, f->service_id, state,
                                    mnd_time_arg(p, at), state, limit),
                           collect_mandate, *out);
}

/* ---- who may act ---- */

/* The actor of a life-cycle step: a natural person (INSZ). Operators administer the store but
 * are never a party's mandate manager, so they cannot take part in a mandate. */
static mnd_error_t *parse_actor(apr_pool_t *p, const char *actor, const char **out)
{
    char buf[MND_INSZ_LEN + 1];
    if (actor &&
        strncmp(actor, MND_ACTOR_OPERATOR_PREFIX, sizeof(MND_ACTOR_OPERATOR_PREFIX) - 1) == 0)
        return mnd_error(p, MND_EFORBIDDEN,
                         "refused: an operator (%s) cannot act in a mandate; only a mandate "
                         "manager of a party can (SSM Mandaatbeheerder, a legal representative "
                         "in the KBO, or a natural person in own name)",
                         actor);
    if (!actor || !*actor)
        return mnd_error(p, MND_EINVAL, "no actor: a mandate step needs the acting person's INSZ");
    MND_TRY(mnd_error_wrap(p, mnd_insz_parse(p, actor, buf), "actor"));
    *out = apr_pstrdup(p, buf);
    return NULL;
}

/* What a person needs to manage mandates for party, as a phrase. */
static const char *manager_need(apr_pool_t *p, const char *party)
{
    const char *shown = mnd_party_id_display(p, party);
    if (strlen(party) == MND_INSZ_LEN)
        return apr_psprintf(p, "being %s in own name", shown);
    return apr_psprintf(
        p, "SSM Mandaatbeheerder at %s (or being its legal representative in the KBO)", shown);
}

/* The refusal for `doing` (e.g. "approving mandate 12") when the actor manages neither of the
 * allowed parties (b may be NULL). hint (may be NULL) is appended. */
static mnd_error_t *refusal(apr_pool_t *p, const char *doing, const char *a, const char *b,
                            const char *actor, const char *hint)
{
    const char *who = mnd_insz_mask(p, actor);
    const char *need = manager_need(p, a), *lacks;
    if (b) {
        need = apr_psprintf(p, "%s, or %s", need, manager_need(p, b));
        lacks = "qualifies for neither party";
    } else {
        lacks = strlen(a) == MND_INSZ_LEN ? "is another person" : "holds neither";
    }
    return mnd_error(p, MND_EFORBIDDEN, "refused: %s needs %s; %s %s%s%s", doing, need, who, lacks,
                     hint ? "; " : "", hint ? hint : "");
}

static mnd_error_t *is_manager(mnd_store_t *s, apr_pool_t *p, const char *actor, const char *party,
                               mnd_time_t now, int *yes)
{
    *yes = 0;
    return mnd_authority_is_mandate_manager(s, p, actor, party, now, yes);
}

/* ---- the record of a step ---- */

static mnd_error_t *record(mnd_store_t *s, apr_pool_t *p, const mnd_mandate_t *m, const char *event,
                           const char *actor, const char *on_behalf, const char *reason,
                           const char *change, mnd_time_t now)
{
    mnd_audit_t a;
    const char *ids = apr_psprintf(p, "%" APR_INT64_T_FMT, m->id);

    MND_TRY(mnd_store_exec(s, p, "mandate_event_add", NULL,
                           MND_ARGV(ids, event, actor, on_behalf, mnd_time_arg(p, now), reason)));
    memset(&a, 0, sizeof(a));
    a.at = now;
    a.event = apr_pstrcat(p, "mandate.", event, NULL);
    a.actor = actor;
    a.party = m->giver;
    a.mandate_id = m->id;
    a.service_id = m->service_id;
    a.actions = mnd_strlist_join(p, m->actions);
    a.detail = apr_psprintf(p, "%s; giver %s, taker %s; on behalf of %s; valid [%s, %s)%s%s",
                            change, m->giver, m->taker, on_behalf,
                            mnd_time_format(p, m->valid_from), mnd_time_format(p, m->valid_until),
                            reason ? "; reason: " : "", reason ? reason : "");
    return mnd_audit_write(s, p, &a);
}

/* ---- creating: give and request ---- */

/* Normalise a party id of the draft; role is "giver" or "taker" for messages. */
static mnd_error_t *draft_party(apr_pool_t *p, const char *role, const char *in, const char **out)
{
    mnd_party_kind_t kind;
    if (!in || !*in)
        return mnd_error(p, MND_EINVAL, "a mandate needs a %s (an INSZ or a KBO number)", role);
    return mnd_error_wrap(p, mnd_party_id_parse(p, in, &kind, out), "mandate %s", role);
}

static mnd_error_t *check_text(apr_pool_t *p, const char *what, const char *v, size_t max)
{
    const unsigned char *c;
    if (strlen(v) > max)
        return mnd_error(p, MND_EINVAL, "the %s is longer than %lu characters", what,
                         (unsigned long)max);
    for (c = (const unsigned char *)v; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return mnd_error(p, MND_EINVAL, "the %s contains a control character", what);
    return NULL;
}

/* Input checks that need no store: ids, dates, text. n gets the normalised draft. */
static mnd_error_t *check_draft_input(apr_pool_t *p, const mnd_mandate_draft_t *d, mnd_time_t now,
                                      mnd_mandate_t *n)
{
    MND_TRY(draft_party(p, "giver", d->giver, &n->giver));
    MND_TRY(draft_party(p, "taker", d->taker, &n->taker));
    if (strcmp(n->giver, n->taker) == 0)
        return mnd_error(p, MND_EINVAL,
                         "giver and taker are both %s: a party cannot give a "
                         "mandate to itself",
                         mnd_party_id_display(p, n->giver));
    if (!d->service_id || !*d->service_id)
        return mnd_error(p, MND_EINVAL, "a mandate needs a service");
    n->service_id = d->service_id;
    n->valid_from = d->valid_from == MND_TIME_NONE ? now : d->valid_from;
    n->valid_until = d->valid_until;
    if (n->valid_until != MND_TIME_NONE && n->valid_until <= n->valid_from)
        return mnd_error(p, MND_EINVAL, "valid_until %s is not after valid_from %s",
                         mnd_time_format(p, n->valid_until), mnd_time_format(p, n->valid_from));
    if (n->valid_until != MND_TIME_NONE && n->valid_until <= now)
        return mnd_error(p, MND_EINVAL,
                         "valid_until %s has already passed: a mandate must end "
                         "in the future",
                         mnd_time_format(p, n->valid_until));
    if (d->ext_ref) {
        if (!*d->ext_ref)
            return mnd_error(p, MND_EINVAL, "the external reference is empty: omit it instead");
        MND_TRY(check_text(p, "external reference", d->ext_ref, MAX_EXT_REF));
    }
    n->ext_ref = d->ext_ref;
    return NULL;
}

/* A party of a new mandate must be known: persons are added on first reference, enterprises
 * come from the KBO import and must be active. */
static mnd_error_t *check_party(mnd_store_t *s, apr_pool_t *p, const char *role, const char *id,
                                mnd_time_t now)
{
    mnd_party_t *party = NULL;
    mnd_error_t *err;
    if (strlen(id) == MND_INSZ_LEN)
        return mnd_party_ensure_person(s, p, id, now);
    err = mnd_party_get(s, p, id, &party);
    if (err && err->rc == MND_ENOTFOUND)
        return mnd_error(p, MND_ENOTFOUND,
                         "enterprise %s (the %s) is not known: import KBO "
                         "data first",
                         mnd_kbo_format(p, id), role);
    MND_TRY(err);
    if (!party->active)
        return mnd_error(p, MND_ECONFLICT,
                         "enterprise %s (the %s) is stopped: it cannot give "
                         "or take a new mandate",
                         mnd_kbo_format(p, id), role);
    return NULL;
}

/* Checks against the store: parties, service, actions, unique external reference. */
static mnd_error_t *check_draft_store(mnd_store_t *s, apr_pool_t *p, const mnd_mandate_draft_t *d,
                                      mnd_time_t now, mnd_mandate_t *n)
{
    mnd_service_t *svc;
    const char **cols;
    int found = 0;

    MND_TRY(check_party(s, p, "giver", n->giver, now));
    MND_TRY(check_party(s, p, "taker", n->taker, now));
    MND_TRY(mnd_service_get(s, p, n->service_id, &svc));
    if (!(svc->bases & MND_BASIS_BIT(MND_BASIS_MANDATE)))
        return mnd_error(p, MND_EINVAL, "service %s does not accept mandates (its bases are: %s)",
                         svc->id, mnd_bases_format(p, svc->bases));
    MND_TRY(mnd_service_check_actions(p, svc, d->actions));
    n->actions = apr_array_make(p, d->actions->nelts, sizeof(const char *));
    mnd_strlist_union(n->actions, d->actions);
    if (n->ext_ref) {
        MND_TRY(mnd_store_query_one(s, p, "mandate_by_ext_ref", MND_ARGV(n->ext_ref), &found, &cols,
                                    NULL));
        if (found)
            return mnd_error(p, MND_ECONFLICT,
                             "external reference '%s' is already used by "
                             "mandate %s",
                             n->ext_ref, cols[0]);
    }
    return NULL;
}

static mnd_error_t *create_in_txn(mnd_store_t *s, apr_pool_t *p, const char *actor,
                                  const mnd_mandate_draft_t *d, mnd_time_t now, int by_giver,
                                  mnd_mandate_t *n)
{
    const char *event = by_giver ? "give" : "request";
    const char *on_behalf, *t_now = mnd_time_arg(p, now);
    int yes = 0;

    MND_TRY(check_draft_store(s, p, d, now, n));
    on_behalf = by_giver ? n->giver : n->taker;
    MND_TRY(is_manager(s, p, actor, on_behalf, now, &yes));
    if (!yes)
        return refusal(p,
                       apr_psprintf(p, "%s a mandate %s %s", by_giver ? "giving" : "requesting",
                                    by_giver ? "from" : "for", mnd_party_id_display(p, on_behalf)),
                       on_behalf, NULL, actor, NULL);
    MND_TRY(mnd_store_insert_id(
        s, p, "mandate_insert",
        MND_ARGV(n->ext_ref, n->giver, n->taker, n->service_id, mnd_strlist_join(p, n->actions),
                 mnd_time_arg(p, n->valid_from), mnd_time_arg(p, n->valid_until), on_behalf, actor,
                 t_now, t_now),
        &n->id));
    n->state = MND_MANDATE_AWAITING;
    n->initiated_by_party = on_behalf;
    n->initiated_by_person = actor;
    n->created_at = n->state_changed_at = now;
    return record(s, p, n, event, actor, on_behalf, NULL, "new, awaiting approval", now);
}

static mnd_error_t *create(mnd_store_t *s, apr_pool_t *p, const char *actor,
                           const mnd_mandate_draft_t *d, mnd_time_t now, int by_giver, int64_t *id)
{
    mnd_mandate_t *n = apr_pcalloc(p, sizeof(*n));
    mnd_error_t *err;

    if (!d)
        return mnd_error(p, MND_EINVAL, "no mandate given");
    MND_TRY(parse_actor(p, actor, &actor));
    MND_TRY(check_draft_input(p, d, now, n));
    if (!d->actions || d->actions->nelts == 0)
        return mnd_error(p, MND_EINVAL, "a mandate needs at least one action of the service");
    MND_TRY(mnd_store_begin(s));
    err = create_in_txn(s, p, actor, d, now, by_giver, n);
    if (err) {
        mnd_store_rollback(s);
        return err;
    }
    MND_TRY(mnd_store_commit(s));
    if (id)
        *id = n->id;
    return NULL;
}

mnd_error_t *mnd_mandate_give(mnd_store_t *s, apr_pool_t *p, const char *actor,
                              const mnd_mandate_draft_t *d, mnd_time_t now, int64_t *id)
{
    return create(s, p, actor, d, now, 1, id);
}

mnd_error_t *mnd_mandate_request(mnd_store_t *s, apr_pool_t *p, const char *actor,
                                 const mnd_mandate_draft_t *d, mnd_time_t now, int64_t *id)
{
    return create(s, p, actor, d, now, 0, id);
}

/* ---- transitions of an existing mandate ---- */

typedef enum who_t { WHO_OTHER, WHO_INITIATOR, WHO_EITHER } who_t;

typedef struct transition_t {
    const char *event; /* mandate_event.event and audit "mandate.<event>" */
    const char *verb;  /* for messages: "approving" */
    mnd_mandate_state_t from, to;
    who_t who;
} transition_t;

static const transition_t T_APPROVE = {"approve", "approving", MND_MANDATE_AWAITING,
                                       MND_MANDATE_ACTIVE, WHO_OTHER};
static const transition_t T_REJECT = {"reject", "rejecting", MND_MANDATE_AWAITING,
                                      MND_MANDATE_REJECTED, WHO_OTHER};
static const transition_t T_WITHDRAW = {"withdraw", "withdrawing", MND_MANDATE_AWAITING,
                                        MND_MANDATE_WITHDRAWN, WHO_INITIATOR};
static const transition_t T_REVOKE = {"revoke", "revoking", MND_MANDATE_ACTIVE, MND_MANDATE_REVOKED,
                                      WHO_EITHER};

static const char *other_party(const mnd_mandate_t *m)
{
    return strcmp(m->initiated_by_party, m->giver) == 0 ? m->taker : m->giver;
}

/* Decide on whose behalf actor may take step t on m; *on_behalf stays NULL if on nobody's.
 * For revoke by a manager of both parties, the giver's side is recorded. */
static mnd_error_t *authorise(mnd_store_t *s, apr_pool_t *p, const mnd_mandate_t *m,
                              const transition_t *t, const char *actor, mnd_time_t now,
                              const char **on_behalf)
{
    const char *doing = apr_psprintf(p, "%s mandate %" APR_INT64_T_FMT, t->verb, m->id);
    const char *need = t->who == WHO_INITIATOR ? m->initiated_by_party
                       : t->who == WHO_OTHER   ? other_party(m)
                                               : m->giver;
    const char *hint = NULL;
    int yes = 0;

    *on_behalf = NULL;
    MND_TRY(is_manager(s, p, actor, need, now, &yes));
    if (!yes && t->who == WHO_EITHER) {
        need = m->taker;
        MND_TRY(is_manager(s, p, actor, need, now, &yes));
    }
    if (yes) {
        *on_behalf = need;
        return NULL;
    }
    if (t->who == WHO_EITHER)
        return refusal(p, doing, m->giver, m->taker, actor, NULL);
    /* Say why the other side does not count: it is the commonest mistake. */
    MND_TRY(is_manager(s, p, actor, t->who == WHO_OTHER ? m->initiated_by_party : other_party(m),
                       now, &yes));
    if (yes)
        hint = t->who == WHO_OTHER
                   ? "the party that initiated a mandate cannot approve or reject it"
                   : "only the party that initiated a mandate can withdraw it";
    return refusal(p, doing, need, NULL, actor, hint);
}

static mnd_error_t *check_state(apr_pool_t *p, const mnd_mandate_t *m, const transition_t *t,
                                mnd_time_t now)
{
    mnd_mandate_state_t eff = mnd_mandate_effective_state(m, now);
    if (eff == MND_MANDATE_EXPIRED)
        return mnd_error(p, MND_ECONFLICT,
                         "mandate %" APR_INT64_T_FMT " expired at %s: an "
                         "expired mandate cannot be %s",
                         m->id, mnd_time_format(p, m->valid_until),
                         t == &T_REVOKE ? "revoked" : "changed");
    if (eff != t->from)
        return mnd_error(p, MND_ECONFLICT,
                         "mandate %" APR_INT64_T_FMT " is %s since %s: only a "
                         "mandate that is %s can be %s",
                         m->id, mnd_mandate_state_name(eff),
                         mnd_time_format(p, m->state_changed_at), mnd_mandate_state_name(t->from),
                         t->to == MND_MANDATE_ACTIVE      ? "approved"
                         : t->to == MND_MANDATE_REJECTED  ? "rejected"
                         : t->to == MND_MANDATE_WITHDRAWN ? "withdrawn"
                                                          : "revoked");
    /* Approving a proposal whose period is over would create a mandate that is born expired. */
    if (t == &T_APPROVE && m->valid_until != MND_TIME_NONE && m->valid_until <= now)
        return mnd_error(p, MND_ECONFLICT,
                         "mandate %" APR_INT64_T_FMT " would have ended at %s: "
                         "it can no longer be approved, only rejected or withdrawn",
                         m->id, mnd_time_format(p, m->valid_until));
    return NULL;
}

static mnd_error_t *transition_in_txn(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                      const transition_t *t, const char *reason, mnd_time_t now)
{
    mnd_mandate_t *m;
    const char *on_behalf;
    int n = 0;

    MND_TRY(mnd_mandate_get(s, p, id, &m, NULL));
    MND_TRY(authorise(s, p, m, t, actor, now, &on_behalf));
    MND_TRY(check_state(p, m, t, now));
    MND_TRY(mnd_store_exec(s, p, "mandate_set_state", &n,
                           MND_ARGV(mnd_mandate_state_name(t->to), mnd_time_arg(p, now), reason,
                                    apr_psprintf(p, "%" APR_INT64_T_FMT, id),
                                    mnd_mandate_state_name(t->from))));
    if (n != 1)
        return mnd_error(p, MND_ECONFLICT,
                         "mandate %" APR_INT64_T_FMT " changed state while "
                         "%s it (a concurrent change won): reload it and try again",
                         id, t->verb);
    return record(
        s, p, m, t->event, actor, on_behalf, reason,
        apr_psprintf(p, "%s -> %s", mnd_mandate_state_name(t->from), mnd_mandate_state_name(t->to)),
        now);
}

static mnd_error_t *transition(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                               const transition_t *t, const char *reason, mnd_time_t now)
{
    mnd_error_t *err;

    MND_TRY(parse_actor(p, actor, &actor));
    if (reason && !*reason)
        reason = NULL;
    if (reason)
        MND_TRY(check_text(p, "reason", reason, MAX_REASON));
    MND_TRY(mnd_store_begin(s));
    err = transition_in_txn(s, p, actor, id, t, reason, now);
    if (err) {
        mnd_store_rollback(s);
        return err;
    }
    return mnd_store_commit(s);
}

mnd_error_t *mnd_mandate_approve(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                 mnd_time_t now)
{
    return transition(s, p, actor, id, &T_APPROVE, NULL, now);
}

mnd_error_t *mnd_mandate_reject(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                const char *reason, mnd_time_t now)
{
    return transition(s, p, actor, id, &T_REJECT, reason, now);
}

mnd_error_t *mnd_mandate_withdraw(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                  mnd_time_t now)
{
    return transition(s, p, actor, id, &T_WITHDRAW, NULL, now);
}

mnd_error_t *mnd_mandate_revoke(mnd_store_t *s, apr_pool_t *p, const char *actor, int64_t id,
                                const char *reason, mnd_time_t now)
{
    return transition(s, p, actor, id, &T_REVOKE, reason, now);
}
