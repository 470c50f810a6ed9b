/* Schema migrations. Times are integer seconds since the epoch (UTC); validity intervals are
 * half-open [valid_from, valid_until) with NULL for an open end. Party ids are normalised
 * identifiers (11-digit INSZ, 10-digit KBO number). Lists of action codes are one
 * space-separated text column: they are read whole and never queried by element.
 *
 * A migration is a list of statements per dialect; never edit a released migration, add one. */
#include "store/schema.h"

#include <apr_strings.h>
#include <stdlib.h>

typedef struct migration_t {
    int version;
    const char *const *sqlite3;
    const char *const *pgsql;
} migration_t;

/* Version 1: the domain model of DESIGN.md section 2. Both dialects must stay equivalent. */
#define V1_TABLES(SERIAL, BIGINT)                                                        \
    "CREATE TABLE party ("                                                               \
    " id TEXT PRIMARY KEY,"                                                              \
    " kind TEXT NOT NULL CHECK (kind IN ('person','org')),"                              \
    " status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','stopped')),"     \
    " name_nl TEXT, name_fr TEXT, name_de TEXT, name_en TEXT,"                           \
    " updated_at " BIGINT " NOT NULL)",                                                  \
    "CREATE TABLE service ("                                                             \
    " id TEXT PRIMARY KEY,"                                                              \
    " name_nl TEXT, name_fr TEXT, name_de TEXT, name_en TEXT,"                           \
    " bases TEXT NOT NULL,"                                                              \
    " min_loa INTEGER NOT NULL DEFAULT 0,"                                               \
    " updated_at " BIGINT " NOT NULL)",                                                  \
    "CREATE TABLE service_action ("                                                      \
    " service_id TEXT NOT NULL REFERENCES service(id) ON DELETE CASCADE,"                \
    " code TEXT NOT NULL,"                                                               \
    " label_nl TEXT, label_fr TEXT, label_de TEXT, label_en TEXT,"                       \
    " citizen INTEGER NOT NULL DEFAULT 1,"                                               \
    " position INTEGER NOT NULL DEFAULT 0,"                                              \
    " PRIMARY KEY (service_id, code))",                                                  \
    "CREATE TABLE user_right ("                                                          \
    " id " SERIAL ","                                                                    \
    " person TEXT NOT NULL,"                                                             \
    " org TEXT NOT NULL REFERENCES party(id),"                                           \
    " kind TEXT NOT NULL CHECK (kind IN ('hoofdtoegangsbeheerder','lokale_beheerder',"   \
    "  'ssm_mandaatbeheerder','ssm_mandaatuitvoerder','service')),"                      \
    " service_id TEXT REFERENCES service(id),"                                           \
    " actions TEXT,"                                                                     \
    " valid_from " BIGINT " NOT NULL,"                                                   \
    " valid_until " BIGINT ","                                                           \
    " granted_by TEXT NOT NULL,"                                                         \
    " granted_at " BIGINT " NOT NULL,"                                                   \
    " revoked_by TEXT,"                                                                  \
    " revoked_at " BIGINT ","                                                            \
    " CHECK ((kind = 'service') = (service_id IS NOT NULL)))",                           \
    "CREATE INDEX user_right_person ON user_right (person, org)",                        \
    "CREATE INDEX user_right_org ON user_right (org, kind)",                             \
    "CREATE TABLE kbo_function_code ("                                                   \
    " code TEXT PRIMARY KEY,"                                                            \
    " label_nl TEXT, label_fr TEXT,"                                                     \
    " representative INTEGER NOT NULL DEFAULT 0)",                                       \
    "CREATE TABLE kbo_function ("                                                        \
    " id " SERIAL ","                                                                    \
    " holder TEXT NOT NULL,"                                                             \
    " enterprise TEXT NOT NULL,"                                                         \
    " function_code TEXT NOT NULL,"                                                      \
    " valid_from " BIGINT " NOT NULL,"                                                   \
    " valid_until " BIGINT ","                                                           \
    " UNIQUE (holder, enterprise, function_code, valid_from))",                          \
    "CREATE INDEX kbo_function_enterprise ON kbo_function (enterprise)",                 \
    "CREATE INDEX kbo_function_holder ON kbo_function (holder, enterprise)",              \
    "CREATE TABLE mandate ("                                                             \
    " id " SERIAL ","                                                                    \
    " ext_ref TEXT UNIQUE,"                                                              \
    " giver TEXT NOT NULL REFERENCES party(id),"                                         \
    " taker TEXT NOT NULL REFERENCES party(id),"                                         \
    " service_id TEXT NOT NULL REFERENCES service(id),"                                  \
    " actions TEXT NOT NULL,"                                                            \
    " valid_from " BIGINT " NOT NULL,"                                                   \
    " valid_until " BIGINT ","                                                           \
    " state TEXT NOT NULL CHECK (state IN ('awaiting_approval','active','rejected',"     \
    "  'withdrawn','revoked')),"                                                         \
    " initiated_by_party TEXT NOT NULL,"                                                 \
    " initiated_by_person TEXT NOT NULL,"                                                \
    " created_at " BIGINT " NOT NULL,"                                                   \
    " state_changed_at " BIGINT " NOT NULL,"                                             \
    " state_reason TEXT,"                                                                \
    " CHECK (giver <> taker))",                                                          \
    /* Covering for capacity resolution (core/resolve.c): a usable mandate is read from  \
     * the index alone, in id order, and counting a taker's usable mandates touches no   \
     * table row. */                                                                     \
    "CREATE INDEX mandate_taker ON mandate"                                              \
    " (taker, service_id, id, state, valid_from, valid_until, giver, actions)",          \
    "CREATE INDEX mandate_giver ON mandate (giver)",                                     \
    "CREATE TABLE mandate_event ("                                                       \
    " id " SERIAL ","                                                                    \
    " mandate_id " BIGINT " NOT NULL REFERENCES mandate(id),"                            \
    " event TEXT NOT NULL,"                                                              \
    " actor_person TEXT NOT NULL,"                                                       \
    " actor_party TEXT,"                                                                 \
    " at " BIGINT " NOT NULL,"                                                           \
    " reason TEXT)",                                                                     \
    "CREATE INDEX mandate_event_mandate ON mandate_event (mandate_id)",                  \
    "CREATE TABLE audit ("                                                               \
    " id " SERIAL ","                                                                    \
    " at " BIGINT " NOT NULL,"                                                           \
    " event TEXT NOT NULL,"                                                              \
    " actor TEXT NOT NULL,"                                                              \
    " party TEXT,"                                                                       \
    " basis TEXT,"                                                                       \
    " via TEXT,"                                                                         \
    " mandate_id " BIGINT ","                                                            \
    " service_id TEXT,"                                                                  \
    " actions TEXT,"                                                                     \
    " txn_id TEXT,"                                                                      \
    " detail TEXT)",                                                                     \
    "CREATE INDEX audit_at ON audit (at)",                                               \
    "CREATE INDEX audit_actor ON audit (actor, at)",                                     \
    "CREATE INDEX audit_party ON audit (party, at)"

/* Function codes that count as legal representative are configuration: these defaults name
 * the common KBO functions and can be changed with mandaatctl kbo function-code. */
#define V1_DATA                                                                          \
    "INSERT INTO kbo_function_code (code, label_nl, label_fr, representative) VALUES"    \
    " ('bestuurder', 'Bestuurder', 'Administrateur', 1),"                                \
    " ('zaakvoerder', 'Zaakvoerder', 'Gérant', 1),"                                      \
    " ('gedelegeerd_bestuurder', 'Gedelegeerd bestuurder', 'Administrateur délégué', 1)," \
    " ('dagelijks_bestuur', 'Persoon belast met het dagelijks bestuur',"                 \
    "  'Personne chargée de la gestion journalière', 1),"                               \
    " ('vaste_vertegenwoordiger', 'Vaste vertegenwoordiger', 'Représentant permanent', 1)," \
    " ('vennoot', 'Vennoot', 'Associé', 0),"                                             \
    " ('commissaris', 'Commissaris', 'Commissaire', 0),"                                 \
    " ('vereffenaar', 'Vereffenaar', 'Liquidateur', 1)"

/* The store generation: a counter that changes with every committed change to what
 * core/resolve_cache.c keeps between requests (a taker's mandates for a service with their
 * givers, and the service's catalogue), so that a process reading it before reading rows
 * knows whether rows it kept are still the store's. Only what the cache holds is counted:
 * rights and KBO functions are read on every request, and counting them would make every
 * right granted anywhere, and every KBO function import, empty every node's cache. A party
 * counts only when a column the cache holds changes (kind, status, names): a KBO import
 * that restates unchanged enterprises, or creates new ones (no mandate can name a party
 * before it exists), leaves the generation alone. */
#define V1_GENERATION_TABLE                                                              \
    "CREATE TABLE store_generation (id INTEGER PRIMARY KEY CHECK (id = 1),"              \
    " n BIGINT NOT NULL)",                                                               \
    "INSERT INTO store_generation (id, n) VALUES (1, 0)"

/* A statement that sets none of these (updated_at alone) does not even run the trigger. */
#define PARTY_CACHED_COLUMNS "kind, status, name_nl, name_fr, name_de, name_en"
#define PARTY_CACHED_COLUMNS_CHANGED(OLD, NEW, IS_NOT)                                   \
    OLD ".kind " IS_NOT " " NEW ".kind OR " OLD ".status " IS_NOT " " NEW ".status OR "  \
    OLD ".name_nl " IS_NOT " " NEW ".name_nl OR " OLD ".name_fr " IS_NOT " " NEW         \
    ".name_fr OR " OLD ".name_de " IS_NOT " " NEW ".name_de OR " OLD ".name_en " IS_NOT  \
    " " NEW ".name_en"

/* SQLite serialises writers on the database anyway, so plain row triggers do. What they cost
 * is SQLite running a trigger program for every party row an import updates, changed or not
 * (about 0.7 us a row: see docs/resolution.md, "The cache"); the bump itself is negligible. */
#define SQLITE_BUMP " BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END"
#define SQLITE_GENERATION_TRIGGERS(T)                                                   \
    "CREATE TRIGGER " T "_generation_insert AFTER INSERT ON " T SQLITE_BUMP,             \
    "CREATE TRIGGER " T "_generation_update AFTER UPDATE ON " T SQLITE_BUMP,             \
    "CREATE TRIGGER " T "_generation_delete AFTER DELETE ON " T SQLITE_BUMP

static const char *const v1_sqlite3[] = {
    V1_TABLES("INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER"),
    V1_DATA,
    V1_GENERATION_TABLE,
    SQLITE_GENERATION_TRIGGERS("mandate"),
    SQLITE_GENERATION_TRIGGERS("service"),
    SQLITE_GENERATION_TRIGGERS("service_action"),
    "CREATE TRIGGER party_generation_update AFTER UPDATE OF " PARTY_CACHED_COLUMNS
    " ON party WHEN " PARTY_CACHED_COLUMNS_CHANGED("old", "new", "IS NOT") SQLITE_BUMP,
    "CREATE TRIGGER party_generation_delete AFTER DELETE ON party" SQLITE_BUMP,
    NULL,
};

/* PostgreSQL: the generation row is one row that every writing transaction updates, so its
 * lock must be taken as late as possible. Taken at the first change, it would be held to
 * commit: a KBO import (one long transaction) would block every mandate change for minutes,
 * and two transactions could deadlock on it. So a change only notes, once per transaction
 * (a transaction-local setting), a row in store_generation_pending; a deferred constraint
 * trigger on that table bumps the counter at commit, when the transaction takes no other
 * lock, and removes the note. Statement triggers on the tables, a row trigger with WHEN on
 * party (only rows whose cached columns changed). */
#define PG_GENERATION_TRIGGER(T)                                                         \
    "CREATE TRIGGER " T "_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " T  \
    " FOR EACH STATEMENT EXECUTE FUNCTION store_generation_note()"

static const char *const v1_pgsql[] = {
    V1_TABLES("BIGSERIAL PRIMARY KEY", "BIGINT"),
    V1_DATA,
    V1_GENERATION_TABLE,
    "CREATE UNLOGGED TABLE store_generation_pending (txid BIGINT NOT NULL)",
    "CREATE FUNCTION store_generation_note() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF current_setting('mandaat.generation_noted', true) IS DISTINCT FROM 'on' THEN"
    " PERFORM set_config('mandaat.generation_noted', 'on', true);"
    " INSERT INTO store_generation_pending (txid) VALUES (txid_current());"
    " END IF;"
    " RETURN NULL;"
    " END $$",
    "CREATE FUNCTION store_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " UPDATE store_generation SET n = n + 1 WHERE id = 1;"
    " DELETE FROM store_generation_pending WHERE txid = NEW.txid;"
    " RETURN NULL;"
    " END $$",
    "CREATE CONSTRAINT TRIGGER store_generation_commit AFTER INSERT"
    " ON store_generation_pending DEFERRABLE INITIALLY DEFERRED"
    " FOR EACH ROW EXECUTE FUNCTION store_generation_bump()",
    PG_GENERATION_TRIGGER("mandate"),
    PG_GENERATION_TRIGGER("service"),
    PG_GENERATION_TRIGGER("service_action"),
    "CREATE TRIGGER party_generation_update AFTER UPDATE OF " PARTY_CACHED_COLUMNS
    " ON party FOR EACH ROW WHEN ("
    PARTY_CACHED_COLUMNS_CHANGED("OLD", "NEW", "IS DISTINCT FROM")
    ") EXECUTE FUNCTION store_generation_note()",
    "CREATE TRIGGER party_generation_delete AFTER DELETE OR TRUNCATE ON party"
    " FOR EACH STATEMENT EXECUTE FUNCTION store_generation_note()",
    NULL,
};

/* Version 2: recently chosen capacities (core/recent.c), so that the chooser lists them
 * first. Personal data: rows name a person; mnd_recent_forget removes them all. Not part of
 * what core/resolve_cache.c keeps, so no generation trigger. seq orders choices recorded in
 * the same second (a per-(person, service) counter: the last recorded comes first). No
 * foreign keys: a person need not be a party row, and the keys are only hints that are
 * resolved again before they are shown. */
#define V2_TABLES(BIGINT)                                                                \
    "CREATE TABLE recent_choice ("                                                       \
    " person TEXT NOT NULL,"                                                             \
    " service_id TEXT NOT NULL,"                                                         \
    " cap_key TEXT NOT NULL,"                                                            \
    " chosen_at " BIGINT " NOT NULL,"                                                    \
    " seq " BIGINT " NOT NULL,"                                                          \
    " PRIMARY KEY (person, service_id, cap_key))",                                       \
    "CREATE INDEX recent_choice_order ON recent_choice"                                  \
    " (person, service_id, chosen_at, seq)"

static const char *const v2_sqlite3[] = {
    V2_TABLES("INTEGER"),
    NULL,
};

static const char *const v2_pgsql[] = {
    V2_TABLES("BIGINT"),
    NULL,
};

static const migration_t migrations[] = {
    {1, v1_sqlite3, v1_pgsql},
    {2, v2_sqlite3, v2_pgsql},
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int mnd_schema_latest(void)
{
    return migrations[N_MIGRATIONS - 1].version;
}

/* Arbitrary but fixed: "mandaat" as digits on a phone keypad. */
#define MIGRATION_LOCK_ID "6263228"

static const char *const create_version_table =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)";

static mnd_error_t *max_version_row(void *baton, apr_pool_t *p, const char *const *cols,
                                    int ncols)
{
    int *version = baton;
    if (ncols > 0 && cols[0])
        *version = atoi(cols[0]);
    return NULL;
}

mnd_error_t *mnd_schema_version(mnd_store_t *s, apr_pool_t *p, int *version)
{
    *version = 0;
    MND_TRY(mnd_store_exec_raw(s, p, create_version_table));
    return mnd_store_query(s, p, "schema_version_get", 0, NULL, max_version_row, version);
}

mnd_error_t *mnd_store_migrate(mnd_store_t *s, apr_pool_t *p, int *from, int *to)
{
    int version = 0, start, i;
    mnd_error_t *err;
    mnd_dialect_t d = mnd_store_dialect(s);

    MND_TRY(mnd_schema_version(s, p, &version));
    if (version > mnd_schema_latest())
        return mnd_error(p, MND_ESTORE,
                         "the store is at schema version %d, newer than this build knows (%d): "
                         "upgrade mod_mandaat",
                         version, mnd_schema_latest());
    MND_TRY(mnd_store_begin(s));
    /* Several nodes may start at once against one PostgreSQL store: the first to take the
     * lock migrates, the others then see the new version. SQLite's write lock serialises. */
    if (d == MND_DB_PGSQL) {
        err = mnd_store_exec_raw(s, p, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_ID ")");
        if (!err)
            err = mnd_store_query(s, p, "schema_version_get", 0, NULL, max_version_row, &version);
        if (err) {
            mnd_store_rollback(s);
            return err;
        }
    }
    start = version;
    if (from)
        *from = version;
    for (i = 0; i < N_MIGRATIONS; i++) {
        const char *const *stmt;
        if (migrations[i].version <= version)
            continue;
        for (stmt = d == MND_DB_PGSQL ? migrations[i].pgsql : migrations[i].sqlite3; *stmt;
             stmt++) {
            err = mnd_store_exec_raw(s, p, *stmt);
            if (err) {
                mnd_store_rollback(s);
                return mnd_error_wrap(p, err, "migration to schema version %d failed",
                                      migrations[i].version);
            }
        }
        /* SQLite: a statement prepared before this migration's DDL (schema_version_add of
         * the previous one) fails once, and inside a transaction the store cannot retry. */
        mnd_store_forget_statements(s);
        err = mnd_store_exec(s, p, "schema_version_add", NULL,
                             MND_ARGV(apr_itoa(p, migrations[i].version),
                                      apr_off_t_toa(p, (apr_off_t)apr_time_sec(apr_time_now()))));
        if (err) {
            mnd_store_rollback(s);
            return err;
        }
        version = migrations[i].version;
    }
    MND_TRY(mnd_store_commit(s));
    if (version != start)
        mnd_store_forget_statements(s);
    if (to)
        *to = version;
    return NULL;
}
