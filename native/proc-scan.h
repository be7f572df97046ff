/* PROC_SCAN: the one walk over /proc that finds who holds IPC objects (maps, descriptors), read
 * by the helper with several threads and handed to the client as raw records that it parses
 * itself (the layout is in PROTOCOL.md, "PROC_SCAN"). Read-only: it opens files of /proc and
 * reads them, nothing else. */
#ifndef IPC_HELPER_PROC_SCAN_H
#define IPC_HELPER_PROC_SCAN_H
#include <stddef.h>
#include <stdint.h>

#define PROC_SCAN_MAX_THREADS 8u
#define PROC_SCAN_MAX_CMDLINE 4096u /* the longest cmdline head a record carries */

/* A growable byte buffer. Once `error` is set (ENOMEM) appends do nothing. */
struct scan_bytes {
    unsigned char *data;
    size_t length, capacity;
    int error;
};

struct proc_scan_result {
    unsigned char head[12];     /* u32 listed, u32 nothing, u32 records */
    struct scan_bytes *records; /* one per pid listed; those of length 0 are not sent */
    size_t count;
    size_t length; /* of the whole payload: head and records */
};

/* Scans every process in /proc with up to `threads` threads, the records of all of them together
 * at most `limit` bytes (a process that would pass its share is cut short and marked incomplete).
 * Returns 0 and the records in `out` (free them with proc_scan_free()), or an errno: ENOMEM, or
 * why /proc could not be listed. */
int proc_scan(uint32_t cmdline_head, unsigned threads, size_t limit, struct proc_scan_result *out);
void proc_scan_free(struct proc_scan_result *result);

#endif
