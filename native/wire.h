/* What the helper's translation units share: little-endian encoding of the wire format and the
 * errno names replies carry. Header-only (static inline), so each unit stays self-contained. */
#ifndef IPC_HELPER_WIRE_H
#define IPC_HELPER_WIRE_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------
 * Little-endian encoding. Byte by byte, so there is no alignment or host-endianness assumption.
 */

static inline uint16_t get_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int32_t get_i32(const unsigned char *p)
{
    uint32_t u = get_u32(p);
    int32_t v;
    memcpy(&v, &u, sizeof v); /* two's complement reinterpretation without implementation-defined casts */
    return v;
}

static inline uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static inline void put_u16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static inline void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put_i32(unsigned char *p, int32_t v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    put_u32(p, u);
}

static inline void put_i64(unsigned char *p, int64_t v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_u64(p, u);
}

/* ------------------------------------------------------------------------------------------------
 * errno names: our own table, because strerrorname_np() is glibc >= 2.32 only and the static
 * build must not depend on the libc it runs next to.
 */

static const struct {
    int value;
    const char *name;
} errno_names[] = {
    {EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"},         {EINTR, "EINTR"},
    {EIO, "EIO"},       {ENXIO, "ENXIO"},   {E2BIG, "E2BIG"},         {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},       {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},   {EEXIST, "EEXIST"}, {ENODEV, "ENODEV"},       {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"}, {EFBIG, "EFBIG"},         {ENOSPC, "ENOSPC"},
    {EPIPE, "EPIPE"},   {ERANGE, "ERANGE"}, {ENOSYS, "ENOSYS"},       {EIDRM, "EIDRM"},
    {EPROTO, "EPROTO"}, {EOVERFLOW, "EOVERFLOW"}, {EOPNOTSUPP, "EOPNOTSUPP"},
    {ESTALE, "ESTALE"}, {ELOOP, "ELOOP"}, {ENAMETOOLONG, "ENAMETOOLONG"}, {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"}, {EROFS, "EROFS"}, {EXDEV, "EXDEV"}, {ENOMSG, "ENOMSG"}, {EDQUOT, "EDQUOT"},
    {EHWPOISON, "EHWPOISON"},
};

static inline const char *errno_name(int err, char *fallback, size_t size)
{
    for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++) {
        if (errno_names[i].value == err) return errno_names[i].name;
    }
    snprintf(fallback, size, "E%d", err);
    return fallback;
}

#endif
