/*
 * shmtool: a small, separate process that the tests (and the demo) use to act on System V shared
 * memory the way a user's own program would. It is NOT part of the extension.
 *
 *   shmtool create KEY SIZE MODE [excl]   create (KEY: 0x hex, decimal, or "private"), print the shmid, exit
 *   shmtool own KEY SIZE MODE             create, attach read-write, stay alive (creator alive)
 *   shmtool hold SHMID ro|rw              attach an existing segment and stay alive
 *   shmtool write SHMID OFFSET HEX        attach read-write, write the bytes, detach, exit
 *                                         (HEX "-": read the hex from stdin, for large writes)
 *   shmtool dump SHMID                    attach read-only, print the whole segment as hex, detach, exit
 *   shmtool ftok PATH PROJ                print ftok(PATH, PROJ) as 0x%08x
 *   shmtool pump                          benchmark reference: for each u32 N (little-endian) read on
 *                                         stdin, write N bytes to stdout (a bare pipe, no shm)
 *
 * own/hold print "ready SHMID ADDRESS" once attached, then obey lines on stdin until EOF:
 *   write OFFSET HEX    write bytes (rw only), answers "ok" or "error ..."
 *   detach              shmdt, answers "ok"
 *   attach ro|rw        attach again, answers "ok ADDRESS"
 *   exit                exit at once
 * EOF on stdin detaches and exits, so a test that dies leaves no attached process behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

static int die(const char *what)
{
    fprintf(stderr, "shmtool: %s: %s\n", what, strerror(errno));
    return 1;
}

static key_t parse_key(const char *text)
{
    if (strcmp(text, "private") == 0) return IPC_PRIVATE;
    return (key_t)strtoll(text, NULL, 0);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Writes the bytes spelled by HEX at OFFSET; checks the bounds against the segment size. */
static int write_hex(int shmid, char *base, unsigned long long offset, const char *hex)
{
    struct shmid_ds ds;
    size_t n = strlen(hex) / 2;
    if (shmctl(shmid, IPC_STAT, &ds) < 0) return -1;
    if (strlen(hex) % 2 != 0 || offset > ds.shm_segsz || n > ds.shm_segsz - offset) {
        errno = ERANGE;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            errno = EINVAL;
            return -1;
        }
        base[offset + i] = (char)(hi * 16 + lo);
    }
    return 0;
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

static int serve(int shmid, int writable)
{
    char *base = shmat(shmid, NULL, writable ? 0 : SHM_RDONLY);
    char line[1 << 16];
    if (base == (void *)-1) return die("shmat");
    printf("ready %d %p\n", shmid, (void *)base);
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        char hex[sizeof line], mode[8];
        unsigned long long offset;
        if (sscanf(line, "write %llu %65535s", &offset, hex) == 2) {
            if (!base || !writable || write_hex(shmid, base, offset, hex) < 0)
                printf("error %s\n", base && writable ? strerror(errno) : "not attached read-write");
            else
                printf("ok\n");
        } else if (strncmp(line, "detach", 6) == 0) {
            if (base) shmdt(base);
            base = NULL;
            printf("ok\n");
        } else if (sscanf(line, "attach %7s", mode) == 1) {
            writable = strcmp(mode, "rw") == 0;
            base = shmat(shmid, NULL, writable ? 0 : SHM_RDONLY);
            if (base == (void *)-1) {
                base = NULL;
                printf("error %s\n", strerror(errno));
            } else {
                printf("ok %p\n", (void *)base);
            }
        } else if (strncmp(line, "exit", 4) == 0) {
            break;
        } else {
            printf("error unknown command\n");
        }
        fflush(stdout);
    }
    if (base) shmdt(base);
    return 0;
}

/* The same job as the helper's READ minus shared memory: a long-lived process answering on a pipe. */
static int pump(void)
{
    static char buffer[64 << 20]; /* as large as the largest benchmark read: no cache advantage */
    unsigned char size[4];
    /* Real pages with real bytes: an untouched buffer is all one shared zero page, always in cache,
     * which would make the reference unfairly fast. */
    for (size_t i = 0; i < sizeof buffer; i++) buffer[i] = (char)(i * 31 + 7);
    while (fread(size, 1, 4, stdin) == 4) {
        size_t left = (size_t)size[0] | (size_t)size[1] << 8 | (size_t)size[2] << 16 | (size_t)size[3] << 24;
        while (left > 0) {
            size_t chunk = left < sizeof buffer ? left : sizeof buffer;
            ssize_t n = write(1, buffer, chunk);
            if (n <= 0) return 1;
            left -= (size_t)n;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "create") == 0 && (argc == 5 || argc == 6)) {
        int flags = IPC_CREAT | (int)(strtol(argv[4], NULL, 8) & 0777);
        if (argc == 6 && strcmp(argv[5], "excl") == 0) flags |= IPC_EXCL;
        int id = shmget(parse_key(argv[2]), strtoull(argv[3], NULL, 0), flags);
        if (id < 0) return die("shmget");
        printf("%d\n", id);
        return 0;
    }
    if (strcmp(cmd, "own") == 0 && argc == 5) {
        int id = shmget(parse_key(argv[2]), strtoull(argv[3], NULL, 0),
                        IPC_CREAT | (int)(strtol(argv[4], NULL, 8) & 0777));
        if (id < 0) return die("shmget");
        return serve(id, 1);
    }
    if (strcmp(cmd, "hold") == 0 && argc == 4) {
        return serve(atoi(argv[2]), strcmp(argv[3], "rw") == 0);
    }
    if (strcmp(cmd, "write") == 0 && argc == 5) {
        int id = atoi(argv[2]);
        char *hex = argv[4];
        if (strcmp(hex, "-") == 0) hex = read_all(stdin);
        char *base = shmat(id, NULL, 0);
        if (!hex) return die("stdin");
        if (base == (void *)-1) return die("shmat");
        if (write_hex(id, base, strtoull(argv[3], NULL, 0), hex) < 0) return die("write");
        shmdt(base);
        return 0;
    }
    if (strcmp(cmd, "dump") == 0 && argc == 3) {
        int id = atoi(argv[2]);
        struct shmid_ds ds;
        const unsigned char *base = shmat(id, NULL, SHM_RDONLY);
        if (base == (void *)-1) return die("shmat");
        if (shmctl(id, IPC_STAT, &ds) < 0) return die("shmctl");
        for (size_t i = 0; i < ds.shm_segsz; i++) printf("%02x", base[i]);
        printf("\n");
        shmdt(base);
        return 0;
    }
    if (strcmp(cmd, "ftok") == 0 && argc == 4) {
        key_t key = ftok(argv[2], atoi(argv[3]));
        if (key == -1) return die("ftok");
        printf("0x%08x\n", (unsigned)key);
        return 0;
    }
    if (strcmp(cmd, "pump") == 0) return pump();
    fprintf(stderr, "usage: see the comment at the top of shmtool.c\n");
    return 2;
}
