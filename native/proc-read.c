/* One process of the walk over /proc (see proc-scan.c for the walk, and why each file is read as it
 * is): its maps a piece at a time, its ns/ipc link, its descriptors of shared memory, its cmdline
 * head and, when the scan reads waits, its tasks (proc-tasks.c), into one record, each part paid
 * for from the reply's budget the threads share (at most PROCESS_MAX of it for one process: a
 * process past that is cut short and marked incomplete).
 * Nothing but /proc is opened; a descriptor's object is looked at with statx(AT_STATX_DONT_SYNC)
 * and kept only on tmpfs, hugetlbfs or mqueue (fs-kind.h), so no file system is waited on. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "proc-read.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "fs-kind.h"
#include "helper.h"
#include "proc-tasks.h"

#define DESCRIPTOR_HEAD 36u         /* fd, link mode, dev, ino, size, target and fdinfo lengths */
#define PROCESS_MAX (1024u * 1024u) /* bytes of the reply one process's record may take */
#define NO_MODE 0xffffffffu         /* the link could not be lstat'ed */
#define NO_FDINFO 0xffffu
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000u
#endif

bool bytes_reserve(struct scan_bytes *b, size_t more)
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

void bytes_append(struct scan_bytes *b, const void *src, size_t n)
{
    if (!bytes_reserve(b, n)) return;
    if (n) memcpy(b->data + b->length, src, n);
    b->length += n;
}

struct reader *reader_new(void)
{
    struct reader *rd = malloc(sizeof(struct reader));
    if (!rd) return NULL;
    rd->shared = (struct shared_ranges){0};
    rd->tasks = (struct scan_bytes){0};
    return rd;
}

void reader_free(struct reader *rd)
{
    if (!rd) return;
    free(rd->shared.range);
    free(rd->tasks.data);
    free(rd);
}

bool record_take(struct record *r, size_t n)
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
    if (record_take(r, n)) bytes_append(r->out, src, n);
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
/* Lines of what the scan lists: System V segments, /dev/shm files, memfds, anonymous shared memory
 * (MAP_SHARED | MAP_ANONYMOUS, shared over fork: the kernel names it "/dev/zero (deleted)"). */
static const char *const MAPS_NEEDLES[] = {"/SYSV", " /dev/shm/", " /memfd:", " /dev/zero (deleted)"};
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
    bool relevant;  /* a line of what the scan lists kept (the process holds something) */
};

static int hex_digit(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "start-end perms ...": the range, and whether perms end in 's' (a shared mapping). */
static bool line_range(const unsigned char *line, size_t length, uint64_t *start, uint64_t *end, bool *shared)
{
    size_t at = 0;
    uint64_t *values[2] = {start, end};
    for (int v = 0; v < 2; v++) {
        uint64_t value = 0;
        size_t digits = 0;
        int d;
        while (at < length && digits < 17 && (d = hex_digit(line[at])) >= 0) {
            value = value << 4 | (uint64_t)d;
            at++;
            digits++;
        }
        if (digits == 0 || digits > 16 || at >= length || line[at] != (v == 0 ? '-' : ' ')) return false;
        *values[v] = value;
        at++;
    }
    if (length - at < 4) return false;
    *shared = line[at + 3] == 's';
    return *start < *end;
}

/* Remembers the range of a kept shared mapping: a futex address in one is a lock in shared memory. */
static void note_shared(struct reader *rd, const unsigned char *line, size_t length)
{
    uint64_t start, end;
    bool shared;
    if (!line_range(line, length, &start, &end, &shared) || !shared) return;
    struct shared_ranges *s = &rd->shared;
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? 2 * s->capacity : 64;
        uint64_t(*grown)[2] = realloc(s->range, capacity * sizeof *grown);
        if (!grown) return; /* a futex there then counts as a wait on private memory */
        s->range = grown;
        s->capacity = capacity;
    }
    s->range[s->count][0] = start;
    s->range[s->count][1] = end;
    s->count++;
}

/* One line of maps, with its newline: kept in the record when it names what the scan lists, or
 * when the scan reads waits and it is any shared mapping (MAP_SHARED files hold locks too). */
static void maps_line(struct record *r, struct reader *rd, const unsigned char *line, size_t length, struct maps_result *m)
{
    for (size_t i = 0; i < NEEDLES; i++) {
        if (!contains(line, length, MAPS_NEEDLES[i])) continue;
        if (i == 0) m->sysv = true;
        else if (line_on_other_fs(r, line, length)) return;
        m->relevant = true;
        if (r->job->tasks) note_shared(rd, line, length);
        append_taken(r, line, length);
        return;
    }
    uint64_t start, end;
    bool shared;
    if (r->job->tasks && line_range(line, length, &start, &end, &shared) && shared) {
        note_shared(rd, line, length);
        append_taken(r, line, length);
    }
}

/* Reads PID/maps a chunk at a time into the record's maps lines. Returns 0 or the errno that
 * stopped it (then what was kept of it is thrown away by the caller). */
static int read_maps(struct record *r, struct reader *rd, struct maps_result *m)
{
    *m = (struct maps_result){0};
    rd->shared.count = 0;
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
                maps_line(r, rd, rd->line, carried, m);
                done = is_gate(rd->line, carried);
                carried = 0;
            }
        }
    }
    if (carried > 0) maps_line(r, rd, rd->line, carried, m); /* a last line without newline (none is) */
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
    unsigned mask = STATX_BASIC_STATS | STATX_MNT_ID;
    if (statx(fddir, name, AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, mask, sx) < 0) return false;
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
    if (!record_take(r, DESCRIPTOR_HEAD + target_length + info_length)) return;
    unsigned char head[DESCRIPTOR_HEAD];
    put_u32(head, (uint32_t)fd);
    put_u32(head + 4, mode);
    put_u64(head + 8, (uint64_t)makedev(sx.stx_dev_major, sx.stx_dev_minor));
    put_u64(head + 16, sx.stx_ino);
    put_u64(head + 24, sx.stx_size);
    put_u16(head + 32, (uint16_t)target_length);
    put_u16(head + 34, (uint16_t)(info ? info_length : NO_FDINFO));
    bytes_append(r->out, head, sizeof head);
    bytes_append(r->out, rd->target, target_length);
    bytes_append(r->out, rd->info, info_length);
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
    bytes_append(out, name, n);
    if (!out->error) out->data[at] = (unsigned char)n;
}

/* Reads one process into its record (left empty when it holds nothing and nothing failed). The
 * parts follow the 20-byte head in the order they are read: the maps error's name (and then
 * nothing else), the ns error's name, the maps lines, the ns link text, the descriptors, the fd
 * directory error's name, the cmdline head. */
void read_process(struct scan_job *job, struct reader *rd, size_t index)
{
    struct record r = {.job = job, .out = &job->records[index], .pid = job->pids[index]};
    struct scan_bytes *out = r.out;
    unsigned char head[RECORD_HEAD] = {0};
    put_u32(head, (uint32_t)r.pid);
    bytes_append(out, head, sizeof head);
    struct maps_result m;
    int maps_error = read_maps(&r, rd, &m);
    if (maps_error) { /* the record is its error alone, and its tasks when waits are read */
        give_back(&r);
        out->length = RECORD_HEAD;
        r.incomplete = false;
        put_error_name(out, 4, maps_error);
        if (job->tasks) {
            read_tasks(&r, rd, false);
            bytes_append(out, rd->tasks.data, rd->tasks.length);
            if (!out->error) out->data[7] = (unsigned char)(FLAG_TASKS | (r.incomplete ? FLAG_INCOMPLETE : 0));
        }
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
            if (bytes_reserve(out, n)) {
                memmove(out->data + RECORD_HEAD + n, out->data + RECORD_HEAD, maps_length);
                memcpy(out->data + RECORD_HEAD, name, n);
                out->length += n;
                out->data[5] = (unsigned char)n;
            }
        }
    }
    bool ns_kept = ns_length >= 0 && record_take(&r, (size_t)ns_length);
    if (ns_kept) bytes_append(out, ns, (size_t)ns_length);
    uint32_t descriptors = 0;
    int fd_error = append_descriptors(&r, rd, &descriptors);
    if (fd_error) put_error_name(out, 6, fd_error);
    /* The tasks are read into the reader's own buffer: the record has them after its cmdline, and
     * a process some thread of which waits is named like a holder. */
    uint32_t waits = job->tasks ? read_tasks(&r, rd, true) : 0;
    bool cmdline = false;
    size_t cmdline_start = out->length;
    if (!fd_error && job->cmdline_head > 0 && (m.relevant || descriptors > 0 || waits > 0) && !r.incomplete) {
        int fd = open_in(job->procfd, r.pid, "cmdline", 0);
        if (fd >= 0) {
            size_t most = job->cmdline_head < sizeof rd->info ? job->cmdline_head : sizeof rd->info;
            size_t n = read_head(fd, rd->info, most);
            close_quietly(fd);
            if (record_take(&r, n)) {
                bytes_append(out, rd->info, n);
                cmdline = true;
            }
        }
    }
    size_t cmdline_length = out->length - cmdline_start;
    if (job->tasks) bytes_append(out, rd->tasks.data, rd->tasks.length); /* paid for as it was read */
    if (out->error) return;
    /* Holds nothing: no record. With waits read every process has one (its threads' ids tell whose
     * thread a lock's owner is). */
    if (!job->tasks && !fd_error && !m.relevant && descriptors == 0 && !r.incomplete) {
        drop_record(&r);
        return;
    }
    unsigned char *p = out->data;
    p[7] = (unsigned char)((ns_kept ? FLAG_NS : 0) | (cmdline ? FLAG_CMDLINE : 0) |
                           (r.incomplete ? FLAG_INCOMPLETE : 0) | (job->tasks ? FLAG_TASKS : 0));
    put_u32(p + 8, (uint32_t)maps_length);
    put_u16(p + 12, (uint16_t)(ns_kept ? ns_length : 0));
    put_u16(p + 14, (uint16_t)(cmdline ? cmdline_length : 0));
    put_u32(p + 16, descriptors);
    /* Hand back what doubling left unused: many records are small, and all wait for the reply. */
    unsigned char *fitted = realloc(out->data, out->length);
    if (fitted) {
        out->data = fitted;
        out->capacity = out->length;
    }
}
