/* Recently chosen capacities. Rows of recent_choice (schema V2) are personal data: they say
 * which capacities a person used at which service. At most MND_RECENT_KEEP are kept per
 * (person, service); mnd_recent_forget removes all of a person's.
 *
 * Order: chosen_at, newest first; within one second, seq (a per-(person, service) counter
 * that every recording raises), so the last recorded comes first; cap_key last, so that even
 * two concurrent recordings that drew the same seq list in one fixed order. */
#include "core/recent.h"

#include <apr_strings.h>
#include <string.h>

#define RECENT_STR_(x) #x
#define RECENT_STR(x) RECENT_STR_(x)
#define RECENT_ORDER " ORDER BY chosen_at DESC, seq DESC, cap_key"
#define RECENT_LIMIT " LIMIT " RECENT_STR(MND_RECENT_KEEP)

#define RECENT_SERVICE_MAX 1024
#define RECENT_KEY_DIGITS_MAX 20

const mnd_sql_t mnd_sql_recent[] = {
    /* The SELECT always yields one row (an aggregate); its WHERE also keeps SQLite from
     * reading ON CONFLICT as a join's ON. Casts give PostgreSQL the parameters' types. */
    {"recent_upsert",
     "INSERT INTO recent_choice (person, service_id, cap_key, chosen_at, seq)"
     " SELECT CAST(%s AS TEXT), CAST(%s AS TEXT), CAST(%s AS TEXT), CAST(%s AS BIGINT),"
     " COALESCE(MAX(seq), 0) + 1 FROM recent_choice WHERE person = %s AND service_id = %s"
     " ON CONFLICT (person, service_id, cap_key)"
     " DO UPDATE SET chosen_at = excluded.chosen_at, seq = excluded.seq",
     NULL},
    /* Everything but the MND_RECENT_KEEP first in list order: ties cannot keep a sixth. */
    {"recent_trim",
     "DELETE FROM recent_choice WHERE person = %s AND service_id = %s AND cap_key NOT IN"
     " (SELECT cap_key FROM recent_choice WHERE person = %s AND service_id = %s" RECENT_ORDER
         RECENT_LIMIT ")",
     NULL},
    {"recent_list",
     "SELECT cap_key FROM recent_choice WHERE person = %s AND service_id = %s" RECENT_ORDER
         RECENT_LIMIT,
     NULL},
    {"recent_forget", "DELETE FROM recent_choice WHERE person = %s", NULL},
    {NULL, NULL, NULL},
};

/* Values are not echoed: a person is an INSZ, and the others come from requests. */
static mnd_error_t *check_person(apr_pool_t *p, const char *person)
{
    char norm[MND_INSZ_LEN + 1];
    if (!person || mnd_insz_parse(p, person, norm) || strcmp(norm, person) != 0)
        return mnd_error(p, MND_EINVAL,
                         "recent choices: person must be a normalised INSZ "
                         "(11 digits with valid check digits)");
    return NULL;
}

static mnd_error_t *check_service(apr_pool_t *p, const char *service_id)
{
    size_t n = service_id ? strlen(service_id) : 0;
    if (n < 1 || n > RECENT_SERVICE_MAX)
        return mnd_error(p, MND_EINVAL, "recent choices: service_id must be 1 to %d bytes",
                         RECENT_SERVICE_MAX);
    return NULL;
}

/* "self", or kbo:, right: or mandate: and 1..20 digits: the keys resolution produces. */
static int cap_key_valid(const char *k)
{
    static const char *const prefixes[] = {"kbo:", "right:", "mandate:"};
    size_t i, n;
    const char *d;
    if (!k)
        return 0;
    if (strcmp(k, "self") == 0)
        return 1;
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        n = strlen(prefixes[i]);
        if (strncmp(k, prefixes[i], n) != 0)
            continue;
        for (d = k + n; *d >= '0' && *d <= '9'; d++)
            ;
        return !*d && d > k + n && d - (k + n) <= RECENT_KEY_DIGITS_MAX;
    }
    return 0;
}

mnd_error_t *mnd_recent_record(mnd_store_t *s, apr_pool_t *p, const char *person,
                               const char *service_id, const char *cap_key, mnd_time_t at)
{
    MND_TRY(check_person(p, person));
    MND_TRY(check_service(p, service_id));
    if (!cap_key_valid(cap_key))
        return mnd_error(p, MND_EINVAL,
                         "recent choices: cap_key must be a capacity key (\"self\", or kbo:, "
                         "right: or mandate: followed by 1 to %d digits)",
                         RECENT_KEY_DIGITS_MAX);
    if (at == MND_TIME_NONE)
        return mnd_error(p, MND_EINVAL, "recent choices: the time of a choice must be given");
    /* Two statements, deliberately not one transaction: this runs on the login path, and
     * apr_dbd's sqlite3 driver serialises every statement of a process under one mutex; a
     * write transaction held open between statements made another thread of the process wait
     * in SQLite's busy handler while holding that mutex, so neither could go on until the
     * busy timeout ran out (5 s stalls under load). Each statement is atomic; between them a
     * sixth key may exist for a moment, which the list's LIMIT hides. */
    MND_TRY(mnd_store_exec(
        s, p, "recent_upsert", NULL,
        MND_ARGV(person, service_id, cap_key, mnd_time_arg(p, at), person, service_id)));
    return mnd_store_exec(s, p, "recent_trim", NULL,
                          MND_ARGV(person, service_id, person, service_id));
}

static mnd_error_t *key_row(void *baton, apr_pool_t *p, const char *const *cols, int ncols)
{
    apr_array_header_t *keys = baton;
    if (ncols < 1 || !cols[0])
        return mnd_error(p, MND_EINTERNAL, "recent choices: a row without a capacity key");
    *(const char **)apr_array_push(keys) = apr_pstrdup(keys->pool, cols[0]);
    return NULL;
}

mnd_error_t *mnd_recent_list(mnd_store_t *s, apr_pool_t *p, const char *person,
                             const char *service_id, apr_array_header_t **keys)
{
    *keys = NULL;
    MND_TRY(check_person(p, person));
    MND_TRY(check_service(p, service_id));
    *keys = apr_array_make(p, MND_RECENT_KEEP, sizeof(const char *));
    return mnd_store_query(s, p, "recent_list", MND_ARGV(person, service_id), key_row, *keys);
}

mnd_error_t *mnd_recent_forget(mnd_store_t *s, apr_pool_t *p, const char *person)
{
    MND_TRY(check_person(p, person));
    return mnd_store_exec(s, p, "recent_forget", NULL, MND_ARGV(person));
}
