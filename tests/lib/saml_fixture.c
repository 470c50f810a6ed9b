/* The SAML test fixture (saml_fixture.h). */
#include "saml_fixture.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <lasso/utils.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "saml fixture: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* ---- keys, metadata, the IdP ---- */

static const char *bio_str(apr_pool_t *p, BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    const char *s = apr_pstrmemdup(p, data, (apr_size_t)n);
    BIO_free(b);
    return s;
}

fx_keypair_t fx_keypair(apr_pool_t *p, int bits, const char *cn)
{
    fx_keypair_t kp;
    EVP_PKEY *k = EVP_RSA_gen((unsigned)bits);
    X509 *x = X509_new();
    BIO *b;
    unsigned char *der = NULL;
    int len;
    char *enc;
    if (!k || !x)
        die("cannot make an RSA key", cn);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, k);
    if (X509_sign(x, k, EVP_sha256()) <= 0)
        die("cannot sign the certificate", cn);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    kp.key_pem = bio_str(p, b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    kp.cert_pem = bio_str(p, b);
    len = i2d_X509(x, &der);
    enc = apr_palloc(p, (apr_size_t)apr_base64_encode_len(len));
    apr_base64_encode(enc, (const char *)der, len);
    kp.cert_b64 = enc;
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(k);
    return kp;
}

const char *fx_sp_metadata(apr_pool_t *p, const char *entity_id, const char *base,
                           const fx_keypair_t *kp, int flags)
{
    const char *kd = "<md:KeyDescriptor use=\"%s\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
                     "%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
    const char *bind = "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:";
    const char *keys = apr_pstrcat(
        p, apr_psprintf(p, kd, "signing", kp->cert_b64),
        (flags & FX_MD_ENCRYPT) ? apr_psprintf(p, kd, "encryption", kp->cert_b64) : "", NULL);
    const char *slo = apr_pstrcat(
        p,
        (flags & FX_MD_SLO_REDIRECT)
            ? apr_psprintf(p, "<md:SingleLogoutService %sHTTP-Redirect\" Location=\"%s/logout\"%s/>",
                           bind, base,
                           (flags & FX_MD_SLO_RESPONSE)
                               ? apr_psprintf(p, " ResponseLocation=\"%s/logoutResponse\"", base)
                               : "")
            : "",
        (flags & FX_MD_SLO_POST)
            ? apr_psprintf(p, "<md:SingleLogoutService %sHTTP-POST\" Location=\"%s/logoutPost\"/>",
                           bind, base)
            : "",
        NULL);
    const char *more =
        (flags & FX_MD_ACS_MORE)
            ? apr_psprintf(p,
                           "<md:AssertionConsumerService index=\"1\" %sHTTP-Redirect\" "
                           "Location=\"%s/redirectResponse\"/>"
                           "<md:AssertionConsumerService index=\"2\" %sHTTP-POST\" "
                           "Location=\"%s/postResponse2\"/>",
                           bind, base, bind, base)
            : "";
    return apr_psprintf(
        p,
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"%s\">"
        "<md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
        "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">%s%s"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
        "<md:AssertionConsumerService index=\"0\" isDefault=\"true\" %sHTTP-POST\" "
        "Location=\"%s/postResponse\"/>%s"
        "</md:SPSSODescriptor></md:EntityDescriptor>",
        entity_id, keys, slo, bind, base, more);
}

mnd_saml_idp_conf_t fx_idp_conf(const fx_keypair_t *kp)
{
    mnd_saml_idp_conf_t c = {0};
    c.entity_id = FX_IDP_ID;
    c.key_pem = kp->key_pem;
    c.cert_pem = kp->cert_pem;
    c.sso_url = FX_SSO_URL;
    c.slo_url = FX_SLO_URL;
    c.want_signed_requests = 1;
    c.assertion_lifetime = 300;
    return c;
}

mnd_saml_idp_t *fx_make_idp(apr_pool_t *p, const fx_keypair_t *kp, const fx_keypair_t *sp_kp,
                            int want_signed_requests)
{
    mnd_saml_idp_conf_t c = fx_idp_conf(kp);
    mnd_saml_sp_conf_t sc = {0};
    mnd_saml_idp_t *idp;
    mnd_error_t *err;
    const char *id;
    c.want_signed_requests = want_signed_requests;
    if ((err = mnd_saml_idp_create(p, &c, &idp)))
        die("mnd_saml_idp_create", err->msg);
    sc.metadata_xml =
        fx_sp_metadata(p, FX_SP_ID, FX_SP_BASE, sp_kp, FX_MD_SLO_REDIRECT | FX_MD_ACS_MORE);
    sc.service_id = "wse-loket";
    sc.profile = "mandaat";
    if ((err = mnd_saml_idp_add_sp(idp, p, &sc, &id)))
        die("mnd_saml_idp_add_sp", err->msg);
    return idp;
}

/* ---- lasso as the SP ---- */

LassoServer *fx_lasso_sp(const char *md, const fx_keypair_t *kp, const char *idp_md)
{
    LassoServer *s = lasso_server_new_from_buffers(md, kp->key_pem, NULL, kp->cert_pem);
    if (!s)
        die("lasso_server_new_from_buffers", md);
    s->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
    if (lasso_server_add_provider_from_buffer(s, LASSO_PROVIDER_ROLE_IDP, idp_md, NULL, NULL) != 0)
        die("lasso_server_add_provider_from_buffer", idp_md);
    return s;
}

fx_msg_t fx_lasso_msg(apr_pool_t *p, LassoProfile *prof, LassoHttpMethod binding,
                      const char *relay)
{
    fx_msg_t m = {0};
    m.id = apr_pstrdup(p, LASSO_SAMLP2_REQUEST_ABSTRACT(prof->request)->ID);
    if (binding == LASSO_HTTP_METHOD_REDIRECT) {
        m.method = "GET";
        m.query = apr_pstrdup(p, strchr(prof->msg_url, '?') + 1);
    } else {
        m.method = "POST";
        m.body = apr_pstrcat(p, "SAMLRequest=", fx_urlenc(p, prof->msg_body),
                             relay ? "&RelayState=" : "", relay ? fx_urlenc(p, relay) : "", NULL);
    }
    return m;
}

fx_msg_t fx_authn_request(apr_pool_t *p, LassoServer *sp, LassoHttpMethod binding,
                          LassoProfileSignatureHint hint, const char *relay,
                          fx_authn_tweak_fn *tweak)
{
    fx_msg_t m;
    LassoLogin *l = lasso_login_new(sp);
    LassoSamlp2AuthnRequest *r;
    if (lasso_login_init_authn_request(l, FX_IDP_ID, binding) != 0)
        die("lasso_login_init_authn_request", NULL);
    r = LASSO_SAMLP2_AUTHN_REQUEST(LASSO_PROFILE(l)->request);
    lasso_assign_string(r->NameIDPolicy->Format, LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT);
    r->NameIDPolicy->AllowCreate = TRUE;
    lasso_assign_string(r->ProtocolBinding, LASSO_SAML2_METADATA_BINDING_POST);
    if (tweak)
        tweak(r);
    lasso_profile_set_signature_hint(LASSO_PROFILE(l), hint);
    if (relay)
        lasso_assign_string(LASSO_PROFILE(l)->msg_relayState, relay);
    if (lasso_login_build_authn_request_msg(l) != 0)
        die("lasso_login_build_authn_request_msg", NULL);
    m = fx_lasso_msg(p, LASSO_PROFILE(l), binding, relay);
    lasso_release_gobject(l);
    return m;
}

int fx_sp_accept(apr_pool_t *p, LassoServer *sp, const char *saml_response, const char **xml,
                 const char **name_id, const char **session)
{
    LassoLogin *l = lasso_login_new(sp);
    int rc = lasso_login_process_authn_response_msg(l, (char *)saml_response);
    if (!rc)
        rc = lasso_login_accept_sso(l);
    if (!rc) {
        LassoSaml2Assertion *a = LASSO_SAML2_ASSERTION(lasso_login_get_assertion(l));
        if (xml) {
            char *x = lasso_node_export_to_xml(LASSO_NODE(a));
            *xml = apr_pstrdup(p, x);
            g_free(x);
        }
        if (name_id)
            *name_id = apr_pstrdup(p, a->Subject->NameID->content);
        lasso_release_gobject(a);
        if (session) {
            gchar *dump = lasso_session_dump(lasso_profile_get_session(LASSO_PROFILE(l)));
            *session = apr_pstrdup(p, dump);
            g_free(dump);
        }
    }
    lasso_release_gobject(l);
    return rc;
}

void fx_tweak_foreign_acs(LassoSamlp2AuthnRequest *r)
{
    lasso_assign_string(r->AssertionConsumerServiceURL, "https://evil.example/acs");
}

void fx_tweak_acs_index2(LassoSamlp2AuthnRequest *r)
{
    lasso_release_string(r->ProtocolBinding);
    r->AssertionConsumerServiceIndex = 2;
}

void fx_tweak_redirect_binding(LassoSamlp2AuthnRequest *r)
{
    lasso_assign_string(r->ProtocolBinding, LASSO_SAML2_METADATA_BINDING_REDIRECT);
}

void fx_tweak_redirect_index(LassoSamlp2AuthnRequest *r)
{
    lasso_release_string(r->ProtocolBinding);
    r->AssertionConsumerServiceIndex = 1;
}

void fx_tweak_no_binding(LassoSamlp2AuthnRequest *r)
{
    lasso_release_string(r->ProtocolBinding);
}

/* ---- encodings ---- */

const char *fx_urlenc(apr_pool_t *p, const char *s)
{
    char *o = apr_palloc(p, strlen(s) * 3 + 1), *d = o;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            *d++ = (char)c;
        else
            d += sprintf(d, "%%%02X", c);
    }
    *d = '\0';
    return o;
}

char *fx_urldec(apr_pool_t *p, const char *s)
{
    char *o = apr_palloc(p, strlen(s) + 1), *d = o;
    while (*s) {
        if (*s == '%') {
            char h[3] = {s[1], s[2], 0};
            *d++ = (char)strtol(h, NULL, 16);
            s += 3;
        } else
            *d++ = *s++;
    }
    *d = '\0';
    return o;
}

const char *fx_b64(apr_pool_t *p, const char *data, size_t n)
{
    char *o = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)n));
    apr_base64_encode(o, data, (int)n);
    return o;
}

char *fx_unb64(apr_pool_t *p, const char *s)
{
    char *o = apr_palloc(p, (apr_size_t)apr_base64_decode_len(s) + 1);
    o[apr_base64_decode(o, s)] = '\0';
    return o;
}

const char *fx_saml_param(apr_pool_t *p, const char *data, size_t n, fx_packing_t how)
{
    if (how != FX_PLAIN) {
        int best = how == FX_DEFLATE_BEST;
        uLong cap = compressBound((uLong)n) + 64;
        char *out = apr_palloc(p, cap);
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, best ? 9 : 6, Z_DEFLATED, -MAX_WBITS, best ? 9 : 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            die("deflateInit2", NULL);
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)n;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            die("deflate", NULL);
        n = z.total_out;
        deflateEnd(&z);
        data = out;
    }
    return apr_pstrcat(p, "SAMLRequest=", fx_urlenc(p, fx_b64(p, data, n)), NULL);
}

char *fx_body_xml(apr_pool_t *p, const char *body)
{
    return fx_unb64(p, fx_urldec(p, body + strlen("SAMLRequest=")));
}

/* ---- sanitizers ---- */

/* LeakSanitizer: the leaks inside lasso and xmlsec of tests/unit/lsan.supp (why: see there),
 * embedded so that every binary with this fixture passes under ASan with a plain
 * ASAN_OPTIONS=detect_leaks=1. Each line names a function on the leaking stack: renaming one of
 * ours (src/saml/idp_sso.c, idp_slo.c, tests/unit/test_saml_slo.c) means changing it here and
 * in lsan.supp. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:mnd_saml_lasso_process_redirect\nleak:mnd_saml_lasso_logout_redirect\n"
           "leak:sp_lasso_logout_response\nleak:xmlSecOpenSSLAppKeyCertLoad\n";
}

/* liblasso, glib and libcrypto have no frame pointers: without full unwinding the leak stacks
 * stop after two frames and no suppression can match them. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0:malloc_context_size=16";
}
