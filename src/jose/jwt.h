/* Signed JWTs (JWS compact serialisation) and the JWKS that publishes their keys, over cjose
 * and OpenSSL: the gateway's header for backends, later the OIDC tokens. Keys are PEM files read
 * at start; the first key of a set signs, every key is published (rotation: add the new key
 * second, publish, then move it first). */
#ifndef MND_JOSE_JWT_H
#define MND_JOSE_JWT_H

#include "util/error.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct mnd_jwt_key_t mnd_jwt_key_t;

/* Read a PEM private key (EC P-256 for ES256; RSA >= 2048 bits for RS256, or PS256 after
 * mnd_jwt_key_set_alg) from path. The key
 * id is its RFC 7638 thumbprint. MND_EINVAL names the file and what is wrong (unreadable, not a
 * private key, an unsupported curve or size). The key lives as long as p. */
mnd_error_t *mnd_jwt_key_load(apr_pool_t *p, const char *path, mnd_jwt_key_t **out);

/* The same from PEM text (tests, keys generated at start). */
mnd_error_t *mnd_jwt_key_from_pem(apr_pool_t *p, const char *pem, size_t len, mnd_jwt_key_t **out);

/* "ES256", "RS256" or "PS256". */
const char *mnd_jwt_key_alg(const mnd_jwt_key_t *k);

/* Choose the algorithm k signs with (and is published and verified with): "ES256" for an EC
 * key; "RS256" (the default) or "PS256" for an RSA key. MND_EINVAL for any other alg or one
 * that does not fit the key. */
mnd_error_t *mnd_jwt_key_set_alg(apr_pool_t *p, mnd_jwt_key_t *k, const char *alg);

/* The RFC 7638 thumbprint (base64url SHA-256), used as "kid". */
const char *mnd_jwt_key_kid(const mnd_jwt_key_t *k);

/* Sign claims (a JSON object as text) with k: header {"alg", "typ": typ, "kid"}; *out is the
 * compact JWS in p. typ is "JWT" or e.g. "at+jwt". */
mnd_error_t *mnd_jwt_sign(const mnd_jwt_key_t *k, apr_pool_t *p, const char *typ,
                          const char *claims_json, const char **out);

/* Verify a compact JWS against the keys (mnd_jwt_key_t *) by kid and alg, and return its claims
 * JSON text. MND_EINVAL for anything that does not verify (unknown kid, alg "none" or another
 * alg than the key's, bad signature, malformed). */
mnd_error_t *mnd_jwt_verify(apr_pool_t *p, const apr_array_header_t *keys, const char *jws,
                            const char **claims_json);

/* Verify a compact JWS against the keys (mnd_jwt_key_t *) like mnd_jwt_verify, and also require
 * its header typ to be typ (compared case-insensitively, "application/" optional; NULL: any),
 * so that a token of one kind (an access token) is not taken for another (an id_token). The
 * claims are not interpreted: the caller checks iss, aud, exp. */
mnd_error_t *mnd_jwt_verify_typ(apr_pool_t *p, const apr_array_header_t *keys, const char *jws,
                                const char *typ, const char **claims_json);

/* MND_EINVAL unless keys (mnd_jwt_key_t *) is a usable set: at least one key, no key twice
 * (two files holding the same key would publish one kid twice). Call it at start. */
mnd_error_t *mnd_jwt_keys_check(apr_pool_t *p, const apr_array_header_t *keys);

/* The RFC 7638 thumbprint (base64url SHA-256 of the required members) of a public or private
 * JWK given as JSON text; kty EC or RSA, else MND_EINVAL. */
mnd_error_t *mnd_jwk_thumbprint(apr_pool_t *p, const char *jwk_json, const char **out);

/* The public JWKS {"keys":[...]} of keys (mnd_jwt_key_t *), with "use":"sig", "alg", "kid";
 * never a private member. MND_EINVAL for a set that mnd_jwt_keys_check refuses. */
mnd_error_t *mnd_jwks_json(apr_pool_t *p, const apr_array_header_t *keys, const char **out);

/* Verify a compact JWS with the public keys of a JWKS given as JSON text ({"keys": [...]},
 * RSA >= 2048 bits or EC P-256 keys; others and keys with "use" other than "sig" are skipped)
 * and return its claims JSON text (a JSON object). The header's alg must be one of
 * allowed_algs (NULL-terminated; only RS256, PS256 and ES256 can ever be allowed: none and
 * HS* are refused whatever the list) before any cryptography; the key is the one with the
 * header's kid, or, without a kid, any key of a fitting type (each tried). A key with an
 * "alg" member is used for that alg only. MND_EINVAL for anything that does not verify. The
 * claims are not interpreted: the caller checks iss, aud, exp. */
mnd_error_t *mnd_jwt_verify_jwks(apr_pool_t *p, const char *jwks_json, const char *jws,
                                 const char *const *allowed_algs, const char **claims_json);

#endif
