/* The OpenID provider's tokens: subjects (pairwise recomputed here with OpenSSL's HMAC,
 * public), the id_token's claims for every basis x subject mode x claim profile, the national
 * number only for clients allowed it, the agreement with the gateway's claims (flow/claims.h),
 * the access token (RFC 9068: sub the party, act the person), userinfo, the token response and
 * error bodies, and tokens signed with ES256, RS256 and PS256 verified by cjose against the
 * published JWKS. Sessions and clients are built in memory. */
#include "testutil.h"

#include <apr_encode.h>
#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

#include <cjose/cjose.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "flow/claims.h"
#include "jose/jwt.h"
#include "oidc/tokens.h"

static apr_pool_t *pool;

#define ACTOR "85073003328"
#define GIVER "92030145612"
#define ORG "0428315871"
#define VIA "0123456749"
#define SERVICE "wse-loket"
#define ISS "https://op.example/mandaat/oidc"
#define SECRET "a-pairwise-secret-of-at-least-32-bytes"
#define T0 ((mnd_time_t)1767225600)
#define MAX_AGE 28800

/* The five kinds of session: the four bases, and a mandate given by a person. */
enum { K_SELF, K_KBO, K_RIGHT, K_MANDATE_VIA, K_MANDATE_PERSON, K__N };
enum { P_ACM = 1, P_MANDAAT = 2, P_BOTH = 3 };

static const char *token(char c)
{
    char *s = apr_palloc(pool, 44);
    memset(s, c, 43);
    s[43] = '\0';
    return s;
}

static apr_array_header_t *actions(void)
{
    apr_array_header_t *l = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(l, const char *) = "aanvraag";
    APR_ARRAY_PUSH(l, const char *) = "inzage";
    return l;
}

static mnd_session_t *session(int kind)
{
    static const mnd_basis_t basis[] = {MND_BASIS_SELF, MND_BASIS_KBO, MND_BASIS_RIGHT,
                                        MND_BASIS_MANDATE, MND_BASIS_MANDATE};
    mnd_session_t *s = apr_pcalloc(pool, sizeof(*s));
    s->id = token('s');
    s->actor = ACTOR;
    s->given_name = "Zoë";
    s->family_name = "Peeters";
    s->loa = 3;
    s->service_id = SERVICE;
    s->basis = basis[kind];
    s->actions = actions();
    s->created = s->last_seen = T0;
    s->idle_until = T0 + 900;
    s->expires = T0 + MAX_AGE;
    s->txn_id = token('t');
    s->party = ORG;
    s->party_name = "Bakkerij Janssens BV";
    if (kind == K_SELF) {
        s->cap_key = "self";
        s->party = ACTOR;
        s->party_name = "Zoë Peeters";
    } else if (kind == K_KBO) {
        s->cap_key = "kbo:" ORG;
    } else if (kind == K_RIGHT) {
        s->cap_key = "right:7";
    } else {
        s->cap_key = "mandate:42";
        s->mandate_id = 42;
        if (kind == K_MANDATE_VIA) {
            s->via = VIA;
            s->via_name = "Boekhouding & Co";
        } else {
            s->party = GIVER;
            s->party_name = "Jan Peeters";
        }
    }
    return s;
}

static mnd_oidc_client_t *client(const char *id, int profile, int party_sub, int pub, int rrn)
{
    mnd_oidc_client_t *c = apr_pcalloc(pool, sizeof(*c));
    c->client_id = id;
    c->auth = MND_OIDC_AUTH_SECRET_BASIC;
    c->secret = "a-client-secret-of-at-least-32-characters";
    c->service_id = SERVICE;
    c->profile_acm = (profile & P_ACM) != 0;
    c->profile_mandaat = (profile & P_MANDAAT) != 0;
    c->subject_party = party_sub;
    c->subject_public = pub;
    c->rrn = rrn;
    c->source = "test";
    return c;
}

static mnd_oidc_issue_t issue(const mnd_oidc_client_t *c, const mnd_session_t *s)
{
    mnd_oidc_issue_t in;
    memset(&in, 0, sizeof(in));
    in.issuer = ISS;
    in.client = c;
    in.session = s;
    in.scope = "openid mandaat";
    in.nonce = "n-0S6_WzA2Mj";
    in.now = T0 + 10;
    in.auth_time = T0 - 5;
    in.id_token_ttl = 300;
    in.access_token_ttl = 600;
    in.pairwise_secret = SECRET;
    in.jti = "jti-1";
    return in;
}

/* The pairwise subject by the documented recipe, with OpenSSL's HMAC. */
static const char *pairwise(const char *client_id, const char *person)
{
    const char *msg = apr_pstrcat(pool, "mandaat-oidc-sub\n", client_id, "\n", person, NULL);
    unsigned char mac[32];
    unsigned int n = 0;
    assert_non_null(HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)msg,
                         strlen(msg), mac, &n));
    return apr_pencode_base64_binary(pool, mac, n, APR_ENCODE_BASE64URL, NULL);
}

static json_t *parse(const char *json)
{
    json_t *j = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    return j;
}

static json_t *id_claims(const mnd_oidc_issue_t *in)
{
    const char *json = NULL;
    MND_ASSERT_OK(mnd_oidc_id_token_claims(pool, in, &json));
    return parse(json);
}

static const char *dumped(json_t *j)
{
    char *txt = json_dumps(j, JSON_COMPACT);
    const char *out = apr_pstrdup(pool, txt);
    free(txt);
    return out;
}

static const char *str(json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/* ---- subjects ---------------------------------------------------------------------------- */

static void test_subject(void **state)
{
    mnd_oidc_client_t *a = client("app-a", P_BOTH, 0, 0, 0), *b = client("app-b", P_BOTH, 0, 0, 0);
    mnd_oidc_client_t *pub = client("app-p", P_BOTH, 0, 1, 0);
    const char *sa = mnd_oidc_subject(pool, SECRET, a, ACTOR);
    (void)state;
    assert_int_equal(strlen(sa), 43);
    assert_string_equal(sa, pairwise("app-a", ACTOR));
    assert_string_equal(sa, mnd_oidc_subject(pool, SECRET, a, ACTOR));     /* stable */
    assert_string_not_equal(sa, mnd_oidc_subject(pool, SECRET, b, ACTOR)); /* per client */
    assert_string_not_equal(sa, mnd_oidc_subject(pool, SECRET "x", a, ACTOR));
    assert_string_not_equal(sa, mnd_oidc_subject(pool, SECRET, a, GIVER));
    assert_string_equal(mnd_oidc_subject(pool, NULL, pub, ACTOR), ACTOR);
    /* No pairwise subject without a secret long enough to key it. */
    assert_null(mnd_oidc_subject(pool, "short", a, ACTOR));
    assert_null(mnd_oidc_subject(pool, NULL, a, ACTOR));
    assert_null(mnd_oidc_subject(pool, SECRET, a, NULL));
    assert_null(mnd_oidc_subject(pool, SECRET, a, ""));
    assert_null(mnd_oidc_subject(pool, SECRET, NULL, ACTOR));
}

/* ---- the id_token per basis x mode x profile --------------------------------------------- */

static void check_subject(json_t *c, int kind, int party_sub)
{
    const char *person = pairwise("app", ACTOR);
    const char *party = kind == K_SELF             ? person
                        : kind == K_MANDATE_PERSON ? pairwise("app", GIVER)
                                                   : ORG;
    if (!party_sub) {
        assert_string_equal(str(c, "sub"), person);
        assert_null(json_object_get(c, "act"));
        return;
    }
    assert_string_equal(str(c, "sub"), party);
    assert_string_equal(str(json_object_get(c, "act"), "sub"), person);
    assert_int_equal(json_object_size(json_object_get(c, "act")), 1);
}

static void check_acm(json_t *c, const mnd_session_t *s, int kind, int on)
{
    static const char *const doelgroep[] = {"BUR", "EA", "EA", "EA", NULL};
    json_t *roles = json_object_get(c, SERVICE "_rol_3d");
    int org = kind != K_SELF && kind != K_MANDATE_PERSON;
    if (!on) {
        assert_null(json_object_get(c, "vo_doelgroepcode"));
        assert_null(json_object_get(c, "ssm_mandaatgever"));
        assert_null(roles);
        return;
    }
    if (doelgroep[kind])
        assert_string_equal(str(c, "vo_doelgroepcode"), doelgroep[kind]);
    else
        assert_null(json_object_get(c, "vo_doelgroepcode"));
    assert_true(org ? str(c, "vo_orgcode") && strcmp(str(c, "vo_orgcode"), ORG) == 0
                    : !json_object_get(c, "vo_orgcode"));
    assert_true(org ? !!json_object_get(c, "vo_orgnaam") : !json_object_get(c, "vo_orgnaam"));
    assert_true(kind == K_KBO ? strcmp(str(c, "wv_orgcode"), ORG) == 0
                              : !json_object_get(c, "wv_orgcode"));
    assert_true(s->basis == MND_BASIS_MANDATE ? strcmp(str(c, "ssm_mandaatgever"), s->party) == 0
                                              : !json_object_get(c, "ssm_mandaatgever"));
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(json_string_value(json_array_get(roles, 0)),
                        kind == K_SELF ? "aanvraag"
                                       : apr_pstrcat(pool, "aanvraag:", s->party, NULL));
}

static void check_mandaat(json_t *c, const mnd_session_t *s, int kind, int on)
{
    json_t *rep = json_object_get(c, "represents"), *via = json_object_get(c, "via");
    json_t *ad = json_object_get(c, "authorization_details"), *d = json_array_get(ad, 0);
    if (!on) {
        assert_null(rep);
        assert_null(via);
        assert_null(ad);
        assert_null(json_object_get(c, "basis"));
        return;
    }
    assert_string_equal(str(rep, "type"),
                        kind == K_SELF || kind == K_MANDATE_PERSON ? "person" : "organisation");
    /* Own name shows the person as the client knows her: no national number without rrn. */
    assert_string_equal(str(rep, "id"), kind == K_SELF ? pairwise("app", ACTOR) : s->party);
    assert_string_equal(str(rep, "name"), s->party_name);
    assert_string_equal(str(c, "basis"), mnd_basis_name(s->basis));
    if (kind == K_MANDATE_VIA) {
        assert_string_equal(str(via, "id"), VIA);
        assert_string_equal(str(via, "type"), "organisation");
        assert_string_equal(str(via, "name"), "Boekhouding & Co");
    } else {
        assert_null(via);
    }
    assert_true(s->mandate_id ? strcmp(str(c, "mandate_id"), "42") == 0
                              : !json_object_get(c, "mandate_id"));
    assert_int_equal(json_array_size(ad), 1);
    assert_string_equal(str(d, "type"), "mandaat");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "locations"), 0)),
                        SERVICE);
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "actions"), 1)),
                        "inzage");
    assert_string_equal(str(d, "identifier"), s->mandate_id ? "42" : s->cap_key);
}

static void test_matrix(void **state)
{
    int kind, party_sub, profile;
    (void)state;
    for (kind = 0; kind < K__N; kind++) {
        for (party_sub = 0; party_sub < 2; party_sub++) {
            for (profile = P_ACM; profile <= P_BOTH; profile++) {
                mnd_session_t *s = session(kind);
                mnd_oidc_issue_t in = issue(client("app", profile, party_sub, 0, 0), s);
                json_t *c = id_claims(&in);
                check_subject(c, kind, party_sub);
                check_acm(c, s, kind, (profile & P_ACM) != 0);
                check_mandaat(c, s, kind, (profile & P_MANDAAT) != 0);
                /* Never the national number for a client not allowed it, nor names without
                 * the profile scope. */
                assert_null(json_object_get(c, "rrn"));
                assert_null(json_object_get(c, "given_name"));
                assert_false(mnd_test_contains(dumped(c), ACTOR));
                json_decref(c);
            }
        }
    }
}

static void test_id_token_members(void **state)
{
    mnd_session_t *s = session(K_KBO);
    mnd_oidc_issue_t in = issue(client("app", P_BOTH, 0, 0, 0), s);
    const char *gw = NULL;
    json_t *c = id_claims(&in), *g;
    (void)state;
    assert_string_equal(str(c, "iss"), ISS);
    assert_string_equal(str(c, "aud"), "app");
    assert_string_equal(str(c, "azp"), "app");
    assert_int_equal(json_integer_value(json_object_get(c, "iat")), T0 + 10);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), T0 + 310);
    assert_int_equal(json_integer_value(json_object_get(c, "auth_time")), T0 - 5);
    assert_string_equal(str(c, "nonce"), "n-0S6_WzA2Mj");
    assert_string_equal(str(c, "acr"), "loa:3");
    /* sid is the gateway's: one session, one sid. */
    MND_ASSERT_OK(mnd_claims_json(pool, s, ISS, T0 + 10, 60, &gw));
    g = parse(gw);
    assert_string_equal(str(c, "sid"), str(g, "sid"));
    json_decref(g);
    json_decref(c);
    /* No nonce when the request had none; exp never beyond the session's end. */
    in.nonce = NULL;
    s->expires = T0 + 100;
    c = id_claims(&in);
    assert_null(json_object_get(c, "nonce"));
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), T0 + 100);
    json_decref(c);
}

static void test_rrn_and_profile_scope(void **state)
{
    mnd_oidc_issue_t in = issue(client("app", P_BOTH, 0, 0, 1), session(K_SELF));
    json_t *c;
    (void)state;
    in.scope = "openid profile mandaat";
    c = id_claims(&in);
    assert_string_equal(str(c, "rrn"), ACTOR);
    assert_string_equal(str(c, "sub"), pairwise("app", ACTOR)); /* rrn does not change sub */
    assert_string_equal(str(json_object_get(c, "represents"), "id"), ACTOR);
    assert_string_equal(str(c, "given_name"), "Zoë");
    assert_string_equal(str(c, "family_name"), "Peeters");
    json_decref(c);
    /* Scope tokens match whole: "profiles" or "xprofile" is not profile. */
    in.scope = "openid profiles xprofile";
    c = id_claims(&in);
    assert_null(json_object_get(c, "given_name"));
    json_decref(c);
    in.scope = "profile";
    c = id_claims(&in);
    assert_non_null(json_object_get(c, "given_name"));
    json_decref(c);
    /* A public subject is the national number itself. */
    in = issue(client("app", P_BOTH, 0, 1, 0), session(K_SELF));
    c = id_claims(&in);
    assert_string_equal(str(c, "sub"), ACTOR);
    assert_null(json_object_get(c, "rrn"));
    json_decref(c);
}

/* Profile both, public subject, rrn: every capacity member equals the gateway's. */
static void test_agrees_with_gateway(void **state)
{
    static const char *const own[] = {"iss", "aud", "iat", "exp", "jti", "txn", NULL};
    int kind, i;
    (void)state;
    for (kind = 0; kind < K__N; kind++) {
        mnd_session_t *s = session(kind);
        mnd_oidc_issue_t in = issue(client("app", P_BOTH, 0, 1, 1), s);
        const char *gw = NULL, *key;
        json_t *c, *g, *v;
        in.scope = "openid profile";
        c = id_claims(&in);
        MND_ASSERT_OK(mnd_claims_json(pool, s, ISS, in.now, 60, &gw));
        g = parse(gw);
        json_object_foreach(g, key, v)
        {
            for (i = 0; own[i] && strcmp(own[i], key) != 0; i++)
                ;
            if (own[i])
                continue;
            if (!json_equal(v, json_object_get(c, key)))
                fail_msg("kind %d: %s differs from the gateway's", kind, key);
        }
        json_decref(g);
        json_decref(c);
    }
}

/* ---- access token and userinfo ----------------------------------------------------------- */

static void test_access_token(void **state)
{
    static const char *const absent[] = {"represents", "vo_orgcode", "given_name", "nonce",
                                         "azp",        "rrn",        "sid",        NULL};
    mnd_oidc_issue_t in = issue(client("app", P_ACM, 0, 0, 1), session(K_MANDATE_VIA));
    const char *json = NULL;
    json_t *c, *ad;
    int i;
    (void)state;
    MND_ASSERT_OK(mnd_oidc_access_token_claims(pool, &in, &json));
    c = parse(json);
    assert_string_equal(str(c, "iss"), ISS);
    /* The party is the subject, whatever the client's id_token subject mode. */
    assert_string_equal(str(c, "sub"), ORG);
    assert_string_equal(str(json_object_get(c, "act"), "sub"), pairwise("app", ACTOR));
    assert_string_equal(str(c, "aud"), SERVICE);
    assert_string_equal(str(c, "client_id"), "app");
    assert_string_equal(str(c, "scope"), "openid mandaat");
    assert_string_equal(str(c, "jti"), "jti-1");
    assert_string_equal(str(c, "acr"), "loa:3");
    assert_int_equal(json_integer_value(json_object_get(c, "iat")), T0 + 10);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")), T0 + 610);
    assert_int_equal(json_integer_value(json_object_get(c, "auth_time")), T0 - 5);
    ad = json_array_get(json_object_get(c, "authorization_details"), 0);
    assert_string_equal(str(ad, "identifier"), "42");
    for (i = 0; absent[i]; i++)
        if (json_object_get(c, absent[i]))
            fail_msg("access token has %s", absent[i]);
    json_decref(c);
    /* Own name: the person is the party, pairwise for this client. */
    in = issue(client("app", P_BOTH, 0, 0, 0), session(K_SELF));
    MND_ASSERT_OK(mnd_oidc_access_token_claims(pool, &in, &json));
    c = parse(json);
    assert_string_equal(str(c, "sub"), pairwise("app", ACTOR));
    assert_null(strstr(json, ACTOR));
    json_decref(c);
}

static void test_userinfo(void **state)
{
    static const char *const absent[] = {"iss",   "aud", "exp",       "iat",
                                         "nonce", "azp", "auth_time", NULL};
    mnd_oidc_issue_t in = issue(client("app", P_BOTH, 1, 0, 0), session(K_RIGHT));
    const char *json = NULL;
    json_t *u, *c = id_claims(&in);
    int i;
    (void)state;
    MND_ASSERT_OK(mnd_oidc_userinfo_claims(pool, &in, &json));
    u = parse(json);
    for (i = 0; absent[i]; i++)
        assert_null(json_object_get(u, absent[i]));
    /* Everything else is the id_token's. */
    assert_int_equal(json_object_size(u) + 7, json_object_size(c));
    assert_string_equal(str(u, "sub"), ORG);
    assert_true(json_equal(json_object_get(u, "act"), json_object_get(c, "act")));
    assert_true(json_equal(json_object_get(u, "represents"), json_object_get(c, "represents")));
    json_decref(u);
    json_decref(c);
}

static void test_refused(void **state)
{
    mnd_oidc_client_t *c = client("app", P_BOTH, 0, 0, 0);
    mnd_session_t *s = session(K_KBO);
    mnd_oidc_issue_t in = issue(c, s);
    const char *json = "x";
    (void)state;
    in.now = s->expires;
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, &in, &json), MND_ECONFLICT, "session has ended");
    assert_null(json);
    in = issue(client("other", P_BOTH, 0, 0, 0), s);
    ((mnd_oidc_client_t *)in.client)->service_id = "other-service";
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, &in, &json), MND_EFORBIDDEN, "another service");
    MND_ASSERT_ERR(mnd_oidc_access_token_claims(pool, &in, &json), MND_EFORBIDDEN,
                   "another service");
    in = issue(c, s);
    in.pairwise_secret = "too short";
    MND_ASSERT_ERR(mnd_oidc_userinfo_claims(pool, &in, &json), MND_EINVAL, "at least 32 bytes");
    in = issue(c, s);
    in.jti = NULL;
    MND_ASSERT_ERR(mnd_oidc_access_token_claims(pool, &in, &json), MND_EINVAL, "needs a jti");
    in = issue(c, s);
    in.id_token_ttl = 0;
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, &in, &json), MND_EINVAL, "lifetimes");
    in = issue(c, s);
    in.issuer = "";
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, &in, &json), MND_EINVAL, "no issuer");
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, NULL, &json), MND_EINVAL, "no issuer");
    in = issue(c, s);
    s->party = "12345";
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, &in, &json), MND_EINVAL, "party ids");
    s = session(K_KBO);
    s->basis = MND_BASIS__N;
    in = issue(c, s);
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, &in, &json), MND_EINVAL, "basis is unknown");
    s = session(K_KBO);
    s->party_name = "\xff\xfe";
    in = issue(c, s);
    MND_ASSERT_ERR(mnd_oidc_id_token_claims(pool, &in, &json), MND_EINVAL, "not valid UTF-8");
}

/* ---- response bodies --------------------------------------------------------------------- */

static void test_token_response(void **state)
{
    const char *json = NULL;
    json_t *r;
    (void)state;
    MND_ASSERT_OK(mnd_oidc_token_response(pool, "a.b.c", 600, "d.e.f", "openid mandaat", &json));
    r = parse(json);
    assert_string_equal(str(r, "access_token"), "a.b.c");
    assert_string_equal(str(r, "token_type"), "Bearer");
    assert_int_equal(json_integer_value(json_object_get(r, "expires_in")), 600);
    assert_string_equal(str(r, "id_token"), "d.e.f");
    assert_string_equal(str(r, "scope"), "openid mandaat");
    assert_int_equal(json_object_size(r), 5);
    json_decref(r);
    MND_ASSERT_ERR(mnd_oidc_token_response(pool, NULL, 600, "d", "s", &json), MND_EINVAL,
                   "access token");
    MND_ASSERT_ERR(mnd_oidc_token_response(pool, "a", 0, "d", "s", &json), MND_EINVAL,
                   "positive lifetime");
}

static void test_error_json(void **state)
{
    json_t *e;
    (void)state;
    e = parse(mnd_oidc_error_json(pool, "invalid_grant", "the code has expired"));
    assert_string_equal(str(e, "error"), "invalid_grant");
    assert_string_equal(str(e, "error_description"), "the code has expired");
    json_decref(e);
    e = parse(mnd_oidc_error_json(pool, "invalid_client", NULL));
    assert_int_equal(json_object_size(e), 1);
    json_decref(e);
    /* Outside RFC 6749's character set: replaced, never passed on. */
    e = parse(mnd_oidc_error_json(pool, "x\"y", "a \"quote\\\" and\nZoë"));
    assert_string_equal(str(e, "error"), "x?y");
    assert_string_equal(str(e, "error_description"), "a ?quote?? and?Zo??");
    json_decref(e);
    e = parse(mnd_oidc_error_json(pool, NULL, NULL));
    assert_string_equal(str(e, "error"), "server_error");
    json_decref(e);
}

/* ---- signed tokens verified with cjose --------------------------------------------------- */

static mnd_jwt_key_t *new_key(const char *type, const char *alg)
{
    EVP_PKEY *pk = strcmp(type, "EC") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                                           : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    BIO *bio = BIO_new(BIO_s_mem());
    mnd_jwt_key_t *k = NULL;
    char *pem;
    long n;
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL), 1);
    n = BIO_get_mem_data(bio, &pem);
    MND_ASSERT_OK(mnd_jwt_key_from_pem(pool, pem, (size_t)n, &k));
    MND_ASSERT_OK(mnd_jwt_key_set_alg(pool, k, alg));
    BIO_free(bio);
    EVP_PKEY_free(pk);
    return k;
}

/* Verify jws with cjose alone, the key taken from the JWKS by the token's kid. */
static void cjose_verifies(const char *jwks, const char *jws, const char *alg, const char *typ,
                           const char *claims)
{
    cjose_err err;
    cjose_jws_t *cj = cjose_jws_import(jws, strlen(jws), &err);
    cjose_header_t *h = cj ? cjose_jws_get_protected(cj) : NULL;
    json_t *set = parse(jwks), *keys = json_object_get(set, "keys");
    const char *kid = h ? cjose_header_get(h, "kid", &err) : NULL;
    cjose_jwk_t *jwk = NULL;
    uint8_t *pt;
    size_t ptlen, i;
    assert_non_null(kid);
    assert_string_equal(cjose_header_get(h, "alg", &err), alg);
    assert_string_equal(cjose_header_get(h, "typ", &err), typ);
    for (i = 0; i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i);
        if (strcmp(str(k, "kid"), kid) == 0) {
            char *txt = json_dumps(k, JSON_COMPACT);
            assert_string_equal(str(k, "alg"), alg);
            jwk = cjose_jwk_import(txt, strlen(txt), &err);
            free(txt);
        }
    }
    assert_non_null(jwk);
    assert_true(cjose_jws_verify(cj, jwk, &err));
    assert_true(cjose_jws_get_plaintext(cj, &pt, &ptlen, &err));
    assert_int_equal(ptlen, strlen(claims));
    assert_memory_equal(pt, claims, ptlen);
    cjose_jwk_release(jwk);
    cjose_jws_release(cj);
    json_decref(set);
}

static void test_signed(void **state)
{
    static const char *const types[] = {"EC", "RSA", "RSA"};
    static const char *const algs[] = {"ES256", "RS256", "PS256"};
    apr_array_header_t *keys = apr_array_make(pool, 3, sizeof(mnd_jwt_key_t *));
    mnd_oidc_issue_t in = issue(client("app", P_BOTH, 1, 0, 0), session(K_MANDATE_VIA));
    const char *jwks = NULL, *idc = NULL, *atc = NULL, *id = NULL, *at = NULL, *back = NULL;
    int i;
    (void)state;
    for (i = 0; i < 3; i++)
        APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = new_key(types[i], algs[i]);
    MND_ASSERT_OK(mnd_jwks_json(pool, keys, &jwks));
    MND_ASSERT_OK(mnd_oidc_id_token_claims(pool, &in, &idc));
    MND_ASSERT_OK(mnd_oidc_access_token_claims(pool, &in, &atc));
    for (i = 0; i < 3; i++) {
        mnd_jwt_key_t *k = APR_ARRAY_IDX(keys, i, mnd_jwt_key_t *);
        MND_ASSERT_OK(mnd_jwt_sign(k, pool, "JWT", idc, &id));
        MND_ASSERT_OK(mnd_jwt_sign(k, pool, "at+jwt", atc, &at));
        cjose_verifies(jwks, id, algs[i], "JWT", idc);
        cjose_verifies(jwks, at, algs[i], "at+jwt", atc);
        /* Our own verifiers agree, and keep the two kinds apart. */
        MND_ASSERT_OK(mnd_jwt_verify_typ(pool, keys, at, "at+jwt", &back));
        assert_string_equal(back, atc);
        MND_ASSERT_ERR(mnd_jwt_verify_typ(pool, keys, id, "at+jwt", &back), MND_EINVAL, "typ");
        MND_ASSERT_OK(mnd_jwt_verify_jwks(pool, jwks, id, algs + i, &back));
        assert_string_equal(back, idc);
    }
}

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject),
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_id_token_members),
        cmocka_unit_test(test_rrn_and_profile_scope),
        cmocka_unit_test(test_agrees_with_gateway),
        cmocka_unit_test(test_access_token),
        cmocka_unit_test(test_userinfo),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_token_response),
        cmocka_unit_test(test_error_json),
        cmocka_unit_test(test_signed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
