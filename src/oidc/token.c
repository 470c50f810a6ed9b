/* The token endpoint's checks: the authorization code as sealed JSON, client authentication
 * (RFC 6749 section 2.3.1, RFC 7523), PKCE (RFC 7636) and the binding of a code to its client,
 * redirect_uri and verifier. Every refusal says which rule it broke, never the secret, code or
 * assertion that broke it. See docs/oidc.md, "Token endpoint". */
#include "oidc/token.h"

#include "crypto/seal.h"
#include "flow/json_in.h"
#include "jose/jwt.h"
#include "oidc/params.h"
#include "util/json_text.h"

#include <apr_encode.h>
#include <apr_escape.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#define CODE_JSON_MAX (64 * 1024)
#define CLOCK_SKEW 30
#define ASSERTION_MAX_LIFE 600
#define JTI_MAX 256
#define BASIC_MAX 4096
#define PKCE_VERIFIER_MIN 43
#define PKCE_VERIFIER_MAX 128
#define PKCE_CHALLENGE_LEN 43
#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* ---- the code ---------------------------------------------------------------------------- */

static mnd_error_t *code_valid(apr_pool_t *p, const mnd_oidc_code_t *c)
{
    const char *bad = NULL;
    if (!c->client_id || !*c->client_id || !c->scope || !*c->scope || !c->session_json ||
        !*c->session_json)
        bad = "client_id, scope and session are required";
    else if (c->redirect_uri && !*c->redirect_uri)
        bad = "redirect_uri must not be empty";
    else if (c->code_challenge && strlen(c->code_challenge) != PKCE_CHALLENGE_LEN)
        bad = "code_challenge must be an S256 challenge (43 characters)";
    else if (c->issued < 0 || c->expires <= c->issued ||
             c->expires - c->issued > MND_OIDC_CODE_MAX_TTL)
        bad = "a code lives more than 0 and at most " APR_STRINGIFY(MND_OIDC_CODE_MAX_TTL) " s";
    if (bad)
        return mnd_error(p, MND_EINVAL, "OIDC code: %s", bad);
    return NULL;
}

static int set_opt(json_t *o, const char *key, const char *v)
{
    return !v || json_object_set_new(o, key, json_string(v)) == 0;
}

mnd_error_t *mnd_oidc_code_to_json(apr_pool_t *p, const mnd_oidc_code_t *c, const char **json)
{
    json_t *o;
    char *txt = NULL;
    *json = NULL;
    if (!c)
        return mnd_error(p, MND_EINVAL, "OIDC code: none given");
    MND_TRY(code_valid(p, c));
    o = json_object();
    if (o && set_opt(o, "client_id", c->client_id) && set_opt(o, "redirect_uri", c->redirect_uri) &&
        set_opt(o, "code_challenge", c->code_challenge) && set_opt(o, "nonce", c->nonce) &&
        set_opt(o, "scope", c->scope) &&
        json_object_set_new(o, "issued", json_integer(c->issued)) == 0 &&
        json_object_set_new(o, "expires", json_integer(c->expires)) == 0 &&
        json_object_set_new(o, "auth_time", json_integer(c->auth_time)) == 0 &&
        set_opt(o, "session", c->session_json))
        txt = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!txt)
        return mnd_error(p, MND_EINVAL, "OIDC code: a member is not valid UTF-8");
    *json = apr_pstrdup(p, txt);
    mnd_json_text_free(txt);
    return NULL;
}

/* Member name of o as a pool string; 0 if present but not a string. */
static int get_str(apr_pool_t *p, json_t *o, const char *name, const char **out)
{
    json_t *v = json_object_get(o, name);
    *out = json_is_string(v) ? apr_pstrdup(p, json_string_value(v)) : NULL;
    return !v || json_is_string(v);
}

static int get_time(json_t *o, const char *name, mnd_time_t *out)
{
    json_t *v = json_object_get(o, name);
    *out = json_is_integer(v) ? (mnd_time_t)json_integer_value(v) : 0;
    return json_is_integer(v);
}

static mnd_error_t *code_members(apr_pool_t *p, json_t *o, mnd_oidc_code_t *c)
{
    static const char *const known[] = {
        "client_id", "redirect_uri", "code_challenge", "nonce",   "scope",
        "issued",    "expires",      "auth_time",      "session", NULL};
    const char *key;
    json_t *v;
    int i;
    if (!json_is_object(o))
        return mnd_error(p, MND_EINVAL, "OIDC code: not a JSON object");
    json_object_foreach(o, key, v)
    {
        for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
            ;
        if (!known[i])
            return mnd_error(p, MND_EINVAL, "OIDC code: unknown member");
    }
    if (!get_str(p, o, "client_id", &c->client_id) ||
        !get_str(p, o, "redirect_uri", &c->redirect_uri) ||
        !get_str(p, o, "code_challenge", &c->code_challenge) ||
        !get_str(p, o, "nonce", &c->nonce) || !get_str(p, o, "scope", &c->scope) ||
        !get_str(p, o, "session", &c->session_json))
        return mnd_error(p, MND_EINVAL, "OIDC code: a text member is not a string");
    if (!get_time(o, "issued", &c->issued) || !get_time(o, "expires", &c->expires) ||
        !get_time(o, "auth_time", &c->auth_time))
        return mnd_error(p, MND_EINVAL,
                         "OIDC code: issued, expires and auth_time must be "
                         "integers");
    return code_valid(p, c);
}

mnd_error_t *mnd_oidc_code_from_json(apr_pool_t *p, const char *json, size_t len,
                                     mnd_oidc_code_t **out)
{
    mnd_oidc_code_t *c = apr_pcalloc(p, sizeof(*c));
    json_t *o = NULL;
    mnd_error_t *err;
    *out = NULL;
    MND_TRY(mnd_json_in(p, "OIDC code", json, len, CODE_JSON_MAX, &o));
    err = code_members(p, o, c);
    json_decref(o);
    if (!err)
        *out = c;
    return err;
}

/* ---- client authentication --------------------------------------------------------------- */

/* The client_id and secret of "Basic base64(urlencode(id) ":" urlencode(secret))". */
static mnd_error_t *basic_credentials(apr_pool_t *p, const char *header, const char **id,
                                      const char **secret)
{
    const char *b64 = header;
    const char *raw, *colon;
    apr_size_t n = 0;
    if (strlen(header) > BASIC_MAX || strncasecmp(header, "Basic ", 6) != 0)
        return mnd_error(p, MND_EINVAL,
                         "client authentication: the Authorization header "
                         "must be \"Basic\" credentials");
    for (b64 += 6; *b64 == ' '; b64++)
        ;
    raw = *b64 ? apr_pdecode_base64(p, b64, APR_ENCODE_STRING, APR_ENCODE_NONE, &n) : NULL;
    if (!raw || strlen(raw) != n || !(colon = strchr(raw, ':')))
        return mnd_error(p, MND_EINVAL,
                         "client authentication: the Basic credentials are "
                         "not base64 of \"id:secret\"");
    /* RFC 6749 section 2.3.1: both halves are form-urlencoded first; a bad escape or %00 is
     * malformed, not a different secret. */
    *id = apr_punescape_url(p, apr_pstrmemdup(p, raw, (apr_size_t)(colon - raw)), NULL, NULL, 1);
    *secret = apr_punescape_url(p, colon + 1, NULL, NULL, 1);
    if (!*id || !*secret || !**id || !**secret)
        return mnd_error(p, MND_EINVAL,
                         "client authentication: the Basic id or secret is "
                         "empty or badly url-encoded");
    return NULL;
}

static const char *method_name(mnd_oidc_auth_t m)
{
    switch (m) {
    case MND_OIDC_AUTH_SECRET_BASIC:
        return "client_secret_basic";
    case MND_OIDC_AUTH_SECRET_POST:
        return "client_secret_post";
    case MND_OIDC_AUTH_PRIVATE_KEY_JWT:
        return "private_key_jwt";
    default:
        return "none";
    }
}

/* The claimed client of an assertion before its signature is checked: only to find the keys
 * to check it with. */
static mnd_error_t *assertion_subject(apr_pool_t *p, const char *jws, const char **sub)
{
    const char *dot1 = strchr(jws, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    const char *raw = NULL;
    apr_size_t n = 0;
    json_t *o = NULL;
    *sub = NULL;
    if (dot2 && dot2 - dot1 - 1 > 0)
        raw = apr_pdecode_base64(p, dot1 + 1, dot2 - dot1 - 1, APR_ENCODE_BASE64URL, &n);
    if (raw && !mnd_json_in(p, "client assertion", raw, n, MND_OIDC_MAX_VALUE, &o)) {
        if (json_is_string(json_object_get(o, "sub")))
            *sub = apr_pstrdup(p, json_string_value(json_object_get(o, "sub")));
        json_decref(o);
    }
    if (!*sub)
        return mnd_error(p, MND_EFORBIDDEN,
                         "client assertion: no client_id and no readable "
                         "sub claim");
    return NULL;
}

/* A NumericDate (RFC 7519 section 2): a JSON number, fractions dropped (the cast truncates,
 * and the number is not negative). */
static int numeric_date(json_t *v, mnd_time_t *out)
{
    double d;
    if (json_is_integer(v)) {
        *out = (mnd_time_t)json_integer_value(v);
        return *out >= 0;
    }
    d = json_is_real(v) ? json_real_value(v) : -1;
    if (!(d >= 0 && d < 9007199254740992.0))
        return 0;
    *out = (mnd_time_t)d;
    return 1;
}

static int aud_ok(json_t *aud, const char *const *audiences)
{
    size_t i;
    const char *const *a;
    for (a = audiences; a && *a; a++) {
        if (json_is_string(aud) && strcmp(json_string_value(aud), *a) == 0)
            return 1;
        for (i = 0; json_is_array(aud) && i < json_array_size(aud); i++)
            if (json_is_string(json_array_get(aud, i)) &&
                strcmp(json_string_value(json_array_get(aud, i)), *a) == 0)
                return 1;
    }
    return 0;
}

/* RFC 7523 section 3's rules on the verified claims of an assertion. */
static const char *assertion_rule_broken(json_t *c, const char *client_id,
                                         const char *const *audiences, mnd_time_t now,
                                         mnd_time_t *exp)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    const char *sub = json_string_value(json_object_get(c, "sub"));
    json_t *jti = json_object_get(c, "jti");
    mnd_time_t iat = 0, nbf = 0;
    if (!iss || !sub || strcmp(iss, client_id) != 0 || strcmp(sub, client_id) != 0)
        return "iss and sub must both be the client_id";
    if (!aud_ok(json_object_get(c, "aud"), audiences))
        return "aud must name this token endpoint or issuer";
    if (!numeric_date(json_object_get(c, "exp"), exp))
        return "exp is required and must be a time";
    if (*exp <= now - CLOCK_SKEW)
        return "it has expired";
    if (*exp > now + ASSERTION_MAX_LIFE + CLOCK_SKEW)
        return "exp is more than " APR_STRINGIFY(ASSERTION_MAX_LIFE) " s away";
    if (json_object_get(c, "iat") && (!numeric_date(json_object_get(c, "iat"), &iat) ||
                                      iat > now + CLOCK_SKEW || *exp - iat > ASSERTION_MAX_LIFE))
        return "iat must be a time, not in the future, at most " APR_STRINGIFY(
            ASSERTION_MAX_LIFE) " s before exp";
    if (json_object_get(c, "nbf") &&
        (!numeric_date(json_object_get(c, "nbf"), &nbf) || nbf > now + CLOCK_SKEW))
        return "nbf must be a time not in the future";
    if (!json_is_string(jti) || json_string_length(jti) == 0 || json_string_length(jti) > JTI_MAX)
        return "jti is required, 1 to " APR_STRINGIFY(JTI_MAX) " bytes";
    return NULL;
}

static mnd_error_t *assertion_check(apr_pool_t *p, const mnd_oidc_client_t *client, const char *jws,
                                    const char *const *audiences, mnd_time_t now,
                                    mnd_oidc_client_auth_t *out)
{
    static const char *const algs[] = {"RS256", "PS256", "ES256", NULL};
    const char *claims = NULL, *broken;
    json_t *c = NULL;
    mnd_time_t exp = 0;
    mnd_error_t *err = mnd_jwt_verify_jwks(p, client->jwks_json, jws, algs, &claims);
    if (!err)
        err = mnd_json_in(p, "client assertion claims", claims, strlen(claims), MND_OIDC_MAX_VALUE,
                          &c);
    if (err)
        return mnd_error(p, MND_EFORBIDDEN, "client assertion of %s: %s", client->client_id,
                         err->msg);
    broken = assertion_rule_broken(c, client->client_id, audiences, now, &exp);
    if (!broken) {
        out->jti = apr_pstrdup(p, json_string_value(json_object_get(c, "jti")));
        /* Kept single use for as long as the assertion could be accepted. */
        out->jti_expires = exp + CLOCK_SKEW;
    }
    json_decref(c);
    if (broken)
        return mnd_error(p, MND_EFORBIDDEN, "client assertion of %s: %s", client->client_id,
                         broken);
    return NULL;
}

/* Which method the request uses and the client_id it names. */
static mnd_error_t *presented(apr_pool_t *p, apr_hash_t *params, const char *authorization,
                              mnd_oidc_auth_t *method, const char **id, const char **secret)
{
    const char *form_id = mnd_oidc_param(params, "client_id");
    const char *type = mnd_oidc_param(params, "client_assertion_type");
    const char *assertion = mnd_oidc_param(params, "client_assertion");
    int basic = authorization && *authorization, post = !!mnd_oidc_param(params, "client_secret");
    int jwt = type || assertion;
    *secret = NULL;
    if (basic + post + jwt > 1)
        return mnd_error(p, MND_EFORBIDDEN,
                         "client authentication: more than one method used "
                         "at once");
    if (basic) {
        *method = MND_OIDC_AUTH_SECRET_BASIC;
        MND_TRY(basic_credentials(p, authorization, id, secret));
        if (form_id && strcmp(form_id, *id) != 0)
            return mnd_error(p, MND_EFORBIDDEN,
                             "client authentication: client_id in the form "
                             "is not the one of the Basic credentials");
        return NULL;
    }
    *id = form_id;
    if (jwt) {
        *method = MND_OIDC_AUTH_PRIVATE_KEY_JWT;
        if (!type || !assertion)
            return mnd_error(p, MND_EINVAL,
                             "client authentication: client_assertion and "
                             "client_assertion_type go together");
        if (strcmp(type, JWT_BEARER) != 0)
            return mnd_error(p, MND_EFORBIDDEN,
                             "client authentication: client_assertion_type "
                             "must be " JWT_BEARER);
        return form_id ? NULL : assertion_subject(p, assertion, id);
    }
    *method = post ? MND_OIDC_AUTH_SECRET_POST : MND_OIDC_AUTH_NONE;
    *secret = mnd_oidc_param(params, "client_secret");
    if (!form_id)
        return mnd_error(p, MND_EFORBIDDEN, "client authentication: no client_id");
    return NULL;
}

static mnd_error_t *authenticate(apr_pool_t *p, const mnd_oidc_registry_t *reg, apr_hash_t *params,
                                 const char *authorization, const char *const *audiences,
                                 mnd_time_t now, mnd_oidc_client_auth_t *out)
{
    mnd_oidc_auth_t method = MND_OIDC_AUTH_NONE;
    const char *id = NULL, *secret = NULL;
    const mnd_oidc_client_t *c;
    MND_TRY(presented(p, params, authorization, &method, &id, &secret));
    c = reg ? mnd_oidc_registry_find(reg, id) : NULL;
    if (!c)
        return mnd_error(p, MND_EFORBIDDEN, "client authentication: unknown client_id");
    if (c->auth != method)
        return mnd_error(p, MND_EFORBIDDEN, "client authentication: %s must use %s, not %s",
                         c->client_id, method_name(c->auth), method_name(method));
    if ((method == MND_OIDC_AUTH_SECRET_BASIC || method == MND_OIDC_AUTH_SECRET_POST) &&
        !mnd_oidc_client_secret_ok(c, secret))
        return mnd_error(p, MND_EFORBIDDEN, "client authentication: wrong secret for %s",
                         c->client_id);
    if (method == MND_OIDC_AUTH_PRIVATE_KEY_JWT)
        MND_TRY(
            assertion_check(p, c, mnd_oidc_param(params, "client_assertion"), audiences, now, out));
    out->client = c;
    return NULL;
}

mnd_error_t *mnd_oidc_client_authenticate(apr_pool_t *p, const mnd_oidc_registry_t *reg,
                                          apr_hash_t *params, const char *authorization,
                                          const char *const *audiences, mnd_time_t now,
                                          mnd_oidc_client_auth_t *out, const char **oauth_error)
{
    mnd_error_t *err;
    mnd_oidc_client_auth_t got = {NULL, NULL, 0};
    memset(out, 0, sizeof(*out));
    *oauth_error = NULL;
    if (!params)
        params = apr_hash_make(p);
    err = authenticate(p, reg, params, authorization, audiences, now, &got);
    if (err)
        *oauth_error = err->rc == MND_EINVAL ? "invalid_request" : "invalid_client";
    else
        *out = got;
    return err;
}

/* ---- PKCE and the code's binding --------------------------------------------------------- */

static int pkce_verifier_valid(const char *v)
{
    size_t n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");
    return v[n] == '\0' && n >= PKCE_VERIFIER_MIN && n <= PKCE_VERIFIER_MAX;
}

int mnd_oidc_pkce_ok(const char *challenge, const char *verifier)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char b64[64];
    apr_size_t n = 0;
    if (!challenge || !verifier || strlen(challenge) != PKCE_CHALLENGE_LEN ||
        !pkce_verifier_valid(verifier))
        return 0;
    if (EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(), NULL) != 1 ||
        apr_encode_base64_binary(b64, md, (apr_ssize_t)mdlen,
                                 APR_ENCODE_BASE64URL | APR_ENCODE_NOPADDING, &n) != APR_SUCCESS)
        return 0;
    return mnd_ct_streq(b64, challenge);
}

static const char *code_rule_broken(const mnd_oidc_code_t *code, const mnd_oidc_client_t *client,
                                    apr_hash_t *params, mnd_time_t now)
{
    const char *redirect_uri = mnd_oidc_param(params, "redirect_uri");
    const char *verifier = mnd_oidc_param(params, "code_verifier");
    if (!code || !client || !code->client_id || strcmp(code->client_id, client->client_id) != 0)
        return "the code was issued to another client";
    if (code->redirect_uri ? !redirect_uri || strcmp(redirect_uri, code->redirect_uri) != 0
                           : redirect_uri != NULL)
        return "redirect_uri is not the one of the authorization request";
    if (now >= code->expires)
        return "the code has expired";
    if (code->code_challenge && !verifier)
        return "code_verifier is required (the request had a code_challenge)";
    if (code->code_challenge && !mnd_oidc_pkce_ok(code->code_challenge, verifier))
        return "code_verifier does not match the code_challenge";
    /* A verifier sent for a code made without a challenge is a PKCE downgrade: the
     * authorization request the client made was not the one that got the code. */
    if (!code->code_challenge && verifier)
        return "code_verifier given, but the request had no code_challenge";
    if (!code->code_challenge && client->auth == MND_OIDC_AUTH_NONE)
        return "a public client must use PKCE";
    return NULL;
}

mnd_error_t *mnd_oidc_code_check(apr_pool_t *p, const mnd_oidc_code_t *code,
                                 const mnd_oidc_client_t *client, apr_hash_t *params,
                                 mnd_time_t now, const char **oauth_error)
{
    const char *broken;
    if (!params)
        params = apr_hash_make(p);
    broken = code_rule_broken(code, client, params, now);
    *oauth_error = broken ? "invalid_grant" : NULL;
    if (broken)
        return mnd_error(p, MND_EFORBIDDEN, "authorization code: %s", broken);
    return NULL;
}
