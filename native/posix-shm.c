/* POSIX shared memory objects (FILE_STAT, FILE_READ, FILE_DATA, FILE_CREATE, FILE_UNLINK,
 * FILE_SET): files on tmpfs or hugetlbfs, reached by the paths posix-path.c accepts.
 *
 * Never mapped: read with pread() on an O_RDONLY descriptor (open_for_reading(), the only open for
 * reading), holes found with lseek(SEEK_DATA/SEEK_HOLE). Nothing writes an object's contents:
 * FILE_CREATE sets a new object's mode and size (ftruncate, which writes no byte) and never
 * truncates an existing one; FILE_SET changes owner and mode only. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "helper.h"
#include "posix-path.h"

void op_file_stat(const struct request *rq)
{
    struct ipc_path p;
    if (!path_or_reply(rq, ANY_IPC_PATH, &p)) return;
    hold_replies();
    /* The object itself, never followed out of /dev/shm: a symlink there is reported as one. */
    int fd = object_or_reply(rq, &p, -1, "looking at");
    if (fd < 0) return;
    struct stat st;
    int ok = fstat(fd, &st), err = errno;
    close_fd(&fd);
    if (ok < 0) reply_path_errno(rq, err, &p, "looking at");
    else reply_file_stat(rq, &st);
}

void op_file_read(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    uint64_t offset = get_u64(rq->args + 16);
    uint32_t length = get_u32(rq->args + 24);
    uint32_t reserved = get_u32(rq->args + 28);
    struct ipc_path p;
    if (!path_or_reply(rq, ANY_IPC_PATH, &p)) return;
    if (reserved != 0) {
        reply_error(rq, EINVAL, "FILE_READ: the reserved field must be 0");
        return;
    }
    if (length == 0 || length > MAX_READ) {
        reply_error(rq, length == 0 ? EINVAL : E2BIG, "FILE_READ length must be 1 to %u bytes (16 MiB), got %" PRIu32,
                    MAX_READ, length);
        return;
    }
    hold_replies();
    int fd = -1;
    struct stat st;
    if (!open_for_reading(rq, &p, &id, &fd, &st)) return;
    uint64_t size = (uint64_t)st.st_size;
    unsigned char *buf = NULL;
    if (!range_ok(offset, length, size)) {
        reply_error(rq, ERANGE, "cannot read %" PRIu32 " bytes at offset %" PRIu64 ": %s is %" PRIu64 " bytes", length,
                    offset, shown(p.text), size);
    } else if (!(buf = malloc(length))) {
        reply_error(rq, ENOMEM, "no memory for a read of %" PRIu32 " bytes", length);
    } else {
        size_t done = 0;
        int err = 0;
        while (done < length) { /* offset + done <= size <= INT64_MAX: fits off_t */
            ssize_t n = pread(fd, buf + done, length - done, (off_t)(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                err = errno;
                break;
            }
            if (n == 0) break;
            done += (size_t)n;
        }
        if (err) {
            reply_error(rq, err, "reading %s failed: %s", shown(p.text), strerror(err));
        } else if (done < length) {
            struct stat now;
            long long now_size = fstat(fd, &now) == 0 ? (long long)now.st_size : -1;
            reply_error(rq, ERANGE, "%s changed while reading: it ended after %" PRIu64 " bytes (it is %lld bytes "
                        "now); read again", shown(p.text), offset + done, now_size);
        } else {
            close_fd(&fd); /* before the reply (16 MiB are not copied to be held): see hold_replies() */
            release_replies();
            send_reply(rq->id, rq->op, 0, buf, length, NULL, 0);
        }
    }
    free(buf);
    close_fd(&fd);
}

/* Sets bits [from, to) of an LSB-first bitmap. */
static void set_bits(unsigned char *bitmap, uint64_t from, uint64_t to)
{
    for (; from < to && from % 8 != 0; from++) bitmap[from / 8] = (unsigned char)(bitmap[from / 8] | 1u << (from % 8));
    if (to - from >= 8) {
        memset(bitmap + from / 8, 0xff, (size_t)((to - from) / 8));
        from += (to - from) / 8 * 8;
    }
    for (; from < to; from++) bitmap[from / 8] = (unsigned char)(bitmap[from / 8] | 1u << (from % 8));
}

/* Which pages of [first, first + count) hold data, from the file's data extents (SEEK_DATA /
 * SEEK_HOLE, one pair of calls per extent, not per page). `size` is the file size the range was
 * checked against. Returns 0 or an errno. */
static int data_bitmap(int fd, uint64_t first, uint64_t count, uint64_t size, unsigned char *bitmap)
{
    uint64_t start = first * page_size;
    uint64_t end = (first + count) * page_size; /* within the page-rounded size: no wrap */
    if (end > size) end = size;                  /* no data past the end of the file */
    uint64_t pos = start;
    while (pos < end) {
        off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO) return 0; /* no data from pos on (or the file shrank) */
            if (errno == EINVAL || errno == EOPNOTSUPP) { /* no hole support: every page holds data */
                set_bits(bitmap, pos / page_size - first, count);
                return 0;
            }
            return errno;
        }
        if ((uint64_t)data >= end) return 0;
        off_t hole = lseek(fd, data, SEEK_HOLE);
        if (hole < 0) {
            if (errno == ENXIO) return 0; /* shrank meanwhile */
            return errno;
        }
        uint64_t stop = (uint64_t)hole > (uint64_t)data ? (uint64_t)hole : (uint64_t)data + 1; /* always progress */
        uint64_t last = (stop < end ? stop : end) - 1;
        set_bits(bitmap, (uint64_t)data / page_size - first, last / page_size - first + 1);
        pos = stop;
    }
    return 0;
}

void op_file_data(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    uint64_t offset = get_u64(rq->args + 16);
    uint64_t length = get_u64(rq->args + 24);
    struct ipc_path p;
    if (!path_or_reply(rq, ANY_IPC_PATH, &p)) return;
    hold_replies();
    int fd = -1;
    struct stat st;
    if (!open_for_reading(rq, &p, &id, &fd, &st)) return;
    uint64_t size = (uint64_t)st.st_size, first = 0, count = 0;
    const char *why = "";
    unsigned char *bitmap = NULL;
    int err = residency_pages(offset, length, size, &first, &count, &why);
    if (err) {
        reply_error(rq, err, "FILE_DATA of %s (%" PRIu64 " bytes), offset %" PRIu64 ", length %" PRIu64 ": %s",
                    shown(p.text), size, offset, length, why);
    } else if (!(bitmap = calloc((size_t)(count + 7) / 8 + 1, 1))) {
        reply_error(rq, ENOMEM, "no memory for a bitmap of %" PRIu64 " pages", count);
    } else if ((err = data_bitmap(fd, first, count, size, bitmap)) != 0) {
        reply_error(rq, err, "finding the data of %s (lseek SEEK_DATA/SEEK_HOLE) failed: %s", shown(p.text),
                    strerror(err));
    } else {
        unsigned char head[16];
        put_u64(head, first);
        put_u32(head + 8, (uint32_t)count);
        put_u32(head + 12, (uint32_t)page_size);
        send_reply(rq->id, rq->op, 0, head, sizeof head, bitmap, (size_t)(count + 7) / 8);
    }
    free(bitmap);
    close_fd(&fd);
}

/* Removes NAME from dirfd if it is still the object behind fd (which this request just created). */
static void unlink_if_same(int dirfd, const char *name, int fd)
{
    struct stat mine, there;
    if (fstat(fd, &mine) == 0 && fstatat(dirfd, name, &there, AT_SYMLINK_NOFOLLOW) == 0 &&
        mine.st_dev == there.st_dev && mine.st_ino == there.st_ino) {
        unlinkat(dirfd, name, 0);
    }
}

static void reply_create_errno(const struct request *rq, int err, const struct ipc_path *p, uint64_t size)
{
    const char *path = shown(p->text);
    switch (err) {
    case EEXIST:
        reply_error(rq, EEXIST, "an object named %s already exists (exclusive create); choose another name, or "
                    "open the existing one", path);
        break;
    case EACCES:
        reply_error(rq, EACCES, "permission denied creating %s: this helper (uid %u) may not write in that "
                    "directory, or an object of that name exists and it may not open it read-write", path,
                    (unsigned)geteuid());
        break;
    case ENOSPC:
        reply_error(rq, ENOSPC, "no room to create %s: the tmpfs mounted on /dev/shm is full or out of inodes "
                    "(see df -h /dev/shm and df -i /dev/shm); remove unused objects or remount it larger", path);
        break;
    case EFBIG:
        reply_error(rq, EFBIG, "%s cannot be made %" PRIu64 " bytes long: larger than the file system allows or than "
                    "this helper's file size limit (ulimit -f)", path, size);
        break;
    case EINVAL:
        reply_error(rq, EINVAL, "%s cannot be made %" PRIu64 " bytes long: the file system refuses that size", path,
                    size);
        break;
    case EROFS:
        reply_error(rq, EROFS, "cannot create %s: its file system is mounted read-only", path);
        break;
    case EDQUOT:
        reply_error(rq, EDQUOT, "cannot create %s: the disk quota of uid %u is exhausted", path, (unsigned)geteuid());
        break;
    default:
        reply_path_errno(rq, err, p, "creating");
        break;
    }
}

void op_file_create(const struct request *rq)
{
    uint32_t mode = get_u32(rq->args);
    uint32_t flags = get_u32(rq->args + 4);
    uint64_t size = get_u64(rq->args + 8);
    bool exclusive = (flags & 1u) != 0;
    struct ipc_path p;
    if (!path_or_reply(rq, SHM_DIR_ONLY, &p)) return;
    if ((flags & ~1u) != 0) {
        reply_error(rq, EINVAL, "FILE_CREATE: flags may only have bit 0 (exclusive) set, got 0x%x", flags);
        return;
    }
    if (size > (uint64_t)INT64_MAX) {
        reply_error(rq, EFBIG, "size %" PRIu64 " is larger than any file can be (2^63 - 1 bytes); nothing was created",
                    size);
        return;
    }
    hold_replies();
    int dirfd = shm_dir_or_reply(rq, &p, "creating", NULL);
    if (dirfd < 0) return;
    int fd = -1, pathfd = -1;
    struct stat st;
    /* Always O_EXCL, so that "was it created now?" has an answer and a symlink is never followed
     * (O_EXCL fails on any existing name, a dangling symlink or a mount point included). An
     * existing object is then only looked at. A few attempts, in case the name is removed between
     * the two steps. The directory was checked to be tmpfs or hugetlbfs: what is made is made there. */
    for (int attempt = 0; attempt < 4; attempt++) {
        fd = openat(dirfd, p.name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0); /* mode 0 until fchmod */
        if (fd >= 0) break;
        int err = errno;
        if (err != EEXIST || exclusive) {
            reply_create_errno(rq, err, &p, size);
            goto out;
        }
        pathfd = object_or_reply_unless_missing(rq, &p, dirfd, "opening the existing", true);
        if (pathfd == OBJECT_MISSING) continue; /* removed meanwhile: try to create it again */
        if (pathfd < 0) goto out;           /* replied: a mount point, or another error */
        if (fstat(pathfd, &st) < 0) {
            reply_path_errno(rq, errno, &p, "opening the existing");
            goto out;
        }
        if (!S_ISREG(st.st_mode)) {
            reply_error(rq, EEXIST, "%s already exists and is %s, not a shared memory object; nothing was changed",
                        shown(p.text), file_type(st.st_mode));
            goto out;
        }
        /* As shm_open(O_CREAT|O_RDWR) would: the existing object must be one this helper may open
         * read-write. Asked with access(), not an open: nothing is opened, truncated or written. */
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
        if (access(self, R_OK | W_OK) < 0) { /* real ids are the effective ones: see main() */
            reply_create_errno(rq, errno, &p, size);
            goto out;
        }
        unsigned char payload[8 + FILE_STAT_BYTES];
        put_u32(payload, 0); /* found, not created */
        put_u32(payload + 4, 0);
        encode_file_stat(payload + 8, &st);
        reply_ok(rq, payload, sizeof payload);
        goto out;
    }
    if (fd < 0) {
        reply_error(rq, EAGAIN, "%s kept appearing and disappearing while creating it; try again", shown(p.text));
        goto out;
    }
    /* Created now: exactly the mode asked for (the umask must not change what the user chose),
     * then the size. Nothing written, nothing mapped: no page is allocated. */
    int err = 0;
    const char *step = "";
    if (fchmod(fd, (mode_t)(mode & 0777)) < 0) {
        err = errno;
        step = "setting the mode of";
    } else if (ftruncate(fd, (off_t)size) < 0) {
        err = errno;
        step = "setting the size of";
    } else if (fstat(fd, &st) < 0) {
        err = errno;
        step = "checking";
    }
    if (err) {
        unlink_if_same(dirfd, p.name, fd); /* do not leave a half-made object behind */
        if (err == EFBIG || err == EINVAL || err == ENOSPC) {
            reply_create_errno(rq, err, &p, size);
        } else {
            reply_error(rq, err, "%s %s failed: %s; the object was removed again", step, shown(p.text), strerror(err));
        }
        goto out;
    }
    unsigned char payload[8 + FILE_STAT_BYTES];
    put_u32(payload, 1); /* created */
    put_u32(payload + 4, 0);
    encode_file_stat(payload + 8, &st);
    reply_ok(rq, payload, sizeof payload);
out:
    close_fd(&fd);
    close_fd(&pathfd);
    close_fd(&dirfd);
}

void op_file_unlink(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    struct ipc_path p;
    if (!path_or_reply(rq, SHM_DIR_ONLY, &p)) return;
    hold_replies();
    int dirfd = shm_dir_or_reply(rq, &p, "removing", NULL);
    if (dirfd < 0) return;
    int fd = object_or_reply(rq, &p, dirfd, "removing");
    struct stat st, dir;
    if (fd < 0) {
        /* replied */
    } else if (fstat(fd, &st) < 0) {
        reply_path_errno(rq, errno, &p, "removing");
    } else if (!same_object(&st, &id)) {
        reply_error(rq, ESTALE, "the object at %s is another one now (same name, different inode: expected %u:%u "
                    "inode %" PRIu64 ", found inode %" PRIu64 "); nothing was removed: refresh and look again",
                    shown(p.text), id.major, id.minor, id.ino, (uint64_t)st.st_ino);
    } else if (unlinkat(dirfd, p.name, 0) < 0) { /* microseconds after the check: the kernel has no
                                                  * "unlink if this inode" */
        int err = errno;
        unsigned me = (unsigned)geteuid();
        bool have_dir = fstat(dirfd, &dir) == 0;
        if (err == EPERM && have_dir && (dir.st_mode & S_ISVTX)) {
            reply_error(rq, EPERM, "not permitted to remove %s: its directory is sticky (mode %04o), so only the "
                        "object's owner (uid %u), the directory's owner (uid %u) or root may remove it, and this helper "
                        "runs as uid %u; ask its owner, or run as root", shown(p.text), (unsigned)(dir.st_mode & 07777),
                        (unsigned)st.st_uid, (unsigned)dir.st_uid, me);
        } else if (err == EACCES || err == EPERM) {
            reply_error(rq, err, "%s removing %s: its directory (mode %04o, owner uid %u) does not let this helper "
                        "(uid %u) remove names from it; the object is owned by uid %u", err == EACCES ?
                        "permission denied" : "not permitted", shown(p.text), have_dir ? (unsigned)(dir.st_mode & 07777) : 0u,
                        have_dir ? (unsigned)dir.st_uid : 0u, me, (unsigned)st.st_uid);
        } else {
            reply_path_errno(rq, err, &p, "removing");
        }
    } else {
        reply_ok(rq, NULL, 0); /* held until both descriptors are closed: the object may be freed now */
    }
    close_fd(&fd);
    close_fd(&dirfd);
}

void op_file_set(const struct request *rq)
{
    struct file_id id = get_file_id(rq->args);
    uint32_t uid = get_u32(rq->args + 16);
    uint32_t gid = get_u32(rq->args + 20);
    uint32_t mode = get_u32(rq->args + 24);
    struct ipc_path p;
    if (!path_or_reply(rq, SHM_DIR_ONLY, &p)) return;
    hold_replies();
    int fd = object_or_reply(rq, &p, -1, "changing"); /* O_PATH, not followed: changes go to this inode */
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        reply_path_errno(rq, errno, &p, "changing");
        close_fd(&fd);
        return;
    }
    if (!check_object_or_reply(rq, &p, &st, &id)) {
        close_fd(&fd);
        return;
    }
    unsigned me = (unsigned)geteuid();
    bool owner_changed = false;
    if (uid != KEEP || gid != KEEP) {
        if (fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0) {
            int err = errno;
            if (err == EPERM) {
                reply_error(rq, EPERM, "not permitted to change the owner or group of %s (owner uid %u, group gid %u; "
                            "this helper runs as uid %u): only root may give an object to another user, and its owner "
                            "may change the group only to one of the owner's own groups", shown(p.text),
                            (unsigned)st.st_uid, (unsigned)st.st_gid, me);
            } else if (err == EINVAL) {
                reply_error(rq, EINVAL, "uid %u / gid %u is not valid here (not mapped in this user namespace)", uid,
                            gid);
            } else {
                reply_path_errno(rq, err, &p, "changing the owner of");
            }
            close_fd(&fd);
            return;
        }
        owner_changed = true;
    }
    if (mode != KEEP) {
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd); /* chmod of this inode: no race on the name */
        if (chmod(self, (mode_t)(mode & 0777)) < 0) {
            int err = errno;
            const char *also = owner_changed ? " (the owner/group change before it was made)" : "";
            if (err == EPERM) {
                reply_error(rq, EPERM, "not permitted to change the mode of %s: only its owner (uid %u) or root may, "
                            "and this helper runs as uid %u%s", shown(p.text), (unsigned)st.st_uid, me, also);
            } else {
                reply_error(rq, err, "changing the mode of %s failed: %s%s", shown(p.text), strerror(err), also);
            }
            close_fd(&fd);
            return;
        }
    }
    if (fstat(fd, &st) < 0) {
        reply_path_errno(rq, errno, &p, "checking");
    } else {
        reply_file_stat(rq, &st);
    }
    close_fd(&fd);
}
