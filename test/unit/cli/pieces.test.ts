// The command line's pure pieces: xxd's line format, ranges checked against the object, --listen,
// a tooltip's Markdown as plain lines, tables, when to colour, and an exported object's identity.
import * as assert from 'assert';
import { rangeOf, xxdLine } from '../../../src/cli/dump';
import { EXIT, exitStatusOf, UsageError } from '../../../src/cli/exit';
import { renderFamilies } from '../../../src/cli/metrics';
import { parseListen } from '../../../src/cli/serve';
import { colourFor, formatTable, markdownToText } from '../../../src/cli/terminal';
import { exportedIdentity } from '../../../src/ipc/exportJson';
import { markdownTable } from '../../../src/ipc/objects';

describe('command line pieces', function () {
  it("xxdLine writes xxd's line: offset, 8 groups of 2 bytes, padded, the printable characters", function () {
    assert.strictEqual(xxdLine(0, Buffer.from('Hello\n')), '00000000: 4865 6c6c 6f0a                           Hello.');
    assert.strictEqual(xxdLine(0x10, Buffer.from('0123456789abcdef')), '00000010: 3031 3233 3435 3637 3839 6162 6364 6566  0123456789abcdef');
    assert.strictEqual(xxdLine(0x123456789, Buffer.from([0, 0x7f, 0x20])), `123456789: ${'007f 20'.padEnd(39)}  .. `);
  });

  it('rangeOf checks offsets and lengths against the size, as UsageErrors', function () {
    assert.deepStrictEqual(rangeOf(100), { offset: 0, length: 100 });
    assert.deepStrictEqual(rangeOf(100, 90), { offset: 90, length: 10 });
    assert.deepStrictEqual(rangeOf(100, 100), { offset: 100, length: 0 });
    assert.throws(
      () => rangeOf(100, 101),
      (e: Error) => e instanceof UsageError && /past the end of the object \(100 bytes\)/.test(e.message),
    );
    assert.throws(() => rangeOf(100, 90, 11), /reaches past the end/);
    assert.throws(() => rangeOf(100, -1), /whole number/);
    assert.throws(() => rangeOf(100, NaN), /whole number/);
    assert.throws(() => rangeOf(100, 0, 1.5), /--length must be a whole number/);
    assert.strictEqual(exitStatusOf(new UsageError('x')), EXIT.usage);
    assert.strictEqual(exitStatusOf(new Error('x')), EXIT.failure);
  });

  it('parseListen takes host:port, [v6]:port and :port', function () {
    assert.deepStrictEqual(parseListen('127.0.0.1:9479'), { host: '127.0.0.1', port: 9479 });
    assert.deepStrictEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
    assert.deepStrictEqual(parseListen(':9000'), { host: '127.0.0.1', port: 9000 });
    for (const bad of ['localhost', '1.2.3.4:', '1.2.3.4:70000', '::1:80', 'host:port']) assert.throws(() => parseListen(bad), UsageError, bad);
  });

  it("markdownToText turns a view's tooltip into aligned lines, escapes undone", function () {
    const tooltip = `**POSIX shared memory object \`/x\`**\n\n${markdownTable([
      ['Name', '/x (shm_open)'],
      ['Permissions', 'rw-------'],
      ['Why', 'a|b'],
    ])}`;
    assert.strictEqual(markdownToText(tooltip), 'POSIX shared memory object /x\n\n  Name:        /x (shm_open)\n  Permissions: rw-------\n  Why:         a|b');
  });

  it('formatTable pads columns but not the last; colours only on a terminal without NO_COLOR', function () {
    assert.strictEqual(
      formatTable(
        ['A', 'Bee'],
        [
          ['xyz', 'q'],
          ['', 'long value'],
        ],
      ),
      'A    Bee\nxyz  q\n     long value',
    );
    assert.strictEqual(colourFor({ isTTY: true }, {}), true);
    assert.strictEqual(colourFor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.strictEqual(colourFor({ isTTY: false }, {}), false);
  });

  it('renderFamilies writes OpenMetrics: TYPE, UNIT, HELP, escaped labels, +Inf, # EOF', function () {
    const text = renderFamilies([
      { name: 'x_bytes', unit: 'bytes', help: 'Bytes.', samples: [{ labels: { kind: 'a"b\\c' }, value: 3 }] },
      { name: 'x_limit', help: 'Limit.', samples: [{ labels: {}, value: Number.POSITIVE_INFINITY }] },
    ]);
    assert.strictEqual(
      text,
      '# TYPE x_bytes gauge\n# UNIT x_bytes bytes\n# HELP x_bytes Bytes.\nx_bytes{kind="a\\"b\\\\c"} 3\n# TYPE x_limit gauge\n# HELP x_limit Limit.\nx_limit +Inf\n# EOF\n',
    );
  });

  it('exportedIdentity names the same object in two documents, and nothing for what is not one', function () {
    const segment = { kind: 'sysvShm', kernel: { shmid: 5, key: 0x7e, cuid: 0, cpid: 42, nattch: 1 } };
    assert.strictEqual(exportedIdentity(segment), exportedIdentity({ ...segment, kernel: { ...segment.kernel, nattch: 0 } }));
    assert.notStrictEqual(exportedIdentity(segment), exportedIdentity({ ...segment, kernel: { ...segment.kernel, cpid: 43 } }));
    const file = { kind: 'posixShm', origin: 'dev-shm', name: '/a', device: '0:27', ino: 9 };
    assert.notStrictEqual(exportedIdentity(file), exportedIdentity({ ...file, ino: 10 }));
    assert.strictEqual(exportedIdentity({ kind: 'pipe' }), undefined);
    assert.strictEqual(exportedIdentity([1, 2]), undefined);
  });
});
