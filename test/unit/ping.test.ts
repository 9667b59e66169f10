// --ping-url as a decision (src/core/ping.ts) and its bound on the quiet promise (src/core/promise-deadline.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePing, type PingRecord } from '../../src/core/ping.ts';
import { promiseUntilMs, type PromiseDuties } from '../../src/core/promise-deadline.ts';
import { PROMISE_HORIZON_MS } from '../../src/core/promise.ts';
import { emptyState, type ProgramState } from '../../src/core/state.ts';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const NOW = T0 + 30 * MIN;
const EVERY = 5 * MIN;
const state = (over: Partial<ProgramState> = {}): ProgramState => ({
  ...emptyState(['./server.js'], '/srv'),
  identity: { pid: 4242, startTime: '1', bootId: 'b', launchedAtMs: T0, token: 'ab'.repeat(12) },
  settled: true,
  ...over,
});
const rec = (lastMs: number | null, failKey: string | null = null): PingRecord => ({ lastMs, failKey, said: null });
const FATAL = { sinceMs: T0, reason: 'x', lastTryMs: T0, retryEveryMs: null };

test('ping table: once per --ping-every while running, the fail URL once per trouble', () => {
  const rows: [string, PingRecord | undefined, ProgramState, boolean, boolean, 'ping' | 'fail' | null][] = [
    ['RUNNING, never pinged -> ping', undefined, state(), true, true, 'ping'],
    ['RUNNING, pinged 1 min ago -> nothing', rec(NOW - MIN), state(), true, true, null],
    ['RUNNING, pinged --ping-every ago -> ping', rec(NOW - EVERY), state(), true, true, 'ping'],
    ['RUNNING, last ping in the future (clock went back) -> ping', rec(NOW + MIN), state(), true, true, 'ping'],
    ['RUNNING again after a fail ping -> ping at once', rec(NOW - MIN, `fatal:${T0}`), state(), true, true, 'ping'],
    ['not running (dead, held, backing off) -> nothing', rec(NOW - EVERY), state(), false, true, null],
    ['FATAL, fail URL not yet sent -> fail', rec(NOW - MIN), state({ fatal: FATAL }), false, true, 'fail'],
    ['FATAL, fail URL sent for this FATAL -> nothing', rec(NOW - MIN, `fatal:${T0}`), state({ fatal: FATAL }), false, true, null],
    ['FATAL again later (another since) -> fail', rec(NOW - MIN, `fatal:${T0 - MIN}`), state({ fatal: FATAL }), false, true, 'fail'],
    ['FATAL without --ping-fail-url -> nothing', rec(NOW - EVERY), state({ fatal: FATAL }), false, false, null],
    ['cannot be launched -> fail', rec(NOW - MIN), state({ launchError: { text: 'x', sinceMs: T0, announcedMs: T0 } }), false, true, 'fail'],
  ];
  for (const [name, record, s, running, failUrl, expected] of rows) {
    const decided = decidePing(record, s, running, { everyMs: EVERY, failUrl }, NOW);
    assert.equal(decided.request, expected, name);
    if (expected === 'ping') assert.deepEqual([decided.record.lastMs, decided.record.failKey], [NOW, null], name);
    if (expected === null) assert.equal(decided.record.lastMs, record?.lastMs ?? null, name);
  }
});

test('quiet promise with --ping-url: it ends when the next ping is due, and none before the first ping', () => {
  const duties: PromiseDuties = { startWindowMs: 1000, minUptimeMs: 5 * MIN, ping: { everyMs: EVERY } };
  const rows: [string, ProgramState, number | null][] = [
    ['pinged just now -> until the next ping', state({ ping: rec(NOW) }), NOW + EVERY],
    ['pinged 4 min ago -> 1 min', state({ ping: rec(NOW - 4 * MIN) }), NOW + MIN],
    ['next ping due now -> no promise', state({ ping: rec(NOW - EVERY) }), null],
    ['never pinged -> no promise', state(), null],
  ];
  for (const [name, s, expected] of rows) assert.equal(promiseUntilMs(s, duties, NOW), expected, name);
  // A ping every hour leaves the horizon in charge.
  assert.equal(promiseUntilMs(state({ ping: rec(NOW) }), { ...duties, ping: { everyMs: 60 * MIN } }, NOW), NOW + PROMISE_HORIZON_MS);
});
