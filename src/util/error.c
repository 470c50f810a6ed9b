#include "util/error.h"

#include <apr_strings.h>
#include <stdarg.h>

mnd_error_t *mnd_error(apr_pool_t *p, mnd_rc_t rc, const char *fmt, ...)
{
    mnd_error_t *e = apr_palloc(p, sizeof(*e));
    va_list ap;
    va_start(ap, fmt);
    e->rc = rc;
    e->msg = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return e;
}

mnd_error_t *mnd_error_wrap(apr_pool_t *p, mnd_error_t *err, const char *fmt, ...)
{
    va_list ap;
    const char *prefix;
    if (!err)
        return NULL;
    va_start(ap, fmt);
    prefix = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    err->msg = apr_pstrcat(p, prefix, ": ", err->msg, NULL);
    return err;
}

const char *mnd_rc_name(mnd_rc_t rc)
{
    switch (rc) {
    case MND_OK: return "ok";
    case MND_EINVAL: return "invalid";
    case MND_ENOTFOUND: return "not_found";
    case MND_EFORBIDDEN: return "forbidden";
    case MND_ECONFLICT: return "conflict";
    case MND_ESTORE: return "store_unavailable";
    case MND_EINTERNAL: return "internal";
    }
    return "internal";
}
