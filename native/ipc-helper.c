/*
 * ipc-helper: the native half of IPC Inspector. A long-lived process that reads framed requests on
 * stdin and writes framed replies on stdout, as specified in native/PROTOCOL.md (version 3).
 *
 * Why a separate process: reading shared memory means dereferencing a mapping, and a bug there
 * (or a segment that changes under us) is a SIGSEGV. Here it kills only this helper, which the
 * extension restarts, not the editor's extension host.
 *
 * Rules this file keeps, so a reviewer can check them by grep:
 *   - Read-only by construction: every shmat() passes SHM_RDONLY (see attach_readonly(), the only
 *     caller of shmat) and no code writes through a mapping; mappings are `const` everywhere.
 *   - Every byte copied out of a mapping is bounds-checked against IPC_STAT's shm_segsz of the
 *     segment we are attached to, with overflow-safe comparisons (range_ok()).
 *   - Reading never allocates pages on its own initiative: RESIDENCY uses mincore() only.
 *   - Files (POSIX shared memory objects, /dev/shm) are never mapped: there is no mmap() in this
 *     file. They are read with pread() on an O_RDONLY descriptor (a read through a mapping would
 *     allocate a page for every hole it touches; pread does not), their holes are found with
 *     lseek(SEEK_DATA/SEEK_HOLE) (mincore lies about files a caller does not own), and every
 *     file path goes through parse_ipc_path() and every read open through open_for_reading().
 *   - No file descriptor outlives the request that opened it (a kept descriptor would keep an
 *     unlinked object alive), and every file operation checks the object's identity (device,
 *     inode) against the one the client named, because a name can be reused by another object.
 *   - Semaphores and message queues are looked at, never operated: there is no semop() in this
 *     file, the only value write is SETALL on a set SEM_CREATE made a moment before (part of
 *     creating it), every msgrcv() passes MSG_COPY (a copy by index: nothing is consumed; see
 *     msg_copy(), the only caller), and there is no msgsnd(), mq_send() or mq_receive(). POSIX
 *     queues are opened O_RDONLY | O_NONBLOCK for their attributes only.
 *   - It refuses to run set-user-id, set-group-id or with AT_SECURE (main()): a helper that reads
 *     other users' memory must not be a privilege an unprivileged caller can borrow.
 *
 * Build: native/build.js (-Wall -Wextra -Werror -Wshadow -Wconversion; also -static and ASan+UBSan).
 */
#define _GNU_SOURCE
/* 64-bit file offsets and times on 32-bit machines too (armhf): a /dev/shm object can pass 2 GiB,
 * and a time past 2038 must not wrap. Both are no-ops on 64-bit machines. */
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mqueue.h>
#include <sys/auxv.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>
#include "proc-scan.h"
#include "wire.h"

#define HELPER_VERSION "ipc-helper 0.5.0"
#define PROTOCOL_VERSION 5u

#define MAX_REQUEST_BODY 4096u        /* bodyLength of a request: 8 .. 4096 */
#define MIN_REQUEST_BODY 8u
#define MAX_READ (16u * 1024u * 1024u) /* READ length limit; RESIDENCY covers at most MAX_READ * 8 pages */
#define REPLY_HEADER 12u
#define STAT_BYTES 80u
#define LIMITS_BYTES 72u
#define FILE_STAT_BYTES 72u
#define MAX_PATH 4000u                 /* path argument of the file operations: 1 .. 4000 bytes */
#define MAX_NAME 255u                  /* NAME in /dev/shm/NAME (NAME_MAX) */
#define KEEP 0xffffffffu               /* SET: keep the current uid / gid / mode */
#define KEEP64 0xffffffffffffffffull   /* MSG_SET: keep the current qbytes */
#define SEM_STAT_BYTES 48u
#define SEM_VALUE_BYTES 16u            /* per semaphore in SEM_VALUES: value, pid, ncnt, zcnt */
#define SEM_CREATE_FIXED 16u           /* SEM_CREATE's fixed arguments, before the optional u16 values */
#define SEMVMX_VALUE 32767u            /* the largest semaphore value (SEMVMX) */
#define MSG_STAT_BYTES 88u
#define MQ_ATTR_BYTES 32u
#define MAX_PEEK_COUNT 1000u           /* MSG_PEEK: messages per request */
#define MAX_PREVIEW 4096u              /* MSG_PEEK: preview bytes per message */
#define MAX_COPY_BUFFER (256u * 1024u * 1024u) /* largest message copy buffer the helper allocates */
#ifndef MSG_COPY
#define MSG_COPY 040000                /* msgrcv: copy the message at an index, leave it queued */
#endif
#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#define CACHE_SLOTS 64                      /* read attachments kept at most (LRU beyond that) */
#define CACHE_IDLE_NS 2000000000ull         /* a read attachment unused this long is dropped */
#define CACHE_CHECK_NS 250000000ull         /* how often cached segments are checked for SHM_DEST */
#define MAX_HELD_SEGMENTS 4096              /* distinct segments with holds (shmmni's default) */

#define EXIT_PROTOCOL 2 /* framing error or truncated input: the stream cannot be trusted */
#define EXIT_OUTPUT 1   /* stdout is gone: nobody is listening any more */

enum op {
    OP_HELLO = 1,
    OP_STAT = 2,
    OP_READ = 3,
    OP_RESIDENCY = 4,
    OP_ATTACH = 5,
    OP_DETACH = 6,
    OP_CREATE = 7,
    OP_REMOVE = 8,
    OP_REMOVE_IF_UNATTACHED = 9,
    OP_SET = 10,
    OP_LOCK = 11,
    OP_UNLOCK = 12,
    OP_LIMITS = 13,
    OP_FILE_STAT = 14,
    OP_FILE_READ = 15,
    OP_FILE_DATA = 16,
    OP_FILE_CREATE = 17,
    OP_FILE_UNLINK = 18,
    OP_FILE_SET = 19,
    OP_SEM_STAT = 20,
    OP_SEM_VALUES = 21,
    OP_SEM_CREATE = 22,
    OP_SEM_REMOVE = 23,
    OP_SEM_SET = 24,
    OP_MSG_STAT = 25,
    OP_MSG_PEEK = 26,
    OP_MSG_READ = 27,
    OP_MSG_CREATE = 28,
    OP_MSG_REMOVE = 29,
    OP_MSG_SET = 30,
    OP_MQ_ATTR = 31,
    OP_MQ_CREATE = 32,
    OP_MQ_UNLINK = 33,
    OP_NS_ENTER = 34,
    OP_TABLE = 35,
    OP_PROC_SCAN = 36,
    OP_COUNT
};

struct request {
    uint32_t id;
    uint16_t op;
    uint16_t flags;
    const unsigned char *args; /* points into the input buffer; valid until the next frame is read */
    uint32_t arglen;
    const char *path; /* ops with a path: a NUL-terminated copy of it (may hold NULs: see pathlen) */
    uint32_t pathlen;
};

static size_t page_size;

/* ------------------------------------------------------------------------------------------------
 * Output. One writev() per reply: header plus payload pieces, the payload of a READ taken straight
 * from the mapping, so 16 MiB go from shared memory into the pipe with a single copy.
 */

static void release_all(void);

static void wait_writable(void)
{
    struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
}

/* Writes every byte of iov[0..n), or exits: a reply that cannot be delivered leaves the client with
 * a torn stream, so there is nothing sensible left to do. */
static void write_all(struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t done = writev(STDOUT_FILENO, iov, n);
        if (done < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) { /* stdout was left non-blocking by whoever made the pipe */
                wait_writable();
                continue;
            }
            release_all();
            exit(EXIT_OUTPUT);
        }
        size_t left = (size_t)done;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
}

/* Sends a reply whose payload is a followed by b (either may be empty). */
static void send_reply(uint32_t id, uint16_t op, uint16_t status, const void *a, size_t alen, const void *b,
                       size_t blen)
{
    unsigned char header[REPLY_HEADER];
    put_u32(header, (uint32_t)(8 + alen + blen)); /* callers keep payloads <= 16 MiB + 16 */
    put_u32(header + 4, id);
    put_u16(header + 8, op);
    put_u16(header + 10, status);
    struct iovec iov[3] = {
        {.iov_base = header, .iov_len = sizeof header},
        {.iov_base = (void *)a, .iov_len = alen},
        {.iov_base = (void *)b, .iov_len = blen},
    };
    write_all(iov, 3);
}

static void reply_ok(const struct request *rq, const void *payload, size_t len)
{
    send_reply(rq->id, rq->op, 0, payload, len, NULL, 0);
}

/* Error reply: u8 nameLength, the errno name, then a human message. */
static void send_error(uint32_t id, uint16_t op, int err, const char *fmt, va_list ap)
{
    char fallback[16];
    const char *name = errno_name(err, fallback, sizeof fallback);
    unsigned char payload[1 + 32 + 512];
    size_t name_len = strlen(name);
    payload[0] = (unsigned char)name_len;
    memcpy(payload + 1, name, name_len);
    char *message = (char *)payload + 1 + name_len;
    size_t room = sizeof payload - 1 - name_len;
    int n = vsnprintf(message, room, fmt, ap);
    size_t message_len = n < 0 ? 0 : (size_t)n >= room ? room - 1 : (size_t)n;
    send_reply(id, op, (uint16_t)err, payload, 1 + name_len + message_len, NULL, 0);
}

__attribute__((format(printf, 3, 4))) static void reply_error(const struct request *rq, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_error(rq->id, rq->op, err, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------------------------------
 * Time.
 */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------------------------------
 * Attaching. The one place that calls shmat(), always with SHM_RDONLY.
 */

static const unsigned char *attach_readonly(int shmid)
{
    void *base = shmat(shmid, NULL, SHM_RDONLY);
    return base == (void *)-1 ? NULL : (const unsigned char *)base;
}

static void detach(const unsigned char *base)
{
    shmdt(base);
}

/* ------------------------------------------------------------------------------------------------
 * Read attachment cache. Attaching costs two syscalls and changes the segment's lpid/atime, so a
 * hex view refreshing at 10 Hz should not attach ten times a second. An entry is reused while
 * IPC_STAT shows the same size, ctime, mode, uid, gid and cuid and no SHM_DEST (ctime has a
 * resolution of one second, so an IPC_SET within the second of the attach leaves it unchanged:
 * the permission fields themselves are compared too); it is dropped when idle for 2 s, when any
 * of those changed, when the segment is marked SHM_DEST (our attachment must never be what keeps
 * a removed segment alive; checked every 250 ms, see cache_maintain()) and before REMOVE /
 * REMOVE_IF_UNATTACHED. At most CACHE_SLOTS entries.
 */

struct cached_map {
    bool used;
    int shmid;
    const unsigned char *base;
    uint64_t size;  /* shm_segsz of the attached segment */
    int64_t ctime;  /* shm_ctime when attached */
    uint32_t mode;  /* shm_perm.mode without SHM_DEST, when attached */
    uint32_t uid, gid, cuid;
    uint64_t last_used_ns;
};

/* Whether IPC_STAT's *ds still describes the segment as it was when entry e attached it. */
static bool cache_unchanged(const struct cached_map *e, const struct shmid_ds *ds)
{
    return e->size == ds->shm_segsz && e->ctime == (int64_t)ds->shm_ctime &&
           e->mode == (ds->shm_perm.mode & ~(uint32_t)SHM_DEST) && e->uid == ds->shm_perm.uid &&
           e->gid == ds->shm_perm.gid && e->cuid == ds->shm_perm.cuid;
}

static struct cached_map cache[CACHE_SLOTS];

static struct cached_map *cache_find(int shmid)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].used && cache[i].shmid == shmid) return &cache[i];
    }
    return NULL;
}

static void cache_drop(struct cached_map *e)
{
    detach(e->base);
    e->used = false;
}

static void cache_drop_id(int shmid)
{
    struct cached_map *e = cache_find(shmid);
    if (e) cache_drop(e);
}

/* A free slot, evicting the least recently used entry when all are taken. */
static struct cached_map *cache_slot(void)
{
    struct cached_map *oldest = &cache[0];
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!cache[i].used) return &cache[i];
        if (cache[i].last_used_ns < oldest->last_used_ns) oldest = &cache[i];
    }
    cache_drop(oldest);
    return oldest;
}

static uint64_t next_check_ns;

/* Drops entries idle for CACHE_IDLE_NS and, every CACHE_CHECK_NS, those whose segment was marked
 * SHM_DEST or changed (ctime) by someone else meanwhile: a segment removed with `ipcrm` while we
 * had it cached goes away within a quarter second, not when we next happen to read it. */
static void cache_maintain(uint64_t now)
{
    bool check = now >= next_check_ns;
    if (check) next_check_ns = now + CACHE_CHECK_NS;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        struct cached_map *e = &cache[i];
        if (!e->used) continue;
        if (now - e->last_used_ns >= CACHE_IDLE_NS) {
            cache_drop(e);
            continue;
        }
        struct shmid_ds ds;
        if (check && (shmctl(e->shmid, IPC_STAT, &ds) < 0 || (ds.shm_perm.mode & SHM_DEST) != 0 ||
                      !cache_unchanged(e, &ds))) {
            cache_drop(e);
        }
    }
}

/* Milliseconds until cache_maintain() has something to do, or -1 (wait forever) when nothing is
 * cached. */
static int cache_timeout_ms(uint64_t now)
{
    uint64_t soonest = UINT64_MAX;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!cache[i].used) continue;
        uint64_t age = now - cache[i].last_used_ns;
        uint64_t left = age >= CACHE_IDLE_NS ? 0 : CACHE_IDLE_NS - age;
        if (left < soonest) soonest = left;
    }
    if (soonest == UINT64_MAX) return -1;
    uint64_t to_check = next_check_ns > now ? next_check_ns - now : 0;
    if (to_check < soonest) soonest = to_check;
    return (int)((soonest + 999999) / 1000000);
}

/* ------------------------------------------------------------------------------------------------
 * Holds: attachments the client keeps on purpose (ATTACH / DETACH). One real attachment per
 * segment with a count, so nattch goes up by one however many windows hold it.
 */

struct hold {
    int shmid;
    uint32_t count;
    const unsigned char *base;
    uint64_t size;
};

static struct hold *holds;
static size_t hold_count, hold_capacity;

static struct hold *hold_find(int shmid)
{
    for (size_t i = 0; i < hold_count; i++) {
        if (holds[i].shmid == shmid) return &holds[i];
    }
    return NULL;
}

static struct hold *hold_add(void)
{
    if (hold_count == hold_capacity) {
        size_t capacity = hold_capacity ? hold_capacity * 2 : 16;
        struct hold *grown = realloc(holds, capacity * sizeof *grown);
        if (!grown) return NULL;
        holds = grown;
        hold_capacity = capacity;
    }
    return &holds[hold_count++];
}

static void hold_remove(struct hold *h)
{
    detach(h->base);
    *h = holds[--hold_count];
}

/* Everything this process holds goes away at exit anyway; doing it explicitly keeps the segments'
 * dtime/lpid honest and LeakSanitizer quiet. */
static void release_all(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].used) cache_drop(&cache[i]);
    }
    while (hold_count > 0) hold_remove(&holds[hold_count - 1]);
    free(holds);
    holds = NULL;
    hold_capacity = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Error messages that say what happened to which segment and what the user can do.
 */

struct action {
    const char *gerund; /* "reading" */
    const char *verb;   /* "read" */
};

/* A segment's line of /proc/sysvipc/shm as a shmid_ds. Every user can read that file, even for
 * segments whose IPC_STAT they are denied, so it serves error messages and the operations that
 * the kernel checks by ownership rather than by read permission (IPC_SET, IPC_RMID). */
static bool proc_stat(int shmid, struct shmid_ds *ds)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    if (!f) return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        int key, id, cpid, lpid;
        unsigned mode, uid, gid, cuid, cgid;
        unsigned long long size, nattch;
        long long atime, dtime, ctime;
        if (sscanf(line, "%d %d %o %llu %d %d %llu %u %u %u %u %lld %lld %lld", &key, &id, &mode, &size, &cpid, &lpid,
                   &nattch, &uid, &gid, &cuid, &cgid, &atime, &dtime, &ctime) != 14 || id != shmid) {
            continue;
        }
        memset(ds, 0, sizeof *ds);
        ds->shm_perm.__key = key;
        ds->shm_perm.mode = (unsigned short)mode;
        ds->shm_perm.uid = uid;
        ds->shm_perm.gid = gid;
        ds->shm_perm.cuid = cuid;
        ds->shm_perm.cgid = cgid;
        ds->shm_segsz = (size_t)size;
        ds->shm_cpid = cpid;
        ds->shm_lpid = lpid;
        ds->shm_nattch = (shmatt_t)nattch;
        ds->shm_atime = (time_t)atime;
        ds->shm_dtime = (time_t)dtime;
        ds->shm_ctime = (time_t)ctime;
        found = true;
    }
    fclose(f);
    return found;
}

static void reply_access_denied(const struct request *rq, int shmid, const struct action *act)
{
    struct shmid_ds o;
    uid_t me = geteuid();
    if (proc_stat(shmid, &o)) {
        bool mine = o.shm_perm.uid == me || o.shm_perm.cuid == me;
        reply_error(rq, EACCES,
                    "permission denied %s segment %d (mode %04o, owner uid %u, group gid %u; this helper runs as "
                    "uid %u): %s",
                    act->gerund, shmid, o.shm_perm.mode & 0777u, o.shm_perm.uid, o.shm_perm.gid, (unsigned)me,
                    mine ? "you own it, so Change Permissions can give you read access back"
                         : "its owner can grant access with Change Permissions, or run as root");
    } else {
        reply_error(rq, EACCES, "permission denied %s segment %d (this helper runs as uid %u)", act->gerund, shmid,
                    (unsigned)geteuid());
    }
}

static void reply_not_permitted(const struct request *rq, int shmid, const struct action *act)
{
    struct shmid_ds o;
    bool lock = rq->op == OP_LOCK || rq->op == OP_UNLOCK;
    const char *who = lock ? "the owner or creator (with a non-zero RLIMIT_MEMLOCK) or a process with CAP_IPC_LOCK"
                           : "the owner, the creator or root (CAP_SYS_ADMIN)";
    if (proc_stat(shmid, &o)) {
        reply_error(rq, EPERM,
                    "operation not permitted %s segment %d: it is owned by uid %u (created by uid %u) and this "
                    "helper runs as uid %u; only %s may %s it",
                    act->gerund, shmid, o.shm_perm.uid, o.shm_perm.cuid, (unsigned)geteuid(), who, act->verb);
    } else {
        reply_error(rq, EPERM, "operation not permitted %s segment %d: only %s may %s it", act->gerund, shmid, who,
                    act->verb);
    }
}

/* Replies to a failed shmctl/shmat on an existing-or-not segment, errno in err. */
static void reply_shm_error(const struct request *rq, int err, int shmid, const struct action *act)
{
    switch (err) {
    case EINVAL:
        reply_error(rq, EINVAL, "no segment with id %d (it was removed, or the id is wrong)", shmid);
        break;
    case EIDRM:
        reply_error(rq, EIDRM, "segment %d was removed while %s it", shmid, act->gerund);
        break;
    case EACCES:
        reply_access_denied(rq, shmid, act);
        break;
    case EPERM:
        reply_not_permitted(rq, shmid, act);
        break;
    case ENOMEM:
        if (rq->op == OP_LOCK) {
            reply_error(rq, ENOMEM, "locking segment %d would exceed this process's RLIMIT_MEMLOCK", shmid);
        } else {
            reply_error(rq, ENOMEM, "not enough memory or address space %s segment %d", act->gerund, shmid);
        }
        break;
    default:
        reply_error(rq, err, "%s segment %d failed: %s", act->gerund, shmid, strerror(err));
        break;
    }
}

/* IPC_STAT, replying with an error when it fails. */
static bool stat_or_reply(const struct request *rq, int shmid, struct shmid_ds *ds, const struct action *act)
{
    if (shmctl(shmid, IPC_STAT, ds) == 0) return true;
    reply_shm_error(rq, errno, shmid, act);
    return false;
}

/* For operations the kernel checks by ownership, not read permission (IPC_SET, IPC_RMID): an owner
 * who took away their own read bit must still be able to restore it or remove the segment. When
 * IPC_STAT is denied, the same numbers come from /proc/sysvipc/shm; the kernel then decides. */
static bool stat_for_owner_or_reply(const struct request *rq, int shmid, struct shmid_ds *ds,
                                    const struct action *act)
{
    if (shmctl(shmid, IPC_STAT, ds) == 0) return true;
    int err = errno;
    if (err == EACCES && proc_stat(shmid, ds)) return true;
    reply_shm_error(rq, err, shmid, act);
    return false;
}

/* ------------------------------------------------------------------------------------------------
 * Views: a mapping to copy from, valid until view_close(). Taken from a hold, from the cache, or
 * attached now; `temporary` ones (segments marked SHM_DEST) are detached right after use.
 */

struct view {
    const unsigned char *base;
    uint64_t size; /* shm_segsz of the segment this mapping belongs to */
    bool temporary;
};

/* offset + length <= size, without computing offset + length (which may wrap). */
static bool range_ok(uint64_t offset, uint64_t length, uint64_t size)
{
    return offset <= size && length <= size - offset;
}

/* Opens a view of shmid whose IPC_STAT (taken just before, by shmid) is *ds. Returns 0 or an errno.
 * *ds is replaced by an IPC_STAT taken while attached when a fresh attachment is made: only then
 * is it certain the numbers describe the very segment behind the mapping. */
static int view_open(int shmid, struct shmid_ds *ds, struct view *v)
{
    bool dest = (ds->shm_perm.mode & SHM_DEST) != 0;
    struct hold *h = hold_find(shmid);
    if (h) { /* a hold is attached on purpose and cannot change identity while attached */
        *v = (struct view){.base = h->base, .size = h->size, .temporary = false};
        return 0;
    }
    struct cached_map *e = cache_find(shmid);
    if (e && e->size == ds->shm_segsz && (dest || cache_unchanged(e, ds))) {
        /* Same segment. A DEST one is used this once and then let go. */
        *v = (struct view){.base = e->base, .size = e->size, .temporary = dest};
        if (dest) e->used = false; /* ownership of the attachment moves to the view */
        else e->last_used_ns = now_ns();
        return 0;
    }
    if (e) cache_drop(e); /* changed since we attached: start over */

    const unsigned char *base = attach_readonly(shmid);
    if (!base) return errno;
    if (shmctl(shmid, IPC_STAT, ds) < 0) {
        int err = errno;
        detach(base);
        return err;
    }
    *v = (struct view){.base = base, .size = ds->shm_segsz, .temporary = (ds->shm_perm.mode & SHM_DEST) != 0};
    if (!v->temporary) {
        struct cached_map *slot = cache_slot();
        *slot = (struct cached_map){.used = true, .shmid = shmid, .base = base, .size = ds->shm_segsz,
                                    .ctime = (int64_t)ds->shm_ctime,
                                    .mode = ds->shm_perm.mode & ~(uint32_t)SHM_DEST, .uid = ds->shm_perm.uid,
                                    .gid = ds->shm_perm.gid, .cuid = ds->shm_perm.cuid, .last_used_ns = now_ns()};
    }
    return 0;
}

/* Idempotent: a temporary view is let go of before a reply is sent (see op_read), and again at the end. */
static void view_close(struct view *v)
{
    if (v->temporary && v->base) detach(v->base);
    v->base = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Operations.
 */

static void encode_stat(unsigned char *p, int shmid, const struct shmid_ds *ds)
{
    memset(p, 0, STAT_BYTES);
    put_i32(p + 0, ds->shm_perm.__key);
    put_i32(p + 4, shmid);
    put_u32(p + 8, ds->shm_perm.mode); /* includes SHM_DEST and SHM_LOCKED */
    put_u32(p + 12, ds->shm_perm.uid);
    put_u32(p + 16, ds->shm_perm.gid);
    put_u32(p + 20, ds->shm_perm.cuid);
    put_u32(p + 24, ds->shm_perm.cgid);
    put_i32(p + 28, ds->shm_cpid);
    put_i32(p + 32, ds->shm_lpid);
    put_u32(p + 36, cache_find(shmid) ? 1u : 0u); /* our own read attachment is part of nattch */
    put_u64(p + 40, ds->shm_segsz);
    put_u64(p + 48, ds->shm_nattch);
    put_i64(p + 56, (int64_t)ds->shm_atime);
    put_i64(p + 64, (int64_t)ds->shm_dtime);
    put_i64(p + 72, (int64_t)ds->shm_ctime);
}

static void reply_stat(const struct request *rq, int shmid, const struct shmid_ds *ds)
{
    unsigned char record[STAT_BYTES];
    encode_stat(record, shmid, ds);
    reply_ok(rq, record, sizeof record);
}

static void op_hello(const struct request *rq)
{
    unsigned char payload[16 + sizeof HELPER_VERSION - 1];
    put_u32(payload, PROTOCOL_VERSION);
    put_u32(payload + 4, (uint32_t)page_size);
    put_u32(payload + 8, (uint32_t)geteuid());
    put_u32(payload + 12, MAX_READ);
    memcpy(payload + 16, HELPER_VERSION, sizeof HELPER_VERSION - 1);
    reply_ok(rq, payload, sizeof payload); /* clientVersion is informative: the client checks ours */
}

static void op_stat(const struct request *rq)
{
    static const struct action act = {"reading the status of", "read the status of"};
    int shmid = get_i32(rq->args);
    struct shmid_ds ds;
    if (!stat_or_reply(rq, shmid, &ds, &act)) return;
    /* A removed segment must not be kept alive, nor look attached, by our own read cache: let go
     * first, then ask again (it may be gone now, which is the true answer). */
    if ((ds.shm_perm.mode & SHM_DEST) != 0 && cache_find(shmid)) {
        cache_drop_id(shmid);
        if (!stat_or_reply(rq, shmid, &ds, &act)) return;
    }
    reply_stat(rq, shmid, &ds);
}

/* Faults in the pages of [p, p + len) of a mapping the way the copy into the pipe will, but where
 * a page cannot be had reports it instead of leaving writev() to fail in the middle of a reply
 * whose header already went out (a torn stream, and the helper would have to exit). The case:
 * a SHM_HUGETLB segment made with SHM_NORESERVE while no huge pages are free: shmget succeeds,
 * and the first touch of a page finds none (EFAULT from a system call, SIGBUS from a plain load).
 * MADV_POPULATE_READ (Linux 5.14) does exactly the read faults and nothing else; on older kernels
 * process_vm_readv() on ourselves copies one byte per page, which faults the same way and reports
 * EFAULT too. Reading a never-touched page of an ordinary segment allocates it here as the copy
 * would have: no new side effect. Returns 0 or an errno. */
static int prefault(const unsigned char *p, size_t len)
{
    uintptr_t start = (uintptr_t)p & ~(uintptr_t)(page_size - 1);
    size_t span = (size_t)((uintptr_t)p + len - start);
    for (int attempt = 0; attempt < 8; attempt++) {
        if (madvise((void *)start, span, MADV_POPULATE_READ) == 0) return 0;
        if (errno == EINTR || errno == EAGAIN) continue;
        if (errno != EINVAL) return errno;
        break; /* no MADV_POPULATE_READ: probe one byte per page below */
    }
    unsigned char sink[256];
    struct iovec local = {.iov_base = sink, .iov_len = sizeof sink}, remote[256];
    size_t pages = (span + page_size - 1) / page_size;
    for (size_t done = 0; done < pages;) {
        size_t n = pages - done < 256 ? pages - done : 256;
        for (size_t i = 0; i < n; i++) {
            uintptr_t at = start + (done + i) * page_size;
            if (at < (uintptr_t)p) at = (uintptr_t)p; /* the first page: only from p on */
            remote[i] = (struct iovec){.iov_base = (void *)at, .iov_len = 1};
        }
        local.iov_len = n;
        ssize_t got = process_vm_readv(getpid(), &local, 1, remote, (unsigned long)n, 0);
        if (got < 0) return errno == ENOSYS || errno == EPERM ? 0 : errno; /* cannot probe: copy as before */
        if ((size_t)got < n) return EFAULT;
        done += n;
    }
    return 0;
}

static void op_read(const struct request *rq)
{
    static const struct action act = {"reading", "read"};
    int shmid = get_i32(rq->args);
    uint32_t length = get_u32(rq->args + 4);
    uint64_t offset = get_u64(rq->args + 8);
    if (length == 0 || length > MAX_READ) {
        reply_error(rq, length == 0 ? EINVAL : E2BIG, "READ length must be 1 to %u bytes (16 MiB), got %" PRIu32,
                    MAX_READ, length);
        return;
    }
    /* Check the range before attaching, so a bad request has no side effect on the segment. */
    struct shmid_ds ds;
    if (!stat_or_reply(rq, shmid, &ds, &act)) {
        cache_drop_id(shmid);
        return;
    }
    if (!range_ok(offset, length, ds.shm_segsz)) {
        reply_error(rq, ERANGE, "cannot read %" PRIu32 " bytes at offset %" PRIu64 ": segment %d is %" PRIu64 " bytes",
                    length, offset, shmid, (uint64_t)ds.shm_segsz);
        return;
    }
    struct view v;
    int err = view_open(shmid, &ds, &v);
    if (err) {
        reply_shm_error(rq, err, shmid, &act);
        return;
    }
    if (range_ok(offset, length, v.size)) { /* the size of the segment we are attached to */
        if ((err = prefault(v.base + (size_t)offset, length)) == EFAULT) {
            reply_error(rq, EFAULT, "part of segment %d could not be read (no memory behind it: a huge-page segment "
                        "without huge pages?); %" PRIu32 " bytes at offset %" PRIu64 " were asked for", shmid, length,
                        offset);
        } else if (err == ENOMEM) {
            reply_error(rq, ENOMEM, "not enough memory to bring in the pages of segment %d to be read (%" PRIu32
                        " bytes at offset %" PRIu64 ")", shmid, length, offset);
        } else if (err) {
            reply_error(rq, err, "reading segment %d failed while bringing in its pages: %s", shmid, strerror(err));
        } else if (v.temporary) {
            /* A removed segment: copied out and let go of BEFORE the reply, so that whoever reads the
             * reply never finds the segment kept alive (nattch) by this helper. Rare: copy is fine. */
            unsigned char *copy = malloc(length);
            if (!copy) {
                reply_error(rq, ENOMEM, "no memory to copy %" PRIu32 " bytes of removed segment %d", length, shmid);
            } else {
                memcpy(copy, v.base + (size_t)offset, length);
                view_close(&v);
                send_reply(rq->id, rq->op, 0, copy, length, NULL, 0);
                free(copy);
            }
        } else {
            send_reply(rq->id, rq->op, 0, v.base + (size_t)offset, length, NULL, 0); /* straight from the mapping */
        }
    } else {
        reply_error(rq, ERANGE, "segment %d changed while reading: it is now %" PRIu64 " bytes", shmid, v.size);
    }
    view_close(&v);
}

/* Page range of a RESIDENCY request, rounded out to whole pages, within the page-rounded segment.
 * Returns 0 or an errno with *why set. */
static int residency_pages(uint64_t offset, uint64_t length, uint64_t size, uint64_t *first, uint64_t *count,
                           const char **why)
{
    if (size > UINT64_MAX - page_size) { /* the kernel never makes one (newseg() refuses it): no wrap below */
        *why = "the segment size cannot be rounded to whole pages";
        return EOVERFLOW;
    }
    uint64_t mapped = (size + page_size - 1) / page_size * page_size;
    if (offset >= mapped) {
        *why = "offset is at or past the end of the page-rounded segment";
        return ERANGE;
    }
    if (length != 0 && length > mapped - offset) {
        *why = "offset + length is past the end of the page-rounded segment";
        return ERANGE;
    }
    uint64_t end = length == 0 ? mapped : offset + length; /* <= mapped: no wrap */
    *first = offset / page_size;
    *count = (end + page_size - 1) / page_size - *first;
    if (*count > (uint64_t)MAX_READ * 8) {
        *why = "the range covers more than maxRead * 8 pages; ask in parts";
        return E2BIG;
    }
    return 0;
}

/* Residency bitmap of pages [first, first + count) of a mapping, from mincore(), which looks at
 * the page cache without faulting anything in. Returns 0 or an errno. */
static int residency_bitmap(const unsigned char *base, uint64_t first, uint64_t count, unsigned char *bitmap)
{
    static unsigned char vec[65536];
    for (uint64_t done = 0; done < count;) {
        uint64_t chunk = count - done < sizeof vec ? count - done : sizeof vec;
        void *addr = (void *)(uintptr_t)(base + (first + done) * page_size);
        if (mincore(addr, (size_t)chunk * page_size, vec) < 0) return errno;
        for (uint64_t i = 0; i < chunk; i++) {
            uint64_t bit = done + i;
            if (vec[i] & 1) bitmap[bit / 8] = (unsigned char)(bitmap[bit / 8] | 1u << (bit % 8));
        }
        done += chunk;
    }
    return 0;
}

static void op_residency(const struct request *rq)
{
    static const struct action act = {"checking the residency of", "check"};
    int shmid = get_i32(rq->args);
    uint32_t reserved = get_u32(rq->args + 4);
    uint64_t offset = get_u64(rq->args + 8);
    uint64_t length = get_u64(rq->args + 16);
    if (reserved != 0) {
        reply_error(rq, EINVAL, "RESIDENCY: the reserved field must be 0");
        return;
    }
    struct shmid_ds ds;
    if (!stat_or_reply(rq, shmid, &ds, &act)) {
        cache_drop_id(shmid);
        return;
    }
    uint64_t first = 0, count = 0;
    const char *why = "";
    int err = residency_pages(offset, length, ds.shm_segsz, &first, &count, &why);
    if (err) {
        reply_error(rq, err, "RESIDENCY of segment %d (%" PRIu64 " bytes), offset %" PRIu64 ", length %" PRIu64 ": %s",
                    shmid, (uint64_t)ds.shm_segsz, offset, length, why);
        return;
    }
    struct view v;
    if ((err = view_open(shmid, &ds, &v)) != 0) {
        reply_shm_error(rq, err, shmid, &act);
        return;
    }
    unsigned char *bitmap = NULL;
    if ((err = residency_pages(offset, length, v.size, &first, &count, &why)) != 0) {
        reply_error(rq, err, "segment %d changed while checking residency: %s", shmid, why);
    } else if (!(bitmap = calloc((size_t)(count + 7) / 8 + 1, 1))) {
        reply_error(rq, ENOMEM, "no memory for a residency bitmap of %" PRIu64 " pages", count);
    } else if ((err = residency_bitmap(v.base, first, count, bitmap)) != 0) {
        reply_error(rq, err, "mincore on segment %d failed: %s", shmid, strerror(err));
    } else {
        unsigned char head[16];
        put_u64(head, first);
        put_u32(head + 8, (uint32_t)count);
        put_u32(head + 12, (uint32_t)page_size);
        view_close(&v); /* before the reply: a removed segment is not kept alive past it (op_read) */
        send_reply(rq->id, rq->op, 0, head, sizeof head, bitmap, (size_t)(count + 7) / 8);
    }
    free(bitmap);
    view_close(&v);
}

static void reply_holds(const struct request *rq, uint32_t count)
{
    unsigned char payload[4];
    put_u32(payload, count);
    reply_ok(rq, payload, sizeof payload);
}

static void op_attach(const struct request *rq)
{
    static const struct action act = {"attaching", "attach"};
    int shmid = get_i32(rq->args);
    struct hold *h = hold_find(shmid);
    if (h) {
        if (h->count == UINT32_MAX) {
            reply_error(rq, EOVERFLOW, "segment %d already has the maximum number of holds", shmid);
            return;
        }
        reply_holds(rq, ++h->count);
        return;
    }
    if (hold_count >= MAX_HELD_SEGMENTS) {
        reply_error(rq, ENOSPC, "this helper already holds %d segments; detach some first", MAX_HELD_SEGMENTS);
        return;
    }
    const unsigned char *base = attach_readonly(shmid);
    struct shmid_ds ds;
    if (!base || shmctl(shmid, IPC_STAT, &ds) < 0) {
        int err = errno;
        if (base) detach(base);
        reply_shm_error(rq, err, shmid, &act);
        return;
    }
    cache_drop_id(shmid); /* reads now go through the hold; one attachment is enough */
    if (!(h = hold_add())) {
        detach(base);
        reply_error(rq, ENOMEM, "no memory to record a hold on segment %d", shmid);
        return;
    }
    *h = (struct hold){.shmid = shmid, .count = 1, .base = base, .size = ds.shm_segsz};
    reply_holds(rq, 1);
}

static void op_detach(const struct request *rq)
{
    int shmid = get_i32(rq->args);
    struct hold *h = hold_find(shmid);
    if (!h) {
        reply_error(rq, EINVAL, "this helper holds no attachment of segment %d", shmid);
        return;
    }
    uint32_t left = --h->count;
    if (left == 0) hold_remove(h);
    reply_holds(rq, left);
}

/* Why shmget(IPC_CREAT) said EINVAL: a size outside the limits, or an existing, smaller segment. */
static void reply_create_invalid(const struct request *rq, int32_t key, uint64_t size)
{
    int existing = key == IPC_PRIVATE ? -1 : shmget(key, 0, 0);
    struct shmid_ds ds;
    if (existing >= 0 && shmctl(existing, IPC_STAT, &ds) == 0) {
        if (ds.shm_segsz < size) {
            reply_error(rq, EINVAL, "segment %d with key 0x%08x already exists and is smaller (%" PRIu64
                        " bytes) than the %" PRIu64 " bytes asked for",
                        existing, (unsigned)key, (uint64_t)ds.shm_segsz, size);
            return;
        }
    } else if (existing >= 0 && errno == EACCES) {
        /* The kernel compares the size before the permissions, so EINVAL is what a user who may
         * not read an existing, smaller segment gets; /proc/sysvipc/shm still shows its size. */
        char listed[160] = "";
        if (proc_stat(existing, &ds)) {
            snprintf(listed, sizeof listed, " (mode %04o, owner uid %u); /proc/sysvipc/shm lists it as %" PRIu64
                     " bytes%s", ds.shm_perm.mode & 0777u, ds.shm_perm.uid, (uint64_t)ds.shm_segsz,
                     ds.shm_segsz < size ? ", smaller than asked for" : "");
        }
        reply_error(rq, EINVAL, "a segment with key 0x%08x exists (id %d) and this user may not read its size "
                    "(IPC_STAT denied to uid %u)%s; creating %" PRIu64 " bytes with this key fails: choose another "
                    "key, or ask its owner", (unsigned)key, existing, (unsigned)geteuid(), listed, size);
        return;
    }
    struct shminfo info;
    if (shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) >= 0) {
        reply_error(rq, EINVAL, "size %" PRIu64 " is outside the allowed %lu to %lu bytes (kernel.shmmin, kernel.shmmax)",
                    size, (unsigned long)info.shmmin, (unsigned long)info.shmmax);
    } else {
        reply_error(rq, EINVAL, "size %" PRIu64 " is not allowed (kernel.shmmin .. kernel.shmmax)", size);
    }
}

static void op_create(const struct request *rq)
{
    int32_t key = get_i32(rq->args);
    uint32_t mode = get_u32(rq->args + 4);
    uint32_t flags = get_u32(rq->args + 8);
    uint32_t reserved = get_u32(rq->args + 12);
    uint64_t size = get_u64(rq->args + 16);
    if ((flags & ~1u) != 0 || reserved != 0) {
        reply_error(rq, EINVAL, "CREATE: flags may only have bit 0 (exclusive) set and reserved must be 0");
        return;
    }
    if (size > SIZE_MAX) {
        reply_error(rq, EINVAL, "size %" PRIu64 " does not fit this machine's address space", size);
        return;
    }
    int shmflg = IPC_CREAT | (int)(mode & 0777) | ((flags & 1u) ? IPC_EXCL : 0);
    int shmid = shmget(key, (size_t)size, shmflg); /* never attached: creating must not touch contents */
    if (shmid >= 0) {
        unsigned char payload[4];
        put_i32(payload, shmid);
        reply_ok(rq, payload, sizeof payload);
        return;
    }
    switch (errno) {
    case EEXIST:
        reply_error(rq, EEXIST, "a segment with key 0x%08x already exists (exclusive create)", (unsigned)key);
        break;
    case EINVAL:
        reply_create_invalid(rq, key, size);
        break;
    case ENOSPC:
        reply_error(rq, ENOSPC, "system limit reached: too many segments (kernel.shmmni) or too much shared memory "
                    "in total (kernel.shmall); remove unused segments or raise the limit");
        break;
    case ENOMEM:
        reply_error(rq, ENOMEM, "not enough memory to create a segment of %" PRIu64 " bytes", size);
        break;
    case EACCES:
        reply_error(rq, EACCES, "a segment with key 0x%08x exists and this helper (uid %u) may not access it",
                    (unsigned)key, (unsigned)geteuid());
        break;
    case EPERM:
        reply_error(rq, EPERM, "not permitted to create this segment (huge pages need CAP_IPC_LOCK or the "
                    "hugetlb group)");
        break;
    default:
        reply_error(rq, errno, "creating a segment with key 0x%08x failed: %s", (unsigned)key, strerror(errno));
        break;
    }
}

static void op_remove(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int shmid = get_i32(rq->args);
    cache_drop_id(shmid); /* our read cache must not be what keeps it alive */
    if (shmctl(shmid, IPC_RMID, NULL) < 0) {
        reply_shm_error(rq, errno, shmid, &act);
        return;
    }
    reply_ok(rq, NULL, 0);
}

static void op_remove_if_unattached(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int shmid = get_i32(rq->args);
    cache_drop_id(shmid); /* otherwise our own read attachment would count as "attached" */
    struct shmid_ds ds;
    if (!stat_for_owner_or_reply(rq, shmid, &ds, &act)) return;
    if (ds.shm_nattch > 0) {
        struct hold *h = hold_find(shmid);
        reply_error(rq, EBUSY, "segment %d is in use: %lu attached%s; nothing was removed", shmid,
                    (unsigned long)ds.shm_nattch, h ? " (one of them is this window's own hold: detach it first)" : "");
        return;
    }
    if (shmctl(shmid, IPC_RMID, NULL) < 0) {
        reply_shm_error(rq, errno, shmid, &act);
        return;
    }
    reply_stat(rq, shmid, &ds);
}

/* ------------------------------------------------------------------------------------------------
 * Owners not mapped into our user namespace. IPC_STAT reports an owner that has no id in the
 * caller's user namespace as the overflow id (kernel.overflowuid / overflowgid, 65534). IPC_SET
 * takes the whole ipc_perm, so "change only the mode" writes back the uid and gid it read: the
 * overflow id, which either is not valid here (EINVAL, read as "no such object") or is a real user
 * of this namespace, who is then given the object. So when a kept uid or gid is the overflow id
 * and could stand for an unmapped owner, nothing is written.
 */

/* A number from a /proc/sys file, or `fallback`. */
static uint64_t read_proc_number(const char *path, uint64_t fallback)
{
    FILE *f = fopen(path, "re");
    unsigned long long v;
    bool ok = f && fscanf(f, "%llu", &v) == 1;
    if (f) fclose(f);
    return ok ? (uint64_t)v : fallback;
}

enum mapping { ID_MAPPED, ID_UNMAPPED, ID_AMBIGUOUS };

/* What an id equal to the overflow id stands for, from /proc/self/uid_map (gid_map): in the initial
 * user namespace (every id mapped) nothing is ever shown as the overflow id, so it is the real
 * user; in another namespace it is an unmapped owner when the overflow id has no mapping here, and
 * cannot be told apart from the real one when it has. */
static enum mapping overflow_mapping(uint32_t value, bool group)
{
    uint32_t overflow = (uint32_t)read_proc_number(group ? "/proc/sys/kernel/overflowgid" : "/proc/sys/kernel/overflowuid",
                                                   65534);
    if (value != overflow) return ID_MAPPED;
    FILE *f = fopen(group ? "/proc/self/gid_map" : "/proc/self/uid_map", "re");
    if (!f) return ID_AMBIGUOUS;
    unsigned long long inside, outside, count, total = 0;
    bool mapped = false;
    while (fscanf(f, "%llu %llu %llu", &inside, &outside, &count) == 3) {
        total += count;
        if (value >= inside && value - inside < count) mapped = true;
    }
    fclose(f);
    if (total >= 0xffffffffull) return ID_MAPPED; /* the initial user namespace: no id is unmapped */
    return mapped ? ID_AMBIGUOUS : ID_UNMAPPED;
}

/* Before an IPC_SET that keeps the uid (uid == KEEP) or the gid: refuses with EOVERFLOW when the
 * value to be written back is the overflow id of an owner that may not be mapped here. `what`
 * names the object ("segment 5"). Returns true when the write-back is safe. */
static bool write_back_ok_or_reply(const struct request *rq, const char *what, uint32_t uid, uint32_t gid,
                                   uint32_t cur_uid, uint32_t cur_gid)
{
    bool group = false;
    enum mapping m = uid == KEEP ? overflow_mapping(cur_uid, false) : ID_MAPPED;
    if (m == ID_MAPPED && gid == KEEP) {
        m = overflow_mapping(cur_gid, true);
        group = true;
    }
    if (m == ID_MAPPED) return true;
    const char *field = group ? "group" : "owner";
    reply_error(rq, EOVERFLOW, "%s: its %s shows as %s %u, the overflow id (kernel.overflow%s): %s; writing it back "
                "would give the object away, so nothing was changed (give the %s explicitly, or change it from a "
                "user namespace where its %s is mapped)", what, field, group ? "gid" : "uid", group ? cur_gid : cur_uid,
                group ? "gid" : "uid",
                m == ID_UNMAPPED ? (group ? "the group is not mapped into this user namespace"
                                          : "the owner is not mapped into this user namespace")
                                 : (group ? "the group may not be mapped into this user namespace (the overflow id is "
                                            "also a group here, so the helper cannot tell)"
                                          : "the owner may not be mapped into this user namespace (the overflow id is "
                                            "also a user here, so the helper cannot tell)"),
                group ? "gid" : "uid", field);
    return false;
}

static void op_set(const struct request *rq)
{
    static const struct action act = {"changing", "change"};
    int shmid = get_i32(rq->args);
    uint32_t uid = get_u32(rq->args + 4);
    uint32_t gid = get_u32(rq->args + 8);
    uint32_t mode = get_u32(rq->args + 12);
    struct shmid_ds ds;
    if (!stat_for_owner_or_reply(rq, shmid, &ds, &act)) return;
    char what[32];
    snprintf(what, sizeof what, "segment %d", shmid);
    if (!write_back_ok_or_reply(rq, what, uid, gid, ds.shm_perm.uid, ds.shm_perm.gid)) return;
    if (uid != KEEP) ds.shm_perm.uid = uid;
    if (gid != KEEP) ds.shm_perm.gid = gid;
    if (mode != KEEP) ds.shm_perm.mode = (unsigned short)((ds.shm_perm.mode & ~0777u) | (mode & 0777u));
    if (shmctl(shmid, IPC_SET, &ds) < 0) {
        int err = errno;
        if (err == EINVAL && (uid != KEEP || gid != KEEP)) {
            reply_error(rq, EINVAL, "uid %u / gid %u is not valid here (or segment %d is gone)", uid, gid, shmid);
        } else {
            reply_shm_error(rq, err, shmid, &act);
        }
        return;
    }
    if (stat_for_owner_or_reply(rq, shmid, &ds, &act)) reply_stat(rq, shmid, &ds);
}

static void op_lock(const struct request *rq)
{
    static const struct action lock = {"locking", "lock"}, unlock = {"unlocking", "unlock"};
    int shmid = get_i32(rq->args);
    bool locking = rq->op == OP_LOCK;
    if (shmctl(shmid, locking ? SHM_LOCK : SHM_UNLOCK, NULL) < 0) {
        reply_shm_error(rq, errno, shmid, locking ? &lock : &unlock);
        return;
    }
    reply_ok(rq, NULL, 0);
}

/* A /proc/sys value (one unsigned decimal number and a newline) into *out; false, *out untouched, otherwise. */
static bool read_sysctl_u64(const char *path, uint64_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char text[32];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return false;
    text[n] = '\0';
    uint64_t value = 0;
    ssize_t i = 0;
    for (; i < n && text[i] >= '0' && text[i] <= '9'; i++) {
        unsigned digit = (unsigned)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
    }
    if (i == 0 || (i < n && text[i] != '\n')) return false;
    *out = value;
    return true;
}

static void op_limits(const struct request *rq)
{
    struct shminfo info;
    struct shm_info usage;
    /* IPC_INFO and SHM_INFO fill other structs than shmid_ds: the cast is the documented interface. */
    if (shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) < 0 ||
        shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&usage) < 0) {
        reply_error(rq, errno, "reading the shared memory limits failed: %s", strerror(errno));
        return;
    }
    /* shminfo's fields are unsigned long: a 32-bit helper (armhf) on a 64-bit kernel gets them
     * clamped. /proc/sys/kernel has the namespace's exact values, so it wins where it can be read. */
    uint64_t shmmax = info.shmmax, shmall = info.shmall, shmmni = info.shmmni;
    read_sysctl_u64("/proc/sys/kernel/shmmax", &shmmax);
    read_sysctl_u64("/proc/sys/kernel/shmall", &shmall);
    read_sysctl_u64("/proc/sys/kernel/shmmni", &shmmni);
    unsigned char p[LIMITS_BYTES];
    put_u64(p + 0, shmmax);
    put_u64(p + 8, info.shmmin);
    put_u64(p + 16, shmmni);
    put_u64(p + 24, info.shmseg);
    put_u64(p + 32, shmall);
    put_u64(p + 40, (uint64_t)usage.used_ids);
    put_u64(p + 48, usage.shm_tot);
    put_u64(p + 56, usage.shm_rss);
    put_u64(p + 64, usage.shm_swp);
    reply_ok(rq, p, sizeof p);
}

/* ------------------------------------------------------------------------------------------------
 * POSIX shared memory objects: files on a tmpfs, /dev/shm/NAME (or a container's /dev/shm, or an
 * unlinked object or a memfd reached through /proc/PID/fd/N or /proc/PID/map_files/START-END).
 *
 * How they are looked at, and why:
 *   - Only the path forms parse_ipc_path() accepts; anything else is EINVAL. A helper that may run
 *     as root must not become a general "read any file" service.
 *   - Reading is pread() on an O_RDONLY descriptor, never a mapping: faulting a hole of a tmpfs
 *     file in through a mapping allocates a page, pread() of a hole copies zeros and allocates
 *     nothing. Holes come from lseek(SEEK_DATA/SEEK_HOLE), not mincore() (which reports every page
 *     resident to a caller that neither owns nor may write the file).
 *   - The object is first opened with O_PATH (which runs no driver code and cannot block: a FIFO or
 *     a device behind /proc/PID/fd/N is never really opened), checked (regular file, the identity
 *     the client named), and only then opened for reading, through /proc/self/fd/N of that very
 *     O_PATH descriptor, so the check and the read are about the same inode.
 *   - O_NOATIME (looking does not change atime; retried without it on EPERM: only the owner or
 *     CAP_FOWNER may use it), O_NOFOLLOW on the last component of the /dev/shm forms (a symlink
 *     planted in /dev/shm must not make a root helper read /etc/shadow), a container's /dev/shm is
 *     resolved inside that container's root (RESOLVE_IN_ROOT: its symlinks cannot lead out).
 *   - Descriptors are closed before the reply is complete: none is cached, since one kept open
 *     would keep an unlinked object alive.
 *   - Identity is (device major, device minor, inode). Every operation on an existing object takes
 *     the identity the client saw and fails with ESTALE when the name now belongs to another one.
 */

enum path_kind {
    PATH_SHM,           /* /dev/shm/NAME */
    PATH_CONTAINER_SHM, /* /proc/PID/root/dev/shm/NAME */
    PATH_PROC_FD,       /* /proc/PID/fd/N */
    PATH_MAP_FILES,     /* /proc/PID/map_files/START-END */
};

enum path_use {
    ANY_IPC_PATH, /* reading and stat: every form */
    SHM_DIR_ONLY, /* create, unlink, set: only the two /dev/shm forms (names, not descriptors) */
};

struct ipc_path {
    enum path_kind kind;
    const char *text; /* the whole path, NUL-terminated */
    const char *name; /* PATH_SHM, PATH_CONTAINER_SHM: NAME, pointing into text */
    int pid;          /* the /proc forms */
};

struct file_id {
    uint32_t major, minor;
    uint64_t ino;
};

static bool is_shm_form(const struct ipc_path *p)
{
    return p->kind == PATH_SHM || p->kind == PATH_CONTAINER_SHM;
}

/* A path made fit for a message: control bytes escaped, at most about 200 bytes shown. Four
 * buffers in rotation, so one message can show two paths. */
static const char *shown(const char *path)
{
    static char buffers[4][224];
    static unsigned next;
    char *out = buffers[next++ % 4];
    size_t o = 0;
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if (o >= 200) {
            memcpy(out + o, "...", 4);
            return out;
        }
        if (*s < 0x20 || *s == 0x7f || *s == '\\') {
            o += (size_t)snprintf(out + o, 224 - o, "\\x%02x", *s);
        } else {
            out[o++] = (char)*s;
        }
    }
    out[o] = 0;
    return out;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Decimal digits at *s with no leading zero ("0" itself only when zero_ok), at most INT_MAX. */
static bool parse_decimal(const char **s, bool zero_ok, int *value)
{
    const char *p = *s;
    if (*p < '0' || *p > '9' || (*p == '0' && (!zero_ok || (p[1] >= '0' && p[1] <= '9')))) return false;
    long long v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX) return false;
    }
    *value = (int)v;
    *s = p;
    return true;
}

/* 1..16 lowercase hex digits at *s with no leading zero (as the kernel names map_files entries). */
static bool parse_hex(const char **s, uint64_t *value)
{
    const char *p = *s;
    uint64_t v = 0;
    int digits = 0;
    for (;; p++, digits++) {
        int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
        if (d < 0) break;
        if (digits == 16 || (digits == 1 && v == 0)) return false; /* too long, or a leading zero */
        v = v << 4 | (uint64_t)d;
    }
    if (digits == 0) return false;
    *value = v;
    *s = p;
    return true;
}

/* NAME of /dev/shm/NAME: 1..255 bytes, no '/', not "." or "..". */
static bool valid_name(const char *name, const char **why)
{
    size_t len = strlen(name);
    if (len == 0) *why = "the name after /dev/shm/ is empty";
    else if (len > MAX_NAME) *why = "the name is longer than 255 bytes";
    else if (strchr(name, '/')) *why = "the name contains a '/' (objects are directly in /dev/shm)";
    else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) *why = "the name is \".\" or \"..\"";
    else return true;
    return false;
}

/* The one gate every file path goes through. Returns true, or false with *why set. */
static bool parse_ipc_path(const char *text, uint32_t len, struct ipc_path *out, const char **why)
{
    *out = (struct ipc_path){.text = text, .name = NULL, .pid = 0};
    if (memchr(text, 0, len)) {
        *why = "it contains a NUL byte";
        return false;
    }
    if (starts_with(text, "/dev/shm/")) {
        out->kind = PATH_SHM;
        out->name = text + strlen("/dev/shm/");
        return valid_name(out->name, why);
    }
    if (!starts_with(text, "/proc/")) {
        *why = "IPC objects are /dev/shm/NAME, /proc/PID/root/dev/shm/NAME, /proc/PID/fd/N or "
               "/proc/PID/map_files/START-END";
        return false;
    }
    const char *s = text + strlen("/proc/");
    if (!parse_decimal(&s, false, &out->pid)) {
        *why = "/proc/ must be followed by a process id (decimal, no leading zero)";
        return false;
    }
    if (starts_with(s, "/root/dev/shm/")) {
        out->kind = PATH_CONTAINER_SHM;
        out->name = s + strlen("/root/dev/shm/");
        return valid_name(out->name, why);
    }
    if (starts_with(s, "/fd/")) {
        int fd;
        s += strlen("/fd/");
        out->kind = PATH_PROC_FD;
        if (parse_decimal(&s, true, &fd) && *s == 0) return true;
        *why = "/proc/PID/fd/ must be followed by a descriptor number (decimal, no leading zero)";
        return false;
    }
    if (starts_with(s, "/map_files/")) {
        uint64_t start, end;
        s += strlen("/map_files/");
        out->kind = PATH_MAP_FILES;
        if (parse_hex(&s, &start) && *s++ == '-' && parse_hex(&s, &end) && *s == 0 && start < end) return true;
        *why = "/proc/PID/map_files/ must be followed by START-END in lowercase hex without leading zeros, "
               "START below END (as the kernel names the entries)";
        return false;
    }
    *why = "under /proc/PID only root/dev/shm/NAME, fd/N and map_files/START-END are IPC objects";
    return false;
}

/* Parses rq->path for an operation that allows `use`, or replies EINVAL. */
static bool path_or_reply(const struct request *rq, enum path_use use, struct ipc_path *p)
{
    const char *why = "";
    if (!parse_ipc_path(rq->path, rq->pathlen, p, &why)) {
        reply_error(rq, EINVAL, "not the path of an IPC object: %s (%s)", shown(rq->path), why);
        return false;
    }
    if (use == SHM_DIR_ONLY && !is_shm_form(p)) {
        reply_error(rq, EINVAL, "not the path of an IPC object for this operation: %s (creating, removing and "
                    "changing work on names, /dev/shm/NAME or /proc/PID/root/dev/shm/NAME, not on descriptors "
                    "or mappings)", shown(p->text));
        return false;
    }
    return true;
}

static struct file_id get_file_id(const unsigned char *args)
{
    return (struct file_id){.major = get_u32(args), .minor = get_u32(args + 4), .ino = get_u64(args + 8)};
}

static bool same_object(const struct stat *st, const struct file_id *id)
{
    return major(st->st_dev) == id->major && minor(st->st_dev) == id->minor && (uint64_t)st->st_ino == id->ino;
}

static const char *file_type(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFLNK: return "a symbolic link";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    default: return "of an unknown type";
    }
}

/* Nanoseconds since the epoch, saturated (a time past the year 2262 does not wrap). */
static int64_t timespec_ns(const struct timespec *ts)
{
    int64_t sec = (int64_t)ts->tv_sec;
    if (sec > INT64_MAX / 1000000000 - 1) return INT64_MAX;
    if (sec < INT64_MIN / 1000000000 + 1) return INT64_MIN;
    return sec * 1000000000 + (int64_t)ts->tv_nsec;
}

static void encode_file_stat(unsigned char *p, const struct stat *st)
{
    put_u32(p + 0, major(st->st_dev));
    put_u32(p + 4, minor(st->st_dev));
    put_u64(p + 8, (uint64_t)st->st_ino);
    put_u32(p + 16, (uint32_t)st->st_mode);
    put_u32(p + 20, (uint32_t)st->st_uid);
    put_u32(p + 24, (uint32_t)st->st_gid);
    put_u32(p + 28, st->st_nlink > UINT32_MAX ? UINT32_MAX : (uint32_t)st->st_nlink);
    put_u64(p + 32, (uint64_t)st->st_size);
    put_u64(p + 40, (uint64_t)st->st_blocks);
    put_i64(p + 48, timespec_ns(&st->st_atim));
    put_i64(p + 56, timespec_ns(&st->st_mtim));
    put_i64(p + 64, timespec_ns(&st->st_ctim));
}

static void reply_file_stat(const struct request *rq, const struct stat *st)
{
    unsigned char record[FILE_STAT_BYTES];
    encode_file_stat(record, st);
    reply_ok(rq, record, sizeof record);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* The /dev/shm directory of a /dev/shm-form path, as an O_PATH descriptor: the machine's, or the
 * one inside PID's root, resolved within that root (RESOLVE_IN_ROOT), so that a symlink in a
 * container's file system (its /dev/shm -> /etc, say) cannot lead the helper out of it. Every
 * /dev/shm-form operation then works on NAME relative to this directory (NAME has no '/'), with
 * O_NOFOLLOW / AT_SYMLINK_NOFOLLOW: only the last component could be a symlink, and it never is
 * followed. Returns the descriptor, or -1 with errno set. */
static int open_shm_dir(const struct ipc_path *p)
{
    if (p->kind == PATH_SHM) return open("/dev/shm", O_PATH | O_DIRECTORY | O_CLOEXEC);
    char root[64];
    snprintf(root, sizeof root, "/proc/%d/root", p->pid);
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) return -1;
    struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    long fd = syscall(SYS_openat2, rootfd, "dev/shm", &how, sizeof how);
    int err = errno;
    close(rootfd);
    errno = err;
    return fd < 0 ? -1 : (int)fd;
}

/* What a failed open/stat of a path means, in words. `gerund` says what was being done. */
static void reply_path_errno(const struct request *rq, int err, const struct ipc_path *p, const char *gerund)
{
    const char *path = shown(p->text);
    unsigned me = (unsigned)geteuid();
    switch (err) {
    case ENOENT:
        if (p->kind == PATH_PROC_FD || p->kind == PATH_MAP_FILES) {
            reply_error(rq, ENOENT, "no object at %s: process %d has exited or no longer has that %s", path, p->pid,
                        p->kind == PATH_PROC_FD ? "descriptor" : "mapping");
        } else if (p->kind == PATH_CONTAINER_SHM) {
            reply_error(rq, ENOENT, "no object at %s (already removed, or process %d has exited or has no /dev/shm)",
                        path, p->pid);
        } else {
            reply_error(rq, ENOENT, "no object at %s (already removed?)", path);
        }
        break;
    case EACCES:
        if (!is_shm_form(p)) {
            reply_error(rq, EACCES, "permission denied %s %s: only the owner of process %d or root may look at its "
                        "descriptors and mappings (Yama's ptrace_scope may allow less), or the object's mode does not "
                        "let this helper (uid %u) read it", gerund, path, p->pid, me);
        } else {
            struct stat st;
            int dirfd = open_shm_dir(p);
            if (dirfd >= 0 && fstatat(dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                reply_error(rq, EACCES, "permission denied %s %s (mode %04o, owner uid %u, group gid %u; this helper "
                            "runs as uid %u): %s", gerund, path, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
                            (unsigned)st.st_gid, me,
                            st.st_uid == me ? "you own it, so you can change its permissions"
                                            : "its owner can grant access by changing its permissions, or run as root");
            } else if (p->kind == PATH_CONTAINER_SHM) {
                reply_error(rq, EACCES, "permission denied %s %s: this helper (uid %u) may not look into the root of "
                            "process %d (only its owner or root may), or the object's mode does not allow it", gerund,
                            path, me, p->pid);
            } else {
                reply_error(rq, EACCES, "permission denied %s %s (this helper runs as uid %u)", gerund, path, me);
            }
            close_fd(&dirfd);
        }
        break;
    case EPERM:
        if (p->kind == PATH_MAP_FILES) {
            reply_error(rq, EPERM, "not permitted %s %s: /proc/PID/map_files links can be followed only with "
                        "CAP_SYS_ADMIN (root); use /proc/%d/fd/N if the process still has a descriptor of the object, "
                        "or run as root", gerund, path, p->pid);
        } else {
            reply_error(rq, EPERM, "not permitted %s %s (this helper runs as uid %u): %s", gerund, path, me,
                        strerror(err));
        }
        break;
    case ELOOP:
        reply_error(rq, ELOOP, "%s is a symbolic link, not a shared memory object: the helper never follows links in "
                    "/dev/shm (one planted there could point a privileged reader at another file)", path);
        break;
    case ENAMETOOLONG:
        reply_error(rq, ENAMETOOLONG, "%s is too long for the kernel (a name over 255 bytes, or a path over 4095 "
                    "bytes once resolved)", path);
        break;
    case ENOTDIR:
        reply_error(rq, ENOTDIR, "a component of %s is not a directory", path);
        break;
    case EISDIR:
        reply_error(rq, EISDIR, "%s is a directory, not a shared memory object", path);
        break;
    case ESRCH:
        reply_error(rq, ESRCH, "process %d does not exist (any more), so %s cannot be reached", p->pid, path);
        break;
    case EXDEV:
        reply_error(rq, EXDEV, "%s leads outside the root of process %d (through a symlink or a mount); refused",
                    path, p->pid);
        break;
    case ENOSYS:
        reply_error(rq, ENOSYS, "this kernel has no openat2() (Linux 5.6 or later), which is needed to resolve %s "
                    "safely inside the process's root", path);
        break;
    case ENXIO:
        reply_error(rq, ENXIO, "%s is a socket or a device without a driver, not a shared memory object", path);
        break;
    case EMFILE:
    case ENFILE:
        reply_error(rq, err, "%s %s failed: too many open files (%s)", gerund, path, strerror(err));
        break;
    default:
        reply_error(rq, err, "%s %s failed: %s", gerund, path, strerror(err));
        break;
    }
}

/* An O_PATH descriptor of the object itself: for the /dev/shm forms NAME in its directory,
 * without following a symlink; for the /proc forms the file the magic link points at. No driver
 * code runs and nothing blocks. Returns the descriptor, or -1 with errno set. */
static int open_object_path(const struct ipc_path *p)
{
    if (!is_shm_form(p)) return open(p->text, O_PATH | O_CLOEXEC);
    int dirfd = open_shm_dir(p);
    if (dirfd < 0) return -1;
    int fd = openat(dirfd, p->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    close(dirfd);
    errno = err;
    return fd;
}

/* Checks what an O_PATH descriptor (or any) stands for: a regular file with the identity `id`.
 * Replies and returns false otherwise. */
static bool check_object_or_reply(const struct request *rq, const struct ipc_path *p, const struct stat *st,
                                  const struct file_id *id)
{
    if (S_ISLNK(st->st_mode)) {
        reply_path_errno(rq, ELOOP, p, "opening");
        return false;
    }
    if (!S_ISREG(st->st_mode)) {
        reply_error(rq, EINVAL, "%s is not a regular file (it is %s), so it is not a shared memory object",
                    shown(p->text), file_type(st->st_mode));
        return false;
    }
    if (!same_object(st, id)) {
        reply_error(rq, ESTALE, "the object at %s is another one now (same name, different inode): expected device "
                    "%u:%u inode %" PRIu64 ", found device %u:%u inode %" PRIu64 "; it was removed and made again (or "
                    "the descriptor reused) since it was looked at: refresh and look again", shown(p->text), id->major,
                    id->minor, id->ino, major(st->st_dev), minor(st->st_dev), (uint64_t)st->st_ino);
        return false;
    }
    return true;
}

/* Shared memory lives on tmpfs (POSIX objects, memfds) or hugetlbfs (huge-page memfds). Through
 * /proc/PID/fd/N any file a process holds could be named; a helper that may run as root reads only
 * shared memory, never a process's open config or key file. Replies and returns false otherwise. */
static bool on_shared_memory_fs_or_reply(const struct request *rq, const struct ipc_path *p, int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) < 0) {
        reply_path_errno(rq, errno, p, "checking");
        return false;
    }
    /* f_type is a signed int on 32-bit machines, where HUGETLBFS_MAGIC does not fit one. */
    if ((uint32_t)fs.f_type == TMPFS_MAGIC || (uint32_t)fs.f_type == HUGETLBFS_MAGIC) return true;
    reply_error(rq, EINVAL, "%s is not on tmpfs or hugetlbfs (file system type 0x%lx), so it is not shared memory; "
                "the helper reads nothing else", shown(p->text), (unsigned long)fs.f_type);
    return false;
}

/* Opens the object for reading, after checking that it is a regular file with identity `id`.
 * On success *fd is an O_RDONLY descriptor (closed by the caller before the request ends) and *st
 * its fstat; otherwise a reply was sent and false is returned. */
static bool open_for_reading(const struct request *rq, const struct ipc_path *p, const struct file_id *id, int *fd,
                             struct stat *st)
{
    int pathfd = open_object_path(p);
    if (pathfd < 0) {
        reply_path_errno(rq, errno, p, "opening");
        return false;
    }
    if (fstat(pathfd, st) < 0) {
        reply_path_errno(rq, errno, p, "checking");
        close_fd(&pathfd);
        return false;
    }
    if (!check_object_or_reply(rq, p, st, id) || !on_shared_memory_fs_or_reply(rq, p, pathfd)) {
        close_fd(&pathfd);
        return false;
    }
    /* Reopened through our own O_PATH descriptor: the very inode just checked, whatever the name
     * means by now. The open is checked against the object's permissions as any open is. */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
    /* No O_NOFOLLOW on this open: it would refuse the magic link itself (ELOOP). The name was
     * already opened without following (open_object_path()), and what the link refers to was
     * just checked to be a regular file. */
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    *fd = open(self, flags | O_NOATIME);
    if (*fd < 0 && errno == EPERM) *fd = open(self, flags); /* O_NOATIME is for the owner or CAP_FOWNER only */
    int err = errno;
    close_fd(&pathfd);
    if (*fd < 0) {
        reply_path_errno(rq, err, p, "opening");
        return false;
    }
    if (fstat(*fd, st) < 0 || !same_object(st, id)) { /* cannot differ; checked anyway */
        reply_error(rq, ESTALE, "the object at %s changed while it was opened; look again", shown(p->text));
        close_fd(fd);
        return false;
    }
    return true;
}

static void op_file_stat(const struct request *rq)
{
    struct ipc_path p;
    if (!path_or_reply(rq, ANY_IPC_PATH, &p)) return;
    struct stat st;
    if (is_shm_form(&p)) { /* lstat: a symlink in /dev/shm is reported as one, never followed */
        int dirfd = open_shm_dir(&p);
        int ok = dirfd >= 0 ? fstatat(dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) : -1;
        int err = errno;
        close_fd(&dirfd);
        if (ok < 0) {
            reply_path_errno(rq, err, &p, "looking at");
            return;
        }
    } else if (stat(p.text, &st) < 0) { /* the object the descriptor or mapping refers to */
        reply_path_errno(rq, errno, &p, "looking at");
        return;
    }
    reply_file_stat(rq, &st);
}

static void op_file_read(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    uint64_t offset = get_u64(rq->args + 16);
    uint32_t length = get_u32(rq->args + 24);
    uint32_t reserved = get_u32(rq->args + 28);
    struct ipc_path p;
    if (!path_or_reply(rq, ANY_IPC_PATH, &p)) return;
    if (reserved != 0) {
        reply_error(rq, EINVAL, "FILE_READ: the reserved field must be 0");
        return;
    }
    if (length == 0 || length > MAX_READ) {
        reply_error(rq, length == 0 ? EINVAL : E2BIG, "FILE_READ length must be 1 to %u bytes (16 MiB), got %" PRIu32,
                    MAX_READ, length);
        return;
    }
    int fd = -1;
    struct stat st;
    if (!open_for_reading(rq, &p, &id, &fd, &st)) return;
    uint64_t size = (uint64_t)st.st_size;
    unsigned char *buf = NULL;
    if (!range_ok(offset, length, size)) {
        reply_error(rq, ERANGE, "cannot read %" PRIu32 " bytes at offset %" PRIu64 ": %s is %" PRIu64 " bytes", length,
                    offset, shown(p.text), size);
    } else if (!(buf = malloc(length))) {
        reply_error(rq, ENOMEM, "no memory for a read of %" PRIu32 " bytes", length);
    } else {
        size_t done = 0;
        int err = 0;
        while (done < length) { /* offset + done <= size <= INT64_MAX: fits off_t */
            ssize_t n = pread(fd, buf + done, length - done, (off_t)(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                err = errno;
                break;
            }
            if (n == 0) break;
            done += (size_t)n;
        }
        if (err) {
            reply_error(rq, err, "reading %s failed: %s", shown(p.text), strerror(err));
        } else if (done < length) {
            struct stat now;
            long long now_size = fstat(fd, &now) == 0 ? (long long)now.st_size : -1;
            reply_error(rq, ERANGE, "%s changed while reading: it ended after %" PRIu64 " bytes (it is %lld bytes "
                        "now); read again", shown(p.text), offset + done, now_size);
        } else {
            send_reply(rq->id, rq->op, 0, buf, length, NULL, 0);
        }
    }
    free(buf);
    close_fd(&fd);
}

/* Sets bits [from, to) of an LSB-first bitmap. */
static void set_bits(unsigned char *bitmap, uint64_t from, uint64_t to)
{
    for (; from < to && from % 8 != 0; from++) bitmap[from / 8] = (unsigned char)(bitmap[from / 8] | 1u << (from % 8));
    if (to - from >= 8) {
        memset(bitmap + from / 8, 0xff, (size_t)((to - from) / 8));
        from += (to - from) / 8 * 8;
    }
    for (; from < to; from++) bitmap[from / 8] = (unsigned char)(bitmap[from / 8] | 1u << (from % 8));
}

/* Which pages of [first, first + count) hold data, from the file's data extents (SEEK_DATA /
 * SEEK_HOLE, one pair of calls per extent, not per page). `size` is the file size the range was
 * checked against. Returns 0 or an errno. */
static int data_bitmap(int fd, uint64_t first, uint64_t count, uint64_t size, unsigned char *bitmap)
{
    uint64_t start = first * page_size;
    uint64_t end = (first + count) * page_size; /* within the page-rounded size: no wrap */
    if (end > size) end = size;                  /* no data past the end of the file */
    uint64_t pos = start;
    while (pos < end) {
        off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO) return 0; /* no data from pos on (or the file shrank) */
            if (errno == EINVAL || errno == EOPNOTSUPP) { /* no hole support: every page holds data */
                set_bits(bitmap, pos / page_size - first, count);
                return 0;
            }
            return errno;
        }
        if ((uint64_t)data >= end) return 0;
        off_t hole = lseek(fd, data, SEEK_HOLE);
        if (hole < 0) {
            if (errno == ENXIO) return 0; /* shrank meanwhile */
            return errno;
        }
        uint64_t stop = (uint64_t)hole > (uint64_t)data ? (uint64_t)hole : (uint64_t)data + 1; /* always progress */
        uint64_t last = (stop < end ? stop : end) - 1;
        set_bits(bitmap, (uint64_t)data / page_size - first, last / page_size - first + 1);
        pos = stop;
    }
    return 0;
}

static void op_file_data(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    uint64_t offset = get_u64(rq->args + 16);
    uint64_t length = get_u64(rq->args + 24);
    struct ipc_path p;
    if (!path_or_reply(rq, ANY_IPC_PATH, &p)) return;
    int fd = -1;
    struct stat st;
    if (!open_for_reading(rq, &p, &id, &fd, &st)) return;
    uint64_t size = (uint64_t)st.st_size, first = 0, count = 0;
    const char *why = "";
    unsigned char *bitmap = NULL;
    int err = residency_pages(offset, length, size, &first, &count, &why);
    if (err) {
        reply_error(rq, err, "FILE_DATA of %s (%" PRIu64 " bytes), offset %" PRIu64 ", length %" PRIu64 ": %s",
                    shown(p.text), size, offset, length, why);
    } else if (!(bitmap = calloc((size_t)(count + 7) / 8 + 1, 1))) {
        reply_error(rq, ENOMEM, "no memory for a bitmap of %" PRIu64 " pages", count);
    } else if ((err = data_bitmap(fd, first, count, size, bitmap)) != 0) {
        reply_error(rq, err, "finding the data of %s (lseek SEEK_DATA/SEEK_HOLE) failed: %s", shown(p.text),
                    strerror(err));
    } else {
        unsigned char head[16];
        put_u64(head, first);
        put_u32(head + 8, (uint32_t)count);
        put_u32(head + 12, (uint32_t)page_size);
        send_reply(rq->id, rq->op, 0, head, sizeof head, bitmap, (size_t)(count + 7) / 8);
    }
    free(bitmap);
    close_fd(&fd);
}

/* Removes NAME from dirfd if it is still the object behind fd (which this request just created). */
static void unlink_if_same(int dirfd, const char *name, int fd)
{
    struct stat mine, there;
    if (fstat(fd, &mine) == 0 && fstatat(dirfd, name, &there, AT_SYMLINK_NOFOLLOW) == 0 &&
        mine.st_dev == there.st_dev && mine.st_ino == there.st_ino) {
        unlinkat(dirfd, name, 0);
    }
}

static void reply_create_errno(const struct request *rq, int err, const struct ipc_path *p, uint64_t size)
{
    const char *path = shown(p->text);
    switch (err) {
    case EEXIST:
        reply_error(rq, EEXIST, "an object named %s already exists (exclusive create); choose another name, or "
                    "open the existing one", path);
        break;
    case EACCES:
        reply_error(rq, EACCES, "permission denied creating %s: this helper (uid %u) may not write in that "
                    "directory, or an object of that name exists and it may not open it read-write", path,
                    (unsigned)geteuid());
        break;
    case ENOSPC:
        reply_error(rq, ENOSPC, "no room to create %s: the tmpfs mounted on /dev/shm is full or out of inodes "
                    "(see df -h /dev/shm and df -i /dev/shm); remove unused objects or remount it larger", path);
        break;
    case EFBIG:
        reply_error(rq, EFBIG, "%s cannot be made %" PRIu64 " bytes long: larger than the file system allows or than "
                    "this helper's file size limit (ulimit -f)", path, size);
        break;
    case EINVAL:
        reply_error(rq, EINVAL, "%s cannot be made %" PRIu64 " bytes long: the file system refuses that size", path,
                    size);
        break;
    case EROFS:
        reply_error(rq, EROFS, "cannot create %s: its file system is mounted read-only", path);
        break;
    case EDQUOT:
        reply_error(rq, EDQUOT, "cannot create %s: the disk quota of uid %u is exhausted", path, (unsigned)geteuid());
        break;
    default:
        reply_path_errno(rq, err, p, "creating");
        break;
    }
}

static void op_file_create(const struct request *rq)
{
    uint32_t mode = get_u32(rq->args);
    uint32_t flags = get_u32(rq->args + 4);
    uint64_t size = get_u64(rq->args + 8);
    bool exclusive = (flags & 1u) != 0;
    struct ipc_path p;
    if (!path_or_reply(rq, SHM_DIR_ONLY, &p)) return;
    if ((flags & ~1u) != 0) {
        reply_error(rq, EINVAL, "FILE_CREATE: flags may only have bit 0 (exclusive) set, got 0x%x", flags);
        return;
    }
    if (size > (uint64_t)INT64_MAX) {
        reply_error(rq, EFBIG, "size %" PRIu64 " is larger than any file can be (2^63 - 1 bytes); nothing was created",
                    size);
        return;
    }
    int dirfd = open_shm_dir(&p);
    if (dirfd < 0) {
        reply_path_errno(rq, errno, &p, "creating");
        return;
    }
    int fd = -1, pathfd = -1;
    struct stat st;
    /* Always O_EXCL, so that "was it created now?" has an answer and a symlink is never followed
     * (O_EXCL fails on any existing name, a dangling symlink included). An existing object is then
     * only looked at. A few attempts, in case the name is removed between the two steps. */
    for (int attempt = 0; attempt < 4; attempt++) {
        fd = openat(dirfd, p.name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0); /* mode 0 until fchmod */
        if (fd >= 0) break;
        int err = errno;
        if (err != EEXIST || exclusive) {
            reply_create_errno(rq, err, &p, size);
            goto out;
        }
        pathfd = openat(dirfd, p.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pathfd < 0 && errno == ENOENT) continue; /* removed meanwhile: try to create it again */
        if (pathfd < 0 || fstat(pathfd, &st) < 0) {
            reply_path_errno(rq, errno, &p, "opening the existing");
            goto out;
        }
        if (!S_ISREG(st.st_mode)) {
            reply_error(rq, EEXIST, "%s already exists and is %s, not a shared memory object; nothing was changed",
                        shown(p.text), file_type(st.st_mode));
            goto out;
        }
        /* As shm_open(O_CREAT|O_RDWR) would: the existing object must be openable read-write. It
         * is opened and closed only; nothing is truncated, written or mapped. */
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
        int rw = open(self, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (rw < 0) {
            reply_create_errno(rq, errno, &p, size);
            goto out;
        }
        close(rw);
        unsigned char payload[8 + FILE_STAT_BYTES];
        put_u32(payload, 0); /* created */
        put_u32(payload + 4, 0);
        encode_file_stat(payload + 8, &st);
        reply_ok(rq, payload, sizeof payload);
        goto out;
    }
    if (fd < 0) {
        reply_error(rq, EAGAIN, "%s kept appearing and disappearing while creating it; try again", shown(p.text));
        goto out;
    }
    /* Created now: exactly the mode asked for (the umask must not change what the user chose),
     * then the size. Nothing written, nothing mapped: no page is allocated. */
    int err = 0;
    const char *step = "";
    if (fchmod(fd, (mode_t)(mode & 0777)) < 0) {
        err = errno;
        step = "setting the mode of";
    } else if (ftruncate(fd, (off_t)size) < 0) {
        err = errno;
        step = "setting the size of";
    } else if (fstat(fd, &st) < 0) {
        err = errno;
        step = "checking";
    }
    if (err) {
        unlink_if_same(dirfd, p.name, fd); /* do not leave a half-made object behind */
        if (err == EFBIG || err == EINVAL || err == ENOSPC) {
            reply_create_errno(rq, err, &p, size);
        } else {
            reply_error(rq, err, "%s %s failed: %s; the object was removed again", step, shown(p.text), strerror(err));
        }
        goto out;
    }
    unsigned char payload[8 + FILE_STAT_BYTES];
    put_u32(payload, 1); /* created */
    put_u32(payload + 4, 0);
    encode_file_stat(payload + 8, &st);
    reply_ok(rq, payload, sizeof payload);
out:
    close_fd(&fd);
    close_fd(&pathfd);
    close_fd(&dirfd);
}

static void op_file_unlink(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    struct ipc_path p;
    if (!path_or_reply(rq, SHM_DIR_ONLY, &p)) return;
    int dirfd = open_shm_dir(&p);
    if (dirfd < 0) {
        reply_path_errno(rq, errno, &p, "removing");
        return;
    }
    struct stat st, dir;
    if (fstatat(dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        reply_path_errno(rq, errno, &p, "removing");
    } else if (!same_object(&st, &id)) {
        reply_error(rq, ESTALE, "the object at %s is another one now (same name, different inode: expected %u:%u "
                    "inode %" PRIu64 ", found inode %" PRIu64 "); nothing was removed: refresh and look again",
                    shown(p.text), id.major, id.minor, id.ino, (uint64_t)st.st_ino);
    } else if (unlinkat(dirfd, p.name, 0) < 0) { /* microseconds after the check: the kernel has no
                                                  * "unlink if this inode" */
        int err = errno;
        unsigned me = (unsigned)geteuid();
        bool have_dir = fstat(dirfd, &dir) == 0;
        if (err == EPERM && have_dir && (dir.st_mode & S_ISVTX)) {
            reply_error(rq, EPERM, "not permitted to remove %s: its directory is sticky (mode %04o), so only the "
                        "object's owner (uid %u), the directory's owner (uid %u) or root may remove it, and this helper "
                        "runs as uid %u; ask its owner, or run as root", shown(p.text), (unsigned)(dir.st_mode & 07777),
                        (unsigned)st.st_uid, (unsigned)dir.st_uid, me);
        } else if (err == EACCES || err == EPERM) {
            reply_error(rq, err, "%s removing %s: its directory (mode %04o, owner uid %u) does not let this helper "
                        "(uid %u) remove names from it; the object is owned by uid %u", err == EACCES ?
                        "permission denied" : "not permitted", shown(p.text), have_dir ? (unsigned)(dir.st_mode & 07777) : 0u,
                        have_dir ? (unsigned)dir.st_uid : 0u, me, (unsigned)st.st_uid);
        } else {
            reply_path_errno(rq, err, &p, "removing");
        }
    } else {
        reply_ok(rq, NULL, 0);
    }
    close_fd(&dirfd);
}

static void op_file_set(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    uint32_t uid = get_u32(rq->args + 16);
    uint32_t gid = get_u32(rq->args + 20);
    uint32_t mode = get_u32(rq->args + 24);
    struct ipc_path p;
    if (!path_or_reply(rq, SHM_DIR_ONLY, &p)) return;
    int fd = open_object_path(&p); /* O_PATH | O_NOFOLLOW: changes go to this inode, not to a name */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        reply_path_errno(rq, errno, &p, "changing");
        close_fd(&fd);
        return;
    }
    if (!check_object_or_reply(rq, &p, &st, &id)) {
        close_fd(&fd);
        return;
    }
    unsigned me = (unsigned)geteuid();
    bool owner_changed = false;
    if (uid != KEEP || gid != KEEP) {
        if (fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0) {
            int err = errno;
            if (err == EPERM) {
                reply_error(rq, EPERM, "not permitted to change the owner or group of %s (owner uid %u, group gid %u; "
                            "this helper runs as uid %u): only root may give an object to another user, and its owner "
                            "may change the group only to one of the owner's own groups", shown(p.text),
                            (unsigned)st.st_uid, (unsigned)st.st_gid, me);
            } else if (err == EINVAL) {
                reply_error(rq, EINVAL, "uid %u / gid %u is not valid here (not mapped in this user namespace)", uid,
                            gid);
            } else {
                reply_path_errno(rq, err, &p, "changing the owner of");
            }
            close_fd(&fd);
            return;
        }
        owner_changed = true;
    }
    if (mode != KEEP) {
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd); /* chmod of this inode: no race on the name */
        if (chmod(self, (mode_t)(mode & 0777)) < 0) {
            int err = errno;
            const char *also = owner_changed ? " (the owner/group change before it was made)" : "";
            if (err == EPERM) {
                reply_error(rq, EPERM, "not permitted to change the mode of %s: only its owner (uid %u) or root may, "
                            "and this helper runs as uid %u%s", shown(p.text), (unsigned)st.st_uid, me, also);
            } else {
                reply_error(rq, err, "changing the mode of %s failed: %s%s", shown(p.text), strerror(err), also);
            }
            close_fd(&fd);
            return;
        }
    }
    if (fstat(fd, &st) < 0) {
        reply_path_errno(rq, errno, &p, "checking");
    } else {
        reply_file_stat(rq, &st);
    }
    close_fd(&fd);
}

/* ------------------------------------------------------------------------------------------------
 * System V semaphore sets and message queues. Looked at, never operated: no semop() (the only
 * value write is SETALL on a set SEM_CREATE has just made, part of creating it), and messages are
 * copied by index with MSG_COPY, never received (see msg_copy(), the only caller of msgrcv()).
 */

union semun { /* the caller defines it (semctl(2)) */
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

enum sysv_kind { KIND_SEM, KIND_MSG };

static const char *kind_noun(enum sysv_kind kind)
{
    return kind == KIND_SEM ? "semaphore set" : "message queue";
}

/* The index the kernel's *_STAT_ANY commands take for an id: its low bits (15 of them, or 24 with
 * the ipcmni_extend boot option). Both are tried; the id the kernel returns must be ours. */
static bool sem_stat_any(int semid, struct semid_ds *ds)
{
    if (semid < 0) return false;
    int index[2] = {semid & 0x7fff, semid & 0xffffff};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && index[1] == index[0]) break;
        union semun arg = {.buf = ds};
        if (semctl(index[i], 0, SEM_STAT_ANY, arg) == semid) return true;
    }
    return false;
}

static bool msg_stat_any(int msqid, struct msqid_ds *ds)
{
    if (msqid < 0) return false;
    int index[2] = {msqid & 0x7fff, msqid & 0xffffff};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && index[1] == index[0]) break;
        if (msgctl(index[i], MSG_STAT_ANY, ds) == msqid) return true;
    }
    return false;
}

/* The ipc_perm of a set or queue as every user may see it (SEM_STAT_ANY / MSG_STAT_ANY, Linux
 * 4.17: the numbers /proc/sysvipc shows), for messages about permissions. */
static bool perm_any(enum sysv_kind kind, int id, struct ipc_perm *perm)
{
    if (kind == KIND_SEM) {
        struct semid_ds ds;
        if (!sem_stat_any(id, &ds)) return false;
        *perm = ds.sem_perm;
    } else {
        struct msqid_ds ds;
        if (!msg_stat_any(id, &ds)) return false;
        *perm = ds.msg_perm;
    }
    return true;
}

/* Replies to a failed semctl/msgctl/msgrcv on set or queue `id`, errno in err. */
static void reply_sysv_error(const struct request *rq, int err, enum sysv_kind kind, int id, const struct action *act)
{
    const char *noun = kind_noun(kind);
    unsigned me = (unsigned)geteuid();
    struct ipc_perm o;
    switch (err) {
    case EINVAL:
        reply_error(rq, EINVAL, "no %s with id %d (removed?)", noun, id);
        break;
    case EIDRM:
        reply_error(rq, EIDRM, "no %s with id %d (removed?): it was removed while %s it", noun, id, act->gerund);
        break;
    case EACCES:
        if (perm_any(kind, id, &o)) {
            bool mine = o.uid == me || o.cuid == me;
            reply_error(rq, EACCES, "permission denied %s %s %d (mode %04o, owner uid %u, group gid %u; this helper "
                        "runs as uid %u): %s", act->gerund, noun, id, o.mode & 0777u, o.uid, o.gid, me,
                        mine ? "you own it, so Change Permissions can give you read access back"
                             : "its owner can grant read access with Change Permissions, or run as root");
        } else {
            reply_error(rq, EACCES, "permission denied %s %s %d (this helper runs as uid %u)", act->gerund, noun, id,
                        me);
        }
        break;
    case EPERM:
        if (perm_any(kind, id, &o)) {
            reply_error(rq, EPERM, "operation not permitted %s %s %d: it is owned by uid %u (created by uid %u) and "
                        "this helper runs as uid %u; only the owner, the creator or root (CAP_SYS_ADMIN) may %s it",
                        act->gerund, noun, id, o.uid, o.cuid, me, act->verb);
        } else {
            reply_error(rq, EPERM, "operation not permitted %s %s %d: only the owner, the creator or root may %s it",
                        act->gerund, noun, id, act->verb);
        }
        break;
    case ENOMEM:
        reply_error(rq, ENOMEM, "not enough memory %s %s %d", act->gerund, noun, id);
        break;
    default:
        reply_error(rq, err, "%s %s %d failed: %s", act->gerund, noun, id, strerror(err));
        break;
    }
}

/* Replies to a failed semget/msgget(IPC_CREAT ...), errno in err. `limits` says which limits. */
static void reply_get_error(const struct request *rq, int err, enum sysv_kind kind, int32_t key, const char *limits)
{
    const char *noun = kind_noun(kind);
    switch (err) {
    case EEXIST:
        reply_error(rq, EEXIST, "a %s with key 0x%08x already exists (exclusive create)", noun, (unsigned)key);
        break;
    case ENOSPC:
        reply_error(rq, ENOSPC, "system limit reached: %s; remove unused ones (ipcrm) or raise the limit", limits);
        break;
    case ENOMEM:
        reply_error(rq, ENOMEM, "not enough memory to create a %s", noun);
        break;
    case EACCES:
        reply_error(rq, EACCES, "a %s with key 0x%08x exists and this helper (uid %u) may not access it with the "
                    "mode asked for", noun, (unsigned)key, (unsigned)geteuid());
        break;
    default:
        reply_error(rq, err, "creating a %s with key 0x%08x failed: %s", noun, (unsigned)key, strerror(err));
        break;
    }
}

/* `created` (u32) then the id (i32): the reply of SEM_CREATE and MSG_CREATE. */
static void reply_created_id(const struct request *rq, bool created, int id)
{
    unsigned char payload[8];
    put_u32(payload, created ? 1u : 0u);
    put_i32(payload + 4, id);
    reply_ok(rq, payload, sizeof payload);
}

/* Semaphores --------------------------------------------------------------------------------- */

static void encode_sem_stat(unsigned char *p, int semid, const struct semid_ds *ds)
{
    memset(p, 0, SEM_STAT_BYTES);
    put_i32(p + 0, ds->sem_perm.__key);
    put_i32(p + 4, semid);
    put_u32(p + 8, ds->sem_perm.mode);
    put_u32(p + 12, ds->sem_perm.uid);
    put_u32(p + 16, ds->sem_perm.gid);
    put_u32(p + 20, ds->sem_perm.cuid);
    put_u32(p + 24, ds->sem_perm.cgid);
    put_u32(p + 28, ds->sem_nsems > UINT32_MAX ? UINT32_MAX : (uint32_t)ds->sem_nsems);
    put_i64(p + 32, (int64_t)ds->sem_otime);
    put_i64(p + 40, (int64_t)ds->sem_ctime);
}

static void reply_sem_stat(const struct request *rq, int semid, const struct semid_ds *ds)
{
    unsigned char record[SEM_STAT_BYTES];
    encode_sem_stat(record, semid, ds);
    reply_ok(rq, record, sizeof record);
}

static bool sem_stat_or_reply(const struct request *rq, int semid, struct semid_ds *ds, const struct action *act)
{
    union semun arg = {.buf = ds};
    if (semctl(semid, 0, IPC_STAT, arg) == 0) return true;
    reply_sysv_error(rq, errno, KIND_SEM, semid, act);
    return false;
}

/* For IPC_SET, which the kernel checks by ownership: an owner without read permission still gets
 * the current values, from SEM_STAT_ANY. */
static bool sem_stat_for_owner_or_reply(const struct request *rq, int semid, struct semid_ds *ds,
                                        const struct action *act)
{
    union semun arg = {.buf = ds};
    if (semctl(semid, 0, IPC_STAT, arg) == 0) return true;
    int err = errno;
    if (err == EACCES && sem_stat_any(semid, ds)) return true;
    reply_sysv_error(rq, err, KIND_SEM, semid, act);
    return false;
}

static void op_sem_stat(const struct request *rq)
{
    static const struct action act = {"reading the status of", "read the status of"};
    int semid = get_i32(rq->args);
    struct semid_ds ds;
    if (sem_stat_or_reply(rq, semid, &ds, &act)) reply_sem_stat(rq, semid, &ds);
}

/* SemStat, then for each semaphore its value (GETALL, one call for the whole set, so the values
 * are one consistent snapshot), the pid of its last semop (GETPID) and its waiters (GETNCNT,
 * GETZCNT). Every one of these needs read permission only; none changes anything. */
static void op_sem_values(const struct request *rq)
{
    static const struct action act = {"reading the values of", "read"};
    int semid = get_i32(rq->args);
    struct semid_ds ds;
    if (!sem_stat_or_reply(rq, semid, &ds, &act)) return;
    uint64_t nsems = ds.sem_nsems;
    if (nsems > (MAX_READ - SEM_STAT_BYTES) / SEM_VALUE_BYTES) {
        reply_error(rq, E2BIG, "semaphore set %d has %" PRIu64 " semaphores; the helper reports at most %u per set",
                    semid, nsems, (MAX_READ - SEM_STAT_BYTES) / SEM_VALUE_BYTES);
        return;
    }
    /* GETALL writes as many values as the set behind semid has when it runs. Should the id name
     * another set by then (removed and made again after the id's sequence number wrapped), that
     * one has at most kernel.semmsl semaphores: the buffer has room for that many. */
    uint64_t room = nsems;
    struct seminfo info;
    union semun iarg = {.__buf = &info};
    if (semctl(0, 0, IPC_INFO, iarg) >= 0 && info.semmsl > 0 && (uint64_t)info.semmsl > room) room = (uint64_t)info.semmsl;
    unsigned short *values = calloc((size_t)room + 1, sizeof *values);
    size_t length = SEM_STAT_BYTES + (size_t)nsems * SEM_VALUE_BYTES;
    unsigned char *out = malloc(length);
    if (!values || !out) {
        reply_error(rq, ENOMEM, "no memory for the values of semaphore set %d (%" PRIu64 " semaphores)", semid, nsems);
        goto out;
    }
    union semun varg = {.array = values};
    if (nsems > 0 && semctl(semid, 0, GETALL, varg) < 0) {
        reply_sysv_error(rq, errno, KIND_SEM, semid, &act);
        goto out;
    }
    encode_sem_stat(out, semid, &ds);
    for (uint64_t i = 0; i < nsems; i++) {
        int num = (int)i;
        int pid = semctl(semid, num, GETPID);
        int ncnt = pid < 0 ? -1 : semctl(semid, num, GETNCNT);
        int zcnt = ncnt < 0 ? -1 : semctl(semid, num, GETZCNT);
        if (zcnt < 0) {
            reply_sysv_error(rq, errno, KIND_SEM, semid, &act);
            goto out;
        }
        unsigned char *r = out + SEM_STAT_BYTES + i * SEM_VALUE_BYTES;
        put_i32(r, values[i]);
        put_i32(r + 4, pid);
        put_u32(r + 8, (uint32_t)ncnt);
        put_u32(r + 12, (uint32_t)zcnt);
    }
    reply_ok(rq, out, length);
out:
    free(values);
    free(out);
}

/* The kernel.sem limits in words, for ENOSPC and EINVAL messages. */
static void sem_limits_text(char *buf, size_t size)
{
    struct seminfo info;
    union semun arg = {.__buf = &info};
    if (semctl(0, 0, IPC_INFO, arg) >= 0) {
        snprintf(buf, size, "kernel.sem is SEMMSL %d semaphores per set, SEMMNS %d in all, SEMOPM %d, SEMMNI %d sets",
                 info.semmsl, info.semmns, info.semopm, info.semmni);
    } else {
        snprintf(buf, size, "see kernel.sem (SEMMSL SEMMNS SEMOPM SEMMNI)");
    }
}

/* Why semget(IPC_CREAT) said EINVAL: nsems outside 1 .. semmsl, or an existing set with fewer
 * semaphores (whose size every user can see through SEM_STAT_ANY, also one it may not read). */
static void reply_sem_create_invalid(const struct request *rq, int32_t key, uint32_t nsems)
{
    char limits[160];
    sem_limits_text(limits, sizeof limits);
    int existing = key == IPC_PRIVATE ? -1 : semget(key, 0, 0);
    struct semid_ds ds;
    union semun arg = {.buf = &ds};
    if (existing >= 0) {
        bool readable = semctl(existing, 0, IPC_STAT, arg) == 0;
        int err = errno;
        if (readable || sem_stat_any(existing, &ds)) {
            if (ds.sem_nsems < nsems) {
                reply_error(rq, EINVAL, "semaphore set %d with key 0x%08x already exists and has only %lu semaphores, "
                            "fewer than the %" PRIu32 " asked for%s", existing, (unsigned)key,
                            (unsigned long)ds.sem_nsems, nsems,
                            readable ? "" : " (this user may not read the set, but its size is listed for everyone)");
                return;
            }
        } else if (err == EACCES) {
            reply_error(rq, EINVAL, "a semaphore set with key 0x%08x exists (id %d) and this user may not read its "
                        "size; asking for %" PRIu32 " semaphores fails: choose another key, or ask its owner",
                        (unsigned)key, existing, nsems);
            return;
        }
    }
    reply_error(rq, EINVAL, "%" PRIu32 " semaphores is outside the allowed 1 to SEMMSL per set (%s)", nsems, limits);
}

/* semget, telling "created now" from "opened an existing set": IPC_EXCL first, then (not
 * exclusive) an open of the existing one; a few attempts in case it is removed between the two. */
static int sem_get(int32_t key, uint32_t nsems, uint32_t create_mode, uint32_t mode, bool exclusive, bool *created)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        int id = semget(key, (int)nsems, IPC_CREAT | IPC_EXCL | (int)(create_mode & 0777));
        if (id >= 0) {
            *created = true;
            return id;
        }
        if (errno != EEXIST || exclusive || key == IPC_PRIVATE) return -1;
        id = semget(key, (int)nsems, (int)(mode & 0777)); /* the permissions asked for are checked */
        if (id >= 0) {
            *created = false;
            return id;
        }
        if (errno != ENOENT) return -1;
    }
    errno = EAGAIN;
    return -1;
}

static void op_sem_create(const struct request *rq)
{
    int32_t key = get_i32(rq->args);
    uint32_t nsems = get_u32(rq->args + 4);
    uint32_t mode = get_u32(rq->args + 8);
    uint32_t flags = get_u32(rq->args + 12);
    bool with_values = rq->arglen > SEM_CREATE_FIXED; /* the length (2 * nsems) was checked by dispatch() */
    if ((flags & ~1u) != 0) {
        reply_error(rq, EINVAL, "SEM_CREATE: flags may only have bit 0 (exclusive) set, got 0x%x", flags);
        return;
    }
    if (nsems > INT_MAX) {
        reply_error(rq, EINVAL, "%" PRIu32 " semaphores is more than any set can have", nsems);
        return;
    }
    unsigned short *values = NULL;
    if (with_values) {
        values = calloc(nsems, sizeof *values);
        if (!values) {
            reply_error(rq, ENOMEM, "no memory for %" PRIu32 " initial values", nsems);
            return;
        }
        for (uint32_t i = 0; i < nsems; i++) {
            uint16_t v = get_u16(rq->args + SEM_CREATE_FIXED + 2 * i);
            if (v > SEMVMX_VALUE) {
                reply_error(rq, ERANGE, "initial value %u of semaphore %" PRIu32 " is above the largest a semaphore "
                            "holds (SEMVMX, %u); nothing was created", v, i, SEMVMX_VALUE);
                free(values);
                return;
            }
            values[i] = v;
        }
    }
    /* SETALL needs alter permission, which a mode without the owner's write bit denies even to
     * the creator: such a set is made owner-writable, given its values, then given its mode. */
    bool owner_cannot_write = with_values && (mode & 0200) == 0;
    bool created = false;
    int semid = sem_get(key, nsems, owner_cannot_write ? (mode & 0777) | 0600 : mode, mode, (flags & 1u) != 0, &created);
    if (semid < 0) {
        int err = errno;
        char limits[256], text[160];
        if (err == EINVAL) {
            reply_sem_create_invalid(rq, key, nsems);
        } else if (err == EAGAIN) {
            reply_error(rq, EAGAIN, "a semaphore set with key 0x%08x kept appearing and disappearing while "
                        "creating it; try again", (unsigned)key);
        } else {
            sem_limits_text(text, sizeof text);
            snprintf(limits, sizeof limits, "too many semaphore sets (SEMMNI) or semaphores in all (SEMMNS): %s",
                     text);
            reply_get_error(rq, err, KIND_SEM, key, limits);
        }
        free(values);
        return;
    }
    if (created && with_values && nsems > 0) {
        union semun arg = {.array = values};
        const char *step = NULL;
        int err = 0;
        if (semctl(semid, 0, SETALL, arg) < 0) {
            err = errno;
            step = "setting the initial values of";
        } else if (owner_cannot_write) {
            struct semid_ds ds;
            union semun sarg = {.buf = &ds};
            if (semctl(semid, 0, IPC_STAT, sarg) < 0) {
                err = errno;
                step = "checking";
            } else {
                ds.sem_perm.mode = (unsigned short)(mode & 0777);
                if (semctl(semid, 0, IPC_SET, sarg) < 0) {
                    err = errno;
                    step = "setting the mode of";
                }
            }
        }
        if (err) {
            semctl(semid, 0, IPC_RMID); /* do not leave a half-made set behind */
            reply_error(rq, err, "%s the new semaphore set %d failed: %s; the set was removed again", step, semid,
                        strerror(err));
            free(values);
            return;
        }
    }
    free(values);
    reply_created_id(rq, created, semid);
}

static void op_sem_remove(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int semid = get_i32(rq->args);
    if (semctl(semid, 0, IPC_RMID) < 0) {
        reply_sysv_error(rq, errno, KIND_SEM, semid, &act);
        return;
    }
    reply_ok(rq, NULL, 0);
}

static void op_sem_set(const struct request *rq)
{
    static const struct action act = {"changing", "change"};
    int semid = get_i32(rq->args);
    uint32_t uid = get_u32(rq->args + 4);
    uint32_t gid = get_u32(rq->args + 8);
    uint32_t mode = get_u32(rq->args + 12);
    struct semid_ds ds;
    if (!sem_stat_for_owner_or_reply(rq, semid, &ds, &act)) return;
    char what[48];
    snprintf(what, sizeof what, "semaphore set %d", semid);
    if (!write_back_ok_or_reply(rq, what, uid, gid, ds.sem_perm.uid, ds.sem_perm.gid)) return;
    if (uid != KEEP) ds.sem_perm.uid = uid;
    if (gid != KEEP) ds.sem_perm.gid = gid;
    if (mode != KEEP) ds.sem_perm.mode = (unsigned short)((ds.sem_perm.mode & ~0777u) | (mode & 0777u));
    union semun arg = {.buf = &ds};
    if (semctl(semid, 0, IPC_SET, arg) < 0) {
        int err = errno;
        if (err == EINVAL && (uid != KEEP || gid != KEEP) && sem_stat_any(semid, &ds)) {
            reply_error(rq, EINVAL, "uid %u / gid %u is not valid here (not mapped in this user namespace)", uid, gid);
        } else {
            reply_sysv_error(rq, err, KIND_SEM, semid, &act);
        }
        return;
    }
    if (sem_stat_for_owner_or_reply(rq, semid, &ds, &act)) reply_sem_stat(rq, semid, &ds);
}

/* Message queues ----------------------------------------------------------------------------- */

static void encode_msg_stat(unsigned char *p, int msqid, const struct msqid_ds *ds)
{
    memset(p, 0, MSG_STAT_BYTES);
    put_i32(p + 0, ds->msg_perm.__key);
    put_i32(p + 4, msqid);
    put_u32(p + 8, ds->msg_perm.mode);
    put_u32(p + 12, ds->msg_perm.uid);
    put_u32(p + 16, ds->msg_perm.gid);
    put_u32(p + 20, ds->msg_perm.cuid);
    put_u32(p + 24, ds->msg_perm.cgid);
    put_i32(p + 28, ds->msg_lspid);
    put_i32(p + 32, ds->msg_lrpid);
    put_u64(p + 40, (uint64_t)ds->__msg_cbytes);
    put_u64(p + 48, (uint64_t)ds->msg_qnum);
    put_u64(p + 56, (uint64_t)ds->msg_qbytes);
    put_i64(p + 64, (int64_t)ds->msg_stime);
    put_i64(p + 72, (int64_t)ds->msg_rtime);
    put_i64(p + 80, (int64_t)ds->msg_ctime);
}

static void reply_msg_stat(const struct request *rq, int msqid, const struct msqid_ds *ds)
{
    unsigned char record[MSG_STAT_BYTES];
    encode_msg_stat(record, msqid, ds);
    reply_ok(rq, record, sizeof record);
}

static bool msg_stat_or_reply(const struct request *rq, int msqid, struct msqid_ds *ds, const struct action *act)
{
    if (msgctl(msqid, IPC_STAT, ds) == 0) return true;
    reply_sysv_error(rq, errno, KIND_MSG, msqid, act);
    return false;
}

static bool msg_stat_for_owner_or_reply(const struct request *rq, int msqid, struct msqid_ds *ds,
                                        const struct action *act)
{
    if (msgctl(msqid, IPC_STAT, ds) == 0) return true;
    int err = errno;
    if (err == EACCES && msg_stat_any(msqid, ds)) return true;
    reply_sysv_error(rq, err, KIND_MSG, msqid, act);
    return false;
}

static void op_msg_stat(const struct request *rq)
{
    static const struct action act = {"reading the status of", "read the status of"};
    int msqid = get_i32(rq->args);
    struct msqid_ds ds;
    if (msg_stat_or_reply(rq, msqid, &ds, &act)) reply_msg_stat(rq, msqid, &ds);
}

/* A copy of a queue's messages, one at a time: `long mtype` and then room for the text. */
struct msg_buffer {
    long *data;  /* data[0] is mtype, the text follows */
    size_t room; /* bytes of text */
};

/* Room for the largest message queue `ds` can hold: one message is at most kernel.msgmax bytes
 * (the kernel will not copy a longer one) and at most as large as the queue's capacity or its
 * current content. Replies and returns false when that much cannot be had. */
static bool msg_buffer_or_reply(const struct request *rq, int msqid, const struct msqid_ds *ds, bool full,
                                struct msg_buffer *b)
{
    struct msginfo info;
    uint64_t msgmax = msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info) >= 0 && info.msgmax > 0
                          ? (uint64_t)info.msgmax
                          : read_proc_number("/proc/sys/kernel/msgmax", 8192);
    uint64_t largest = (uint64_t)ds->msg_qbytes > (uint64_t)ds->__msg_cbytes ? (uint64_t)ds->msg_qbytes
                                                                              : (uint64_t)ds->__msg_cbytes;
    uint64_t room = full || largest > msgmax ? msgmax : largest;
    if (room == 0) room = 1;
    if (room > MAX_COPY_BUFFER) {
        reply_error(rq, ENOMEM, "message queue %d may hold messages of up to %" PRIu64 " bytes (kernel.msgmax); the "
                    "helper copies at most %u", msqid, room, MAX_COPY_BUFFER);
        return false;
    }
    if (b->room < room) {
        long *grown = realloc(b->data, sizeof(long) + (size_t)room);
        if (!grown) {
            reply_error(rq, ENOMEM, "no memory for a copy of a %" PRIu64 "-byte message", room);
            return false;
        }
        b->data = grown;
        b->room = (size_t)room;
    }
    return true;
}

/* The one caller of msgrcv(): a COPY of the message at `index` (MSG_COPY: the fourth argument is
 * an index, not a type), nothing received, the queue unchanged. Returns the text's true size, or
 * -1 with errno (ENOMSG: no message at that index). */
static ssize_t msg_copy(int msqid, uint64_t index, struct msg_buffer *b)
{
    for (;;) {
        ssize_t n = msgrcv(msqid, b->data, b->room, (long)index, MSG_COPY | IPC_NOWAIT | MSG_NOERROR);
        if (n >= 0 || errno != EINTR) return n;
    }
}

/* msg_copy(), replying on failure. EINVAL is a removed queue, or a message longer than the copy
 * buffer: then once more with room for kernel.msgmax. */
static bool msg_copy_or_reply(const struct request *rq, int msqid, uint64_t index, struct msg_buffer *b, ssize_t *size,
                              bool *end)
{
    static const struct action act = {"reading the messages of", "read"};
    *end = false;
    for (int attempt = 0;; attempt++) {
        *size = msg_copy(msqid, index, b);
        if (*size >= 0) return true;
        int err = errno;
        if (err == ENOMSG) {
            *end = true;
            return true;
        }
        if (err == ENOSYS) {
            reply_error(rq, ENOSYS, "this kernel cannot read a queue without consuming it (msgrcv MSG_COPY needs "
                        "CONFIG_CHECKPOINT_RESTORE), and the helper never receives a message");
            return false;
        }
        struct msqid_ds ds;
        if (err != EINVAL || msgctl(msqid, IPC_STAT, &ds) < 0) {
            reply_sysv_error(rq, err, KIND_MSG, msqid, &act);
            return false;
        }
        if (attempt == 0 && msg_buffer_or_reply(rq, msqid, &ds, true, b)) continue;
        if (attempt == 0) return false; /* msg_buffer_or_reply() replied */
        reply_error(rq, E2BIG, "message %" PRIu64 " of queue %d is longer than kernel.msgmax allows copying now (the "
                    "limit was lowered after it was sent?); raise kernel.msgmax to look at it", index, msqid);
        return false;
    }
}

/* u32 n, u32 flags (bit 0: more messages after these), then per message u32 index, i64 mtype,
 * u32 size (the true size), u32 previewLength and that many bytes of its start. */
static void op_msg_peek(const struct request *rq)
{
    static const struct action act = {"reading the messages of", "read"};
    int msqid = get_i32(rq->args);
    uint32_t first = get_u32(rq->args + 4);
    uint32_t count = get_u32(rq->args + 8);
    uint32_t preview = get_u32(rq->args + 12);
    uint32_t reserved = get_u32(rq->args + 16);
    if (reserved != 0) {
        reply_error(rq, EINVAL, "MSG_PEEK: the reserved field must be 0");
        return;
    }
    if (count > MAX_PEEK_COUNT || preview > MAX_PREVIEW) {
        reply_error(rq, E2BIG, "MSG_PEEK takes at most %u messages and %u preview bytes each, got %" PRIu32
                    " and %" PRIu32, MAX_PEEK_COUNT, MAX_PREVIEW, count, preview);
        return;
    }
    struct msqid_ds ds;
    if (!msg_stat_or_reply(rq, msqid, &ds, &act)) return;
    struct msg_buffer b = {NULL, 0};
    size_t record = 20 + (size_t)preview;
    unsigned char *out = malloc(8 + (size_t)count * record);
    if (!out) {
        reply_error(rq, ENOMEM, "no memory for a peek at %" PRIu32 " messages", count);
        return;
    }
    if (!msg_buffer_or_reply(rq, msqid, &ds, false, &b)) goto out;
    size_t at = 8;
    uint32_t n = 0;
    bool end = false;
    for (; n < count && !end; n++) {
        uint64_t index = (uint64_t)first + n;
        ssize_t size;
        if (index > UINT32_MAX) {
            end = true;
            break;
        }
        if (!msg_copy_or_reply(rq, msqid, index, &b, &size, &end)) goto out;
        if (end) break;
        uint32_t shown_len = (size_t)size < preview ? (uint32_t)size : preview;
        put_u32(out + at, (uint32_t)index);
        put_i64(out + at + 4, (int64_t)b.data[0]);
        put_u32(out + at + 12, (uint32_t)size);
        put_u32(out + at + 16, shown_len);
        memcpy(out + at + 20, b.data + 1, shown_len);
        at += 20 + shown_len;
    }
    bool more = false;
    if (!end && (uint64_t)first + n <= UINT32_MAX) { /* is there one after these? */
        ssize_t size;
        bool none;
        if (!msg_copy_or_reply(rq, msqid, (uint64_t)first + n, &b, &size, &none)) goto out;
        more = !none;
    }
    put_u32(out, n);
    put_u32(out + 4, more ? 1u : 0u);
    reply_ok(rq, out, at);
out:
    free(out);
    free(b.data);
}

/* i64 mtype, then the whole text of the message at `index`. */
static void op_msg_read(const struct request *rq)
{
    static const struct action act = {"reading a message of", "read"};
    int msqid = get_i32(rq->args);
    uint32_t index = get_u32(rq->args + 4);
    uint32_t reserved = get_u32(rq->args + 8);
    if (reserved != 0) {
        reply_error(rq, EINVAL, "MSG_READ: the reserved field must be 0");
        return;
    }
    struct msqid_ds ds;
    if (!msg_stat_or_reply(rq, msqid, &ds, &act)) return;
    struct msg_buffer b = {NULL, 0};
    ssize_t size;
    bool end;
    if (!msg_buffer_or_reply(rq, msqid, &ds, false, &b) || !msg_copy_or_reply(rq, msqid, index, &b, &size, &end)) {
        free(b.data);
        return;
    }
    if (end) {
        reply_error(rq, ENOMSG, "message queue %d has no message at index %" PRIu32 " (it holds %lu now)", msqid, index,
                    (unsigned long)ds.msg_qnum);
    } else if ((uint64_t)size > MAX_READ) {
        reply_error(rq, E2BIG, "message %" PRIu32 " of queue %d is %zd bytes; the helper sends at most %u", index, msqid,
                    size, MAX_READ);
    } else {
        unsigned char head[8];
        put_i64(head, (int64_t)b.data[0]);
        send_reply(rq->id, rq->op, 0, head, sizeof head, b.data + 1, (size_t)size);
    }
    free(b.data);
}

static void op_msg_create(const struct request *rq)
{
    int32_t key = get_i32(rq->args);
    uint32_t mode = get_u32(rq->args + 4);
    uint32_t flags = get_u32(rq->args + 8);
    if ((flags & ~1u) != 0) {
        reply_error(rq, EINVAL, "MSG_CREATE: flags may only have bit 0 (exclusive) set, got 0x%x", flags);
        return;
    }
    bool exclusive = (flags & 1u) != 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        int id = msgget(key, IPC_CREAT | IPC_EXCL | (int)(mode & 0777));
        if (id >= 0) {
            reply_created_id(rq, true, id);
            return;
        }
        int err = errno;
        if (err == EEXIST && !exclusive && key != IPC_PRIVATE) {
            id = msgget(key, (int)(mode & 0777));
            if (id >= 0) {
                reply_created_id(rq, false, id);
                return;
            }
            err = errno;
            if (err == ENOENT) continue; /* removed meanwhile: create it again */
        }
        char limits[160];
        snprintf(limits, sizeof limits, "too many message queues (kernel.msgmni is %" PRIu64 ")",
                 read_proc_number("/proc/sys/kernel/msgmni", 0));
        reply_get_error(rq, err, KIND_MSG, key, limits);
        return;
    }
    reply_error(rq, EAGAIN, "a message queue with key 0x%08x kept appearing and disappearing while creating it; try "
                "again", (unsigned)key);
}

static void op_msg_remove(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int msqid = get_i32(rq->args);
    if (msgctl(msqid, IPC_RMID, NULL) < 0) {
        reply_sysv_error(rq, errno, KIND_MSG, msqid, &act);
        return;
    }
    reply_ok(rq, NULL, 0);
}

static void op_msg_set(const struct request *rq)
{
    static const struct action act = {"changing", "change"};
    int msqid = get_i32(rq->args);
    uint32_t uid = get_u32(rq->args + 4);
    uint32_t gid = get_u32(rq->args + 8);
    uint32_t mode = get_u32(rq->args + 12);
    uint64_t qbytes = get_u64(rq->args + 16);
    if (qbytes != KEEP64 && qbytes > (uint64_t)LONG_MAX) {
        reply_error(rq, EINVAL, "a capacity of %" PRIu64 " bytes is more than a queue can have", qbytes);
        return;
    }
    struct msqid_ds ds;
    if (!msg_stat_for_owner_or_reply(rq, msqid, &ds, &act)) return;
    char what[48];
    snprintf(what, sizeof what, "message queue %d", msqid);
    if (!write_back_ok_or_reply(rq, what, uid, gid, ds.msg_perm.uid, ds.msg_perm.gid)) return;
    if (uid != KEEP) ds.msg_perm.uid = uid;
    if (gid != KEEP) ds.msg_perm.gid = gid;
    if (mode != KEEP) ds.msg_perm.mode = (unsigned short)((ds.msg_perm.mode & ~0777u) | (mode & 0777u));
    uint64_t before = (uint64_t)ds.msg_qbytes;
    if (qbytes != KEEP64) ds.msg_qbytes = (msglen_t)qbytes;
    if (msgctl(msqid, IPC_SET, &ds) < 0) {
        int err = errno;
        uint64_t msgmnb = read_proc_number("/proc/sys/kernel/msgmnb", 0);
        struct msqid_ds now;
        bool exists = msg_stat_any(msqid, &now);
        unsigned me = (unsigned)geteuid();
        if (err == EPERM && exists && (now.msg_perm.uid == me || now.msg_perm.cuid == me) && qbytes != KEEP64 &&
            qbytes > before && qbytes > msgmnb) {
            reply_error(rq, EPERM, "raising the capacity of message queue %d to %" PRIu64 " bytes, above kernel.msgmnb "
                        "(%" PRIu64 "), needs CAP_SYS_RESOURCE; nothing was changed", msqid, qbytes, msgmnb);
        } else if (err == EINVAL && exists && (uid != KEEP || gid != KEEP)) {
            reply_error(rq, EINVAL, "uid %u / gid %u is not valid here (not mapped in this user namespace)", uid, gid);
        } else {
            reply_sysv_error(rq, err, KIND_MSG, msqid, &act);
        }
        return;
    }
    if (msg_stat_for_owner_or_reply(rq, msqid, &ds, &act)) reply_msg_stat(rq, msqid, &ds);
}

/* ------------------------------------------------------------------------------------------------
 * POSIX message queues, through mq_open() in the IPC namespace's own internal mqueue mount (no
 * /dev/mqueue needed). Opened O_RDONLY | O_NONBLOCK for the attributes, closed before the reply:
 * nothing is ever sent or received (a POSIX queue cannot be read without receiving).
 */

/* rq->path as a queue name: "/NAME", NAME 1 to 255 bytes with no '/', not "." or "..". */
static bool mq_name_or_reply(const struct request *rq)
{
    const char *name = rq->path;
    const char *why = NULL;
    if (memchr(name, 0, rq->pathlen)) why = "it contains a NUL byte";
    else if (name[0] != '/') why = "it does not start with '/'";
    else if (rq->pathlen == 1) why = "the name after '/' is empty";
    else if (rq->pathlen - 1 > MAX_NAME) why = "the name after '/' is longer than 255 bytes";
    else if (strchr(name + 1, '/')) why = "it has a '/' after the first";
    else if (strcmp(name + 1, ".") == 0 || strcmp(name + 1, "..") == 0) why = "the name is \".\" or \"..\"";
    if (!why) return true;
    reply_error(rq, EINVAL, "not the name of a POSIX message queue: %s (%s; names are /NAME, NAME 1 to 255 bytes "
                "without '/')", shown(name), why);
    return false;
}

static void reply_mq_errno(const struct request *rq, int err, const char *gerund)
{
    const char *name = shown(rq->path);
    unsigned me = (unsigned)geteuid();
    switch (err) {
    case ENOENT:
        reply_error(rq, ENOENT, "no POSIX message queue %s in this IPC namespace (already removed?)", name);
        break;
    case EACCES:
        reply_error(rq, EACCES, "permission denied %s POSIX message queue %s: its mode does not let this helper (uid "
                    "%u) %s; its owner can change the mode (chmod /dev/mqueue%s where the mqueue file system is "
                    "mounted), or run as root", gerund, name, me,
                    rq->op == OP_MQ_UNLINK ? "remove it" : "open it for reading", name);
        break;
    case EPERM:
        reply_error(rq, EPERM, "not permitted %s POSIX message queue %s: the queue directory is sticky, so only the "
                    "queue's owner or root may remove it, and this helper runs as uid %u", gerund, name, me);
        break;
    case EMFILE:
        reply_error(rq, EMFILE, "%s POSIX message queue %s failed: too many open descriptors, or this user's "
                    "RLIMIT_MSGQUEUE (ulimit -q) would be exceeded by the queue's size", gerund, name);
        break;
    case ENFILE:
        reply_error(rq, ENFILE, "%s POSIX message queue %s failed: the system has too many open files", gerund, name);
        break;
    case ENOSPC:
        reply_error(rq, ENOSPC, "cannot create POSIX message queue %s: there are already fs.mqueue.queues_max (%" PRIu64
                    ") queues in this IPC namespace", name, read_proc_number("/proc/sys/fs/mqueue/queues_max", 0));
        break;
    case ENAMETOOLONG:
        reply_error(rq, ENAMETOOLONG, "the name %s is too long for the kernel (at most 255 bytes after '/')", name);
        break;
    case ENOSYS:
        reply_error(rq, ENOSYS, "this kernel has no POSIX message queues (CONFIG_POSIX_MQUEUE)");
        break;
    case ENOMEM:
        reply_error(rq, ENOMEM, "not enough memory %s POSIX message queue %s", gerund, name);
        break;
    default:
        reply_error(rq, err, "%s POSIX message queue %s failed: %s", gerund, name, strerror(err));
        break;
    }
}

/* u64 maxmsg, u64 msgsize, u64 curmsgs, u64 flags (of the helper's own descriptor: O_NONBLOCK). */
static bool encode_mq_attr_or_reply(const struct request *rq, mqd_t q, unsigned char *p)
{
    struct mq_attr a;
    if (mq_getattr(q, &a) < 0) {
        reply_mq_errno(rq, errno, "reading the attributes of");
        return false;
    }
    put_u64(p + 0, (uint64_t)a.mq_maxmsg);
    put_u64(p + 8, (uint64_t)a.mq_msgsize);
    put_u64(p + 16, (uint64_t)a.mq_curmsgs);
    put_u64(p + 24, (uint64_t)a.mq_flags);
    return true;
}

static void op_mq_attr(const struct request *rq)
{
    if (!mq_name_or_reply(rq)) return;
    mqd_t q = mq_open(rq->path, O_RDONLY | O_NONBLOCK); /* receives nothing: only the attributes are read */
    if (q == (mqd_t)-1) {
        reply_mq_errno(rq, errno, "opening");
        return;
    }
    unsigned char record[MQ_ATTR_BYTES];
    if (encode_mq_attr_or_reply(rq, q, record)) reply_ok(rq, record, sizeof record);
    mq_close(q);
}

static void op_mq_create(const struct request *rq)
{
    uint32_t mode = get_u32(rq->args);
    uint32_t flags = get_u32(rq->args + 4);
    uint64_t maxmsg = get_u64(rq->args + 8);
    uint64_t msgsize = get_u64(rq->args + 16);
    if (!mq_name_or_reply(rq)) return;
    if ((flags & ~1u) != 0) {
        reply_error(rq, EINVAL, "MQ_CREATE: flags may only have bit 0 (exclusive) set, got 0x%x", flags);
        return;
    }
    if (maxmsg > (uint64_t)LONG_MAX || msgsize > (uint64_t)LONG_MAX) {
        reply_error(rq, EINVAL, "maxmsg %" PRIu64 " / msgsize %" PRIu64 " is more than a queue can have", maxmsg, msgsize);
        return;
    }
    /* 0 is the system default, per field (fs.mqueue.msg_default, msgsize_default of this IPC
     * namespace); with both 0 the kernel picks them itself. */
    struct mq_attr attr = {0};
    bool defaults = maxmsg == 0 && msgsize == 0;
    attr.mq_maxmsg = (long)(maxmsg ? maxmsg : read_proc_number("/proc/sys/fs/mqueue/msg_default", 10));
    attr.mq_msgsize = (long)(msgsize ? msgsize : read_proc_number("/proc/sys/fs/mqueue/msgsize_default", 8192));
    unsigned char payload[8 + MQ_ATTR_BYTES];
    for (int attempt = 0; attempt < 4; attempt++) {
        /* The umask must not change the mode asked for; the helper is single-threaded, so nothing
         * else runs while it is 0. */
        mode_t mask = umask(0);
        mqd_t q = mq_open(rq->path, O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK, (mode_t)(mode & 0777),
                          defaults ? NULL : &attr);
        int err = errno;
        umask(mask);
        bool created = q != (mqd_t)-1;
        if (!created && err == EEXIST && (flags & 1u) == 0) {
            q = mq_open(rq->path, O_RDONLY | O_NONBLOCK);
            err = errno;
            if (q == (mqd_t)-1 && err == ENOENT) continue; /* removed meanwhile: create it again */
            if (q == (mqd_t)-1) {
                reply_mq_errno(rq, err, "opening the existing");
                return;
            }
        } else if (!created) {
            if (err == EEXIST) {
                reply_error(rq, EEXIST, "a POSIX message queue %s already exists (exclusive create)", shown(rq->path));
            } else if (err == EINVAL) {
                reply_error(rq, EINVAL, "cannot create POSIX message queue %s with maxmsg %ld and msgsize %ld: both "
                            "must be at least 1 and at most fs.mqueue.msg_max (%" PRIu64 ") and msgsize_max (%" PRIu64
                            ") for a user without CAP_SYS_RESOURCE", shown(rq->path), attr.mq_maxmsg, attr.mq_msgsize,
                            read_proc_number("/proc/sys/fs/mqueue/msg_max", 0),
                            read_proc_number("/proc/sys/fs/mqueue/msgsize_max", 0));
            } else {
                reply_mq_errno(rq, err, "creating");
            }
            return;
        }
        put_u32(payload, created ? 1u : 0u);
        put_u32(payload + 4, 0);
        bool ok = encode_mq_attr_or_reply(rq, q, payload + 8);
        mq_close(q);
        if (ok) reply_ok(rq, payload, sizeof payload);
        return;
    }
    reply_error(rq, EAGAIN, "POSIX message queue %s kept appearing and disappearing while creating it; try again",
                shown(rq->path));
}

static void op_mq_unlink(const struct request *rq)
{
    if (!mq_name_or_reply(rq)) return;
    if (mq_unlink(rq->path) < 0) {
        reply_mq_errno(rq, errno, "removing");
        return;
    }
    reply_ok(rq, NULL, 0);
}

/* ------------------------------------------------------------------------------------------------
 * Dispatch.
 */

/* ------------------------------------------------------------------------------------------------
 * Another IPC namespace (a container's). NS_ENTER joins the IPC namespace of a process, as
 * `nsenter --ipc --target PID` does: every later operation is about that namespace, and so are
 * /proc/sysvipc and the kernel.* IPC limits, which always show the READER's namespace (TABLE reads
 * them for the client). A helper serves one namespace for its whole life, so NS_ENTER is accepted
 * only before any operation other than HELLO: nothing held, cached or created in the old namespace
 * can outlive the switch. The namespace is named by pid AND inode: a pid reused since the client
 * listed the namespaces points at another one, and is refused (ESTALE) rather than entered.
 */

static bool ns_enter_allowed = true; /* cleared by the first operation other than HELLO and NS_ENTER */

static void op_ns_enter(const struct request *rq)
{
    uint32_t pid = get_u32(rq->args);
    uint32_t reserved = get_u32(rq->args + 4);
    uint64_t inode = get_u64(rq->args + 8);
    if (reserved != 0 || pid == 0 || pid > INT32_MAX) {
        reply_error(rq, EINVAL, "NS_ENTER takes a pid of 1 to %d and a zero reserved field, got pid %" PRIu32
                    " and reserved %" PRIu32, INT32_MAX, pid, reserved);
        return;
    }
    if (!ns_enter_allowed) {
        reply_error(rq, EBUSY, "NS_ENTER must come before any other operation but HELLO: this helper already works "
                    "in its IPC namespace; start another helper for another namespace");
        return;
    }
    char path[32];
    snprintf(path, sizeof path, "/proc/%" PRIu32 "/ns/ipc", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ESRCH)
            reply_error(rq, ESRCH, "process %" PRIu32 " has exited: its IPC namespace cannot be entered through it "
                        "(the namespace is gone if it was its last process)", pid);
        else
            reply_error(rq, err, "opening %s failed: %s (only root, or the process's owner with CAP_SYS_ADMIN, may "
                        "enter its namespaces)", path, strerror(err));
        return;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != inode) {
        reply_error(rq, ESTALE, "process %" PRIu32 " is not in IPC namespace ipc:[%" PRIu64 "] (it is in ipc:[%" PRIu64
                    "]): its pid was probably reused; list the namespaces again", pid, inode, (uint64_t)st.st_ino);
        close_fd(&fd);
        return;
    }
    if (setns(fd, CLONE_NEWIPC) < 0) {
        int err = errno;
        close_fd(&fd);
        if (err == EPERM)
            reply_error(rq, EPERM, "entering IPC namespace ipc:[%" PRIu64 "] needs CAP_SYS_ADMIN over it (run VS Code "
                        "as root, or open the container with Dev Containers so the extension runs inside it)", inode);
        else
            reply_error(rq, err, "entering IPC namespace ipc:[%" PRIu64 "] failed: %s", inode, strerror(err));
        return;
    }
    close_fd(&fd);
    ns_enter_allowed = false;
    reply_ok(rq, NULL, 0);
}

/* TABLE: the bytes of one of the kernel's IPC tables or limit files as this helper's namespace has
 * it. Only these exact paths: the helper may run as root and must not read any file it is asked. */
static const char *const ipc_tables[] = {
    "/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg",
    "/proc/sys/kernel/shmmax", "/proc/sys/kernel/shmall", "/proc/sys/kernel/shmmni",
    "/proc/sys/kernel/shm_rmid_forced", "/proc/sys/kernel/shm_next_id", "/proc/sys/kernel/msgmax",
    "/proc/sys/kernel/msgmnb", "/proc/sys/kernel/msgmni", "/proc/sys/kernel/msg_next_id",
    "/proc/sys/kernel/sem", "/proc/sys/kernel/sem_next_id", "/proc/sys/fs/mqueue/queues_max",
    "/proc/sys/fs/mqueue/msg_max", "/proc/sys/fs/mqueue/msgsize_max",
};

static void op_table(const struct request *rq)
{
    const char *file = NULL;
    for (size_t i = 0; i < sizeof ipc_tables / sizeof ipc_tables[0]; i++)
        if (rq->pathlen == strlen(ipc_tables[i]) && memcmp(rq->path, ipc_tables[i], rq->pathlen) == 0) file = ipc_tables[i];
    if (!file) {
        reply_error(rq, EINVAL, "TABLE reads only /proc/sysvipc/{shm,sem,msg} and the IPC limits of /proc/sys/kernel "
                    "and /proc/sys/fs/mqueue, not %s", shown(rq->path));
        return;
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        reply_error(rq, errno, "opening %s failed: %s", file, strerror(errno));
        return;
    }
    size_t capacity = 64 * 1024, length = 0;
    unsigned char *bytes = malloc(capacity);
    for (;;) {
        if (!bytes) {
            close_fd(&fd);
            reply_error(rq, ENOMEM, "no memory to read %s", file);
            return;
        }
        if (length == capacity) {
            if (capacity >= MAX_READ) {
                free(bytes);
                close_fd(&fd);
                reply_error(rq, E2BIG, "%s is larger than %u bytes", file, MAX_READ);
                return;
            }
            unsigned char *grown = realloc(bytes, capacity * 2);
            if (!grown) free(bytes);
            bytes = grown;
            capacity *= 2;
            continue;
        }
        ssize_t n = read(fd, bytes + length, capacity - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            free(bytes);
            close_fd(&fd);
            reply_error(rq, err, "reading %s failed: %s", file, strerror(err));
            return;
        }
        if (n == 0) break;
        length += (size_t)n;
    }
    close_fd(&fd);
    reply_ok(rq, bytes, length);
    free(bytes);
}

/* PROC_SCAN: who holds what, read from /proc with several threads (proc-scan.c); the client
 * parses the records. Any process may be asked about: /proc itself says what this user may see. */
static void op_proc_scan(const struct request *rq)
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

/* Arguments: `arglen` bytes exactly; or, for ARGS_PATH, `arglen` fixed bytes and then a path (or a
 * POSIX queue name) of 1 .. MAX_PATH bytes to the end of the frame; or, for ARGS_SEM_VALUES,
 * `arglen` fixed bytes and then nothing or 2 * nsems bytes. Checked in this order, each failure
 * answered and the stream going on: unknown op (ENOSYS), non-zero flags (EINVAL), argument length
 * (EINVAL, including a path that is empty or longer than MAX_PATH). Everything about the path's
 * content (a NUL inside, its form) is checked by the operation, by parse_ipc_path() or
 * mq_name_or_reply(). */
enum arg_form {
    ARGS_FIXED,      /* exactly arglen bytes */
    ARGS_PATH,       /* arglen fixed bytes, then a path (or a queue name) of 1 .. MAX_PATH bytes */
    ARGS_SEM_VALUES, /* arglen fixed bytes, then nothing or one u16 per semaphore (u32 nsems at offset 4) */
};

static const struct {
    const char *name;
    uint32_t arglen;
    enum arg_form form;
    void (*run)(const struct request *);
} ops[OP_COUNT] = {
    [OP_HELLO] = {"HELLO", 4, ARGS_FIXED, op_hello},
    [OP_STAT] = {"STAT", 4, ARGS_FIXED, op_stat},
    [OP_READ] = {"READ", 16, ARGS_FIXED, op_read},
    [OP_RESIDENCY] = {"RESIDENCY", 24, ARGS_FIXED, op_residency},
    [OP_ATTACH] = {"ATTACH", 4, ARGS_FIXED, op_attach},
    [OP_DETACH] = {"DETACH", 4, ARGS_FIXED, op_detach},
    [OP_CREATE] = {"CREATE", 24, ARGS_FIXED, op_create},
    [OP_REMOVE] = {"REMOVE", 4, ARGS_FIXED, op_remove},
    [OP_REMOVE_IF_UNATTACHED] = {"REMOVE_IF_UNATTACHED", 4, ARGS_FIXED, op_remove_if_unattached},
    [OP_SET] = {"SET", 16, ARGS_FIXED, op_set},
    [OP_LOCK] = {"LOCK", 4, ARGS_FIXED, op_lock},
    [OP_UNLOCK] = {"UNLOCK", 4, ARGS_FIXED, op_lock},
    [OP_LIMITS] = {"LIMITS", 0, ARGS_FIXED, op_limits},
    [OP_FILE_STAT] = {"FILE_STAT", 0, ARGS_PATH, op_file_stat},
    [OP_FILE_READ] = {"FILE_READ", 32, ARGS_PATH, op_file_read},
    [OP_FILE_DATA] = {"FILE_DATA", 32, ARGS_PATH, op_file_data},
    [OP_FILE_CREATE] = {"FILE_CREATE", 16, ARGS_PATH, op_file_create},
    [OP_FILE_UNLINK] = {"FILE_UNLINK", 16, ARGS_PATH, op_file_unlink},
    [OP_FILE_SET] = {"FILE_SET", 28, ARGS_PATH, op_file_set},
    [OP_SEM_STAT] = {"SEM_STAT", 4, ARGS_FIXED, op_sem_stat},
    [OP_SEM_VALUES] = {"SEM_VALUES", 4, ARGS_FIXED, op_sem_values},
    [OP_SEM_CREATE] = {"SEM_CREATE", SEM_CREATE_FIXED, ARGS_SEM_VALUES, op_sem_create},
    [OP_SEM_REMOVE] = {"SEM_REMOVE", 4, ARGS_FIXED, op_sem_remove},
    [OP_SEM_SET] = {"SEM_SET", 16, ARGS_FIXED, op_sem_set},
    [OP_MSG_STAT] = {"MSG_STAT", 4, ARGS_FIXED, op_msg_stat},
    [OP_MSG_PEEK] = {"MSG_PEEK", 20, ARGS_FIXED, op_msg_peek},
    [OP_MSG_READ] = {"MSG_READ", 12, ARGS_FIXED, op_msg_read},
    [OP_MSG_CREATE] = {"MSG_CREATE", 12, ARGS_FIXED, op_msg_create},
    [OP_MSG_REMOVE] = {"MSG_REMOVE", 4, ARGS_FIXED, op_msg_remove},
    [OP_MSG_SET] = {"MSG_SET", 24, ARGS_FIXED, op_msg_set},
    [OP_MQ_ATTR] = {"MQ_ATTR", 0, ARGS_PATH, op_mq_attr},
    [OP_MQ_CREATE] = {"MQ_CREATE", 24, ARGS_PATH, op_mq_create},
    [OP_MQ_UNLINK] = {"MQ_UNLINK", 0, ARGS_PATH, op_mq_unlink},
    [OP_NS_ENTER] = {"NS_ENTER", 16, ARGS_FIXED, op_ns_enter},
    [OP_TABLE] = {"TABLE", 0, ARGS_PATH, op_table},
    [OP_PROC_SCAN] = {"PROC_SCAN", 8, ARGS_FIXED, op_proc_scan},
};

static void dispatch(const struct request *rq)
{
    if (rq->op == 0 || rq->op >= OP_COUNT) {
        reply_error(rq, ENOSYS, "unknown operation %u (this helper speaks protocol %u, operations 1 to %d)", rq->op,
                    PROTOCOL_VERSION, OP_COUNT - 1);
        return;
    }
    if (rq->flags != 0) {
        reply_error(rq, EINVAL, "%s: request flags must be 0, got 0x%04x", ops[rq->op].name, rq->flags);
        return;
    }
    if (rq->op != OP_HELLO && rq->op != OP_NS_ENTER) ns_enter_allowed = false;
    uint32_t fixed = ops[rq->op].arglen;
    if (ops[rq->op].form == ARGS_FIXED) {
        if (rq->arglen != fixed) {
            reply_error(rq, EINVAL, "%s takes %" PRIu32 " bytes of arguments, got %" PRIu32, ops[rq->op].name, fixed,
                        rq->arglen);
            return;
        }
        ops[rq->op].run(rq);
        return;
    }
    if (ops[rq->op].form == ARGS_SEM_VALUES) {
        uint64_t nsems = rq->arglen >= fixed ? get_u32(rq->args + 4) : 0;
        if (rq->arglen < fixed || (rq->arglen != fixed && (uint64_t)rq->arglen != fixed + 2 * nsems)) {
            reply_error(rq, EINVAL, "%s takes %" PRIu32 " bytes of arguments and then either no initial values or "
                        "one u16 per semaphore (2 * nsems bytes), got %" PRIu32 " bytes for %" PRIu64 " semaphores",
                        ops[rq->op].name, fixed, rq->arglen, nsems);
            return;
        }
        ops[rq->op].run(rq);
        return;
    }
    if (rq->arglen <= fixed || rq->arglen - fixed > MAX_PATH) {
        reply_error(rq, EINVAL, "%s takes %" PRIu32 " bytes of arguments and then a path of 1 to %u bytes, got %" PRIu32
                    " bytes in all (a path of %" PRId64 " bytes)", ops[rq->op].name, fixed, MAX_PATH, rq->arglen,
                    (int64_t)rq->arglen - (int64_t)fixed);
        return;
    }
    static char path[MAX_PATH + 1];
    struct request with_path = *rq;
    with_path.pathlen = rq->arglen - fixed;
    memcpy(path, rq->args + fixed, with_path.pathlen);
    path[with_path.pathlen] = 0;
    with_path.path = path;
    ops[rq->op].run(&with_path);
}

/* ------------------------------------------------------------------------------------------------
 * Input. Buffered, so pipelined small requests cost one read() for many frames. While waiting for
 * input, poll() wakes up when the next cached attachment falls idle, so idle segments are let go
 * even when the client says nothing.
 */

static struct {
    unsigned char data[64 * 1024]; /* > 4 + MAX_REQUEST_BODY, so one whole frame always fits */
    size_t start, end;
} in;

static void wait_readable(void)
{
    for (;;) {
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        int ready = poll(&p, 1, cache_timeout_ms(now_ns()));
        if (ready > 0) return; /* readable, hung up or in error: read() tells which */
        if (ready == 0) {
            cache_maintain(now_ns());
        } else if (errno != EINTR) {
            return; /* let read() report it */
        }
    }
}

/* Makes at least `need` (<= sizeof in.data) bytes available at in.data + in.start, reading as
 * needed. Returns what is available: less than `need` only at end of input. */
static size_t in_fill(size_t need)
{
    while (in.end - in.start < need) {
        if (in.start == in.end) {
            in.start = in.end = 0;
        } else if (sizeof in.data - in.start < need) {
            memmove(in.data, in.data + in.start, in.end - in.start);
            in.end -= in.start;
            in.start = 0;
        }
        wait_readable();
        ssize_t n = read(STDIN_FILENO, in.data + in.end, sizeof in.data - in.end);
        if (n > 0) {
            in.end += (size_t)n;
        } else if (n == 0) {
            break;
        } else if (errno != EINTR && errno != EAGAIN) {
            fprintf(stderr, "ipc-helper: reading requests failed: %s\n", strerror(errno));
            release_all();
            exit(EXIT_PROTOCOL);
        }
    }
    return in.end - in.start;
}

__attribute__((noreturn)) static void bad_frame_length(uint32_t body)
{
    struct request rq = {.id = 0, .op = 0}; /* the frame cannot be trusted, not even its id */
    reply_error(&rq, EPROTO, "request body length %" PRIu32 " is outside 8 to %u bytes; the stream is out of step, "
                "so the helper exits", body, MAX_REQUEST_BODY);
    release_all();
    exit(EXIT_PROTOCOL);
}

/* The frame at in.start (4 + body bytes, all buffered) as a request. */
static struct request parse_frame(uint32_t body)
{
    const unsigned char *p = in.data + in.start + 4;
    return (struct request){
        .id = get_u32(p),
        .op = get_u16(p + 4),
        .flags = get_u16(p + 6),
        .args = p + 8,
        .arglen = body - 8,
    };
}

/* Lets large READ replies go out in bigger pipe writes; a hint only, so failure is fine. */
static void enlarge_output_pipe(void)
{
    fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1024 * 1024);
}

int main(void)
{
    /* Set-user-id, set-group-id, file capabilities: the kernel then marks the process AT_SECURE.
     * Such a helper would lend its privileges (reading and changing every user's IPC objects) to
     * whoever runs it; it refuses before reading a single request. */
    unsigned long secure = getauxval(AT_SECURE);
    if (secure != 0 || getuid() != geteuid() || getgid() != getegid()) {
        fprintf(stderr, "ipc-helper: refusing to run set-user-id or set-group-id (AT_SECURE %lu; real uid %u, "
                "effective uid %u, real gid %u, effective gid %u). Run it as the user it is to act as (the extension "
                "starts it as you; run VS Code as root for root's view) and remove the set-id bits or file "
                "capabilities (chmod u-s,g-s; setcap -r).\n", secure, (unsigned)getuid(), (unsigned)geteuid(),
                (unsigned)getgid(), (unsigned)getegid());
        _exit(EXIT_PROTOCOL); /* at once: no exit handlers (a sanitizer's among them) run with borrowed rights */
    }
    signal(SIGPIPE, SIG_IGN); /* a closed stdout must be a write error we handle, not a silent death */
    signal(SIGXFSZ, SIG_IGN); /* FILE_CREATE past RLIMIT_FSIZE: an EFBIG to report, not a death */
    long ps = sysconf(_SC_PAGESIZE);
    page_size = ps > 0 ? (size_t)ps : 4096;
    enlarge_output_pipe();
    for (;;) {
        size_t have = in_fill(4);
        if (have == 0) break; /* end of input between frames: the client is done */
        if (have < 4) {
            release_all();
            exit(EXIT_PROTOCOL); /* end of input in the middle of a frame */
        }
        uint32_t body = get_u32(in.data + in.start);
        if (body < MIN_REQUEST_BODY || body > MAX_REQUEST_BODY) bad_frame_length(body);
        if (in_fill(4 + (size_t)body) < 4 + (size_t)body) {
            release_all();
            exit(EXIT_PROTOCOL);
        }
        struct request rq = parse_frame(body);
        cache_maintain(now_ns()); /* a busy client never lets poll() time out */
        dispatch(&rq);
        in.start += 4 + (size_t)body;
    }
    release_all();
    return 0;
}
