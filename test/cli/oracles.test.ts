// The command line against the system's own tools on the same objects: `ipcs`, `lsipc`, `ls -l
// /dev/shm`, `lsof`, and `xxd` for the bytes. Objects are made by real producers (ipcmk, the
// repository's shmtool and posixtool) and removed after each test (root hooks, and ipcrm here).
import * as assert from 'assert';
import * as crypto from 'crypto';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CPP_EXPECTED, RUST_EXPECTED } from '../support/dwarfValues';
import { createObject, freshName, mapObject, shmPath, trackName, writeObject } from '../support/posixObjects';
import { createSegment, freshKey, holdSegment, repoRoot, trackSegment, writeSegment } from '../support/segments';
import { killSpawned, spawnReady } from '../support/spawned';
import { cli, cliJson, have, ipcmk, IS_ROOT } from './run';

type Entry = { [key: string]: unknown } & { kind: string; kernel?: { [key: string]: number }; name?: string; holders?: Array<{ pid: number }> };
type Doc = { format: string; version: number; objects: Entry[]; namespace: unknown };

const removeAfter: Array<[string, number]> = [];
afterEach(() => {
  for (const [flag, id] of removeAfter.splice(0)) spawnSync('ipcrm', [flag, String(id)], { stdio: 'ignore' });
});

interface DumpedField {
  name: string;
  value: string;
  fields?: DumpedField[];
}

/** The field at a member path like `payload[1].text` in dump's --json (through anonymous members and bases, as the panel finds them). */
function dumpedAt(root: DumpedField, at: string): DumpedField | undefined {
  const find = (field: DumpedField, name: string): DumpedField | undefined => {
    for (const member of field.fields ?? []) {
      if (member.name === name) return member;
      if (member.name === '' || member.name.startsWith('(base ') || member.name.startsWith('(anonymous')) {
        const inner = find(member, name);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  let field: DumpedField | undefined = root;
  for (const part of at.match(/[^.[\]]+|\[\d+\]/g)!) field = field && find(field, part);
  return field;
}

function ipcsRows(flag: '-m' | '-q' | '-s'): string[][] {
  return execFileSync('ipcs', [flag], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /^0x[0-9a-f]{8}\s/.test(line))
    .map((line) => line.trim().split(/\s+/));
}

describe('ipc-inspector list/show/dump against ipcs, lsipc, ls, lsof and xxd', function () {
  it('list --json is the export document and has every System V object ipcs and lsipc show, with the same key, id, owner, mode, size and attachments', async function () {
    const shmid = trackSegment(ipcmk(['-M', '5000', '-p', '0640']));
    const held = createSegment(freshKey(), 12288, 0o600);
    const holder = await holdSegment(held, 'ro');
    const msqid = ipcmk(['-Q', '-p', '0600']);
    removeAfter.push(['-q', msqid]);
    const semid = ipcmk(['-S', '3', '-p', '0660']);
    removeAfter.push(['-s', semid]);
    const doc = cliJson<Doc>(['list']);
    assert.strictEqual(doc.format, 'ipc-inspector-export');
    const of = (kind: string) => doc.objects.filter((o) => o.kind === kind);
    // ipcs -m: key shmid owner perms bytes nattch
    const segments = ipcsRows('-m');
    assert.ok(segments.some((r) => Number(r[1]) === shmid) && segments.some((r) => Number(r[1]) === held));
    for (const [key, id, owner, perms, bytes, nattch] of segments) {
      const mine = of('sysvShm').find((o) => o.kernel!.shmid === Number(id));
      assert.ok(mine, `segment ${id} of ipcs is listed`);
      assert.deepStrictEqual(
        [mine.kernel!.key, mine.owner, mine.kernel!.mode.toString(8), mine.kernel!.size, mine.kernel!.nattch],
        [Number(key), owner, perms, Number(bytes), Number(nattch)],
      );
    }
    assert.strictEqual(of('sysvShm').find((o) => o.kernel!.shmid === held)!.kernel!.nattch, 1);
    // lsipc -m: the same, and the creator's pid.
    const lsipc = JSON.parse(execFileSync('lsipc', ['-m', '--json', '--bytes', '-o', 'KEY,ID,OWNER,SIZE,NATTCH,CPID'], { encoding: 'utf8' })) as {
      sharedmemory: Array<{ [k: string]: string }>;
    };
    for (const row of lsipc.sharedmemory) {
      const mine = of('sysvShm').find((o) => o.kernel!.shmid === Number(row.id))!;
      assert.deepStrictEqual([mine.kernel!.size, mine.kernel!.cpid, mine.owner], [Number(row.size), Number(row.cpid), row.owner]);
    }
    for (const [key, id, owner, perms] of ipcsRows('-q')) {
      const mine = of('sysvMsg').find((o) => o.kernel!.msqid === Number(id));
      assert.ok(mine, `queue ${id} of ipcs is listed`);
      assert.deepStrictEqual([mine.kernel!.key, mine.owner, mine.kernel!.mode.toString(8)], [Number(key), owner, perms]);
    }
    for (const [key, id, owner, perms, nsems] of ipcsRows('-s')) {
      const mine = of('sysvSem').find((o) => o.kernel!.semid === Number(id));
      assert.ok(mine, `set ${id} of ipcs is listed`);
      assert.deepStrictEqual([mine.kernel!.key, mine.owner, mine.kernel!.mode.toString(8), mine.kernel!.nsems], [Number(key), owner, perms, Number(nsems)]);
    }
    await holder.stop();
  });

  it("list shows a row per object in the view's columns, the same objects as ipcs and ls -l /dev/shm", function () {
    const shmid = trackSegment(ipcmk(['-M', '4096']));
    const name = freshName();
    createObject(name, 8192, 0o640);
    const out = cli(['list', '--kind', 'sysvShm', '--kind', 'posixShm']);
    assert.strictEqual(out.status, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^Kind\s+Object\s+Size\s+Owner\s+Mode\s+Holders\s+State$/);
    assert.doesNotMatch(out.stdout, /\x1b\[/, 'no colours when stdout is not a terminal');
    const key = ipcsRows('-m').find((r) => Number(r[1]) === shmid)![0];
    assert.ok(
      lines.some((l) => l.startsWith('System V segment') && l.includes(`${key} (id ${shmid})`) && /\b644\b/.test(l)),
      out.stdout,
    );
    // ls -l /dev/shm: every file but named semaphores is a row, with its mode.
    const listing = execFileSync('ls', ['-l', '/dev/shm'], { encoding: 'utf8' }).split('\n').slice(1).filter(Boolean);
    for (const line of listing) {
      const file = line.trim().split(/\s+/).slice(8).join(' ');
      if (file.startsWith('sem.')) continue;
      assert.ok(
        lines.some((l) => l.startsWith('POSIX object') && l.includes(`/${file} `)),
        `/dev/shm/${file} (ls -l) is listed`,
      );
    }
    assert.ok(
      lines.some((l) => l.includes(`/${name} `) && /\b640\b/.test(l) && /8 KiB/.test(l)),
      out.stdout,
    );
  });

  it('show names the processes that hold a POSIX object, the same pids as lsof -n /dev/shm', async function () {
    if (!have('lsof')) this.skip();
    const name = freshName();
    createObject(name, 4096, 0o600);
    const a = await mapObject(name, 'rw');
    const b = await mapObject(name, 'ro');
    const lsof = execFileSync('lsof', ['-n', '-F', 'pn', shmPath(name)], { encoding: 'utf8' });
    const lsofPids = new Set([...lsof.matchAll(/^p(\d+)$/gm)].map((m) => Number(m[1])));
    assert.deepStrictEqual([...lsofPids].sort(), [a.pid, b.pid].sort());
    const entry = cliJson<Entry>(['show', `/${name}`]);
    assert.deepStrictEqual([...new Set(entry.holders!.map((h) => h.pid))].sort(), [...lsofPids].sort());
    const text = cli(['show', shmPath(name)]);
    assert.strictEqual(text.status, 0, text.stderr);
    assert.match(text.stdout, /^POSIX object/);
    assert.match(text.stdout, /State:\s+in use/);
    assert.ok(text.stdout.includes(`${a.pid} `) && text.stdout.includes(`${b.pid} `), text.stdout);
    assert.match(text.stdout, /maps read-only/);
    await a.stop();
    await b.stop();
  });

  it('show finds a System V object by key, by id and by row id, with its state and why', function () {
    const key = freshKey();
    const shmid = createSegment(key, 4096, 0o600);
    for (const name of [`0x${key.toString(16)}`, String(shmid), `shm:${shmid}`]) {
      const out = cli(['show', name, '--kind', 'sysvShm']);
      assert.strictEqual(out.status, 0, `${name}: ${out.stderr}`);
      assert.match(out.stdout, new RegExp(`System V segment 0x${key.toString(16).padStart(8, '0')} · ${shmid}`));
      assert.match(out.stdout, /State:\s+orphaned \(leaked\)/);
      assert.match(out.stdout, /Why:\s+creator pid \d+ exited/);
    }
  });

  it('dump prints the bytes exactly as xxd does, whole and with --offset/--length (xxd -s/-l)', function () {
    const name = freshName();
    const bytes = crypto.randomBytes(1000);
    bytes.write('hello, shared memory', 100, 'latin1');
    createObject(name, bytes.length, 0o600);
    writeObject(name, 0, bytes);
    const whole = cli(['dump', `/${name}`]);
    assert.strictEqual(whole.status, 0, whole.stderr);
    assert.strictEqual(whole.stdout, execFileSync('xxd', [shmPath(name)], { encoding: 'latin1' }));
    const part = cli(['dump', `/${name}`, '--offset', '93', '--length', '50']);
    assert.strictEqual(part.stdout, execFileSync('xxd', ['-s', '93', '-l', '50', shmPath(name)], { encoding: 'latin1' }));
    // A System V segment: its bytes, as a file of the same bytes reads in xxd.
    const shmid = createSegment(freshKey(), 300, 0o600);
    const segmentBytes = crypto.randomBytes(300);
    writeSegment(shmid, 0, segmentBytes);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-')), 'bytes');
    fs.writeFileSync(file, segmentBytes);
    assert.strictEqual(cli(['dump', String(shmid), '--kind', 'sysvShm']).stdout, execFileSync('xxd', [file], { encoding: 'latin1' }));
    const json = cliJson<{ hex: string; length: number }>(['dump', String(shmid), '--kind', 'sysvShm', '--offset', '0x10', '--length', '32']);
    assert.strictEqual(json.hex, segmentBytes.subarray(16, 48).toString('hex'));
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  it('dump --type shows the fields of a C type laid out by the compiler, with the values written', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-'));
    const header = path.join(dir, 'sensor.h');
    fs.writeFileSync(header, '#include <stdint.h>\nstruct sensor {\n  uint32_t id;\n  double reading;\n  char name[8];\n  int16_t history[3];\n};\n');
    const bytes = Buffer.alloc(64);
    bytes.writeUInt32LE(7, 0);
    bytes.writeDoubleLE(21.5, 8);
    bytes.write('probe', 16, 'latin1');
    [-1, 2, 300].forEach((v, i) => bytes.writeInt16LE(v, 24 + i * 2));
    const name = freshName();
    createObject(name, 64, 0o600);
    writeObject(name, 0, bytes);
    const out = cli(['dump', `/${name}`, '--type', 'struct sensor', '--header', header]);
    assert.strictEqual(out.status, 0, out.stderr);
    assert.match(out.stdout, /^00000000 {2}struct sensor {2}struct sensor$/m);
    assert.match(out.stdout, /^00000000 {4}id {2}uint32_t = 7$/m);
    assert.match(out.stdout, /^00000008 {4}reading {2}double = 21\.5$/m);
    assert.match(out.stdout, /^00000010 {4}name {2}char\[8\] = "probe"$/m);
    assert.match(out.stdout, /^0000001c {6}\[2\] {2}int16_t = 300$/m);
    const json = cliJson<{ size: number; value: { fields: Array<{ name: string; value: string }> } }>([
      'dump',
      `/${name}`,
      '--type',
      'struct sensor',
      '--header',
      header,
    ]);
    assert.strictEqual(json.size, 32);
    assert.deepStrictEqual(
      json.value.fields.map((f) => [f.name, f.value]),
      [
        ['id', '7'],
        ['reading', '21.5'],
        ['name', '"probe"'],
        ['history', '[3]'],
      ],
    );
    fs.rmSync(dir, { recursive: true });
  });

  it("dump --type NAME --from PROGRAM: the fields of the C++ and Rust programs that wrote them, laid out from the programs' own debug information", async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-'));
    try {
      const programs: Array<{ file: string; type: string; expected: Record<string, string> }> = [];
      const cpp = path.join(dir, 'dwarfvalues-cpp');
      execFileSync('g++', ['-g', '-O1', '-o', cpp, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt']);
      programs.push({ file: cpp, type: 'ring::Slot<ring::Msg>', expected: CPP_EXPECTED });
      if (have('rustc')) {
        const rust = path.join(dir, 'dwarfvalues-rs');
        execFileSync('rustc', ['-g', '-C', 'opt-level=1', '-o', rust, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.rs')]);
        programs.push({ file: rust, type: 'dwarfvalues::shm::Frame', expected: RUST_EXPECTED });
      }
      for (const program of programs) {
        const name = trackName(freshName());
        await spawnReady(program.file, ['posix', name]);
        const json = cliJson<{ type: string; file: string; value: DumpedField }>(['dump', `/${name}`, '--type', program.type, '--from', program.file]);
        assert.strictEqual(json.type, program.type);
        const shown = Object.fromEntries(Object.keys(program.expected).map((at) => [at, dumpedAt(json.value, at)?.value]));
        assert.deepStrictEqual(shown, program.expected, program.type);
        const text = cli(['dump', `/${name}`, '--type', program.type, '--from', program.file]);
        assert.strictEqual(text.status, 0, text.stderr);
        assert.ok(text.stdout.startsWith(`00000000  ${program.type}  ${program.type}\n`), text.stdout.slice(0, 200));
      }
    } finally {
      await killSpawned();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--namespace PID lists the objects of another IPC namespace (a container's), and only there", async function () {
    if (!IS_ROOT) this.skip();
    const child = spawnSync('sh', ['-c', "unshare --ipc sh -c 'ipcmk -M 8192 -p 0600 >/dev/null; exec sleep 60' >/dev/null 2>&1 & echo $!"], {
      encoding: 'utf8',
    });
    const outer = Number(child.stdout.trim());
    try {
      // unshare forks nothing: the pid is the shell that becomes sleep, inside the new namespace.
      const doc = await waitForDoc(outer);
      assert.deepStrictEqual(
        doc.objects.filter((o) => o.kind === 'sysvShm').map((o) => o.kernel!.size),
        [8192],
      );
      assert.ok(doc.namespace, 'the document names the namespace shown');
      const here = cliJson<Doc>(['list', '--kind', 'sysvShm']);
      assert.ok(
        !here.objects.some((o) => o.kernel!.size === 8192 && o.kernel!.shmid === doc.objects[0].kernel!.shmid && o.kernel!.key === doc.objects[0].kernel!.key),
      );
    } finally {
      process.kill(outer, 'SIGKILL');
    }
  });
});

async function waitForDoc(pid: number): Promise<Doc> {
  const ownNs = fs.readlinkSync('/proc/self/ns/ipc');
  for (let i = 0; i < 500; i++) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/ipc`) !== ownNs && fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') {
        return cliJson<Doc>(['list', '--kind', 'sysvShm', '--namespace', String(pid)]);
      }
    } catch {
      // not there yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} never entered its own IPC namespace`);
}
