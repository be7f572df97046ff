/*
 * ctvalues: writes known values of every kind (ints of every width and sign, float, double, a char
 * array, an enum, bit-fields, nested arrays, a pointer) as struct known (ctvalues.h) into a System V
 * segment or a POSIX object, for the C-type view's tests. NOT part of the extension.
 *
 *   ctvalues sysv KEY     create (or reuse) the segment, write, print "ready SHMID"
 *   ctvalues posix NAME   the same with shm_open("/NAME"), print "ready 0"
 *
 * Then each line "bump" on stdin adds 1 to counter and prints "bumped COUNTER"; at end of input it
 * detaches and exits, leaving the object for the test to remove.
 */
#include "ctvalues.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

static void fill(struct known *k) {
    memset(k, 0, sizeof *k);
    k->i8 = -8;
    k->u8 = 250;
    k->i16 = -1600;
    k->u16 = 65000;
    k->i32 = -2000000000;
    k->u32 = 4000000000u;
    k->i64 = INT64_MIN;
    k->u64 = UINT64_MAX;
    k->f = 3.14159f;
    k->d = -2.5e-300;
    strcpy(k->name, "sensor-7");
    k->mode = MODE_FAULT;
    k->flags = 5;
    k->level = -9;
    k->on = true;
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
            k->path[i][j].x = (int16_t)(i * 10 + j);
            k->path[i][j].y = (int16_t)-(i * 10 + j);
        }
    }
    k->counter = 41;
    k->self = (void *)(uintptr_t)0x1234;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: ctvalues sysv KEY | posix NAME\n");
        return 2;
    }
    struct known *k;
    int id = 0;
    if (strcmp(argv[1], "sysv") == 0) {
        id = shmget((key_t)strtoul(argv[2], NULL, 0), sizeof(struct known), IPC_CREAT | 0600);
        if (id < 0) { perror("shmget"); return 1; }
        k = shmat(id, NULL, 0);
        if (k == (void *)-1) { perror("shmat"); return 1; }
    } else {
        char name[256];
        snprintf(name, sizeof name, "/%s", argv[2]);
        int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
        if (fd < 0 || ftruncate(fd, sizeof(struct known)) != 0) { perror("shm_open"); return 1; }
        k = mmap(NULL, sizeof(struct known), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (k == MAP_FAILED) { perror("mmap"); return 1; }
        close(fd);
    }
    fill(k);
    printf("ready %d\n", id);
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "bump", 4) == 0) {
            k->counter++;
            printf("bumped %llu\n", (unsigned long long)k->counter);
            fflush(stdout);
        }
    }
    return 0;
}
