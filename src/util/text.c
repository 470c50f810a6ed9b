/* Strict UTF-8 and identifier checks (util/text.h). */
#include "util/text.h"

#include <apr_lib.h>
#include <string.h>

size_t mnd_utf8_seq(const unsigned char *s, const unsigned char *end)
{
    size_t n, i;
    unsigned long cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    if ((size_t)(end - s) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

int mnd_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s, *end = u + len;
    size_t n;
    while (u < end) {
        if (!(n = mnd_utf8_seq(u, end)))
            return 0;
        u += n;
    }
    return 1;
}

int mnd_token_ok(const char *s, size_t max, const char *extra)
{
    size_t n = 0;
    if (!s || !*s)
        return 0;
    for (; *s; s++, n++)
        if (n >= max || !(apr_isalnum(*s) || strchr(extra, *s)))
            return 0;
    return 1;
}
