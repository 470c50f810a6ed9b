/* Time in the core is seconds since the epoch, UTC, as mnd_time_t. Validity intervals are
 * half-open: valid from <= t < until. MND_TIME_NONE marks an open end. */
#ifndef MND_UTIL_TIMEUTIL_H
#define MND_UTIL_TIMEUTIL_H

#include "util/error.h"
#include <stdint.h>

typedef int64_t mnd_time_t;
#define MND_TIME_NONE INT64_MAX

/* Current time in seconds. */
mnd_time_t mnd_now(void);

/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" (or with +hh:mm offset, or space instead of T),
 * or "@<epoch seconds>". A date alone is midnight UTC; a time of day needs a zone (Z or an
 * offset); fractions of a second are dropped. Years 1900..9999; real calendar dates only. */
mnd_error_t *mnd_time_parse(apr_pool_t *p, const char *in, mnd_time_t *out);

/* Parse the KBO Open Data date form "dd-mm-yyyy" (midnight UTC). */
mnd_error_t *mnd_date_parse_dmy(apr_pool_t *p, const char *in, mnd_time_t *out);

/* "2026-11-23T14:05:00Z"; "" for MND_TIME_NONE. */
const char *mnd_time_format(apr_pool_t *p, mnd_time_t t);

/* Decimal text of t for store arguments; NULL for MND_TIME_NONE (SQL NULL). */
const char *mnd_time_arg(apr_pool_t *p, mnd_time_t t);

/* Inverse of mnd_time_arg for store results: NULL or "" gives MND_TIME_NONE (the store
 * only holds decimal text written by mnd_time_arg, so no other check is made). */
mnd_time_t mnd_time_from_col(const char *col);

#endif
