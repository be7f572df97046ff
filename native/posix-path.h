/* POSIX object paths (posix-path.c): the one gate every file path goes through, the /dev/shm
 * directory of a path, and opening an object by descriptor for reading. */
#ifndef IPC_HELPER_POSIX_PATH_H
#define IPC_HELPER_POSIX_PATH_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "fs-kind.h"
#include "helper.h"

#define FILE_STAT_BYTES 72u

enum path_kind {
    PATH_SHM,           /* /dev/shm/NAME */
    PATH_CONTAINER_SHM, /* /proc/PID/root/dev/shm/NAME */
    PATH_PROC_FD,       /* /proc/PID/fd/N */
    PATH_MAP_FILES,     /* /proc/PID/map_files/START-END */
};

enum path_use {
    ANY_IPC_PATH, /* reading and stat: every form */
    SHM_DIR_ONLY, /* create, unlink, set: only the two /dev/shm forms (names, not descriptors) */
};

struct ipc_path {
    enum path_kind kind;
    const char *text; /* the whole path, NUL-terminated */
    const char *name; /* PATH_SHM, PATH_CONTAINER_SHM: NAME, pointing into text */
    int pid;          /* the /proc forms */
};

/* Which file a POSIX object is: (device major, device minor, inode). */
struct file_id {
    uint32_t major, minor;
    uint64_t ino;
};

static inline bool is_shm_form(const struct ipc_path *p)
{
    return p->kind == PATH_SHM || p->kind == PATH_CONTAINER_SHM;
}

/* Parses rq->path for an operation that allows `use`, or replies EINVAL. */
bool path_or_reply(const struct request *rq, enum path_use use, struct ipc_path *p);
/* The identity at the start of a request's arguments: u32 major, u32 minor, u64 ino. */
struct file_id get_file_id(const unsigned char *args);
bool same_object(const struct stat *st, const struct file_id *id);
/* "a regular file", "a symbolic link", ... */
const char *file_type(mode_t mode);
void encode_file_stat(unsigned char *p, const struct stat *st);
void reply_file_stat(const struct request *rq, const struct stat *st);

/* The /dev/shm directory of a /dev/shm-form path (the machine's, or PID's, resolved inside PID's
 * root) as an O_PATH descriptor, checked to be tmpfs or hugetlbfs by its mount without asking its
 * file system (fs-kind.h); *place is where it is. Replies and returns -1 otherwise. */
int shm_dir_or_reply(const struct request *rq, const struct ipc_path *p, const char *gerund, struct fs_place *place);
/* The object itself as an O_PATH descriptor, checked the same way: for the /dev/shm forms NAME in
 * the checked directory `dirfd` (-1: opened here), never following a symlink (a symlink's own
 * descriptor is returned) nor crossing into a file system mounted on NAME; for the /proc forms the
 * file the magic link points at. Replies and returns -1 otherwise. */
int object_or_reply(const struct request *rq, const struct ipc_path *p, int dirfd, const char *gerund);
/* The same, but a NAME that does not exist (any more) is OBJECT_MISSING, without a reply. */
#define OBJECT_MISSING (-2)
int object_or_reply_unless_missing(const struct request *rq, const struct ipc_path *p, int dirfd, const char *gerund,
                                   bool missing_ok);
/* What a failed open/stat of a path means, in words. `gerund` says what was being done. */
void reply_path_errno(const struct request *rq, int err, const struct ipc_path *p, const char *gerund);
/* Checks that *st (of an O_PATH descriptor) is a regular file with identity `id`; replies otherwise. */
bool check_object_or_reply(const struct request *rq, const struct ipc_path *p, const struct stat *st,
                           const struct file_id *id);
/* Opens the object for reading (O_RDONLY, after the checks); replies and returns false otherwise. */
bool open_for_reading(const struct request *rq, const struct ipc_path *p, const struct file_id *id, int *fd,
                      struct stat *st);

#endif
