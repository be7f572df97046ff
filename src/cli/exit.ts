// The command line's exit statuses, and how a failure is told: in the extension's words
// (src/ipc/errors.ts describeError: what failed, why with the errno, what to do), on stderr.
//   0  done; for the commands that ask a question (check, clean --dry-run): nothing found
//   1  found what the command looks for: objects left behind (check), orphans left (clean), a
//      wait that will never end by itself (waits: a deadlock, a lock never to be released)
//   2  bad usage or bad input: unknown option or object, bad offsets, a type that does not lay out
//   3  a failure of the machine: /proc unreadable, the helper missing, permission denied
//   141 the output's reader stopped reading (a closed pipe: as a shell reports SIGPIPE)
import { describeError, type Subject } from '../ipc/errors';

export const EXIT = { ok: 0, found: 1, usage: 2, failure: 3, closedPipe: 141 } as const;

/** Bad usage or bad input: the message says what was wrong; exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already put into words; exit status 3 unless given. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly status: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

/** The words for a failure of `what` (the extension's command titles: "Could not remove …"). */
export function failureWords(error: unknown, what: string, on?: Subject): string {
  if (error instanceof UsageError || error instanceof CliFailure) return error.message;
  return describeError(error, what, on, 'command line').message;
}

/** The status a failure exits with. */
export function exitStatusOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof CliFailure) return error.status;
  return EXIT.failure;
}
