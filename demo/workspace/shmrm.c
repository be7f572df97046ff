/*
 * shmrm: how demo/run.js removes the demo's segments, carefully.
 *
 *   shmrm id SHMID KEY   remove segment SHMID only if its key is still KEY (an id can be reused)
 *   shmrm key KEY        remove the segment that has KEY, if any
 *   shmrm ftok PATH PROJ print ftok(PATH, PROJ) as 0x%08x
 *
 * Prints one line: "removed ...", "gone ..." (nothing to do) or "skipped ..."; exits 0 unless an
 * operation failed (1) or the usage is wrong (2).
 */
#include "demo.h"

static int remove_id(int shmid, const char *what)
{
    if (shmctl(shmid, IPC_RMID, NULL) < 0) return demo_fail("shmrm", what);
    printf("removed %s (shmid %d)\n", what, shmid);
    return 0;
}

int main(int argc, char **argv)
{
    key_t key;
    if (argc == 4 && strcmp(argv[1], "id") == 0 && demo_parse_key(argv[3], &key)) {
        int shmid = atoi(argv[2]);
        struct shmid_ds ds;
        if (shmctl(shmid, IPC_STAT, &ds) < 0) {
            if (errno == EINVAL || errno == EIDRM) {
                printf("gone shmid %d\n", shmid);
                return 0;
            }
            return demo_fail("shmrm", "shmctl(IPC_STAT)");
        }
        if (ds.shm_perm.__key != key) {
            printf("skipped shmid %d: its key is now 0x%08x, not 0x%08x\n", shmid, (unsigned)ds.shm_perm.__key, (unsigned)key);
            return 0;
        }
        return remove_id(shmid, argv[3]);
    }
    if (argc == 3 && strcmp(argv[1], "key") == 0 && demo_parse_key(argv[2], &key) && key != IPC_PRIVATE) {
        int shmid = shmget(key, 0, 0);
        if (shmid < 0) {
            if (errno == ENOENT) {
                printf("gone key %s\n", argv[2]);
                return 0;
            }
            return demo_fail("shmrm", "shmget");
        }
        return remove_id(shmid, argv[2]);
    }
    if (argc == 4 && strcmp(argv[1], "ftok") == 0 && argv[3][0] != '\0') {
        key = ftok(argv[2], argv[3][0]);
        if (key == -1) return demo_fail("shmrm", argv[2]);
        printf("0x%08x\n", (unsigned)key);
        return 0;
    }
    fprintf(stderr, "usage: shmrm id SHMID KEY | shmrm key KEY | shmrm ftok PATH PROJ\n");
    return 2;
}
