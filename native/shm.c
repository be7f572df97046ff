/* System V shared memory segments: the operations (SHM_STAT, SHM_READ, SHM_RESIDENCY, SHM_CREATE,
 * SHM_REMOVE, SHM_REMOVE_IF_UNATTACHED, SHM_LOCK / SHM_UNLOCK, SHM_LIMITS; SHM_SET is sysv.c's,
 * SHM_ATTACH / SHM_DETACH and the attachments are shm-attach.c's, SHM_SAMPLE_* shm-sample.c's).
 *
 * Every byte copied out of a mapping is bounds-checked against IPC_STAT's shm_segsz of the segment
 * we are attached to, with overflow-safe comparisons (range_ok()). Reading never allocates pages
 * on its own initiative: SHM_RESIDENCY uses mincore() only. SHM_CREATE never attaches. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/uio.h>
#include <unistd.h>
#include "helper.h"
#include "shm.h"
#include "sysv.h"

#define STAT_BYTES 80u
#define LIMITS_BYTES 72u
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* IPC_STAT, replying with an error when it fails. */
static bool stat_or_reply(const struct request *rq, int shmid, struct shmid_ds *ds, const struct action *act)
{
    union sysv_ds u;
    if (!sysv_stat_or_reply(rq, SYSV_SHM, shmid, &u, act)) return false;
    *ds = u.shm;
    return true;
}

/* IPC_STAT, or /proc/sysvipc/shm's numbers when this user may not read the segment (sysv.h). */
static bool stat_for_owner_or_reply(const struct request *rq, int shmid, struct shmid_ds *ds, const struct action *act)
{
    union sysv_ds u;
    if (!sysv_stat_for_owner_or_reply(rq, SYSV_SHM, shmid, &u, act)) return false;
    *ds = u.shm;
    return true;
}

static void encode_shm_stat(unsigned char *p, int shmid, const struct shmid_ds *ds)
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
    put_u32(p + 36, cache_has(shmid) ? 1u : 0u); /* our own read attachment is part of nattch */
    put_u64(p + 40, ds->shm_segsz);
    put_u64(p + 48, ds->shm_nattch);
    put_i64(p + 56, sysv_time(ds->shm_atime));
    put_i64(p + 64, sysv_time(ds->shm_dtime));
    put_i64(p + 72, sysv_time(ds->shm_ctime));
}

void reply_shm_stat(const struct request *rq, int shmid, const struct shmid_ds *ds)
{
    unsigned char record[STAT_BYTES];
    encode_shm_stat(record, shmid, ds);
    reply_ok(rq, record, sizeof record);
}

void op_shm_stat(const struct request *rq)
{
    static const struct action act = {"reading the status of", "read the status of"};
    int shmid = get_i32(rq->args);
    struct shmid_ds ds;
    if (!stat_or_reply(rq, shmid, &ds, &act)) return;
    /* A removed segment must not be kept alive, nor look attached, by our own read cache: let go
     * first, then ask again (it may be gone now, which is the true answer). */
    if ((ds.shm_perm.mode & SHM_DEST) != 0 && cache_has(shmid)) {
        cache_drop_id(shmid);
        if (!stat_or_reply(rq, shmid, &ds, &act)) return;
    }
    reply_shm_stat(rq, shmid, &ds);
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

void op_shm_read(const struct request *rq)
{
    static const struct action act = {"reading", "read"};
    int shmid = get_i32(rq->args);
    uint32_t length = get_u32(rq->args + 4);
    uint64_t offset = get_u64(rq->args + 8);
    if (length == 0 || length > MAX_READ) {
        reply_error(rq, length == 0 ? EINVAL : E2BIG, "SHM_READ length must be 1 to %u bytes (16 MiB), got %" PRIu32,
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
        reply_sysv_error(rq, err, SYSV_SHM, shmid, &act);
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

/* Residency bitmap of pages [first, first + count) of a mapping, from mincore(), which looks at
 * the page cache without faulting anything in. Returns 0 or an errno. */
int residency_bitmap(const unsigned char *base, uint64_t first, uint64_t count, unsigned char *bitmap)
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

void op_shm_residency(const struct request *rq)
{
    static const struct action act = {"checking the residency of", "check"};
    int shmid = get_i32(rq->args);
    uint32_t reserved = get_u32(rq->args + 4);
    uint64_t offset = get_u64(rq->args + 8);
    uint64_t length = get_u64(rq->args + 16);
    if (reserved != 0) {
        reply_error(rq, EINVAL, "SHM_RESIDENCY: the reserved field must be 0");
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
        reply_error(rq, err, "SHM_RESIDENCY of segment %d (%" PRIu64 " bytes), offset %" PRIu64 ", length %" PRIu64 ": %s",
                    shmid, (uint64_t)ds.shm_segsz, offset, length, why);
        return;
    }
    struct view v;
    if ((err = view_open(shmid, &ds, &v)) != 0) {
        reply_sysv_error(rq, err, SYSV_SHM, shmid, &act);
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
        view_close(&v); /* before the reply: a removed segment is not kept alive past it (op_shm_read) */
        send_reply(rq->id, rq->op, 0, head, sizeof head, bitmap, (size_t)(count + 7) / 8);
    }
    free(bitmap);
    view_close(&v);
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
        union sysv_ds listed_ds;
        if (sysv_stat_any(SYSV_SHM, existing, &listed_ds)) {
            ds = listed_ds.shm;
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

void op_shm_create(const struct request *rq)
{
    int32_t key = get_i32(rq->args);
    uint32_t mode = get_u32(rq->args + 4);
    uint32_t flags = get_u32(rq->args + 8);
    uint32_t reserved = get_u32(rq->args + 12);
    uint64_t size = get_u64(rq->args + 16);
    if ((flags & ~1u) != 0 || reserved != 0) {
        reply_error(rq, EINVAL, "SHM_CREATE: flags may only have bit 0 (exclusive) set and reserved must be 0");
        return;
    }
    if (size > SIZE_MAX) {
        reply_error(rq, EINVAL, "size %" PRIu64 " does not fit this machine's address space", size);
        return;
    }
    /* IPC_EXCL first, so the reply can say whether the segment was made now or found; then (not
     * exclusive) the existing one, with the size and permissions asked for checked as shmget does.
     * A few attempts, in case it is removed between the two. Never attached: creating must not touch
     * contents. */
    bool exclusive = (flags & 1u) != 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        int shmid = shmget(key, (size_t)size, IPC_CREAT | IPC_EXCL | (int)(mode & 0777));
        if (shmid >= 0) {
            reply_created_id(rq, true, shmid);
            return;
        }
        if (errno != EEXIST || exclusive || key == IPC_PRIVATE) break;
        shmid = shmget(key, (size_t)size, (int)(mode & 0777));
        if (shmid >= 0) {
            reply_created_id(rq, false, shmid);
            return;
        }
        if (errno != ENOENT) break;
        errno = EAGAIN; /* removed meanwhile: make it again */
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
        reply_get_error(rq, errno, SYSV_SHM, key, "");
        break;
    }
}

void op_shm_remove(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int shmid = get_i32(rq->args);
    cache_drop_id(shmid); /* our read cache must not be what keeps it alive */
    if (shmctl(shmid, IPC_RMID, NULL) < 0) {
        reply_sysv_error(rq, errno, SYSV_SHM, shmid, &act);
        return;
    }
    reply_ok(rq, NULL, 0);
}

void op_shm_remove_if_unattached(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int shmid = get_i32(rq->args);
    cache_drop_id(shmid); /* otherwise our own read attachment would count as "attached" */
    struct shmid_ds ds;
    if (!stat_for_owner_or_reply(rq, shmid, &ds, &act)) return;
    if (ds.shm_nattch > 0) {
                reply_error(rq, EBUSY, "segment %d is in use: %lu attached%s; nothing was removed", shmid,
                    (unsigned long)ds.shm_nattch, hold_has(shmid) ? " (one of them is this window's own hold: detach it first)" : "");
        return;
    }
    if (shmctl(shmid, IPC_RMID, NULL) < 0) {
        reply_sysv_error(rq, errno, SYSV_SHM, shmid, &act);
        return;
    }
    reply_shm_stat(rq, shmid, &ds);
}

void op_shm_lock(const struct request *rq)
{
    static const struct action lock = {"locking", "lock"}, unlock = {"unlocking", "unlock"};
    int shmid = get_i32(rq->args);
    bool locking = rq->op == OP_SHM_LOCK;
    if (shmctl(shmid, locking ? SHM_LOCK : SHM_UNLOCK, NULL) < 0) {
        reply_sysv_error(rq, errno, SYSV_SHM, shmid, locking ? &lock : &unlock);
        return;
    }
    reply_ok(rq, NULL, 0);
}

void op_shm_limits(const struct request *rq)
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
