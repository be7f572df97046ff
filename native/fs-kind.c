/* Which file system an object is on, learned without asking that file system (see fs-kind.h).
 *
 * A mount's type comes from /proc/PID/mountinfo, whose lines the kernel prints from its own mount
 * table ("29 24 0:26 / /dev/shm rw,relatime - tmpfs tmpfs rw"): the mount id, the device, and after
 * " - " the type, which a FUSE file system cannot pass off as another ("fuse.tmpfs" is FUSE). The
 * tables are read in bounded pieces and never held whole: a user can make one very long. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "fs-kind.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000u
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4u
#endif
#define MFD_HUGE_SHIFT_BITS 26

#define MOUNTINFO_MAX (16u * 1024u * 1024u) /* bytes of one mount table read at most */
#define LINE_BYTES (64u * 1024u)             /* a longer mountinfo line is skipped (not matched) */
#define FS_CACHE_SLOTS 512
#define FS_CACHE_READS 256 /* mounts one /proc walk looks for in mount tables at most */
#define MAX_INTERNAL 8    /* internal mounts recognised: the tmpfs and a few huge page sizes */

/* ------------------------------------------------------------------------------------------------
 * The helper's own descriptors.
 */

/* `mnt_id:` of /proc/self/fdinfo/FD: the kernel prints it from the open file, nothing of its file
 * system runs. (statx's STATX_MNT_ID says the same, but qemu-user, where the foreign helpers are
 * tested, passes the flag through and leaves the field 0.) */
static int fdinfo_mnt_id(int fd, uint64_t *mnt_id)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) return errno;
    char text[512];
    ssize_t n = read(f, text, sizeof text - 1);
    int err = errno;
    close(f);
    if (n < 0) return err;
    text[n] = 0;
    const char *at = strstr(text, "\nmnt_id:");
    unsigned long long id;
    if (!at || sscanf(at + 8, "%llu", &id) != 1) return ENOENT;
    *mnt_id = id;
    return 0;
}

int fs_place_of_fd(int fd, struct fs_place *out)
{
    struct statx sx;
    /* AT_STATX_DONT_SYNC: what the kernel has cached (a FUSE file system gets no request). */
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_TYPE, &sx) < 0) return errno;
    out->major = sx.stx_dev_major;
    out->minor = sx.stx_dev_minor;
    uint64_t id = 0;
    out->mnt_id = fdinfo_mnt_id(fd, &id) == 0 ? id : 0;
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Internal mounts: memfds and System V segments live on the kernel's internal tmpfs (shm_mnt),
 * huge-page memfds on an internal hugetlbfs per page size. No mount table lists them; their
 * devices are learned from memfds of the helper's own, made and closed at once (nothing outside
 * the helper sees them).
 */

static struct {
    pthread_once_t once;
    unsigned count;
    struct {
        uint32_t major, minor;
        const char *name;
    } mounts[MAX_INTERNAL];
} internal = {.once = PTHREAD_ONCE_INIT};

static void learn_internal(unsigned flags, const char *name)
{
    if (internal.count == MAX_INTERNAL) return;
    int fd = memfd_create("ipc-helper-probe", MFD_CLOEXEC | flags);
    if (fd < 0) return; /* no memfds, or no huge pages of that size: nothing of it can be met */
    struct stat st;
    if (fstat(fd, &st) == 0) {
        internal.mounts[internal.count].major = major(st.st_dev);
        internal.mounts[internal.count].minor = minor(st.st_dev);
        internal.mounts[internal.count].name = name;
        internal.count++;
    }
    close(fd);
}

static void learn_internal_mounts(void)
{
    learn_internal(0, "tmpfs");
    learn_internal(MFD_HUGETLB, "hugetlbfs"); /* the default huge page size */
    DIR *dir = opendir("/sys/kernel/mm/hugepages");
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        unsigned long kib;
        if (sscanf(e->d_name, "hugepages-%lukB", &kib) != 1 || kib == 0) continue;
        unsigned shift = 10;
        while (shift < 63 && (1ul << (shift - 10)) < kib) shift++;
        if ((1ul << (shift - 10)) == kib) learn_internal(MFD_HUGETLB | (shift << MFD_HUGE_SHIFT_BITS), "hugetlbfs");
    }
    if (dir) closedir(dir);
}

static const char *internal_mount(uint32_t major_number, uint32_t minor_number)
{
    pthread_once(&internal.once, learn_internal_mounts);
    for (unsigned i = 0; i < internal.count; i++) {
        if (internal.mounts[i].major == major_number && internal.mounts[i].minor == minor_number) {
            return internal.mounts[i].name;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Mount tables.
 */

struct lookup {
    const struct fs_place *place;
    char by_id[40];  /* the type of the mount with place->mnt_id */
    char by_dev[40]; /* the type of a mount of place's device */
};

static void copy_type(char *to, const char *from, size_t length)
{
    if (length > 39) length = 39;
    memcpy(to, from, length);
    to[length] = 0;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE ...". */
static void match_line(struct lookup *l, const char *line, size_t length)
{
    char head[64];
    size_t n = length < sizeof head - 1 ? length : sizeof head - 1;
    memcpy(head, line, n);
    head[n] = 0;
    unsigned long long id;
    unsigned maj, min;
    if (sscanf(head, "%llu %*u %u:%u", &id, &maj, &min) != 3) return;
    bool same_id = l->place->mnt_id != 0 && id == l->place->mnt_id;
    bool same_dev = maj == l->place->major && min == l->place->minor;
    if (!same_id && !(same_dev && l->by_dev[0] == 0)) return;
    const char *sep = memmem(line, length, " - ", 3);
    if (!sep) return;
    const char *type = sep + 3;
    const char *end = memchr(type, ' ', length - (size_t)(type - line));
    size_t type_length = end ? (size_t)(end - type) : length - (size_t)(type - line);
    if (same_id) copy_type(l->by_id, type, type_length);
    if (same_dev && l->by_dev[0] == 0) copy_type(l->by_dev, type, type_length);
}

/* Reads /proc/PID/mountinfo (PID 0: the helper's own) a piece at a time, until the mount is found
 * or MOUNTINFO_MAX bytes were read. Returns false when the table could not be read. */
static bool search_mountinfo(int pid, struct lookup *l)
{
    char path[64];
    if (pid > 0) snprintf(path, sizeof path, "/proc/%d/mountinfo", pid);
    else snprintf(path, sizeof path, "/proc/self/mountinfo");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char *buffer = malloc(LINE_BYTES);
    if (!buffer) {
        close(fd);
        return false;
    }
    size_t have = 0, total = 0;
    bool skipping = false; /* inside a line longer than the buffer */
    while (l->by_id[0] == 0 && total < MOUNTINFO_MAX) {
        ssize_t n = read(fd, buffer + have, LINE_BYTES - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        total += (size_t)n;
        have += (size_t)n;
        size_t start = 0;
        for (;;) {
            char *newline = memchr(buffer + start, '\n', have - start);
            if (!newline) break;
            size_t end = (size_t)(newline - buffer);
            if (!skipping) match_line(l, buffer + start, end - start);
            skipping = false;
            start = end + 1;
        }
        memmove(buffer, buffer + start, have - start);
        have -= start;
        if (have == LINE_BYTES) { /* a line longer than the buffer: not matched */
            have = 0;
            skipping = true;
        }
    }
    free(buffer);
    close(fd);
    return true;
}

static enum fs_kind kind_of(const char *name)
{
    if (strcmp(name, "tmpfs") == 0 || strcmp(name, "hugetlbfs") == 0) return FS_SHARED_MEMORY;
    if (strcmp(name, "mqueue") == 0) return FS_MQUEUE;
    return name[0] ? FS_OTHER : FS_UNKNOWN;
}

/* ------------------------------------------------------------------------------------------------
 * The cache of one /proc walk.
 */

struct fs_cache {
    pthread_mutex_t lock;
    unsigned used, reads;
    struct {
        struct fs_place place;
        struct fs_type type;
    } slots[FS_CACHE_SLOTS];
};

struct fs_cache *fs_cache_new(void)
{
    struct fs_cache *c = calloc(1, sizeof *c);
    if (c) pthread_mutex_init(&c->lock, NULL);
    return c;
}

void fs_cache_free(struct fs_cache *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static bool same_place(const struct fs_place *a, const struct fs_place *b)
{
    return a->mnt_id == b->mnt_id && a->major == b->major && a->minor == b->minor;
}

/* ------------------------------------------------------------------------------------------------
 * The answer.
 */

static void resolve(const struct fs_place *place, int pid, bool may_read, struct fs_type *out)
{
    struct lookup l = {.place = place};
    const char *name = NULL;
    if (may_read) {
        search_mountinfo(0, &l);
        if (l.by_id[0] == 0 && pid > 0) search_mountinfo(pid, &l);
    }
    if (l.by_id[0]) name = l.by_id;
    else if ((name = internal_mount(place->major, place->minor)) == NULL && l.by_dev[0]) name = l.by_dev;
    copy_type(out->name, name ? name : "", name ? strlen(name) : 0);
    out->kind = kind_of(out->name);
    out->unread = !may_read && out->kind == FS_UNKNOWN;
}

void fs_type_of(const struct fs_place *place, int pid, struct fs_cache *cache, struct fs_type *out)
{
    if (!cache) {
        resolve(place, pid, true, out);
        return;
    }
    pthread_mutex_lock(&cache->lock);
    for (unsigned i = 0; i < cache->used; i++) {
        if (same_place(&cache->slots[i].place, place)) {
            *out = cache->slots[i].type;
            pthread_mutex_unlock(&cache->lock);
            return;
        }
    }
    bool may_read = cache->reads < FS_CACHE_READS;
    if (may_read) cache->reads++;
    pthread_mutex_unlock(&cache->lock);
    resolve(place, pid, may_read, out); /* outside the lock: a table can take a while to read */
    pthread_mutex_lock(&cache->lock);
    if (cache->used < FS_CACHE_SLOTS && (may_read || out->kind != FS_UNKNOWN)) {
        cache->slots[cache->used].place = *place;
        cache->slots[cache->used].type = *out;
        cache->used++;
    }
    pthread_mutex_unlock(&cache->lock);
}
