// The IPC namespaces on this machine, and whose they are. Every System V object and POSIX queue
// belongs to exactly one IPC namespace: a container started without --ipc=host has its own, and
// its objects are invisible from ours. To offer another namespace, the processes in /proc are
// grouped by the inode of their ns/ipc link, and each group is named by the container its cgroup
// path tells (Docker, Podman, containerd, CRI-O, a Kubernetes pod, LXC), by the container's name
// where the engine's state files are readable, and by its first command lines.
//
// Everything is read synchronously from small /proc files. Nothing here throws on a process that
// exits meanwhile: /proc changes under every walk.
import * as fs from 'fs';
import * as path from 'path';
import { CMDLINE_HEAD, formatCommand, readHead } from './processes';

export type ContainerEngine = 'docker' | 'podman' | 'containerd' | 'cri-o' | 'kubernetes' | 'lxc';

/** The container a process runs in, as its cgroup path tells. */
export interface ContainerRef {
  engine: ContainerEngine;
  /** The engine's id: 64 hex digits; an LXC container's name (LXC has no other id). */
  id: string;
  /** The first 12 characters of id: what `docker ps` and `podman ps` show. */
  shortId: string;
  /** The Kubernetes pod's uid, with dashes (as `kubectl get pod -o yaml` shows it). */
  pod?: string;
  /** The name when the cgroup path itself carries it (LXC). */
  name?: string;
}

export interface NamespaceProcess {
  pid: number;
  /** The cmdline with NULs as spaces, "[comm]" when empty (formatCommand). */
  command: string;
}

export interface IpcNamespace {
  /** The inode of the namespace as decimal text: the N of "ipc:[N]". */
  id: string;
  inode: number;
  /** Every listed process in the namespace, ascending. */
  pids: number[];
  /** The first few of them (MAX_NAMED_PROCESSES) with their command lines: enough to recognise it. */
  processes: NamespaceProcess[];
  container?: ContainerRef;
  /** The container's name, from the engine's state (containerName) or its cgroup path. */
  containerName?: string;
  /** The namespace this process (or the given pid) runs in. */
  isOwn: boolean;
  /** A pid to enter the namespace through (setns on /proc/PID/ns/ipc): its lowest. */
  entryPid: number;
}

export interface NamespaceListing {
  /** The own namespace first, then by lowest pid. */
  namespaces: IpcNamespace[];
  /** Processes whose ns/ipc link could not be read (EACCES, EPERM: not ours to look at). */
  unreadable: number;
}

export interface NamespaceOptions {
  procRoot?: string;
  /** Whose namespace is the own one: 'self' (default) or a pid. */
  self?: number | 'self';
  /** Where Docker and Podman keep their state, for container names (see containerName). */
  dockerRoot?: string;
  podmanRoot?: string;
}

/** How many processes of a namespace are named: a pick list shows one, a tooltip a few. */
export const MAX_NAMED_PROCESSES = 5;

const HEX_ID = '[0-9a-f]{64}';

/**
 * Scope (or plain cgroup) names that are one container each. The monitors beside them,
 * libpod-conmon-ID.scope and crio-conmon-ID.scope, run on the host side of the container (in the
 * host's IPC namespace): they never match, since "conmon-" is not hex.
 */
const SCOPE_PATTERNS: ReadonlyArray<{ engine: ContainerEngine; pattern: RegExp }> = [
  { engine: 'docker', pattern: new RegExp(`^docker-(${HEX_ID})\\.scope$`) },
  { engine: 'podman', pattern: new RegExp(`^libpod-(${HEX_ID})(?:\\.scope)?$`) },
  { engine: 'containerd', pattern: new RegExp(`^cri-containerd-(${HEX_ID})\\.scope$`) },
  { engine: 'cri-o', pattern: new RegExp(`^crio-(${HEX_ID})(?:\\.scope)?$`) },
];

const BARE_ID = new RegExp(`^${HEX_ID}$`);

/** A pod's slice with the systemd driver (uid with underscores: "-" separates slice levels). */
const SYSTEMD_POD = /^kubepods(?:-[a-z]+)?-pod([0-9a-f]+(?:_[0-9a-f]+)*)\.slice$/;
/** A pod's directory with the cgroupfs driver. */
const CGROUPFS_POD = /^pod([0-9a-f]+(?:-[0-9a-f]+)*)$/;

/**
 * Recognises the container a process runs in from the text of /proc/PID/cgroup, or undefined for
 * a process outside any container (a login session, a system service, init) or an unknown layout.
 * The cgroup v2 line ("0::/path") is asked first; then the v1 lines ("N:controllers:/path") in
 * order. A v2 line of just "/" (v1 systems with systemd's hybrid layout, or a private cgroup
 * namespace) tells nothing, hence the v1 lines after it.
 */
export function parseContainer(cgroupText: string): ContainerRef | undefined {
  const v2: string[] = [];
  const v1: string[] = [];
  for (const line of cgroupText.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    (match[1] === '0' && match[2] === '' ? v2 : v1).push(match[3]);
  }
  for (const cgroupPath of [...v2, ...v1]) {
    const ref = containerFromPath(cgroupPath);
    if (ref) return ref;
  }
  return undefined;
}

/** The container of one cgroup path: the innermost one named in it (Docker in LXC is Docker). */
function containerFromPath(cgroupPath: string): ContainerRef | undefined {
  const segments = cgroupPath.split('/').filter((segment) => segment !== '');
  const pod = podOf(segments);
  for (let i = segments.length - 1; i >= 0; i--) {
    const found = engineScope(segments[i]) ?? cgroupfsContainer(segments, i, pod !== undefined) ?? lxcContainer(segments, i);
    if (found) return makeRef(found.engine, found.id, pod, found.engine === 'lxc' ? found.id : undefined);
  }
  return undefined;
}

type Found = { engine: ContainerEngine; id: string } | undefined;

function engineScope(segment: string): Found {
  for (const { engine, pattern } of SCOPE_PATTERNS) {
    const match = pattern.exec(segment);
    if (match) return { engine, id: match[1] };
  }
  return undefined;
}

/**
 * A bare id directory: Docker's cgroupfs driver (/docker/ID), or the kubelet's (/kubepods/
 * burstable/podUID/ID), where the engine is not told (dockershim and containerd alike).
 */
function cgroupfsContainer(segments: string[], i: number, inPod: boolean): Found {
  if (!BARE_ID.test(segments[i])) return undefined;
  if (segments[i - 1] === 'docker') return { engine: 'docker', id: segments[i] };
  if (inPod && CGROUPFS_POD.test(segments[i - 1] ?? '')) return { engine: 'kubernetes', id: segments[i] };
  return undefined;
}

/** /lxc.payload.NAME (LXC 4 and later) or /lxc/NAME (before); lxc.monitor.NAME is LXC's own process. */
function lxcContainer(segments: string[], i: number): Found {
  const payload = /^lxc\.payload\.(.+)$/.exec(segments[i]);
  if (payload) return { engine: 'lxc', id: payload[1] };
  if (i === 1 && segments[0] === 'lxc') return { engine: 'lxc', id: segments[1] };
  return undefined;
}

/** The pod uid with dashes, when the path runs through the kubelet's kubepods hierarchy. */
function podOf(segments: string[]): string | undefined {
  if (!segments.some((segment) => segment === 'kubepods' || segment === 'kubepods.slice')) return undefined;
  for (const segment of segments) {
    const systemd = SYSTEMD_POD.exec(segment);
    if (systemd) return systemd[1].replace(/_/g, '-');
    const cgroupfs = CGROUPFS_POD.exec(segment);
    if (cgroupfs) return cgroupfs[1];
  }
  return undefined;
}

function makeRef(engine: ContainerEngine, id: string, pod: string | undefined, name: string | undefined): ContainerRef {
  return { engine, id, shortId: id.slice(0, 12), ...(pod !== undefined ? { pod } : {}), ...(name !== undefined ? { name } : {}) };
}

/**
 * The container's name where the engine's state says it and is readable (usually root only):
 * Docker's containers/ID/config.v2.json ("Name": "/web-1"), Podman's
 * overlay-containers/containers.json ([{ "id", "names" }]); an LXC container's is in its cgroup
 * path. Rootless Podman keeps its state in the owner's home, which is not looked for. Never throws:
 * unreadable, missing or malformed state gives undefined.
 */
export function containerName(ref: ContainerRef, options: { dockerRoot?: string; podmanRoot?: string } = {}): string | undefined {
  if (ref.name !== undefined) return ref.name;
  // The id becomes part of a path: only a real id may, never "../" from a hand-made ref.
  if (!BARE_ID.test(ref.id)) return undefined;
  if (ref.engine === 'docker') return dockerName(ref.id, options.dockerRoot ?? '/var/lib/docker');
  if (ref.engine === 'podman') return podmanName(ref.id, options.podmanRoot ?? '/var/lib/containers/storage');
  return undefined;
}

function dockerName(id: string, root: string): string | undefined {
  const config = readJson(path.join(root, 'containers', id, 'config.v2.json')) as { Name?: unknown } | undefined;
  // Docker's names carry the leading slash of its old link hierarchy ("/web-1"); ps shows none.
  const name = typeof config?.Name === 'string' ? config.Name.replace(/^\//, '') : '';
  return name !== '' ? name : undefined;
}

function podmanName(id: string, root: string): string | undefined {
  const containers = readJson(path.join(root, 'overlay-containers', 'containers.json'));
  if (!Array.isArray(containers)) return undefined;
  const entry = containers.find((c): c is { names?: unknown } => typeof c === 'object' && c !== null && c.id === id);
  const name = Array.isArray(entry?.names) ? entry.names[0] : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The N of an ns/ipc link text "ipc:[N]". */
function parseNamespaceLink(text: string): number | undefined {
  const match = /^ipc:\[(\d+)\]$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The inode of one process's IPC namespace; 'vanished' when it exited, 'unreadable' when not ours to see. */
function readNamespace(dir: string): number | 'vanished' | 'unreadable' {
  try {
    return parseNamespaceLink(fs.readlinkSync(path.join(dir, 'ns', 'ipc'))) ?? 'unreadable';
  } catch (error) {
    const code = errorCode(error);
    // ENOENT/ESRCH: exited meanwhile. Anything else (EACCES, EPERM): we are not allowed to look.
    return code === 'ENOENT' || code === 'ESRCH' ? 'vanished' : 'unreadable';
  }
}

/** The command line of a process as readProcess words it; undefined once it exited. */
function readCommand(dir: string): string | undefined {
  try {
    const cmdline = readHead(path.join(dir, 'cmdline'), CMDLINE_HEAD);
    // comm is needed only for the empty cmdline of kernel threads and zombies.
    if (cmdline.some((byte) => byte !== 0)) return formatCommand(cmdline, '');
    return formatCommand('', fs.readFileSync(path.join(dir, 'comm'), 'utf8').replace(/\n$/, ''));
  } catch {
    return undefined;
  }
}

function readContainer(dir: string): ContainerRef | undefined {
  try {
    return parseContainer(fs.readFileSync(path.join(dir, 'cgroup'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The container of a namespace: the first of its processes (by pid) whose cgroup names one. A
 * namespace holding pid 1 is the one this /proc's init runs in: only init's cgroup counts there,
 * since containers started with --ipc=host (or pods with hostIPC) share it without owning it.
 */
function namespaceContainer(procRoot: string, pids: number[]): ContainerRef | undefined {
  const candidates = pids[0] === 1 ? [1] : pids;
  for (const pid of candidates) {
    const ref = readContainer(path.join(procRoot, String(pid)));
    if (ref) return ref;
  }
  return undefined;
}

function namedProcesses(procRoot: string, pids: number[]): NamespaceProcess[] {
  const named: NamespaceProcess[] = [];
  for (const pid of pids) {
    if (named.length === MAX_NAMED_PROCESSES) break;
    const command = readCommand(path.join(procRoot, String(pid)));
    if (command !== undefined) named.push({ pid, command }); // exited meanwhile: name the next
  }
  return named;
}

/**
 * Lists the IPC namespaces of the processes in /proc: every pid directory's ns/ipc link, grouped
 * by inode. A user who is not root sees only the links of its own processes; the others are
 * counted in unreadable, so the caller can say that more namespaces may exist.
 */
export function listIpcNamespaces(options: NamespaceOptions = {}): NamespaceListing {
  const procRoot = options.procRoot ?? '/proc';
  const byInode = new Map<number, number[]>();
  let unreadable = 0;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(procRoot);
  } catch {
    // no /proc at all: nothing to list
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const inode = readNamespace(path.join(procRoot, entry));
    if (inode === 'vanished') continue;
    if (inode === 'unreadable') {
      unreadable++;
      continue;
    }
    const pids = byInode.get(inode);
    if (pids) pids.push(Number(entry));
    else byInode.set(inode, [Number(entry)]);
  }
  const own = readNamespace(path.join(procRoot, String(options.self ?? 'self')));
  const namespaces = [...byInode].map(([inode, pids]) =>
    describeNamespace(
      procRoot,
      inode,
      pids.sort((a, b) => a - b),
      inode === own,
      options,
    ),
  );
  namespaces.sort((a, b) => Number(b.isOwn) - Number(a.isOwn) || a.entryPid - b.entryPid);
  return { namespaces, unreadable };
}

function describeNamespace(procRoot: string, inode: number, pids: number[], isOwn: boolean, options: NamespaceOptions): IpcNamespace {
  const container = namespaceContainer(procRoot, pids);
  const name = container ? containerName(container, options) : undefined;
  return {
    id: String(inode),
    inode,
    pids,
    processes: namedProcesses(procRoot, pids),
    ...(container ? { container } : {}),
    ...(name !== undefined ? { containerName: name } : {}),
    isOwn,
    entryPid: pids[0],
  };
}

// A pick list line must stay short: a long command line is cut here.
const MAX_LABEL_COMMAND = 40;

/** How a container is called in a label: "docker web-1 (3f2a1b4c5d6e)", "lxc web", "containerd 3f2a1b4c5d6e in pod 1a2b…". */
export function containerLabel(ref: ContainerRef, name = ref.name): string {
  const who = name === undefined ? ref.shortId : name === ref.id ? name : `${name} (${ref.shortId})`;
  return `${ref.engine} ${who}${ref.pod !== undefined ? ` in pod ${ref.pod}` : ''}`;
}

/**
 * One line for a pick list: "ipc:[4026532201] · docker web-1 (3f2a1b4c5d6e) · 3 processes: nginx:
 * master process…", or "this window's namespace (ipc:[4026531839]) · 212 processes".
 */
export function namespaceLabel(ns: IpcNamespace): string {
  const link = `ipc:[${ns.id}]`;
  const parts = [ns.isOwn ? `this window's namespace (${link})` : link];
  if (ns.container) parts.push(containerLabel(ns.container, ns.containerName ?? ns.container.name));
  const count = `${ns.pids.length} ${ns.pids.length === 1 ? 'process' : 'processes'}`;
  const first = ns.processes[0]?.command;
  // The own namespace needs no example: it is the one everything else in the window shows.
  parts.push(ns.isOwn || first === undefined ? count : `${count}: ${truncate(first, MAX_LABEL_COMMAND)}`);
  return parts.join(' · ');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
