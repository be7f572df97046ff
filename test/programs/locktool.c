/* locktool: processes blocked on glibc's locks in shared memory, for the tests of who waits on
 * what (src/ipc/waits/). It makes a board of locks in shared memory, forks the processes a scenario
 * needs, and once each of them is where the scenario wants it (holding a lock, or about to block)
 * prints one line and waits for stdin to close (or SIGKILL); every child dies with it
 * (PR_SET_PDEATHSIG), and a System V segment is marked removed as soon as everyone has it.
 *
 *   locktool REGION SCENARIO
 *   REGION    sysv:KEY (hex) | shm:/NAME (left in /dev/shm: the caller unlinks it) | anon
 *   SCENARIO  deadlock    A holds mutex 1 and waits for mutex 2; B holds 2 and waits for 1
 *             wait        A holds mutex 1; B waits for it
 *             died        A locks mutex 1 and exits holding it; B waits for it (forever)
 *             private     mutex 1 initialised without PTHREAD_PROCESS_SHARED; A holds it, B waits
 *             sem         B waits on the semaphore (value 0)
 *             semalone    B waits on the semaphore (value 0), then this process unmaps the board:
 *                         only B maps it, nobody is left to post
 *             cond        B waits on the condition variable (its mutex free)
 *             rwlock      A holds the rwlock for writing; B waits to write
 *             robust      A holds the robust mutex; B waits for it
 *
 * The line: "ready PID BASE A B" (PID its own, BASE the board's address in hex in every process,
 * A and B the children's pids, 0 when the scenario has none). The board's offsets are below (the
 * tests import them as numbers from this header's table); test/programs/board.h is the same board as
 * a C type. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOARD_SIZE 4096
#define AT_MUTEX1 8
#define AT_MUTEX2 48
#define AT_SEM 88
#define AT_COND 120
#define AT_CONDMUTEX 168
#define AT_RWLOCK 208
#define AT_ROBUST 264

#include <stddef.h>
#include "board.h"
#if defined(__x86_64__)
/* The board as a C type (board.h) has its locks where this program puts them. */
_Static_assert(offsetof(struct board, mutex1) == AT_MUTEX1 && offsetof(struct board, mutex2) == AT_MUTEX2 &&
                   offsetof(struct board, sem) == AT_SEM && offsetof(struct board, cond) == AT_COND &&
                   offsetof(struct board, condmutex) == AT_CONDMUTEX && offsetof(struct board, rwlock) == AT_RWLOCK &&
                   offsetof(struct board, robust) == AT_ROBUST,
               "board.h does not match locktool's offsets");
#endif

static unsigned char *board;

static void die(const char *what)
{
    fprintf(stderr, "locktool: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *at(size_t offset)
{
    return board + offset;
}

static void map_board(const char *region)
{
    void *p = MAP_FAILED;
    if (strncmp(region, "sysv:", 5) == 0) {
        key_t key = (key_t)strtoul(region + 5, NULL, 16);
        int id = shmget(key, BOARD_SIZE, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0) die("shmget");
        p = shmat(id, NULL, 0);
        if (p == (void *)-1) die("shmat");
        /* Removed at once: it goes away with the last process, however the test ends. */
        if (shmctl(id, IPC_RMID, NULL) != 0) die("shmctl IPC_RMID");
    } else if (strncmp(region, "shm:", 4) == 0) {
        int fd = shm_open(region + 4, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0) die("shm_open");
        if (ftruncate(fd, BOARD_SIZE) != 0) die("ftruncate");
        p = mmap(NULL, BOARD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
    } else if (strcmp(region, "anon") == 0) {
        p = mmap(NULL, BOARD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    } else {
        fprintf(stderr, "locktool: unknown region %s\n", region);
        exit(2);
    }
    if (p == MAP_FAILED) die("mmap");
    board = p;
    memset(board, 0, BOARD_SIZE);
}

static void init_mutex(size_t offset, int shared, int robust)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (shared) pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (robust) pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pthread_mutex_init(at(offset), &a) != 0) die("pthread_mutex_init");
}

static void init_board(int private_mutex1)
{
    init_mutex(AT_MUTEX1, !private_mutex1, 0);
    init_mutex(AT_MUTEX2, 1, 0);
    init_mutex(AT_CONDMUTEX, 1, 0);
    init_mutex(AT_ROBUST, 1, 1);
    if (sem_init(at(AT_SEM), 1, 0) != 0) die("sem_init");
    pthread_condattr_t c;
    pthread_condattr_init(&c);
    pthread_condattr_setpshared(&c, PTHREAD_PROCESS_SHARED);
    if (pthread_cond_init(at(AT_COND), &c) != 0) die("pthread_cond_init");
    pthread_rwlockattr_t r;
    pthread_rwlockattr_init(&r);
    pthread_rwlockattr_setpshared(&r, PTHREAD_PROCESS_SHARED);
    if (pthread_rwlock_init(at(AT_RWLOCK), &r) != 0) die("pthread_rwlock_init");
}

/* A child: dies with the parent; `step` is told through its pipe once it did its first part. */
struct child {
    pid_t pid;
    int done; /* read end: one byte when the child's first part is done */
    int go;   /* write end: one byte lets it go on */
};

static void tell(int fd)
{
    char c = 1;
    if (write(fd, &c, 1) != 1) die("write");
}

static void hear(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1) _exit(0); /* the parent is gone */
}

typedef void (*part)(void);

static struct child start(part first, part second)
{
    int done[2], go[2];
    if (pipe(done) != 0 || pipe(go) != 0) die("pipe");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);
        close(done[0]);
        close(go[1]);
        if (first) first();
        tell(done[1]);
        hear(go[0]);
        if (second) second();
        for (;;) pause();
    }
    close(done[1]);
    close(go[0]);
    return (struct child){pid, done[0], go[1]};
}

static void lock(size_t offset)
{
    int e = pthread_mutex_lock(at(offset));
    if (e != 0 && e != EOWNERDEAD) {
        errno = e;
        die("pthread_mutex_lock");
    }
}

static void lock1(void) { lock(AT_MUTEX1); }
static void lock2(void) { lock(AT_MUTEX2); }
static void lock_robust(void) { lock(AT_ROBUST); }
static void sem_wait_forever(void) { while (sem_wait(at(AT_SEM)) != 0 && errno == EINTR) {} }
static void cond_wait_forever(void)
{
    lock(AT_CONDMUTEX);
    for (;;) pthread_cond_wait(at(AT_COND), at(AT_CONDMUTEX));
}
static void write_lock(void)
{
    if (pthread_rwlock_wrlock(at(AT_RWLOCK)) != 0) die("pthread_rwlock_wrlock");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: locktool sysv:KEY|shm:/NAME|anon deadlock|wait|died|private|sem|semalone|cond|rwlock|robust\n");
        return 2;
    }
    const char *scenario = argv[2];
    map_board(argv[1]);
    init_board(strcmp(scenario, "private") == 0);
    struct child a = {0, -1, -1}, b = {0, -1, -1};
    if (strcmp(scenario, "deadlock") == 0) {
        a = start(lock1, lock2);
        b = start(lock2, lock1);
        hear(a.done);
        hear(b.done);
        tell(a.go);
        tell(b.go);
    } else if (strcmp(scenario, "wait") == 0 || strcmp(scenario, "private") == 0) {
        a = start(lock1, NULL);
        hear(a.done);
        b = start(NULL, lock1);
        hear(b.done);
        tell(b.go);
    } else if (strcmp(scenario, "robust") == 0) {
        a = start(lock_robust, NULL);
        hear(a.done);
        b = start(NULL, lock_robust);
        hear(b.done);
        tell(b.go);
    } else if (strcmp(scenario, "died") == 0) {
        a = start(lock1, NULL);
        hear(a.done);
        kill(a.pid, SIGKILL); /* exits holding mutex 1: a normal mutex stays locked */
        waitpid(a.pid, NULL, 0);
        b = start(NULL, lock1);
        hear(b.done);
        tell(b.go);
    } else if (strcmp(scenario, "sem") == 0) {
        b = start(NULL, sem_wait_forever);
        hear(b.done);
        tell(b.go);
    } else if (strcmp(scenario, "semalone") == 0) {
        b = start(NULL, sem_wait_forever);
        hear(b.done);
        tell(b.go);
        int gone = strncmp(argv[1], "sysv:", 5) == 0 ? shmdt(board) : munmap(board, BOARD_SIZE);
        if (gone != 0) die("unmap");
    } else if (strcmp(scenario, "cond") == 0) {
        b = start(NULL, cond_wait_forever);
        hear(b.done);
        tell(b.go);
    } else if (strcmp(scenario, "rwlock") == 0) {
        a = start(write_lock, NULL);
        hear(a.done);
        b = start(NULL, write_lock);
        hear(b.done);
        tell(b.go);
    } else {
        fprintf(stderr, "locktool: unknown scenario %s\n", scenario);
        return 2;
    }
    printf("ready %d %lx %d %d\n", getpid(), (unsigned long)board, a.pid, b.pid);
    fflush(stdout);
    char buffer[64];
    while (read(0, buffer, sizeof buffer) > 0) {}
    if (a.pid > 0) kill(a.pid, SIGKILL);
    if (b.pid > 0) kill(b.pid, SIGKILL);
    return 0;
}
