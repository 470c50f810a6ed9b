/* The shared setup of the fuzz harness and the seed generator (fuzz_common.h). */
#include "fuzz_common.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>

static void die(const char *what, const mnd_error_t *err)
{
    fprintf(stderr, "fuzz setup: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
    abort();
}

static const char *bio_str(apr_pool_t *p, BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    const char *s = apr_pstrmemdup(p, data, (apr_size_t)n);
    BIO_free(b);
    return s;
}

fuzz_keypair_t fuzz_keypair(apr_pool_t *p, int bits, const char *cn)
{
    fuzz_keypair_t kp;
    EVP_PKEY *k = EVP_RSA_gen((unsigned)bits);
    X509 *x = X509_new();
    BIO *b;
    unsigned char *der = NULL;
    int len;
    char *enc;
    if (!k || !x)
        die("cannot make an RSA key", NULL);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, k);
    if (X509_sign(x, k, EVP_sha256()) <= 0)
        die("cannot sign the certificate", NULL);
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

const char *fuzz_sp_metadata(apr_pool_t *p, const fuzz_keypair_t *kp)
{
    return apr_psprintf(
        p,
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" FUZZ_SP_ID "\">"
        "<md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
        "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
        "Location=\"https://sp.example/mellon/logout\"/>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
        "<md:AssertionConsumerService index=\"0\" isDefault=\"true\" "
        "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"" FUZZ_SP_ACS "\"/>"
        "<md:AssertionConsumerService index=\"1\" "
        "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
        "Location=\"https://sp.example/mellon/redirectResponse\"/>"
        "<md:AssertionConsumerService index=\"2\" "
        "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"" FUZZ_SP_ACS2 "\"/>"
        "</md:SPSSODescriptor></md:EntityDescriptor>",
        kp->cert_b64);
}

mnd_saml_idp_t *fuzz_make_idp(apr_pool_t *p, const fuzz_keypair_t *kp,
                              const fuzz_keypair_t *sp_kp, int want_signed_requests)
{
    mnd_saml_idp_conf_t c = {0};
    mnd_saml_sp_conf_t sc = {0};
    mnd_saml_idp_t *idp;
    mnd_error_t *err;
    const char *id;
    c.entity_id = FUZZ_IDP_ID;
    c.key_pem = kp->key_pem;
    c.cert_pem = kp->cert_pem;
    c.sso_url = "https://idp.example/mandaat/saml/sso";
    c.slo_url = "https://idp.example/mandaat/saml/slo";
    c.want_signed_requests = want_signed_requests;
    c.assertion_lifetime = 300;
    if ((err = mnd_saml_idp_create(p, &c, &idp)))
        die("mnd_saml_idp_create", err);
    sc.metadata_xml = fuzz_sp_metadata(p, sp_kp);
    sc.service_id = "wse-loket";
    sc.profile = "mandaat";
    if ((err = mnd_saml_idp_add_sp(idp, p, &sc, &id)))
        die("mnd_saml_idp_add_sp", err);
    return idp;
}
