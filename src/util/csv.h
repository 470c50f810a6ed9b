/* A streaming reader for RFC 4180 CSV as published in KBO Open Data: optional UTF-8 BOM, LF or
 * CRLF line ends, quoted fields with "" escapes, commas and line breaks inside quotes.
 * Memory is constant per reader (a 256 KiB read buffer, a 64 KiB record buffer and the field
 * array, all reused), so files of any number of rows stream through.
 * Decisions beyond RFC 4180, made so that nothing is silently lost or invented:
 * - a final line without a line break is a record; a final line break adds no record;
 * - an empty line inside the file is a record of one empty field (importers skip those);
 * - CR only ends a line as part of CRLF; a bare CR, like a quote inside an unquoted field, is
 *   kept as data;
 * - inside quotes, line breaks are kept as they are (CRLF stays CRLF). */
#ifndef MND_UTIL_CSV_H
#define MND_UTIL_CSV_H

#include "util/error.h"
#include <stdio.h>

typedef struct mnd_csv_t mnd_csv_t;

/* Open path for reading; messages call the file by path. A missing or unreadable file is
 * an MND_EINVAL error. The reader is closed at the latest when p is cleared. */
mnd_error_t *mnd_csv_open(apr_pool_t *p, const char *path, mnd_csv_t **out);

/* Read the next record. *fields point into a buffer valid until the next call; *nfields is
 * their count (and (*fields)[*nfields] is NULL). Returns NULL with *nfields == 0 at end of
 * file. A malformed record (unclosed quote, text after a closing quote, a record over 64 KiB
 * counting one NUL per field) is an MND_EINVAL error naming the file and line; after any
 * error every further call fails, since the position inside the record is lost. */
mnd_error_t *mnd_csv_next(mnd_csv_t *c, char ***fields, int *nfields);

/* Line number (1-based) where the record last returned started. */
long mnd_csv_line(const mnd_csv_t *c);

/* The path given to mnd_csv_open. */
const char *mnd_csv_path(const mnd_csv_t *c);

/* Close the file and free the buffers now (NULL is fine); c is unusable afterwards. */
void mnd_csv_close(mnd_csv_t *c);

#endif
