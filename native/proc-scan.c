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
 *   PID/maps      read whole (a page per read(); on x86-64 the [vsyscall] line ends it, which saves
 *                 the read that returns 0). Only the lines naming /SYSV, /dev/shm/ or a memfd are
 *                 sent: they are all the client parses.
 *   PID/ns/ipc    readlink, only when maps names a System V segment (its shmids are per namespace).
 *   PID/fd/       every entry readlink'ed; for a link to /dev/shm/, to a memfd, or to "/NAME" (a
 *                 POSIX queue's descriptor; the client matches the names it lists) a stat through
 *                 the link (device, inode, size) and an lstat of it (its mode is the open mode:
 *                 r-x read, -wx write, rwx both); fdinfo only when that mode has neither bit.
 *   PID/cmdline   the first bytes, only for a process that holds something (to name it).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "proc-scan.h"
#include <dirent.h>
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

#define RECORD_HEAD 20u      /* pid, three error name lengths, flags, maps, ns and cmdline lengths, fd count */
#define DESCRIPTOR_HEAD 36u  /* fd, link mode, dev, ino, size, target and fdinfo lengths */
#define PAYLOAD_HEAD 12u     /* processes listed, processes holding nothing, records */
#define MAX_MAPS (256u * 1024u * 1024u) /* a maps text longer than this is reported as E2BIG */
#define MAX_FDINFO 4096u     /* fdinfo is read for its flags line (the second): the head is plenty */
#define NO_MODE 0xffffffffu  /* the link could not be lstat'ed */
#define NO_FDINFO 0xffffu
#define MIN_PROCESSES_PER_THREAD 32u

#define FLAG_NS 1u      /* the record carries ns/ipc's link text */
#define FLAG_CMDLINE 2u /* the record carries the head of cmdline (possibly empty) */

/* A growable byte buffer. Once `error` is set (ENOMEM, E2BIG) appends do nothing. */
struct bytes {
    unsigned char *data;
    size_t length, capacity;
    int error;
};

static bool reserve(struct bytes *b, size_t more, size_t limit)
{
    if (b->error) return false;
    if (more > limit || b->length > limit - more) {
        b->error = E2BIG;
        return false;
    }
    size_t need = b->length + more;
    if (need <= b->capacity) return true;
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < need) capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
    unsigned char *grown = realloc(b->data, capacity);
    if (!grown) {
        b->error = ENOMEM;
        return false;
    }
    b->data = grown;
    b->capacity = capacity;
    return true;
}

/* Room for n more bytes at the end (NULL once the buffer has failed). */
static unsigned char *append(struct bytes *b, size_t n)
{
    if (!reserve(b, n, SIZE_MAX / 4)) return NULL;
    unsigned char *p = b->data + b->length;
    b->length += n;
    return p;
}

static void append_bytes(struct bytes *b, const void *src, size_t n)
{
    unsigned char *p = append(b, n);
    if (p && n) memcpy(p, src, n);
}

/* What one thread reuses from process to process. */
struct reader {
    struct bytes maps;
    char target[4096];
    unsigned char dirents[32 * 1024];
};

struct scan_job {
    int procfd;
    const int *pids;
    size_t count;
    uint32_t cmdline_head;
    atomic_size_t next;
    struct bytes *records; /* one per pid: empty when the process holds nothing and nothing failed */
};

static void close_quietly(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* Opens PID/NAME relative to /proc. */
static int open_in(int procfd, int pid, const char *name, int flags)
{
    char path[96]; /* names are this file's own, the longest "fdinfo/" and a descriptor number */
    snprintf(path, sizeof path, "%d/%s", pid, name);
    return openat(procfd, path, flags | O_RDONLY | O_CLOEXEC);
}

static const char GATE[] = " [vsyscall]\n";
static const char GATE_START[] = "ffffffffff600000-";

/* True when the text ends with x86-64's vsyscall line, the last one the kernel ever prints. */
static bool ends_with_gate(const unsigned char *text, size_t length)
{
    size_t gate = sizeof GATE - 1;
    if (length < gate || memcmp(text + length - gate, GATE, gate) != 0) return false;
    size_t line = length - gate;
    while (line > 0 && text[line - 1] != '\n') line--;
    return length - line >= sizeof GATE_START - 1 && memcmp(text + line, GATE_START, sizeof GATE_START - 1) == 0;
}

/* Reads PID/maps whole into r->maps. Returns 0 or the errno that stopped it. */
static int read_maps(int procfd, int pid, struct reader *r)
{
    int fd = open_in(procfd, pid, "maps", 0);
    if (fd < 0) return errno;
    r->maps.length = 0;
    r->maps.error = 0;
    for (;;) {
        if (!reserve(&r->maps, 64 * 1024, MAX_MAPS)) {
            close_quietly(fd);
            return r->maps.error;
        }
        ssize_t n = read(fd, r->maps.data + r->maps.length, r->maps.capacity - r->maps.length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            close_quietly(fd);
            return err;
        }
        if (n == 0) break;
        r->maps.length += (size_t)n;
        if (ends_with_gate(r->maps.data, r->maps.length)) break;
    }
    close_quietly(fd);
    return 0;
}

static const char *const MAPS_NEEDLES[] = {"/SYSV", " /dev/shm/", " /memfd:"};
#define NEEDLES (sizeof MAPS_NEEDLES / sizeof MAPS_NEEDLES[0])

static bool contains(const unsigned char *text, size_t length, const char *needle)
{
    return memmem(text, length, needle, strlen(needle)) != NULL;
}

/* Appends the lines of maps that name any needle, each with its newline. */
static void append_relevant_lines(struct bytes *out, const unsigned char *text, size_t length)
{
    size_t at = 0;
    while (at < length) {
        const unsigned char *newline = memchr(text + at, '\n', length - at);
        size_t end = newline ? (size_t)(newline - text) + 1 : length;
        for (size_t i = 0; i < NEEDLES; i++) {
            if (contains(text + at, end - at, MAPS_NEEDLES[i])) {
                append_bytes(out, text + at, end - at);
                break;
            }
        }
        at = end;
    }
}

/* A descriptor link worth a stat: a /dev/shm file, a memfd, or "/NAME" with no other slash (what a
 * POSIX queue's descriptor links to; the client keeps only the names its listing has). */
static bool wanted_link(const char *target)
{
    if (strncmp(target, "/dev/shm/", 9) == 0 || strncmp(target, "/memfd:", 7) == 0) return true;
    return target[0] == '/' && target[1] != 0 && strchr(target + 1, '/') == NULL;
}

/* Reads up to `max` bytes of a small /proc file into out (one read is usually all of it). */
static void append_head(struct bytes *out, int fd, size_t max)
{
    size_t have = 0;
    unsigned char *p = append(out, max);
    if (!p) return;
    while (have < max) {
        ssize_t n = read(fd, p + have, max - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        if (have < max) break; /* a short read of these files is their end */
    }
    out->length -= max - have;
}

/* One descriptor record, or nothing when the descriptor closed meanwhile. */
static void append_descriptor(struct bytes *out, int procfd, int pid, int fddir, const char *name, const char *target,
                              size_t target_length, uint32_t *count)
{
    char *end;
    unsigned long fd = strtoul(name, &end, 10);
    if (*end != 0 || fd > INT32_MAX) return; /* not a descriptor number: nothing the kernel lists */
    struct stat st, link;
    if (fstatat(fddir, name, &st, 0) < 0) return; /* closed between readlink and stat */
    uint32_t mode = fstatat(fddir, name, &link, AT_SYMLINK_NOFOLLOW) == 0 ? (uint32_t)link.st_mode : NO_MODE;
    size_t start = out->length;
    unsigned char *head = append(out, DESCRIPTOR_HEAD);
    if (!head) return;
    put_u32(head, (uint32_t)fd);
    put_u32(head + 4, mode);
    put_u64(head + 8, (uint64_t)st.st_dev);
    put_u64(head + 16, (uint64_t)st.st_ino);
    put_u64(head + 24, (uint64_t)st.st_size);
    put_u16(head + 32, (uint16_t)target_length);
    append_bytes(out, target, target_length);
    uint32_t fdinfo_length = NO_FDINFO;
    if (mode != NO_MODE && (mode & 0600) == 0) { /* an O_PATH descriptor: fdinfo's flags tell */
        char path[32];
        snprintf(path, sizeof path, "fdinfo/%lu", fd);
        int info = open_in(procfd, pid, path, 0);
        if (info >= 0) {
            size_t before = out->length;
            append_head(out, info, MAX_FDINFO);
            fdinfo_length = (uint32_t)(out->length - before);
            close_quietly(info);
        }
    }
    if (out->error) return;
    put_u16(out->data + start + 34, (uint16_t)fdinfo_length);
    (*count)++;
}

/* The descriptors of one process worth a look, appended to out. Returns 0 or the errno that kept
 * the fd directory from being read. */
static int append_descriptors(struct bytes *out, int procfd, int pid, struct reader *r, uint32_t *count)
{
    int fddir = open_in(procfd, pid, "fd", O_DIRECTORY);
    if (fddir < 0) return errno;
    for (;;) {
        long n = syscall(SYS_getdents64, fddir, r->dirents, sizeof r->dirents);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* an error past the first entries: what was listed stands */
        for (long at = 0; at < n;) {
            const struct dirent64 *e = (const struct dirent64 *)(r->dirents + at);
            if (e->d_reclen == 0 || e->d_reclen > n - at) break;
            at += e->d_reclen;
            if (e->d_name[0] == '.') continue;
            ssize_t length = readlinkat(fddir, e->d_name, r->target, sizeof r->target - 1);
            if (length < 0) continue; /* closed since the listing */
            r->target[length] = 0;
            if (wanted_link(r->target)) append_descriptor(out, procfd, pid, fddir, e->d_name, r->target, (size_t)length, count);
        }
        /* The kernel fills the buffer while entries fit; room left for one more (a /proc fd
         * entry is at most 32 bytes) means the directory is done: no read that returns 0. */
        if ((size_t)n + 64 <= sizeof r->dirents) break;
    }
    close_quietly(fddir);
    return 0;
}

/* Appends an errno's name and writes its length at byte `at` of the record's head. */
static void put_error_name(struct bytes *out, size_t at, int err)
{
    char fallback[16];
    const char *name = errno_name(err, fallback, sizeof fallback);
    size_t n = strlen(name);
    append_bytes(out, name, n);
    if (!out->error) out->data[at] = (unsigned char)n;
}

/* Reads one process into its record (left empty when it holds nothing and nothing failed). The
 * parts follow the 20-byte head in the order they are read: the maps error's name (and then
 * nothing else), the ns error's name, the maps lines, the ns link text, the descriptors, the fd
 * directory error's name, the cmdline head. */
static void read_process(struct scan_job *job, struct reader *r, size_t index)
{
    int pid = job->pids[index];
    struct bytes *out = &job->records[index];
    int maps_error = read_maps(job->procfd, pid, r);
    /* No mappings at all: a kernel thread or a zombie. It holds nothing, and its fd directory is
     * closed to non-root users: reading it would count every kernel thread as unreadable. */
    if (!maps_error && r->maps.length == 0) return;
    unsigned char *head = append(out, RECORD_HEAD);
    if (!head) return;
    memset(head, 0, RECORD_HEAD);
    put_u32(out->data, (uint32_t)pid);
    if (maps_error) {
        put_error_name(out, 4, maps_error);
        return;
    }
    bool sysv = contains(r->maps.data, r->maps.length, MAPS_NEEDLES[0]);
    bool relevant = sysv;
    for (size_t i = 1; !relevant && i < NEEDLES; i++) relevant = contains(r->maps.data, r->maps.length, MAPS_NEEDLES[i]);
    char ns[64];
    ssize_t ns_length = -1;
    if (sysv) {
        char path[32];
        snprintf(path, sizeof path, "%d/ns/ipc", pid);
        ns_length = readlinkat(job->procfd, path, ns, sizeof ns - 1);
        if (ns_length < 0) put_error_name(out, 5, errno);
    }
    size_t maps_start = out->length;
    if (relevant) append_relevant_lines(out, r->maps.data, r->maps.length);
    size_t maps_length = out->length - maps_start;
    if (ns_length >= 0) append_bytes(out, ns, (size_t)ns_length);
    uint32_t descriptors = 0;
    int fd_error = append_descriptors(out, job->procfd, pid, r, &descriptors);
    if (fd_error) put_error_name(out, 6, fd_error);
    bool cmdline = false;
    size_t cmdline_start = out->length;
    if (!fd_error && job->cmdline_head > 0 && (relevant || descriptors > 0)) {
        int fd = open_in(job->procfd, pid, "cmdline", 0);
        if (fd >= 0) {
            cmdline = true;
            append_head(out, fd, job->cmdline_head);
            close_quietly(fd);
        }
    }
    if (out->error) return;
    if (!fd_error && !relevant && descriptors == 0) { /* holds nothing: no record */
        out->length = 0;
        return;
    }
    unsigned char *p = out->data;
    p[7] = (unsigned char)((ns_length >= 0 ? FLAG_NS : 0) | (cmdline ? FLAG_CMDLINE : 0));
    put_u32(p + 8, (uint32_t)maps_length);
    put_u16(p + 12, (uint16_t)(ns_length >= 0 ? ns_length : 0));
    put_u16(p + 14, (uint16_t)(out->length - cmdline_start));
    put_u32(p + 16, descriptors);
}

static void *scan_thread(void *arg)
{
    struct scan_job *job = arg;
    struct reader *r = calloc(1, sizeof *r);
    if (!r) return NULL; /* the other threads take its share; one with nothing left fails the scan */
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->count) break;
        read_process(job, r, i);
    }
    free(r->maps.data);
    free(r);
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

int proc_scan(uint32_t cmdline_head, unsigned threads, size_t limit, struct proc_scan_result *out)
{
    int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) return errno;
    struct scan_job job = {.procfd = procfd, .cmdline_head = cmdline_head};
    int *pids = NULL;
    int err = list_pids(procfd, &pids, &job.count);
    if (err) {
        close_quietly(procfd);
        return err;
    }
    job.pids = pids;
    atomic_init(&job.next, 0);
    job.records = calloc(job.count ? job.count : 1, sizeof *job.records);
    if (!job.records) {
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

    /* A thread that could not get its buffers left its share untaken only if every thread failed;
     * a record that ran out of memory fails the whole scan (ENOMEM), never a silent gap. */
    size_t total = PAYLOAD_HEAD, records = 0;
    err = atomic_load(&job.next) < job.count ? ENOMEM : 0;
    for (size_t i = 0; i < job.count && !err; i++) {
        if (job.records[i].error) err = job.records[i].error;
        else if (job.records[i].length > 0) {
            records++;
            total += job.records[i].length;
            if (total > limit) err = E2BIG;
        }
    }
    unsigned char *payload = err ? NULL : malloc(total);
    if (!err && !payload) err = ENOMEM;
    if (!err) {
        put_u32(payload, (uint32_t)job.count);
        put_u32(payload + 4, (uint32_t)(job.count - records));
        put_u32(payload + 8, (uint32_t)records);
        size_t at = PAYLOAD_HEAD;
        for (size_t i = 0; i < job.count; i++) {
            if (job.records[i].length == 0) continue;
            memcpy(payload + at, job.records[i].data, job.records[i].length);
            at += job.records[i].length;
        }
        out->data = payload;
        out->length = total;
    }
    for (size_t i = 0; i < job.count; i++) free(job.records[i].data);
    free(job.records);
    free(pids);
    return err;
}

/* PROC_SCAN: who holds what, read from /proc with several threads (proc-scan.c); the client
 * parses the records. Any process may be asked about: /proc itself says what this user may see. */
void op_proc_scan(const struct request *rq)
{
    uint32_t cmdline_head = get_u32(rq->args);
    uint32_t threads = get_u32(rq->args + 4);
    if (cmdline_head > PROC_SCAN_MAX_CMDLINE || threads == 0 || threads > PROC_SCAN_MAX_THREADS) {
        reply_error(rq, EINVAL, "PROC_SCAN takes a cmdline head of 0 to %u bytes and 1 to %u threads, got %" PRIu32
                    " and %" PRIu32, PROC_SCAN_MAX_CMDLINE, PROC_SCAN_MAX_THREADS, cmdline_head, threads);
        return;
    }
    struct proc_scan_result result;
    int err = proc_scan(cmdline_head, threads, MAX_READ, &result);
    if (err == E2BIG) {
        reply_error(rq, E2BIG, "what /proc says of the processes' holds passes %u bytes: scan it in the client", MAX_READ);
    } else if (err == ENOMEM) {
        reply_error(rq, ENOMEM, "no memory for the records of the /proc scan");
    } else if (err) {
        reply_error(rq, err, "listing /proc failed: %s", strerror(err));
    } else {
        reply_ok(rq, result.data, result.length);
        free(result.data);
    }
}
