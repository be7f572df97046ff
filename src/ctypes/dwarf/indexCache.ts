// The name index on disk, one file per debug file (by build-id) in a folder the caller gives: what
// makes the second open of a big program nearly free. It is read where it lies, never whole: a JSON
// header line (the format's version, the debug file's size, modification time and inode, its units'
// headers, counts and where each part is), then fixed-size rows (one per type DIE, in file order:
// offset, name, hash, scope, tag, flags), the scopes, the hash table of the listed names, the names'
// bytes, and the pick list's first names already spelled. Finding a name is a few small reads (its
// hash's slots, the candidates' rows, their names), a scope prefix a binary search over the rows;
// on a virtual machine, where memory touched for the first time is the slowest thing of all, that
// is the difference between milliseconds and a second.
//
// Written to a temporary file and renamed, so a reader never sees half of one; a stale one (another
// size, time or inode) is ignored and rebuilt; every number read from it is bounds-checked, so a
// damaged one gives wrong names at worst, never a read out of bounds (the layout checks the DIE it
// finds: debugTypes.ts).
import * as fs from 'fs';
import * as path from 'path';
import * as l10n from '../../shared/l10n';
import { DwarfError, utf8 } from './bytes';
import { DECL, HIDDEN, OWN } from './indexWalk';
import type { Unit } from './info';
import { ANONYMOUS, ANONYMOUS_NAMESPACE, hashText, locate, located, NO_NAME } from './names';
import { SHARDS, ShardedSlots } from './slots';
import { keywordOf, NameIndex, Slices, spell, tick, TypeIndex, TypeList } from './typeIndex';

const FORMAT = 'ipc-inspector dwarf index';
const VERSION = 4;
const ROW = 20;
const SCOPE_ROW = 8;
/** Names of the pick list kept spelled in the file. */
export const OWN_LIST = 5000;
const MAX_HEADER = 64 << 20;

export interface Stamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

type UnitRow = [number, number, number, number, number, number, number, number, number, number, string];

interface Header extends Stamp {
  format: string;
  version: number;
  infoLength: number;
  units: UnitRow[];
  entries: number;
  listed: number;
  scopes: number;
  /** The hash table's shards' sizes (slots.ts), stored one after the other. */
  shards: number[];
  blob: number;
  own: { total: number; count: number; bytes: number };
  at: { rows: number; scopes: number; slots: number; blob: number; ownIds: number; ownTags: number; ownNames: number; end: number };
}

/** A cache file that is not for this debug file, or not whole: it is built again. */
class Unusable extends Error {}

/** A cache file found damaged while in use. */
function damaged(): DwarfError {
  return new DwarfError(l10n.t('The saved index of the debug information is damaged: open the file again to index it anew.'));
}

function unitRow(u: Unit): UnitRow {
  return [
    u.section,
    u.start,
    u.end,
    u.firstDie,
    u.version,
    u.unitType,
    u.addressSize,
    u.offsetSize,
    u.abbrevOffset,
    u.typeOffset ?? -1,
    u.signature?.toString(16) ?? '',
  ];
}

function unitOf(row: UnitRow): Unit {
  const [section, start, end, firstDie, version, unitType, addressSize, offsetSize, abbrevOffset, typeOffset, signature] = row;
  for (const n of [start, end, firstDie, version, unitType, addressSize, offsetSize, abbrevOffset, typeOffset]) {
    if (!Number.isSafeInteger(n)) throw new Unusable();
  }
  const unit: Unit = { section: section === 1 ? 1 : 0, start, end, firstDie, version, unitType, addressSize, offsetSize, abbrevOffset };
  if (signature) unit.signature = BigInt(`0x${signature}`);
  if (typeOffset >= 0) unit.typeOffset = typeOffset;
  return unit;
}

/** Writes the index (names copied into the file's own table); a failure only costs time next time. */
export async function saveIndex(file: string, index: TypeIndex, units: Unit[], stamp: Stamp, infoLength: number): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  let handle: fs.promises.FileHandle | undefined;
  try {
    const e = index.entries;
    const n = e.length;
    if (n > 0 && e.offset.get(n - 1) >= 2 ** 32) return; // offsets beyond 4 GiB: not this format
    // The names' bytes, each once, in the file's own table.
    let blob = new Uint8Array(1 << 20);
    let blobLength = 0;
    const offsets = new Map<number, number>();
    const slices = new Slices();
    const put = (ref: number): number => {
      if (ref < 0) return ref;
      const known = offsets.get(ref);
      if (known !== undefined) return known;
      const start = locate(index.names, index.infoLength, ref);
      const bytes = located();
      let stop = start < 0 ? start : bytes.indexOf(0, start);
      if (start >= 0 && stop < 0) stop = bytes.length;
      const length = start < 0 ? 0 : stop - start;
      if (blobLength + length + 1 > blob.length) {
        const bigger = new Uint8Array(Math.max(blob.length * 2, blobLength + length + 1));
        bigger.set(blob.subarray(0, blobLength));
        blob = bigger;
      }
      if (length > 0) blob.set(bytes.subarray(start, stop), blobLength);
      const at = blobLength;
      blobLength += length;
      blob[blobLength++] = 0;
      offsets.set(ref, at);
      return at;
    };
    const scopes = index.scopes;
    const scopeBytes = Buffer.alloc(scopes.size * SCOPE_ROW);
    for (let i = 0; i < scopes.size; i++) {
      scopeBytes.writeInt32LE(scopes.parent.get(i), i * SCOPE_ROW);
      scopeBytes.writeInt32LE(put(scopes.nameRef.get(i)), i * SCOPE_ROW + 4);
      if ((i & 1023) === 0) await slices.due();
    }
    const rows = Buffer.alloc(n * ROW);
    for (let i = 0; i < n; i++) {
      const at = i * ROW;
      rows.writeUInt32LE(e.offset.get(i), at);
      rows.writeUInt32LE(put(e.nameRef.get(i)), at + 4);
      rows.writeInt32LE(e.hash.get(i), at + 8);
      rows.writeInt32LE(e.scope.get(i), at + 12);
      rows[at + 16] = e.tag.get(i);
      rows[at + 17] = e.flags.get(i);
      if ((i & 1023) === 0) await slices.due();
    }
    const own = await index.ownList(OWN_LIST);
    const ownIds = Buffer.alloc(own.ids.length * 4);
    own.ids.forEach((id, i) => ownIds.writeUInt32LE(id, i * 4));
    const ownTags = Buffer.from(own.tags);
    const ownNames = Buffer.from(own.names.join('\0'), 'utf8');
    const shards = index.hashSlots.shards;
    const slotBytes = Buffer.concat(shards.map((shard) => Buffer.from(shard.buffer, shard.byteOffset, shard.byteLength)));
    const parts: Buffer[] = [rows, scopeBytes, slotBytes, Buffer.from(blob.buffer, blob.byteOffset, blobLength), ownIds, ownTags, ownNames];
    // The header says where each part is: its own length is not known before it is written, so it is padded to a round size.
    const header: Header = {
      format: FORMAT,
      version: VERSION,
      ...stamp,
      infoLength,
      units: units.map(unitRow),
      entries: n,
      listed: index.listed,
      scopes: scopes.size,
      shards: shards.map((shard) => shard.length),
      blob: blobLength,
      own: { total: own.total, count: own.ids.length, bytes: ownNames.length },
      at: { rows: 0, scopes: 0, slots: 0, blob: 0, ownIds: 0, ownTags: 0, ownNames: 0, end: 0 },
    };
    const draft = JSON.stringify(header).length + 200;
    const headerSize = Math.ceil(draft / 4096) * 4096;
    let at = headerSize;
    const places = parts.map((part) => {
      const place = at;
      at += part.length;
      return place;
    });
    header.at = { rows: places[0], scopes: places[1], slots: places[2], blob: places[3], ownIds: places[4], ownTags: places[5], ownNames: places[6], end: at };
    const head = Buffer.alloc(headerSize, 0x20);
    const text = Buffer.from(JSON.stringify(header), 'utf8');
    if (text.length + 1 > headerSize) return;
    text.copy(head);
    head[headerSize - 1] = 10;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    handle = await fs.promises.open(temp, 'w', 0o600);
    await handle.writev([head, ...parts]);
    await handle.close();
    handle = undefined;
    await fs.promises.rename(temp, file);
  } catch {
    await handle?.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
  }
}

/** The index in a cache file, read where it lies. */
export class FileIndex implements NameIndex {
  readonly listed: number;
  private readonly row = Buffer.alloc(ROW);
  private readonly small = Buffer.alloc(256);
  private readonly prefixes = new Map<number, string>();
  private materialized: TypeList | undefined;
  /** Where each shard of the hash table starts (file offsets). */
  private readonly shardAt: number[] = [];

  private constructor(
    private readonly fd: number,
    private readonly header: Header,
    private readonly lastOffset: number,
  ) {
    this.listed = header.listed;
    let at = header.at.slots;
    for (const size of header.shards) {
      this.shardAt.push(at);
      at += size * 4;
    }
  }

  /** The index in `file` if it is for this very debug file and whole; undefined otherwise. */
  static open(file: string, stamp: Stamp, infoLength: number): { index: FileIndex; units: Unit[] } | undefined {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new Unusable();
      const first = Buffer.alloc(Math.min(stat.size, 4096));
      fs.readSync(fd, first, 0, first.length, 0);
      let newline = first.indexOf(10);
      let head = first;
      if (newline < 0) {
        // A header longer than a page (a program of thousands of units): read up to its end.
        const size = Math.min(stat.size, MAX_HEADER);
        head = Buffer.alloc(size);
        fs.readSync(fd, head, 0, size, 0);
        newline = head.indexOf(10);
        if (newline < 0) throw new Unusable();
      }
      const header = JSON.parse(head.toString('utf8', 0, newline)) as Header;
      if (header.format !== FORMAT || header.version !== VERSION) throw new Unusable();
      if (header.size !== stamp.size || header.mtimeMs !== stamp.mtimeMs || header.ino !== stamp.ino || header.infoLength !== infoLength) throw new Unusable();
      const { entries, listed, scopes, shards, blob, own, at } = header;
      const counts = [entries, listed, scopes, blob, own?.total, own?.count, own?.bytes];
      if (!counts.every((v) => Number.isSafeInteger(v) && v >= 0) || scopes < 1) throw new Unusable();
      if (!Array.isArray(shards) || shards.length !== SHARDS || !shards.every((n) => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0)) {
        throw new Unusable();
      }
      const slots = shards.reduce((a, b) => a + b, 0);
      const expect = [
        [at.rows, entries * ROW],
        [at.scopes, scopes * SCOPE_ROW],
        [at.slots, slots * 4],
        [at.blob, blob],
        [at.ownIds, own.count * 4],
        [at.ownTags, own.count],
        [at.ownNames, own.bytes],
      ];
      let end = newline + 1;
      for (const [place, length] of expect) {
        if (!Number.isSafeInteger(place) || place < end) throw new Unusable();
        end = place + length;
      }
      if (end !== at.end || end > stat.size) throw new Unusable();
      const units = header.units.map(unitOf);
      const index = new FileIndex(fd, header, units.length ? units[units.length - 1].end : 0);
      return { index, units };
    } catch {
      fs.closeSync(fd);
      return undefined;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private read(into: Buffer, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, into, done, length - done, position + done);
      if (n === 0) throw damaged();
      done += n;
    }
  }

  private rowOf(id: number): Buffer {
    if (!(id >= 0 && id < this.header.entries)) throw damaged();
    this.read(this.row, ROW, this.header.at.rows + id * ROW);
    return this.row;
  }

  offset(id: number): number {
    const offset = this.rowOf(id).readUInt32LE(0);
    return offset < this.lastOffset ? offset : 0;
  }

  tag(id: number): number {
    return this.rowOf(id)[16];
  }

  flags(id: number): number {
    return this.rowOf(id)[17];
  }

  /** The text at `at` in the names' table. */
  private text(at: number): string {
    if (at === ANONYMOUS) return ANONYMOUS_NAMESPACE;
    if (!(at >= 0 && at < this.header.blob)) return '';
    const parts: Buffer[] = [];
    for (let from = at; from < this.header.blob;) {
      const length = Math.min(this.small.length, this.header.blob - from);
      this.read(this.small, length, this.header.at.blob + from);
      const stop = this.small.subarray(0, length).indexOf(0);
      if (stop >= 0) {
        parts.push(Buffer.from(this.small.subarray(0, stop)));
        break;
      }
      parts.push(Buffer.from(this.small.subarray(0, length)));
      from += length;
    }
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    return utf8(bytes, 0, bytes.length);
  }

  private prefix(scope: number, depth = 0): string {
    if (scope <= 0 || scope >= this.header.scopes || depth > 256) return '';
    let text = this.prefixes.get(scope);
    if (text === undefined) {
      const row = Buffer.alloc(SCOPE_ROW);
      this.read(row, SCOPE_ROW, this.header.at.scopes + scope * SCOPE_ROW);
      const parent = row.readInt32LE(0);
      const ref = row.readInt32LE(4);
      text = `${parent < scope ? this.prefix(parent, depth + 1) : ''}${ref === NO_NAME ? '' : this.text(ref)}::`;
      this.prefixes.set(scope, text);
    }
    return text;
  }

  name(id: number): string {
    const row = this.rowOf(id);
    const ref = row.readUInt32LE(4);
    const scope = row.readInt32LE(12);
    const keyword = keywordOf(row[16], row[17]);
    return spell(keyword, keyword ? '' : this.prefix(scope), this.text(ref));
  }

  find(name: string): number {
    const hash = hashText(name);
    const shard = ShardedSlots.shardOf(hash);
    const slots = this.header.shards[shard];
    const mask = slots - 1;
    const block = Buffer.alloc(64);
    let slot = ShardedSlots.start(hash, mask);
    for (let probes = 0; probes < slots;) {
      const count = Math.min(16, slots - slot);
      this.read(block, count * 4, this.shardAt[shard] + slot * 4);
      for (let i = 0; i < count; i++, probes++) {
        const id = block.readInt32LE(i * 4) - 1;
        if (id < 0) return -1;
        if (this.rowOf(id).readInt32LE(8) === hash && this.name(id) === name) return id;
      }
      slot = (slot + count) & mask;
    }
    return -1;
  }

  prefixAt(offset: number): string | undefined {
    let lo = 0;
    let hi = this.header.entries - 1;
    const four = Buffer.alloc(4);
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      this.read(four, 4, this.header.at.rows + mid * ROW);
      const at = four.readUInt32LE(0);
      if (at < offset) lo = mid + 1;
      else if (at > offset) hi = mid - 1;
      else return keywordOf(this.tag(mid), this.flags(mid)) ? '' : this.prefix(this.rowOf(mid).readInt32LE(12));
    }
    return undefined;
  }

  /** The own types: the first ones as the cache keeps them spelled, more read row by row in slices. */
  async ownList(limit: number, signal?: AbortSignal): Promise<TypeList & { total: number }> {
    const own = this.header.own;
    if (limit <= own.count || own.count === own.total) {
      const ids = Buffer.alloc(own.count * 4);
      this.read(ids, ids.length, this.header.at.ownIds);
      const tags = Buffer.alloc(own.count);
      this.read(tags, tags.length, this.header.at.ownTags);
      const text = Buffer.alloc(own.bytes);
      this.read(text, text.length, this.header.at.ownNames);
      const names = own.count === 0 ? [] : utf8(text, 0, text.length).split('\0');
      const count = Math.min(limit, own.count, names.length);
      const list: TypeList & { total: number } = { ids: [], names: names.slice(0, count), tags: [...tags.subarray(0, count)], flags: [], total: own.total };
      for (let i = 0; i < count; i++) {
        list.ids.push(ids.readUInt32LE(i * 4));
        list.flags.push(OWN);
      }
      return list;
    }
    // More than the file keeps spelled: read the rows of the own ones, in file order.
    const list: TypeList & { total: number } = { ids: [], names: [], tags: [], flags: [], total: own.total };
    const slices = new Slices(signal);
    for (let id = 0; id < this.header.entries && list.ids.length < limit; id++) {
      if ((id & 255) === 0) await slices.due();
      const row = this.rowOf(id);
      const flags = row[17];
      if ((flags & (DECL | HIDDEN | OWN)) !== OWN) continue;
      const tag = row[16];
      list.ids.push(id);
      list.names.push(this.name(id));
      list.tags.push(tag);
      list.flags.push(flags);
    }
    return list;
  }

  /** Every listed name: the rows, scopes and names read whole (once), then spelled. */
  async all(signal?: AbortSignal): Promise<TypeList> {
    if (this.materialized) return this.materialized;
    const { entries, scopes, blob, at } = this.header;
    const rows = Buffer.alloc(entries * ROW);
    this.read(rows, rows.length, at.rows);
    const scopeRows = Buffer.alloc(scopes * SCOPE_ROW);
    this.read(scopeRows, scopeRows.length, at.scopes);
    const names = Buffer.alloc(blob);
    this.read(names, names.length, at.blob);
    const textAt = (ref: number): string => {
      if (ref === ANONYMOUS) return ANONYMOUS_NAMESPACE;
      if (!(ref >= 0 && ref < blob)) return '';
      let stop = names.indexOf(0, ref);
      if (stop < 0) stop = blob;
      return utf8(names, ref, stop);
    };
    const prefixes: string[] = [''];
    for (let s = 1; s < scopes; s++) {
      if ((s & 1023) === 0) await tick(signal);
      const parent = scopeRows.readInt32LE(s * SCOPE_ROW);
      const ref = scopeRows.readInt32LE(s * SCOPE_ROW + 4);
      prefixes.push(`${parent >= 0 && parent < s ? prefixes[parent] : ''}${ref === NO_NAME ? '' : textAt(ref)}::`);
    }
    const list: TypeList = { ids: [], names: [], tags: [], flags: [] };
    const slices = new Slices(signal);
    for (let id = 0; id < entries; id++) {
      if ((id & 255) === 0) await slices.due();
      const flags = rows[id * ROW + 17];
      if (flags & (DECL | HIDDEN)) continue;
      const tag = rows[id * ROW + 16];
      const scope = rows.readInt32LE(id * ROW + 12);
      list.ids.push(id);
      list.names.push(spell(keywordOf(tag, flags), prefixes[scope] ?? '', textAt(rows.readUInt32LE(id * ROW + 4))));
      list.tags.push(tag);
      list.flags.push(flags);
    }
    this.materialized = list;
    return list;
  }
}
