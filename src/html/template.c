/* Page templates: parsed once at start into literal and placeholder segments, rendered per
 * request with every value escaped for the context its placeholder was found in.
 *
 * The parser runs a small HTML tokenizer so that it knows that context itself rather than
 * trusting the placeholder's prefix: a placeholder is only accepted where its escaping is
 * sufficient. apr_escape_entity escapes < > & " but not ', so attribute values must be
 * double-quoted; in script, style, comments, tags, unquoted or single-quoted values, event
 * handler and style attributes, no escaping we have is right, so placeholders are refused. */
#include "html/template.h"

#include "util/file.h"

#include <apr_escape.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdarg.h>
#include <string.h>

#define TEMPLATE_FILE_MAX (1024 * 1024)
#define NAME_MAX_LEN 64

typedef enum seg_kind_t {
    SEG_LIT,  /* template text, copied as is */
    SEG_TEXT, /* {{name}} */
    SEG_ATTR, /* {{attr:name}} */
    SEG_URL,  /* {{url:name}} */
    SEG_HTML, /* {{html:name}} */
    SEG_MSG   /* {{t:key}} */
} seg_kind_t;

typedef struct seg_t {
    seg_kind_t kind;
    const char *s;  /* literal text, or the placeholder name / message key */
    apr_size_t len; /* literal length */
    int url_start;  /* SEG_ATTR opening a URL attribute: the value must not bring a scheme
                     * other than http(s), or javascript: would run */
} seg_t;

struct mnd_template_t {
    const char *name;
    apr_array_header_t *segs; /* seg_t */
    const mnd_catalog_t *cat;
};

/* Tokenizer states: just enough HTML to know where a placeholder stands. */
typedef enum st_t {
    ST_TEXT,
    ST_RCDATA, /* <title>, <textarea>: text, entities decoded, no tags */
    ST_RAW,    /* <script>, <style> and friends: no escaping applies */
    ST_COMMENT,
    ST_DECL, /* <!DOCTYPE ...>, <?...>; states up to here are outside tags */
    ST_TAG_NAME,
    ST_IN_TAG,
    ST_ATTR_NAME,
    ST_AFTER_ATTR_NAME,
    ST_BEFORE_VALUE,
    ST_DQ,
    ST_SQ,
    ST_UNQ
} st_t;

typedef struct parser_t {
    apr_pool_t *p;
    const char *name, *text;
    const char *const *allowed;
    const mnd_catalog_t *cat;
    apr_array_header_t *segs;
    int line, col;
    st_t st;
    int end_tag;
    char tag[16], attr[24], raw_end[16]; /* lower case, truncated; *_over when longer */
    size_t taglen, attrlen;
    int tag_over, attr_over;
    int value_blank; /* nothing but white space so far in the current attribute value */
} parser_t;

static const char *const raw_tags[] = {"script",  "style",    "xmp",       "iframe",
                                       "noembed", "noframes", "plaintext", NULL};
static const char *const rcdata_tags[] = {"title", "textarea", NULL};
static const char *const url_attrs[] = {
    "href",       "src",      "action",   "formaction", "srcset",     "poster", "cite",   "data",
    "background", "codebase", "longdesc", "manifest",   "ping",       "icon",   "lowsrc", "dynsrc",
    "usemap",     "profile",  "classid",  "archive",    "xlink:href", NULL};
/* Tags whose URL attributes load or direct active content: an attacker's https URL there
 * is as bad as javascript:, so a placeholder may not choose the URL's origin. */
static const char *const resource_tags[] = {"script", "iframe", "frame",  "object", "embed",
                                            "base",   "link",   "applet", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void append_lc(char *buf, size_t cap, size_t *len, int *over, char c)
{
    if (*len + 1 < cap)
        buf[(*len)++] = (char)apr_tolower(c), buf[*len] = '\0';
    else
        *over = 1;
}

static void start_attr(parser_t *ps, char c)
{
    ps->attrlen = 0;
    ps->attr_over = 0;
    ps->attr[0] = '\0';
    ps->st = ST_ATTR_NAME;
    append_lc(ps->attr, sizeof(ps->attr), &ps->attrlen, &ps->attr_over, c);
}

static void end_of_tag(parser_t *ps)
{
    ps->st = ST_TEXT;
    if (ps->end_tag || ps->tag_over)
        return;
    if (in_list(raw_tags, ps->tag) || in_list(rcdata_tags, ps->tag)) {
        ps->st = in_list(raw_tags, ps->tag) ? ST_RAW : ST_RCDATA;
        memcpy(ps->raw_end, ps->tag, sizeof(ps->raw_end));
    }
}

/* In raw text or RCDATA, only "</name" followed by white space, / or > ends the element. */
static int raw_end_at(const parser_t *ps, const char *s)
{
    size_t n = strlen(ps->raw_end);
    return s[0] == '<' && s[1] == '/' && strncasecmp(s + 2, ps->raw_end, n) == 0 &&
           (is_ws(s[2 + n]) || s[2 + n] == '/' || s[2 + n] == '>');
}

/* Outside tags: advance over the character at s; returns how many bytes it consumed. */
static size_t step_outside(parser_t *ps, const char *s)
{
    char c = *s;
    switch (ps->st) {
    case ST_TEXT:
        if (c != '<')
            return 1;
        ps->taglen = 0, ps->tag_over = 0, ps->tag[0] = '\0';
        if (apr_isalpha(s[1]) || (s[1] == '/' && apr_isalpha(s[2]))) {
            ps->end_tag = s[1] == '/';
            ps->st = ST_TAG_NAME;
            return ps->end_tag ? 2 : 1;
        }
        if (strncmp(s, "<!--", 4) == 0) {
            ps->st = ST_COMMENT;
            return 4;
        }
        if (s[1] == '!' || s[1] == '?' || s[1] == '/')
            ps->st = ST_DECL;
        return 1;
    case ST_RCDATA:
    case ST_RAW:
        if (!raw_end_at(ps, s))
            return 1;
        ps->end_tag = 1;
        ps->st = ST_IN_TAG;
        return 2 + strlen(ps->raw_end);
    case ST_COMMENT:
        if (strncmp(s, "-->", 3) != 0)
            return 1;
        ps->st = ST_TEXT;
        return 3;
    case ST_DECL:
        if (c == '>')
            ps->st = ST_TEXT;
        return 1;
    default:
        return 1;
    }
}

/* Inside a tag: advance over the character at s (always one byte). */
static size_t step_tag(parser_t *ps, const char *s)
{
    char c = *s;
    switch (ps->st) {
    case ST_TAG_NAME:
        if (is_ws(c) || c == '/')
            ps->st = ST_IN_TAG;
        else if (c == '>')
            end_of_tag(ps);
        else
            append_lc(ps->tag, sizeof(ps->tag), &ps->taglen, &ps->tag_over, c);
        return 1;
    case ST_IN_TAG:
    case ST_AFTER_ATTR_NAME:
        if (c == '>')
            end_of_tag(ps);
        else if (c == '=' && ps->st == ST_AFTER_ATTR_NAME)
            ps->st = ST_BEFORE_VALUE;
        else if (c == '/')
            ps->st = ST_IN_TAG;
        else if (!is_ws(c))
            start_attr(ps, c);
        return 1;
    case ST_ATTR_NAME:
        if (is_ws(c))
            ps->st = ST_AFTER_ATTR_NAME;
        else if (c == '=')
            ps->st = ST_BEFORE_VALUE;
        else if (c == '>')
            end_of_tag(ps);
        else if (c == '/')
            ps->st = ST_IN_TAG;
        else
            append_lc(ps->attr, sizeof(ps->attr), &ps->attrlen, &ps->attr_over, c);
        return 1;
    case ST_BEFORE_VALUE:
        if (c == '"' || c == '\'') {
            ps->st = c == '"' ? ST_DQ : ST_SQ;
            ps->value_blank = 1;
        } else if (c == '>') {
            end_of_tag(ps);
        } else if (!is_ws(c)) {
            ps->st = ST_UNQ;
        }
        return 1;
    case ST_DQ:
    case ST_SQ:
        if (c == (ps->st == ST_DQ ? '"' : '\''))
            ps->st = ST_IN_TAG;
        else if (!is_ws(c))
            ps->value_blank = 0;
        return 1;
    case ST_UNQ:
        if (is_ws(c))
            ps->st = ST_IN_TAG;
        else if (c == '>')
            end_of_tag(ps);
        return 1;
    default:
        return 1;
    }
}

static size_t step(parser_t *ps, const char *s)
{
    return ps->st <= ST_DECL ? step_outside(ps, s) : step_tag(ps, s);
}

static mnd_error_t *fail(const parser_t *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static mnd_error_t *fail(const parser_t *ps, const char *fmt, ...)
{
    va_list ap;
    const char *msg;
    va_start(ap, fmt);
    msg = apr_pvsprintf(ps->p, fmt, ap);
    va_end(ap);
    return mnd_error(ps->p, MND_EINVAL, "template %s line %d column %d: %s", ps->name, ps->line,
                     ps->col, msg);
}

static int name_char(char c)
{
    return apr_islower(c) || apr_isdigit(c) || c == '_' || c == '.' || c == '-';
}

/* Parse the placeholder at s (which starts with "{{") into seg; *used = its length. */
static mnd_error_t *parse_placeholder(parser_t *ps, const char *s, seg_t *seg, size_t *used)
{
    const char *in = s + 2, *colon = NULL, *e, *nm;
    size_t prefix;
    for (e = in; name_char(*e) || (*e == ':' && !colon); e++)
        if (*e == ':')
            colon = e;
    if (e[0] != '}' || e[1] != '}') {
        if (!*e || !strstr(e, "}}"))
            return fail(ps, "'{{' is not closed by '}}'");
        return fail(ps, "character '%s' is not allowed in a placeholder (names use a-z 0-9 _ . -)",
                    apr_pstrndup(ps->p, e, 1));
    }
    *used = (size_t)(e + 2 - s);
    nm = colon ? colon + 1 : in;
    prefix = colon ? (size_t)(colon - in) : 0;
    if (nm == e)
        return fail(ps, "empty placeholder name");
    if (e - nm > NAME_MAX_LEN)
        return fail(ps, "placeholder name longer than 64 characters");
    if (!colon)
        seg->kind = SEG_TEXT;
    else if (prefix == 4 && strncmp(in, "attr", 4) == 0)
        seg->kind = SEG_ATTR;
    else if (prefix == 3 && strncmp(in, "url", 3) == 0)
        seg->kind = SEG_URL;
    else if (prefix == 4 && strncmp(in, "html", 4) == 0)
        seg->kind = SEG_HTML;
    else if (prefix == 1 && in[0] == 't')
        seg->kind = SEG_MSG;
    else
        return fail(ps, "unknown placeholder context '%s:' (known: attr: url: html: t:)",
                    apr_pstrndup(ps->p, in, prefix));
    seg->s = apr_pstrndup(ps->p, nm, (apr_size_t)(e - nm));
    seg->len = 0;
    seg->url_start = 0;
    return NULL;
}

/* Where the tokenizer stands, for messages. */
static const char *where(const parser_t *ps)
{
    switch (ps->st) {
    case ST_TEXT:
        return "in text (use {{name}}, {{html:name}} or {{t:key}} there)";
    case ST_RAW:
        return apr_psprintf(ps->p, "inside <%s>", ps->raw_end);
    case ST_COMMENT:
        return "inside an HTML comment";
    case ST_DECL:
        return "inside a <!...> declaration";
    case ST_SQ:
        return "in a single-quoted attribute value (apr_pescape_entity leaves ' as is: "
               "use double quotes)";
    case ST_UNQ:
    case ST_BEFORE_VALUE:
        return "in an unquoted attribute value (use double quotes)";
    case ST_DQ:
        return apr_psprintf(ps->p, "in attribute %s", ps->attr);
    case ST_RCDATA:
        return apr_psprintf(ps->p, "inside <%s>", ps->raw_end);
    default:
        return "inside a tag (placeholders may stand in text and in double-quoted "
               "attribute values only)";
    }
}

/* Is this placeholder kind allowed where the tokenizer stands? */
static mnd_error_t *check_context(parser_t *ps, seg_t *seg, const char *src)
{
    int url_attr, attr_ok;
    if (seg->kind == SEG_TEXT || seg->kind == SEG_HTML || seg->kind == SEG_MSG) {
        if (ps->st == ST_TEXT || (ps->st == ST_RCDATA && seg->kind != SEG_HTML))
            return NULL;
        if (ps->st == ST_DQ && seg->kind == SEG_TEXT)
            return fail(ps, "%s %s: use {{attr:...}} or {{url:...}} in attribute values", src,
                        where(ps));
        if (!(ps->st == ST_DQ && seg->kind == SEG_MSG))
            return fail(ps, "%s is not allowed %s", src, where(ps));
    } else if (ps->st != ST_DQ) {
        return fail(ps, "%s is not allowed %s", src, where(ps));
    }
    /* A double-quoted attribute value: entity escaping keeps the value inside its quotes,
     * but some attributes interpret the value as script, CSS or markup. */
    if (ps->attr_over || strncmp(ps->attr, "on", 2) == 0 || strcmp(ps->attr, "style") == 0 ||
        strcmp(ps->attr, "srcdoc") == 0)
        return fail(ps, "%s is not allowed in attribute %s (script, CSS or markup)", src, ps->attr);
    url_attr = in_list(url_attrs, ps->attr) ||
               (strcmp(ps->tag, "meta") == 0 && strcmp(ps->attr, "content") == 0);
    attr_ok = seg->kind == SEG_MSG || seg->kind == SEG_URL || !url_attr || !ps->value_blank;
    if (strcmp(ps->tag, "meta") == 0 && strcmp(ps->attr, "content") == 0 && seg->kind != SEG_MSG)
        return fail(ps, "%s is not allowed in <meta content> (it may be a refresh URL)", src);
    if (!attr_ok && (ps->tag_over || in_list(resource_tags, ps->tag)))
        return fail(ps, "%s may not start the URL in <%s>: it would choose what is loaded", src,
                    ps->tag);
    seg->url_start = !attr_ok;
    return NULL;
}

static mnd_error_t *check_name(parser_t *ps, const seg_t *seg, const char *src)
{
    const char *const *a;
    if (seg->kind == SEG_MSG)
        return mnd_msg(ps->cat, MND_LANG_NL, seg->s)
                   ? NULL
                   : fail(ps, "%s: unknown message key '%s'", src, seg->s);
    for (a = ps->allowed; a && *a; a++)
        if (strcmp(*a, seg->s) == 0)
            return NULL;
    return fail(ps, "%s: unknown placeholder '%s' (not supplied by the code for this page)", src,
                seg->s);
}

static void push_literal(parser_t *ps, const char *from, const char *to)
{
    seg_t *seg;
    if (to == from)
        return;
    seg = apr_array_push(ps->segs);
    seg->kind = SEG_LIT;
    seg->s = from;
    seg->len = (apr_size_t)(to - from);
    seg->url_start = 0;
}

static void advance_pos(parser_t *ps, const char *s, size_t n)
{
    for (; n--; s++) {
        if (*s == '\n')
            ps->line++, ps->col = 1;
        else if (((unsigned char)*s & 0xC0) != 0x80)
            ps->col++; /* columns count characters, not UTF-8 bytes */
    }
}

/* In text, "<" + value would open a tag named by the value ("<img src=x onerror=...")
 * although the value itself holds no '<'. */
static int after_lt(const parser_t *ps, const char *s)
{
    if (ps->st != ST_TEXT && ps->st != ST_RCDATA)
        return 0;
    return (s > ps->text && s[-1] == '<') || (s - ps->text >= 2 && s[-1] == '/' && s[-2] == '<');
}

mnd_error_t *mnd_template_parse(apr_pool_t *p, const char *name, const char *text,
                                const char *const *allowed, const mnd_catalog_t *cat,
                                mnd_template_t **out)
{
    parser_t ps;
    const char *s, *lit;
    mnd_template_t *t;
    memset(&ps, 0, sizeof(ps));
    ps.p = p;
    ps.name = name ? name : "(unnamed)";
    ps.text = lit = s = apr_pstrdup(p, text ? text : "");
    ps.allowed = allowed;
    ps.cat = cat ? cat : mnd_catalog_builtin();
    ps.segs = apr_array_make(p, 16, sizeof(seg_t));
    ps.line = ps.col = 1;
    ps.st = ST_TEXT;
    while (*s) {
        size_t n = 0;
        if (s[0] == '{' && s[1] == '{') {
            seg_t seg;
            const char *src;
            MND_TRY(parse_placeholder(&ps, s, &seg, &n));
            src = apr_pstrndup(p, s, n);
            MND_TRY(check_context(&ps, &seg, src));
            if (after_lt(&ps, s))
                return fail(&ps, "%s may not follow '<' or '</': the value would name a tag", src);
            MND_TRY(check_name(&ps, &seg, src));
            push_literal(&ps, lit, s);
            *(seg_t *)apr_array_push(ps.segs) = seg;
            ps.value_blank = 0;
            lit = s + n;
        } else {
            n = step(&ps, s);
        }
        advance_pos(&ps, s, n);
        s += n;
    }
    push_literal(&ps, lit, s);
    if (ps.st != ST_TEXT)
        return fail(&ps, "the template ends %s", where(&ps));
    t = apr_palloc(p, sizeof(*t));
    t->name = ps.name;
    t->segs = ps.segs;
    t->cat = ps.cat;
    *out = t;
    return NULL;
}

mnd_error_t *mnd_template_load(apr_pool_t *p, const char *path, const char *const *allowed,
                               const mnd_catalog_t *cat, mnd_template_t **out)
{
    apr_size_t len = 0;
    char *buf;
    mnd_error_t *err = mnd_file_read(p, path, TEMPLATE_FILE_MAX, &buf, &len);
    if (err && err->rc == MND_ENOTFOUND)
        err->rc = MND_EINVAL; /* a template the configuration names must be there */
    if (err)
        return mnd_error_wrap(p, err, "template");
    if (memchr(buf, '\0', len))
        return mnd_error(p, MND_EINVAL, "template %s: contains a NUL byte", path);
    return mnd_template_parse(p, path, buf, allowed, cat, out);
}

/* A value opening a URL attribute: relative, or http(s). Anything with another scheme
 * (javascript:, data:, and obfuscations like "java\tscript:" which browsers still honour)
 * renders empty. */
static int safe_url_start(const char *v)
{
    size_t n = strcspn(v, ":/?#");
    if (v[n] != ':')
        return 1;
    return (n == 4 && strncasecmp(v, "http", 4) == 0) ||
           (n == 5 && strncasecmp(v, "https", 5) == 0);
}

typedef struct part_t {
    const char *s;
    apr_size_t len;
    int escape; /* entity-escape s on output */
} part_t;

static void plan_part(apr_pool_t *p, const mnd_template_t *t, const seg_t *seg, apr_hash_t *values,
                      mnd_lang_t lang, part_t *part)
{
    const char *v = NULL;
    apr_size_t len;
    if (seg->kind == SEG_LIT) {
        part->s = seg->s, part->len = seg->len, part->escape = 0;
        return;
    }
    if (seg->kind == SEG_MSG)
        v = mnd_msg(t->cat, lang, seg->s);
    else if (values)
        v = apr_hash_get(values, seg->s, APR_HASH_KEY_STRING);
    if (!v || (seg->url_start && !safe_url_start(v)))
        v = "";
    if (seg->kind == SEG_URL)
        v = apr_pescape_urlencoded(p, v);
    part->s = v;
    part->escape = seg->kind != SEG_HTML;
    if (part->escape && apr_escape_entity(NULL, v, APR_ESCAPE_STRING, 0, &len) == APR_SUCCESS) {
        part->len = len - 1; /* apr counts the terminating NUL */
    } else {
        part->escape = 0; /* nothing to escape: copy as is */
        part->len = strlen(v);
    }
}

const char *mnd_template_render(apr_pool_t *p, const mnd_template_t *t, apr_hash_t *values,
                                mnd_lang_t lang)
{
    int i, n = t->segs->nelts;
    part_t *parts = apr_palloc(p, sizeof(part_t) * (apr_size_t)(n ? n : 1));
    apr_size_t total = 0;
    char *out, *d;
    for (i = 0; i < n; i++) {
        plan_part(p, t, &APR_ARRAY_IDX(t->segs, i, seg_t), values, lang, &parts[i]);
        total += parts[i].len;
    }
    d = out = apr_palloc(p, total + 1);
    for (i = 0; i < n; i++) {
        if (parts[i].escape)
            apr_escape_entity(d, parts[i].s, APR_ESCAPE_STRING, 0, NULL);
        else
            memcpy(d, parts[i].s, parts[i].len);
        d += parts[i].len;
    }
    *d = '\0';
    return out;
}

const char *mnd_html_text(apr_pool_t *p, const char *s)
{
    return apr_pescape_entity(p, s ? s : "", 0);
}

const char *mnd_html_attr(apr_pool_t *p, const char *s)
{
    /* Same escaping as text: < > & " are escaped, ' is not, so callers write the result
     * between double quotes only. */
    return apr_pescape_entity(p, s ? s : "", 0);
}

const char *mnd_url_component(apr_pool_t *p, const char *s)
{
    return apr_pescape_urlencoded(p, s ? s : "");
}
