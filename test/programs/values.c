/*
 * values: writes to stdout the raw bytes of a few C values, the way a program would lay them out in
 * shared memory, for test/native/shared/dataInspector.test.ts to decode with the contents view's data
 * inspector. NOT part of the extension.
 *
 * Layout (offset, size, what), in this order with no padding:
 *    0  4  int32_t  -123456            host byte order
 *    4  4  int32_t  -123456            big-endian (htonl)
 *    8  8  double   3.14159            host byte order
 *   16  8  double   3.14159            byte-swapped (big-endian on a little-endian host)
 *   24  8  int64_t  INT64_MIN          host byte order
 *   32  2  uint16_t 0xBEEF             big-endian (htons)
 *   34  7  char[]   "hello\n" + NUL
 *   41  4  float    3.14159f           host byte order
 *   45  4  float    -INFINITY          host byte order
 *   49  8  double   -0.0               host byte order
 *   57  8  uint64_t UINT64_MAX         host byte order
 *   65  8  int64_t  -2                 host byte order
 *   73  8  double   DBL_MIN            host byte order
 *   81  4  float    FLT_TRUE_MIN       host byte order (the smallest denormal)
 *   85     end
 */
#include <arpa/inet.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned char out[128];
static size_t used;

static void put(const void *value, size_t size)
{
    memcpy(out + used, value, size);
    used += size;
}

/* The bytes of value in the opposite order: big-endian on a little-endian host and vice versa. */
static void put_swapped(const void *value, size_t size)
{
    const unsigned char *bytes = value;
    for (size_t i = 0; i < size; i++) out[used + i] = bytes[size - 1 - i];
    used += size;
}

int main(void)
{
    int32_t i32 = -123456;
    uint32_t i32_be = htonl((uint32_t)i32);
    double pi = 3.14159;
    int64_t i64_min = INT64_MIN;
    uint16_t u16_be = htons(0xBEEF);
    const char text[] = "hello\n";
    float f32 = 3.14159f;
    float f32_minus_inf = -INFINITY;
    double minus_zero = -0.0;
    uint64_t u64_max = UINT64_MAX;
    int64_t i64_minus_two = -2;
    double dbl_min = DBL_MIN;
    float flt_true_min = FLT_TRUE_MIN;

    put(&i32, sizeof i32);
    put(&i32_be, sizeof i32_be);
    put(&pi, sizeof pi);
    put_swapped(&pi, sizeof pi);
    put(&i64_min, sizeof i64_min);
    put(&u16_be, sizeof u16_be);
    put(text, sizeof text); /* includes the NUL */
    put(&f32, sizeof f32);
    put(&f32_minus_inf, sizeof f32_minus_inf);
    put(&minus_zero, sizeof minus_zero);
    put(&u64_max, sizeof u64_max);
    put(&i64_minus_two, sizeof i64_minus_two);
    put(&dbl_min, sizeof dbl_min);
    put(&flt_true_min, sizeof flt_true_min);

    if (fwrite(out, 1, used, stdout) != used || fflush(stdout) != 0) {
        perror("values: write");
        return 1;
    }
    return 0;
}
