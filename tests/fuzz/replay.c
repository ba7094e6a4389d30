/* Replay driver: feeds every file named on the command line (or found in a directory named there,
 * one level) to the harness's LLVMFuzzerTestOneInput, after LLVMFuzzerInitialize, in-process, one
 * after another.  Linked with one harness and the normal library it replays the seed corpus and
 * every regression input under `make check` without libFuzzer; a crash, a sanitizer report or
 * a hang (ANIONSCAN_REPLAY_TIMEOUT seconds per input, default 20) fails it, naming the input. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *current = "(none)";
static int count;

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "replay: HANG (timeout) on input ";
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, current, strlen(current)) < 0 || write(2, "\n", 1) < 0)
        _exit(3);
    _exit(3);
}

static void run_file(const char *path, unsigned timeout)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        exit(2);
    }
    /* an exact-size copy, so a read past the input's end is caught as in libFuzzer */
    uint8_t *in = malloc(n ? n : 1);
    if (!in)
        exit(2);
    memcpy(in, buf, n);
    free(buf);
    current = path;
    alarm(timeout);
    LLVMFuzzerTestOneInput(in, n);
    alarm(0);
    free(in);
    count++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    const char *t = getenv("ANIONSCAN_REPLAY_TIMEOUT");
    unsigned timeout = t && atoi(t) > 0 ? (unsigned)atoi(t) : 20;
    signal(SIGALRM, on_alarm);
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue; /* an absent directory: nothing kept there yet */
        if (!S_ISDIR(st.st_mode)) {
            run_file(argv[i], timeout);
            continue;
        }
        struct dirent **list;
        int n = scandir(argv[i], &list, NULL, by_name);
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], list[k]->d_name);
            if (list[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
                run_file(path, timeout);
            free(list[k]);
        }
        free(n >= 0 ? list : NULL);
    }
    printf("replay: %d inputs, no crash\n", count);
    return 0;
}
