/* Messages and languages: the built-in catalogue is complete and consistent in nl, fr, de,
 * en; operator overrides and every way an override file can be wrong; {n} substitution;
 * Accept-Language negotiation including hostile headers.
 *
 * The built-in table is walked through mnd_catalog_count / mnd_catalog_key.
 * (pages look messages up by key; only this test needs to enumerate them). */
#include "testutil.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/resolve.h"
#include "html/i18n.h"

#include <apr_lib.h>

/* The override size limit the loader enforces (documented in docs/templates.md). */
#define CATALOG_FILE_MAX (1024 * 1024)

/* n for a "{n}" argument reference (1-9) at s, else 0. */
static int arg_ref(const char *s)
{
    return s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}' ? s[1] - '0' : 0;
}

/* Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF), written independently of
 * the loader's own check. */
static int utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    while (s < end) {
        unsigned c = *s++, need, min, cp;
        if (c < 0x80)
            continue;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, min = 0x80, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, min = 0x800, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, min = 0x10000, cp = c & 0x07;
        else
            return 0;
        if ((size_t)(end - s) < need)
            return 0;
        while (need--) {
            if ((*s & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (*s++ & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    return 1;
}

static apr_pool_t *pool;
static char tmpdir[] = "/tmp/mnd-test-i18n-XXXXXX";

static int setup(void **state)
{
    (void)state;
    apr_pool_create(&pool, NULL);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void clear_dir(void)
{
    int l;
    for (l = 0; l < MND_LANG__N; l++)
        unlink(apr_pstrcat(pool, tmpdir, "/", mnd_lang_code((mnd_lang_t)l), ".txt", NULL));
}

static int teardown(void **state)
{
    (void)state;
    clear_dir();
    rmdir(tmpdir);
    apr_pool_destroy(pool);
    return 0;
}

static void write_lang(const char *lang, const char *data, size_t len)
{
    FILE *f = fopen(apr_pstrcat(pool, tmpdir, "/", lang, ".txt", NULL), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_str(const char *lang, const char *data)
{
    write_lang(lang, data, strlen(data));
}

/* The set of {1}..{9} a text uses, as a bit mask. */
static unsigned args_used(const char *s)
{
    unsigned m = 0;
    for (; *s; s++)
        if (arg_ref(s))
            m |= 1u << arg_ref(s);
    return m;
}

static void test_builtin_complete(void **state)
{
    const mnd_catalog_t *cat = mnd_catalog_builtin();
    size_t i;
    int l;
    (void)state;
    assert_true(mnd_catalog_count(cat) >= 40);
    for (i = 0; i < mnd_catalog_count(cat); i++) {
        const char *key = mnd_catalog_key(cat, i), *k;
        for (k = key; *k; k++)
            if (!(apr_islower(*k) || apr_isdigit(*k) || strchr("_.-", *k)))
                fail_msg("key '%s' has a character outside a-z 0-9 _ . -", key);
        /* sorted and unique: lookups are a binary search */
        if (i > 0 && strcmp(mnd_catalog_key(cat, i - 1), key) >= 0)
            fail_msg("key '%s' is out of order after '%s'", key, mnd_catalog_key(cat, i - 1));
        for (l = 0; l < MND_LANG__N; l++) {
            const char *text = mnd_msg(cat, (mnd_lang_t)l, key);
            const char *nl = mnd_msg(cat, MND_LANG_NL, key);
            if (!text || !*text)
                fail_msg("key '%s' lacks a %s text", key, mnd_lang_code((mnd_lang_t)l));
            if (!utf8_valid(text, strlen(text)))
                fail_msg("key '%s' %s is not UTF-8", key, mnd_lang_code((mnd_lang_t)l));
            /* every language uses the arguments the code passes, and no others */
            if (args_used(text) != args_used(nl))
                fail_msg("key '%s': %s uses other {n} than nl", key, mnd_lang_code((mnd_lang_t)l));
        }
    }
}

static void test_required_keys(void **state)
{
    static const char *const keys[] = {"chooser.title",
                                       "basis.self",
                                       "basis.kbo",
                                       "basis.right",
                                       "basis.mandate",
                                       "chooser.via",
                                       "chooser.expires_in",
                                       "chooser.search",
                                       "chooser.choose",
                                       "chooser.cancel",
                                       "chooser.why_missing",
                                       "error.no_identity",
                                       "error.invalid_insz",
                                       "error.store_unavailable",
                                       "error.txn_expired",
                                       "error.txn_expired_back",
                                       "error.csrf",
                                       "error.choice_not_offered",
                                       "error.capacity_invalid",
                                       "page.lang_switch",
                                       "page.skip_link",
                                       "page.lang.nl",
                                       "page.lang.fr",
                                       "page.lang.de",
                                       "page.lang.en",
                                       NULL};
    const mnd_catalog_t *cat = mnd_catalog_builtin();
    int i, l;
    (void)state;
    for (i = 0; keys[i]; i++)
        for (l = 0; l < MND_LANG__N; l++)
            if (!mnd_msg(cat, (mnd_lang_t)l, keys[i]))
                fail_msg("missing %s", keys[i]);
    /* every near-miss reason the resolver reports has its explanation */
    for (i = 0; i < MND_MISS__N; i++) {
        const char *key =
            apr_pstrcat(pool, "miss.", mnd_miss_reason_code((mnd_miss_reason_t)i), NULL);
        for (l = 0; l < MND_LANG__N; l++)
            if (!mnd_msg(cat, (mnd_lang_t)l, key))
                fail_msg("missing %s", key);
    }
    assert_string_equal(mnd_msg(cat, MND_LANG_NL, "chooser.title"), "Voor wie handelt u?");
    assert_string_equal(mnd_msg(cat, MND_LANG_FR, "chooser.title"), "Pour qui agissez-vous ?");
    assert_string_equal(mnd_msg(cat, MND_LANG_DE, "chooser.title"), "Für wen handeln Sie?");
    assert_string_equal(mnd_msg(cat, MND_LANG_EN, "chooser.title"),
                        "On whose behalf are you acting?");
    assert_true(
        strstr(mnd_msg(cat, MND_LANG_EN, "miss.missing_executor_right"), "SSM Mandaatuitvoerder"));
    assert_null(mnd_msg(cat, MND_LANG_NL, "chooser.nope"));
    assert_null(mnd_msg(cat, MND_LANG_NL, ""));
    assert_null(mnd_msg(cat, MND_LANG_NL, NULL));
    assert_null(mnd_msg(NULL, MND_LANG_NL, "chooser.title"));
    assert_string_equal(mnd_msg(cat, MND_LANG__N, "chooser.title"), "Voor wie handelt u?");
    assert_string_equal(mnd_msg(cat, (mnd_lang_t)-1, "chooser.title"), "Voor wie handelt u?");
}

static void test_msg_args(void **state)
{
    const mnd_catalog_t *cat = mnd_catalog_builtin();
    const char *one[] = {"ACME <nv>"}, *two[] = {"ACME", "3"}, *nul[] = {NULL};
    (void)state;
    assert_string_equal(mnd_msg_args(pool, cat, MND_LANG_DE, "chooser.via", 1, one),
                        "über ACME <nv>"); /* raw: the template escapes */
    assert_string_equal(
        mnd_msg_args(pool, cat, MND_LANG_EN, "chooser.expires_in", 1, (const char *[]){"12"}),
        "expires in 12 days");
    assert_string_equal(mnd_msg_args(pool, cat, MND_LANG_EN, "miss.missing_executor_right", 2, two),
                        "ACME has received 3 mandates, but you do not hold the right SSM "
                        "Mandaatuitvoerder at ACME. Ask the local administrator of ACME for "
                        "that right.");
    /* {2} before {1} */
    assert_string_equal(mnd_msg_args(pool, cat, MND_LANG_NL, "miss.mandate_pending", 2,
                                     (const char *[]){"X", "2024-01-02"}),
                        "Het mandaat wacht sinds 2024-01-02 op goedkeuring door X.");
    /* arguments not supplied stay visible, a NULL argument is empty */
    assert_string_equal(mnd_msg_args(pool, cat, MND_LANG_EN, "chooser.via", 0, NULL), "via {1}");
    assert_string_equal(mnd_msg_args(pool, cat, MND_LANG_EN, "chooser.via", 1, nul), "via ");
    /* argument text is never reinterpreted */
    assert_string_equal(
        mnd_msg_args(pool, cat, MND_LANG_EN, "chooser.via", 1, (const char *[]){"{1} %s %n"}),
        "via {1} %s %n");
    assert_null(mnd_msg_args(pool, cat, MND_LANG_EN, "nope", 1, one));
}

static void test_load_overrides(void **state)
{
    const mnd_catalog_t *cat;
    (void)state;
    clear_dir();
    write_str("nl", "\xEF\xBB\xBF# Our wording\n\n  chooser.title =  Namens wie?  \r\n"
                    "chooser.via=langs {1}\n"
                    "   # indented comment\n"
                    "miss.enterprise_stopped = {1}: gestopt {x} {0} {{1}} {1\n");
    write_str("fr", "error.title = Oups = erreur");
    MND_ASSERT_OK(mnd_catalog_load(pool, tmpdir, &cat));
    assert_string_equal(mnd_msg(cat, MND_LANG_NL, "chooser.title"), "Namens wie?");
    assert_string_equal(mnd_msg(cat, MND_LANG_FR, "error.title"), "Oups = erreur");
    assert_string_equal(
        mnd_msg_args(pool, cat, MND_LANG_NL, "chooser.via", 1, (const char *[]){"B"}), "langs B");
    /* braces that are not {1}..{9} are kept literally */
    assert_string_equal(mnd_msg_args(pool, cat, MND_LANG_NL, "miss.enterprise_stopped", 1,
                                     (const char *[]){"ACME"}),
                        "ACME: gestopt {x} {0} {ACME} {1");
    /* untouched keys and languages keep the built-in texts; the built-in catalogue is intact */
    assert_string_equal(mnd_msg(cat, MND_LANG_FR, "chooser.title"), "Pour qui agissez-vous ?");
    assert_string_equal(mnd_msg(cat, MND_LANG_DE, "error.title"), "Es ist ein Fehler aufgetreten");
    assert_string_equal(mnd_msg(mnd_catalog_builtin(), MND_LANG_NL, "chooser.title"),
                        "Voor wie handelt u?");
    /* a directory without any file is the built-in catalogue */
    clear_dir();
    MND_ASSERT_OK(mnd_catalog_load(pool, tmpdir, &cat));
    assert_string_equal(mnd_msg(cat, MND_LANG_EN, "chooser.title"),
                        "On whose behalf are you acting?");
    write_str("en", "");
    MND_ASSERT_OK(mnd_catalog_load(pool, tmpdir, &cat));
}

static void load_fails(const char *lang, const char *data, const char *needle)
{
    const mnd_catalog_t *cat;
    clear_dir();
    write_str(lang, data);
    MND_ASSERT_ERR(mnd_catalog_load(pool, tmpdir, &cat), MND_EINVAL, needle);
}

static void test_load_errors(void **state)
{
    const mnd_catalog_t *cat;
    char *big;
    const char *de = apr_pstrcat(pool, tmpdir, "/de.txt", NULL);
    (void)state;
    load_fails("de", "# x\nchooser.title = Wer?\nchooser.titel = Wer?\n",
               apr_pstrcat(pool, de, ":3: unknown message key 'chooser.titel'", NULL));
    load_fails("de", "\nchooser.title Wer?\n",
               apr_pstrcat(pool, de, ":2: expected 'key = text'", NULL));
    load_fails("de", "chooser.title =   \n", ":1: message 'chooser.title' has an empty text");
    load_fails("de", "Chooser.Title = x\n", ":1: bad message key 'Chooser.Title'");
    load_fails("de", "= x\n", ":1: bad message key ''");
    load_fails("de", "chooser.title = a\nchooser.title = b\n",
               ":2: message 'chooser.title' given twice");
    load_fails("de", "chooser.via = über {1} und {2}\n",
               ":1: message 'chooser.via' uses {2}, which the code does not supply");
    load_fails("de", "chooser.title = {1}\n", "uses {1}");
    load_fails("de", "chooser.title = \xC3\x28\n", "not UTF-8");
    load_fails("de", "chooser.title = \xED\xA0\x80\n", "not UTF-8"); /* a surrogate */
    load_fails("de", "chooser.title = \xC0\xAF\n", "not UTF-8");     /* overlong / */
    clear_dir();
    write_lang("nl", "chooser.title = a\0b\n", 20);
    MND_ASSERT_ERR(mnd_catalog_load(pool, tmpdir, &cat), MND_EINVAL, "not UTF-8");
    clear_dir();
    big = malloc(CATALOG_FILE_MAX + 2);
    memset(big, '#', CATALOG_FILE_MAX + 1);
    write_lang("en", big, CATALOG_FILE_MAX + 1);
    free(big);
    MND_ASSERT_ERR(mnd_catalog_load(pool, tmpdir, &cat), MND_EINVAL, "larger than");
    clear_dir();
    MND_ASSERT_ERR(mnd_catalog_load(pool, "/nonexistent/msgs", &cat), MND_EINVAL,
                   "not a directory");
    MND_ASSERT_ERR(mnd_catalog_load(pool, NULL, &cat), MND_EINVAL, "not a directory");
}

#define NEG(h, d) mnd_lang_negotiate((h), (d))

static void test_negotiate(void **state)
{
    char *huge;
    size_t i;
    (void)state;
    assert_int_equal(NEG("fr-BE;q=0.9, en;q=0.8", MND_LANG_NL), MND_LANG_FR);
    assert_int_equal(NEG("de-CH", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("es", MND_LANG_EN), MND_LANG_EN);
    assert_int_equal(NEG("es", MND_LANG_NL), MND_LANG_NL);
    assert_int_equal(NEG(NULL, MND_LANG_FR), MND_LANG_FR);
    assert_int_equal(NEG("", MND_LANG_DE), MND_LANG_DE);
    assert_int_equal(NEG("en-US,en;q=0.9,nl;q=0.8", MND_LANG_NL), MND_LANG_EN);
    assert_int_equal(NEG("es, nl;q=0.2, fr;q=0.3", MND_LANG_EN), MND_LANG_FR);
    /* case-insensitive, white space */
    assert_int_equal(NEG("  NL-be ; Q=0.5 ,\tFR ;q=0.4", MND_LANG_EN), MND_LANG_NL);
    /* ties keep header order */
    assert_int_equal(NEG("de;q=0.5, fr;q=0.5", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr, de", MND_LANG_NL), MND_LANG_FR);
    assert_int_equal(NEG("fr;q=0.500, de;q=0.5", MND_LANG_NL), MND_LANG_FR);
    /* a language's weight is its best range */
    assert_int_equal(NEG("fr-CH;q=0, fr;q=0.6, de;q=0.5", MND_LANG_NL), MND_LANG_FR);
    /* q=0 excludes */
    assert_int_equal(NEG("fr;q=0", MND_LANG_NL), MND_LANG_NL);
    assert_int_equal(NEG("fr;q=0.000, de;q=0.001", MND_LANG_NL), MND_LANG_DE);
    /* "*": any language not named, the default first */
    assert_int_equal(NEG("*", MND_LANG_DE), MND_LANG_DE);
    assert_int_equal(NEG("*;q=0.1", MND_LANG_EN), MND_LANG_EN);
    assert_int_equal(NEG("es, *;q=0.1", MND_LANG_FR), MND_LANG_FR);
    assert_int_equal(NEG("*;q=0.5, fr;q=0.4", MND_LANG_NL), MND_LANG_NL);
    assert_int_equal(NEG("nl;q=0, *;q=0.5", MND_LANG_NL), MND_LANG_FR);
    assert_int_equal(NEG("nl;q=0, fr;q=0, *", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("*;q=0", MND_LANG_EN), MND_LANG_EN);
    assert_int_equal(NEG("*;q=0.9, nl;q=0.1", MND_LANG_NL), MND_LANG_FR);
    /* malformed items are ignored, the rest still counts */
    assert_int_equal(NEG("fr;q=2, de", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr;q=1.5, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr;q=0.1234, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr;q=, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr;q=x, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr;q=-1, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr;level=1, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr;q=1.0, de", MND_LANG_NL), MND_LANG_FR);
    assert_int_equal(NEG("f r, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr-, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("-fr, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr--be, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("f1, fr-1996, de;q=0.1", MND_LANG_NL), MND_LANG_FR);
    assert_int_equal(NEG("frenchxxx, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fr-abcdefghi, de;q=0.1", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("fra, de;q=0.1", MND_LANG_NL), MND_LANG_DE); /* not an alias of fr */
    assert_int_equal(NEG(",,, ;q=1, de", MND_LANG_NL), MND_LANG_DE);
    assert_int_equal(NEG("\x01\xff<script>", MND_LANG_EN), MND_LANG_EN);
    assert_int_equal(NEG("fr,", MND_LANG_NL), MND_LANG_FR);
    assert_int_equal(NEG("de\xc3\xa9", MND_LANG_NL), MND_LANG_NL);
    assert_int_equal(NEG("de", MND_LANG__N), MND_LANG_DE);
    assert_int_equal(NEG("es", MND_LANG__N), MND_LANG_NL);
    /* a huge header: only the first 64 items and 4 KiB count */
    huge = malloc(1024 * 1024 + 16);
    for (i = 0; i + 3 < 1024 * 1024; i += 3)
        memcpy(huge + i, "es,", 3);
    strcpy(huge + i, "fr");
    assert_int_equal(NEG(huge, MND_LANG_NL), MND_LANG_NL);
    memcpy(huge, "de;q=0.1,", 9);
    assert_int_equal(NEG(huge, MND_LANG_NL), MND_LANG_DE);
    for (i = 0; i < 63; i++)
        memcpy(huge + i * 3, "es,", 3);
    memcpy(huge + 63 * 3, "fr,", 3); /* item 64 (index 63) still counts */
    assert_int_equal(NEG(huge, MND_LANG_NL), MND_LANG_FR);
    memcpy(huge + 63 * 3, "es,fr,", 6); /* item 65 does not */
    assert_int_equal(NEG(huge, MND_LANG_NL), MND_LANG_NL);
    /* one item cut by the 4 KiB cap is ignored rather than read truncated */
    memset(huge, ' ', 4094);
    memcpy(huge + 4094, "fr-BE", 6);
    assert_int_equal(NEG(huge, MND_LANG_NL), MND_LANG_NL);
    huge[4094] = 'd', huge[4095] = 'e', huge[4096] = '\0';
    assert_int_equal(NEG(huge, MND_LANG_NL), MND_LANG_DE);
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_complete), cmocka_unit_test(test_required_keys),
        cmocka_unit_test(test_msg_args),         cmocka_unit_test(test_load_overrides),
        cmocka_unit_test(test_load_errors),      cmocka_unit_test(test_negotiate),
    };
    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, setup, teardown);
}
