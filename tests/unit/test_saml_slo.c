/* SP-initiated single logout (src/saml/idp_slo.c) against lasso as the service provider, in
 * one process, as tests/unit/test_saml_idp.c does for SSO: the SP logs in (a full SSO through
 * our IdP, so that lasso's SP side has the session its logout needs), builds and signs a
 * LogoutRequest, our side receives it and answers, the SP side verifies the LogoutResponse.
 * Keys, metadata, lasso's SP and the encodings come from the SAML fixture
 * (tests/lib/saml_fixture.h). */
#include "testutil.h"

#include "../lib/saml_fixture.h"
#include "saml/idp.h"

#include <apr_strings.h>
#include <lasso/lasso.h>
#include <lasso/utils.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>
#include <string.h>

#define SP1 "https://sp1.example/sp/metadata"     /* SLO: Redirect (with ResponseLocation), POST */
#define SP2 "https://sp2.example/sp/metadata"     /* SLO: POST only */
#define SP3 "https://sp3.example/sp/metadata"     /* not added to the IdP */
#define SP4 "https://sp4.example/sp/metadata"     /* no SLO endpoint */
#define SP5 "https://sp5.example/sp/metadata"     /* SLO: Redirect only */
#define SESSION_INDEX "sess-idx-slo-1"

/* An SP's SLO endpoints (fx_sp_metadata's flags): the Redirect one with a ResponseLocation. */
enum {
    SLO_NONE = 0,
    SLO_REDIRECT = FX_MD_SLO_REDIRECT | FX_MD_SLO_RESPONSE,
    SLO_POST = FX_MD_SLO_POST
};

/* An SP: its lasso server and, after a login, its session and the NameID it got. */
typedef struct sp_t {
    LassoServer *server;
    const char *session, *name_id;
} sp_t;

static apr_pool_t *gp;
static fx_keypair_t idp_kp, sp_kp, evil_kp;
static mnd_saml_idp_t *idp;
static const char *idp_md;
static sp_t sp1, sp2, sp3, sp4, sp5, sp1_evil, sp1_dest;

/* ---- keys, metadata, servers ---- */

/* An SP's metadata, its endpoints under https://HOST/sp, with the SLO endpoints slo says. */
static const char *sp_metadata(const char *entity, const char *host, const fx_keypair_t *kp,
                               int slo)
{
    return fx_sp_metadata(gp, entity, apr_pstrcat(gp, "https://", host, "/sp", NULL), kp, slo);
}

/* A lasso SP that knows our IdP. */
static LassoServer *make_server(const char *md, const fx_keypair_t *kp)
{
    return fx_lasso_sp(md, kp, idp_md);
}

/* Our metadata with every SLO Location replaced by other. */
static const char *idp_md_with_slo(const char *other)
{
    const char *s = idp_md, *hit;
    char *out = "";
    while ((hit = strstr(s, "Location=\"" FX_SLO_URL "\""))) {
        out = apr_pstrcat(gp, out, apr_pstrndup(gp, s, (apr_size_t)(hit - s)), "Location=\"",
                          other, "\"", NULL);
        s = hit + strlen("Location=\"" FX_SLO_URL "\"");
    }
    return apr_pstrcat(gp, out, s, NULL);
}

static LassoServer *add_sp(const char *entity, const char *host, const fx_keypair_t *kp, int slo)
{
    const char *md = sp_metadata(entity, host, kp, slo);
    mnd_saml_sp_conf_t c = {md, "wse-loket", "mandaat", 0, 0};
    MND_ASSERT_OK(mnd_saml_idp_add_sp(idp, gp, &c, NULL));
    return make_server(md, kp);
}

/* ---- the SP logs in (its lasso session is what lasso_logout_init_request needs) ---- */

static void sp_login(sp_t *sp)
{
    /* As lasso's SP asks by default: no ProtocolBinding, the default ACS. */
    fx_msg_t m = fx_authn_request(gp, sp->server, LASSO_HTTP_METHOD_REDIRECT,
                                  LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, fx_tweak_no_binding);
    mnd_saml_request_t *req;
    mnd_saml_subject_t s = {"85073003328", 3, mnd_now() - 10, SESSION_INDEX, NULL};
    mnd_saml_post_t post;
    MND_ASSERT_OK(mnd_saml_sso_receive(idp, gp, m.method, m.query, NULL, &req));
    MND_ASSERT_OK(mnd_saml_sso_respond(idp, gp, req, &s, mnd_now(), &post));
    assert_int_equal(
        fx_sp_accept(gp, sp->server, post.saml_response, NULL, &sp->name_id, &sp->session), 0);
}

static int setup(void **state)
{
    mnd_saml_idp_conf_t c;
    (void)state;
    apr_initialize();
    apr_pool_create(&gp, NULL);
    idp_kp = fx_keypair(gp, 2048, "idp");
    sp_kp = fx_keypair(gp, 2048, "sp");
    evil_kp = fx_keypair(gp, 2048, "evil");
    c = fx_idp_conf(&idp_kp);
    MND_ASSERT_OK(mnd_saml_idp_create(gp, &c, &idp));
    MND_ASSERT_OK(mnd_saml_idp_metadata(idp, gp, &idp_md));
    sp1.server = add_sp(SP1, "sp1.example", &sp_kp, SLO_REDIRECT | SLO_POST);
    sp2.server = add_sp(SP2, "sp2.example", &sp_kp, SLO_POST);
    sp4.server = add_sp(SP4, "sp4.example", &sp_kp, SLO_NONE);
    sp5.server = add_sp(SP5, "sp5.example", &sp_kp, SLO_REDIRECT);
    sp3.server = make_server(sp_metadata(SP3, "sp3.example", &sp_kp, SLO_REDIRECT), &sp_kp);
    /* SP1's entityID with another key: what an attacker without SP1's key has. */
    sp1_evil.server =
        make_server(sp_metadata(SP1, "sp1.example", &evil_kp, SLO_REDIRECT | SLO_POST), &evil_kp);
    sp1_dest.server = fx_lasso_sp(sp_metadata(SP1, "sp1.example", &sp_kp, SLO_REDIRECT | SLO_POST),
                                  &sp_kp, idp_md_with_slo("https://other.example/slo"));
    sp_login(&sp1);
    sp_login(&sp2);
    sp_login(&sp4);
    sp_login(&sp5);
    /* The session is the SP's own record of the assertion: the others borrow SP1's. */
    sp3.session = sp1_evil.session = sp1_dest.session = sp1.session;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lasso_release_gobject(sp1.server);
    lasso_release_gobject(sp2.server);
    lasso_release_gobject(sp3.server);
    lasso_release_gobject(sp4.server);
    lasso_release_gobject(sp5.server);
    lasso_release_gobject(sp1_evil.server);
    lasso_release_gobject(sp1_dest.server);
    apr_pool_destroy(gp);
    apr_terminate();
    return 0;
}

/* ---- the SP's LogoutRequest and its processing of our LogoutResponse ---- */

typedef void tweak_fn(LassoSamlp2LogoutRequest *r);

/* The SP builds a LogoutRequest (signed unless hint is FORBID); the LassoLogout is returned
 * for the response, or released when lo is NULL. */
static fx_msg_t sp_request(apr_pool_t *p, const sp_t *sp, LassoHttpMethod binding,
                           LassoProfileSignatureHint hint, const char *relay, tweak_fn *tweak,
                           LassoLogout **lo)
{
    fx_msg_t m;
    LassoLogout *l = lasso_logout_new(sp->server);
    LassoSamlp2LogoutRequest *r;
    assert_int_equal(lasso_profile_set_session_from_dump(LASSO_PROFILE(l), sp->session), 0);
    /* lasso sets the signature up in init_request: the hint goes first. */
    lasso_profile_set_signature_hint(LASSO_PROFILE(l), hint);
    assert_int_equal(lasso_logout_init_request(l, FX_IDP_ID, binding), 0);
    r = LASSO_SAMLP2_LOGOUT_REQUEST(LASSO_PROFILE(l)->request);
    if (tweak)
        tweak(r);
    if (relay)
        lasso_assign_string(LASSO_PROFILE(l)->msg_relayState, relay);
    assert_int_equal(lasso_logout_build_request_msg(l), 0);
    m = fx_lasso_msg(p, LASSO_PROFILE(l), binding, relay);
    if (lo)
        *lo = l;
    else
        lasso_release_gobject(l);
    return m;
}

static mnd_error_t *receive(apr_pool_t *p, fx_msg_t m, mnd_saml_logout_t **out)
{
    return mnd_saml_slo_receive(idp, p, m.method, m.query, m.body, mnd_now(), out);
}

/* lasso leaks the decoded signature of every query it verifies (tests/unit/lsan.supp): the
 * SP side does for a LogoutResponse by Redirect. A frame of ours for the suppression. */
__attribute__((noinline)) int sp_lasso_logout_response(LassoLogout *lo, const char *msg);
__attribute__((noinline)) int sp_lasso_logout_response(LassoLogout *lo, const char *msg)
{
    return lasso_logout_process_response_msg(lo, (char *)msg);
}

/* The SP processes our answer, insisting on a valid signature; lasso's result. */
static int sp_process(LassoLogout *lo, const mnd_saml_slo_answer_t *a, const char *request_id)
{
    const char *msg = a->redirect_url ? strchr(a->redirect_url, '?') + 1 : a->post.saml_response;
    LassoSamlp2StatusResponse *resp;
    int rc;
    lasso_profile_set_signature_verify_hint(LASSO_PROFILE(lo),
                                            LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
    rc = sp_lasso_logout_response(lo, msg);
    assert_int_equal(LASSO_PROFILE(lo)->signature_status, 0);
    resp = LASSO_SAMLP2_STATUS_RESPONSE(LASSO_PROFILE(lo)->response);
    assert_non_null(resp);
    assert_string_equal(resp->InResponseTo, request_id);
    assert_string_equal(resp->Issuer->content, FX_IDP_ID);
    return rc;
}

static void expect_refused(fx_msg_t m, mnd_rc_t rc, const char *needle)
{
    apr_pool_t *p;
    mnd_saml_logout_t *r = NULL;
    apr_pool_create(&p, gp);
    MND_ASSERT_ERR(receive(p, m, &r), rc, needle);
    apr_pool_destroy(p);
}

/* ---- positive ---- */

static void test_metadata(void **state)
{
    (void)state;
    assert_non_null(strstr(idp_md, "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:"
                                   "2.0:bindings:HTTP-Redirect\" Location=\"" FX_SLO_URL "\"/>"));
    assert_non_null(strstr(idp_md, "<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:"
                                   "2.0:bindings:HTTP-POST\" Location=\"" FX_SLO_URL "\"/>"));
}

static void check_request(const mnd_saml_logout_t *r, const fx_msg_t *m, const sp_t *sp,
                          const char *sp_id, const char *relay, int post)
{
    assert_string_equal(r->sp_entity_id, sp_id);
    assert_string_equal(r->request_id, m->id);
    assert_string_equal(r->name_id, sp->name_id);
    assert_int_equal(r->session_indexes->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(r->session_indexes, 0, const char *), SESSION_INDEX);
    if (relay)
        assert_string_equal(r->relay_state, relay);
    else
        assert_null(r->relay_state);
    assert_int_equal(r->post, post);
    assert_non_null(r->dump);
}

static void test_redirect_logout(void **state)
{
    apr_pool_t *p;
    LassoLogout *lo;
    mnd_saml_logout_t *r;
    mnd_saml_slo_answer_t a;
    (void)state;
    apr_pool_create(&p, gp);
    fx_msg_t m = sp_request(p, &sp1, LASSO_HTTP_METHOD_REDIRECT,
                            LASSO_PROFILE_SIGNATURE_HINT_MAYBE, "rs-slo", NULL, &lo);
    assert_non_null(strstr(m.query, "SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more"
                                    "%23rsa-sha256"));
    MND_ASSERT_OK(receive(p, m, &r));
    check_request(r, &m, &sp1, SP1, "rs-slo", 0);
    MND_ASSERT_OK(mnd_saml_slo_respond(idp, p, r, 1, &a));
    assert_null(a.post.url);
    /* ResponseLocation, not Location; signed RSA-SHA256; the RelayState back. */
    assert_true(strncmp(a.redirect_url, "https://sp1.example/sp/logoutResponse?SAMLResponse=",
                        51) == 0);
    assert_non_null(strstr(a.redirect_url, "&RelayState=rs-slo"));
    assert_non_null(strstr(a.redirect_url, "SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2F"
                                           "xmldsig-more%23rsa-sha256"));
    assert_non_null(strstr(a.redirect_url, "&Signature="));
    assert_int_equal(sp_process(lo, &a, m.id), 0);
    assert_string_equal(LASSO_SAMLP2_STATUS_RESPONSE(LASSO_PROFILE(lo)->response)
                            ->Status->StatusCode->Value,
                        LASSO_SAML2_STATUS_CODE_SUCCESS);
    lasso_release_gobject(lo);
    apr_pool_destroy(p);
}

static void test_post_logout(void **state)
{
    apr_pool_t *p;
    LassoLogout *lo;
    mnd_saml_logout_t *r;
    mnd_saml_slo_answer_t a;
    const char *dec;
    (void)state;
    apr_pool_create(&p, gp);
    fx_msg_t m = sp_request(p, &sp1, LASSO_HTTP_METHOD_POST, LASSO_PROFILE_SIGNATURE_HINT_MAYBE,
                            "rs-post", NULL, &lo);
    MND_ASSERT_OK(receive(p, m, &r));
    check_request(r, &m, &sp1, SP1, "rs-post", 1);
    MND_ASSERT_OK(mnd_saml_slo_respond(idp, p, r, 1, &a));
    assert_null(a.redirect_url);
    assert_string_equal(a.post.url, "https://sp1.example/sp/logoutPost");
    assert_string_equal(a.post.relay_state, "rs-post");
    dec = fx_unb64(p, a.post.saml_response);
    assert_non_null(strstr(dec, "<samlp:LogoutResponse"));
    assert_non_null(strstr(dec, "Destination=\"https://sp1.example/sp/logoutPost\""));
    assert_non_null(strstr(dec, "xmldsig-more#rsa-sha256"));
    assert_non_null(strstr(dec, "xmlenc#sha256"));
    assert_null(strstr(dec, "rsa-sha1"));
    assert_int_equal(sp_process(lo, &a, m.id), 0);
    lasso_release_gobject(lo);
    apr_pool_destroy(p);
}

/* ok = 0: Responder / PartialLogout, which lasso's SP reports as a partial logout. */
static void check_not_ok(LassoHttpMethod binding)
{
    apr_pool_t *p;
    LassoLogout *lo;
    mnd_saml_logout_t *r;
    mnd_saml_slo_answer_t a;
    LassoSamlp2StatusResponse *resp;
    apr_pool_create(&p, gp);
    fx_msg_t m = sp_request(p, &sp1, binding, LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, &lo);
    MND_ASSERT_OK(receive(p, m, &r));
    assert_null(r->relay_state);
    MND_ASSERT_OK(mnd_saml_slo_respond(idp, p, r, 0, &a));
    assert_true(binding == LASSO_HTTP_METHOD_REDIRECT ? a.redirect_url != NULL
                                                      : a.post.url != NULL);
    assert_int_equal(sp_process(lo, &a, m.id), LASSO_LOGOUT_ERROR_PARTIAL_LOGOUT);
    resp = LASSO_SAMLP2_STATUS_RESPONSE(LASSO_PROFILE(lo)->response);
    assert_string_equal(resp->Status->StatusCode->Value, LASSO_SAML2_STATUS_CODE_RESPONDER);
    assert_string_equal(resp->Status->StatusCode->StatusCode->Value,
                        LASSO_SAML2_STATUS_CODE_PARTIAL_LOGOUT);
    lasso_release_gobject(lo);
    apr_pool_destroy(p);
}

static void test_not_ok(void **state)
{
    (void)state;
    check_not_ok(LASSO_HTTP_METHOD_REDIRECT);
    check_not_ok(LASSO_HTTP_METHOD_POST);
}

/* The request's binding when the SP has an endpoint for it, else the other. */
static void test_binding_fallback(void **state)
{
    apr_pool_t *p;
    LassoLogout *lo;
    mnd_saml_logout_t *r;
    mnd_saml_slo_answer_t a;
    (void)state;
    apr_pool_create(&p, gp);
    fx_msg_t m = sp_request(p, &sp2, LASSO_HTTP_METHOD_REDIRECT,
                            LASSO_PROFILE_SIGNATURE_HINT_MAYBE, "rs2", NULL, &lo);
    MND_ASSERT_OK(receive(p, m, &r));
    check_request(r, &m, &sp2, SP2, "rs2", 0);
    MND_ASSERT_OK(mnd_saml_slo_respond(idp, p, r, 1, &a));
    assert_null(a.redirect_url);
    assert_string_equal(a.post.url, "https://sp2.example/sp/logoutPost");
    assert_string_equal(a.post.relay_state, "rs2");
    assert_int_equal(sp_process(lo, &a, m.id), 0);
    lasso_release_gobject(lo);

    m = sp_request(p, &sp5, LASSO_HTTP_METHOD_POST, LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL,
                   NULL, &lo);
    MND_ASSERT_OK(receive(p, m, &r));
    check_request(r, &m, &sp5, SP5, NULL, 1);
    MND_ASSERT_OK(mnd_saml_slo_respond(idp, p, r, 1, &a));
    assert_null(a.post.url);
    assert_true(strncmp(a.redirect_url, "https://sp5.example/sp/logoutResponse?", 38) == 0);
    assert_int_equal(sp_process(lo, &a, m.id), 0);
    lasso_release_gobject(lo);
    apr_pool_destroy(p);
}

static void tweak_not_on_or_after_future(LassoSamlp2LogoutRequest *r)
{
    lasso_assign_string(r->NotOnOrAfter, "2999-01-01T00:00:00Z");
}

static void test_not_on_or_after(void **state)
{
    apr_pool_t *p;
    mnd_saml_logout_t *r;
    mnd_time_t until;
    (void)state;
    apr_pool_create(&p, gp);
    fx_msg_t m = sp_request(p, &sp1, LASSO_HTTP_METHOD_REDIRECT,
                            LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL,
                            tweak_not_on_or_after_future, NULL);
    MND_ASSERT_OK(receive(p, m, &r));
    MND_ASSERT_OK(mnd_time_parse(p, "2999-01-01T00:00:00Z", &until));
    /* half-open: valid before NotOnOrAfter, refused at it */
    MND_ASSERT_OK(mnd_saml_slo_receive(idp, p, m.method, m.query, m.body, until - 1, &r));
    MND_ASSERT_ERR(mnd_saml_slo_receive(idp, p, m.method, m.query, m.body, until, &r), MND_EINVAL,
                   "expired");
    apr_pool_destroy(p);
}

/* ---- refused ---- */

static void test_no_slo_endpoint(void **state)
{
    apr_pool_t *p;
    mnd_saml_logout_t *r;
    mnd_saml_slo_answer_t a;
    (void)state;
    apr_pool_create(&p, gp);
    MND_ASSERT_OK(receive(p,
                          sp_request(p, &sp4, LASSO_HTTP_METHOD_REDIRECT,
                                     LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                          &r));
    MND_ASSERT_ERR(mnd_saml_slo_respond(idp, p, r, 1, &a), MND_EINVAL,
                   "no SingleLogoutService");
    apr_pool_destroy(p);
}

static void test_dump_mismatch(void **state)
{
    apr_pool_t *p;
    mnd_saml_logout_t *r, bad;
    mnd_saml_slo_answer_t a;
    (void)state;
    apr_pool_create(&p, gp);
    MND_ASSERT_OK(receive(p,
                          sp_request(p, &sp1, LASSO_HTTP_METHOD_POST,
                                     LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                          &r));
    bad = *r;
    bad.request_id = "_other";
    MND_ASSERT_ERR(mnd_saml_slo_respond(idp, p, &bad, 1, &a), MND_EINVAL, "disagree");
    bad = *r;
    bad.sp_entity_id = SP2;
    MND_ASSERT_ERR(mnd_saml_slo_respond(idp, p, &bad, 1, &a), MND_EINVAL, "disagree");
    bad = *r;
    bad.dump = "<not a dump";
    MND_ASSERT_ERR(mnd_saml_slo_respond(idp, p, &bad, 1, &a), MND_EINVAL, "cannot read");
    apr_pool_destroy(p);
}

static void test_unsigned_and_wrong_key(void **state)
{
    (void)state;
    expect_refused(sp_request(gp, &sp1, LASSO_HTTP_METHOD_REDIRECT,
                              LASSO_PROFILE_SIGNATURE_HINT_FORBID, NULL, NULL, NULL),
                   MND_EFORBIDDEN, "not signed");
    expect_refused(sp_request(gp, &sp1, LASSO_HTTP_METHOD_POST,
                              LASSO_PROFILE_SIGNATURE_HINT_FORBID, NULL, NULL, NULL),
                   MND_EFORBIDDEN, "not signed");
    expect_refused(sp_request(gp, &sp1_evil, LASSO_HTTP_METHOD_REDIRECT,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                   MND_EFORBIDDEN, "bad signature");
    expect_refused(sp_request(gp, &sp1_evil, LASSO_HTTP_METHOD_POST,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                   MND_EFORBIDDEN, "bad signature");
}

/* The XML of a POST LogoutRequest. */
static char *post_xml(apr_pool_t *p, const sp_t *sp, tweak_fn *tweak)
{
    return fx_body_xml(p, sp_request(p, sp, LASSO_HTTP_METHOD_POST,
                                     LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, tweak, NULL)
                              .body);
}

static fx_msg_t post_with_xml(apr_pool_t *p, const char *xml)
{
    fx_msg_t m = {"POST", NULL, NULL, NULL};
    m.body = fx_saml_param(p, xml, strlen(xml), FX_PLAIN);
    return m;
}

/* A signed POST request with its signature stripped, or its SessionIndex altered. */
static void test_tampered(void **state)
{
    const char *end = "</Signature>";
    char *x = post_xml(gp, &sp1, NULL), *s, *e;
    (void)state;
    s = strstr(x, "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"");
    e = strstr(x, end);
    assert_true(s && e);
    memmove(s, e + strlen(end), strlen(e + strlen(end)) + 1);
    assert_null(strstr(x, "Signature"));
    expect_refused(post_with_xml(gp, x), MND_EFORBIDDEN, "not signed");
    x = post_xml(gp, &sp1, NULL);
    assert_non_null(s = strstr(x, SESSION_INDEX));
    s[strlen(SESSION_INDEX) - 1] = '2';
    expect_refused(post_with_xml(gp, x), MND_EFORBIDDEN, "bad signature");
}

static void test_sha1_refused(void **state)
{
    (void)state;
    sp1.server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA1;
    fx_msg_t get = sp_request(gp, &sp1, LASSO_HTTP_METHOD_REDIRECT,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL);
    fx_msg_t post = sp_request(gp, &sp1, LASSO_HTTP_METHOD_POST,
                               LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL);
    sp1.server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
    assert_non_null(strstr(get.query, "xmldsig%23rsa-sha1"));
    expect_refused(get, MND_EFORBIDDEN, "rsa-sha1 refused");
    expect_refused(post, MND_EFORBIDDEN, "sha1 refused");
}

/* An SP we do not know; an AuthnRequest sent to the SLO endpoint. */
static void test_wrong_sender(void **state)
{
    LassoLogin *l = lasso_login_new(sp1.server);
    fx_msg_t m = {"GET", NULL, NULL, NULL};
    (void)state;
    expect_refused(sp_request(gp, &sp3, LASSO_HTTP_METHOD_REDIRECT,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                   MND_EFORBIDDEN, "unknown SP " SP3);
    assert_int_equal(lasso_login_init_authn_request(l, FX_IDP_ID, LASSO_HTTP_METHOD_REDIRECT), 0);
    assert_int_equal(lasso_login_build_authn_request_msg(l), 0);
    m.query = apr_pstrdup(gp, strchr(LASSO_PROFILE(l)->msg_url, '?') + 1);
    lasso_release_gobject(l);
    expect_refused(m, MND_EINVAL, "not a samlp:LogoutRequest");
}

static void tweak_expired(LassoSamlp2LogoutRequest *r)
{
    lasso_assign_string(r->NotOnOrAfter, "2020-01-01T00:00:00Z");
}
static void tweak_bad_time(LassoSamlp2LogoutRequest *r)
{
    lasso_assign_string(r->NotOnOrAfter, "yesterday");
}

static void test_validity_refused(void **state)
{
    char *x;
    const char *d = "Destination=\"" FX_SLO_URL "\"";
    (void)state;
    /* Signed by SP1's key for the Destination an SP gets from our metadata: another one. */
    expect_refused(sp_request(gp, &sp1_dest, LASSO_HTTP_METHOD_REDIRECT,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                   MND_EINVAL, "Destination https://other.example/slo is not");
    expect_refused(sp_request(gp, &sp1_dest, LASSO_HTTP_METHOD_POST,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                   MND_EINVAL, "Destination https://other.example/slo is not");
    expect_refused(sp_request(gp, &sp1, LASSO_HTTP_METHOD_REDIRECT,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, tweak_expired, NULL),
                   MND_EINVAL, "expired");
    expect_refused(sp_request(gp, &sp1, LASSO_HTTP_METHOD_POST, LASSO_PROFILE_SIGNATURE_HINT_MAYBE,
                              NULL, tweak_expired, NULL),
                   MND_EINVAL, "expired");
    expect_refused(sp_request(gp, &sp1, LASSO_HTTP_METHOD_POST, LASSO_PROFILE_SIGNATURE_HINT_MAYBE,
                              NULL, tweak_bad_time, NULL),
                   MND_EINVAL, "is not a time");
    /* Destination is under the signature: a changed one is a bad signature first. */
    x = post_xml(gp, &sp1, NULL);
    assert_non_null(strstr(x, d));
    memcpy(strstr(x, d) + strlen(d) - 4, "xlo", 3);
    expect_refused(post_with_xml(gp, x), MND_EFORBIDDEN, "bad signature");
}

static fx_msg_t get_deflated(apr_pool_t *p, const char *data, size_t n)
{
    fx_msg_t m = {"GET", NULL, NULL, NULL};
    m.query = fx_saml_param(p, data, n, FX_DEFLATE_BEST);
    return m;
}

#define LR_HEAD                                                                                   \
    "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "                  \
    "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_x1\" Version=\"2.0\" "            \
    "IssueInstant=\"2026-01-01T00:00:00Z\">"
#define LR_OPEN LR_HEAD "<saml:Issuer>" SP1 "</saml:Issuer>"

static void test_malformed(void **state)
{
    apr_pool_t *p;
    char *big;
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>" LR_OPEN
        "<saml:NameID>&lol2;</saml:NameID></samlp:LogoutRequest>";
    (void)state;
    apr_pool_create(&p, gp);
    expect_refused(post_with_xml(p, laughs), MND_EINVAL, "DOCTYPE");
    expect_refused(get_deflated(p, laughs, strlen(laughs)), MND_EINVAL, "DOCTYPE");
    expect_refused((fx_msg_t){"GET", "SAMLRequest=ab*d", NULL, NULL}, MND_EINVAL,
                   "invalid base64");
    expect_refused((fx_msg_t){"POST", NULL, "SAMLRequest=abc", NULL}, MND_EINVAL,
                   "invalid base64");
    expect_refused((fx_msg_t){"GET", "SAMLRequest=YWJj;RelayState=x", NULL, NULL}, MND_EINVAL,
                   "';'");
    expect_refused((fx_msg_t){"POST", NULL, "SAMLResponse=YWJj", NULL}, MND_EINVAL,
                   "no SAMLRequest");
    big = apr_palloc(p, 300001);
    memset(big, ' ', 300000);
    big[300000] = '\0';
    memcpy(big, LR_OPEN, strlen(LR_OPEN));
    expect_refused(post_with_xml(p, apr_pstrndup(p, big, 70000)), MND_EINVAL, "over 65536");
    expect_refused((fx_msg_t){"POST", NULL, big, NULL}, MND_EINVAL, "as received");
    expect_refused(get_deflated(p, big, 300000), MND_EINVAL, "once inflated");
    expect_refused(post_with_xml(p, LR_OPEN "<saml:NameID>n</saml:NameID></samlp:LogoutRequest>"),
                   MND_EFORBIDDEN, "not signed");
    apr_pool_destroy(p);
}

/* Children lasso 2.8.1 would not parse into exactly one NameID: it then logs at GLib's
 * G_LOG_LEVEL_ERROR and the process aborts. Each must be refused before lasso. */
static const struct {
    const char *children, *needle;
} bad_shapes[] = {
    {"<saml:Issuer>" SP1 "</saml:Issuer>", "no NameID"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><samlp:SessionIndex>s</samlp:SessionIndex>",
     "<SessionIndex> where NameID is needed"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><saml:NameID>n</saml:NameID>"
     "<samlp:SessionIndex>s</samlp:SessionIndex><saml:NameID>m</saml:NameID>",
     "<NameID> not expected"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><saml:NameID>n</saml:NameID><saml:NameID>m</saml:NameID>",
     "<NameID> not expected"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><x/><saml:NameID>n</saml:NameID>",
     "<x> where NameID is needed"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><samlp:Extensions/><saml:NameID>n</saml:NameID>",
     "<Extensions> where"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><saml:BaseID/>", "<BaseID> where"},
    {"<saml:NameID>n</saml:NameID><saml:Issuer>" SP1 "</saml:Issuer>",
     "<NameID> where Issuer is needed"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><![CDATA[x]]><saml:NameID>n</saml:NameID>", "CDATA"},
    {"<saml:Issuer>" SP1 "</saml:Issuer>text<saml:NameID>n</saml:NameID>", "CDATA"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><saml:NameID xmlns:xsi=\"http://www.w3.org/2001/"
     "XMLSchema-instance\" xmlns:l=\"http://www.entrouvert.org/namespaces/lasso/0.0\" "
     "xsi:type=\"l:Session\">n</saml:NameID>",
     "xsi:type"},
    {"<saml:Issuer>" SP1 "</saml:Issuer><saml:EncryptedID><xenc:EncryptedData "
     "xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedID>",
     "EncryptedID not supported"},
};

/* With want_signed_requests off: unsigned accepted, a present signature still verified, and
 * every malformed shape refused (unsigned, it would otherwise reach lasso's parser). */
static void test_unsigned_allowed_and_shapes(void **state)
{
    apr_pool_t *p;
    mnd_saml_idp_t *idp2, *keep = idp;
    mnd_saml_idp_conf_t c = fx_idp_conf(&idp_kp);
    mnd_saml_sp_conf_t spc = {sp_metadata(SP1, "sp1.example", &sp_kp, SLO_REDIRECT | SLO_POST),
                              "wse-loket", "mandaat", 0, 0};
    mnd_saml_logout_t *r;
    (void)state;
    apr_pool_create(&p, gp);
    c.want_signed_requests = 0;
    MND_ASSERT_OK(mnd_saml_idp_create(p, &c, &idp2));
    MND_ASSERT_OK(mnd_saml_idp_add_sp(idp2, p, &spc, NULL));
    idp = idp2;
    fx_msg_t m = sp_request(p, &sp1, LASSO_HTTP_METHOD_REDIRECT,
                            LASSO_PROFILE_SIGNATURE_HINT_FORBID, "rs", NULL, NULL);
    MND_ASSERT_OK(receive(p, m, &r));
    check_request(r, &m, &sp1, SP1, "rs", 0);
    expect_refused(sp_request(p, &sp1_evil, LASSO_HTTP_METHOD_POST,
                              LASSO_PROFILE_SIGNATURE_HINT_MAYBE, NULL, NULL, NULL),
                   MND_EFORBIDDEN, "bad signature");
    /* comments and blank text between the children are fine, several SessionIndex too */
    MND_ASSERT_OK(receive(p,
                          post_with_xml(p, LR_OPEN "<!-- c -->\n <saml:NameID>n1</saml:NameID>"
                                               "<samlp:SessionIndex>s1</samlp:SessionIndex>"
                                               "<samlp:SessionIndex>s2</samlp:SessionIndex>"
                                               "</samlp:LogoutRequest>"),
                          &r));
    assert_string_equal(r->name_id, "n1");
    assert_int_equal(r->session_indexes->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(r->session_indexes, 1, const char *), "s2");
    for (size_t i = 0; i < sizeof bad_shapes / sizeof *bad_shapes; i++)
        expect_refused(post_with_xml(p, apr_pstrcat(p, LR_HEAD, bad_shapes[i].children,
                                                    "</samlp:LogoutRequest>", NULL)),
                       MND_EINVAL, bad_shapes[i].needle);
    idp = keep;
    /* Signatures required: a signature element present (not valid) does not get it to lasso. */
    expect_refused(post_with_xml(p, LR_OPEN "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/"
                                            "xmldsig#\"/><samlp:SessionIndex>s</samlp:SessionIndex>"
                                            "</samlp:LogoutRequest>"),
                   MND_EINVAL, "where NameID is needed");
    apr_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_redirect_logout),
        cmocka_unit_test(test_post_logout),
        cmocka_unit_test(test_not_ok),
        cmocka_unit_test(test_binding_fallback),
        cmocka_unit_test(test_not_on_or_after),
        cmocka_unit_test(test_no_slo_endpoint),
        cmocka_unit_test(test_dump_mismatch),
        cmocka_unit_test(test_unsigned_and_wrong_key),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_sha1_refused),
        cmocka_unit_test(test_wrong_sender),
        cmocka_unit_test(test_validity_refused),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_unsigned_allowed_and_shapes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
