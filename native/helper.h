/* What the helper's translation units share: the request, the reply functions, the limits of the
 * protocol (native/PROTOCOL.md), small utilities, and one prototype per operation. The units follow
 * src/ipc's concerns:
 *
 *   main.c         the main loop, request frames, the dispatch table
 *   reply.c        replies and errors (one writev per reply)
 *   sysv.c         what the three System V kinds share: ipc_perm as every user sees it, one error
 *                  path for all three, the owner write-back check, SHM_SET / SEM_SET / MSG_SET
 *   shm-attach.c   System V shared memory attachments: the read cache, holds, views (the one shmat)
 *   shm.c          System V shared memory operations (STAT, READ, RESIDENCY, CREATE, ...)
 *   shm-sample.c   System V shared memory sampled on the helper's own clock, for recordings
 *   sem.c, msg.c   System V semaphore sets and message queues
 *   posix-path.c   POSIX object paths: parsing, the /dev/shm directory, opening by descriptor
 *   posix-shm.c    POSIX shared memory objects (FILE_*)
 *   fs-kind.c      which file system a descriptor is on, learned without asking that file system
 *   mqueue.c       POSIX message queues (MQ_*)
 *   namespace.c    another IPC namespace (NS_ENTER) and the kernel's tables in it (TABLE)
 *   proc-scan.c    the walk over /proc (PROC_SCAN): its threads, budget and reply
 *   proc-read.c    one process of that walk
 *   proc-tasks.c   its tasks, when the walk reads who waits on what
 *   proc-mem.c     another process's memory, where it is safe to read: the arrays a waiting call
 *                  points to, and shared memory through a process that maps it (PROC_MEM_*)
 * ops.h is the table of operations; wire.h the byte order and the errno names. */
#ifndef IPC_HELPER_HELPER_H
#define IPC_HELPER_HELPER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ops.h"
#include "wire.h"

#define HELPER_VERSION "ipc-helper 0.8.0"
#define PROTOCOL_VERSION 8u

#define MAX_REQUEST_BODY 4096u         /* bodyLength of a request: 8 .. 4096 */
#define MIN_REQUEST_BODY 8u
/* SHM_READ and FILE_READ length limit; SHM_RESIDENCY and FILE_DATA cover at most MAX_READ * 8 pages. */
#define MAX_READ (16u * 1024u * 1024u)
#define MAX_PATH 4000u                 /* path argument of the file operations: 1 .. 4000 bytes */
#define MAX_NAME 255u                  /* NAME in /dev/shm/NAME (NAME_MAX), and in /NAME of a queue */
#define KEEP 0xffffffffu               /* SHM_SET, SEM_SET, MSG_SET, FILE_SET: keep the current uid / gid / mode */
#define KEEP64 0xffffffffffffffffull   /* MSG_SET: keep the current qbytes */

#define EXIT_PROTOCOL 2 /* framing error or truncated input: the stream cannot be trusted */
#define EXIT_OUTPUT 1   /* stdout is gone: nobody is listening any more */

/* The operations, from ops.h: OP_HELLO = 1 ... and OP_COUNT, one more than the last. */
enum op {
#define IPC_HELPER_OP_ENUM(number, name, form, bytes, function) OP_##name = number,
    IPC_HELPER_OPS(IPC_HELPER_OP_ENUM)
#undef IPC_HELPER_OP_ENUM
    OP_COUNT
};

/* Each operation's fixed argument bytes, from ops.h: ARG_BYTES_SEM_CREATE ... */
enum op_arg_bytes {
#define IPC_HELPER_OP_BYTES(number, name, form, bytes, function) ARG_BYTES_##name = bytes,
    IPC_HELPER_OPS(IPC_HELPER_OP_BYTES)
#undef IPC_HELPER_OP_BYTES
};

/* ops.h numbers its operations 1 .. N in order, without a gap: N entries, and OP_COUNT is N + 1. */
enum {
#define IPC_HELPER_OP_ONE(number, name, form, bytes, function) +1
    OP_ENTRIES = 0 IPC_HELPER_OPS(IPC_HELPER_OP_ONE)
#undef IPC_HELPER_OP_ONE
};
_Static_assert(OP_ENTRIES == OP_COUNT - 1, "ops.h must number its operations 1 .. N in order");

struct request {
    uint32_t id;
    uint16_t op;
    uint16_t flags;
    const unsigned char *args; /* points into the input buffer; valid until the next frame is read */
    uint32_t arglen;
    const char *path; /* ops with a path: a NUL-terminated copy of it (may hold NULs: see pathlen) */
    uint32_t pathlen;
};

/* What an operation was doing, for its error messages: "permission denied reading segment 5". */
struct action {
    const char *gerund; /* "reading" */
    const char *verb;   /* "read" */
};

/* reply.c ---------------------------------------------------------------------------------------- */

/* Sends a reply whose payload is a followed by b (either may be empty). */
void send_reply(uint32_t id, uint16_t op, uint16_t status, const void *a, size_t alen, const void *b, size_t blen);
/* Sends an ok reply whose payload is the n parts (total bytes in all), one writev() per 256. */
struct iovec;
void send_reply_parts(uint32_t id, uint16_t op, const struct iovec *parts, size_t n, size_t total);
void reply_ok(const struct request *rq, const void *payload, size_t len);
/* From now on the reply is kept, not written, until release_replies(): an operation that opens
 * descriptors calls it first, so its reply goes out only once it has closed them (dispatch()
 * releases after every operation). A kept descriptor would keep an unlinked object alive past the
 * reply that says it was removed. */
void hold_replies(void);
void release_replies(void);
/* Error reply: the errno's name and a human message. */
__attribute__((format(printf, 3, 4))) void reply_error(const struct request *rq, int err, const char *fmt, ...);
/* A path or name made fit for a message: control bytes escaped, at most about 200 bytes shown. */
const char *shown(const char *path);

/* main.c ----------------------------------------------------------------------------------------- */

extern size_t page_size;
uint64_t now_ns(void);
/* Lets go of every attachment (shm-attach.c); called before any exit. */
void release_all(void);

/* Small utilities (reply.c) --------------------------------------------------------------------- */

/* A number from a /proc/sys file, or `fallback`. */
uint64_t read_proc_number(const char *path, uint64_t fallback);
/* A /proc/sys value (one unsigned decimal number and a newline) into *out; false, *out untouched, otherwise. */
bool read_sysctl_u64(const char *path, uint64_t *out);
/* Closes *fd if open and marks it closed. */
void close_fd(int *fd);
/* offset + length <= size, without computing offset + length (which may wrap). */
static inline bool range_ok(uint64_t offset, uint64_t length, uint64_t size)
{
    return offset <= size && length <= size - offset;
}
/* Page range of a RESIDENCY or FILE_DATA request, rounded out to whole pages, within the
 * page-rounded size. Returns 0 or an errno with *why set. */
int residency_pages(uint64_t offset, uint64_t length, uint64_t size, uint64_t *first, uint64_t *count,
                    const char **why);

/* The operations' functions (ops.h), each in the unit of its concern (the list above). */
#define IPC_HELPER_OP_PROTOTYPE(number, name, form, bytes, function) void function(const struct request *rq);
IPC_HELPER_OPS(IPC_HELPER_OP_PROTOTYPE)
#undef IPC_HELPER_OP_PROTOTYPE

/* namespace.c: NS_ENTER is accepted only before any other operation but HELLO. */
void note_operation(uint16_t op);

#endif
