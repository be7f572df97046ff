/* Another IPC namespace (a container's): NS_ENTER, and TABLE, the kernel's IPC tables and limits
 * as the helper's namespace has them. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helper.h"

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

void note_operation(uint16_t op)
{
    if (op != OP_HELLO && op != OP_NS_ENTER) ns_enter_allowed = false;
}

void op_ns_enter(const struct request *rq)
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
    hold_replies(); /* the reply goes out once the namespace file is closed */
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

void op_table(const struct request *rq)
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
