import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { parseMsg, parseSem, parseShm, SHM_DEST, SHM_LOCKED, ShmSegment } from '../../../../src/ipc/family/sysvTables';
import { readSegmentTable } from '../../../../src/ipc/sysvShm/read';
import { localTables } from '../../../../src/ipc/tables';
import { fixture } from '../../fixtures';

const read = (name: string) => fs.readFileSync(fixture('sysvipc', name));

/** A /proc/sysvipc/shm line in this kernel's exact format (column widths as Linux's ipc/shm.c prints them). */
export function shmLine(s: Partial<ShmSegment> & { shmid: number }): string {
  const pad = (v: number | bigint, w: number) => String(v).padStart(w);
  const v = {
    key: 0,
    perms: 0o600,
    size: 4096,
    cpid: 1,
    lpid: 0,
    nattch: 0,
    uid: 0,
    gid: 0,
    cuid: 0,
    cgid: 0,
    atime: 0,
    dtime: 0,
    ctime: 0,
    rss: 0,
    swap: 0,
    ...s,
  };
  return (
    `${pad(v.key | 0, 10)} ${pad(v.shmid, 10)}  ${pad(v.perms.toString(8) as unknown as number, 4)} ${pad(v.size, 21)} ${pad(v.cpid, 5)} ${pad(v.lpid, 5)}  ${pad(v.nattch, 5)} ` +
    `${pad(v.uid, 5)} ${pad(v.gid, 5)} ${pad(v.cuid, 5)} ${pad(v.cgid, 5)} ${pad(v.atime, 10)} ${pad(v.dtime, 10)} ${pad(v.ctime, 10)} ${pad(v.rss, 21)} ${pad(v.swap, 21)}\n`
  );
}

const HEADER = fs.readFileSync(fixture('sysvipc', 'shm-header-only.txt'), 'latin1');

describe('/proc/sysvipc/shm parser', function () {
  it('reads every column of the 16-column format of current kernels', function () {
    const { items, skipped, header } = parseShm(read('shm-16col.txt'));
    assert.equal(header, true);
    assert.equal(skipped, 0);
    assert.equal(items.length, 6);
    assert.deepEqual(items[0], {
      key: 305441741,
      shmid: 2,
      perms: 0o640,
      mode: 0o640,
      dest: false,
      locked: false,
      size: 8192,
      cpid: 6121,
      lpid: 6121,
      nattch: 1,
      uid: 0,
      gid: 0,
      cuid: 0,
      cgid: 0,
      atime: 1795433416,
      dtime: 0,
      ctime: 1795433416,
      rss: 4096,
      swap: 0,
    });
  });

  it('turns the signed key into the unsigned one (-936941997 is 0xc8276653)', function () {
    const { items } = parseShm(read('shm-16col.txt'));
    assert.equal(items[1].key, 0xc8276653);
    assert.equal(items[1].size, 27);
  });

  it('splits SHM_DEST (01000) and SHM_LOCKED (02000) out of the perms', function () {
    const { items } = parseShm(read('shm-16col.txt'));
    const removed = items[2];
    assert.equal(removed.perms, 0o1640);
    assert.equal(removed.mode, 0o640);
    assert.equal(removed.dest, true);
    assert.equal(removed.locked, false);
    assert.equal(removed.key, 0);
    assert.equal(removed.nattch, 2);
    const locked = items[3];
    assert.equal(locked.perms & SHM_LOCKED, SHM_LOCKED);
    assert.deepEqual([locked.mode, locked.dest, locked.locked], [0o640, false, true]);
    const both = items[4];
    assert.deepEqual([both.mode, both.dest, both.locked], [0o600, true, true]);
    assert.equal(both.perms & SHM_DEST, SHM_DEST);
  });

  it('keeps large shmids and gives a size beyond 2^53 exactly', function () {
    const { items } = parseShm(read('shm-16col.txt'));
    assert.deepEqual(
      items.map((s) => s.shmid),
      [2, 3, 32772, 65536, 2147418112, 98304],
    );
    const huge = items[5];
    assert.equal(huge.sizeExact, 2n ** 54n + 1n);
    assert.equal(huge.size, 2 ** 54);
    assert.equal(huge.swap, 12288);
    assert.equal(items[0].sizeExact, undefined);
  });

  it('accepts the 14 columns of old kernels (no rss, no swap)', function () {
    const { items, skipped } = parseShm(read('shm-14col.txt'));
    assert.equal(skipped, 0);
    assert.equal(items.length, 2);
    assert.equal(items[0].key, 0xc8276653);
    assert.equal(items[0].rss, undefined);
    assert.equal(items[0].swap, undefined);
    assert.equal(items[1].dest, true);
    assert.equal(items[1].mode, 0o666);
  });

  it('skips and counts junk, finds the header by content, accepts CRLF, never throws', function () {
    const { items, skipped, header } = parseShm(read('shm-junk.txt'));
    assert.equal(header, true);
    assert.deepEqual(
      items.map((s) => s.shmid),
      [5, 7],
    );
    // garbage, too short, 8 in octal, a letter, a negative shmid, a line cut short
    assert.equal(skipped, 6);
  });

  it('takes a record shorter than the header names as cut short', function () {
    const line = shmLine({ shmid: 9 });
    const fourteen = line.trim().split(/\s+/).slice(0, 14).join(' ') + '\n';
    assert.equal(parseShm(HEADER + fourteen).skipped, 1);
    // Without a header there is nothing to compare with: 14 columns are an old kernel's record.
    assert.equal(parseShm(fourteen).items.length, 1);
  });

  it('ignores columns a future kernel might append', function () {
    const { items, skipped } = parseShm(shmLine({ shmid: 3, key: 7 }).replace('\n', ' 42 43\n'));
    assert.equal(skipped, 0);
    assert.equal(items[0].key, 7);
    assert.equal(items[0].swap, 0);
  });

  it('gives nothing for an empty file and for the header alone', function () {
    assert.deepEqual(parseShm(read('shm-empty.txt')), { items: [], skipped: 0, header: false });
    assert.deepEqual(parseShm(read('shm-header-only.txt')), { items: [], skipped: 0, header: true });
  });

  it("does not take another table's header for its own", function () {
    const semHeader = fs.readFileSync(fixture('sysvipc', 'sem.txt'), 'latin1').split('\n')[0] + '\n';
    assert.deepEqual(parseShm(semHeader), { items: [], skipped: 1, header: false });
  });

  it('rejects keys outside 32 bits and stays robust on random bytes', function () {
    assert.equal(parseShm(shmLine({ shmid: 1 }).replace(/^ *0/, '99999999999')).skipped, 1);
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 200; i++) {
      const text = HEADER + shmLine({ shmid: i, key: i * 7919 });
      const bytes = Buffer.from(text, 'latin1');
      for (let j = 0; j < 5; j++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const result = parseShm(bytes); // a mutated byte may be a newline: count the lines
      const lines = bytes
        .toString('latin1')
        .split('\n')
        .filter((line) => line.trim() !== '').length;
      assert.ok(result.items.length + result.skipped + (result.header ? 1 : 0) <= lines);
    }
  });

  it('reads through a procRoot', async function () {
    const { segments: items } = await readSegmentTable(localTables(fixture('proc')));
    assert.equal(items.length, 6);
  });

  it('parses 4,096 segments', function () {
    let text = HEADER;
    for (let i = 0; i < 4096; i++) {
      text += shmLine({ shmid: i * 32768 + i, key: (i * 2654435761) | 0, size: 4096 + i, cpid: 1000 + i, nattch: i % 3, ctime: 1795433416 + i, rss: 4096 });
    }
    const bytes = Buffer.from(text, 'latin1');
    // Its speed against the bare read of /proc is bench/'s "parse 4,000 segments" row, not asserted here.
    assert.equal(parseShm(bytes).items.length, 4096);
  });
});

describe('/proc/sysvipc/sem and msg parsers', function () {
  it('reads semaphore sets', function () {
    const { items, skipped, header } = parseSem(read('sem.txt'));
    assert.equal(header, true);
    assert.equal(skipped, 1);
    assert.deepEqual(items[0], {
      key: 1938357982,
      semid: 0,
      perms: 0o640,
      mode: 0o640,
      nsems: 3,
      uid: 0,
      gid: 0,
      cuid: 0,
      cgid: 0,
      otime: 0,
      ctime: 1795438182,
    });
    assert.equal(items[1].key, 0xffffffff);
    assert.equal(items[1].semid, 32769);
    assert.equal(items[1].nsems, 250);
  });

  it('reads message queues', function () {
    const { items, skipped } = parseMsg(read('msg.txt'));
    assert.equal(skipped, 0);
    assert.equal(items.length, 2);
    assert.deepEqual(items[1], {
      key: 0xfffffffe,
      msqid: 1,
      perms: 0o620,
      mode: 0o620,
      cbytes: 1024,
      qnum: 3,
      lspid: 4242,
      lrpid: 4243,
      uid: 1000,
      gid: 1000,
      cuid: 1000,
      cgid: 1000,
      stime: 1795438200,
      rtime: 1795438201,
      ctime: 1795438182,
    });
  });
});
