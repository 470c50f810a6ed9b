#include "util/strlist.h"

#include <apr_strings.h>
#include <string.h>

const char *mnd_pstrdup_opt(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

apr_array_header_t *mnd_strlist_split(apr_pool_t *p, const char *s)
{
    apr_array_header_t *list = apr_array_make(p, 8, sizeof(const char *));
    char *copy, *last = NULL, *tok;
    if (!s || !*s)
        return list;
    copy = apr_pstrdup(p, s);
    for (tok = apr_strtok(copy, " ,\t", &last); tok; tok = apr_strtok(NULL, " ,\t", &last))
        *(const char **)apr_array_push(list) = tok;
    return list;
}

const char *mnd_strlist_join(apr_pool_t *p, const apr_array_header_t *list)
{
    if (!list || list->nelts == 0)
        return "";
    return apr_array_pstrcat(p, list, ' ');
}

int mnd_strlist_contains(const apr_array_header_t *list, const char *s)
{
    int i;
    for (i = 0; list && i < list->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(list, i, const char *), s) == 0)
            return 1;
    return 0;
}

void mnd_strlist_union(apr_array_header_t *list, const apr_array_header_t *add)
{
    int i;
    for (i = 0; add && i < add->nelts; i++) {
        const char *s = APR_ARRAY_IDX(add, i, const char *);
        if (!mnd_strlist_contains(list, s))
            *(const char **)apr_array_push(list) = s;
    }
}

int mnd_strlist_subset(const apr_array_header_t *sub, const apr_array_header_t *super)
{
    int i;
    for (i = 0; sub && i < sub->nelts; i++)
        if (!mnd_strlist_contains(super, APR_ARRAY_IDX(sub, i, const char *)))
            return 0;
    return 1;
}
