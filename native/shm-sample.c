/* System V shared memory sampled by the helper on its own clock, for recordings (SHM_SAMPLE_START,
 * SHM_SAMPLE_TAKE, SHM_SAMPLE_STOP).
 *
 * Why here and not in the extension: a recording at 100 Hz that asks for the bytes 100 times a
 * second costs the extension a wake-up and a pipe round trip each time, about 4% of a core on a
 * small virtual machine however few bytes come back (measured: a bare Node timer with a 16-byte
 * echo through a pipe at 100 Hz). The helper instead keeps the sample before, and on every tick
 * writes down only the byte ranges that changed, with the time; the extension collects them a few
 * times a second (TAKE) and adds them as they are (RecordingStore.addChanges).
 *
 * Read as SHM_READ reads: IPC_STAT first (the segment must still be the one the client named: its
 * creator pid, creator uid and size), through the read cache's read-only attachment, every offset
 * bounds-checked against shm_segsz. Pages never touched are not read until they hold data (mincore,
 * as SHM_RESIDENCY), since reading them would allocate them; until then they count as zeros, which
 * is what they hold. The pages that hold data are copied out by the kernel (process_vm_readv on
 * ourselves), never loaded by the CPU: a page that cannot be had (a huge page of a SHM_NORESERVE
 * segment whose owner punched it out, with none free) is then an EFAULT that ends the sampler,
 * not a SIGBUS that kills the helper. The copy is what is compared and what is logged.
 *
 * Memory, bounded by the segment's real size and nothing another user can raise: per sampler the
 * sample before and the copy of this one (the range's length each, at most SAMPLE_MAX), a page
 * bitmap, and a log of min(max(1 MiB, 4 x length), MAX_READ - TAKE_HEAD - END_TAIL) bytes, which
 * always holds one whole record of the range (a record is at most length + 24 bytes: see
 * log_runs), so a sampler never starves. A record that does not fit what is left of the log is
 * skipped and counted, never half written. At most MAX_SAMPLERS samplers at once. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/uio.h>
#include <unistd.h>
#include "helper.h"
#include "shm.h"
#include "sysv.h"

#define MAX_SAMPLERS 4u
#define SAMPLE_MAX (MAX_READ / 2u)
#define MIN_PERIOD_US 1000u       /* 1 kHz: the recording's highest rate */
#define MAX_PERIOD_US 60000000u   /* one a minute */
#define JOIN_GAP 8u               /* unchanged bytes that still join two runs: a run's head costs 8 */
#define TAKE_HEAD 16u             /* u32 records, u32 late, u32 skipped, u32 flags */
#define RECORD_HEAD 16u           /* u64 timeNs, u32 runs, u32 bytes after the head */
#define RUN_HEAD 8u               /* u32 offset, u32 length */
#define LOG_FLOOR (1024u * 1024u)
#define END_TAIL (1u + 32u + 200u) /* u8 nameLength, the name, the message */
#define FLAG_ENDED 1u

struct sampler {
    uint32_t handle; /* 0: a free slot */
    int shmid;
    int32_t cpid;  /* with cuid and the size, what tells this segment from another that got its id since */
    uint32_t cuid;
    uint64_t offset, length;
    uint64_t segsz;
    uint64_t period_ns, due_ns;
    unsigned char *previous; /* the range as last recorded */
    unsigned char *copy;     /* the range as read now (its resident pages) */
    unsigned char *bitmap;   /* residency of its pages, until all of them held data */
    uint64_t first_page, pages;
    bool all_resident;
    unsigned char *log;
    size_t log_len, log_cap;
    uint32_t records, late, skipped;
    int end_err; /* 0 while it samples */
    char end_message[200];
};

static struct sampler samplers[MAX_SAMPLERS];
/* Handles start somewhere different in every helper, so that a handle of a helper that died is
 * very unlikely to name another sampler in the next one (the client checks that too). */
static uint32_t next_handle;

static void free_sampler(struct sampler *s)
{
    free(s->previous);
    free(s->copy);
    free(s->bitmap);
    free(s->log);
    memset(s, 0, sizeof *s);
}

__attribute__((format(printf, 3, 4))) static void end_sampler(struct sampler *s, int err, const char *fmt, ...)
{
    if (s->end_err) return;
    s->end_err = err ? err : EIO;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->end_message, sizeof s->end_message, fmt, ap);
    va_end(ap);
}

/* Appends to the log the runs of [from, to) of the range where s->copy differs from s->previous,
 * runs joined across at most JOIN_GAP unchanged bytes, starting at *at. A run of n >= 1 bytes is
 * followed by more than JOIN_GAP unchanged ones (or the end), so its n + RUN_HEAD log bytes never
 * exceed the n + JOIN_GAP + 1 bytes of the range it covers, but for the last: a record of the
 * whole range is at most length + RUN_HEAD + RECORD_HEAD bytes. Returns false when the log is full
 * (*at is then meaningless). */
static bool log_runs(struct sampler *s, size_t from, size_t to, size_t *at, uint32_t *runs)
{
    const unsigned char *live = s->copy, *old = s->previous;
    size_t i = from;
    while (i < to) {
        while (to - i >= 64 && memcmp(live + i, old + i, 64) == 0) i += 64;
        while (i < to && live[i] == old[i]) i++;
        if (i >= to) break;
        size_t first = i, end = i + 1, j = i + 1;
        for (; j < to && j - end <= JOIN_GAP; j++) {
            if (live[j] != old[j]) end = j + 1;
        }
        size_t n = end - first;
        if (s->log_cap - *at < RUN_HEAD || s->log_cap - *at - RUN_HEAD < n) return false;
        put_u32(s->log + *at, (uint32_t)first);
        put_u32(s->log + *at + 4, (uint32_t)n);
        memcpy(s->log + *at + RUN_HEAD, live + first, n);
        *at += RUN_HEAD + n;
        (*runs)++;
        i = j;
    }
    return true;
}

/* Copies a record's runs into s->previous: what was logged is what the next sample compares with. */
static void apply_record(struct sampler *s, size_t record, uint32_t runs)
{
    size_t at = record + RECORD_HEAD;
    for (uint32_t r = 0; r < runs; r++) {
        uint32_t offset = get_u32(s->log + at), n = get_u32(s->log + at + 4);
        memcpy(s->previous + offset, s->log + at + RUN_HEAD, n);
        at += RUN_HEAD + n;
    }
}

/* Whether page i of the range (0 = the one holding `offset`) held data at the last look. */
static bool page_resident(const struct sampler *s, uint64_t i)
{
    return s->all_resident || (s->bitmap[i / 8] >> (i % 8) & 1u);
}

/* Copies [from, to) of the range out of the mapping by the kernel's hand into s->copy: 0 or an errno
 * (EFAULT for a page that cannot be had). A partial copy is a page that could not be had too. */
static int copy_out(struct sampler *s, const unsigned char *live, size_t from, size_t to)
{
    struct iovec local = {.iov_base = s->copy + from, .iov_len = to - from};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)(live + from), .iov_len = to - from};
    for (;;) {
        ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return errno;
        return (size_t)got == to - from ? 0 : EFAULT;
    }
}

/* Logs the runs of the resident pages of a view; false when the log is full, *err set on a fault. */
static bool log_view(struct sampler *s, const unsigned char *base, size_t *at, uint32_t *runs, int *err)
{
    const unsigned char *live = base + s->offset;
    for (uint64_t i = 0; i < s->pages;) {
        if (!page_resident(s, i)) {
            i++;
            continue;
        }
        uint64_t j = i;
        while (j < s->pages && page_resident(s, j)) j++;
        /* Pages [i, j) of the range, as offsets in the range. */
        uint64_t from_abs = (s->first_page + i) * page_size, to_abs = (s->first_page + j) * page_size;
        size_t from = from_abs > s->offset ? (size_t)(from_abs - s->offset) : 0;
        size_t to = to_abs - s->offset < s->length ? (size_t)(to_abs - s->offset) : (size_t)s->length;
        if ((*err = copy_out(s, live, from, to)) != 0) return true;
        if (!log_runs(s, from, to, at, runs)) return false;
        i = j;
    }
    return true;
}

/* Looks at which pages of the range hold data, until all of them do (a segment's pages stay). */
static int look_at_residency(struct sampler *s, const unsigned char *base)
{
    if (s->all_resident) return 0;
    memset(s->bitmap, 0, (size_t)(s->pages + 7) / 8);
    int err = residency_bitmap(base, s->first_page, s->pages, s->bitmap);
    if (err) return err;
    bool all = true;
    for (uint64_t i = 0; i < s->pages && all; i++) all = s->bitmap[i / 8] >> (i % 8) & 1u;
    s->all_resident = all;
    return 0;
}

/* Whether ds is the segment of creator pid cpid, creator uid cuid and `size` bytes (ids are reused;
 * creator and size are not): the one the client saw at START, and the one sampled since. */
static bool is_segment(const struct shmid_ds *ds, int32_t cpid, uint32_t cuid, uint64_t size)
{
    return ds->shm_cpid == cpid && ds->shm_perm.cuid == cuid && (uint64_t)ds->shm_segsz == size;
}

/* One sample: IPC_STAT, the view, the changed runs into a record. Ends the sampler when the
 * segment went, was marked for removal, is another one, or could not be read. */
static void take_sample(struct sampler *s)
{
    uint64_t time = now_ns(); /* CLOCK_MONOTONIC: the client maps it to its own clock */
    struct shmid_ds ds;
    if (shmctl(s->shmid, IPC_STAT, &ds) < 0) {
        int err = errno;
        end_sampler(s, err, err == EINVAL || err == EIDRM ? "segment %d was removed" : "segment %d cannot be read any more: %s",
                    s->shmid, strerror(err));
        cache_drop_id(s->shmid);
        return;
    }
    if (ds.shm_perm.mode & SHM_DEST) {
        end_sampler(s, EIDRM, "segment %d was marked for removal", s->shmid);
        cache_drop_id(s->shmid); /* never kept alive by us: let go of it now, not at the cache's next look */
        return;
    }
    if (!is_segment(&ds, s->cpid, s->cuid, s->segsz)) {
        end_sampler(s, ESTALE, "segment %d was removed (its id now names another segment)", s->shmid);
        cache_drop_id(s->shmid);
        return;
    }
    struct view v;
    int err = view_open(s->shmid, &ds, &v);
    if (err) {
        end_sampler(s, err, "segment %d cannot be read any more: %s", s->shmid, strerror(err));
        return;
    }
    if (v.temporary || v.size != s->segsz) {
        view_close(&v);
        end_sampler(s, v.temporary ? EIDRM : ERANGE, "segment %d changed while it was sampled", s->shmid);
        return;
    }
    size_t record = s->log_len, at = record + RECORD_HEAD;
    uint32_t runs = 0;
    bool fits = s->log_cap - s->log_len >= RECORD_HEAD;
    if (fits && (err = look_at_residency(s, v.base)) == 0) fits = log_view(s, v.base, &at, &runs, &err);
    view_close(&v);
    if (err) {
        end_sampler(s, err, "part of segment %d could not be read: %s", s->shmid, strerror(err));
        return;
    }
    if (!fits) {
        s->skipped++; /* the log is full until the next TAKE; previous is as it was, so nothing is lost but the moment */
        return;
    }
    put_u64(s->log + record, time);
    put_u32(s->log + record + 8, runs);
    put_u32(s->log + record + 12, (uint32_t)(at - record - RECORD_HEAD));
    apply_record(s, record, runs);
    s->log_len = at;
    s->records++;
}

void samplers_run(uint64_t now)
{
    for (unsigned k = 0; k < MAX_SAMPLERS; k++) {
        struct sampler *s = &samplers[k];
        if (!s->handle || s->end_err || now < s->due_ns) continue;
        take_sample(s);
        now = now_ns(); /* a sample may take longer than its period: the next one is due from now */
        s->due_ns += s->period_ns;
        if (now > s->due_ns) {
            /* Late (a long request, a busy machine): start again now; the missed ticks are counted, not faked. */
            s->late += (uint32_t)((now - s->due_ns) / s->period_ns) + 1u;
            s->due_ns = now + s->period_ns;
        }
    }
}

int64_t samplers_due_in_ns(uint64_t now)
{
    int64_t soonest = -1;
    for (unsigned k = 0; k < MAX_SAMPLERS; k++) {
        const struct sampler *s = &samplers[k];
        if (!s->handle || s->end_err) continue;
        int64_t in = s->due_ns > now ? (int64_t)(s->due_ns - now) : 0;
        if (soonest < 0 || in < soonest) soonest = in;
    }
    return soonest;
}

static struct sampler *sampler_of(const struct request *rq)
{
    uint32_t handle = get_u32(rq->args);
    if (get_u32(rq->args + 4) != 0) {
        reply_error(rq, EINVAL, "%s: the reserved field must be 0", rq->op == OP_SHM_SAMPLE_TAKE ? "SHM_SAMPLE_TAKE" : "SHM_SAMPLE_STOP");
        return NULL;
    }
    for (unsigned k = 0; k < MAX_SAMPLERS; k++) {
        if (handle != 0 && samplers[k].handle == handle) return &samplers[k];
    }
    reply_error(rq, EINVAL, "there is no sampler %" PRIu32 " (it was stopped, or it ended and was taken)", handle);
    return NULL;
}

/* Whether the kernel copies out of our own mappings here (process_vm_readv: a seccomp filter or an
 * old kernel may refuse it). Without it the samples would be plain loads, which a page that cannot
 * be had turns into SIGBUS: the client then samples by SHM_READ instead. */
static int kernel_copy_works(void)
{
    static int known = -1;
    if (known < 0) {
        unsigned char from[8] = "probe", to[8] = {0};
        struct iovec local = {.iov_base = to, .iov_len = sizeof to}, remote = {.iov_base = from, .iov_len = sizeof from};
        known = process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)sizeof to ? 0 : errno ? errno : EIO;
    }
    return known;
}

void op_shm_sample_start(const struct request *rq)
{
    static const struct action act = {"sampling", "read"};
    int shmid = get_i32(rq->args);
    uint32_t period_us = get_u32(rq->args + 4);
    uint64_t offset = get_u64(rq->args + 8), length = get_u64(rq->args + 16);
    int32_t cpid = get_i32(rq->args + 24);
    uint32_t cuid = get_u32(rq->args + 28);
    uint64_t size = get_u64(rq->args + 32);
    if (period_us < MIN_PERIOD_US || period_us > MAX_PERIOD_US) {
        reply_error(rq, EINVAL, "SHM_SAMPLE_START period must be %u to %u microseconds, got %" PRIu32, MIN_PERIOD_US,
                    MAX_PERIOD_US, period_us);
        return;
    }
    if (length == 0 || length > SAMPLE_MAX) {
        reply_error(rq, length == 0 ? EINVAL : E2BIG, "SHM_SAMPLE_START length must be 1 to %u bytes (8 MiB), got %" PRIu64,
                    SAMPLE_MAX, length);
        return;
    }
    struct shmid_ds ds;
    union sysv_ds u;
    if (!sysv_stat_or_reply(rq, SYSV_SHM, shmid, &u, &act)) return;
    ds = u.shm;
    if (!is_segment(&ds, cpid, cuid, size)) {
        reply_error(rq, ESTALE, "segment %d is another one now (created by pid %d, uid %u, %" PRIu64 " bytes; expected pid %"
                    PRId32 ", uid %" PRIu32 ", %" PRIu64 " bytes)", shmid, (int)ds.shm_cpid, (unsigned)ds.shm_perm.cuid,
                    (uint64_t)ds.shm_segsz, cpid, cuid, size);
        return;
    }
    if (!range_ok(offset, length, ds.shm_segsz)) {
        reply_error(rq, ERANGE, "cannot sample %" PRIu64 " bytes at offset %" PRIu64 ": segment %d is %" PRIu64 " bytes",
                    length, offset, shmid, (uint64_t)ds.shm_segsz);
        return;
    }
    int err = kernel_copy_works();
    if (err) {
        reply_error(rq, ENOSYS, "the helper cannot sample here: the kernel will not copy from its own memory "
                    "(process_vm_readv: %s); read each sample instead", strerror(err));
        return;
    }
    struct sampler *s = NULL;
    for (unsigned k = 0; k < MAX_SAMPLERS && !s; k++) {
        if (!samplers[k].handle) s = &samplers[k];
    }
    if (!s) {
        reply_error(rq, EBUSY, "the helper already samples %u ranges, its most; stop one first", MAX_SAMPLERS);
        return;
    }
    uint64_t first_page = offset / page_size, pages = (offset + length - 1) / page_size - first_page + 1;
    size_t cap = length * 4 > LOG_FLOOR ? (size_t)length * 4 : LOG_FLOOR;
    if (cap > MAX_READ - END_TAIL - TAKE_HEAD) cap = MAX_READ - END_TAIL - TAKE_HEAD;
    *s = (struct sampler){
        .shmid = shmid,
        .offset = offset,
        .length = length,
        .segsz = ds.shm_segsz,
        .cpid = ds.shm_cpid,
        .cuid = ds.shm_perm.cuid,
        .period_ns = (uint64_t)period_us * 1000u,
        .first_page = first_page,
        .pages = pages,
        .previous = calloc((size_t)length, 1),
        .copy = malloc((size_t)length),
        .bitmap = calloc((size_t)(pages + 7) / 8, 1),
        .log = malloc(cap),
        .log_cap = cap,
    };
    if (!s->previous || !s->copy || !s->bitmap || !s->log) {
        free_sampler(s);
        reply_error(rq, ENOMEM, "no memory to sample %" PRIu64 " bytes of segment %d", length, shmid);
        return;
    }
    if (next_handle == 0) next_handle = (uint32_t)(now_ns() ^ (uint64_t)getpid() << 16) | 1u;
    s->handle = next_handle++;
    if (next_handle == 0) next_handle = 1;
    uint64_t now = now_ns();
    s->due_ns = now + s->period_ns;
    take_sample(s); /* the first sample, now: the range as it is against zeros, so the whole of it */
    unsigned char payload[8];
    put_u32(payload, s->handle);
    put_u32(payload + 4, (uint32_t)cap);
    reply_ok(rq, payload, sizeof payload);
}

void op_shm_sample_take(const struct request *rq)
{
    struct sampler *s = sampler_of(rq);
    if (!s) return;
    unsigned char head[TAKE_HEAD], tail[END_TAIL];
    size_t tail_len = 0;
    put_u32(head, s->records);
    put_u32(head + 4, s->late);
    put_u32(head + 8, s->skipped);
    put_u32(head + 12, s->end_err ? FLAG_ENDED : 0);
    if (s->end_err) {
        char fallback[16];
        const char *name = errno_name(s->end_err, fallback, sizeof fallback);
        size_t name_len = strlen(name), message_len = strnlen(s->end_message, sizeof s->end_message);
        tail[0] = (unsigned char)name_len;
        memcpy(tail + 1, name, name_len);
        memcpy(tail + 1 + name_len, s->end_message, message_len);
        tail_len = 1 + name_len + message_len;
    }
    struct iovec parts[3] = {
        {.iov_base = head, .iov_len = sizeof head},
        {.iov_base = s->log, .iov_len = s->log_len},
        {.iov_base = tail, .iov_len = tail_len},
    };
    send_reply_parts(rq->id, rq->op, parts, 3, sizeof head + s->log_len + tail_len);
    if (s->end_err) {
        free_sampler(s); /* told: the handle is no more */
        return;
    }
    s->log_len = 0;
    s->records = s->late = s->skipped = 0;
}

void op_shm_sample_stop(const struct request *rq)
{
    struct sampler *s = sampler_of(rq);
    if (!s) return;
    free_sampler(s);
    reply_ok(rq, NULL, 0);
}
