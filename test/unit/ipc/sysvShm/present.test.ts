import * as assert from 'node:assert/strict';
import type { Classification } from '../../../../src/ipc/sysvShm/types';
import type { SegmentInfo } from '../../../../src/ipc/snapshot';
import {
  accessibilityLabel,
  attacherDescription,
  displayKey,
  hiddenAttachersLabel,
  limitsSummary,
  rowState,
  segmentDescription,
  segmentLabel,
  segmentTooltip,
} from '../../../../src/ipc/sysvShm/present';
import type { ShmSegment } from '../../../../src/ipc/family/sysvTables';

function info(segment: Partial<ShmSegment>, classification: Partial<Classification> = {}, extra: Partial<SegmentInfo> = {}): SegmentInfo {
  return {
    kind: 'sysvShm',
    segment: {
      key: 0x7e001234,
      shmid: 5,
      perms: 0o640,
      mode: 0o640,
      dest: false,
      locked: false,
      size: 12345,
      cpid: 100,
      lpid: 101,
      nattch: 2,
      uid: 1000,
      gid: 100,
      cuid: 1000,
      cgid: 100,
      atime: 1795433416,
      dtime: 0,
      ctime: 1795433400,
      rss: 4096,
      swap: 0,
      ...segment,
    },
    classification: { state: 'attached', locked: false, creator: 'unchecked', reason: '2 processes attached', ...classification },
    attachments: [],
    // The kernel's count with no maps read: every attachment is one not visible (classifySegments' rule).
    hiddenAttachments: segment.nattch ?? 2,
    inspectorAttachments: 0,
    ownerName: 'alice',
    creatorUserName: 'alice',
    groupName: 'users',
    ...extra,
  };
}

describe('presentation of a segment', function () {
  it('labels a segment by key and id, private and removed ones in words', function () {
    assert.equal(segmentLabel(info({})), '0x7e001234 · 5');
    assert.equal(displayKey(info({ key: 0 })), 'private');
    assert.equal(displayKey(info({ key: 0, dest: true })), 'removed');
    const attachment = { pid: 1, shmid: 5, key: 0x7e001234, access: 'rw' as const, perms: 'rw-s', start: '7f0000000000', end: '7f0000004000', length: 16384 };
    assert.equal(displayKey(info({ key: 0, dest: true }, {}, { attachments: [attachment] })), '0x7e001234 (removed)', 'the original key from the maps name');
    assert.equal(displayKey(info({ key: 0, dest: true }, {}, { attachments: [{ ...attachment, key: 0 }] })), 'private (removed)');
  });

  it('describes the states that matter first (a narrow side bar cuts the end), then size, attachments, owner', function () {
    assert.equal(segmentDescription(info({}), false), '12.1 KiB · 2 attached · alice');
    assert.equal(segmentDescription(info({ nattch: 0 }, { state: 'orphaned' }), true), 'orphaned · 12.1 KiB · not attached · alice · held by this window');
    assert.equal(segmentDescription(info({ locked: true }, { locked: true }), false), 'locked · 12.1 KiB · 2 attached · alice');
  });

  it('puts the state in words for screen readers', function () {
    const label = accessibilityLabel(info({ nattch: 0 }, { state: 'orphaned' }), false);
    assert.match(label, /key 0x7e001234, id 5/);
    assert.match(label, /state: orphaned \(leaked\)/);
    assert.match(label, /0 processes attached/);
    assert.match(accessibilityLabel(info({ key: 0 }), false), /with private key/);
  });

  it('shows locked over the other states on the icon, but keeps both in words', function () {
    const locked = info({ locked: true }, { locked: true });
    assert.equal(rowState(locked), 'locked');
    assert.match(accessibilityLabel(locked, false), /attached, locked in memory/);
  });

  it('tooltip has permissions as rwx and octal, creator and reason', function () {
    const tip = segmentTooltip(info({}, { reason: 'creator pid 100 (./writer) exited' }, { creatorCommand: './writer' }), false);
    assert.match(tip, /rw-r----- \(0640\)/);
    assert.match(tip, /pid 100 \(`\.\/writer`\)/);
    assert.match(tip, /creator pid 100 \(\.\/writer\) exited/);
    assert.match(tip, /12,345 bytes/);
  });

  it('escapes table-breaking characters from process names', function () {
    const tip = segmentTooltip(info({}, {}, { creatorCommand: 'evil | `rm`' }), false);
    assert.ok(!tip.includes('evil | '), 'a pipe in a command would break the table');
  });

  it('words attached processes and hidden ones', function () {
    assert.equal(
      attacherDescription({ pid: 1, shmid: 5, key: 1, access: 'ro', perms: 'r--s', start: 'a000', end: 'b000', length: 4096 }),
      'read-only · a000-b000',
    );
    assert.equal(hiddenAttachersLabel(1), '1 attached process not visible');
    assert.equal(hiddenAttachersLabel(3), '3 attached processes not visible');
  });

  it('summarises the limits for the view description', function () {
    const snapshot = {
      segments: [],
      skippedLines: 0,
      takenAt: 0,
      scan: { processes: 0, scanned: 0, unreadable: 0, otherNamespace: 0 },
      usage: { segments: 3, bytes: 3 * 4096, pages: 3 },
      limits: { pageSize: 4096, shmmni: { raw: 4096n, unlimited: false }, shmall: { raw: 1024n, unlimited: false } },
    };
    assert.equal(limitsSummary(snapshot.limits, snapshot.usage), '3/4096 segments · 12 KiB of 4 MiB');
    assert.equal(limitsSummary({ ...snapshot.limits, shmall: { raw: 1n << 62n, unlimited: true } }, snapshot.usage), '3/4096 segments · 12 KiB');
  });
});
