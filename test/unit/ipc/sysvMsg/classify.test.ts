import * as assert from 'node:assert/strict';
import { msgDescription, msgRow, previewText } from '../../../../src/ipc/sysvMsg/present';
import type { Waiter } from '../../../../src/ipc/waiters';
import { type QueueContents } from '../../../../src/ipc/sysvMsg/types';
import { classifyQueue, NOW, queue } from '../classifyFixtures';

describe('System V message queues', function () {
  const message = (index: number, mtype: bigint, text: string) => ({ index, mtype, size: Buffer.byteLength(text), preview: Buffer.from(text) });

  it('lists messages with type, size and first bytes, and says when more are not shown', function () {
    const contents: QueueContents = { read: true, qbytes: 16384, messages: [message(0, 7n, 'peek-me'), message(1, 2n, 'second\x01')], more: true };
    const info = classifyQueue(queue({ qnum: 5, cbytes: 70, lspid: 100 }), contents);
    assert.equal(info.state, 'in-use');
    const row = msgRow(info, { held: false, uid: 0 });
    assert.deepEqual(
      row.children.map((c) => [c.label, c.description]),
      [
        ['#0 type 7', '7 B · "peek-me"'],
        ['#1 type 2', '7 B · "second."'],
        ['3 more messages not shown', undefined],
      ],
    );
    assert.deepEqual(row.children[0].command?.arguments, [9, 0]);
    assert.equal(msgDescription(info), '5 messages · 70 B of 16 KiB · root');
  });

  it('is full when cbytes reaches qbytes, with blocked senders', function () {
    const sender: Waiter = { pid: 100, tid: 100, call: 'msgsnd', id: 9, size: 512 };
    const info = classifyQueue(queue({ qnum: 32, cbytes: 16384, lspid: 100 }), { read: true, qbytes: 16384, messages: [], more: true }, [sender]);
    assert.equal(info.state, 'full');
    assert.match(info.reason, /^full: 16384 of 16384 bytes queued \(qbytes\); 1 sender blocked/);
    assert.equal(msgRow(info, { held: false, uid: 0 }).icon, 'problem');
    assert.match(msgRow(info, { held: false, uid: 0 }).children[0].description ?? '', /blocked sending 512 bytes/);
  });

  it('shows receivers waiting for a type', function () {
    const receiver: Waiter = { pid: 101, tid: 101, call: 'msgrcv', id: 9, msgtype: 3n };
    const info = classifyQueue(queue(), { read: true, qbytes: 16384, messages: [], more: false }, [receiver]);
    assert.equal(info.state, 'in-use');
    assert.equal(msgRow(info, { held: false, uid: 0 }).children[0].description, 'waiting to receive type 3');
  });

  it('is orphaned when its last sender and receiver exited, and says what is left in it', function () {
    const info = classifyQueue(queue({ qnum: 2, cbytes: 10, lspid: 555, lrpid: 556, stime: NOW / 1000 - 600 }), {
      read: true,
      qbytes: 16384,
      messages: [],
      more: true,
    });
    assert.deepEqual([info.state, info.certain], ['orphaned', true]);
    assert.match(info.reason, /last sender and receiver have exited; 2 messages \(10 bytes\) left in it that nobody is reading/);
  });

  it('is orphaned but not certainly so when some thread could not be checked for a receiver blocked on it (the kernel counts none)', function () {
    const info = classifyQueue(queue({ lspid: 555, lrpid: 556, stime: NOW / 1000 - 600 }), { read: true, qbytes: 16384, messages: [], more: false }, [], false);
    assert.deepEqual([info.state, info.certain], ['orphaned', false]);
    assert.match(info.reason, /not every process could be checked for a receiver blocked on it/);
  });

  it('says a queue cannot be read without consuming it where MSG_COPY is missing', function () {
    const info = classifyQueue(queue({ qnum: 3, lspid: 100 }), {
      read: false,
      why: 'unsupported',
      message: 'this kernel cannot read a queue without consuming it (no MSG_COPY)',
    });
    assert.match(msgRow(info, { held: false, uid: 0 }).children[0].label, /3 messages: cannot be read without consuming them/);
  });

  it('turns a preview into text', function () {
    assert.equal(previewText({ index: 0, mtype: 1n, size: 40, preview: Buffer.from('hello\0world') }, 11), 'hello.world…');
  });
});
