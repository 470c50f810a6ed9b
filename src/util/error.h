/* Error values of the core: a status class plus a human message naming the rule
 * that was broken. NULL means success, as with svn_error_t. */
#ifndef MND_UTIL_ERROR_H
#define MND_UTIL_ERROR_H

#include <apr_pools.h>

typedef enum mnd_rc_t {
    MND_OK = 0,
    MND_EINVAL,     /* bad input: identifier, date, argument, file content */
    MND_ENOTFOUND,  /* the referenced party, service, mandate or right does not exist */
    MND_EFORBIDDEN, /* the actor lacks the right to do this; the message names the right */
    MND_ECONFLICT,  /* the object is in a state that does not allow this transition */
    MND_ESTORE,     /* the store failed or is unreachable: callers must fail closed */
    MND_EINTERNAL   /* a bug or an impossible state */
} mnd_rc_t;

typedef struct mnd_error_t {
    mnd_rc_t rc;
    const char *msg;
} mnd_error_t;

/* Allocate an error of class rc with a printf-style message in pool p. */
mnd_error_t *mnd_error(apr_pool_t *p, mnd_rc_t rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), returns_nonnull));

/* Prefix an existing error's message with context; returns err (NULL stays NULL). */
mnd_error_t *mnd_error_wrap(apr_pool_t *p, mnd_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stable lower-case name of a status class ("invalid", "forbidden", ...). */
const char *mnd_rc_name(mnd_rc_t rc);

/* Evaluate expr (an mnd_error_t *) and return it from the caller if it is an error. */
#define MND_TRY(expr)                                                                   \
    do {                                                                                \
        mnd_error_t *mnd__e = (expr);                                                   \
        if (mnd__e)                                                                     \
            return mnd__e;                                                              \
    } while (0)

#endif
