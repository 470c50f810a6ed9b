/* Reading a small file whole (configuration: templates, message catalogues, SAML metadata and
 * keys, OIDC client files), with the checks every such reader needs. */
#ifndef MND_UTIL_FILE_H
#define MND_UTIL_FILE_H

#include "util/error.h"

#include <apr_pools.h>

/* Read the regular file at path, at most max bytes, into p, NUL-terminated; *len (when not
 * NULL) is its length. MND_ENOTFOUND ("<path>: cannot read: no such file") when it does not exist; MND_EINVAL naming path for
 * anything else: "cannot read: <why>", "not a regular file" (a directory, a device, a FIFO
 * that would block start), "larger than <max> bytes". The text may hold NUL bytes; callers
 * that want text check len against strlen. */
mnd_error_t *mnd_file_read(apr_pool_t *p, const char *path, apr_size_t max, char **out,
                           apr_size_t *len);

#endif
