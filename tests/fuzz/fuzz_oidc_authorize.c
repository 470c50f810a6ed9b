/* libFuzzer target for the authorization request: the query string (or POST form) read by
 * mnd_oidc_params_parse and checked by mnd_oidc_authorize_check against a registry of three
 * clients built once (confidential with two redirect URIs, one of them with a query; public
 * on a loopback URI; private_key_jwt). The whole input is the query text; a NUL ends it there,
 * as it would in httpd.
 *
 * Beyond "no crash, no leak, no undefined behaviour" the target checks the contract of
 * src/oidc/authorize.h and params.h: a refusal is MND_EINVAL with a message, an RFC 6749 error
 * code and a printable ASCII description; an error page carries no redirect_uri nor state; a
 * redirect goes only to a redirect_uri registered for the client named, with the request's own
 * state (at most 512 bytes) or none; an accepted request names a registered client and one of
 * its redirect URIs byte for byte, openid first and only allowed scopes, an S256 challenge of
 * 43 base64url characters (always for the public client), state and nonce of at most 512
 * bytes, prompt none alone; its JSON gives back the same request, and the redirect URL built
 * for the answer gives back the same state when parsed. Built with
 * -fsanitize=fuzzer,address,undefined by --enable-fuzz; replay_main.c runs the seed corpus
 * through the same function in every `make check`. docs/oidc.md, "Fuzzing". */
#include "oidc/authorize.h"
#include "oidc/params.h"

#include <apr_general.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *gp;
static mnd_oidc_registry_t *reg;
static int verbose; /* MANDAAT_FUZZ_VERBOSE set: each outcome on stderr */

static void broken(const char *what, const char *detail) __attribute__((noreturn));

static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_oidc_authorize: contract broken: %s: %s\n", what,
            detail ? detail : "(null)");
    abort();
}

static apr_array_header_t *list(const char *a, const char *b, const char *c)
{
    apr_array_header_t *l = apr_array_make(gp, 3, sizeof(const char *));
    const char *v[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (v[i])
            APR_ARRAY_PUSH(l, const char *) = v[i];
    return l;
}

static void add(const char *id, mnd_oidc_auth_t auth, apr_array_header_t *uris,
                apr_array_header_t *scopes)
{
    mnd_oidc_client_t *c = apr_pcalloc(gp, sizeof(*c));
    c->client_id = id;
    c->auth = auth;
    if (auth == MND_OIDC_AUTH_SECRET_BASIC)
        c->secret = "0123456789abcdef0123456789abcdef";
    if (auth == MND_OIDC_AUTH_PRIVATE_KEY_JWT)
        c->jwks_json = "{\"keys\":[]}";
    c->redirect_uris = uris;
    c->scopes = scopes;
    c->service_id = "wse-loket";
    c->profile_acm = c->profile_mandaat = 1;
    c->source = id;
    if (mnd_oidc_registry_add(reg, c))
        broken("registry", id);
}

static void setup(void)
{
    apr_initialize();
    apr_pool_create(&gp, NULL);
    verbose = getenv("MANDAAT_FUZZ_VERBOSE") != NULL;
    reg = mnd_oidc_registry_make(gp);
    add("conf-app", MND_OIDC_AUTH_SECRET_BASIC,
        list("https://app.example/cb", "https://app.example/cb2?x=1", NULL),
        list("openid", "profile", "mandaat"));
    add("pub-app", MND_OIDC_AUTH_NONE, list("http://127.0.0.1:8080/cb", NULL, NULL),
        list("openid", NULL, NULL));
    add("jwt-app", MND_OIDC_AUTH_PRIVATE_KEY_JWT, list("https://rp.example/oidc/cb", NULL, NULL),
        list("openid", "mandaat", NULL));
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int ascii_text(const char *s)
{
    for (; s && *s; s++)
        if (*s < 0x20 || *s > 0x7E)
            return 0;
    return s != NULL;
}

/* The answer's query parsed back: the params of url after its '?'. */
static apr_hash_t *reparse(apr_pool_t *p, const char *url)
{
    apr_hash_t *back;
    mnd_error_t *err = mnd_oidc_params_parse(p, strchr(url, '?') + 1, &back);
    if (err)
        broken("the redirect URL does not parse back", err->msg);
    return back;
}

static void check_refused(apr_pool_t *p, apr_hash_t *params, mnd_error_t *err,
                          const mnd_oidc_authz_t *a, const mnd_oidc_authz_error_t *e)
{
    const char *state = mnd_oidc_param(params, "state");
    const mnd_oidc_client_t *c;
    if (err->rc != MND_EINVAL || !err->msg || !*err->msg)
        broken("refusal not MND_EINVAL with a message", err->msg);
    if (a)
        broken("refused but a request given", err->msg);
    if (!e->error || !*e->error || !ascii_text(e->description))
        broken("refusal without error code or ASCII description", err->msg);
    if (!e->redirect) {
        if (e->redirect_uri || e->state)
            broken("error page with a redirect_uri or state", e->error);
        return;
    }
    c = mnd_oidc_registry_find(reg, mnd_oidc_param(params, "client_id") ?
                                        mnd_oidc_param(params, "client_id") : "");
    if (!c || !e->redirect_uri || !mnd_oidc_client_redirect_ok(c, e->redirect_uri) ||
        !same(e->redirect_uri, mnd_oidc_param(params, "redirect_uri")))
        broken("redirect to a redirect_uri not the client's", e->redirect_uri);
    if (e->state && (!same(e->state, state) || strlen(e->state) > 512))
        broken("redirect with a state not the request's or over 512 bytes", e->state);
    if (state && strlen(state) <= 512 && !e->state)
        broken("redirect without the request's state", e->error);
    {
        const char *const kv[] = {"error", e->error, "error_description", e->description,
                                  "state", e->state, NULL};
        apr_hash_t *back = reparse(p, mnd_oidc_redirect_url(p, e->redirect_uri, kv));
        if (!same(mnd_oidc_param(back, "error"), e->error) ||
            !same(mnd_oidc_param(back, "state"), e->state))
            broken("the error redirect URL gives back another error or state", e->error);
    }
}

static int b64url43(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!apr_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    return n == 43;
}

static void check_scope(const mnd_oidc_authz_t *a)
{
    char *last, *copy = strdup(a->scope);
    int first = 1;
    for (char *t = apr_strtok(copy, " ", &last); t; t = apr_strtok(NULL, " ", &last)) {
        if ((first && strcmp(t, "openid") != 0) || !mnd_oidc_client_scope_ok(a->client, t))
            broken("accepted a scope not allowed or openid not first", a->scope);
        first = 0;
    }
    free(copy);
    if (first)
        broken("accepted without a scope", a->scope);
}

static void check_round_trip(apr_pool_t *p, const mnd_oidc_authz_t *a)
{
    const char *json;
    mnd_oidc_authz_t *b;
    mnd_error_t *err;
    if ((err = mnd_oidc_authz_to_json(p, a, &json)) ||
        (err = mnd_oidc_authz_from_json(p, reg, json, &b)))
        broken("the JSON does not round-trip", err->msg);
    if (b->client != a->client || !same(b->redirect_uri, a->redirect_uri) ||
        !same(b->scope, a->scope) || !same(b->state, a->state) || !same(b->nonce, a->nonce) ||
        !same(b->code_challenge, a->code_challenge) || !same(b->login_hint, a->login_hint) ||
        b->prompt != a->prompt || b->max_age != a->max_age || b->min_loa != a->min_loa ||
        b->form_post != a->form_post)
        broken("the JSON gives another request", json);
}

static void check_accepted(apr_pool_t *p, apr_hash_t *params, const mnd_oidc_authz_t *a)
{
    const char *mode = mnd_oidc_param(params, "response_mode");
    if (!a || a->client != mnd_oidc_registry_find(reg, mnd_oidc_param(params, "client_id")))
        broken("accepted for a client not named", mnd_oidc_param(params, "client_id"));
    if (!mnd_oidc_client_redirect_ok(a->client, a->redirect_uri) ||
        !same(a->redirect_uri, mnd_oidc_param(params, "redirect_uri")))
        broken("accepted with a redirect_uri not the client's", a->redirect_uri);
    if (!same(mnd_oidc_param(params, "response_type"), "code"))
        broken("accepted a response_type other than code", NULL);
    check_scope(a);
    if (a->code_challenge ? !b64url43(a->code_challenge) : a->client->auth == MND_OIDC_AUTH_NONE)
        broken("accepted a bad or missing PKCE challenge", a->code_challenge);
    if ((a->state && strlen(a->state) > 512) || (a->nonce && strlen(a->nonce) > 512))
        broken("accepted a state or nonce over 512 bytes", NULL);
    if (!same(a->state, mnd_oidc_param(params, "state")))
        broken("the state is not the request's", a->state);
    if ((a->prompt & MND_OIDC_PROMPT_NONE) && a->prompt != MND_OIDC_PROMPT_NONE)
        broken("accepted prompt none with another value", NULL);
    if (a->max_age < -1 || a->min_loa < 0 || a->form_post != same(mode, "form_post"))
        broken("max_age, min_loa or response_mode out of range", mode);
    if (mnd_oidc_param(params, "request") || mnd_oidc_param(params, "request_uri"))
        broken("accepted a request object", NULL);
    check_round_trip(p, a);
    {
        const char *const kv[] = {"code", "c0de", "state", a->state, NULL};
        apr_hash_t *back = reparse(p, mnd_oidc_redirect_url(p, a->redirect_uri, kv));
        if (!same(mnd_oidc_param(back, "state"), a->state) ||
            !same(mnd_oidc_param(back, "code"), "c0de"))
            broken("the redirect URL gives back another state", a->state);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    apr_pool_t *p;
    apr_hash_t *params;
    mnd_oidc_authz_t *a = NULL;
    mnd_oidc_authz_error_t e;
    mnd_error_t *err;
    char *text;
    if (!ready) {
        setup();
        ready = 1;
    }
    memset(&e, 0, sizeof(e));
    apr_pool_create(&p, NULL);
    text = apr_pstrmemdup(p, (const char *)data, size); /* a NUL ends the text there */
    if ((err = mnd_oidc_params_parse(p, text, &params))) {
        if (err->rc != MND_EINVAL || !err->msg || !*err->msg)
            broken("parser refusal not MND_EINVAL with a message", err->msg);
    } else if ((err = mnd_oidc_authorize_check(p, reg, params, &a, &e))) {
        check_refused(p, params, err, a, &e);
    } else {
        check_accepted(p, params, a);
    }
    if (verbose)
        fprintf(stderr, "  %s%s%s\n", err ? err->msg : "accepted",
                err && e.error ? (e.redirect ? " -> redirect " : " -> page ") : "",
                err && e.error ? e.error : "");
    apr_pool_destroy(p);
    return 0;
}
