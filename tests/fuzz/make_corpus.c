/* Writes the seed corpus of fuzz_authn_request into a directory (make fuzz-corpus, or
 * tests/fuzz/make_corpus DIR): AuthnRequests built by lasso as the SP, with the unit tests'
 * fixture (tests/lib/saml_fixture.h), then hostile variants made from them. Each file is what
 * LLVMFuzzerTestOneInput takes: 'G' and a query string (HTTP-Redirect), 'P' and a form body
 * (HTTP-POST), or 'X' / 'D' and the bare XML that the harness encodes for HTTP-POST /
 * HTTP-Redirect. Request IDs, instants and
 * signatures change on every run; the committed files are one run's output. Signed seeds never
 * verify in the harness (its keys are made at its start): they exercise the signature path up
 * to the refusal. */
#include "../lib/saml_fixture.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <lasso/lasso.h>
#include <lasso/utils.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_requested_authn_context.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static apr_pool_t *gp;
static const char *outdir;
static LassoServer *sp, *sp_sha1, *sp_other;
static int written;

/* The metadata of the IdP's one SP (fx_make_idp). */
#define SP_MD (FX_MD_SLO_REDIRECT | FX_MD_ACS_MORE)

/* ---- writing seeds ---- */

static void seed(const char *name, char binding, const char *text)
{
    const char *path = apr_pstrcat(gp, outdir, "/", name, NULL);
    FILE *f = fopen(path, "wb");
    if (!f || fputc(binding, f) == EOF || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    written++;
}

static void post_xml(const char *name, const char *xml, const char *extra)
{
    seed(name, 'P',
         apr_pstrcat(gp, fx_saml_param(gp, xml, strlen(xml), FX_PLAIN), extra ? extra : "", NULL));
}

static void get_xml(const char *name, const char *xml, const char *extra)
{
    seed(name, 'G',
         apr_pstrcat(gp, fx_saml_param(gp, xml, strlen(xml), FX_DEFLATE_BEST), extra ? extra : "",
                     NULL));
}

/* The bare XML, for the harness to encode: 'X' HTTP-POST, 'D' HTTP-Redirect. */
static void raw_xml(const char *name, char mode, const char *xml)
{
    seed(name, mode, xml);
}

/* ---- lasso as the SP ---- */

/* The SP's message for binding: the query (Redirect) or the form body (POST). */
static const char *sp_message(LassoServer *s, LassoHttpMethod binding, int sign, const char *relay,
                              fx_authn_tweak_fn *tweak)
{
    fx_msg_t m = fx_authn_request(gp, s, binding,
                                  sign ? LASSO_PROFILE_SIGNATURE_HINT_FORCE
                                       : LASSO_PROFILE_SIGNATURE_HINT_FORBID,
                                  relay, tweak);
    return binding == LASSO_HTTP_METHOD_REDIRECT ? m.query : m.body;
}

/* The request's XML as lasso would post it. */
static const char *sp_xml(LassoServer *s, int sign, fx_authn_tweak_fn *tweak)
{
    return fx_body_xml(gp, sp_message(s, LASSO_HTTP_METHOD_POST, sign, NULL, tweak));
}

/* xml with the first occurrence of from replaced by to. */
static const char *subst(const char *xml, const char *from, const char *to)
{
    const char *at = strstr(xml, from);
    if (!at) {
        fprintf(stderr, "make_corpus: '%s' not in the request\n", from);
        exit(1);
    }
    return apr_pstrcat(gp, apr_pstrmemdup(gp, xml, (apr_size_t)(at - xml)), to,
                       at + strlen(from), NULL);
}

static void tweak_passive(LassoSamlp2AuthnRequest *r)
{
    LassoSamlp2RequestedAuthnContext *rac =
        LASSO_SAMLP2_REQUESTED_AUTHN_CONTEXT(lasso_samlp2_requested_authn_context_new());
    r->IsPassive = TRUE;
    r->ForceAuthn = TRUE;
    lasso_assign_string(rac->Comparison, "minimum");
    lasso_list_add_string(rac->AuthnContextClassRef, "urn:example:other");
    lasso_list_add_string(rac->AuthnContextClassRef, "urn:be:vlaanderen:mandaat:loa:3");
    lasso_assign_new_gobject(r->RequestedAuthnContext, rac);
}

static void tweak_acs_url2(LassoSamlp2AuthnRequest *r)
{
    lasso_assign_string(r->AssertionConsumerServiceURL, FX_SP_ACS2);
}

static void tweak_url_and_index(LassoSamlp2AuthnRequest *r)
{
    lasso_assign_string(r->AssertionConsumerServiceURL, FX_SP_ACS);
    r->AssertionConsumerServiceIndex = 0;
}

/* ---- the seeds ---- */

static void valid_seeds(void)
{
    LassoHttpMethod R = LASSO_HTTP_METHOD_REDIRECT, P = LASSO_HTTP_METHOD_POST;
    seed("redirect-unsigned", 'G', sp_message(sp, R, 0, "rs-1", NULL));
    seed("post-unsigned", 'P', sp_message(sp, P, 0, "rs-1", NULL));
    seed("redirect-signed", 'G', sp_message(sp, R, 1, "rs-1", NULL));
    seed("post-signed", 'P', sp_message(sp, P, 1, "rs-1", NULL));
    seed("redirect-passive-loa", 'G', sp_message(sp, R, 0, NULL, tweak_passive));
    seed("post-passive-loa", 'P', sp_message(sp, P, 0, NULL, tweak_passive));
    seed("redirect-acs-url2", 'G', sp_message(sp, R, 0, NULL, tweak_acs_url2));
    seed("post-acs-index2", 'P', sp_message(sp, P, 0, NULL, fx_tweak_acs_index2));
    seed("redirect-no-binding", 'G', sp_message(sp, R, 0, NULL, fx_tweak_no_binding));
    seed("redirect-foreign-acs", 'G', sp_message(sp, R, 0, NULL, fx_tweak_foreign_acs));
    seed("post-url-and-index", 'P', sp_message(sp, P, 0, NULL, tweak_url_and_index));
    seed("post-redirect-binding", 'P', sp_message(sp, P, 0, NULL, fx_tweak_redirect_binding));
    seed("redirect-redirect-index", 'G', sp_message(sp, R, 0, NULL, fx_tweak_redirect_index));
    seed("post-relay-markup", 'P', sp_message(sp, P, 0, "<script>&\"x\"</script>", NULL));
    seed("redirect-sha1", 'G', sp_message(sp_sha1, R, 1, NULL, NULL));
    seed("post-sha1", 'P', sp_message(sp_sha1, P, 1, NULL, NULL));
    seed("redirect-unknown-sp", 'G', sp_message(sp_other, R, 0, NULL, NULL));
}

static void xml_seeds(void)
{
    const char *x = sp_xml(sp, 0, NULL), *xs = sp_xml(sp, 1, NULL), *laughs, *nest = "";
    const char *sig_start = strstr(xs, "<Signature"), *sig_end = strstr(xs, "</Signature>");
    const char *sig = apr_pstrmemdup(gp, sig_start,
                                     (apr_size_t)(sig_end + strlen("</Signature>") - sig_start));
    laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
             "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
             "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
             "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>";
    post_xml("post-doctype", apr_pstrcat(gp, "<!DOCTYPE x [<!ENTITY e \"v\">]>", x, NULL), NULL);
    post_xml("post-billion-laughs",
             apr_pstrcat(gp, laughs, subst(x, "</saml:Issuer>", "&lol3;</saml:Issuer>"), NULL),
             NULL);
    get_xml("redirect-billion-laughs",
            apr_pstrcat(gp, laughs, subst(x, "</saml:Issuer>", "&lol3;</saml:Issuer>"), NULL),
            NULL);
    post_xml("post-external-entity",
             apr_pstrcat(gp, "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
                         subst(x, "</saml:Issuer>", "&xxe;</saml:Issuer>"), NULL),
             NULL);
    post_xml("post-comment-in-issuer", subst(x, "sp.example/mellon", "sp.example/<!-- x -->mellon"),
             NULL);
    post_xml("post-cdata-issuer", subst(x, FX_SP_ID "<", "<![CDATA[" FX_SP_ID "]]><"), NULL);
    for (int i = 0; i < 40; i++)
        nest = apr_psprintf(gp, "<samlp:Extensions><e%d xmlns=\"urn:x\">%s</e%d></samlp:Extensions>",
                            i, nest, i);
    post_xml("post-nested-40", subst(x, "</saml:Issuer>", apr_pstrcat(gp, "</saml:Issuer>",
                                                                      nest, NULL)),
             NULL);
    post_xml("post-extensions-shallow",
             subst(x, "</saml:Issuer>", "</saml:Issuer><samlp:Extensions><a xmlns=\"urn:x\">"
                                        "<b>t</b></a></samlp:Extensions>"),
             NULL);
    post_xml("post-utf16-decl", apr_pstrcat(gp, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>", x,
                                            NULL),
             NULL);
    post_xml("post-utf8-decl", apr_pstrcat(gp, "<?xml version='1.0' encoding='utf-8'?>\n", x, NULL),
             NULL);
    post_xml("post-two-signatures", subst(xs, "</samlp:AuthnRequest>",
                                          apr_pstrcat(gp, sig, "</samlp:AuthnRequest>", NULL)),
             NULL);
    get_xml("redirect-xml-signature", xs, NULL);
    post_xml("post-sigalg-param", x,
             "&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=AA%3D%3D");
    post_xml("post-long-id", subst(x, "ID=\"", apr_pstrcat(gp, "ID=\"",
                                                          apr_psprintf(gp, "%0300d", 7), NULL)),
             NULL);
    post_xml("post-logout-root",
             "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
             "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_1\" Version=\"2.0\" "
             "IssueInstant=\"2024-01-01T00:00:00Z\"><saml:Issuer>" FX_SP_ID "</saml:Issuer>"
             "</samlp:LogoutRequest>",
             NULL);
    post_xml("post-loa-maximum", subst(sp_xml(sp, 0, tweak_passive), "minimum", "maximum"), NULL);
    get_xml("redirect-loa-better", subst(sp_xml(sp, 0, tweak_passive), "minimum", "better"), NULL);
}

/* The same requests as bare XML, for the fuzzer to mutate the XML itself. */
static void bare_xml_seeds(void)
{
    const char *x = sp_xml(sp, 0, NULL), *xs = sp_xml(sp, 1, NULL);
    raw_xml("xml-post-unsigned", 'X', x);
    raw_xml("xml-redirect-unsigned", 'D', x);
    raw_xml("xml-post-signed", 'X', xs);
    raw_xml("xml-post-passive-loa", 'X', sp_xml(sp, 0, tweak_passive));
    raw_xml("xml-redirect-acs-index2", 'D', sp_xml(sp, 0, fx_tweak_acs_index2));
    raw_xml("xml-post-acs-url2", 'X', sp_xml(sp, 0, tweak_acs_url2));
    raw_xml("xml-post-comment-in-issuer",
            'X', subst(x, "sp.example/mellon", "sp.example/<!-- x -->mellon"));
    raw_xml("xml-post-doctype", 'X', apr_pstrcat(gp, "<!DOCTYPE x [<!ENTITY e \"v\">]>", x, NULL));
    raw_xml("xml-post-extensions", 'X',
            subst(x, "</saml:Issuer>", "</saml:Issuer><samlp:Extensions><a xmlns=\"urn:x\">"
                                       "<b c=\"d\">t</b></a></samlp:Extensions>"));
    raw_xml("xml-post-scoping", 'X',
            subst(x, "</samlp:AuthnRequest>",
                  "<samlp:Scoping ProxyCount=\"1\"><samlp:IDPList><samlp:IDPEntry ProviderID=\"" FX_IDP_ID
                  "\"/></samlp:IDPList><samlp:RequesterID>urn:r</samlp:RequesterID></samlp:Scoping>"
                  "</samlp:AuthnRequest>"));
    raw_xml("xml-post-subject", 'X',
            subst(x, "</saml:Issuer>",
                  "</saml:Issuer><saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:"
                  "2.0:nameid-format:transient\">n</saml:NameID></saml:Subject>"));
}

static void encoding_seeds(void)
{
    const char *x = sp_xml(sp, 0, NULL), *q = sp_message(sp, LASSO_HTTP_METHOD_REDIRECT, 0, NULL,
                                                         NULL);
    char *bomb = apr_palloc(gp, 256 * 1024 + 1);
    char *long_relay = apr_palloc(gp, 2001);
    memset(long_relay, 'r', 2000);
    long_relay[2000] = '\0';
    /* A valid request followed by 256 KiB of white space: 64 KiB once inflated is the cap. */
    memset(bomb, ' ', 256 * 1024);
    bomb[256 * 1024] = '\0';
    get_xml("redirect-deflate-bomb", apr_pstrcat(gp, x, bomb, NULL), NULL);
    seed("redirect-not-deflate", 'G', fx_saml_param(gp, x, strlen(x), FX_PLAIN));
    seed("redirect-bad-base64", 'G', "SAMLRequest=ab*d");
    seed("post-bad-base64-length", 'P', "SAMLRequest=abc");
    seed("post-bad-base64-padding", 'P', "SAMLRequest=YWJj%3D%3DYWJj");
    seed("post-base64-wrapped", 'P',
         apr_pstrcat(gp, "SAMLRequest=",
                     fx_urlenc(gp, apr_pstrcat(gp, apr_pstrndup(gp, fx_b64(gp, x, strlen(x)), 76),
                                               "\r\n", fx_b64(gp, x, strlen(x)) + 76, NULL)),
                     NULL));
    seed("redirect-long-relay", 'G', apr_pstrcat(gp, q, "&RelayState=", long_relay, NULL));
    seed("post-long-relay", 'P',
         apr_pstrcat(gp, fx_saml_param(gp, x, strlen(x), FX_PLAIN), "&RelayState=", long_relay,
                     NULL));
    seed("redirect-relay-80", 'G', apr_pstrcat(gp, q, "&RelayState=", apr_pstrndup(gp, long_relay, 80),
                                               NULL));
    seed("redirect-semicolon", 'G', apr_pstrcat(gp, q, ";SigAlg=x", NULL));
    seed("redirect-semicolon-relay", 'G', apr_pstrcat(gp, q, "&RelayState=a;b", NULL));
    seed("redirect-duplicate", 'G', apr_pstrcat(gp, q, "&", q, NULL));
    seed("redirect-encoded-nul", 'G', apr_pstrcat(gp, q, "&RelayState=a%00b", NULL));
    seed("redirect-bad-escape", 'G', "SAMLRequest=%zz");
    seed("redirect-sigalg-only", 'G',
         apr_pstrcat(gp, q, "&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256",
                     NULL));
    seed("post-empty", 'P', "");
    seed("post-relay-only", 'P', "RelayState=x");
    post_xml("post-not-xml", "hello", NULL);
    post_xml("post-not-well-formed", "<samlp:AuthnRequest", NULL);
}

int main(int argc, char **argv)
{
    fx_keypair_t idp_kp, sp_kp, other_kp;
    mnd_saml_idp_t *idp;
    const char *idp_md;
    mnd_error_t *err;
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    apr_initialize();
    apr_pool_create(&gp, NULL);
    idp_kp = fx_keypair(gp, 2048, "idp");
    sp_kp = fx_keypair(gp, 2048, "sp");
    other_kp = fx_keypair(gp, 2048, "other");
    idp = fx_make_idp(gp, &idp_kp, &sp_kp, 1);
    if ((err = mnd_saml_idp_metadata(idp, gp, &idp_md))) {
        fprintf(stderr, "make_corpus: %s\n", err->msg);
        return 1;
    }
    sp = fx_lasso_sp(fx_sp_metadata(gp, FX_SP_ID, FX_SP_BASE, &sp_kp, SP_MD), &sp_kp, idp_md);
    sp_sha1 = fx_lasso_sp(fx_sp_metadata(gp, FX_SP_ID, FX_SP_BASE, &sp_kp, SP_MD), &sp_kp, idp_md);
    sp_sha1->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA1;
    /* An SP the IdP does not know: another entityID, another key. */
    sp_other = fx_lasso_sp(
        fx_sp_metadata(gp, "https://other.example/metadata", FX_SP_BASE, &other_kp, SP_MD),
        &other_kp, idp_md);
    valid_seeds();
    xml_seeds();
    bare_xml_seeds();
    encoding_seeds();
    printf("make_corpus: %d seeds written to %s\n", written, outdir);
    lasso_release_gobject(sp);
    lasso_release_gobject(sp_sha1);
    lasso_release_gobject(sp_other);
    apr_pool_destroy(gp);
    apr_terminate();
    return 0;
}
