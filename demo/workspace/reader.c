/*
 * reader: attaches the writer's segment (ftok(PATH, 'W')) READ-ONLY and prints what it reads,
 * about once a second: a consistent copy thanks to the writer's seqlock (board.h). Exits when the
 * segment is removed, or on SIGINT/SIGTERM (detaching first).
 *
 *   reader PATH [INTERVAL_MS]
 */
#include "demo.h"
#include "board.h"

/* Copies the board between two equal even values of seq; 0 if the writer kept it busy. */
static int read_board(const struct board *shared, struct board *copy)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        uint32_t before = __atomic_load_n(&shared->seq, __ATOMIC_ACQUIRE);
        if (before % 2) continue;
        memcpy(copy, (const void *)shared, sizeof *copy);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&shared->seq, __ATOMIC_RELAXED) == before) return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: reader PATH [INTERVAL_MS]\n");
        return 2;
    }
    long interval = argc == 3 ? strtol(argv[2], NULL, 10) : 1000;
    if (interval <= 0) interval = 1000;
    demo_setup();

    key_t key = ftok(argv[1], BOARD_PROJ);
    if (key == -1) return demo_fail("reader", argv[1]);
    int shmid = -1;
    for (int tries = 0; tries < 50 && !demo_stop; tries++) { /* the writer may still be starting */
        shmid = shmget(key, 0, 0);
        if (shmid >= 0 || errno != ENOENT) break;
        demo_sleep_ms(100);
    }
    if (shmid < 0) return demo_fail("reader", "shmget (is the writer running?)");
    const struct board *board = shmat(shmid, NULL, SHM_RDONLY);
    if (board == (void *)-1) return demo_fail("reader", "shmat");
    demo_ready(key, shmid, BOARD_SEGMENT_SIZE, "reader: attached read-only");

    uint64_t last = UINT64_MAX;
    while (!demo_stop) {
        struct shmid_ds ds;
        if (shmctl(shmid, IPC_STAT, &ds) < 0 || (ds.shm_perm.mode & SHM_DEST)) {
            printf("reader: the segment was removed, stopping\n");
            break;
        }
        struct board copy;
        if (!read_board(board, &copy)) {
            printf("reader: the writer is always mid-write, skipping\n");
        } else if (memcmp(copy.magic, BOARD_MAGIC, sizeof copy.magic) != 0) {
            printf("reader: no board yet\n");
        } else if (copy.counter != last) {
            copy.stamp[sizeof copy.stamp - 1] = '\0';
            printf("reader: counter=%llu stamp=\"%s\" writer=%u nattch=%lu\n", (unsigned long long)copy.counter, copy.stamp,
                   copy.writer_pid, (unsigned long)ds.shm_nattch);
            last = copy.counter;
        }
        demo_sleep_ms(interval);
    }
    shmdt(board);
    return 0;
}
