// The byte-source contract, checked the same way for every kind the contents view reads: a System V
// segment (read through a read-only attachment, pages with data from mincore) and a POSIX object
// (pread, pages with data from SEEK_DATA/SEEK_HOLE), against the real kernel and the real helper.
import * as assert from 'node:assert/strict';
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { readResident, type ByteSource } from '../../../src/ipc/byteSource';
import { HelperError } from '../../../src/ipc/helperClient';
import { isPageResident } from '../../../src/ipc/helperProtocol';
import { PosixObjectSource } from '../../../src/ipc/posixShm/source';
import { SnapshotSource, type PosixObjectInfo } from '../../../src/ipc/snapshot';
import { SegmentSource } from '../../../src/ipc/sysvShm/source';
import type { ContentsHeader } from '../../../src/shared/contentsProtocol';
import { TestHelper } from '../../support/helper';
import { cleanupPosixObjects, createObject, freshName, shmPath, writeObject } from '../../support/posixObjects';
import { cleanupAll, createSegment, dumpSegment, freshKey, procLine, writeSegment } from '../../support/segments';

const PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
const SIZE = 16 * PAGE;
const DATA_PAGE = 5;
const BYTES = Buffer.from('the same contract for every kind');

type Source = ByteSource & { header: ContentsHeader };

interface Kind {
  name: string;
  gaps: ContentsHeader['gaps'];
  /** Makes an object of SIZE bytes with BYTES written at page DATA_PAGE, and its source. */
  make(helper: TestHelper): Promise<Source>;
  /** What the kernel says is allocated (bytes), independently of the source. */
  allocated(): number;
  /** The whole object as a separate reader sees it. */
  contents(): Buffer;
  remove(): void;
}

function sysvKind(): Kind {
  let shmid = -1;
  return {
    name: 'a System V segment',
    gaps: 'not-resident',
    async make(helper) {
      shmid = createSegment(freshKey(), SIZE, 0o600);
      writeSegment(shmid, DATA_PAGE * PAGE, BYTES);
      return new SegmentSource(helper.client, await helper.client.shmStat(shmid), 'test', () => false);
    },
    allocated: () => Number(procLine(shmid)![14]),
    contents: () => dumpSegment(shmid),
    remove: () => execFileSync('ipcrm', ['-m', String(shmid)]),
  };
}

function posixKind(): Kind {
  let name = '';
  return {
    name: 'a POSIX object',
    gaps: 'hole',
    async make(helper) {
      name = freshName();
      createObject(name, SIZE, 0o600);
      writeObject(name, DATA_PAGE * PAGE, BYTES);
      const source = new SnapshotSource();
      const listed = () => source.current?.posix.objects.find((o) => o.name === '/' + name);
      await source.refresh(true);
      const info = listed() as PosixObjectInfo;
      assert.ok(info, `/${name} is listed`);
      return new PosixObjectSource(helper.client, info, () => listed());
    },
    allocated: () => fs.statSync(shmPath(name)).blocks * 512,
    contents: () => fs.readFileSync(shmPath(name)),
    remove: () => fs.unlinkSync(shmPath(name)),
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

for (const makeKind of [sysvKind, posixKind]) {
  const kind = makeKind();
  describe(`the byte-source contract: ${kind.name}`, function () {
    let helper: TestHelper;
    let source: Source;

    beforeEach(async function () {
      helper = new TestHelper();
      source = await kind.make(helper);
    });

    afterEach(async function () {
      const reports = helper.sanitizerReports();
      helper.dispose();
      await cleanupAll();
      await cleanupPosixObjects();
      assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
    });

    it('describes the object: its size, live, and how it names pages without data', async function () {
      const header = await source.describe();
      assert.equal(header.size, SIZE);
      assert.equal(header.phase, 'live');
      assert.equal(header.gaps, kind.gaps);
      assert.equal(header.id, source.id);
      assert.ok(header.facts.some(([k]) => k === 'Owner') && header.facts.some(([k]) => k === 'State'), JSON.stringify(header.facts));
    });

    it('tells exactly which pages hold data', async function () {
      const map = await source.dataMap(0, 0);
      const pages = Array.from({ length: map.pageCount }, (_, i) => i).filter((i) => isPageResident(map, i));
      assert.deepEqual(pages, [DATA_PAGE]);
      const part = await source.dataMap(4 * PAGE, 2 * PAGE);
      assert.deepEqual([part.firstPage, part.pageCount, isPageResident(part, 4), isPageResident(part, 5)], [4, 2, false, true]);
    });

    it('reads the bytes written, only pages with data unless asked, gaps zero with their bit clear', async function () {
      const some = await readResident(source, PAGE, 0, SIZE, false);
      assert.equal(some.bytesRead, PAGE, 'only the page with data is read');
      assert.equal(some.bytes.subarray(DATA_PAGE * PAGE, DATA_PAGE * PAGE + BYTES.length).toString(), BYTES.toString());
      assert.ok(some.bytes.subarray(0, DATA_PAGE * PAGE).every((b) => b === 0));
      assert.deepEqual(some.runs, [{ offset: DATA_PAGE * PAGE, length: PAGE }]);
      assert.equal(some.resident[0], 1 << DATA_PAGE);
      const exact = await source.read(DATA_PAGE * PAGE + 4, 4);
      assert.equal(exact.toString(), BYTES.subarray(4, 8).toString());
      const into = Buffer.alloc(BYTES.length);
      assert.equal(await source.read(DATA_PAGE * PAGE, BYTES.length, into), into, 'the bytes land in the buffer given');
      assert.equal(into.toString(), BYTES.toString());
    });

    it('looking changes no byte and allocates nothing', async function () {
      const before = { sum: sha256(kind.contents()), allocated: kind.allocated() };
      await readResident(source, PAGE, 0, SIZE, false);
      await source.dataMap(0, 0);
      await source.describe();
      assert.equal(kind.allocated(), before.allocated, 'reading allocated pages');
      assert.equal(sha256(kind.contents()), before.sum, 'reading changed bytes');
    });

    it("says gone once the object is removed, and reading then fails with the helper's error", async function () {
      kind.remove();
      let header: ContentsHeader | undefined;
      // A System V segment the helper still has cached goes within its 250 ms check.
      for (let i = 0; i < 50 && header?.phase !== 'gone'; i++) {
        header = await source.describe();
        if (header.phase !== 'gone') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(header?.phase, 'gone');
      await assert.rejects(source.read(0, 1), (error: unknown) => error instanceof HelperError);
    });
  });
}
