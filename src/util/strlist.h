/* Short strings: lists of codes (action codes, bases) kept as one space-separated string in the
 * store and as apr arrays of const char * in memory, and optional strings. */
#ifndef MND_UTIL_STRLIST_H
#define MND_UTIL_STRLIST_H

#include <apr_tables.h>

/* A pool copy of s, or NULL for NULL (store columns and JSON members that may be absent). */
const char *mnd_pstrdup_opt(apr_pool_t *p, const char *s);

/* Split on spaces, commas and tabs; empty items dropped; NULL or "" gives an empty array. */
apr_array_header_t *mnd_strlist_split(apr_pool_t *p, const char *s);

/* Join with single spaces. */
const char *mnd_strlist_join(apr_pool_t *p, const apr_array_header_t *list);

/* 1 when s is an element of list. */
int mnd_strlist_contains(const apr_array_header_t *list, const char *s);

/* Append the elements of add that list does not hold yet. */
void mnd_strlist_union(apr_array_header_t *list, const apr_array_header_t *add);

/* 1 when every element of sub is in super. */
int mnd_strlist_subset(const apr_array_header_t *sub, const apr_array_header_t *super);

#endif
