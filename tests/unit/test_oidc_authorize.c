/* The authorization request (src/oidc/authorize.h): every rule is sent a request breaking it,
 * and the answer is checked twice: the error code, and whether it is an error page (unknown
 * client, bad redirect_uri: never a redirect to an unvetted URI) or a redirect back to the
 * client's redirect_uri with the state echoed. Then the accepted requests, the pending request's
 * JSON round trip and the redirect URL. Requests go through mnd_oidc_params_parse as the
 * endpoint will send them; clients are built in memory (client files have their own tests). */
#include "testutil.h"

#include <apr_strings.h>
#include <string.h>

#include "oidc/authorize.h"
#include "oidc/params.h"

static apr_pool_t *pool;
static mnd_oidc_registry_t *reg;

#define CONF_ID "conf-app"
#define CONF_CB "https://app.example/cb"
#define CONF_CB_ENC "https%3A%2F%2Fapp.example%2Fcb"
#define CONF_CB2 "https://app.example/cb2?x=1" /* registered with a query */
#define PUB_ID "pub-app"
#define PUB_CB "http://127.0.0.1:8080/cb"
#define PUB_CB_ENC "http%3A%2F%2F127.0.0.1%3A8080%2Fcb"
/* 43 base64url characters: a well-formed S256 challenge. */
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

/* A valid request of the confidential client, to which a test appends what it breaks. */
#define BASE "client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC "&response_type=code" \
             "&scope=openid&state=st-1&nonce=n-1"
#define PUB_BASE "client_id=" PUB_ID "&redirect_uri=" PUB_CB_ENC "&response_type=code" \
                 "&scope=openid&state=st-1"

static apr_array_header_t *list(const char *a, const char *b, const char *c)
{
    apr_array_header_t *l = apr_array_make(pool, 3, sizeof(const char *));
    const char *v[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (v[i])
            APR_ARRAY_PUSH(l, const char *) = v[i];
    return l;
}

static mnd_oidc_client_t *client(const char *id, mnd_oidc_auth_t auth,
                                 apr_array_header_t *uris, apr_array_header_t *scopes)
{
    mnd_oidc_client_t *c = apr_pcalloc(pool, sizeof(*c));
    c->client_id = id;
    c->auth = auth;
    c->secret = auth == MND_OIDC_AUTH_NONE ? NULL : "0123456789abcdef0123456789abcdef";
    c->redirect_uris = uris;
    c->scopes = scopes;
    c->service_id = "wse-loket";
    c->profile_acm = c->profile_mandaat = 1;
    c->source = id;
    return c;
}

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    reg = mnd_oidc_registry_make(pool);
    if (mnd_oidc_registry_add(reg, client(CONF_ID, MND_OIDC_AUTH_SECRET_BASIC,
                                          list(CONF_CB, CONF_CB2, NULL),
                                          list("openid", "profile", "mandaat"))) ||
        mnd_oidc_registry_add(reg, client(PUB_ID, MND_OIDC_AUTH_NONE, list(PUB_CB, NULL, NULL),
                                          list("openid", NULL, NULL))))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

/* Parse query (must parse: the parser has its own tests) and check it. */
static mnd_error_t *check(const char *query, mnd_oidc_authz_t **a, mnd_oidc_authz_error_t *e)
{
    apr_hash_t *params;
    MND_ASSERT_OK(mnd_oidc_params_parse(pool, query, &params));
    return mnd_oidc_authorize_check(pool, reg, params, a, e);
}

/* The description is plain ASCII and never carries a request value. */
static void assert_description(const mnd_oidc_authz_error_t *e, const char *query)
{
    assert_non_null(e->description);
    for (const char *s = e->description; *s; s++)
        assert_true(*s >= 0x20 && *s < 0x7F);
    assert_null(strstr(e->description, "st-1"));
    assert_null(strstr(e->description, "app.example"));
    (void)query;
}

/* query is answered with an error page saying error. */
static void expect_page_at(int line, const char *query, const char *error)
{
    mnd_oidc_authz_t *a = (void *)1;
    mnd_oidc_authz_error_t e;
    mnd_error_t *err = check(query, &a, &e);
    if (!err)
        fail_msg("line %d: accepted: %s", line, query);
    assert_int_equal(err->rc, MND_EINVAL);
    assert_non_null(err->msg);
    if (e.redirect)
        fail_msg("line %d: a redirect (%s) for %s", line, e.error, query);
    assert_null(e.redirect_uri);
    assert_null(e.state);
    assert_null(a);
    if (!e.error || strcmp(e.error, error) != 0)
        fail_msg("line %d: error %s, expected %s: %s", line, e.error, error, query);
    assert_description(&e, query);
}
#define expect_page(q, err) expect_page_at(__LINE__, q, err)

/* query is answered by a redirect to uri with error and state (may be NULL). */
static void expect_redirect_at(int line, const char *query, const char *uri, const char *error,
                               const char *state, int form_post)
{
    mnd_oidc_authz_t *a = (void *)1;
    mnd_oidc_authz_error_t e;
    mnd_error_t *err = check(query, &a, &e);
    if (!err)
        fail_msg("line %d: accepted: %s", line, query);
    assert_int_equal(err->rc, MND_EINVAL);
    assert_non_null(err->msg);
    if (!e.redirect)
        fail_msg("line %d: an error page (%s) for %s", line, e.error, query);
    assert_null(a);
    assert_string_equal(e.redirect_uri, uri);
    if (!e.error || strcmp(e.error, error) != 0)
        fail_msg("line %d: error %s, expected %s: %s", line, e.error, error, query);
    if (state && (!e.state || strcmp(e.state, state) != 0))
        fail_msg("line %d: state %s, expected %s: %s", line, e.state, state, query);
    else if (state)
        assert_string_equal(e.state, state);
    else
        assert_null(e.state);
    assert_int_equal(e.form_post, form_post);
    assert_description(&e, query);
}
#define expect_redirect(q, err) expect_redirect_at(__LINE__, q, CONF_CB, err, "st-1", 0)
#define expect_pub_redirect(q, err) expect_redirect_at(__LINE__, q, PUB_CB, err, "st-1", 0)

static mnd_oidc_authz_t *expect_ok_at(int line, const char *query)
{
    mnd_oidc_authz_t *a = NULL;
    mnd_oidc_authz_error_t e;
    mnd_error_t *err = check(query, &a, &e);
    if (err)
        fail_msg("line %d: refused (%s): %s: %s", line, e.error, err->msg, query);
    assert_non_null(a);
    return a;
}
#define expect_ok(q) expect_ok_at(__LINE__, q)

/* ---- error pages ---- */

static void test_unknown_client(void **state)
{
    (void)state;
    expect_page("redirect_uri=" CONF_CB_ENC "&response_type=code&scope=openid&state=st-1",
                "invalid_request");
    expect_page("client_id=&redirect_uri=" CONF_CB_ENC "&response_type=code&scope=openid",
                "invalid_request");
    expect_page("client_id=other-app&redirect_uri=" CONF_CB_ENC
                "&response_type=code&scope=openid&state=st-1", "invalid_client");
    expect_page("client_id=CONF-APP&redirect_uri=" CONF_CB_ENC
                "&response_type=code&scope=openid&state=st-1", "invalid_client");
    expect_page("client_id=conf-app%20&redirect_uri=" CONF_CB_ENC
                "&response_type=code&scope=openid&state=st-1", "invalid_client");
    /* Whatever else is wrong: an unknown client never gets a redirect. */
    expect_page("client_id=nobody&redirect_uri=" CONF_CB_ENC "&response_type=token", "invalid_client");
}

static void test_redirect_uri_missing(void **state)
{
    (void)state;
    expect_page("client_id=" CONF_ID "&response_type=code&scope=openid&state=st-1",
                "invalid_request");
    /* Required even when the client has a single one (RFC 6749 allows leaving it out then;
     * we do not, so that the URI the code is bound to is always the one asked for). */
    expect_page("client_id=" PUB_ID "&response_type=code&scope=openid&state=st-1"
                "&code_challenge=" CHALLENGE "&code_challenge_method=S256", "invalid_request");
    expect_page("client_id=" CONF_ID "&redirect_uri=&response_type=code&scope=openid",
                "invalid_request");
}

/* The redirect_uri variants of RFC 9700 section 4.1: none is the registered one. */
static void test_redirect_uri_mismatch(void **state)
{
    static const char *const variants[] = {
        "https%3A%2F%2Fapp.example%2Fcb%2F",             /* trailing slash */
        "https%3A%2F%2Fapp.example%2Fcb%2F..%2Fcb",      /* dot segment */
        "https%3A%2F%2FAPP.example%2Fcb",                /* host case */
        "HTTPS%3A%2F%2Fapp.example%2Fcb",                /* scheme case */
        "https%3A%2F%2Fapp.example%2FCB",                /* path case */
        "https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1",        /* extra query */
        "https%3A%2F%2Fapp.example%2Fcb%3F",             /* empty query */
        "https%3A%2F%2Fapp.example%2Fcb2",               /* the registered query left out */
        "https%3A%2F%2Fapp.example%2Fcb2%3Fx%3D1%26y%3D2", /* query extended */
        "https%3A%2F%2Fapp.example%2Fcb2%3Fx%3D2",       /* query changed */
        "https%3A%2F%2Fapp.example%2Fcb%23frag",         /* fragment */
        "https%3A%2F%2Fapp.example%2Fcb%23",             /* empty fragment */
        "https%3A%2F%2Fevil%40app.example%2Fcb",         /* userinfo */
        "https%3A%2F%2Fapp.example%40evil.example%2Fcb", /* userinfo, other host */
        "https%3A%2F%2Fapp.example%3A443%2Fcb",          /* default port spelled out */
        "https%3A%2F%2Fapp.example.%2Fcb",               /* trailing dot in host */
        "https%3A%2F%2Fapp.example%2F%2563b",            /* %63 = 'c', left encoded */
        "https%3A%2F%2Fapp.example%252Fcb",              /* %2F = '/', left encoded */
        "https%253A%252F%252Fapp.example%252Fcb",        /* the whole URI encoded twice */
        "http%3A%2F%2Fapp.example%2Fcb",                 /* http instead of https */
        "https%3A%2F%2Fapp.example%2Fcb%20",             /* trailing space */
        "%20https%3A%2F%2Fapp.example%2Fcb",             /* leading space */
        "https%3A%2F%2Fapp.example%2Fc",                 /* prefix */
        "https%3A%2F%2Fapp.example%2Fcbx",               /* longer */
        "https%3A%2F%2Fapp.ex%C3%A4mple%2Fcb",           /* non-ASCII host */
        "%2F%2Fapp.example%2Fcb",                        /* scheme-relative */
        PUB_CB_ENC,                                      /* another client's */
    };
    (void)state;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        expect_page(apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri=", variants[i],
                                "&response_type=code&scope=openid&state=st-1", NULL),
                    "invalid_request");
        /* A bad redirect_uri wins over every later rule. */
        expect_page(apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri=", variants[i],
                                "&response_type=token&request_uri=x", NULL), "invalid_request");
    }
    /* The public client's loopback URI with another port or host spelling. */
    expect_page("client_id=" PUB_ID "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8081%2Fcb"
                "&response_type=code&scope=openid&code_challenge=" CHALLENGE
                "&code_challenge_method=S256", "invalid_request");
    expect_page("client_id=" PUB_ID "&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb"
                "&response_type=code&scope=openid&code_challenge=" CHALLENGE
                "&code_challenge_method=S256", "invalid_request");
}

/* ---- redirects ---- */

static void test_response_type(void **state)
{
    (void)state;
    expect_redirect("client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                    "&scope=openid&state=st-1", "invalid_request");
    expect_redirect("client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                    "&response_type=&scope=openid&state=st-1", "invalid_request");
    static const char *const bad[] = {"token", "id_token", "code+id_token", "code+token",
                                      "id_token+token", "CODE", "code+", "none", "code%20code"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_redirect(apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                                    "&scope=openid&state=st-1&response_type=", bad[i], NULL),
                        "unsupported_response_type");
}

static void test_scope(void **state)
{
    static const char *const bad[] = {
        "",                 /* missing */
        "profile",          /* no openid */
        "OPENID",           /* case */
        "openid2",
        "openid+admin",     /* not allowed for the client */
        "openid+profile+email",
        "openid+%22x%22",   /* '"' is not a scope character (RFC 6749 3.3) */
        "openid+a%5Cb",     /* nor '\\' */
        "openid+pr%C3%B6file", /* nor non-ASCII */
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_redirect(apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                                    "&response_type=code&state=st-1&scope=", bad[i], NULL),
                        "invalid_scope");
    /* mandaat is allowed for the confidential client, not for the public one. */
    expect_pub_redirect("client_id=" PUB_ID "&redirect_uri=" PUB_CB_ENC "&response_type=code"
                        "&scope=openid+mandaat&state=st-1&code_challenge=" CHALLENGE
                        "&code_challenge_method=S256", "invalid_scope");
}

static void test_pkce(void **state)
{
    static const char *const bad[] = {
        "&code_challenge_method=S256",                             /* method, no challenge */
        "&code_challenge=" CHALLENGE,                              /* no method: plain */
        "&code_challenge=" CHALLENGE "&code_challenge_method=plain",
        "&code_challenge=" CHALLENGE "&code_challenge_method=s256", /* case */
        "&code_challenge=" CHALLENGE "&code_challenge_method=S512",
        "&code_challenge=" CHALLENGE "&code_challenge_method=S256+",
        "&code_challenge=" CHALLENGE "x&code_challenge_method=S256",     /* 44 */
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c&code_challenge_method=S256",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw%2BcM&code_challenge_method=S256",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw%2FcM&code_challenge_method=S256",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw.cM&code_challenge_method=S256",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c%3D&code_challenge_method=S256",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSst%C3%A9cM&code_challenge_method=S256",
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM&code_challenge_method=S256",
        "&code_challenge=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP-mB92K27uhbUJU1p1r_w"
        "W1gFWFOEjXk&code_challenge_method=S256", /* a 86-character verifier as challenge */
    };
    (void)state;
    /* A public client must send a challenge. */
    expect_pub_redirect(PUB_BASE, "invalid_request");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_pub_redirect(apr_pstrcat(pool, PUB_BASE, bad[i], NULL), "invalid_request");
        /* Honoured for confidential clients too: a bad one is never ignored. */
        expect_redirect(apr_pstrcat(pool, BASE, bad[i], NULL), "invalid_request");
    }
}

static void test_prompt(void **state)
{
    static const char *const bad[] = {"none+login", "login+none", "none+select_account",
                                      "none+consent", "none+none+login", "bogus", "none+bogus",
                                      "Login", "select-account", "create"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_redirect(apr_pstrcat(pool, BASE, "&prompt=", bad[i], NULL), "invalid_request");
}

static void test_max_age(void **state)
{
    static const char *const bad[] = {"-1", "abc", "1.5", "%2B5", "+5", "5+", "0x10", "1e3",
                                      "%E2%91%A0" /* circled 1 */, "%EF%BC%95" /* wide 5 */};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_redirect(apr_pstrcat(pool, BASE, "&max_age=", bad[i], NULL), "invalid_request");
}

static void test_acr_values(void **state)
{
    static const char *const bad[] = {"urn%3Aeid%3Ahigh", "loa%3A", "loa%3Ax", "LOA%3A3",
                                      "loa%3A1000", "loa%3A-1", "loa%3A3x", "loa3",
                                      "loa%3A%2B3", "urn%3Aa+urn%3Ab"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_redirect(apr_pstrcat(pool, BASE, "&acr_values=", bad[i], NULL),
                        "invalid_request");
}

static void test_response_mode(void **state)
{
    static const char *const bad[] = {"fragment", "query.jwt", "form_post.jwt", "jwt",
                                      "FORM_POST", "Query", "web_message"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_redirect(apr_pstrcat(pool, BASE, "&response_mode=", bad[i], NULL),
                        "invalid_request");
    /* A valid form_post: later refusals go back by form_post. */
    expect_redirect_at(__LINE__, "client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                       "&response_type=token&scope=openid&state=st-1&response_mode=form_post",
                       CONF_CB, "unsupported_response_type", "st-1", 1);
    expect_redirect_at(__LINE__, BASE "&response_mode=form_post&prompt=bogus", CONF_CB,
                       "invalid_request", "st-1", 1);
}

static void test_request_objects(void **state)
{
    (void)state;
    expect_redirect(BASE "&request=eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.",
                    "request_not_supported");
    expect_redirect(BASE "&request_uri=https%3A%2F%2Fapp.example%2Freq%2F1",
                    "request_uri_not_supported");
    expect_redirect(BASE "&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc",
                    "request_uri_not_supported");
    /* Empty means absent (RFC 6749 3.1). */
    expect_ok(BASE "&request=&request_uri=");
}

static const char *repeat(char c, size_t n)
{
    char *s = apr_palloc(pool, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_oversized(void **state)
{
    (void)state;
    /* nonce over 512 bytes: refused, the state echoed. */
    expect_redirect(apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                                "&response_type=code&scope=openid&state=st-1&nonce=",
                                repeat('n', 513), NULL), "invalid_request");
    /* state over 512 bytes: refused, and that state is not echoed. */
    expect_redirect_at(__LINE__, apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri="
                                             CONF_CB_ENC "&response_type=code&scope=openid"
                                             "&state=", repeat('s', 513), NULL),
                       CONF_CB, "invalid_request", NULL, 0);
    /* Bytes, not characters: 257 two-byte characters are 514 bytes. */
    {
        const char *e = "";
        for (int i = 0; i < 257; i++)
            e = apr_pstrcat(pool, e, "%C3%A9", NULL);
        expect_redirect_at(__LINE__, apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri="
                                                 CONF_CB_ENC "&response_type=code"
                                                 "&scope=openid&state=", e, NULL),
                           CONF_CB, "invalid_request", NULL, 0);
    }
}

/* ---- accepted requests ---- */

static void test_minimal(void **state)
{
    mnd_oidc_authz_t *a;
    (void)state;
    a = expect_ok("client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                  "&response_type=code&scope=openid");
    assert_string_equal(a->client->client_id, CONF_ID);
    assert_string_equal(a->redirect_uri, CONF_CB);
    assert_string_equal(a->scope, "openid");
    assert_null(a->state);
    assert_null(a->nonce);
    assert_null(a->code_challenge);
    assert_null(a->login_hint);
    assert_int_equal(a->prompt, 0);
    assert_int_equal(a->max_age, -1);
    assert_int_equal(a->min_loa, 0);
    assert_int_equal(a->form_post, 0);
    /* Unknown parameters are ignored (RFC 6749 3.1); empty ones are absent. */
    a = expect_ok(BASE "&claims_locales=nl&display=page&prompt=&max_age=&acr_values="
                  "&response_mode=&code_challenge=&code_challenge_method=");
    assert_int_equal(a->prompt, 0);
    assert_int_equal(a->max_age, -1);
    assert_null(a->code_challenge);
    assert_string_equal(a->state, "st-1");
    assert_string_equal(a->nonce, "n-1");
}

static void test_full(void **state)
{
    mnd_oidc_authz_t *a;
    (void)state;
    a = expect_ok("client_id=" CONF_ID "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb2%3Fx%3D1"
                  "&response_type=code&scope=profile+openid++mandaat+profile"
                  "&state=a+b%26c%3Dd%C3%A9&nonce=n%2F1&code_challenge=" CHALLENGE
                  "&code_challenge_method=S256&prompt=login+consent&max_age=0"
                  "&acr_values=urn%3Ax+loa%3A4+loa%3A3+loa%3A5&response_mode=form_post"
                  "&login_hint=eyJjYXBfaGludCI6IjEyMyJ9");
    assert_string_equal(a->redirect_uri, CONF_CB2);
    assert_string_equal(a->scope, "openid profile mandaat");
    assert_string_equal(a->state, "a b&c=d\xC3\xA9");
    assert_string_equal(a->nonce, "n/1");
    assert_string_equal(a->code_challenge, CHALLENGE);
    assert_int_equal(a->prompt, MND_OIDC_PROMPT_LOGIN | MND_OIDC_PROMPT_CONSENT);
    assert_int_equal(a->max_age, 0);
    assert_int_equal(a->min_loa, 3);
    assert_int_equal(a->form_post, 1);
    assert_string_equal(a->login_hint, "eyJjYXBfaGludCI6IjEyMyJ9");
}

static void test_accepted_values(void **state)
{
    mnd_oidc_authz_t *a;
    (void)state;
    a = expect_ok(PUB_BASE "&code_challenge=" CHALLENGE "&code_challenge_method=S256");
    assert_string_equal(a->client->client_id, PUB_ID);
    assert_string_equal(a->code_challenge, CHALLENGE);
    assert_int_equal(expect_ok(BASE "&prompt=none")->prompt, MND_OIDC_PROMPT_NONE);
    assert_int_equal(expect_ok(BASE "&prompt=none+none")->prompt, MND_OIDC_PROMPT_NONE);
    assert_int_equal(expect_ok(BASE "&prompt=select_account")->prompt,
                     MND_OIDC_PROMPT_SELECT_ACCOUNT);
    assert_int_equal(expect_ok(BASE "&prompt=login+select_account")->prompt,
                     MND_OIDC_PROMPT_LOGIN | MND_OIDC_PROMPT_SELECT_ACCOUNT);
    assert_int_equal(expect_ok(BASE "&max_age=3600")->max_age, 3600);
    assert_int_equal(expect_ok(BASE "&max_age=007")->max_age, 7);
    /* Beyond 2^31-1 seconds (68 years) every value means the same: kept as 2^31-1. */
    assert_int_equal(expect_ok(BASE "&max_age=2147483648")->max_age, 2147483647);
    assert_int_equal(expect_ok(BASE "&max_age=99999999999999999999999")->max_age, 2147483647);
    assert_int_equal(expect_ok(BASE "&acr_values=loa%3A3")->min_loa, 3);
    assert_int_equal(expect_ok(BASE "&acr_values=loa%3A0")->min_loa, 0);
    assert_int_equal(expect_ok(BASE "&response_mode=query")->form_post, 0);
    /* Exactly 512 bytes of state and of nonce. */
    a = expect_ok(apr_pstrcat(pool, "client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                              "&response_type=code&scope=openid&state=", repeat('s', 512),
                              "&nonce=", repeat('n', 512), NULL));
    assert_int_equal(strlen(a->state), 512);
    assert_int_equal(strlen(a->nonce), 512);
}

/* ---- the pending request as JSON ---- */

static void assert_same(const mnd_oidc_authz_t *a, const mnd_oidc_authz_t *b)
{
#define SAME_STR(f) \
    do { if (a->f) assert_string_equal(a->f, b->f); else assert_null(b->f); } while (0)
    assert_ptr_equal(a->client, b->client);
    SAME_STR(redirect_uri);
    SAME_STR(scope);
    SAME_STR(state);
    SAME_STR(nonce);
    SAME_STR(code_challenge);
    SAME_STR(login_hint);
    assert_int_equal(a->prompt, b->prompt);
    assert_int_equal(a->max_age, b->max_age);
    assert_int_equal(a->min_loa, b->min_loa);
    assert_int_equal(a->form_post, b->form_post);
#undef SAME_STR
}

static void test_json_round_trip(void **state)
{
    const char *queries[] = {
        "client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC "&response_type=code&scope=openid",
        "client_id=" CONF_ID "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb2%3Fx%3D1"
        "&response_type=code&scope=mandaat+openid&state=a+%22b%22%5C%C3%A9&nonce=n"
        "&code_challenge=" CHALLENGE "&code_challenge_method=S256&prompt=login+select_account"
        "&max_age=60&acr_values=loa%3A4&response_mode=form_post&login_hint=aGk",
        BASE "&max_age=99999999999&acr_values=loa%3A999",
        PUB_BASE "&code_challenge=" CHALLENGE "&code_challenge_method=S256&prompt=none",
    };
    (void)state;
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        mnd_oidc_authz_t *a = expect_ok(queries[i]), *b;
        const char *json;
        MND_ASSERT_OK(mnd_oidc_authz_to_json(pool, a, &json));
        MND_ASSERT_OK(mnd_oidc_authz_from_json(pool, reg, json, &b));
        assert_same(a, b);
    }
}

static void test_json_client_gone(void **state)
{
    mnd_oidc_authz_t *a, *b;
    mnd_oidc_registry_t *other = mnd_oidc_registry_make(pool);
    const char *json;
    (void)state;
    a = expect_ok("client_id=" CONF_ID "&redirect_uri=" CONF_CB_ENC
                  "&response_type=code&scope=openid+profile");
    MND_ASSERT_OK(mnd_oidc_authz_to_json(pool, a, &json));
    /* Removed from the registry. */
    MND_ASSERT_ERR(mnd_oidc_authz_from_json(pool, other, json, &b), MND_ENOTFOUND, CONF_ID);
    /* Still registered, but without that redirect_uri, or without a requested scope. */
    MND_ASSERT_OK(mnd_oidc_registry_add(other, client(CONF_ID, MND_OIDC_AUTH_SECRET_BASIC,
                                                      list(CONF_CB2, NULL, NULL),
                                                      list("openid", "profile", NULL))));
    MND_ASSERT_ERR(mnd_oidc_authz_from_json(pool, other, json, &b), MND_ENOTFOUND,
                   "redirect_uri");
    other = mnd_oidc_registry_make(pool);
    MND_ASSERT_OK(mnd_oidc_registry_add(other, client(CONF_ID, MND_OIDC_AUTH_SECRET_BASIC,
                                                      list(CONF_CB, NULL, NULL),
                                                      list("openid", NULL, NULL))));
    MND_ASSERT_ERR(mnd_oidc_authz_from_json(pool, other, json, &b), MND_ENOTFOUND, "scope");
}

static void test_json_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"client_id\":\"conf-app\"",
        /* a member missing */
        "{\"redirect_uri\":\"https://app.example/cb\",\"scope\":\"openid\",\"prompt\":0,"
        "\"max_age\":-1,\"min_loa\":0,\"form_post\":false}",
        "{\"client_id\":\"conf-app\",\"redirect_uri\":\"https://app.example/cb\","
        "\"scope\":\"openid\",\"prompt\":0,\"max_age\":-1,\"min_loa\":0}",
        /* wrong types and ranges */
        "{\"client_id\":7,\"redirect_uri\":\"https://app.example/cb\",\"scope\":\"openid\","
        "\"prompt\":0,\"max_age\":-1,\"min_loa\":0,\"form_post\":false}",
        "{\"client_id\":\"conf-app\",\"redirect_uri\":\"https://app.example/cb\","
        "\"scope\":\"openid\",\"prompt\":\"0\",\"max_age\":-1,\"min_loa\":0,\"form_post\":false}",
        "{\"client_id\":\"conf-app\",\"redirect_uri\":\"https://app.example/cb\","
        "\"scope\":\"openid\",\"prompt\":0,\"max_age\":-2,\"min_loa\":0,\"form_post\":false}",
        "{\"client_id\":\"conf-app\",\"redirect_uri\":\"https://app.example/cb\","
        "\"scope\":\"openid\",\"prompt\":0,\"max_age\":-1,\"min_loa\":0,\"form_post\":1}",
        /* a duplicate member (mnd_json_in) */
        "{\"client_id\":\"conf-app\",\"client_id\":\"pub-app\",\"redirect_uri\":"
        "\"https://app.example/cb\",\"scope\":\"openid\",\"prompt\":0,\"max_age\":-1,"
        "\"min_loa\":0,\"form_post\":false}",
    };
    mnd_oidc_authz_t *b;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        MND_ASSERT_ERR(mnd_oidc_authz_from_json(pool, reg, bad[i], &b), MND_EINVAL, NULL);
}

/* A value jansson cannot carry fails the dump instead of vanishing from it (the parser lets
 * no such value through; this is the second line). */
static void test_json_not_utf8(void **state)
{
    mnd_oidc_authz_t *a = expect_ok(BASE), *b = apr_pmemdup(pool, a, sizeof(*a));
    const char *json = NULL;
    (void)state;
    b->state = "s\xC3\x28";
    MND_ASSERT_ERR(mnd_oidc_authz_to_json(pool, b, &json), MND_EINVAL, "UTF-8");
    assert_null(json);
    b->state = a->state;
    b->login_hint = "\xFF";
    MND_ASSERT_ERR(mnd_oidc_authz_to_json(pool, b, &json), MND_EINVAL, "UTF-8");
}

/* ---- the redirect URL ---- */

static void test_redirect_url(void **state)
{
    const char *const code[] = {"code", "c0de", "state", "a b&c=d/\xC3\xA9#+%", NULL};
    const char *const err[] = {"error", "access_denied", "error_description", NULL,
                               "state", "st", NULL};
    const char *const none[] = {NULL};
    (void)state;
    assert_string_equal(mnd_oidc_redirect_url(pool, CONF_CB, code),
                        CONF_CB "?code=c0de&state=a+b%26c%3dd%2f%c3%a9%23%2b%25");
    assert_string_equal(mnd_oidc_redirect_url(pool, CONF_CB2, code),
                        CONF_CB2 "&code=c0de&state=a+b%26c%3dd%2f%c3%a9%23%2b%25");
    /* NULL values left out. */
    assert_string_equal(mnd_oidc_redirect_url(pool, CONF_CB, err),
                        CONF_CB "?error=access_denied&state=st");
    assert_string_equal(mnd_oidc_redirect_url(pool, CONF_CB, none), CONF_CB);
    /* A query that is there but empty, or ends in '&', gets no second separator. */
    assert_string_equal(mnd_oidc_redirect_url(pool, "https://a.example/cb?", err),
                        "https://a.example/cb?error=access_denied&state=st");
    assert_string_equal(mnd_oidc_redirect_url(pool, "https://a.example/cb?x=1&", err),
                        "https://a.example/cb?x=1&error=access_denied&state=st");
    /* The state round-trips through the parser. */
    {
        const char *url = mnd_oidc_redirect_url(pool, CONF_CB, code);
        apr_hash_t *params;
        MND_ASSERT_OK(mnd_oidc_params_parse(pool, strchr(url, '?') + 1, &params));
        assert_string_equal(mnd_oidc_param(params, "state"), code[3]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_client),
        cmocka_unit_test(test_redirect_uri_missing),
        cmocka_unit_test(test_redirect_uri_mismatch),
        cmocka_unit_test(test_response_type),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_pkce),
        cmocka_unit_test(test_prompt),
        cmocka_unit_test(test_max_age),
        cmocka_unit_test(test_acr_values),
        cmocka_unit_test(test_response_mode),
        cmocka_unit_test(test_request_objects),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_accepted_values),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_json_client_gone),
        cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_not_utf8),
        cmocka_unit_test(test_redirect_url),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
