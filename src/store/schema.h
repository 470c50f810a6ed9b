/* Versioned schema migrations, one list per dialect, applied in order and recorded in
 * table schema_version. */
#ifndef MND_STORE_SCHEMA_H
#define MND_STORE_SCHEMA_H

#include "store/store.h"

/* The newest schema version this build knows. */
int mnd_schema_latest(void);

/* The version the store is at (0 for an empty database). */
mnd_error_t *mnd_schema_version(mnd_store_t *s, apr_pool_t *p, int *version);

/* Apply every missing migration in one transaction; *from and *to (may be NULL) report the
 * versions before and after. A store newer than this build is an error. */
mnd_error_t *mnd_store_migrate(mnd_store_t *s, apr_pool_t *p, int *from, int *to);

#endif
