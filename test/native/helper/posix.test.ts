// Over 600 lines: every POSIX file operation of the helper, one describe each, against one kernel.
//
// The real helper (AddressSanitizer + UBSan build) on POSIX shared memory objects (/dev/shm files,
// unlinked objects still held, memfds) against the real kernel. Every object is made or tracked
// through test/support/posixObjects.ts, so it is removed (and its holders killed) even when a
// test fails.
import * as assert from 'node:assert/strict';
import { devMajorMinor } from '../../../src/ipc/fds';
import { execFileSync, spawn, spawnSync } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperError } from '../../../src/ipc/helperClient';
import {
  encodeRequest,
  FileIdentity,
  FrameDecoder,
  isPageResident,
  MAX_READ,
  Op,
  packArgs,
  PROTOCOL_VERSION,
  ProtocolError,
  Residency,
} from '../../../src/ipc/helperProtocol';
import { helperBinary, isRoot, NOBODY, rejectsWith, TestHelper, withUmask } from '../../support/helper';
import {
  cleanupPosixObjects,
  createObject,
  freshName,
  identityOf,
  mapObject,
  memfdObject,
  openObject,
  ownObject,
  shmPath,
  splitDev,
  trackPath,
  writeObject,
} from '../../support/posixObjects';

const PAGE = 4096;
const MiB = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const NOBODY_UID = 65534;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const pagesWithData = (r: Residency) => [...Array(r.pageCount).keys()].map((i) => r.firstPage + i).filter((page) => isPageResident(r, page));
const blocksOf = (file: string) => fs.lstatSync(file).blocks;
const nsToMs = (ns: bigint) => Number(ns / 1000n) / 1000;

/** A separate reader's view of the bytes (read(2), which allocates nothing in a tmpfs hole). */
const contentOf = (file: string) => fs.readFileSync(file);

/** Runs a fresh helper on exactly these request bytes and returns its replies (for frames the client refuses to build). */
function rawReplies(stream: Buffer): Array<{ status: number; name: string; message: string; payload: Buffer }> {
  const run = spawnSync(helperBinary('asan'), [], { input: stream, maxBuffer: 64 * MiB });
  assert.equal(run.status, 0, `helper exited ${run.status}: ${run.stderr.toString()}`);
  assert.equal(run.stderr.toString(), '', 'no sanitizer report');
  return new FrameDecoder().push(run.stdout).map((r) => {
    const nameLength = r.status === 0 ? 0 : r.payload[0];
    return {
      status: r.status,
      name: r.status === 0 ? '' : r.payload.subarray(1, 1 + nameLength).toString('latin1'),
      message: r.status === 0 ? '' : r.payload.subarray(1 + nameLength).toString('utf8'),
      payload: r.payload,
    };
  });
}

describe('ipc-helper on POSIX shared memory (/dev/shm) against the real kernel', function () {
  let helper: TestHelper;
  let client: TestHelper['client'];
  const others: TestHelper[] = [];

  /** Another helper (as nobody, under a umask, ...) checked and disposed like the main one. */
  function otherHelper(options: ConstructorParameters<typeof TestHelper>[0]): TestHelper['client'] {
    const other = new TestHelper(options);
    others.push(other);
    return other.client;
  }

  beforeEach(function () {
    helper = new TestHelper();
    client = helper.client;
  });

  afterEach(async function () {
    const all = [helper, ...others.splice(0)];
    const reports = all.flatMap((h) => h.sanitizerReports());
    for (const h of all) h.dispose();
    await cleanupPosixObjects();
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });

  it("speaks the client's protocol version", async function () {
    const hello = await client.hello();
    assert.equal(hello.protocolVersion, PROTOCOL_VERSION);
    assert.match(hello.version, new RegExp(`^ipc-helper 0\\.${PROTOCOL_VERSION}\\.\\d+`));
  });

  describe('FILE_CREATE', function () {
    it('creates an object with exactly the mode and size asked, with nothing allocated', async function () {
      for (const mode of [0o600, 0o640, 0o604, 0o666, 0o777, 0o000]) {
        const file = shmPath(freshName());
        const { created, stat } = await client.fileCreate(file, 12345, mode, true);
        assert.equal(created, true);
        const st = fs.lstatSync(file);
        assert.equal(st.mode & 0o7777, mode, `mode ${mode.toString(8)} exactly`);
        assert.equal(st.mode & S_IFMT, S_IFREG);
        assert.equal(stat.mode, st.mode);
        assert.equal(st.size, 12345);
        assert.equal(stat.size, 12345);
        assert.equal(st.blocks, 0, 'nothing allocated (nothing written, nothing mapped)');
        assert.equal(stat.blocks, 0);
        assert.equal(st.uid, process.getuid!());
        assert.deepEqual({ devMajor: stat.devMajor, devMinor: stat.devMinor, ino: stat.ino }, identityOf(file));
      }
    });

    it('makes exactly the mode asked also when the helper runs under a restrictive umask', async function () {
      const strict = otherHelper({ wrap: withUmask(0o777) });
      await strict.hello();
      const status = fs.readFileSync(`/proc/${strict.pid}/status`, 'utf8');
      assert.match(status, /^Umask:\s+0777$/m, 'the helper really runs with umask 0777');
      for (const mode of [0o666, 0o644, 0o600]) {
        const file = shmPath(freshName());
        await strict.fileCreate(file, PAGE, mode, true);
        assert.equal(fs.lstatSync(file).mode & 0o7777, mode, `mode ${mode.toString(8)} despite the umask`);
      }
    });

    it('refuses an existing name with EEXIST when exclusive, and reports it untouched when not', async function () {
      const name = freshName();
      const id = createObject(name, 5000, 0o640);
      writeObject(name, 100, Buffer.from('keep me'));
      const before = sha256(contentOf(shmPath(name)));
      await rejectsWith(client.fileCreate(shmPath(name), 100, 0o600, true), 'EEXIST', new RegExp(`${name}.*already exists`));
      const again = await client.fileCreate(shmPath(name), 100, 0o600, false);
      assert.equal(again.created, false);
      assert.equal(again.stat.ino, id.ino, 'the existing object');
      assert.equal(again.stat.size, 5000, 'the size reported is the existing one');
      const st = fs.lstatSync(shmPath(name));
      assert.equal(st.size, 5000, 'not truncated');
      assert.equal(st.mode & 0o7777, 0o640, 'mode unchanged');
      assert.equal(sha256(contentOf(shmPath(name))), before, 'contents unchanged');
    });

    it('refuses a size the kernel does not allow with EFBIG, and leaves no half-made object behind', async function () {
      const limited = otherHelper({ wrap: ['prlimit', `--fsize=${MiB}`] });
      const file = shmPath(freshName());
      await rejectsWith(limited.fileCreate(file, 2 * MiB, 0o600, true), 'EFBIG', /ulimit -f|limit/);
      assert.equal(fs.existsSync(file), false, 'what was created for it was removed again');
      assert.equal((await limited.fileCreate(file, MiB, 0o600, true)).created, true, 'the helper goes on working');
      await rejectsWith(client.fileCreate(shmPath(freshName()), 2 ** 63, 0o600, true), 'EFBIG', /nothing was created/);
    });

    it('creates only /dev/shm names: /proc paths and other directories are refused', async function () {
      for (const file of ['/proc/1/fd/0', `/proc/${process.pid}/fd/1`, '/proc/1/map_files/1000-2000', '/tmp/ipcinsp-test-x', '/dev/shm/a/b']) {
        await rejectsWith(client.fileCreate(file, PAGE, 0o600, false), 'EINVAL', /not the path of an IPC object/);
      }
      assert.equal(fs.existsSync('/tmp/ipcinsp-test-x'), false);
    });

    it('never follows a symlink planted at the name (nothing is created where it points)', async function () {
      const name = freshName();
      const target = trackPath(path.join(os.tmpdir(), `${name}-target`));
      fs.symlinkSync(target, shmPath(name));
      await rejectsWith(client.fileCreate(shmPath(name), PAGE, 0o666, false), 'EEXIST', /symbolic link/);
      await rejectsWith(client.fileCreate(shmPath(name), PAGE, 0o666, true), 'EEXIST');
      assert.equal(fs.existsSync(target), false, 'the link target was not created');
      assert.ok(fs.lstatSync(shmPath(name)).isSymbolicLink(), 'the link is left as it was');
    });
  });

  describe('FILE_STAT', function () {
    it('agrees with fs.lstatSync on every field', async function () {
      const name = freshName();
      createObject(name, 3 * PAGE + 5, 0o640);
      writeObject(name, PAGE, randomBytes(PAGE));
      const file = shmPath(name);
      const stat = await client.fileStat(file);
      const st = fs.lstatSync(file, { bigint: true });
      assert.deepEqual({ devMajor: stat.devMajor, devMinor: stat.devMinor }, splitDev(st.dev));
      assert.equal(stat.ino, Number(st.ino));
      assert.equal(stat.mode, Number(st.mode));
      assert.equal(stat.uid, Number(st.uid));
      assert.equal(stat.gid, Number(st.gid));
      assert.equal(stat.nlink, Number(st.nlink));
      assert.equal(stat.size, 3 * PAGE + 5);
      assert.equal(stat.size, Number(st.size));
      assert.equal(stat.blocks, Number(st.blocks));
      assert.equal(stat.blocks, 8, 'one page written');
      assert.equal(stat.atimeMs, nsToMs(st.atimeNs));
      assert.equal(stat.mtimeMs, nsToMs(st.mtimeNs));
      assert.equal(stat.ctimeMs, nsToMs(st.ctimeNs));
      assert.ok(Math.abs(stat.mtimeMs - Date.now()) < 60_000, 'a recent epoch time in milliseconds');
    });

    it('reports a symlink in /dev/shm as a symlink (lstat), never what it points to', async function () {
      const name = freshName();
      fs.symlinkSync('/etc/passwd', shmPath(name));
      const stat = await client.fileStat(shmPath(name));
      assert.equal(stat.mode & S_IFMT, S_IFLNK);
      assert.equal(stat.ino, identityOf(shmPath(name)).ino);
      assert.notEqual(stat.ino, fs.statSync('/etc/passwd').ino);
    });

    it('says ENOENT for a name that does not exist, naming the path', async function () {
      const name = freshName();
      await rejectsWith(client.fileStat(shmPath(name)), 'ENOENT', new RegExp(`no object at /dev/shm/${name}`));
    });
  });

  describe('FILE_READ', function () {
    it('returns byte for byte what a separate process wrote', async function () {
      const name = freshName();
      const id = createObject(name, 27);
      const alphabet = Buffer.concat([Buffer.from('abcdefghijklmnopqrstuvwxyz'), Buffer.from([0])]);
      writeObject(name, 0, alphabet);
      assert.deepEqual(await client.fileRead(shmPath(name), id, 0, 27), alphabet);
    });

    it('reads any range, within a page and across pages', async function () {
      const size = 3 * PAGE + 57;
      const name = freshName();
      const id = createObject(name, size);
      const content = randomBytes(size);
      writeObject(name, 0, content);
      for (const [offset, length] of [
        [0, size],
        [1, 1],
        [PAGE - 3, 10],
        [PAGE, PAGE],
        [size - 1, 1],
        [1000, 2 * PAGE + 5],
      ]) {
        assert.deepEqual(await client.fileRead(shmPath(name), id, offset, length), content.subarray(offset, offset + length), `range ${offset}+${length}`);
      }
    });

    it('refuses ranges past the end or of a bad length with a clear error, and goes on working', async function () {
      const name = freshName();
      const id = createObject(name, 12345);
      const file = shmPath(name);
      await rejectsWith(client.fileRead(file, id, 12340, 10), 'ERANGE', /12345 bytes/);
      await rejectsWith(client.fileRead(file, id, 12346, 1), 'ERANGE');
      await rejectsWith(client.fileRead(file, id, Number.MAX_SAFE_INTEGER, 1), 'ERANGE');
      await rejectsWith(client.fileRead(file, id, 0, 0), 'EINVAL');
      await rejectsWith(client.fileRead(file, id, 0, MAX_READ + 1), 'E2BIG');
      assert.equal((await client.fileRead(file, id, 12344, 1)).length, 1);
    });

    it('reads 20 MiB through fileReadRange (split into maxRead requests, pipelined)', async function () {
      const size = 20 * MiB;
      const name = freshName();
      const id = createObject(name, size);
      writeObject(name, MAX_READ + 10, Buffer.from('past the first piece'));
      writeObject(name, size - 4, Buffer.from('tail'));
      const data = await client.fileReadRange(shmPath(name), id, 0, size);
      assert.equal(data.length, size);
      assert.equal(data.subarray(MAX_READ + 10, MAX_READ + 30).toString(), 'past the first piece');
      assert.equal(data.subarray(size - 4).toString(), 'tail');
      assert.equal(blocksOf(shmPath(name)), 16, 'still only the two written pages allocated');
    });

    it('never allocates and never changes bytes: st_blocks stays 8 and the sha256 is unchanged', async function () {
      const name = freshName();
      const id = createObject(name, MiB, 0o644);
      writeObject(name, 5 * PAGE, randomBytes(PAGE));
      const file = shmPath(name);
      const before = sha256(contentOf(file));
      assert.equal(blocksOf(file), 8);
      const data = await client.fileRead(file, id, 0, MiB);
      assert.equal(sha256(data), before, 'the helper read the same bytes');
      await client.fileReadRange(file, id, 0, MiB);
      await client.fileData(file, id);
      assert.equal(blocksOf(file), 8, 'still 4 KiB allocated: reading the holes allocated nothing');
      assert.equal(sha256(contentOf(file)), before, 'contents unchanged');
    });

    it('as nobody, reading a root-owned 0644 object allocates nothing and changes nothing either', async function () {
      if (!isRoot) this.skip(); // switching to nobody needs root
      const name = freshName();
      const id = createObject(name, MiB, 0o644);
      writeObject(name, 5 * PAGE, randomBytes(PAGE));
      const file = shmPath(name);
      const before = sha256(contentOf(file));
      const nobody = otherHelper({ asNobody: true });
      assert.equal((await nobody.hello()).euid, NOBODY_UID);
      assert.equal(sha256(await nobody.fileRead(file, id, 0, MiB)), before);
      assert.deepEqual(pagesWithData(await nobody.fileData(file, id)), [5], 'holes are found for nobody too');
      assert.equal(blocksOf(file), 8);
      assert.equal(sha256(contentOf(file)), before);
    });

    it('does not change the access time (O_NOATIME), where a plain read does', async function () {
      const old = new Date('2001-02-03T04:05:06Z');
      const [looked, control] = [freshName(), freshName()];
      for (const name of [looked, control]) {
        createObject(name, 2 * PAGE);
        writeObject(name, 0, Buffer.from('some bytes'));
        fs.utimesSync(shmPath(name), old, new Date()); // relatime updates an atime older than mtime on any read
      }
      execFileSync('cat', [shmPath(control)]);
      // On a noatime mount no read changes atime, and there would be nothing to show.
      if (fs.statSync(shmPath(control)).atimeMs === old.getTime()) this.skip();
      const file = shmPath(looked);
      const id = identityOf(file);
      await client.fileRead(file, id, 0, 2 * PAGE);
      await client.fileData(file, id);
      await client.fileStat(file);
      assert.equal(fs.statSync(file).atimeMs, old.getTime(), 'atime unchanged after the helper read it');
    });

    it('fails with ESTALE when the name now belongs to another object, and reads nothing of it', async function () {
      const name = freshName();
      createObject(name, PAGE);
      writeObject(name, 0, Buffer.from('first object'));
      const file = shmPath(name);
      const first = await client.fileStat(file);
      // Another object takes the name (made first, then renamed over it: surely another inode).
      const other = freshName();
      createObject(other, PAGE, 0o644);
      writeObject(other, 0, Buffer.from('SECOND OBJECT'));
      fs.renameSync(shmPath(other), file);
      const error = await rejectsWith(client.fileRead(file, first, 0, 12), 'ESTALE', /another one now \(same name, different inode\)/);
      assert.doesNotMatch(error.message, /SECOND/);
      await rejectsWith(client.fileData(file, first), 'ESTALE');
      await rejectsWith(client.fileSet(file, first, { mode: 0o600 }), 'ESTALE');
      assert.equal(fs.lstatSync(file).mode & 0o777, 0o644, 'the new object was not changed');
      const now = await client.fileStat(file);
      assert.notEqual(now.ino, first.ino);
      assert.equal((await client.fileRead(file, now, 0, 13)).toString(), 'SECOND OBJECT');
    });

    it('sees what a live owner writes through its mapping, and follows its size when it truncates', async function () {
      const name = freshName();
      const owner = await ownObject(name, 4 * PAGE, 0o600);
      const file = shmPath(name);
      assert.deepEqual(identityOf(file), owner.id);
      assert.equal(await owner.command(`write ${3 * PAGE} ${Buffer.from('written live').toString('hex')}`), 'ok');
      assert.equal((await client.fileRead(file, owner.id, 3 * PAGE, 12)).toString(), 'written live');
      assert.deepEqual(pagesWithData(await client.fileData(file, owner.id)), [3]);
      assert.equal(await owner.command(`truncate ${PAGE}`), 'ok');
      await rejectsWith(client.fileRead(file, owner.id, 3 * PAGE, 12), 'ERANGE', /4096 bytes/);
      assert.equal((await client.fileStat(file)).size, PAGE);
      assert.deepEqual(pagesWithData(await client.fileData(file, owner.id)), []);
    });

    it('reads an object unlinked while another process holds it, through /proc/PID/fd/N of that process', async function () {
      const name = freshName();
      const id = createObject(name, 2 * PAGE);
      writeObject(name, PAGE + 1, Buffer.from('still here'));
      const holder = await openObject(name, 'ro');
      fs.unlinkSync(shmPath(name));
      const via = `/proc/${holder.pid}/fd/${holder.fd}`;
      assert.match(fs.readlinkSync(via), new RegExp(`/dev/shm/${name} \\(deleted\\)$`));
      const stat = await client.fileStat(via);
      assert.deepEqual({ devMajor: stat.devMajor, devMinor: stat.devMinor, ino: stat.ino }, id);
      assert.equal(stat.nlink, 0, 'unlinked');
      assert.equal((await client.fileRead(via, id, PAGE + 1, 10)).toString(), 'still here');
      assert.deepEqual(pagesWithData(await client.fileData(via, id)), [1]);
      await rejectsWith(client.fileRead(via, { ...id, ino: id.ino + 1 }, 0, 1), 'ESTALE');
      await holder.stop();
      await rejectsWith(client.fileStat(via), 'ENOENT', /has exited or no longer has that descriptor/);
    });

    it('reads a memfd through /proc/PID/fd/N of either process holding it, identity checked', async function () {
      const holder = await memfdObject('ipcinsp-test-memfd', 3 * PAGE);
      assert.equal(await holder.command(`write 4100 ${Buffer.from('memfd bytes').toString('hex')}`), 'ok');
      for (const pid of [holder.pid, holder.childPid!]) {
        const via = `/proc/${pid}/fd/${holder.fd}`;
        assert.match(fs.readlinkSync(via), /^\/memfd:ipcinsp-test-memfd \(deleted\)$/);
        const stat = await client.fileStat(via);
        assert.deepEqual({ devMajor: stat.devMajor, devMinor: stat.devMinor, ino: stat.ino }, holder.id);
        assert.equal(stat.size, 3 * PAGE);
        assert.equal((await client.fileRead(via, holder.id, 4100, 11)).toString(), 'memfd bytes');
        assert.deepEqual(pagesWithData(await client.fileData(via, holder.id)), [1]);
        await rejectsWith(client.fileRead(via, { ...holder.id, ino: holder.id.ino + 1 }, 0, 1), 'ESTALE');
      }
      await rejectsWith(client.fileUnlink(`/proc/${holder.pid}/fd/${holder.fd}`, holder.id), 'EINVAL', /not the path of an IPC object/);
    });

    it('reads an unlinked object that is only mapped, through /proc/PID/map_files/START-END (root)', async function () {
      if (!isRoot) this.skip(); // map_files needs CAP_SYS_ADMIN
      const name = freshName();
      const id = createObject(name, 2 * PAGE);
      writeObject(name, 7, Buffer.from('mapped only'));
      const holder = await mapObject(name, 'ro');
      assert.equal(await holder.command('unlink'), 'ok');
      assert.equal(fs.existsSync(shmPath(name)), false);
      const line = fs
        .readFileSync(`/proc/${holder.pid}/maps`, 'utf8')
        .split('\n')
        .find((l) => l.endsWith(`/dev/shm/${name} (deleted)`));
      assert.ok(line, 'the mapping is in /proc/PID/maps');
      const range = line
        .split(' ')[0]
        .split('-')
        .map((hex) => hex.replace(/^0+(?=.)/, ''))
        .join('-');
      const via = `/proc/${holder.pid}/map_files/${range}`;
      assert.equal((await client.fileStat(via)).ino, id.ino);
      assert.equal((await client.fileRead(via, id, 7, 11)).toString(), 'mapped only');
    });
  });

  describe('FILE_DATA', function () {
    it('reports exactly the pages that hold data', async function () {
      const name = freshName();
      const id = createObject(name, MiB);
      const file = shmPath(name);
      const empty = await client.fileData(file, id);
      assert.equal(empty.pageCount, 256);
      assert.equal(empty.pageSize, PAGE);
      assert.deepEqual(pagesWithData(empty), [], 'a new object is all hole');
      writeObject(name, 5 * PAGE, randomBytes(PAGE));
      assert.deepEqual(pagesWithData(await client.fileData(file, id)), [5]);
      writeObject(name, 0, Buffer.from('x'));
      writeObject(name, 100 * PAGE + 7, Buffer.from('y'));
      writeObject(name, MiB - 1, Buffer.from('z'));
      assert.deepEqual(pagesWithData(await client.fileData(file, id)), [0, 5, 100, 255]);
      assert.equal(blocksOf(file), 4 * 8, 'looking allocated nothing');
    });

    it('reports a sub-range and the last partial page, and refuses a range outside the file with ERANGE', async function () {
      const name = freshName();
      const id = createObject(name, 10 * PAGE + 100);
      const file = shmPath(name);
      writeObject(name, 5 * PAGE, randomBytes(PAGE));
      writeObject(name, 10 * PAGE + 50, Buffer.from('end'));
      const part = await client.fileData(file, id, 4 * PAGE + 1, 2 * PAGE);
      assert.equal(part.firstPage, 4);
      assert.equal(part.pageCount, 3);
      assert.deepEqual(pagesWithData(part), [5]);
      const all = await client.fileData(file, id);
      assert.equal(all.pageCount, 11, 'the size rounded up to whole pages');
      assert.deepEqual(pagesWithData(all), [5, 10]);
      await rejectsWith(client.fileData(file, id, 11 * PAGE, PAGE), 'ERANGE', /past the end/);
      await rejectsWith(client.fileData(file, id, 10 * PAGE, 2 * PAGE), 'ERANGE');
      assert.equal((await client.fileData(file, id, 10 * PAGE, 0)).pageCount, 1, 'and goes on working');
    });
  });

  describe('path validation', function () {
    it('refuses every path that is not an IPC object with EINVAL, saying why', async function () {
      const refused = [
        '/etc/passwd',
        '/dev/shm/../etc/passwd',
        '/dev/shm/a/b',
        '/proc/1/fd/01',
        '/dev/shm/',
        '/dev/shm/.',
        '/dev/shm/..',
        '/dev/shm',
        'dev/shm/x',
        '/dev//shm/x',
        '/proc/self/fd/0',
        '/proc/01/fd/0',
        '/proc/0/fd/0',
        '/proc/1/fd/',
        '/proc/1/fd/0/',
        '/proc/1/fdinfo/0',
        '/proc/1/root/etc/passwd',
        '/proc/1/root/dev/shm/../../etc/passwd',
        '/proc/2147483648/fd/0',
        '/proc/1/fd/2147483648',
        '/proc/1/map_files/00400000-00452000',
        '/proc/1/map_files/7F00-7F10',
        '/proc/1/map_files/2000-1000',
        '/proc/1/map_files/10000000000000000-10000000000000001',
        '/proc/1/mem',
        `/dev/shm/${'x'.repeat(256)}`,
        '/dev/shm/a\nb/c',
      ];
      for (const file of refused) {
        const id: FileIdentity = { devMajor: 0, devMinor: 0, ino: 1 };
        await rejectsWith(client.fileStat(file), 'EINVAL', /not the path of an IPC object/);
        await rejectsWith(client.fileRead(file, id, 0, 1), 'EINVAL', /not the path of an IPC object/);
        await rejectsWith(client.fileData(file, id), 'EINVAL', /not the path of an IPC object/);
      }
      // Accepted forms, for contrast (they fail only because nothing is there).
      await rejectsWith(client.fileStat(`/dev/shm/${'x'.repeat(255)}`), 'ENOENT');
      await rejectsWith(client.fileStat('/proc/2147483647/fd/0'), 'ENOENT');
      await rejectsWith(client.fileStat(`/proc/${process.pid}/root/dev/shm/${freshName()}`), 'ENOENT');
    });

    it('refuses empty, NUL-containing and over-long paths in the client, and the helper refuses them too', async function () {
      await assert.rejects(client.fileStat(''), ProtocolError);
      await assert.rejects(client.fileStat('/dev/shm/a\0b'), ProtocolError);
      await assert.rejects(client.fileStat(`/dev/shm/${'x'.repeat(3992)}`), ProtocolError);
      // The same frames built by hand, as a client with a bug would send them.
      const frame = (id: number, op: Op, args: Buffer) => encodeRequest(id, op, args);
      const [nul, long, empty, hello] = rawReplies(
        Buffer.concat([
          frame(1, Op.FileStat, Buffer.from('/dev/shm/a\0/etc/passwd')),
          frame(2, Op.FileStat, Buffer.from(`/dev/shm/${'x'.repeat(3992)}`)),
          frame(3, Op.FileRead, packArgs(['u32', 0], ['u32', 0], ['u64', 1], ['u64', 0], ['u32', 1], ['u32', 0])),
          frame(4, Op.Hello, packArgs(['u32', 2])),
        ]),
      );
      assert.equal(nul.name, 'EINVAL');
      assert.match(nul.message, /NUL/);
      assert.equal(long.name, 'EINVAL');
      assert.match(long.message, /path of 1 to 4000 bytes/);
      assert.equal(empty.name, 'EINVAL');
      assert.equal(hello.status, 0, 'the stream goes on');
    });

    it('never returns the bytes of a root-only file that a symlink planted in /dev/shm points at', async function () {
      const name = freshName();
      const secret = trackPath(path.join(os.tmpdir(), `${name}-secret`));
      fs.writeFileSync(secret, 'TOP SECRET', { mode: 0o600 });
      fs.symlinkSync(secret, shmPath(name));
      const link = shmPath(name);
      const targetId = identityOf(secret); // what an attacker would hope the helper accepts
      const linkId = identityOf(link);
      for (const id of [targetId, linkId]) {
        const error = await rejectsWith(client.fileRead(link, id, 0, 10), 'ELOOP', /symbolic link/);
        assert.doesNotMatch(error.message, /TOP SECRET/);
        await rejectsWith(client.fileData(link, id), 'ELOOP');
        await rejectsWith(client.fileSet(link, id, { mode: 0o666 }), 'ELOOP');
      }
      await rejectsWith(client.fileRead(`/proc/${process.pid}/root${link}`, targetId, 0, 10), 'ELOOP');
      assert.equal(fs.statSync(secret).mode & 0o777, 0o600, 'the target was not changed');
      assert.equal(fs.readFileSync(secret, 'utf8'), 'TOP SECRET');
    });

    it("looks only at shared memory through /proc/PID/fd/N: a process's open regular file on disk is refused, its stat too", async function () {
      const dir = fs.mkdtempSync(path.join(os.homedir(), '.ipcinsp-test-'));
      try {
        const secret = path.join(dir, 'secret.txt');
        fs.writeFileSync(secret, 'not shared memory', { mode: 0o600 });
        const holder = spawn('sh', ['-c', 'exec 3<"$1"; echo ready; read _', 'sh', secret]);
        try {
          await new Promise<void>((resolve, reject) => {
            holder.stdout.once('data', () => resolve());
            holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
          });
          const via = `/proc/${holder.pid}/fd/3`;
          const disk = fs.statSync(secret);
          const { major, minor } = devMajorMinor(disk.dev);
          const id = { devMajor: major, devMinor: minor, ino: disk.ino };
          // Not even its metadata: the helper touches no file system but shared memory's (it is named).
          await rejectsWith(client.fileStat(via), 'EINVAL', /not on tmpfs or hugetlbfs \(it is on \w+\)/);
          await rejectsWith(client.fileRead(via, id, 0, 4), 'EINVAL', /not on tmpfs or hugetlbfs/);
          await rejectsWith(client.fileData(via, id), 'EINVAL', /not on tmpfs or hugetlbfs/);
        } finally {
          holder.kill('SIGKILL');
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses FILE_CREATE, FILE_UNLINK and FILE_SET on descriptors and mappings', async function () {
      const name = freshName();
      const id = createObject(name, PAGE);
      const holder = await openObject(name, 'rw');
      const via = `/proc/${holder.pid}/fd/${holder.fd}`;
      await rejectsWith(client.fileCreate(via, PAGE, 0o600, false), 'EINVAL', /not the path of an IPC object/);
      await rejectsWith(client.fileUnlink(via, id), 'EINVAL', /not the path of an IPC object/);
      await rejectsWith(client.fileSet(via, id, { mode: 0o666 }), 'EINVAL', /not the path of an IPC object/);
      assert.equal(fs.lstatSync(shmPath(name)).mode & 0o777, 0o600);
      assert.ok(fs.existsSync(shmPath(name)));
    });
  });

  describe('FILE_UNLINK', function () {
    it('removes the object with that inode', async function () {
      const name = freshName();
      const id = createObject(name, PAGE);
      await client.fileUnlink(shmPath(name), id);
      assert.equal(fs.existsSync(shmPath(name)), false);
    });

    it('removes nothing and says ESTALE when the name belongs to another object now', async function () {
      const name = freshName();
      const first = createObject(name, PAGE);
      const other = freshName();
      const second = createObject(other, PAGE);
      fs.renameSync(shmPath(other), shmPath(name));
      await rejectsWith(client.fileUnlink(shmPath(name), first), 'ESTALE', /nothing was removed/);
      assert.equal(identityOf(shmPath(name)).ino, second.ino, 'the new object is still there');
      await client.fileUnlink(shmPath(name), second);
      assert.equal(fs.existsSync(shmPath(name)), false);
    });

    it('says ENOENT when the object is already gone', async function () {
      const name = freshName();
      const id = createObject(name, PAGE);
      fs.unlinkSync(shmPath(name));
      await rejectsWith(client.fileUnlink(shmPath(name), id), 'ENOENT', /already removed/);
    });
  });

  describe('FILE_SET', function () {
    it('changes the mode and the owner, keeping what is not given', async function () {
      const name = freshName();
      const id = createObject(name, PAGE, 0o600);
      const file = shmPath(name);
      assert.equal((await client.fileSet(file, id, { mode: 0o640 })).mode & 0o7777, 0o640);
      assert.equal(fs.lstatSync(file).mode & 0o7777, 0o640);
      const after = await client.fileSet(file, id, { uid: NOBODY_UID });
      assert.equal(after.uid, NOBODY_UID);
      assert.equal(fs.lstatSync(file).uid, NOBODY_UID);
      assert.equal(fs.lstatSync(file).gid, 0, 'the group was kept');
      assert.equal(fs.lstatSync(file).mode & 0o7777, 0o640, 'the mode was kept');
      await client.fileSet(file, id, { gid: NOBODY_UID, mode: 0o604 });
      assert.deepEqual([fs.lstatSync(file).uid, fs.lstatSync(file).gid, fs.lstatSync(file).mode & 0o7777], [NOBODY_UID, NOBODY_UID, 0o604]);
    });
  });

  describe('as an unprivileged user (nobody)', function () {
    before(function () {
      if (!isRoot) this.skip(); // switching to nobody needs root; CI runs as root
    });

    it("cannot change root's object: EPERM says who may", async function () {
      const name = freshName();
      const id = createObject(name, PAGE, 0o644);
      const nobody = otherHelper({ asNobody: true });
      await rejectsWith(nobody.fileSet(shmPath(name), id, { mode: 0o666 }), 'EPERM', /only its owner \(uid 0\) or root.*uid 65534/);
      await rejectsWith(nobody.fileSet(shmPath(name), id, { uid: NOBODY_UID }), 'EPERM', /only root may give an object to another user/);
      assert.equal(fs.lstatSync(shmPath(name)).mode & 0o777, 0o644);
      assert.equal(fs.lstatSync(shmPath(name)).uid, 0);
    });

    it("cannot unlink root's object in the sticky /dev/shm, and the error explains the sticky bit", async function () {
      const name = freshName();
      const id = createObject(name, PAGE, 0o666);
      const nobody = otherHelper({ asNobody: true });
      const error = await nobody.fileUnlink(shmPath(name), id).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof HelperError && ['EPERM', 'EACCES'].includes(error.code), String(error));
      assert.match(error.message, /sticky \(mode 1777\).*owner \(uid 0\).*uid 65534/);
      assert.ok(fs.existsSync(shmPath(name)), 'still there');
    });

    it('can create, read and unlink its own object', async function () {
      const nobody = otherHelper({ asNobody: true });
      const file = shmPath(freshName());
      const { created, stat } = await nobody.fileCreate(file, 2 * PAGE, 0o600, true);
      assert.equal(created, true);
      assert.equal(stat.uid, NOBODY_UID);
      assert.equal(fs.lstatSync(file).uid, NOBODY_UID);
      execFileSync(NOBODY[0], [...NOBODY.slice(1), 'sh', '-c', `printf nobody-was-here > ${file}`]);
      assert.equal((await nobody.fileRead(file, stat, 0, 15)).toString(), 'nobody-was-here');
      await nobody.fileUnlink(file, stat);
      assert.equal(fs.existsSync(file), false);
    });

    it("reads root's object held open by root only through what root lets it: EACCES on /proc/PID/fd", async function () {
      const name = freshName();
      const id = createObject(name, PAGE, 0o600);
      const holder = await openObject(name, 'ro');
      const nobody = otherHelper({ asNobody: true });
      await rejectsWith(nobody.fileRead(`/proc/${holder.pid}/fd/${holder.fd}`, id, 0, 1), 'EACCES', /process \d+|permission/);
      await rejectsWith(nobody.fileRead(shmPath(name), id, 0, 1), 'EACCES', /mode 0600, owner uid 0/);
    });
  });
});
