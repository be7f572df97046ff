// The real helper (AddressSanitizer + UBSan build) against the real kernel. Every segment is made
// or tracked through test/support/segments.ts, so it is removed even when a test fails.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { HelperError, HelperExitedError, HelperTimeoutError, type HelperSampler } from '../../../src/ipc/helperClient';
import { isPageResident, MAX_READ, MAX_SAMPLE_LENGTH, PROTOCOL_VERSION, type SampleTake } from '../../../src/ipc/helperProtocol';
import { isRoot, NOBODY, rejectsWith, TestHelper } from '../../support/helper';
import { cleanupPosixObjects, createObject, freshName, shmPath } from '../../support/posixObjects';
import { createSegment, dumpSegment, freshKey, holdSegment, procLine, repoRoot, trackSegment, writeSegment } from '../../support/segments';
import { cleanupSemMsg, ipctool, trackMsg } from '../../support/semMsg';

const SHM_DEST = 0o1000;
const SHM_LOCKED = 0o2000;
const PAGE = 4096;

/** Columns of /proc/sysvipc/shm, by name. */
function proc(shmid: number) {
  const cols = procLine(shmid);
  if (!cols) return undefined;
  return { key: Number(cols[0]), perms: parseInt(cols[2], 8), size: Number(cols[3]), nattch: Number(cols[6]), uid: Number(cols[7]), rss: Number(cols[14]) };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('ipc-helper against the real kernel', function () {
  let helper: TestHelper;
  let client: TestHelper['client'];

  beforeEach(function () {
    helper = new TestHelper();
    client = helper.client;
  });

  afterEach(function () {
    const reports = helper.sanitizerReports();
    helper.dispose();
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });

  it('answers the handshake with its protocol version, page size, identity and read limit', async function () {
    const hello = await client.hello();
    assert.equal(hello.protocolVersion, PROTOCOL_VERSION);
    assert.equal(hello.pageSize, PAGE);
    assert.equal(hello.euid, process.getuid!());
    assert.equal(hello.maxRead, MAX_READ);
    assert.match(hello.version, /^ipc-helper \d+\.\d+\.\d+/);
  });

  describe('create', function () {
    it('creates a segment with a chosen key, without attaching it', async function () {
      const key = freshKey();
      const made = await client.shmCreate(key, 12345, 0o640, true);
      assert.equal(made.created, true);
      const id = trackSegment(made.shmid);
      const row = proc(id);
      assert.ok(row, 'the new segment is in /proc/sysvipc/shm');
      assert.equal(row.key >>> 0, key);
      assert.equal(row.size, 12345);
      assert.equal(row.perms, 0o640);
      assert.equal(row.nattch, 0, 'create must not attach');
    });

    it('creates IPC_PRIVATE segments: key 0, a new one each time', async function () {
      const first = trackSegment((await client.shmCreate(0, 4096, 0o600, false)).shmid);
      const second = trackSegment((await client.shmCreate(0, 4096, 0o600, false)).shmid);
      assert.notEqual(first, second);
      assert.equal(proc(first)?.key, 0);
      assert.equal(proc(second)?.key, 0);
    });

    it('refuses an exclusive create on an existing key with EEXIST, and returns the existing id otherwise', async function () {
      const key = freshKey();
      const id = trackSegment((await client.shmCreate(key, 4096, 0o600, true)).shmid);
      await rejectsWith(client.shmCreate(key, 4096, 0o600, true), 'EEXIST');
      assert.deepEqual(await client.shmCreate(key, 4096, 0o600, false), { created: false, shmid: id }, 'found, not created');
    });

    it('refuses a zero size with EINVAL', async function () {
      await rejectsWith(client.shmCreate(0, 0, 0o600, false), 'EINVAL');
    });
  });

  describe('stat', function () {
    it('reports what the kernel shows in /proc/sysvipc/shm', async function () {
      const key = freshKey();
      const id = createSegment(key, 27, 0o644);
      const stat = await client.shmStat(id);
      const row = proc(id)!;
      assert.equal(stat.shmid, id);
      assert.equal(stat.key >>> 0, key);
      assert.equal(stat.size, 27);
      assert.equal(stat.mode & 0o777, 0o644);
      assert.equal(stat.uid, row.uid);
      assert.equal(stat.nattch, 0);
      assert.equal(stat.cpid, Number(procLine(id)![4]));
      assert.ok(Math.abs(stat.ctime - Date.now() / 1000) < 60, 'ctime is a recent epoch time');
    });

    it('fails cleanly for a shmid that does not exist', async function () {
      const id = createSegment('private', 4096);
      execFileSync('ipcrm', ['-m', String(id)]);
      const error = await rejectsWith(client.shmStat(id), 'EINVAL');
      assert.match(error.message, new RegExp(String(id)));
    });
  });

  describe('read', function () {
    it('reads back, byte for byte, what a separate program wrote', async function () {
      const id = createSegment('private', 27);
      const alphabet = Buffer.concat([Buffer.from('abcdefghijklmnopqrstuvwxyz'), Buffer.from([0])]);
      writeSegment(id, 0, alphabet);
      assert.deepEqual(await client.shmRead(id, 0, 27), alphabet);
    });

    it('reads any range, within a page and across pages', async function () {
      const size = 3 * PAGE + 57;
      const id = createSegment('private', size);
      const content = randomBytes(size);
      writeSegment(id, 0, content);
      for (const [offset, length] of [
        [0, size],
        [1, 1],
        [PAGE - 3, 10],
        [PAGE, PAGE],
        [size - 1, 1],
        [1000, 2 * PAGE + 5],
      ]) {
        assert.deepEqual(await client.shmRead(id, offset, length), content.subarray(offset, offset + length), `range ${offset}+${length}`);
      }
    });

    it('reads a range larger than one request (split and pipelined by the client)', async function () {
      const size = MAX_READ + 3 * PAGE;
      const id = createSegment('private', size);
      writeSegment(id, MAX_READ + 10, Buffer.from('tail marker'));
      const data = await client.shmReadRange(id, 0, size);
      assert.equal(data.length, size);
      assert.equal(data.subarray(MAX_READ + 10, MAX_READ + 21).toString(), 'tail marker');
    });

    it('refuses ranges past the end or of a bad length with a clear error, and goes on working', async function () {
      const id = createSegment('private', 12345);
      await rejectsWith(client.shmRead(id, 12340, 10), 'ERANGE', /12345/);
      await rejectsWith(client.shmRead(id, 12346, 1), 'ERANGE');
      await rejectsWith(client.shmRead(id, Number.MAX_SAFE_INTEGER, 1), 'ERANGE');
      await assert.rejects(client.shmRead(id, 0, 0), HelperError);
      await assert.rejects(client.shmRead(id, 0, MAX_READ + 1), HelperError);
      assert.equal((await client.shmRead(id, 12344, 1)).length, 1);
    });

    it('fails cleanly once the segment is removed, and never keeps a removed segment alive', async function () {
      const id = createSegment('private', 8192);
      await client.shmRead(id, 0, 16); // the helper now has a cached attachment
      execFileSync('ipcrm', ['-m', String(id)]);
      // The helper's cached attachment may let one more read through, but it must then let go.
      await client.shmRead(id, 0, 16).catch(() => undefined);
      assert.equal(proc(id), undefined, 'the removed segment is gone, not kept alive by the helper');
      const error = await rejectsWith(client.shmRead(id, 0, 16), 'EINVAL');
      assert.match(error.message, new RegExp(String(id)));
      assert.equal((await client.hello()).protocolVersion, PROTOCOL_VERSION);
    });

    it('says which attachment is its own read cache, and lets go of a removed segment on STAT', async function () {
      const id = createSegment('private', 4096);
      assert.equal((await client.shmStat(id)).cachedByHelper, 0);
      await client.shmRead(id, 0, 16);
      const stat = await client.shmStat(id);
      assert.equal(stat.nattch, 1);
      assert.equal(stat.cachedByHelper, 1, "the one attachment is the helper's own");
      const holder = await holdSegment(id, 'ro');
      execFileSync('ipcrm', ['-m', String(id)]);
      const removed = await client.shmStat(id);
      assert.ok(removed.mode & SHM_DEST);
      assert.equal(removed.cachedByHelper, 0, 'dropped before answering');
      assert.equal(removed.nattch, 1, 'only the holder');
      await holder.stop();
      await rejectsWith(client.shmStat(id), 'EINVAL');
    });

    it('drops a cached attachment when idle, so nattch returns to 0', async function () {
      const id = createSegment('private', 4096);
      await client.shmRead(id, 0, 16);
      assert.equal(proc(id)?.nattch, 1, 'attached for reading');
      await new Promise((resolve) => setTimeout(resolve, 3500));
      assert.equal(proc(id)?.nattch, 0, 'released after about 2 s idle');
    });

    it('never changes the bytes it reads (checksum by a separate reader before and after)', async function () {
      const size = 64 * 1024 + 100;
      const id = createSegment('private', size);
      writeSegment(id, 0, randomBytes(size));
      const before = sha256(dumpSegment(id));
      const ctimeBefore = (await client.shmStat(id)).ctime;
      await client.shmRead(id, 0, size);
      await client.shmRead(id, 100, 5000);
      await client.shmResidency(id);
      await client.shmAttach(id);
      await client.shmRead(id, 0, size);
      await client.shmDetach(id);
      assert.equal(sha256(dumpSegment(id)), before);
      assert.equal((await client.shmStat(id)).ctime, ctimeBefore);
    });

    it('reads a segment that is removed but still attached by another process (key 0, DEST)', async function () {
      const holder = await holdSegment(createSegment('private', 4096), 'rw');
      await holder.command(`write 0 ${Buffer.from('still here').toString('hex')}`);
      await client.shmRemove(holder.shmid);
      const row = proc(holder.shmid)!;
      assert.equal(row.key, 0);
      assert.ok(row.perms & SHM_DEST, 'marked for removal');
      assert.equal((await client.shmRead(holder.shmid, 0, 10)).toString(), 'still here');
      assert.equal(proc(holder.shmid)?.nattch, 1, 'the helper did not keep its own attachment');
      await holder.stop();
      assert.equal(proc(holder.shmid), undefined, 'gone at the last detach');
    });
  });

  describe('residency', function () {
    it('shows which pages are resident without faulting any in', async function () {
      const id = createSegment('private', 4 * 1024 * 1024);
      const empty = await client.shmResidency(id);
      assert.equal(empty.pageCount, 1024);
      assert.equal(empty.pageSize, PAGE);
      assert.equal(empty.bitmap.filter((b) => b !== 0).length, 0, 'a fresh segment has no resident page');
      writeSegment(id, 0, Buffer.from('x'));
      writeSegment(id, 100 * PAGE + 7, Buffer.from('y'));
      const after = await client.shmResidency(id);
      const resident = [...Array(after.pageCount).keys()].filter((page) => isPageResident(after, page));
      assert.deepEqual(resident, [0, 100]);
      assert.equal(proc(id)?.rss, 2 * PAGE, 'looking did not allocate pages');
    });

    it('reports a sub-range and refuses one outside the segment', async function () {
      const id = createSegment('private', 10 * PAGE);
      writeSegment(id, 5 * PAGE, Buffer.from('z'));
      const part = await client.shmResidency(id, 4 * PAGE + 1, 2 * PAGE);
      assert.equal(part.firstPage, 4);
      assert.equal(part.pageCount, 3);
      assert.ok(isPageResident(part, 5) && !isPageResident(part, 4) && !isPageResident(part, 6));
      await rejectsWith(client.shmResidency(id, 11 * PAGE, PAGE), 'ERANGE');
    });
  });

  describe('sampling on its own clock (SHM_SAMPLE_*)', function () {
    /** Applies a take's records, in order, over `image` (zeros at first): the range as sampled. */
    const replay = (image: Buffer, take: SampleTake) => {
      for (const record of take.records) for (const change of record.changes) change.bytes.copy(image, change.offset);
    };
    const runsOf = (take: SampleTake) => take.records.flatMap((r) => r.changes.map((c) => [c.offset, c.bytes.toString('latin1')]));
    /** What the client says a segment is when it starts a sampler: its creator and size, from IPC_STAT. */
    const identityOf = async (shmid: number) => {
      const stat = await client.shmStat(shmid);
      return { cpid: stat.cpid, cuid: stat.cuid, size: stat.size };
    };
    /**
     * Whether this helper can sample: not where the kernel will not copy from its own memory, as
     * under qemu-user (the foreign platforms' helpers), which has no process_vm_readv.
     */
    let canSample = true;
    before(async function () {
      const probe = new TestHelper();
      try {
        const id = createSegment('private', PAGE);
        const stat = await probe.client.shmStat(id);
        const sampler = await probe.client.shmSampleStart(id, 1_000_000, 0, PAGE, { cpid: stat.cpid, cuid: stat.cuid, size: stat.size });
        await probe.client.shmSampleStop(sampler);
      } catch (error) {
        if (!(error instanceof HelperError && error.code === 'ENOSYS' && /process_vm_readv/.test(error.message))) throw error;
        canSample = false;
      } finally {
        probe.dispose();
      }
    });

    it('where the kernel will not copy from its own memory (qemu-user), says so: ENOSYS, after every other check', async function () {
      if (canSample) this.skip(); // the helper of this machine can: the tests below sample for real
      const id = createSegment('private', PAGE);
      const identity = await identityOf(id);
      await rejectsWith(client.shmSampleStart(id, 1000, 1, PAGE, identity), 'ERANGE');
      await rejectsWith(client.shmSampleStart(id, 1000, 0, PAGE, identity), 'ENOSYS', /process_vm_readv.*read each sample instead/);
    });

    it('takes the range at once, then only what changed, in time order; never allocates a page without data', async function () {
      if (!canSample) this.skip(); // qemu-user: the test above
      const size = 16 * PAGE;
      const id = createSegment('private', size);
      writeSegment(id, 10, Buffer.from('hello'));
      writeSegment(id, 5 * PAGE + 100, Buffer.from('world'));
      const sampler = await client.shmSampleStart(id, 2000, 0, size, await identityOf(id));
      const first = await client.shmSampleTake(sampler);
      assert.deepEqual(runsOf(first).slice(0, 2), [
        [10, 'hello'],
        [5 * PAGE + 100, 'world'],
      ]);
      assert.deepEqual(runsOf(first).slice(2), [], 'nothing else changed');
      const image = Buffer.alloc(size);
      replay(image, first);
      writeSegment(id, 12, Buffer.from('LL'));
      const later: SampleTake[] = [];
      await waitFor(
        () => image.toString('latin1', 10, 15) === 'heLLo', // not dumpSegment: reading all of it from outside allocates its pages
        10_000,
        async () => {
          const take = await client.shmSampleTake(sampler);
          later.push(take);
          replay(image, take);
        },
      );
      assert.deepEqual(later.flatMap(runsOf), [[12, 'LL']], 'the one change, once, as the run it is');
      const times = [...first.records, ...later.flatMap((t) => t.records)].map((r) => r.monotonicNs);
      assert.ok(times.length >= 2 && times.every((t, i) => i === 0 || t > times[i - 1]), 'samples in time order');
      assert.equal(proc(id)?.rss, 2 * PAGE, 'sampling allocated no page');
      assert.ok(image.equals(dumpSegment(id)), 'the records rebuild the segment byte for byte');
      await client.shmSampleStop(sampler);
      await rejectsWith(client.shmSampleTake(sampler), 'EINVAL', /no sampler/);
    });

    it("never answers for a sampler of a helper that died: the next helper's samplers are its own", async function () {
      if (!canSample) this.skip();
      const id = createSegment('private', PAGE);
      const identity = await identityOf(id);
      const before = await client.shmSampleStart(id, 1_000_000, 0, PAGE, identity);
      process.kill(client.pid!, 'SIGKILL');
      let after: HelperSampler | undefined;
      await waitFor(
        () => after !== undefined,
        10_000,
        async () => void (after = await client.shmSampleStart(id, 1_000_000, 0, PAGE, identity).catch(() => undefined)),
      );
      if (!after) return assert.fail('no sampler in the next helper');
      assert.notEqual(after.generation, before.generation);
      await assert.rejects(
        client.shmSampleTake({ ...before, handle: after.handle }),
        (error) => error instanceof HelperExitedError && /restarted/.test(error.message),
      );
      await assert.rejects(client.shmSampleStop(before), HelperExitedError);
      assert.equal((await client.shmSampleTake(after)).records.length >= 1, true, 'the new one is untouched');
    });

    it('refuses bad arguments in words, samples at most four ranges, and ends with what it took when the segment goes', async function () {
      const id = createSegment('private', PAGE);
      const identity = await identityOf(id);
      await rejectsWith(client.shmSampleStart(id, 999, 0, PAGE, identity), 'EINVAL', /period/);
      await rejectsWith(client.shmSampleStart(id, 1000, 0, 0, identity), 'EINVAL', /length/);
      await rejectsWith(client.shmSampleStart(id, 1000, 0, MAX_SAMPLE_LENGTH + 1, identity), 'E2BIG', /8 MiB/);
      await rejectsWith(client.shmSampleStart(id, 1000, 1, PAGE, identity), 'ERANGE', /is 4096 bytes/);
      // Ids are reused: a segment that is not the one the client saw is never sampled.
      await rejectsWith(client.shmSampleStart(id, 1000, 0, 16, { ...identity, size: 2 * PAGE }), 'ESTALE', /another one now/);
      await rejectsWith(client.shmSampleStart(id, 1000, 0, 16, { ...identity, cpid: identity.cpid + 1 }), 'ESTALE', /another one now/);
      if (!canSample) return; // qemu-user: what follows samples
      const idle = [];
      for (let i = 0; i < 3; i++) idle.push(await client.shmSampleStart(id, 1_000_000, 0, PAGE, identity));
      const sampler = await client.shmSampleStart(id, 2000, 0, PAGE, identity);
      await rejectsWith(client.shmSampleStart(id, 1000, 0, PAGE, identity), 'EBUSY', /stop one/);
      for (const h of idle) await client.shmSampleStop(h);
      writeSegment(id, 0, Buffer.from('kept'));
      let seen = '';
      let end: SampleTake['end'];
      await waitFor(
        () => seen.startsWith('kept'),
        10_000,
        async () => {
          const take = await client.shmSampleTake(sampler);
          seen =
            runsOf(take)
              .map(([, text]) => text)
              .join('') || seen;
        },
      );
      await client.shmRemove(id);
      await waitFor(
        () => end !== undefined,
        10_000,
        async () => {
          end = (await client.shmSampleTake(sampler)).end;
        },
      );
      assert.match(`${end!.name}: ${end!.message}`, /^(EIDRM|EINVAL): segment \d+ was (marked for )?removed?/);
      await rejectsWith(client.shmSampleTake(sampler), 'EINVAL', /no sampler/);
      assert.equal(proc(id), undefined, 'the sampler kept nothing alive');
    });
  });

  describe('attach and detach (holds)', function () {
    it('raises nattch on attach and lowers it on the last detach (one attachment, counted holds)', async function () {
      const id = createSegment('private', 4096);
      assert.equal(await client.shmAttach(id), 1);
      assert.equal(proc(id)?.nattch, 1);
      assert.equal(await client.shmAttach(id), 2);
      assert.equal(proc(id)?.nattch, 1, 'a second hold reuses the attachment');
      assert.equal(await client.shmDetach(id), 1);
      assert.equal(proc(id)?.nattch, 1, 'still held once');
      assert.equal(await client.shmDetach(id), 0);
      assert.equal(proc(id)?.nattch, 0);
      await rejectsWith(client.shmDetach(id), 'EINVAL');
    });

    it('releases every hold when the helper exits', async function () {
      const id = createSegment('private', 4096);
      await client.shmAttach(id);
      const pid = client.pid!;
      client.dispose();
      await waitFor(() => !fs.existsSync(`/proc/${pid}`));
      assert.equal(proc(id)?.nattch, 0);
    });
  });

  describe('remove', function () {
    it('removes an unattached segment', async function () {
      const id = createSegment('private', 4096);
      await client.shmRemove(id);
      assert.equal(proc(id), undefined);
    });

    it('remove-if-unattached refuses an attached segment with EBUSY and leaves it untouched', async function () {
      const holder = await holdSegment(createSegment('private', 4096), 'ro');
      await rejectsWith(client.shmRemoveIfUnattached(holder.shmid), 'EBUSY', /1 attached; nothing was removed/);
      const row = proc(holder.shmid)!;
      assert.equal(row.perms & SHM_DEST, 0, 'not marked for removal');
      await holder.stop();
    });

    it('remove-if-unattached removes an unattached segment and reports its size', async function () {
      const id = createSegment('private', 12345);
      await client.shmRead(id, 0, 1); // its own cached read attachment must not count as "attached"
      const removed = await client.shmRemoveIfUnattached(id);
      assert.equal(removed.size, 12345);
      assert.equal(proc(id), undefined);
    });
  });

  describe('set, lock, limits', function () {
    it('changes the mode and the owner', async function () {
      const id = createSegment('private', 4096, 0o600);
      assert.equal((await client.shmSet(id, { mode: 0o640 })).mode & 0o777, 0o640);
      assert.equal(proc(id)?.perms, 0o640);
      await client.shmSet(id, { uid: 65534 });
      assert.equal(proc(id)?.uid, 65534);
      assert.equal(proc(id)?.perms, 0o640, 'the mode was kept');
    });

    it('locks and unlocks a segment (SHM_LOCKED in perms)', async function () {
      const id = createSegment('private', 4096, 0o600);
      await client.shmLock(id);
      assert.equal(proc(id)?.perms, SHM_LOCKED | 0o600);
      await client.shmUnlock(id);
      assert.equal(proc(id)?.perms, 0o600);
    });

    it('reports the limits /proc/sys/kernel shows', async function () {
      const limits = await client.shmLimits();
      const sysctl = (name: string) => BigInt(fs.readFileSync(`/proc/sys/kernel/${name}`, 'utf8').trim());
      assert.equal(limits.shmmni, sysctl('shmmni'));
      assert.equal(limits.shmmax, sysctl('shmmax'));
      assert.equal(limits.shmall, sysctl('shmall'));
    });
  });

  describe('PROC_SCAN', function () {
    afterEach(cleanupPosixObjects);

    it("reads a holder's maps lines, IPC namespace and cmdline, and a /dev/shm descriptor's identity and open mode", async function () {
      const key = freshKey();
      const id = createSegment(key, 4096);
      const holder = await holdSegment(id, 'ro');
      const name = freshName();
      createObject(name, 3 * 4096);
      const fd = fs.openSync(shmPath(name), 'r+');
      try {
        for (const threads of [1, 2]) {
          // cmdline up to PATH_MAX: the program's path is as long as the clone's (a long one must pass too).
          const scan = await client.procScan(4096, threads);
          const pids = scan.records.map((r) => r.pid);
          assert.deepEqual(
            pids,
            [...pids].sort((a, b) => a - b),
            'records ascend by pid',
          );
          assert.ok(scan.listed >= scan.records.length + scan.nothing);
          const attached = scan.records.find((r) => r.pid === holder.pid)?.raw;
          assert.ok(attached, `the attached process ${holder.pid} has a record`);
          const lines = Buffer.from(attached.maps ?? [])
            .toString('latin1')
            .split('\n')
            .filter(Boolean);
          assert.ok(lines.length > 0 && lines.every((l) => /\/SYSV|\s\/dev\/shm\/|\s\/memfd:/.test(l)), 'only the lines the scan is after');
          assert.ok(
            lines.some((l) => l.includes(`/SYSV${key.toString(16).padStart(8, '0')}`) && l.includes(` ${id} `)),
            lines.join('\n'),
          );
          assert.equal(attached.ns, fs.readlinkSync(`/proc/${holder.pid}/ns/ipc`));
          assert.match(Buffer.from(attached.cmdline ?? []).toString('latin1'), /shmtool\0hold\0/);
          const ours = scan.records.find((r) => r.pid === process.pid)?.raw;
          const descriptor = ours?.fds.find(([n]) => Number(n) === fd);
          assert.ok(descriptor, `this process's descriptor ${fd} of ${shmPath(name)} is in its record`);
          const stat = fs.fstatSync(fd);
          const [, target, dev, ino, size, mode, fdinfo] = descriptor;
          assert.deepEqual([target, dev, ino, size], [shmPath(name), stat.dev, stat.ino, 3 * 4096]);
          assert.equal(mode, fs.lstatSync(`/proc/self/fd/${fd}`).mode, 'the link mode: the open mode (rwx for read-write)');
          assert.equal(fdinfo, undefined, 'fdinfo is read only when the link mode says nothing');
        }
      } finally {
        fs.closeSync(fd);
        await holder.stop();
      }
    });

    it('refuses a cmdline head or thread count out of range with EINVAL, and goes on', async function () {
      await rejectsWith(client.procScan(4097, 1), 'EINVAL', /cmdline head of 0 to 4096 bytes and 1 to 8 threads/);
      await rejectsWith(client.procScan(0, 0), 'EINVAL');
      await rejectsWith(client.procScan(0, 9), 'EINVAL');
      assert.ok((await client.procScan(0, 1)).listed > 0);
    });
  });

  describe('when the helper dies or hangs', function () {
    it('fails the request in flight with a clear error and works again on the next one', async function () {
      const id = createSegment('private', MAX_READ);
      await client.hello();
      const pid = client.pid!;
      const inFlight = client.shmRead(id, 0, MAX_READ);
      process.kill(pid, 'SIGKILL');
      await assert.rejects(inFlight, (error: Error) => error instanceof HelperExitedError && /killed by SIGKILL/.test(error.message));
      assert.equal((await client.shmRead(id, 0, 4)).length, 4);
      assert.notEqual(client.pid, pid, 'a new helper was started');
    });

    it('times out a request to a hung helper, kills it, and restarts', async function () {
      const slow = new TestHelper({ timeoutMs: 500 });
      try {
        await slow.client.hello();
        const pid = slow.client.pid!;
        process.kill(pid, 'SIGSTOP');
        await assert.rejects(slow.client.shmLimits(), HelperTimeoutError);
        assert.ok((await slow.client.shmLimits()).shmmni > 0n);
        assert.notEqual(slow.client.pid, pid);
      } finally {
        slow.dispose();
      }
    });

    it('the release build passes the same basic round trip', async function () {
      const release = new TestHelper({ build: 'release' });
      try {
        const id = createSegment('private', 100);
        writeSegment(id, 0, Buffer.from('release'));
        assert.equal((await release.client.shmRead(id, 0, 7)).toString(), 'release');
      } finally {
        release.dispose();
      }
    });
  });

  describe('message types beyond 32 bits (a 64-bit sender; the foreign armhf helper is 32-bit)', function () {
    afterEach(cleanupSemMsg);

    it('carries every type exactly, or, from a 32-bit helper, its low 32 bits exactly and says so: never a wrong number', async function () {
      const types = [7n, 2n ** 31n + 7n, 2n ** 32n + 5n, 2n ** 62n + 3n];
      const msqid = trackMsg(Number(ipctool(['msgcreate', 'private', '600', ...types.map((t, i) => `${t}:m${i}`)]).trim()));
      const peek = await client.msgPeek(msqid, 0, 10, 8);
      const read = await client.msgRead(msqid, 1);
      if (helperBits() === 32) {
        const low = types.map((t) => t & 0xffffffffn);
        assert.deepEqual(
          peek.messages.map((m) => [m.mtype, m.mtypeLow32]),
          low.map((t) => [t, true]),
        );
        assert.deepEqual([read.mtype, read.mtypeLow32], [low[1], true]);
      } else {
        assert.deepEqual(
          peek.messages.map((m) => [m.mtype, m.mtypeLow32]),
          types.map((t) => [t, undefined]),
        );
        assert.deepEqual([read.mtype, read.mtypeLow32], [types[1], undefined]);
      }
      assert.deepEqual(
        peek.messages.map((m) => m.preview.toString()),
        ['m0', 'm1', 'm2', 'm3'],
      );
    });
  });

  describe('as an unprivileged user (nobody)', function () {
    before(function () {
      if (!isRoot) this.skip(); // switching to nobody needs root; CI runs as root
    });

    it("sees root's 0600 segment listed, but reading gives EACCES and removing gives EPERM", async function () {
      const id = createSegment('private', 4096, 0o600);
      const listing = execFileSync(NOBODY[0], [...NOBODY.slice(1), 'cat', '/proc/sysvipc/shm'], { encoding: 'utf8' });
      assert.ok(
        listing.split('\n').some((line) => line.trim().split(/\s+/)[1] === String(id)),
        'listed for nobody',
      );
      const nobody = new TestHelper({ asNobody: true });
      try {
        assert.equal((await nobody.client.hello()).euid, 65534);
        await rejectsWith(nobody.client.shmRead(id, 0, 16), 'EACCES', /permission/i);
        await rejectsWith(nobody.client.shmStat(id), 'EACCES');
        await rejectsWith(nobody.client.shmAttach(id), 'EACCES');
        await rejectsWith(nobody.client.shmSampleStart(id, 1000, 0, 16, { cpid: 1, cuid: 0, size: 4096 }), 'EACCES');
        await rejectsWith(nobody.client.shmRemove(id), 'EPERM', /owner|creator|root/i);
        assert.ok(proc(id), 'still there');
        assert.deepEqual(nobody.sanitizerReports(), []);
      } finally {
        nobody.dispose();
      }
    });

    it('can create, read and remove its own segment', async function () {
      const nobody = new TestHelper({ asNobody: true });
      try {
        const id = trackSegment((await nobody.client.shmCreate(0, 4096, 0o600, false)).shmid);
        assert.equal(proc(id)?.uid, 65534);
        assert.equal((await nobody.client.shmRead(id, 0, 4)).length, 4);
        await nobody.client.shmRemove(id);
        assert.equal(proc(id), undefined);
      } finally {
        nobody.dispose();
      }
    });
  });
});

/** Waits until `condition` holds, doing `step` (or nothing) between looks. */
async function waitFor(condition: () => boolean, timeoutMs = 5000, step?: () => Promise<void>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await step?.();
  }
}

/** 32 or 64: the ELF class of the helper under test (a foreign platform's, from native/targets.json). */
function helperBits(): number {
  const platform = process.env.IPCINSP_HELPER_PLATFORM;
  if (!platform) return process.arch === 'arm' || process.arch === 'ia32' ? 32 : 64;
  const targets = JSON.parse(fs.readFileSync(path.join(repoRoot, 'native', 'targets.json'), 'utf8')) as { helpers: Array<{ name: string; elfClass: number }> };
  return targets.helpers.find((h) => h.name === platform)?.elfClass ?? 64;
}
