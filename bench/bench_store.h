/* The synthetic store of the benchmarks that drive a running httpd (bench_login, bench_saml):
 * bench/synth.h's store with every time moved to now, because httpd resolves at the wall
 * clock. */
#ifndef MND_BENCH_STORE_H
#define MND_BENCH_STORE_H

#include <apr_pools.h>

/* `PROG store PATH [--mandates N] [--seed N] [--reuse]` (argv[1] is "store"): build the
 * synthetic store (times moved to now) and print the personas as shell assignments (CITIZEN=,
 * CITIZEN_PARTY=, DIRECTOR=, EMPLOYEE=, FIRM=, FIRM_CLIENTS=, SERVICE=) to stdout. A reused
 * store keeps the times of its build. Answers the exit status. */
int mnd_bench_store_cmd(apr_pool_t *p, int argc, char **argv, const char *prog);

#endif
