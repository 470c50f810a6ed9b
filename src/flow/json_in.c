#include "flow/json_in.h"

#include <string.h>

mnd_error_t *mnd_json_in(apr_pool_t *p, const char *what, const char *json, size_t len,
                         size_t max, json_t **out)
{
    json_error_t err;
    *out = NULL;
    if (!json || len == 0 || len > max)
        return mnd_error(p, MND_EINVAL, "%s JSON: empty or longer than the limit", what);
    if (memchr(json, '\0', len))
        return mnd_error(p, MND_EINVAL, "%s JSON: contains a NUL byte", what);
    /* jansson refuses \u0000 in strings unless JSON_ALLOW_NUL, and nesting beyond its depth
     * limit. */
    *out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!*out)
        return mnd_error(p, MND_EINVAL, "%s JSON: not valid JSON (line %d, column %d)", what,
                         err.line, err.column);
    return NULL;
}
