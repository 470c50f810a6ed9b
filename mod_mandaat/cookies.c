/* The module's two cookies (mandaat_txn, mandaat_session) carry only random handles to sealed
 * server-side state. Written with httpd's util_cookies so that the attributes are right on
 * every path: HttpOnly (no script reads them), SameSite=Lax (not sent on cross-site POSTs,
 * which is what CSRF needs), Secure unless configured off for tests over plain http. */
#include "login.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <util_cookies.h>

const char *mnd_cookie_handle(request_rec *r, const char *name)
{
    const char *v = NULL, *c;
    size_t len;

    if (ap_cookie_read(r, name, &v, 0) != APR_SUCCESS || !v)
        return NULL;
    len = strlen(v);
    if (len < 43 || len > 128)
        return NULL;
    for (c = v; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != '_')
            return NULL;
    }
    return v;
}

static const char *attrs(request_rec *r, const char *path)
{
    return apr_pstrcat(r->pool, "Path=", path, ";HttpOnly;SameSite=Lax",
                       mnd_conf_cookie_secure(r->server) ? ";Secure" : "", NULL);
}

void mnd_cookie_set(request_rec *r, const char *name, const char *value, const char *path,
                    int max_age)
{
    ap_cookie_write(r, name, value, attrs(r, path), max_age, r->err_headers_out, NULL);
}

void mnd_cookie_clear(request_rec *r, const char *name, const char *path)
{
    ap_cookie_remove(r, name, attrs(r, path), r->err_headers_out, NULL);
}
