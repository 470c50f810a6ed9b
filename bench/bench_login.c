/* bench_login: the gateway's login path measured through a running httpd (bench/run_login.sh
 * starts one on 127.0.0.1): full logins per second against plain static requests to the same
 * server in the same run, the chooser's time for a person with 20,000 capacities, and the
 * resident memory of the httpd children over many logins. `bench_login store PATH` builds the
 * synthetic store the run uses (bench/synth.h). The markdown report goes to stdout, progress
 * to stderr. See bench/README.md, section "Login path".
 * The HTTP client (bench/http_client.h) is shared with bench_saml. */
#include "bench_store.h"
#include "bench_util.h"
#include "http_client.h"
#include "synth.h"

#include <apr_escape.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TARGET_RATIO 0.25        /* logins per second over static requests per second */
#define TARGET_CHOOSER_MS 50.0   /* chooser page of the 20,000-capacity person, p99 */
#define RSS_NOISE_KB 1024        /* growth of a child's private memory we call noise... */
#define RSS_NOISE_FRAC 0.02      /* ...or this fraction of it, whichever is larger */
#define RECONNECT_LOGINS 50      /* a client thread's new connection every so many logins */

enum { STEP_PROTECTED, STEP_CHOOSER, STEP_CHOICE, STEP_APP, N_STEPS };
static const char *const step_names[N_STEPS] = {
    "GET protected URL → 303", "GET /mandaat/choose → 200 (chooser)",
    "POST /mandaat/choose → 303", "GET protected URL → 200 (proxied)"};

typedef struct opts_t {
    int port, threads, httpd_pid, backend_pid;
    double static_seconds, login_budget;
    long warmup, logins;
    int latency_logins, chooser_runs, cold_runs, big_logins;
    const char *user, *big_user, *password, *app, *static_path, *auth_path, *proxied_path,
        *bump_cmd;
} opts_t;


/* The full login: protected URL, chooser, choice, protected URL again (proxied). A fresh
 * cookie jar; the keep-alive connection is the browser's. */
static int login(mnd_http_client_t *cl, const char *app, double t[N_STEPS])
{
    mnd_http_resp_t r;
    const char *loc, *csrf, *choice, *form;
    apr_pool_clear(cl->pool);
    cl->jar.n = 0;
    if (mnd_http_browse(cl, "GET", app, NULL, 303, &r, &t[STEP_PROTECTED]) < 0)
        return -1;
    if (!(loc = mnd_http_location_path(cl->pool, &r)) || !strstr(loc, "/choose")) {
        snprintf(cl->why, sizeof(cl->why), "GET %s: 303 to %s, not the chooser", app,
                 loc ? loc : "nowhere");
        return -1;
    }
    if (mnd_http_browse(cl, "GET", loc, NULL, 200, &r, &t[STEP_CHOOSER]) < 0)
        return -1;
    csrf = mnd_http_form_value(cl->pool, r.body, "name=\"csrf\"");
    choice = mnd_http_form_value(cl->pool, r.body, "name=\"choice\"");
    if (!csrf || !choice) {
        snprintf(cl->why, sizeof(cl->why), "the chooser has no %s", csrf ? "choice" : "csrf");
        return -1;
    }
    form = apr_pstrcat(cl->pool, "csrf=", apr_pescape_urlencoded(cl->pool, csrf), "&choice=",
                       apr_pescape_urlencoded(cl->pool, choice), NULL);
    if (mnd_http_browse(cl, "POST", loc, form, 303, &r, &t[STEP_CHOICE]) < 0)
        return -1;
    if (!(loc = mnd_http_location_path(cl->pool, &r)) || strcmp(loc, app) != 0) {
        snprintf(cl->why, sizeof(cl->why), "POST choice: 303 to %s, not back to %s",
                 loc ? loc : "nowhere", app);
        return -1;
    }
    return mnd_http_browse(cl, "GET", app, NULL, 200, &r, &t[STEP_APP]);
}


/* ---- load phases: client threads against the server ---- */

typedef struct phase_t {
    const opts_t *o;
    int login;                    /* 1: logins (count), 0: static requests (duration) */
    const char *user;             /* NULL: no credentials */
    const char *path;             /* static: the URL */
    double until;                 /* stop at this time (logins: 0 for no limit) */
    long target;                  /* logins: how many */
    atomic_long next, done, errors;
    atomic_int stop;
    double *steps;                /* logins: N_STEPS per login, by login number */
    double *lat;                  /* static: per request, by request number (bounded) */
    long lat_cap;
    char first_error[512];
    atomic_int have_error;
    /* results */
    double seconds, httpd_cpu, self_cpu;
    long reconnects;
} phase_t;

static void phase_fail(phase_t *ph, const char *why)
{
    long errs = atomic_fetch_add(&ph->errors, 1) + 1;
    if (atomic_exchange(&ph->have_error, 1) == 0)
        snprintf(ph->first_error, sizeof(ph->first_error), "%s", why);
    /* A run that fails often measures the failure: stop it. */
    if (errs > 20 && errs * 100 > atomic_load(&ph->done))
        atomic_store(&ph->stop, 1);
}

static void *APR_THREAD_FUNC phase_thread(apr_thread_t *th, void *data)
{
    phase_t *ph = data;
    const opts_t *o = ph->o;
    mnd_http_client_t cl;
    apr_pool_t *p;
    apr_pool_create(&p, NULL);
    mnd_http_client_init(&cl, p, o->port, ph->user, o->password, "bench_login");
    for (long n = 1; !atomic_load(&ph->stop); n++) {
        long i = atomic_fetch_add(&ph->next, 1);
        /* A new connection now and then, as browsers make them: the kernel then spreads the
         * load over all httpd children, whose memory is followed. */
        if (n % (ph->login ? RECONNECT_LOGINS : RECONNECT_LOGINS * N_STEPS) == 0)
            mnd_http_close(&cl.conn);
        if (ph->login) {
            double t[N_STEPS];
            if (i >= ph->target || (ph->until > 0 && mnd_bench_now() >= ph->until))
                break;
            if (login(&cl, o->app, t) < 0)
                phase_fail(ph, cl.why);
            else
                memcpy(&ph->steps[i * N_STEPS], t, sizeof(t));
        } else {
            mnd_http_resp_t r;
            double ms;
            if (mnd_bench_now() >= ph->until)
                break;
            if (mnd_http_browse(&cl, "GET", ph->path, NULL, 200, &r, &ms) < 0)
                phase_fail(ph, cl.why);
            else if (i < ph->lat_cap)
                ph->lat[i] = ms;
        }
        atomic_fetch_add(&ph->done, 1);
    }
    __atomic_fetch_add(&ph->reconnects, cl.conn.reconnects, __ATOMIC_RELAXED);
    mnd_http_client_done(&cl);
    apr_pool_destroy(p);
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

static void run_phase(apr_pool_t *p, phase_t *ph)
{
    const opts_t *o = ph->o;
    apr_thread_t **th = apr_pcalloc(p, sizeof(*th) * (size_t)o->threads);
    mnd_bench_procs_t a, b, ba, bb;
    double t0, c0;
    int i;
    mnd_bench_procs_read(o->httpd_pid, &a);
    mnd_bench_procs_read(o->backend_pid, &ba);
    c0 = mnd_bench_self_cpu();
    t0 = mnd_bench_now();
    if (!ph->login)
        ph->until = t0 + o->static_seconds;
    else if (o->login_budget > 0)
        ph->until = t0 + o->login_budget;
    for (i = 0; i < o->threads; i++)
        if (apr_thread_create(&th[i], NULL, phase_thread, ph, p) != APR_SUCCESS) {
            fprintf(stderr, "bench_login: cannot start a client thread\n");
            exit(1);
        }
    for (i = 0; i < o->threads; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, th[i]);
    }
    ph->seconds = mnd_bench_now() - t0;
    ph->self_cpu = mnd_bench_self_cpu() - c0;
    mnd_bench_procs_read(o->httpd_pid, &b);
    mnd_bench_procs_read(o->backend_pid, &bb);
    ph->httpd_cpu = b.cpu - a.cpu + bb.cpu - ba.cpu;
}

/* GET path for --static-seconds; with_auth: with the login persona's Basic credentials. */
static phase_t *static_phase(apr_pool_t *p, const opts_t *o, const char *path, int with_auth)
{
    phase_t *ph = apr_pcalloc(p, sizeof(*ph));
    ph->o = o;
    ph->user = with_auth ? o->user : NULL;
    ph->path = path;
    ph->lat_cap = 4000000;
    ph->lat = calloc((size_t)ph->lat_cap, sizeof(double));
    fprintf(stderr, "bench_login: GET %s for %g s (%d threads)\n", path, o->static_seconds,
            o->threads);
    run_phase(p, ph);
    return ph;
}

static phase_t *login_phase(apr_pool_t *p, const opts_t *o, const char *user, long n)
{
    phase_t *ph = apr_pcalloc(p, sizeof(*ph));
    ph->o = o;
    ph->login = 1;
    ph->user = user;
    ph->target = n;
    ph->steps = calloc((size_t)n * N_STEPS, sizeof(double));
    fprintf(stderr, "bench_login: %ld logins (%d threads%s)\n", n, o->threads,
            o->login_budget > 0 ? ", or what fits in --login-budget" : "");
    run_phase(p, ph);
    return ph;
}

/* ---- single-connection series: latency without contention ---- */

typedef struct series_t {
    const char *label;
    mnd_bench_sample_t t;
    long bytes_min, bytes_max, matched_min, matched_max, total;
    int errors;
    const char *why;
} series_t;

static long data_attr(const char *body, const char *name)
{
    const char *v = strstr(body, name);
    return v ? atol(v + strlen(name)) : -1;
}

enum { SER_FIXED, SER_PAGE, SER_SEARCH };

/* The path of run i of a series: the chooser as is, at page 1 + (i * 37) mod 400, or with
 * search word i mod 4 at page 1..3. */
static const char *series_path(apr_pool_t *p, int kind, int i)
{
    static const char *const words[] = {"bakkerij", "peeters", "garage", "immo"};
    if (kind == SER_PAGE)
        return apr_psprintf(p, "/mandaat/choose?page=%d", 1 + (i * 37) % 400);
    if (kind == SER_SEARCH)
        return apr_psprintf(p, "/mandaat/choose?q=%s&page=%d", words[i % 4], 1 + (i / 4) % 3);
    return "/mandaat/choose";
}

/* n timed GETs on cl's connection and jar. With bump, the command runs before each request
 * (a store change: the next resolution is cold); without, one untimed request goes first (a
 * cold request's memory is released after its response, delaying the next request on the
 * connection: that belongs to the cold one). */
static void series(apr_pool_t *p, mnd_http_client_t *cl, series_t *s, int n, int kind, const char *bump)
{
    double *v = apr_palloc(p, sizeof(*v) * (size_t)(n > 0 ? n : 1));
    int i, ok = 0;
    mnd_http_resp_t r0;
    s->bytes_min = s->matched_min = -1;
    if (!bump && n > 0)
        mnd_http_browse(cl, "GET", series_path(p, kind, 0), NULL, 200, &r0, NULL);
    for (i = 0; i < n; i++) {
        mnd_http_resp_t r;
        double ms;
        long m;
        if (bump && system(bump) != 0) {
            s->why = apr_psprintf(p, "the store change (%s) failed", bump);
            s->errors++;
            continue;
        }
        if (mnd_http_browse(cl, "GET", series_path(p, kind, i), NULL, 200, &r, &ms) < 0) {
            s->why = apr_pstrdup(p, cl->why);
            s->errors++;
            continue;
        }
        v[ok++] = ms;
        m = data_attr(r.body, "data-matched=\"");
        s->total = data_attr(r.body, "data-total=\"");
        if (s->bytes_min < 0 || (long)r.body_len < s->bytes_min)
            s->bytes_min = (long)r.body_len;
        if ((long)r.body_len > s->bytes_max)
            s->bytes_max = (long)r.body_len;
        if (s->matched_min < 0 || m < s->matched_min)
            s->matched_min = m;
        if (m > s->matched_max)
            s->matched_max = m;
    }
    s->t = mnd_bench_summarise(v, ok);
}

typedef struct big_t {
    double first_ms;              /* the first request for the person after httpd started */
    const char *first_why;
    series_t s[4];
    int ns;
    mnd_bench_sample_t steps[N_STEPS], total;
    int logins, login_errors;
    const char *login_why;
} big_t;

/* The person with 20,000 capacities: the first request, then the chooser cold (after a store
 * change), warm, paged and searched, all on one connection and one transaction; then full
 * logins. */
static void run_big(apr_pool_t *p, const opts_t *o, big_t *b)
{
    mnd_http_client_t cl;
    mnd_http_resp_t r;
    double *t = apr_pcalloc(p, sizeof(double) * N_STEPS * (size_t)(o->big_logins + 1));
    double *tot = apr_pcalloc(p, sizeof(double) * (size_t)(o->big_logins + 1));
    int i, k;
    mnd_http_client_init(&cl, p, o->port, o->big_user, o->password, "bench_login");
    fprintf(stderr, "bench_login: the person with 20,000 capacities\n");
    if (mnd_http_browse(&cl, "GET", o->app, NULL, 303, &r, &b->first_ms) < 0)
        b->first_why = apr_pstrdup(p, cl.why);
    b->s[0].label = "GET /mandaat/choose, cold (first after a store change)";
    series(p, &cl, &b->s[0], o->bump_cmd ? o->cold_runs : 0, SER_FIXED, o->bump_cmd);
    b->s[1].label = "GET /mandaat/choose, warm";
    series(p, &cl, &b->s[1], o->chooser_runs, SER_FIXED, NULL);
    b->s[2].label = "GET /mandaat/choose?page=N (N = 1..400)";
    series(p, &cl, &b->s[2], o->chooser_runs, SER_PAGE, NULL);
    b->s[3].label = "GET /mandaat/choose?q=WORD&page=N (4 words, N = 1..3)";
    series(p, &cl, &b->s[3], o->chooser_runs, SER_SEARCH, NULL);
    b->ns = 4;
    for (i = 0; i < o->big_logins; i++) {
        if (login(&cl, o->app, &t[b->logins * N_STEPS]) < 0) {
            b->login_errors++;
            b->login_why = apr_pstrdup(p, cl.why);
            continue;
        }
        for (k = 0; k < N_STEPS; k++)
            tot[b->logins] += t[b->logins * N_STEPS + k];
        b->logins++;
    }
    for (k = 0; k < N_STEPS; k++) {
        double *v = apr_palloc(p, sizeof(double) * (size_t)(b->logins + 1));
        for (i = 0; i < b->logins; i++)
            v[i] = t[i * N_STEPS + k];
        b->steps[k] = mnd_bench_summarise(v, b->logins);
    }
    b->total = mnd_bench_summarise(tot, b->logins);
    mnd_http_client_done(&cl);
}

/* n logins of user on one connection, one after the other: each step without contention. */
static void run_latency(apr_pool_t *p, const opts_t *o, mnd_bench_sample_t steps[N_STEPS], mnd_bench_sample_t *tot)
{
    mnd_http_client_t cl;
    double *t = apr_pcalloc(p, sizeof(double) * N_STEPS * (size_t)(o->latency_logins + 1));
    double *all = apr_pcalloc(p, sizeof(double) * (size_t)(o->latency_logins + 1));
    int i, k, n = 0;
    mnd_http_client_init(&cl, p, o->port, o->user, o->password, "bench_login");
    for (i = 0; i < o->latency_logins; i++)
        if (login(&cl, o->app, &t[n * N_STEPS]) == 0) {
            for (k = 0; k < N_STEPS; k++)
                all[n] += t[n * N_STEPS + k];
            n++;
        }
    for (k = 0; k < N_STEPS; k++) {
        double *v = apr_palloc(p, sizeof(double) * (size_t)(n + 1));
        for (i = 0; i < n; i++)
            v[i] = t[i * N_STEPS + k];
        steps[k] = mnd_bench_summarise(v, n);
    }
    *tot = mnd_bench_summarise(all, n);
    mnd_http_client_done(&cl);
}

/* ---- the report ---- */

static void print_machine(const opts_t *o)
{
    mnd_bench_print_machine(stdout);
    printf("Client: %d threads, one keep-alive connection each, a fresh cookie jar per login; "
           "login persona %s, 20,000-capacity persona %s.\n\n", o->threads, o->user,
           o->big_user);
}

static long phase_ok(phase_t *ph)
{
    return atomic_load(&ph->done) - atomic_load(&ph->errors);
}

static double per_second(phase_t *ph)
{
    return ph->seconds > 0 ? (double)phase_ok(ph) / ph->seconds : 0;
}

/* Latency of the phase's operations: a login is the sum of its four requests. */
static mnd_bench_sample_t phase_latency(phase_t *ph)
{
    long i, n = 0, all = ph->login ? ph->target : atomic_load(&ph->next);
    double *v;
    mnd_bench_sample_t s;
    if (!ph->login && all > ph->lat_cap)
        all = ph->lat_cap;
    v = malloc(sizeof(double) * (size_t)(all + 1));
    for (i = 0; i < all; i++) {
        double t = 0;
        int k;
        if (!ph->login)
            t = ph->lat[i];
        for (k = 0; ph->login && k < N_STEPS; k++)
            t += ph->steps[i * N_STEPS + k];
        if (t > 0) /* failed ones stay 0 */
            v[n++] = t;
    }
    s = mnd_bench_summarise(v, (int)n);
    free(v);
    return s;
}

static void print_phase_row(const char *label, phase_t *ph, double base_rate, double base_cpu)
{
    long ok = phase_ok(ph);
    double rate = per_second(ph), cpu_op = ok ? ph->httpd_cpu * 1e3 / (double)ok : 0;
    mnd_bench_sample_t s = phase_latency(ph);
    printf("| %s | %ld | %ld | %.1f | %.0f | %.2f | %.2f | %.3f | %.0f%% | %.0f%% |", label, ok,
           atomic_load(&ph->errors), ph->seconds, rate, s.p50, s.p99, cpu_op,
           ph->seconds > 0 ? 100.0 * ph->httpd_cpu / ph->seconds : 0,
           ph->seconds > 0 ? 100.0 * ph->self_cpu / ph->seconds : 0);
    if (base_rate > 0)
        printf(" %.3f | %.3f | ≥ %.2f | %s |\n", rate / base_rate,
               cpu_op > 0 ? base_cpu / cpu_op : 0, TARGET_RATIO,
               mnd_bench_verdict(rate / base_rate >= TARGET_RATIO && !atomic_load(&ph->errors)));
    else
        printf(" – | – | – | – |\n");
}

static double cpu_per_op(phase_t *ph)
{
    return phase_ok(ph) ? ph->httpd_cpu * 1e3 / (double)phase_ok(ph) : 0;
}

static void print_throughput(const opts_t *o, phase_t *s1, phase_t *s2, phase_t *sa,
                             phase_t *sp, phase_t *warm, phase_t *main_run)
{
    double base = (per_second(s1) + per_second(s2)) / 2;
    long nbase = phase_ok(s1) + phase_ok(s2);
    double base_cpu = nbase ? (s1->httpd_cpu + s2->httpd_cpu) * 1e3 / (double)nbase : 0;
    double floor_cpu = 3 * cpu_per_op(sa) + cpu_per_op(sp), login_cpu = cpu_per_op(main_run);
    printf("### Logins per second against static requests\n\n"
           "A login is four requests: the protected URL (303 to the chooser), GET "
           "/mandaat/choose (the chooser page), POST /mandaat/choose (the choice, 303 back), "
           "the protected URL again (proxied by mod_proxy to a static file on a backend "
           "httpd). Static: GET %s from the gateway httpd, no authentication; the baseline is "
           "the mean rate of the two static runs. `httpd CPU` is user + system time of all "
           "httpd processes (gateway and backend) over the run, as a share of one CPU; `CPU "
           "ratio` is httpd CPU per static request ÷ httpd CPU per login, the ratio the "
           "server would reach with the CPUs to itself. Latencies are per request (static) or "
           "per login (the sum of its four requests), in milliseconds, under the full load. "
           "Also measured, for the floor below: GET %s (a static file behind the same Basic "
           "authentication) and GET %s (Basic authentication and mod_proxy to the backend, "
           "without MandaatService).\n\n", o->static_path, o->auth_path, o->proxied_path);
    printf("| run | done | errors | seconds | per second | p50 ms | p99 ms | httpd CPU ms per "
           "op | httpd CPU | client CPU | ÷ static rate | CPU ratio | target | result |\n"
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    print_phase_row("static, before", s1, 0, 0);
    print_phase_row("static with Basic auth", sa, 0, 0);
    print_phase_row("proxied with Basic auth", sp, 0, 0);
    print_phase_row("logins, warm-up", warm, base, base_cpu);
    print_phase_row("logins, measured", main_run, base, base_cpu);
    print_phase_row("static, after", s2, 0, 0);
    printf("\nStatic baseline: %.0f requests/s, %.3f ms httpd CPU per request. Floor of a "
           "login without mod_mandaat's work (three authenticated static requests and one "
           "authenticated proxied one): %.3f ms httpd CPU, i.e. a CPU ratio of at most %.3f "
           "for any login of four requests; the measured login costs %.3f ms, %.1f × the "
           "floor. Connections reopened after the server closed them: %ld.\n\n", base,
           base_cpu, floor_cpu, floor_cpu > 0 ? base_cpu / floor_cpu : 0, login_cpu,
           floor_cpu > 0 ? login_cpu / floor_cpu : 0,
           s1->reconnects + s2->reconnects + sa->reconnects + sp->reconnects +
               warm->reconnects + main_run->reconnects);
    if (o->login_budget > 0 && (atomic_load(&main_run->done) < main_run->target ||
                                atomic_load(&warm->done) < warm->target))
        printf("**The logins stopped at --login-budget %g s**: %ld of %ld warm-up logins, %ld "
               "of %ld measured ones.\n\n", o->login_budget, atomic_load(&warm->done),
               warm->target, atomic_load(&main_run->done), main_run->target);
    if (atomic_load(&main_run->errors) || atomic_load(&warm->errors))
        printf("First login failure: %s\n\n", main_run->have_error ? main_run->first_error
                                                                   : warm->first_error);
}

static void steps_of(phase_t *ph, int k, mnd_bench_sample_t *out)
{
    long i, n = 0;
    double *v = malloc(sizeof(double) * (size_t)(ph->target + 1));
    for (i = 0; i < ph->target; i++)
        if (ph->steps[i * N_STEPS + k] > 0)
            v[n++] = ph->steps[i * N_STEPS + k];
    *out = mnd_bench_summarise(v, (int)n);
    free(v);
}

static void print_steps(const opts_t *o, phase_t *main_run, const mnd_bench_sample_t *one,
                        const mnd_bench_sample_t *one_total)
{
    int k;
    printf("### The four requests of a login\n\n"
           "Milliseconds as the client sees them on 127.0.0.1 (send to last byte). Under "
           "load: the measured logins above (%d threads). One connection: %d logins one "
           "after the other, nothing else running.\n\n"
           "| request | under load p50 | p99 | one connection p50 | p99 | max |\n"
           "|---|--:|--:|--:|--:|--:|\n", o->threads, o->latency_logins);
    for (k = 0; k < N_STEPS; k++) {
        mnd_bench_sample_t s;
        steps_of(main_run, k, &s);
        printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", step_names[k], s.p50, s.p99,
               one[k].p50, one[k].p99, one[k].max);
    }
    printf("| whole login | | | %.2f | %.2f | %.2f |\n\n", one_total->p50, one_total->p99,
           one_total->max);
}

static void print_big(const opts_t *o, const big_t *b)
{
    int i, k;
    printf("### Chooser of the person with 20,000 capacities\n\n"
           "The employee of the accountant firm (20,001 capacities) on one keep-alive "
           "connection, so one httpd child and its resolution cache; one login transaction "
           "for the whole series. Milliseconds as the client sees them on 127.0.0.1 (an upper "
           "bound of the server's time). Cold: the command `%s` changes the store before "
           "each request, so the child's resolution cache misses. Target: p99 < %.0f ms.\n\n",
           o->bump_cmd ? o->bump_cmd : "(none given)", TARGET_CHOOSER_MS);
    printf("| request | runs | errors | p50 ms | p99 ms | max ms | page bytes | rows matched "
           "| target | result |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    if (b->first_why)
        printf("| first request after httpd start: GET %s → 303 | 0 | 1 | | | | | | | %s |\n",
               o->app, b->first_why);
    else
        printf("| first request after httpd start: GET %s → 303 (resolves all capacities) | 1 "
               "| 0 | %.1f | | | | | – | – |\n", o->app, b->first_ms);
    for (i = 0; i < b->ns; i++) {
        const series_t *s = &b->s[i];
        if (!s->t.n && !s->errors)
            continue;
        printf("| %s | %d | %d | %.1f | %.1f | %.1f | %ld–%ld | %ld–%ld of %ld | < %.0f ms | "
               "%s |\n", s->label, s->t.n, s->errors, s->t.p50, s->t.p99, s->t.max,
               s->bytes_min, s->bytes_max, s->matched_min, s->matched_max, s->total,
               TARGET_CHOOSER_MS, mnd_bench_verdict(!s->errors && s->t.n && s->t.p99 < TARGET_CHOOSER_MS));
        if (s->why)
            printf("\nLast failure: %s\n\n", s->why);
    }
    printf("\nFull logins of the same person, one after the other (%d, %d failed%s%s):\n\n"
           "| request | p50 ms | p99 ms | max ms |\n|---|--:|--:|--:|\n", b->logins,
           b->login_errors, b->login_why ? "; last: " : "", b->login_why ? b->login_why : "");
    for (k = 0; k < N_STEPS; k++)
        printf("| %s | %.1f | %.1f | %.1f |\n", step_names[k], b->steps[k].p50,
               b->steps[k].p99, b->steps[k].max);
    printf("| whole login | %.1f | %.1f | %.1f |\n\n", b->total.p50, b->total.p99,
           b->total.max);
}

static const mnd_bench_proc_t *find_child(const mnd_bench_procs_t *ps, int pid)
{
    int i;
    for (i = 0; i < ps->n; i++)
        if (ps->c[i].pid == pid)
            return &ps->c[i];
    return NULL;
}

static void print_rss(long warm, long total, const mnd_bench_procs_t *a, const mnd_bench_procs_t *b,
                      const mnd_bench_procs_t *c)
{
    int i;
    printf("### Memory of the httpd children\n\n"
           "From /proc/PID/status, in KiB: VmRSS, and its private part RssAnon (heap and "
           "stacks: where a leak shows). VmRSS also counts RssFile (the SQLite store, mapped "
           "with mmap_size, grows with every audit row) and RssShmem (the shmcb session cache, "
           "touched page by page as sessions fill it). Snapshots after the %ld warm-up logins, "
           "after %ld logins, and at the end (after the 20,000-capacity person). Target: "
           "RssAnon growth from the first to the second snapshot within noise (%d KiB or "
           "%.0f%%).\n\n| child | VmRSS warm | VmRSS after | VmRSS end | RssAnon warm | "
           "RssAnon after | growth | RssAnon end | RssFile warm → after | RssShmem warm → "
           "after | result |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n",
           warm, total, RSS_NOISE_KB, RSS_NOISE_FRAC * 100);
    for (i = 0; i < a->n; i++) {
        const mnd_bench_proc_t *x = &a->c[i], *y = find_child(b, x->pid), *z = find_child(c, x->pid);
        long growth = y ? y->anon_kb - x->anon_kb : 0;
        long noise = (long)(x->anon_kb * RSS_NOISE_FRAC);
        if (!y) {
            printf("| %d | %ld | gone | | %ld | | | | | | the child was replaced |\n", x->pid,
                   x->rss_kb, x->anon_kb);
            continue;
        }
        printf("| %d | %ld | %ld | ", x->pid, x->rss_kb, y->rss_kb);
        if (z)
            printf("%ld | %ld | %ld | %+ld | %ld |", z->rss_kb, x->anon_kb, y->anon_kb, growth,
                   z->anon_kb);
        else
            printf("gone | %ld | %ld | %+ld | gone |", x->anon_kb, y->anon_kb, growth);
        printf(" %ld → %ld | %ld → %ld | %s |\n", x->file_kb, y->file_kb, x->shmem_kb,
               y->shmem_kb, mnd_bench_verdict(growth <= (noise > RSS_NOISE_KB ? noise : RSS_NOISE_KB)));
    }
    printf("\n");
}

/* ---- options, main ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_login --port P [options]        measure (httpd must be running)\n"
            "       bench_login store PATH [--mandates N] [--seed N] [--reuse]\n"
            "  --port P            the gateway httpd on 127.0.0.1 (required)\n"
            "  --httpd-pid PID     its parent process: CPU time and children's memory\n"
            "  --backend-pid PID   the backend httpd's parent process: its CPU time counts too\n"
            "  --threads N         client threads (default 2 x CPUs)\n"
            "  --static-seconds S  each of the two static runs (default 10)\n"
            "  --warmup N          logins before the first memory snapshot (default 5000)\n"
            "  --logins N          logins in all, the warm-up included (default 100000)\n"
            "  --latency-logins N  logins on one connection, one after the other (default 200)\n"
            "  --chooser-runs N    requests per chooser series (default 200)\n"
            "  --cold-runs N       cold chooser requests, each after --bump (default 20)\n"
            "  --bump CMD          shell command that changes the store (makes caches cold)\n"
            "  --big-logins N      full logins of the 20,000-capacity person (default 20)\n"
            "  --user INSZ         login persona (default: the synthetic citizen)\n"
            "  --big-user INSZ     20,000-capacity persona (default: the synthetic employee)\n"
            "  --password PW       Basic password of both (default pw)\n"
            "  --app PATH          protected URL (default /app/x)\n"
            "  --static PATH       static URL (default /static.txt)\n"
            "  --auth-static PATH  static URL behind Basic auth (default /auth/static.txt)\n"
            "  --proxied PATH      proxied URL behind Basic auth, no MandaatService\n"
            "                      (default /proxied/x)\n"
            "  --login-budget S    stop each login run (warm-up, measured) after S seconds\n"
            "                      (default: none)\n"
            "  --smoke             seconds: --static-seconds 2 --warmup 100 --logins 600\n"
            "                      --latency-logins 20 --chooser-runs 10 --cold-runs 2\n"
            "                      --big-logins 2\n");
}

static int parse_args(int argc, char **argv, opts_t *o, mnd_synth_personas_t *who)
{
    int i;
    memset(o, 0, sizeof(*o));
    o->threads = 2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
    o->static_seconds = 10;
    o->warmup = 5000;
    o->logins = 100000;
    o->latency_logins = o->chooser_runs = 200;
    o->cold_runs = o->big_logins = 20;
    o->user = who->citizen;
    o->big_user = who->employee;
    o->password = "pw";
    o->app = "/app/x";
    o->static_path = "/static.txt";
    o->auth_path = "/auth/static.txt";
    o->proxied_path = "/proxied/x";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = v != NULL;
        if (!strcmp(a, "--port") && v) o->port = atoi(v);
        else if (!strcmp(a, "--httpd-pid") && v) o->httpd_pid = atoi(v);
        else if (!strcmp(a, "--backend-pid") && v) o->backend_pid = atoi(v);
        else if (!strcmp(a, "--threads") && v) o->threads = atoi(v);
        else if (!strcmp(a, "--static-seconds") && v) o->static_seconds = atof(v);
        else if (!strcmp(a, "--warmup") && v) o->warmup = atol(v);
        else if (!strcmp(a, "--logins") && v) o->logins = atol(v);
        else if (!strcmp(a, "--latency-logins") && v) o->latency_logins = atoi(v);
        else if (!strcmp(a, "--chooser-runs") && v) o->chooser_runs = atoi(v);
        else if (!strcmp(a, "--cold-runs") && v) o->cold_runs = atoi(v);
        else if (!strcmp(a, "--bump") && v) o->bump_cmd = v;
        else if (!strcmp(a, "--big-logins") && v) o->big_logins = atoi(v);
        else if (!strcmp(a, "--user") && v) o->user = v;
        else if (!strcmp(a, "--big-user") && v) o->big_user = v;
        else if (!strcmp(a, "--password") && v) o->password = v;
        else if (!strcmp(a, "--app") && v) o->app = v;
        else if (!strcmp(a, "--static") && v) o->static_path = v;
        else if (!strcmp(a, "--auth-static") && v) o->auth_path = v;
        else if (!strcmp(a, "--proxied") && v) o->proxied_path = v;
        else if (!strcmp(a, "--login-budget") && v) o->login_budget = atof(v);
        else if (!strcmp(a, "--smoke")) {
            takes = 0;
            o->static_seconds = 2;
            o->warmup = 100;
            o->logins = 600;
            o->latency_logins = 20;
            o->chooser_runs = 10;
            o->cold_runs = o->big_logins = 2;
        } else {
            usage(strcmp(a, "--help") ? stderr : stdout);
            return strcmp(a, "--help") ? 2 : 0;
        }
        i += takes;
    }
    if (o->port <= 0 || o->threads < 1 || o->warmup < 1 || o->logins <= o->warmup ||
        o->static_seconds <= 0 || o->latency_logins < 0 || o->chooser_runs < 0 ||
        o->cold_runs < 0 || o->big_logins < 0) {
        usage(stderr);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    opts_t o;
    apr_pool_t *p;
    mnd_synth_personas_t who;
    phase_t *s1, *s2, *sa, *sp, *warm, *main_run;
    mnd_bench_procs_t m_warm, m_after, m_end;
    mnd_bench_sample_t one[N_STEPS], one_total;
    big_t big;
    int rc;

    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (argc >= 3 && !strcmp(argv[1], "store"))
        return mnd_bench_store_cmd(p, argc, argv, "bench_login");
    mnd_synth_personas(&who);
    if ((rc = parse_args(argc, argv, &o, &who)) >= 0)
        return rc;

    s1 = static_phase(p, &o, o.static_path, 0);
    sa = static_phase(p, &o, o.auth_path, 1);
    sp = static_phase(p, &o, o.proxied_path, 1);
    warm = login_phase(p, &o, o.user, o.warmup);
    mnd_bench_procs_read(o.httpd_pid, &m_warm);
    main_run = login_phase(p, &o, o.user, o.logins - o.warmup);
    mnd_bench_procs_read(o.httpd_pid, &m_after);
    s2 = static_phase(p, &o, o.static_path, 0);
    fprintf(stderr, "bench_login: %d logins on one connection\n", o.latency_logins);
    run_latency(p, &o, one, &one_total);
    memset(&big, 0, sizeof(big));
    run_big(p, &o, &big);
    mnd_bench_procs_read(o.httpd_pid, &m_end);

    printf("## bench_login\n\n");
    print_machine(&o);
    print_throughput(&o, s1, s2, sa, sp, warm, main_run);
    print_steps(&o, main_run, one, &one_total);
    print_big(&o, &big);
    if (o.httpd_pid > 0)
        print_rss(phase_ok(warm), phase_ok(warm) + phase_ok(main_run), &m_warm, &m_after,
                  &m_end);
    apr_pool_destroy(p);
    return atomic_load(&main_run->errors) || atomic_load(&warm->errors) ? 1 : 0;
}
