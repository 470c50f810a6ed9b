/* bench_oidc's load against httpd: client threads running full authorization code flows
 * (authorize → chooser → choice → code → token), the returning person's flow (authorize with a
 * mandaat session: the code at once → token) or static requests, with the same HTTP client
 * (bench/http_client.h) on kept-alive connections; and the check of a token response as the
 * relying party would make it. */
#ifndef MND_BENCH_OIDC_LOAD_H
#define MND_BENCH_OIDC_LOAD_H

#include "bench_util.h"
#include "http_client.h"
#include "jose/jwt.h"

#include <apr_tables.h>
#include <stdatomic.h>

#define MND_BENCH_OIDC_AGENT "bench_oidc"
#define MND_BENCH_OIDC_SAMPLES 40 /* token responses kept from a timed run, checked after it */

typedef struct mnd_bench_oidc_opts_t {
    int port, httpd_pid;
    int threads[4], nthreads; /* the client thread counts to run with (default 1 and 2) */
    double seconds, static_seconds;
    const char *public_url, *issuer, *user, *password;
    const char *client_id, *client_secret, *redirect_uri, *scope;
    const char *key_file, *client_file, *store, *pairwise_secret;
    const char *static_path, *perf_cmd;
    int smoke;
} mnd_bench_oidc_opts_t;

/* The requests of a login; the returning person's flow has the first and the last only. */
enum {
    MND_BENCH_OS_AUTHORIZE,
    MND_BENCH_OS_CHOOSER,
    MND_BENCH_OS_CHOICE,
    MND_BENCH_OS_TOKEN,
    MND_BENCH_OIDC_STEPS
};
extern const char *const mnd_bench_oidc_step_names[MND_BENCH_OIDC_STEPS];

enum { MND_BENCH_OK_STATIC, MND_BENCH_OK_LOGIN, MND_BENCH_OK_RETURNING };

/* A token response as received, with what the request asked for (to check it later). */
typedef struct mnd_bench_oidc_sample_t {
    char *body; /* malloc'ed JSON */
    char nonce[48];
} mnd_bench_oidc_sample_t;

/* A timed run and its results. */
typedef struct mnd_bench_orun_t {
    const mnd_bench_oidc_opts_t *o;
    int kind, threads;
    double until;
    atomic_long next, done, errors;
    double *steps; /* MND_BENCH_OIDC_STEPS per operation (static: the first only) */
    long cap;
    mnd_bench_oidc_sample_t samples[MND_BENCH_OIDC_SAMPLES];
    atomic_int nsamples;
    char first_error[768];
    atomic_int have_error;
    long first_error_after; /* operations that had succeeded when the first one failed */
    double seconds, httpd_cpu, self_cpu;
} mnd_bench_orun_t;

/* One full login through cl (its jar is used as is: clear it for a new browser): authorize
 * with the person's Basic credentials → 303 to the chooser, the chooser (the choice taken is
 * the first mandate offered, else the first offer), the choice → 303 to the redirect URI with
 * code, state and iss, then the token request (client_secret_basic) → 200 with id_token and
 * access_token. t gets each request's ms (NULL: not timed); *token_json (may be NULL) the
 * token response in cl->pool, *nonce the nonce sent (48 bytes). -1 with cl->why otherwise. */
int mnd_bench_oidc_login(mnd_http_client_t *cl, const mnd_bench_oidc_opts_t *o, unsigned long seq,
                         double t[MND_BENCH_OIDC_STEPS], const char **token_json, char *nonce);

/* The returning person's flow through cl (whose jar holds a mandaat session): authorize →
 * 303 to the redirect URI with the code at once → token. Same outputs as the login. */
int mnd_bench_oidc_returning(mnd_http_client_t *cl, const mnd_bench_oidc_opts_t *o,
                             unsigned long seq, double t[MND_BENCH_OIDC_STEPS],
                             const char **token_json, char *nonce);

/* threads client threads doing kind for seconds; perf_cmd (may be NULL) starts in the
 * background as the run starts. */
mnd_bench_orun_t *mnd_bench_orun(apr_pool_t *p, const mnd_bench_oidc_opts_t *o, int kind,
                                 int threads, double seconds, const char *perf_cmd);

/* Operations that succeeded; and per second. */
long mnd_bench_orun_ok(mnd_bench_orun_t *r);
double mnd_bench_orun_rate(mnd_bench_orun_t *r);

/* Latency in ms of the run's operations (all their requests), or of request k when k >= 0. */
mnd_bench_sample_t mnd_bench_orun_latency(mnd_bench_orun_t *r, int k);

/* Check a token response as the relying party: JSON with token_type Bearer, an id_token
 * (typ JWT) and an access_token (typ at+jwt) that verify with keys (mnd_jwt_key_t *), the
 * id_token's iss, aud = client_id, nonce. NULL, or what is wrong (in p). *id_claims (may be
 * NULL) gets the id_token's claims JSON, *at_claims the access token's. */
const char *mnd_bench_oidc_check(apr_pool_t *p, const mnd_bench_oidc_opts_t *o,
                                 const apr_array_header_t *keys, const char *token_json,
                                 const char *nonce, const char **id_claims, const char **at_claims);

#endif
