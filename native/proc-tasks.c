/* The tasks of one process, for the walk over /proc when it reads waits (see proc-tasks.h and
 * PROTOCOL.md, PROC_SCAN): who waits on what, read in the same walk that finds who holds what, so
 * nothing else has to walk /proc.
 *
 * Per task, relative to the one descriptor of /proc:
 *   PID/task/            listed: every thread's id goes in the record (a lock names its owner by
 *                        thread id; the client tells whose thread that is from these lists)
 *   PID/task/TID/syscall read for every thread: "running" or "-1 ..." (not in a system call) for
 *                        one that is not blocked, else the call's number and its six arguments.
 *                        Needs ptrace rights (PTRACE_MODE_ATTACH): a thread that cannot be read is
 *                        counted, never dropped.
 * and for a thread blocked in one of the waiting calls the client named (its numbers differ by
 * architecture, so the client says them):
 *   futex           kept only when its address lies in a shared mapping of the process (the maps
 *                   lines kept for it): a wait on process-private memory (an idle thread pool) is
 *                   only counted. The lock itself is read later, by the client, through PROC_MEM_READ.
 *   futex_waitv     its array of struct futex_waitv {u64 val, uaddr; u32 flags, reserved} read from
 *                   the process's memory (at most 128 entries, FUTEX_WAITV_MAX), kept when one of
 *                   its addresses lies in a shared mapping
 *   semop           its sembufs (at most 64: 6 bytes each) read from the process's memory, to tell
 *                   which semaphore it waits on and for what
 *   others          (msgsnd, msgrcv, mq_timedsend, mq_timedreceive) the arguments say it all
 *   wchan, comm     where in the kernel it sleeps, and the thread's name
 *   sched           se.exec_start: when the thread last stopped running, in the scheduler's clock
 *                   (nanoseconds since boot, like CLOCK_MONOTONIC): the start of its current sleep.
 *                   The only time /proc gives for how long a thread has waited; 0 where the kernel
 *                   has no sched file.
 * A call's array is read only where that cannot make the read wait on a file system: in anonymous
 * memory or shared memory (proc-mem.h). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "proc-tasks.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"
#include "proc-mem.h"

#define FUTEX_WAITV_MAX 128u
#define FUTEX_WAITV_BYTES 24u
#define SEMBUF_BYTES 6u
#define MAX_SEMBUFS 64u
#define COMM_MAX 64u  /* the kernel's comm is at most 15 bytes; a line longer than this is not one */
#define WCHAN_MAX 128u

/* Reads up to `max` bytes of PID/task/TID/NAME. Returns the count, or -errno. */
static long read_task_file(int procfd, int pid, uint32_t tid, const char *name, unsigned char *to, size_t max)
{
    char path[96];
    snprintf(path, sizeof path, "%d/task/%u/%s", pid, tid, name);
    int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t have = 0;
    long result = 0;
    while (have < max) {
        ssize_t n = read(fd, to + have, max - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            result = -errno;
            break;
        }
        if (n == 0) break;
        have += (size_t)n;
    }
    close(fd);
    return result < 0 ? result : (long)have;
}

/* "NR 0xA0 0xA1 0xA2 0xA3 0xA4 0xA5 SP PC": false for "running", "-1 SP PC" or anything else. */
static bool parse_syscall(const unsigned char *text, size_t length, uint32_t *nr, uint64_t args[6])
{
    size_t at = 0;
    uint64_t number = 0;
    size_t digits = 0;
    while (at < length && text[at] >= '0' && text[at] <= '9' && digits < 6) {
        number = number * 10 + (uint64_t)(text[at++] - '0');
        digits++;
    }
    if (digits == 0 || digits >= 6) return false;
    *nr = (uint32_t)number;
    for (int i = 0; i < 6; i++) {
        if (at + 3 > length || text[at] != ' ' || text[at + 1] != '0' || text[at + 2] != 'x') return false;
        at += 3;
        uint64_t value = 0;
        digits = 0;
        for (; at < length && digits < 17; at++, digits++) {
            unsigned char c = text[at];
            unsigned d;
            if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
            else break;
            value = value << 4 | d;
        }
        if (digits == 0 || digits > 16) return false;
        args[i] = value;
    }
    return true;
}

/* se.exec_start of a sched file ("se.exec_start   :   10450658.080485", milliseconds with six
 * decimals) in nanoseconds, or 0. */
static uint64_t parse_exec_start(const unsigned char *text, size_t length)
{
    static const char key[] = "se.exec_start";
    const unsigned char *at = memmem(text, length, key, sizeof key - 1);
    if (!at) return 0;
    const unsigned char *end = text + length;
    at += sizeof key - 1;
    while (at < end && (*at == ' ' || *at == ':')) at++;
    uint64_t ms = 0, fraction = 0;
    int digits = 0, decimals = 0;
    while (at < end && *at >= '0' && *at <= '9' && digits < 15) ms = ms * 10 + (uint64_t)(*at++ - '0'), digits++;
    if (digits == 0 || digits >= 15) return 0;
    if (at < end && *at == '.') {
        at++;
        while (at < end && *at >= '0' && *at <= '9' && decimals < 6) fraction = fraction * 10 + (uint64_t)(*at++ - '0'), decimals++;
    }
    for (; decimals < 6; decimals++) fraction *= 10;
    return ms * 1000000u + fraction;
}

static enum wait_role role_of(const struct scan_job *job, uint32_t nr)
{
    for (unsigned i = 0; i < PROC_SCAN_MAX_CALLS; i++) {
        uint32_t call = job->calls[i];
        if ((call >> 16) != ROLE_NONE && (call & 0xffffu) == nr) return (enum wait_role)(call >> 16);
    }
    return ROLE_NONE;
}

/* Whether the 4-byte word at `address` lies in one of the process's shared mappings. */
static bool in_shared(const struct reader *rd, uint64_t address)
{
    for (size_t i = 0; i < rd->shared.count; i++) {
        if (address >= rd->shared.range[i][0] && address < rd->shared.range[i][1] && rd->shared.range[i][1] - address >= 4)
            return true;
    }
    return false;
}

/* Reads `length` bytes of the process's memory at `address` into rd->memory, where that is safe. */
static bool read_call_memory(struct record *r, struct reader *rd, uint64_t address, size_t length)
{
    if (length == 0 || length > sizeof rd->memory || address == 0) return false;
    char maps[32], mem[32];
    snprintf(maps, sizeof maps, "%d/maps", r->pid);
    snprintf(mem, sizeof mem, "%d/mem", r->pid);
    struct maps_buffers buffers = {rd->chunk, sizeof rd->chunk, rd->line, sizeof rd->line};
    struct mapping m;
    if (find_mapping(r->job->procfd, maps, address, length, &buffers, &m) != 0) return false;
    if (!safe_to_read(&m, r->pid, r->job->mounts)) return false;
    return read_process_memory(r->job->procfd, mem, address, rd->memory, length) == 0;
}

/* The thread ids of the process, appended to the section after its head. Returns how many. */
static uint32_t list_tasks(struct record *r, struct reader *rd)
{
    char path[32];
    snprintf(path, sizeof path, "%d/task", r->pid);
    int dir = openat(r->job->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return 0; /* gone meanwhile */
    uint32_t count = 0;
    bool full = false;
    while (!full) {
        long n = syscall(SYS_getdents64, dir, rd->dirents, sizeof rd->dirents);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (long at = 0; at < n;) {
            const struct dirent64 *e = (const struct dirent64 *)(rd->dirents + at);
            if (e->d_reclen == 0 || e->d_reclen > n - at) break;
            at += e->d_reclen;
            char *end;
            unsigned long tid = strtoul(e->d_name, &end, 10);
            if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end != 0 || tid > INT32_MAX) continue;
            if (!record_take(r, 4)) {
                full = true;
                break;
            }
            unsigned char bytes[4];
            put_u32(bytes, (uint32_t)tid);
            bytes_append(&rd->tasks, bytes, 4);
            count++;
        }
    }
    close(dir);
    return count;
}

struct wait {
    uint32_t tid, nr;
    uint64_t args[6];
    size_t memory; /* bytes of rd->memory that go with it */
};

/* Appends one wait record with the thread's wchan, comm and sched. False when the record's share is used up. */
static bool append_wait(struct record *r, struct reader *rd, const struct wait *w)
{
    unsigned char wchan[WCHAN_MAX], comm[COMM_MAX];
    long wchan_length = read_task_file(r->job->procfd, r->pid, w->tid, "wchan", wchan, sizeof wchan);
    long comm_length = read_task_file(r->job->procfd, r->pid, w->tid, "comm", comm, sizeof comm);
    long sched_length = read_task_file(r->job->procfd, r->pid, w->tid, "sched", rd->file, sizeof rd->file);
    if (wchan_length < 0 || wchan_length == (long)sizeof wchan) wchan_length = 0;
    if (comm_length < 0 || comm_length == (long)sizeof comm) comm_length = 0;
    if (comm_length > 0 && comm[comm_length - 1] == '\n') comm_length--;
    uint64_t since = sched_length > 0 ? parse_exec_start(rd->file, (size_t)sched_length) : 0;
    size_t total = WAIT_HEAD + (size_t)wchan_length + (size_t)comm_length + w->memory;
    if (!record_take(r, total)) return false;
    unsigned char head[WAIT_HEAD];
    put_u32(head, w->tid);
    put_u32(head + 4, w->nr);
    for (int i = 0; i < 6; i++) put_u64(head + 8 + 8 * i, w->args[i]);
    put_u64(head + 56, since);
    head[64] = (unsigned char)wchan_length;
    head[65] = (unsigned char)comm_length;
    put_u16(head + 66, (uint16_t)w->memory);
    bytes_append(&rd->tasks, head, sizeof head);
    bytes_append(&rd->tasks, wchan, (size_t)wchan_length);
    bytes_append(&rd->tasks, comm, (size_t)comm_length);
    bytes_append(&rd->tasks, rd->memory, w->memory);
    return true;
}

/* What a blocked thread's call is worth keeping, with the array it points to read into rd->memory:
 * true to keep it; *private set for a futex wait on process-private memory. */
static bool judge_wait(struct record *r, struct reader *rd, enum wait_role role, struct wait *w, bool *private)
{
    *private = false;
    w->memory = 0;
    switch (role) {
    case ROLE_FUTEX:
        *private = !in_shared(rd, w->args[0]);
        return !*private;
    case ROLE_FUTEX_WAITV: {
        uint64_t n = w->args[1];
        if (n == 0 || n > FUTEX_WAITV_MAX) return true; /* the kernel refuses such a call: it is not waiting long */
        size_t length = (size_t)n * FUTEX_WAITV_BYTES;
        if (!read_call_memory(r, rd, w->args[0], length)) return true; /* kept, its futexes unknown */
        for (uint64_t i = 0; i < n; i++) {
            if (in_shared(rd, get_u64(rd->memory + i * FUTEX_WAITV_BYTES + 8))) {
                w->memory = length;
                return true;
            }
        }
        *private = true;
        return false;
    }
    case ROLE_SEMOP: {
        uint64_t n = w->args[2];
        if (n > 0 && n <= MAX_SEMBUFS && read_call_memory(r, rd, w->args[1], (size_t)n * SEMBUF_BYTES)) w->memory = (size_t)n * SEMBUF_BYTES;
        return true;
    }
    case ROLE_OTHER:
        return true;
    case ROLE_NONE:
    default:
        return false;
    }
}

uint32_t read_tasks(struct record *r, struct reader *rd, bool readable)
{
    struct scan_bytes *t = &rd->tasks;
    t->length = 0;
    t->error = 0;
    unsigned char head[TASK_HEAD] = {0};
    bytes_append(t, head, sizeof head); /* paid for with the record's head */
    uint32_t tasks = list_tasks(r, rd);
    uint32_t unreadable = 0, private_waits = 0, waits = 0;
    if (!readable) {
        unreadable = tasks; /* its maps could not be read: neither can its threads' system calls */
    } else {
        for (uint32_t i = 0; i < tasks && !t->error; i++) {
            struct wait w = {.tid = get_u32(t->data + TASK_HEAD + 4 * i)};
            long n = read_task_file(r->job->procfd, r->pid, w.tid, "syscall", rd->file, sizeof rd->file);
            if (n == -EACCES || n == -EPERM) unreadable++;
            if (n <= 0 || !parse_syscall(rd->file, (size_t)n, &w.nr, w.args)) continue; /* exited, running, not in a call */
            enum wait_role role = role_of(r->job, w.nr);
            bool private = false;
            if (role == ROLE_NONE || !judge_wait(r, rd, role, &w, &private)) {
                private_waits += private;
                continue;
            }
            if (!append_wait(r, rd, &w)) break; /* its share is used up: the record is incomplete */
            waits++;
        }
    }
    if (t->error) return 0;
    put_u32(t->data, tasks);
    put_u32(t->data + 4, unreadable);
    put_u32(t->data + 8, private_waits);
    put_u32(t->data + 12, waits);
    return waits;
}
