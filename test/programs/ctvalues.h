/* The type test/programs/ctvalues.c writes into shared memory, for the C-type view's tests. */
#ifndef CTVALUES_H
#define CTVALUES_H
#include <stdbool.h>
#include <stdint.h>

enum mode { MODE_IDLE, MODE_RUN = 7, MODE_FAULT = -1 };

struct point {
    int16_t x, y;
};

struct known {
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f;
    double d;
    char name[12];
    enum mode mode;
    unsigned flags : 3;
    signed level : 5;
    bool on : 1;
    struct point path[2][2];
    uint64_t counter;
    void *self;
};
#endif
