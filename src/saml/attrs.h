/* The SAML attributes of a chosen capacity, per attribute profile (DESIGN.md section 3):
 *   mandaat  URI names under urn:be:vlaanderen:mandaat:attr: (NameFormat uri)
 *   acm      the Flemish ACM/IDM names (vo_doelgroepcode, vo_orgcode, ...; NameFormat basic)
 *   eidas    the eIDAS legal-person attributes (LegalPersonIdentifier, LegalName) with the
 *            acting person under .../naturalperson/representative/... (NameFormat uri)
 * The same session renders as the gateway's variables and the OIDC claims (flow/claims.h); the
 * values here agree with those. */
#ifndef MND_SAML_ATTRS_H
#define MND_SAML_ATTRS_H

#include "flow/session.h"
#include "saml/idp.h"

/* Whether name is a known profile. */
int mnd_saml_profile_valid(const char *name);

/* Whether profile can render the sessions of service_id: MND_EINVAL, naming the rule, for an
 * unknown profile, or for acm when "<service_id>_rol_3d" is not a valid basic attribute name
 * (an xs:Name). For checking a service provider's configuration at start. */
mnd_error_t *mnd_saml_profile_check(apr_pool_t *p, const char *profile, const char *service_id);

/* The attributes (mnd_saml_attr_t elements) of session s for profile, in a fixed order per
 * profile (docs/saml-attributes.md); members without a value are left out. MND_EINVAL for an
 * unknown profile, a profile that cannot render the session's service (see above), or a
 * session lacking its actor, service, party or capacity. */
mnd_error_t *mnd_saml_attrs(apr_pool_t *p, const mnd_session_t *s, const char *profile,
                            apr_array_header_t **out);

#endif
