/*
 * removed: creates an IPC_PRIVATE segment, attaches it, marks it removed (IPC_RMID) and stays
 * attached, writing a heartbeat every second. The kernel keeps a removed segment until its last
 * detach: the view shows it as removed-but-attached (key 0, DEST). It goes away when this exits.
 *
 *   removed
 */
#include "demo.h"

#define REMOVED_SIZE 8192

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fprintf(stderr, "usage: removed\n");
        return 2;
    }
    demo_setup();
    int shmid = shmget(IPC_PRIVATE, REMOVED_SIZE, IPC_CREAT | 0600);
    if (shmid < 0) return demo_fail("removed", "shmget");
    char *base = shmat(shmid, NULL, 0);
    if (base == (void *)-1) {
        int saved = errno;
        shmctl(shmid, IPC_RMID, NULL);
        errno = saved;
        return demo_fail("removed", "shmat");
    }
    if (shmctl(shmid, IPC_RMID, NULL) < 0) return demo_fail("removed", "shmctl(IPC_RMID)");
    demo_ready(IPC_PRIVATE, shmid, REMOVED_SIZE, "removed: marked removed (IPC_RMID) while attached");

    for (unsigned long beat = 1; !demo_stop; beat++) {
        char stamp[32];
        demo_format_time(demo_now_ms(), stamp, sizeof stamp);
        snprintf(base, 256,
                 "Marked removed (IPC_RMID) by pid %d while attached; it lives until its last detach.\n"
                 "heartbeat %lu at %s\n",
                 (int)getpid(), beat, stamp);
        demo_sleep_ms(1000);
    }
    shmdt(base); /* last detach: the kernel destroys the segment now */
    return 0;
}
