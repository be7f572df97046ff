// A test program that serves one command per line on stdin and answers one line each (shmtool,
// posixtool): started, its "ready ..." line awaited, then spoken to until stopped. A program that
// exits instead of answering rejects the wait with its stderr.
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as readline from 'readline';

export interface LineServer {
  pid: number;
  /** The first line it printed ("ready ..."). */
  ready: string;
  /** Sends one command line and resolves with its one-line answer. */
  command(line: string): Promise<string>;
  /** Ends it (EOF on its stdin); resolves when it is gone. */
  stop(): Promise<void>;
}

/** Starts `program args` (as `uid`, group nogroup, when given), kept in `children` until stopped. */
export async function startLineServer(program: string, args: string[], children: Set<ChildProcessWithoutNullStreams>, uid?: number): Promise<LineServer> {
  const child = spawn(program, args, { uid, gid: uid === undefined ? undefined : 65534 });
  children.add(child);
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  lines.on('line', (line) => waiting.shift()?.(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const name = program.split('/').pop();
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      void exited.then(() => reject(new Error(`${name} ${args.join(' ')} exited: ${stderr.trim()}`)));
    });
  const ready = await nextLine();
  return {
    pid: child.pid!,
    ready,
    command: (line: string) => {
      const answer = nextLine();
      child.stdin.write(line + '\n');
      return answer;
    },
    stop: async () => {
      child.stdin.end();
      await exited;
      children.delete(child);
    },
  };
}
