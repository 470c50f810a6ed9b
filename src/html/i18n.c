/* Messages of the pages in nl, fr, de, en; operator overrides; Accept-Language negotiation.
 * The built-in table (messages.c) is kept sorted by key (binary search; test_i18n checks the
 * order) and complete in all four languages (test_i18n checks that too). Message texts are
 * plain text: the template escapes them, so they never contain markup. */
#include "html/i18n.h"
#include "html/messages.h"
#include "util/file.h"
#include "util/text.h"

#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

typedef mnd_msg_def_t msg_def_t;

#define N_BUILTIN (mnd_builtin_catalog.n)
#define CATALOG_FILE_MAX (1024 * 1024)
#define AL_MAX_BYTES 4096 /* Accept-Language: parse at most this much ... */
#define AL_MAX_ITEMS 64   /* ... and this many items, so a huge header costs bounded work */

const mnd_catalog_t *mnd_catalog_builtin(void)
{
    return &mnd_builtin_catalog;
}

static int def_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const msg_def_t *)elem)->key);
}

size_t mnd_catalog_count(const mnd_catalog_t *cat)
{
    return cat ? cat->n : 0;
}

const char *mnd_catalog_key(const mnd_catalog_t *cat, size_t i)
{
    return cat && i < cat->n ? cat->defs[i].key : NULL;
}

static const msg_def_t *find_def(const mnd_catalog_t *cat, const char *key)
{
    if (!cat || !key)
        return NULL;
    return bsearch(key, cat->defs, cat->n, sizeof(msg_def_t), def_cmp);
}

const char *mnd_msg(const mnd_catalog_t *cat, mnd_lang_t l, const char *key)
{
    const msg_def_t *d = find_def(cat, key);
    if (!d)
        return NULL;
    if ((unsigned)l >= MND_LANG__N || !d->text[l])
        return d->text[MND_LANG_NL];
    return d->text[l];
}

/* 1..9 if s starts with "{d}" for a digit 1..9, else 0. */
static int arg_ref(const char *s)
{
    return (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}') ? s[1] - '0' : 0;
}

const char *mnd_msg_args(apr_pool_t *p, const mnd_catalog_t *cat, mnd_lang_t l, const char *key,
                         int nargs, const char *const *args)
{
    const char *text = mnd_msg(cat, l, key), *s;
    apr_size_t len = 0;
    char *out, *d;
    int n;
    if (!text)
        return NULL;
    /* Two passes (measure, then copy) so the result is one allocation. */
    for (s = text; *s;) {
        n = arg_ref(s);
        if (n && n <= nargs) {
            len += args[n - 1] ? strlen(args[n - 1]) : 0;
            s += 3;
        } else {
            len++;
            s++;
        }
    }
    d = out = apr_palloc(p, len + 1);
    for (s = text; *s;) {
        n = arg_ref(s);
        if (n && n <= nargs) {
            apr_size_t al = args[n - 1] ? strlen(args[n - 1]) : 0;
            memcpy(d, args[n - 1] ? args[n - 1] : "", al);
            d += al;
            s += 3;
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
    return out;
}

/* ---- operator overrides ---- */

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* An override may leave out arguments but not use one the code does not supply: it would
 * show up literally as "{3}" on the page. */
static mnd_error_t *check_args(apr_pool_t *p, const char *where, const char *key, const char *text,
                               const char *builtin)
{
    const char *s;
    for (s = text; *s; s++)
        if (arg_ref(s) && !strstr(builtin, apr_pstrndup(p, s, 3)))
            return mnd_error(p, MND_EINVAL,
                             "%s: message '%s' uses %.3s, which the code does not supply", where,
                             key, s);
    return NULL;
}

/* Apply one "key = text" line (already known not to be blank or a comment) to language l. */
static mnd_error_t *apply_line(apr_pool_t *p, msg_def_t *defs, char *seen, mnd_lang_t l,
                               const char *where, char *line)
{
    char *eq = strchr(line, '='), *key, *text;
    const char *k;
    msg_def_t *d;
    if (!eq)
        return mnd_error(p, MND_EINVAL, "%s: expected 'key = text'", where);
    *eq = '\0';
    key = trim(line);
    text = trim(eq + 1);
    for (k = key; *k; k++)
        if (!(apr_islower(*k) || apr_isdigit(*k) || strchr("_.-", *k)))
            break;
    if (!*key || *k)
        return mnd_error(p, MND_EINVAL, "%s: bad message key '%s' (allowed: a-z 0-9 _ . -)", where,
                         key);
    d = (msg_def_t *)find_def(&mnd_builtin_catalog, key);
    if (!d)
        return mnd_error(p, MND_EINVAL, "%s: unknown message key '%s'", where, key);
    if (!*text)
        return mnd_error(p, MND_EINVAL, "%s: message '%s' has an empty text", where, key);
    if (seen[d - mnd_builtin_catalog.defs])
        return mnd_error(p, MND_EINVAL, "%s: message '%s' given twice", where, key);
    seen[d - mnd_builtin_catalog.defs] = 1;
    MND_TRY(check_args(p, where, key, text, d->text[l]));
    defs[d - mnd_builtin_catalog.defs].text[l] = text;
    return NULL;
}

static mnd_error_t *load_lang(apr_pool_t *p, const char *dir, mnd_lang_t l, msg_def_t *defs)
{
    const char *path = apr_pstrcat(p, dir, "/", mnd_lang_code(l), ".txt", NULL);
    char *buf, *line, *next, *seen;
    apr_size_t len;
    int lineno = 0;
    mnd_error_t *err = mnd_file_read(p, path, CATALOG_FILE_MAX, &buf, &len);
    if (err && err->rc == MND_ENOTFOUND)
        return NULL; /* no override for this language */
    MND_TRY(err);
    if (memchr(buf, '\0', len) || !mnd_utf8_valid(buf, len))
        return mnd_error(p, MND_EINVAL, "%s: not UTF-8 text", path);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3; /* editors on some systems write a byte order mark */
    seen = apr_pcalloc(p, N_BUILTIN);
    for (line = buf; line; line = next) {
        char *t;
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        t = trim(line);
        if (!*t || *t == '#')
            continue;
        MND_TRY(apply_line(p, defs, seen, l, apr_psprintf(p, "%s:%d", path, lineno), t));
    }
    return NULL;
}

mnd_error_t *mnd_catalog_load(apr_pool_t *p, const char *dir, const mnd_catalog_t **out)
{
    apr_finfo_t fi;
    mnd_catalog_t *cat;
    msg_def_t *defs;
    int l;
    if (!dir || apr_stat(&fi, dir, APR_FINFO_TYPE, p) != APR_SUCCESS || fi.filetype != APR_DIR)
        return mnd_error(p, MND_EINVAL, "message catalogue %s: not a directory",
                         dir ? dir : "(null)");
    defs = apr_pmemdup(p, mnd_builtin_catalog.defs, N_BUILTIN * sizeof(msg_def_t));
    for (l = 0; l < MND_LANG__N; l++)
        MND_TRY(load_lang(p, dir, (mnd_lang_t)l, defs));
    cat = apr_palloc(p, sizeof(*cat));
    cat->defs = defs;
    cat->n = N_BUILTIN;
    *out = cat;
    return NULL;
}

/* ---- Accept-Language (RFC 9110 section 12.5.4) ---- */

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as 0..1000; -1 if malformed. */
static int parse_qvalue(const char *s, const char *end)
{
    int q, scale = 100, n = 0;
    if (s >= end || (*s != '0' && *s != '1'))
        return -1;
    q = (*s++ - '0') * 1000;
    if (s < end && *s == '.')
        for (s++; s < end && n < 3 && apr_isdigit(*s); s++, n++, scale /= 10)
            q += (*s - '0') * scale;
    return (s == end && q <= 1000) ? q : -1;
}

/* 1 if [s, end) is a language-range 1*8ALPHA *( "-" 1*8alphanum ); *primary_end ends the
 * primary subtag, which alone selects our language (nl-BE is served nl). */
static int range_valid(const char *s, const char *end, const char **primary_end)
{
    const char *r;
    int n = 0, first = 1;
    for (r = s;; r++) {
        if (r == end || *r == '-') {
            if (n < 1 || n > 8)
                return 0;
            if (first)
                *primary_end = r, first = 0;
            if (r == end)
                return 1;
            n = 0;
        } else if (first ? apr_isalpha(*r) : apr_isalnum(*r)) {
            n++;
        } else {
            return 0;
        }
    }
}

/* Parse one list item [s, end): the language (or -2 for "*", -1 for a language we lack or a
 * malformed item) and its weight 0..1000. */
static int parse_item(const char *s, const char *end, int *q)
{
    const char *semi, *pend;
    char code[9];
    mnd_lang_t l;
    *q = 1000;
    while (s < end && is_ows(*s))
        s++;
    while (end > s && is_ows(end[-1]))
        end--;
    semi = memchr(s, ';', (size_t)(end - s));
    if (semi) {
        const char *w = semi + 1;
        while (w < end && is_ows(*w))
            w++;
        if (end - w < 2 || apr_tolower(w[0]) != 'q' || w[1] != '=' ||
            (*q = parse_qvalue(w + 2, end)) < 0)
            return -1; /* the only parameter Accept-Language has is the weight */
        end = semi;
        while (end > s && is_ows(end[-1]))
            end--;
    }
    if (end - s == 1 && *s == '*')
        return -2;
    if (!range_valid(s, end, &pend))
        return -1;
    memcpy(code, s, (size_t)(pend - s));
    code[pend - s] = '\0';
    return mnd_lang_parse(code, &l) ? (int)l : -1;
}

mnd_lang_t mnd_lang_negotiate(const char *accept_language, mnd_lang_t dflt)
{
    int best[MND_LANG__N], pos[MND_LANG__N], star_q = -1, star_pos = 0, item = 0, l, q;
    int win = -1;
    const char *s = accept_language, *stop, *comma;
    if ((unsigned)dflt >= MND_LANG__N)
        dflt = MND_LANG_NL;
    if (!s)
        return dflt;
    for (l = 0; l < MND_LANG__N; l++)
        best[l] = -1, pos[l] = 0;
    stop = s + strnlen(s, AL_MAX_BYTES);
    for (; s < stop && item < AL_MAX_ITEMS; s = comma + 1, item++) {
        comma = memchr(s, ',', (size_t)(stop - s));
        if (!comma) {
            if (stop[0] != '\0')
                break; /* the last item was cut by the size cap: ignore it */
            comma = stop;
        }
        l = parse_item(s, comma, &q);
        if (l == -2 && star_q < 0)
            star_q = q, star_pos = item;
        else if (l >= 0 && q > best[l])
            best[l] = q, pos[l] = item; /* a language's weight: its best range (nl-BE, nl) */
        if (comma == stop)
            break;
    }
    /* "*" stands for every language not named; the operator's default first. */
    if (star_q > 0) {
        int sl = best[dflt] < 0 ? (int)dflt : -1;
        for (l = 0; sl < 0 && l < MND_LANG__N; l++)
            if (best[l] < 0)
                sl = l;
        if (sl >= 0)
            best[sl] = star_q, pos[sl] = star_pos;
    }
    for (l = 0; l < MND_LANG__N; l++)
        if (best[l] > 0 &&
            (win < 0 || best[l] > best[win] || (best[l] == best[win] && pos[l] < pos[win])))
            win = l;
    return win < 0 ? dflt : (mnd_lang_t)win;
}
