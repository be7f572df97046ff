// Semaphores and message queues at scale (issue 8), each against the command-line tool that shows
// the same thing, in turns on the same machine state:
//   - 1,000 sets of 8 semaphores: listing them (/proc/sysvipc/sem, classified) against `ipcs -s`;
//     the values of every set (one helper request a set, pipelined) against `ipcs -s -i ID` run for
//     each set; the waiter scan (every thread's syscall) with 8 waiters against `ps -eLo wchan`.
//   - 100 queues of 1,000 messages each: listing against `ipcs -q`; peeking 100 messages of one
//     queue (MSG_COPY, nothing consumed) against `ipcs -q -i ID`, which shows no message at all.
// Everything is made with keys of one range (SEM_KEY_BASE, MSG_KEY_BASE: `ipcs` shows a leak at
// once) and removed at the end, on failure and by the next run's sweep.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import type { HelperClient } from '../src/ipc/helperClient';
import { CommandMemory } from '../src/ipc/names';
import { classifyMsgQueues } from '../src/ipc/sysvMsg/classify';
import { readMsgTable, readQueueContents } from '../src/ipc/sysvMsg/read';
import { classifySemSets } from '../src/ipc/sysvSem/classify';
import { readSemTable, readSetValues } from '../src/ipc/sysvSem/read';
import { scanWaiters } from '../src/ipc/waiters';
import { medianMs, mediansInTurns, Row } from './measure';
import { ipctoolPath, startIpctool, type IpcProcess } from '../test/support/semMsg';

export const SEM_KEY_BASE = 0x5bed0000;
export const MSG_KEY_BASE = 0x5bee0000;
const KEY_RANGE = 0x10000;
const SETS = 1000;
const SEMAPHORES = 8;
const QUEUES = 100;
const MESSAGES = 1000;
const WAITERS = 8;

const createdSets: number[] = [];
const createdQueues: number[] = [];
const waiters: IpcProcess[] = [];
const BIG = { maxBuffer: 1 << 28 };

function ourIds(kind: 'sem' | 'msg', base: number): number[] {
  return fs
    .readFileSync(`/proc/sysvipc/${kind}`, 'latin1')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length > 2 && Number(cols[0]) >>> 0 >= base && Number(cols[0]) >>> 0 < base + KEY_RANGE)
    .map((cols) => Number(cols[1]));
}

function ipcrm(flag: '-s' | '-q', ids: number[]): void {
  for (let i = 0; i < ids.length; i += 500) {
    try {
      execFileSync(
        'ipcrm',
        ids.slice(i, i + 500).flatMap((id) => [flag, String(id)]),
        { stdio: 'ignore' },
      );
    } catch {
      // some were gone already: ipcrm still removed the others
    }
  }
}

/** Removes the sets and queues of our key ranges (this run's, or what a killed run left) and the waiters. */
export async function cleanupSemMsgBench(): Promise<number> {
  for (const w of waiters.splice(0)) await w.kill();
  createdSets.length = 0;
  createdQueues.length = 0;
  const sets = ourIds('sem', SEM_KEY_BASE);
  const queues = ourIds('msg', MSG_KEY_BASE);
  ipcrm('-s', sets);
  ipcrm('-q', queues);
  return sets.length + queues.length;
}

async function makeSets(client: HelperClient): Promise<number[]> {
  const values = Array.from({ length: SEMAPHORES }, (_, i) => i);
  for (let done = 0; done < SETS; done += 250) {
    const made = await Promise.all(
      Array.from({ length: Math.min(250, SETS - done) }, (_, i) => client.semCreate(SEM_KEY_BASE + done + i, SEMAPHORES, 0o600, true, values)),
    );
    createdSets.push(...made.map((m) => m.semid));
  }
  return createdSets;
}

/** 100 queues of 1,000 ten-byte messages, sent by one Python process (sysv_ipc) no one here wrote. */
async function makeQueues(client: HelperClient): Promise<number[]> {
  const made = await Promise.all(Array.from({ length: QUEUES }, (_, i) => client.msgCreate(MSG_KEY_BASE + i, 0o600, true)));
  createdQueues.push(...made.map((m) => m.msqid));
  // sysv_ipc opens queues by key: send by key, 1,000 messages each, types 1..5 in turn.
  const send = [
    'import sys, sysv_ipc',
    `for key in range(${MSG_KEY_BASE}, ${MSG_KEY_BASE + QUEUES}):`,
    '    q = sysv_ipc.MessageQueue(key)',
    `    for i in range(${MESSAGES}):`,
    '        q.send(b"msg %06d" % i, block=False, type=1 + i % 5)',
  ].join('\n');
  execFileSync('/usr/bin/python3', ['-c', send], { stdio: ['ignore', 'ignore', 'inherit'] });
  return createdQueues;
}

export async function benchSemMsg(client: HelperClient): Promise<Row[]> {
  const swept = await cleanupSemMsgBench();
  if (swept) console.log(`removed ${swept} sets and queues an earlier run left`);
  const sets = await makeSets(client);
  // Waiters on the first sets: what the view shows when they are expanded.
  for (let i = 0; i < WAITERS; i++) waiters.push(await startIpctool(['semzero', String(sets[i]), '1']));
  const queues = await makeQueues(client);
  console.log(
    `semaphores and queues: ${sets.length} sets of ${SEMAPHORES}, ${WAITERS} waiters, ${queues.length} queues of ${MESSAGES} messages (ipctool ${ipctoolPath})`,
  );
  const names = new CommandMemory().names('/proc', '/etc');
  const nowMs = Date.now();

  const semListing = await mediansInTurns(
    {
      ours: async () =>
        classifySemSets((await readSemTable()).sets, () => ({ read: false, why: 'no-helper', message: '' }), {
          names,
          waiters: new Map(),
          nowMs,
          graceMs: 60_000,
        }),
      ipcs: () => execFileSync('ipcs', ['-s'], BIG),
    },
    15,
    2,
  );
  const table = await readSemTable();
  const ourSets = table.sets.filter((s) => s.key >= SEM_KEY_BASE && s.key < SEM_KEY_BASE + KEY_RANGE);
  const values = await medianMs(() => readSetValues(client, ourSets), 10, 2);
  const ipcsEach = await medianMs(
    () => {
      for (const s of ourSets) execFileSync('ipcs', ['-s', '-i', String(s.semid)]);
    },
    2,
    0,
  );
  const read = await readSetValues(client, ourSets);
  const valuesRight = ourSets.every((s) => {
    const v = read.get(s.semid);
    return v?.read && v.semaphores.map((x) => x.value).join() === '0,1,2,3,4,5,6,7';
  });
  const waiterScan = await mediansInTurns(
    {
      ours: () => scanWaiters(),
      ps: () => execFileSync('ps', ['-eLo', 'pid,lwp,wchan'], BIG),
    },
    15,
    2,
  );
  const found = scanWaiters();
  const waitersFound = waiters.filter((w) => [...found.sem.values()].some((list) => list.some((x) => x.pid === w.pid))).length;

  const msgListing = await mediansInTurns(
    {
      ours: async () =>
        classifyMsgQueues((await readMsgTable()).queues, () => ({ read: false, why: 'no-helper', message: '' }), {
          names,
          waiters: new Map(),
          waitersComplete: false,
          nowMs,
          graceMs: 60_000,
        }),
      ipcs: () => execFileSync('ipcs', ['-q'], BIG),
    },
    15,
    2,
  );
  const msgTable = await readMsgTable();
  const one = msgTable.queues.find((q) => q.key === MSG_KEY_BASE)!;
  const peek = await mediansInTurns(
    {
      ours: () => client.msgPeek(one.msqid, 0, 100, 64),
      ipcs: () => execFileSync('ipcs', ['-q', '-i', String(one.msqid)]),
    },
    30,
    3,
  );
  const peeked = await readQueueContents(client, [one], 100);
  const contents = peeked.get(one.msqid);
  const after = (await readMsgTable()).queues.find((q) => q.msqid === one.msqid)!;
  const peekRight =
    !!contents?.read &&
    contents.messages.length === 100 &&
    contents.more &&
    Buffer.from(contents.messages[99].preview).toString() === 'msg 000099' &&
    after.qnum === MESSAGES;

  return [
    {
      benchmark: `${SETS} semaphore sets: listing`,
      value: semListing.ours,
      unit: 'ms',
      reference: 'ipcs -s',
      referenceValue: semListing.ipcs,
      ratio: semListing.ours / semListing.ipcs,
      target: '<= 1.0x',
      met: semListing.ours <= semListing.ipcs,
    },
    {
      benchmark: `values of all ${SETS} sets (${SEMAPHORES} each)${valuesRight ? '' : ' WRONG VALUES'}`,
      value: values,
      unit: 'ms',
      reference: 'ipcs -s -i ID for each',
      referenceValue: ipcsEach,
      ratio: values / ipcsEach,
      target: '<= 0.5x, values right',
      met: valuesRight && values <= 0.5 * ipcsEach,
    },
    {
      benchmark: `waiter scan (${waitersFound} of ${WAITERS} waiters found)`,
      value: waiterScan.ours,
      unit: 'ms',
      reference: 'ps -eLo pid,lwp,wchan',
      referenceValue: waiterScan.ps,
      ratio: waiterScan.ours / waiterScan.ps,
      target: 'every waiter found',
      met: waitersFound === WAITERS,
    },
    {
      benchmark: `${QUEUES} queues of ${MESSAGES} messages: listing`,
      value: msgListing.ours,
      unit: 'ms',
      reference: 'ipcs -q',
      referenceValue: msgListing.ipcs,
      ratio: msgListing.ours / msgListing.ipcs,
      target: '<= 1.0x',
      met: msgListing.ours <= msgListing.ipcs,
    },
    {
      benchmark: `peek 100 messages of one queue${peekRight ? ' (still queued)' : ' WRONG'}`,
      value: peek.ours,
      unit: 'ms',
      reference: 'ipcs -q -i ID (no messages)',
      referenceValue: peek.ipcs,
      ratio: peek.ours / peek.ipcs,
      target: '< 20 ms, nothing consumed',
      met: peekRight && peek.ours < 20,
    },
  ];
}
