/* Replies and errors: one writev() per reply, header plus payload pieces (the payload of a SHM_READ
 * taken straight from the mapping, so 16 MiB go from shared memory into the pipe with a single
 * copy); error replies carry the errno's name and a message in words. Also the small utilities
 * every unit uses (numbers from /proc/sys, the page range of a bitmap request). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "helper.h"

#define REPLY_HEADER 12u

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

/* A reply held back until the operation has closed its descriptors (hold_replies()). */
static struct {
    bool holding;
    unsigned char *frame; /* NULL: nothing held */
    size_t length;
} held;

void hold_replies(void)
{
    held.holding = true;
}

void release_replies(void)
{
    held.holding = false;
    if (!held.frame) return;
    unsigned char *frame = held.frame;
    held.frame = NULL;
    struct iovec iov = {.iov_base = frame, .iov_len = held.length};
    write_all(&iov, 1);
    free(frame);
}

/* Keeps the reply (header, a, b) to be written by release_replies(). */
static bool hold_reply(const unsigned char *header, const void *a, size_t alen, const void *b, size_t blen)
{
    if (held.frame) { /* one reply per request; never lose one */
        release_replies();
        held.holding = true;
    }
    unsigned char *frame = malloc(REPLY_HEADER + alen + blen);
    if (!frame) return false; /* written at once instead */
    memcpy(frame, header, REPLY_HEADER);
    if (alen) memcpy(frame + REPLY_HEADER, a, alen);
    if (blen) memcpy(frame + REPLY_HEADER + alen, b, blen);
    held.frame = frame;
    held.length = REPLY_HEADER + alen + blen;
    return true;
}

void send_reply(uint32_t id, uint16_t op, uint16_t status, const void *a, size_t alen, const void *b, size_t blen)
{
    unsigned char header[REPLY_HEADER];
    put_u32(header, (uint32_t)(8 + alen + blen)); /* callers keep payloads <= 16 MiB + 16 */
    put_u32(header + 4, id);
    put_u16(header + 8, op);
    put_u16(header + 10, status);
    if (held.holding && hold_reply(header, a, alen, b, blen)) return;
    struct iovec iov[3] = {
        {.iov_base = header, .iov_len = sizeof header},
        {.iov_base = (void *)a, .iov_len = alen},
        {.iov_base = (void *)b, .iov_len = blen},
    };
    write_all(iov, 3);
}

void send_reply_parts(uint32_t id, uint16_t op, const struct iovec *parts, size_t n, size_t total)
{
    unsigned char header[REPLY_HEADER];
    put_u32(header, (uint32_t)(8 + total)); /* callers keep payloads <= 16 MiB */
    put_u32(header + 4, id);
    put_u16(header + 8, op);
    put_u16(header + 10, 0);
    struct iovec batch[256]; /* writev takes at most IOV_MAX (1024) at a time: a copy, as write_all moves it */
    batch[0] = (struct iovec){.iov_base = header, .iov_len = sizeof header};
    size_t k = 1;
    for (size_t i = 0; i < n; i++) {
        batch[k++] = parts[i];
        if (k == sizeof batch / sizeof batch[0]) {
            write_all(batch, (int)k);
            k = 0;
        }
    }
    if (k > 0) write_all(batch, (int)k);
}

void reply_ok(const struct request *rq, const void *payload, size_t len)
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

void reply_error(const struct request *rq, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_error(rq->id, rq->op, err, fmt, ap);
    va_end(ap);
}

/* Four buffers in rotation, so one message can show two paths. */
const char *shown(const char *path)
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

/* ------------------------------------------------------------------------------------------------
 * Utilities.
 */

uint64_t read_proc_number(const char *path, uint64_t fallback)
{
    FILE *f = fopen(path, "re");
    unsigned long long v;
    bool ok = f && fscanf(f, "%llu", &v) == 1;
    if (f) fclose(f);
    return ok ? (uint64_t)v : fallback;
}

bool read_sysctl_u64(const char *path, uint64_t *out)
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

void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

int residency_pages(uint64_t offset, uint64_t length, uint64_t size, uint64_t *first, uint64_t *count, const char **why)
{
    if (size > UINT64_MAX - page_size) { /* the kernel never makes one (newseg() refuses it): no wrap below */
        *why = "the size cannot be rounded to whole pages";
        return EOVERFLOW;
    }
    uint64_t mapped = (size + page_size - 1) / page_size * page_size;
    if (offset >= mapped) {
        *why = "offset is at or past the end of the page-rounded size";
        return ERANGE;
    }
    if (length != 0 && length > mapped - offset) {
        *why = "offset + length is past the end of the page-rounded size";
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
