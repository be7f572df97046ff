/*
 * writer: creates (or reuses) a 4 KiB segment under ftok(PATH, 'W') and publishes a counter and a
 * time stamp in it every 500 ms (layout in board.h). Stops on SIGINT/SIGTERM, detaches, and leaves
 * the segment for demo/run.js to remove.
 *
 *   writer PATH [INTERVAL_MS]
 */
#include "demo.h"
#include "board.h"

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: writer PATH [INTERVAL_MS]\n");
        return 2;
    }
    long interval = argc == 3 ? strtol(argv[2], NULL, 10) : 500;
    if (interval <= 0) interval = 500;
    demo_setup();

    key_t key = ftok(argv[1], BOARD_PROJ);
    if (key == -1) return demo_fail("writer", argv[1]);
    int shmid = shmget(key, BOARD_SEGMENT_SIZE, IPC_CREAT | 0644);
    if (shmid < 0) {
        if (errno == EINVAL) {
            fprintf(stderr, "writer: key 0x%08x exists with a size under %d bytes; remove it (npm run demo -- --cleanup)\n",
                    (unsigned)key, BOARD_SEGMENT_SIZE);
            return 1;
        }
        return demo_fail("writer", "shmget");
    }
    struct board *board = shmat(shmid, NULL, 0);
    if (board == (void *)-1) return demo_fail("writer", "shmat");

    if (__atomic_load_n(&board->seq, __ATOMIC_RELAXED) % 2) {
        __atomic_add_fetch(&board->seq, 1, __ATOMIC_RELEASE); /* a writer killed mid-write left it odd */
    }
    memcpy(board->magic, BOARD_MAGIC, sizeof board->magic);
    board->writer_pid = (uint32_t)getpid();
    demo_ready(key, shmid, BOARD_SEGMENT_SIZE, "writer: counter and time stamp every interval");

    while (!demo_stop) {
        int64_t now = demo_now_ms();
        char stamp[32];
        demo_format_time(now, stamp, sizeof stamp);

        __atomic_add_fetch(&board->seq, 1, __ATOMIC_RELAXED); /* odd: writing */
        __atomic_thread_fence(__ATOMIC_RELEASE);
        board->counter++;
        board->unix_ms = now;
        memset(board->stamp, 0, sizeof board->stamp);
        memcpy(board->stamp, stamp, strnlen(stamp, sizeof board->stamp - 1));
        memset(board->line, 0, sizeof board->line);
        snprintf(board->line, sizeof board->line, "counter %llu at %s\n", (unsigned long long)board->counter, stamp + 11);
        __atomic_add_fetch(&board->seq, 1, __ATOMIC_RELEASE); /* even: stable */

        demo_sleep_ms(interval);
    }
    unsigned long long last = board->counter;
    shmdt(board);
    printf("writer: stopped at counter %llu, detached (the segment stays)\n", last);
    return 0;
}
