/*
 * posix: what programs written today mostly use, POSIX shared memory (a file in /dev/shm), in
 * three roles for the demo:
 *
 *   posix ring NAME INTERVAL_MS   shm_open(O_CREAT), ftruncate to 64 KiB, mmap read-write: a ring
 *                                 buffer (struct ring in demo/ring.h) a producer fills, one slot
 *                                 every interval; only the pages written are ever allocated
 *   posix watch NAME              opens it read-only, maps it, keeps the descriptor too: a consumer
 *   posix leak NAME               creates 1 MiB, writes a note in its first page and exits without
 *                                 shm_unlink: a leaked object (orphaned after the grace period)
 *
 * Each prints one "ready name=/NAME size=N pid=P note" line (demo/run.js waits for it).
 */
#include "demo.h"
#include "ring.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define LEAK_SIZE (1024 * 1024)

static void ready(const char *name, size_t size, const char *note)
{
    printf("ready name=%s size=%zu pid=%d %s\n", name, size, (int)getpid(), note);
    fflush(stdout);
}

static int ring(const char *name, long interval_ms)
{
    int fd = shm_open(name, O_CREAT | O_RDWR, 0640);
    if (fd < 0) return demo_fail("posix ring", "shm_open");
    if (fchmod(fd, 0640) < 0 || ftruncate(fd, RING_SIZE) < 0) return demo_fail("posix ring", "ftruncate");
    struct ring *r = mmap(NULL, RING_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r == MAP_FAILED) return demo_fail("posix ring", "mmap");
    close(fd); /* mapped only: the view shows one mapping, no descriptor */
    memcpy(r->magic, "RING", 4);
    r->slot_count = RING_SLOTS;
    r->slot_size = (uint32_t)sizeof r->slots[0];
    ready(name, RING_SIZE, "ring: a producer writes one slot every interval");
    for (uint64_t seq = 1; !demo_stop; seq++) {
        struct ring_slot *slot = &r->slots[r->head % RING_SLOTS];
        slot->seq = seq;
        slot->time_ms = demo_now_ms();
        snprintf(slot->text, sizeof slot->text, "message %llu", (unsigned long long)seq);
        __atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
        if (r->head - r->tail > RING_SLOTS) r->tail = r->head - RING_SLOTS;
        demo_sleep_ms(interval_ms);
    }
    munmap(r, RING_SIZE);
    return 0;
}

static int watch(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd < 0) return demo_fail("posix watch", "shm_open");
    const struct ring *r = mmap(NULL, RING_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (r == MAP_FAILED) return demo_fail("posix watch", "mmap");
    ready(name, RING_SIZE, "watch: a consumer maps it read-only and keeps its descriptor");
    while (!demo_stop) demo_sleep_ms(1000);
    munmap((void *)r, RING_SIZE);
    close(fd);
    return 0;
}

static int leak(const char *name)
{
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 && errno == EEXIST) {
        ready(name, LEAK_SIZE, "leak: already leaked by an earlier run, left as it is");
        return 0;
    }
    if (fd < 0) return demo_fail("posix leak", "shm_open");
    if (ftruncate(fd, LEAK_SIZE) < 0) return demo_fail("posix leak", "ftruncate");
    char stamp[32], note[256];
    demo_format_time(demo_now_ms(), stamp, sizeof stamp);
    int n = snprintf(note, sizeof note,
                     "Leaked by pid %d (demo/posix leak) at %s: created, written, never shm_unlink'ed.\n"
                     "Remove it with IPC: Clean Up Orphaned Objects once it is orphaned.\n",
                     (int)getpid(), stamp);
    if (pwrite(fd, note, (size_t)n, 0) != n) return demo_fail("posix leak", "pwrite");
    close(fd);
    ready(name, LEAK_SIZE, "leak: exited without shm_unlink (1 MiB, one page written)");
    return 0;
}

int main(int argc, char **argv)
{
    demo_setup();
    if (argc == 4 && strcmp(argv[1], "ring") == 0) return ring(argv[2], atol(argv[3]));
    if (argc == 3 && strcmp(argv[1], "watch") == 0) return watch(argv[2]);
    if (argc == 3 && strcmp(argv[1], "leak") == 0) return leak(argv[2]);
    fprintf(stderr, "usage: posix ring NAME INTERVAL_MS | posix watch NAME | posix leak NAME\n");
    return 2;
}
