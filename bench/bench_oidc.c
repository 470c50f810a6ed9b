/* bench_oidc: mod_mandaat's OpenID provider measured through a running httpd (bench/run_oidc.sh
 * starts one on 127.0.0.1): full authorization code flows per second (authorize → chooser →
 * choice → code → token) against two baselines of the same run, plain static requests to the
 * same httpd with the same client, and ES256 signing of the same id_token claims with
 * mnd_jwt_sign in this process; and the returning person's flow (a mandaat session already
 * chosen: authorize → the code at once → token). The markdown report goes to stdout, progress to
 * stderr. See bench/README.md, section "OpenID provider". */
#include "bench_store.h"
#include "bench_util.h"
#include "http_client.h"
#include "oidc_inproc.h"
#include "oidc_load.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TARGET_RATIO 0.25 /* full logins ÷ static requests, per second */
#define MAX_RUNS 4

typedef struct results_t {
    mnd_bench_orun_t *s1[MAX_RUNS], *s2[MAX_RUNS], *login[MAX_RUNS], *again[MAX_RUNS];
    mnd_bench_sign_loop_t sign[MAX_RUNS], issue[MAX_RUNS];
    const char *first_login_error, *first_returning_error;
    const char *claims;    /* what the signing loop signs */
    int claims_from_httpd; /* 1: httpd's id_token claims; 0: built in this process */
    size_t inproc_claims_len, id_token_len;
    int checked, check_ok;
    const char *check_why;
} results_t;

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "bench_oidc: %s: %s\n", what, why);
    exit(1);
}

/* ---- the report ---- */

static double loop_rate(const mnd_bench_sign_loop_t *l)
{
    return l->seconds > 0 ? (double)l->ops / l->seconds : 0;
}

static double loop_us(const mnd_bench_sign_loop_t *l)
{
    return l->ops ? l->cpu * 1e6 / (double)l->ops : 0;
}

static double op_cpu_ms(mnd_bench_orun_t *r)
{
    return r && mnd_bench_orun_ok(r) ? r->httpd_cpu * 1e3 / (double)mnd_bench_orun_ok(r) : 0;
}

static double static_rate(results_t *x, int i)
{
    return (mnd_bench_orun_rate(x->s1[i]) + mnd_bench_orun_rate(x->s2[i])) / 2;
}

static void print_run(const char *label, mnd_bench_orun_t *r)
{
    mnd_bench_sample_t s = mnd_bench_orun_latency(r, -1);
    printf("| %s | %d | %ld | %ld | %.1f | %.0f | %.2f | %.2f | %.3f | %.0f%% | %.0f%% |\n", label,
           r->threads, mnd_bench_orun_ok(r), atomic_load(&r->errors), r->seconds,
           mnd_bench_orun_rate(r), s.p50, s.p99, op_cpu_ms(r),
           r->seconds > 0 ? 100 * r->httpd_cpu / r->seconds : 0,
           r->seconds > 0 ? 100 * r->self_cpu / r->seconds : 0);
}

static void print_loop(const char *label, const mnd_bench_sign_loop_t *l)
{
    printf("| %s | %d | %ld | %ld | %.1f | %.0f | %.1f |\n", label, l->threads, l->ops, l->errors,
           l->seconds, loop_rate(l), loop_us(l));
}

static void print_runs(const mnd_bench_oidc_opts_t *o, results_t *x)
{
    printf("### Full code-flow logins, static requests, in-process signing\n\n"
           "A full login is five requests on one kept-alive connection with a fresh cookie jar: "
           "GET oidc/authorize (response_type code, scope `%s`, state, nonce, PKCE S256; the "
           "person's Basic credentials sent, so it goes on at once) → 303 to the chooser, GET "
           "/mandaat/choose, POST the choice (`csrf` and the first mandate offered) → 303 to "
           "the redirect URI with code, state and iss, then POST oidc/token "
           "(client_secret_basic, code, redirect_uri, code_verifier) → 200 with id_token and "
           "access_token. The redirect URI itself is not fetched (that is the relying party's "
           "page). The returning person: authorize with the jar of a completed login (its "
           "mandaat session) → 303 with the code at once → token. Static: GET %s, no "
           "authentication, same client. `httpd CPU` is user + system time of all httpd "
           "processes over the run (share of one CPU).\n\n"
           "| run | client threads | done | errors | seconds | per second | p50 ms | p99 ms | "
           "httpd CPU ms per op | httpd CPU | client CPU |\n"
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
           o->scope, o->static_path);
    for (int i = 0; i < o->nthreads; i++)
        print_run("static, before", x->s1[i]);
    for (int i = 0; i < o->nthreads; i++)
        print_run("full OIDC logins", x->login[i]);
    for (int i = 0; i < o->nthreads; i++)
        print_run("returning person (authorize → code → token)", x->again[i]);
    for (int i = 0; i < o->nthreads; i++)
        print_run("static, after", x->s2[i]);
    for (int i = 0; i < o->nthreads; i++) {
        if (atomic_load(&x->login[i]->errors))
            printf("\nFirst login failure (%d threads, after %ld good logins): %s\n", o->threads[i],
                   x->login[i]->first_error_after, x->login[i]->first_error);
        if (atomic_load(&x->again[i]->errors))
            printf("\nFirst returning-person failure (%d threads, after %ld good flows): %s\n",
                   o->threads[i], x->again[i]->first_error_after, x->again[i]->first_error);
    }
    printf("\n%d of %d token responses sampled from the timed runs check as a relying party "
           "would (both tokens verify with the OP's key, typ JWT and at+jwt, iss, aud, the "
           "nonce sent, token_type Bearer)%s%s.\n\n",
           x->check_ok, x->checked, x->check_why ? "; first problem: " : "",
           x->check_why ? x->check_why : "");
}

static void print_inproc(results_t *x, int n1, int n2)
{
    printf("In-process loops (after a warm-up), in this process: **ES256 signing** "
           "(mnd_jwt_sign, cjose, typ JWT, the OP's key) of %s (%zu bytes of claims; the "
           "in-process session's claims are %zu bytes), and **the token endpoint's pure work** "
           "(the claims of the id_token and the access token from the same session, a fresh "
           "jti, both signed, the token response JSON). `CPU µs` is the loop threads' CPU time "
           "per operation.\n\n"
           "| in-process loop | threads | operations | errors | seconds | per second | CPU µs per "
           "op |\n|---|--:|--:|--:|--:|--:|--:|\n",
           x->claims_from_httpd ? "the claims of httpd's own id_token"
                                : "the id_token claims built in this process (httpd gave none)",
           strlen(x->claims), x->inproc_claims_len);
    for (int i = n1; i < n2; i++)
        print_loop("ES256 id_token signature", &x->sign[i]);
    for (int i = n1; i < n2; i++)
        print_loop("token endpoint's work (2 signatures)", &x->issue[i]);
    for (int i = n1; i < n2; i++) {
        if (x->sign[i].why)
            printf("\nSigning error: %s\n", x->sign[i].why);
        if (x->issue[i].why)
            printf("\nIssuing error: %s\n", x->issue[i].why);
    }
    printf("\n");
}

static void print_ratios(const mnd_bench_oidc_opts_t *o, results_t *x)
{
    printf("| ratio | client threads | how | value | target | result |\n"
           "|---|--:|---|--:|--:|---|\n");
    for (int i = 0; i < o->nthreads; i++) {
        mnd_bench_orun_t *l = x->login[i];
        double base = static_rate(x, i), v = base > 0 ? mnd_bench_orun_rate(l) / base : 0;
        int ok = !atomic_load(&l->errors) && x->check_ok == x->checked && mnd_bench_orun_ok(l);
        printf("| full logins ÷ static requests | %d | logins/s ÷ mean static requests/s "
               "(%.0f/s ÷ %.0f/s) | %.4f | ≥ %.2f | %s |\n",
               o->threads[i], mnd_bench_orun_rate(l), base, v, TARGET_RATIO,
               mnd_bench_verdict(ok && v >= TARGET_RATIO));
    }
    for (int i = 0; i < o->nthreads; i++) {
        double s = (op_cpu_ms(x->s1[i]) + op_cpu_ms(x->s2[i])) / 2, l = op_cpu_ms(x->login[i]);
        printf("| full logins ÷ static requests, per core (CPU) | %d | httpd CPU per static "
               "request ÷ httpd CPU per login (%.3f ÷ %.3f ms) | %.4f | – | – |\n",
               o->threads[i], s, l, l > 0 ? s / l : 0);
    }
    for (int i = 0; i < o->nthreads; i++) {
        double rate = mnd_bench_orun_rate(x->login[i]), sr = loop_rate(&x->sign[i]);
        double per_login = op_cpu_ms(x->login[i]) * 1e3;
        printf("| full logins ÷ in-process ES256 signing (wall) | %d | logins/s ÷ signatures/s "
               "on as many threads | %.4f | – | – |\n",
               o->threads[i], sr > 0 ? rate / sr : 0);
        printf("| full logins ÷ in-process ES256 signing, per core (CPU) | %d | CPU µs per "
               "signature ÷ httpd CPU µs per login (%.0f ÷ %.0f) | %.4f | – | – |\n",
               o->threads[i], loop_us(&x->sign[i]), per_login,
               per_login > 0 ? loop_us(&x->sign[i]) / per_login : 0);
    }
    for (int i = 0; i < o->nthreads; i++) {
        double base = static_rate(x, i);
        printf("| returning person ÷ static requests | %d | flows/s ÷ mean static requests/s | "
               "%.4f | – | – |\n",
               o->threads[i], base > 0 ? mnd_bench_orun_rate(x->again[i]) / base : 0);
    }
    printf("\n");
}

static void print_steps(const mnd_bench_oidc_opts_t *o, results_t *x)
{
    printf("| request (client threads) | full login p50 ms | p99 ms | max ms | returning p50 ms "
           "| p99 ms | max ms |\n|---|--:|--:|--:|--:|--:|--:|\n");
    for (int i = 0; i < o->nthreads; i++)
        for (int k = 0; k < MND_BENCH_OIDC_STEPS; k++) {
            mnd_bench_sample_t s = mnd_bench_orun_latency(x->login[i], k);
            mnd_bench_sample_t r = mnd_bench_orun_latency(x->again[i], k);
            printf("| %s (%d) | %.2f | %.2f | %.2f |", mnd_bench_oidc_step_names[k], o->threads[i],
                   s.p50, s.p99, s.max);
            if (r.n)
                printf(" %.2f | %.2f | %.2f |\n", r.p50, r.p99, r.max);
            else
                printf(" | | |\n");
        }
    printf("\n");
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_oidc --port P --public-url URL --user INSZ --client-id ID\n"
            "                  --client-secret S --redirect-uri URL --key F --client-file F\n"
            "                  --store DB [options]\n"
            "       bench_oidc store PATH [--mandates N] [--seed N] [--reuse]\n"
            "  --port P             httpd on 127.0.0.1 (required)\n"
            "  --httpd-pid PID      its parent process: CPU time of its processes\n"
            "  --public-url URL     its MandaatPublicURL; --issuer URL (default URL/mandaat/oidc)\n"
            "  --user INSZ          the person (Basic user); --password PW (default pw)\n"
            "  --client-id/--client-secret/--redirect-uri  the client (client_secret_basic)\n"
            "  --client-file F      its client file (as MandaatOIDCClientFile)\n"
            "  --key F              the OP's signing key (MandaatOIDCSigningKeyFile, EC P-256)\n"
            "  --store DB           the SQLite store httpd uses (read for the in-process claims)\n"
            "  --pairwise-secret S  MandaatOIDCPairwiseSecret (the in-process claims)\n"
            "  --scope S            default \"openid profile mandaat\"\n"
            "  --threads LIST       client threads per run, comma-separated (default 1,2)\n"
            "  --seconds S          each login run and signing loop (default 10)\n"
            "  --static-seconds S   each static run (default 5)\n"
            "  --static PATH        static URL (default /static.txt)\n"
            "  --perf-cmd CMD       run in the background while the last login run runs\n"
            "  --smoke              --seconds 2 --static-seconds 1\n");
}

static void parse_threads(mnd_bench_oidc_opts_t *o, const char *v)
{
    o->nthreads = 0;
    while (*v && o->nthreads < MAX_RUNS) {
        o->threads[o->nthreads++] = atoi(v);
        v += strcspn(v, ",");
        v += *v == ',';
    }
}

static int set_opt(mnd_bench_oidc_opts_t *o, const char *a, const char *v)
{
    static const struct {
        const char *name;
        size_t off;
    } strs[] = {{"--public-url", offsetof(mnd_bench_oidc_opts_t, public_url)},
                {"--issuer", offsetof(mnd_bench_oidc_opts_t, issuer)},
                {"--user", offsetof(mnd_bench_oidc_opts_t, user)},
                {"--password", offsetof(mnd_bench_oidc_opts_t, password)},
                {"--client-id", offsetof(mnd_bench_oidc_opts_t, client_id)},
                {"--client-secret", offsetof(mnd_bench_oidc_opts_t, client_secret)},
                {"--redirect-uri", offsetof(mnd_bench_oidc_opts_t, redirect_uri)},
                {"--scope", offsetof(mnd_bench_oidc_opts_t, scope)},
                {"--key", offsetof(mnd_bench_oidc_opts_t, key_file)},
                {"--client-file", offsetof(mnd_bench_oidc_opts_t, client_file)},
                {"--store", offsetof(mnd_bench_oidc_opts_t, store)},
                {"--pairwise-secret", offsetof(mnd_bench_oidc_opts_t, pairwise_secret)},
                {"--static", offsetof(mnd_bench_oidc_opts_t, static_path)},
                {"--perf-cmd", offsetof(mnd_bench_oidc_opts_t, perf_cmd)}};
    for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
        if (!strcmp(a, strs[k].name)) {
            *(const char **)((char *)o + strs[k].off) = v;
            return 0;
        }
    if (!strcmp(a, "--port"))
        o->port = atoi(v);
    else if (!strcmp(a, "--httpd-pid"))
        o->httpd_pid = atoi(v);
    else if (!strcmp(a, "--threads"))
        parse_threads(o, v);
    else if (!strcmp(a, "--seconds"))
        o->seconds = atof(v);
    else if (!strcmp(a, "--static-seconds"))
        o->static_seconds = atof(v);
    else
        return -1;
    return 0;
}

static int parse_args(apr_pool_t *p, int argc, char **argv, mnd_bench_oidc_opts_t *o)
{
    int bad = 0;
    memset(o, 0, sizeof(*o));
    o->threads[0] = 1;
    o->threads[1] = 2;
    o->nthreads = 2;
    o->seconds = 10;
    o->static_seconds = 5;
    o->password = "pw";
    o->scope = "openid profile mandaat";
    o->static_path = "/static.txt";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--smoke")) {
            o->smoke = 1;
            o->seconds = 2;
            o->static_seconds = 1;
        } else if (i + 1 >= argc || set_opt(o, argv[i], argv[i + 1]) < 0) {
            usage(strcmp(argv[i], "--help") ? stderr : stdout);
            return strcmp(argv[i], "--help") ? 2 : 0;
        } else
            i++;
    }
    if (o->public_url && !o->issuer)
        o->issuer = apr_pstrcat(p, o->public_url, "/mandaat/oidc", NULL);
    for (int i = 0; i < o->nthreads; i++)
        bad |= o->threads[i] < 1;
    if (bad || o->nthreads < 1 || o->port <= 0 || !o->public_url || !o->user || !o->client_id ||
        !o->client_secret || !o->redirect_uri || !o->key_file || !o->client_file || !o->store ||
        o->seconds <= 0 || o->static_seconds <= 0) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* ---- the runs ---- */

/* One login and one returning flow, untimed: the first failure of each (the OP's state) and
 * the claims of httpd's id_token. */
static void first_flows(apr_pool_t *p, const mnd_bench_oidc_opts_t *o,
                        const apr_array_header_t *keys, results_t *x)
{
    mnd_http_client_t cl;
    const char *tok, *why, *ic;
    char nonce[48];
    mnd_http_client_init(&cl, p, o->port, o->user, o->password, MND_BENCH_OIDC_AGENT);
    if (mnd_bench_oidc_login(&cl, o, 1, NULL, &tok, nonce) < 0) {
        x->first_login_error = apr_pstrdup(p, cl.why);
    } else if ((why = mnd_bench_oidc_check(p, o, keys, tok, nonce, &ic, NULL))) {
        x->first_login_error = apr_pstrcat(p, "the token response: ", why, NULL);
    } else {
        x->claims = ic;
        x->claims_from_httpd = 1;
        if (mnd_bench_oidc_returning(&cl, o, 2, NULL, &tok, nonce) < 0)
            x->first_returning_error = apr_pstrdup(p, cl.why);
    }
    mnd_http_client_done(&cl);
}

static void check_samples(apr_pool_t *p, const mnd_bench_oidc_opts_t *o,
                          const apr_array_header_t *keys, results_t *x, mnd_bench_orun_t *r)
{
    int n = atomic_load(&r->nsamples);
    for (int k = 0; k < n && k < MND_BENCH_OIDC_SAMPLES; k++) {
        const char *why =
            mnd_bench_oidc_check(p, o, keys, r->samples[k].body, r->samples[k].nonce, NULL, NULL);
        x->checked++;
        x->check_ok += why == NULL;
        if (why && !x->check_why)
            x->check_why = why;
        free(r->samples[k].body);
    }
}

static void http_runs(apr_pool_t *p, const mnd_bench_oidc_opts_t *o, const apr_array_header_t *keys,
                      results_t *x)
{
    for (int i = 0; i < o->nthreads; i++) {
        fprintf(stderr, "bench_oidc: static, %d threads\n", o->threads[i]);
        x->s1[i] =
            mnd_bench_orun(p, o, MND_BENCH_OK_STATIC, o->threads[i], o->static_seconds, NULL);
    }
    for (int i = 0; i < o->nthreads; i++) {
        fprintf(stderr, "bench_oidc: full logins, %d threads, %g s\n", o->threads[i], o->seconds);
        x->login[i] = mnd_bench_orun(p, o, MND_BENCH_OK_LOGIN, o->threads[i], o->seconds,
                                     i == o->nthreads - 1 ? o->perf_cmd : NULL);
        check_samples(p, o, keys, x, x->login[i]);
    }
    for (int i = 0; i < o->nthreads; i++) {
        fprintf(stderr, "bench_oidc: returning person, %d threads\n", o->threads[i]);
        x->again[i] = mnd_bench_orun(p, o, MND_BENCH_OK_RETURNING, o->threads[i], o->seconds, NULL);
        check_samples(p, o, keys, x, x->again[i]);
    }
    for (int i = 0; i < o->nthreads; i++) {
        fprintf(stderr, "bench_oidc: static, %d threads\n", o->threads[i]);
        x->s2[i] =
            mnd_bench_orun(p, o, MND_BENCH_OK_STATIC, o->threads[i], o->static_seconds, NULL);
    }
}

static void inproc_runs(apr_pool_t *p, const mnd_bench_oidc_opts_t *o, const mnd_jwt_key_t *key,
                        const mnd_oidc_issue_t *issue, results_t *x)
{
    mnd_bench_sign_conf_t sign = {key, x->claims, NULL}, iss = {key, NULL, issue};
    for (int i = 0; i < o->nthreads; i++) {
        fprintf(stderr, "bench_oidc: in-process signing, %d threads\n", o->threads[i]);
        mnd_bench_sign_loop(p, &sign, o->threads[i], o->seconds / 2, &x->sign[i]);
    }
    for (int i = 0; i < o->nthreads; i++)
        mnd_bench_sign_loop(p, &iss, o->threads[i], o->seconds / 2, &x->issue[i]);
}

int main(int argc, char **argv)
{
    mnd_bench_oidc_opts_t o;
    apr_pool_t *p;
    results_t x = {0};
    mnd_jwt_key_t *key;
    mnd_oidc_issue_t *issue;
    apr_array_header_t *keys;
    const char *inproc_claims;
    mnd_error_t *err;
    int rc, bad = 0;

    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (argc >= 3 && !strcmp(argv[1], "store"))
        return mnd_bench_store_cmd(p, argc, argv, "bench_oidc");
    if ((rc = parse_args(p, argc, argv, &o)) >= 0)
        return rc;
    if ((err = mnd_jwt_key_load(p, o.key_file, &key)))
        fail("the signing key", err->msg);
    keys = apr_array_make(p, 1, sizeof(mnd_jwt_key_t *));
    APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = key;
    if ((err = mnd_bench_oidc_issue(p, &o, &issue)) ||
        (err = mnd_oidc_id_token_claims(p, issue, &inproc_claims)))
        fail("the session in this process", err->msg);
    x.inproc_claims_len = strlen(inproc_claims);

    first_flows(p, &o, keys, &x);
    if (x.first_login_error)
        fprintf(stderr, "bench_oidc: the first login fails: %s\n", x.first_login_error);
    if (!x.claims)
        x.claims = inproc_claims;
    http_runs(p, &o, keys, &x);
    inproc_runs(p, &o, key, issue, &x);

    printf("## bench_oidc\n\n");
    mnd_bench_print_machine(stdout);
    printf("Client: one kept-alive connection per thread; person %s (Basic), client %s "
           "(client_secret_basic, redirect URI %s); issuer %s; signing key %s.\n\n",
           o.user, o.client_id, o.redirect_uri, o.issuer, mnd_jwt_key_alg(key));
    if (x.first_login_error)
        printf("**The first login (untimed) failed**: %s\n\n", x.first_login_error);
    if (x.first_returning_error)
        printf("**The first returning-person flow (untimed) failed**: %s\n\n",
               x.first_returning_error);
    print_runs(&o, &x);
    print_inproc(&x, 0, o.nthreads);
    print_ratios(&o, &x);
    print_steps(&o, &x);
    for (int i = 0; i < o.nthreads; i++)
        bad |= atomic_load(&x.login[i]->errors) || !mnd_bench_orun_ok(x.login[i]) ||
               atomic_load(&x.again[i]->errors);
    apr_pool_destroy(p);
    return bad || x.check_ok != x.checked ? 1 : 0;
}
