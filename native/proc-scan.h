/* PROC_SCAN: the one walk over /proc that finds who holds IPC objects (maps, descriptors) and, when
 * asked, who waits on what (each task's syscall, wchan, comm and sched), read by the helper with
 * several threads and handed to the client as raw records that it parses itself (the layout is in
 * PROTOCOL.md, "PROC_SCAN"). Read-only: it opens files of /proc and reads them, nothing else. */
#ifndef IPC_HELPER_PROC_SCAN_H
#define IPC_HELPER_PROC_SCAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROC_SCAN_MAX_THREADS 8u
#define PROC_SCAN_MAX_CMDLINE 4096u /* the longest cmdline head a record carries */
#define PROC_SCAN_MAX_CALLS 16u     /* waiting calls the client can name (x86-64 has 8, 32-bit arm 12) */
#define PROC_SCAN_TASKS 1u          /* flags bit 0: read every task's waits */

/* What the helper reads of a task blocked in a waiting call, by the call's role (the client names
 * the numbers: they differ by architecture, and only it knows which one the kernel speaks). */
enum wait_role {
    ROLE_NONE = 0,
    ROLE_FUTEX = 1,       /* futex(uaddr, op, val, ...): kept when uaddr is in a shared mapping */
    ROLE_FUTEX_WAITV = 2, /* futex_waitv(waiters, n, ...): the array read from its memory */
    ROLE_SEMOP = 3,       /* semop/semtimedop(semid, sops, nsops, ...): the sembufs read from its memory */
    ROLE_OTHER = 4,       /* msgsnd, msgrcv, mq_timedsend, mq_timedreceive: the arguments say it all */
};
#define ROLE_LAST ROLE_OTHER

/* A growable byte buffer. Once `error` is set (ENOMEM) appends do nothing. */
struct scan_bytes {
    unsigned char *data;
    size_t length, capacity;
    int error;
};

#define SCAN_HEAD 24u /* u32 listed, u32 nothing, u32 records, u32 reserved, u64 clock */

struct proc_scan_result {
    unsigned char head[SCAN_HEAD]; /* u32 listed, u32 nothing, u32 records, u32 reserved, u64 clockNs */
    struct scan_bytes *records; /* one per pid listed; those of length 0 are not sent */
    size_t count;
    size_t length; /* of the whole payload: head and records */
};

/* What a scan reads besides maps and descriptors. */
struct scan_tasks {
    bool read;                              /* read every task's waits */
    uint32_t calls[PROC_SCAN_MAX_CALLS];    /* number | role << 16; 0: unused */
};

/* Scans every process in /proc with up to `threads` threads, the records of all of them together
 * at most `limit` bytes (a process that would pass its share is cut short and marked incomplete).
 * Returns 0 and the records in `out` (free them with proc_scan_free()), or an errno: ENOMEM, or
 * why /proc could not be listed. */
int proc_scan(uint32_t cmdline_head, const struct scan_tasks *tasks, unsigned threads, size_t limit,
              struct proc_scan_result *out);
void proc_scan_free(struct proc_scan_result *result);

#endif
