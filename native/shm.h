/* System V shared memory attachments (shm-attach.c), for the operations (shm.c): the read cache,
 * the holds the client keeps on purpose, and views of a segment to copy from. */
#ifndef IPC_HELPER_SHM_H
#define IPC_HELPER_SHM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/shm.h>

/* A mapping to copy from, valid until view_close(). Taken from a hold, from the cache, or attached
 * now; `temporary` ones (segments marked SHM_DEST) are detached right after use. */
struct view {
    const unsigned char *base;
    uint64_t size; /* shm_segsz of the segment this mapping belongs to */
    bool temporary;
};

/* Opens a view of shmid whose IPC_STAT (taken just before, by shmid) is *ds. Returns 0 or an errno.
 * *ds is replaced by an IPC_STAT taken while attached when a fresh attachment is made: only then
 * is it certain the numbers describe the very segment behind the mapping. */
int view_open(int shmid, struct shmid_ds *ds, struct view *v);
/* Idempotent: a temporary view is let go of before a reply is sent, and again at the end. */
void view_close(struct view *v);

/* Whether the read cache has shmid attached (that attachment is part of nattch). */
bool cache_has(int shmid);
/* Lets go of the cached read attachment of shmid, if any. */
void cache_drop_id(int shmid);
/* Drops idle entries and, every 250 ms, those whose segment was removed or changed. */
void cache_maintain(uint64_t now);
/* Milliseconds until cache_maintain() has something to do, or -1 when nothing is cached. */
int cache_timeout_ms(uint64_t now);

/* Whether the client holds shmid (ATTACH). */
bool hold_has(int shmid);

/* shm.c: the residency bitmap of pages [first, first + count) of a mapping, from mincore() (bits
 * are set, never cleared): 0 or an errno. */
int residency_bitmap(const unsigned char *base, uint64_t first, uint64_t count, unsigned char *bitmap);

/* shm-sample.c: the samplers' ticks. samplers_run() takes the samples that are due at `now`
 * (CLOCK_MONOTONIC ns); samplers_due_in_ns() says in how long the next one is due, -1 for never. */
void samplers_run(uint64_t now);
int64_t samplers_due_in_ns(uint64_t now);

#endif
