/*
 * jobs: a producer and a consumer that talk through a System V message queue and guard a shared
 * count with a System V semaphore set, so the Semaphores and Message Queues views have something
 * to show. The set has two semaphores: 0 is a lock (1 = free), 1 counts the jobs done.
 *
 *   jobs produce SEMKEY MSGKEY INTERVAL_MS   makes the set and the queue, sends a job every
 *                                            INTERVAL_MS (type 1, "job N: ..."), holding the lock
 *                                            while it sends
 *   jobs consume SEMKEY MSGKEY               receives each job, takes the lock while it "works"
 *                                            (200 ms), then counts it done
 *
 * Both print one "ready" line, then a line only when something changes (they are quiet while
 * all goes well). The producer removes nothing: the demo runner removes both at the end.
 */
#include "demo.h"
#include <sys/msg.h>
#include <sys/sem.h>

struct job {
    long mtype;
    char text[64];
};

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int lock(int semid, int delta)
{
    struct sembuf op = {.sem_num = 0, .sem_op = (short)delta, .sem_flg = SEM_UNDO};
    return semop(semid, &op, 1);
}

static int produce(key_t semkey, key_t msgkey, long interval)
{
    int semid = semget(semkey, 2, IPC_CREAT | 0600);
    if (semid < 0) return demo_fail("jobs", "semget");
    unsigned short initial[2] = {1, 0};
    union semun arg = {.array = initial};
    if (semctl(semid, 0, SETALL, arg) < 0) return demo_fail("jobs", "semctl SETALL");
    int msqid = msgget(msgkey, IPC_CREAT | 0600);
    if (msqid < 0) return demo_fail("jobs", "msgget");
    demo_ready(semkey, semid, 2, "jobs: producer (semaphore set: lock and jobs done; message queue of jobs)");
    unsigned long long n = 0;
    int was_full = 0;
    while (!demo_stop) {
        struct job job = {.mtype = 1};
        snprintf(job.text, sizeof job.text, "job %llu: resize image %llu", n, n % 97);
        if (lock(semid, -1) < 0) break;
        int sent = msgsnd(msqid, &job, strlen(job.text) + 1, IPC_NOWAIT);
        lock(semid, +1);
        int full = sent < 0 && errno == EAGAIN;
        if (full != was_full) {
            printf("jobs: %s\n", full ? "the queue is full: jobs wait" : "the queue takes jobs again");
            fflush(stdout);
        }
        was_full = full;
        if (sent == 0) n++;
        demo_sleep_ms(interval);
    }
    return 0;
}

static int consume(key_t semkey, key_t msgkey)
{
    int semid = semget(semkey, 0, 0), msqid = msgget(msgkey, 0);
    if (semid < 0 || msqid < 0) return demo_fail("jobs", "semget/msgget (start the producer first)");
    demo_ready(semkey, semid, 2, "jobs: consumer");
    while (!demo_stop) {
        struct job job;
        if (msgrcv(msqid, &job, sizeof job.text, 0, 0) < 0) {
            if (errno == EINTR) continue;
            if (errno == EIDRM || errno == EINVAL) break; /* the queue was removed */
            return demo_fail("jobs", "msgrcv");
        }
        if (lock(semid, -1) < 0) break;
        demo_sleep_ms(200);
        lock(semid, +1);
        struct sembuf done = {.sem_num = 1, .sem_op = 1, .sem_flg = 0};
        semop(semid, &done, 1);
    }
    return 0;
}

int main(int argc, char **argv)
{
    demo_setup();
    key_t semkey, msgkey;
    if (argc >= 4 && demo_parse_key(argv[2], &semkey) && demo_parse_key(argv[3], &msgkey)) {
        if (argc == 5 && strcmp(argv[1], "produce") == 0) return produce(semkey, msgkey, atol(argv[4]));
        if (argc == 4 && strcmp(argv[1], "consume") == 0) return consume(semkey, msgkey);
    }
    fprintf(stderr, "usage: jobs produce SEMKEY MSGKEY INTERVAL_MS | jobs consume SEMKEY MSGKEY\n");
    return 2;
}
