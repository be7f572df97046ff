// glibc's locks as C fields (src/shared/glibcLocks.ts, src/shared/cValues.ts, src/shared/cLayout.ts):
// a field typed pthread_mutex_t, pthread_rwlock_t, pthread_cond_t or sem_t reads as the lock it is,
// with the layout its size tells; bytes no such lock has stay "{…}"; and the field a byte is in is
// named as a C expression, stopping at a lock. The bytes are locktool's board as the helper read it
// on x86-64 (test/unit/ipc/waits/waits.test.ts has the same); test/native/ctypes/lockFields.test.ts
// lays the type out with the real compiler over live locks.
import * as assert from 'node:assert/strict';
import type { CField, CLayout } from '../../../src/shared/cLayout';
import { fieldPathAt } from '../../../src/shared/cLayout';
import { valueOf } from '../../../src/shared/cValues';
import { lockFieldWords, lockInField, lockTypeOf } from '../../../src/shared/glibcLocks';

function bytes(words: Array<[number, number]>, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const view = new DataView(b.buffer);
  for (const [at, value] of words) view.setUint32(at, value >>> 0, true);
  return b;
}

const int = (name: string, offset: number): CField => ({ name, type: 'int', kind: 'int', offset, size: 4, align: 4, signed: true });
const lockField = (name: string, type: string, offset: number, size: number): CField => ({
  name,
  type,
  kind: 'union',
  offset,
  size,
  align: 8,
  members: [
    {
      name: '__size',
      type: `char[${size}]`,
      kind: 'array',
      offset,
      size,
      align: 1,
      count: size,
      element: { name: '[0]', type: 'char', kind: 'int', offset, size: 1, align: 1, char: true },
    },
  ],
});

/** struct board { int id; pthread_mutex_t mutex1; sem_t sem; pthread_rwlock_t slots[2]; } on x86-64. */
const BOARD: CLayout = {
  name: 'struct board',
  size: 200,
  align: 8,
  file: 'board.h',
  line: 1,
  enums: [],
  root: {
    name: '',
    type: 'struct board',
    kind: 'struct',
    offset: 0,
    size: 200,
    align: 8,
    members: [
      int('id', 0),
      lockField('mutex1', 'pthread_mutex_t', 8, 40),
      lockField('sem', 'sem_t', 48, 32),
      {
        name: 'slots',
        type: 'pthread_rwlock_t[2]',
        kind: 'array',
        offset: 80,
        size: 112,
        align: 8,
        count: 2,
        element: lockField('[0]', 'pthread_rwlock_t', 80, 56),
      },
    ],
  },
};

describe("glibc's locks as C fields", function () {
  it('knows the four lock types by name, qualifiers aside, and nothing else', function () {
    assert.deepEqual(['pthread_mutex_t', 'volatile pthread_rwlock_t', 'const pthread_cond_t', 'sem_t', 'struct sem_t', 'pthread_spinlock_t'].map(lockTypeOf), [
      'mutex',
      'rwlock',
      'cond',
      'sem',
      undefined,
      undefined,
    ]);
  });

  it('reads a mutex held with waiters, free, and a robust one whose owner died, by the layout its size tells', function () {
    const held = lockInField(
      'pthread_mutex_t',
      40,
      bytes(
        [
          [0, 2],
          [8, 13311],
          [12, 1],
          [16, 0x80],
        ],
        40,
      ),
    );
    assert.equal(held && lockFieldWords(held), 'mutex, held by 13311, threads waiting');
    const free = lockInField('pthread_mutex_t', 48, bytes([[16, 0x80]], 48)); // arm64's size
    assert.equal(free && lockFieldWords(free), 'mutex, free');
    const died = lockInField(
      'pthread_mutex_t',
      40,
      bytes(
        [
          [0, 0x40000000],
          [8, 4711],
          [16, 0x90],
        ],
        40,
      ),
    );
    assert.equal(died && lockFieldWords(died), 'robust mutex, owner died');
    const arm = lockInField(
      'pthread_mutex_t',
      24,
      bytes(
        [
          [0, 1],
          [8, 99],
          [12, 0x80],
        ],
        24,
      ),
    ); // 32-bit arm: __kind at 12
    assert.equal(arm && lockFieldWords(arm), 'mutex, held by 99');
  });

  it('reads an rwlock held for writing, a condition variable and a semaphore', function () {
    const rw = lockInField(
      'pthread_rwlock_t',
      56,
      bytes(
        [
          [0, 2],
          [12, 2],
          [24, 777],
          [28, 1],
        ],
        56,
      ),
    );
    assert.equal(rw && lockFieldWords(rw), 'rwlock, held by 777 (writer), a writer waiting');
    const cond = lockInField('pthread_cond_t', 48, bytes([[36, (2 << 3) | 1]], 48));
    assert.equal(cond && lockFieldWords(cond), 'condition variable, 2 waiting');
    const sem = lockInField(
      'sem_t',
      32,
      bytes(
        [
          [0, 3],
          [4, 1],
          [8, 128],
        ],
        32,
      ),
    );
    assert.equal(sem && lockFieldWords(sem), 'semaphore, value 3, 1 waiting');
  });

  it('leaves a size no architecture has, and bytes no state allows, as bytes: never a guess', function () {
    assert.equal(lockInField('pthread_mutex_t', 64, new Uint8Array(64)), undefined);
    assert.equal(
      lockInField(
        'pthread_mutex_t',
        40,
        bytes(
          [
            [0, 7],
            [16, 0x80],
          ],
          40,
        ),
      ),
      undefined,
      'a lock word of 7 is no normal mutex',
    );
    assert.equal(lockInField('pthread_mutex_t', 40, new Uint8Array(20)), undefined, 'fewer bytes than the type');
  });

  it('shows a lock field of a C type as the lock in the fields panel, and other records as {…}', function () {
    const memory = bytes(
      [
        [8, 1],
        [16, 4711],
        [24, 0x80],
        [48, 0],
        [56, 128],
      ],
      200,
    );
    const byteAt = (at: number) => memory[at];
    const [id, mutex1, sem, slots] = BOARD.root.members!;
    assert.equal(valueOf(BOARD, mutex1, 0, byteAt, 200).text, 'mutex, held by 4711');
    assert.equal(valueOf(BOARD, sem, 0, byteAt, 200).text, 'semaphore, value 0, 0 waiting');
    assert.equal(valueOf(BOARD, slots.element!, 56, byteAt, 200).text, 'rwlock, free', 'the second element of an array of rwlocks');
    assert.equal(valueOf(BOARD, BOARD.root, 0, byteAt, 200).text, '{…}');
    assert.equal(valueOf(BOARD, id, 0, byteAt, 200).text, '0');
    const unknownBytes = (at: number) => (at === 8 ? 9 : 0);
    assert.equal(valueOf(BOARD, mutex1, 0, unknownBytes, 200).text, '{…}', 'bytes no mutex has');
  });

  it('names the field a byte is in, stopping at a lock; several placed objects get their index', function () {
    const stop = (f: CField) => lockTypeOf(f.type) !== undefined;
    const one = { offset: 0, count: 1 };
    assert.deepEqual(
      [0, 8, 12, 48, 80, 136, 140, 196].map((at) => fieldPathAt(BOARD, one, at, stop)),
      ['id', 'mutex1', 'mutex1+4', 'sem', 'slots[0]', 'slots[1]', 'slots[1]+4', undefined],
    );
    assert.equal(fieldPathAt(BOARD, one, 12), 'mutex1.__size[4]', 'without a stop it goes down to the byte');
    assert.equal(fieldPathAt(BOARD, { offset: 100, count: 2 }, 308, stop), '[1].mutex1');
    assert.equal(fieldPathAt(BOARD, { offset: 100, count: 2 }, 99, stop), undefined, 'before the placed objects');
    assert.equal(fieldPathAt(BOARD, { offset: 100, count: 2 }, 500, stop), undefined, 'after them');
  });
});
