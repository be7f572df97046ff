/* System V shared memory attachments: the one place that calls shmat(), always with SHM_RDONLY
 * (attach_readonly()), and everything that keeps an attachment: the read cache (so a contents view
 * refreshing at 10 Hz does not attach ten times a second), the holds the client keeps on purpose
 * (SHM_ATTACH / SHM_DETACH), and views of a segment for one read. Mappings are `const`
 * everywhere: nothing is ever written through one. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include <errno.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include "helper.h"
#include "shm.h"
#include "sysv.h"

#define CACHE_SLOTS 64                      /* read attachments kept at most (LRU beyond that) */
#define CACHE_IDLE_NS 2000000000ull         /* a read attachment unused this long is dropped */
#define CACHE_CHECK_NS 250000000ull         /* how often cached segments are checked for SHM_DEST */
#define MAX_HELD_SEGMENTS 4096              /* distinct segments with holds (shmmni's default) */

/* ------------------------------------------------------------------------------------------------
 * Attaching. The one place that calls shmat(), always with SHM_RDONLY.
 */

static const unsigned char *attach_readonly(int shmid)
{
    void *base = shmat(shmid, NULL, SHM_RDONLY);
    return base == (void *)-1 ? NULL : (const unsigned char *)base;
}

static void detach(const unsigned char *base)
{
    shmdt(base);
}

/* ------------------------------------------------------------------------------------------------
 * Read attachment cache. Attaching costs two syscalls and changes the segment's lpid/atime, so a
 * contents view refreshing at 10 Hz should not attach ten times a second. An entry is reused while
 * IPC_STAT shows the same size, ctime, mode, uid, gid and cuid and no SHM_DEST (ctime has a
 * resolution of one second, so an IPC_SET within the second of the attach leaves it unchanged:
 * the permission fields themselves are compared too); it is dropped when idle for 2 s, when any
 * of those changed, when the segment is marked SHM_DEST (our attachment must never be what keeps
 * a removed segment alive; checked every 250 ms, see cache_maintain()) and before SHM_REMOVE /
 * SHM_REMOVE_IF_UNATTACHED. At most CACHE_SLOTS entries.
 */

struct cached_map {
    bool used;
    int shmid;
    const unsigned char *base;
    uint64_t size;  /* shm_segsz of the attached segment */
    int64_t ctime;  /* shm_ctime when attached */
    uint32_t mode;  /* shm_perm.mode without SHM_DEST, when attached */
    uint32_t uid, gid, cuid;
    uint64_t last_used_ns;
};

/* Whether IPC_STAT's *ds still describes the segment as it was when entry e attached it. */
static bool cache_unchanged(const struct cached_map *e, const struct shmid_ds *ds)
{
    return e->size == ds->shm_segsz && e->ctime == sysv_time(ds->shm_ctime) &&
           e->mode == (ds->shm_perm.mode & ~(uint32_t)SHM_DEST) && e->uid == ds->shm_perm.uid &&
           e->gid == ds->shm_perm.gid && e->cuid == ds->shm_perm.cuid;
}

static struct cached_map cache[CACHE_SLOTS];

static struct cached_map *cache_find(int shmid)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].used && cache[i].shmid == shmid) return &cache[i];
    }
    return NULL;
}

bool cache_has(int shmid)
{
    return cache_find(shmid) != NULL;
}

static void cache_drop(struct cached_map *e)
{
    detach(e->base);
    e->used = false;
}

void cache_drop_id(int shmid)
{
    struct cached_map *e = cache_find(shmid);
    if (e) cache_drop(e);
}

/* A free slot, evicting the least recently used entry when all are taken. */
static struct cached_map *cache_slot(void)
{
    struct cached_map *oldest = &cache[0];
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!cache[i].used) return &cache[i];
        if (cache[i].last_used_ns < oldest->last_used_ns) oldest = &cache[i];
    }
    cache_drop(oldest);
    return oldest;
}

static uint64_t next_check_ns;

/* Drops entries idle for CACHE_IDLE_NS and, every CACHE_CHECK_NS, those whose segment was marked
 * SHM_DEST or changed (ctime) by someone else meanwhile: a segment removed with `ipcrm` while we
 * had it cached goes away within a quarter second, not when we next happen to read it. */
void cache_maintain(uint64_t now)
{
    bool check = now >= next_check_ns;
    if (check) next_check_ns = now + CACHE_CHECK_NS;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        struct cached_map *e = &cache[i];
        if (!e->used) continue;
        if (now - e->last_used_ns >= CACHE_IDLE_NS) {
            cache_drop(e);
            continue;
        }
        struct shmid_ds ds;
        if (check && (shmctl(e->shmid, IPC_STAT, &ds) < 0 || (ds.shm_perm.mode & SHM_DEST) != 0 ||
                      !cache_unchanged(e, &ds))) {
            cache_drop(e);
        }
    }
}

/* Milliseconds until cache_maintain() has something to do, or -1 (wait forever) when nothing is
 * cached. */
int cache_timeout_ms(uint64_t now)
{
    uint64_t soonest = UINT64_MAX;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!cache[i].used) continue;
        uint64_t age = now - cache[i].last_used_ns;
        uint64_t left = age >= CACHE_IDLE_NS ? 0 : CACHE_IDLE_NS - age;
        if (left < soonest) soonest = left;
    }
    if (soonest == UINT64_MAX) return -1;
    uint64_t to_check = next_check_ns > now ? next_check_ns - now : 0;
    if (to_check < soonest) soonest = to_check;
    return (int)((soonest + 999999) / 1000000);
}

/* ------------------------------------------------------------------------------------------------
 * Holds: attachments the client keeps on purpose (SHM_ATTACH / SHM_DETACH). One real attachment per
 * segment with a count, so nattch goes up by one however many windows hold it.
 */

struct hold {
    int shmid;
    uint32_t count;
    const unsigned char *base;
    uint64_t size;
};

static struct hold *holds;
static size_t hold_count, hold_capacity;

static struct hold *hold_find(int shmid)
{
    for (size_t i = 0; i < hold_count; i++) {
        if (holds[i].shmid == shmid) return &holds[i];
    }
    return NULL;
}

bool hold_has(int shmid)
{
    return hold_find(shmid) != NULL;
}

static struct hold *hold_add(void)
{
    if (hold_count == hold_capacity) {
        size_t capacity = hold_capacity ? hold_capacity * 2 : 16;
        struct hold *grown = realloc(holds, capacity * sizeof *grown);
        if (!grown) return NULL;
        holds = grown;
        hold_capacity = capacity;
    }
    return &holds[hold_count++];
}

static void hold_remove(struct hold *h)
{
    detach(h->base);
    *h = holds[--hold_count];
}

/* Everything this process holds goes away at exit anyway; doing it explicitly keeps the segments'
 * dtime/lpid honest and LeakSanitizer quiet. */
void release_all(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].used) cache_drop(&cache[i]);
    }
    while (hold_count > 0) hold_remove(&holds[hold_count - 1]);
    free(holds);
    holds = NULL;
    hold_capacity = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Views (shm.h).
 */

int view_open(int shmid, struct shmid_ds *ds, struct view *v)
{
    bool dest = (ds->shm_perm.mode & SHM_DEST) != 0;
    struct hold *h = hold_find(shmid);
    if (h) { /* a hold is attached on purpose and cannot change identity while attached */
        *v = (struct view){.base = h->base, .size = h->size, .temporary = false};
        return 0;
    }
    struct cached_map *e = cache_find(shmid);
    if (e && e->size == ds->shm_segsz && (dest || cache_unchanged(e, ds))) {
        /* Same segment. A DEST one is used this once and then let go. */
        *v = (struct view){.base = e->base, .size = e->size, .temporary = dest};
        if (dest) e->used = false; /* ownership of the attachment moves to the view */
        else e->last_used_ns = now_ns();
        return 0;
    }
    if (e) cache_drop(e); /* changed since we attached: start over */

    const unsigned char *base = attach_readonly(shmid);
    if (!base) return errno;
    if (shmctl(shmid, IPC_STAT, ds) < 0) {
        int err = errno;
        detach(base);
        return err;
    }
    *v = (struct view){.base = base, .size = ds->shm_segsz, .temporary = (ds->shm_perm.mode & SHM_DEST) != 0};
    if (!v->temporary) {
        struct cached_map *slot = cache_slot();
        *slot = (struct cached_map){.used = true, .shmid = shmid, .base = base, .size = ds->shm_segsz,
                                    .ctime = sysv_time(ds->shm_ctime),
                                    .mode = ds->shm_perm.mode & ~(uint32_t)SHM_DEST, .uid = ds->shm_perm.uid,
                                    .gid = ds->shm_perm.gid, .cuid = ds->shm_perm.cuid, .last_used_ns = now_ns()};
    }
    return 0;
}

void view_close(struct view *v)
{
    if (v->temporary && v->base) detach(v->base);
    v->base = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * SHM_ATTACH and SHM_DETACH.
 */

static void reply_holds(const struct request *rq, uint32_t count)
{
    unsigned char payload[4];
    put_u32(payload, count);
    reply_ok(rq, payload, sizeof payload);
}

void op_shm_attach(const struct request *rq)
{
    static const struct action act = {"attaching", "attach"};
    int shmid = get_i32(rq->args);
    struct hold *h = hold_find(shmid);
    if (h) {
        if (h->count == UINT32_MAX) {
            reply_error(rq, EOVERFLOW, "segment %d already has the maximum number of holds", shmid);
            return;
        }
        reply_holds(rq, ++h->count);
        return;
    }
    if (hold_count >= MAX_HELD_SEGMENTS) {
        reply_error(rq, ENOSPC, "this helper already holds %d segments; detach some first", MAX_HELD_SEGMENTS);
        return;
    }
    const unsigned char *base = attach_readonly(shmid);
    struct shmid_ds ds;
    if (!base || shmctl(shmid, IPC_STAT, &ds) < 0) {
        int err = errno;
        if (base) detach(base);
        reply_sysv_error(rq, err, SYSV_SHM, shmid, &act);
        return;
    }
    cache_drop_id(shmid); /* reads now go through the hold; one attachment is enough */
    if (!(h = hold_add())) {
        detach(base);
        reply_error(rq, ENOMEM, "no memory to record a hold on segment %d", shmid);
        return;
    }
    *h = (struct hold){.shmid = shmid, .count = 1, .base = base, .size = ds.shm_segsz};
    reply_holds(rq, 1);
}

void op_shm_detach(const struct request *rq)
{
    int shmid = get_i32(rq->args);
    struct hold *h = hold_find(shmid);
    if (!h) {
        reply_error(rq, EINVAL, "this helper holds no attachment of segment %d", shmid);
        return;
    }
    uint32_t left = --h->count;
    if (left == 0) hold_remove(h);
    reply_holds(rq, left);
}
