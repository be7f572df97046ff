/*
 * ipctool: a small, separate process that the tests use to act on System V semaphores and message
 * queues and on POSIX message queues the way a user's own program would: the waiters, holders and
 * senders the helper (which never operates on them) is to see. It is NOT part of the extension.
 *
 *   ipctool semwait SEMID SEMNUM       semop -1 (blocks while the value is 0): prints "waiting PID"
 *                                      first, "done" once it got through
 *   ipctool semzero SEMID SEMNUM       semop 0 (blocks until the value is 0): "waiting PID", "done"
 *   ipctool semhold SEMID SEMNUM       semop -1 without SEM_UNDO, prints "holding PID", then stays:
 *                                      a holder that dies holding the semaphore (nothing gives it back)
 *   ipctool semop SEMID SEMNUM DELTA   one semop (IPC_NOWAIT), prints "done PID", exits
 *   ipctool msgcreate KEY MODE [TYPE:TEXT ...]   msgget(IPC_CREAT | MODE), then sends one message per
 *                                      TYPE:TEXT given (TEXT as for msgsend), prints the msqid, exits
 *   ipctool msgsend MSQID TYPE TEXT    one message (IPC_NOWAIT); TEXT "hex:..." is hex, "-" is all of
 *                                      stdin; prints "sent PID", exits
 *   ipctool msgwait MSQID TYPE         msgrcv (blocks until a message of TYPE comes, and takes it):
 *                                      "waiting PID", then "received SIZE"
 *   ipctool msgfill MSQID              sends 1-byte messages of type 1 until the queue is full, then
 *                                      prints "blocked PID COUNT" and blocks in one more msgsnd
 *   ipctool chown shm|sem|msg ID UID GID   IPC_SET of the owner and group, exits
 *   ipctool shmhuge SIZE               shmget(IPC_PRIVATE, SIZE, SHM_HUGETLB | SHM_NORESERVE | 0600):
 *                                      a huge-page segment that needs no huge page until touched;
 *                                      prints the shmid, exits
 *   ipctool mqcreate /NAME MAXMSG MSGSIZE MODE   mq_open(O_CREAT | O_EXCL), umask 0; exits
 *   ipctool mqsend /NAME TEXT          mq_send one message (O_NONBLOCK), exits
 *   ipctool mqattr /NAME               prints "MAXMSG MSGSIZE CURMSGS" (opened O_RDONLY), exits
 *   ipctool mqunlink /NAME             mq_unlink, exits (ENOENT is fine: already gone)
 *   ipctool mqhold /NAME               opens the queue O_RDWR, prints "holding PID FD", then stays:
 *                                      a program that uses the queue (its holder)
 *
 * KEY: 0x hex, decimal, or "private". MODE is octal. Every process that stays (the waiters and
 * holders) exits as soon as its stdin reaches EOF (a thread watches it) and can be killed, so a
 * test that dies leaves nothing behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#ifndef SHM_NORESERVE
#define SHM_NORESERVE 010000
#endif

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int die(const char *what)
{
    fprintf(stderr, "ipctool: %s: %s\n", what, strerror(errno));
    return 1;
}

static key_t parse_key(const char *text)
{
    if (strcmp(text, "private") == 0) return IPC_PRIVATE;
    return (key_t)strtoll(text, NULL, 0);
}

/* Exits the whole process at EOF on stdin: the waiters block in a system call on the main thread. */
static void *watch_stdin(void *unused)
{
    (void)unused;
    char buf[256];
    while (read(0, buf, sizeof buf) > 0) {
    }
    _exit(0);
}

static void start_watch(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, watch_stdin, NULL) != 0) {
        fprintf(stderr, "ipctool: cannot start the stdin watcher\n");
        exit(1);
    }
}

static __attribute__((noreturn)) void stay(void)
{
    for (;;) pause();
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The bytes of TEXT ("hex:..." decoded, "-" read from stdin, else as is) into *out; returns the count or -1. */
static long message_text(const char *text, char **out)
{
    if (strcmp(text, "-") == 0) {
        size_t size = 0, capacity = 1 << 16;
        char *buf = malloc(capacity);
        ssize_t n;
        while (buf && (n = read(0, buf + size, capacity - size)) > 0) {
            size += (size_t)n;
            if (size == capacity) {
                char *bigger = realloc(buf, capacity *= 2);
                if (!bigger) free(buf);
                buf = bigger;
            }
        }
        *out = buf;
        return buf ? (long)size : -1;
    }
    if (strncmp(text, "hex:", 4) == 0) {
        const char *hex = text + 4;
        size_t len = strlen(hex);
        char *buf = malloc(len / 2 + 1);
        if (!buf || len % 2) return -1;
        for (size_t i = 0; i < len / 2; i++) {
            int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
            if (hi < 0 || lo < 0) return -1;
            buf[i] = (char)(hi * 16 + lo);
        }
        *out = buf;
        return (long)(len / 2);
    }
    *out = strdup(text);
    return *out ? (long)strlen(text) : -1;
}

static int sem_wait_for(int semid, int num, short delta, short flags, const char *ready)
{
    struct sembuf op = {.sem_num = (unsigned short)num, .sem_op = delta, .sem_flg = flags};
    printf("%s %d\n", ready, getpid());
    fflush(stdout);
    while (semop(semid, &op, 1) < 0) {
        if (errno != EINTR) return die("semop");
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if ((strcmp(cmd, "semwait") == 0 || strcmp(cmd, "semzero") == 0) && argc == 4) {
        start_watch();
        if (sem_wait_for(atoi(argv[2]), atoi(argv[3]), strcmp(cmd, "semwait") == 0 ? -1 : 0, 0, "waiting")) return 1;
        printf("done\n");
        stay();
    }
    if (strcmp(cmd, "semhold") == 0 && argc == 4) {
        start_watch();
        struct sembuf op = {.sem_num = (unsigned short)atoi(argv[3]), .sem_op = -1, .sem_flg = 0}; /* no SEM_UNDO */
        while (semop(atoi(argv[2]), &op, 1) < 0) {
            if (errno != EINTR) return die("semop");
        }
        printf("holding %d\n", getpid());
        stay();
    }
    if (strcmp(cmd, "semop") == 0 && argc == 5) {
        struct sembuf op = {.sem_num = (unsigned short)atoi(argv[3]), .sem_op = (short)atoi(argv[4]), .sem_flg = IPC_NOWAIT};
        if (semop(atoi(argv[2]), &op, 1) < 0) return die("semop");
        printf("done %d\n", getpid());
        return 0;
    }
    if (strcmp(cmd, "msgcreate") == 0 && argc >= 4) {
        int id = msgget(parse_key(argv[2]), IPC_CREAT | (int)(strtol(argv[3], NULL, 8) & 0777));
        if (id < 0) return die("msgget");
        for (int i = 4; i < argc; i++) {
            char *colon = strchr(argv[i], ':'), *text = NULL;
            long size = colon ? message_text(colon + 1, &text) : -1;
            struct msgbuf *m = size < 0 ? NULL : malloc(sizeof(long) + (size_t)size + 1);
            if (!m) return die("message TYPE:TEXT");
            m->mtype = strtol(argv[i], NULL, 0);
            memcpy(m->mtext, text, (size_t)size);
            if (msgsnd(id, m, (size_t)size, IPC_NOWAIT) < 0) return die("msgsnd");
            free(m);
            free(text);
        }
        printf("%d\n", id);
        return 0;
    }
    if (strcmp(cmd, "msgsend") == 0 && argc == 5) {
        char *text = NULL;
        long size = message_text(argv[4], &text);
        if (size < 0) return die("message text");
        struct msgbuf *m = malloc(sizeof(long) + (size_t)size + 1);
        if (!m) return die("malloc");
        m->mtype = strtol(argv[3], NULL, 0);
        memcpy(m->mtext, text, (size_t)size);
        if (msgsnd(atoi(argv[2]), m, (size_t)size, IPC_NOWAIT) < 0) return die("msgsnd");
        printf("sent %d\n", getpid());
        return 0;
    }
    if (strcmp(cmd, "msgwait") == 0 && argc == 4) {
        start_watch();
        static struct {
            long mtype;
            char mtext[1 << 16];
        } m;
        printf("waiting %d\n", getpid());
        ssize_t n;
        while ((n = msgrcv(atoi(argv[2]), &m, sizeof m.mtext, strtol(argv[3], NULL, 0), MSG_NOERROR)) < 0) {
            if (errno != EINTR) return die("msgrcv");
        }
        printf("received %zd\n", n);
        stay();
    }
    if (strcmp(cmd, "msgfill") == 0 && argc == 3) {
        start_watch();
        int id = atoi(argv[2]);
        struct {
            long mtype;
            char mtext[1];
        } m = {1, {'x'}};
        long count = 0;
        while (msgsnd(id, &m, 1, IPC_NOWAIT) == 0) count++;
        if (errno != EAGAIN) return die("msgsnd");
        printf("blocked %d %ld\n", getpid(), count);
        while (msgsnd(id, &m, 1, 0) < 0) {
            if (errno != EINTR) return die("msgsnd");
        }
        printf("sent\n");
        stay();
    }
    if (strcmp(cmd, "chown") == 0 && argc == 6) {
        int id = atoi(argv[3]);
        uid_t uid = (uid_t)strtoul(argv[4], NULL, 0);
        gid_t gid = (gid_t)strtoul(argv[5], NULL, 0);
        if (strcmp(argv[2], "shm") == 0) {
            struct shmid_ds ds;
            if (shmctl(id, IPC_STAT, &ds) < 0) return die("shmctl IPC_STAT");
            ds.shm_perm.uid = uid;
            ds.shm_perm.gid = gid;
            if (shmctl(id, IPC_SET, &ds) < 0) return die("shmctl IPC_SET");
        } else if (strcmp(argv[2], "sem") == 0) {
            struct semid_ds ds;
            union semun arg = {.buf = &ds};
            if (semctl(id, 0, IPC_STAT, arg) < 0) return die("semctl IPC_STAT");
            ds.sem_perm.uid = uid;
            ds.sem_perm.gid = gid;
            if (semctl(id, 0, IPC_SET, arg) < 0) return die("semctl IPC_SET");
        } else if (strcmp(argv[2], "msg") == 0) {
            struct msqid_ds ds;
            if (msgctl(id, IPC_STAT, &ds) < 0) return die("msgctl IPC_STAT");
            ds.msg_perm.uid = uid;
            ds.msg_perm.gid = gid;
            if (msgctl(id, IPC_SET, &ds) < 0) return die("msgctl IPC_SET");
        } else {
            fprintf(stderr, "ipctool: chown shm|sem|msg ID UID GID\n");
            return 2;
        }
        return 0;
    }
    if (strcmp(cmd, "shmhuge") == 0 && argc == 3) {
        int id = shmget(IPC_PRIVATE, strtoull(argv[2], NULL, 0), SHM_HUGETLB | SHM_NORESERVE | 0600);
        if (id < 0) return die("shmget SHM_HUGETLB");
        printf("%d\n", id);
        return 0;
    }
    if (strcmp(cmd, "mqcreate") == 0 && argc == 6) {
        struct mq_attr attr = {.mq_maxmsg = atol(argv[3]), .mq_msgsize = atol(argv[4])};
        umask(0);
        mqd_t q = mq_open(argv[2], O_RDONLY | O_CREAT | O_EXCL, (mode_t)strtol(argv[5], NULL, 8), &attr);
        if (q == (mqd_t)-1) return die("mq_open");
        mq_close(q);
        return 0;
    }
    if (strcmp(cmd, "mqsend") == 0 && argc == 4) {
        mqd_t q = mq_open(argv[2], O_WRONLY | O_NONBLOCK);
        if (q == (mqd_t)-1) return die("mq_open");
        if (mq_send(q, argv[3], strlen(argv[3]), 0) < 0) return die("mq_send");
        mq_close(q);
        return 0;
    }
    if (strcmp(cmd, "mqattr") == 0 && argc == 3) {
        mqd_t q = mq_open(argv[2], O_RDONLY | O_NONBLOCK);
        struct mq_attr attr;
        if (q == (mqd_t)-1) return die("mq_open");
        if (mq_getattr(q, &attr) < 0) return die("mq_getattr");
        printf("%ld %ld %ld\n", attr.mq_maxmsg, attr.mq_msgsize, attr.mq_curmsgs);
        mq_close(q);
        return 0;
    }
    if (strcmp(cmd, "mqunlink") == 0 && argc == 3) {
        if (mq_unlink(argv[2]) < 0 && errno != ENOENT) return die("mq_unlink");
        return 0;
    }
    if (strcmp(cmd, "mqhold") == 0 && argc == 3) {
        mqd_t q = mq_open(argv[2], O_RDWR | O_NONBLOCK);
        if (q == (mqd_t)-1) return die("mq_open");
        start_watch();
        printf("holding %d %d\n", getpid(), (int)q);
        fflush(stdout);
        stay();
    }
    fprintf(stderr, "usage: see the comment at the top of ipctool.c\n");
    return 2;
}
