/* bench_oidc's load against httpd: see oidc_load.h. */
#include "oidc_load.h"

#include <apr_base64.h>
#include <apr_encode.h>
#include <apr_escape.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const mnd_bench_oidc_step_names[MND_BENCH_OIDC_STEPS] = {
    "GET oidc/authorize?… → 303 (chooser; returning person: redirect URI with code)",
    "GET /mandaat/choose → 200 (chooser)", "POST /mandaat/choose → 303 (redirect URI with code)",
    "POST oidc/token (client_secret_basic) → 200 (id_token, access_token)"};

#define TOKEN_PATH_TAIL "/token"

/* ---- one flow ---- */

/* base64url without padding of n random bytes (OpenSSL's generator: thread-safe, no
 * system call per value). */
static const char *random_b64url(apr_pool_t *p, int n)
{
    unsigned char b[64];
    if (n > (int)sizeof(b) || RAND_bytes(b, n) != 1)
        abort();
    return apr_pencode_base64_binary(p, b, n, APR_ENCODE_BASE64URL | APR_ENCODE_NOPADDING, NULL);
}

/* The value of query parameter name in url (decoded), or NULL. */
static const char *query_param(apr_pool_t *p, const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t n = strlen(name);
    while (q && *q) {
        q++;
        if (!strncmp(q, name, n) && q[n] == '=') {
            const char *v = q + n + 1;
            return apr_punescape_url(p, apr_pstrndup(p, v, strcspn(v, "&#")), NULL, NULL, 1);
        }
        q = strchr(q, '&');
    }
    return NULL;
}

/* The path of the OP's endpoint under the issuer (the issuer's path + tail). */
static const char *op_path(apr_pool_t *p, const mnd_bench_oidc_opts_t *o, const char *tail)
{
    const char *s = strstr(o->issuer, "://");
    s = s ? strchr(s + 3, '/') : NULL;
    return apr_pstrcat(p, s ? s : "", tail, NULL);
}

/* The authorization request's path, with state, nonce and a fresh S256 challenge. */
static const char *authorize_path(apr_pool_t *p, const mnd_bench_oidc_opts_t *o, unsigned long seq,
                                  const char **state, const char **verifier, char *nonce)
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    const char *n = random_b64url(p, 16), *challenge;
    *verifier = random_b64url(p, 32); /* 43 characters */
    SHA256((const unsigned char *)*verifier, strlen(*verifier), h);
    challenge = apr_pencode_base64_binary(p, h, sizeof(h),
                                          APR_ENCODE_BASE64URL | APR_ENCODE_NOPADDING, NULL);
    *state = apr_psprintf(p, "st%lu.%s", seq, random_b64url(p, 9));
    snprintf(nonce, 48, "%s", n);
    return apr_pstrcat(p, op_path(p, o, "/authorize"),
                       "?response_type=code&client_id=", apr_pescape_urlencoded(p, o->client_id),
                       "&redirect_uri=", apr_pescape_urlencoded(p, o->redirect_uri),
                       "&scope=", apr_pescape_urlencoded(p, o->scope), "&state=", *state,
                       "&nonce=", n, "&code_challenge=", challenge, "&code_challenge_method=S256",
                       NULL);
}

/* The code from a 303 to the redirect URI: Location starts with it, state and iss match. */
static const char *code_of(mnd_http_client_t *cl, const mnd_bench_oidc_opts_t *o,
                           const mnd_http_resp_t *r, const char *state, const char *step)
{
    size_t len;
    const char *v = mnd_http_header(r->head, "Location", NULL, &len), *loc, *code, *iss, *st;
    if (!v) {
        snprintf(cl->why, sizeof(cl->why), "%s: 303 without Location", step);
        return NULL;
    }
    loc = apr_pstrmemdup(cl->pool, v, len);
    if (strncmp(loc, o->redirect_uri, strlen(o->redirect_uri)) != 0 ||
        loc[strlen(o->redirect_uri)] != '?') {
        snprintf(cl->why, sizeof(cl->why), "%s: 303 to %.300s, not the redirect URI", step, loc);
        return NULL;
    }
    code = query_param(cl->pool, loc, "code");
    st = query_param(cl->pool, loc, "state");
    iss = query_param(cl->pool, loc, "iss");
    if (!code)
        snprintf(cl->why, sizeof(cl->why), "%s: redirect without code: %.300s", step, loc);
    else if (!st || strcmp(st, state))
        snprintf(cl->why, sizeof(cl->why), "%s: state %s, sent %s", step, st ? st : "missing",
                 state);
    else if (!iss || strcmp(iss, o->issuer))
        snprintf(cl->why, sizeof(cl->why), "%s: iss %s, expected %s (RFC 9207)", step,
                 iss ? iss : "missing", o->issuer);
    else
        return code;
    return NULL;
}

/* The first offer of a mandate on the chooser page, else the first offer. */
static const char *pick_choice(apr_pool_t *p, const char *html)
{
    const char *m = html, *first = NULL, *v;
    while ((m = strstr(m, "name=\"choice\"")) != NULL) {
        v = mnd_http_form_value(p, m, "name=\"choice\"");
        if (v && !strncmp(v, "mandate:", 8))
            return v;
        if (!first)
            first = v;
        m++;
    }
    return first;
}

/* The token request on cl's connection (the relying party's back channel, client_secret_basic:
 * no cookie, no person). */
static int token(mnd_http_client_t *cl, const mnd_bench_oidc_opts_t *o, const char *code,
                 const char *verifier, double *ms, const char **token_json)
{
    mnd_http_resp_t r;
    const char *cred = apr_pstrcat(cl->pool, apr_pescape_urlencoded(cl->pool, o->client_id), ":",
                                   apr_pescape_urlencoded(cl->pool, o->client_secret), NULL);
    const char *extra = apr_pstrcat(
        cl->pool, "Authorization: Basic ",
        apr_pencode_base64(cl->pool, cred, APR_ENCODE_STRING, APR_ENCODE_NONE, NULL), "\r\n", NULL);
    const char *body = apr_pstrcat(
        cl->pool, "grant_type=authorization_code&code=", apr_pescape_urlencoded(cl->pool, code),
        "&redirect_uri=", apr_pescape_urlencoded(cl->pool, o->redirect_uri),
        "&code_verifier=", verifier, NULL);
    double t0 = mnd_bench_now();
    if (mnd_http_request(&cl->conn, "POST", op_path(cl->pool, o, TOKEN_PATH_TAIL), extra, body,
                         &r) < 0) {
        snprintf(cl->why, sizeof(cl->why), "POST token: no response");
        return -1;
    }
    if (ms)
        *ms = (mnd_bench_now() - t0) * 1e3;
    if (r.status != 200 || !strstr(r.body, "\"id_token\"") || !strstr(r.body, "\"access_token\"")) {
        snprintf(cl->why, sizeof(cl->why), "POST token: status %d: %.300s", r.status,
                 r.body_len ? r.body : r.head);
        return -1;
    }
    if (token_json)
        *token_json = apr_pstrmemdup(cl->pool, r.body, r.body_len);
    return 0;
}

int mnd_bench_oidc_login(mnd_http_client_t *cl, const mnd_bench_oidc_opts_t *o, unsigned long seq,
                         double t[MND_BENCH_OIDC_STEPS], const char **token_json, char *nonce)
{
    mnd_http_resp_t r;
    double none[MND_BENCH_OIDC_STEPS];
    const char *state, *verifier, *loc, *csrf, *choice, *form, *code;
    const char *path = authorize_path(cl->pool, o, seq, &state, &verifier, nonce);
    if (!t)
        t = none;
    if (mnd_http_browse(cl, "GET", path, NULL, 303, &r, &t[MND_BENCH_OS_AUTHORIZE]) < 0)
        return -1;
    if (!(loc = mnd_http_location_path(cl->pool, &r)) || !strstr(loc, "/mandaat/choose")) {
        snprintf(cl->why, sizeof(cl->why), "oidc/authorize: 303 to %s, not the chooser",
                 loc ? loc : "nowhere");
        return -1;
    }
    if (mnd_http_browse(cl, "GET", loc, NULL, 200, &r, &t[MND_BENCH_OS_CHOOSER]) < 0)
        return -1;
    csrf = mnd_http_form_value(cl->pool, r.body, "name=\"csrf\"");
    choice = pick_choice(cl->pool, r.body);
    if (!csrf || !choice) {
        snprintf(cl->why, sizeof(cl->why), "the chooser has no %s", csrf ? "choice" : "csrf");
        return -1;
    }
    form = apr_pstrcat(cl->pool, "csrf=", apr_pescape_urlencoded(cl->pool, csrf),
                       "&choice=", apr_pescape_urlencoded(cl->pool, choice), NULL);
    if (mnd_http_browse(cl, "POST", loc, form, 303, &r, &t[MND_BENCH_OS_CHOICE]) < 0 ||
        !(code = code_of(cl, o, &r, state, "POST /mandaat/choose")))
        return -1;
    return token(cl, o, code, verifier, &t[MND_BENCH_OS_TOKEN], token_json);
}

int mnd_bench_oidc_returning(mnd_http_client_t *cl, const mnd_bench_oidc_opts_t *o,
                             unsigned long seq, double t[MND_BENCH_OIDC_STEPS],
                             const char **token_json, char *nonce)
{
    mnd_http_resp_t r;
    double none[MND_BENCH_OIDC_STEPS];
    const char *state, *verifier, *code;
    const char *path = authorize_path(cl->pool, o, seq, &state, &verifier, nonce);
    if (!t)
        t = none;
    t[MND_BENCH_OS_CHOOSER] = t[MND_BENCH_OS_CHOICE] = 0;
    if (mnd_http_browse(cl, "GET", path, NULL, 303, &r, &t[MND_BENCH_OS_AUTHORIZE]) < 0 ||
        !(code = code_of(cl, o, &r, state, "oidc/authorize with a mandaat session")))
        return -1;
    return token(cl, o, code, verifier, &t[MND_BENCH_OS_TOKEN], token_json);
}

/* ---- timed runs: client threads against httpd ---- */

static void run_fail(mnd_bench_orun_t *r, const char *why)
{
    long errors = atomic_fetch_add(&r->errors, 1);
    if (atomic_exchange(&r->have_error, 1) == 0) {
        snprintf(r->first_error, sizeof(r->first_error), "%s", why);
        r->first_error_after = atomic_load(&r->done) - errors;
    }
}

/* One operation of the run's kind as operation i; 0 or -1 (counted). */
static int one_op(mnd_bench_orun_t *ph, mnd_http_client_t *cl, long i)
{
    double t[MND_BENCH_OIDC_STEPS] = {0};
    const char *tok = NULL;
    char nonce[48];
    int rc;
    if (ph->kind == MND_BENCH_OK_STATIC) {
        mnd_http_resp_t r;
        rc = mnd_http_browse(cl, "GET", ph->o->static_path, NULL, 200, &r, &t[0]);
    } else if (ph->kind == MND_BENCH_OK_LOGIN) {
        cl->jar.n = 0; /* a new browser each time, on a kept-alive connection */
        rc = mnd_bench_oidc_login(cl, ph->o, (unsigned long)i, t, &tok, nonce);
    } else {
        rc = mnd_bench_oidc_returning(cl, ph->o, (unsigned long)i, t, &tok, nonce);
    }
    if (rc < 0) {
        run_fail(ph, cl->why);
        return -1;
    }
    if (i < ph->cap)
        memcpy(&ph->steps[i * MND_BENCH_OIDC_STEPS], t, sizeof(t));
    if (tok && i % 25 == 0) {
        int k = atomic_fetch_add(&ph->nsamples, 1);
        if (k < MND_BENCH_OIDC_SAMPLES) {
            ph->samples[k].body = strdup(tok);
            memcpy(ph->samples[k].nonce, nonce, sizeof(nonce));
        }
    }
    return 0;
}

static void *APR_THREAD_FUNC run_thread(apr_thread_t *th, void *data)
{
    mnd_bench_orun_t *ph = data;
    const mnd_bench_oidc_opts_t *o = ph->o;
    mnd_http_client_t cl;
    apr_pool_t *p;
    apr_pool_create(&p, NULL);
    mnd_http_client_init(&cl, p, o->port, ph->kind == MND_BENCH_OK_STATIC ? NULL : o->user,
                         o->password, MND_BENCH_OIDC_AGENT);
    int ready = 1;
    /* The returning person: one login (untimed) leaves the mandaat session in the jar. */
    if (ph->kind == MND_BENCH_OK_RETURNING &&
        mnd_bench_oidc_login(&cl, o, 0, NULL, NULL, (char[48]){0}) < 0) {
        run_fail(ph, apr_pstrcat(p, "the login before the returning flows: ", cl.why, NULL));
        atomic_fetch_add(&ph->done, 1); /* a failed operation */
        ready = 0;
    }
    while (ready) {
        long i = atomic_fetch_add(&ph->next, 1);
        if (mnd_bench_now() >= ph->until)
            break;
        apr_pool_clear(cl.pool);
        one_op(ph, &cl, i);
        atomic_fetch_add(&ph->done, 1);
    }
    mnd_http_client_done(&cl);
    apr_pool_destroy(p);
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

mnd_bench_orun_t *mnd_bench_orun(apr_pool_t *p, const mnd_bench_oidc_opts_t *o, int kind,
                                 int threads, double seconds, const char *perf_cmd)
{
    mnd_bench_orun_t *ph = apr_pcalloc(p, sizeof(*ph));
    apr_thread_t **th = apr_pcalloc(p, sizeof(*th) * (size_t)threads);
    mnd_bench_procs_t a, b;
    double t0, c0;
    ph->o = o;
    ph->kind = kind;
    ph->threads = threads;
    ph->cap = kind == MND_BENCH_OK_STATIC ? 400000 : 100000;
    ph->steps = calloc((size_t)ph->cap * MND_BENCH_OIDC_STEPS, sizeof(double));
    if (!ph->steps)
        abort();
    if (perf_cmd && system(apr_pstrcat(p, "(", perf_cmd, ") >/dev/null 2>&1 &", NULL)) != 0)
        fprintf(stderr, "bench_oidc: could not start %s\n", perf_cmd);
    mnd_bench_procs_read(o->httpd_pid, &a);
    c0 = mnd_bench_self_cpu();
    t0 = mnd_bench_now();
    ph->until = t0 + seconds;
    for (int i = 0; i < threads; i++)
        if (apr_thread_create(&th[i], NULL, run_thread, ph, p) != APR_SUCCESS) {
            fprintf(stderr, "bench_oidc: cannot start a client thread\n");
            exit(1);
        }
    for (int i = 0; i < threads; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, th[i]);
    }
    ph->seconds = mnd_bench_now() - t0;
    ph->self_cpu = mnd_bench_self_cpu() - c0;
    mnd_bench_procs_read(o->httpd_pid, &b);
    ph->httpd_cpu = b.cpu - a.cpu;
    return ph;
}

long mnd_bench_orun_ok(mnd_bench_orun_t *r)
{
    return atomic_load(&r->done) - atomic_load(&r->errors);
}

double mnd_bench_orun_rate(mnd_bench_orun_t *r)
{
    return r->seconds > 0 ? (double)mnd_bench_orun_ok(r) / r->seconds : 0;
}

mnd_bench_sample_t mnd_bench_orun_latency(mnd_bench_orun_t *r, int k)
{
    long n = 0, all = atomic_load(&r->next);
    double *v = malloc(sizeof(double) * (size_t)(r->cap + 1));
    mnd_bench_sample_t out;
    if (!v)
        abort();
    if (all > r->cap)
        all = r->cap;
    for (long i = 0; i < all; i++) {
        const double *s = &r->steps[i * MND_BENCH_OIDC_STEPS];
        double x = 0;
        if (k >= 0)
            x = s[k];
        else
            for (int j = 0; j < MND_BENCH_OIDC_STEPS; j++)
                x += s[j];
        if (x > 0)
            v[n++] = x;
    }
    out = mnd_bench_summarise(v, (int)n);
    free(v);
    return out;
}

/* ---- the relying party's check of a token response ---- */

/* The string member name of the JSON object text json, or NULL. */
static const char *json_str(apr_pool_t *p, const char *json, const char *name)
{
    json_t *o = json_loads(json, 0, NULL);
    const char *v = o ? json_string_value(json_object_get(o, name)) : NULL;
    v = v ? apr_pstrdup(p, v) : NULL;
    json_decref(o);
    return v;
}

/* Whether the aud claim of claims (a string or an array of strings) holds client_id. */
static int aud_has(const char *claims, const char *client_id)
{
    json_t *o = json_loads(claims, 0, NULL), *a = o ? json_object_get(o, "aud") : NULL, *v;
    size_t i;
    int found = json_is_string(a) && !strcmp(json_string_value(a), client_id);
    if (json_is_array(a))
        json_array_foreach(a, i, v) found |=
            json_is_string(v) && !strcmp(json_string_value(v), client_id);
    json_decref(o);
    return found;
}

const char *mnd_bench_oidc_check(apr_pool_t *p, const mnd_bench_oidc_opts_t *o,
                                 const apr_array_header_t *keys, const char *token_json,
                                 const char *nonce, const char **id_claims, const char **at_claims)
{
    const char *idt = json_str(p, token_json, "id_token");
    const char *at = json_str(p, token_json, "access_token");
    const char *tt = json_str(p, token_json, "token_type"), *ic, *ac, *v;
    mnd_error_t *err;
    if (!idt || !at)
        return apr_psprintf(p, "no id_token or access_token in %.200s", token_json);
    if (!tt || strcasecmp(tt, "Bearer"))
        return apr_psprintf(p, "token_type %s, not Bearer", tt ? tt : "missing");
    if ((err = mnd_jwt_verify_typ(p, keys, idt, "JWT", &ic)))
        return apr_psprintf(p, "the id_token does not verify: %s", err->msg);
    if ((err = mnd_jwt_verify_typ(p, keys, at, "at+jwt", &ac)))
        return apr_psprintf(p, "the access token does not verify: %s", err->msg);
    if (!(v = json_str(p, ic, "iss")) || strcmp(v, o->issuer))
        return apr_psprintf(p, "id_token iss %s, expected %s", v ? v : "missing", o->issuer);
    if (!aud_has(ic, o->client_id))
        return apr_psprintf(p, "id_token aud does not hold %s", o->client_id);
    if (!(v = json_str(p, ic, "nonce")) || strcmp(v, nonce))
        return apr_psprintf(p, "id_token nonce %s, sent %s", v ? v : "missing", nonce);
    if (id_claims)
        *id_claims = ic;
    if (at_claims)
        *at_claims = ac;
    return NULL;
}
