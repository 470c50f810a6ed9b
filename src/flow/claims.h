/* One chosen capacity, three renderings (DESIGN.md section 3). This file renders a session as
 * the claims set shared by the gateway's JWT and, later, the OIDC tokens, and as the flat
 * MANDAAT_* variables of gateway mode. Names follow the Flemish ACM/IDM claims where one exists
 * (vo_doelgroepcode, vo_orgcode, ...) plus the standards-based ones (represents, via, basis,
 * authorization_details of RFC 9396). See docs/gateway.md. */
#ifndef MND_FLOW_CLAIMS_H
#define MND_FLOW_CLAIMS_H

#include "flow/session.h"

#include <jansson.h>

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

/* Whether party id is an organisation (a KBO number). */
int mnd_claims_is_org(apr_pool_t *p, const char *id);

/* The JSON building blocks of the claims, shared by the gateway's JWT (here) and the OIDC
 * tokens (oidc/tokens.c), so that both write every member the same way. */

/* Set key of o to v when v is present (not NULL or empty); 0 on an allocation or UTF-8
 * failure. */
int mnd_claims_set_str(json_t *o, const char *key, const char *v);

/* A JSON array of the strings of a (const char *; NULL gives []), NULL on failure. */
json_t *mnd_claims_string_array(const apr_array_header_t *a);

/* {"type", "id", "name"} for party id: type from id, "id" is shown_id (what the receiver may
 * see of id), name left out when absent. NULL on failure. */
json_t *mnd_claims_party_object(apr_pool_t *p, const char *id, const char *shown_id,
                                const char *name);

/* The mandate id of s as decimal text, NULL when s has none. */
const char *mnd_claims_mandate_id(apr_pool_t *p, const mnd_session_t *s);

/* authorization_details (RFC 9396) of s: one entry of type "mandaat" for the service, its
 * actions and the mandate id (else the capacity key). NULL on failure. */
json_t *mnd_claims_authorization_details(apr_pool_t *p, const mnd_session_t *s);

/* Add the standards-based capacity members of s to c: represents (its id shown as
 * shown_party), via, basis, mandate_id, authorization_details. 0 on failure. */
int mnd_claims_add_capacity(apr_pool_t *p, json_t *c, const mnd_session_t *s,
                            const char *shown_party);

/* Add the ACM members of s to c: vo_doelgroepcode, vo_orgcode, vo_orgnaam, wv_orgcode,
 * ssm_mandaatgever, <service>_rol_3d. 0 on failure. */
int mnd_claims_add_acm(apr_pool_t *p, json_t *c, const mnd_session_t *s);

/* The claims of s as a JSON object (text): iss, aud (the service), iat, exp = now + ttl,
 * jti, sub (the acting person), given_name, family_name, acr, represents, via, basis,
 * mandate_id, authorization_details, vo_doelgroepcode, vo_orgcode, vo_orgnaam, wv_orgcode,
 * ssm_mandaatgever, <service>_rol_3d, sid (the session), txn. */
mnd_error_t *mnd_claims_json(apr_pool_t *p, const mnd_session_t *s, const char *issuer,
                             mnd_time_t now, int ttl, const char **out);

#endif
