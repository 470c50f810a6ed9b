/* Services (e-counters) and their action catalogues. */
#ifndef MND_CORE_SERVICE_H
#define MND_CORE_SERVICE_H

#include "core/model.h"
#include "store/store.h"

/* Add or replace a service with its action catalogue (in one transaction). The id is
 * 1-64 characters of [A-Za-z0-9._:/-]; bases non-empty; action codes unique and
 * [A-Za-z0-9._-]{1,64}. */
mnd_error_t *mnd_service_put(mnd_store_t *s, apr_pool_t *p, const mnd_service_t *svc,
                             mnd_time_t now);

/* Load a service and its catalogue; MND_ENOTFOUND if unknown. */
mnd_error_t *mnd_service_get(mnd_store_t *s, apr_pool_t *p, const char *id,
                             mnd_service_t **out);

/* All services (with catalogues), ordered by id. */
mnd_error_t *mnd_service_list(mnd_store_t *s, apr_pool_t *p, apr_array_header_t **out);

/* 1 when code is in the service's catalogue. */
int mnd_service_has_action(const mnd_service_t *svc, const char *code);

/* Check that actions is a non-empty subset of the catalogue; the error names the first
 * action that is not. */
mnd_error_t *mnd_service_check_actions(apr_pool_t *p, const mnd_service_t *svc,
                                       const apr_array_header_t *actions);

extern const mnd_sql_t mnd_sql_service[];

#endif
