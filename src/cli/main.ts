// `ipc-inspector`, the command line: what the extension shows, for terminals, CI and monitoring.
// This file only declares the commands and their options and runs one; each command is a file
// beside it over src/ipc (the same core, words and export format as the editor's views).
//
// The argument parser is yargs: well kept and widely used, it declares commands and options with
// their help text (--help for every command), refuses unknown options and commands (strict mode,
// exit 2), parses "--" for `check -- COMMAND`, and generates bash and zsh completion scripts
// itself (commander has no completion of its own). It was already in the tree (mocha uses it).
//
// Exit statuses (src/cli/exit.ts): 0 done / nothing found, 1 found what the command looks for
// (check: objects left behind; clean: orphans left), 2 bad usage or input, 3 a failure of the
// machine (/proc unreadable, helper missing, permission denied), 141 the output's reader stopped.
// The CommonJS entry of yargs on purpose: its ESM build wraps help text mid-word (a simpler cliui).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import yargs = require('yargs');
import type { Argv } from 'yargs';
import { KINDS, type Kind } from '../ipc/kinds';
import { useScanWorker } from '../ipc/procWorker';
import * as l10n from '../shared/l10n';
import { check } from './check';
import { clean } from './clean';
import { dump } from './dump';
import { EXIT, exitStatusOf, failureWords, UsageError } from './exit';
import { list } from './list';
import { METRICS_NEEDS, openMetrics } from './metrics';
import { serve } from './serve';
import { CliSession } from './session';
import { show } from './show';
import { waits } from './waits';
import { Output } from './terminal';

const KIND_NAMES = Object.keys(KINDS) as Kind[];

interface Common {
  namespace?: number;
  grace?: number;
  quiet?: boolean;
}

/** Runs one command with a session, turning failures into the extension's words and an exit status. */
function runner<A>(what: string, command: (session: CliSession, out: Output, args: A) => Promise<number>) {
  return async (args: A & Common): Promise<void> => {
    const out = new Output(process.stdout, process.stderr, args.quiet === true);
    let session: CliSession | undefined;
    try {
      checkCommon(args);
      session = new CliSession({ namespacePid: args.namespace, graceSeconds: args.grace });
      process.exitCode = await command(session, out, args);
    } catch (error) {
      out.error(failureWords(error, what));
      process.exitCode = exitStatusOf(error);
    } finally {
      session?.dispose();
    }
  };
}

/** The global options' values, checked before any command runs (yargs gives NaN for a word where a number goes). */
function checkCommon(args: Common): void {
  const { grace, namespace } = args;
  if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) throw new UsageError(l10n.t('--grace takes a number of seconds, 0 or more.'));
  if (namespace !== undefined && !(Number.isSafeInteger(namespace) && namespace > 0)) {
    throw new UsageError(l10n.t('--namespace takes the pid of a process in the IPC namespace to show.'));
  }
}

function kindOption<T>(y: Argv<T>) {
  return y.option('kind', { type: 'string', array: true, choices: KIND_NAMES, describe: l10n.t('Only objects of these kinds') });
}

function objectPositional<T>(y: Argv<T>) {
  return y.positional('object', {
    type: 'string',
    demandOption: true,
    describe: l10n.t('A key (0x7e001234), an id, a POSIX name (/name) or path (/dev/shm/name), or a row id (shm:5)'),
  });
}

export function parser(argv: string[]): Argv {
  // parse-positional-numbers off: what follows -- is check's command, passed on as typed (1e3 is not 1000).
  return yargs(argv)
    .scriptName('ipc-inspector')
    .usage(
      l10n.t(
        '$0 <command> [options]\n\nLinux IPC objects (System V and POSIX shared memory, semaphores, message queues): who holds them, which leaked, what is inside.',
      ),
    )
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false })
    .option('namespace', { type: 'number', describe: l10n.t("Show the IPC namespace of this process (a container's); needs root"), global: true })
    .option('grace', { type: 'number', default: 60, describe: l10n.t('Seconds an unheld POSIX object stays "unused" before it is "orphaned"'), global: true })
    .option('quiet', { alias: 'q', type: 'boolean', describe: l10n.t('No progress on stderr'), global: true })
    .command(
      'list',
      l10n.t('One row per object (every kind, or --kind), with its state'),
      (y) => kindOption(y).option('json', { type: 'boolean', describe: l10n.t('The export document (the same as Export as JSON)') }),
      runner('Could not list the IPC objects', list),
    )
    .command(
      'show <object>',
      l10n.t('Everything about one object: state and why, holders, waiters, values, messages'),
      (y) => kindOption(objectPositional(y)).option('json', { type: 'boolean', describe: l10n.t("The object's entry of the export document") }),
      runner('Could not show the object', show),
    )
    .command(
      'dump <object>',
      l10n.t("An object's bytes as xxd prints them, or the fields of a C type"),
      (y) =>
        kindOption(objectPositional(y))
          .option('offset', { type: 'number', describe: l10n.t('First byte (decimal or 0x hex)') })
          .option('length', { type: 'number', describe: l10n.t('How many bytes (default: to the end)') })
          .option('type', { type: 'string', describe: l10n.t('A C type to show the bytes as, e.g. "struct sensor"') })
          .option('header', { type: 'string', describe: l10n.t('The C file that declares --type') })
          .option('from', {
            type: 'string',
            describe: l10n.t('A program or library built with -g (or its debug file) whose debug information has --type (C, C++, Rust): instead of --header'),
          })
          .option('compiler', { type: 'string', default: 'cc', describe: l10n.t('The C compiler that lays out --type from --header') })
          .option('json', { type: 'boolean', describe: l10n.t('The bytes as hex, or the fields, in JSON') }),
      runner('Could not dump the object', dump),
    )
    .command(
      'waits',
      l10n.t(
        'Who waits on what: blocked threads, the locks in shared memory they wait on and who holds them, deadlocks (exit 1 when something is stuck for good)',
      ),
      (y) => y.option('json', { type: 'boolean', describe: l10n.t('The waits field of the export document') }),
      runner('Could not read the waits', waits),
    )
    .command(
      'clean',
      l10n.t('Remove orphaned objects, each checked again right before (the same as Clean Up Orphaned)'),
      (y) =>
        kindOption(y)
          .option('orphans', { type: 'boolean', describe: l10n.t('Remove the orphaned objects you may remove') })
          .option('dry-run', { alias: 'n', type: 'boolean', describe: l10n.t('Only show them (exit 1 when there are some)') })
          .option('yes', { alias: 'y', type: 'boolean', describe: l10n.t('Do not ask') })
          .option('uncertain', { type: 'boolean', describe: l10n.t('Also those some process could not be checked for') }),
      runner('Could not clean up orphaned objects', clean),
    )
    .command(
      'check',
      l10n.t('Run a command and report the IPC objects it left behind (exit 1 when any)'),
      (y) =>
        kindOption(y)
          .usage(
            l10n.t(
              '$0 check [options] -- COMMAND [ARGS...]\n$0 check --baseline FILE\n\nRun a command and report the IPC objects it left behind (exit 1 when any)',
            ),
          )
          .option('allow', { type: 'string', array: true, describe: l10n.t('Accept objects whose name, path or key matches this glob (psm_*)') })
          .option('baseline', { type: 'string', describe: l10n.t('Compare with this export document (list --json) instead of running a command') })
          .option('json', { type: 'boolean', describe: l10n.t('The objects left behind as an export document') }),
      runner(
        'Could not check for objects left behind',
        (session, out, args: { '--'?: string[]; allow?: string[]; baseline?: string; kind?: Kind[]; json?: boolean }) =>
          check(session, out, { ...args, command: args['--'] ?? [] }),
      ),
    )
    .command(
      'metrics',
      l10n.t("The picture as OpenMetrics text (for node_exporter's textfile collector)"),
      (y) => y,
      runner('Could not read the metrics', async (session, out) => {
        out.out.write(openMetrics(await session.snapshot(METRICS_NEEDS)));
        return EXIT.ok;
      }),
    )
    .command(
      'serve',
      l10n.t('Serve /metrics over HTTP for Prometheus'),
      (y) => y.option('listen', { type: 'string', default: '127.0.0.1:9479', describe: l10n.t('HOST:PORT to listen on') }),
      runner('Could not serve the metrics', serve),
    )
    .completion('completion', l10n.t('Print the completion script for bash, or for zsh when $SHELL is zsh'))
    .demandCommand(1, l10n.t('Say which command: list, show, dump, waits, clean, check, metrics or serve.'))
    .strict()
    .epilogue(
      l10n.t(
        "Exit status: 0 done (nothing found), 1 found leaks or orphans (check, clean) or a deadlock (waits), 2 bad usage or input, 3 a failure of the machine, 141 the output's reader stopped reading.",
      ),
    )
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`ipc-inspector: ${message}\n${l10n.t('Run ipc-inspector --help for the commands, or ipc-inspector COMMAND --help for one.')}\n`);
      process.exit(EXIT.usage);
    })
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100));
}

/**
 * A reader that stops reading (`ipc-inspector dump X | head`) ends the command quietly, with the
 * status a shell gives `cat` or `xxd` killed by SIGPIPE (128 + 13), instead of a stack trace of the
 * write that failed. Never 0: a script with pipefail must not take a cut-short `check` or `waits`
 * for "nothing found", and a `serve` whose log pipe closed has failed.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (stream.listenerCount('error') > 0) return;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(EXIT.closedPipe);
  });
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  useScanWorker(false);
  await parser(argv).parseAsync();
}
