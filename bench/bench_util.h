/* Helpers shared by the benchmarks that drive a running httpd (bench_login, bench_saml):
 * clocks, nearest-rank percentiles, the CPU time and memory of httpd's processes from /proc,
 * the machine line of a report. */
#ifndef MND_BENCH_UTIL_H
#define MND_BENCH_UTIL_H

#include <stdio.h>

#define MND_BENCH_MAX_CHILDREN 16

typedef struct mnd_bench_sample_t {
    int n;
    double p50, p99, max, mean;
} mnd_bench_sample_t;

/* CLOCK_MONOTONIC in seconds. */
double mnd_bench_now(void);

/* This process's CPU time (user + system, all threads) in seconds. */
double mnd_bench_self_cpu(void);

/* The calling thread's CPU time in seconds. */
double mnd_bench_thread_cpu(void);

/* Nearest-rank percentiles and the mean of n values (v is reordered). */
mnd_bench_sample_t mnd_bench_summarise(double *v, int n);

/* "pass" or "**FAIL**". */
const char *mnd_bench_verdict(int ok);

typedef struct mnd_bench_proc_t {
    int pid;
    long rss_kb, anon_kb, file_kb, shmem_kb;
} mnd_bench_proc_t;

typedef struct mnd_bench_procs_t {
    int n;
    mnd_bench_proc_t c[MND_BENCH_MAX_CHILDREN];
    double cpu; /* parent and children, user + system seconds */
} mnd_bench_procs_t;

/* The children of process parent (httpd's workers) with their memory, and the CPU time of the
 * parent and its children; all zero when parent <= 0 or /proc cannot be read. */
void mnd_bench_procs_read(int parent, mnd_bench_procs_t *out);

/* The report's "Machine: ..." and "Load average ..." lines to f. */
void mnd_bench_print_machine(FILE *f);

#endif
