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

function memo(lookup: (id: number) => string): (id: number) => string {
  const names = new Map<number, string>();
  return (id) => {
    let name = names.get(id);
    if (name === undefined) {
      name = lookup(id);
      names.set(id, name);
    }
    return name;
  };
}

/** Remembers commands of pids seen alive, across refreshes. */
export class CommandMemory {
  private readonly known = new Map<number, string>();

  /**
   * A Names for one refresh: process lookups are memoised for that refresh only. `seen`: commands
   * of running processes this refresh has read already (ProcScan.holderCommands: the scan reads
   * the cmdline of every holder), not looked up again.
   */
  names(procRoot: string, etcRoot: string, seen?: ReadonlyMap<number, string>): Names {
    const lookup = createProcessLookup(procRoot);
    const known = this.known;
    return {
      process: lookup,
      command(pid) {
        if (pid <= 0) return undefined;
        const read = seen?.get(pid);
        if (read !== undefined) {
          known.set(pid, read);
          return read;
        }
        const status = lookup(pid);
        if (status.kind === 'running') {
          known.set(pid, status.info.command);
          return status.info.command;
        }
        return known.get(pid);
      },
      lastKnownCommand: (pid) => known.get(pid),
      // Thousands of objects share a handful of owners: each id is looked up once per refresh.
      user: memo((uid) => userName(uid, etcRoot) ?? String(uid)),
      group: memo((gid) => groupName(gid, etcRoot) ?? String(gid)),
    };
  }
}
