/* The login transaction, its offer tokens and the ACM login_hint. See docs/flow.md. */
#include "flow/json_in.h"
#include "util/strlist.h"
#include "flow/txn.h"

#include "crypto/seal.h"

#include <apr_encode.h>
#include <apr_strings.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of CSPRNG output per handle, CSRF token and offer secret: 256 bits. */
#define TXN_RANDOM_BYTES 32
/* Length bounds of the base64url text of those values (32 bytes = 43 characters). */
#define TXN_TOKEN_MIN 43
#define TXN_TOKEN_MAX 128
/* Everything but proto_state is small; proto_state (a lasso dump) may be large. */
#define TXN_SMALL_MAX 1024
#define TXN_RETURN_TO_MAX 8192
#define TXN_PROTO_STATE_MAX (256 * 1024)
/* Whole input: 64 KiB of members plus proto_state escaped at up to 6 bytes a byte. */
#define TXN_JSON_MAX (64 * 1024 + 6 * TXN_PROTO_STATE_MAX)
#define TXN_LOA_MAX 100
/* Offer tokens: 16 bytes of HMAC-SHA256 (128 bits), as 22 base64url characters. */
#define OFFER_MAC_BYTES 16
#define OFFER_MAC_CHARS 22
#define OFFER_TOKEN_MAX 256
#define CAP_KEY_DIGITS_MAX 20
#define HINT_MAX 1024
#define HINT_CAP_MAX 16
#define TXN_FORMAT_VERSION 1

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

/* "self", or a basis name other than self, ':' and 1..20 digits: exactly the keys that
 * resolution produces, so that a token never smuggles other text into a lookup. */
static int cap_key_valid(const char *k)
{
    const char *colon, *d;
    char name[16];
    mnd_basis_t b;
    if (!k)
        return 0;
    if (strcmp(k, "self") == 0)
        return 1;
    colon = strchr(k, ':');
    if (!colon || (size_t)(colon - k) >= sizeof(name))
        return 0;
    memcpy(name, k, (size_t)(colon - k));
    name[colon - k] = '\0';
    if (!mnd_basis_parse(name, &b) || b == MND_BASIS_SELF)
        return 0;
    for (d = colon + 1; *d; d++)
        if (*d < '0' || *d > '9')
            return 0;
    return d - (colon + 1) >= 1 && d - (colon + 1) <= CAP_KEY_DIGITS_MAX;
}

static int protocol_valid(const char *s)
{
    return s && (!strcmp(s, "gateway") || !strcmp(s, "saml") || !strcmp(s, "oidc"));
}

static int opt_len_ok(const char *s, size_t max)
{
    return !s || strlen(s) <= max;
}

/* A local path: "/" not followed by "/" or "\" (which browsers read as another host), and no
 * control characters that could split a header. */
static int return_to_valid(const char *s)
{
    const unsigned char *c;
    if (!s)
        return 1;
    if (s[0] != '/' || s[1] == '/' || s[1] == '\\' || strlen(s) > TXN_RETURN_TO_MAX)
        return 0;
    for (c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 0;
    return 1;
}

static int actor_valid(apr_pool_t *p, const char *actor)
{
    char norm[MND_INSZ_LEN + 1];
    return actor && !mnd_insz_parse(p, actor, norm) && strcmp(norm, actor) == 0;
}

/* The invariants of a transaction, checked on the way into and out of JSON alike so that
 * whatever we write we can read back, and nothing else. */
static mnd_error_t *txn_validate(apr_pool_t *p, const mnd_txn_t *t)
{
    const char *bad = NULL;
    if (!is_b64url(t->id, TXN_TOKEN_MIN, TXN_TOKEN_MAX))
        bad = "id must be 43 to 128 base64url characters";
    else if (!actor_valid(p, t->actor))
        bad = "actor must be a normalised INSZ";
    else if (!opt_len_ok(t->given_name, TXN_SMALL_MAX) ||
             !opt_len_ok(t->family_name, TXN_SMALL_MAX))
        bad = "names are limited to 1024 bytes";
    else if (t->loa < 0 || t->loa > TXN_LOA_MAX)
        bad = "loa must be between 0 and 100";
    else if (!t->service_id || !*t->service_id || strlen(t->service_id) > TXN_SMALL_MAX)
        bad = "service_id must be 1 to 1024 bytes";
    else if (!protocol_valid(t->protocol))
        bad = "protocol must be gateway, saml or oidc";
    else if (!return_to_valid(t->return_to))
        bad = "return_to must be a local path starting with a single '/'";
    else if (!opt_len_ok(t->proto_state, TXN_PROTO_STATE_MAX))
        bad = "proto_state is limited to 256 KiB";
    else if (t->created < 0 || t->expires < t->created || t->expires == MND_TIME_NONE)
        bad = "created and expires must satisfy 0 <= created <= expires";
    else if (!is_b64url(t->csrf, TXN_TOKEN_MIN, TXN_TOKEN_MAX))
        bad = "csrf must be 43 to 128 base64url characters";
    else if (!is_b64url(t->offer_secret, TXN_TOKEN_MIN, TXN_TOKEN_MAX))
        bad = "offer_secret must be 43 to 128 base64url characters";
    else if (t->offered < 0)
        bad = "offered must not be negative";
    else if (t->hint_key && !cap_key_valid(t->hint_key))
        bad = "hint_key must be a capacity key";
    return bad ? mnd_error(p, MND_EINVAL, "transaction: %s", bad) : NULL;
}

mnd_error_t *mnd_txn_new(apr_pool_t *p, const char *actor, const char *service_id,
                         const char *protocol, mnd_time_t now, int lifetime, mnd_txn_t **out)
{
    mnd_txn_t *t = apr_pcalloc(p, sizeof(*t));
    char norm[MND_INSZ_LEN + 1];
    *out = NULL;
    MND_TRY(mnd_error_wrap(p, mnd_insz_parse(p, actor, norm), "transaction actor"));
    if (lifetime <= 0 || now < 0 || now > MND_TIME_NONE - lifetime)
        return mnd_error(p, MND_EINVAL,
                         "transaction: lifetime must be a positive number of "
                         "seconds after a valid now");
    t->actor = apr_pstrdup(p, norm);
    t->service_id = service_id ? apr_pstrdup(p, service_id) : NULL;
    t->protocol = protocol ? apr_pstrdup(p, protocol) : NULL;
    t->created = now;
    t->expires = now + lifetime;
    MND_TRY(mnd_random_token(p, TXN_RANDOM_BYTES, &t->id));
    MND_TRY(mnd_random_token(p, TXN_RANDOM_BYTES, &t->csrf));
    MND_TRY(mnd_random_token(p, TXN_RANDOM_BYTES, &t->offer_secret));
    MND_TRY(txn_validate(p, t));
    *out = t;
    return NULL;
}

mnd_error_t *mnd_txn_to_json(apr_pool_t *p, const mnd_txn_t *t, const char **json)
{
    json_t *o;
    char *s;
    *json = NULL;
    if (!t)
        return mnd_error(p, MND_EINVAL, "transaction: nothing to serialise");
    MND_TRY(txn_validate(p, t));
    /* s* omits a member whose value is NULL; from_json reads it back as NULL. */
    o = json_pack("{s:i, s:s, s:s, s:s*, s:s*, s:i, s:s, s:s, s:s*, s:s*, s:I, s:I, s:s, s:s,"
                  " s:I, s:s*}",
                  "v", TXN_FORMAT_VERSION, "id", t->id, "actor", t->actor, "given_name",
                  t->given_name, "family_name", t->family_name, "loa", t->loa, "service_id",
                  t->service_id, "protocol", t->protocol, "return_to", t->return_to, "proto_state",
                  t->proto_state, "created", (json_int_t)t->created, "expires",
                  (json_int_t)t->expires, "csrf", t->csrf, "offer_secret", t->offer_secret,
                  "offered", (json_int_t)t->offered, "hint_key", t->hint_key);
    if (!o)
        return mnd_error(p, MND_EINVAL, "transaction: a member is not valid UTF-8");
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return mnd_error(p, MND_EINTERNAL, "transaction: JSON serialisation failed");
    *json = apr_pstrdup(p, s);
    free(s);
    return NULL;
}


/* Unpack the members of o into a pool-owned transaction (strings copied before o goes). */
static mnd_error_t *txn_unpack(apr_pool_t *p, json_t *o, mnd_txn_t *t)
{
    json_error_t err;
    json_int_t v = 0, loa = 0, created = 0, expires = 0, offered = 0;
    const char *id = NULL, *actor = NULL, *gn = NULL, *fn = NULL, *svc = NULL, *proto = NULL,
               *ret = NULL, *state = NULL, *csrf = NULL, *secret = NULL, *hint = NULL;
    if (json_unpack_ex(o, &err, JSON_STRICT,
                       "{s:I, s:s, s:s, s?s, s?s, s:I, s:s, s:s, s?s, s?s, s:I, s:I, s:s, s:s,"
                       " s:I, s?s}",
                       "v", &v, "id", &id, "actor", &actor, "given_name", &gn, "family_name", &fn,
                       "loa", &loa, "service_id", &svc, "protocol", &proto, "return_to", &ret,
                       "proto_state", &state, "created", &created, "expires", &expires, "csrf",
                       &csrf, "offer_secret", &secret, "offered", &offered, "hint_key", &hint) != 0)
        return mnd_error(p, MND_EINVAL, "transaction JSON: %s", err.text);
    if (v != TXN_FORMAT_VERSION)
        return mnd_error(p, MND_EINVAL, "transaction JSON: unknown format version");
    if (loa < 0 || loa > TXN_LOA_MAX || offered < 0 || offered > (json_int_t)LONG_MAX)
        return mnd_error(p, MND_EINVAL, "transaction JSON: loa or offered out of range");
    t->id = apr_pstrdup(p, id);
    t->actor = apr_pstrdup(p, actor);
    t->given_name = mnd_pstrdup_opt(p, gn);
    t->family_name = mnd_pstrdup_opt(p, fn);
    t->loa = (int)loa;
    t->service_id = apr_pstrdup(p, svc);
    t->protocol = apr_pstrdup(p, proto);
    t->return_to = mnd_pstrdup_opt(p, ret);
    t->proto_state = mnd_pstrdup_opt(p, state);
    t->created = (mnd_time_t)created;
    t->expires = (mnd_time_t)expires;
    t->csrf = apr_pstrdup(p, csrf);
    t->offer_secret = apr_pstrdup(p, secret);
    t->offered = (long)offered;
    t->hint_key = mnd_pstrdup_opt(p, hint);
    return NULL;
}

mnd_error_t *mnd_txn_from_json(apr_pool_t *p, const char *json, size_t len, mnd_txn_t **out)
{
    json_t *o;
    mnd_txn_t *t;
    mnd_error_t *e;
    *out = NULL;
    MND_TRY(mnd_json_in(p, "transaction", json, len, TXN_JSON_MAX, &o));
    t = apr_pcalloc(p, sizeof(*t));
    e = txn_unpack(p, o, t);
    json_decref(o);
    MND_TRY(e);
    MND_TRY(txn_validate(p, t));
    *out = t;
    return NULL;
}

mnd_error_t *mnd_txn_check(apr_pool_t *p, const mnd_txn_t *t, const char *actor, mnd_time_t now)
{
    /* The actor first: a foreign transaction is refused whatever its age. */
    if (!t || !mnd_ct_streq(t->actor, actor))
        return mnd_error(p, MND_EFORBIDDEN,
                         "another person's transaction: a transaction is "
                         "bound to the person who started it");
    if (now >= t->expires)
        return mnd_error(p, MND_ECONFLICT, "the transaction expired: start the login again");
    return NULL;
}

/* The MAC binds the key to this transaction's id as well as its secret, so that a token is
 * worthless in any other transaction even if two secrets ever collided. */
static const char *offer_mac(apr_pool_t *p, const mnd_txn_t *t, const char *cap_key)
{
    if (!t->offer_secret || !t->id)
        return NULL;
    return mnd_hmac_b64url(p, t->offer_secret,
                           apr_pstrcat(p, "mandaat-offer\n", t->id, "\n", cap_key, NULL),
                           OFFER_MAC_BYTES);
}

const char *mnd_offer_token(apr_pool_t *p, const mnd_txn_t *t, const char *cap_key)
{
    const char *mac;
    if (!t || !cap_key_valid(cap_key))
        return NULL;
    mac = offer_mac(p, t, cap_key);
    return mac ? apr_pstrcat(p, cap_key, ".", mac, NULL) : NULL;
}

mnd_error_t *mnd_offer_check(apr_pool_t *p, const mnd_txn_t *t, const char *token,
                             const char **cap_key)
{
    const char *dot, *want;
    char *key;
    *cap_key = NULL;
    if (!t || !token || strlen(token) > OFFER_TOKEN_MAX || !(dot = strrchr(token, '.')))
        return mnd_error(p, MND_EFORBIDDEN, "not in the offer: malformed choice");
    key = apr_pstrmemdup(p, token, (apr_size_t)(dot - token));
    /* Syntax before MAC: only a well-formed key is ever handed to a lookup. */
    if (!cap_key_valid(key) || !is_b64url(dot + 1, OFFER_MAC_CHARS, OFFER_MAC_CHARS))
        return mnd_error(p, MND_EFORBIDDEN, "not in the offer: malformed choice");
    want = offer_mac(p, t, key);
    if (!want || !mnd_ct_streq(want, dot + 1))
        return mnd_error(p, MND_EFORBIDDEN,
                         "not in the offer: the choice was not offered in "
                         "this transaction");
    *cap_key = key;
    return NULL;
}

/* A doelgroep code: 1..16 ASCII letters, upper-cased. */
static mnd_error_t *hint_cap(apr_pool_t *p, const char *in, const char **out)
{
    size_t i, n = strlen(in);
    char *s;
    if (n == 0 || n > HINT_CAP_MAX)
        return mnd_error(p, MND_EINVAL, "login_hint: cap_hint must be 1 to 16 letters");
    s = apr_pstrdup(p, in);
    for (i = 0; i < n; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
            return mnd_error(p, MND_EINVAL, "login_hint: cap_hint must be 1 to 16 letters");
        if (s[i] >= 'a')
            s[i] = (char)(s[i] - 'a' + 'A');
    }
    *out = s;
    return NULL;
}

/* Members other than cap_hint and code_hint are ignored: the format is ACM's, not ours. */
static mnd_error_t *hint_unpack(apr_pool_t *p, json_t *o, mnd_login_hint_t *out)
{
    json_error_t err;
    const char *cap = NULL, *code = NULL;
    char kbo[MND_KBO_LEN + 1];
    if (!json_is_object(o))
        return mnd_error(p, MND_EINVAL, "login_hint: not a JSON object");
    if (json_unpack_ex(o, &err, 0, "{s?s, s?s}", "cap_hint", &cap, "code_hint", &code) != 0)
        return mnd_error(p, MND_EINVAL, "login_hint: %s", err.text);
    if (!cap && !code)
        return mnd_error(p, MND_EINVAL, "login_hint: needs cap_hint or code_hint");
    if (cap)
        MND_TRY(hint_cap(p, cap, &out->cap_hint));
    if (code) {
        MND_TRY(mnd_error_wrap(p, mnd_kbo_parse(p, code, kbo), "login_hint code_hint"));
        out->code_hint = apr_pstrdup(p, kbo);
    }
    return NULL;
}

mnd_error_t *mnd_login_hint_parse(apr_pool_t *p, const char *hint, mnd_login_hint_t *out)
{
    const char *raw;
    apr_size_t rawlen = 0;
    json_error_t err;
    json_t *o;
    mnd_error_t *e;
    size_t n = hint ? strlen(hint) : 0;
    out->cap_hint = out->code_hint = NULL;
    if (n == 0 || n > HINT_MAX)
        return mnd_error(p, MND_EINVAL, "login_hint: empty or longer than 1024 bytes");
    /* APR's decoder takes the standard and the URL alphabet, padded or not. */
    raw = apr_pdecode_base64(p, hint, (apr_ssize_t)n, APR_ENCODE_NONE, &rawlen);
    if (!raw || rawlen == 0)
        return mnd_error(p, MND_EINVAL, "login_hint: not base64");
    if (memchr(raw, '\0', rawlen))
        return mnd_error(p, MND_EINVAL, "login_hint: contains a NUL byte");
    o = json_loadb(raw, rawlen, JSON_REJECT_DUPLICATES, &err);
    if (!o)
        return mnd_error(p, MND_EINVAL, "login_hint: not JSON (%s)", err.text);
    e = hint_unpack(p, o, out);
    json_decref(o);
    if (e)
        out->cap_hint = out->code_hint = NULL;
    return e;
}

const mnd_capacity_t *mnd_login_hint_match(const mnd_resolution_t *res,
                                           const mnd_login_hint_t *hint)
{
    int i;
    if (!res || !res->capacities || !hint)
        return NULL;
    for (i = 0; i < res->capacities->nelts; i++) {
        const mnd_capacity_t *c = APR_ARRAY_IDX(res->capacities, i, const mnd_capacity_t *);
        if (!c)
            continue;
        if (hint->cap_hint && strcmp(hint->cap_hint, "BUR") == 0) {
            if (c->basis == MND_BASIS_SELF)
                return c;
        } else if (hint->code_hint) {
            /* Display order puts the strongest ground for a party first. */
            if (c->basis != MND_BASIS_SELF && c->party && c->party->id &&
                strcmp(c->party->id, hint->code_hint) == 0)
                return c;
        }
    }
    return NULL;
}
