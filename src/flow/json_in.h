/* Strict reading of the JSON that the flow keeps server-side (transactions, sessions). */
#ifndef MND_FLOW_JSON_IN_H
#define MND_FLOW_JSON_IN_H

#include "util/error.h"

#include <jansson.h>

/* Parse len bytes of json (at most max, no NUL byte, no duplicate member) into *out, which the
 * caller releases with json_decref. Errors name `what` and give only the position: the text
 * near a parse error may be a secret. */
mnd_error_t *mnd_json_in(apr_pool_t *p, const char *what, const char *json, size_t len,
                         size_t max, json_t **out);

#endif
