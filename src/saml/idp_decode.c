/* An incoming AuthnRequest or LogoutRequest, checked before lasso parses it. lasso does parse
 * and verify it afterwards; these checks exist because lasso's limits are not ours: it inflates
 * up to 20 times the input, accepts SHA-1 signatures when built with the default minimum, and
 * parses a DOCTYPE before refusing it. Our own parse here is read-only (libxml2 without network,
 * DTD loading or entity substitution) and only reads what lasso does not expose. */
#include "saml/idp_int.h"

#include <apr_base64.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <zlib.h>

#define NS_SAMLP "urn:oasis:names:tc:SAML:2.0:protocol"
#define NS_SAML "urn:oasis:names:tc:SAML:2.0:assertion"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

/* RSA with SHA-2 only: SHA-1 (and DSA, HMAC) signatures are refused. */
static const char *const sig_algs[] = {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                       "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
                                       "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", NULL};
static const char *const digest_algs[] = {"http://www.w3.org/2001/04/xmlenc#sha256",
                                          "http://www.w3.org/2001/04/xmldsig-more#sha384",
                                          "http://www.w3.org/2001/04/xmlenc#sha512", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; s && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* ---- form / query parameters ---- */

typedef struct params_t {
    const char *saml_request, *relay_state, *sig_alg, *signature;
} params_t;

static int hexval(int c)
{
    return apr_isdigit(c) ? c - '0' : apr_isxdigit(c) ? (apr_tolower(c) - 'a' + 10) : -1;
}

/* application/x-www-form-urlencoded decoding; NULL on a bad escape or an encoded NUL. */
static char *url_decode(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+')
            *o++ = ' ';
        else if (s[i] == '%') {
            int h, l;
            if (i + 2 >= n || (h = hexval((unsigned char)s[i + 1])) < 0 ||
                (l = hexval((unsigned char)s[i + 2])) < 0 || (h == 0 && l == 0))
                return NULL;
            *o++ = (char)(h * 16 + l);
            i += 2;
        } else
            *o++ = s[i];
    }
    *o = '\0';
    return out;
}

static mnd_error_t *set_param(apr_pool_t *p, const char **slot, const char *name, const char *v,
                              size_t n)
{
    if (*slot)
        return mnd_error(p, MND_EINVAL, "SAML message: parameter %s given twice", name);
    if (!(*slot = url_decode(p, v, n)))
        return mnd_error(p, MND_EINVAL, "SAML message: bad URL encoding in %s", name);
    return NULL;
}

static mnd_error_t *parse_params(apr_pool_t *p, const char *s, params_t *out)
{
    static const char *const names[] = {"SAMLRequest", "RelayState", "SigAlg", "Signature"};
    memset(out, 0, sizeof *out);
    while (*s) {
        size_t len = strcspn(s, "&"), klen = strcspn(s, "=&");
        const char **slots[] = {&out->saml_request, &out->relay_state, &out->sig_alg,
                                &out->signature};
        for (int i = 0; i < 4 && klen < len; i++)
            if (strlen(names[i]) == klen && strncmp(s, names[i], klen) == 0)
                MND_TRY(set_param(p, slots[i], names[i], s + klen + 1, len - klen - 1));
        s += len;
        if (*s == '&')
            s++;
    }
    if (!out->saml_request || !*out->saml_request)
        return mnd_error(p, MND_EINVAL, "SAML message: no SAMLRequest");
    return NULL;
}

/* ---- base64 and DEFLATE ---- */

/* Strict base64 (APR decodes; we check first, since APR stops silently at a bad character):
 * the standard alphabet, '=' padding only at the end, ASCII whitespace ignored (some SPs wrap
 * lines). *clean is the text without whitespace. */
/* Whether s is only printable ASCII (0x20..0x7E). */
static int printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
            return 0;
    return 1;
}

static mnd_error_t *b64_decode(apr_pool_t *p, const char *in, const char **clean, char **out,
                               size_t *outlen)
{
    size_t n = strlen(in), k = 0, pad = 0;
    char *c = apr_palloc(p, n + 1);
    for (size_t i = 0; i < n; i++) {
        int ch = (unsigned char)in[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        if (ch == '=')
            pad++;
        else if (pad || !(apr_isalnum(ch) || ch == '+' || ch == '/'))
            return mnd_error(p, MND_EINVAL, "SAML message: invalid base64");
        c[k++] = (char)ch;
    }
    c[k] = '\0';
    if (k == 0 || k % 4 || pad > 2)
        return mnd_error(p, MND_EINVAL, "SAML message: invalid base64 (length or padding)");
    if (k / 4 * 3 > MND_SAML_MAX_XML + 3)
        return mnd_error(p, MND_EINVAL, "SAML message: over %d bytes", MND_SAML_MAX_XML);
    *out = apr_palloc(p, (apr_size_t)apr_base64_decode_len(c) + 1);
    *outlen = (size_t)apr_base64_decode(*out, c);
    (*out)[*outlen] = '\0';
    if (*outlen > MND_SAML_MAX_XML)
        return mnd_error(p, MND_EINVAL, "SAML message: over %d bytes", MND_SAML_MAX_XML);
    *clean = c;
    return NULL;
}

/* Raw DEFLATE (RFC 1951) into at most MND_SAML_MAX_XML bytes: a bomb stops at the cap. */
static mnd_error_t *inflate_capped(apr_pool_t *p, const char *in, size_t inlen, char **out,
                                   size_t *outlen)
{
    z_stream z;
    int rc;
    char *buf = apr_palloc(p, MND_SAML_MAX_XML + 1);
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return mnd_error(p, MND_EINTERNAL, "SAML message: inflateInit2 failed");
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)inlen;
    z.next_out = (Bytef *)buf;
    z.avail_out = MND_SAML_MAX_XML + 1; /* one spare byte tells "exactly full" from "more" */
    rc = inflate(&z, Z_FINISH);
    *outlen = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END && *outlen > MND_SAML_MAX_XML)
        return mnd_error(p, MND_EINVAL, "SAML message: over %d bytes once inflated",
                         MND_SAML_MAX_XML);
    if (rc != Z_STREAM_END)
        return mnd_error(p, MND_EINVAL, "SAML message: not valid raw DEFLATE data");
    buf[*outlen] = '\0';
    *out = buf;
    return NULL;
}

/* ---- the XML text ---- */

/* Lexical checks before any parser runs: UTF-8 only (no NUL, no BOM-less UTF-16, no other
 * declared encoding, since lasso's parser would honour a declaration), and no DTD at all. */
static mnd_error_t *check_text(apr_pool_t *p, const char *x, size_t n)
{
    const char *s = x, *end;
    if (strlen(x) != n)
        return mnd_error(p, MND_EINVAL, "SAML message: NUL byte in XML");
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    if (*s != '<')
        return mnd_error(p, MND_EINVAL, "SAML message: not UTF-8 XML");
    if (strstr(x, "<!DOCTYPE") || strstr(x, "<!ENTITY"))
        return mnd_error(p, MND_EINVAL, "SAML message: DOCTYPE not allowed");
    if (strncmp(s, "<?xml", 5) == 0 && (end = strstr(s, "?>"))) {
        char *enc = apr_pstrmemdup(p, s, (apr_size_t)(end - s));
        const char *e;
        for (char *c = enc; *c; c++)
            *c = (char)apr_tolower((unsigned char)*c);
        e = strstr(enc, "encoding");
        if (e && !strstr(e, "\"utf-8\"") && !strstr(e, "'utf-8'"))
            return mnd_error(p, MND_EINVAL, "SAML message: encodings other than UTF-8 refused");
    }
    return NULL;
}

int mnd_saml_xml_is(xmlNodePtr n, const char *ns, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, BAD_CAST ns) &&
           xmlStrEqual(n->name, BAD_CAST name);
}

const char *mnd_saml_xml_prop(apr_pool_t *p, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    const char *r = v ? apr_pstrdup(p, (const char *)v) : NULL;
    xmlFree(v);
    return r;
}

typedef struct walk_t {
    apr_pool_t *p;
    int signatures, bad_place;
    const char *bad_alg;
    int xsi_type;                 /* some element has an xsi:type attribute */
} walk_t;

static int has_xsi_type(xmlNodePtr n)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (a->ns && xmlStrEqual(a->ns->href, BAD_CAST NS_XSI) &&
            xmlStrEqual(a->name, BAD_CAST "type"))
            return 1;
    return 0;
}

/* Depth-first over elements: nesting limit, every ds:Signature and its algorithms. */
static mnd_error_t *walk(walk_t *w, xmlNodePtr n, int depth, xmlNodePtr root)
{
    if (depth > MND_SAML_MAX_DEPTH)
        return mnd_error(w->p, MND_EINVAL, "SAML message: nested deeper than %d elements",
                         MND_SAML_MAX_DEPTH);
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        w->xsi_type |= has_xsi_type(n);
        if (mnd_saml_xml_is(n, NS_DS, "Signature")) {
            w->signatures++;
            if (n->parent != root)
                w->bad_place = 1;
        } else if (mnd_saml_xml_is(n, NS_DS, "SignatureMethod")) {
            const char *a = mnd_saml_xml_prop(w->p, n, "Algorithm");
            if (!in_list(sig_algs, a))
                w->bad_alg = a ? a : "(none)";
        } else if (mnd_saml_xml_is(n, NS_DS, "DigestMethod")) {
            const char *a = mnd_saml_xml_prop(w->p, n, "Algorithm");
            if (!in_list(digest_algs, a))
                w->bad_alg = a ? a : "(none)";
        }
        MND_TRY(walk(w, n->children, depth + 1, root));
    }
    return NULL;
}

/* An element's name for a log message: bounded, printable ASCII. */
static const char *el_name(apr_pool_t *p, xmlNodePtr n)
{
    char *s = apr_pstrndup(p, (const char *)n->name, 64);
    for (char *c = s; *c; c++)
        if (!apr_isprint((unsigned char)*c))
            *c = '?';
    return s;
}

static int blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

#define LOGOUT_SHAPE "(Issuer, Signature?, NameID, SessionIndex*)"

/* The children of a LogoutRequest, exactly as we accept them. lasso 2.8.1 parses children in
 * schema order and, when that parse leaves it without exactly one of BaseID, NameID and
 * EncryptedID (an element it does not expect, out of order, or missing), logs at GLib's
 * G_LOG_LEVEL_ERROR, which aborts the process (samlp2_logout_request.c, init_from_xml). No
 * Extensions or BaseID (no SP needs them here); EncryptedID: our lasso server has no
 * decryption key. Whitespace and comments between elements are what lasso skips too. */
static mnd_error_t *check_logout_children(apr_pool_t *p, xmlNodePtr root)
{
    static const struct {
        const char *ns, *name;
        int min, max;
    } seq[] = {{NS_SAML, "Issuer", 1, 1},
               {NS_DS, "Signature", 0, 1},
               {NS_SAML, "NameID", 1, 1},
               {NS_SAMLP, "SessionIndex", 0, 1 << 30}};
    const size_t n = sizeof seq / sizeof *seq;
    size_t i = 0;
    int count = 0;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type == XML_COMMENT_NODE || (c->type == XML_TEXT_NODE && blank(c->content)))
            continue;
        if (c->type != XML_ELEMENT_NODE)
            return mnd_error(p, MND_EINVAL, "SAML LogoutRequest: text or CDATA among its "
                                            "children " LOGOUT_SHAPE);
        if (mnd_saml_xml_is(c, NS_SAML, "EncryptedID"))
            return mnd_error(p, MND_EINVAL, "SAML LogoutRequest: EncryptedID not supported "
                                            "(a NameID in clear is needed)");
        for (; i < n && !mnd_saml_xml_is(c, seq[i].ns, seq[i].name); i++, count = 0)
            if (count < seq[i].min)
                return mnd_error(p, MND_EINVAL, "SAML LogoutRequest: <%s> where %s is needed "
                                                LOGOUT_SHAPE, el_name(p, c), seq[i].name);
        if (i == n || ++count > seq[i].max)
            return mnd_error(p, MND_EINVAL, "SAML LogoutRequest: <%s> not expected there "
                                            LOGOUT_SHAPE, el_name(p, c));
    }
    for (; i < n; i++, count = 0)
        if (count < seq[i].min)
            return mnd_error(p, MND_EINVAL, "SAML LogoutRequest: no %s " LOGOUT_SHAPE,
                             seq[i].name);
    return NULL;
}

/* The root element's name, as our messages say it. */
static const char *kind_name(const mnd_saml_inmsg_t *m)
{
    return m->kind == MND_SAML_MSG_LOGOUT_REQUEST ? "LogoutRequest" : "AuthnRequest";
}

static mnd_error_t *read_request(apr_pool_t *p, xmlNodePtr root, mnd_saml_inmsg_t *m)
{
    xmlNodePtr iss = NULL;
    const char *what = kind_name(m);
    if (!root || !mnd_saml_xml_is(root, NS_SAMLP, what))
        return mnd_error(p, MND_EINVAL, "SAML message: not a samlp:%s", what);
    for (xmlNodePtr c = root->children; c && !iss; c = c->next)
        if (mnd_saml_xml_is(c, NS_SAML, "Issuer"))
            iss = c;
    if (iss) {
        xmlChar *t = xmlNodeGetContent(iss);
        m->issuer = t ? apr_pstrdup(p, (const char *)t) : NULL;
        xmlFree(t);
    }
    if (!m->issuer || !*m->issuer)
        return mnd_error(p, MND_EINVAL, "SAML %s: no Issuer", what);
    m->request_id = mnd_saml_xml_prop(p, root, "ID");
    if (!m->request_id || !*m->request_id || strlen(m->request_id) > 256)
        return mnd_error(p, MND_EINVAL, "SAML %s: ID missing or over 256 bytes", what);
    if (m->kind == MND_SAML_MSG_LOGOUT_REQUEST)
        return check_logout_children(p, root);
    m->has_acs_url = mnd_saml_xml_prop(p, root, "AssertionConsumerServiceURL") != NULL;
    m->has_acs_index = mnd_saml_xml_prop(p, root, "AssertionConsumerServiceIndex") != NULL;
    m->has_binding = mnd_saml_xml_prop(p, root, "ProtocolBinding") != NULL;
    if ((m->has_acs_url || m->has_binding) && m->has_acs_index)
        return mnd_error(p, MND_EINVAL, "SAML AuthnRequest: AssertionConsumerServiceIndex "
                                        "together with AssertionConsumerServiceURL or "
                                        "ProtocolBinding");
    return NULL;
}

static mnd_error_t *check_signatures(apr_pool_t *p, walk_t *w, mnd_saml_inmsg_t *m)
{
    const char *what = kind_name(m);
    /* lasso picks the class of a node by its xsi:type: an AuthnRequest's NameIDPolicy typed
     * as another lasso class was accepted, leaving an object of the wrong class where lasso
     * and we write NameIDPolicy->Format. No request we accept needs xsi:type. */
    if (w->xsi_type)
        return mnd_error(p, MND_EINVAL, "SAML %s: xsi:type not allowed", what);
    if (w->bad_alg)
        return mnd_error(p, MND_EFORBIDDEN, "SAML %s: signature algorithm %s "
                                            "refused (RSA with SHA-256 or better only)",
                         what, w->bad_alg);
    if (m->redirect && w->signatures)
        return mnd_error(p, MND_EINVAL, "SAML %s: XML signature inside an "
                                        "HTTP-Redirect message", what);
    if (w->signatures > 1 || w->bad_place)
        return mnd_error(p, MND_EFORBIDDEN, "SAML %s: one enveloped signature at "
                                            "most, as a child of %s", what, what);
    if (!m->redirect)
        m->signed_msg = w->signatures == 1;
    return NULL;
}

static mnd_error_t *check_xml(apr_pool_t *p, const char *x, size_t n, mnd_saml_inmsg_t *m)
{
    xmlDocPtr doc;
    walk_t w = {p, 0, 0, NULL, 0};
    mnd_error_t *err;

    MND_TRY(check_text(p, x, n));
    doc = xmlReadMemory(x, (int)n, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return mnd_error(p, MND_EINVAL, "SAML message: not well-formed XML");
    if (doc->intSubset)
        err = mnd_error(p, MND_EINVAL, "SAML message: DOCTYPE not allowed");
    else if (!(err = walk(&w, xmlDocGetRootElement(doc), 0, xmlDocGetRootElement(doc))) &&
             !(err = read_request(p, xmlDocGetRootElement(doc), m)))
        err = check_signatures(p, &w, m);
    xmlFreeDoc(doc);
    return err;
}

static mnd_error_t *check_query_sig(apr_pool_t *p, const params_t *pr, mnd_saml_inmsg_t *m)
{
    if (!pr->signature && !pr->sig_alg)
        return NULL;
    if (!pr->signature || !pr->sig_alg)
        return mnd_error(p, MND_EFORBIDDEN, "SAML %s: SigAlg and Signature go together",
                         kind_name(m));
    if (!in_list(sig_algs, pr->sig_alg))
        return mnd_error(p, MND_EFORBIDDEN, "SAML %s: signature algorithm %s "
                                            "refused (RSA with SHA-256 or better only)",
                         kind_name(m), pr->sig_alg);
    m->signed_msg = 1;
    return NULL;
}

mnd_error_t *mnd_saml_decode_message(apr_pool_t *p, mnd_saml_msg_kind_t kind, const char *method,
                                     const char *query, const char *body, mnd_saml_inmsg_t *m)
{
    params_t pr;
    const char *src, *clean;
    char *raw, *xml;
    size_t rawlen, xmllen;

    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->redirect = method && strcmp(method, "GET") == 0;
    if (!m->redirect && !(method && strcmp(method, "POST") == 0))
        return mnd_error(p, MND_EINVAL, "SAML message: method must be GET or POST");
    src = m->redirect ? query : body;
    if (!src)
        return mnd_error(p, MND_EINVAL, "SAML message: no %s", m->redirect ? "query" : "body");
    if (strlen(src) > MND_SAML_MAX_FORM)
        return mnd_error(p, MND_EINVAL, "SAML message: over %d bytes as received",
                         MND_SAML_MAX_FORM);
    /* lasso splits a query at ';' as well as '&': refuse what the two would read differently. */
    if (m->redirect && strchr(src, ';'))
        return mnd_error(p, MND_EINVAL, "SAML message: ';' in the query string");
    MND_TRY(parse_params(p, src, &pr));
    if (pr.relay_state && strlen(pr.relay_state) > MND_SAML_MAX_RELAY)
        return mnd_error(p, MND_EINVAL, "SAML message: RelayState over %d bytes",
                         MND_SAML_MAX_RELAY);
    /* It goes into the lasso dump (XML) and back out to the SP: what XML cannot carry would
     * make the pending request unreadable after the person chose. SPs send URLs, ids or
     * cookies' names; printable ASCII is all they need. */
    if (pr.relay_state && !printable_ascii(pr.relay_state))
        return mnd_error(p, MND_EINVAL,
                         "SAML message: RelayState has characters other than printable ASCII");
    m->relay_state = pr.relay_state;
    MND_TRY(b64_decode(p, pr.saml_request, &clean, &raw, &rawlen));
    if (m->redirect) {
        MND_TRY(check_query_sig(p, &pr, m));
        MND_TRY(inflate_capped(p, raw, rawlen, &xml, &xmllen));
    } else {
        if (pr.sig_alg || pr.signature)
            return mnd_error(p, MND_EINVAL, "SAML message: SigAlg/Signature parameters in an "
                                            "HTTP-POST message");
        xml = raw;
        xmllen = rawlen;
    }
    MND_TRY(check_xml(p, xml, xmllen, m));
    m->lasso_msg = m->redirect ? src : clean;
    return NULL;
}

mnd_error_t *mnd_saml_decode_request(apr_pool_t *p, const char *method, const char *query,
                                     const char *body, mnd_saml_inmsg_t *m)
{
    return mnd_saml_decode_message(p, MND_SAML_MSG_AUTHN_REQUEST, method, query, body, m);
}
