/* What the three System V kinds share (see sysv.h), like util-linux's ipcutils.c for ipcs, ipcrm
 * and lsipc: the object as every user may see it, one error path for every failed call on an
 * existing object, the create errors, and the one SET operation (SHM_SET, SEM_SET, MSG_SET), which
 * differ only in the system call and, for a queue, its capacity. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "sysv.h"
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif

const char *sysv_noun(enum sysv_kind kind)
{
    return kind == SYSV_SHM ? "segment" : kind == SYSV_SEM ? "semaphore set" : "message queue";
}

/* ------------------------------------------------------------------------------------------------
 * The object as every user may see it.
 */

/* A segment's line of /proc/sysvipc/shm as a shmid_ds. Every user can read that file, even for
 * segments whose IPC_STAT they are denied. (SHM_STAT_ANY would do the same on Linux 4.17 and
 * later, but qemu-user, where the foreign helpers are tested, does not pass it through.) */
static bool shm_proc_stat(int shmid, struct shmid_ds *ds)
{
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    if (!f) return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        int key, id, cpid, lpid;
        unsigned mode, uid, gid, cuid, cgid;
        unsigned long long size, nattch;
        long long atime, dtime, ctime;
        if (sscanf(line, "%d %d %o %llu %d %d %llu %u %u %u %u %lld %lld %lld", &key, &id, &mode, &size, &cpid, &lpid,
                   &nattch, &uid, &gid, &cuid, &cgid, &atime, &dtime, &ctime) != 14 || id != shmid) {
            continue;
        }
        memset(ds, 0, sizeof *ds);
        ds->shm_perm.__key = key;
        ds->shm_perm.mode = (unsigned short)mode;
        ds->shm_perm.uid = uid;
        ds->shm_perm.gid = gid;
        ds->shm_perm.cuid = cuid;
        ds->shm_perm.cgid = cgid;
        ds->shm_segsz = (size_t)size;
        ds->shm_cpid = cpid;
        ds->shm_lpid = lpid;
        ds->shm_nattch = (shmatt_t)nattch;
        ds->shm_atime = (time_t)atime;
        ds->shm_dtime = (time_t)dtime;
        ds->shm_ctime = (time_t)ctime;
        found = true;
    }
    fclose(f);
    return found;
}

/* *_STAT_ANY take an index, not an id: the id's low bits (15 of them, or 24 with the
 * ipcmni_extend boot option). Both are tried; the id the kernel returns must be ours. */
static bool stat_any_by_index(enum sysv_kind kind, int id, union sysv_ds *ds)
{
    if (id < 0) return false;
    int index[2] = {id & 0x7fff, id & 0xffffff};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && index[1] == index[0]) break;
        union semun arg = {.buf = &ds->sem};
        int got = kind == SYSV_SEM ? semctl(index[i], 0, SEM_STAT_ANY, arg) : msgctl(index[i], MSG_STAT_ANY, &ds->msg);
        if (got == id) return true;
    }
    return false;
}

bool sysv_stat_any(enum sysv_kind kind, int id, union sysv_ds *ds)
{
    return kind == SYSV_SHM ? shm_proc_stat(id, &ds->shm) : stat_any_by_index(kind, id, ds);
}

static struct ipc_perm *perm_of(enum sysv_kind kind, union sysv_ds *ds)
{
    return kind == SYSV_SHM ? &ds->shm.shm_perm : kind == SYSV_SEM ? &ds->sem.sem_perm : &ds->msg.msg_perm;
}

static int ipc_stat(enum sysv_kind kind, int id, union sysv_ds *ds)
{
    union semun arg = {.buf = &ds->sem};
    return kind == SYSV_SHM ? shmctl(id, IPC_STAT, &ds->shm)
           : kind == SYSV_SEM ? semctl(id, 0, IPC_STAT, arg)
                              : msgctl(id, IPC_STAT, &ds->msg);
}

static int ipc_set(enum sysv_kind kind, int id, union sysv_ds *ds)
{
    union semun arg = {.buf = &ds->sem};
    return kind == SYSV_SHM ? shmctl(id, IPC_SET, &ds->shm)
           : kind == SYSV_SEM ? semctl(id, 0, IPC_SET, arg)
                              : msgctl(id, IPC_SET, &ds->msg);
}

/* ------------------------------------------------------------------------------------------------
 * Errors.
 */

void reply_sysv_error(const struct request *rq, int err, enum sysv_kind kind, int id, const struct action *act)
{
    const char *noun = sysv_noun(kind);
    unsigned me = (unsigned)geteuid();
    bool lock = rq->op == OP_SHM_LOCK || rq->op == OP_SHM_UNLOCK;
    union sysv_ds o;
    switch (err) {
    case EINVAL:
        reply_error(rq, EINVAL, "no %s with id %d (removed?)", noun, id);
        break;
    case EIDRM:
        reply_error(rq, EIDRM, "no %s with id %d (removed?): it was removed while %s it", noun, id, act->gerund);
        break;
    case EACCES:
        if (sysv_stat_any(kind, id, &o)) {
            const struct ipc_perm *p = perm_of(kind, &o);
            bool mine = p->uid == me || p->cuid == me;
            reply_error(rq, EACCES, "permission denied %s %s %d (mode %04o, owner uid %u, group gid %u; this helper "
                        "runs as uid %u): %s", act->gerund, noun, id, p->mode & 0777u, (unsigned)p->uid,
                        (unsigned)p->gid, me,
                        mine ? "you own it, so Change Permissions can give you read access back"
                             : "its owner can grant read access with Change Permissions, or run as root");
        } else {
            reply_error(rq, EACCES, "permission denied %s %s %d (this helper runs as uid %u)", act->gerund, noun, id,
                        me);
        }
        break;
    case EPERM: {
        const char *who = lock ? "the owner or creator (with a non-zero RLIMIT_MEMLOCK) or a process with CAP_IPC_LOCK"
                               : "the owner, the creator or root (CAP_SYS_ADMIN)";
        if (sysv_stat_any(kind, id, &o)) {
            const struct ipc_perm *p = perm_of(kind, &o);
            reply_error(rq, EPERM, "operation not permitted %s %s %d: it is owned by uid %u (created by uid %u) and "
                        "this helper runs as uid %u; only %s may %s it", act->gerund, noun, id, (unsigned)p->uid,
                        (unsigned)p->cuid, me, who, act->verb);
        } else {
            reply_error(rq, EPERM, "operation not permitted %s %s %d: only %s may %s it", act->gerund, noun, id, who,
                        act->verb);
        }
        break;
    }
    case ENOMEM:
        if (rq->op == OP_SHM_LOCK) {
            reply_error(rq, ENOMEM, "locking segment %d would exceed this process's RLIMIT_MEMLOCK", id);
        } else {
            reply_error(rq, ENOMEM, "not enough memory or address space %s %s %d", act->gerund, noun, id);
        }
        break;
    default:
        reply_error(rq, err, "%s %s %d failed: %s", act->gerund, noun, id, strerror(err));
        break;
    }
}

bool sysv_stat_or_reply(const struct request *rq, enum sysv_kind kind, int id, union sysv_ds *ds,
                        const struct action *act)
{
    if (ipc_stat(kind, id, ds) == 0) return true;
    reply_sysv_error(rq, errno, kind, id, act);
    return false;
}

bool sysv_stat_for_owner_or_reply(const struct request *rq, enum sysv_kind kind, int id, union sysv_ds *ds,
                                  const struct action *act)
{
    if (ipc_stat(kind, id, ds) == 0) return true;
    int err = errno;
    if (err == EACCES && sysv_stat_any(kind, id, ds)) return true;
    reply_sysv_error(rq, err, kind, id, act);
    return false;
}

void reply_get_error(const struct request *rq, int err, enum sysv_kind kind, int32_t key, const char *limits)
{
    const char *noun = sysv_noun(kind);
    switch (err) {
    case EEXIST:
        reply_error(rq, EEXIST, "a %s with key 0x%08x already exists (exclusive create)", noun, (unsigned)key);
        break;
    case ENOSPC:
        reply_error(rq, ENOSPC, "system limit reached: %s; remove unused ones (ipcrm) or raise the limit", limits);
        break;
    case ENOMEM:
        reply_error(rq, ENOMEM, "not enough memory to create a %s", noun);
        break;
    case EACCES:
        reply_error(rq, EACCES, "a %s with key 0x%08x exists and this helper (uid %u) may not access it with the "
                    "mode asked for", noun, (unsigned)key, (unsigned)geteuid());
        break;
    case EAGAIN:
        reply_error(rq, EAGAIN, "a %s with key 0x%08x kept appearing and disappearing while creating it; try again",
                    noun, (unsigned)key);
        break;
    default:
        reply_error(rq, err, "creating a %s with key 0x%08x failed: %s", noun, (unsigned)key, strerror(err));
        break;
    }
}

void reply_created_id(const struct request *rq, bool created, int id)
{
    unsigned char payload[8];
    put_u32(payload, created ? 1u : 0u);
    put_i32(payload + 4, id);
    reply_ok(rq, payload, sizeof payload);
}

/* ------------------------------------------------------------------------------------------------
 * Owners not mapped into our user namespace. IPC_STAT reports an owner that has no id in the
 * caller's user namespace as the overflow id (kernel.overflowuid / overflowgid, 65534). IPC_SET
 * takes the whole ipc_perm, so "change only the mode" writes back the uid and gid it read: the
 * overflow id, which either is not valid here (EINVAL, read as "no such object") or is a real user
 * of this namespace, who is then given the object. So when a kept uid or gid is the overflow id
 * and could stand for an unmapped owner, nothing is written.
 */

enum mapping { ID_MAPPED, ID_UNMAPPED, ID_AMBIGUOUS };

/* What an id equal to the overflow id stands for, from /proc/self/uid_map (gid_map): in the initial
 * user namespace (every id mapped) nothing is ever shown as the overflow id, so it is the real
 * user; in another namespace it is an unmapped owner when the overflow id has no mapping here, and
 * cannot be told apart from the real one when it has. */
static enum mapping overflow_mapping(uint32_t value, bool group)
{
    uint32_t overflow = (uint32_t)read_proc_number(group ? "/proc/sys/kernel/overflowgid" : "/proc/sys/kernel/overflowuid",
                                                   65534);
    if (value != overflow) return ID_MAPPED;
    FILE *f = fopen(group ? "/proc/self/gid_map" : "/proc/self/uid_map", "re");
    if (!f) return ID_AMBIGUOUS;
    unsigned long long inside, outside, count, total = 0;
    bool mapped = false;
    while (fscanf(f, "%llu %llu %llu", &inside, &outside, &count) == 3) {
        total += count;
        if (value >= inside && value - inside < count) mapped = true;
    }
    fclose(f);
    if (total >= 0xffffffffull) return ID_MAPPED; /* the initial user namespace: no id is unmapped */
    return mapped ? ID_AMBIGUOUS : ID_UNMAPPED;
}

/* Before an IPC_SET that keeps the uid (uid == KEEP) or the gid: refuses with EOVERFLOW when the
 * value to be written back is the overflow id of an owner that may not be mapped here. `what`
 * names the object ("segment 5"). Returns true when the write-back is safe. */
static bool write_back_ok_or_reply(const struct request *rq, const char *what, uint32_t uid, uint32_t gid,
                                   uint32_t cur_uid, uint32_t cur_gid)
{
    bool group = false;
    enum mapping m = uid == KEEP ? overflow_mapping(cur_uid, false) : ID_MAPPED;
    if (m == ID_MAPPED && gid == KEEP) {
        m = overflow_mapping(cur_gid, true);
        group = true;
    }
    if (m == ID_MAPPED) return true;
    const char *field = group ? "group" : "owner";
    reply_error(rq, EOVERFLOW, "%s: its %s shows as %s %u, the overflow id (kernel.overflow%s): %s; writing it back "
                "would give the object away, so nothing was changed (give the %s explicitly, or change it from a "
                "user namespace where its %s is mapped)", what, field, group ? "gid" : "uid", group ? cur_gid : cur_uid,
                group ? "gid" : "uid",
                m == ID_UNMAPPED ? (group ? "the group is not mapped into this user namespace"
                                          : "the owner is not mapped into this user namespace")
                                 : (group ? "the group may not be mapped into this user namespace (the overflow id is "
                                            "also a group here, so the helper cannot tell)"
                                          : "the owner may not be mapped into this user namespace (the overflow id is "
                                            "also a user here, so the helper cannot tell)"),
                group ? "gid" : "uid", field);
    return false;
}

/* ------------------------------------------------------------------------------------------------
 * SHM_SET, SEM_SET, MSG_SET: i32 id, u32 uid, u32 gid, u32 mode (KEEP: as it is), and for a queue
 * u64 qbytes (KEEP64: as it is). IPC_SET is checked by ownership, so an owner without read
 * permission gets the current values from sysv_stat_any(). The reply is the kind's stat after.
 */

static void reply_sysv_stat(const struct request *rq, enum sysv_kind kind, int id, const union sysv_ds *ds)
{
    if (kind == SYSV_SHM) reply_shm_stat(rq, id, &ds->shm);
    else if (kind == SYSV_SEM) reply_sem_stat(rq, id, &ds->sem);
    else reply_msg_stat(rq, id, &ds->msg);
}

/* Why IPC_SET failed, in words (errno in err). */
static void reply_set_error(const struct request *rq, int err, enum sysv_kind kind, int id, uint32_t uid, uint32_t gid,
                            uint64_t qbytes, uint64_t qbytes_before, const struct action *act)
{
    union sysv_ds now;
    bool exists = sysv_stat_any(kind, id, &now);
    if (kind == SYSV_MSG && err == EPERM && exists && qbytes != KEEP64 && qbytes > qbytes_before) {
        unsigned me = (unsigned)geteuid();
        uint64_t msgmnb = read_proc_number("/proc/sys/kernel/msgmnb", 0);
        if ((now.msg.msg_perm.uid == me || now.msg.msg_perm.cuid == me) && qbytes > msgmnb) {
            reply_error(rq, EPERM, "raising the capacity of message queue %d to %" PRIu64 " bytes, above kernel.msgmnb "
                        "(%" PRIu64 "), needs CAP_SYS_RESOURCE; nothing was changed", id, qbytes, msgmnb);
            return;
        }
    }
    if (err == EINVAL && exists && (uid != KEEP || gid != KEEP)) {
        reply_error(rq, EINVAL, "uid %u / gid %u is not valid here (not mapped in this user namespace)", uid, gid);
        return;
    }
    reply_sysv_error(rq, err, kind, id, act);
}

void op_sysv_set(const struct request *rq)
{
    static const struct action act = {"changing", "change"};
    enum sysv_kind kind = rq->op == OP_SHM_SET ? SYSV_SHM : rq->op == OP_SEM_SET ? SYSV_SEM : SYSV_MSG;
    int id = get_i32(rq->args);
    uint32_t uid = get_u32(rq->args + 4);
    uint32_t gid = get_u32(rq->args + 8);
    uint32_t mode = get_u32(rq->args + 12);
    uint64_t qbytes = kind == SYSV_MSG ? get_u64(rq->args + 16) : KEEP64;
    if (qbytes != KEEP64 && qbytes > (uint64_t)LONG_MAX) {
        reply_error(rq, EINVAL, "a capacity of %" PRIu64 " bytes is more than a queue can have", qbytes);
        return;
    }
    union sysv_ds ds;
    if (!sysv_stat_for_owner_or_reply(rq, kind, id, &ds, &act)) return;
    struct ipc_perm *perm = perm_of(kind, &ds);
    char what[48];
    snprintf(what, sizeof what, "%s %d", sysv_noun(kind), id);
    if (!write_back_ok_or_reply(rq, what, uid, gid, perm->uid, perm->gid)) return;
    if (uid != KEEP) perm->uid = uid;
    if (gid != KEEP) perm->gid = gid;
    if (mode != KEEP) perm->mode = (unsigned short)((perm->mode & ~0777u) | (mode & 0777u));
    uint64_t qbytes_before = kind == SYSV_MSG ? (uint64_t)ds.msg.msg_qbytes : 0;
    if (qbytes != KEEP64) ds.msg.msg_qbytes = (msglen_t)qbytes;
    if (ipc_set(kind, id, &ds) < 0) {
        reply_set_error(rq, errno, kind, id, uid, gid, qbytes, qbytes_before, &act);
        return;
    }
    if (sysv_stat_for_owner_or_reply(rq, kind, id, &ds, &act)) reply_sysv_stat(rq, kind, id, &ds);
}
