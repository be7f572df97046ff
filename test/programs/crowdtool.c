/* crowdtool: a crowd of processes and threads for the waits benchmark (bench/waitsBench.ts): a
 * machine where many threads sleep and some of them are blocked on a lock in shared memory.
 *
 *   crowdtool PROCESSES THREADS BLOCKED
 *
 * It maps a page of anonymous shared memory with a process-shared mutex, locks it, and forks
 * PROCESSES children. Each child starts THREADS - 1 more threads that sleep in pause(); the main
 * threads of the first BLOCKED children then lock the mutex (and block: it is held here), the
 * others sleep too. Once every child has started its threads it prints "ready PID" and waits for
 * its stdin to close (or SIGKILL); every child dies with it (PR_SET_PDEATHSIG). Threads get 64 KiB
 * stacks: ten thousand of them reserve 640 MiB of address space and touch a few pages each. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define STACK (64 * 1024) /* or PTHREAD_STACK_MIN where that is more (arm64: 128 KiB) */

static void die(const char *what)
{
    fprintf(stderr, "crowdtool: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *sleep_forever(void *unused)
{
    (void)unused;
    for (;;) pause();
    return NULL;
}

static _Noreturn void child(pthread_mutex_t *mutex, int threads, int blocks, int ready, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0); /* the parent died before the prctl */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    size_t stack = STACK < PTHREAD_STACK_MIN ? PTHREAD_STACK_MIN : STACK;
    int e = pthread_attr_setstacksize(&attr, stack);
    if (e != 0) {
        errno = e;
        die("pthread_attr_setstacksize");
    }
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 1; i < threads; i++) {
        pthread_t t;
        e = pthread_create(&t, &attr, sleep_forever, NULL);
        if (e != 0) {
            errno = e;
            die("pthread_create");
        }
    }
    char c = 1;
    if (write(ready, &c, 1) != 1) die("write");
    close(ready);
    if (blocks) pthread_mutex_lock(mutex); /* held by the parent: blocks for good */
    for (;;) pause();
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: crowdtool PROCESSES THREADS BLOCKED\n");
        return 2;
    }
    int processes = atoi(argv[1]), threads = atoi(argv[2]), blocked = atoi(argv[3]);
    if (processes < 1 || threads < 1 || blocked < 0 || blocked > processes) {
        fprintf(stderr, "crowdtool: PROCESSES and THREADS must be at least 1, BLOCKED at most PROCESSES\n");
        return 2;
    }
    pthread_mutex_t *mutex = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mutex == MAP_FAILED) die("mmap");
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (pthread_mutex_init(mutex, &a) != 0 || pthread_mutex_lock(mutex) != 0) die("mutex");
    int ready[2];
    if (pipe(ready) != 0) die("pipe");
    pid_t parent = getpid();
    for (int i = 0; i < processes; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            close(ready[0]);
            child(mutex, threads, i < blocked, ready[1], parent);
        }
    }
    close(ready[1]);
    for (int i = 0; i < processes; i++) {
        char c;
        if (read(ready[0], &c, 1) != 1) {
            fprintf(stderr, "crowdtool: a child exited before it started its threads\n");
            return 1;
        }
    }
    printf("ready %d\n", getpid());
    fflush(stdout);
    char buffer[64];
    while (read(0, buffer, sizeof buffer) > 0) {}
    return 0; /* the children die with this process */
}
