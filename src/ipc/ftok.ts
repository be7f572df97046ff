// ftok(3) in TypeScript, so a key can be computed from a path without the helper:
//   key = (st_ino & 0xffff) | ((st_dev & 0xff) << 16) | ((proj_id & 0xff) << 24)
// glibc uses the encoded dev_t (gnu_dev_makedev: minor's low byte in bits 0-7). Node's stat.dev is
// built by libuv with the same makedev() from statx's major/minor, so its low byte is the same
// minor & 0xff; test/native/ipc/ftok.test.ts checks this against the C library on real files.
import * as fs from 'fs';

/**
 * The System V key ftok(path, projId) gives, as an unsigned 32-bit number. Follows symlinks, like
 * stat(2). Throws the fs error (ENOENT...) where ftok returns -1. Only the low 8 bits of projId
 * count (and glibc takes 0 too). The result can be 0 (IPC_PRIVATE) in rare cases: check before use.
 */
export function ftok(path: string, projId: number): number {
  const stat = fs.statSync(path, { bigint: true });
  const ino = Number(stat.ino & 0xffffn);
  const dev = Number(stat.dev & 0xffn);
  return (ino | (dev << 16) | ((projId & 0xff) << 24)) >>> 0;
}
