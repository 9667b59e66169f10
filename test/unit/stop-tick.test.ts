// The manual stop's events in the tick: the hold on record before the first signal, and a
// death found by --stop recorded as a check would record it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../src/core/tick.ts';
import type { Policy } from '../../src/core/policy.ts';
import { emptyState, type ProgramState } from '../../src/core/state.ts';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const REQ = { command: ['./server.js'], cwd: '/srv' };
const POLICY: Policy = {
  name: 'app',
  periodMs: MIN,
  backoffMaxMs: 10 * MIN,
  maxRetries: 5,
  fatalRetryMs: null,
  crowdCount: 3,
  crowdWindowMs: 10 * MIN,
  minUptimeMs: 5 * MIN,
  startHint: 'ensure-running --pid /srv/app.pid --start',
};
const running: ProgramState = {
  ...emptyState(['./server.js'], '/srv'),
  identity: { pid: 4242, startTime: '1', bootId: 'b', launchedAtMs: T0, token: 'abcdef0123456789' },
  launches: 1,
  lastSeenAliveMs: T0 + MIN,
};

/** A stop's look found the program ours (src/core/stop.ts, `aim-stop`): the hold, then the signals. */
const ours = (how: string, hold: boolean) => ({
  kind: 'stop-observed' as const,
  obs: { kind: 'ours' as const, pid: 4242, repairPidFile: false },
  hold,
  how,
  pidFile: '/srv/app.pid',
});

test('stop: RUNNING + its look finds it ours → HELD on record with a stopping event, the process still on record, then the checkpoint and the signals', () => {
  const tick = decide(running, ours('SIGINT, SIGKILL after 30s', true), REQ, POLICY, T0 + 2 * MIN);
  assert.equal(tick.state.held, true);
  assert.equal(tick.state.identity?.pid, 4242, 'still on record until it is gone');
  assert.deepEqual(tick.state.events.at(-1), { atMs: T0 + 2 * MIN, kind: 'stopping', pid: 4242, detail: 'SIGINT, SIGKILL after 30s; held stopped' });
  // The hold goes on file first (a crash checkpoint), then the signals: an effect whose outcome comes back as `stopped`.
  assert.deepEqual(tick.effects, [{ kind: 'checkpoint' }, { kind: 'signal-stop', identity: running.identity, hold: true }]);
  const restart = decide(running, ours('SIGTERM, SIGKILL after 10s', false), REQ, POLICY, T0 + 2 * MIN);
  assert.equal(restart.state.held, false, '--restart does not hold');
});

test('stop: RUNNING + its look finds it dead → the death, last exit and log tail recorded, never an exit code; then the stop', () => {
  const obs = { kind: 'gone' as const, pid: 4242, why: 'exited' as const, logTail: ['Error: boom'] };
  const tick = decide(
    running,
    { kind: 'stop-observed', obs, hold: true, how: 'SIGTERM, SIGKILL after 10s', pidFile: '/srv/app.pid' },
    REQ,
    POLICY,
    T0 + 2 * MIN,
  );
  assert.equal(tick.state.identity, null);
  assert.deepEqual(tick.state.lastExit, {
    atMs: T0 + 2 * MIN,
    pid: 4242,
    code: null,
    signal: null,
    inStartWindow: false,
    lastSeenAliveMs: T0 + MIN,
    ranMs: MIN,
    logTail: ['Error: boom'],
  });
  assert.deepEqual(tick.state.deathTimesMs, [T0 + 2 * MIN]);
  assert.deepEqual(
    tick.state.events.slice(-2).map((event) => event.kind),
    ['death', 'stop'],
  );
  assert.deepEqual(tick.effects, [{ kind: 'remove-pid' }]);
  assert.deepEqual(
    tick.transitions.map((t) => t.kind),
    ['death', 'stop'],
  );
  assert.match(tick.transitions[0]!.line!, /^pid 4242 had died \(last seen alive .*; exit status unknown: it died between checks\)$/);
  assert.equal(
    tick.transitions[1]!.line,
    `app: was not running; ${tick.transitions[0]!.line}; held stopped until: ensure-running --pid /srv/app.pid --start -- ./server.js`,
  );
});
