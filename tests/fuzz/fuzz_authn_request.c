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
 * corpus through the same function in every `make check`. The IdP, its SP, the encodings and
 * the sanitizers' settings come from the SAML fixture (tests/lib/saml_fixture.h), shared with
 * the unit tests and make_corpus. docs/saml.md, "Fuzzing". */
#include "../lib/saml_fixture.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *gp;
static mnd_saml_idp_t *idp_open, *idp_strict;
static int verbose; /* MANDAAT_FUZZ_VERBOSE set: each outcome on stderr (seeing what a seed does) */

static void setup(void)
{
    fx_keypair_t kp;
    apr_initialize();
    apr_pool_create(&gp, NULL);
    verbose = getenv("MANDAAT_FUZZ_VERBOSE") != NULL;
    /* One key for the IdP and the SP's metadata: no signature made elsewhere verifies anyway. */
    kp = fx_keypair(gp, 2048, "fuzz");
    idp_open = fx_make_idp(gp, &kp, &kp, 0);
    idp_strict = fx_make_idp(gp, &kp, &kp, 1);
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
    if (!same(r->sp_entity_id, FX_SP_ID))
        broken("accepted for another SP", r->sp_entity_id);
    if (!same(r->acs_url, FX_SP_ACS) && !same(r->acs_url, FX_SP_ACS2))
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
        text = strdup(fx_saml_param(p, (const char *)data + 1, size - 1,
                                    data[0] == 'D' ? FX_DEFLATE_DEFAULT : FX_PLAIN));
        apr_pool_destroy(p);
    }
    run(idp_open, method, text);
    run(idp_strict, method, text);
    free(text);
    return 0;
}
