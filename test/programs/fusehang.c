/* fusehang: a FUSE file system that the tests can make stop answering, to check that the helper
 * never waits on a file system it has not identified. Speaks the kernel's FUSE protocol on
 * /dev/fuse directly (linux/fuse.h; no libfuse needed), in a private mount namespace of its own.
 *
 *   fusehang [MOUNTPOINT]      (default /dev/shm; root)
 *
 * It mounts itself on MOUNTPOINT (type fuse.ipcinsp-hang) with one regular file, "x" (4096 bytes
 * of 'F'), and attributes and names that the kernel may not cache (valid for 0 s: every stat and
 * lookup is a request). A child process in the same namespace opens x, maps it read-only and
 * prints "ready CHILDPID FD ADDRESS"; then it waits for end of input and exits. The parent serves
 * requests until its stdin ends (or it is killed). Stop the parent (SIGSTOP) and every request
 * waits: what a FUSE daemon that stopped answering does to whoever touches the file system. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_NODE 2
#define FILE_SIZE 4096

static int dev;

static void die(const char *what)
{
    fprintf(stderr, "fusehang: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void reply(uint64_t unique, int error, const void *data, size_t length)
{
    struct fuse_out_header out = {.len = (uint32_t)(sizeof out + length), .error = error, .unique = unique};
    struct iovec iov[2] = {{&out, sizeof out}, {(void *)data, length}};
    if (writev(dev, iov, length ? 2 : 1) < 0 && errno != ENOENT) die("writing a reply");
}

static void attr_of(uint64_t node, struct fuse_attr *a)
{
    memset(a, 0, sizeof *a);
    a->ino = node;
    a->nlink = 1;
    a->blksize = 4096;
    if (node == FUSE_ROOT_ID) {
        a->mode = S_IFDIR | 0755;
        a->nlink = 2;
    } else {
        a->mode = S_IFREG | 0644;
        a->size = FILE_SIZE;
        a->blocks = FILE_SIZE / 512;
    }
}

static void serve(const struct fuse_in_header *in, const void *arg)
{
    switch (in->opcode) {
    case FUSE_INIT: {
        const struct fuse_init_in *init = arg;
        struct fuse_init_out out = {.major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
                                    .max_readahead = init->max_readahead, .max_write = 4096, .time_gran = 1,
                                    .max_background = 16, .congestion_threshold = 12};
        reply(in->unique, 0, &out, sizeof out);
        break;
    }
    case FUSE_LOOKUP: {
        if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, "x") != 0) {
            reply(in->unique, -ENOENT, NULL, 0);
            break;
        }
        struct fuse_entry_out out = {.nodeid = FILE_NODE, .generation = 1}; /* entry and attr valid for 0 s */
        attr_of(FILE_NODE, &out.attr);
        reply(in->unique, 0, &out, sizeof out);
        break;
    }
    case FUSE_GETATTR: {
        struct fuse_attr_out out = {0};
        attr_of(in->nodeid, &out.attr);
        reply(in->unique, 0, &out, sizeof out);
        break;
    }
    case FUSE_OPEN:
    case FUSE_OPENDIR: {
        struct fuse_open_out out = {.fh = in->nodeid};
        reply(in->unique, 0, &out, sizeof out);
        break;
    }
    case FUSE_READ: {
        const struct fuse_read_in *read_in = arg;
        static char bytes[FILE_SIZE];
        memset(bytes, 'F', sizeof bytes);
        size_t length = read_in->offset >= FILE_SIZE ? 0 : FILE_SIZE - read_in->offset;
        if (length > read_in->size) length = read_in->size;
        reply(in->unique, 0, bytes + (read_in->offset < FILE_SIZE ? read_in->offset : 0), length);
        break;
    }
    case FUSE_READDIR:
        reply(in->unique, 0, NULL, 0);
        break;
    case FUSE_STATFS: {
        struct fuse_statfs_out out = {.st = {.bsize = 4096, .frsize = 4096, .namelen = 255}};
        reply(in->unique, 0, &out, sizeof out);
        break;
    }
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR:
    case FUSE_FLUSH:
    case FUSE_ACCESS:
        reply(in->unique, 0, NULL, 0);
        break;
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
        break; /* no reply */
    default:
        reply(in->unique, -ENOSYS, NULL, 0);
        break;
    }
}

/* The holder: opens and maps x, says where, waits for end of input. */
static void hold(const char *mountpoint)
{
    char file[4096];
    snprintf(file, sizeof file, "%s/x", mountpoint);
    int fd = open(file, O_RDONLY);
    if (fd < 0) die("opening x");
    void *map = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) die("mapping x");
    printf("ready %d %d %lx\n", getpid(), fd, (unsigned long)map);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {
    }
    exit(0);
}

int main(int argc, char **argv)
{
    const char *mountpoint = argc > 1 ? argv[1] : "/dev/shm";
    dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (dev < 0) die("opening /dev/fuse");
    if (unshare(CLONE_NEWNS) < 0) die("unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("making the mounts private");
    char options[128];
    snprintf(options, sizeof options, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", dev);
    if (mount("ipcinsp-fuse", mountpoint, "fuse.ipcinsp-hang", MS_NOSUID | MS_NODEV, options) < 0) die("mounting");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        close(dev);
        hold(mountpoint);
    }
    static char buffer[FUSE_MIN_READ_BUFFER + 1024 * 1024];
    struct pollfd fds[2] = {{.fd = dev, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (fds[1].revents) { /* end of input (or any input): done */
            char c;
            if (read(0, &c, 1) <= 0) break;
        }
        if (!(fds[0].revents & POLLIN)) continue;
        ssize_t n = read(dev, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == ENOENT)) continue;
        if (n < 0 && errno == ENODEV) break; /* unmounted */
        if (n < (ssize_t)sizeof(struct fuse_in_header)) die("reading a request");
        const struct fuse_in_header *in = (const void *)buffer;
        serve(in, buffer + sizeof *in);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 0;
}
