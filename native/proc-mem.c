/* Another process's memory, read-only (see proc-mem.h for why only where it is safe): the lookup of
 * a mapping in /proc/PID/maps, the check of where an address lies, the read through /proc/PID/mem,
 * and the two operations that read shared memory through a process that maps it:
 *
 *   PROC_MEM_DATA  which pages of a range are present in that process (/proc/PID/pagemap, bit 63)
 *   PROC_MEM_READ  the bytes of a range, every page of it present
 *
 * Both name the process and the object (device and inode): the range must lie in one shared mapping
 * of that very object, on shared memory (tmpfs, hugetlbfs, the kernel's internal one: System V
 * segments, memfds, anonymous shared memory). Every file is opened relative to the process's own
 * /proc/PID directory, opened first: if that process exits and another gets its pid, the files of
 * the new one cannot be reached through it (ESRCH), so maps, pagemap and mem are all of one process.
 * The mapping is looked up again after the read: bytes read while it changed are thrown away.
 *
 * Reading /proc/PID/mem needs ptrace rights over the process (PTRACE_MODE_ATTACH: the same user,
 * or root); /proc/PID/maps and pagemap need PTRACE_MODE_READ. Errors say which. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "proc-mem.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fs-kind.h"
#include "helper.h"

#define PAGEMAP_PRESENT (1ull << 63)
#define PAGEMAP_BATCH 512u /* pagemap entries read at a time */

static void close_quietly(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

/* ------------------------------------------------------------------------------------------------
 * maps.
 */

/* Reads 1 to 16 hex digits at *p (before end) into *v. */
static bool parse_hex(const char **p, const char *end, uint64_t *v)
{
    uint64_t value = 0;
    int digits = 0;
    while (*p < end && digits < 17) {
        char c = **p;
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else break;
        value = value << 4 | d;
        digits++;
        (*p)++;
    }
    *v = value;
    return digits > 0 && digits <= 16;
}

static bool parse_decimal(const char **p, const char *end, uint64_t *v)
{
    uint64_t value = 0;
    int digits = 0;
    while (*p < end && **p >= '0' && **p <= '9' && digits < 20) {
        value = value * 10 + (uint64_t)(**p - '0');
        digits++;
        (*p)++;
    }
    *v = value;
    return digits > 0 && digits < 20;
}

static bool expect(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c) return false;
    (*p)++;
    return true;
}

/* "start-end perms offset major:minor inode [path]": the fields the kernel prints, in its format. */
static bool parse_maps_line(const char *line, size_t length, struct mapping *m)
{
    const char *p = line, *end = line + length;
    uint64_t major, minor;
    if (!parse_hex(&p, end, &m->start) || !expect(&p, end, '-') || !parse_hex(&p, end, &m->end) ||
        !expect(&p, end, ' ') || end - p < 5)
        return false;
    memcpy(m->perms, p, 4);
    m->perms[4] = 0;
    p += 4;
    if (!expect(&p, end, ' ') || !parse_hex(&p, end, &m->pgoff) || !expect(&p, end, ' ') ||
        !parse_hex(&p, end, &major) || !expect(&p, end, ':') || !parse_hex(&p, end, &minor) ||
        !expect(&p, end, ' ') || !parse_decimal(&p, end, &m->ino) || major > UINT32_MAX || minor > UINT32_MAX)
        return false;
    m->major = (uint32_t)major;
    m->minor = (uint32_t)minor;
    m->anonymous = major == 0 && minor == 0 && m->ino == 0;
    return m->start < m->end;
}

int find_mapping(int dirfd, const char *maps_path, uint64_t address, uint64_t length, const struct maps_buffers *buf,
                 struct mapping *out)
{
    int fd = openat(dirfd, maps_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int result = ENOENT;
    size_t carried = 0;
    bool skipping = false, done = false;
    while (!done) {
        ssize_t n = read(fd, buf->chunk, buf->chunk_size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            result = errno;
            break;
        }
        if (n == 0) break;
        for (size_t at = 0; at < (size_t)n && !done;) {
            const unsigned char *newline = memchr(buf->chunk + at, '\n', (size_t)n - at);
            size_t stop = newline ? (size_t)(newline - buf->chunk) : (size_t)n;
            size_t piece = stop - at;
            if (skipping || carried + piece > buf->line_size) {
                skipping = !newline; /* a line longer than any the kernel prints: not ours */
                carried = 0;
            } else {
                memcpy(buf->line + carried, buf->chunk + at, piece);
                carried += piece;
            }
            at = stop + (newline ? 1 : 0);
            if (!newline) continue;
            struct mapping m;
            if (carried > 0 && parse_maps_line((const char *)buf->line, carried, &m)) {
                if (m.start > address) done = true; /* maps is in address order: nothing further contains it */
                else if (address < m.end && length <= m.end - address) {
                    *out = m;
                    result = 0;
                    done = true;
                }
            }
            carried = 0;
        }
    }
    close_quietly(fd);
    return result;
}

bool safe_to_read(const struct mapping *m, int pid, struct fs_cache *cache)
{
    if (m->anonymous) return true;
    struct fs_place place = {.mnt_id = 0, .major = m->major, .minor = m->minor};
    struct fs_type type;
    fs_type_of(&place, pid, cache, &type);
    return type.kind == FS_SHARED_MEMORY;
}

int read_process_memory(int dirfd, const char *mem_path, uint64_t address, void *to, size_t length)
{
    if (address > (uint64_t)INT64_MAX) return EFAULT; /* not an offset /proc/PID/mem takes */
    int fd = openat(dirfd, mem_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    size_t have = 0;
    int err = 0;
    while (have < length) {
        ssize_t n = pread(fd, (unsigned char *)to + have, length - have, (off_t)(address + have));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            err = errno;
            break;
        }
        if (n == 0) {
            err = EIO; /* the mapping went away under the read */
            break;
        }
        have += (size_t)n;
    }
    close_quietly(fd);
    return err;
}

/* ------------------------------------------------------------------------------------------------
 * PROC_MEM_DATA and PROC_MEM_READ. Their errors are worded first and sent once every descriptor is
 * closed (no hold of the reply: a read of 16 MiB is sent as it is, without another copy).
 */

struct mem_request {
    uint32_t pid;
    uint64_t address, length;
    uint32_t major, minor;
    uint64_t ino;
};

struct failure {
    int err;
    char message[512];
};

__attribute__((format(printf, 3, 4))) static void fail(struct failure *f, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    f->err = err;
}

static void parse_mem_request(const struct request *rq, struct mem_request *m)
{
    m->pid = get_u32(rq->args);
    m->address = get_u64(rq->args + 8);
    m->length = get_u64(rq->args + 16);
    m->major = get_u32(rq->args + 24);
    m->minor = get_u32(rq->args + 28);
    m->ino = get_u64(rq->args + 32);
}

static bool same_mapping(const struct mapping *a, const struct mapping *b)
{
    return a->start == b->start && a->end == b->end && a->pgoff == b->pgoff && a->major == b->major &&
           a->minor == b->minor && a->ino == b->ino && strcmp(a->perms, b->perms) == 0;
}

/* The checks both operations make before reading: arguments, the process, its mapping of the
 * object at that range, the file system. Returns the process's /proc directory, or -1 with *f set. */
static int open_checked(const struct request *rq, const struct mem_request *m, uint64_t max_length, const char *name,
                        struct mapping *found, const struct maps_buffers *buf, struct failure *f)
{
    if (get_u32(rq->args + 4) != 0) {
        fail(f, EINVAL, "%s: the reserved field must be 0", name);
        return -1;
    }
    if (m->pid == 0 || m->pid > INT32_MAX) {
        fail(f, EINVAL, "%s: pid %" PRIu32 " is not a process id", name, m->pid);
        return -1;
    }
    if (m->length == 0 || m->length > max_length) {
        fail(f, m->length == 0 ? EINVAL : E2BIG, "%s takes 1 to %" PRIu64 " bytes, got %" PRIu64, name, max_length, m->length);
        return -1;
    }
    if (m->address > UINT64_MAX - m->length) {
        fail(f, EINVAL, "%s: address 0x%" PRIx64 " + %" PRIu64 " bytes wraps around", name, m->address, m->length);
        return -1;
    }
    char path[32];
    snprintf(path, sizeof path, "/proc/%" PRIu32, m->pid);
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        fail(f, errno == ENOENT ? ESRCH : errno, "process %" PRIu32 " is gone", m->pid);
        return -1;
    }
    int err = find_mapping(dir, "maps", m->address, m->length, buf, found);
    if (err == EACCES || err == EPERM) {
        fail(f, err, "may not read the mappings of process %" PRIu32 " (another user's: only its user or root may)", m->pid);
    } else if (err == ENOENT) {
        fail(f, ESTALE, "process %" PRIu32 " maps nothing at 0x%" PRIx64 "..0x%" PRIx64
             " in one piece (unmapped since, or another process has that pid now)", m->pid, m->address,
             m->address + m->length);
    } else if (err == ESRCH) {
        fail(f, ESRCH, "process %" PRIu32 " is gone", m->pid);
    } else if (err) {
        fail(f, err, "reading the mappings of process %" PRIu32 " failed: %s", m->pid, strerror(err));
    } else if (found->perms[3] != 's' || found->major != m->major || found->minor != m->minor || found->ino != m->ino) {
        fail(f, ESTALE, "what process %" PRIu32 " maps at 0x%" PRIx64 " is not the shared object %" PRIu32 ":%" PRIu32
             ":%" PRIu64 " (it maps %s %" PRIu32 ":%" PRIu32 ":%" PRIu64 ")", m->pid, m->address, m->major, m->minor, m->ino,
             found->perms, found->major, found->minor, found->ino);
    } else {
        struct fs_place place = {.mnt_id = 0, .major = found->major, .minor = found->minor};
        struct fs_type type;
        fs_type_of(&place, (int)m->pid, NULL, &type);
        if (type.kind == FS_SHARED_MEMORY) return dir;
        fail(f, EINVAL, "the object %" PRIu32 ":%" PRIu32 ":%" PRIu64 " is on %s, not shared memory: not read", m->major,
             m->minor, m->ino, type.name[0] ? type.name : "a file system that could not be told");
    }
    close_quietly(dir);
    return -1;
}

/* Sets bit i of `bitmap` for each present page of [first, first + count) of the process. Returns 0
 * or an errno (EACCES/EPERM: pagemap is not ours to read). */
static int present_pages(int dir, uint64_t first, uint64_t count, unsigned char *bitmap)
{
    int fd = openat(dir, "pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    uint64_t entries[PAGEMAP_BATCH];
    int err = 0;
    for (uint64_t done = 0; done < count;) {
        uint64_t want = count - done < PAGEMAP_BATCH ? count - done : PAGEMAP_BATCH;
        ssize_t n = pread(fd, entries, (size_t)want * 8, (off_t)((first + done) * 8));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || n % 8 != 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        for (uint64_t i = 0; i < (uint64_t)n / 8; i++) {
            if (entries[i] & PAGEMAP_PRESENT) bitmap[(done + i) / 8] |= (unsigned char)(1u << ((done + i) % 8));
        }
        done += (uint64_t)n / 8;
    }
    close_quietly(fd);
    return err;
}

static void pagemap_failure(struct failure *f, uint32_t pid, int err)
{
    if (err == EACCES || err == EPERM) {
        fail(f, err, "may not read which pages of process %" PRIu32 " are in memory (another user's: only its user or root may)",
             pid);
    } else {
        fail(f, err, "reading /proc/%" PRIu32 "/pagemap failed: %s", pid, strerror(err));
    }
}

static unsigned char maps_chunk[64 * 1024];
static unsigned char maps_line[8 * 1024];
static const struct maps_buffers op_buffers = {maps_chunk, sizeof maps_chunk, maps_line, sizeof maps_line};

/* PROC_MEM_DATA: which pages of [address, address + length) are present in process pid, where it
 * maps the shared object (device, inode). The reply is laid out as SHM_RESIDENCY's, firstPage being
 * address / pageSize. */
void op_proc_mem_data(const struct request *rq)
{
    struct mem_request m;
    parse_mem_request(rq, &m);
    struct mapping found;
    struct failure f = {0};
    int dir = open_checked(rq, &m, (uint64_t)MAX_READ * 8 * page_size, "PROC_MEM_DATA", &found, &op_buffers, &f);
    if (dir < 0) {
        reply_error(rq, f.err, "%s", f.message);
        return;
    }
    uint64_t first = m.address / page_size;
    uint64_t count = (m.address + m.length - 1) / page_size - first + 1;
    size_t bitmap_length = (size_t)((count + 7) / 8);
    unsigned char *reply = calloc(1, 16 + bitmap_length);
    int err = reply ? present_pages(dir, first, count, reply + 16) : ENOMEM;
    close_quietly(dir);
    if (err == ENOMEM) {
        reply_error(rq, ENOMEM, "no memory for a bitmap of %" PRIu64 " pages", count);
    } else if (err) {
        pagemap_failure(&f, m.pid, err);
        reply_error(rq, f.err, "%s", f.message);
    } else {
        put_u64(reply, first);
        put_u32(reply + 8, (uint32_t)count);
        put_u32(reply + 12, (uint32_t)page_size);
        reply_ok(rq, reply, 16 + bitmap_length);
    }
    free(reply);
}

/* PROC_MEM_READ: the bytes of [address, address + length) of process pid, where it maps the shared
 * object (device, inode), every page of it present in that process (EFAULT otherwise: reading it
 * would fault it in, or allocate it). The mapping is looked up again after the read. */
void op_proc_mem_read(const struct request *rq)
{
    struct mem_request m;
    parse_mem_request(rq, &m);
    struct mapping found;
    struct failure f = {0};
    int dir = open_checked(rq, &m, MAX_READ, "PROC_MEM_READ", &found, &op_buffers, &f);
    if (dir < 0) {
        reply_error(rq, f.err, "%s", f.message);
        return;
    }
    uint64_t first = m.address / page_size;
    uint64_t count = (m.address + m.length - 1) / page_size - first + 1;
    unsigned char *bytes = malloc((size_t)m.length);
    unsigned char *bitmap = calloc(1, (size_t)((count + 7) / 8));
    int err = bytes && bitmap ? present_pages(dir, first, count, bitmap) : ENOMEM;
    uint64_t missing = count;
    for (uint64_t i = 0; !err && i < count && missing == count; i++) {
        if (!(bitmap[i / 8] & (1u << (i % 8)))) missing = i;
    }
    struct mapping again;
    if (err == ENOMEM) {
        fail(&f, ENOMEM, "no memory for %" PRIu64 " bytes", m.length);
    } else if (err) {
        pagemap_failure(&f, m.pid, err);
    } else if (missing < count) {
        fail(&f, EFAULT, "the page at 0x%" PRIx64 " is not in the memory of process %" PRIu32
             ": not read (reading it would fault it in, or allocate it)", (first + missing) * page_size, m.pid);
    } else if ((err = read_process_memory(dir, "mem", m.address, bytes, (size_t)m.length)) != 0) {
        if (err == EACCES || err == EPERM) {
            fail(&f, err, "reading the memory of process %" PRIu32 " needs ptrace rights over it (its own user, or root)",
                 m.pid);
        } else {
            fail(&f, err, "reading the memory of process %" PRIu32 " at 0x%" PRIx64 " failed: %s", m.pid, m.address,
                 strerror(err));
        }
    } else if (find_mapping(dir, "maps", m.address, m.length, &op_buffers, &again) != 0 || !same_mapping(&found, &again)) {
        fail(&f, ESTALE, "process %" PRIu32 " changed its mapping at 0x%" PRIx64 " while it was read: not used", m.pid,
             m.address);
    }
    close_quietly(dir);
    if (f.err) reply_error(rq, f.err, "%s", f.message);
    else reply_ok(rq, bytes, (size_t)m.length);
    free(bytes);
    free(bitmap);
}
