/* System V semaphore sets: SEM_STAT, SEM_VALUES, SEM_CREATE, SEM_REMOVE (SEM_SET is sysv.c's).
 * Looked at, never operated: there is no semop() in the helper, and the only value write is
 * SETALL on a set SEM_CREATE has made a moment before (part of creating it). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helper.h"
#include "sysv.h"

#define SEM_STAT_BYTES 48u
#define SEM_VALUE_BYTES 16u  /* per semaphore in SEM_VALUES: value, pid, ncnt, zcnt */
#define SEMVMX_VALUE 32767u  /* the largest semaphore value (SEMVMX) */

static bool sem_stat_or_reply(const struct request *rq, int semid, struct semid_ds *ds, const struct action *act)
{
    union sysv_ds u;
    if (!sysv_stat_or_reply(rq, SYSV_SEM, semid, &u, act)) return false;
    *ds = u.sem;
    return true;
}

static void encode_sem_stat(unsigned char *p, int semid, const struct semid_ds *ds)
{
    memset(p, 0, SEM_STAT_BYTES);
    put_i32(p + 0, ds->sem_perm.__key);
    put_i32(p + 4, semid);
    put_u32(p + 8, ds->sem_perm.mode);
    put_u32(p + 12, ds->sem_perm.uid);
    put_u32(p + 16, ds->sem_perm.gid);
    put_u32(p + 20, ds->sem_perm.cuid);
    put_u32(p + 24, ds->sem_perm.cgid);
    put_u32(p + 28, ds->sem_nsems > UINT32_MAX ? UINT32_MAX : (uint32_t)ds->sem_nsems);
    put_i64(p + 32, sysv_time(ds->sem_otime));
    put_i64(p + 40, sysv_time(ds->sem_ctime));
}

void reply_sem_stat(const struct request *rq, int semid, const struct semid_ds *ds)
{
    unsigned char record[SEM_STAT_BYTES];
    encode_sem_stat(record, semid, ds);
    reply_ok(rq, record, sizeof record);
}

void op_sem_stat(const struct request *rq)
{
    static const struct action act = {"reading the status of", "read the status of"};
    int semid = get_i32(rq->args);
    struct semid_ds ds;
    if (sem_stat_or_reply(rq, semid, &ds, &act)) reply_sem_stat(rq, semid, &ds);
}

/* SemStat, then for each semaphore its value (GETALL, one call for the whole set, so the values
 * are one consistent snapshot), the pid of its last semop (GETPID) and its waiters (GETNCNT,
 * GETZCNT). Every one of these needs read permission only; none changes anything. */
void op_sem_values(const struct request *rq)
{
    static const struct action act = {"reading the values of", "read"};
    int semid = get_i32(rq->args);
    struct semid_ds ds;
    if (!sem_stat_or_reply(rq, semid, &ds, &act)) return;
    uint64_t nsems = ds.sem_nsems;
    if (nsems > (MAX_READ - SEM_STAT_BYTES) / SEM_VALUE_BYTES) {
        reply_error(rq, E2BIG, "semaphore set %d has %" PRIu64 " semaphores; the helper reports at most %u per set",
                    semid, nsems, (MAX_READ - SEM_STAT_BYTES) / SEM_VALUE_BYTES);
        return;
    }
    /* GETALL writes as many values as the set behind semid has when it runs. Should the id name
     * another set by then (removed and made again after the id's sequence number wrapped), that
     * one has at most kernel.semmsl semaphores: the buffer has room for that many. */
    uint64_t room = nsems;
    struct seminfo info;
    union semun iarg = {.__buf = &info};
    if (semctl(0, 0, IPC_INFO, iarg) >= 0 && info.semmsl > 0 && (uint64_t)info.semmsl > room) room = (uint64_t)info.semmsl;
    unsigned short *values = calloc((size_t)room + 1, sizeof *values);
    size_t length = SEM_STAT_BYTES + (size_t)nsems * SEM_VALUE_BYTES;
    unsigned char *out = malloc(length);
    if (!values || !out) {
        reply_error(rq, ENOMEM, "no memory for the values of semaphore set %d (%" PRIu64 " semaphores)", semid, nsems);
        goto out;
    }
    union semun varg = {.array = values};
    if (nsems > 0 && semctl(semid, 0, GETALL, varg) < 0) {
        reply_sysv_error(rq, errno, SYSV_SEM, semid, &act);
        goto out;
    }
    encode_sem_stat(out, semid, &ds);
    for (uint64_t i = 0; i < nsems; i++) {
        int num = (int)i;
        int pid = semctl(semid, num, GETPID);
        int ncnt = pid < 0 ? -1 : semctl(semid, num, GETNCNT);
        int zcnt = ncnt < 0 ? -1 : semctl(semid, num, GETZCNT);
        if (zcnt < 0) {
            reply_sysv_error(rq, errno, SYSV_SEM, semid, &act);
            goto out;
        }
        unsigned char *r = out + SEM_STAT_BYTES + i * SEM_VALUE_BYTES;
        put_i32(r, values[i]);
        put_i32(r + 4, pid);
        put_u32(r + 8, (uint32_t)ncnt);
        put_u32(r + 12, (uint32_t)zcnt);
    }
    reply_ok(rq, out, length);
out:
    free(values);
    free(out);
}

/* The kernel.sem limits in words, for ENOSPC and EINVAL messages. */
static void sem_limits_text(char *buf, size_t size)
{
    struct seminfo info;
    union semun arg = {.__buf = &info};
    if (semctl(0, 0, IPC_INFO, arg) >= 0) {
        snprintf(buf, size, "kernel.sem is SEMMSL %d semaphores per set, SEMMNS %d in all, SEMOPM %d, SEMMNI %d sets",
                 info.semmsl, info.semmns, info.semopm, info.semmni);
    } else {
        snprintf(buf, size, "see kernel.sem (SEMMSL SEMMNS SEMOPM SEMMNI)");
    }
}

/* Why semget(IPC_CREAT) said EINVAL: nsems outside 1 .. semmsl, or an existing set with fewer
 * semaphores (whose size every user can see through SEM_STAT_ANY, also one it may not read). */
static void reply_sem_create_invalid(const struct request *rq, int32_t key, uint32_t nsems)
{
    char limits[160];
    sem_limits_text(limits, sizeof limits);
    int existing = key == IPC_PRIVATE ? -1 : semget(key, 0, 0);
    union sysv_ds u;
    union semun arg = {.buf = &u.sem};
    if (existing >= 0) {
        bool readable = semctl(existing, 0, IPC_STAT, arg) == 0;
        int err = errno;
        if (readable || sysv_stat_any(SYSV_SEM, existing, &u)) {
            const struct semid_ds *ds = &u.sem;
            if (ds->sem_nsems < nsems) {
                reply_error(rq, EINVAL, "semaphore set %d with key 0x%08x already exists and has only %lu semaphores, "
                            "fewer than the %" PRIu32 " asked for%s", existing, (unsigned)key,
                            (unsigned long)ds->sem_nsems, nsems,
                            readable ? "" : " (this user may not read the set, but its size is listed for everyone)");
                return;
            }
        } else if (err == EACCES) {
            reply_error(rq, EINVAL, "a semaphore set with key 0x%08x exists (id %d) and this user may not read its "
                        "size; asking for %" PRIu32 " semaphores fails: choose another key, or ask its owner",
                        (unsigned)key, existing, nsems);
            return;
        }
    }
    reply_error(rq, EINVAL, "%" PRIu32 " semaphores is outside the allowed 1 to SEMMSL per set (%s)", nsems, limits);
}

/* semget, telling "created now" from "opened an existing set": IPC_EXCL first, then (not
 * exclusive) an open of the existing one; a few attempts in case it is removed between the two. */
static int sem_get(int32_t key, uint32_t nsems, uint32_t create_mode, uint32_t mode, bool exclusive, bool *created)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        int id = semget(key, (int)nsems, IPC_CREAT | IPC_EXCL | (int)(create_mode & 0777));
        if (id >= 0) {
            *created = true;
            return id;
        }
        if (errno != EEXIST || exclusive || key == IPC_PRIVATE) return -1;
        id = semget(key, (int)nsems, (int)(mode & 0777)); /* the permissions asked for are checked */
        if (id >= 0) {
            *created = false;
            return id;
        }
        if (errno != ENOENT) return -1;
    }
    errno = EAGAIN;
    return -1;
}

void op_sem_create(const struct request *rq)
{
    int32_t key = get_i32(rq->args);
    uint32_t nsems = get_u32(rq->args + 4);
    uint32_t mode = get_u32(rq->args + 8);
    uint32_t flags = get_u32(rq->args + 12);
    bool with_values = rq->arglen > ARG_BYTES_SEM_CREATE; /* the length (2 * nsems) was checked by dispatch() */
    if ((flags & ~1u) != 0) {
        reply_error(rq, EINVAL, "SEM_CREATE: flags may only have bit 0 (exclusive) set, got 0x%x", flags);
        return;
    }
    if (nsems > INT_MAX) {
        reply_error(rq, EINVAL, "%" PRIu32 " semaphores is more than any set can have", nsems);
        return;
    }
    unsigned short *values = NULL;
    if (with_values) {
        values = calloc(nsems, sizeof *values);
        if (!values) {
            reply_error(rq, ENOMEM, "no memory for %" PRIu32 " initial values", nsems);
            return;
        }
        for (uint32_t i = 0; i < nsems; i++) {
            uint16_t v = get_u16(rq->args + ARG_BYTES_SEM_CREATE + 2 * i);
            if (v > SEMVMX_VALUE) {
                reply_error(rq, ERANGE, "initial value %u of semaphore %" PRIu32 " is above the largest a semaphore "
                            "holds (SEMVMX, %u); nothing was created", v, i, SEMVMX_VALUE);
                free(values);
                return;
            }
            values[i] = v;
        }
    }
    /* SETALL needs alter permission, which a mode without the owner's write bit denies even to
     * the creator: such a set is made owner-writable, given its values, then given its mode. */
    bool owner_cannot_write = with_values && (mode & 0200) == 0;
    bool created = false;
    int semid = sem_get(key, nsems, owner_cannot_write ? (mode & 0777) | 0600 : mode, mode, (flags & 1u) != 0, &created);
    if (semid < 0) {
        int err = errno;
        char limits[256], text[160];
        if (err == EINVAL) {
            reply_sem_create_invalid(rq, key, nsems);
        } else {
            sem_limits_text(text, sizeof text);
            snprintf(limits, sizeof limits, "too many semaphore sets (SEMMNI) or semaphores in all (SEMMNS): %s",
                     text);
            reply_get_error(rq, err, SYSV_SEM, key, limits);
        }
        free(values);
        return;
    }
    if (created && with_values && nsems > 0) {
        union semun arg = {.array = values};
        const char *step = NULL;
        int err = 0;
        if (semctl(semid, 0, SETALL, arg) < 0) {
            err = errno;
            step = "setting the initial values of";
        } else if (owner_cannot_write) {
            struct semid_ds ds;
            union semun sarg = {.buf = &ds};
            if (semctl(semid, 0, IPC_STAT, sarg) < 0) {
                err = errno;
                step = "checking";
            } else {
                ds.sem_perm.mode = (unsigned short)(mode & 0777);
                if (semctl(semid, 0, IPC_SET, sarg) < 0) {
                    err = errno;
                    step = "setting the mode of";
                }
            }
        }
        if (err) {
            semctl(semid, 0, IPC_RMID); /* do not leave a half-made set behind */
            reply_error(rq, err, "%s the new semaphore set %d failed: %s; the set was removed again", step, semid,
                        strerror(err));
            free(values);
            return;
        }
    }
    free(values);
    reply_created_id(rq, created, semid);
}

void op_sem_remove(const struct request *rq)
{
    static const struct action act = {"removing", "remove"};
    int semid = get_i32(rq->args);
    if (semctl(semid, 0, IPC_RMID) < 0) {
        reply_sysv_error(rq, errno, SYSV_SEM, semid, &act);
        return;
    }
    reply_ok(rq, NULL, 0);
}
