/* The claims of the OpenID provider's tokens, built from one mandaat session. The capacity
 * claims are made of the helpers of flow/claims.h, so that an application sees the same values
 * whether it sits behind the gateway, speaks SAML or OIDC; where OIDC differs (subjects that
 * are pairwise per client, the national number only for clients allowed it) docs/oidc.md,
 * "Tokens and claims", says why. */
#include "oidc/tokens.h"

#include "crypto/seal.h"
#include "flow/claims.h"
#include "util/json_text.h"

#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The message of a pairwise subject starts with a label of its own, so that no other HMAC
 * under the same secret can ever produce a subject. */
#define SUB_LABEL "mandaat-oidc-sub\n"
#define PAIRWISE_SECRET_MIN 32
/* sid as the gateway's claims derive it (flow/claims.c): the same session has the same sid. */
#define SID_LABEL "mandaat-sid"
#define SID_BYTES 16

const char *mnd_oidc_subject(apr_pool_t *p, const char *pairwise_secret, const mnd_oidc_client_t *c,
                             const char *person)
{
    if (!c || !c->client_id || !person || !*person)
        return NULL;
    if (c->subject_public)
        return person;
    if (!pairwise_secret || strlen(pairwise_secret) < PAIRWISE_SECRET_MIN)
        return NULL;
    return mnd_hmac_b64url(p, pairwise_secret,
                           apr_pstrcat(p, SUB_LABEL, c->client_id, "\n", person, NULL), 32);
}

/* ---- what every token needs --------------------------------------------------------------- */

/* The subjects of one issue: the person's, the represented party's, and the id that stands
 * for the person in represents when it is own name. */
typedef struct subjects_t {
    const char *person;
    const char *party;
    const char *self_id;
} subjects_t;

static mnd_error_t *issue_check(apr_pool_t *p, const mnd_oidc_issue_t *in, subjects_t *sub)
{
    const mnd_session_t *s = in ? in->session : NULL;
    const char *bad = NULL;
    if (!in || !s || !in->client || !in->issuer || !*in->issuer)
        bad = "no issuer, client or session";
    else if (!s->actor || !s->service_id || !s->party || !s->cap_key || !s->id)
        bad = "the session lacks its actor, service, party, capacity or id";
    else if ((unsigned)s->basis >= MND_BASIS__N)
        bad = "the session's basis is unknown";
    else if (!mnd_claims_party_type(p, s->party) || (s->via && !mnd_claims_party_type(p, s->via)))
        bad = "party and via must be party ids";
    else if (in->id_token_ttl <= 0 || in->access_token_ttl <= 0 || in->now < 0 ||
             in->now > MND_TIME_NONE - 86400 * 366)
        bad = "the lifetimes must be positive and now a real time";
    if (bad)
        return mnd_error(p, MND_EINVAL, "OIDC claims: %s", bad);
    if (!in->client->service_id || strcmp(in->client->service_id, s->service_id) != 0)
        return mnd_error(p, MND_EFORBIDDEN,
                         "OIDC claims: the session chose for another service than the client's");
    if (in->now >= s->expires)
        return mnd_error(p, MND_ECONFLICT, "OIDC claims: the session has ended");
    sub->person = mnd_oidc_subject(p, in->pairwise_secret, in->client, s->actor);
    if (!sub->person)
        return mnd_error(p, MND_EINVAL,
                         "OIDC claims: a pairwise subject needs a secret of at "
                         "least %d bytes",
                         PAIRWISE_SECRET_MIN);
    /* An organisation's KBO number is public; a person who is represented keeps a subject
     * of the client's kind, like the acting person. */
    sub->party = mnd_claims_is_org(p, s->party) ? s->party
                 : strcmp(s->party, s->actor) == 0
                     ? sub->person
                     : mnd_oidc_subject(p, in->pairwise_secret, in->client, s->party);
    /* Own name would otherwise put the national number in represents, past the rrn rule. */
    sub->self_id = in->client->rrn ? s->actor : sub->person;
    return NULL;
}

/* A token never outlives the session it describes. */
static mnd_time_t expiry(const mnd_oidc_issue_t *in, int ttl)
{
    return in->now + ttl < in->session->expires ? in->now + ttl : in->session->expires;
}

static int set_int(json_t *o, const char *key, json_int_t v)
{
    return json_object_set_new(o, key, json_integer(v)) == 0;
}

/* Whether the space-separated scope list holds want. */
static int scope_has(const char *scope, const char *want)
{
    size_t n = strlen(want);
    const char *s = scope;
    while (s && *s) {
        const char *end = strchr(s, ' ');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == n && strncmp(s, want, n) == 0)
            return 1;
        s = end ? end + 1 : NULL;
    }
    return 0;
}

/* ---- the capacity claims ----------------------------------------------------------------- */

/* The mandaat profile: represents, via, basis, mandate_id, authorization_details. */
static int mandaat_claims(apr_pool_t *p, json_t *c, const mnd_session_t *s, const subjects_t *sub)
{
    return mnd_claims_add_capacity(p, c, s,
                                   strcmp(s->party, s->actor) == 0 ? sub->self_id : s->party);
}

/* sub, and act when the subject is the represented party (RFC 8693 section 4.1). */
static int subject_claims(json_t *c, const subjects_t *sub, int party)
{
    json_t *act;
    if (!party)
        return mnd_claims_set_str(c, "sub", sub->person);
    act = json_object();
    return act && mnd_claims_set_str(act, "sub", sub->person) &&
           mnd_claims_set_str(c, "sub", sub->party) && json_object_set_new(c, "act", act) == 0;
}

/* ---- the tokens -------------------------------------------------------------------------- */

static mnd_error_t *dump(apr_pool_t *p, json_t *c, int ok, const char **json)
{
    char *txt = ok && c ? json_dumps(c, JSON_COMPACT) : NULL;
    json_decref(c);
    if (!txt)
        return mnd_error(p, MND_EINVAL,
                         "OIDC claims: a member is not valid UTF-8 or memory ran out");
    *json = apr_pstrdup(p, txt);
    mnd_json_text_free(txt);
    return NULL;
}

/* The id_token's claims; for userinfo without the members that only make sense in a token. */
static mnd_error_t *person_claims(apr_pool_t *p, const mnd_oidc_issue_t *in, int userinfo,
                                  const char **json)
{
    const mnd_oidc_client_t *c = in ? in->client : NULL;
    const mnd_session_t *s;
    subjects_t sub;
    const char *sid;
    json_t *o;
    int ok, token = !userinfo;

    *json = NULL;
    MND_TRY(issue_check(p, in, &sub));
    s = in->session;
    sid = mnd_hmac_b64url(p, SID_LABEL, s->id, SID_BYTES);
    o = json_object();
    ok = o && (!token || mnd_claims_set_str(o, "iss", in->issuer)) &&
         subject_claims(o, &sub, c->subject_party) &&
         (!token ||
          (mnd_claims_set_str(o, "aud", c->client_id) &&
           mnd_claims_set_str(o, "azp", c->client_id) &&
           set_int(o, "exp", expiry(in, in->id_token_ttl)) && set_int(o, "iat", in->now) &&
           set_int(o, "auth_time", in->auth_time) && mnd_claims_set_str(o, "nonce", in->nonce))) &&
         mnd_claims_set_str(o, "acr", apr_psprintf(p, "loa:%d", s->loa)) && sid &&
         mnd_claims_set_str(o, "sid", sid);
    if (ok && scope_has(in->scope, "profile"))
        ok = mnd_claims_set_str(o, "given_name", s->given_name) &&
             mnd_claims_set_str(o, "family_name", s->family_name);
    if (ok && c->rrn)
        ok = mnd_claims_set_str(o, "rrn", s->actor);
    if (ok && c->profile_acm)
        ok = mnd_claims_add_acm(p, o, s);
    if (ok && c->profile_mandaat)
        ok = mandaat_claims(p, o, s, &sub);
    return dump(p, o, ok, json);
}

mnd_error_t *mnd_oidc_id_token_claims(apr_pool_t *p, const mnd_oidc_issue_t *in, const char **json)
{
    return person_claims(p, in, 0, json);
}

mnd_error_t *mnd_oidc_userinfo_claims(apr_pool_t *p, const mnd_oidc_issue_t *in, const char **json)
{
    return person_claims(p, in, 1, json);
}

mnd_error_t *mnd_oidc_access_token_claims(apr_pool_t *p, const mnd_oidc_issue_t *in,
                                          const char **json)
{
    const mnd_session_t *s;
    subjects_t sub;
    json_t *o;
    int ok;

    *json = NULL;
    MND_TRY(issue_check(p, in, &sub));
    if (!in->jti || !*in->jti)
        return mnd_error(p, MND_EINVAL, "OIDC claims: an access token needs a jti");
    s = in->session;
    o = json_object();
    /* An API authorises per represented party: sub is the party, whatever the client's
     * id_token subject is. */
    ok = o && mnd_claims_set_str(o, "iss", in->issuer) && subject_claims(o, &sub, 1) &&
         mnd_claims_set_str(o, "aud", s->service_id) &&
         mnd_claims_set_str(o, "client_id", in->client->client_id) &&
         mnd_claims_set_str(o, "scope", in->scope) && set_int(o, "iat", in->now) &&
         set_int(o, "exp", expiry(in, in->access_token_ttl)) &&
         mnd_claims_set_str(o, "jti", in->jti) && set_int(o, "auth_time", in->auth_time) &&
         mnd_claims_set_str(o, "acr", apr_psprintf(p, "loa:%d", s->loa)) &&
         json_object_set_new(o, "authorization_details", mnd_claims_authorization_details(p, s)) ==
             0;
    return dump(p, o, ok, json);
}

mnd_error_t *mnd_oidc_token_response(apr_pool_t *p, const char *access_token, int expires_in,
                                     const char *id_token, const char *scope, const char **json)
{
    json_t *o;
    int ok;
    *json = NULL;
    if (!access_token || !*access_token || expires_in <= 0)
        return mnd_error(p, MND_EINVAL,
                         "token response: an access token and a positive "
                         "lifetime are required");
    o = json_object();
    ok = o && mnd_claims_set_str(o, "access_token", access_token) &&
         mnd_claims_set_str(o, "token_type", "Bearer") && set_int(o, "expires_in", expires_in) &&
         mnd_claims_set_str(o, "id_token", id_token) && mnd_claims_set_str(o, "scope", scope);
    return dump(p, o, ok, json);
}

/* RFC 6749 section 5.2 allows %x20-21 / %x23-5B / %x5D-7E in error and error_description;
 * anything else becomes '?', so that no caller can put a quote, a backslash or a control
 * character in front of a client. */
static const char *error_text(apr_pool_t *p, const char *s)
{
    char *o = apr_pstrdup(p, s), *c;
    for (c = o; *c; c++)
        if (*c < 0x20 || *c > 0x7E || *c == '"' || *c == '\\')
            *c = '?';
    return o;
}

const char *mnd_oidc_error_json(apr_pool_t *p, const char *error, const char *description)
{
    json_t *o = json_object();
    char *txt;
    const char *out;
    if (!o ||
        !mnd_claims_set_str(o, "error", error_text(p, error && *error ? error : "server_error")) ||
        (description && !mnd_claims_set_str(o, "error_description", error_text(p, description)))) {
        json_decref(o);
        return "{\"error\":\"server_error\"}";
    }
    txt = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    out = txt ? apr_pstrdup(p, txt) : "{\"error\":\"server_error\"}";
    mnd_json_text_free(txt);
    return out;
}
