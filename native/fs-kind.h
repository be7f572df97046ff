/* Which file system an object is on, learned without asking that file system anything (fs-kind.c).
 *
 * Why: a file system whose server stops answering (a FUSE daemon that is stopped or hung, a network
 * file system whose server is gone) makes every stat(), fstat(), statfs() and lookup on it wait,
 * forever for a FUSE daemon. A helper that stats what another user's descriptors point at before
 * knowing what they are is then hung by that user. And a directory another user bind-mounted over
 * /dev/shm in its own mount namespace (/proc/PID/root/dev/shm) is not shared memory at all: a root
 * helper must not create, chown or unlink files there. So the helper looks only at what the kernel
 * says without calling the file system: the mount of a descriptor (`mnt_id:` of /proc/self/fdinfo,
 * or statx's STATX_MNT_ID), that mount's type in /proc/PID/mountinfo, and the device number from
 * statx(AT_STATX_DONT_SYNC), which takes what the kernel has cached and sends FUSE no request. */
#ifndef IPC_HELPER_FS_KIND_H
#define IPC_HELPER_FS_KIND_H
#include <stdbool.h>
#include <stdint.h>

enum fs_kind {
    FS_UNKNOWN,       /* could not be told (the mount is not listed where it was looked for) */
    FS_SHARED_MEMORY, /* tmpfs or hugetlbfs: POSIX objects, memfds, System V segments */
    FS_MQUEUE,        /* the mqueue file system: POSIX message queues */
    FS_OTHER,         /* anything else: a disk, FUSE, NFS, proc... */
};

struct fs_type {
    enum fs_kind kind;
    char name[40]; /* as /proc/PID/mountinfo names it ("tmpfs", "ext4", "fuse.sshfs"); "" unknown */
    bool unread;   /* unknown because the cache's bound on mount tables was reached: not looked for */
};

/* Where an object is: its mount (0: not known) and its device. */
struct fs_place {
    uint64_t mnt_id;
    uint32_t major, minor;
};

/* The mount and device of one of the helper's own descriptors (an O_PATH one will do), without
 * calling its file system. Returns 0 or an errno (ENOSYS without statx: Linux 4.11). */
int fs_place_of_fd(int fd, struct fs_place *out);

/* The type of the file system at `place`, from the mount tables of process `pid` (0: the helper's
 * own only; otherwise the helper's, then PID's) and of the kernel's internal mounts (memfds and
 * System V segments live on an internal tmpfs that no mount table lists: it is recognised by its
 * device, learned once from a memfd of the helper's own). `cache` may be NULL; PROC_SCAN passes
 * one shared by its threads. */
struct fs_cache;
void fs_type_of(const struct fs_place *place, int pid, struct fs_cache *cache, struct fs_type *out);

/* A cache of mount types for one /proc walk, shared by its threads, and bounded: at most
 * FS_CACHE_READS mounts are looked for in mount tables (a user can make many mounts and many
 * namespaces); beyond that a mount's type is unknown, and `unread` says why. */
struct fs_cache *fs_cache_new(void);
void fs_cache_free(struct fs_cache *cache);

static inline bool fs_is_shared_memory(const struct fs_type *t)
{
    return t->kind == FS_SHARED_MEMORY;
}

#endif
