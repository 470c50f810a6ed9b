/* Strict reading of OAuth request parameters (a query string or a form body). Lenient
 * parsers are where parameter pollution and smuggling start: the same text must mean the
 * same thing to us, to the client and to anything in between, so whatever two parsers could
 * read differently (a repeated parameter, a bad escape, a NUL, a control character, bytes that
 * are not UTF-8) refuses the whole request. Messages name the parameter, never its value. */
#include "oidc/params.h"
#include "util/text.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <string.h>

/* Longest parameter name quoted in a message. */
#define NAME_IN_MESSAGE 40

/* NULL when the decoded text s (len bytes) is valid UTF-8 without control characters (C0,
 * DEL, and C1: U+0080..U+009F), else what is wrong. */
static const char *text_rule(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s, *end = u + len;
    size_t n;
    while (u < end) {
        if (!(n = mnd_utf8_seq(u, end)))
            return "is not valid UTF-8";
        if ((n == 1 && (*u < 0x20 || *u == 0x7F)) || (n == 2 && u[0] == 0xC2 && u[1] < 0xA0))
            return "holds a control character";
        u += n;
    }
    return NULL;
}

/* Decode one form-encoded component (len bytes at s): '+' is a space, %XX an escape. *why
 * says what is wrong when NULL is returned. */
static const char *decode(apr_pool_t *p, const char *s, size_t len, const char **why)
{
    const char *raw = apr_pstrmemdup(p, s, len);
    apr_size_t size = 0;
    char *out;
    /* apr_unescape_url refuses a malformed escape (APR_EINVAL) and %00 (APR_BADCH). */
    switch (apr_unescape_url(NULL, raw, APR_ESCAPE_STRING, NULL, NULL, 1, &size)) {
    case APR_SUCCESS:
        break;
    case APR_NOTFOUND:
        return raw;
    case APR_BADCH:
        *why = "holds %00 (a NUL byte)";
        return NULL;
    default:
        *why = "holds a bad %-escape";
        return NULL;
    }
    out = apr_palloc(p, size);
    if (apr_unescape_url(out, raw, APR_ESCAPE_STRING, NULL, NULL, 1, NULL) != APR_SUCCESS) {
        *why = "holds a bad %-escape";
        return NULL;
    }
    return out;
}

/* A name fit for a message: printable ASCII and short, else a placeholder. */
static const char *name_for_message(const char *name)
{
    const char *s;
    if (!name || !*name || strlen(name) > NAME_IN_MESSAGE)
        return "(a parameter)";
    for (s = name; *s; s++)
        if (*s < 0x21 || *s > 0x7E)
            return "(a parameter)";
    return name;
}

/* One name=value pair (len bytes at s) into params. */
static mnd_error_t *pair(apr_pool_t *p, const char *s, size_t len, apr_hash_t *params)
{
    const char *eq = memchr(s, '=', len), *name, *value, *why = NULL;
    size_t nlen = eq ? (size_t)(eq - s) : len, vlen = eq ? len - nlen - 1 : 0;
    if (nlen == 0)
        return mnd_error(p, MND_EINVAL, "OAuth request: a parameter without a name");
    if (nlen > MND_OIDC_MAX_VALUE)
        return mnd_error(p, MND_EINVAL,
                         "OAuth request: a parameter name is longer than %d "
                         "bytes",
                         MND_OIDC_MAX_VALUE);
    if (!(name = decode(p, s, nlen, &why)) || (why = text_rule(name, strlen(name))))
        return mnd_error(p, MND_EINVAL, "OAuth request: a parameter name %s", why);
    if (!*name)
        return mnd_error(p, MND_EINVAL, "OAuth request: a parameter without a name");
    if (vlen > 3 * MND_OIDC_MAX_VALUE)
        return mnd_error(p, MND_EINVAL, "OAuth request: parameter %s is longer than %d bytes",
                         name_for_message(name), MND_OIDC_MAX_VALUE);
    if (!(value = decode(p, eq ? eq + 1 : "", vlen, &why)) ||
        (why = text_rule(value, strlen(value))))
        return mnd_error(p, MND_EINVAL, "OAuth request: parameter %s %s", name_for_message(name),
                         why);
    if (strlen(value) > MND_OIDC_MAX_VALUE)
        return mnd_error(p, MND_EINVAL, "OAuth request: parameter %s is longer than %d bytes",
                         name_for_message(name), MND_OIDC_MAX_VALUE);
    /* RFC 6749 section 3.1: "Request and response parameters MUST NOT be included more than
     * once", and an empty one is still included. */
    if (apr_hash_get(params, name, APR_HASH_KEY_STRING))
        return mnd_error(p, MND_EINVAL, "OAuth request: parameter %s is given more than once",
                         name_for_message(name));
    apr_hash_set(params, name, APR_HASH_KEY_STRING, value);
    return NULL;
}

mnd_error_t *mnd_oidc_params_parse(apr_pool_t *p, const char *text, apr_hash_t **out)
{
    apr_hash_t *params = apr_hash_make(p);
    const char *s = text ? text : "", *amp;
    size_t len = strlen(s), n;
    *out = NULL;
    if (len > MND_OIDC_MAX_REQUEST)
        return mnd_error(p, MND_EINVAL, "OAuth request: longer than %d bytes",
                         MND_OIDC_MAX_REQUEST);
    while (*s) {
        amp = strchr(s, '&');
        n = amp ? (size_t)(amp - s) : strlen(s);
        /* "a=1&&b=2" or a trailing '&': an empty pair names nothing, as in every form
         * parser. */
        if (n > 0)
            MND_TRY(pair(p, s, n, params));
        s += n + (amp ? 1 : 0);
    }
    *out = params;
    return NULL;
}

const char *mnd_oidc_param(apr_hash_t *params, const char *name)
{
    const char *v = params && name ? apr_hash_get(params, name, APR_HASH_KEY_STRING) : NULL;
    return v && *v ? v : NULL;
}
