/* The parameters of an OAuth request (a query string or an application/x-www-form-urlencoded
 * body), read strictly: RFC 6749 section 3.1 says a parameter must not appear more than once,
 * so a repeated one refuses the whole request (it is how parameter pollution attacks start).
 * Pure: no httpd. */
#ifndef MND_OIDC_PARAMS_H
#define MND_OIDC_PARAMS_H

#include "util/error.h"

#include <apr_hash.h>
#include <apr_pools.h>

/* Largest request and largest single value accepted. */
#define MND_OIDC_MAX_REQUEST (16 * 1024)
#define MND_OIDC_MAX_VALUE 4096

/* Parse text (form encoding: '+' is a space, %XX escapes) into name -> value (const char *).
 * MND_EINVAL (message naming the parameter, never its value) for: text over
 * MND_OIDC_MAX_REQUEST, a value over MND_OIDC_MAX_VALUE, a bad or %00 escape, a control
 * character in a name or value, invalid UTF-8, a parameter given twice. Empty values count as
 * absent (RFC 6749 section 3.1: "parameters sent without a value MUST be treated as if they
 * were omitted"), but still count for the duplicate rule. */
mnd_error_t *mnd_oidc_params_parse(apr_pool_t *p, const char *text, apr_hash_t **out);

/* The value of name in params, or NULL. */
const char *mnd_oidc_param(apr_hash_t *params, const char *name);

#endif
