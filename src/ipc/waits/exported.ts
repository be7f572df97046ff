// The waits as the export document has them (src/ipc/exportJson.ts, the `waits` field): every
// blocked thread with what it waits on, every lock read with its decoded state, the wait-for graph
// (nodes, edges, deadlock cycles) and the diagnoses in words. Typed values, as the rest of the
// document: ids and offsets are numbers, a futex address is lowercase hex, a Map is a list.
import { plain, type Json } from '../json';
import type { GraphNode } from './graph';
import type { WaitPicture } from './picture';
import type { FutexWord, WaitTarget } from './resolve';
import { objectName, type SharedObject } from './sharedMaps';

function objectOf(object: SharedObject): Json {
  const base = { id: object.id, name: objectName(object), device: `${object.identity.devMajor}:${object.identity.devMinor}`, ino: object.identity.ino };
  switch (object.type) {
    case 'sysvShm':
      return { type: 'sysvShm', ...base, shmid: object.shmid, key: object.key };
    case 'anonShm':
      return { type: 'anonShm', ...base };
    case 'file':
      return { type: object.memfd ? 'memfd' : object.devShm ? 'devShm' : 'file', ...base, path: object.path, deleted: object.deleted };
  }
}

function wordOf(word: FutexWord): Json {
  return {
    object: word.object.id,
    offset: plain(word.offset),
    address: word.address.toString(16),
    expected: word.expected,
    private: word.private,
    ...(word.command ? { command: word.command } : {}),
  };
}

function targetOf(on: WaitTarget): Json {
  switch (on.type) {
    case 'futex':
      return { type: 'futex', words: on.words.map(wordOf) };
    case 'sem':
      return plain(on);
    case 'msg':
      return plain(on);
    case 'mq':
      return { type: 'mq', fd: on.fd, send: on.send, ...(on.queue ? { queue: on.queue.name, key: on.queue.key } : {}) };
  }
}

function nodeOf(node: GraphNode): Json {
  switch (node.kind) {
    case 'thread':
      return { id: node.id, kind: 'thread', pid: node.pid, tid: node.tid, comm: node.comm };
    case 'object':
      return { id: node.id, kind: 'object', label: node.label };
    case 'lock':
      return {
        id: node.id,
        kind: 'lock',
        label: node.label,
        object: node.object.id,
        offset: plain(node.offset),
        type: node.lock.type,
        ...(node.lock.reading ? { reading: plain(node.lock.reading) } : {}),
        ...(node.lock.value !== undefined ? { value: node.lock.value } : {}),
      };
  }
}

/** The `waits` field: null when the export's refresh did not read waits. */
export function exportedWaits(picture: WaitPicture | undefined): Json {
  if (!picture) return null;
  if (!picture.read) return { read: false, why: picture.why };
  const { scan, graph } = picture;
  const objects = new Map<string, SharedObject>();
  for (const node of graph.nodes.values()) if (node.kind === 'lock') objects.set(node.object.id, node.object);
  return {
    read: true,
    arch: scan.arch,
    unreadableThreads: scan.unreadableThreads,
    unreadablePids: scan.unreadablePids,
    blocked: scan.blocked.map((t) => ({
      pid: t.pid,
      tid: t.tid,
      comm: t.comm,
      call: t.call,
      wchan: t.wchan,
      ...(t.waitedMs !== undefined ? { waitedMs: t.waitedMs } : {}),
      on: targetOf(t.on),
    })),
    objects: [...objects.values()].map(objectOf),
    graph: {
      nodes: [...graph.nodes.values()].map(nodeOf),
      edges: graph.edges.map((e) => ({ from: e.from, to: e.to, kind: e.kind })),
      cycles: graph.cycles,
    },
    diagnoses: graph.diagnoses.map((d) => ({ kind: d.kind, text: d.text, threads: d.threads, locks: d.locks })),
    lockReadFailures: [...picture.failures].map(([word, why]) => ({ word, why })),
  };
}
