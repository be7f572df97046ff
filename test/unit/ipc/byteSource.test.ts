import * as assert from 'node:assert/strict';
import { residentRuns } from '../../../src/ipc/byteSource';
import type { Residency } from '../../../src/ipc/helperProtocol';

function residency(firstPage: number, resident: boolean[], pageSize = 100): Residency {
  const bitmap = Buffer.alloc(Math.ceil(resident.length / 8));
  resident.forEach((r, i) => {
    if (r) bitmap[i >> 3] |= 1 << (i & 7);
  });
  return { firstPage, pageCount: resident.length, pageSize, bitmap };
}

describe('resident runs of a range', function () {
  it('merges neighbouring resident pages and clips to the range', function () {
    const r = residency(0, [true, true, false, true, false, false, true]);
    assert.deepEqual(residentRuns(r, 50, 600), [
      { offset: 50, length: 150 },
      { offset: 300, length: 100 },
      { offset: 600, length: 50 },
    ]);
  });

  it('gives nothing for a range of non-resident pages and everything for resident ones', function () {
    assert.deepEqual(residentRuns(residency(0, [false, false]), 0, 200), []);
    assert.deepEqual(residentRuns(residency(0, [true, true]), 10, 150), [{ offset: 10, length: 150 }]);
  });

  it('works for a residency that starts later in the segment', function () {
    assert.deepEqual(residentRuns(residency(4, [false, true]), 400, 200), [{ offset: 500, length: 100 }]);
  });
});
