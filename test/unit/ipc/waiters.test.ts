import * as assert from 'node:assert/strict';
import { parseSembufs, parseSyscall, waitCalls } from '../../../src/ipc/waiters';

describe('waiters', function () {
  it('parses /proc/PID/task/TID/syscall lines, and nothing else', function () {
    assert.deepEqual(parseSyscall('220 0x3 0x7ffcde8f2942 0x1 0x0 0x0 0x64 0x7ffcde8f2938 0x7fc1fa21b5da\n'), {
      nr: 220,
      args: [3n, 0x7ffcde8f2942n, 1n, 0n, 0n, 0x64n],
    });
    assert.equal(parseSyscall('running\n'), undefined);
    assert.equal(parseSyscall('-1 0x7ffc 0x7f00\n'), undefined);
    assert.equal(parseSyscall(''), undefined);
  });

  it('knows the waiting syscalls of x86-64, arm64 and arm', function () {
    assert.deepEqual([waitCalls('x64')?.[220], waitCalls('x64')?.[65], waitCalls('x64')?.[69], waitCalls('x64')?.[70]], ['semop', 'semop', 'msgsnd', 'msgrcv']);
    assert.deepEqual([waitCalls('arm64')?.[192], waitCalls('arm64')?.[188]], ['semop', 'msgrcv']);
    assert.equal(waitCalls('riscv64'), undefined, 'an unknown architecture finds nothing rather than guessing');
  });

  it('decodes sembuf arrays', function () {
    const bytes = Buffer.alloc(12);
    bytes.writeUInt16LE(1, 0);
    bytes.writeInt16LE(-1, 2);
    bytes.writeInt16LE(0x1000, 4); // SEM_UNDO
    bytes.writeUInt16LE(0, 6);
    bytes.writeInt16LE(0, 8);
    bytes.writeInt16LE(0, 10);
    assert.deepEqual(parseSembufs(bytes), [
      { semnum: 1, op: -1, flags: 0x1000 },
      { semnum: 0, op: 0, flags: 0 },
    ]);
  });
});
