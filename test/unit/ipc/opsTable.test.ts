// The op table has one source, native/ops.h (the helper's enum, prototypes and dispatch table are
// expanded from it). These tests read that file as text and hold everything else to it: the
// client's table (OPS) and Op's numbers, the requests the client really sends (to a fake helper
// that records them), and the operations PROTOCOL.md documents, with their argument bytes. The
// fuzzer takes its argument lengths from OPS, which the first test proves equal to ops.h.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { HelperClient, HelperError } from '../../../src/ipc/helperClient';
import { ArgForm, FileIdentity, Op, OPS, PROTOCOL_VERSION } from '../../../src/ipc/helperProtocol';
import { waitFor } from '../../support/waitFor';

const root = path.resolve(__dirname, '../../../..');
const fake = path.join(root, 'test/unit/fixtures/fake-helper.js');

interface HeaderOp {
  number: number;
  name: string;
  form: ArgForm;
  bytes: number;
}

const FORMS: Record<string, ArgForm> = { FIXED: 'fixed', PATH: 'path', SEM_VALUES: 'semValues' };

/** The X(...) lines of IPC_HELPER_OPS in native/ops.h; every line of the macro must be one. */
function readOpsHeader(): HeaderOp[] {
  const text = fs.readFileSync(path.join(root, 'native/ops.h'), 'utf8');
  const body = /#define IPC_HELPER_OPS\(X\)\s*\\\n((?:.*\\\n)*.*\n)/.exec(text);
  assert.ok(body, 'native/ops.h defines IPC_HELPER_OPS(X)');
  return body[1]
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const m = /^\s*X\((\d+), ([A-Z_]+), (FIXED|PATH|SEM_VALUES), (\d+), (op_[a-z_]+)\)\s*\\?\s*$/.exec(line);
      assert.ok(m, `a line of IPC_HELPER_OPS that is not one X(number, NAME, FORM, bytes, function): ${JSON.stringify(line)}`);
      return { number: Number(m[1]), name: m[2], form: FORMS[m[3]], bytes: Number(m[4]) };
    });
}

/** SHM_REMOVE_IF_UNATTACHED -> ShmRemoveIfUnattached: the name Op gives it. */
const enumName = (name: string) =>
  name
    .split('_')
    .map((w) => w[0] + w.slice(1).toLowerCase())
    .join('');

const FIELD_BYTES: Record<string, number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8 };

/** The rows of PROTOCOL.md's operations table: number, name, the arguments' text. */
function readProtocolTable(): Array<{ number: number; name: string; args: string }> {
  const text = fs.readFileSync(path.join(root, 'native/PROTOCOL.md'), 'utf8');
  const section = text.slice(text.indexOf('\n## Operations\n'));
  return [...section.matchAll(/^\| (\d+) \| ([A-Z_]+) \| (.*?) \| .* \|$/gm)].map((m) => ({ number: Number(m[1]), name: m[2], args: m[3] }));
}

describe('the op table (native/ops.h is its one source)', function () {
  const header = readOpsHeader();

  it('numbers the operations 1 .. N, each name once', function () {
    assert.deepEqual(
      header.map((op) => op.number),
      header.map((_, i) => i + 1),
    );
    assert.equal(new Set(header.map((op) => op.name)).size, header.length);
  });

  it("gives the client's Op and OPS exactly the operations of ops.h: numbers, names, argument forms and bytes", function () {
    const enumValues = Object.values(Op).filter((v): v is Op => typeof v === 'number');
    assert.deepEqual(
      enumValues.sort((a, b) => a - b),
      header.map((op) => op.number),
      'Op has the numbers of ops.h, no more',
    );
    for (const op of header) {
      assert.equal((Op as unknown as Record<string, number>)[enumName(op.name)], op.number, `Op.${enumName(op.name)} is ${op.name}'s number`);
      assert.deepEqual(OPS[op.number as Op], { name: op.name, form: op.form, bytes: op.bytes }, `OPS of ${op.name}`);
    }
  });

  it('is what PROTOCOL.md documents: every operation, its number, name and argument bytes', function () {
    const rows = readProtocolTable();
    assert.deepEqual(
      rows.map((r) => `${r.number} ${r.name}`),
      header.map((op) => `${op.number} ${op.name}`),
    );
    for (const [i, row] of rows.entries()) {
      const op = header[i];
      // The fixed fields: `u32 name`, `i64 name`, `u32 calls[16]` (an array of a number of elements);
      // an array such as `u16 values[nsems]` is the variable part.
      const fields = [...row.args.matchAll(/`(u8|u16|u32|u64|i32|i64) [A-Za-z0-9]+(?:\[(\d+)\])?`/g)];
      const bytes = fields.reduce((sum, f) => sum + FIELD_BYTES[f[1]] * Number(f[2] ?? 1), 0);
      assert.equal(bytes, op.bytes, `${op.name}: PROTOCOL.md's fields "${row.args}" add up to ${bytes} bytes, ops.h says ${op.bytes}`);
      const said = /\((\d+) bytes\)/.exec(row.args);
      if (said) assert.equal(Number(said[1]), op.bytes, `${op.name}: PROTOCOL.md says (${said[1]} bytes)`);
      assert.equal(/\b(path|name)\b/.test(row.args), op.form === 'path', `${op.name}: PROTOCOL.md ${op.form === 'path' ? 'names no' : 'names a'} path or name`);
      if (op.form === 'semValues') assert.match(row.args, /nothing or `u16 values\[nsems\]`/);
    }
  });

  it('is what the client sends: every operation, with the argument bytes of ops.h', async function () {
    const id: FileIdentity = { devMajor: 0, devMinor: 1, ino: 2 };
    const file = '/dev/shm/ops-table';
    const queue = '/ops-table';
    const calls: Array<(c: HelperClient) => Promise<unknown>> = [
      (c) => c.shmStat(1),
      (c) => c.shmRead(1, 0, 16),
      (c) => c.shmReadRange(1, 8, 16),
      (c) => c.shmResidency(1, 0, 4096),
      (c) => c.shmAttach(1),
      (c) => c.shmDetach(1),
      (c) => c.shmCreate(0x7e000001, 4096, 0o600, true),
      (c) => c.shmRemove(1),
      (c) => c.shmRemoveIfUnattached(1),
      (c) => c.shmSet(1, { mode: 0o640 }),
      (c) => c.shmLock(1),
      (c) => c.shmUnlock(1),
      (c) => c.shmLimits(),
      (c) => c.fileStat(file),
      (c) => c.fileRead(file, id, 0, 16),
      (c) => c.fileReadRange(file, id, 0, 16),
      (c) => c.fileData(file, id),
      (c) => c.fileCreate(file, 4096, 0o600, true),
      (c) => c.fileUnlink(file, id),
      (c) => c.fileSet(file, id, { mode: 0o640 }),
      (c) => c.semStat(1),
      (c) => c.semValues(1),
      (c) => c.semCreate(0, 3, 0o600, true),
      (c) => c.semCreate(0, 3, 0o600, true, [1, 0, 2]),
      (c) => c.semRemove(1),
      (c) => c.semSet(1, { mode: 0o640 }),
      (c) => c.msgStat(1),
      (c) => c.msgPeek(1, 0, 10, 64),
      (c) => c.msgRead(1, 0),
      (c) => c.msgCreate(0, 0o600, true),
      (c) => c.msgRemove(1),
      (c) => c.msgSet(1, { qbytes: 8192 }),
      (c) => c.mqAttr(queue),
      (c) => c.mqCreate(queue, 0o600, true, 10, 64),
      (c) => c.mqUnlink(queue),
      (c) => c.table('/proc/sysvipc/shm'),
      (c) => c.procScan(0, 1),
      (c) => c.procScan(0, 1, [202 | (1 << 16)]),
      (c) => c.procMemData(1, 0x1000n, 4096, id),
      (c) => c.procMemRead(1, 0x1000n, 16, id),
      (c) => c.shmSampleStart(1, 10_000, 0, 4096, { cpid: 2, cuid: 0, size: 4096 }),
      (c) => c.hello().then(() => c.shmSampleTake({ handle: 1, logCapacity: 1 << 20, length: 4096, generation: 1 })),
      (c) => c.hello().then(() => c.shmSampleStop({ handle: 1, logCapacity: 1 << 20, length: 4096, generation: 1 })),
    ];
    const log: string[] = [];
    const options = { helperPath: fake, command: [process.execPath, fake, 'record', String(PROTOCOL_VERSION)], log: (l: string) => log.push(l) };
    const client = new HelperClient(options);
    const entering = new HelperClient({ ...options, namespace: { pid: 1, inode: 4026531839 } }); // HELLO, then NS_ENTER
    try {
      for (const call of calls) await assert.rejects(call(client), (error) => error instanceof HelperError && error.code === 'EINVAL');
      await assert.rejects(entering.hello(), (error) => error instanceof HelperError && error.op === 'NsEnter');
      const expected = calls.length + 3; // the two handshakes and NS_ENTER besides the calls
      const requests = await waitFor(
        () => {
          const lines = log.map((l) => /request op (\d+) flags (\d+) arguments (\d+)/.exec(l)).filter((m) => m !== null);
          return lines.length >= expected ? lines : undefined;
        },
        5000,
        'the fake helper to record every request',
      );
      const sent = new Set<number>();
      for (const [, opText, flags, argsText] of requests) {
        const op = header.find((o) => o.number === Number(opText));
        assert.ok(op, `the client sent op ${opText}, which ops.h does not have`);
        sent.add(op.number);
        const length = Number(argsText);
        assert.equal(Number(flags), 0, `${op.name} with flags`);
        if (op.form === 'fixed') assert.equal(length, op.bytes, `${op.name}: ${length} bytes of arguments, ops.h says ${op.bytes}`);
        else if (op.form === 'semValues') assert.ok(length === op.bytes || length === op.bytes + 2 * 3, `${op.name}: ${length} bytes of arguments`);
        else assert.ok(length > op.bytes, `${op.name}: ${length} bytes of arguments, ops.h says ${op.bytes} and then a path`);
      }
      const missing = header.filter((op) => !sent.has(op.number)).map((op) => op.name);
      assert.deepEqual(missing, [], 'the client has a call for every operation of ops.h (and this test makes it)');
    } finally {
      client.dispose();
      entering.dispose();
    }
  });
});
