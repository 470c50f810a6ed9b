/* Reading a small file whole. apr_file_read_full does the reading; the checks (regular file,
 * size) come first, so that a path naming a directory or a huge file fails with a message
 * rather than a partial read. */
#include "util/file.h"

#include <apr_file_info.h>
#include <apr_file_io.h>

mnd_error_t *mnd_file_read(apr_pool_t *p, const char *path, apr_size_t max, char **out,
                           apr_size_t *len)
{
    apr_file_t *f = NULL;
    apr_finfo_t fi;
    apr_size_t n = 0;
    char why[120], *buf;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_OS_DEFAULT, p);

    if (APR_STATUS_IS_ENOENT(rv))
        return mnd_error(p, MND_ENOTFOUND, "%s: cannot read: no such file", path);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv != APR_SUCCESS) {
        if (f)
            apr_file_close(f);
        return mnd_error(p, MND_EINVAL, "%s: cannot read: %s", path,
                         apr_strerror(rv, why, sizeof(why)));
    }
    if (fi.filetype != APR_REG) {
        apr_file_close(f);
        return mnd_error(p, MND_EINVAL, "%s: not a regular file", path);
    }
    if (fi.size < 0 || (apr_uint64_t)fi.size > (apr_uint64_t)max) {
        apr_file_close(f);
        return mnd_error(p, MND_EINVAL, "%s: larger than %lu bytes", path, (unsigned long)max);
    }
    buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    rv = fi.size ? apr_file_read_full(f, buf, (apr_size_t)fi.size, &n) : APR_SUCCESS;
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return mnd_error(p, MND_EINVAL, "%s: cannot read: %s", path,
                         apr_strerror(rv, why, sizeof(why)));
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return NULL;
}
