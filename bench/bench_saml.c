/* bench_saml: mod_mandaat's SAML IdP measured through a running httpd (bench/run_saml.sh starts
 * one on 127.0.0.1): full SP-initiated logins per second (signed AuthnRequest → chooser →
 * choice → page with the signed Response) against two baselines of the same run, the "lasso
 * limit" (mnd_saml_sso_respond in a loop in this process, the same assertion) and static
 * requests to the same httpd; the returning person's path (a session already chosen: one
 * AuthnRequest in, one signed Response out) with wrk; and what the loaded signing key saves.
 * The SP is lasso in this process (bench/saml_sp.h). `bench_saml sp-metadata ENTITY ACS CERT`
 * writes an SP's metadata for MandaatSAMLSPMetadataFile. The markdown report goes to stdout,
 * progress to stderr. See bench/README.md, section "SAML IdP". */
#include "bench_store.h"
#include "bench_util.h"
#include "http_client.h"
#include "saml_inproc.h"
#include "saml_load.h"
#include "saml_sp.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TARGET_RATIO 0.5   /* full logins ÷ lasso limit, per core */
#define MAX_REQUESTS 40000 /* pre-generated AuthnRequests per run, at most */

typedef struct sp_side_t {
    mnd_bench_sp_conf_t conf;
    mnd_bench_sp_t *sp;
    mnd_saml_request_t *req;     /* one request received in-process */
    mnd_bench_resp_info_t login; /* a Response from httpd's full login */
    mnd_bench_resp_info_t again; /* and from the returning path */
    size_t inproc_bytes;
    int inproc_sigs;
} sp_side_t;

/* ---- setup ---- */

static apr_array_header_t *make_requests(apr_pool_t *p, const mnd_bench_sp_conf_t *c, long n,
                                         double *seconds)
{
    double t0 = mnd_bench_now();
    apr_array_header_t *a;
    if (n > MAX_REQUESTS)
        n = MAX_REQUESTS;
    fprintf(stderr, "bench_saml: %ld signed AuthnRequests\n", n);
    a = mnd_bench_sp_requests(p, c, (int)n, (int)sysconf(_SC_NPROCESSORS_ONLN));
    if (!a) {
        fprintf(stderr, "bench_saml: the SP could not build its AuthnRequests\n");
        exit(1);
    }
    if (seconds)
        *seconds = mnd_bench_now() - t0;
    return a;
}

/* The IdP in this process: the configuration httpd built from the same files, with the
 * same SPs (the second with sign-response). */
static mnd_saml_idp_t *inproc_idp(apr_pool_t *p, const mnd_bench_saml_opts_t *o,
                                  const char *http_md, sp_side_t *sp, int *same_md)
{
    mnd_saml_idp_conf_t c = {0};
    mnd_saml_idp_t *idp;
    mnd_saml_sp_conf_t s1 = {sp[0].conf.metadata, "wse-loket", "mandaat", 0, 0};
    mnd_saml_sp_conf_t s2 = {sp[1].conf.metadata, "wse-loket", "mandaat", 0, 1};
    const char *md;
    mnd_error_t *err;
    c.entity_id = apr_pstrcat(p, o->public_url, "/mandaat/saml/metadata", NULL);
    c.key_pem = mnd_bench_slurp(p, o->idp_key);
    c.cert_pem = mnd_bench_slurp(p, o->idp_cert);
    c.sso_url = apr_pstrcat(p, o->public_url, "/mandaat/saml/sso", NULL);
    c.slo_url = apr_pstrcat(p, o->public_url, "/mandaat/saml/slo", NULL);
    c.want_signed_requests = 1;
    c.assertion_lifetime = 300;
    if ((err = mnd_saml_idp_create(p, &c, &idp)) ||
        (err = mnd_saml_idp_add_sp(idp, p, &s1, NULL)) ||
        (err = mnd_saml_idp_add_sp(idp, p, &s2, NULL)) ||
        (err = mnd_saml_idp_metadata(idp, p, &md))) {
        fprintf(stderr, "bench_saml: the in-process IdP: %s\n", err->msg);
        exit(1);
    }
    *same_md = strcmp(md, http_md) == 0;
    return idp;
}

/* ---- the report ---- */

typedef struct results_t {
    mnd_bench_run_t *s1, *s2, *login;
    double gen_seconds;
    long gen_n;
    int verified, sampled, same_md;
    mnd_bench_loop_t lim1, lim2, rr1, rr2, signed1, pem1, pem_signed1, nocert1, nocert_signed1;
    int nocert_verified;
    mnd_bench_keycost_t kc;
    mnd_bench_wrk_t w1, w8;
} results_t;

static double loop_rate(const mnd_bench_loop_t *l)
{
    return l->seconds > 0 ? (double)l->ops / l->seconds : 0;
}

static double loop_us(const mnd_bench_loop_t *l)
{
    return l->ops ? l->cpu * 1e6 / (double)l->ops : 0;
}

static double op_cpu_ms(mnd_bench_run_t *r)
{
    return mnd_bench_run_ok(r) ? r->httpd_cpu * 1e3 / (double)mnd_bench_run_ok(r) : 0;
}

static void print_run(const char *label, mnd_bench_run_t *r)
{
    mnd_bench_sample_t s = mnd_bench_run_latency(r, -1);
    printf("| %s | %ld | %ld | %.1f | %.0f | %.2f | %.2f | %.3f | %.0f%% | %.0f%% |\n", label,
           mnd_bench_run_ok(r), atomic_load(&r->errors), r->seconds, mnd_bench_run_rate(r), s.p50,
           s.p99, op_cpu_ms(r), r->seconds > 0 ? 100 * r->httpd_cpu / r->seconds : 0,
           r->seconds > 0 ? 100 * r->self_cpu / r->seconds : 0);
}

static void print_loop(const char *label, const mnd_bench_loop_t *l)
{
    printf("| %s | %d | %ld | %ld | %.1f | %.0f | %.0f |\n", label, l->threads, l->ops, l->errors,
           l->seconds, loop_rate(l), loop_us(l));
    if (l->why)
        printf("\nFirst error: %s\n\n", l->why);
}

static void print_logins(const mnd_bench_saml_opts_t *o, results_t *x, const sp_side_t *sp)
{
    double per_login = op_cpu_ms(x->login) * 1e3,
           base = (mnd_bench_run_rate(x->s1) + mnd_bench_run_rate(x->s2)) / 2;
    double cpu_ratio = per_login > 0 ? loop_us(&x->lim1) / per_login : 0;
    double wall_ratio =
        loop_rate(&x->lim2) > 0 ? mnd_bench_run_rate(x->login) / loop_rate(&x->lim2) : 0;
    int ok = !atomic_load(&x->login->errors) && x->verified == x->sampled;
    printf("### Full SP-initiated logins, the lasso limit, static requests\n\n"
           "A full login is three requests on a kept-alive connection with a fresh cookie jar: "
           "GET saml/sso with a signed HTTP-Redirect AuthnRequest (RSA-SHA256, fresh ID; Basic "
           "credentials sent, so the request goes on at once) → 303 to the chooser, GET "
           "/mandaat/choose, POST the choice → 200 page with the signed Response. It counts only "
           "when that page has a SAMLResponse. The AuthnRequests (%ld) were built and signed by "
           "the lasso SP **before** the timed run (%.1f s on %ld threads, %.2f ms each), so the "
           "client's SP work is outside the timing. Static: GET %s, no authentication. `httpd "
           "CPU` is user + system time of all httpd processes over the run (share of one CPU).\n\n"
           "| run | done | errors | seconds | per second | p50 ms | p99 ms | httpd CPU ms per op "
           "| httpd CPU | client CPU |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
           x->gen_n, x->gen_seconds, sysconf(_SC_NPROCESSORS_ONLN),
           x->gen_n
               ? x->gen_seconds * 1e3 * (double)sysconf(_SC_NPROCESSORS_ONLN) / (double)x->gen_n
               : 0,
           o->static_path);
    print_run("static, before", x->s1);
    print_run("full SAML logins", x->login);
    print_run("static, after", x->s2);
    if (atomic_load(&x->login->errors))
        printf("\nFirst login failure: %s\n", x->login->first_error);
    printf("\n%d of %d Responses sampled from the timed run verify with the lasso SP "
           "(signature, audience, conditions); each carries %d signature(s) (%zu bytes "
           "decoded).\n\nThe lasso limit: mnd_saml_sso_respond in a loop in this process (after "
           "0.5 s of warm-up), answering one request received once, for the same person with "
           "the attributes the httpd's Response carried (%d attributes, same profile and SP), "
           "so the same signed assertion; `CPU µs` is the loop threads' CPU time per "
           "Response.\n\n| in-process loop | threads | Responses | errors | seconds | per "
           "second | CPU µs per Response |\n|---|--:|--:|--:|--:|--:|--:|\n",
           x->verified, x->sampled, sp[0].login.signatures, sp[0].login.xml_bytes,
           sp[0].login.attrs ? sp[0].login.attrs->nelts : 0);
    print_loop("respond (the lasso limit)", &x->lim1);
    print_loop("respond (the lasso limit)", &x->lim2);
    print_loop("receive (verify the AuthnRequest) + respond", &x->rr1);
    print_loop("receive (verify the AuthnRequest) + respond", &x->rr2);
    print_loop("respond, SP with sign-response (2 signatures)", &x->signed1);
    printf(
        "\n| ratio | how | value | target | result |\n|---|---|--:|--:|---|\n"
        "| full logins ÷ lasso limit, per core (CPU) | lasso limit's CPU per Response (1 "
        "thread) ÷ httpd's CPU per full login | %.3f | ≥ %.2f | %s |\n"
        "| full logins ÷ lasso limit, same 2 cores (wall) | logins/s (httpd + client on 2 "
        "cores) ÷ the 2-thread loop's Responses/s | %.3f | ≥ %.2f | %s |\n"
        "| full logins ÷ static requests | logins/s ÷ mean static requests/s | %.4f | – | – |\n\n",
        cpu_ratio, TARGET_RATIO, mnd_bench_verdict(ok && cpu_ratio >= TARGET_RATIO), wall_ratio,
        TARGET_RATIO, mnd_bench_verdict(ok && wall_ratio >= TARGET_RATIO),
        base > 0 ? mnd_bench_run_rate(x->login) / base : 0);
    printf("| request (full logins, under load) | p50 ms | p99 ms | max ms |\n|---|--:|--:|--:|\n");
    for (int k = 0; k < MND_BENCH_SAML_STEPS; k++) {
        mnd_bench_sample_t s = mnd_bench_run_latency(x->login, k);
        printf("| %s | %.2f | %.2f | %.2f |\n", mnd_bench_saml_step_names[k], s.p50, s.p99, s.max);
    }
    printf("\n");
}

static void print_wrk_row(const mnd_bench_wrk_t *w, double rr_us)
{
    double rate = w->seconds > 0 ? (double)(w->requests - w->bad) / w->seconds : 0;
    double cpu_us = w->requests ? w->httpd_cpu * 1e6 / (double)w->requests : 0;
    printf("| %d | %d | %ld | %ld | %.1f | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %.2f |\n",
           w->conns, w->threads, w->requests, w->bad + w->errors, w->seconds, rate, w->p50, w->p90,
           w->p99, w->max, cpu_us, cpu_us > 0 ? rr_us / cpu_us : 0);
}

static void print_returning(results_t *x, const sp_side_t *sp)
{
    printf("### The returning person (wrk)\n\n"
           "A person whose mandaat session for the service already exists (the cookie of a "
           "completed login, and the Basic credentials): one signed AuthnRequest in, one page "
           "with the signed Response out (GET saml/sso → 200). wrk 4 with a Lua script that "
           "sends pre-generated AuthnRequests, each once (its threads split the list), and "
           "counts a response as bad unless it is a 200 with a SAMLResponse. The last column "
           "divides the in-process receive + respond CPU per Response (%.0f µs, 1 thread) by "
           "httpd's CPU per Response.\n\n"
           "| connections | wrk threads | requests | bad or errors | seconds | Responses/s | "
           "p50 ms | p90 ms | p99 ms | max ms | httpd CPU µs per Response | in-process ÷ httpd "
           "(CPU) |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
           loop_us(&x->rr1));
    print_wrk_row(&x->w1, loop_us(&x->rr1));
    print_wrk_row(&x->w8, loop_us(&x->rr1));
    for (int i = 0; i < 2; i++) {
        const mnd_bench_wrk_t *w = i ? &x->w8 : &x->w1;
        if (w->why)
            printf("\n-c%d: %s (%ld exhausted)\n", w->conns, w->why, w->exhausted);
    }
    printf("\nSignatures per Response (ds:Signature elements in the decoded Response):\n\n"
           "| SP | full login | returning person | in-process | verified by the lasso SP |\n"
           "|---|--:|--:|--:|---|\n");
    for (int i = 0; i < 2; i++)
        printf("| %s | %d | %d | %d | %s |\n", i ? "sign-response" : "default (assertion only)",
               sp[i].login.signatures, sp[i].again.signatures, sp[i].inproc_sigs,
               sp[i].login.verified && sp[i].again.verified ? "yes" : "**no**");
    printf("\n");
}

static void print_key(results_t *x)
{
    double d1 = loop_us(&x->pem1) - loop_us(&x->lim1);
    double d2 = loop_us(&x->pem_signed1) - loop_us(&x->signed1);
    printf("### The signing key: parsed for every signature, or loaded once\n\n"
           "The same loop (respond, 1 thread) on an IdP whose lasso server signs as lasso does "
           "by default (no key given to the SP's provider: lasso_server_get_signature_context "
           "parses the PEM key and certificate for every signature), against src/saml/idp.c's "
           "LassoKey loaded once and handed to every provider "
           "(lasso_provider_set_server_signing_key).\n\n"
           "| SP | signatures | PEM each time µs | loaded key µs | saved per Response µs | "
           "saved per signature µs | share of the Response | loaded key without certificate µs "
           "|\n|---|--:|--:|--:|--:|--:|--:|--:|\n"
           "| default | 1 | %.0f | %.0f | %.0f | %.0f | %.0f%% | %.0f |\n"
           "| sign-response | 2 | %.0f | %.0f | %.0f | %.0f | %.0f%% | %.0f |\n\n"
           "The last column: the same loaded key made without the certificate, so that xmlsec "
           "has no X509 data to copy (xmlSecKeyDuplicate, twice per signature) and KeyInfo "
           "carries no certificate; the lasso SP %s that Response (it takes the key from the "
           "metadata).\n\n",
           loop_us(&x->pem1), loop_us(&x->lim1), d1, d1,
           loop_us(&x->pem1) > 0 ? 100 * d1 / loop_us(&x->pem1) : 0, loop_us(&x->nocert1),
           loop_us(&x->pem_signed1), loop_us(&x->signed1), d2, d2 / 2,
           loop_us(&x->pem_signed1) > 0 ? 100 * d2 / loop_us(&x->pem_signed1) : 0,
           loop_us(&x->nocert_signed1), x->nocert_verified ? "accepts" : "**refuses**");
    printf("Parts of one signature (CPU µs per operation, one thread, RSA-2048):\n\n"
           "| operation | µs |\n|---|--:|\n"
           "| lasso_key_new_for_signature_from_memory (key + certificate PEM: lasso's default, per "
           "signature) | %.1f |\n"
           "| PEM_read_bio_PrivateKey (the key alone) | %.1f |\n"
           "| EVP_PKEY_dup of the loaded key | %.1f |\n"
           "| X509_dup of the certificate | %.1f |\n"
           "| EVP_DigestSign SHA-256 over 1 KiB, loaded key | %.1f |\n"
           "| the same with the key parsed first | %.1f |\n\n",
           x->kc.pem_key_load, x->kc.evp_pem_parse, x->kc.evp_dup, x->kc.x509_dup, x->kc.rsa_sign,
           x->kc.rsa_sign_fresh);
}

/* ---- setup, options, main ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_saml --port P --public-url URL --user INSZ --idp-key F --idp-cert F\n"
            "                  --sp-key F --sp-cert F --sp-metadata F --sp2-metadata F [options]\n"
            "       bench_saml sp-metadata ENTITY_ID ACS_URL CERT_FILE   (to stdout)\n"
            "       bench_saml store PATH [--mandates N] [--seed N] [--reuse]\n"
            "  --port P             httpd on 127.0.0.1 (required)\n"
            "  --httpd-pid PID      its parent process: CPU time of its processes\n"
            "  --public-url URL     its MandaatPublicURL\n"
            "  --user INSZ          the person (Basic user); --password PW (default pw)\n"
            "  --idp-key/--idp-cert the IdP's PEM files (MandaatSAMLSigningKeyFile, ...)\n"
            "  --sp-key/--sp-cert   the SP's PEM files\n"
            "  --sp-metadata F      the SP configured with defaults (assertion signed)\n"
            "  --sp2-metadata F     the SP configured with sign-response\n"
            "  --threads N          client threads (default 2 x CPUs)\n"
            "  --seconds S          each timed phase (default 10)\n"
            "  --static-seconds S   each static run (default 5)\n"
            "  --static PATH        static URL (default /static.txt)\n"
            "  --wrk PATH           wrk (default: wrk in PATH); --wrk-dir DIR for its files\n"
            "  --perf-cmd CMD       run in the background while the full logins run\n"
            "  --smoke              --seconds 2 --static-seconds 1\n");
}

static int parse_args(int argc, char **argv, mnd_bench_saml_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->threads = 2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
    o->seconds = 10;
    o->static_seconds = 5;
    o->password = "pw";
    o->static_path = "/static.txt";
    o->wrk = "wrk";
    o->wrk_dir = "/tmp";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = v != NULL;
        if (!strcmp(a, "--port") && v)
            o->port = atoi(v);
        else if (!strcmp(a, "--httpd-pid") && v)
            o->httpd_pid = atoi(v);
        else if (!strcmp(a, "--public-url") && v)
            o->public_url = v;
        else if (!strcmp(a, "--user") && v)
            o->user = v;
        else if (!strcmp(a, "--password") && v)
            o->password = v;
        else if (!strcmp(a, "--idp-key") && v)
            o->idp_key = v;
        else if (!strcmp(a, "--idp-cert") && v)
            o->idp_cert = v;
        else if (!strcmp(a, "--sp-key") && v)
            o->sp_key = v;
        else if (!strcmp(a, "--sp-cert") && v)
            o->sp_cert = v;
        else if (!strcmp(a, "--sp-metadata") && v)
            o->sp_md = v;
        else if (!strcmp(a, "--sp2-metadata") && v)
            o->sp2_md = v;
        else if (!strcmp(a, "--threads") && v)
            o->threads = atoi(v);
        else if (!strcmp(a, "--seconds") && v)
            o->seconds = atof(v);
        else if (!strcmp(a, "--static-seconds") && v)
            o->static_seconds = atof(v);
        else if (!strcmp(a, "--static") && v)
            o->static_path = v;
        else if (!strcmp(a, "--wrk") && v)
            o->wrk = v;
        else if (!strcmp(a, "--wrk-dir") && v)
            o->wrk_dir = v;
        else if (!strcmp(a, "--perf-cmd") && v)
            o->perf_cmd = v;
        else if (!strcmp(a, "--smoke")) {
            takes = 0;
            o->seconds = 2;
            o->static_seconds = 1;
        } else {
            usage(strcmp(a, "--help") ? stderr : stdout);
            return strcmp(a, "--help") ? 2 : 0;
        }
        i += takes;
    }
    if (o->port <= 0 || !o->public_url || !o->user || !o->idp_key || !o->idp_cert || !o->sp_key ||
        !o->sp_cert || !o->sp_md || !o->sp2_md || o->threads < 1 || o->seconds <= 0 ||
        o->static_seconds <= 0) {
        usage(stderr);
        return 2;
    }
    return -1;
}

static void setup_sp(apr_pool_t *p, const mnd_bench_saml_opts_t *o, const char *md_path,
                     sp_side_t *s)
{
    memset(s, 0, sizeof(*s));
    s->conf.metadata = mnd_bench_slurp(p, md_path);
    s->conf.key_pem = mnd_bench_slurp(p, o->sp_key);
    s->conf.cert_pem = mnd_bench_slurp(p, o->sp_cert);
}

/* The query of a request path (what mnd_saml_sso_receive takes for GET). */
static const char *query_of(const char *path)
{
    const char *q = strchr(path, '?');
    return q ? q + 1 : "";
}

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "bench_saml: %s: %s\n", what, why);
    exit(1);
}

/* Through httpd, per SP: one full login and one returning request, both checked; the session
 * cookie of the first SP's login goes to *cookie (for wrk). In this process: one request
 * received, one Response made. */
static void samples(apr_pool_t *p, const mnd_bench_saml_opts_t *o, mnd_saml_idp_t *idp,
                    sp_side_t *sp, mnd_saml_subject_t *subj, const char **cookie)
{
    mnd_http_client_t cl;
    mnd_buf_t b = {0};
    mnd_saml_post_t post;
    double t[MND_BENCH_SAML_STEPS];
    const char *resp;
    mnd_error_t *err;
    mnd_http_client_init(&cl, p, o->port, o->user, o->password, MND_BENCH_SAML_AGENT);
    for (int i = 1; i >= 0; i--) { /* SP 1 last: its session cookie is the one kept */
        cl.jar.n = 0;
        if (mnd_bench_saml_login(&cl, mnd_bench_sp_request(sp[i].sp, p), t, &resp) < 0)
            fail("the first full login", cl.why);
        mnd_bench_sp_check(sp[i].sp, p, apr_pstrdup(p, resp), &sp[i].login);
        if (mnd_bench_returning_once(&cl, mnd_bench_sp_request(sp[i].sp, p), sp[i].sp,
                                     &sp[i].again) < 0)
            exit(1);
        if (!sp[i].login.verified)
            fprintf(stderr, "bench_saml: lasso (SP) refuses the Response: %d\n",
                    sp[i].login.lasso_rc);
        err = mnd_saml_sso_receive(idp, p, "GET", query_of(mnd_bench_sp_request(sp[i].sp, p)), NULL,
                                   &sp[i].req);
        if (err)
            fail("receiving an AuthnRequest in-process", err->msg);
    }
    mnd_http_request_headers(&cl.jar, "/mandaat/saml/sso", NULL, &b);
    *cookie = b.len > 10 ? apr_pstrndup(p, b.d + 8, strcspn(b.d + 8, "\r")) : "";
    free(b.d);
    mnd_http_client_done(&cl);
    *subj =
        (mnd_saml_subject_t){o->user, 3, mnd_now(), sp[0].login.session_index, sp[0].login.attrs};
    for (int i = 0; i < 2; i++) {
        if ((err = mnd_saml_sso_respond(idp, p, sp[i].req, subj, mnd_now(), &post)))
            fail("responding in-process", err->msg);
        mnd_bench_resp_info_t info;
        mnd_bench_sp_check(sp[i].sp, p, post.saml_response, &info);
        sp[i].inproc_sigs = info.signatures;
        sp[i].inproc_bytes = info.xml_bytes;
    }
}

static void returning_runs(apr_pool_t *p, const mnd_bench_saml_opts_t *o, results_t *x,
                           const sp_side_t *sp, const char *cookie)
{
    mnd_http_client_t cl;
    mnd_http_client_init(&cl, p, o->port, o->user, o->password, MND_BENCH_SAML_AGENT);
    /* Never faster than this process's receive + respond on as many threads: enough
     * requests, each used once, for the whole run. */
    x->w1 = (mnd_bench_wrk_t){.conns = 1, .threads = 1};
    x->w8 = (mnd_bench_wrk_t){.conns = 8, .threads = (int)sysconf(_SC_NPROCESSORS_ONLN)};
    mnd_bench_run_wrk(
        p, o,
        make_requests(p, &sp[0].conf, (long)(loop_rate(&x->rr1) * o->seconds * 1.2) + 200, NULL),
        cookie, cl.auth, &x->w1);
    mnd_bench_run_wrk(
        p, o,
        make_requests(p, &sp[0].conf, (long)(loop_rate(&x->rr2) * o->seconds * 1.2) + 200, NULL),
        cookie, cl.auth, &x->w8);
    mnd_http_client_done(&cl);
}

static void inproc_runs(apr_pool_t *p, const mnd_bench_saml_opts_t *o, results_t *x,
                        mnd_saml_idp_t *idp, const sp_side_t *sp, const mnd_saml_subject_t *subj)
{
    apr_array_header_t *mds = apr_array_make(p, 2, sizeof(const char *)), *q;
    mnd_bench_loop_conf_t c = {idp, sp[0].req, NULL, subj};
    mnd_saml_idp_t *pem, *nocert;
    mnd_saml_post_t post;
    mnd_bench_resp_info_t info;
    fprintf(stderr, "bench_saml: the lasso limit (in-process loops)\n");
    mnd_bench_respond_loop(p, &c, 1, o->seconds, &x->lim1);
    mnd_bench_respond_loop(p, &c, 2, o->seconds, &x->lim2);
    q = make_requests(p, &sp[0].conf, 200, NULL);
    for (int i = 0; i < q->nelts; i++)
        APR_ARRAY_IDX(q, i, const char *) = query_of(APR_ARRAY_IDX(q, i, const char *));
    c.queries = q;
    mnd_bench_respond_loop(p, &c, 1, o->seconds / 2, &x->rr1);
    mnd_bench_respond_loop(p, &c, 2, o->seconds / 2, &x->rr2);
    c.queries = NULL;
    c.req = sp[1].req;
    mnd_bench_respond_loop(p, &c, 1, o->seconds / 2, &x->signed1);
    fprintf(stderr, "bench_saml: the signing key (PEM each time against loaded once)\n");
    APR_ARRAY_PUSH(mds, const char *) = sp[0].conf.metadata;
    APR_ARRAY_PUSH(mds, const char *) = sp[1].conf.metadata;
    if (!(pem = mnd_bench_idp_other_key(p, idp, mds, 0)) ||
        !(nocert = mnd_bench_idp_other_key(p, idp, mds, 1)))
        fail("the IdP with another key setup", "lasso cannot build it");
    c.idp = pem;
    mnd_bench_respond_loop(p, &c, 1, o->seconds / 2, &x->pem_signed1);
    c.idp = nocert;
    mnd_bench_respond_loop(p, &c, 1, o->seconds / 2, &x->nocert_signed1);
    c.req = sp[0].req;
    mnd_bench_respond_loop(p, &c, 1, o->seconds / 2, &x->nocert1);
    c.idp = pem;
    mnd_bench_respond_loop(p, &c, 1, o->seconds / 2, &x->pem1);
    /* Does an SP still accept it (the key from the metadata, no certificate in KeyInfo)? */
    if (!mnd_saml_sso_respond(nocert, p, sp[0].req, subj, mnd_now(), &post)) {
        mnd_bench_sp_check(sp[0].sp, p, post.saml_response, &info);
        x->nocert_verified = info.verified;
    }
    mnd_bench_key_costs(mnd_bench_slurp(p, o->idp_key), mnd_bench_slurp(p, o->idp_cert),
                        o->seconds / 2, &x->kc);
}

int main(int argc, char **argv)
{
    mnd_bench_saml_opts_t o;
    apr_pool_t *p;
    results_t x = {0};
    sp_side_t sp[2];
    mnd_saml_idp_t *idp;
    mnd_saml_subject_t subj;
    mnd_http_client_t cl;
    mnd_http_resp_t r;
    const char *http_md, *cookie;
    apr_array_header_t *reqs;
    mnd_bench_run_t *probe;
    int rc;

    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (argc >= 3 && !strcmp(argv[1], "store"))
        return mnd_bench_store_cmd(p, argc, argv, "bench_saml");
    if (argc == 5 && !strcmp(argv[1], "sp-metadata")) {
        fputs(mnd_bench_sp_metadata(p, argv[2], argv[3], mnd_bench_slurp(p, argv[4])), stdout);
        return 0;
    }
    if ((rc = parse_args(argc, argv, &o)) >= 0)
        return rc;

    mnd_http_client_init(&cl, p, o.port, NULL, NULL, MND_BENCH_SAML_AGENT);
    if (mnd_http_browse(&cl, "GET", "/mandaat/saml/metadata", NULL, 200, &r, NULL) < 0)
        fail("our metadata", cl.why);
    http_md = apr_pstrmemdup(p, r.body, r.body_len);
    mnd_http_client_done(&cl);
    setup_sp(p, &o, o.sp_md, &sp[0]);
    setup_sp(p, &o, o.sp2_md, &sp[1]);
    idp = inproc_idp(p, &o, http_md, sp, &x.same_md); /* first: it initialises lasso */
    for (int i = 0; i < 2; i++) {
        sp[i].conf.idp_metadata = http_md;
        if (!(sp[i].sp = mnd_bench_sp_new(p, &sp[i].conf)))
            return 1;
    }
    samples(p, &o, idp, sp, &subj, &cookie);

    fprintf(stderr, "bench_saml: static requests, logins\n");
    x.s1 = mnd_bench_run(p, &o, MND_BENCH_RUN_STATIC, NULL, o.static_seconds, NULL);
    probe = mnd_bench_run(p, &o, MND_BENCH_RUN_LOGIN, make_requests(p, &sp[0].conf, 100, NULL), 2,
                          NULL);
    x.gen_n = (long)(mnd_bench_run_rate(probe) * o.seconds * 1.5) + 100;
    reqs = make_requests(p, &sp[0].conf, x.gen_n, &x.gen_seconds);
    x.gen_n = reqs->nelts;
    fprintf(stderr, "bench_saml: full logins for %g s\n", o.seconds);
    x.login = mnd_bench_run(p, &o, MND_BENCH_RUN_LOGIN, reqs, o.seconds, o.perf_cmd);
    for (int i = 0; i < MND_BENCH_MAX_SAMPLES; i++)
        if (x.login->samples[i]) {
            mnd_bench_resp_info_t info;
            mnd_bench_sp_check(sp[0].sp, p, x.login->samples[i], &info);
            x.sampled++;
            x.verified += info.verified && info.signatures == sp[0].login.signatures;
            free(x.login->samples[i]);
        }
    x.s2 = mnd_bench_run(p, &o, MND_BENCH_RUN_STATIC, NULL, o.static_seconds, NULL);
    inproc_runs(p, &o, &x, idp, sp, &subj);
    returning_runs(p, &o, &x, sp, cookie);

    printf("## bench_saml\n\n");
    mnd_bench_print_machine(stdout);
    printf("Client: %d threads, one keep-alive connection each; person %s (Basic); our "
           "metadata from httpd %s the in-process IdP's.\n\n",
           o.threads, o.user, x.same_md ? "equals" : "**differs from**");
    print_logins(&o, &x, sp);
    print_returning(&x, sp);
    print_key(&x);
    apr_pool_destroy(p);
    return atomic_load(&x.login->errors) || x.verified != x.sampled ? 1 : 0;
}
