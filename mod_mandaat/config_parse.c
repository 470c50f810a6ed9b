/* Value parsers of the Mandaat* directives: pure functions of (pool, directive, value) that
 * return NULL or a message naming the directive and the rule broken. They know nothing of
 * cmd_parms or server_rec, so config.c stays a thin table of setters over them. */
#include "mod_mandaat.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include <errno.h>
#include <string.h>

const char *mnd_cfg_parse_flag(apr_pool_t *p, const char *directive, const char *arg, int *out)
{
    if (!strcasecmp(arg, "On")) {
        *out = 1;
        return NULL;
    }
    if (!strcasecmp(arg, "Off")) {
        *out = 0;
        return NULL;
    }
    return apr_psprintf(p, "%s: expects On or Off, not '%s'", directive, arg);
}

const char *mnd_cfg_parse_int_range(apr_pool_t *p, const char *directive, const char *arg, int min,
                                    int max, int *out)
{
    char *end = NULL;
    apr_int64_t v;

    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (!*arg || !apr_isdigit(*arg) || *end || errno)
        return apr_psprintf(p, "%s: expects a number of seconds, not '%s'", directive, arg);
    if (v < min || v > max)
        return apr_psprintf(p, "%s: %s is outside the allowed range %d..%d", directive, arg, min,
                            max);
    *out = (int)v;
    return NULL;
}

/* Characters allowed in a path segment: RFC 3986 unreserved. Anything else (%, ?, #,
 * spaces, ';') would need escaping or change how httpd maps the URL, so it is refused rather
 * than normalised. */
static int endpoint_char_ok(char c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

const char *mnd_cfg_parse_endpoint_path(apr_pool_t *p, const char *directive, const char *arg)
{
    const char *c, *seg;
    size_t len = strlen(arg);

    if (arg[0] != '/')
        return apr_psprintf(p, "%s: '%s' must start with '/'", directive, arg);
    if (len == 1 || arg[len - 1] == '/')
        return apr_psprintf(p, "%s: '%s' must not end with '/' (write /mandaat, not /mandaat/)",
                            directive, arg);
    for (c = arg + 1, seg = c;; c++) {
        if (*c == '/' || *c == '\0') {
            size_t n = (size_t)(c - seg);
            if (n == 0)
                return apr_psprintf(p, "%s: '%s' has an empty segment ('//')", directive, arg);
            if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return apr_psprintf(p, "%s: '%s' must not have '.' or '..' segments", directive,
                                    arg);
            if (*c == '\0')
                break;
            seg = c + 1;
        } else if (!endpoint_char_ok(*c)) {
            return apr_psprintf(p,
                                "%s: '%s' has a character that is not allowed in the path "
                                "(only letters, digits, '-', '.', '_', '~' and '/'; no '%%', "
                                "'?', '#' or spaces)",
                                directive, arg);
        }
    }
    if (strstr(arg, ".."))
        return apr_psprintf(p, "%s: '%s' must not contain '..'", directive, arg);
    return NULL;
}

#define MND_SERVICE_ID_MAX 64

const char *mnd_cfg_parse_service_id(apr_pool_t *p, const char *directive, const char *arg)
{
    const char *c;
    size_t len = strlen(arg);

    if (len < 1 || len > MND_SERVICE_ID_MAX)
        return apr_psprintf(p, "%s: a service id has 1 to %d characters, '%s' has %lu", directive,
                            MND_SERVICE_ID_MAX, arg, (unsigned long)len);
    for (c = arg; *c; c++) {
        if (!apr_isalnum(*c) && !strchr("._:/-", *c))
            return apr_psprintf(p,
                                "%s: '%s' is not a service id (only letters, digits and "
                                "'.', '_', ':', '/', '-')",
                                directive, arg);
    }
    return NULL;
}

const char *mnd_cfg_parse_passphrase(apr_pool_t *p, const char *directive, const char *arg)
{
    /* The passphrase itself never appears in a message: configtest output ends up in logs. */
    if (!strncmp(arg, "exec:", 5) || !strncmp(arg, "file:", 5))
        return apr_psprintf(p,
                            "%s: the exec: and file: forms are not supported; give the "
                            "passphrase literally (and keep the file readable by root only)",
                            directive);
    if (strlen(arg) < MND_MIN_PASSPHRASE_LEN)
        return apr_psprintf(p, "%s: a passphrase needs at least %d characters (one has %lu)",
                            directive, MND_MIN_PASSPHRASE_LEN, (unsigned long)strlen(arg));
    return NULL;
}

const char *mnd_cfg_parse_socache(apr_pool_t *p, const char *directive, const char *arg,
                                  const char **name, const char **args)
{
    const char *sep = strchr(arg, ':');
    const char *c;

    *name = sep ? apr_pstrmemdup(p, arg, (apr_size_t)(sep - arg)) : arg;
    *args = sep ? sep + 1 : NULL;
    if (!**name)
        return apr_psprintf(p,
                            "%s: '%s' has no provider name (write e.g. shmcb or "
                            "redis:host:port)",
                            directive, arg);
    for (c = *name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '_')
            return apr_psprintf(p, "%s: '%s' is not a socache provider name", directive, *name);
    }
    return NULL;
}

const char *mnd_cfg_parse_header_name(apr_pool_t *p, const char *directive, const char *arg)
{
    const char *c;
    size_t len = strlen(arg);

    if (len < 1 || len > 64)
        return apr_psprintf(p, "%s: a header name has 1 to 64 characters", directive);
    for (c = arg; *c; c++) {
        /* RFC 9110 tchar */
        if (!apr_isalnum(*c) && !strchr("!#$%&'*+-.^_`|~", *c))
            return apr_psprintf(p, "%s: '%s' is not a header name (RFC 9110 token characters)",
                                directive, arg);
    }
    return NULL;
}
