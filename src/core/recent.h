/* Recently chosen capacities, per person and service, so that the chooser lists them first.
 * Only capacity keys are kept (never a verdict): what is shown is always resolved again. */
#ifndef MND_CORE_RECENT_H
#define MND_CORE_RECENT_H

#include "core/model.h"
#include "store/store.h"

/* How many recent choices are kept per person and service. */
#define MND_RECENT_KEEP 5

/* Remember that person chose cap_key for service_id at `at`; keeps the MND_RECENT_KEEP most
 * recent keys per (person, service) and forgets older ones. */
mnd_error_t *mnd_recent_record(mnd_store_t *s, apr_pool_t *p, const char *person,
                               const char *service_id, const char *cap_key, mnd_time_t at);

/* The remembered keys of (person, service), most recent first (const char *; may be empty). */
mnd_error_t *mnd_recent_list(mnd_store_t *s, apr_pool_t *p, const char *person,
                             const char *service_id, apr_array_header_t **keys);

/* Forget every remembered choice of person (all services). */
mnd_error_t *mnd_recent_forget(mnd_store_t *s, apr_pool_t *p, const char *person);

extern const mnd_sql_t mnd_sql_recent[];

#endif
