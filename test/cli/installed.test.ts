// The command as installed: run by its name (the link `npm install -g` made, its #! line), compiled
// from the code cache the build made (bin/ipc-inspector.js), never from a cache that is not this
// bundle's nor from anything but a regular file; and ended quietly when its reader stops reading, as
// `xxd | head` is.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createObject, freshName } from '../support/posixObjects';
import { BIN, cli, start, stop } from './run';

const DEBUG = { IPC_INSPECTOR_DEBUG_CODE_CACHE: '1' };

/** Runs a copy of the command (its package folder `root`) with the code cache's word on stderr. */
function runCopy(root: string, args: string[]): { status: number | null; stdout: string; cache: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'ipc-inspector.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...DEBUG, NO_COLOR: '1' },
    maxBuffer: 64 << 20,
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, cache: /code cache (used|not used)/.exec(result.stderr)?.[1] ?? result.stderr };
}

describe('ipc-inspector as installed', function () {
  /** The package folder of the command the suite runs (the installed one, or the checkout). */
  const packageRoot = path.dirname(path.dirname(fs.realpathSync(BIN)));

  it('runs by its name through PATH and compiles from the code cache the build made', function () {
    const name = freshName();
    createObject(name, 4096, 0o600);
    const viaPath = path.basename(BIN) === 'ipc-inspector';
    const result = viaPath
      ? spawnSync('sh', ['-c', 'ipc-inspector list --kind posixShm --json'], {
          encoding: 'utf8',
          env: { ...process.env, ...DEBUG, PATH: `${path.dirname(BIN)}:${process.env.PATH}` },
        })
      : spawnSync(process.execPath, [BIN, 'list', '--kind', 'posixShm', '--json'], { encoding: 'utf8', env: { ...process.env, ...DEBUG } });
    assert.strictEqual(result.status, 0, result.stderr);
    assert.match(result.stderr, /code cache used/);
    const names = (JSON.parse(result.stdout) as { objects: Array<{ name: string }> }).objects.map((o) => o.name);
    assert.ok(names.includes(`/${name}`), `lists /${name}`);
  });

  it('serve, which runs for days, is compiled from source (the cache would keep every function it holds)', async function () {
    const server = start([process.execPath, BIN, 'serve', '--listen', '127.0.0.1:0'], DEBUG);
    try {
      for (let i = 0; i < 600 && !/serving http/.test(server.output()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(server.output(), /code cache not used[\s\S]*serving http:\/\/127\.0\.0\.1:\d+\/metrics/);
    } finally {
      await stop(server);
    }
  });

  describe("a code cache that is not this bundle's is not used, and the command works all the same", function () {
    let copy: string;
    let expected: string;
    before(function () {
      copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-cache '));
      for (const part of ['bin', 'dist', 'native', 'package.json']) fs.cpSync(path.join(packageRoot, part), path.join(copy, part), { recursive: true });
      expected = cli(['list', '--help']).stdout;
    });
    after(() => fs.rmSync(copy, { recursive: true, force: true }));

    const cacheFile = () => path.join(copy, 'dist', 'cli.js.cache');
    const bundleFile = () => path.join(copy, 'dist', 'cli.js');

    /** Runs the copy with its cache file made by `plant` (from the original bytes), then puts the original back. */
    function withCache(plant: (file: string, original: Buffer) => void): ReturnType<typeof runCopy> {
      const original = fs.readFileSync(cacheFile());
      fs.rmSync(cacheFile());
      try {
        plant(cacheFile(), original);
        return runCopy(copy, ['list', '--help']);
      } finally {
        fs.rmSync(cacheFile(), { force: true });
        fs.writeFileSync(cacheFile(), original);
      }
    }

    it('the copy as it is: used (the control)', function () {
      const run = withCache((file, original) => fs.writeFileSync(file, original));
      assert.deepStrictEqual([run.status, run.cache, run.stdout], [0, 'used', expected]);
    });

    const damages: Array<[string, (file: string, original: Buffer) => void]> = [
      [
        'one byte of its data changed',
        (file, original) => {
          const damaged = Buffer.from(original);
          damaged[damaged.length - 100] ^= 0x55;
          fs.writeFileSync(file, damaged);
        },
      ],
      ['cut short', (file, original) => fs.writeFileSync(file, original.subarray(0, original.length >> 1))],
      ['a FIFO in its place (never waited on)', (file) => execFileSync('mkfifo', [file])],
    ];
    for (const [what, plant] of damages) {
      it(what, function () {
        const run = withCache(plant);
        assert.deepStrictEqual([run.status, run.cache, run.stdout], [0, 'not used', expected]);
      });
    }

    it('the bundle changed but not its length (V8 alone would take the cache: it checks the length)', function () {
      const original = fs.readFileSync(bundleFile(), 'utf8');
      // A word in a string the command prints, same length: the run must print the new word.
      const changed = original.replace('Say which command:', 'Say whish command:');
      assert.notStrictEqual(changed, original);
      assert.strictEqual(changed.length, original.length);
      fs.writeFileSync(bundleFile(), changed);
      try {
        const run = runCopy(copy, ['list', '--help']);
        assert.deepStrictEqual([run.status, run.cache, run.stdout], [0, 'not used', expected]);
        const result = spawnSync(process.execPath, [path.join(copy, 'bin', 'ipc-inspector.js')], { encoding: 'utf8' });
        assert.match(result.stderr, /Say whish command:/);
      } finally {
        fs.writeFileSync(bundleFile(), original);
      }
    });
  });

  it('ends quietly when its reader stops reading (dump | head), with the status of a command SIGPIPE ended', function () {
    const name = freshName();
    createObject(name, 4 << 20, 0o600);
    const node = process.execPath.replace(/'/g, "'\\''");
    const bin = BIN.replace(/'/g, "'\\''");
    const result = spawnSync('bash', ['-o', 'pipefail', '-c', `'${node}' '${bin}' dump /${name} | head -c 64`], { encoding: 'utf8' });
    assert.strictEqual(result.stderr, '');
    assert.strictEqual(result.status, 141, 'as xxd | head under pipefail');
    assert.strictEqual(result.stdout.length, 64);
  });
});
