/*
 * The C corpus of the DWARF reader's tests (test/native/ctypes/dwarf/oracle.test.ts): compiled with gcc
 * and clang, DWARF 4 and 5, compressed or not, and read back through the reader; compared with
 * gdb, pahole and the compiler probe. NOT part of the extension.
 */
#include <stdbool.h>
#include <stdint.h>

enum color { RED, GREEN = 5, BLUE = -3 };
enum wide { WIDE_ZERO = 0, WIDE_TOP = 0x8000000000000000ull };
typedef enum { ANON_A = 1, ANON_B = 2 } anon_enum;
typedef uint32_t word;
typedef word word2;
typedef struct point { int16_t x, y; } point_t;

struct flags {
    unsigned a : 1;
    unsigned b : 3;
    signed c : 4;
    unsigned : 0;
    unsigned long long d : 40;
    int e : 7;
    bool f : 1;
    enum color g : 3;
    unsigned char h : 2;
    signed char i : 5;
};

struct __attribute__((packed)) packed {
    char c;
    int32_t i;
    int64_t l;
    uint16_t s;
};

#pragma pack(push, 2)
struct pack2 {
    char c;
    int32_t i;
    double d;
};
#pragma pack(pop)

struct aligned16 {
    char c;
    int32_t i __attribute__((aligned(16)));
};

union number {
    int32_t i;
    float f;
    uint8_t bytes[8];
};

struct everything {
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    char ch;
    signed char sch;
    unsigned char uch;
    float f;
    double d;
    long double ld;
    _Bool b;
    __int128 big;
    word2 w;
    point_t pts[2][3][2];
    struct point *pp;
    const char *name;
    volatile int vi;
    int (*callback)(int, char);
    enum color color;
    enum wide wide;
    anon_enum anon;
    union number num;
    struct {
        int inner_a;
        union {
            float inner_f;
            int inner_i;
        };
    };
    struct {
        int q;
    } named;
    struct flags fl;
    struct packed pk;
    struct pack2 p2;
    struct aligned16 a16;
    char text[13];
    int tail[];
};
