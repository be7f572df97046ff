/*
 * The layout of the demo's POSIX ring buffer (/ipc-demo-ring): a header and 64 slots. A producer
 * (demo/posix.c ring) advances head; tail follows once the ring is full.
 */
#ifndef IPC_INSPECTOR_DEMO_RING_H
#define IPC_INSPECTOR_DEMO_RING_H

#include <stdint.h>

#define RING_SLOTS 64
#define RING_SIZE (64 * 1024)

struct ring_slot {
    uint64_t seq;
    int64_t time_ms;
    char text[48];
};

struct ring {
    char magic[4];       /* "RING" */
    uint32_t slot_count; /* RING_SLOTS */
    uint32_t slot_size;  /* sizeof(struct ring_slot) = 64 */
    uint32_t reserved;
    uint64_t head;       /* slots written so far */
    uint64_t tail;       /* oldest slot still in the ring */
    struct ring_slot slots[RING_SLOTS];
};

#endif
