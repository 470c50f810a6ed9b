/* Replays a fuzz corpus through LLVMFuzzerTestOneInput without libFuzzer, so that the seeds
 * (and every input once added after a fix) run in `make check` with the normal compiler and
 * under the ASan build of tests/run-tests.sh. With arguments: those files or directories;
 * without: $top_srcdir/tests/fuzz/corpus/MND_REPLAY_CORPUS (make check sets top_srcdir). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The corpus replayed when no argument is given: each replay program names its own with
 * -DMND_REPLAY_CORPUS (a directory under tests/fuzz/corpus). */
#ifndef MND_REPLAY_CORPUS
#define MND_REPLAY_CORPUS "authn_request"
#endif

#define REPLAY_MAX_INPUT (1024 * 1024)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;
    if (!f) {
        perror(path);
        return -1;
    }
    buf = malloc(REPLAY_MAX_INPUT);
    n = fread(buf, 1, REPLAY_MAX_INPUT, f);
    fclose(f);
    /* The name first: a crash or leak report then says which input it was. */
    fprintf(stderr, "replay %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order (so that a failure reads the same every run). */
static int replay_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!d) {
        perror(dir);
        return -1;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap)
            names = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        if (replay_file(names[i]) == 0)
            (*count)++;
        else
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

static int replay_path(const char *path, int *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return replay_dir(path, count);
    if (replay_file(path) != 0)
        return -1;
    (*count)++;
    return 0;
}

int main(int argc, char **argv)
{
    const char *top = getenv("top_srcdir");
    int count = 0, rc = 0;
    if (argc < 2) {
        char *def = malloc(strlen(top ? top : ".") + strlen(MND_REPLAY_CORPUS) + 32);
        sprintf(def, "%s/tests/fuzz/corpus/" MND_REPLAY_CORPUS, top ? top : ".");
        rc = replay_path(def, &count);
        free(def);
    }
    for (int i = 1; i < argc; i++)
        if (replay_path(argv[i], &count) != 0)
            rc = -1;
    /* An empty corpus would pass silently: a missing checkout of the seeds is a failure. */
    printf("%s: %d inputs replayed\n", rc || count == 0 ? "FAIL" : "PASS", count);
    return rc || count == 0 ? 1 : 0;
}
