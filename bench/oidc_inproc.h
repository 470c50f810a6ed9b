/* bench_oidc's in-process measurements: ES256 signing of id_token claims with mnd_jwt_sign (the
 * cjose signing the token endpoint does, without httpd, the store or HTTP), and the token
 * endpoint's pure work (both tokens' claims, two signatures, the response JSON), on one or
 * several threads; and the claims of the person's session built in this process from the
 * same store and client file as httpd's. */
#ifndef MND_BENCH_OIDC_INPROC_H
#define MND_BENCH_OIDC_INPROC_H

#include "jose/jwt.h"
#include "oidc/tokens.h"
#include "oidc_load.h"

/* A timed loop's result. */
typedef struct mnd_bench_sign_loop_t {
    int threads;
    long ops, errors;
    double seconds;  /* wall clock */
    double cpu;      /* the loop threads' CPU time, seconds */
    const char *why; /* the first error */
} mnd_bench_sign_loop_t;

/* What one operation of a loop does: sign claims as an id_token (typ JWT) with key, or, with
 * issue non-NULL, what the token endpoint computes per code (id_token and access token claims
 * from issue with a fresh jti, both signed, the token response). */
typedef struct mnd_bench_sign_conf_t {
    const mnd_jwt_key_t *key;
    const char *claims;
    const mnd_oidc_issue_t *issue;
} mnd_bench_sign_conf_t;

/* Run c on threads threads for about seconds seconds (after a short warm-up). */
void mnd_bench_sign_loop(apr_pool_t *p, const mnd_bench_sign_conf_t *c, int threads, double seconds,
                         mnd_bench_sign_loop_t *out);

/* The issue of o->user's session in this process: the capacities from o->store (SQLite), the
 * first mandate capacity (as the benchmark's client chooses; else the first), LoA 3, the
 * client from o->client_file, o->issuer, o->scope, o->pairwise_secret, lifetimes 300 s. */
mnd_error_t *mnd_bench_oidc_issue(apr_pool_t *p, const mnd_bench_oidc_opts_t *o,
                                  mnd_oidc_issue_t **out);

#endif
