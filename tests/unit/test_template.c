/* Page templates: every escaping context with markup payloads, every context where a
 * placeholder is refused, malformed placeholders, unknown names and keys (with line and
 * column), rendering, and loading the example file under tests/data/templates. */
#include "testutil.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html/template.h"

static apr_pool_t *pool;

static const char *const names[] = {"v",    "w",     "service", "lang", "nonce", "action",
                                    "csrf", "intro", "parties", "txn",  NULL};

static int setup(void **state)
{
    (void)state;
    apr_pool_create(&pool, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static mnd_template_t *parse_ok(const char *text)
{
    mnd_template_t *t = NULL;
    MND_ASSERT_OK(mnd_template_parse(pool, "t.html", text, names, NULL, &t));
    return t;
}

/* Render text with v (and optionally w) in language l. */
static const char *render2(const char *text, const char *v, const char *w, mnd_lang_t l)
{
    apr_hash_t *h = apr_hash_make(pool);
    if (v)
        apr_hash_set(h, "v", APR_HASH_KEY_STRING, v);
    if (w)
        apr_hash_set(h, "w", APR_HASH_KEY_STRING, w);
    return mnd_template_render(pool, parse_ok(text), h, l);
}

static const char *render(const char *text, const char *v)
{
    return render2(text, v, NULL, MND_LANG_NL);
}

static void refused(const char *text, const char *needle)
{
    mnd_template_t *t = NULL;
    MND_ASSERT_ERR(mnd_template_parse(pool, "t.html", text, names, NULL, &t), MND_EINVAL, needle);
}

#define XSS "<script>alert(\"x\")</script> & 'q'"
#define XSS_TEXT "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'q'"

static void test_text_context(void **state)
{
    (void)state;
    assert_string_equal(render("<p>{{v}}</p>", XSS), "<p>" XSS_TEXT "</p>");
    assert_string_equal(render("<p>a {{v}} b</p>", "&amp; &#60; é ü €"),
                        "<p>a &amp;amp; &amp;#60; é ü € b</p>");
    /* RCDATA: <title> and <textarea> hold text too */
    assert_string_equal(render("<title>{{v}}</title>", "</title><script>"),
                        "<title>&lt;/title&gt;&lt;script&gt;</title>");
    assert_string_equal(render("<textarea>{{v}}</textarea>", "</textarea>"),
                        "<textarea>&lt;/textarea&gt;</textarea>");
}

static void test_attr_context(void **state)
{
    (void)state;
    assert_string_equal(render("<input value=\"{{attr:v}}\">", "\" onfocus=\"alert(1)"),
                        "<input value=\"&quot; onfocus=&quot;alert(1)\">");
    assert_string_equal(render("<input value=\"{{attr:v}}\">", XSS),
                        "<input value=\"" XSS_TEXT "\">");
    /* a quote character the payload opens stays inside the double-quoted value */
    assert_string_equal(render("<p title=\"x {{attr:v}} y\">", "' onclick='alert(1)"),
                        "<p title=\"x ' onclick='alert(1) y\">");
}

static void test_url_context(void **state)
{
    (void)state;
    assert_string_equal(render("<a href=\"/why?q={{url:v}}\">", "a b&c=d\"<>'#/?%+"),
                        "<a href=\"/why?q=a+b%26c%3dd%22%3c%3e%27%23%2f%3f%25%2b\">");
    /* a javascript: URL becomes a harmless relative path component */
    assert_string_equal(render("<a href=\"{{url:v}}\">", "javascript:alert(1)"),
                        "<a href=\"javascript%3aalert%281%29\">");
    assert_string_equal(render("<form action=\"{{url:v}}\">", "é"), "<form action=\"%c3%a9\">");
}

static void test_attr_in_url_attribute(void **state)
{
    const char *tpl = "<a href=\"{{attr:v}}\">x</a>";
    (void)state;
    assert_string_equal(render(tpl, "https://e.example/x?a=1&b=2"),
                        "<a href=\"https://e.example/x?a=1&amp;b=2\">x</a>");
    assert_string_equal(render(tpl, "HTTP://e.example/"), "<a href=\"HTTP://e.example/\">x</a>");
    assert_string_equal(render(tpl, "/mandaat/choose"), "<a href=\"/mandaat/choose\">x</a>");
    assert_string_equal(render(tpl, "rel/a:b"), "<a href=\"rel/a:b\">x</a>");
    /* other schemes, also obfuscated ones browsers honour, render empty */
    assert_string_equal(render(tpl, "javascript:alert(1)"), "<a href=\"\">x</a>");
    assert_string_equal(render(tpl, "JaVa\tScRiPt:alert(1)"), "<a href=\"\">x</a>");
    assert_string_equal(render(tpl, " javascript:alert(1)"), "<a href=\"\">x</a>");
    assert_string_equal(render(tpl, "data:text/html,<script>"), "<a href=\"\">x</a>");
    assert_string_equal(render(tpl, "vbscript:x"), "<a href=\"\">x</a>");
    assert_string_equal(render("<form action=\" {{attr:v}}\">", "javascript:x"),
                        "<form action=\" \">");
    /* after a literal start the value cannot choose the scheme */
    assert_string_equal(render("<a href=\"/x?next={{attr:v}}\">", "javascript:x"),
                        "<a href=\"/x?next=javascript:x\">");
}

static void test_html_and_missing(void **state)
{
    apr_hash_t *h = apr_hash_make(pool);
    (void)state;
    assert_string_equal(render("<ul>{{html:v}}</ul>", "<li>a &amp; b</li>"),
                        "<ul><li>a &amp; b</li></ul>");
    /* a missing value renders empty, in every context */
    assert_string_equal(render("<p>[{{v}}]</p><a href=\"{{url:v}}\" title=\"{{attr:v}}\">"
                               "{{html:v}}</a>",
                               NULL),
                        "<p>[]</p><a href=\"\" title=\"\"></a>");
    assert_string_equal(mnd_template_render(pool, parse_ok("a{{v}}b"), NULL, MND_LANG_EN), "ab");
    assert_string_equal(mnd_template_render(pool, parse_ok("a{{v}}b"), h, MND_LANG_EN), "ab");
    assert_string_equal(mnd_template_render(pool, parse_ok(""), h, MND_LANG_EN), "");
    assert_string_equal(render2("{{v}}{{w}}{{v}}", "1<", "2>", MND_LANG_NL), "1&lt;2&gt;1&lt;");
    /* a single brace and a lone "}}" are literal text */
    assert_string_equal(render("{ a } }} {{v}}", "x"), "{ a } }} x");
}

static void test_messages(void **state)
{
    const char *tpl = "<h1>{{t:chooser.title}}</h1><input placeholder=\"{{t:chooser.search}}\">";
    (void)state;
    assert_string_equal(render2(tpl, NULL, NULL, MND_LANG_NL),
                        "<h1>Voor wie handelt u?</h1><input placeholder=\"Zoeken\">");
    assert_string_equal(render2(tpl, NULL, NULL, MND_LANG_FR),
                        "<h1>Pour qui agissez-vous ?</h1><input placeholder=\"Rechercher\">");
    assert_string_equal(render2(tpl, NULL, NULL, MND_LANG_DE),
                        "<h1>Für wen handeln Sie?</h1><input placeholder=\"Suchen\">");
    assert_string_equal(render2(tpl, NULL, NULL, MND_LANG_EN),
                        "<h1>On whose behalf are you acting?</h1><input placeholder=\"Search\">");
    /* a language out of range falls back to nl */
    assert_string_equal(render2("{{t:chooser.cancel}}", NULL, NULL, MND_LANG__N), "Annuleren");
}

static void test_message_override_escaped(void **state)
{
    char dir[] = "/tmp/mnd-test-template-XXXXXX";
    const mnd_catalog_t *cat;
    mnd_template_t *t;
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    f = fopen(apr_pstrcat(pool, dir, "/en.txt", NULL), "w");
    assert_non_null(f);
    fputs("chooser.title = <b>Who</b> & \"you\"\n", f);
    fclose(f);
    MND_ASSERT_OK(mnd_catalog_load(pool, dir, &cat));
    MND_ASSERT_OK(mnd_template_parse(pool, "t",
                                     "<p title=\"{{t:chooser.title}}\">"
                                     "{{t:chooser.title}}</p>",
                                     names, cat, &t));
    assert_string_equal(mnd_template_render(pool, t, NULL, MND_LANG_EN),
                        "<p title=\"&lt;b&gt;Who&lt;/b&gt; &amp; &quot;you&quot;\">"
                        "&lt;b&gt;Who&lt;/b&gt; &amp; &quot;you&quot;</p>");
    unlink(apr_pstrcat(pool, dir, "/en.txt", NULL));
    rmdir(dir);
}

static void test_forbidden_contexts(void **state)
{
    (void)state;
    refused("<a {{attr:v}}>", "inside a tag");
    refused("<a x{{attr:v}}=1>", "inside a tag");
    refused("<{{v}}>", "may not follow '<'");
    refused("<p></{{v}}>", "<!...>");
    refused("<title></{{v}}</title>", "may not follow '<'");
    refused("<a href={{url:v}}>", "unquoted");
    refused("<a href=x{{url:v}}>", "unquoted");
    refused("<a title='{{attr:v}}'>", "single-quoted");
    refused("<a title='{{t:chooser.title}}'>", "single-quoted");
    refused("<script>var x = \"{{v}}\";</script>", "inside <script>");
    refused("<script>var x = \"{{attr:v}}\";</script>", "inside <script>");
    refused("<SCRIPT type=\"x\">{{t:chooser.title}}</SCRIPT>", "inside <script>");
    refused("<style>p { color: {{v}} }</style>", "inside <style>");
    refused("<!-- {{v}} -->", "comment");
    refused("<!DOCTYPE {{v}}>", "declaration");
    refused("<a onclick=\"f('{{attr:v}}')\">", "attribute onclick");
    refused("<a OnMouseOver=\"{{url:v}}\">", "attribute onmouseover");
    refused("<a onclick=\"{{t:chooser.title}}\">", "attribute onclick");
    refused("<p style=\"color: {{attr:v}}\">", "attribute style");
    refused("<iframe srcdoc=\"{{attr:v}}\"></iframe>", "attribute srcdoc");
    refused("<meta http-equiv=\"refresh\" content=\"0;url={{attr:v}}\">", "<meta content>");
    refused("<meta content=\"{{url:v}}\">", "<meta content>");
    refused("<script src=\"{{attr:v}}\"></script>", "may not start the URL in <script>");
    refused("<link rel=\"x\" href=\"{{attr:v}}\">", "may not start the URL in <link>");
    refused("<base href=\" {{attr:v}}\">", "may not start the URL in <base>");
    refused("<p title=\"{{v}}\">", "use {{attr:...}}");
    refused("<p title=\"{{html:v}}\">", "not allowed in attribute title");
    refused("<title>{{html:v}}</title>", "inside <title>");
    refused("<p>{{attr:v}}</p>", "not allowed in text");
    refused("<p>{{url:v}}</p>", "not allowed");
    /* the template must end in text */
    refused("<p title=\"x", "ends in attribute title");
    refused("<p", "ends inside a tag");
    refused("<script>x", "ends inside <script>");
    refused("<!-- x", "ends inside an HTML comment");
    /* what is allowed right next to the refused forms */
    parse_ok("<script nonce=\"{{attr:nonce}}\" src=\"/static/x.js?v={{url:v}}\"></script>"
             "<p>{{v}}</p><style nonce=\"{{attr:nonce}}\">a{}</style>{{v}}"
             "<!-- {x} --><a href=\"/x\" title=\"{{t:chooser.title}}\">{{t:chooser.title}}</a>"
             "<textarea>{{t:chooser.search}} {{v}}</textarea>< {{v}} a < b {{v}}</p>");
}

static void test_malformed(void **state)
{
    (void)state;
    refused("a {{", "not closed");
    refused("a {{v", "not closed");
    refused("a {{v}", "not closed");
    refused("a {{v} }}", "character '}'");
    refused("{{}}", "empty placeholder name");
    refused("{{attr:}}", "empty placeholder name");
    refused("{{ v }}", "character ' '");
    refused("{{V}}", "character 'V'");
    refused("{{v<x}}", "character '<'");
    refused("{{a:b:c}}", "character ':'");
    refused("{{{v}}}", "character '{'");
    refused("{{js:v}}", "unknown placeholder context 'js:'");
    refused("{{:v}}", "unknown placeholder context ':'");
    refused("{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}",
            "longer than 64");
}

static void test_unknown_names_with_position(void **state)
{
    mnd_template_t *t;
    (void)state;
    refused("<p>\n  <b>{{nope}}</b>\n</p>", "template t.html line 2 column 6: {{nope}}: unknown "
                                            "placeholder 'nope'");
    refused("<p>\n\n<a title=\"{{attr:nope}}\">", "line 3 column 11");
    refused("é€ {{t:chooser.nope}}", "line 1 column 4: {{t:chooser.nope}}: unknown message key "
                                     "'chooser.nope'");
    refused("x\r\n{{html:zz}}", "line 2 column 1");
    MND_ASSERT_ERR(mnd_template_parse(pool, "none", "{{v}}", NULL, NULL, &t), MND_EINVAL,
                   "unknown placeholder 'v'");
}

static const char *data_dir(void)
{
    const char *top = getenv("top_srcdir");
    const char *here = __FILE__, *slash;
    if (top && *top)
        return apr_pstrcat(pool, top, "/tests/data/templates", NULL);
    slash = strrchr(here, '/');
    return apr_pstrcat(pool, slash ? apr_pstrndup(pool, here, (apr_size_t)(slash - here)) : ".",
                       "/../data/templates", NULL);
}

static void test_load_example(void **state)
{
    mnd_template_t *t;
    apr_hash_t *h = apr_hash_make(pool);
    const char *out, *path = apr_pstrcat(pool, data_dir(), "/example.html", NULL);
    (void)state;
    MND_ASSERT_OK(mnd_template_load(pool, path, names, NULL, &t));
    apr_hash_set(h, "lang", APR_HASH_KEY_STRING, "fr");
    apr_hash_set(h, "nonce", APR_HASH_KEY_STRING, "n0nce\"");
    apr_hash_set(h, "service", APR_HASH_KEY_STRING, "Tax <on> web");
    apr_hash_set(h, "action", APR_HASH_KEY_STRING, "javascript:alert(1)");
    apr_hash_set(h, "csrf", APR_HASH_KEY_STRING, "c\"s");
    apr_hash_set(h, "txn", APR_HASH_KEY_STRING, "t&x n");
    apr_hash_set(h, "parties", APR_HASH_KEY_STRING, "<li>P</li>");
    out = mnd_template_render(pool, t, h, MND_LANG_FR);
    assert_true(strstr(out, "<html lang=\"fr\">"));
    assert_true(strstr(out, "<title>Pour qui agissez-vous ? - Tax &lt;on&gt; web</title>"));
    assert_true(strstr(out, "<style nonce=\"n0nce&quot;\">"));
    assert_true(strstr(out, "<script nonce=\"n0nce&quot;\">"));
    assert_true(strstr(out, "<form method=\"post\" action=\"\">"));
    assert_true(strstr(out, "value=\"c&quot;s\""));
    assert_true(strstr(out, "<p></p>"));
    assert_true(strstr(out, "<ul><li>P</li></ul>"));
    assert_true(strstr(out, "href=\"/mandaat/why?txn=t%26x+n&amp;lang=fr\">Pourquoi"));
    assert_true(strstr(out, "if (a < b && c > d) { var o = {x: {y: 1}}; }"));
    out = mnd_template_render(pool, t, NULL, MND_LANG_DE);
    assert_true(strstr(out, "<h1>Für wen handeln Sie?</h1>"));
    assert_true(strstr(out, "<html lang=\"\">"));
}

static void test_load_errors(void **state)
{
    char dir[] = "/tmp/mnd-test-template-XXXXXX";
    const char *path;
    mnd_template_t *t;
    FILE *f;
    char *big;
    (void)state;
    MND_ASSERT_ERR(mnd_template_load(pool, "/nonexistent/x.html", names, NULL, &t), MND_EINVAL,
                   "cannot read");
    assert_non_null(mkdtemp(dir));
    path = apr_pstrcat(pool, dir, "/nul.html", NULL);
    f = fopen(path, "wb");
    fwrite("<p>\0{{nope}}</p>", 1, 16, f);
    fclose(f);
    MND_ASSERT_ERR(mnd_template_load(pool, path, names, NULL, &t), MND_EINVAL, "NUL byte");
    unlink(path);
    path = apr_pstrcat(pool, dir, "/big.html", NULL);
    big = calloc(1, 1024 * 1024 + 1);
    memset(big, 'a', 1024 * 1024 + 1);
    f = fopen(path, "wb");
    fwrite(big, 1, 1024 * 1024 + 1, f);
    fclose(f);
    free(big);
    MND_ASSERT_ERR(mnd_template_load(pool, path, names, NULL, &t), MND_EINVAL, "larger than 1048576 bytes");
    unlink(path);
    path = apr_pstrcat(pool, dir, "/empty.html", NULL);
    f = fopen(path, "wb");
    fclose(f);
    MND_ASSERT_OK(mnd_template_load(pool, path, names, NULL, &t));
    assert_string_equal(mnd_template_render(pool, t, NULL, MND_LANG_NL), "");
    path = apr_pstrcat(pool, dir, "/bad.html", NULL);
    f = fopen(path, "wb");
    fputs("<p>\n{{nope}}</p>", f);
    fclose(f);
    MND_ASSERT_ERR(mnd_template_load(pool, path, names, NULL, &t), MND_EINVAL,
                   apr_pstrcat(pool, "template ", path, " line 2 column 1", NULL));
    unlink(path);
    unlink(apr_pstrcat(pool, dir, "/empty.html", NULL));
    rmdir(dir);
}

static void test_escapers(void **state)
{
    (void)state;
    assert_string_equal(mnd_html_text(pool, XSS), XSS_TEXT);
    assert_string_equal(mnd_html_attr(pool, "\"a\" & <b>"), "&quot;a&quot; &amp; &lt;b&gt;");
    assert_string_equal(mnd_url_component(pool, "javascript:x y/é"), "javascript%3ax+y%2f%c3%a9");
    assert_string_equal(mnd_html_text(pool, NULL), "");
    assert_string_equal(mnd_html_attr(pool, NULL), "");
    assert_string_equal(mnd_url_component(pool, NULL), "");
    assert_string_equal(mnd_html_text(pool, "plain"), "plain");
}

static void test_large_render(void **state)
{
    /* many segments and long values: one allocation of the exact length */
    apr_hash_t *h = apr_hash_make(pool);
    char *text, *val;
    const char *out;
    size_t i, n = 2000;
    (void)state;
    text = apr_palloc(pool, n * 8 + 1);
    for (i = 0; i < n; i++)
        memcpy(text + i * 8, "<b>{{v}}", 8);
    text[n * 8] = '\0';
    val = apr_palloc(pool, 1001);
    for (i = 0; i < 1000; i++)
        val[i] = "<&\"a"[i % 4];
    val[1000] = '\0';
    apr_hash_set(h, "v", APR_HASH_KEY_STRING, val);
    out = mnd_template_render(pool, parse_ok(text), h, MND_LANG_NL);
    /* per value: 250 x (&lt; &amp; &quot; a) = 250 * 16 */
    assert_int_equal(strlen(out), n * (3 + 250 * 16));
    assert_memory_equal(out, "<b>&lt;&amp;&quot;a&lt;", 23);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_context),
        cmocka_unit_test(test_attr_context),
        cmocka_unit_test(test_url_context),
        cmocka_unit_test(test_attr_in_url_attribute),
        cmocka_unit_test(test_html_and_missing),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_message_override_escaped),
        cmocka_unit_test(test_forbidden_contexts),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_unknown_names_with_position),
        cmocka_unit_test(test_load_example),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_escapers),
        cmocka_unit_test(test_large_render),
    };
    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, setup, teardown);
}
