/* PROC_SCAN (see proc-scan.h and PROTOCOL.md): for every process in /proc, what the client needs
 * to find the holders of IPC objects, read as the client's own reader (src/ipc/procScan.ts) reads
 * it and sent as raw records; the client parses them with the same code either way.
 *
 * Why here and not in the extension: the cost of this walk is system calls into /proc (thousands:
 * a readlink per descriptor of every process), and in Node each of them also pays a few
 * microseconds of JavaScript around it and runs on the extension host's own thread. Here they run
 * bare, on as many threads as asked, while the extension host stays free.
 *
 * Per process, relative to one descriptor of /proc (no path walk from /):
 *   PID/maps      read a piece at a time (on x86-64 the [vsyscall] line ends it, which saves the
 *                 read that returns 0); only the lines naming /SYSV, /dev/shm/ or a memfd are
 *                 kept: they are all the client parses. A /dev/shm or memfd line whose device is
 *                 known to be another file system than tmpfs or hugetlbfs (fs-kind.h) is dropped.
 *   PID/ns/ipc    readlink, only when maps names a System V segment (its shmids are per namespace).
 *   PID/fd/       every entry readlink'ed; for a link to /dev/shm/, to a memfd, or to "/NAME" (a
 *                 POSIX queue's descriptor; the client matches the names it lists) a statx through
 *                 the link with AT_STATX_DONT_SYNC (device, inode, size, mount: nothing is asked of
 *                 the file system, so a FUSE daemon that stopped answering cannot hang the walk),
 *                 kept only when its mount is tmpfs, hugetlbfs or mqueue, and an lstat of the link
 *                 (its mode is the open mode: r-x read, -wx write, rwx both); fdinfo only when that
 *                 mode has neither bit.
 *   PID/cmdline   the first bytes, only for a process that holds something (to name it).
 *
 * Memory is bounded while reading, not after: the reply may hold at most `limit` bytes, and that
 * is a budget the threads share; each process's record may take at most PROCESS_MAX of it. A
 * process that would take more (one that maps a /dev/shm file 60,000 times under a long path) is
 * cut short there and marked incomplete, and the scan goes on: its holds may be missing, which the
 * client treats as it treats a process it could not read. maps is never held whole. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "proc-scan.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "fs-kind.h"
#include "helper.h"
#include "proc-read.h"

#define MIN_PROCESSES_PER_THREAD 32u

static void close_quietly(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

static void *scan_thread(void *arg)
{
    struct scan_job *job = arg;
    struct reader *rd = reader_new();
    if (!rd) return NULL; /* the other threads take its share; one with nothing left fails the scan */
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->count) break;
        read_process(job, rd, i);
    }
    reader_free(rd);
    return NULL;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The pids in /proc, ascending. Returns 0 or an errno. */
static int list_pids(int procfd, int **pids, size_t *count)
{
    int fd = dup(procfd);
    if (fd < 0) return errno;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int err = errno;
        close_quietly(fd);
        return err;
    }
    size_t capacity = 1024, n = 0;
    int *list = malloc(capacity * sizeof *list);
    struct dirent *e;
    while (list && (e = readdir(dir)) != NULL) {
        char *end;
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != 0 || pid > INT32_MAX) continue;
        if (n == capacity) {
            int *grown = realloc(list, 2 * capacity * sizeof *list);
            if (!grown) free(list);
            list = grown;
            capacity *= 2;
            if (!list) break;
        }
        list[n++] = (int)pid;
    }
    closedir(dir);
    if (!list) return ENOMEM;
    qsort(list, n, sizeof *list, compare_ints);
    *pids = list;
    *count = n;
    return 0;
}

static void free_records(struct scan_job *job)
{
    for (size_t i = 0; i < job->count; i++) free(job->records[i].data);
    free(job->records);
}

int proc_scan(uint32_t cmdline_head, const struct scan_tasks *tasks, unsigned threads, size_t limit,
              struct proc_scan_result *out)
{
    int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) return errno;
    struct scan_job job = {.procfd = procfd, .cmdline_head = cmdline_head, .tasks = tasks->read};
    memcpy(job.calls, tasks->calls, sizeof job.calls);
    int *pids = NULL;
    int err = list_pids(procfd, &pids, &job.count);
    if (err) {
        close_quietly(procfd);
        return err;
    }
    job.pids = pids;
    atomic_init(&job.next, 0);
    /* Every record's head (and error names, and its task section's head) is paid for up front: a
     * process is never left out. */
    size_t heads = SCAN_HEAD + job.count * (RECORD_HEAD + ERROR_NAMES + (job.tasks ? TASK_HEAD : 0));
    atomic_init(&job.budget, limit > heads ? limit - heads : 0);
    job.records = calloc(job.count ? job.count : 1, sizeof *job.records);
    job.mounts = fs_cache_new();
    if (!job.records || !job.mounts) {
        free(job.records);
        fs_cache_free(job.mounts);
        free(pids);
        close_quietly(procfd);
        return ENOMEM;
    }
    /* Threads beyond the first only when each gets a fair share: a thread costs more than a few
     * processes take. Whoever is free takes the next pid, so a slow process delays nobody. */
    if (threads > PROC_SCAN_MAX_THREADS) threads = PROC_SCAN_MAX_THREADS;
    while (threads > 1 && job.count < (size_t)threads * MIN_PROCESSES_PER_THREAD) threads--;
    pthread_t helpers[PROC_SCAN_MAX_THREADS];
    unsigned started = 0;
    for (unsigned i = 1; i < threads; i++) {
        if (pthread_create(&helpers[started], NULL, scan_thread, &job) != 0) break; /* fewer threads, same scan */
        started++;
    }
    scan_thread(&job);
    for (unsigned i = 0; i < started; i++) pthread_join(helpers[i], NULL);
    close_quietly(procfd);
    fs_cache_free(job.mounts);

    /* A thread that could not get its buffers left its share untaken only if every thread failed;
     * a record that ran out of memory fails the whole scan (ENOMEM), never a silent gap. */
    size_t records = 0, total = SCAN_HEAD;
    err = atomic_load(&job.next) < job.count ? ENOMEM : 0;
    for (size_t i = 0; i < job.count && !err; i++) {
        if (job.records[i].error) err = job.records[i].error;
        else if (job.records[i].length > 0) {
            records++;
            total += job.records[i].length;
        }
    }
    free(pids);
    if (err || total > limit) { /* over the limit cannot happen: the budget holds it */
        free_records(&job);
        return err ? err : E2BIG;
    }
    put_u32(out->head, (uint32_t)job.count);
    put_u32(out->head + 4, (uint32_t)(job.count - records));
    put_u32(out->head + 8, (uint32_t)records);
    put_u32(out->head + 12, 0);
    put_u64(out->head + 16, now_ns()); /* the clock a task's sched time is compared with: after every read */
    out->records = job.records;
    out->count = job.count;
    out->length = total;
    return 0;
}

void proc_scan_free(struct proc_scan_result *result)
{
    for (size_t i = 0; i < result->count; i++) free(result->records[i].data);
    free(result->records);
    result->records = NULL;
    result->count = 0;
}

/* The waiting calls of a PROC_SCAN request: 16 entries, each a syscall number (low 16 bits) and its
 * role (high 16 bits, 1 to ROLE_LAST), or 0. Returns false with *why set for anything else. */
static bool parse_calls(const unsigned char *args, struct scan_tasks *tasks, char *why, size_t size)
{
    for (unsigned i = 0; i < PROC_SCAN_MAX_CALLS; i++) {
        uint32_t call = get_u32(args + 4 * i);
        uint32_t role = call >> 16;
        if (role > ROLE_LAST || (role == ROLE_NONE && call != 0)) {
            snprintf(why, size, "entry %u (0x%08" PRIx32 ") is not a syscall number with a role of 1 to %u, nor 0", i, call,
                     ROLE_LAST);
            return false;
        }
        tasks->calls[i] = call;
    }
    return true;
}

/* PROC_SCAN: who holds what (and, asked, who waits on what), read from /proc with several threads;
 * the client parses the records. Any process may be asked about: /proc itself says what this user
 * may see. The records go out as they are, without one more copy of the whole reply. */
void op_proc_scan(const struct request *rq)
{
    uint32_t cmdline_head = get_u32(rq->args);
    uint32_t threads = get_u32(rq->args + 4);
    uint32_t flags = get_u32(rq->args + 8);
    if (cmdline_head > PROC_SCAN_MAX_CMDLINE || threads == 0 || threads > PROC_SCAN_MAX_THREADS) {
        reply_error(rq, EINVAL, "PROC_SCAN takes a cmdline head of 0 to %u bytes and 1 to %u threads, got %" PRIu32
                    " and %" PRIu32, PROC_SCAN_MAX_CMDLINE, PROC_SCAN_MAX_THREADS, cmdline_head, threads);
        return;
    }
    if ((flags & ~PROC_SCAN_TASKS) != 0 || get_u32(rq->args + 12) != 0) {
        reply_error(rq, EINVAL, "PROC_SCAN's flags have only bit 0 (read waits) and its reserved field is 0, got 0x%" PRIx32
                    " and 0x%" PRIx32, flags, get_u32(rq->args + 12));
        return;
    }
    struct scan_tasks tasks = {.read = (flags & PROC_SCAN_TASKS) != 0};
    char why[160];
    if (!parse_calls(rq->args + 16, &tasks, why, sizeof why)) {
        reply_error(rq, EINVAL, "PROC_SCAN's waiting calls: %s", why);
        return;
    }
    struct proc_scan_result result;
    int err = proc_scan(cmdline_head, &tasks, threads, MAX_READ, &result);
    if (err == ENOMEM) {
        reply_error(rq, ENOMEM, "no memory for the records of the /proc scan");
        return;
    }
    if (err) {
        reply_error(rq, err, "listing /proc failed: %s", strerror(err));
        return;
    }
    size_t parts = 1;
    for (size_t i = 0; i < result.count; i++) parts += result.records[i].length > 0;
    struct iovec *iov = malloc(parts * sizeof *iov);
    if (!iov) {
        proc_scan_free(&result);
        reply_error(rq, ENOMEM, "no memory for the records of the /proc scan");
        return;
    }
    size_t n = 0;
    iov[n++] = (struct iovec){.iov_base = result.head, .iov_len = sizeof result.head};
    for (size_t i = 0; i < result.count; i++) {
        const struct scan_bytes *r = &result.records[i];
        if (r->length > 0) iov[n++] = (struct iovec){.iov_base = r->data, .iov_len = r->length};
    }
    send_reply_parts(rq->id, rq->op, iov, n, result.length);
    free(iov);
    proc_scan_free(&result);
}
