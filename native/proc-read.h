/* One process of the walk over /proc (proc-read.c, and its tasks in proc-tasks.c), for the walk
 * itself (proc-scan.c): the job the threads share, a record while it is read, and the reading of
 * one process into its record. */
#ifndef IPC_HELPER_PROC_READ_H
#define IPC_HELPER_PROC_READ_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proc-scan.h"

#define RECORD_HEAD 20u /* pid, three error name lengths, flags, maps, ns and cmdline lengths, fd count */
#define ERROR_NAMES 48u /* room for a record's three errno names, paid for with its head */
#define TASK_HEAD 16u   /* the task section's head: tasks, unreadable, private waits, waits */

#define FLAG_NS 1u         /* the record carries ns/ipc's link text */
#define FLAG_CMDLINE 2u    /* the record carries the head of cmdline (possibly empty) */
#define FLAG_INCOMPLETE 4u /* the record was cut short (its share of the reply was used up): holds may be missing */
#define FLAG_TASKS 8u      /* the record ends with a task section (PROC_SCAN asked for waits) */

struct fs_cache;

struct scan_job {
    int procfd;
    const int *pids;
    size_t count;
    uint32_t cmdline_head;
    bool tasks;                                  /* read every task's waits (PROC_SCAN flag bit 0) */
    uint32_t calls[PROC_SCAN_MAX_CALLS];         /* the waiting calls: number | role << 16 (proc-scan.h) */
    atomic_size_t next;
    atomic_size_t budget; /* bytes of records (beyond their heads) the reply still has room for */
    struct fs_cache *mounts;
    struct scan_bytes *records; /* one per pid: empty when the process holds nothing and nothing failed */
};

/* Address ranges [start, end) of a process's shared mappings, as its maps lines kept them. */
struct shared_ranges {
    uint64_t (*range)[2];
    size_t count, capacity;
};

#define CHUNK (64u * 1024u)    /* maps is read this much at a time */
#define MAX_LINE (32u * 1024u) /* a longer maps line (none is: a path is at most 4096 bytes) cuts the record */
#define MAX_FDINFO 4096u       /* fdinfo is read for its flags line (the second): the head is plenty */
#define TASK_FILE 4096u        /* a task's syscall, wchan, comm, or the head of its sched */
#define TASK_MEMORY 3072u      /* a waiting call's array read from its memory: 128 futex_waitv or 64 sembufs */

/* What one thread reuses from process to process (about 180 KiB). */
struct reader {
    unsigned char chunk[CHUNK];
    unsigned char line[MAX_LINE];
    char target[4096];
    unsigned char info[MAX_FDINFO];
    unsigned char dirents[32 * 1024];
    unsigned char file[TASK_FILE];
    unsigned char memory[TASK_MEMORY];
    struct shared_ranges shared;   /* of the process being read */
    struct scan_bytes tasks;       /* its task section, appended after its cmdline */
};
struct reader *reader_new(void);
void reader_free(struct reader *rd);

/* One process's record while it is read: what it took of the budget, whether it was cut. */
struct record {
    struct scan_job *job;
    struct scan_bytes *out;
    int pid;
    size_t taken;
    bool incomplete;
};

/* Takes n bytes of the process's share and of the reply's budget, or cuts the record (false). */
bool record_take(struct record *r, size_t n);
/* Grows a byte buffer by `more` (false and b->error = ENOMEM when it cannot). */
bool bytes_reserve(struct scan_bytes *b, size_t more);
void bytes_append(struct scan_bytes *b, const void *src, size_t n);

/* Reads process job->pids[index] into job->records[index] (left empty when it holds nothing, has
 * no task to report and nothing failed), taking what its record needs from job->budget. */
void read_process(struct scan_job *job, struct reader *rd, size_t index);

#endif
