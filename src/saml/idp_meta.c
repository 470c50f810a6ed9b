/* Metadata: ours, built as a libxml2 tree (never by string concatenation, so every value is
 * escaped by the serialiser), and what we read from a service provider's own metadata besides
 * what lasso keeps. */
#include "saml/idp_int.h"

#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define NAMEID_PERSISTENT "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
#define NAMEID_TRANSIENT "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

static xmlNodePtr add_endpoint(xmlNodePtr parent, xmlNsPtr md, const char *name,
                               const char *binding, const char *url)
{
    xmlNodePtr n = xmlNewChild(parent, md, BAD_CAST name, NULL);
    if (n) {
        xmlNewProp(n, BAD_CAST "Binding", BAD_CAST binding);
        xmlNewProp(n, BAD_CAST "Location", BAD_CAST url);
    }
    return n;
}

static void add_key(xmlNodePtr idp, xmlNsPtr md, const char *cert_b64)
{
    xmlNodePtr kd = xmlNewChild(idp, md, BAD_CAST "KeyDescriptor", NULL);
    xmlNsPtr ds = xmlNewNs(kd, BAD_CAST NS_DS, BAD_CAST "ds");
    xmlNewProp(kd, BAD_CAST "use", BAD_CAST "signing");
    xmlNodePtr ki = xmlNewChild(kd, ds, BAD_CAST "KeyInfo", NULL);
    xmlNodePtr xd = xmlNewChild(ki, ds, BAD_CAST "X509Data", NULL);
    /* xmlNewTextChild escapes; base64 has nothing to escape anyway. */
    xmlNewTextChild(xd, ds, BAD_CAST "X509Certificate", BAD_CAST cert_b64);
}

mnd_error_t *mnd_saml_meta_build(apr_pool_t *p, const mnd_saml_idp_conf_t *conf,
                                 const char *cert_b64, const char **xml)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root, idp;
    xmlNsPtr md;
    xmlChar *buf = NULL;
    int len = 0;

    root = xmlNewNode(NULL, BAD_CAST "EntityDescriptor");
    md = xmlNewNs(root, BAD_CAST NS_MD, BAD_CAST "md");
    xmlSetNs(root, md);
    xmlDocSetRootElement(doc, root);
    xmlNewProp(root, BAD_CAST "entityID", BAD_CAST conf->entity_id);
    idp = xmlNewChild(root, md, BAD_CAST "IDPSSODescriptor", NULL);
    xmlNewProp(idp, BAD_CAST "protocolSupportEnumeration",
               BAD_CAST "urn:oasis:names:tc:SAML:2.0:protocol");
    xmlNewProp(idp, BAD_CAST "WantAuthnRequestsSigned",
               BAD_CAST(conf->want_signed_requests ? "true" : "false"));
    add_key(idp, md, cert_b64);
    add_endpoint(idp, md, "SingleLogoutService", BINDING_REDIRECT, conf->slo_url);
    add_endpoint(idp, md, "SingleLogoutService", BINDING_POST, conf->slo_url);
    xmlNewTextChild(idp, md, BAD_CAST "NameIDFormat", BAD_CAST NAMEID_PERSISTENT);
    xmlNewTextChild(idp, md, BAD_CAST "NameIDFormat", BAD_CAST NAMEID_TRANSIENT);
    add_endpoint(idp, md, "SingleSignOnService", BINDING_REDIRECT, conf->sso_url);
    add_endpoint(idp, md, "SingleSignOnService", BINDING_POST, conf->sso_url);
    xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
    xmlFreeDoc(doc);
    if (!buf || len <= 0) {
        xmlFree(buf);
        return mnd_error(p, MND_EINTERNAL, "SAML metadata: cannot serialise");
    }
    *xml = apr_pstrmemdup(p, (const char *)buf, (apr_size_t)len);
    xmlFree(buf);
    return NULL;
}

/* ---- reading an SP's metadata ---- */

/* isDefault="true" wins, then the lowest index, then document order. */
static const char *pick_acs(apr_pool_t *p, xmlNodePtr spsso)
{
    const char *best = NULL;
    long best_idx = -1;
    for (xmlNodePtr c = spsso->children; c; c = c->next) {
        if (!mnd_saml_xml_is(c, NS_MD, "AssertionConsumerService"))
            continue;
        const char *b = mnd_saml_xml_prop(p, c, "Binding");
        const char *loc = mnd_saml_xml_prop(p, c, "Location");
        const char *def = mnd_saml_xml_prop(p, c, "isDefault");
        const char *idx = mnd_saml_xml_prop(p, c, "index");
        if (!b || strcmp(b, BINDING_POST) != 0 || !loc || !*loc)
            continue;
        long i = idx ? strtol(idx, NULL, 10) : 0;
        if (def && (strcmp(def, "true") == 0 || strcmp(def, "1") == 0))
            return loc;
        if (!best || i < best_idx) {
            best = loc;
            best_idx = i;
        }
    }
    return best;
}

static int has_encryption_key(apr_pool_t *p, xmlNodePtr spsso)
{
    for (xmlNodePtr c = spsso->children; c; c = c->next) {
        const char *use;
        if (mnd_saml_xml_is(c, NS_MD, "KeyDescriptor") && (use = mnd_saml_xml_prop(p, c, "use")) &&
            strcmp(use, "encryption") == 0)
            return 1;
    }
    return 0;
}

static mnd_error_t *scan_root(apr_pool_t *p, xmlNodePtr root, const char **entity_id,
                              int *encrypt, const char **default_acs)
{
    xmlNodePtr spsso = NULL;
    if (!root || !mnd_saml_xml_is(root, NS_MD, "EntityDescriptor"))
        return mnd_error(p, MND_EINVAL, "SAML SP metadata: the root must be one "
                                        "md:EntityDescriptor");
    *entity_id = mnd_saml_xml_prop(p, root, "entityID");
    if (!*entity_id || !**entity_id || strlen(*entity_id) > 1024)
        return mnd_error(p, MND_EINVAL, "SAML SP metadata: entityID missing or too long");
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (mnd_saml_xml_is(c, NS_MD, "SPSSODescriptor")) {
            if (spsso)
                return mnd_error(p, MND_EINVAL, "SAML SP metadata %s: two SPSSODescriptors",
                                 *entity_id);
            spsso = c;
        }
    if (!spsso)
        return mnd_error(p, MND_EINVAL, "SAML SP metadata %s: no SPSSODescriptor", *entity_id);
    *encrypt = has_encryption_key(p, spsso);
    *default_acs = pick_acs(p, spsso);
    if (!*default_acs)
        return mnd_error(p, MND_EINVAL,
                         "SAML SP metadata %s: no AssertionConsumerService for HTTP-POST",
                         *entity_id);
    return NULL;
}

mnd_error_t *mnd_saml_meta_sp_scan(apr_pool_t *p, const char *xml, const char **entity_id,
                                   int *encrypt, const char **default_acs)
{
    mnd_error_t *err;
    /* Metadata is configuration, but still parsed without network, DTD or entity expansion. */
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return mnd_error(p, MND_EINVAL, "SAML SP metadata: not well-formed XML");
    if (doc->intSubset) {
        xmlFreeDoc(doc);
        return mnd_error(p, MND_EINVAL, "SAML SP metadata: DOCTYPE not allowed");
    }
    err = scan_root(p, xmlDocGetRootElement(doc), entity_id, encrypt, default_acs);
    xmlFreeDoc(doc);
    return err;
}
