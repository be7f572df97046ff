/* recwriter: writes a known sequence of states into a System V segment or a POSIX shared memory
 * object, and logs every state it wrote with its number and the FNV-1a checksum of the whole
 * object, so a recording can be checked against what was really there.
 *
 *   recwriter sysv SIZE          prints "ready SHMID SIZE"
 *   recwriter posix NAME SIZE    prints "ready 0 SIZE"
 * then reads commands on stdin:
 *   step N        writes the next N states, logging each "state SEQ CHECKSUM", then "done SEQ"
 *   spin RATE N   writes the next N states at RATE a second (logging none), then "done SEQ"
 *   grow | shrink (POSIX) ftruncate to twice or half the size: "resized SIZE"
 *   remove        IPC_RMID (still attached) or shm_unlink: "removed"
 *   quit
 * State 0 (all zeros but the struct) is written and logged before "ready". */
#define _GNU_SOURCE
#include "recwriter.h"
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

static unsigned char *base;
static size_t size;
static uint64_t seq;

static uint64_t fnv1a(const unsigned char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* State k: everything derived from k, written in place (the seq last). */
static void write_state(uint64_t k) {
  struct rec_state *s = (struct rec_state *)base;
  if (k > 0) {
    for (int m = 1; m <= 2; m++) {
      unsigned slot = (unsigned)((2 * k - (uint64_t)m) % 64);
      for (int b = 0; b < 16; b++) s->ring[slot][b] = (uint8_t)(k * 7 + (uint64_t)b + (uint64_t)m);
    }
  }
  s->head = (uint32_t)(2 * k);
  s->tail = (uint32_t)(2 * k - k % 7);
  s->sensor.level = -(int32_t)(k / 3);
  s->sensor.mode = (uint16_t)((k / 10) % 4);
  s->sensor.temp = 20.0f + (float)(k / 5) * 0.5f;
  s->sensor.alarm = k >= 12;
  __atomic_store_n(&s->seq, k, __ATOMIC_RELEASE);
}

static void log_state(void) { printf("state %" PRIu64 " %016" PRIx64 "\n", seq, fnv1a(base, size)); }

static void sleep_until(struct timespec *at, long step_ns) {
  at->tv_nsec += step_ns;
  while (at->tv_nsec >= 1000000000L) {
    at->tv_nsec -= 1000000000L;
    at->tv_sec++;
  }
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, at, NULL);
}

int main(int argc, char **argv) {
  int sysv = argc == 3 && strcmp(argv[1], "sysv") == 0;
  int posix = argc == 4 && strcmp(argv[1], "posix") == 0;
  if (!sysv && !posix) {
    fprintf(stderr, "usage: recwriter sysv SIZE | recwriter posix NAME SIZE\n");
    return 2;
  }
  size = strtoul(argv[argc - 1], NULL, 0);
  if (size < sizeof(struct rec_state)) {
    fprintf(stderr, "size must be at least %zu\n", sizeof(struct rec_state));
    return 2;
  }
  int shmid = 0, fd = -1;
  if (sysv) {
    shmid = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
    if (shmid < 0 || (base = shmat(shmid, NULL, 0)) == (void *)-1) {
      perror("shm");
      return 1;
    }
  } else {
    fd = shm_open(argv[2], O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0 || (base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
      perror("shm_open");
      return 1;
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  write_state(0);
  printf("ready %d %zu\n", shmid, size);
  log_state();
  char line[128];
  while (fgets(line, sizeof line, stdin)) {
    unsigned long n = 0, rate = 0;
    if (sscanf(line, "step %lu", &n) == 1) {
      for (unsigned long i = 0; i < n; i++) {
        write_state(++seq);
        log_state();
      }
      printf("done %" PRIu64 "\n", seq);
    } else if (sscanf(line, "spin %lu %lu", &rate, &n) == 2 && rate > 0) {
      struct timespec at;
      clock_gettime(CLOCK_MONOTONIC, &at);
      for (unsigned long i = 0; i < n; i++) {
        write_state(++seq);
        sleep_until(&at, 1000000000L / (long)rate);
      }
      printf("done %" PRIu64 "\n", seq);
    } else if (posix && (strncmp(line, "grow", 4) == 0 || strncmp(line, "shrink", 6) == 0)) {
      size_t to = line[0] == 'g' ? size * 2 : size / 2;
      if (ftruncate(fd, (off_t)to) != 0) perror("ftruncate");
      printf("resized %zu\n", to);
    } else if (strncmp(line, "remove", 6) == 0) {
      if (sysv ? shmctl(shmid, IPC_RMID, NULL) : shm_unlink(argv[2])) perror("remove");
      printf("removed\n");
    } else if (strncmp(line, "quit", 4) == 0) {
      break;
    }
  }
  return 0;
}
