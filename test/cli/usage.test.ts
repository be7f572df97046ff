// The conventions of the command line: --help for every command, bad usage and bad input end with a
// clear message on stderr and exit status 2 (nothing on stdout a script could take for output),
// colours only on a terminal and never with NO_COLOR, completion for bash and zsh.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createObject, freshName, trackName, writeObject } from '../support/posixObjects';
import { BIN, cli, have } from './run';

const COMMANDS = ['list', 'show', 'dump', 'waits', 'clean', 'check', 'metrics', 'serve', 'completion'];

describe('ipc-inspector usage', function () {
  it('--help lists every command and the exit statuses; each command has its own --help', function () {
    const top = cli(['--help']);
    assert.strictEqual(top.status, 0);
    for (const command of COMMANDS) assert.match(top.stdout, new RegExp(`ipc-inspector ${command}\\b`));
    assert.match(top.stdout, /Exit status: 0 done .*1 found leaks or orphans .*or a deadlock \(waits\).*2 bad usage or input/s);
    for (const [command, option] of [
      ['list', '--json'],
      ['show', '--kind'],
      ['dump', '--header'],
      ['dump', '--from'],
      ['waits', '--json'],
      ['clean', '--dry-run'],
      ['check', '--allow'],
      ['serve', '--listen'],
    ]) {
      const help = cli([command, '--help']);
      assert.strictEqual(help.status, 0, command);
      assert.ok(help.stdout.includes(option), `${command} --help names ${option}`);
    }
  });

  describe('bad usage or input: a clear message and exit status 2', function () {
    const name = freshName();
    let header: string;
    let program: string;
    let bare: string;
    before(function () {
      createObject(name, 64, 0o600);
      writeObject(name, 0, Buffer.from('x'.repeat(64)));
      header = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-')), 't.h');
      fs.writeFileSync(header, 'struct point { int x, y; };\n');
      // A program with debug information, and one without (no -g, no build-id: no debug file to find).
      const source = path.join(path.dirname(header), 'p.c');
      fs.writeFileSync(source, '#include "t.h"\nstruct point origin;\nint main(void) { return origin.x; }\n');
      program = path.join(path.dirname(header), 'program');
      bare = path.join(path.dirname(header), 'bare');
      execFileSync('cc', ['-g', '-o', program, source]);
      execFileSync('cc', ['-g0', '-Wl,--build-id=none', '-o', bare, source]);
    });
    after(() => fs.rmSync(path.dirname(header), { recursive: true, force: true }));

    const cases: Array<[string, () => string[], RegExp]> = [
      ['an unknown command', () => ['frobnicate'], /Unknown argument: frobnicate/],
      ['no command', () => [], /Say which command/],
      ['an unknown option', () => ['list', '--colour'], /Unknown argument: colour/],
      ['an unknown kind', () => ['list', '--kind', 'pipes'], /Invalid values:[\s\S]*kind/],
      ['an unknown object', () => ['show', '/no-such-object-ipcinsp'], /No IPC object \/no-such-object-ipcinsp: name it by key/],
      ['an unknown key', () => ['dump', '0x7effffff', '--kind', 'sysvShm'], /No IPC object 0x7effffff of kind sysvShm/],
      ['an offset past the end', () => ['dump', `/${name}`, '--offset', '65'], /--offset 65 lies past the end of the object \(64 bytes\)/],
      ['a range past the end', () => ['dump', `/${name}`, '--offset', '60', '--length', '8'], /reaches past the end of the object \(64 bytes\)/],
      ['a negative offset', () => ['dump', `/${name}`, '--offset', '-1'], /--offset must be a whole number of bytes/],
      ['an offset that is no number', () => ['dump', `/${name}`, '--offset', 'ten'], /--offset must be a whole number of bytes/],
      ['--type without --header or --from', () => ['dump', `/${name}`, '--type', 'struct point'], /--type goes with --header or --from/],
      ['--header and --from together', () => ['dump', `/${name}`, '--type', 'struct point', '--header', header, '--from', program], /give one of them/],
      [
        'a --from that is not there',
        () => ['dump', `/${name}`, '--type', 'struct point', '--from', '/nonexistent/prog'],
        /--from \/nonexistent\/prog: no such file/,
      ],
      [
        'a --from program without debug information',
        () => ['dump', `/${name}`, '--type', 'struct point', '--from', bare],
        /--type struct point cannot be laid out from .*bare: .*(no debug information|debug file)/s,
      ],
      [
        'a type the program does not describe',
        () => ['dump', `/${name}`, '--type', 'struct nowhere', '--from', program],
        /--type struct nowhere cannot be laid out from .*: .*No type "struct nowhere" in the debug information/s,
      ],
      [
        'a --from file that is no program',
        () => ['dump', `/${name}`, '--type', 'struct point', '--from', header],
        /--type struct point cannot be laid out from .*t\.h: /,
      ],
      [
        'a type the header does not declare',
        () => ['dump', `/${name}`, '--type', 'struct nowhere', '--header', header],
        /--type struct nowhere cannot be laid out from/,
      ],
      [
        'a header that is not there',
        () => ['dump', `/${name}`, '--type', 'struct point', '--header', '/nonexistent/t.h'],
        /--header \/nonexistent\/t\.h: no such file/,
      ],
      [
        'a type bigger than what is left',
        () => ['dump', `/${name}`, '--type', 'struct point', '--header', header, '--offset', '60'],
        /struct point takes 8 bytes, but only 4 are left/,
      ],
      [
        'a compiler that is not there',
        () => ['dump', `/${name}`, '--type', 'struct point', '--header', header, '--compiler', '/nonexistent/cc'],
        /The C compiler "\/nonexistent\/cc" was not found\. .* give its path with --compiler\./,
      ],
      ['clean without --orphans', () => ['clean'], /clean removes orphans only: say --orphans/],
      ['clean without --yes and no terminal', () => ['clean', '--orphans', '--grace', '0', '--kind', 'sysvShm'], /./],
      ['check without a command', () => ['check'], /Nothing to check: give a command after --/],
      ['check of a command that does not exist', () => ['check', '--', '/nonexistent/suite'], /Cannot run \/nonexistent\/suite: no such command/],
      ['a baseline that is not there', () => ['check', '--baseline', '/nonexistent/base.json'], /Cannot read the baseline \/nonexistent\/base\.json/],
      ['a baseline that is not JSON', () => ['check', '--baseline', header], /The baseline .* is not JSON/],
      ['a baseline that is not an export', () => ['check', '--baseline', writeTemp('{"a":1}')], /not an export document/],
      ['a baseline of another format', () => ['check', '--baseline', writeTemp('{"objects":[]}')], /its "format" is not "ipc-inspector-export"/],
      [
        'a baseline whose objects are not objects',
        () => ['check', '--baseline', writeTemp('{"format":"ipc-inspector-export","objects":[{"kind":"sysvShm"},1,null]}')],
        /object 2 of its "objects" has no kind/,
      ],
      ['a bad --listen', () => ['serve', '--listen', 'localhost'], /--listen takes HOST:PORT/],
      ['a --namespace pid that does not exist', () => ['list', '--namespace', '999999999'], /No process 999999999: --namespace takes the pid/],
      ['a --namespace that is not a pid', () => ['list', '--namespace', 'abc'], /--namespace takes the pid of a process/],
      ['a --grace that is not a number', () => ['list', '--grace', 'abc'], /--grace takes a number of seconds, 0 or more/],
      [
        'a negative --grace (everything would be orphaned)',
        () => ['clean', '--orphans', '--dry-run', '--grace', '-100'],
        /--grace takes a number of seconds, 0 or more/,
      ],
      [
        'an --offset that is not a number',
        () => ['dump', `/${name}`, '--offset', 'abc'],
        /--offset must be a whole number of bytes, 0 or more \(got not a number\)/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(what, function () {
        const result = cli(args());
        if (what === 'clean without --yes and no terminal') {
          // Nothing orphaned here is fine (exit 0); anything orphaned must not be removed unasked.
          if (result.status === 0) return;
          assert.match(result.stderr, /Not removing without --yes: standard input is not a terminal/);
        } else {
          assert.match(result.stderr, message);
        }
        assert.strictEqual(result.status, 2, `${result.stderr}\n${result.stdout}`);
        assert.match(result.stderr, /^ipc-inspector: /);
      });
    }
  });

  it('colours on a terminal only, never with NO_COLOR', function () {
    if (!have('script')) this.skip();
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync('script', ['-qec', `${sh(process.execPath)} ${sh(BIN)} list --help; ${sh(process.execPath)} ${sh(BIN)} list --kind posixShm`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    const name = freshName();
    createObject(name, 16, 0o600);
    assert.match(run({ NO_COLOR: '' }), /\x1b\[/, 'coloured on a terminal');
    assert.doesNotMatch(run({ NO_COLOR: '1' }), /\x1b\[/, 'not with NO_COLOR');
    assert.doesNotMatch(cli(['list', '--kind', 'posixShm']).stdout, /\x1b\[/, 'not into a pipe');
  });

  it('a name holding control characters reaches the terminal escaped, as ls -b shows it: it cannot clear, overwrite or split what is read', function () {
    // Another user may name a /dev/shm file anything but / and NUL: here a screen clear, a carriage
    // return, a line break, a tab and a right-to-left override.
    const name = trackName(`${freshName()}-\x1b[2J\rX\ny\tz\u202e`);
    fs.writeFileSync(path.join('/dev/shm', name), 'hostile');
    const escaped = name.replace('\x1b', '\\e').replace('\r', '\\r').replace('\n', '\\n').replace('\t', '\\t').replace('\u202e', '\\u{202e}');
    for (const args of [
      ['list', '--kind', 'posixShm'],
      ['show', `/${name}`],
    ]) {
      const run = cli(args);
      assert.strictEqual(run.status, 0, run.stderr);
      assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/.test(run.stdout), `${args[0]}: no control character but line breaks: ${JSON.stringify(run.stdout)}`);
      assert.ok(run.stdout.includes(escaped), `${args[0]} shows ${escaped}: ${run.stdout}`);
      assert.ok(!run.stdout.split('\n').some((line) => line.startsWith('y')), `${args[0]}: the name's line break makes no line of its own: ${run.stdout}`);
    }
    const rows = cli(['list', '--kind', 'posixShm']).stdout.trimEnd().split('\n');
    assert.strictEqual(rows.filter((row) => row.includes(escaped)).length, 1, 'one row, not split');
  });

  it('list and check say when POSIX message queues cannot be listed, rather than show none', function () {
    const mounted = fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[1] === '/dev/mqueue' && line.split(' ')[2] === 'mqueue');
    const listed = cli(['list', '--kind', 'posixMq']);
    const checked = cli(['check', '--', 'true']);
    const other = cli(['list', '--kind', 'sysvShm']);
    assert.strictEqual(listed.status, 0, listed.stderr);
    if (mounted) {
      assert.doesNotMatch(listed.stderr + checked.stderr, /mount -t mqueue/);
    } else {
      assert.match(
        listed.stderr,
        /\/dev\/mqueue (is not mounted|does not exist): POSIX message queues cannot be listed; mount it as root with: mount -t mqueue none \/dev\/mqueue/,
      );
      assert.match(checked.stderr, /POSIX message queues were not checked: \/dev\/mqueue (is not mounted|does not exist)/);
    }
    assert.doesNotMatch(other.stderr, /mqueue/, 'not said when queues were not asked for');
  });

  it('completion: a bash script that completes the commands, and a zsh one', function () {
    const bash = cli(['completion'], { env: { SHELL: '/bin/bash' } });
    assert.strictEqual(bash.status, 0);
    assert.match(bash.stdout, /complete -o bashdefault -o default -F _ipc-inspector_yargs_completions ipc-inspector/);
    const zsh = cli(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
    assert.match(zsh.stdout, /^#compdef ipc-inspector/m);
    // What the script asks the program: the words after "ipc-inspector" and after "list --k".
    const words = cli(['--get-yargs-completions', 'ipc-inspector', '']).stdout.split('\n');
    for (const command of COMMANDS) assert.ok(words.includes(command), `completes ${command}`);
    assert.ok(cli(['--get-yargs-completions', 'ipc-inspector', 'list', '--k']).stdout.split('\n').includes('--kind'));
    // And bash itself, through the script: COMPREPLY for "ipc-inspector d".
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-'));
    fs.writeFileSync(path.join(dir, 'ipc-inspector'), `#!/bin/sh\nexec ${sh(process.execPath)} ${sh(BIN)} "$@"\n`, { mode: 0o755 });
    const script = path.join(dir, 'completion.bash');
    fs.writeFileSync(script, bash.stdout);
    const out = spawnSync(
      'bash',
      [
        '-c',
        `source ${sh(script)}; COMP_WORDS=(ipc-inspector d); COMP_CWORD=1; COMP_LINE="ipc-inspector d"; _ipc-inspector_yargs_completions; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } },
    );
    fs.rmSync(dir, { recursive: true });
    assert.strictEqual(out.stdout.trim(), 'dump', out.stderr);
  });
});

/** A word for sh: in single quotes (a clone's path may hold spaces). */
function sh(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Folders writeTemp made, removed when the suite ends. */
const temporary: string[] = [];
after(() => {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function writeTemp(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-'));
  temporary.push(dir);
  const file = path.join(dir, 'doc.json');
  fs.writeFileSync(file, text);
  return file;
}
