/* The session after a choice and its timeouts. See docs/flow.md. */
#include "flow/json_in.h"
#include "util/strlist.h"
#include "flow/session.h"

#include "crypto/seal.h"

#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_RANDOM_BYTES 32
#define SESSION_TOKEN_MIN 43
#define SESSION_TOKEN_MAX 128
#define SESSION_SMALL_MAX 1024
#define SESSION_ACTIONS_MAX 512
#define SESSION_ACTION_MAX 128
#define SESSION_LOA_MAX 100
/* 512 actions of 128 bytes escaped, plus the rest: a generous bound, far below socache
 * value sizes one would configure. */
#define SESSION_JSON_MAX (256 * 1024)
#define SESSION_FORMAT_VERSION 1

static int is_b64url(const char *s, size_t min, size_t max)
{
    size_t n;
    if (!s)
        return 0;
    for (n = 0; s[n]; n++)
        if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
              (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_'))
            return 0;
    return n >= min && n <= max;
}

/* The key agrees with the basis: "self" for self, "<basis>:<digits>" otherwise. */
static int key_matches_basis(const char *key, mnd_basis_t basis)
{
    const char *name = mnd_basis_name(basis), *d;
    size_t n = strlen(name), digits;
    if (!key)
        return 0;
    if (basis == MND_BASIS_SELF)
        return strcmp(key, "self") == 0;
    if (strncmp(key, name, n) != 0 || key[n] != ':')
        return 0;
    for (d = key + n + 1; *d >= '0' && *d <= '9'; d++)
        ;
    digits = (size_t)(d - (key + n + 1));
    return *d == '\0' && digits >= 1 && digits <= 20;
}

static int party_valid(apr_pool_t *p, const char *id)
{
    mnd_party_kind_t kind;
    const char *norm;
    return id && !mnd_party_id_parse(p, id, &kind, &norm) && strcmp(norm, id) == 0;
}

static int opt_len_ok(const char *s, size_t max)
{
    return !s || strlen(s) <= max;
}

static int actions_valid(const apr_array_header_t *a)
{
    int i;
    if (!a || a->nelts > SESSION_ACTIONS_MAX)
        return 0;
    for (i = 0; i < a->nelts; i++) {
        const char *c = APR_ARRAY_IDX(a, i, const char *);
        if (!c || !*c || strlen(c) > SESSION_ACTION_MAX)
            return 0;
    }
    return 1;
}

/* The invariants of a session, checked when writing and reading JSON alike. */
static mnd_error_t *session_validate(apr_pool_t *p, const mnd_session_t *s)
{
    const char *bad = NULL;
    char insz[MND_INSZ_LEN + 1];
    if (!is_b64url(s->id, SESSION_TOKEN_MIN, SESSION_TOKEN_MAX))
        bad = "id must be 43 to 128 base64url characters";
    else if (!s->actor || mnd_insz_parse(p, s->actor, insz) || strcmp(insz, s->actor) != 0)
        bad = "actor must be a normalised INSZ";
    else if (!opt_len_ok(s->given_name, SESSION_SMALL_MAX) ||
             !opt_len_ok(s->family_name, SESSION_SMALL_MAX) ||
             !opt_len_ok(s->party_name, SESSION_SMALL_MAX) ||
             !opt_len_ok(s->via_name, SESSION_SMALL_MAX))
        bad = "names are limited to 1024 bytes";
    else if (s->loa < 0 || s->loa > SESSION_LOA_MAX)
        bad = "loa must be between 0 and 100";
    else if (!s->service_id || !*s->service_id || strlen(s->service_id) > SESSION_SMALL_MAX)
        bad = "service_id must be 1 to 1024 bytes";
    else if ((unsigned)s->basis >= MND_BASIS__N || !key_matches_basis(s->cap_key, s->basis))
        bad = "cap_key must be a capacity key of the session's basis";
    else if (!party_valid(p, s->party) || (s->via && !party_valid(p, s->via)))
        bad = "party and via must be normalised party ids";
    else if (s->mandate_id < 0)
        bad = "mandate_id must not be negative";
    else if (!actions_valid(s->actions))
        bad = "actions must be at most 512 codes of 1 to 128 bytes";
    else if (s->created < 0 || s->last_seen < s->created || s->idle_until > s->expires ||
             s->expires == MND_TIME_NONE)
        bad = "times must satisfy 0 <= created <= last_seen and idle_until <= expires";
    else if (!is_b64url(s->txn_id, SESSION_TOKEN_MIN, SESSION_TOKEN_MAX))
        bad = "txn_id must be 43 to 128 base64url characters";
    return bad ? mnd_error(p, MND_EINVAL, "session: %s", bad) : NULL;
}


mnd_error_t *mnd_session_new(apr_pool_t *p, const mnd_txn_t *txn, const mnd_capacity_t *cap,
                             mnd_time_t now, int idle, int absolute, mnd_session_t **out)
{
    mnd_session_t *s;
    int i;
    *out = NULL;
    if (!txn || !cap || !cap->party || !cap->key)
        return mnd_error(p, MND_EINVAL, "session: needs a transaction and a capacity");
    if (idle <= 0 || absolute <= 0 || now < 0 || now > MND_TIME_NONE - 1 - absolute)
        return mnd_error(p, MND_EINVAL, "session: idle and absolute timeouts must be positive");
    s = apr_pcalloc(p, sizeof(*s));
    MND_TRY(mnd_random_token(p, SESSION_RANDOM_BYTES, &s->id));
    s->actor = mnd_pstrdup_opt(p, txn->actor);
    s->given_name = mnd_pstrdup_opt(p, txn->given_name);
    s->family_name = mnd_pstrdup_opt(p, txn->family_name);
    s->loa = txn->loa;
    s->service_id = mnd_pstrdup_opt(p, txn->service_id);
    s->cap_key = apr_pstrdup(p, cap->key);
    s->basis = cap->basis;
    s->party = mnd_pstrdup_opt(p, cap->party->id);
    s->party_name = mnd_pstrdup_opt(p, mnd_name_pick(cap->party->name, MND_LANG_NL, NULL));
    s->via = cap->via ? mnd_pstrdup_opt(p, cap->via->id) : NULL;
    s->via_name = cap->via ? mnd_pstrdup_opt(p, mnd_name_pick(cap->via->name, MND_LANG_NL, NULL)) : NULL;
    s->mandate_id = cap->mandate_id;
    s->actions = apr_array_make(p, cap->actions ? cap->actions->nelts : 0, sizeof(const char *));
    for (i = 0; cap->actions && i < cap->actions->nelts; i++)
        APR_ARRAY_PUSH(s->actions, const char *) =
            mnd_pstrdup_opt(p, APR_ARRAY_IDX(cap->actions, i, const char *));
    s->created = s->last_seen = now;
    s->expires = now + absolute;
    s->idle_until = idle < absolute ? now + idle : s->expires;
    s->txn_id = mnd_pstrdup_opt(p, txn->id);
    MND_TRY(session_validate(p, s));
    *out = s;
    return NULL;
}

static json_t *actions_to_json(const apr_array_header_t *a)
{
    json_t *arr = json_array();
    int i;
    for (i = 0; arr && i < a->nelts; i++)
        if (json_array_append_new(arr, json_string(APR_ARRAY_IDX(a, i, const char *))) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

mnd_error_t *mnd_session_to_json(apr_pool_t *p, const mnd_session_t *s, const char **json)
{
    json_t *o, *actions;
    char *text;
    *json = NULL;
    if (!s)
        return mnd_error(p, MND_EINVAL, "session: nothing to serialise");
    MND_TRY(session_validate(p, s));
    o = json_pack("{s:i, s:s, s:s, s:s*, s:s*, s:i, s:s, s:s, s:s, s:s, s:s*, s:s*, s:s*,"
                  " s:I, s:I, s:I, s:I, s:I, s:s}",
                  "v", SESSION_FORMAT_VERSION, "id", s->id, "actor", s->actor, "given_name",
                  s->given_name, "family_name", s->family_name, "loa", s->loa, "service_id",
                  s->service_id, "cap_key", s->cap_key, "basis", mnd_basis_name(s->basis), "party",
                  s->party, "party_name", s->party_name, "via", s->via, "via_name", s->via_name,
                  "mandate_id", (json_int_t)s->mandate_id, "created", (json_int_t)s->created,
                  "last_seen", (json_int_t)s->last_seen, "idle_until", (json_int_t)s->idle_until,
                  "expires", (json_int_t)s->expires, "txn_id", s->txn_id);
    actions = actions_to_json(s->actions);
    /* json_object_set_new takes actions even when it fails. */
    if (!o || !actions || json_object_set_new(o, "actions", actions) != 0) {
        json_decref(o);
        if (!o)
            json_decref(actions);
        return mnd_error(p, MND_EINVAL, "session: a member is not valid UTF-8");
    }
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        return mnd_error(p, MND_EINTERNAL, "session: JSON serialisation failed");
    *json = apr_pstrdup(p, text);
    free(text);
    return NULL;
}

static mnd_error_t *actions_from_json(apr_pool_t *p, json_t *arr, apr_array_header_t **out)
{
    size_t i;
    if (!json_is_array(arr) || json_array_size(arr) > SESSION_ACTIONS_MAX)
        return mnd_error(p, MND_EINVAL,
                         "session JSON: actions must be an array of at most "
                         "512 strings");
    *out = apr_array_make(p, (int)json_array_size(arr), sizeof(const char *));
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v))
            return mnd_error(p, MND_EINVAL, "session JSON: actions must be strings");
        APR_ARRAY_PUSH(*out, const char *) = apr_pstrdup(p, json_string_value(v));
    }
    return NULL;
}

/* Unpack o into a pool-owned session (strings copied before o goes). */
static mnd_error_t *session_unpack(apr_pool_t *p, json_t *o, mnd_session_t *s)
{
    json_error_t err;
    json_int_t v = 0, loa = 0, mid = 0, created = 0, seen = 0, idle = 0, expires = 0;
    const char *id = NULL, *actor = NULL, *gn = NULL, *fn = NULL, *svc = NULL, *key = NULL,
               *basis = NULL, *party = NULL, *pname = NULL, *via = NULL, *vname = NULL, *txn = NULL;
    json_t *actions = NULL;
    if (json_unpack_ex(o, &err, JSON_STRICT,
                       "{s:I, s:s, s:s, s?s, s?s, s:I, s:s, s:s, s:s, s:s, s?s, s?s, s?s,"
                       " s:I, s:o, s:I, s:I, s:I, s:I, s:s}",
                       "v", &v, "id", &id, "actor", &actor, "given_name", &gn, "family_name", &fn,
                       "loa", &loa, "service_id", &svc, "cap_key", &key, "basis", &basis, "party",
                       &party, "party_name", &pname, "via", &via, "via_name", &vname, "mandate_id",
                       &mid, "actions", &actions, "created", &created, "last_seen", &seen,
                       "idle_until", &idle, "expires", &expires, "txn_id", &txn) != 0)
        return mnd_error(p, MND_EINVAL, "session JSON: %s", err.text);
    if (v != SESSION_FORMAT_VERSION)
        return mnd_error(p, MND_EINVAL, "session JSON: unknown format version");
    if (!mnd_basis_parse(basis, &s->basis))
        return mnd_error(p, MND_EINVAL, "session JSON: unknown basis");
    if (loa < 0 || loa > SESSION_LOA_MAX)
        return mnd_error(p, MND_EINVAL, "session JSON: loa out of range");
    MND_TRY(actions_from_json(p, actions, &s->actions));
    s->id = apr_pstrdup(p, id);
    s->actor = apr_pstrdup(p, actor);
    s->given_name = mnd_pstrdup_opt(p, gn);
    s->family_name = mnd_pstrdup_opt(p, fn);
    s->loa = (int)loa;
    s->service_id = apr_pstrdup(p, svc);
    s->cap_key = apr_pstrdup(p, key);
    s->party = apr_pstrdup(p, party);
    s->party_name = mnd_pstrdup_opt(p, pname);
    s->via = mnd_pstrdup_opt(p, via);
    s->via_name = mnd_pstrdup_opt(p, vname);
    s->mandate_id = (int64_t)mid;
    s->created = (mnd_time_t)created;
    s->last_seen = (mnd_time_t)seen;
    s->idle_until = (mnd_time_t)idle;
    s->expires = (mnd_time_t)expires;
    s->txn_id = apr_pstrdup(p, txn);
    return NULL;
}

mnd_error_t *mnd_session_from_json(apr_pool_t *p, const char *json, size_t len, mnd_session_t **out)
{
    json_t *o;
    mnd_session_t *s;
    mnd_error_t *e;
    *out = NULL;
    MND_TRY(mnd_json_in(p, "session", json, len, SESSION_JSON_MAX, &o));
    s = apr_pcalloc(p, sizeof(*s));
    e = session_unpack(p, o, s);
    json_decref(o);
    MND_TRY(e);
    MND_TRY(session_validate(p, s));
    *out = s;
    return NULL;
}

/* touch has no pool parameter: its errors go to the pool of the session's actions array
 * (which lives as long as the session); a session without one gets these shared values,
 * never to be modified by the caller. */
static mnd_error_t touch_misuse = {MND_EINVAL, "session: nothing to touch or no idle timeout"};
static mnd_error_t touch_absolute = {MND_ECONFLICT, "the session reached its absolute timeout"};
static mnd_error_t touch_idle = {MND_ECONFLICT, "the session was idle too long"};

static mnd_error_t *touch_error(const mnd_session_t *s, const mnd_error_t *shared)
{
    apr_pool_t *p = s && s->actions ? s->actions->pool : NULL;
    return p ? mnd_error(p, shared->rc, "%s: log in again", shared->msg) : (mnd_error_t *)shared;
}

mnd_error_t *mnd_session_touch(mnd_session_t *s, mnd_time_t now, int idle)
{
    mnd_time_t next;
    if (!s || idle <= 0)
        return touch_error(s, &touch_misuse);
    if (now >= s->expires)
        return touch_error(s, &touch_absolute);
    if (now >= s->idle_until)
        return touch_error(s, &touch_idle);
    if (now > s->last_seen)
        s->last_seen = now;
    /* Pushed forward (never back, should the clock step back), never beyond the absolute
     * deadline. */
    next = now < s->expires - idle ? now + idle : s->expires;
    if (next > s->idle_until)
        s->idle_until = next;
    return NULL;
}
