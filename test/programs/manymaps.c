/* manymaps: a process whose /proc/PID/maps is as long as an unprivileged user can make it, for the
 * tests of PROC_SCAN's memory bound. It makes /dev/shm/DIR/<250 a>/<250 b>/<250 c>/x (a path of
 * about 1 KB; a name is at most 255 bytes, so directories make it long), and maps the file COUNT
 * times at offset 0 (the same offset each time, so the kernel cannot merge the mappings into one:
 * COUNT lines in maps of over 1 KB each). Prints "ready COUNT", waits for the end of its input,
 * then unmaps and removes what it made.
 *
 *   manymaps DIR COUNT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "manymaps: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: manymaps DIR COUNT\n");
        return 2;
    }
    long count = strtol(argv[2], NULL, 10);
    char path[2048];
    int at = snprintf(path, sizeof path, "/dev/shm/%s", argv[1]);
    if (mkdir(path, 0700) < 0) die("mkdir");
    char dirs[3][256];
    for (int d = 0; d < 3; d++) {
        memset(dirs[d], 'a' + d, 250);
        dirs[d][250] = 0;
        at += snprintf(path + at, sizeof path - (size_t)at, "/%s", dirs[d]);
        if (mkdir(path, 0700) < 0) die("mkdir");
    }
    snprintf(path + at, sizeof path - (size_t)at, "/x");
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, 4096) < 0) die("creating the file");
    void **maps = calloc((size_t)count, sizeof *maps);
    if (!maps) die("calloc");
    for (long i = 0; i < count; i++) {
        maps[i] = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
        if (maps[i] == MAP_FAILED) die("mmap");
    }
    printf("ready %ld\n", count);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {
    }
    for (long i = 0; i < count; i++) munmap(maps[i], 4096);
    close(fd);
    unlink(path);
    for (int d = 3; d >= 0; d--) {
        *strrchr(path, '/') = 0;
        rmdir(path);
    }
    return 0;
}
