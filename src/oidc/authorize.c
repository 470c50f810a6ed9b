/* The authorization request: the checks of authorize.h in the order that decides how a refusal
 * is answered. Until client_id and redirect_uri are vetted nothing may go back to the
 * redirect_uri (an open redirector otherwise), so those two refuse with an error page; every
 * later rule refuses by redirect, in the response mode asked for when that one is valid. */
#include "oidc/authorize.h"

#include "flow/json_in.h"
#include "oidc/params.h"

#include <apr_escape.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MND_OIDC_MAX_STATE 512  /* bytes of state and of nonce (authorize.h) */
#define MND_OIDC_CHALLENGE_LEN 43 /* base64url of a SHA-256 without padding */
#define MND_OIDC_MAX_LOA 999    /* loa:<n> with more digits is not one of ours */
#define MND_OIDC_AUTHZ_JSON_MAX (32 * 1024)
#define MND_OIDC_MAX_COUNT 0x7fffffffL /* largest max_age kept */

/* Fill e for a refusal and return the error for the log. e->redirect_uri, state and form_post
 * are set by the caller once known (they stay NULL/0 for an error page). */
static mnd_error_t *refuse(apr_pool_t *p, mnd_oidc_authz_error_t *e, const char *error,
                           const char *description, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static mnd_error_t *refuse(apr_pool_t *p, mnd_oidc_authz_error_t *e, const char *error,
                           const char *description, const char *fmt, ...)
{
    va_list ap;
    const char *msg;
    va_start(ap, fmt);
    msg = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    e->error = error;
    e->description = description;
    if (!e->redirect) {
        e->redirect_uri = NULL;
        e->state = NULL;
        e->form_post = 0;
    }
    return mnd_error(p, MND_EINVAL, "authorization request: %s", msg);
}

/* client_id and redirect_uri: refused with an error page, never a redirect. The redirect_uri
 * is compared byte for byte: no normalisation of case, slashes or escapes, since every
 * normalisation is a way past the registration (RFC 9700 section 4.1.3). */
static mnd_error_t *check_client(apr_pool_t *p, const mnd_oidc_registry_t *reg,
                                 apr_hash_t *params, const mnd_oidc_client_t **client,
                                 mnd_oidc_authz_error_t *e)
{
    const char *id = mnd_oidc_param(params, "client_id");
    const char *uri = mnd_oidc_param(params, "redirect_uri");
    const mnd_oidc_client_t *c;
    if (!id)
        return refuse(p, e, "invalid_request", "client_id is missing", "no client_id");
    if (!(c = mnd_oidc_registry_find(reg, id)))
        return refuse(p, e, "invalid_client", "unknown client_id",
                      "client_id is not a registered client");
    if (!uri)
        return refuse(p, e, "invalid_request", "redirect_uri is missing",
                      "client %s: no redirect_uri (required even with a single one registered)",
                      c->client_id);
    if (!mnd_oidc_client_redirect_ok(c, uri))
        return refuse(p, e, "invalid_request", "redirect_uri is not registered for the client",
                      "client %s: redirect_uri is not exactly one of the client's",
                      c->client_id);
    *client = c;
    return NULL;
}

/* Space-separated tokens of s, empty ones (doubled spaces) skipped. */
static apr_array_header_t *tokens(apr_pool_t *p, const char *s)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    char *last, *t, *copy = apr_pstrdup(p, s);
    for (t = apr_strtok(copy, " ", &last); t; t = apr_strtok(NULL, " ", &last))
        APR_ARRAY_PUSH(a, const char *) = t;
    return a;
}

static int has_token(const apr_array_header_t *a, const char *t)
{
    for (int i = 0; i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), t) == 0)
            return 1;
    return 0;
}

/* RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
static int scope_token_ok(const char *t)
{
    for (const unsigned char *u = (const unsigned char *)t; *u; u++)
        if (*u < 0x21 || *u > 0x7E || *u == '"' || *u == '\\')
            return 0;
    return *t != '\0';
}

/* scope: openid present, every token allowed for the client; *out is openid first, then the
 * others in request order, each once. */
static mnd_error_t *check_scope(apr_pool_t *p, const mnd_oidc_client_t *c, const char *scope,
                                const char **out, mnd_oidc_authz_error_t *e)
{
    apr_array_header_t *in = tokens(p, scope ? scope : ""), *seen;
    const char *norm = "openid";
    if (!has_token(in, "openid"))
        return refuse(p, e, "invalid_scope", "scope must contain openid",
                      "client %s: scope lacks openid", c->client_id);
    seen = apr_array_make(p, in->nelts, sizeof(const char *));
    for (int i = 0; i < in->nelts; i++) {
        const char *t = APR_ARRAY_IDX(in, i, const char *);
        if (!scope_token_ok(t))
            return refuse(p, e, "invalid_scope", "scope is malformed",
                          "client %s: a scope token has a character RFC 6749 3.3 forbids",
                          c->client_id);
        if (!mnd_oidc_client_scope_ok(c, t))
            return refuse(p, e, "invalid_scope", "a requested scope is not allowed",
                          "client %s: a requested scope is not among the client's scopes",
                          c->client_id);
        if (strcmp(t, "openid") == 0 || has_token(seen, t))
            continue;
        APR_ARRAY_PUSH(seen, const char *) = t;
        norm = apr_pstrcat(p, norm, " ", t, NULL);
    }
    *out = norm;
    return NULL;
}

static int b64url_char(char ch)
{
    return apr_isalnum(ch) || ch == '-' || ch == '_';
}

/* PKCE (RFC 7636): S256 only. A challenge without a method is "plain" by RFC 7636 section 4.3,
 * so it is refused like an explicit plain: accepting it as S256 would fail later at /token. */
static mnd_error_t *check_pkce(apr_pool_t *p, const mnd_oidc_client_t *c, apr_hash_t *params,
                               const char **out, mnd_oidc_authz_error_t *e)
{
    const char *ch = mnd_oidc_param(params, "code_challenge");
    const char *method = mnd_oidc_param(params, "code_challenge_method");
    size_t n;
    if (!ch) {
        if (method)
            return refuse(p, e, "invalid_request", "code_challenge_method without code_challenge",
                          "client %s: code_challenge_method without code_challenge",
                          c->client_id);
        if (c->auth == MND_OIDC_AUTH_NONE)
            return refuse(p, e, "invalid_request", "PKCE code_challenge required",
                          "client %s: a public client must send a PKCE code_challenge",
                          c->client_id);
        *out = NULL;
        return NULL;
    }
    if (!method || strcmp(method, "S256") != 0)
        return refuse(p, e, "invalid_request", "code_challenge_method must be S256",
                      "client %s: code_challenge_method is %s, only S256 is supported",
                      c->client_id, method ? "not S256" : "absent (plain)");
    n = strlen(ch);
    for (size_t i = 0; i < n; i++)
        if (!b64url_char(ch[i]))
            n = 0;
    if (n != MND_OIDC_CHALLENGE_LEN)
        return refuse(p, e, "invalid_request", "code_challenge is malformed",
                      "client %s: code_challenge is not 43 base64url characters", c->client_id);
    *out = ch;
    return NULL;
}

/* prompt: a set of known values; "none" alone (OIDC Core 3.1.2.1). */
static mnd_error_t *check_prompt(apr_pool_t *p, const mnd_oidc_client_t *c, const char *prompt,
                                 int *out, mnd_oidc_authz_error_t *e)
{
    static const struct { const char *name; int bit; } known[] = {
        {"none", MND_OIDC_PROMPT_NONE},
        {"login", MND_OIDC_PROMPT_LOGIN},
        {"select_account", MND_OIDC_PROMPT_SELECT_ACCOUNT},
        {"consent", MND_OIDC_PROMPT_CONSENT},
    };
    apr_array_header_t *a = tokens(p, prompt ? prompt : "");
    int set = 0;
    for (int i = 0; i < a->nelts; i++) {
        const char *t = APR_ARRAY_IDX(a, i, const char *);
        size_t k;
        for (k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strcmp(t, known[k].name) == 0)
                break;
        if (k == sizeof known / sizeof known[0])
            return refuse(p, e, "invalid_request", "unknown prompt value",
                          "client %s: prompt has an unknown value", c->client_id);
        set |= known[k].bit;
    }
    if ((set & MND_OIDC_PROMPT_NONE) && set != MND_OIDC_PROMPT_NONE)
        return refuse(p, e, "invalid_request", "prompt none must be alone",
                      "client %s: prompt none combined with another value", c->client_id);
    *out = set;
    return NULL;
}

/* Digits only (no sign, no space, no empty string); a value over MND_OIDC_MAX_COUNT is
 * taken as that (for max_age: 68 years mean the same as any more). -1 when not digits. */
static long parse_count(const char *s)
{
    long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (!apr_isdigit(*s))
            return -1;
        v = v * 10 + (*s - '0');
        if (v > MND_OIDC_MAX_COUNT)
            v = MND_OIDC_MAX_COUNT;
    }
    return v;
}

/* max_age and acr_values. */
static mnd_error_t *check_age_acr(apr_pool_t *p, const mnd_oidc_client_t *c, apr_hash_t *params,
                                  mnd_oidc_authz_t *a, mnd_oidc_authz_error_t *e)
{
    const char *max_age = mnd_oidc_param(params, "max_age");
    const char *acr = mnd_oidc_param(params, "acr_values");
    a->max_age = -1;
    a->min_loa = 0;
    if (max_age && (a->max_age = parse_count(max_age)) < 0)
        return refuse(p, e, "invalid_request", "max_age must be a non-negative integer",
                      "client %s: max_age is not a non-negative integer", c->client_id);
    if (acr) {
        apr_array_header_t *v = tokens(p, acr);
        int found = 0;
        for (int i = 0; i < v->nelts; i++) {
            const char *t = APR_ARRAY_IDX(v, i, const char *);
            long n;
            /* Others' values are ignored (acr_values are voluntary claims, OIDC 5.5.1.1). */
            if (strncmp(t, "loa:", 4) != 0 || strlen(t + 4) > 3 || (n = parse_count(t + 4)) < 0)
                continue;
            if (!found || n < a->min_loa)
                a->min_loa = (int)n;
            found = 1;
        }
        if (!found)
            return refuse(p, e, "invalid_request", "acr_values names no loa:<n> value",
                          "client %s: acr_values names none of our loa:<n> values",
                          c->client_id);
    }
    return NULL;
}

/* response_mode first, so that every later refusal goes back the way the client asked. */
static mnd_error_t *check_mode(apr_pool_t *p, const mnd_oidc_client_t *c, apr_hash_t *params,
                               mnd_oidc_authz_error_t *e)
{
    const char *mode = mnd_oidc_param(params, "response_mode");
    if (!mode || strcmp(mode, "query") == 0)
        return NULL;
    if (strcmp(mode, "form_post") == 0) {
        e->form_post = 1;
        return NULL;
    }
    return refuse(p, e, "invalid_request", "response_mode must be query or form_post",
                  "client %s: response_mode is neither query nor form_post", c->client_id);
}

/* The rules answered by redirect that need no parsing of their own. */
static mnd_error_t *check_plain(apr_pool_t *p, const mnd_oidc_client_t *c, apr_hash_t *params,
                                mnd_oidc_authz_error_t *e)
{
    const char *rt = mnd_oidc_param(params, "response_type");
    const char *nonce = mnd_oidc_param(params, "nonce");
    if (mnd_oidc_param(params, "request"))
        return refuse(p, e, "request_not_supported", "the request parameter is not supported",
                      "client %s: request object (request) not supported", c->client_id);
    if (mnd_oidc_param(params, "request_uri"))
        return refuse(p, e, "request_uri_not_supported", "request_uri is not supported",
                      "client %s: request_uri not supported", c->client_id);
    if (!rt)
        return refuse(p, e, "invalid_request", "response_type is missing",
                      "client %s: no response_type", c->client_id);
    if (strcmp(rt, "code") != 0)
        return refuse(p, e, "unsupported_response_type", "only response_type code is supported",
                      "client %s: response_type is not code", c->client_id);
    if (nonce && strlen(nonce) > MND_OIDC_MAX_STATE)
        return refuse(p, e, "invalid_request", "nonce is too long",
                      "client %s: nonce over %d bytes", c->client_id, MND_OIDC_MAX_STATE);
    return NULL;
}

mnd_error_t *mnd_oidc_authorize_check(apr_pool_t *p, const mnd_oidc_registry_t *reg,
                                      apr_hash_t *params, mnd_oidc_authz_t **out,
                                      mnd_oidc_authz_error_t *e)
{
    const mnd_oidc_client_t *c = NULL;
    const char *state = mnd_oidc_param(params, "state");
    mnd_oidc_authz_t *a;
    memset(e, 0, sizeof(*e));
    *out = NULL;
    MND_TRY(check_client(p, reg, params, &c, e));
    /* From here the redirect_uri is vetted: refusals go back to it. */
    e->redirect = 1;
    e->redirect_uri = mnd_oidc_param(params, "redirect_uri");
    /* An oversized state is not echoed: the refusal is of that very value. */
    if (!state || strlen(state) <= MND_OIDC_MAX_STATE)
        e->state = state;
    MND_TRY(check_mode(p, c, params, e));
    if (state && !e->state)
        return refuse(p, e, "invalid_request", "state is too long",
                      "client %s: state over %d bytes", c->client_id, MND_OIDC_MAX_STATE);
    MND_TRY(check_plain(p, c, params, e));
    a = apr_pcalloc(p, sizeof(*a));
    a->client = c;
    a->redirect_uri = e->redirect_uri;
    a->state = state;
    a->nonce = mnd_oidc_param(params, "nonce");
    a->login_hint = mnd_oidc_param(params, "login_hint");
    a->form_post = e->form_post;
    MND_TRY(check_scope(p, c, mnd_oidc_param(params, "scope"), &a->scope, e));
    MND_TRY(check_pkce(p, c, params, &a->code_challenge, e));
    MND_TRY(check_prompt(p, c, mnd_oidc_param(params, "prompt"), &a->prompt, e));
    MND_TRY(check_age_acr(p, c, params, a, e));
    *out = a;
    return NULL;
}

/* ---- the pending request in the transaction ---- */

/* Adds v (when not NULL) as a string member; 0 when jansson refuses it (not UTF-8), which
 * must fail the whole dump rather than silently drop, say, the state. */
static int set_str(json_t *o, const char *name, const char *v)
{
    json_t *s;
    if (!v)
        return 1;
    if (!(s = json_string(v)))
        return 0;
    return json_object_set_new(o, name, s) == 0;
}

mnd_error_t *mnd_oidc_authz_to_json(apr_pool_t *p, const mnd_oidc_authz_t *a, const char **json)
{
    json_t *o = json_object();
    char *text = NULL;
    int ok = set_str(o, "client_id", a->client->client_id) &&
             set_str(o, "redirect_uri", a->redirect_uri) && set_str(o, "scope", a->scope) &&
             set_str(o, "state", a->state) && set_str(o, "nonce", a->nonce) &&
             set_str(o, "code_challenge", a->code_challenge) &&
             set_str(o, "login_hint", a->login_hint);
    json_object_set_new(o, "prompt", json_integer(a->prompt));
    json_object_set_new(o, "max_age", json_integer(a->max_age));
    json_object_set_new(o, "min_loa", json_integer(a->min_loa));
    json_object_set_new(o, "form_post", json_boolean(a->form_post));
    if (ok)
        text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        return mnd_error(p, MND_EINVAL, "authorization request: a value is not UTF-8, "
                         "not kept");
    *json = apr_pstrdup(p, text);
    free(text);
    return NULL;
}

/* A string member (absent or null gives NULL); MND_EINVAL when of another type. */
static mnd_error_t *get_str(apr_pool_t *p, json_t *o, const char *name, const char **v)
{
    json_t *m = json_object_get(o, name);
    *v = NULL;
    if (!m || json_is_null(m))
        return NULL;
    if (!json_is_string(m))
        return mnd_error(p, MND_EINVAL, "pending authorization request: %s not a string", name);
    *v = apr_pstrdup(p, json_string_value(m));
    return NULL;
}

static mnd_error_t *get_int(apr_pool_t *p, json_t *o, const char *name, long lo, long hi,
                            long *v)
{
    json_t *m = json_object_get(o, name);
    if (!json_is_integer(m) || json_integer_value(m) < lo || json_integer_value(m) > hi)
        return mnd_error(p, MND_EINVAL, "pending authorization request: %s not an integer "
                         "in [%ld, %ld]", name, lo, hi);
    *v = (long)json_integer_value(m);
    return NULL;
}

static mnd_error_t *from_object(apr_pool_t *p, json_t *o, mnd_oidc_authz_t *a,
                                const char **client_id)
{
    long prompt, loa;
    json_t *fp;
    if (!json_is_object(o))
        return mnd_error(p, MND_EINVAL, "pending authorization request: not a JSON object");
    fp = json_object_get(o, "form_post");
    MND_TRY(get_str(p, o, "client_id", client_id));
    MND_TRY(get_str(p, o, "redirect_uri", &a->redirect_uri));
    MND_TRY(get_str(p, o, "scope", &a->scope));
    MND_TRY(get_str(p, o, "state", &a->state));
    MND_TRY(get_str(p, o, "nonce", &a->nonce));
    MND_TRY(get_str(p, o, "code_challenge", &a->code_challenge));
    MND_TRY(get_str(p, o, "login_hint", &a->login_hint));
    MND_TRY(get_int(p, o, "prompt", 0, 15, &prompt));
    MND_TRY(get_int(p, o, "max_age", -1, MND_OIDC_MAX_COUNT, &a->max_age));
    MND_TRY(get_int(p, o, "min_loa", 0, MND_OIDC_MAX_LOA, &loa));
    if (!*client_id || !a->redirect_uri || !a->scope || !json_is_boolean(fp))
        return mnd_error(p, MND_EINVAL, "pending authorization request: client_id, "
                         "redirect_uri, scope or form_post missing");
    a->prompt = (int)prompt;
    a->min_loa = (int)loa;
    a->form_post = json_is_true(fp);
    return NULL;
}

mnd_error_t *mnd_oidc_authz_from_json(apr_pool_t *p, const mnd_oidc_registry_t *reg,
                                      const char *json, mnd_oidc_authz_t **out)
{
    mnd_oidc_authz_t *a = apr_pcalloc(p, sizeof(*a));
    const char *client_id = NULL;
    mnd_error_t *err;
    json_t *o;
    apr_array_header_t *scopes;
    MND_TRY(mnd_json_in(p, "pending authorization request", json, strlen(json),
                        MND_OIDC_AUTHZ_JSON_MAX, &o));
    err = from_object(p, o, a, &client_id);
    json_decref(o);
    MND_TRY(err);
    /* The registry may have been reloaded while the person chose: what the request was
     * checked against must still hold. */
    if (!(a->client = mnd_oidc_registry_find(reg, client_id)))
        return mnd_error(p, MND_ENOTFOUND, "pending authorization request: client %s is no "
                         "longer registered", client_id);
    if (!mnd_oidc_client_redirect_ok(a->client, a->redirect_uri))
        return mnd_error(p, MND_ENOTFOUND, "pending authorization request: client %s no longer "
                         "has that redirect_uri", client_id);
    scopes = tokens(p, a->scope);
    for (int i = 0; i < scopes->nelts; i++)
        if (!mnd_oidc_client_scope_ok(a->client, APR_ARRAY_IDX(scopes, i, const char *)))
            return mnd_error(p, MND_ENOTFOUND, "pending authorization request: client %s no "
                             "longer has a requested scope", client_id);
    *out = a;
    return NULL;
}

const char *mnd_oidc_redirect_url(apr_pool_t *p, const char *redirect_uri,
                                  const char *const *params)
{
    size_t n = strlen(redirect_uri);
    const char *sep = !strchr(redirect_uri, '?') ? "?"
                      : n && (redirect_uri[n - 1] == '?' || redirect_uri[n - 1] == '&') ? ""
                      : "&";
    const char *url = redirect_uri;
    for (; params && params[0]; params += 2) {
        if (!params[1])
            continue;
        url = apr_pstrcat(p, url, sep, apr_pescape_urlencoded(p, params[0]), "=",
                          apr_pescape_urlencoded(p, params[1]), NULL);
        sep = "&";
    }
    return url;
}
