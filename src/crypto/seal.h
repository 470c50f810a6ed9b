/* Sealing of server-side state (transactions, sessions, OIDC codes) with AES-256-GCM under
 * keys derived from the operator's passphrases (MandaatCryptoPassphrase): the first passphrase
 * seals, all of them open, so keys can be rotated. Every sealed value is bound by its
 * additional authenticated data to a purpose ("txn", "session", ...) and a scope (the virtual
 * host), so a value sealed for one use or host never opens for another. */
#ifndef MND_CRYPTO_SEAL_H
#define MND_CRYPTO_SEAL_H

#include "util/error.h"

#include <apr_tables.h>
#include <stddef.h>

typedef struct mnd_sealer_t mnd_sealer_t;

/* Derive one key per passphrase (const char * elements, at least one; each at least 16
 * characters, else MND_EINVAL naming the rule). Derivation is slow on purpose and happens once,
 * at start. The sealer is immutable and safe to share between threads. */
mnd_error_t *mnd_sealer_create(apr_pool_t *p, const apr_array_header_t *passphrases,
                               mnd_sealer_t **out);

/* Seal len bytes of data for purpose and scope with the first key and a random IV; *out is
 * base64url text (no padding) in p. */
mnd_error_t *mnd_seal(const mnd_sealer_t *s, apr_pool_t *p, const char *purpose,
                      const char *scope, const void *data, size_t len, const char **out);

/* Open a value from mnd_seal. Anything that is not a value sealed by one of our keys for this
 * purpose and scope (tampered, truncated, another purpose or host, longer than max_len once
 * decoded, bad encoding) is MND_EINVAL with a message fit for the log (never the secret).
 * *data is NUL-terminated for convenience; *len excludes the NUL. */
mnd_error_t *mnd_unseal(const mnd_sealer_t *s, apr_pool_t *p, const char *purpose,
                        const char *scope, const char *sealed, size_t max_len, void **data,
                        size_t *len);

/* nbytes from the OS CSPRNG as base64url text (no padding). */
mnd_error_t *mnd_random_token(apr_pool_t *p, size_t nbytes, const char **out);

/* Compare two NUL-terminated strings in time independent of where they differ (lengths may
 * leak). NULL equals nothing. */
int mnd_ct_streq(const char *a, const char *b);

/* HMAC-SHA256 of msg under key, truncated to outbytes (<= 32), as base64url text. */
const char *mnd_hmac_b64url(apr_pool_t *p, const char *key, const char *msg, size_t outbytes);

#endif
