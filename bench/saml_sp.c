/* The service provider of bench_saml (lasso in-process): see saml_sp.h. */
#include "saml_sp.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <lasso/lasso.h>
#include <lasso/utils.h>
#include <lasso/xml/misc_text_node.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <stdio.h>
#include <string.h>

struct mnd_bench_sp_t {
    LassoServer *server;
    const char *idp_entity_id;
};

const char *mnd_bench_sp_metadata(apr_pool_t *p, const char *entity_id, const char *acs_url,
                                  const char *cert_pem)
{
    /* The certificate's base64 body: the PEM without its armour lines and newlines. */
    const char *b = strstr(cert_pem, "-----\n"), *e = strstr(cert_pem, "-----END");
    char *body = b && e ? apr_pstrmemdup(p, b + 6, (apr_size_t)(e - b - 6)) : apr_pstrdup(p, "");
    char *o = body;
    for (const char *c = body; *c; c++)
        if (*c != '\n' && *c != '\r')
            *o++ = *c;
    *o = '\0';
    return apr_psprintf(
        p,
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"%s\">\n"
        "<md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
        "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>\n"
        "<md:AssertionConsumerService index=\"0\" isDefault=\"true\" "
        "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"%s\"/>\n"
        "</md:SPSSODescriptor></md:EntityDescriptor>\n",
        entity_id, body, acs_url);
}

static apr_status_t release_sp(void *data)
{
    mnd_bench_sp_t *sp = data;
    lasso_release_gobject(sp->server);
    return APR_SUCCESS;
}

mnd_bench_sp_t *mnd_bench_sp_new(apr_pool_t *p, const mnd_bench_sp_conf_t *c)
{
    mnd_bench_sp_t *sp = apr_pcalloc(p, sizeof(*sp));
    const char *id = strstr(c->idp_metadata, "entityID=\""), *e;
    sp->server = lasso_server_new_from_buffers(c->metadata, c->key_pem, NULL, c->cert_pem);
    if (!sp->server || !id || !(e = strchr(id + 10, '"'))) {
        fprintf(stderr, "bench_saml: lasso cannot make the SP (metadata, key or IdP entityID)\n");
        lasso_release_gobject(sp->server);
        return NULL;
    }
    apr_pool_cleanup_register(p, sp, release_sp, apr_pool_cleanup_null);
    sp->server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
    sp->idp_entity_id = apr_pstrmemdup(p, id + 10, (apr_size_t)(e - id - 10));
    if (lasso_server_add_provider_from_buffer(sp->server, LASSO_PROVIDER_ROLE_IDP, c->idp_metadata,
                                              NULL, NULL) != 0) {
        fprintf(stderr, "bench_saml: lasso cannot load the IdP's metadata\n");
        return NULL;
    }
    return sp;
}

const char *mnd_bench_sp_request(mnd_bench_sp_t *sp, apr_pool_t *p)
{
    LassoLogin *l = lasso_login_new(sp->server);
    LassoSamlp2AuthnRequest *r;
    const char *out = NULL, *url, *s;
    if (lasso_login_init_authn_request(l, sp->idp_entity_id, LASSO_HTTP_METHOD_REDIRECT) == 0) {
        r = LASSO_SAMLP2_AUTHN_REQUEST(LASSO_PROFILE(l)->request);
        lasso_assign_string(r->NameIDPolicy->Format, LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT);
        r->NameIDPolicy->AllowCreate = TRUE;
        lasso_assign_string(r->ProtocolBinding, LASSO_SAML2_METADATA_BINDING_POST);
        lasso_profile_set_signature_hint(LASSO_PROFILE(l), LASSO_PROFILE_SIGNATURE_HINT_FORCE);
        url = lasso_login_build_authn_request_msg(l) == 0 ? LASSO_PROFILE(l)->msg_url : NULL;
        /* Only the path and query: the client talks to 127.0.0.1 whatever PublicURL says. */
        if (url && (s = strstr(url, "://")) && (s = strchr(s + 3, '/')))
            out = apr_pstrdup(p, s);
    }
    lasso_release_gobject(l);
    return out;
}

typedef struct gen_t {
    const mnd_bench_sp_conf_t *c;
    apr_pool_t *pool;
    const char **out;
    int from, to, failed;
} gen_t;

static void *APR_THREAD_FUNC gen_thread(apr_thread_t *th, void *data)
{
    gen_t *g = data;
    mnd_bench_sp_t *sp = mnd_bench_sp_new(g->pool, g->c);
    for (int i = g->from; i < g->to; i++)
        if (!sp || !(g->out[i] = mnd_bench_sp_request(sp, g->pool)))
            g->failed++;
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

apr_array_header_t *mnd_bench_sp_requests(apr_pool_t *p, const mnd_bench_sp_conf_t *c, int n,
                                          int threads)
{
    apr_array_header_t *a = apr_array_make(p, n, sizeof(const char *));
    apr_thread_t **th = apr_pcalloc(p, sizeof(*th) * (size_t)threads);
    gen_t *g = apr_pcalloc(p, sizeof(*g) * (size_t)threads);
    int i, failed = 0;
    a->nelts = n;
    for (i = 0; i < threads; i++) {
        g[i] = (gen_t){c, NULL, (const char **)a->elts, n * i / threads, n * (i + 1) / threads, 0};
        apr_pool_create(&g[i].pool, p);
        if (apr_thread_create(&th[i], NULL, gen_thread, &g[i], p) != APR_SUCCESS)
            return NULL;
    }
    for (i = 0; i < threads; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, th[i]);
        failed += g[i].failed;
    }
    return failed ? NULL : a;
}

int mnd_bench_count_signatures(const char *xml)
{
    int n = 0;
    for (const char *s = xml; (s = strstr(s, "Signature")) != NULL; s++)
        if ((s - xml >= 1 && s[-1] == '<') || (s - xml >= 4 && !strncmp(s - 4, "<ds:", 4)))
            if (s[9] == ' ' || s[9] == '>')
                n++;
    return n;
}

/* The assertion's attributes as the IdP's core takes them (mnd_saml_attr_t). */
static apr_array_header_t *read_attrs(apr_pool_t *p, LassoSaml2Assertion *a)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(mnd_saml_attr_t));
    for (GList *s = a->AttributeStatement; s; s = s->next) {
        LassoSaml2AttributeStatement *st = s->data;
        for (GList *at = st->Attribute; at; at = at->next) {
            LassoSaml2Attribute *x = at->data;
            mnd_saml_attr_t *m = &APR_ARRAY_PUSH(out, mnd_saml_attr_t);
            m->name = apr_pstrdup(p, x->Name);
            m->name_format = apr_pstrdup(p, x->NameFormat);
            m->friendly_name = x->FriendlyName ? apr_pstrdup(p, x->FriendlyName) : NULL;
            m->values = apr_array_make(p, 2, sizeof(const char *));
            for (GList *v = x->AttributeValue; v; v = v->next) {
                LassoSaml2AttributeValue *av = v->data;
                for (GList *t = av->any; t; t = t->next)
                    if (LASSO_IS_MISC_TEXT_NODE(t->data))
                        APR_ARRAY_PUSH(m->values, const char *) =
                            apr_pstrdup(p, LASSO_MISC_TEXT_NODE(t->data)->content);
            }
        }
    }
    return out;
}

void mnd_bench_sp_check(mnd_bench_sp_t *sp, apr_pool_t *p, const char *saml_response,
                        mnd_bench_resp_info_t *out)
{
    char *xml = apr_palloc(p, apr_base64_decode_len(saml_response) + 1);
    LassoLogin *l = lasso_login_new(sp->server);
    int rc;
    memset(out, 0, sizeof(*out));
    out->xml_bytes = (size_t)apr_base64_decode(xml, saml_response);
    xml[out->xml_bytes] = '\0';
    out->signatures = mnd_bench_count_signatures(xml);
    rc = lasso_login_process_authn_response_msg(l, (char *)saml_response);
    if (!rc)
        rc = lasso_login_accept_sso(l);
    out->lasso_rc = rc;
    out->verified = rc == 0;
    if (!rc) {
        LassoSaml2Assertion *a = LASSO_SAML2_ASSERTION(lasso_login_get_assertion(l));
        if (a && a->AuthnStatement) {
            LassoSaml2AuthnStatement *as = a->AuthnStatement->data;
            out->session_index = as->SessionIndex ? apr_pstrdup(p, as->SessionIndex) : NULL;
        }
        if (a)
            out->attrs = read_attrs(p, a);
        lasso_release_gobject(a);
    }
    lasso_release_gobject(l);
}
