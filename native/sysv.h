/* What the three System V kinds (shared memory segments, semaphore sets, message queues) share:
 * their ipc_perm as every user may see it, one error path for all three, and the parts of their
 * operations that differ only in the system call (see sysv.c). */
#ifndef IPC_HELPER_SYSV_H
#define IPC_HELPER_SYSV_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include "helper.h"

enum sysv_kind { SYSV_SHM, SYSV_SEM, SYSV_MSG };

union semun { /* the caller defines it (semctl(2)) */
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

/* IPC_STAT of any of the three kinds. */
union sysv_ds {
    struct shmid_ds shm;
    struct semid_ds sem;
    struct msqid_ds msg;
};

/* A time of an IPC_STAT record (seconds since the epoch). A 32-bit build gets its 64-bit times
 * (_TIME_BITS 64) as halves that glibc puts together; under qemu-user, where the foreign helpers
 * are tested, the kernel's reply leaves the high halves unwritten, and glibc then adds whatever its
 * stack held. No time before the year 2106 has a high half: on a 32-bit build one is dropped. */
static inline int64_t sysv_time(time_t t)
{
    if (sizeof(long) < 8 && ((uint64_t)t >> 32) != 0) return (int64_t)(uint32_t)t;
    return (int64_t)t;
}

/* "segment", "semaphore set", "message queue". */
const char *sysv_noun(enum sysv_kind kind);

/* The kernel's view of an object as every user may see it, also one this user may not read
 * (/proc/sysvipc/shm for a segment, SEM_STAT_ANY and MSG_STAT_ANY for the others): for messages
 * about permissions, and for the operations the kernel checks by ownership (IPC_SET, IPC_RMID). */
bool sysv_stat_any(enum sysv_kind kind, int id, union sysv_ds *ds);

/* Replies to a failed system call on object `id` of `kind`, errno in err, in words: which object,
 * its owner and mode where the kernel refused, and who may do what was asked. */
void reply_sysv_error(const struct request *rq, int err, enum sysv_kind kind, int id, const struct action *act);

/* IPC_STAT (read permission needed), replying with an error when it fails. */
bool sysv_stat_or_reply(const struct request *rq, enum sysv_kind kind, int id, union sysv_ds *ds,
                        const struct action *act);

/* For operations the kernel checks by ownership, not read permission (IPC_SET, IPC_RMID): an owner
 * who took away their own read bit must still be able to restore it or remove the object. When
 * IPC_STAT is denied, the numbers come from sysv_stat_any(); the kernel then decides. */
bool sysv_stat_for_owner_or_reply(const struct request *rq, enum sysv_kind kind, int id, union sysv_ds *ds,
                                  const struct action *act);

/* Replies to a failed shmget/semget/msgget(IPC_CREAT ...), errno in err. `limits` says which
 * limits ENOSPC is about. */
void reply_get_error(const struct request *rq, int err, enum sysv_kind kind, int32_t key, const char *limits);

/* The reply of SHM_CREATE, SEM_CREATE and MSG_CREATE: u32 created (1: made now, 0: an existing
 * object of that key), i32 id. */
void reply_created_id(const struct request *rq, bool created, int id);

/* Each kind's stat record (shm.c, sem.c, msg.c). */
void reply_shm_stat(const struct request *rq, int shmid, const struct shmid_ds *ds);
void reply_sem_stat(const struct request *rq, int semid, const struct semid_ds *ds);
void reply_msg_stat(const struct request *rq, int msqid, const struct msqid_ds *ds);

#endif
