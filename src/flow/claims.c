/* A session rendered as MANDAAT_* variables, request headers and a claims set. docs/gateway.md
 * ("Variables and headers", "The signed header (JWT)") is the reference for backends; the
 * choices made here are explained there too. */
#include "flow/claims.h"

#include "crypto/seal.h"
#include "util/strlist.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CLAIMS_JTI_BYTES 16
/* sid is a one-way function of the session handle, never the handle itself: the handle is the
 * mandaat_session cookie, and a backend (or its log) must not be able to replay it. */
#define CLAIMS_SID_LABEL "mandaat-sid"
#define CLAIMS_SID_BYTES 16

/* "person" or "organisation" for a normalised party id, NULL when it is neither. */
const char *mnd_claims_party_type(apr_pool_t *p, const char *id)
{
    mnd_party_kind_t kind;
    const char *norm;
    if (!id || mnd_party_id_parse(p, id, &kind, &norm))
        return NULL;
    return kind == MND_PARTY_PERSON ? "person" : "organisation";
}

int mnd_claims_is_org(apr_pool_t *p, const char *id)
{
    const char *t = mnd_claims_party_type(p, id);
    return t && strcmp(t, "organisation") == 0;
}

/* The ACM doelgroep: BUR for own name, EA for an organisation. A person represented by a
 * mandate has no ACM target group; NULL there, so that a backend written for ACM does not take
 * it for own name. */
const char *mnd_claims_doelgroep(apr_pool_t *p, const mnd_session_t *s)
{
    if (s->basis == MND_BASIS_SELF)
        return "BUR";
    return mnd_claims_is_org(p, s->party) ? "EA" : NULL;
}

static int present(const char *v)
{
    return v && *v;
}

static void add_var(apr_array_header_t *a, const char *name, const char *value)
{
    mnd_export_var_t *v;
    if (!present(value))
        return;
    v = &APR_ARRAY_PUSH(a, mnd_export_var_t);
    v->name = name;
    v->value = value;
}

apr_array_header_t *mnd_export_vars(apr_pool_t *p, const mnd_session_t *s)
{
    apr_array_header_t *a = apr_array_make(p, 17, sizeof(mnd_export_var_t));
    if (!s)
        return a;
    add_var(a, "MANDAAT_ACTOR", s->actor);
    add_var(a, "MANDAAT_ACTOR_GIVEN_NAME", s->given_name);
    add_var(a, "MANDAAT_ACTOR_FAMILY_NAME", s->family_name);
    add_var(a, "MANDAAT_LOA", apr_itoa(p, s->loa));
    add_var(a, "MANDAAT_SERVICE", s->service_id);
    add_var(a, "MANDAAT_BASIS",
            (unsigned)s->basis < MND_BASIS__N ? mnd_basis_name(s->basis) : NULL);
    add_var(a, "MANDAAT_PARTY", s->party);
    add_var(a, "MANDAAT_PARTY_TYPE", mnd_claims_party_type(p, s->party));
    add_var(a, "MANDAAT_PARTY_NAME", s->party_name);
    add_var(a, "MANDAAT_VIA", s->via);
    add_var(a, "MANDAAT_VIA_NAME", s->via ? s->via_name : NULL);
    add_var(a, "MANDAAT_MANDATE_ID",
            s->mandate_id > 0 ? apr_psprintf(p, "%" APR_INT64_T_FMT, s->mandate_id) : NULL);
    add_var(a, "MANDAAT_ACTIONS", s->actions ? mnd_strlist_join(p, s->actions) : NULL);
    add_var(a, "MANDAAT_DOELGROEPCODE", mnd_claims_doelgroep(p, s));
    add_var(a, "MANDAAT_SESSION_EXPIRES", mnd_time_format(p, s->expires));
    add_var(a, "MANDAAT_CAPACITY", s->cap_key);
    return a;
}

const char *mnd_export_header_name(apr_pool_t *p, const char *var_name)
{
    char *h;
    size_t i;
    int start = 1;
    if (!var_name)
        return NULL;
    h = apr_pstrdup(p, var_name);
    for (i = 0; h[i]; i++) {
        if (h[i] == '_' || h[i] == '-') {
            h[i] = '-';
            start = 1;
        } else {
            h[i] = start ? apr_toupper(h[i]) : apr_tolower(h[i]);
            start = 0;
        }
    }
    return h;
}

/* Percent-encoding by hand because no apr_escape function encodes exactly this set: the
 * urlencoded and path escapes also rewrite printable characters (space, '/', '&', '+' ...),
 * apr_escape_echo writes \xHH. What must go is what can end or bend a header line or be
 * misread: bytes outside 0x21..0x7E, '%' itself (so decoding is exact), and a space at either
 * end (HTTP strips it). A plain percent-decoder (not a form decoder: '+' stays '+') restores
 * the UTF-8 text. */
const char *mnd_export_header_value(apr_pool_t *p, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *v = (const unsigned char *)value;
    size_t n, i, o = 0;
    char *out;
    if (!value)
        return NULL;
    n = strlen(value);
    out = apr_palloc(p, 3 * n + 1);
    for (i = 0; i < n; i++) {
        unsigned char c = v[i];
        int edge_space = c == ' ' && (i == 0 || i == n - 1);
        if (c < 0x20 || c > 0x7E || c == '%' || edge_space) {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0x0F];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

int mnd_export_is_ours(const char *name)
{
    return name && strncasecmp(name, "mandaat", 7) == 0 && (name[7] == '-' || name[7] == '_');
}

/* ---- claims ----------------------------------------------------------------------------- */

int mnd_claims_set_str(json_t *o, const char *key, const char *v)
{
    json_t *j;
    if (!present(v))
        return 1;
    j = json_string(v);
    return j && json_object_set_new(o, key, j) == 0;
}

json_t *mnd_claims_party_object(apr_pool_t *p, const char *id, const char *shown_id,
                                const char *name)
{
    json_t *o = json_object();
    if (o && mnd_claims_set_str(o, "type", mnd_claims_party_type(p, id)) &&
        mnd_claims_set_str(o, "id", shown_id) && mnd_claims_set_str(o, "name", name))
        return o;
    json_decref(o);
    return NULL;
}

json_t *mnd_claims_string_array(const apr_array_header_t *a)
{
    json_t *arr = json_array();
    int i;
    for (i = 0; arr && a && i < a->nelts; i++) {
        if (json_array_append_new(arr, json_string(APR_ARRAY_IDX(a, i, const char *)))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

const char *mnd_claims_mandate_id(apr_pool_t *p, const mnd_session_t *s)
{
    return s->mandate_id > 0 ? apr_psprintf(p, "%" APR_INT64_T_FMT, s->mandate_id) : NULL;
}

json_t *mnd_claims_authorization_details(apr_pool_t *p, const mnd_session_t *s)
{
    const char *mid = mnd_claims_mandate_id(p, s);
    json_t *d = json_object(), *arr = json_array(), *loc = json_array();
    if (!d || !arr || !loc || json_array_append_new(loc, json_string(s->service_id)) ||
        !mnd_claims_set_str(d, "type", "mandaat") || json_object_set(d, "locations", loc) ||
        json_object_set_new(d, "actions", mnd_claims_string_array(s->actions)) ||
        !mnd_claims_set_str(d, "identifier", mid ? mid : s->cap_key) || json_array_append(arr, d)) {
        json_decref(arr);
        arr = NULL;
    }
    json_decref(loc);
    json_decref(d);
    return arr;
}

const char *mnd_claims_rol_3d_name(apr_pool_t *p, const char *service_id)
{
    return apr_pstrcat(p, service_id, "_rol_3d", NULL);
}

apr_array_header_t *mnd_claims_rol_3d(apr_pool_t *p, const mnd_session_t *s)
{
    /* Roles carry the represented party's id, so that a role held for another party is never
     * read as one's own; only own name has bare action codes. */
    const char *suffix = s->basis == MND_BASIS_SELF ? NULL : s->party;
    int n = s->actions ? s->actions->nelts : 0, i;
    apr_array_header_t *r = apr_array_make(p, n > 0 ? n : 1, sizeof(const char *));
    for (i = 0; i < n; i++) {
        const char *a = APR_ARRAY_IDX(s->actions, i, const char *);
        APR_ARRAY_PUSH(r, const char *) = suffix ? apr_pstrcat(p, a, ":", suffix, NULL) : a;
    }
    return r;
}

int mnd_claims_add_acm(apr_pool_t *p, json_t *c, const mnd_session_t *s)
{
    int org = mnd_claims_is_org(p, s->party);
    if (!mnd_claims_set_str(c, "vo_doelgroepcode", mnd_claims_doelgroep(p, s)) ||
        !mnd_claims_set_str(c, "vo_orgcode", org ? s->party : NULL) ||
        !mnd_claims_set_str(c, "vo_orgnaam", org ? s->party_name : NULL) ||
        !mnd_claims_set_str(c, "wv_orgcode", s->basis == MND_BASIS_KBO ? s->party : NULL) ||
        !mnd_claims_set_str(c, "ssm_mandaatgever", s->basis == MND_BASIS_MANDATE ? s->party : NULL))
        return 0;
    return json_object_set_new(c, mnd_claims_rol_3d_name(p, s->service_id),
                               mnd_claims_string_array(mnd_claims_rol_3d(p, s))) == 0;
}

int mnd_claims_add_capacity(apr_pool_t *p, json_t *c, const mnd_session_t *s,
                            const char *shown_party)
{
    if (json_object_set_new(c, "represents",
                            mnd_claims_party_object(p, s->party, shown_party, s->party_name)))
        return 0;
    if (s->via &&
        json_object_set_new(c, "via", mnd_claims_party_object(p, s->via, s->via, s->via_name)))
        return 0;
    return mnd_claims_set_str(c, "basis", mnd_basis_name(s->basis)) &&
           mnd_claims_set_str(c, "mandate_id", mnd_claims_mandate_id(p, s)) &&
           json_object_set_new(c, "authorization_details",
                               mnd_claims_authorization_details(p, s)) == 0;
}

static int standard_claims(apr_pool_t *p, json_t *c, const mnd_session_t *s)
{
    return mnd_claims_set_str(c, "sub", s->actor) &&
           mnd_claims_set_str(c, "given_name", s->given_name) &&
           mnd_claims_set_str(c, "family_name", s->family_name) &&
           mnd_claims_set_str(c, "acr", apr_psprintf(p, "loa:%d", s->loa)) &&
           mnd_claims_add_capacity(p, c, s, s->party);
}

static mnd_error_t *claims_check(apr_pool_t *p, const mnd_session_t *s, mnd_time_t now, int ttl)
{
    const char *bad = NULL;
    if (!s)
        bad = "no session";
    else if (!present(s->actor) || !present(s->service_id) || !present(s->party) ||
             !present(s->cap_key) || !present(s->id))
        bad = "the session lacks its actor, service, party, capacity or id";
    else if ((unsigned)s->basis >= MND_BASIS__N)
        bad = "the session's basis is unknown";
    else if (!mnd_claims_party_type(p, s->party) || (s->via && !mnd_claims_party_type(p, s->via)))
        bad = "party and via must be party ids";
    else if (ttl <= 0 || now < 0 || now > MND_TIME_NONE - ttl)
        bad = "the lifetime must be positive and now a real time";
    if (bad)
        return mnd_error(p, MND_EINVAL, "claims: %s", bad);
    if (now >= s->expires)
        return mnd_error(p, MND_ECONFLICT, "claims: the session has ended");
    return NULL;
}

mnd_error_t *mnd_claims_json(apr_pool_t *p, const mnd_session_t *s, const char *issuer,
                             mnd_time_t now, int ttl, const char **out)
{
    const char *jti, *sid;
    mnd_time_t exp;
    json_t *c;
    char *txt;
    int ok;

    *out = NULL;
    MND_TRY(claims_check(p, s, now, ttl));
    MND_TRY(mnd_random_token(p, CLAIMS_JTI_BYTES, &jti));
    sid = mnd_hmac_b64url(p, CLAIMS_SID_LABEL, s->id, CLAIMS_SID_BYTES);
    if (!sid)
        return mnd_error(p, MND_EINTERNAL, "claims: deriving sid failed");
    /* A token never outlives the session it describes. */
    exp = now + ttl < s->expires ? now + ttl : s->expires;
    c = json_object();
    ok = c && mnd_claims_set_str(c, "iss", issuer) && mnd_claims_set_str(c, "aud", s->service_id) &&
         json_object_set_new(c, "iat", json_integer(now)) == 0 &&
         json_object_set_new(c, "exp", json_integer(exp)) == 0 &&
         mnd_claims_set_str(c, "jti", jti) && standard_claims(p, c, s) &&
         mnd_claims_add_acm(p, c, s) && mnd_claims_set_str(c, "sid", sid) &&
         mnd_claims_set_str(c, "txn", s->txn_id);
    txt = ok ? json_dumps(c, JSON_COMPACT) : NULL;
    json_decref(c);
    if (!txt)
        return mnd_error(p, MND_EINVAL, "claims: a member is not valid UTF-8 or memory ran out");
    *out = apr_pstrdup(p, txt);
    free(txt);
    return NULL;
}
