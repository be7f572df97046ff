/* One process of the walk over /proc (proc-read.c), for the walk itself (proc-scan.c): the job the
 * threads share, and the reading of one process into its record. */
#ifndef IPC_HELPER_PROC_READ_H
#define IPC_HELPER_PROC_READ_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "proc-scan.h"

#define RECORD_HEAD 20u /* pid, three error name lengths, flags, maps, ns and cmdline lengths, fd count */
#define ERROR_NAMES 48u /* room for a record's three errno names, paid for with its head */

struct fs_cache;

struct scan_job {
    int procfd;
    const int *pids;
    size_t count;
    uint32_t cmdline_head;
    atomic_size_t next;
    atomic_size_t budget; /* bytes of records (beyond their heads) the reply still has room for */
    struct fs_cache *mounts;
    struct scan_bytes *records; /* one per pid: empty when the process holds nothing and nothing failed */
};

/* What one thread reuses from process to process (about 140 KiB). */
struct reader;
struct reader *reader_new(void);

/* Reads process job->pids[index] into job->records[index] (left empty when it holds nothing and
 * nothing failed), taking what its record needs from job->budget. */
void read_process(struct scan_job *job, struct reader *rd, size_t index);

#endif
