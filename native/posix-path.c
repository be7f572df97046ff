/* POSIX shared memory object paths: files on a tmpfs, /dev/shm/NAME (or a container's /dev/shm, or
 * an unlinked object or a memfd reached through /proc/PID/fd/N or /proc/PID/map_files/START-END).
 *
 * How they are looked at, and why:
 *   - Only the path forms parse_ipc_path() accepts; anything else is EINVAL. A helper that may run
 *     as root must not become a general "read any file" service.
 *   - Reading is pread() on an O_RDONLY descriptor, never a mapping: faulting a hole of a tmpfs
 *     file in through a mapping allocates a page, pread() of a hole copies zeros and allocates
 *     nothing. Holes come from lseek(SEEK_DATA/SEEK_HOLE), not mincore() (which reports every page
 *     resident to a caller that neither owns nor may write the file).
 *   - The object is first opened with O_PATH (which runs no driver code and cannot block: a FIFO or
 *     a device behind /proc/PID/fd/N is never really opened), checked (regular file, the identity
 *     the client named), and only then opened for reading, through /proc/self/fd/N of that very
 *     O_PATH descriptor, so the check and the read are about the same inode.
 *   - O_NOATIME (looking does not change atime; retried without it on EPERM: only the owner or
 *     CAP_FOWNER may use it), O_NOFOLLOW on the last component of the /dev/shm forms (a symlink
 *     planted in /dev/shm must not make a root helper read /etc/shadow), a container's /dev/shm is
 *     resolved inside that container's root (RESOLVE_IN_ROOT: its symlinks cannot lead out).
 *   - Descriptors are closed before the reply is complete: none is cached, since one kept open
 *     would keep an unlinked object alive.
 *   - Identity is (device major, device minor, inode). Every operation on an existing object takes
 *     the identity the client saw and fails with ESTALE when the name now belongs to another one.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "posix-path.h"
#include "fs-kind.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Decimal digits at *s with no leading zero ("0" itself only when zero_ok), at most INT_MAX. */
static bool parse_decimal(const char **s, bool zero_ok, int *value)
{
    const char *p = *s;
    if (*p < '0' || *p > '9' || (*p == '0' && (!zero_ok || (p[1] >= '0' && p[1] <= '9')))) return false;
    long long v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX) return false;
    }
    *value = (int)v;
    *s = p;
    return true;
}

/* 1..16 lowercase hex digits at *s with no leading zero (as the kernel names map_files entries). */
static bool parse_hex(const char **s, uint64_t *value)
{
    const char *p = *s;
    uint64_t v = 0;
    int digits = 0;
    for (;; p++, digits++) {
        int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
        if (d < 0) break;
        if (digits == 16 || (digits == 1 && v == 0)) return false; /* too long, or a leading zero */
        v = v << 4 | (uint64_t)d;
    }
    if (digits == 0) return false;
    *value = v;
    *s = p;
    return true;
}

/* NAME of /dev/shm/NAME: 1..255 bytes, no '/', not "." or "..". */
static bool valid_name(const char *name, const char **why)
{
    size_t len = strlen(name);
    if (len == 0) *why = "the name after /dev/shm/ is empty";
    else if (len > MAX_NAME) *why = "the name is longer than 255 bytes";
    else if (strchr(name, '/')) *why = "the name contains a '/' (objects are directly in /dev/shm)";
    else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) *why = "the name is \".\" or \"..\"";
    else return true;
    return false;
}

/* The one gate every file path goes through. Returns true, or false with *why set. */
static bool parse_ipc_path(const char *text, uint32_t len, struct ipc_path *out, const char **why)
{
    *out = (struct ipc_path){.text = text, .name = NULL, .pid = 0};
    if (memchr(text, 0, len)) {
        *why = "it contains a NUL byte";
        return false;
    }
    if (starts_with(text, "/dev/shm/")) {
        out->kind = PATH_SHM;
        out->name = text + strlen("/dev/shm/");
        return valid_name(out->name, why);
    }
    if (!starts_with(text, "/proc/")) {
        *why = "IPC objects are /dev/shm/NAME, /proc/PID/root/dev/shm/NAME, /proc/PID/fd/N or "
               "/proc/PID/map_files/START-END";
        return false;
    }
    const char *s = text + strlen("/proc/");
    if (!parse_decimal(&s, false, &out->pid)) {
        *why = "/proc/ must be followed by a process id (decimal, no leading zero)";
        return false;
    }
    if (starts_with(s, "/root/dev/shm/")) {
        out->kind = PATH_CONTAINER_SHM;
        out->name = s + strlen("/root/dev/shm/");
        return valid_name(out->name, why);
    }
    if (starts_with(s, "/fd/")) {
        int fd;
        s += strlen("/fd/");
        out->kind = PATH_PROC_FD;
        if (parse_decimal(&s, true, &fd) && *s == 0) return true;
        *why = "/proc/PID/fd/ must be followed by a descriptor number (decimal, no leading zero)";
        return false;
    }
    if (starts_with(s, "/map_files/")) {
        uint64_t start, end;
        s += strlen("/map_files/");
        out->kind = PATH_MAP_FILES;
        if (parse_hex(&s, &start) && *s++ == '-' && parse_hex(&s, &end) && *s == 0 && start < end) return true;
        *why = "/proc/PID/map_files/ must be followed by START-END in lowercase hex without leading zeros, "
               "START below END (as the kernel names the entries)";
        return false;
    }
    *why = "under /proc/PID only root/dev/shm/NAME, fd/N and map_files/START-END are IPC objects";
    return false;
}

/* Parses rq->path for an operation that allows `use`, or replies EINVAL. */
bool path_or_reply(const struct request *rq, enum path_use use, struct ipc_path *p)
{
    const char *why = "";
    if (!parse_ipc_path(rq->path, rq->pathlen, p, &why)) {
        reply_error(rq, EINVAL, "not the path of an IPC object: %s (%s)", shown(rq->path), why);
        return false;
    }
    if (use == SHM_DIR_ONLY && !is_shm_form(p)) {
        reply_error(rq, EINVAL, "not the path of an IPC object for this operation: %s (creating, removing and "
                    "changing work on names, /dev/shm/NAME or /proc/PID/root/dev/shm/NAME, not on descriptors "
                    "or mappings)", shown(p->text));
        return false;
    }
    return true;
}

struct file_id get_file_id(const unsigned char *args)
{
    return (struct file_id){.major = get_u32(args), .minor = get_u32(args + 4), .ino = get_u64(args + 8)};
}

bool same_object(const struct stat *st, const struct file_id *id)
{
    return major(st->st_dev) == id->major && minor(st->st_dev) == id->minor && (uint64_t)st->st_ino == id->ino;
}

const char *file_type(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFLNK: return "a symbolic link";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    default: return "of an unknown type";
    }
}

/* Nanoseconds since the epoch, saturated (a time past the year 2262 does not wrap). */
static int64_t timespec_ns(const struct timespec *ts)
{
    int64_t sec = (int64_t)ts->tv_sec;
    if (sec > INT64_MAX / 1000000000 - 1) return INT64_MAX;
    if (sec < INT64_MIN / 1000000000 + 1) return INT64_MIN;
    return sec * 1000000000 + (int64_t)ts->tv_nsec;
}

void encode_file_stat(unsigned char *p, const struct stat *st)
{
    put_u32(p + 0, major(st->st_dev));
    put_u32(p + 4, minor(st->st_dev));
    put_u64(p + 8, (uint64_t)st->st_ino);
    put_u32(p + 16, (uint32_t)st->st_mode);
    put_u32(p + 20, (uint32_t)st->st_uid);
    put_u32(p + 24, (uint32_t)st->st_gid);
    put_u32(p + 28, st->st_nlink > UINT32_MAX ? UINT32_MAX : (uint32_t)st->st_nlink);
    put_u64(p + 32, (uint64_t)st->st_size);
    put_u64(p + 40, (uint64_t)st->st_blocks);
    put_i64(p + 48, timespec_ns(&st->st_atim));
    put_i64(p + 56, timespec_ns(&st->st_mtim));
    put_i64(p + 64, timespec_ns(&st->st_ctim));
}

void reply_file_stat(const struct request *rq, const struct stat *st)
{
    unsigned char record[FILE_STAT_BYTES];
    encode_file_stat(record, st);
    reply_ok(rq, record, sizeof record);
}

/* The /dev/shm directory of a /dev/shm-form path, as an O_PATH descriptor: the machine's, or the
 * one inside PID's root, resolved within that root (RESOLVE_IN_ROOT), so that a symlink in a
 * container's file system (its /dev/shm -> /etc, say) cannot lead the helper out of it. Every
 * /dev/shm-form operation then works on NAME relative to this directory (NAME has no '/'), with
 * O_NOFOLLOW / AT_SYMLINK_NOFOLLOW: only the last component could be a symlink, and it never is
 * followed. Returns the descriptor, or -1 with errno set. Not checked: see shm_dir_or_reply(). */
static int open_shm_dir(const struct ipc_path *p)
{
    if (p->kind == PATH_SHM) return open("/dev/shm", O_PATH | O_DIRECTORY | O_CLOEXEC);
    char root[64];
    snprintf(root, sizeof root, "/proc/%d/root", p->pid);
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) return -1;
    struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    long fd = syscall(SYS_openat2, rootfd, "dev/shm", &how, sizeof how);
    int err = errno;
    close(rootfd);
    errno = err;
    return fd < 0 ? -1 : (int)fd;
}

static bool shared_memory_quietly(const struct ipc_path *p, int fd, struct fs_place *place);

/* What a failed open/stat of a path means, in words. `gerund` says what was being done. */
void reply_path_errno(const struct request *rq, int err, const struct ipc_path *p, const char *gerund)
{
    const char *path = shown(p->text);
    unsigned me = (unsigned)geteuid();
    switch (err) {
    case ENOENT:
        if (p->kind == PATH_PROC_FD || p->kind == PATH_MAP_FILES) {
            reply_error(rq, ENOENT, "no object at %s: process %d has exited or no longer has that %s", path, p->pid,
                        p->kind == PATH_PROC_FD ? "descriptor" : "mapping");
        } else if (p->kind == PATH_CONTAINER_SHM) {
            reply_error(rq, ENOENT, "no object at %s (already removed, or process %d has exited or has no /dev/shm)",
                        path, p->pid);
        } else {
            reply_error(rq, ENOENT, "no object at %s (already removed?)", path);
        }
        break;
    case EACCES:
        if (!is_shm_form(p)) {
            reply_error(rq, EACCES, "permission denied %s %s: only the owner of process %d or root may look at its "
                        "descriptors and mappings (Yama's ptrace_scope may allow less), or the object's mode does not "
                        "let this helper (uid %u) read it", gerund, path, p->pid, me);
        } else {
            struct stat st;
            int dirfd = open_shm_dir(p);
            if (dirfd >= 0 && shared_memory_quietly(p, dirfd, NULL) &&
                fstatat(dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                reply_error(rq, EACCES, "permission denied %s %s (mode %04o, owner uid %u, group gid %u; this helper "
                            "runs as uid %u): %s", gerund, path, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
                            (unsigned)st.st_gid, me,
                            st.st_uid == me ? "you own it, so you can change its permissions"
                                            : "its owner can grant access by changing its permissions, or run as root");
            } else if (p->kind == PATH_CONTAINER_SHM) {
                reply_error(rq, EACCES, "permission denied %s %s: this helper (uid %u) may not look into the root of "
                            "process %d (only its owner or root may), or the object's mode does not allow it", gerund,
                            path, me, p->pid);
            } else {
                reply_error(rq, EACCES, "permission denied %s %s (this helper runs as uid %u)", gerund, path, me);
            }
            close_fd(&dirfd);
        }
        break;
    case EPERM:
        if (p->kind == PATH_MAP_FILES) {
            reply_error(rq, EPERM, "not permitted %s %s: /proc/PID/map_files links can be followed only with "
                        "CAP_SYS_ADMIN (root); use /proc/%d/fd/N if the process still has a descriptor of the object, "
                        "or run as root", gerund, path, p->pid);
        } else {
            reply_error(rq, EPERM, "not permitted %s %s (this helper runs as uid %u): %s", gerund, path, me,
                        strerror(err));
        }
        break;
    case ELOOP:
        reply_error(rq, ELOOP, "%s is a symbolic link, not a shared memory object: the helper never follows links in "
                    "/dev/shm (one planted there could point a privileged reader at another file)", path);
        break;
    case ENAMETOOLONG:
        reply_error(rq, ENAMETOOLONG, "%s is too long for the kernel (a name over 255 bytes, or a path over 4095 "
                    "bytes once resolved)", path);
        break;
    case ENOTDIR:
        reply_error(rq, ENOTDIR, "a component of %s is not a directory", path);
        break;
    case EISDIR:
        reply_error(rq, EISDIR, "%s is a directory, not a shared memory object", path);
        break;
    case ESRCH:
        reply_error(rq, ESRCH, "process %d does not exist (any more), so %s cannot be reached", p->pid, path);
        break;
    case EXDEV:
        reply_error(rq, EXDEV, "%s leads outside the root of process %d (through a symlink or a mount); refused",
                    path, p->pid);
        break;
    case ENOSYS:
        reply_error(rq, ENOSYS, "this kernel has no openat2() (Linux 5.6 or later), which is needed to resolve %s "
                    "safely inside the process's root", path);
        break;
    case ENXIO:
        reply_error(rq, ENXIO, "%s is a socket or a device without a driver, not a shared memory object", path);
        break;
    case EMFILE:
    case ENFILE:
        reply_error(rq, err, "%s %s failed: too many open files (%s)", gerund, path, strerror(err));
        break;
    default:
        reply_error(rq, err, "%s %s failed: %s", gerund, path, strerror(err));
        break;
    }
}

/* Checks what an O_PATH descriptor (or any) stands for: a regular file with the identity `id`.
 * Replies and returns false otherwise. */
bool check_object_or_reply(const struct request *rq, const struct ipc_path *p, const struct stat *st,
                                  const struct file_id *id)
{
    if (S_ISLNK(st->st_mode)) {
        reply_path_errno(rq, ELOOP, p, "opening");
        return false;
    }
    if (!S_ISREG(st->st_mode)) {
        reply_error(rq, EINVAL, "%s is not a regular file (it is %s), so it is not a shared memory object",
                    shown(p->text), file_type(st->st_mode));
        return false;
    }
    if (!same_object(st, id)) {
        reply_error(rq, ESTALE, "the object at %s is another one now (same name, different inode): expected device "
                    "%u:%u inode %" PRIu64 ", found device %u:%u inode %" PRIu64 "; it was removed and made again (or "
                    "the descriptor reused) since it was looked at: refresh and look again", shown(p->text), id->major,
                    id->minor, id->ino, major(st->st_dev), minor(st->st_dev), (uint64_t)st->st_ino);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------------
 * Only shared memory. POSIX objects and memfds live on tmpfs, huge-page ones on hugetlbfs. Through
 * /proc/PID/fd/N any file a process holds could be named, and through /proc/PID/root/dev/shm any
 * directory a user bind-mounted over its own /dev/shm (unshare -Urm needs no privilege): a helper
 * that may run as root reads, creates, changes and removes only shared memory, never a process's
 * config file or a root-owned directory on disk. Each check learns the file system from the
 * descriptor's mount (fs-kind.h) before anything else touches it, so a FUSE daemon that stopped
 * answering cannot hang the helper either.
 */

/* The process whose mount table lists what path p leads to (0: the helper's own). */
static int table_pid(const struct ipc_path *p)
{
    return p->kind == PATH_SHM ? 0 : p->pid;
}

static const char *fs_name(const struct fs_type *t)
{
    return t->name[0] ? t->name : "a file system that no mount table here lists";
}

/* Whether fd (of path p) is on tmpfs or hugetlbfs; *place (if given) is where it is. */
static bool shared_memory_quietly(const struct ipc_path *p, int fd, struct fs_place *place)
{
    struct fs_place here;
    struct fs_type type;
    if (fs_place_of_fd(fd, &here) != 0) return false;
    fs_type_of(&here, table_pid(p), NULL, &type);
    if (place) *place = here;
    return fs_is_shared_memory(&type);
}

/* The same, replying in words when it is not. `dir`: fd is the /dev/shm directory of p. */
static bool shared_memory_or_reply(const struct request *rq, const struct ipc_path *p, int fd, bool dir,
                                   struct fs_place *place)
{
    struct fs_place here;
    int err = fs_place_of_fd(fd, &here);
    if (err) {
        reply_path_errno(rq, err, p, "checking");
        return false;
    }
    struct fs_type type;
    fs_type_of(&here, table_pid(p), NULL, &type);
    if (place) *place = here;
    if (fs_is_shared_memory(&type)) return true;
    if (dir) {
        char where[48] = "/dev/shm";
        if (p->kind == PATH_CONTAINER_SHM) snprintf(where, sizeof where, "/proc/%d/root/dev/shm", p->pid);
        reply_error(rq, EINVAL, "%s: its directory %s is not on tmpfs or hugetlbfs (it is on %s), so nothing in it is "
                    "a POSIX shared memory object (something else was mounted there); the helper looks at, creates, "
                    "changes and removes nothing there", shown(p->text), where, fs_name(&type));
    } else {
        reply_error(rq, EINVAL, "%s is not on tmpfs or hugetlbfs (it is on %s), so it is not shared memory; the helper "
                    "reads, changes and removes nothing else", shown(p->text), fs_name(&type));
    }
    return false;
}

int shm_dir_or_reply(const struct request *rq, const struct ipc_path *p, const char *gerund, struct fs_place *place)
{
    int dirfd = open_shm_dir(p);
    if (dirfd < 0) {
        reply_path_errno(rq, errno, p, gerund);
        return -1;
    }
    if (!shared_memory_or_reply(rq, p, dirfd, true, place)) close_fd(&dirfd);
    return dirfd;
}

/* NAME in dirfd as an O_PATH descriptor (a symlink's own, never what it points at), not crossing
 * into a file system mounted on NAME. openat2() refuses the crossing itself (EXDEV); without it
 * (before Linux 5.6, and under qemu-user) the caller compares the mounts. */
static int open_name(int dirfd, const char *name)
{
    struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
    long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return (int)fd;
    return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

static bool same_place(const struct fs_place *a, const struct fs_place *b)
{
    return a->mnt_id == b->mnt_id && a->major == b->major && a->minor == b->minor;
}

static void reply_mount_point(const struct request *rq, const struct ipc_path *p)
{
    reply_error(rq, EXDEV, "%s is a mount point (another file system is mounted on the name), not an object of its "
                "/dev/shm; refused", shown(p->text));
}

int object_or_reply(const struct request *rq, const struct ipc_path *p, int dirfd, const char *gerund)
{
    return object_or_reply_unless_missing(rq, p, dirfd, gerund, false);
}

int object_or_reply_unless_missing(const struct request *rq, const struct ipc_path *p, int dirfd, const char *gerund,
                                   bool missing_ok)
{
    if (!is_shm_form(p)) { /* a magic link: following it runs nothing of the file it points at */
        int fd = open(p->text, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            reply_path_errno(rq, errno, p, gerund);
            return -1;
        }
        if (!shared_memory_or_reply(rq, p, fd, false, NULL)) close_fd(&fd);
        return fd;
    }
    struct fs_place dir, object;
    int own_dir = -1;
    if (dirfd < 0 && (dirfd = own_dir = shm_dir_or_reply(rq, p, gerund, &dir)) < 0) return -1;
    if (own_dir < 0 && fs_place_of_fd(dirfd, &dir) != 0) {
        reply_path_errno(rq, errno, p, "checking");
        return -1;
    }
    int fd = open_name(dirfd, p->name);
    int err = errno;
    close_fd(&own_dir);
    if (fd < 0 && err == EXDEV) {
        reply_mount_point(rq, p);
        return -1;
    }
    if (fd < 0 && err == ENOENT && missing_ok) return OBJECT_MISSING;
    if (fd < 0) {
        reply_path_errno(rq, err, p, gerund);
        return -1;
    }
    if (fs_place_of_fd(fd, &object) != 0 || !same_place(&object, &dir)) {
        reply_mount_point(rq, p);
        close_fd(&fd);
    }
    return fd;
}

/* Opens the object for reading, after checking that it is a regular file with identity `id`.
 * On success *fd is an O_RDONLY descriptor (closed by the caller before the request ends) and *st
 * its fstat; otherwise a reply was sent and false is returned. */
bool open_for_reading(const struct request *rq, const struct ipc_path *p, const struct file_id *id, int *fd,
                      struct stat *st)
{
    int pathfd = object_or_reply(rq, p, -1, "opening");
    if (pathfd < 0) return false;
    if (fstat(pathfd, st) < 0) { /* on tmpfs or hugetlbfs, known: nothing that could hang */
        reply_path_errno(rq, errno, p, "checking");
        close_fd(&pathfd);
        return false;
    }
    if (!check_object_or_reply(rq, p, st, id)) {
        close_fd(&pathfd);
        return false;
    }
    /* Reopened through our own O_PATH descriptor: the very inode just checked, whatever the name
     * means by now. The open is checked against the object's permissions as any open is. */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
    /* No O_NOFOLLOW on this open: it would refuse the magic link itself (ELOOP). The name was
     * already opened without following (object_or_reply()), and what the link refers to was just
     * checked to be a regular file. */
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    *fd = open(self, flags | O_NOATIME);
    if (*fd < 0 && errno == EPERM) *fd = open(self, flags); /* O_NOATIME is for the owner or CAP_FOWNER only */
    int err = errno;
    close_fd(&pathfd);
    if (*fd < 0) {
        reply_path_errno(rq, err, p, "opening");
        return false;
    }
    if (fstat(*fd, st) < 0 || !same_object(st, id)) { /* cannot differ; checked anyway */
        reply_error(rq, ESTALE, "the object at %s changed while it was opened; look again", shown(p->text));
        close_fd(fd);
        return false;
    }
    return true;
}
