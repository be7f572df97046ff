import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkSharedMemoryDir, mountAt, mountedNames, parseMountinfo } from '../../../src/ipc/mounts';

// Lines as the kernel prints them (fs/proc_namespace.c): id, parent, maj:min, root, mount point,
// options, optional fields, "-", type, source, super options; spaces in paths as \040.
const TABLE = [
  '23 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '24 23 0:6 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=100k',
  '25 24 0:22 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw',
  '40 25 0:40 / /dev/shm/mounted\\040here rw - fuse.sshfs host: rw',
  '41 25 0:41 / /dev/shm/deeper/x rw - tmpfs tmpfs rw',
  '50 23 0:50 / /run rw - tmpfs tmpfs rw',
].join('\n');

describe('mount tables (/proc/PID/mountinfo)', function () {
  it('reads id, parent, device, mount point (unescaped) and type', function () {
    const entries = parseMountinfo(TABLE + '\njunk without a separator\n');
    assert.equal(entries.length, 6);
    assert.deepEqual(entries[3], { id: 40, parent: 25, major: 0, minor: 40, mountPoint: '/dev/shm/mounted here', fsType: 'fuse.sshfs' });
  });

  it('finds the mount a path lands on, the topmost of mounts stacked on one point', function () {
    const entries = parseMountinfo(TABLE);
    assert.equal(mountAt(entries, '/dev/shm')?.fsType, 'tmpfs');
    assert.equal(mountAt(entries, '/dev/shm/a/b')?.id, 25);
    assert.equal(mountAt(entries, '/etc')?.fsType, 'ext4');
    // A directory on disk bind-mounted over /dev/shm later: it hides the tmpfs.
    const covered = parseMountinfo(`${TABLE}\n60 25 254:0 /var/tmp/x /dev/shm rw - ext4 /dev/vda rw`);
    assert.equal(mountAt(covered, '/dev/shm')?.fsType, 'ext4');
    // A new /dev mounted over the old one: the old /dev/shm under it is out of reach.
    const newDev = parseMountinfo(`${TABLE}\n70 23 0:70 / /dev rw - tmpfs tmpfs rw`);
    assert.equal(mountAt(newDev, '/dev/shm')?.id, 70);
  });

  it('names the entries of a directory that have a file system mounted on them', function () {
    const entries = parseMountinfo(TABLE);
    assert.deepEqual([...mountedNames(entries, mountAt(entries, '/dev/shm')!, '/dev/shm')], ['mounted here']);
  });

  it('checks /dev/shm and /proc/PID/root/... from the mount table of whose tree they are in, and nothing else', function () {
    const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-mounts-'));
    try {
      fs.mkdirSync(path.join(proc, '42'));
      fs.writeFileSync(path.join(proc, '42', 'mountinfo'), `${TABLE}\n60 25 254:0 /var/tmp/x /dev/shm rw - ext4 /dev/vda rw\n`);
      fs.mkdirSync(path.join(proc, 'self'));
      fs.writeFileSync(path.join(proc, 'self', 'mountinfo'), TABLE);
      const theirs = checkSharedMemoryDir('/proc/42/root/dev/shm', proc);
      assert.deepEqual(theirs && !theirs.ok && theirs.fsType, 'ext4');
      assert.match(theirs && !theirs.ok ? theirs.why : '', /on ext4, not tmpfs or hugetlbfs/);
      const ours = checkSharedMemoryDir('/dev/shm', proc);
      assert.ok(ours?.ok);
      assert.deepEqual(ours.ok && [...ours.mountedNames], ['mounted here']);
      assert.equal(checkSharedMemoryDir('/tmp/fixture-shm', proc), undefined, 'a fixture directory is not checked');
      const gone = checkSharedMemoryDir('/proc/43/root/dev/shm', proc);
      assert.match(gone && !gone.ok ? gone.why : '', /could not be read \(ENOENT\)/);
    } finally {
      fs.rmSync(proc, { recursive: true, force: true });
    }
  });
});
