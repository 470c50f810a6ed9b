/* What jwt.c (our own keys) and jwks_verify.c (a client's published keys) share: the limits on
 * what an attacker may send and the split of a compact JWS. Not part of the API. */
#ifndef MND_JOSE_JWT_INT_H
#define MND_JOSE_JWT_INT_H

#include <stddef.h>

/* Tokens are headers and form fields, never bulk data; the cap also keeps lengths far below
 * the int that cjose indexes them with. */
#define MND_JWT_MAX (1024 * 1024)
#define MND_JWT_HEADER_MAX (8 * 1024)
#define MND_JWT_RSA_MIN_BITS 2048

/* Split a compact JWS of len bytes into its three non-empty base64url segments; 0 if it is not
 * one. */
int mnd_jws_split(const char *jws, size_t len, const char *seg[3], size_t seglen[3]);

#endif
