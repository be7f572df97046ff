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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>
#include "fs-kind.h"
#include "helper.h"

#define RECORD_HEAD 20u      /* pid, three error name lengths, flags, maps, ns and cmdline lengths, fd count */
#define DESCRIPTOR_HEAD 36u  /* fd, link mode, dev, ino, size, target and fdinfo lengths */
#define PAYLOAD_HEAD 12u     /* processes listed, processes holding nothing, records */
#define ERROR_NAMES 48u      /* room for a record's three errno names, reserved with its head */
#define CHUNK (64u * 1024u)  /* maps is read this much at a time */
#define MAX_LINE (32u * 1024u) /* a longer maps line (none is: a path is at most 4096 bytes) cuts the record */
#define PROCESS_MAX (1024u * 1024u) /* bytes of the reply one process's record may take */
#define MAX_FDINFO 4096u     /* fdinfo is read for its flags line (the second): the head is plenty */
#define NO_MODE 0xffffffffu  /* the link could not be lstat'ed */
#define NO_FDINFO 0xffffu
#define MIN_PROCESSES_PER_THREAD 32u
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000u
#endif

#define FLAG_NS 1u         /* the record carries ns/ipc's link text */
#define FLAG_CMDLINE 2u    /* the record carries the head of cmdline (possibly empty) */
#define FLAG_INCOMPLETE 4u /* the record was cut short (its share of the reply was used up): holds may be missing */

static bool reserve(struct scan_bytes *b, size_t more)
{
    if (b->error) return false;
    size_t need = b->length + more;
    if (need <= b->capacity) return true;
    size_t capacity = b->capacity ? b->capacity : 256;
    while (capacity < need) capacity *= 2;
    unsigned char *grown = realloc(b->data, capacity);
    if (!grown) {
        b->error = ENOMEM;
        return false;
    }
    b->data = grown;
    b->capacity = capacity;
    return true;
}

static void append_bytes(struct scan_bytes *b, const void *src, size_t n)
{
    if (!reserve(b, n)) return;
    if (n) memcpy(b->data + b->length, src, n);
    b->length += n;
}

/* What one thread reuses from process to process. */
struct reader {
    unsigned char chunk[CHUNK];
    unsigned char line[MAX_LINE];
    char target[4096];
    unsigned char info[MAX_FDINFO];
    unsigned char dirents[32 * 1024];
};

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

/* One process's record while it is read: what it took of the budget, whether it was cut. */
struct record {
    struct scan_job *job;
    struct scan_bytes *out;
    int pid;
    size_t taken;
    bool incomplete;
};

/* Takes n bytes of the process's share and of the reply's budget, or cuts the record. */
static bool take(struct record *r, size_t n)
{
    if (r->incomplete) return false;
    if (n > PROCESS_MAX - r->taken) {
        r->incomplete = true;
        return false;
    }
    size_t left = atomic_load(&r->job->budget);
    do {
        if (left < n) {
            r->incomplete = true;
            return false;
        }
    } while (!atomic_compare_exchange_weak(&r->job->budget, &left, left - n));
    r->taken += n;
    return true;
}

/* Gives back what the record took (it is thrown away). */
static void give_back(struct record *r)
{
    atomic_fetch_add(&r->job->budget, r->taken);
    r->taken = 0;
}

/* No record for this process: what it took goes back, its memory too. */
static void drop_record(struct record *r)
{
    give_back(r);
    free(r->out->data);
    *r->out = (struct scan_bytes){0};
}

static void append_taken(struct record *r, const void *src, size_t n)
{
    if (take(r, n)) append_bytes(r->out, src, n);
}

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

/* ------------------------------------------------------------------------------------------------
 * maps.
 */

static const char GATE[] = " [vsyscall]\n";
static const char GATE_START[] = "ffffffffff600000-";
static const char *const MAPS_NEEDLES[] = {"/SYSV", " /dev/shm/", " /memfd:"};
#define NEEDLES (sizeof MAPS_NEEDLES / sizeof MAPS_NEEDLES[0])

/* x86-64's vsyscall line, the last one the kernel ever prints. */
static bool is_gate(const unsigned char *line, size_t length)
{
    size_t gate = sizeof GATE - 1;
    return length >= gate + sizeof GATE_START - 1 && memcmp(line + length - gate, GATE, gate) == 0 &&
           memcmp(line, GATE_START, sizeof GATE_START - 1) == 0;
}

static bool contains(const unsigned char *text, size_t length, const char *needle)
{
    return memmem(text, length, needle, strlen(needle)) != NULL;
}

/* Whether a maps line of a /dev/shm file or a memfd is on another file system than shared memory,
 * by the device it names ("... 00:26 12345 /dev/shm/x"): such a line is no IPC object's. */
static bool line_on_other_fs(struct record *r, const unsigned char *line, size_t length)
{
    char head[128];
    size_t n = length < sizeof head - 1 ? length : sizeof head - 1;
    memcpy(head, line, n);
    head[n] = 0;
    unsigned maj, min;
    if (sscanf(head, "%*s %*s %*s %x:%x", &maj, &min) != 2) return false;
    struct fs_place place = {.mnt_id = 0, .major = maj, .minor = min};
    struct fs_type type;
    fs_type_of(&place, r->pid, r->job->mounts, &type);
    return type.kind == FS_OTHER || type.kind == FS_MQUEUE;
}

struct maps_result {
    size_t bytes;   /* read in all (0: no mappings: a kernel thread or a zombie) */
    bool sysv;      /* a /SYSV line */
    bool relevant;  /* a line kept */
};

/* One line of maps, with its newline: kept in the record when it names what the scan is after. */
static void maps_line(struct record *r, const unsigned char *line, size_t length, struct maps_result *m)
{
    for (size_t i = 0; i < NEEDLES; i++) {
        if (!contains(line, length, MAPS_NEEDLES[i])) continue;
        if (i == 0) m->sysv = true;
        else if (line_on_other_fs(r, line, length)) return;
        m->relevant = true;
        append_taken(r, line, length);
        return;
    }
}

/* Reads PID/maps a chunk at a time into the record's maps lines. Returns 0 or the errno that
 * stopped it (then what was kept of it is thrown away by the caller). */
static int read_maps(struct record *r, struct reader *rd, struct maps_result *m)
{
    *m = (struct maps_result){0};
    int fd = open_in(r->job->procfd, r->pid, "maps", 0);
    if (fd < 0) return errno;
    size_t carried = 0;    /* the start of a line, in rd->line */
    bool skipping = false; /* the rest of a line too long to keep */
    bool done = false;
    while (!done) {
        ssize_t n = read(fd, rd->chunk, sizeof rd->chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            close_quietly(fd);
            return err;
        }
        if (n == 0) break;
        m->bytes += (size_t)n;
        size_t at = 0;
        while (at < (size_t)n && !done) {
            const unsigned char *newline = memchr(rd->chunk + at, '\n', (size_t)n - at);
            size_t end = newline ? (size_t)(newline - rd->chunk) + 1 : (size_t)n;
            size_t piece = end - at;
            at = end;
            if (skipping) {
                skipping = !newline;
                continue;
            }
            if (carried + piece > sizeof rd->line) { /* no such line; cut rather than guess */
                r->incomplete = true;
                carried = 0;
                skipping = !newline;
                continue;
            }
            memcpy(rd->line + carried, rd->chunk + at - piece, piece);
            carried += piece;
            if (newline) {
                maps_line(r, rd->line, carried, m);
                done = is_gate(rd->line, carried);
                carried = 0;
            }
        }
    }
    if (carried > 0) maps_line(r, rd->line, carried, m); /* a last line without newline (none is) */
    close_quietly(fd);
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Descriptors.
 */

/* A descriptor link worth a look: a /dev/shm file, a memfd, or "/NAME" with no other slash (what a
 * POSIX queue's descriptor links to; the client keeps only the names its listing has). */
static bool wanted_link(const char *target)
{
    if (strncmp(target, "/dev/shm/", 9) == 0 || strncmp(target, "/memfd:", 7) == 0) return true;
    return target[0] == '/' && target[1] != 0 && strchr(target + 1, '/') == NULL;
}

/* Reads up to `max` bytes of a small /proc file (one read is usually all of it). Returns the count. */
static size_t read_head(int fd, unsigned char *to, size_t max)
{
    size_t have = 0;
    while (have < max) {
        ssize_t n = read(fd, to + have, max - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        if (have < max) break; /* a short read of these files is their end */
    }
    return have;
}

/* What descriptor `name` of the process refers to, without asking its file system anything: the
 * device, inode, size and mount from statx(AT_STATX_DONT_SYNC) through the link, the type from the
 * mount tables. False when it is not an IPC object's (another file system) or closed meanwhile. */
static bool descriptor_object(struct record *r, int fddir, const char *name, struct statx *sx)
{
    if (statx(fddir, name, AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, STATX_BASIC_STATS | STATX_MNT_ID, sx) < 0) return false;
    struct fs_place place = {.mnt_id = (sx->stx_mask & STATX_MNT_ID) ? sx->stx_mnt_id : 0,
                             .major = sx->stx_dev_major, .minor = sx->stx_dev_minor};
    struct fs_type type;
    fs_type_of(&place, r->pid, r->job->mounts, &type);
    if (type.kind == FS_UNKNOWN && type.unread) r->incomplete = true; /* too many mount tables: not told */
    return type.kind == FS_SHARED_MEMORY || type.kind == FS_MQUEUE;
}

/* One descriptor record, or nothing when the descriptor closed meanwhile or is no IPC object. */
static void append_descriptor(struct record *r, struct reader *rd, int fddir, const char *name, size_t target_length,
                              uint32_t *count)
{
    char *end;
    unsigned long fd = strtoul(name, &end, 10);
    if (*end != 0 || fd > INT32_MAX) return; /* not a descriptor number: nothing the kernel lists */
    struct statx sx;
    if (!descriptor_object(r, fddir, name, &sx)) return;
    struct stat link;
    uint32_t mode = fstatat(fddir, name, &link, AT_SYMLINK_NOFOLLOW) == 0 ? (uint32_t)link.st_mode : NO_MODE;
    size_t info_length = 0;
    bool info = false;
    if (mode != NO_MODE && (mode & 0600) == 0) { /* an O_PATH descriptor: fdinfo's flags tell */
        char path[32];
        snprintf(path, sizeof path, "fdinfo/%lu", fd);
        int f = open_in(r->job->procfd, r->pid, path, 0);
        if (f >= 0) {
            info_length = read_head(f, rd->info, sizeof rd->info);
            info = true;
            close_quietly(f);
        }
    }
    if (!take(r, DESCRIPTOR_HEAD + target_length + info_length)) return;
    unsigned char head[DESCRIPTOR_HEAD];
    put_u32(head, (uint32_t)fd);
    put_u32(head + 4, mode);
    put_u64(head + 8, (uint64_t)makedev(sx.stx_dev_major, sx.stx_dev_minor));
    put_u64(head + 16, sx.stx_ino);
    put_u64(head + 24, sx.stx_size);
    put_u16(head + 32, (uint16_t)target_length);
    put_u16(head + 34, (uint16_t)(info ? info_length : NO_FDINFO));
    append_bytes(r->out, head, sizeof head);
    append_bytes(r->out, rd->target, target_length);
    append_bytes(r->out, rd->info, info_length);
    (*count)++;
}

/* The descriptors of one process worth a look, appended to its record. Returns 0 or the errno that
 * kept the fd directory from being read. */
static int append_descriptors(struct record *r, struct reader *rd, uint32_t *count)
{
    int fddir = open_in(r->job->procfd, r->pid, "fd", O_DIRECTORY);
    if (fddir < 0) return errno;
    for (;;) {
        long n = syscall(SYS_getdents64, fddir, rd->dirents, sizeof rd->dirents);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* an error past the first entries: what was listed stands */
        for (long at = 0; at < n;) {
            const struct dirent64 *e = (const struct dirent64 *)(rd->dirents + at);
            if (e->d_reclen == 0 || e->d_reclen > n - at) break;
            at += e->d_reclen;
            if (e->d_name[0] == '.') continue;
            ssize_t length = readlinkat(fddir, e->d_name, rd->target, sizeof rd->target - 1);
            if (length < 0) continue; /* closed since the listing */
            rd->target[length] = 0;
            if (wanted_link(rd->target)) append_descriptor(r, rd, fddir, e->d_name, (size_t)length, count);
        }
        /* The kernel fills the buffer while entries fit; room left for one more (a /proc fd
         * entry is at most 32 bytes) means the directory is done: no read that returns 0. */
        if ((size_t)n + 64 <= sizeof rd->dirents) break;
    }
    close_quietly(fddir);
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * One process.
 */

/* Appends an errno's name and writes its length at byte `at` of the record's head (error names are
 * paid for with the head: they are never cut). */
static void put_error_name(struct scan_bytes *out, size_t at, int err)
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
static void read_process(struct scan_job *job, struct reader *rd, size_t index)
{
    struct record r = {.job = job, .out = &job->records[index], .pid = job->pids[index]};
    struct scan_bytes *out = r.out;
    unsigned char head[RECORD_HEAD] = {0};
    put_u32(head, (uint32_t)r.pid);
    append_bytes(out, head, sizeof head);
    struct maps_result m;
    int maps_error = read_maps(&r, rd, &m);
    if (maps_error) { /* the record is its error alone */
        give_back(&r);
        out->length = RECORD_HEAD;
        r.incomplete = false;
        put_error_name(out, 4, maps_error);
        return;
    }
    /* No mappings at all: a kernel thread or a zombie. It holds nothing, and its fd directory is
     * closed to non-root users: reading it would count every kernel thread as unreadable. */
    if (m.bytes == 0) {
        drop_record(&r);
        return;
    }
    size_t maps_length = out->length - RECORD_HEAD;
    char ns[64];
    ssize_t ns_length = -1;
    if (m.sysv) {
        char path[32];
        snprintf(path, sizeof path, "%d/ns/ipc", r.pid);
        ns_length = readlinkat(job->procfd, path, ns, sizeof ns - 1);
        if (ns_length < 0) { /* its name goes before the maps lines (rare: maps was readable) */
            char fallback[16];
            const char *name = errno_name(errno, fallback, sizeof fallback);
            size_t n = strlen(name);
            if (reserve(out, n)) {
                memmove(out->data + RECORD_HEAD + n, out->data + RECORD_HEAD, maps_length);
                memcpy(out->data + RECORD_HEAD, name, n);
                out->length += n;
                out->data[5] = (unsigned char)n;
            }
        }
    }
    bool ns_kept = ns_length >= 0 && take(&r, (size_t)ns_length);
    if (ns_kept) append_bytes(out, ns, (size_t)ns_length);
    uint32_t descriptors = 0;
    int fd_error = append_descriptors(&r, rd, &descriptors);
    if (fd_error) put_error_name(out, 6, fd_error);
    bool cmdline = false;
    size_t cmdline_start = out->length;
    if (!fd_error && job->cmdline_head > 0 && (m.relevant || descriptors > 0) && !r.incomplete) {
        int fd = open_in(job->procfd, r.pid, "cmdline", 0);
        if (fd >= 0) {
            size_t n = read_head(fd, rd->info, job->cmdline_head < sizeof rd->info ? job->cmdline_head : sizeof rd->info);
            close_quietly(fd);
            if (take(&r, n)) {
                append_bytes(out, rd->info, n);
                cmdline = true;
            }
        }
    }
    if (out->error) return;
    if (!fd_error && !m.relevant && descriptors == 0 && !r.incomplete) { /* holds nothing: no record */
        drop_record(&r);
        return;
    }
    unsigned char *p = out->data;
    p[7] = (unsigned char)((ns_kept ? FLAG_NS : 0) | (cmdline ? FLAG_CMDLINE : 0) |
                           (r.incomplete ? FLAG_INCOMPLETE : 0));
    put_u32(p + 8, (uint32_t)maps_length);
    put_u16(p + 12, (uint16_t)(ns_kept ? ns_length : 0));
    put_u16(p + 14, (uint16_t)(cmdline ? out->length - cmdline_start : 0));
    put_u32(p + 16, descriptors);
    /* Hand back what doubling left unused: many records are small, and all wait for the reply. */
    unsigned char *fitted = realloc(out->data, out->length);
    if (fitted) {
        out->data = fitted;
        out->capacity = out->length;
    }
}

static void *scan_thread(void *arg)
{
    struct scan_job *job = arg;
    struct reader *rd = malloc(sizeof *rd);
    if (!rd) return NULL; /* the other threads take its share; one with nothing left fails the scan */
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->count) break;
        read_process(job, rd, i);
    }
    free(rd);
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
    /* Every record's head (and error names) is paid for up front: a process is never left out. */
    size_t heads = PAYLOAD_HEAD + job.count * (RECORD_HEAD + ERROR_NAMES);
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
    size_t records = 0, total = PAYLOAD_HEAD;
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

/* PROC_SCAN: who holds what, read from /proc with several threads; the client parses the records.
 * Any process may be asked about: /proc itself says what this user may see. The records go out as
 * they are, without one more copy of the whole reply. */
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
        if (result.records[i].length > 0) iov[n++] = (struct iovec){.iov_base = result.records[i].data, .iov_len = result.records[i].length};
    }
    send_reply_parts(rq->id, rq->op, iov, n, result.length);
    free(iov);
    proc_scan_free(&result);
}
