import * as assert from 'node:assert/strict';
import { classifyPosixSemaphores, semaphoreName } from '../../../../src/ipc/posixSem/classify';
import { decodeGlibcSemaphore } from '../../../../src/ipc/posixSem/read';
import type { FileHold, ProcScan } from '../../../../src/ipc/procScan';
import type { PosixObject } from '../../../../src/ipc/family/devShm';
import { GRACE, names, NOW } from '../sysvFixtures';

describe('POSIX named semaphores', function () {
  function glibcSem(value: number, waiters: number, priv = 0): Buffer {
    const bytes = Buffer.alloc(32);
    bytes.writeBigUInt64LE((BigInt(waiters) << 32n) | BigInt(value), 0);
    bytes.writeInt32LE(priv, 8);
    return bytes;
  }

  it("reads value and waiters from glibc's 64-bit sem_t", function () {
    assert.deepEqual(decodeGlibcSemaphore(glibcSem(3, 0), 'x64'), { read: true, layout: 'glibc', value: 3, waiters: 0 });
    assert.deepEqual(decodeGlibcSemaphore(glibcSem(0, 2), 'arm64'), { read: true, layout: 'glibc', value: 0, waiters: 2 });
  });

  it('says "unknown layout" rather than a wrong number', function () {
    assert.equal((decodeGlibcSemaphore(Buffer.alloc(16), 'x64') as { layout: string }).layout, 'unknown');
    const junk = glibcSem(1, 0);
    junk[20] = 0x55;
    assert.equal((decodeGlibcSemaphore(junk, 'x64') as { layout: string }).layout, 'unknown');
    assert.equal((decodeGlibcSemaphore(glibcSem(0x80000000, 0), 'x64') as { layout: string }).layout, 'unknown', 'beyond SEM_VALUE_MAX');
    assert.equal((decodeGlibcSemaphore(glibcSem(1, 0), 'arm') as { layout: string }).layout, 'unknown', 'the 32-bit layout differs');
  });

  it('names semaphores as sem_open does', function () {
    assert.equal(semaphoreName('sem.mp-1a2b'), '/mp-1a2b');
    assert.equal(semaphoreName('/dev/shm/sem.lock'), '/lock');
  });

  it("names a removed semaphore as it was named while linked, not by glibc's temporary name in its mapping", function () {
    // sem_open creates sem.XXXXXX and links it to sem.NAME: the holder's maps show the temporary name.
    const key = '0:27:4242';
    const mapping: FileHold = {
      via: 'map',
      pid: 100,
      access: 'rw',
      perms: 'rw-s',
      start: '7f0000000000',
      end: '7f0000001000',
      length: 4096,
      key,
      path: '/dev/shm/sem.AbCdEf',
      deleted: true,
    };
    const scan = {
      readBy: 'extension',
      attachments: new Map(),
      files: new Map([[key, [mapping]]]),
      processes: 1,
      scanned: 1,
      unreadable: 0,
      unreadablePids: [],
      vanished: 0,
      otherNamespace: 0,
      signature: '',
    } as ProcScan;
    const file: PosixObject = {
      name: 'sem.lock',
      path: '/dev/shm/sem.lock',
      key,
      devMajor: 0,
      devMinor: 27,
      ino: 4242,
      size: 32,
      allocated: 4096,
      mode: 0o600,
      uid: 0,
      gid: 0,
      mtimeMs: NOW,
      ctimeMs: NOW,
    };
    const knownNames = new Map<string, string>();
    const context = { scan, names, nowMs: NOW, graceMs: GRACE, lastHeldMs: new Map<string, number>(), devicePrefix: '0:27:', readings: new Map(), knownNames };
    const linked = classifyPosixSemaphores([file], context);
    assert.deepEqual(
      linked.map((s) => [s.name, s.nameFrom, s.state]),
      [['/lock', 'file', 'in-use']],
    );
    const removed = classifyPosixSemaphores([], context);
    assert.deepEqual(
      removed.map((s) => [s.name, s.nameFrom, s.state]),
      [['/lock', 'earlier', 'removed-held']],
    );
    const neverSeen = classifyPosixSemaphores([], { ...context, knownNames: new Map() });
    assert.deepEqual(
      neverSeen.map((s) => [s.name, s.nameFrom]),
      [['/AbCdEf', 'mapping']],
      "only the mapping's name is known",
    );
    scan.files.clear();
    classifyPosixSemaphores([], context);
    assert.equal(knownNames.size, 0, 'names of semaphores gone for good are forgotten');
  });
});
