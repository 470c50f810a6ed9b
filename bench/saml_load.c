/* bench_saml's load against httpd: see saml_load.h. */
#include "saml_load.h"

#include <apr_escape.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const mnd_bench_saml_step_names[MND_BENCH_SAML_STEPS] = {
    "GET saml/sso?SAMLRequest=… → 303 /mandaat/choose", "GET /mandaat/choose → 200 (chooser)",
    "POST /mandaat/choose → 200 (page with the SAMLResponse)"};

/* ---- load runs: client threads against httpd ---- */

static void run_fail(mnd_bench_run_t *r, const char *why)
{
    atomic_fetch_add(&r->errors, 1);
    if (atomic_exchange(&r->have_error, 1) == 0)
        snprintf(r->first_error, sizeof(r->first_error), "%s", why);
}

/* The full login of the person whose Basic credentials cl carries: AuthnRequest, chooser,
 * choice. *response (in cl->pool) is the SAMLResponse of the page. */
int mnd_bench_saml_login(mnd_http_client_t *cl, const char *sso, double t[MND_BENCH_SAML_STEPS],
                         const char **response)
{
    mnd_http_resp_t r;
    const char *loc, *csrf, *choice, *form;
    if (mnd_http_browse(cl, "GET", sso, NULL, 303, &r, &t[MND_BENCH_ST_SSO]) < 0)
        return -1;
    if (!(loc = mnd_http_location_path(cl->pool, &r)) || !strstr(loc, "/mandaat/choose")) {
        snprintf(cl->why, sizeof(cl->why), "saml/sso: 303 to %s, not the chooser",
                 loc ? loc : "nowhere");
        return -1;
    }
    if (mnd_http_browse(cl, "GET", loc, NULL, 200, &r, &t[MND_BENCH_ST_CHOOSER]) < 0)
        return -1;
    csrf = mnd_http_form_value(cl->pool, r.body, "name=\"csrf\"");
    choice = mnd_http_form_value(cl->pool, r.body, "name=\"choice\"");
    if (!csrf || !choice) {
        snprintf(cl->why, sizeof(cl->why), "the chooser has no %s", csrf ? "choice" : "csrf");
        return -1;
    }
    form = apr_pstrcat(cl->pool, "csrf=", apr_pescape_urlencoded(cl->pool, csrf),
                       "&choice=", apr_pescape_urlencoded(cl->pool, choice), NULL);
    if (mnd_http_browse(cl, "POST", loc, form, 200, &r, &t[MND_BENCH_ST_CHOICE]) < 0)
        return -1;
    if (!(*response = mnd_http_form_value(cl->pool, r.body, "name=\"SAMLResponse\""))) {
        snprintf(cl->why, sizeof(cl->why), "the choice's page has no SAMLResponse: %.200s", r.body);
        return -1;
    }
    return 0;
}

static void *APR_THREAD_FUNC run_thread(apr_thread_t *th, void *data)
{
    mnd_bench_run_t *ph = data;
    const mnd_bench_saml_opts_t *o = ph->o;
    mnd_http_client_t cl;
    apr_pool_t *p;
    apr_pool_create(&p, NULL);
    mnd_http_client_init(&cl, p, o->port, ph->kind == MND_BENCH_RUN_LOGIN ? o->user : NULL,
                         o->password, MND_BENCH_SAML_AGENT);
    for (;;) {
        long i = atomic_fetch_add(&ph->next, 1);
        if (mnd_bench_now() >= ph->until || (ph->reqs && i >= ph->reqs->nelts))
            break;
        apr_pool_clear(cl.pool);
        if (ph->kind == MND_BENCH_RUN_LOGIN) {
            const char *resp, *sso = APR_ARRAY_IDX(ph->reqs, i, const char *);
            double t[MND_BENCH_SAML_STEPS];
            cl.jar.n = 0; /* a new browser each time, on a kept-alive connection */
            if (mnd_bench_saml_login(&cl, sso, t, &resp) < 0) {
                run_fail(ph, cl.why);
            } else {
                if (i < ph->cap)
                    memcpy(&ph->steps[i * MND_BENCH_SAML_STEPS], t, sizeof(t));
                if (i % ph->sample_every == 0 && i / ph->sample_every < MND_BENCH_MAX_SAMPLES)
                    ph->samples[i / ph->sample_every] = strdup(resp);
            }
        } else {
            mnd_http_resp_t r;
            double ms;
            if (mnd_http_browse(&cl, "GET", o->static_path, NULL, 200, &r, &ms) < 0)
                run_fail(ph, cl.why);
            else if (i < ph->cap)
                ph->steps[i] = ms;
        }
        atomic_fetch_add(&ph->done, 1);
    }
    mnd_http_client_done(&cl);
    apr_pool_destroy(p);
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

mnd_bench_run_t *mnd_bench_run(apr_pool_t *p, const mnd_bench_saml_opts_t *o, int kind,
                               const apr_array_header_t *reqs, double seconds, const char *perf_cmd)
{
    mnd_bench_run_t *ph = apr_pcalloc(p, sizeof(*ph));
    apr_thread_t **th = apr_pcalloc(p, sizeof(*th) * (size_t)o->threads);
    mnd_bench_procs_t a, b;
    double t0, c0;
    ph->o = o;
    ph->kind = kind;
    ph->reqs = reqs;
    ph->cap = kind == MND_BENCH_RUN_LOGIN ? reqs->nelts : 4000000;
    ph->steps = calloc((size_t)ph->cap * (kind == MND_BENCH_RUN_LOGIN ? MND_BENCH_SAML_STEPS : 1),
                       sizeof(double));
    ph->sample_every =
        reqs ? (reqs->nelts / MND_BENCH_MAX_SAMPLES > 0 ? reqs->nelts / MND_BENCH_MAX_SAMPLES : 1)
             : 1;
    if (perf_cmd && system(apr_pstrcat(p, "(", perf_cmd, ") >/dev/null 2>&1 &", NULL)) != 0)
        fprintf(stderr, "bench_saml: could not start %s\n", perf_cmd);
    mnd_bench_procs_read(o->httpd_pid, &a);
    c0 = mnd_bench_self_cpu();
    t0 = mnd_bench_now();
    ph->until = t0 + seconds;
    for (int i = 0; i < o->threads; i++)
        if (apr_thread_create(&th[i], NULL, run_thread, ph, p) != APR_SUCCESS) {
            fprintf(stderr, "bench_saml: cannot start a client thread\n");
            exit(1);
        }
    for (int i = 0; i < o->threads; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, th[i]);
    }
    ph->seconds = mnd_bench_now() - t0;
    ph->self_cpu = mnd_bench_self_cpu() - c0;
    mnd_bench_procs_read(o->httpd_pid, &b);
    ph->httpd_cpu = b.cpu - a.cpu;
    return ph;
}

long mnd_bench_run_ok(mnd_bench_run_t *r)
{
    return atomic_load(&r->done) - atomic_load(&r->errors);
}

double mnd_bench_run_rate(mnd_bench_run_t *r)
{
    return r->seconds > 0 ? (double)mnd_bench_run_ok(r) / r->seconds : 0;
}

/* Latency per operation (a login: the sum of its steps), or of step k (k >= 0). */
mnd_bench_sample_t mnd_bench_run_latency(mnd_bench_run_t *r, int k)
{
    long n = 0, all = atomic_load(&r->next);
    double *v = malloc(sizeof(double) * (size_t)(r->cap + 1)), s;
    mnd_bench_sample_t out;
    if (all > r->cap)
        all = r->cap;
    for (long i = 0; i < all; i++) {
        if (r->kind != MND_BENCH_RUN_LOGIN)
            s = r->steps[i];
        else if (k >= 0)
            s = r->steps[i * MND_BENCH_SAML_STEPS + k];
        else
            s = r->steps[i * MND_BENCH_SAML_STEPS] + r->steps[i * MND_BENCH_SAML_STEPS + 1] +
                r->steps[i * MND_BENCH_SAML_STEPS + 2];
        if (s > 0)
            v[n++] = s;
    }
    out = mnd_bench_summarise(v, (int)n);
    free(v);
    return out;
}

const char *mnd_bench_slurp(apr_pool_t *p, const char *path)
{
    char *s = NULL;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    if (apr_file_open(&f, path, APR_READ, 0, p) != APR_SUCCESS ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        fprintf(stderr, "bench_saml: cannot read %s\n", path);
        exit(1);
    }
    n = (apr_size_t)fi.size;
    s = apr_palloc(p, n + 1);
    apr_file_read_full(f, s, n, &n);
    s[n] = '\0';
    apr_file_close(f);
    return s;
}

/* The first request of a person with a session for the service: one signed Response. */
int mnd_bench_returning_once(mnd_http_client_t *cl, const char *sso, mnd_bench_sp_t *sp,
                             mnd_bench_resp_info_t *info)
{
    mnd_http_resp_t r;
    const char *resp;
    if (mnd_http_browse(cl, "GET", sso, NULL, 200, &r, NULL) < 0 ||
        !(resp = mnd_http_form_value(cl->pool, r.body, "name=\"SAMLResponse\""))) {
        fprintf(stderr, "bench_saml: the returning person got no Response: %s\n", cl->why);
        return -1;
    }
    mnd_bench_sp_check(sp, cl->pool, resp, info);
    return 0;
}

/* ---- the returning person, with wrk ---- */

static const char *const wrk_lua =
    "local n, threads = 0, {}\n"
    "function setup(t) t:set('id', n); table.insert(threads, t); n = n + 1 end\n"
    "function init(args)\n"
    "  urls, i, bad, exhausted = {}, 0, 0, 0\n"
    "  for l in io.lines(DIR .. '/urls-' .. id .. '.txt') do urls[#urls + 1] = l end\n"
    "  hdrs = { ['Cookie'] = COOKIE, ['Authorization'] = AUTH }\n"
    "end\n"
    "function request()\n"
    "  i = i + 1\n"
    "  if i > #urls then exhausted = 1; i = #urls; wrk.thread:stop() end\n"
    "  return wrk.format('GET', urls[i], hdrs)\n"
    "end\n"
    "function response(status, headers, body)\n"
    "  if status ~= 200 or not string.find(body, 'name=\"SAMLResponse\"', 1, true) then\n"
    "    if bad == 0 then why = status .. ' ' .. string.sub(body, 1, 160):gsub('%s+', ' ') end\n"
    "    bad = bad + 1 end\n"
    "end\n"
    "function done(s, lat, req)\n"
    "  local b, x = 0, 0\n"
    "  for _, t in ipairs(threads) do\n"
    "    b = b + t:get('bad'); x = x + t:get('exhausted')\n"
    "    if t:get('why') then io.write('MNDBAD first bad answer: ' .. t:get('why') .. '\\n') end\n"
    "  end\n"
    "  local e = s.errors\n"
    "  io.write(string.format('MND %d %d %d %d %d %d %d %d %d %f %d\\n', s.requests,\n"
    "    s.duration, b, x, lat:percentile(50), lat:percentile(90), lat:percentile(99),\n"
    "    lat.max, e.connect + e.read + e.write + e.timeout, lat.mean, e.status))\n"
    "end\n";

void mnd_bench_run_wrk(apr_pool_t *p, const mnd_bench_saml_opts_t *o,
                       const apr_array_header_t *urls, const char *cookie, const char *auth,
                       mnd_bench_wrk_t *w)
{
    const char *dir = o->wrk_dir, *lua = apr_pstrcat(p, dir, "/returning.lua", NULL);
    mnd_bench_procs_t a, b;
    char line[1024];
    FILE *f = fopen(lua, "w"), *pipe;
    long status_errs = 0;
    if (!f)
        return;
    fprintf(f, "DIR = '%s'\nCOOKIE = '%s'\nAUTH = '%s'\n%s", dir, cookie, auth, wrk_lua);
    fclose(f);
    for (int t = 0; t < w->threads; t++) {
        f = fopen(apr_psprintf(p, "%s/urls-%d.txt", dir, t), "w");
        for (int i = urls->nelts * t / w->threads; f && i < urls->nelts * (t + 1) / w->threads; i++)
            fprintf(f, "%s\n", APR_ARRAY_IDX(urls, i, const char *));
        if (f)
            fclose(f);
    }
    fprintf(stderr, "bench_saml: wrk -c%d for %g s (the returning person)\n", w->conns, o->seconds);
    mnd_bench_procs_read(o->httpd_pid, &a);
    pipe = popen(apr_psprintf(p, "%s -t%d -c%d -d%gs --latency -s %s http://127.0.0.1:%d/", o->wrk,
                              w->threads, w->conns, o->seconds, lua, o->port),
                 "r");
    while (pipe && fgets(line, sizeof(line), pipe)) {
        long lat[5], dur;
        if (!strncmp(line, "MNDBAD ", 7) && !w->why) {
            w->why = apr_pstrndup(p, line + 7, strcspn(line + 7, "\n"));
            continue;
        }
        if (sscanf(line, "MND %ld %ld %ld %ld %ld %ld %ld %ld %ld %lf %ld", &w->requests, &dur,
                   &w->bad, &w->exhausted, &lat[0], &lat[1], &lat[2], &lat[3], &w->errors, &w->mean,
                   &status_errs) == 11) {
            w->seconds = (double)dur / 1e6;
            w->p50 = (double)lat[0] / 1e3;
            w->p90 = (double)lat[1] / 1e3;
            w->p99 = (double)lat[2] / 1e3;
            w->max = (double)lat[3] / 1e3;
            w->mean /= 1e3;
        }
    }
    if (!pipe || pclose(pipe) != 0 || w->seconds <= 0)
        w->why = "wrk failed or printed no result";
    else if (!w->bad)
        w->why = NULL;
    mnd_bench_procs_read(o->httpd_pid, &b);
    w->httpd_cpu = b.cpu - a.cpu;
}
