/*
 * Shared bits of the demo programs (the .c files here): signals, sleeping, time stamps, errors, and the
 * "ready" line that demo/run.js reads. These programs are examples of what a user's own programs do
 * with System V shared memory; they are not part of the extension.
 */
#ifndef IPC_INSPECTOR_DEMO_H
#define IPC_INSPECTOR_DEMO_H

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t demo_stop;

static inline void demo_on_signal(int sig)
{
    (void)sig;
    demo_stop = 1;
}

/*
 * SIGINT, SIGTERM and SIGHUP end the main loop (no SA_RESTART: a sleep returns at once), so every
 * program detaches before it exits. When the parent (demo/run.js) dies, the kernel sends SIGTERM.
 */
static inline void demo_setup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = demo_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) demo_stop = 1; /* the parent died before prctl */
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Sleeps ms milliseconds, or less if a signal arrives. */
static inline void demo_sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static inline int64_t demo_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "2025-11-23 13:05:01.250" (local time) of a time in ms since the epoch. */
static inline void demo_format_time(int64_t ms, char *out, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    char date[24];
    localtime_r(&seconds, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, size, "%s.%03d", date, (int)(ms % 1000));
}

/* Prints "PROGRAM: WHAT: strerror(errno)" and returns 1 (the exit status). */
static inline int demo_fail(const char *program, const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", program, what, strerror(errno));
    return 1;
}

/* A key written as 0x hex or decimal; "private" is IPC_PRIVATE. Returns 0 on a malformed key. */
static inline int demo_parse_key(const char *text, key_t *key)
{
    char *end;
    if (strcmp(text, "private") == 0) {
        *key = IPC_PRIVATE;
        return 1;
    }
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0' || value > 0xffffffffULL) return 0;
    *key = (key_t)(uint32_t)value;
    return 1;
}

/* The line demo/run.js waits for: what was created or attached. Always the first line on stdout. */
static inline void demo_ready(key_t key, int shmid, size_t size, const char *note)
{
    printf("ready key=0x%08x shmid=%d size=%zu pid=%d %s\n", (unsigned)key, shmid, size, (int)getpid(), note);
    fflush(stdout);
}

#endif
