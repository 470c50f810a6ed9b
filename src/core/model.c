#include "core/model.h"

#include <apr_strings.h>
#include <string.h>

static const char *const lang_codes[MND_LANG__N] = {"nl", "fr", "de", "en"};

const char *mnd_lang_code(mnd_lang_t l)
{
    return (unsigned)l < MND_LANG__N ? lang_codes[l] : "nl";
}

int mnd_lang_parse(const char *code, mnd_lang_t *l)
{
    int i;
    for (i = 0; code && i < MND_LANG__N; i++)
        if (strcasecmp(code, lang_codes[i]) == 0) {
            *l = (mnd_lang_t)i;
            return 1;
        }
    return 0;
}

const char *mnd_name_pick(const char *const names[MND_LANG__N], mnd_lang_t l,
                          const char *fallback)
{
    int i;
    if ((unsigned)l < MND_LANG__N && names[l] && *names[l])
        return names[l];
    for (i = 0; i < MND_LANG__N; i++)
        if (names[i] && *names[i])
            return names[i];
    return fallback;
}

static const char *const basis_names[MND_BASIS__N] = {"self", "kbo", "right", "mandate"};

const char *mnd_basis_name(mnd_basis_t b)
{
    return (unsigned)b < MND_BASIS__N ? basis_names[b] : "unknown";
}

int mnd_basis_parse(const char *name, mnd_basis_t *b)
{
    int i;
    for (i = 0; name && i < MND_BASIS__N; i++)
        if (strcmp(name, basis_names[i]) == 0) {
            *b = (mnd_basis_t)i;
            return 1;
        }
    return 0;
}

mnd_error_t *mnd_bases_parse(apr_pool_t *p, const char *list, unsigned *mask)
{
    char *copy = apr_pstrdup(p, list ? list : ""), *last = NULL, *tok;
    *mask = 0;
    for (tok = apr_strtok(copy, " ,\t", &last); tok; tok = apr_strtok(NULL, " ,\t", &last)) {
        mnd_basis_t b;
        if (!mnd_basis_parse(tok, &b))
            return mnd_error(p, MND_EINVAL,
                             "unknown basis '%s': use self, kbo, right or mandate", tok);
        *mask |= MND_BASIS_BIT(b);
    }
    return NULL;
}

const char *mnd_bases_format(apr_pool_t *p, unsigned mask)
{
    const char *out = "";
    int i;
    for (i = 0; i < MND_BASIS__N; i++)
        if (mask & MND_BASIS_BIT(i))
            out = *out ? apr_pstrcat(p, out, " ", basis_names[i], NULL) : basis_names[i];
    return out;
}

static const char *const right_names[MND_RIGHT__N] = {
    "hoofdtoegangsbeheerder", "lokale_beheerder", "ssm_mandaatbeheerder",
    "ssm_mandaatuitvoerder", "service"};
static const char *const right_labels[MND_RIGHT__N] = {
    "Hoofdtoegangsbeheerder", "Lokale beheerder", "SSM Mandaatbeheerder",
    "SSM Mandaatuitvoerder", "service right"};

const char *mnd_right_kind_name(mnd_right_kind_t k)
{
    return (unsigned)k < MND_RIGHT__N ? right_names[k] : "unknown";
}

const char *mnd_right_kind_label(mnd_right_kind_t k)
{
    return (unsigned)k < MND_RIGHT__N ? right_labels[k] : "unknown right";
}

int mnd_right_kind_parse(const char *name, mnd_right_kind_t *k)
{
    int i;
    for (i = 0; name && i < MND_RIGHT__N; i++)
        if (strcmp(name, right_names[i]) == 0) {
            *k = (mnd_right_kind_t)i;
            return 1;
        }
    return 0;
}

static const char *const state_names[MND_MANDATE__N] = {
    "awaiting_approval", "active", "rejected", "withdrawn", "revoked", "expired"};

const char *mnd_mandate_state_name(mnd_mandate_state_t s)
{
    return (unsigned)s < MND_MANDATE__N ? state_names[s] : "unknown";
}

int mnd_mandate_state_parse(const char *name, mnd_mandate_state_t *s)
{
    int i;
    for (i = 0; name && i < MND_MANDATE__N; i++)
        if (strcmp(name, state_names[i]) == 0) {
            *s = (mnd_mandate_state_t)i;
            return 1;
        }
    return 0;
}

mnd_mandate_state_t mnd_mandate_effective_state(const mnd_mandate_t *m, mnd_time_t now)
{
    if (m->state == MND_MANDATE_ACTIVE && m->valid_until != MND_TIME_NONE &&
        now >= m->valid_until)
        return MND_MANDATE_EXPIRED;
    return m->state;
}
