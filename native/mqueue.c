/* POSIX message queues (MQ_ATTR, MQ_CREATE, MQ_UNLINK), through mq_open() in the IPC namespace's
 * own internal mqueue mount (no /dev/mqueue needed). Opened O_RDONLY | O_NONBLOCK for the
 * attributes and closed before the reply: nothing is ever sent or received (a POSIX queue cannot
 * be read without receiving), so there is no mq_send() or mq_receive() in the helper. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helper.h"

#define MQ_ATTR_BYTES 32u

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

void op_mq_attr(const struct request *rq)
{
    if (!mq_name_or_reply(rq)) return;
    hold_replies(); /* the reply goes out once the queue is closed again */
    mqd_t q = mq_open(rq->path, O_RDONLY | O_NONBLOCK); /* receives nothing: only the attributes are read */
    if (q == (mqd_t)-1) {
        reply_mq_errno(rq, errno, "opening");
        return;
    }
    unsigned char record[MQ_ATTR_BYTES];
    if (encode_mq_attr_or_reply(rq, q, record)) reply_ok(rq, record, sizeof record);
    mq_close(q);
}

void op_mq_create(const struct request *rq)
{
    uint32_t mode = get_u32(rq->args);
    uint32_t flags = get_u32(rq->args + 4);
    uint64_t maxmsg = get_u64(rq->args + 8);
    uint64_t msgsize = get_u64(rq->args + 16);
    if (!mq_name_or_reply(rq)) return;
    hold_replies(); /* the reply goes out once the queue is closed again */
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

void op_mq_unlink(const struct request *rq)
{
    if (!mq_name_or_reply(rq)) return;
    if (mq_unlink(rq->path) < 0) {
        reply_mq_errno(rq, errno, "removing");
        return;
    }
    reply_ok(rq, NULL, 0);
}
