/* Where the store is: "sqlite3:/var/lib/mandaat/mandaat.db", "pgsql:host=... dbname=...", or
 * the DBDriver and DBDParams directives of an httpd configuration file (the one the module
 * reads), so that mandaatctl and the module use the same store. */
#ifndef MND_STORE_LOCATOR_H
#define MND_STORE_LOCATOR_H

#include "util/error.h"

/* Split "driver:params" into its parts. */
mnd_error_t *mnd_locator_parse(apr_pool_t *p, const char *locator, const char **driver,
                               const char **params);

/* Read DBDriver and DBDParams from an httpd configuration file (following Include and
 * IncludeOptional of files relative to the file's directory; last value wins). */
mnd_error_t *mnd_locator_from_conf(apr_pool_t *p, const char *conf_path, const char **driver,
                                   const char **params);

#endif
