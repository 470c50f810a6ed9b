/* Parties in the store. Persons are created on first reference; organisations come from the
 * KBO import or `mandaatctl party add`. */
#include "core/party.h"

#include <apr_strings.h>
#include <string.h>

#define PARTY_COLS "id, kind, status, name_nl, name_fr, name_de, name_en"

const mnd_sql_t mnd_sql_party[] = {
    {"party_upsert",
     "INSERT INTO party (id, kind, status, name_nl, name_fr, name_de, name_en, updated_at)"
     " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
     " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status,"
     " name_nl = excluded.name_nl, name_fr = excluded.name_fr, name_de = excluded.name_de,"
     " name_en = excluded.name_en, updated_at = excluded.updated_at",
     "INSERT INTO party (id, kind, status, name_nl, name_fr, name_de, name_en, updated_at)"
     " VALUES (%s, %s, %s, %s, %s, %s, %s, CAST(%s AS BIGINT))"
     " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status,"
     " name_nl = excluded.name_nl, name_fr = excluded.name_fr, name_de = excluded.name_de,"
     " name_en = excluded.name_en, updated_at = excluded.updated_at"},
    {"party_ensure_person",
     "INSERT INTO party (id, kind, status, updated_at) VALUES (%s, 'person', 'active', %s)"
     " ON CONFLICT (id) DO NOTHING",
     "INSERT INTO party (id, kind, status, updated_at)"
     " VALUES (%s, 'person', 'active', CAST(%s AS BIGINT)) ON CONFLICT (id) DO NOTHING"},
    {"party_get", "SELECT " PARTY_COLS " FROM party WHERE id = %s", NULL},
    {NULL, NULL, NULL},
};

static const char *kind_name(mnd_party_kind_t k)
{
    return k == MND_PARTY_PERSON ? "person" : "org";
}

mnd_error_t *mnd_party_put(mnd_store_t *s, apr_pool_t *p, const mnd_party_t *party,
                           mnd_time_t now)
{
    mnd_party_kind_t kind;
    const char *id;
    MND_TRY(mnd_party_id_parse(p, party->id, &kind, &id));
    if (kind != party->kind)
        return mnd_error(p, MND_EINVAL, "party %s is a%s, not a%s", party->id,
                         kind == MND_PARTY_PERSON ? " person (INSZ)" : "n organisation (KBO)",
                         party->kind == MND_PARTY_PERSON ? " person" : "n organisation");
    return mnd_store_exec(s, p, "party_upsert", NULL,
                          MND_ARGV(id, kind_name(kind), party->active ? "active" : "stopped",
                                   party->name[MND_LANG_NL], party->name[MND_LANG_FR],
                                   party->name[MND_LANG_DE], party->name[MND_LANG_EN],
                                   mnd_time_arg(p, now)));
}

mnd_error_t *mnd_party_ensure_person(mnd_store_t *s, apr_pool_t *p, const char *insz,
                                     mnd_time_t now)
{
    char norm[MND_INSZ_LEN + 1];
    MND_TRY(mnd_insz_parse(p, insz, norm));
    return mnd_store_exec(s, p, "party_ensure_person", NULL,
                          MND_ARGV(apr_pstrdup(p, norm), mnd_time_arg(p, now)));
}

mnd_party_t *mnd_party_from_cols(apr_pool_t *p, const char *const *cols)
{
    mnd_party_t *party = apr_pcalloc(p, sizeof(*party));
    int i;
    party->id = apr_pstrdup(p, cols[0]);
    party->kind = cols[1] && strcmp(cols[1], "person") == 0 ? MND_PARTY_PERSON : MND_PARTY_ORG;
    party->active = !cols[2] || strcmp(cols[2], "active") == 0;
    for (i = 0; i < MND_LANG__N; i++)
        party->name[i] = cols[3 + i] && *cols[3 + i] ? apr_pstrdup(p, cols[3 + i]) : NULL;
    return party;
}

mnd_error_t *mnd_party_get(mnd_store_t *s, apr_pool_t *p, const char *id, mnd_party_t **out)
{
    int found = 0, ncols = 0;
    const char **cols = NULL;
    MND_TRY(mnd_store_query_one(s, p, "party_get", MND_ARGV(id), &found, &cols, &ncols));
    if (!found)
        return mnd_error(p, MND_ENOTFOUND, "party %s is not known",
                         mnd_party_id_display(p, id));
    *out = mnd_party_from_cols(p, cols);
    return NULL;
}

const char *mnd_party_label(apr_pool_t *p, const mnd_party_t *party, mnd_lang_t l)
{
    return mnd_name_pick(party->name, l, mnd_party_id_display(p, party->id));
}
