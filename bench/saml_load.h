/* bench_saml's load against httpd: client threads running full SAML logins (pre-generated
 * AuthnRequests, each used once) or static requests, the returning person's path driven by
 * wrk, and the checks of a Response as the client receives it. */
#ifndef MND_BENCH_SAML_LOAD_H
#define MND_BENCH_SAML_LOAD_H

#include "bench_util.h"
#include "http_client.h"
#include "saml_sp.h"

#include <apr_tables.h>
#include <stdatomic.h>

#define MND_BENCH_MAX_SAMPLES 40 /* Responses kept from a timed run, verified after it */
#define MND_BENCH_SAML_AGENT "bench_saml"

typedef struct mnd_bench_saml_opts_t {
    int port, httpd_pid, threads;
    double seconds, static_seconds;
    const char *public_url, *user, *password, *idp_key, *idp_cert, *sp_key, *sp_cert;
    const char *sp_md, *sp2_md, *static_path, *wrk, *wrk_dir, *perf_cmd;
} mnd_bench_saml_opts_t;

/* The requests of a full login. */
enum { MND_BENCH_ST_SSO, MND_BENCH_ST_CHOOSER, MND_BENCH_ST_CHOICE, MND_BENCH_SAML_STEPS };
extern const char *const mnd_bench_saml_step_names[MND_BENCH_SAML_STEPS];

enum { MND_BENCH_RUN_STATIC, MND_BENCH_RUN_LOGIN };

/* A timed run and its results. */
typedef struct mnd_bench_run_t {
    const mnd_bench_saml_opts_t *o;
    int kind;
    const apr_array_header_t *reqs; /* logins: pre-generated request paths, each used once */
    double until;
    atomic_long next, done, errors;
    double *steps; /* logins: MND_BENCH_SAML_STEPS per login; static: 1 per request */
    long cap;
    char *samples[MND_BENCH_MAX_SAMPLES];
    long sample_every;
    char first_error[512];
    atomic_int have_error;
    double seconds, httpd_cpu, self_cpu;
} mnd_bench_run_t;

/* The returning person's run with wrk. */
typedef struct mnd_bench_wrk_t {
    int conns, threads;
    long requests, bad, exhausted, errors;
    double seconds, p50, p90, p99, max, mean, httpd_cpu;
    const char *why;
} mnd_bench_wrk_t;

/* The full login of the person whose Basic credentials cl carries: the AuthnRequest (path and
 * query sso) → 303 chooser, the chooser, the choice → 200; t gets each request's ms and
 * *response (in cl->pool) the page's SAMLResponse. -1 with cl->why on any other answer. */
int mnd_bench_saml_login(mnd_http_client_t *cl, const char *sso, double t[MND_BENCH_SAML_STEPS],
                         const char **response);

/* o->threads client threads for seconds (logins: at most reqs->nelts, each request once);
 * perf_cmd (may be NULL) starts in the background as the run starts. */
mnd_bench_run_t *mnd_bench_run(apr_pool_t *p, const mnd_bench_saml_opts_t *o, int kind,
                               const apr_array_header_t *reqs, double seconds,
                               const char *perf_cmd);

/* Operations that succeeded; and per second. */
long mnd_bench_run_ok(mnd_bench_run_t *r);
double mnd_bench_run_rate(mnd_bench_run_t *r);

/* Latency in ms of the run's operations (a login: the sum of its requests), or of request k of
 * a login when k >= 0. */
mnd_bench_sample_t mnd_bench_run_latency(mnd_bench_run_t *r, int k);

/* A file's content, or exit with a message. */
const char *mnd_bench_slurp(apr_pool_t *p, const char *path);

/* One request of a person who has a session for the service (cl's jar): 200 with a Response,
 * which is checked with sp into *info. -1 (message on stderr) otherwise. */
int mnd_bench_returning_once(mnd_http_client_t *cl, const char *sso, mnd_bench_sp_t *sp,
                             mnd_bench_resp_info_t *info);

/* wrk with w->threads threads and w->conns connections for o->seconds, sending each of urls
 * once with cookie and auth (header values); results into w (w->why when it failed). */
void mnd_bench_run_wrk(apr_pool_t *p, const mnd_bench_saml_opts_t *o,
                       const apr_array_header_t *urls, const char *cookie, const char *auth,
                       mnd_bench_wrk_t *w);

#endif
