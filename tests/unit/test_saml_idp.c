/* The SAML IdP (src/saml/idp*.c) against lasso as the service provider, in one process, as
 * lasso's own tests do: the SP side builds and signs the AuthnRequest, our side receives it
 * and answers, the SP side verifies the Response. Keys, metadata, lasso's SP and the bindings'
 * encodings come from the SAML fixture (tests/lib/saml_fixture.h), shared with test_saml_slo.c
 * and the fuzz programs. */
#include "testutil.h"

#include "../lib/saml_fixture.h"
#include "crypto/seal.h"
#include "saml/idp.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <lasso/lasso.h>
#include <lasso/utils.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_requested_authn_context.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <string.h>

#define SP1 "https://sp1.example/mellon/metadata"
#define SP2 "https://sp2.example/mellon/metadata"
#define SP3 "https://sp3.example/mellon/metadata"
#define PERSON "85073003328"

static apr_pool_t *gp;
static fx_keypair_t idp_kp, sp1_kp, sp2_kp, evil_kp;
static mnd_saml_idp_t *idp;
static const char *idp_md;
static LassoServer *sp1, *sp2, *sp3, *sp1_evil, *sp2t;

/* ---- set-up ---- */

/* An SP's metadata as mellon at https://HOST/mellon has it: ACS 0..2, a Redirect SLO. */
static const char *sp_metadata(const char *entity, const char *host, const fx_keypair_t *kp,
                               int encrypt)
{
    return fx_sp_metadata(gp, entity, apr_pstrcat(gp, "https://", host, "/mellon", NULL), kp,
                          FX_MD_SLO_REDIRECT | FX_MD_ACS_MORE | (encrypt ? FX_MD_ENCRYPT : 0));
}

/* A lasso SP that knows our IdP. */
static LassoServer *make_sp(const char *md, const fx_keypair_t *kp, int decrypt)
{
    LassoServer *s = fx_lasso_sp(md, kp, idp_md);
    if (decrypt)
        assert_int_equal(lasso_server_set_encryption_private_key(s, kp->key_pem), 0);
    return s;
}

static void add_sp(const char *md, const char *service, int transient, int sign_response)
{
    mnd_saml_sp_conf_t c = {md, service, "mandaat", transient, sign_response};
    const char *id;
    MND_ASSERT_OK(mnd_saml_idp_add_sp(idp, gp, &c, &id));
}

static int setup(void **state)
{
    mnd_saml_idp_conf_t c;
    const char *md1, *md2, *md2t;
    (void)state;
    apr_initialize();
    apr_pool_create(&gp, NULL);
    idp_kp = fx_keypair(gp, 2048, "idp");
    sp1_kp = fx_keypair(gp, 2048, "sp1");
    sp2_kp = fx_keypair(gp, 2048, "sp2");
    evil_kp = fx_keypair(gp, 2048, "evil");
    c = fx_idp_conf(&idp_kp);
    MND_ASSERT_OK(mnd_saml_idp_create(gp, &c, &idp));
    MND_ASSERT_OK(mnd_saml_idp_metadata(idp, gp, &idp_md));
    md1 = sp_metadata(SP1, "sp1.example", &sp1_kp, 0);
    md2 = sp_metadata(SP2, "sp2.example", &sp2_kp, 1);
    md2t = sp_metadata("https://sp2t.example/mellon/metadata", "sp2t.example", &sp2_kp, 0);
    add_sp(md1, "wse-loket", 0, 0);
    add_sp(md2, "other-loket", 0, 1);
    add_sp(md2t, "other-loket", 1, 0);
    sp1 = make_sp(md1, &sp1_kp, 0);
    sp2 = make_sp(md2, &sp2_kp, 1);
    sp2t = make_sp(md2t, &sp2_kp, 0);
    sp3 = make_sp(sp_metadata(SP3, "sp3.example", &sp1_kp, 0), &sp1_kp, 0);
    /* The same entityID as SP1 with another key: what an attacker without SP1's key has. */
    sp1_evil = make_sp(sp_metadata(SP1, "sp1.example", &evil_kp, 0), &evil_kp, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lasso_release_gobject(sp1);
    lasso_release_gobject(sp2);
    lasso_release_gobject(sp2t);
    lasso_release_gobject(sp3);
    lasso_release_gobject(sp1_evil);
    apr_pool_destroy(gp);
    apr_terminate();
    return 0;
}

/* ---- the SP side ---- */

static mnd_error_t *receive(apr_pool_t *p, fx_msg_t m, mnd_saml_request_t **r)
{
    return mnd_saml_sso_receive(idp, p, m.method, m.query, m.body, r);
}

static apr_array_header_t *attrs(apr_pool_t *p, const char *orgcode)
{
    apr_array_header_t *a = apr_array_make(p, 2, sizeof(mnd_saml_attr_t));
    mnd_saml_attr_t *at = &APR_ARRAY_PUSH(a, mnd_saml_attr_t);
    at->name = "urn:be:vlaanderen:mandaat:attr:party";
    at->name_format = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
    at->friendly_name = "party";
    at->values = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(at->values, const char *) = "0123456749";
    at = &APR_ARRAY_PUSH(a, mnd_saml_attr_t);
    at->name = "vo_orgcode";
    at->name_format = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
    at->values = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(at->values, const char *) = orgcode;
    APR_ARRAY_PUSH(at->values, const char *) = "<&\"second\">";
    return a;
}

static mnd_saml_subject_t subject(apr_pool_t *p, int loa)
{
    mnd_saml_subject_t s = {PERSON, loa, mnd_now() - 10, "sess-idx-1", attrs(p, "ORG12345")};
    return s;
}

static const char *full_login(apr_pool_t *p, LassoServer *sp, LassoHttpMethod binding,
                              const char **xml_out, mnd_saml_post_t *post_out)
{
    fx_msg_t m = fx_authn_request(p, sp, binding, LASSO_PROFILE_SIGNATURE_HINT_MAYBE, "rs-1", NULL);
    mnd_saml_request_t *r;
    mnd_saml_subject_t s = subject(p, 3);
    mnd_saml_post_t post;
    const char *xml, *nameid;
    MND_ASSERT_OK(receive(p, m, &r));
    assert_string_equal(r->request_id, m.id);
    assert_string_equal(r->relay_state, "rs-1");
    MND_ASSERT_OK(mnd_saml_sso_respond(idp, p, r, &s, mnd_now(), &post));
    assert_string_equal(post.url, r->acs_url);
    assert_string_equal(post.relay_state, "rs-1");
    assert_int_equal(fx_sp_accept(p, sp, post.saml_response, &xml, &nameid, NULL), 0);
    if (xml_out)
        *xml_out = xml;
    if (post_out)
        *post_out = post;
    return nameid;
}

/* ---- positive ---- */

static void test_metadata(void **state)
{
    (void)state;
    assert_non_null(strstr(idp_md, "entityID=\"" FX_IDP_ID "\""));
    assert_non_null(strstr(idp_md, "WantAuthnRequestsSigned=\"true\""));
    assert_non_null(strstr(idp_md, idp_kp.cert_b64));
    assert_non_null(strstr(idp_md, "bindings:HTTP-Redirect\" Location=\"https://idp.example/"
                                    "mandaat/saml/sso\""));
    assert_non_null(strstr(idp_md, "nameid-format:persistent"));
}

static void test_redirect_login(void **state)
{
    apr_pool_t *p;
    const char *xml;
    mnd_saml_post_t post;
    (void)state;
    apr_pool_create(&p, gp);
    full_login(p, sp1, LASSO_HTTP_METHOD_REDIRECT, &xml, &post);
    assert_string_equal(post.url, "https://sp1.example/mellon/postResponse");
    assert_non_null(strstr(xml, "<saml:Audience>" SP1 "</saml:Audience>"));
    assert_non_null(strstr(xml, "Recipient=\"https://sp1.example/mellon/postResponse\""));
    assert_non_null(strstr(xml, "InResponseTo=\""));
    assert_non_null(strstr(xml, "urn:be:vlaanderen:mandaat:loa:3"));
    assert_non_null(strstr(xml, "SessionIndex=\"sess-idx-1\""));
    assert_non_null(strstr(xml, "Name=\"urn:be:vlaanderen:mandaat:attr:party\""));
    assert_non_null(strstr(xml, "NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\""));
    assert_non_null(strstr(xml, "FriendlyName=\"party\""));
    assert_non_null(strstr(xml, "attrname-format:basic"));
    /* The values are the AttributeValue's text, nothing around them. */
    assert_non_null(strstr(xml, "<saml:AttributeValue>ORG12345</saml:AttributeValue>"));
    assert_non_null(strstr(xml, "<saml:AttributeValue>0123456749</saml:AttributeValue>"));
    assert_null(strstr(xml, "XXX"));
    assert_non_null(strstr(xml, "&lt;&amp;\"second\"&gt;"));
    /* On the wire: the assertion signed (RSA-SHA256), the Response not (sign_response 0). */
    {
        char *dec = fx_unb64(p, post.saml_response);
        const char *sig = strstr(dec, "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"");
        assert_non_null(sig);
        assert_true(sig > strstr(dec, "<saml:Assertion"));
        assert_null(strstr(sig + 1, "<Signature xmlns="));
        assert_non_null(strstr(dec, "xmldsig-more#rsa-sha256"));
        assert_non_null(strstr(dec, "xmlenc#sha256"));
        assert_null(strstr(dec, "rsa-sha1"));
    }
    apr_pool_destroy(p);
}

static void test_post_login_encrypted_signed_response(void **state)
{
    apr_pool_t *p;
    const char *xml, *dec;
    mnd_saml_post_t post;
    size_t n;
    (void)state;
    apr_pool_create(&p, gp);
    full_login(p, sp2, LASSO_HTTP_METHOD_POST, &xml, &post);
    dec = apr_palloc(p, apr_base64_decode_len(post.saml_response));
    n = (size_t)apr_base64_decode((char *)dec, post.saml_response);
    ((char *)dec)[n] = '\0';
    /* On the wire: a signed Response around an encrypted assertion, no clear attribute. */
    assert_non_null(strstr(dec, "EncryptedAssertion"));
    assert_non_null(strstr(dec, "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"));
    assert_non_null(strstr(dec, "http://www.w3.org/2001/04/xmlenc#aes256-cbc"));
    assert_null(strstr(dec, "ORG12345"));
    assert_non_null(strstr(dec, "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\""));
    assert_non_null(strstr(dec, "xmldsig-more#rsa-sha256"));
    assert_null(strstr(dec, "rsa-sha1"));
    /* The values are the AttributeValue's text, nothing around them. */
    assert_non_null(strstr(xml, "<saml:AttributeValue>ORG12345</saml:AttributeValue>"));
    assert_non_null(strstr(xml, "<saml:AttributeValue>0123456749</saml:AttributeValue>"));
    assert_null(strstr(xml, "XXX"));
    apr_pool_destroy(p);
}

static void test_nameid_pairwise(void **state)
{
    apr_pool_t *p;
    const char *a, *b, *c, *t1, *t2;
    (void)state;
    apr_pool_create(&p, gp);
    a = full_login(p, sp1, LASSO_HTTP_METHOD_REDIRECT, NULL, NULL);
    b = full_login(p, sp1, LASSO_HTTP_METHOD_POST, NULL, NULL);
    c = full_login(p, sp2, LASSO_HTTP_METHOD_REDIRECT, NULL, NULL);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_null(strstr(a, PERSON));
    t1 = full_login(p, sp2t, LASSO_HTTP_METHOD_REDIRECT, NULL, NULL);
    t2 = full_login(p, sp2t, LASSO_HTTP_METHOD_REDIRECT, NULL, NULL);
    assert_string_not_equal(t1, t2);
    apr_pool_destroy(p);
}

static void tweak_passive(LassoSamlp2AuthnRequest *r)
{
    LassoSamlp2RequestedAuthnContext *rac =
        LASSO_SAMLP2_REQUESTED_AUTHN_CONTEXT(lasso_samlp2_requested_authn_context_new());
    r->IsPassive = TRUE;
    r->ForceAuthn = TRUE;
    lasso_assign_string(rac->Comparison, "minimum");
    lasso_list_add_string(rac->AuthnContextClassRef, "urn:example:other");
    lasso_list_add_string(rac->AuthnContextClassRef, "urn:be:vlaanderen:mandaat:loa:4");
    lasso_list_add_string(rac->AuthnContextClassRef, "urn:be:vlaanderen:mandaat:loa:3");
    lasso_assign_new_gobject(r->RequestedAuthnContext, rac);
}

static void test_flags_and_loa(void **state)
{
    apr_pool_t *p;
    mnd_saml_request_t *r, *r2;
    mnd_saml_subject_t s;
    mnd_saml_post_t post;
    const char *xml, *nid;
    (void)state;
    apr_pool_create(&p, gp);
    MND_ASSERT_OK(receive(p,
                          fx_authn_request(p, sp1, LASSO_HTTP_METHOD_POST,
                                           LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, tweak_passive),
                          &r));
    assert_int_equal(r->is_passive, 1);
    assert_int_equal(r->force_authn, 1);
    assert_int_equal(r->min_loa, 3);
    assert_null(r->relay_state);
    MND_ASSERT_OK(mnd_saml_request_from_dump(idp, p, r->dump, &r2));
    assert_string_equal(r2->request_id, r->request_id);
    assert_string_equal(r2->acs_url, r->acs_url);
    assert_int_equal(r2->min_loa, 3);
    assert_int_equal(r2->is_passive, 1);
    assert_string_equal(r2->service_id, "wse-loket");
    s = subject(p, 2);
    MND_ASSERT_ERR(mnd_saml_sso_respond(idp, p, r2, &s, mnd_now(), &post), MND_EFORBIDDEN,
                   "below the 3");
    s = subject(p, 3);
    MND_ASSERT_OK(mnd_saml_sso_respond(idp, p, r2, &s, mnd_now(), &post));
    assert_int_equal(fx_sp_accept(p, sp1, post.saml_response, &xml, &nid, NULL), 0);
    apr_pool_destroy(p);
}

static void check_denied(apr_pool_t *p, int no_passive)
{
    mnd_saml_request_t *r;
    mnd_saml_post_t post;
    LassoLogin *l;
    LassoSamlp2StatusResponse *resp;
    MND_ASSERT_OK(receive(p,
                          fx_authn_request(p, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                           LASSO_PROFILE_SIGNATURE_HINT_MAYBE, "rs", NULL),
                          &r));
    MND_ASSERT_OK(mnd_saml_sso_deny(idp, p, r, no_passive, &post));
    assert_string_equal(post.url, "https://sp1.example/mellon/postResponse");
    assert_string_equal(post.relay_state, "rs");
    l = lasso_login_new(sp1);
    assert_int_equal(lasso_login_process_authn_response_msg(l, (char *)post.saml_response),
                     no_passive ? LASSO_PROFILE_ERROR_STATUS_NOT_SUCCESS
                                : LASSO_PROFILE_ERROR_REQUEST_DENIED);
    resp = LASSO_SAMLP2_STATUS_RESPONSE(LASSO_PROFILE(l)->response);
    assert_string_equal(resp->Status->StatusCode->Value, LASSO_SAML2_STATUS_CODE_RESPONDER);
    assert_string_equal(resp->Status->StatusCode->StatusCode->Value,
                        no_passive ? LASSO_SAML2_STATUS_CODE_NO_PASSIVE
                                   : LASSO_SAML2_STATUS_CODE_REQUEST_DENIED);
    assert_int_equal(LASSO_PROFILE(l)->signature_status, 0);
    lasso_release_gobject(l);
}

static void test_deny(void **state)
{
    apr_pool_t *p;
    (void)state;
    apr_pool_create(&p, gp);
    check_denied(p, 0);
    check_denied(p, 1);
    apr_pool_destroy(p);
}

/* ---- refused requests ---- */

static void expect_refused(fx_msg_t m, mnd_rc_t rc, const char *needle)
{
    apr_pool_t *p;
    mnd_saml_request_t *r = NULL;
    apr_pool_create(&p, gp);
    MND_ASSERT_ERR(receive(p, m, &r), rc, needle);
    apr_pool_destroy(p);
}

static void test_unsigned_and_wrong_key(void **state)
{
    (void)state;
    expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_FORBID, NULL, NULL),
                   MND_EFORBIDDEN, "not signed");
    expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_POST,
                                    LASSO_PROFILE_SIGNATURE_HINT_FORBID, NULL, NULL),
                   MND_EFORBIDDEN, "not signed");
    expect_refused(fx_authn_request(gp, sp1_evil, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL),
                   MND_EFORBIDDEN, "bad signature");
    expect_refused(fx_authn_request(gp, sp1_evil, LASSO_HTTP_METHOD_POST,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL),
                   MND_EFORBIDDEN, "bad signature");
}

/* A POST request of xml. */
static fx_msg_t post_with_xml(apr_pool_t *p, const char *xml)
{
    fx_msg_t m = {"POST", NULL, NULL, NULL};
    m.body = fx_saml_param(p, xml, strlen(xml), FX_PLAIN);
    return m;
}

/* The XML of sp's signed POST request. */
static char *post_xml(apr_pool_t *p, LassoServer *sp)
{
    return fx_body_xml(p, fx_authn_request(p, sp, LASSO_HTTP_METHOD_POST,
                                           LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL)
                              .body);
}

static void test_stripped_signature(void **state)
{
    char *x = post_xml(gp, sp1), *s, *e;
    (void)state;
    const char *end = "</Signature>";
    s = strstr(x, "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"");
    e = strstr(x, end);
    assert_non_null(s);
    assert_non_null(e);
    memmove(s, e + strlen(end), strlen(e + strlen(end)) + 1);
    assert_null(strstr(x, "Signature"));
    expect_refused(post_with_xml(gp, x), MND_EFORBIDDEN, "not signed");
}

static void test_sha1_refused(void **state)
{
    (void)state;
    sp1->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA1;
    fx_msg_t get = fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL);
    fx_msg_t post = fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_POST,
                                     LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL);
    sp1->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
    assert_non_null(strstr(get.query, "SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1"));
    expect_refused(get, MND_EFORBIDDEN, "rsa-sha1 refused");
    expect_refused(post, MND_EFORBIDDEN, "sha1 refused");
}

static void test_unknown_sp(void **state)
{
    (void)state;
    expect_refused(fx_authn_request(gp, sp3, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL),
                   MND_EFORBIDDEN, "unknown SP https://sp3.example");
}

static void tweak_url_and_index(LassoSamlp2AuthnRequest *r)
{
    lasso_assign_string(r->AssertionConsumerServiceURL, "https://sp1.example/mellon/postResponse");
    r->AssertionConsumerServiceIndex = 2;
}

static void test_acs_checks(void **state)
{
    apr_pool_t *p;
    mnd_saml_request_t *r;
    (void)state;
    expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, fx_tweak_foreign_acs),
                   MND_EINVAL, "not in the SP's metadata");
    expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, tweak_url_and_index),
                   MND_EINVAL, "AssertionConsumerServiceIndex together");
    expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_POST,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL,
                                    fx_tweak_redirect_binding),
                   MND_EINVAL, NULL);
    expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_POST,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL,
                                    fx_tweak_redirect_index),
                   MND_EINVAL, "must be HTTP-POST");
    apr_pool_create(&p, gp);
    MND_ASSERT_OK(
        receive(p,
                fx_authn_request(p, sp1, LASSO_HTTP_METHOD_POST, LASSO_PROFILE_SIGNATURE_HINT_MAYBE,
                                 NULL, fx_tweak_acs_index2),
                &r));
    assert_string_equal(r->acs_url, "https://sp1.example/mellon/postResponse2");
    apr_pool_destroy(p);
}

static void test_relay_state_cap(void **state)
{
    char long_rs[82];
    (void)state;
    memset(long_rs, 'r', 81);
    long_rs[81] = '\0';
    expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, long_rs, NULL),
                   MND_EINVAL, "RelayState over 80");
}

/* A RelayState that XML cannot carry would make the kept request unreadable after the choice
 * (found by fuzzing): refused up front, signed (Redirect) or appended to a POST. */
static void test_relay_state_not_printable(void **state)
{
    static const char *const bad[] = {"\x01", "a\tb", "\xEF\xBF\xBE", "caf\xC3\xA9", "\x7F"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                        LASSO_PROFILE_SIGNATURE_HINT_MAYBE, bad[i], NULL),
                       MND_EINVAL, "printable ASCII");
        expect_refused(fx_authn_request(gp, sp1, LASSO_HTTP_METHOD_POST,
                                        LASSO_PROFILE_SIGNATURE_HINT_MAYBE, bad[i], NULL),
                       MND_EINVAL, "printable ASCII");
    }
}

/* A GET request of data, as how packs it. */
static fx_msg_t get_msg(apr_pool_t *p, const char *data, size_t n, fx_packing_t how)
{
    fx_msg_t m = {"GET", NULL, NULL, NULL};
    m.query = fx_saml_param(p, data, n, how);
    return m;
}

#define AR_OPEN                                                                                   \
    "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "                   \
    "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_x1\" Version=\"2.0\" "            \
    "IssueInstant=\"2026-01-01T00:00:00Z\"><saml:Issuer>" SP1 "</saml:Issuer>"

static void test_malformed(void **state)
{
    apr_pool_t *p;
    char *big;
    (void)state;
    apr_pool_create(&p, gp);
    expect_refused((fx_msg_t){"GET", "SAMLRequest=ab*d", NULL, NULL}, MND_EINVAL, "invalid base64");
    expect_refused((fx_msg_t){"POST", NULL, "SAMLRequest=abc", NULL}, MND_EINVAL, "invalid base64");
    expect_refused((fx_msg_t){"POST", NULL, "SAMLRequest=YWJj%3D%3DYWJj", NULL}, MND_EINVAL,
                   "invalid base64");
    expect_refused((fx_msg_t){"POST", NULL, "RelayState=x", NULL}, MND_EINVAL, "no SAMLRequest");
    expect_refused((fx_msg_t){"POST", NULL, "SAMLRequest=YWJj&SAMLRequest=YWJj", NULL}, MND_EINVAL,
                   "twice");
    expect_refused((fx_msg_t){"GET", "SAMLRequest=%zz", NULL, NULL}, MND_EINVAL, "URL encoding");
    expect_refused((fx_msg_t){"PUT", "", "", NULL}, MND_EINVAL, "GET or POST");
    expect_refused((fx_msg_t){"GET", "SAMLRequest=YWJj;SigAlg=x", NULL, NULL}, MND_EINVAL, "';'");
    expect_refused(get_msg(p, "not deflate at all", 18, FX_PLAIN), MND_EINVAL, "raw DEFLATE");
    /* deflate bomb: 8 MiB of spaces compress to a few KiB */
    big = apr_palloc(p, 8 << 20);
    memset(big, ' ', 8 << 20);
    memcpy(big, AR_OPEN, strlen(AR_OPEN));
    expect_refused(get_msg(p, big, 8 << 20, FX_DEFLATE_BEST), MND_EINVAL, "once inflated");
    /* oversized before inflating */
    expect_refused(post_with_xml(p, apr_pstrndup(p, big, 70000)), MND_EINVAL, "over 65536");
    expect_refused((fx_msg_t){"POST", NULL, apr_pstrndup(p, big, 300000), NULL}, MND_EINVAL,
                   "as received");
    apr_pool_destroy(p);
}

static void test_xml_attacks(void **state)
{
    apr_pool_t *p;
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>" AR_OPEN
        "<x>&lol3;</x></samlp:AuthnRequest>";
    const char *xxe = "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" AR_OPEN
                      "<saml:Issuer>&e;</saml:Issuer></samlp:AuthnRequest>";
    const char *utf16 = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" AR_OPEN
                        "</samlp:AuthnRequest>";
    char *deep;
    (void)state;
    apr_pool_create(&p, gp);
    expect_refused(post_with_xml(p, laughs), MND_EINVAL, "DOCTYPE");
    expect_refused(get_msg(p, laughs, strlen(laughs), FX_DEFLATE_BEST), MND_EINVAL, "DOCTYPE");
    expect_refused(post_with_xml(p, xxe), MND_EINVAL, "DOCTYPE");
    expect_refused(post_with_xml(p, utf16), MND_EINVAL, "UTF-8");
    expect_refused(post_with_xml(p, "<a>unclosed"), MND_EINVAL, "well-formed");
    expect_refused(post_with_xml(p, "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:"
                                    "protocol\"/>"),
                   MND_EINVAL, "not a samlp:AuthnRequest");
    deep = apr_pstrdup(p, AR_OPEN);
    for (int i = 0; i < 100; i++)
        deep = apr_pstrcat(p, deep, "<e>", NULL);
    for (int i = 0; i < 100; i++)
        deep = apr_pstrcat(p, deep, "</e>", NULL);
    deep = apr_pstrcat(p, deep, "</samlp:AuthnRequest>", NULL);
    expect_refused(post_with_xml(p, deep), MND_EINVAL, "nested deeper");
    /* lasso would build a NameIDPolicy of another class from its xsi:type. */
    expect_refused(post_with_xml(p, AR_OPEN "<samlp:NameIDPolicy xmlns:xsi=\"http://www.w3.org/2001/"
                                    "XMLSchema-instance\" xsi:type=\"samlp:ExtensionsType\"/>"
                                    "</samlp:AuthnRequest>"),
                   MND_EINVAL, "xsi:type not allowed");
    apr_pool_destroy(p);
}

static void test_sp_rejects_altered_attribute(void **state)
{
    apr_pool_t *p;
    mnd_saml_post_t post;
    const char *xml, *nid;
    char *dec, *at;
    (void)state;
    apr_pool_create(&p, gp);
    full_login(p, sp1, LASSO_HTTP_METHOD_POST, NULL, &post);
    dec = fx_unb64(p, post.saml_response);
    at = strstr(dec, "ORG12345");
    assert_non_null(at);
    at[7] = '6';
    assert_int_not_equal(fx_sp_accept(p, sp1, fx_b64(p, dec, strlen(dec)), &xml, &nid, NULL), 0);
    apr_pool_destroy(p);
}

static void test_create_refusals(void **state)
{
    apr_pool_t *p;
    mnd_saml_idp_t *x;
    mnd_saml_idp_conf_t c;
    fx_keypair_t small;
    mnd_saml_sp_conf_t spc = {NULL, "svc", "mandaat", 0, 0};
    (void)state;
    apr_pool_create(&p, gp);
    small = fx_keypair(gp, 1024, "small");
    c = fx_idp_conf(&small);
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "1024 bits");
    c = fx_idp_conf(&idp_kp);
    c.cert_pem = sp1_kp.cert_pem;
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "does not match");
    c = fx_idp_conf(&idp_kp);
    c.key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "not a PEM private key");
    c = fx_idp_conf(&idp_kp);
    c.assertion_lifetime = 600;
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "30..300");
    /* Plain http only where nothing crosses a network. */
    c = fx_idp_conf(&idp_kp);
    c.sso_url = "http://idp.example/mandaat/saml/sso";
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "https");
    c.sso_url = "http://127.0.0.1.evil.example/mandaat/saml/sso";
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "https");
    c.sso_url = "http://localhost@evil.example/mandaat/saml/sso";
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "https");
    assert_true(mnd_saml_url_ok("http://127.0.0.1:8080/mandaat/saml/sso"));
    assert_true(mnd_saml_url_ok("http://[::1]:8080/x"));
    assert_true(mnd_saml_url_ok("http://localhost/x"));
    assert_false(mnd_saml_url_ok("https://"));
    assert_false(mnd_saml_url_ok("http://localhost:80@evil.example/x"));
    assert_false(mnd_saml_url_ok("http://127.0.0.1:8080.evil.example/x"));
    assert_false(mnd_saml_url_ok("ftp://127.0.0.1/x"));
    spc.metadata_xml = "<not metadata";
    MND_ASSERT_ERR(mnd_saml_idp_add_sp(idp, p, &spc, NULL), MND_EINVAL, "well-formed");
    spc.metadata_xml = sp_metadata(SP1, "sp1.example", &sp1_kp, 0);
    MND_ASSERT_ERR(mnd_saml_idp_add_sp(idp, p, &spc, NULL), MND_EINVAL, "already added");
    spc.profile = "nope";
    MND_ASSERT_ERR(mnd_saml_idp_add_sp(idp, p, &spc, NULL), MND_EINVAL, "profile");
    /* LASSO_FLAG=no-verify-signature would make lasso accept any signature. */
    lasso_set_flag("no-verify-signature");
    c = fx_idp_conf(&idp_kp);
    MND_ASSERT_ERR(mnd_saml_idp_create(p, &c, &x), MND_EINVAL, "LASSO_FLAG");
    expect_refused(fx_authn_request(p, sp1, LASSO_HTTP_METHOD_REDIRECT,
                                    LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL),
                   MND_EINTERNAL, "turned off");
    lasso_set_flag("verify-signature");
    apr_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_redirect_login),
        cmocka_unit_test(test_post_login_encrypted_signed_response),
        cmocka_unit_test(test_nameid_pairwise),
        cmocka_unit_test(test_flags_and_loa),
        cmocka_unit_test(test_deny),
        cmocka_unit_test(test_unsigned_and_wrong_key),
        cmocka_unit_test(test_stripped_signature),
        cmocka_unit_test(test_sha1_refused),
        cmocka_unit_test(test_unknown_sp),
        cmocka_unit_test(test_acs_checks),
        cmocka_unit_test(test_relay_state_cap),
        cmocka_unit_test(test_relay_state_not_printable),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_xml_attacks),
        cmocka_unit_test(test_sp_rejects_altered_attribute),
        cmocka_unit_test(test_create_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
