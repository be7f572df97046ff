/*
 * The layout the demo writer publishes and the demo reader reads: the start of a 4 KiB segment
 * (the rest stays zero). A seqlock makes the reader's copy consistent: the writer makes `seq` odd,
 * writes, then makes it even again; a reader retries while it is odd or when it changed meanwhile.
 *
 *   offset  size  field
 *        0     8  magic      "DEMOWRT1"
 *        8     4  seq        seqlock counter (even = stable)
 *       12     4  writer_pid
 *       16     8  counter    +1 every 500 ms (little-endian uint64)
 *       24     8  unix_ms    time of the last write, ms since the epoch (int64)
 *       32    32  stamp      "2025-11-23 13:05:01.250", NUL-terminated
 *       64    64  line       "counter 42 at 13:05:01.250" + '\n', NUL-padded
 */
#ifndef IPC_INSPECTOR_DEMO_BOARD_H
#define IPC_INSPECTOR_DEMO_BOARD_H

#include <stddef.h>
#include <stdint.h>

#define BOARD_SEGMENT_SIZE 4096
#define BOARD_MAGIC "DEMOWRT1"
#define BOARD_PROJ 'W'

struct board {
    char magic[8];
    uint32_t seq;
    uint32_t writer_pid;
    uint64_t counter;
    int64_t unix_ms;
    char stamp[32];
    char line[64];
};

_Static_assert(offsetof(struct board, counter) == 16, "board layout");
_Static_assert(offsetof(struct board, stamp) == 32, "board layout");
_Static_assert(offsetof(struct board, line) == 64, "board layout");
_Static_assert(sizeof(struct board) == 128, "board layout");

#endif
