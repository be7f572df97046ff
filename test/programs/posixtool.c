/*
 * posixtool: a small, separate process that the tests use to act on POSIX shared memory objects
 * (/dev/shm) the way a user's own program would. It is NOT part of the extension.
 *
 *   posixtool own NAME SIZE MODE     shm_open(O_CREAT|O_EXCL|O_RDWR), fchmod MODE, ftruncate SIZE,
 *                                    mmap read-write MAP_SHARED, keep the descriptor too;
 *                                    prints "ready DEVMAJ:DEVMIN INO ADDRESS"
 *   posixtool map NAME ro|rw         shm_open an existing object, mmap it (PROT_READ, or
 *                                    PROT_READ|PROT_WRITE), close the descriptor (mapped only);
 *                                    prints "ready DEVMAJ:DEVMIN INO ADDRESS"
 *   posixtool open NAME ro|rw|path   shm_open an existing object (O_RDONLY or O_RDWR; "path": open
 *                                    /dev/shm/NAME with O_PATH, a descriptor that can neither read nor
 *                                    write), keep only the descriptor, no mapping; prints
 *                                    "ready DEVMAJ:DEVMIN INO FD"
 *   posixtool memfd NAME SIZE        memfd_create(NAME), ftruncate, mmap read-write, then fork a child
 *                                    that keeps the inherited descriptor and mapping and lives while
 *                                    the parent does (PR_SET_PDEATHSIG); prints
 *                                    "ready DEVMAJ:DEVMIN INO FD CHILDPID"
 *   posixtool write NAME OFFSET HEX  shm_open O_RDWR, pwrite the bytes, exit (HEX "-": hex on stdin)
 *   posixtool create NAME SIZE MODE  create (exclusive), fchmod, ftruncate, exit: an object nobody holds;
 *                                    prints "ready DEVMAJ:DEVMIN INO -" first
 *
 * NAME is given as shm_open takes it ("x" or "/x" both mean /dev/shm/x). MODE is octal.
 *
 * own/map/open/memfd then obey lines on stdin, one answer line each ("ok ..." or "error ..."):
 *   write OFFSET HEX   through the mapping, or pwrite on the descriptor when there is no mapping
 *   truncate SIZE      ftruncate (needs a read-write descriptor: own and memfd keep one)
 *   unlink             shm_unlink(NAME)
 *   unmap              munmap
 *   close              close the descriptor
 *   exit               exit at once
 * EOF on stdin exits at once, so a test that dies leaves no holder behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int die(const char *what)
{
    fprintf(stderr, "posixtool: %s: %s\n", what, strerror(errno));
    return 1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The bytes spelled by hex, in a new buffer; *n is their count. NULL (errno EINVAL) on bad hex. */
static unsigned char *decode_hex(const char *hex, size_t *n)
{
    size_t len = strlen(hex);
    if (len % 2 != 0) {
        errno = EINVAL;
        return NULL;
    }
    unsigned char *bytes = malloc(len / 2 + 1);
    if (!bytes) return NULL;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(bytes);
            errno = EINVAL;
            return NULL;
        }
        bytes[i] = (unsigned char)(hi * 16 + lo);
    }
    *n = len / 2;
    return bytes;
}

/* All of a stream as a NUL-terminated string without the trailing newline, or NULL. */
static char *read_all(FILE *in)
{
    size_t size = 0, capacity = 1 << 16;
    char *text = malloc(capacity);
    size_t n;
    while (text && (n = fread(text + size, 1, capacity - size - 1, in)) > 0) {
        size += n;
        if (capacity - size - 1 == 0) {
            char *bigger = realloc(text, capacity *= 2);
            if (!bigger) free(text);
            text = bigger;
        }
    }
    if (!text) return NULL;
    while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == '\r')) size--;
    text[size] = 0;
    return text;
}

static int pwrite_all(int fd, const unsigned char *bytes, size_t n, off_t offset)
{
    while (n > 0) {
        ssize_t done = pwrite(fd, bytes, n, offset);
        if (done < 0 && errno == EINTR) continue;
        if (done <= 0) return -1;
        bytes += done;
        n -= (size_t)done;
        offset += done;
    }
    return 0;
}

struct holder {
    const char *name; /* NULL for a memfd */
    int fd;           /* -1 when closed / never kept */
    unsigned char *map;
    size_t map_size;
    int map_writable;
};

/* Writes through the mapping (bounds: the mapping, and the file's size when we still have a
 * descriptor, so that we never touch a page past the end: SIGBUS), or with pwrite. */
static const char *holder_write(struct holder *h, unsigned long long offset, const char *hex)
{
    size_t n;
    unsigned char *bytes = decode_hex(hex, &n);
    static char why[256];
    if (!bytes) return "bad hex";
    const char *error = NULL;
    if (h->map) {
        struct stat st;
        unsigned long long limit = h->map_size;
        if (h->fd >= 0 && fstat(h->fd, &st) == 0 && (unsigned long long)st.st_size < limit) limit = (unsigned long long)st.st_size;
        if (!h->map_writable) error = "the mapping is read-only";
        else if (offset > limit || n > limit - offset) error = "out of range";
        else memcpy(h->map + offset, bytes, n);
    } else if (h->fd >= 0) {
        if (pwrite_all(h->fd, bytes, n, (off_t)offset) < 0) {
            snprintf(why, sizeof why, "pwrite: %s", strerror(errno));
            error = why;
        }
    } else {
        error = "neither mapped nor open";
    }
    free(bytes);
    return error;
}

static int serve(struct holder *h)
{
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        static char hex[sizeof line];
        unsigned long long offset, size;
        if (sscanf(line, "write %llu %1048575s", &offset, hex) == 2) {
            const char *error = holder_write(h, offset, hex);
            if (error) printf("error %s\n", error);
            else printf("ok\n");
        } else if (sscanf(line, "truncate %llu", &size) == 1) {
            if (h->fd < 0) printf("error no descriptor\n");
            else if (ftruncate(h->fd, (off_t)size) < 0) printf("error ftruncate: %s\n", strerror(errno));
            else printf("ok\n");
        } else if (strncmp(line, "unlink", 6) == 0) {
            if (!h->name) printf("error a memfd has no name to unlink\n");
            else if (shm_unlink(h->name) < 0) printf("error shm_unlink: %s\n", strerror(errno));
            else printf("ok\n");
        } else if (strncmp(line, "unmap", 5) == 0) {
            if (!h->map) {
                printf("error not mapped\n");
            } else {
                munmap(h->map, h->map_size);
                h->map = NULL;
                printf("ok\n");
            }
        } else if (strncmp(line, "close", 5) == 0) {
            if (h->fd < 0) {
                printf("error no descriptor\n");
            } else {
                close(h->fd);
                h->fd = -1;
                printf("ok\n");
            }
        } else if (strncmp(line, "exit", 4) == 0) {
            break;
        } else {
            printf("error unknown command\n");
        }
        fflush(stdout);
    }
    return 0;
}

static int print_ready(int fd, const char *last)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return die("fstat");
    printf("ready %u:%u %llu %s\n", major(st.st_dev), minor(st.st_dev), (unsigned long long)st.st_ino, last);
    fflush(stdout);
    return 0;
}

static int map_fd(struct holder *h, size_t size, int writable)
{
    if (size == 0) return 0; /* nothing to map */
    void *map = mmap(NULL, size, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, h->fd, 0);
    if (map == MAP_FAILED) return -1;
    h->map = map;
    h->map_size = size;
    h->map_writable = writable;
    return 0;
}

static int create_object(const char *name, const char *size, const char *mode)
{
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) return -1;
    if (fchmod(fd, (mode_t)(strtoul(mode, NULL, 8) & 07777)) < 0 || ftruncate(fd, (off_t)strtoull(size, NULL, 0)) < 0) {
        int err = errno;
        close(fd);
        shm_unlink(name);
        errno = err;
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct holder h = {.name = argc > 2 ? argv[2] : NULL, .fd = -1};
    char text[64];
    if (strcmp(cmd, "own") == 0 && argc == 5) {
        if ((h.fd = create_object(argv[2], argv[3], argv[4])) < 0) return die("shm_open/fchmod/ftruncate");
        if (map_fd(&h, strtoull(argv[3], NULL, 0), 1) < 0) return die("mmap");
        snprintf(text, sizeof text, "%p", (void *)h.map);
        if (print_ready(h.fd, text)) return 1;
        return serve(&h);
    }
    if (strcmp(cmd, "map") == 0 && argc == 4) {
        int writable = strcmp(argv[3], "rw") == 0;
        struct stat st;
        if ((h.fd = shm_open(argv[2], writable ? O_RDWR : O_RDONLY, 0)) < 0) return die("shm_open");
        if (fstat(h.fd, &st) < 0) return die("fstat");
        if (map_fd(&h, (size_t)st.st_size, writable) < 0) return die("mmap");
        snprintf(text, sizeof text, "%p", (void *)h.map);
        if (print_ready(h.fd, text)) return 1;
        close(h.fd); /* mapped only */
        h.fd = -1;
        return serve(&h);
    }
    if (strcmp(cmd, "open") == 0 && argc == 4) {
        if (strcmp(argv[3], "path") == 0) {
            char file[4096];
            snprintf(file, sizeof file, "/dev/shm/%s", argv[2][0] == '/' ? argv[2] + 1 : argv[2]);
            if ((h.fd = open(file, O_PATH | O_CLOEXEC)) < 0) return die("open O_PATH");
        } else if ((h.fd = shm_open(argv[2], strcmp(argv[3], "rw") == 0 ? O_RDWR : O_RDONLY, 0)) < 0) {
            return die("shm_open");
        }
        snprintf(text, sizeof text, "%d", h.fd);
        if (print_ready(h.fd, text)) return 1;
        return serve(&h);
    }
    if (strcmp(cmd, "memfd") == 0 && argc == 4) {
        size_t size = strtoull(argv[3], NULL, 0);
        h.name = NULL;
        if ((h.fd = memfd_create(argv[2], 0)) < 0) return die("memfd_create");
        if (ftruncate(h.fd, (off_t)size) < 0) return die("ftruncate");
        if (map_fd(&h, size, 1) < 0) return die("mmap");
        pid_t parent = getpid();
        pid_t child = fork();
        if (child < 0) return die("fork");
        if (child == 0) { /* keeps the inherited descriptor and mapping while the parent lives */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(0); /* the parent died before prctl */
            int null = open("/dev/null", O_RDWR);
            if (null >= 0) { /* off the parent's pipes: its stdout's EOF must mean the parent is gone */
                dup2(null, 0);
                dup2(null, 1);
                close(null);
            }
            for (;;) pause();
        }
        snprintf(text, sizeof text, "%d %d", h.fd, (int)child);
        if (print_ready(h.fd, text)) return 1;
        int status = serve(&h);
        kill(child, SIGKILL);
        return status;
    }
    if (strcmp(cmd, "write") == 0 && argc == 5) {
        char *hex = argv[4];
        size_t n;
        if (strcmp(hex, "-") == 0) hex = read_all(stdin);
        if (!hex) return die("stdin");
        unsigned char *bytes = decode_hex(hex, &n);
        if (!bytes) return die("hex");
        int fd = shm_open(argv[2], O_RDWR, 0);
        if (fd < 0) return die("shm_open");
        if (pwrite_all(fd, bytes, n, (off_t)strtoull(argv[3], NULL, 0)) < 0) return die("pwrite");
        close(fd);
        free(bytes);
        return 0;
    }
    if (strcmp(cmd, "create") == 0 && argc == 5) {
        int fd = create_object(argv[2], argv[3], argv[4]);
        if (fd < 0) return die("shm_open/fchmod/ftruncate");
        if (print_ready(fd, "-")) return 1;
        close(fd);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of posixtool.c\n");
    return 2;
}
