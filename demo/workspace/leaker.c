/*
 * leaker: creates a 64 KiB segment under KEY (default 0x1eaced00), writes a note in its first page
 * and a pattern in its second, and exits WITHOUT removing it: an orphaned segment (no process
 * attached, creator gone) for "IPC: Clean Up Orphaned Segments". Only two of its sixteen pages are
 * ever touched, so the rest is not resident. An existing segment under KEY is reused as it is.
 *
 *   leaker [KEY]
 */
#include "demo.h"

#define LEAK_SIZE (64 * 1024)

int main(int argc, char **argv)
{
    key_t key = 0x1eaced00;
    if (argc > 2 || (argc == 2 && !demo_parse_key(argv[1], &key))) {
        fprintf(stderr, "usage: leaker [KEY]\n");
        return 2;
    }
    int shmid = shmget(key, LEAK_SIZE, IPC_CREAT | IPC_EXCL | 0600);
    if (shmid < 0 && errno == EEXIST) {
        shmid = shmget(key, 0, 0);
        if (shmid < 0) return demo_fail("leaker", "shmget (existing segment)");
        demo_ready(key, shmid, LEAK_SIZE, "leaker: already leaked by an earlier run, left as it is");
        return 0;
    }
    if (shmid < 0) return demo_fail("leaker", "shmget");
    char *base = shmat(shmid, NULL, 0);
    if (base == (void *)-1) return demo_fail("leaker", "shmat");

    char stamp[32];
    demo_format_time(demo_now_ms(), stamp, sizeof stamp);
    snprintf(base, 4096,
             "Leaked by pid %d (demo/leaker) at %s.\n"
             "Its creator exited without IPC_RMID and nothing is attached: an orphan.\n"
             "Remove it with IPC: Clean Up Orphaned Segments, or npm run demo -- --cleanup.\n",
             (int)getpid(), stamp);
    for (int i = 0; i < 4096; i++) base[4096 + i] = (char)(i & 0xff);
    shmdt(base);
    demo_ready(key, shmid, LEAK_SIZE, "leaker: exited without removing the segment (orphan)");
    return 0;
}
