/*
 * sensors: a C struct array in shared memory, updated live: what the contents view's data inspector is
 * for. Creates (or reuses) the segment under KEY (default 0x5e450001) and updates four sensors
 * every 250 ms; prints the layout first. Stops on SIGINT/SIGTERM, detaches, leaves the segment.
 *
 *   sensors [KEY]
 */
#include "demo.h"

#include <math.h>
#include <stddef.h>

#define SENSOR_COUNT 4

struct sensor {
    int32_t id;
    double temperature; /* degrees Celsius */
    char name[16];
    uint64_t samples;
};

struct sensor_table {
    char magic[8]; /* "SENSORS1" */
    uint32_t count;
    uint32_t updates;
    struct sensor sensors[SENSOR_COUNT];
};

_Static_assert(sizeof(struct sensor) == 40, "sensor layout (x86-64 / aarch64 ABI)");
_Static_assert(offsetof(struct sensor_table, sensors) == 16, "table layout");

int main(int argc, char **argv)
{
    key_t key = 0x5e450001;
    if (argc > 2 || (argc == 2 && !demo_parse_key(argv[1], &key))) {
        fprintf(stderr, "usage: sensors [KEY]\n");
        return 2;
    }
    demo_setup();
    int shmid = shmget(key, sizeof(struct sensor_table), IPC_CREAT | 0640);
    if (shmid < 0) {
        if (errno == EINVAL) {
            fprintf(stderr, "sensors: key 0x%08x exists with a size under %zu bytes; remove it (npm run demo -- --cleanup)\n",
                    (unsigned)key, sizeof(struct sensor_table));
            return 1;
        }
        return demo_fail("sensors", "shmget");
    }
    struct sensor_table *table = shmat(shmid, NULL, 0);
    if (table == (void *)-1) return demo_fail("sensors", "shmat");

    static const char *const names[SENSOR_COUNT] = { "cpu", "gpu", "inlet", "outlet" };
    static const double base[SENSOR_COUNT] = { 55.0, 48.0, 21.5, 34.0 };
    memcpy(table->magic, "SENSORS1", sizeof table->magic);
    table->count = SENSOR_COUNT;
    for (int i = 0; i < SENSOR_COUNT; i++) {
        table->sensors[i].id = 100 + i;
        memset(table->sensors[i].name, 0, sizeof table->sensors[i].name);
        memcpy(table->sensors[i].name, names[i], strlen(names[i]));
    }
    demo_ready(key, shmid, sizeof(struct sensor_table), "sensors: struct sensor[4] updated every 250 ms");
    printf("sensors: layout: header 16 bytes (magic[8], uint32 count @8, uint32 updates @12), then struct sensor[%d] of %zu bytes\n",
           SENSOR_COUNT, sizeof(struct sensor));
    printf("sensors: struct sensor { int32_t id @%zu; double temperature @%zu; char name[16] @%zu; uint64_t samples @%zu; }\n",
           offsetof(struct sensor, id), offsetof(struct sensor, temperature), offsetof(struct sensor, name),
           offsetof(struct sensor, samples));

    for (uint32_t tick = 0; !demo_stop; tick++) {
        for (int i = 0; i < SENSOR_COUNT; i++) {
            struct sensor *s = &table->sensors[i];
            s->temperature = base[i] + 4.0 * sin((double)tick / (8.0 + 3.0 * i)) + 0.25 * (double)((tick * 7 + (uint32_t)i) % 5);
            s->samples++;
        }
        table->updates = tick + 1;
        demo_sleep_ms(250);
    }
    shmdt(table);
    return 0;
}
