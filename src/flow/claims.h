/* One chosen capacity, three renderings (DESIGN.md section 3). This file renders a session as
 * the claims set shared by the gateway's JWT and, later, the OIDC tokens, and as the flat
 * MANDAAT_* variables of gateway mode. Names follow the Flemish ACM/IDM claims where one exists
 * (vo_doelgroepcode, vo_orgcode, ...) plus the standards-based ones (represents, via, basis,
 * authorization_details of RFC 9396). See docs/gateway.md. */
#ifndef MND_FLOW_CLAIMS_H
#define MND_FLOW_CLAIMS_H

#include "flow/session.h"

/* One exported variable: name is MANDAAT_<UPPER_SNAKE>, value raw UTF-8 text. */
typedef struct mnd_export_var_t {
    const char *name;
    const char *value;
} mnd_export_var_t;

/* The MANDAAT_* variables of session s, in a fixed order (mnd_export_var_t elements). Members
 * that are absent (no intermediary, no mandate) are left out, never exported empty. */
apr_array_header_t *mnd_export_vars(apr_pool_t *p, const mnd_session_t *s);

/* The request header name of variable name: MANDAAT_PARTY_NAME -> "Mandaat-Party-Name". */
const char *mnd_export_header_name(apr_pool_t *p, const char *var_name);

/* A header-safe rendering of a value: printable ASCII passes, anything else (UTF-8 names,
 * control characters) is percent-encoded, so no value can split or smuggle a header. */
const char *mnd_export_header_value(apr_pool_t *p, const char *value);

/* Whether header or variable name belongs to us: starts with "mandaat" followed by '-' or
 * '_', in any case, with '-' and '_' treated alike (what must be scrubbed from requests). */
int mnd_export_is_ours(const char *name);

/* The helpers below are what the claims and variables are made of, exported so that other
 * renderings of the same session (the SAML attribute profiles, saml/attrs.h) agree with them
 * value for value. */

/* "person" (an INSZ) or "organisation" (a KBO number) for a party id; NULL when it is neither. */
const char *mnd_claims_party_type(apr_pool_t *p, const char *id);

/* The ACM target group of s: "BUR" for own name, "EA" when the represented party is an
 * organisation, NULL for a person represented by mandate (ACM has no target group for it). */
const char *mnd_claims_doelgroep(apr_pool_t *p, const mnd_session_t *s);

/* The name of the ACM role claim of a service: "<service_id>_rol_3d". */
const char *mnd_claims_rol_3d_name(apr_pool_t *p, const char *service_id);

/* The ACM role values of s, in the order of its actions (const char * elements, possibly none):
 * "<action>:<represented party id>", bare action codes for own name (basis self). */
apr_array_header_t *mnd_claims_rol_3d(apr_pool_t *p, const mnd_session_t *s);

/* The claims of s as a JSON object (text): iss, aud (the service), iat, exp = now + ttl,
 * jti, sub (the acting person), given_name, family_name, acr, represents, via, basis,
 * mandate_id, authorization_details, vo_doelgroepcode, vo_orgcode, vo_orgnaam, wv_orgcode,
 * ssm_mandaatgever, <service>_rol_3d, sid (the session), txn. */
mnd_error_t *mnd_claims_json(apr_pool_t *p, const mnd_session_t *s, const char *issuer,
                             mnd_time_t now, int ttl, const char **out);

#endif
