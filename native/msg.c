/* System V message queues: MSG_STAT, MSG_PEEK, MSG_READ, MSG_CREATE, MSG_REMOVE (MSG_SET is
 * sysv.c's). Messages are copied by index with MSG_COPY, never received: msg_copy() is the only
 * caller of msgrcv(), and there is no msgsnd(). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helper.h"
#include "sysv.h"

#define MSG_STAT_BYTES 88u
#define MAX_PEEK_COUNT 1000u                   /* MSG_PEEK: messages per request */
#define MAX_PREVIEW 4096u                      /* MSG_PEEK: preview bytes per message */
#define MAX_COPY_BUFFER (256u * 1024u * 1024u) /* largest message copy buffer the helper allocates */
#ifndef MSG_COPY
#define MSG_COPY 040000 /* msgrcv: copy the message at an index, leave it queued */
#endif

static bool msg_stat_or_reply(const struct request *rq, int msqid, struct msqid_ds *ds, const struct action *act)
{
    union sysv_ds u;
    if (!sysv_stat_or_reply(rq, SYSV_MSG, msqid, &u, act)) return false;
    *ds = u.msg;
    return true;
}

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
    put_i64(p + 64, sysv_time(ds->msg_stime));
    put_i64(p + 72, sysv_time(ds->msg_rtime));
    put_i64(p + 80, sysv_time(ds->msg_ctime));
}

void reply_msg_stat(const struct request *rq, int msqid, const struct msqid_ds *ds)
{
    unsigned char record[MSG_STAT_BYTES];
    encode_msg_stat(record, msqid, ds);
    reply_ok(rq, record, sizeof record);
}

void op_msg_stat(const struct request *rq)
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

/* Room for the largest message queued in `ds` now: none can be longer than all the text queued
 * (cbytes), nor than kernel.msgmax (the kernel copies no more). Not the queue's capacity (qbytes) nor
 * msgmax alone: a user may raise both to 256 MiB in an IPC namespace of its own, and every MSG_COPY
 * then makes the kernel allocate and fill the whole buffer, for a message of a few bytes. A message
 * sent after the stat can be longer: msg_copy_or_reply() then asks again. Replies and returns false
 * when that much cannot be had. */
static bool msg_buffer_or_reply(const struct request *rq, int msqid, const struct msqid_ds *ds, struct msg_buffer *b)
{
    struct msginfo info;
    uint64_t msgmax = msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info) >= 0 && info.msgmax > 0
                          ? (uint64_t)info.msgmax
                          : read_proc_number("/proc/sys/kernel/msgmax", 8192);
    uint64_t queued = (uint64_t)ds->__msg_cbytes;
    uint64_t room = queued < msgmax ? queued : msgmax;
    if (room == 0) room = 1;
    if (room > MAX_COPY_BUFFER) {
        reply_error(rq, ENOMEM, "message queue %d holds %" PRIu64 " bytes of messages; the helper copies at most %u "
                    "bytes at a time", msqid, queued, MAX_COPY_BUFFER);
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

/* A message's type as the reply carries it. The kernel hands a 32-bit process (armhf, also on a
 * 64-bit kernel) only the low 32 bits of a type that a 64-bit sender may have made larger: read
 * there as the unsigned low 32 bits, exact up to 2^32 - 1 and never a negative number, with
 * MTYPE_LOW32 in the reply's flags so the client says that the high bits cannot be seen. */
#define MTYPE_LOW32 2u
static const uint32_t type_flags = sizeof(long) < 8 ? MTYPE_LOW32 : 0u;

static int64_t message_type(long mtype)
{
    return sizeof(long) < 8 ? (int64_t)(uint32_t)mtype : (int64_t)mtype;
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
 * buffer (one sent since the buffer was sized): then again with room for what is queued now, as
 * long as that is more than before. */
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
            reply_sysv_error(rq, err, SYSV_MSG, msqid, &act);
            return false;
        }
        size_t before = b->room;
        if (attempt < 4 && !msg_buffer_or_reply(rq, msqid, &ds, b)) return false; /* it replied */
        if (attempt < 4 && b->room > before) continue;
        reply_error(rq, E2BIG, "message %" PRIu64 " of queue %d is longer than kernel.msgmax allows copying now (the "
                    "limit was lowered after it was sent?); raise kernel.msgmax to look at it", index, msqid);
        return false;
    }
}

/* u32 n, u32 flags (bit 0: more messages after these; bit 1: MTYPE_LOW32), then per message u32
 * index, i64 mtype, u32 size (the true size), u32 previewLength and that many bytes of its start. */
void op_msg_peek(const struct request *rq)
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
    if (!msg_buffer_or_reply(rq, msqid, &ds, &b)) goto out;
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
        put_i64(out + at + 4, message_type(b.data[0]));
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
    put_u32(out + 4, (more ? 1u : 0u) | type_flags);
    reply_ok(rq, out, at);
out:
    free(out);
    free(b.data);
}

/* i64 mtype, u32 flags (bit 1: MTYPE_LOW32), u32 reserved, then the whole text of the message at `index`. */
void op_msg_read(const struct request *rq)
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
    if (!msg_buffer_or_reply(rq, msqid, &ds, &b) || !msg_copy_or_reply(rq, msqid, index, &b, &size, &end)) {
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
        unsigned char head[16];
        put_i64(head, message_type(b.data[0]));
        put_u32(head + 8, type_flags);
        put_u32(head + 12, 0);
        send_reply(rq->id, rq->op, 0, head, sizeof head, b.data + 1, (size_t)size);
    }
    free(b.data);
}

void op_msg_create(const struct request *rq)
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
        reply_get_error(rq, err, SYSV_MSG, key, limits);
        return;
    }
    reply_get_error(rq, EAGAIN, SYSV_MSG, key, "");
}

void op_msg_remove(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int msqid = get_i32(rq->args);
    if (msgctl(msqid, IPC_RMID, NULL) < 0) {
        reply_sysv_error(rq, errno, SYSV_MSG, msqid, &act);
        return;
    }
    reply_ok(rq, NULL, 0);
}
