/* KBO Open Data import: full files, update files, functions, and malformed input, on every
 * driver. Fixtures live in tests/data/kbo/. The store's contents are read back through a
 * second connection of our own, so "unchanged after a failed import" compares everything
 * committed, not what the importing connection believes. */
#include "testutil.h"

#include "core/authority.h"
#include "core/party.h"
#include "kbo/import.h"

#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1760000000   /* 2025-10-09 */
#define DAY 86400

/* Identifiers of the fixtures (normalised). */
#define VENECO "0200065765"
#define NBB "0403447744"
#define TUINEN "0417040909"
#define MOULIN "0459561452"
#define BAKKER "0871773444"
#define ZWAAN "1012345646"
#define UNLISTED "0880234517"
#define ZUIVEL "0456789034"
#define NIEUW "0765432146"
#define PERSON_A "85073003328"
#define PERSON_B "90020199704"
#define PERSON_C "72051234566"
#define PERSON_D "05031512367"

/* ---- context: a store plus a second, raw connection to the same database ---- */

typedef struct kctx_t {
    mnd_test_ctx_t *t;
    const apr_dbd_driver_t *drv;
    apr_dbd_t *raw;
    const char *dbfile;   /* SQLite: a temporary file, so a second connection can see it */
} kctx_t;

static kctx_t *kopen(const char *driver)
{
    kctx_t *k;
    const char *params;
    mnd_error_t *err;

    if (strcmp(driver, "pgsql") == 0) {
        mnd_test_ctx_t *t = mnd_test_open(driver);
        k = apr_pcalloc(t->pool, sizeof(*k));
        k->t = t;
        /* The same per-process schema as the store's connection. */
        params = t->schema ? apr_psprintf(t->pool, "%s options='-csearch_path=%s'",
                                          getenv("MANDAAT_TEST_PGSQL"), t->schema)
                           : getenv("MANDAAT_TEST_PGSQL");
    } else {
        /* mnd_test_open's SQLite is in memory and private to one connection. */
        apr_pool_t *pool;
        const char *tmp = NULL;
        char *path;
        int fd;
        mnd_test_ctx_t *warm = mnd_test_open(driver); /* initialises APR and apr_dbd */
        mnd_test_close(warm);
        apr_pool_create(&pool, NULL);
        k = apr_pcalloc(pool, sizeof(*k));
        k->t = apr_pcalloc(pool, sizeof(*k->t));
        k->t->pool = pool;
        k->t->driver = "sqlite3";
        apr_temp_dir_get(&tmp, pool);
        path = apr_pstrcat(pool, tmp, "/mnd-kbo-test-XXXXXX", NULL);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        k->dbfile = path;
        err = mnd_store_open(pool, "sqlite3", path, &k->t->store);
        if (!err)
            err = mnd_store_migrate(k->t->store, pool, NULL, NULL);
        if (err)
            fail_msg("opening the SQLite test store: %s", err->msg);
        params = path;
    }
    assert_int_equal(apr_dbd_get_driver(k->t->pool, driver, &k->drv), APR_SUCCESS);
    assert_int_equal(apr_dbd_open(k->drv, k->t->pool, params, &k->raw), APR_SUCCESS);
    return k;
}

static void kclose(kctx_t *k)
{
    const char *f = k->dbfile ? strdup(k->dbfile) : NULL;
    apr_dbd_close(k->drv, k->raw);
    mnd_test_close(k->t);
    if (f) {
        char buf[1024];
        unlink(f);
        snprintf(buf, sizeof(buf), "%s-wal", f);
        unlink(buf);
        snprintf(buf, sizeof(buf), "%s-shm", f);
        unlink(buf);
        free((void *)f);
    }
}

/* Every row of sql, columns separated by '|', rows by '\n' (NULL as '~'). */
static const char *rows(kctx_t *k, const char *sql)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_pool_t *p = k->t->pool;
    const char *out = "";
    char scratch[64];
    int rv, i, n;
    rv = apr_dbd_select(k->drv, p, k->raw, &res, sql, 1);
    if (rv)
        fail_msg("%s: %s", sql, apr_dbd_error(k->drv, k->raw, rv));
    n = apr_dbd_num_cols(k->drv, res);
    while (apr_dbd_get_row(k->drv, p, res, &row, -1) == 0) {
        for (i = 0; i < n; i++) {
            /* pgsql gives "" for NULL from get_entry; datum_get tells them apart. */
            const char *v = apr_dbd_datum_get(k->drv, row, i, APR_DBD_TYPE_NULL, scratch) ==
                                    APR_ENOENT
                                ? NULL
                                : apr_dbd_get_entry(k->drv, row, i);
            out = apr_pstrcat(p, out, i ? "|" : "", v ? v : "~", NULL);
        }
        out = apr_pstrcat(p, out, "\n", NULL);
    }
    return out;
}

/* Everything the import may touch. */
static const char *dump(kctx_t *k)
{
    return apr_pstrcat(k->t->pool,
                       rows(k, "SELECT * FROM party ORDER BY id"), "--\n",
                       rows(k, "SELECT holder, enterprise, function_code, valid_from, "
                               "valid_until FROM kbo_function ORDER BY 1, 2, 3, 4"),
                       "--\n", rows(k, "SELECT * FROM kbo_function_code ORDER BY code"), NULL);
}

/* One party as "status|nl|fr|de|en". */
static const char *party(kctx_t *k, const char *id)
{
    const char *r = rows(k, apr_psprintf(k->t->pool,
                                         "SELECT status, name_nl, name_fr, name_de, name_en"
                                         " FROM party WHERE id = '%s'", id));
    size_t n = strlen(r);
    return n ? apr_pstrndup(k->t->pool, r, n - 1) : "(none)";
}

static const char *data_dir(apr_pool_t *p)
{
    const char *top = getenv("top_srcdir");
    const char *here = __FILE__, *slash;
    if (top && *top)
        return apr_pstrcat(p, top, "/tests/data/kbo", NULL);
    slash = strrchr(here, '/');
    return apr_pstrcat(p, slash ? apr_pstrndup(p, here, (apr_size_t)(slash - here)) : ".",
                       "/../data/kbo", NULL);
}

static const char *fixture(kctx_t *k, const char *rel)
{
    return apr_pstrcat(k->t->pool, data_dir(k->t->pool), "/", rel, NULL);
}

static mnd_error_t *import1(kctx_t *k, mnd_kbo_file_t f, const char *rel, mnd_kbo_stats_t *st)
{
    mnd_kbo_import_t in;
    memset(&in, 0, sizeof(in));
    in.now = NOW;
    in.path[f] = fixture(k, rel);
    return mnd_kbo_import(k->t->store, k->t->pool, &in, st);
}

static mnd_error_t *import_dir(kctx_t *k, const char *dir, mnd_time_t now, mnd_kbo_stats_t *st)
{
    static const char *const names[MND_KBO__N] = {
        "enterprise.csv",          "enterprise_delete.csv",   "enterprise_insert.csv",
        "denomination.csv",        "denomination_delete.csv", "denomination_insert.csv",
        "functions.csv"};
    mnd_kbo_import_t in;
    int i;
    memset(&in, 0, sizeof(in));
    in.now = now;
    for (i = 0; i < MND_KBO__N; i++) {
        const char *path = fixture(k, apr_pstrcat(k->t->pool, dir, "/", names[i], NULL));
        if (access(path, R_OK) == 0)
            in.path[i] = path;
    }
    return mnd_kbo_import(k->t->store, k->t->pool, &in, st);
}

static int is_rep(kctx_t *k, const char *person, const char *org, mnd_time_t t)
{
    int yes = -1;
    MND_ASSERT_OK(mnd_authority_is_kbo_rep(k->t->store, k->t->pool, person, org, t, &yes));
    return yes;
}

/* ---- good input ---- */

static void test_full_import(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_kbo_stats_t st;
    mnd_party_t *got = NULL;

    MND_ASSERT_OK(import_dir(k, "full", NOW, &st));
    assert_int_equal(st.rows[MND_KBO_ENTERPRISE], 6);
    assert_int_equal(st.rows[MND_KBO_DENOMINATION], 14);
    assert_int_equal(st.rows[MND_KBO_FUNCTION], 4);
    assert_int_equal(st.enterprises_upserted, 6);
    assert_int_equal(st.names_set, 10);
    assert_int_equal(st.names_ignored, 2);
    assert_int_equal(st.establishments_skipped, 1);
    assert_int_equal(st.names_unknown, 1);
    assert_int_equal(st.functions, 4);

    assert_string_equal(party(k, VENECO), "active|Intergemeentelijke Vereniging Veneco|~|~|~");
    assert_string_equal(party(k, NBB), "active|Nationale Bank van België|Banque Nationale de "
                                       "Belgique|Belgische Nationalbank|National Bank of Belgium");
    /* Language 0 fills every language; a quoted comma stays in the name. */
    assert_string_equal(party(k, TUINEN), "active|Tuinen, Bloemen & Co|Tuinen, Bloemen & Co|"
                                          "Tuinen, Bloemen & Co|Tuinen, Bloemen & Co");
    assert_string_equal(party(k, MOULIN), "stopped|~|Ancienne Société \"Le Moulin\"|~|~");
    /* Language 0 after a Dutch name fills only the others. */
    assert_string_equal(party(k, BAKKER),
                        "active|Bakkerij Janssens|Janssens Bakery|Janssens Bakery|Janssens Bakery");
    assert_string_equal(party(k, ZWAAN), "active|Café \"De Zwaan\", Gent|~|~|~");
    /* Names never create parties; establishment units are not parties. */
    assert_string_equal(party(k, UNLISTED), "(none)");
    assert_string_equal(rows(k, "SELECT COUNT(*) FROM party"), "6\n");
    assert_string_equal(rows(k, "SELECT DISTINCT kind, updated_at FROM party"),
                        apr_psprintf(k->t->pool, "org|%d\n", NOW));

    MND_ASSERT_OK(mnd_party_get(k->t->store, k->t->pool, NBB, &got));
    assert_string_equal(got->name[MND_LANG_DE], "Belgische Nationalbank");
    assert_true(got->active);

    assert_string_equal(rows(k, "SELECT holder, enterprise, function_code, valid_from, "
                                "valid_until FROM kbo_function ORDER BY holder"),
                        "05031512367|0200065765|bestuurder|1672531200|~\n"
                        "72051234566|0417040909|vennoot|1426377600|~\n"
                        "85073003328|0403447744|bestuurder|1577836800|~\n"
                        "90020199704|0403447744|zaakvoerder|1527811200|1717200000\n");
    /* EndDate is the first day without the function: [start, end). */
    assert_true(is_rep(k, PERSON_B, NBB, 1527811200));
    assert_true(is_rep(k, PERSON_B, NBB, 1717200000 - 1));
    assert_false(is_rep(k, PERSON_B, NBB, 1717200000));
    assert_false(is_rep(k, PERSON_B, NBB, 1527811200 - 1));
    assert_true(is_rep(k, PERSON_A, NBB, NOW));
    assert_false(is_rep(k, PERSON_C, TUINEN, NOW)); /* vennoot does not represent */
    assert_true(is_rep(k, PERSON_D, VENECO, NOW));
    kclose(k);
}

static void test_reimport_is_idempotent(void **state)
{
    kctx_t *k = kopen(*state);
    const char *before;
    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    before = dump(k);
    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    assert_string_equal(dump(k), before);
    kclose(k);
}

static void test_bom_crlf_and_reordered_columns(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_kbo_stats_t st;
    mnd_kbo_import_t in;

    memset(&in, 0, sizeof(in));
    in.now = NOW;
    in.path[MND_KBO_ENTERPRISE] = fixture(k, "bom/enterprise.csv");
    in.path[MND_KBO_DENOMINATION] = fixture(k, "crlf/denomination.csv");
    MND_ASSERT_OK(mnd_kbo_import(k->t->store, k->t->pool, &in, &st));
    assert_int_equal(st.enterprises_upserted, 2);
    assert_int_equal(st.names_set, 2);
    assert_string_equal(party(k, ZUIVEL), "active|Zuivel, Kaas en Boter|~|~|~");
    assert_string_equal(party(k, UNLISTED), "active|~|Fromagerie \"Les Prés\"|~|~");

    in.path[MND_KBO_ENTERPRISE] = fixture(k, "reordered/enterprise.csv");
    in.path[MND_KBO_DENOMINATION] = fixture(k, "reordered/denomination.csv");
    MND_ASSERT_OK(mnd_kbo_import(k->t->store, k->t->pool, &in, &st));
    assert_int_equal(st.rows[MND_KBO_ENTERPRISE], 2);
    assert_string_equal(party(k, ZUIVEL), "active|Omgekeerde Kolommen BV|~|~|~");
    /* Stopped by its status; its names are kept, as the file gives it none. */
    assert_string_equal(party(k, UNLISTED), "stopped|~|Fromagerie \"Les Prés\"|~|~");
    kclose(k);
}

static void test_update_files(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_kbo_stats_t st;

    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    MND_ASSERT_OK(import_dir(k, "update", NOW + DAY, &st));
    assert_int_equal(st.rows[MND_KBO_ENTERPRISE_DELETE], 2);
    assert_int_equal(st.rows[MND_KBO_ENTERPRISE_INSERT], 2);
    assert_int_equal(st.enterprises_deleted, 2);
    assert_int_equal(st.enterprises_upserted, 2);
    assert_int_equal(st.establishments_skipped, 2);
    assert_int_equal(st.names_set, 3);
    assert_int_equal(st.names_ignored, 0);
    /* Deleted from KBO: stopped, never removed (mandates and rights refer to it). */
    assert_string_equal(party(k, VENECO), "stopped|Intergemeentelijke Vereniging Veneco|~|~|~");
    /* Deleted and inserted again: a change. The delete cleared the old names first. */
    assert_string_equal(party(k, TUINEN), "active|Tuinen en Bloemen NV|Jardins et Fleurs SA|~|~");
    assert_string_equal(party(k, NIEUW), "active|Nieuwe Zaak BV|~|~|~");
    /* Untouched by the update. */
    assert_string_equal(party(k, NBB), "active|Nationale Bank van België|Banque Nationale de "
                                       "Belgique|Belgische Nationalbank|National Bank of Belgium");
    assert_string_equal(rows(k, "SELECT updated_at FROM party WHERE id = '" NBB "'"),
                        apr_psprintf(k->t->pool, "%d\n", NOW));
    /* Functions at a stopped enterprise no longer represent it. */
    assert_false(is_rep(k, PERSON_D, VENECO, NOW + DAY));
    assert_string_equal(rows(k, "SELECT COUNT(*) FROM kbo_function"), "4\n");
    kclose(k);
}

static void test_full_file_stops_what_it_omits(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_kbo_stats_t st;
    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    MND_ASSERT_OK(import_dir(k, "second", NOW + DAY, &st));
    assert_int_equal(st.enterprises_upserted, 2);
    assert_int_equal(st.enterprises_absent, 3);
    /* The names an entity has in a file replace all it had: KBO dropped the FR/DE/EN. */
    assert_string_equal(party(k, NBB), "active|Nationale Bank van België NV|~|~|~");
    assert_string_equal(party(k, TUINEN), "active|Tuinen BV|Jardins SA|Tuinen BV|Tuinen BV");
    /* Omitted from the full enterprise.csv: stopped; omitted from denomination.csv: names
     * kept. */
    assert_string_equal(party(k, VENECO), "stopped|Intergemeentelijke Vereniging Veneco|~|~|~");
    assert_string_equal(party(k, BAKKER), "stopped|Bakkerij Janssens|Janssens Bakery|"
                                          "Janssens Bakery|Janssens Bakery");
    assert_string_equal(party(k, ZWAAN), "stopped|Café \"De Zwaan\", Gent|~|~|~");
    /* functions.csv replaces the whole table. */
    assert_string_equal(rows(k, "SELECT holder, enterprise, function_code FROM kbo_function"),
                        "85073003328|0417040909|zaakvoerder\n");
    assert_true(is_rep(k, PERSON_A, TUINEN, NOW + DAY));
    assert_false(is_rep(k, PERSON_A, NBB, NOW + DAY));
    kclose(k);
}

/* A second full import within the same second, and persons (stamped later still). */
static void test_same_second_and_persons(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_kbo_stats_t st;
    MND_ASSERT_OK(mnd_party_ensure_person(k->t->store, k->t->pool, PERSON_A, NOW + DAY));
    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    MND_ASSERT_OK(import_dir(k, "second", NOW, &st));
    /* What the second full file omits still stops. */
    assert_int_equal(st.enterprises_absent, 3);
    assert_string_equal(party(k, VENECO), "stopped|Intergemeentelijke Vereniging Veneco|~|~|~");
    assert_string_equal(party(k, NBB), "active|Nationale Bank van België NV|~|~|~");
    assert_string_equal(rows(k, "SELECT DISTINCT updated_at FROM party WHERE kind = 'org'"),
                        apr_psprintf(k->t->pool, "%d\n", NOW));
    /* A full file never touches a person. */
    assert_string_equal(party(k, PERSON_A), "active|~|~|~|~");
    assert_string_equal(rows(k, "SELECT updated_at FROM party WHERE id = '" PERSON_A "'"),
                        apr_psprintf(k->t->pool, "%d\n", NOW + DAY));
    kclose(k);
}

static void test_function_codes(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_store_t *s = k->t->store;
    apr_pool_t *p = k->t->pool;

    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    assert_false(is_rep(k, PERSON_C, TUINEN, NOW));
    MND_ASSERT_OK(mnd_kbo_function_code_set(s, p, "vennoot", NULL, 1));
    assert_true(is_rep(k, PERSON_C, TUINEN, NOW));
    assert_string_equal(rows(k, "SELECT label_nl, representative FROM kbo_function_code"
                                " WHERE code = 'vennoot'"), "Vennoot|1\n");
    MND_ASSERT_OK(mnd_kbo_function_code_set(s, p, "directeur-generaal", "Directeur-generaal", 1));
    MND_ASSERT_OK(mnd_kbo_function_code_set(s, p, "bestuurder", "Lid van de raad", 0));
    assert_false(is_rep(k, PERSON_A, NBB, NOW));
    assert_string_equal(rows(k, "SELECT code, label_nl, representative FROM kbo_function_code"
                                " WHERE code IN ('bestuurder', 'directeur-generaal')"
                                " ORDER BY code"),
                        "bestuurder|Lid van de raad|0\ndirecteur-generaal|Directeur-generaal|1\n");
    /* A code added is then accepted by a functions file. */
    MND_ASSERT_OK(import1(k, MND_KBO_FUNCTION, "bad/functions_unknown_code.csv", NULL));

    MND_ASSERT_ERR(mnd_kbo_function_code_set(s, p, "", "x", 1), MND_EINVAL, "1 to 64");
    MND_ASSERT_ERR(mnd_kbo_function_code_set(s, p, NULL, "x", 1), MND_EINVAL, "1 to 64");
    MND_ASSERT_ERR(mnd_kbo_function_code_set(s, p, "drop table", "x", 1), MND_EINVAL,
                   "'drop table': use only letters");
    MND_ASSERT_ERR(mnd_kbo_function_code_set(s, p, apr_psprintf(p, "%065d", 0), "x", 1),
                   MND_EINVAL, "1 to 64");
    kclose(k);
}

static void test_file_from_name(void **state)
{
    (void)state;
    assert_int_equal(mnd_kbo_file_from_name("enterprise.csv"), MND_KBO_ENTERPRISE);
    assert_int_equal(mnd_kbo_file_from_name("/data/KboOpenData_0140_2025_10_Update/"
                                            "enterprise_delete.csv"),
                     MND_KBO_ENTERPRISE_DELETE);
    assert_int_equal(mnd_kbo_file_from_name("x/enterprise_insert.csv"), MND_KBO_ENTERPRISE_INSERT);
    assert_int_equal(mnd_kbo_file_from_name("DENOMINATION.CSV"), MND_KBO_DENOMINATION);
    assert_int_equal(mnd_kbo_file_from_name("denomination_delete.csv"),
                     MND_KBO_DENOMINATION_DELETE);
    assert_int_equal(mnd_kbo_file_from_name("denomination_insert.csv"),
                     MND_KBO_DENOMINATION_INSERT);
    assert_int_equal(mnd_kbo_file_from_name("/etc/mandaat/functions.csv"), MND_KBO_FUNCTION);
    assert_int_equal(mnd_kbo_file_from_name("address.csv"), -1);
    assert_int_equal(mnd_kbo_file_from_name("enterprise.csv.gz"), -1);
    assert_int_equal(mnd_kbo_file_from_name("enterprise.csv/"), -1);
    assert_int_equal(mnd_kbo_file_from_name(""), -1);
    assert_int_equal(mnd_kbo_file_from_name(NULL), -1);
}

/* ---- bad input: a clear error, and the store exactly as it was ---- */

static void expect_rejected(void **state, mnd_kbo_file_t f, const char *rel, const char *needle)
{
    kctx_t *k = kopen(*state);
    const char *before;
    mnd_error_t *err;
    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    before = dump(k);
    err = import1(k, f, rel, NULL);
    MND_ASSERT_ERR(err, MND_EINVAL, needle);
    /* The message names the file as given. */
    assert_non_null(strstr(err->msg, rel));
    assert_string_equal(dump(k), before);
    kclose(k);
}

static void test_bad_check_digit(void **state)
{
    expect_rejected(state, MND_KBO_ENTERPRISE, "bad/enterprise_check_digit.csv",
                    "enterprise_check_digit.csv line 4: EnterpriseNumber '0123.456.788': "
                    "KBO number 0123456788: check digits 88 do not match");
}

static void test_bad_start_date(void **state)
{
    expect_rejected(state, MND_KBO_ENTERPRISE_INSERT, "bad/enterprise_bad_date.csv",
                    "enterprise_bad_date.csv line 3: StartDate '31-02-2020': date '31-02-2020': "
                    "day 31 does not exist");
}

static void test_wrong_field_count(void **state)
{
    expect_rejected(state, MND_KBO_ENTERPRISE, "bad/enterprise_field_count.csv",
                    "enterprise_field_count.csv line 3: the row has 6 fields, the header has 7");
}

static void test_missing_column(void **state)
{
    expect_rejected(state, MND_KBO_ENTERPRISE, "bad/enterprise_missing_column.csv",
                    "enterprise_missing_column.csv line 1: the header lacks the required "
                    "column Status");
}

static void test_empty_file(void **state)
{
    expect_rejected(state, MND_KBO_ENTERPRISE, "bad/enterprise_empty.csv",
                    "enterprise_empty.csv: the file is empty");
}

static void test_unknown_function_code(void **state)
{
    expect_rejected(state, MND_KBO_FUNCTION, "bad/functions_unknown_code.csv",
                    "functions_unknown_code.csv line 3: FunctionCode 'directeur-generaal': "
                    "unknown function code");
}

static void test_bad_insz(void **state)
{
    expect_rejected(state, MND_KBO_FUNCTION, "bad/functions_bad_insz.csv",
                    "functions_bad_insz.csv line 3: PersonINSZ '85.07.30-033.29': INSZ "
                    "85073003329: check digits 29 do not match");
}

static void test_bad_end_date(void **state)
{
    expect_rejected(state, MND_KBO_FUNCTION, "bad/functions_bad_end_date.csv",
                    "functions_bad_end_date.csv line 2: EndDate '2021-01-01': date '2021-01-01': "
                    "expected dd-mm-yyyy");
}

static void test_end_not_after_start(void **state)
{
    expect_rejected(state, MND_KBO_FUNCTION, "bad/functions_end_not_after_start.csv",
                    "functions_end_not_after_start.csv line 2: EndDate '01-01-2020': the end "
                    "date must be after the start date");
}

static void test_duplicate_function(void **state)
{
    expect_rejected(state, MND_KBO_FUNCTION, "bad/functions_duplicate.csv",
                    "functions_duplicate.csv line 4: EnterpriseNumber '0403.447.744': the "
                    "person already holds function bestuurder there from 01-01-2020");
}

static void test_unclosed_quote(void **state)
{
    expect_rejected(state, MND_KBO_DENOMINATION, "bad/denomination_unclosed_quote.csv",
                    "line 3");
}

static void test_bad_language(void **state)
{
    expect_rejected(state, MND_KBO_DENOMINATION_INSERT, "bad/denomination_bad_language.csv",
                    "denomination_bad_language.csv line 3: Language '7': expected 0 (unknown), "
                    "1 (FR), 2 (NL), 3 (DE) or 4 (EN)");
}

/* The remaining rules, one bad file each. */
static void test_more_rejections(void **state)
{
    static const struct {
        mnd_kbo_file_t kind;
        const char *rel, *needle;
    } cases[] = {
        {MND_KBO_ENTERPRISE, "bad/enterprise_empty_status.csv",
         "enterprise_empty_status.csv line 2: Status '': the status is empty"},
        {MND_KBO_ENTERPRISE, "bad/enterprise_duplicate_column.csv",
         "enterprise_duplicate_column.csv line 1: column Status appears twice"},
        {MND_KBO_ENTERPRISE_DELETE, "bad/enterprise_delete_establishment.csv",
         "enterprise_delete_establishment.csv line 3: EntityNumber '2.123.456.789': KBO number "
         "2123456789: the first digit must be 0 or 1"},
        {MND_KBO_DENOMINATION, "bad/denomination_bad_type.csv",
         "denomination_bad_type.csv line 2: TypeOfDenomination 'name': expected a code"},
        {MND_KBO_DENOMINATION_INSERT, "bad/denomination_empty_name.csv",
         "denomination_empty_name.csv line 3: Denomination '': the name of the entity is empty"},
        {MND_KBO_DENOMINATION_DELETE, "bad/denomination_delete_check_digit.csv",
         "denomination_delete_check_digit.csv line 3: EntityNumber 'BE 0417.040.908': KBO "
         "number 0417040908: check digits 08 do not match"},
        {MND_KBO_FUNCTION, "bad/functions_no_start_date.csv",
         "functions_no_start_date.csv line 2: StartDate '': no date given"},
        {MND_KBO_FUNCTION, "bad/functions_missing_end_column.csv",
         "functions_missing_end_column.csv line 1: the header lacks the required column EndDate"},
    };
    kctx_t *k = kopen(*state);
    const char *before;
    size_t i;
    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    before = dump(k);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        MND_ASSERT_ERR(import1(k, cases[i].kind, cases[i].rel, NULL), MND_EINVAL,
                       cases[i].needle);
        assert_string_equal(dump(k), before);
    }
    kclose(k);
}

/* An update whose last file fails halfway leaves nothing of its earlier files behind. */
static void test_bad_update_rolls_back_everything(void **state)
{
    kctx_t *k = kopen(*state);
    const char *before;
    MND_ASSERT_OK(import_dir(k, "full", NOW, NULL));
    before = dump(k);
    MND_ASSERT_ERR(import_dir(k, "bad/update", NOW + DAY, NULL), MND_EINVAL,
                   "bad/update/denomination_insert.csv line 6: EntityNumber '0403.447.745': "
                   "KBO number 0403447745: check digits");
    assert_string_equal(dump(k), before);
    /* The store still works after the rollback. */
    MND_ASSERT_OK(import_dir(k, "update", NOW + DAY, NULL));
    assert_string_equal(party(k, VENECO), "stopped|Intergemeentelijke Vereniging Veneco|~|~|~");
    kclose(k);
}

/* A failing store is an MND_ESTORE error naming the file; earlier files are rolled back. */
static void test_store_failure_rolls_back(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_error_t *err;
    MND_ASSERT_OK(mnd_store_exec_raw(k->t->store, k->t->pool, "DROP TABLE kbo_function"));
    err = import_dir(k, "full", NOW, NULL);
    MND_ASSERT_ERR(err, MND_ESTORE, "full/functions.csv");
    assert_string_equal(rows(k, "SELECT COUNT(*) FROM party"), "0\n");
    kclose(k);
}

static void test_no_or_missing_files(void **state)
{
    kctx_t *k = kopen(*state);
    mnd_kbo_import_t in;
    const char *before = dump(k);
    memset(&in, 0, sizeof(in));
    in.now = NOW;
    MND_ASSERT_ERR(mnd_kbo_import(k->t->store, k->t->pool, &in, NULL), MND_EINVAL,
                   "no KBO file given");
    in.path[MND_KBO_ENTERPRISE] = fixture(k, "full/enterprise.csv");
    in.path[MND_KBO_DENOMINATION] = fixture(k, "full/no-such-denomination.csv");
    MND_ASSERT_ERR(mnd_kbo_import(k->t->store, k->t->pool, &in, NULL), MND_EINVAL,
                   "no-such-denomination.csv");
    assert_string_equal(dump(k), before);
    kclose(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_import),
        cmocka_unit_test(test_reimport_is_idempotent),
        cmocka_unit_test(test_bom_crlf_and_reordered_columns),
        cmocka_unit_test(test_update_files),
        cmocka_unit_test(test_full_file_stops_what_it_omits),
        cmocka_unit_test(test_same_second_and_persons),
        cmocka_unit_test(test_function_codes),
        cmocka_unit_test(test_file_from_name),
        cmocka_unit_test(test_bad_check_digit),
        cmocka_unit_test(test_bad_start_date),
        cmocka_unit_test(test_wrong_field_count),
        cmocka_unit_test(test_missing_column),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_unknown_function_code),
        cmocka_unit_test(test_bad_insz),
        cmocka_unit_test(test_bad_end_date),
        cmocka_unit_test(test_end_not_after_start),
        cmocka_unit_test(test_duplicate_function),
        cmocka_unit_test(test_unclosed_quote),
        cmocka_unit_test(test_bad_language),
        cmocka_unit_test(test_more_rejections),
        cmocka_unit_test(test_bad_update_rolls_back_everything),
        cmocka_unit_test(test_store_failure_rolls_back),
        cmocka_unit_test(test_no_or_missing_files),
    };
    return MND_RUN_PER_DRIVER("kbo_import", tests);
}
