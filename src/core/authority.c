/* Authority at a point in time. A right counts while valid_from <= t < valid_until and it was
 * not revoked at or before t; rights at a stopped organisation count for nothing. */
#include "core/authority.h"

#include <apr_strings.h>
#include <string.h>

#define IN_FORCE(alias)                                                                  \
    " " alias ".valid_from <= %s AND (" alias ".valid_until IS NULL OR " alias              \
    ".valid_until > %s)"

const mnd_sql_t mnd_sql_authority[] = {
    {"authority_kbo_rep",
     "SELECT 1 FROM kbo_function f"
     " JOIN kbo_function_code c ON c.code = f.function_code AND c.representative = 1"
     " JOIN party e ON e.id = f.enterprise AND e.status = 'active'"
     " WHERE f.holder = %s AND f.enterprise = %s AND" IN_FORCE("f") " LIMIT 1",
     NULL},
    {"authority_holds",
     "SELECT 1 FROM user_right r JOIN party o ON o.id = r.org AND o.status = 'active'"
     " WHERE r.person = %s AND r.org = %s AND r.kind = %s AND" IN_FORCE("r")
     " AND (r.revoked_at IS NULL OR r.revoked_at > %s) LIMIT 1",
     NULL},
    {NULL, NULL, NULL},
};

mnd_error_t *mnd_authority_is_kbo_rep(mnd_store_t *s, apr_pool_t *p, const char *person,
                                      const char *org, mnd_time_t t, int *yes)
{
    const char *at = mnd_time_arg(p, t);
    return mnd_store_query_one(s, p, "authority_kbo_rep", MND_ARGV(person, org, at, at), yes,
                               NULL, NULL);
}

mnd_error_t *mnd_authority_holds(mnd_store_t *s, apr_pool_t *p, const char *person,
                                 const char *org, mnd_right_kind_t kind, mnd_time_t t,
                                 int *yes)
{
    const char *at = mnd_time_arg(p, t);
    MND_TRY(mnd_store_query_one(s, p, "authority_holds",
                                MND_ARGV(person, org, mnd_right_kind_name(kind), at, at, at), yes,
                                NULL, NULL));
    /* A KBO legal representative holds the SSM rights of the enterprise implicitly. */
    if (!*yes && (kind == MND_RIGHT_MANDATE_MANAGER || kind == MND_RIGHT_MANDATE_EXECUTOR))
        MND_TRY(mnd_authority_is_kbo_rep(s, p, person, org, t, yes));
    return NULL;
}

mnd_error_t *mnd_authority_is_mandate_manager(mnd_store_t *s, apr_pool_t *p,
                                              const char *person, const char *party,
                                              mnd_time_t t, int *yes)
{
    *yes = 0;
    if (!person || !party)
        return NULL;
    /* A natural person manages mandates in own name without any right. */
    if (strlen(party) == MND_INSZ_LEN) {
        *yes = strcmp(person, party) == 0;
        return NULL;
    }
    return mnd_authority_holds(s, p, person, party, MND_RIGHT_MANDATE_MANAGER, t, yes);
}
