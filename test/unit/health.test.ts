// The health decision and the schedule helpers, as pure functions with fixed dates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideHealth, heartbeatProblem, noteLaunchedWith, restartAtBaseMs, type HealthOptions } from '../../src/core/health.ts';
import { emptyDuties } from '../../src/core/duties-record.ts';
import { lastAtOrBefore, nextAfter, shortestGapMs } from '../../src/core/schedule.ts';
import { checkCronOption as checkCron } from '../../src/cli/schedules.ts';
import { checksView } from '../../src/core/cadence.ts';
import { emptyState, parseState, type ProgramState } from '../../src/core/state.ts';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const beat = { file: '/x/hb', timeoutMs: 60_000, graceMs: 60_000 };
const running = (launchedAtMs = T0): ProgramState => ({
  ...emptyState(['app']),
  identity: { pid: 4242, startTime: '1', bootId: 'b', launchedAtMs, token: 't' },
});
const none: HealthOptions = { heartbeat: null, http: null, restartAt: null };

test('heartbeat: inside the grace nothing is judged; then a stale, missing or old-run beat is hung; unregistered is not judged', () => {
  assert.equal(heartbeatProblem({ kind: 'missing' }, T0, beat, T0 + 59_000), null, 'grace');
  assert.match(heartbeatProblem({ kind: 'missing' }, T0, beat, T0 + 61_000)!, /^no heartbeat 1m 1s after launch/);
  assert.equal(heartbeatProblem({ kind: 'beat', mtimeMs: T0 + 30_000 }, T0, beat, T0 + 89_000), null, 'fresh');
  assert.equal(heartbeatProblem({ kind: 'beat', mtimeMs: T0 + 10_000 }, T0, beat, T0 + 85_000), 'heartbeat 1m 15s old, timeout 1m 0s');
  assert.match(
    heartbeatProblem({ kind: 'beat', mtimeMs: T0 - 60_000 }, T0, beat, T0 + 61_000)!,
    /^no heartbeat/,
    'a beat from the previous run does not count',
  );
  assert.equal(heartbeatProblem({ kind: 'unregistered', mtimeMs: T0 + 5_000 }, T0, beat, T0 + 3_600_000), null, 'unregistered by this run');
  assert.match(
    heartbeatProblem({ kind: 'unregistered', mtimeMs: T0 - 60_000 }, T0, beat, T0 + 61_000)!,
    /^no heartbeat/,
    'a mark left by the previous run does not count',
  );
});

test('HTTP: failures count across checks, restart at N and not before, a good probe resets, an unprobed check keeps the count', () => {
  const options: HealthOptions = { ...none, http: { url: 'http://h/', timeoutMs: 2000, failures: 3 } };
  const fail = { heartbeat: null, probe: { ok: false as const, detail: 'HTTP 500 from http://h/' }, schedule: null };
  let state = running();
  for (let n = 1; n <= 2; n++) {
    const v = decideHealth(state, fail, options, T0 + n * 60_000);
    assert.equal(v.restart, null, `check ${n}`);
    assert.equal(v.state.health?.failures, n);
    state = v.state;
  }
  assert.equal(decideHealth(state, { ...fail, probe: null }, options, T0 + 150_000).state.health?.failures, 2, 'skipped probe');
  assert.equal(decideHealth(state, { ...fail, probe: { ok: true } }, options, T0 + 150_000).state.health?.failures, 0, 'good probe');
  const third = decideHealth(state, fail, options, T0 + 180_000);
  assert.deepEqual(third.restart, { kind: 'unhealthy', reason: 'health check failed 3 times in a row, last: HTTP 500 from http://h/' });
  assert.equal(third.state.health?.failures, 0);
  assert.equal(third.state.events.at(-1)?.kind, 'unhealthy');
  assert.deepEqual(third.state.deathTimesMs, [], 'not a death');
});

test('restart-at: due once per scheduled time; the heartbeat wins when both are due', () => {
  const options: HealthOptions = { ...none, restartAt: { text: '0 3 * * *', tz: 'UTC' } };
  const due = Date.UTC(2024, 2, 10, 3, 0, 0);
  const next = Date.UTC(2024, 2, 11, 3, 0, 0);
  const v = decideHealth(running(T0 - 86_400_000), { heartbeat: null, probe: null, schedule: { dueMs: due, followingMs: next } }, options, T0);
  assert.equal(v.restart?.kind, 'scheduled');
  // No record before this check: the option is first seen now (the observation given here is due regardless).
  assert.deepEqual(v.state.health?.restartAt, { text: '0 3 * * *', tz: 'UTC', nextMs: next, lastScheduledMs: due, lastRestartMs: T0, seenSinceMs: T0 });
  const later = decideHealth(v.state, { heartbeat: null, probe: null, schedule: { dueMs: next, followingMs: next } }, options, T0 + 60_000);
  assert.equal(later.restart, null);
  assert.equal(later.state.health?.restartAt?.nextMs, next);
  // The heartbeat was known since the launch (a heartbeat first seen now would be in its grace).
  const watched: ProgramState = {
    ...running(T0 - 86_400_000),
    health: { failures: 0, lastFailure: null, restartAt: null, cadence: null, heartbeatSeen: { file: beat.file, sinceMs: T0 - 86_400_000 } },
  };
  const both = decideHealth(
    watched,
    { heartbeat: { kind: 'missing' }, probe: null, schedule: { dueMs: due, followingMs: next } },
    { ...options, heartbeat: beat },
    T0,
  );
  assert.equal(both.restart?.kind, 'hung');
});

test('heartbeat added to a running program: judged from when it was first seen, not from the old launch', () => {
  const options: HealthOptions = { ...none, heartbeat: beat };
  const first = decideHealth(running(T0 - 86_400_000), { heartbeat: { kind: 'missing' }, probe: null, schedule: null }, options, T0);
  assert.equal(first.restart, null, 'no false "hung" at once');
  assert.deepEqual(first.state.health?.heartbeatSeen, { file: beat.file, sinceMs: T0 });
  const inGrace = decideHealth(first.state, { heartbeat: { kind: 'missing' }, probe: null, schedule: null }, options, T0 + 59_000);
  assert.equal(inGrace.restart, null, 'grace from first seen');
  const after = decideHealth(first.state, { heartbeat: { kind: 'missing' }, probe: null, schedule: null }, options, T0 + 61_000);
  assert.equal(after.restart?.kind, 'hung', 'judged once the grace from first seen is over');
  const moved = decideHealth(
    after.state,
    { heartbeat: { kind: 'missing' }, probe: null, schedule: null },
    { ...none, heartbeat: { ...beat, file: '/y/hb' } },
    T0 + 120_000,
  );
  assert.equal(moved.restart, null, 'another heartbeat file starts its own clock');
});

test('restart-at: first seen on a running program counts from then; launched with it, from the launch', () => {
  const cron = { text: '0 3 * * *', tz: 'UTC' };
  const launched = T0 - 2 * 86_400_000;
  assert.equal(restartAtBaseMs(undefined, cron, launched, T0), T0, 'first seen now');
  const atLaunch = noteLaunchedWith(emptyDuties(), { ...none, restartAt: cron }, launched, launched + 1000).restartAt;
  assert.equal(restartAtBaseMs(atLaunch, cron, launched, T0), launched, 'launched with it');
  const seen = decideHealth(
    running(launched),
    { heartbeat: null, probe: null, schedule: { dueMs: T0 + 3_600_000, followingMs: T0 + 3_600_000 } },
    { ...none, restartAt: cron },
    T0,
  ).state.health?.restartAt;
  assert.equal(seen?.seenSinceMs, T0);
  assert.equal(restartAtBaseMs(seen, cron, launched, T0 + 60_000), T0, 'remembered');
  assert.equal(restartAtBaseMs(seen, cron, T0 + 120_000, T0 + 180_000), T0 + 120_000, 'a later launch counts from itself');
});

test('schedule: cron-parser times at fixed dates, shape and field errors', () => {
  const nightly = checkCron('restart-at', '0 3 * * *', 'UTC');
  assert.equal(lastAtOrBefore(nightly, Date.UTC(2024, 2, 10, 3, 0, 0)), Date.UTC(2024, 2, 10, 3, 0, 0), 'at the time itself');
  assert.equal(lastAtOrBefore(nightly, Date.UTC(2024, 2, 10, 2, 59, 59)), Date.UTC(2024, 2, 9, 3, 0, 0));
  assert.equal(nextAfter(nightly, Date.UTC(2024, 2, 10, 3, 0, 0)), Date.UTC(2024, 2, 11, 3, 0, 0));
  assert.equal(shortestGapMs(checkCron('schedule', '*/5 * * * *', null), T0), 300_000);
  assert.equal(shortestGapMs(checkCron('schedule', '@hourly', null), T0), 3_600_000);
  assert.equal(
    nextAfter(checkCron('restart-at', '0 4 * * 0', 'Europe/Paris'), Date.UTC(2024, 2, 10, 12)),
    Date.UTC(2024, 2, 17, 3),
    'Sunday 04:00 in Paris (UTC+1)',
  );
  assert.throws(() => checkCron('schedule', '', null), /is empty/);
  assert.throws(() => checkCron('schedule', '5', null), /has only 1 field/);
  assert.throws(() => checkCron('schedule', '* * * *', null), /only 4 fields.*day of week field is missing/);
  assert.throws(() => checkCron('schedule', '* * * * * *', null), /6 fields.*seconds are not supported/);
  assert.throws(() => checkCron('restart-at', '0 25 * * *', null), /the hour field "25" is invalid/);
  assert.throws(() => checkCron('restart-at', '0 3 31 2 *', null), /never matches/);
  assert.throws(() => checkCron('restart-at', '0 3 * * *', 'Mars/Base'), /--tz "Mars\/Base" is not a time zone/);
});

test('checks view: next check after the last one; overdue only once a whole call was missed', () => {
  const cadence = { key: 'k', schedule: '* * * * *', tz: null, periodMs: 60_000 };
  const everyMinute = (ms: number) => (Math.floor(ms / 60_000) + 1) * 60_000;
  const last = T0 + 5_000;
  const fine = checksView(cadence, last, T0 + 100_000, everyMinute);
  assert.equal(fine.nextCheck, new Date(T0 + 60_000).toISOString());
  assert.equal(fine.overdue, false);
  assert.equal(checksView(cadence, last, T0 + 150_000, everyMinute).overdue, false, 'within slack');
  const late = checksView(cadence, last, last + 12 * 60_000, everyMinute);
  assert.equal(late.warning, 'no check for 12 min; expected every 1 min — is cron running and is the crontab line right?');
  assert.equal(checksView(cadence, null, T0, everyMinute).nextCheck, null);
});

test('state files without the health record stay readable; a mistyped record falls back field by field', () => {
  const old = parseState(JSON.stringify({ version: 1, command: ['app'], events: [] }));
  assert.equal(old.kind, 'ok');
  assert.equal(old.kind === 'ok' && old.state.health, undefined);
  const odd = parseState(JSON.stringify({ version: 1, health: { failures: 'x', restartAt: { text: 3 }, cadence: { key: 'k', periodMs: 60000 } } }));
  assert.ok(odd.kind === 'ok');
  assert.deepEqual(odd.state.health, { failures: 0, lastFailure: null, restartAt: null, cadence: { key: 'k', schedule: null, tz: null, periodMs: 60000 } });
});
