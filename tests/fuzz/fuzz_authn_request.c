/* libFuzzer target for the AuthnRequest decoding path: mnd_saml_sso_receive with both
 * bindings, on an IdP that does not require signed requests (so that unsigned input goes all
 * the way through our checks and lasso's parsing) and on one that does (the default).
 *
 * Input: the first byte picks the binding, 'P' for HTTP-POST (the rest is the urlencoded form
 * body), anything else for HTTP-Redirect (the rest is the query string, base64 of raw DEFLATE).
 * Two more let the fuzzer mutate the XML itself, which it could hardly do through base64 and
 * DEFLATE: 'X' (the rest is the AuthnRequest's XML, sent by HTTP-POST) and 'D' (the same, sent
 * by HTTP-Redirect); the harness encodes it. A NUL in the input ends the string there, as it
 * would in httpd.
 *
 * Beyond "no crash, no leak, no undefined behaviour" the target checks what the contract in
 * src/saml/idp.h promises: a refusal is MND_EINVAL or MND_EFORBIDDEN with a message, never
 * MND_EINTERNAL; an accepted request names our SP, an ACS URL from its metadata bound to
 * HTTP-POST, a RelayState of at most 80 bytes, and its dump gives back the same request.
 * Built with -fsanitize=fuzzer,address,undefined by --enable-fuzz; replay_main.c runs the seed
 * corpus through the same function in every `make check`. docs/saml.md, "Fuzzing". */
#include "fuzz_common.h"

#include <apr_base64.h>
#include <apr_general.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *gp;
static mnd_saml_idp_t *idp_open, *idp_strict;
static int verbose; /* MANDAAT_FUZZ_VERBOSE set: each outcome on stderr (seeing what a seed does) */

static void setup(void)
{
    fuzz_keypair_t kp;
    apr_initialize();
    apr_pool_create(&gp, NULL);
    verbose = getenv("MANDAAT_FUZZ_VERBOSE") != NULL;
    /* One key for the IdP and the SP's metadata: no signature made elsewhere verifies anyway. */
    kp = fuzz_keypair(gp, 2048, "fuzz");
    idp_open = fuzz_make_idp(gp, &kp, &kp, 0);
    idp_strict = fuzz_make_idp(gp, &kp, &kp, 1);
}

static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_authn_request: contract broken: %s: %s\n", what,
            detail ? detail : "(null)");
    abort();
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether s is text XML 1.0 can carry: well-formed UTF-8 of Chars (tab, LF, CR, U+0020..,
 * no surrogates, no U+FFFE/U+FFFF, at most U+10FFFF). */
static int xml_text(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned long c;
        int n = *u < 0x80 ? 0 : *u >= 0xC2 && *u < 0xE0 ? 1 : *u >= 0xE0 && *u < 0xF0 ? 2
                : *u >= 0xF0 && *u < 0xF5 ? 3 : -1;
        if (n < 0)
            return 0;
        c = n ? *u & (0x3F >> n) : *u;
        for (int i = 1; i <= n; i++) {
            if ((u[i] & 0xC0) != 0x80)
                return 0;
            c = c << 6 | (u[i] & 0x3F);
        }
        if ((c < 0x20 && c != 0x9 && c != 0xA && c != 0xD) || (c >= 0xD800 && c < 0xE000) ||
            c == 0xFFFE || c == 0xFFFF || c > 0x10FFFF || (n == 2 && c < 0x800) ||
            (n == 3 && c < 0x10000))
            return 0;
        u += n + 1;
    }
    return 1;
}

/* What an accepted request must look like, and its dump must give back. */
static void check_accepted(mnd_saml_idp_t *idp, apr_pool_t *p, const mnd_saml_request_t *r)
{
    mnd_saml_request_t *d;
    mnd_error_t *err;
    if (!same(r->sp_entity_id, FUZZ_SP_ID))
        broken("accepted for another SP", r->sp_entity_id);
    if (!same(r->acs_url, FUZZ_SP_ACS) && !same(r->acs_url, FUZZ_SP_ACS2))
        broken("ACS URL not an HTTP-POST ACS of the metadata", r->acs_url);
    if (r->relay_state && strlen(r->relay_state) > 80)
        broken("RelayState over 80 bytes", r->relay_state);
    if (!r->request_id || !*r->request_id || !r->dump)
        broken("no request ID or dump", r->request_id);
    if (r->relay_state && !xml_text(r->relay_state))
        broken("accepted a RelayState XML cannot carry", r->relay_state);
    if ((err = mnd_saml_request_from_dump(idp, p, r->dump, &d)))
        broken("the dump does not load", err->msg);
    if (!same(d->request_id, r->request_id) || !same(d->acs_url, r->acs_url) ||
        !same(d->relay_state, r->relay_state) || d->force_authn != r->force_authn ||
        d->is_passive != r->is_passive || d->min_loa != r->min_loa)
        broken("the dump gives another request", r->dump);
}

static void run(mnd_saml_idp_t *idp, const char *method, const char *text)
{
    apr_pool_t *p;
    mnd_saml_request_t *r = NULL;
    mnd_error_t *err;
    apr_pool_create(&p, NULL);
    err = strcmp(method, "GET") == 0 ? mnd_saml_sso_receive(idp, p, method, text, NULL, &r)
                                     : mnd_saml_sso_receive(idp, p, method, NULL, text, &r);
    if (err && (!err->msg || (err->rc != MND_EINVAL && err->rc != MND_EFORBIDDEN)))
        broken("refusal not MND_EINVAL/MND_EFORBIDDEN", err->msg);
    if (!err)
        check_accepted(idp, p, r);
    if (verbose)
        fprintf(stderr, "  %s %s: %s\n", idp == idp_open ? "open  " : "strict", method,
                err ? err->msg : apr_psprintf(p, "accepted, ACS %s", r->acs_url));
    apr_pool_destroy(p);
}

/* Form/query encoding of base64 text ('+', '/' and '=' escaped). */
static const char *urlenc(apr_pool_t *p, const char *s)
{
    char *o = apr_palloc(p, strlen(s) * 3 + 1), *d = o;
    for (; *s; s++) {
        if (apr_isalnum(*s))
            *d++ = *s;
        else
            d += sprintf(d, "%%%02X", (unsigned char)*s);
    }
    *d = '\0';
    return o;
}

/* "SAMLRequest=" and xml in base64, raw-DEFLATEd first for HTTP-Redirect. */
static const char *encode_xml(apr_pool_t *p, const char *xml, size_t n, int redirect)
{
    const char *src = xml;
    char *b;
    if (redirect) {
        uLong cap = compressBound((uLong)n) + 64;
        char *out = apr_palloc(p, cap);
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            broken("deflateInit2", NULL);
        z.next_in = (Bytef *)xml;
        z.avail_in = (uInt)n;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            broken("deflate", NULL);
        n = z.total_out;
        deflateEnd(&z);
        src = out;
    }
    b = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)n));
    apr_base64_encode(b, src, (int)n);
    return apr_pstrcat(p, "SAMLRequest=", urlenc(p, b), NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    const char *method;
    char *text;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size == 0)
        return 0;
    method = data[0] == 'P' || data[0] == 'X' ? "POST" : "GET";
    text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (data[0] == 'X' || data[0] == 'D') {
        apr_pool_t *p;
        apr_pool_create(&p, NULL);
        free(text);
        text = strdup(encode_xml(p, (const char *)data + 1, size - 1, data[0] == 'D'));
        apr_pool_destroy(p);
    }
    run(idp_open, method, text);
    run(idp_strict, method, text);
    free(text);
    return 0;
}

/* LeakSanitizer: the leaks inside lasso and xmlsec listed (with why) in tests/unit/lsan.supp,
 * so that the target and its replay pass with a plain ASAN_OPTIONS=detect_leaks=1. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:mnd_saml_lasso_process_redirect\nleak:xmlSecOpenSSLAppKeyCertLoad\n";
}

/* liblasso, glib and libcrypto have no frame pointers: without full unwinding the leak stacks
 * stop after two frames and no suppression can match them. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0:malloc_context_size=16";
}
