import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bootTime, createProcessLookup, formatCommand, groupName, isAlive, parseIdNames, parseStat, readProcess, userName } from '../../../src/ipc/processes';
import { fixture } from '../fixtures';

const proc = fixture('proc');
const BTIME = 1795437037;

describe('processes', function () {
  it('parses /proc/PID/stat from the last parenthesis', function () {
    const stat = parseStat(fs.readFileSync(path.join(proc, '105', 'stat'), 'latin1'));
    assert.deepEqual(stat, { comm: 'my (odd) name', state: 'R', ppid: 100, startTicks: 6900000 });
    assert.equal(parseStat('garbage'), undefined);
    assert.equal(parseStat('1 (x) S 0'), undefined);
  });

  it('reads a process: command line, state, start time as epoch seconds', function () {
    assert.equal(bootTime(proc), BTIME);
    const status = readProcess(100, proc);
    assert.ok(status.kind === 'running', status.kind);
    assert.deepEqual(status.info, {
      pid: 100,
      comm: 'writer',
      command: '/usr/local/bin/writer --size 4096',
      state: 'S',
      ppid: 1,
      startTime: BTIME + 6896300 / 100,
    });
  });

  it('names kernel threads and zombies by [comm]', function () {
    const thread = readProcess(103, proc);
    assert.ok(thread.kind === 'running');
    assert.equal(thread.info.command, '[kworker/0:1-events]');
    const zombie = readProcess(106, proc);
    assert.ok(zombie.kind === 'running');
    assert.equal(zombie.info.state, 'Z');
    assert.equal(zombie.info.command, '[writer]');
  });

  it('keeps spaces inside arguments and drops the trailing NUL', function () {
    assert.equal(formatCommand(Buffer.from('python3\0-c\0print("a b")\0'), 'python3'), 'python3 -c \'print("a b")\'');
    assert.equal(formatCommand('', 'kthreadd'), '[kthreadd]');
    // A `bash -c` script keeps its newlines in cmdline; a label must stay one line.
    assert.equal(formatCommand(Buffer.from('bash\0-c\0a=0\nb\x1b\0'), 'bash'), 'bash -c a=0\\nb\\x1b');
  });

  it('reports a missing pid as gone, and never throws on nonsense', function () {
    assert.deepEqual(readProcess(4242, proc), { kind: 'gone', pid: 4242 });
    assert.deepEqual(readProcess(0, proc), { kind: 'gone', pid: 0 });
    assert.deepEqual(readProcess(-5, proc), { kind: 'gone', pid: -5 });
  });

  it('tells alive from zombie, gone and hidden', function () {
    assert.equal(isAlive(readProcess(100, proc)), true);
    assert.equal(isAlive(readProcess(106, proc)), false, 'a zombie');
    assert.equal(isAlive(readProcess(4242, proc)), false);
    assert.equal(isAlive({ kind: 'hidden', pid: 1 }), undefined);
  });

  it('memoises lookups for one refresh', function () {
    const lookup = createProcessLookup(proc);
    assert.equal(lookup(100), lookup(100));
  });

  it('reads the real /proc: this process is running and started before now', function () {
    const status = readProcess(process.pid);
    assert.ok(status.kind === 'running');
    assert.match(status.info.command, /node|mocha/);
    const now = Date.now() / 1000;
    assert.ok(status.info.startTime <= now + 1 && status.info.startTime > now - 3600, `${status.info.startTime} vs ${now}`);
  });

  describe('user and group names', function () {
    const etc = fixture('etc');

    it('parses passwd and group, first entry wins, comments and junk skipped', function () {
      const names = parseIdNames(fs.readFileSync(path.join(etc, 'passwd'), 'utf8'));
      assert.deepEqual(
        [...names],
        [
          [0, 'root'],
          [65534, 'nobody'],
          [1000, 'alice'],
        ],
      );
      assert.equal(userName(1000, etc), 'alice');
      assert.equal(userName(4321, etc), undefined);
      assert.equal(groupName(100, etc), 'users');
      assert.equal(groupName(65534, etc), 'nogroup');
    });

    it('notices a user added to the file', function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-etc-'));
      try {
        fs.writeFileSync(path.join(dir, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
        assert.equal(userName(2000, dir), undefined);
        fs.appendFileSync(path.join(dir, 'passwd'), 'bob:x:2000:2000::/home/bob:/bin/sh\n');
        fs.utimesSync(path.join(dir, 'passwd'), new Date(), new Date(Date.now() + 5000));
        assert.equal(userName(2000, dir), 'bob');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('knows root on the real machine', function () {
      assert.equal(userName(0), 'root');
      assert.equal(groupName(0), 'root');
    });
  });
});
