/*
 * ipc-helper: the native half of IPC Inspector. A long-lived process that reads framed requests on
 * stdin and writes framed replies on stdout, as specified in native/PROTOCOL.md (the protocol
 * version is PROTOCOL_VERSION in helper.h). This file: the main loop, request frames, the dispatch
 * table. helper.h lists what the other files do.
 *
 * Why a separate process: reading shared memory means dereferencing a mapping, and a bug there
 * (or a segment that changes under us) is a SIGSEGV. Here it kills only this helper, which the
 * extension restarts, not the editor's extension host.
 *
 * Rules the helper keeps, so a reviewer can check them by grep over the .c files here:
 *   - Read-only by construction: there is exactly one shmat() call (attach_readonly() in
 *     shm-attach.c), with SHM_RDONLY, and no code writes through a mapping; mappings are `const`
 *     everywhere. There is no mmap() at all: files are never mapped.
 *   - Every byte copied out of a mapping is bounds-checked against IPC_STAT's shm_segsz of the
 *     segment we are attached to, with overflow-safe comparisons (range_ok()).
 *   - Reading never allocates pages on its own initiative: SHM_RESIDENCY uses mincore() only.
 *   - Files (POSIX shared memory objects) are read with pread() on an O_RDONLY descriptor (a read
 *     through a mapping would allocate a page for every hole it touches; pread does not), their
 *     holes are found with lseek(SEEK_DATA/SEEK_HOLE) (mincore lies about files a caller does not
 *     own), every file path goes through parse_ipc_path() (posix-path.c) and every read open
 *     through open_for_reading(). The only open with O_RDWR is FILE_CREATE's of the object it
 *     creates (O_CREAT | O_EXCL, for its ftruncate): no write(), pwrite() or truncation of an
 *     existing object anywhere.
 *   - Only shared memory: every POSIX object, and the /dev/shm directory of a name, is checked by
 *     descriptor to be on tmpfs or hugetlbfs before anything else touches it, learned from its
 *     mount without asking its file system (fs-kind.c), so neither a directory on disk that a user
 *     mounted over its /dev/shm nor a FUSE daemon that stopped answering can be acted on or waited
 *     on. The walk over /proc looks at descriptors the same way and bounds its memory as it reads.
 *   - No file descriptor outlives the request that opened it (a kept descriptor would keep an
 *     unlinked object alive), and every file operation checks the object's identity (device,
 *     inode) against the one the client named, because a name can be reused by another object.
 *   - Semaphores and message queues are looked at, never operated: there is no semop(), the only
 *     value write is SETALL on a set SEM_CREATE made a moment before (part of creating it), every
 *     msgrcv() passes MSG_COPY (a copy by index: nothing is consumed; msg_copy() in msg.c is the
 *     only caller), and there is no msgsnd(), mq_send() or mq_receive(). POSIX queues are opened
 *     O_RDONLY | O_NONBLOCK for their attributes only.
 *   - It refuses to run set-user-id, set-group-id or with AT_SECURE (main()): a helper that reads
 *     other users' memory must not be a privilege an unprivileged caller can borrow.
 *
 * Build: native/build.js (every .c file here; -Wall -Wextra -Werror -Wshadow -Wconversion; also
 * -static and ASan+UBSan).
 */
#define _GNU_SOURCE
/* 64-bit file offsets and times on 32-bit machines too (armhf): a /dev/shm object can pass 2 GiB,
 * and a time past 2038 must not wrap. Both are no-ops on 64-bit machines. Every file says so. */
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>
#include "helper.h"
#include "shm.h"

size_t page_size;

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void op_hello(const struct request *rq)
{
    unsigned char payload[16 + sizeof HELPER_VERSION - 1];
    put_u32(payload, PROTOCOL_VERSION);
    put_u32(payload + 4, (uint32_t)page_size);
    put_u32(payload + 8, (uint32_t)geteuid());
    put_u32(payload + 12, MAX_READ);
    memcpy(payload + 16, HELPER_VERSION, sizeof HELPER_VERSION - 1);
    reply_ok(rq, payload, sizeof payload); /* clientVersion is informative: the client checks ours */
}

/* ------------------------------------------------------------------------------------------------
 * Dispatch.
 */

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
#define IPC_HELPER_OP_ENTRY(number, name, form, bytes, function) [number] = {#name, bytes, ARGS_##form, function},
    IPC_HELPER_OPS(IPC_HELPER_OP_ENTRY)
#undef IPC_HELPER_OP_ENTRY
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
    note_operation(rq->op);
    uint32_t fixed = ops[rq->op].arglen;
    if (ops[rq->op].form == ARGS_FIXED) {
        if (rq->arglen != fixed) {
            reply_error(rq, EINVAL, "%s takes %" PRIu32 " bytes of arguments, got %" PRIu32, ops[rq->op].name, fixed,
                        rq->arglen);
            return;
        }
        ops[rq->op].run(rq);
        release_replies();
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
        release_replies();
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
    release_replies();
}

/* ------------------------------------------------------------------------------------------------
 * Input. Buffered, so pipelined small requests cost one read() for many frames. While waiting for
 * input, ppoll() wakes up when the next sample is due (shm-sample.c) or the next cached attachment
 * falls idle, so samples are taken and idle segments let go even when the client says nothing.
 */

static struct {
    unsigned char data[64 * 1024]; /* > 4 + MAX_REQUEST_BODY, so one whole frame always fits */
    size_t start, end;
} in;

/* How long to wait for input: until the next sample is due or the next cached attachment falls
 * idle, or for ever (NULL) when neither. */
static struct timespec *wait_time(struct timespec *ts)
{
    uint64_t now = now_ns();
    int cache_ms = cache_timeout_ms(now);
    int64_t wait = samplers_due_in_ns(now);
    if (cache_ms >= 0 && (wait < 0 || (int64_t)cache_ms * 1000000 < wait)) wait = (int64_t)cache_ms * 1000000;
    if (wait < 0) return NULL;
    ts->tv_sec = (time_t)(wait / 1000000000);
    ts->tv_nsec = (long)(wait % 1000000000);
    return ts;
}

static void wait_readable(void)
{
    for (;;) {
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        struct timespec ts;
        int ready = ppoll(&p, 1, wait_time(&ts), NULL);
        samplers_run(now_ns());
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

/* Lets large SHM_READ and FILE_READ replies go out in bigger pipe writes; a hint only, so failure is fine. */
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
        samplers_run(now_ns());   /* a busy client never lets poll() time out: samples are due all the same */
        cache_maintain(now_ns());
        dispatch(&rq);
        in.start += 4 + (size_t)body;
    }
    release_all();
    return 0;
}
