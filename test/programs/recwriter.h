/* What recwriter.c writes at the start of the object: a counter, a ring's head and tail, and a
 * struct whose fields change at known states (see recwriter.c). Laid out by the C type engine in
 * the recording tests. */
#include <stdint.h>

struct rec_sensor {
  int32_t level;   /* -(seq / 3): changes at every third state */
  uint16_t mode;   /* (seq / 10) % 4: changes at every tenth */
  float temp;      /* 20 + (seq / 5) * 0.5: changes at every fifth */
  uint8_t alarm;   /* 1 from state 12 on */
};

struct rec_state {
  uint64_t seq;    /* the state's number */
  uint32_t head;   /* 2 * seq: two messages a state */
  uint32_t tail;   /* head - seq % 7: the reader lags */
  struct rec_sensor sensor;
  uint8_t ring[64][16];
};
