// The fixed C text of the layout probe (probe.ts generates the rest): the wrapper around the user's
// type, the macros its table entries use to ask the compiler about a member (signedness, char-ness,
// floating format), and the program that finds bit-fields at run time in records too big to copy.

/** Records up to this size have an object per bit-field in the probe's object file. */
export const BITS_OBJECT_MAX = 1 << 20;
/** Room after the object for element 0 of a flexible array member (its bit-fields are written). */
const FLEXIBLE_ROOM = 65_536;

/**
 * The floating formats beyond float, double and long double, each asked about in a _Generic of its
 * own, one inside the other's default: some targets make two of them the same type, and a _Generic
 * naming one type twice does not compile. Each only where the compiler says it has the type.
 */
const EXTENDED_FLOATS: Array<[type: string, digits: string, condition: string]> = [
  ['_Float16', '__FLT16_MANT_DIG__', 'defined(__FLT16_MANT_DIG__) && !defined(__clang__)'],
  ['__bf16', '__BFLT16_MANT_DIG__', 'defined(__BFLT16_MANT_DIG__) && !defined(__clang__)'],
  ['_Float32', '__FLT32_MANT_DIG__', 'defined(__FLT32_MANT_DIG__) && !defined(__clang__)'],
  ['_Float64', '__FLT64_MANT_DIG__', 'defined(__FLT64_MANT_DIG__) && !defined(__clang__)'],
  ['_Float32x', '__FLT32X_MANT_DIG__', 'defined(__FLT32X_MANT_DIG__) && !defined(__clang__)'],
  ['_Float64x', '__FLT64X_MANT_DIG__', 'defined(__FLT64X_MANT_DIG__) && !defined(__clang__)'],
  ['_Float128', '__FLT128_MANT_DIG__', 'defined(__FLT128_MANT_DIG__) && !defined(__clang__)'],
  ['__float80', '64', '(defined(__x86_64__) || defined(__i386__)) && !defined(__clang__)'],
];

function floatFormats(): string {
  const lines = [
    "/* Which floating format: its mantissa digits (long double is x87's 64 on x86, binary128's 113 on arm64), complex types by their parts; 0 for others. */",
    '#define IPCINSP_MANT(e) _Generic((e), float: __FLT_MANT_DIG__, double: __DBL_MANT_DIG__, long double: __LDBL_MANT_DIG__, _Complex float: __FLT_MANT_DIG__, _Complex double: __DBL_MANT_DIG__, _Complex long double: __LDBL_MANT_DIG__, default: IPCINSP_MANT_0(e))',
  ];
  EXTENDED_FLOATS.forEach(([type, digits, condition], i) => {
    // __bf16 and __float80 have no complex form.
    const complex = type.startsWith('_Float') ? `, _Complex ${type}: ${digits}` : '';
    lines.push(
      `#if ${condition}`,
      `#define IPCINSP_MANT_${i}(e) _Generic((e), ${type}: ${digits}${complex}, default: IPCINSP_MANT_${i + 1}(e))`,
      '#else',
      `#define IPCINSP_MANT_${i}(e) IPCINSP_MANT_${i + 1}(e)`,
      '#endif',
    );
  });
  lines.push(`#define IPCINSP_MANT_${EXTENDED_FLOATS.length}(e) 0`);
  return lines.join('\n');
}

/** The C text between the user's declarations and the probe's tables. */
export function probePreamble(typeName: string, unsignedBitfields: boolean): string {
  return `# 1 "<ipc-inspector layout probe>"
typedef __SIZE_TYPE__ ipcinsp_size;
typedef ${typeName} ipcinsp_user;
/* Wrapped, so that every member designator starts with a name (offsetof wants one), arrays too. */
typedef struct { ipcinsp_user ipcinsp_o; } ipcinsp_root;
#define IPCINSP_M(d) (((ipcinsp_root *)0)->d)
#define IPCINSP_USED __attribute__((used))
/* Records up to this size get an object per bit-field; beyond, the program has to run to find the bits. */
#define IPCINSP_BITS_MAX ${BITS_OBJECT_MAX}u
/* gcc's -funsigned-bitfields makes plain int bit-fields unsigned; clang has no such option. */
#if ${unsignedBitfields ? 1 : 0} && !defined(__clang__)
#define IPCINSP_PLAIN_UNSIGNED 1
#else
#define IPCINSP_PLAIN_UNSIGNED 0
#endif
#ifdef __SIZEOF_INT128__
#define IPCINSP_SIGNED(e) _Generic((e), signed char: 1, short: 1, int: 1, long: 1, long long: 1, __int128: 1, char: ((char)-1 < 0), default: 0)
#else
#define IPCINSP_SIGNED(e) _Generic((e), signed char: 1, short: 1, int: 1, long: 1, long long: 1, char: ((char)-1 < 0), default: 0)
#endif
#define IPCINSP_CHAR(e) _Generic((e), char: 1, default: 0)
${floatFormats()}
/* Decimal floating types: 1 in the binary encoding (BID, x86), 2 in the densely packed one (DPD). */
#if defined(__DEC32_MANT_DIG__) && !defined(__clang__)
#ifdef __DECIMAL_BID_FORMAT__
#define IPCINSP_DEC_FORMAT 1
#else
#define IPCINSP_DEC_FORMAT 2
#endif
#define IPCINSP_DEC(e) _Generic((e), _Decimal32: IPCINSP_DEC_FORMAT, _Decimal64: IPCINSP_DEC_FORMAT, _Decimal128: IPCINSP_DEC_FORMAT, default: 0)
#else
#define IPCINSP_DEC(e) 0
#endif
/*
 * Whether a record type was declared with scalar_storage_order in the order that is not the
 * machine's (gcc 9 on; a pragma's order is no attribute). Only that order is asked about: gcc 12
 * asked about the machine's own order on a type declared the other way turns the type into it.
 */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 9 && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IPCINSP_DECLARED_REVERSED(type) __builtin_has_attribute(type, scalar_storage_order("big-endian"))
#elif defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 9 && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define IPCINSP_DECLARED_REVERSED(type) __builtin_has_attribute(type, scalar_storage_order("little-endian"))
#else
#define IPCINSP_DECLARED_REVERSED(type) 0
#endif
/* Every column is a long long, so the table reads the same from any object file of this ABI. */`;
}

/**
 * The program that finds bit-fields' bits at run time, for records too big to have an object per
 * bit-field: each found field's first bit and width, counted from the least significant bit of
 * each byte and from the most significant one (a big-endian record's fields count that way).
 */
export function searchProgram(searches: readonly string[], flexible: boolean): string {
  return `static union { ipcinsp_root r; unsigned char b[sizeof(ipcinsp_root) + ${flexible ? FLEXIBLE_ROOM : 1}]; } ipcinsp_buf;
static void ipcinsp_clear(ipcinsp_size start, ipcinsp_size end) {
  __builtin_memset(ipcinsp_buf.b + start, 0, end - start);
}
static void ipcinsp_bits(int id, ipcinsp_size start, ipcinsp_size end) {
  long long first = -1, last = -1, high_first = -1, high_last = -1;
  ipcinsp_size i;
  int b;
  for (i = start; i < end; i++) {
    if (!ipcinsp_buf.b[i]) continue;
    for (b = 0; b < 8; b++) {
      if (ipcinsp_buf.b[i] >> b & 1) {
        if (first < 0) first = (long long)i * 8 + b;
        last = (long long)i * 8 + b;
      }
      if (ipcinsp_buf.b[i] >> (7 - b) & 1) {
        if (high_first < 0) high_first = (long long)i * 8 + b;
        high_last = (long long)i * 8 + b;
      }
    }
  }
  __builtin_printf("B %d %lld %lld %lld %lld\\n", id, first, last - first + 1, high_first, high_last - high_first + 1);
}
int main(void) {
${searches.join('\n')}
  return 0;
}
`;
}
