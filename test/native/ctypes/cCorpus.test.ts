// Real headers installed here as a corpus: every struct and union they declare, laid out the short
// way and the long way as View as C Type lays them out, compared member by member (place, size,
// count, kind, signedness) with gdb's reading of gcc's DWARF, and offered by the pick list.
//
// By default a set chosen for what real headers have (bit-fields in unions, GNU keyword spellings,
// names only attributes use, bit-fields in anonymous structs of unions...): well under a minute.
// IPCINSP_C_CORPUS=full takes every header under /usr/include that compiles alone (uapi, glibc,
// and the others here: thousands of types, an hour or more on two cores);
// IPCINSP_C_CORPUS=/path/list takes the headers a file lists, one a line.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { checkCorpus } from '../../support/cCorpus';

const QUICK = [
  // Where a comparison over real headers found layouts refused or wrong (one of each kind).
  '/usr/include/linux/hdreg.h', // a bit-field in a union beside other members
  '/usr/include/mtd/ubi-user.h', // typedef __signed__ char __s8
  '/usr/include/linux/netfilter_bridge/ebtables.h', // aligned(__alignof__(struct ebt_replace)): a name only an attribute uses
  '/usr/include/linux/wmi.h',
  '/usr/include/linux/dqblk_xfs.h',
  // glibc: bit-fields in anonymous structs of a union (tcphdr), the other byte order's branch of an #if
  '/usr/include/netinet/ip.h',
  '/usr/include/netinet/tcp.h',
  '/usr/include/arpa/nameser_compat.h',
];

const FULL_DIRECTORIES = [
  'linux',
  'asm-generic',
  'mtd',
  'rdma',
  'sound',
  'scsi',
  'drm',
  'misc',
  'video',
  'xen',
  'netinet',
  'net',
  'arpa',
  'protocols',
  'rpc',
  'netpacket',
  'x86_64-linux-gnu/sys',
];

function headersUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? headersUnder(full) : entry.name.endsWith('.h') ? [full] : [];
  });
}

function corpusHeaders(): string[] {
  const chosen = process.env.IPCINSP_C_CORPUS;
  if (!chosen) return QUICK;
  if (chosen !== 'full') return fs.readFileSync(chosen, 'utf8').split('\n').filter(Boolean);
  const top = fs.readdirSync('/usr/include').filter((name) => name.endsWith('.h'));
  return [...top.map((name) => path.join('/usr/include', name)), ...FULL_DIRECTORIES.flatMap((dir) => headersUnder(path.join('/usr/include', dir)))].sort();
}

describe('C layouts of real headers (gdb agrees, both ways)', function () {
  const headers = corpusHeaders();
  this.timeout(process.env.IPCINSP_C_CORPUS ? 24 * 3600_000 : 180_000);

  it(`lays out every struct and union of ${process.env.IPCINSP_C_CORPUS ? `${headers.length} headers` : 'a chosen set of uapi and glibc headers'} as gdb reads gcc's DWARF, and the pick list offers each`, async () => {
    const started = Date.now();
    const report = await checkCorpus(headers, { ways: ['short', 'long'], concurrency: 2 });
    // A line for whoever runs it: how much was compared.
    console.log(
      `      ${report.types} types of ${report.headers} headers (${report.skipped.length} skipped: they need another included first), ` +
        `${report.layouts} layouts (${report.shortWayTaken} the short way) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (!process.env.IPCINSP_C_CORPUS) {
      assert.deepStrictEqual(report.skipped, [], 'every chosen header compiles alone');
      assert.ok(report.types >= 40, `${report.types} types: the chosen headers still declare what they did`);
    }
    assert.deepStrictEqual(report.pickListMisses, []);
    assert.deepStrictEqual(report.failures, []);
  });
});
