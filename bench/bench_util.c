/* Helpers shared by the HTTP benchmarks: see bench_util.h. */
#include "bench_util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

double mnd_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double mnd_bench_self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double mnd_bench_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles of n values (v is reordered). */
mnd_bench_sample_t mnd_bench_summarise(double *v, int n)
{
    mnd_bench_sample_t s = {0};
    int i;
    if (n < 1)
        return s;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    s.n = n;
    s.p50 = v[(n + 1) / 2 - 1];
    s.p99 = v[(n * 99 + 99) / 100 - 1];
    s.max = v[n - 1];
    for (i = 0; i < n; i++)
        s.mean += v[i] / n;
    return s;
}

/* ---- the httpd processes: CPU time and memory from /proc ---- */

static int read_stat(int pid, int *ppid, double *cpu)
{
    char path[64], line[1024], *rp;
    unsigned long ut, st;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (!(f = fopen(path, "r")))
        return -1;
    rp = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
    fclose(f);
    /* after the comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime stime */
    if (!rp ||
        sscanf(rp + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", ppid, &ut, &st) != 3)
        return -1;
    *cpu = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    return 0;
}

static void read_mem(mnd_bench_proc_t *pr)
{
    char path[64], line[256];
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/status", pr->pid);
    if (!(f = fopen(path, "r")))
        return;
    while (fgets(line, sizeof(line), f)) {
        sscanf(line, "VmRSS: %ld", &pr->rss_kb);
        sscanf(line, "RssAnon: %ld", &pr->anon_kb);
        sscanf(line, "RssFile: %ld", &pr->file_kb);
        sscanf(line, "RssShmem: %ld", &pr->shmem_kb);
    }
    fclose(f);
}

/* The httpd parent's children (the processes that serve requests) and the CPU of all. */
void mnd_bench_procs_read(int parent, mnd_bench_procs_t *out)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int ppid;
    double cpu;
    memset(out, 0, sizeof(*out));
    if (parent <= 0 || !d) {
        if (d)
            closedir(d);
        return;
    }
    if (read_stat(parent, &ppid, &cpu) == 0)
        out->cpu += cpu;
    while ((e = readdir(d)) != NULL) {
        int pid = atoi(e->d_name);
        if (pid <= 0 || read_stat(pid, &ppid, &cpu) < 0 || ppid != parent)
            continue;
        out->cpu += cpu;
        if (out->n < MND_BENCH_MAX_CHILDREN) {
            out->c[out->n].pid = pid;
            read_mem(&out->c[out->n++]);
        }
    }
    closedir(d);
}
const char *mnd_bench_verdict(int ok)
{
    return ok ? "pass" : "**FAIL**";
}

void mnd_bench_print_machine(FILE *out)
{
    char line[256], model[256] = "unknown CPU";
    double load[3];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
    fprintf(out, "Machine: %s, %ld CPUs (nproc); the client runs on the same CPUs as httpd.\n",
            model, sysconf(_SC_NPROCESSORS_ONLN));
    f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3)
        fprintf(out, "Load average at the end of the run (1, 5, 15 min): %.2f %.2f %.2f.\n",
                load[0], load[1], load[2]);
    if (f)
        fclose(f);
}
