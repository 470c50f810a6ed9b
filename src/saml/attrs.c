/* A session rendered as the SAML attributes of one of three profiles. docs/saml-attributes.md
 * ("Attribute profiles") is the reference for service providers and says where each name
 * comes from. The values that also exist as gateway variables or OIDC claims (target group,
 * party type, ACM roles) come from flow/claims.c's helpers, so that the renderings cannot
 * drift apart. Values are raw text: lasso escapes them when it writes the XML. */
#include "saml/attrs.h"

#include "flow/claims.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

#define NF_URI "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
#define NF_BASIC "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
#define MANDAAT_NS "urn:be:vlaanderen:mandaat:attr:"
#define EIDAS_NP "http://eidas.europa.eu/attributes/naturalperson/"
#define EIDAS_LP "http://eidas.europa.eu/attributes/legalperson/"
/* eIDAS unique identifiers are "<country of origin>/<country of destination>/<id>". Both are
 * Belgium: the identifiers are Belgian and this IdP serves Belgian e-counters directly, not
 * through an eIDAS node that would set another destination. */
#define EIDAS_BE "BE/BE/"

typedef struct build_t {
    apr_pool_t *p;
    apr_array_header_t *out;
} build_t;

static int present(const char *v)
{
    return v && *v;
}

static int is_org(apr_pool_t *p, const char *id)
{
    const char *t = mnd_claims_party_type(p, id);
    return t && strcmp(t, "organisation") == 0;
}

/* Append an attribute with the given values, unless it has none: an absent member is left
 * out, never sent as an attribute without values or with an empty one. */
static void add_list(build_t *b, const char *name, const char *nf, const char *friendly,
                     const apr_array_header_t *values)
{
    apr_array_header_t *v;
    mnd_saml_attr_t *a;
    int i;
    if (!values)
        return;
    v = apr_array_make(b->p, values->nelts > 0 ? values->nelts : 1, sizeof(const char *));
    for (i = 0; i < values->nelts; i++) {
        const char *s = APR_ARRAY_IDX(values, i, const char *);
        if (present(s))
            APR_ARRAY_PUSH(v, const char *) = s;
    }
    if (v->nelts == 0)
        return;
    a = &APR_ARRAY_PUSH(b->out, mnd_saml_attr_t);
    a->name = name;
    a->name_format = nf;
    a->friendly_name = friendly;
    a->values = v;
}

static void add_one(build_t *b, const char *name, const char *nf, const char *friendly,
                    const char *value)
{
    apr_array_header_t *v = apr_array_make(b->p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(v, const char *) = value;
    add_list(b, name, nf, friendly, v);
}

/* ---- mandaat: our own names ------------------------------------------------------------ */

/* The FriendlyName is the name's last segment, so that mod_auth_mellon's MellonSetEnv and
 * similar mappings can use the short form. */
static void add_mandaat(build_t *b, const char *shortname, const char *value)
{
    add_one(b, apr_pstrcat(b->p, MANDAAT_NS, shortname, NULL), NF_URI, shortname, value);
}

static mnd_error_t *profile_mandaat(build_t *b, const mnd_session_t *s)
{
    apr_pool_t *p = b->p;
    add_mandaat(b, "person", s->actor);
    add_mandaat(b, "given_name", s->given_name);
    add_mandaat(b, "family_name", s->family_name);
    add_mandaat(b, "loa", apr_itoa(p, s->loa));
    add_mandaat(b, "service", s->service_id);
    add_mandaat(b, "basis", mnd_basis_name(s->basis));
    add_mandaat(b, "represents_type", mnd_claims_party_type(p, s->party));
    add_mandaat(b, "represents_id", s->party);
    add_mandaat(b, "represents_name", s->party_name);
    if (s->via) {
        add_mandaat(b, "via_type", mnd_claims_party_type(p, s->via));
        add_mandaat(b, "via_id", s->via);
        add_mandaat(b, "via_name", s->via_name);
    }
    if (s->mandate_id > 0)
        add_mandaat(b, "mandate_id", apr_psprintf(p, "%" APR_INT64_T_FMT, s->mandate_id));
    add_list(b, MANDAAT_NS "actions", NF_URI, "actions", s->actions);
    add_mandaat(b, "doelgroepcode", mnd_claims_doelgroep(p, s));
    add_mandaat(b, "capacity", s->cap_key);
    return NULL;
}

/* ---- acm: the Flemish ACM/IDM names ---------------------------------------------------- */

/* SAML core 8.2.1: a name of NameFormat basic must be an xs:Name. A service id may hold '/'
 * or start with a digit, '-' or '.', and "<service>_rol_3d" would then not be one. */
static int is_xs_name(const char *n)
{
    const char *c;
    if (!present(n) || !(apr_isalpha(*n) || *n == '_' || *n == ':'))
        return 0;
    for (c = n; *c; c++)
        if (!(apr_isalnum(*c) || strchr("_:.-", *c)))
            return 0;
    return 1;
}

static void add_acm(build_t *b, const char *name, const char *value)
{
    add_one(b, name, NF_BASIC, NULL, value);
}

/* rrn is not released: DESIGN.md section 3 gives it only to clients allowed to receive it,
 * and an SP's configuration has no such permission yet. The person is the NameID. */
static mnd_error_t *profile_acm(build_t *b, const mnd_session_t *s)
{
    apr_pool_t *p = b->p;
    int org = is_org(p, s->party);
    add_acm(b, "given_name", s->given_name);
    add_acm(b, "family_name", s->family_name);
    add_acm(b, "vo_doelgroepcode", mnd_claims_doelgroep(p, s));
    add_acm(b, "vo_orgcode", org ? s->party : NULL);
    add_acm(b, "vo_orgnaam", org ? s->party_name : NULL);
    add_acm(b, "wv_orgcode", s->basis == MND_BASIS_KBO ? s->party : NULL);
    add_acm(b, "ssm_mandaatgever", s->basis == MND_BASIS_MANDATE ? s->party : NULL);
    add_list(b, mnd_claims_rol_3d_name(p, s->service_id), NF_BASIC, NULL, mnd_claims_rol_3d(p, s));
    return NULL;
}

/* ---- eidas: the eIDAS SAML Attribute Profile (v1.2) ------------------------------------- */

static void add_eidas(build_t *b, const char *ns, const char *last, const char *friendly,
                      const char *value)
{
    add_one(b, apr_pstrcat(b->p, ns, last, NULL), NF_URI, friendly, value);
}

static const char *eidas_id(apr_pool_t *p, const char *id)
{
    return apr_pstrcat(p, EIDAS_BE, id, NULL);
}

/* The represented party: a legal person (KBO) or a natural person (INSZ). Names of a person
 * represented by mandate are left out: the session knows only the whole name for display, and
 * eIDAS wants family and given names apart. */
static void eidas_party(build_t *b, const mnd_session_t *s)
{
    if (is_org(b->p, s->party)) {
        add_eidas(b, EIDAS_LP, "LegalPersonIdentifier", "LegalPersonIdentifier",
                  eidas_id(b->p, s->party));
        add_eidas(b, EIDAS_LP, "LegalName", "LegalName", s->party_name);
    } else {
        add_eidas(b, EIDAS_NP, "PersonIdentifier", "PersonIdentifier", eidas_id(b->p, s->party));
    }
}

/* Own name: the person is the subject, without representation. Otherwise the represented
 * party is the subject; an intermediary organisation (the mandate's taker) is its legal-person
 * representative, and the acting person its natural-person representative. */
static mnd_error_t *profile_eidas(build_t *b, const mnd_session_t *s)
{
    const char *rep = EIDAS_NP "representative/", *lrep = EIDAS_LP "representative/";
    if (s->basis == MND_BASIS_SELF) {
        add_eidas(b, EIDAS_NP, "PersonIdentifier", "PersonIdentifier", eidas_id(b->p, s->actor));
        add_eidas(b, EIDAS_NP, "CurrentFamilyName", "FamilyName", s->family_name);
        add_eidas(b, EIDAS_NP, "CurrentGivenName", "FirstName", s->given_name);
        return NULL;
    }
    eidas_party(b, s);
    if (s->via) {
        add_eidas(b, lrep, "LegalPersonIdentifier", "RepresentativeLegalPersonIdentifier",
                  eidas_id(b->p, s->via));
        add_eidas(b, lrep, "LegalName", "RepresentativeLegalName", s->via_name);
    }
    add_eidas(b, rep, "PersonIdentifier", "RepresentativePersonIdentifier",
              eidas_id(b->p, s->actor));
    add_eidas(b, rep, "CurrentFamilyName", "RepresentativeFamilyName", s->family_name);
    add_eidas(b, rep, "CurrentGivenName", "RepresentativeFirstName", s->given_name);
    return NULL;
}

/* ---- profiles ---------------------------------------------------------------------------- */

typedef mnd_error_t *(*profile_fn)(build_t *b, const mnd_session_t *s);

static const struct {
    const char *name;
    profile_fn build;
} profiles[] = {
    {"mandaat", profile_mandaat},
    {"acm", profile_acm},
    {"eidas", profile_eidas},
};

static profile_fn profile_find(const char *name)
{
    size_t i;
    for (i = 0; name && i < sizeof(profiles) / sizeof(profiles[0]); i++)
        if (strcmp(profiles[i].name, name) == 0)
            return profiles[i].build;
    return NULL;
}

int mnd_saml_profile_valid(const char *name)
{
    return profile_find(name) != NULL;
}

static mnd_error_t *unknown_profile(apr_pool_t *p, const char *profile)
{
    return mnd_error(p, MND_EINVAL,
                     "saml attributes: unknown profile '%s' (known: mandaat, acm, eidas)",
                     profile ? profile : "(none)");
}

mnd_error_t *mnd_saml_profile_check(apr_pool_t *p, const char *profile, const char *service_id)
{
    if (!profile_find(profile))
        return unknown_profile(p, profile);
    if (!present(service_id))
        return mnd_error(p, MND_EINVAL, "saml attributes: a service id is needed");
    if (strcmp(profile, "acm") == 0 && !is_xs_name(mnd_claims_rol_3d_name(p, service_id)))
        return mnd_error(p, MND_EINVAL,
                         "saml attributes: profile acm names the role attribute "
                         "'<service>_rol_3d', which must be an xs:Name (SAML core 8.2.1: a "
                         "letter or '_' first, no '/'); service id '%s' cannot form one",
                         service_id);
    return NULL;
}

/* What every profile relies on; the same members the claims require (flow/claims.c). */
static const char *session_problem(apr_pool_t *p, const mnd_session_t *s)
{
    const char *actor_type;
    if (!s)
        return "no session";
    if (!present(s->actor) || !present(s->service_id) || !present(s->party) || !present(s->cap_key))
        return "the session lacks its actor, service, party or capacity";
    if ((unsigned)s->basis >= MND_BASIS__N)
        return "the session's basis is unknown";
    actor_type = mnd_claims_party_type(p, s->actor);
    if (!actor_type || strcmp(actor_type, "person") != 0)
        return "the actor must be a person's INSZ";
    if (!mnd_claims_party_type(p, s->party) || (s->via && !mnd_claims_party_type(p, s->via)))
        return "party and via must be party ids";
    /* Own name is rendered from the actor's own names; another party there would receive
     * them. */
    if (s->basis == MND_BASIS_SELF && strcmp(s->party, s->actor) != 0)
        return "in own name (basis self) the party must be the actor";
    return NULL;
}

mnd_error_t *mnd_saml_attrs(apr_pool_t *p, const mnd_session_t *s, const char *profile,
                            apr_array_header_t **out)
{
    profile_fn build = profile_find(profile);
    const char *bad;
    build_t b;

    *out = NULL;
    if (!build)
        return unknown_profile(p, profile);
    bad = session_problem(p, s);
    if (bad)
        return mnd_error(p, MND_EINVAL, "saml attributes: %s", bad);
    MND_TRY(mnd_saml_profile_check(p, profile, s->service_id));
    b.p = p;
    b.out = apr_array_make(p, 16, sizeof(mnd_saml_attr_t));
    MND_TRY(build(&b, s));
    *out = b.out;
    return NULL;
}
