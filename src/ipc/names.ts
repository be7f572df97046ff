// Names for the numbers /proc gives, for one refresh: processes (memoised: many objects share a
// creator or a holder), their commands (remembered across refreshes, so an exited creator can still
// be named), users and groups.
import { createProcessLookup, groupName, ProcessStatus, userName } from './processes';

export interface Names {
  process(pid: number): ProcessStatus;
  /** The command of a running pid (remembered for later), or the one it had when last seen. */
  command(pid: number): string | undefined;
  /** The command a pid had when last seen alive, without looking at /proc now. */
  lastKnownCommand(pid: number): string | undefined;
  /** The user name of a uid, or the number when it has none. */
  user(uid: number): string;
  group(gid: number): string;
}

/** Remembers commands of pids seen alive, across refreshes. */
export class CommandMemory {
  private readonly known = new Map<number, string>();

  /** A Names for one refresh: process lookups are memoised for that refresh only. */
  names(procRoot: string, etcRoot: string): Names {
    const lookup = createProcessLookup(procRoot);
    const known = this.known;
    return {
      process: lookup,
      command(pid) {
        if (pid <= 0) return undefined;
        const status = lookup(pid);
        if (status.kind === 'running') {
          known.set(pid, status.info.command);
          return status.info.command;
        }
        return known.get(pid);
      },
      lastKnownCommand: (pid) => known.get(pid),
      user: (uid) => userName(uid, etcRoot) ?? String(uid),
      group: (gid) => groupName(gid, etcRoot) ?? String(gid),
    };
  }
}
