// `ipc-inspector check -- COMMAND...`: runs a command (a test suite) and reports every IPC object
// created while it ran and still there when it ended: kind, name, size, state, and the creator
// when the kernel keeps it (a System V segment's creator pid and command) or the name hints at it.
// `check --baseline FILE` compares the machine now with an export document saved before
// (`ipc-inspector list --json > FILE`), for suites that run elsewhere (another job, a container).
// Objects are the same when their identity in the export is (src/ipc/exportJson.ts
// exportedIdentity): ids and names are reused, so creators and inodes come along.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { minimatch } from 'minimatch';
import { EXPORT_FORMAT, EXPORT_NEEDS, exportedIdentity, type Json } from '../ipc/exportJson';
import { allObjects, kindOf, type Kind } from '../ipc/kinds';
import { STATE_NEEDS, type IpcObject } from '../ipc/snapshot';
import * as l10n from '../shared/l10n';
import { EXIT, UsageError } from './exit';
import { exportOf, mqueueNote, objectsOf, undecodableNote } from './list';
import type { CliSession } from './session';
import { formatTable, type Output } from './terminal';

export interface CheckArgs {
  command?: string[];
  allow?: string[];
  baseline?: string;
  kind?: Kind[];
  json?: boolean;
}

/** The names a user may give --allow patterns against: the title, the POSIX name and path, the System V key. */
export function namesOf(object: IpcObject): string[] {
  const kind = kindOf(object);
  const names = [kind.title(object)];
  const posix = kind.posixName(object);
  if (posix) names.push(posix.name, posix.path, posix.name.replace(/^\//, ''));
  const ids = kind.sysvIds(object);
  if (ids) names.push(`0x${(ids.key >>> 0).toString(16).padStart(8, '0')}`, String(ids.id));
  return names;
}

/** Whether one of the patterns (globs: `psm_*`, `/myapp-*`, `0x7e00*`) accepts the object. */
export function allowed(object: IpcObject, patterns: readonly string[]): boolean {
  const names = namesOf(object);
  return patterns.some((pattern) => names.some((name) => minimatch(name, pattern, { dot: true, nocase: false })));
}

/** The identities of a document's objects. */
export function identitiesOf(document: Json): Set<string> {
  const objects = document && typeof document === 'object' && !Array.isArray(document) ? document.objects : undefined;
  if (!Array.isArray(objects)) {
    throw new UsageError(l10n.t('The baseline is not an export document (`ipc-inspector list --json` writes one): it has no "objects".'));
  }
  const format = (document as { format?: Json }).format;
  if (format !== EXPORT_FORMAT) {
    throw new UsageError(l10n.t('The baseline is not an export document (`ipc-inspector list --json` writes one): its "format" is not "{0}".', EXPORT_FORMAT));
  }
  const entry = objects.findIndex((o) => !o || typeof o !== 'object' || Array.isArray(o) || typeof o.kind !== 'string');
  if (entry >= 0) throw new UsageError(l10n.t('The baseline is not an export document: object {0} of its "objects" has no kind.', entry + 1));
  return new Set(objects.map(exportedIdentity).filter((id): id is string => id !== undefined));
}

/**
 * Objects of `now` not in `before` (by identity), less the allowed ones. Only objects that outlive
 * their processes count: those with a key or a name still (removable). A memfd, or an object
 * removed but still held, goes with its last holder; and memfds other programs on the machine make
 * meanwhile (a browser makes hundreds) are not the command's.
 */
export function leftBehind(now: readonly IpcObject[], before: ReadonlySet<string>, allow: readonly string[]): IpcObject[] {
  return now.filter((o) => {
    if (!kindOf(o).removable(o)) return false;
    const id = exportedIdentity(kindOf(o).exported(o));
    return id !== undefined && !before.has(id) && !allowed(o, allow);
  });
}

function creatorWords(object: IpcObject): string {
  const entry = kindOf(object).exported(object);
  const kernel = entry.kernel && typeof entry.kernel === 'object' && !Array.isArray(entry.kernel) ? entry.kernel : undefined;
  if (typeof entry.creatorCommand === 'string') return l10n.t('pid {0} {1}', kernel?.cpid ?? '?', entry.creatorCommand);
  if (kernel && typeof kernel.cpid === 'number' && kernel.cpid > 0) return l10n.t('pid {0} (exited)', kernel.cpid);
  if (typeof entry.producer === 'string') return l10n.t('probably {0}', entry.producer);
  return l10n.t('unknown');
}

function readBaseline(file: string): Set<string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(l10n.t('Cannot read the baseline {0}: {1}', file, (error as Error).message));
  }
  try {
    return identitiesOf(JSON.parse(text) as Json);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(l10n.t('The baseline {0} is not JSON: {1}', file, (error as Error).message));
  }
}

/** Runs the command with this terminal; its exit status (128 + signal when killed). */
function run(command: string[], out: Output): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new UsageError(l10n.t('Cannot run {0}: no such command.', command[0]))
          : new UsageError(l10n.t('Cannot run {0}: {1}', command[0], error.message)),
      );
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      if (signal) out.progress(l10n.t('{0} was killed by {1}.', command[0], signal));
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
}

export async function check(session: CliSession, out: Output, args: CheckArgs): Promise<number> {
  const command = args.command ?? [];
  if (command.length > 0 && args.baseline) throw new UsageError(l10n.t('Give either a command to run (after --) or --baseline FILE, not both.'));
  if (command.length === 0 && !args.baseline) {
    throw new UsageError(l10n.t('Nothing to check: give a command after -- (check -- npm test), or --baseline FILE.'));
  }
  let before: Set<string>;
  let undecodableBefore: Set<string> | undefined;
  let status = 0;
  if (args.baseline) {
    before = readBaseline(args.baseline);
  } else {
    const first = await session.snapshot(STATE_NEEDS);
    before = identitiesOf(exportOf(session, first, allObjects(first)));
    undecodableBefore = new Set(first.posix.undecodable);
    out.progress(l10n.t('ipc-inspector: {0} IPC objects before; running {1}', before.size, command.join(' ')));
    status = await run(command, out);
  }
  const now = await session.snapshot(args.json ? EXPORT_NEEDS : STATE_NEEDS);
  const leaks = leftBehind(objectsOf(now, args.kind), before, args.allow ?? []);
  if (args.json) {
    const document = exportOf(session, now, leaks);
    out.line(JSON.stringify({ ...document, command: command.length ? command : null, commandStatus: command.length ? status : null }, null, 2));
  } else if (leaks.length === 0) {
    out.progress(l10n.t('ipc-inspector: no IPC object left behind.'));
  } else {
    out.line(leaks.length === 1 ? l10n.t('1 IPC object was created and left behind:') : l10n.t('{0} IPC objects were created and left behind:', leaks.length));
    const header = [l10n.t('Kind'), l10n.t('Object'), l10n.t('Size'), l10n.t('State'), l10n.t('Creator')];
    const rows = leaks.map((o) => {
      const kind = kindOf(o);
      const facts = kind.facts(o);
      return [kind.kindName(o), kind.title(o), facts.size, facts.state, creatorWords(o)];
    });
    out.line(formatTable(header, rows, (_r, column, padded) => (column === 1 ? out.paint(padded, 'yellow') : padded)));
  }
  const unlisted = mqueueNote(now, args.kind);
  if (unlisted) out.progress(l10n.t('POSIX message queues were not checked: {0}', unlisted));
  // Files made while the command ran whose names are not UTF-8: left behind too, though not objects here.
  const allow = args.allow ?? [];
  const newUndecodable = (now.posix.undecodable ?? []).filter((name) => !undecodableBefore?.has(name) && !allow.some((glob) => minimatch(name, glob)));
  const undecodable = undecodableNote(now.posix.dir, undecodableBefore ? newUndecodable : (now.posix.undecodable ?? []), args.kind);
  if (undecodable) out.progress(undecodable);
  if (leaks.length > 0 || (undecodableBefore && undecodable)) return EXIT.found;
  return status;
}
