/* Another process's memory, read-only and only where it is safe to read (proc-mem.c): the lock
 * words of shared memory (PROC_MEM_READ, PROC_MEM_DATA) and the small arrays a waiting call points
 * to (the sembufs of semop, the futex_waitv array), for the walk over /proc.
 *
 * Safe means: in the mapping the client named (same object by device and inode, shared, on shared
 * memory) or, for a call's own arguments, in anonymous memory or shared memory; never memory of a
 * file system that could make the read wait (a FUSE file mapped there: a fault would ask its
 * daemon), and, for the lock words, only pages present in that process (a read of a page that is
 * not would fault it in, and for a hole of shared memory allocate it). */
#ifndef IPC_HELPER_PROC_MEM_H
#define IPC_HELPER_PROC_MEM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fs_cache;

/* One line of /proc/PID/maps. */
struct mapping {
    uint64_t start, end, pgoff;
    uint32_t major, minor;
    uint64_t ino;
    char perms[5];
    bool anonymous; /* no file: device 00:00, inode 0 (heap, stack, private anonymous memory) */
};

/* Scratch space for reading maps a piece at a time (each thread of the walk has its own). */
struct maps_buffers {
    unsigned char *chunk;
    size_t chunk_size;
    unsigned char *line;
    size_t line_size;
};

/* The mapping of process `pid` (its maps opened relative to `dirfd`: /proc or /proc/PID with
 * `maps_path` "PID/maps" or "maps") that contains [address, address + length). Returns 0, ENOENT
 * when no single mapping does, or the errno of reading maps (ESRCH/ENOENT: the process is gone). */
int find_mapping(int dirfd, const char *maps_path, uint64_t address, uint64_t length, const struct maps_buffers *buf,
                 struct mapping *out);

/* Whether a call's argument array may be read at this mapping: anonymous memory, or a file on
 * shared memory (tmpfs, hugetlbfs, the kernel's internal one), told without asking the file system. */
bool safe_to_read(const struct mapping *m, int pid, struct fs_cache *cache);

/* Reads `length` bytes at `address` of process `pid` (mem opened relative to `dirfd` with
 * `mem_path`), after find_mapping() and safe_to_read() said yes. Returns 0 or an errno. */
int read_process_memory(int dirfd, const char *mem_path, uint64_t address, void *to, size_t length);

#endif
