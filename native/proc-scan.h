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

struct proc_scan_result {
    unsigned char *data; /* the whole PROC_SCAN reply payload; free() it */
    size_t length;
};

/* Scans every process in /proc with up to `threads` threads. Returns 0 and the payload in `out`,
 * or an errno: ENOMEM, E2BIG (the payload would pass `limit` bytes), or why /proc could not be
 * listed. */
int proc_scan(uint32_t cmdline_head, unsigned threads, size_t limit, struct proc_scan_result *out);

#endif
