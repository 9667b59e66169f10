// The crash-loop policy as a table: one row per state × input, named after the edge.
// `now` is an input, so minutes of backoff are tested without sleeping.
import { test } from 'node:test';
import { tablePolicy } from './policy-fixture.ts';
import { launchCount, reportLines } from '../helpers.ts';
import assert from 'node:assert/strict';
import { backoffDelayMs } from '../../src/core/backoff.ts';
import { decideAfterLaunch, decideCheck, recordSpawn, slackMs, type Decision, type LaunchResult, type Policy } from '../../src/core/policy.ts';
import type { Observation } from '../../src/core/observation.ts';
import { emptyState, type Identity, type ProgramState } from '../../src/core/state.ts';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const CMD = ['./server.js', '--port', '8080'];
const REQ = { command: CMD, cwd: '/srv' };
const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start -- ./server.js --port 8080' });
const RETRY_HOURLY: Policy = { ...POLICY, fatalRetryMs: 60 * MIN };
/** --crowd-backoff: crowded deaths back off, the rule before they were kept up. */
const CROWD_BACKOFF: Policy = { ...POLICY, crowdBackoff: true };

const identity = (pid: number, launchedAtMs: number): Identity => ({ pid, startTime: '12345', bootId: 'boot', launchedAtMs, token: 'abcdef0123456789' });

/** Launched at `launchedAt`, last seen alive at `seen`, with any overrides. */
function running(launchedAt: number, seen: number, extra: Partial<ProgramState> = {}): ProgramState {
  return { ...emptyState(CMD, '/srv'), identity: identity(4242, launchedAt), launches: 1, lastSeenAliveMs: seen, lastCheckMs: seen, ...extra };
}
/** Not running, no recorded process, with overrides (backoff, fatal, held). */
function idle(extra: Partial<ProgramState> = {}): ProgramState {
  return { ...emptyState(CMD, '/srv'), launches: 3, ...extra };
}

const OURS: Observation = { kind: 'ours', pid: 4242, repairPidFile: false };
const gone = (why: 'exited' | 'zombie' | 'reused' | 'rebooted'): Observation => ({
  kind: 'gone',
  pid: 4242,
  why,
  logTail: ['listening on 8080', 'Error: boom'],
});
const NOTHING: Observation = { kind: 'gone', pid: null, why: 'no-record', logTail: [] };

const reports = (d: Decision) => reportLines(d);
const launches = (d: Decision) => launchCount(d.effects);

interface CheckRow {
  name: string;
  state: ProgramState;
  obs: Observation;
  now: number;
  policy?: Policy;
  request?: { command: string[]; cwd: string };
  launch: boolean;
  outcome: Decision['outcome'];
  /** One pattern per expected stderr line, in order; [] means silent. */
  lines: RegExp[];
  also?: (d: Decision) => void;
}

const checkRows: CheckRow[] = [
  {
    name: 'RUNNING + alive and verified → nothing, silent',
    state: running(T0, T0 + MIN),
    obs: OURS,
    now: T0 + 2 * MIN,
    launch: false,
    outcome: 'running',
    lines: [],
    also: (d) => assert.deepEqual(d.effects, []),
  },
  {
    name: 'RUNNING + alive, PID file lost → PID file rewritten, silent',
    state: running(T0, T0 + MIN),
    obs: { kind: 'ours', pid: 4242, repairPidFile: true },
    now: T0 + 2 * MIN,
    launch: false,
    outcome: 'running',
    lines: [],
    also: (d) => assert.deepEqual(d.effects, [{ kind: 'write-pid', pid: 4242 }]),
  },
  {
    name: 'RUNNING + pid reused → relaunch, never signalled',
    state: running(T0, T0 + MIN),
    obs: gone('reused'),
    now: T0 + 2 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [
      /^app: died \(pid 4242; last seen alive \d\d:\d\d:\d\d; pid 4242 now belongs to another process\); last log lines: "listening on 8080" "Error: boom"$/,
    ],
    also: (d) =>
      assert.deepEqual(
        d.effects.map((e) => e.kind),
        ['remove-pid', 'launch'],
      ),
  },
  {
    name: 'RUNNING + exited between checks → died line with last seen alive, no invented exit code, relaunch at once',
    state: running(T0, T0 + MIN),
    obs: gone('exited'),
    now: T0 + 2 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [/^app: died \(pid 4242; last seen alive .*; exit status unknown: it died between checks\); last log lines: .*"Error: boom"$/],
    also: (d) => {
      const last = d.state.lastExit!;
      assert.deepEqual([last.code, last.signal, last.inStartWindow, last.lastSeenAliveMs, last.ranMs], [null, null, false, T0 + MIN, MIN]);
      assert.deepEqual(last.logTail, ['listening on 8080', 'Error: boom']);
      assert.equal(d.state.identity, null);
      assert.equal(d.state.events.at(-1)?.kind, 'death');
    },
  },
  {
    name: 'RUNNING + zombie → relaunch',
    state: running(T0, T0 + MIN),
    obs: gone('zombie'),
    now: T0 + 2 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [/zombie/],
  },
  {
    name: 'RUNNING + pid from before a reboot → relaunch',
    state: running(T0, T0 + MIN),
    obs: gone('rebooted'),
    now: T0 + 2 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [/before the last reboot/],
  },
  {
    name: 'RUNNING + first manual kill → relaunch at once',
    state: running(T0, T0 + MIN),
    obs: gone('exited'),
    now: T0 + 2 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [/died/],
    also: (d) => assert.deepEqual(d.state.deathTimesMs, [T0 + 2 * MIN]),
  },
  {
    name: 'RUNNING + second manual kill within the window → still relaunched at once',
    state: running(T0 + 2 * MIN, T0 + 3 * MIN, { deathTimesMs: [T0 + 2 * MIN] }),
    obs: gone('exited'),
    now: T0 + 4 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [/died/],
  },
  {
    name: '--crowd-backoff: RUNNING + third death within 10 minutes → BACKOFF one period, one line, no launch',
    policy: CROWD_BACKOFF,
    state: running(T0 + 4 * MIN, T0 + 5 * MIN, { deathTimesMs: [T0 + 2 * MIN, T0 + 4 * MIN] }),
    obs: gone('exited'),
    now: T0 + 6 * MIN,
    launch: false,
    outcome: 'not-running',
    lines: [/^app: died \(pid 4242; .*\); 3 deaths within 10m 0s: backing off, next launch after \d\d:\d\d:\d\d; last log lines: /],
    also: (d) => {
      assert.equal(d.state.backoff?.untilMs, T0 + 7 * MIN);
      assert.deepEqual(
        d.effects.map((e) => e.kind),
        ['remove-pid'],
      );
      assert.deepEqual(
        d.state.events.slice(-2).map((e) => e.kind),
        ['death', 'backoff'],
      );
    },
  },
  {
    name: '--crowd-backoff: RUNNING + fourth crowded death → BACKOFF two periods (doubling)',
    policy: CROWD_BACKOFF,
    state: running(T0 + 7 * MIN, T0 + 7 * MIN, { deathTimesMs: [T0 + 2 * MIN, T0 + 4 * MIN, T0 + 6 * MIN] }),
    obs: gone('exited'),
    now: T0 + 8 * MIN,
    launch: false,
    outcome: 'not-running',
    lines: [/4 deaths within/],
    also: (d) => assert.equal(d.state.backoff?.untilMs, T0 + 10 * MIN),
  },
  {
    name: 'RUNNING + death, earlier deaths older than the window → no crowd, relaunch',
    state: running(T0 + 20 * MIN, T0 + 21 * MIN, { deathTimesMs: [T0, T0 + MIN, T0 + 2 * MIN] }),
    obs: gone('exited'),
    now: T0 + 22 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [/died/],
    also: (d) => assert.deepEqual(d.state.deathTimesMs, [T0 + 22 * MIN]),
  },
  {
    name:
      '--crowd-backoff: RUNNING + death after the clock went back a little → ' + 'deaths "in the future" by less than the window count as now, and then expire',
    policy: CROWD_BACKOFF,
    state: running(T0 - 2 * MIN, T0 - MIN, { deathTimesMs: [T0 + 5 * MIN, T0 + 6 * MIN] }),
    obs: gone('exited'),
    now: T0,
    launch: false,
    outcome: 'not-running',
    lines: [/3 deaths within/],
    also: (d) => assert.deepEqual(d.state.deathTimesMs, [T0, T0, T0]),
  },
  {
    name: 'RUNNING + death after the clock went back hours or days → deaths that far "in the future" are not recent: relaunched at once',
    state: running(T0 - 2 * MIN, T0 - MIN, { deathTimesMs: [T0 + 60 * MIN, T0 + 3 * 24 * 60 * MIN] }),
    obs: gone('exited'),
    now: T0,
    launch: true,
    outcome: 'not-running',
    lines: [/^app: died \(pid 4242;/],
    also: (d) => assert.deepEqual(d.state.deathTimesMs, [T0]),
  },
  {
    name: 'RUNNING + death with deaths days old on record → they do not count: relaunched at once',
    state: running(T0 - 2 * MIN, T0 - MIN, { deathTimesMs: [T0 - 3 * 24 * 60 * MIN, T0 - 2 * 24 * 60 * MIN] }),
    obs: gone('exited'),
    now: T0,
    launch: true,
    outcome: 'not-running',
    lines: [/^app: died \(pid 4242;/],
    also: (d) => assert.deepEqual(d.state.deathTimesMs, [T0]),
  },
  {
    name: 'RUNNING + gone, members of its run alive → stopped first (one stop-run effect), said in the death line, then relaunched',
    state: running(T0 - 10 * MIN, T0 - MIN),
    obs: { kind: 'gone', pid: 4242, why: 'exited', logTail: [], leftovers: [4243, 4300] },
    now: T0,
    launch: true,
    outcome: 'not-running',
    lines: [/^app: died \(pid 4242; .*\); stopped 2 processes left from its run \(pids 4243 4300\)$/],
    also: (d) => {
      const kinds = d.effects.map((e) => e.kind);
      assert.deepEqual(kinds, ['remove-pid', 'stop-run', 'launch']);
      assert.deepEqual(d.effects[1], { kind: 'stop-run', identity: identity(4242, T0 - 10 * MIN), pids: [4243, 4300] });
    },
  },
  {
    name: "records lost + the PID file's pid gone, members of its run alive → stopped first, never adopted, then a launch",
    state: emptyState(),
    obs: { kind: 'gone', pid: 4242, why: 'exited', logTail: [], leftovers: [4243], run: identity(4242, 0) },
    now: T0,
    launch: true,
    outcome: 'not-running',
    lines: [/^app: not running \(pid 4242 of the PID file is gone and its records are lost\); stopped 1 process left from its run \(pid 4243\)$/],
    also: (d) =>
      assert.deepEqual(
        d.effects.map((e) => e.kind),
        ['stop-run', 'launch'],
      ),
  },
  {
    name: '--crowd-backoff: RUNNING + gone, deaths crowd, members of its run alive → stopped all the same, then backing off',
    policy: CROWD_BACKOFF,
    state: running(T0 - 10 * MIN, T0 - MIN, { deathTimesMs: [T0 - 3 * MIN, T0 - 2 * MIN] }),
    obs: { kind: 'gone', pid: 4242, why: 'exited', logTail: [], leftovers: [4243] },
    now: T0,
    launch: false,
    outcome: 'not-running',
    lines: [/^app: died \(pid 4242; .*\); stopped 1 process left from its run \(pid 4243\); 3 deaths within 10m 0s: backing off/],
    also: (d) => assert.ok(d.effects.some((e) => e.kind === 'stop-run')),
  },
  {
    name: 'RUNNING past the minimum uptime → tallies cleared once, silent',
    state: running(T0, T0 + 4 * MIN, { deathTimesMs: [T0 - MIN, T0 - 2 * MIN], failedStarts: 0 }),
    obs: OURS,
    now: T0 + 5 * MIN,
    launch: false,
    outcome: 'running',
    lines: [],
    also: (d) => assert.deepEqual([d.state.settled, d.state.deathTimesMs], [true, []]),
  },
  {
    name: 'RUNNING before the minimum uptime → tallies kept',
    state: running(T0, T0 + 3 * MIN, { deathTimesMs: [T0 - MIN, T0 - 2 * MIN] }),
    obs: OURS,
    now: T0 + 4 * MIN,
    launch: false,
    outcome: 'running',
    lines: [],
    also: (d) => assert.deepEqual([d.state.settled, d.state.deathTimesMs.length], [false, 2]),
  },
  {
    name: 'RUNNING + clock went back before its launch time → not settled, nothing else',
    state: running(T0, T0 + MIN, { deathTimesMs: [T0 - MIN] }),
    obs: OURS,
    now: T0 - 60 * MIN,
    launch: false,
    outcome: 'running',
    lines: [],
    also: (d) => assert.equal(d.state.settled, false),
  },
  {
    name: 'NEVER LAUNCHED + nothing on record → launch',
    state: emptyState(),
    obs: NOTHING,
    now: T0,
    launch: true,
    outcome: 'not-running',
    lines: [],
  },
  {
    name: 'UNVERIFIED (PID file by another tool, alive) → left alone, never signalled',
    state: emptyState(),
    obs: { kind: 'unverified', pid: 777 },
    now: T0,
    launch: false,
    outcome: 'running',
    lines: [],
    also: (d) => assert.deepEqual(d.effects, []),
  },
  {
    name: 'HELD + not running → left alone, exit as held, silent',
    state: idle({ held: true }),
    obs: { kind: 'gone', pid: null, why: 'stopped', logTail: [] },
    now: T0,
    launch: false,
    outcome: 'held',
    lines: [],
  },
  {
    name: 'HELD + recorded process found dead → recorded, not reported, not relaunched',
    state: running(T0, T0 + MIN, { held: true }),
    obs: gone('exited'),
    now: T0 + 2 * MIN,
    launch: false,
    outcome: 'held',
    lines: [],
    also: (d) => assert.equal(d.state.lastExit?.pid, 4242),
  },
  {
    name: 'BACKOFF + inside the wait → nothing, silent, exit 1',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + 4 * MIN, reason: 'failed start 3 of 5' }, failedStarts: 3 }),
    obs: NOTHING,
    now: T0 + 2 * MIN,
    launch: false,
    outcome: 'not-running',
    lines: [],
    also: (d) => assert.deepEqual(d.effects, []),
  },
  {
    name: 'BACKOFF + cron tick a little early, within the slack → launch',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + MIN, reason: 'failed start 1 of 5' }, failedStarts: 1 }),
    obs: NOTHING,
    now: T0 + MIN - 3_000,
    launch: true,
    outcome: 'not-running',
    lines: [],
  },
  {
    name: 'BACKOFF + earlier than the slack → wait',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + MIN, reason: 'failed start 1 of 5' }, failedStarts: 1 }),
    obs: NOTHING,
    now: T0 + MIN - 6_000,
    launch: false,
    outcome: 'not-running',
    lines: [],
  },
  {
    name: 'BACKOFF + delay passed → launch',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + 2 * MIN, reason: 'failed start 2 of 5' }, failedStarts: 2 }),
    obs: NOTHING,
    now: T0 + 2 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [],
  },
  {
    name: 'BACKOFF + clock went back an hour → the wait restarts with its own length, never stuck',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + 4 * MIN, reason: 'failed start 3 of 5' }, failedStarts: 3 }),
    obs: NOTHING,
    now: T0 - 60 * MIN,
    launch: false,
    outcome: 'not-running',
    lines: [],
    also: (d) => assert.deepEqual(d.state.backoff && [d.state.backoff.fromMs, d.state.backoff.untilMs], [T0 - 60 * MIN, T0 - 56 * MIN]),
  },
  {
    name: 'BACKOFF + clock jumped forward a day → one launch',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + 4 * MIN, reason: 'failed start 3 of 5' }, failedStarts: 3 }),
    obs: NOTHING,
    now: T0 + 24 * 60 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [],
  },
  {
    name: 'BACKOFF + due time beyond the cap (edited file, or a smaller --backoff-max) → clamped to the cap',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + 1000 * MIN, reason: 'x' }, failedStarts: 3 }),
    obs: NOTHING,
    now: T0 + MIN,
    launch: false,
    outcome: 'not-running',
    lines: [],
    also: (d) => assert.equal(d.state.backoff?.untilMs, T0 + 11 * MIN),
  },
  {
    name: 'FATAL without --fatal-retry + a day later → still no launch, silent',
    state: idle({ fatal: { sinceMs: T0, reason: '5 failed starts in a row', lastTryMs: T0, retryEveryMs: null }, failedStarts: 5 }),
    obs: NOTHING,
    now: T0 + 24 * 60 * MIN,
    launch: false,
    outcome: 'not-running',
    lines: [],
    also: (d) => assert.deepEqual(d.effects, []),
  },
  {
    name: 'FATAL + --fatal-retry not yet due → silent, no launch',
    state: idle({ fatal: { sinceMs: T0, reason: '5 failed starts in a row', lastTryMs: T0, retryEveryMs: null }, failedStarts: 5 }),
    policy: RETRY_HOURLY,
    obs: NOTHING,
    now: T0 + 30 * MIN,
    launch: false,
    outcome: 'not-running',
    lines: [],
  },
  {
    name: 'FATAL + --fatal-retry due → one launch, silent, try time recorded',
    state: idle({ fatal: { sinceMs: T0, reason: '5 failed starts in a row', lastTryMs: T0, retryEveryMs: null }, failedStarts: 5 }),
    policy: RETRY_HOURLY,
    obs: NOTHING,
    now: T0 + 60 * MIN,
    launch: true,
    outcome: 'not-running',
    lines: [],
    also: (d) => {
      assert.equal(d.state.fatal?.lastTryMs, T0 + 60 * MIN);
      assert.equal(d.state.fatal?.retryEveryMs, 60 * MIN, 'the retry period is kept for --status');
    },
  },
  {
    name: 'FATAL + --fatal-retry + clock went back → the wait restarts, no storm of retries',
    state: idle({ fatal: { sinceMs: T0, reason: '5 failed starts in a row', lastTryMs: T0, retryEveryMs: null }, failedStarts: 5 }),
    policy: RETRY_HOURLY,
    obs: NOTHING,
    now: T0 - 5 * MIN,
    launch: false,
    outcome: 'not-running',
    lines: [],
    also: (d) => assert.equal(d.state.fatal?.lastTryMs, T0 - 5 * MIN),
  },
  {
    name: 'FATAL + command line changed → FATAL and tallies cleared, launch',
    state: idle({ fatal: { sinceMs: T0, reason: '5 failed starts in a row', lastTryMs: T0, retryEveryMs: null }, failedStarts: 5, deathTimesMs: [T0] }),
    request: { command: ['./server.js', '--port', '9090'], cwd: '/srv' },
    obs: NOTHING,
    now: T0 + MIN,
    launch: true,
    outcome: 'not-running',
    lines: [],
    also: (d) => {
      assert.deepEqual([d.state.fatal, d.state.failedStarts, d.state.deathTimesMs], [null, 0, []]);
      assert.match(d.state.events.at(-1)?.detail ?? '', /command line changed/);
    },
  },
  {
    name: 'BACKOFF + command line changed → launch now',
    state: idle({ backoff: { fromMs: T0, untilMs: T0 + 8 * MIN, reason: 'failed start 4 of 5' }, failedStarts: 4 }),
    request: { command: ['./other.js'], cwd: '/srv' },
    obs: NOTHING,
    now: T0 + MIN,
    launch: true,
    outcome: 'not-running',
    lines: [],
  },
];

for (const row of checkRows) {
  test(`check: ${row.name}`, () => {
    const d = decideCheck(row.state, row.obs, row.request ?? REQ, row.policy ?? POLICY, row.now);
    assert.equal(launches(d), row.launch ? 1 : 0, 'launch');
    assert.equal(d.outcome, row.outcome, 'outcome');
    const said = reports(d);
    assert.equal(said.length, row.lines.length, `lines: ${JSON.stringify(said)}`);
    for (const [i, pattern] of row.lines.entries()) assert.match(said[i]!, pattern);
    assert.equal(d.state.lastCheckMs, row.now);
    row.also?.(d);
  });
}

/** A state just spawned, as check.ts records it before the start window. */
function spawned(from: ProgramState, at: number): ProgramState {
  return recordSpawn(from, identity(5151, at), REQ, { stdout: '/srv/app.log', stderr: '/srv/app.log' });
}
const failed = (at: number, code: number | null = 3, signal: string | null = null): LaunchResult => ({
  kind: 'exited',
  pid: 5151,
  launchedAtMs: at,
  code,
  signal,
  ranMs: 40,
  logTail: ['exit-now: failing with code 3'],
});
const UP: LaunchResult = { kind: 'up', identity: identity(5151, T0) };

interface LaunchRow {
  name: string;
  before: ProgramState;
  result: LaunchResult;
  policy?: Policy;
  outcome: Decision['outcome'];
  lines: RegExp[];
  also?: (d: Decision) => void;
}

const launchRows: LaunchRow[] = [
  {
    name: 'STARTING + up → RUNNING, one "started" line',
    before: emptyState(),
    result: UP,
    outcome: 'running',
    lines: [/^app: started \(pid 5151\)$/],
    also: (d) => assert.deepEqual([d.state.launches, d.state.identity?.pid, d.state.events.at(-1)?.kind], [1, 5151, 'launch']),
  },
  {
    name: 'STARTING + exit code 3 (first failure) → BACKOFF one period, one line with the code and the log tail',
    before: emptyState(),
    result: failed(T0),
    outcome: 'not-running',
    lines: [
      new RegExp(
        '^app: failed to start \\(pid 5151 exited with code 3 after 40ms\\); failed start 1 of ' +
          '5, next attempt after \\d\\d:\\d\\d:\\d\\d; last log lines: "exit-now: failing with code 3"$',
      ),
    ],
    also: (d) => {
      assert.equal(d.state.backoff?.untilMs, T0 + MIN);
      assert.deepEqual([d.state.lastExit?.code, d.state.lastExit?.inStartWindow, d.state.identity], [3, true, null]);
      assert.ok(d.effects.some((e) => e.kind === 'remove-pid'));
    },
  },
  {
    name: 'STARTING + second failure → BACKOFF two periods',
    before: idle({ failedStarts: 1 }),
    result: failed(T0),
    outcome: 'not-running',
    lines: [/failed start 2 of 5/],
    also: (d) => assert.equal(d.state.backoff?.untilMs, T0 + 2 * MIN),
  },
  {
    name: 'STARTING + fourth failure → BACKOFF eight periods',
    before: idle({ failedStarts: 3 }),
    result: failed(T0),
    outcome: 'not-running',
    lines: [/failed start 4 of 5/],
    also: (d) => assert.equal(d.state.backoff?.untilMs, T0 + 8 * MIN),
  },
  {
    name: 'STARTING + failure far down the doubling → capped at --backoff-max',
    before: idle({ failedStarts: 8 }),
    policy: { ...POLICY, maxRetries: 20 },
    result: failed(T0),
    outcome: 'not-running',
    lines: [/failed start 9 of 20/],
    also: (d) => assert.equal(d.state.backoff?.untilMs, T0 + 10 * MIN),
  },
  {
    name: 'STARTING + failure number --max-retries → FATAL, exactly one line with why and what clears it',
    before: idle({ failedStarts: 4 }),
    result: failed(T0),
    outcome: 'not-running',
    lines: [
      new RegExp(
        '^app: fatal: failed to start 5 times in a row \\(last: pid 5151 exited with code 3 after 40ms\\); no more launches until: ' +
          'ensure-running --pid app\\.pid --start -- \\.\\/server\\.js --port 8080; last log lines: "exit-now: failing with code 3"$',
      ),
    ],
    also: (d) => {
      assert.match(d.state.fatal?.reason ?? '', /5 failed starts in a row/);
      assert.equal(d.state.backoff, null);
      assert.deepEqual(
        d.state.events.slice(-2).map((e) => e.kind),
        ['start-failed', 'fatal'],
      );
    },
  },
  {
    name: 'STARTING + FATAL with --fatal-retry → the fatal line says how often it retries',
    before: idle({ failedStarts: 4 }),
    policy: RETRY_HOURLY,
    result: failed(T0),
    outcome: 'not-running',
    lines: [/fatal: .*one retry every 1h 0m; no more launches until/],
  },
  {
    name: 'STARTING + killed by a signal → the signal, no exit code',
    before: emptyState(),
    result: failed(T0, null, 'SIGSEGV'),
    outcome: 'not-running',
    lines: [/killed by SIGSEGV/],
    also: (d) => assert.deepEqual([d.state.lastExit?.code, d.state.lastExit?.signal], [null, 'SIGSEGV']),
  },
  {
    name: 'STARTING + exit code 0 → a failed start that says why (forked into the background)',
    before: emptyState(),
    result: failed(T0, 0),
    outcome: 'not-running',
    lines: [/exited with code 0 \(a program that forks into the background/],
  },
  {
    name: 'BACKOFF after 2 failed starts + up → RUNNING, one "recovered" line',
    before: idle({ failedStarts: 2, backoff: { fromMs: T0 - 2 * MIN, untilMs: T0, reason: 'failed start 2 of 5' } }),
    result: UP,
    outcome: 'running',
    lines: [/^app: recovered: started \(pid 5151\) after 2 failed starts$/],
    also: (d) => assert.deepEqual([d.state.failedStarts, d.state.backoff, d.state.events.at(-1)?.kind], [0, null, 'recovered']),
  },
  {
    name: '--crowd-backoff: BACKOFF after crowded deaths + up → "started after backing off", not "recovered"',
    before: idle({ deathTimesMs: [T0 - 3 * MIN, T0 - 2 * MIN, T0 - MIN], backoff: { fromMs: T0 - MIN, untilMs: T0, reason: '3 deaths within 10m 0s' } }),
    result: UP,
    outcome: 'running',
    lines: [/^app: started \(pid 5151\) after backing off \(3 deaths within 10m 0s\)$/],
    also: (d) => assert.equal(d.state.deathTimesMs.length, 3),
  },
  {
    name: 'FATAL + slow retry fails → still FATAL, silent, retry time recorded',
    before: idle({ failedStarts: 5, fatal: { sinceMs: T0 - 120 * MIN, reason: '5 failed starts in a row', lastTryMs: T0 - 60 * MIN, retryEveryMs: 60 * MIN } }),
    policy: RETRY_HOURLY,
    result: failed(T0),
    outcome: 'not-running',
    lines: [],
    also: (d) => {
      assert.equal(d.state.fatal?.lastTryMs, T0);
      assert.equal(d.state.fatal?.sinceMs, T0 - 120 * MIN);
      assert.equal(d.state.events.at(-1)?.kind, 'start-failed');
    },
  },
  {
    name: 'FATAL + slow retry comes up → RUNNING, one "recovered" line',
    before: idle({ failedStarts: 6, fatal: { sinceMs: T0 - 120 * MIN, reason: '5 failed starts in a row', lastTryMs: T0 - 60 * MIN, retryEveryMs: 60 * MIN } }),
    policy: RETRY_HOURLY,
    result: UP,
    outcome: 'running',
    lines: [/^app: recovered: started \(pid 5151\) after 6 failed starts$/],
    also: (d) => assert.equal(d.state.fatal, null),
  },
];

for (const row of launchRows) {
  test(`after launch: ${row.name}`, () => {
    const d = decideAfterLaunch(spawned(row.before, T0), row.result, row.policy ?? POLICY, T0);
    assert.equal(d.outcome, row.outcome, 'outcome');
    const said = reports(d);
    assert.equal(said.length, row.lines.length, `lines: ${JSON.stringify(said)}`);
    for (const [i, pattern] of row.lines.entries()) assert.match(said[i]!, pattern);
    assert.equal(launches(d), 0, 'a launch decision never launches again');
    row.also?.(d);
  });
}

test('backoff delay: one period, doubling, capped', () => {
  const delays = [0, 1, 2, 3, 4, 5, 40].map((level) => backoffDelayMs(POLICY, level));
  assert.deepEqual(delays, [MIN, 2 * MIN, 4 * MIN, 8 * MIN, 10 * MIN, 10 * MIN, 10 * MIN]);
});

test('slack: a quarter of the period, at most 5 s', () => {
  assert.deepEqual([slackMs(POLICY), slackMs({ ...POLICY, periodMs: 2_000 })], [5_000, 500]);
});

/** Runs cron ticks every period against a target that always fails at once; returns the lines per tick. */
function simulateAlwaysFailing(ticks: number, policy: Policy, clockAt: (tick: number) => number): { lines: string[][]; launches: number; final: ProgramState } {
  let state = emptyState();
  let count = 0;
  const lines: string[][] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const now = clockAt(tick);
    let d = decideCheck(state, NOTHING, REQ, policy, now);
    const said = reports(d);
    if (launches(d)) {
      count++;
      d = decideAfterLaunch(spawned(d.state, now), failed(now), policy, now);
      said.push(...reports(d));
    }
    state = d.state;
    lines.push(said);
  }
  return { lines, launches: count, final: state };
}

test('sequence: a target that always fails → one line per failed start, silence while backing off, FATAL once, then silence', () => {
  const { lines, launches: count, final } = simulateAlwaysFailing(60, POLICY, (tick) => T0 + tick * MIN);
  const loud = lines.flatMap((said, tick) => said.map((line) => `${tick}: ${line.replace(/ after \d\d:\d\d:\d\d.*/, '').replace(/;.*/, '')}`));
  // Launches at ticks 0, 1, 3, 7, 15 (delays of 1, 2, 4, 8 periods); the fifth failure is FATAL.
  assert.deepEqual(loud, [
    '0: app: failed to start (pid 5151 exited with code 3 after 40ms)',
    '1: app: failed to start (pid 5151 exited with code 3 after 40ms)',
    '3: app: failed to start (pid 5151 exited with code 3 after 40ms)',
    '7: app: failed to start (pid 5151 exited with code 3 after 40ms)',
    '15: app: fatal: failed to start 5 times in a row (last: pid 5151 exited with code 3 after 40ms)',
  ]);
  assert.equal(count, 5);
  assert.ok(final.fatal);
});

test('sequence: a clock swinging back and forth at every tick never launches more than once a period', () => {
  // Every other tick the clock is an hour behind: neither stuck in BACKOFF nor a storm.
  const { launches: count, final } = simulateAlwaysFailing(40, { ...POLICY, maxRetries: 1000 }, (tick) => T0 + tick * MIN - (tick % 2) * 60 * MIN);
  assert.ok(count >= 3, `launched ${count} times`);
  assert.ok(count <= 20, `launched ${count} times in 40 ticks`);
  assert.ok(final.backoff !== null);
});

test('sequence: --fatal-retry 1h tries once an hour, silently, forever', () => {
  const { lines, launches: count } = simulateAlwaysFailing(6 * 60, RETRY_HOURLY, (tick) => T0 + tick * MIN);
  // 5 launches up to FATAL at tick 15, then one per hour: ticks 75, 135, 195, 255, 315.
  assert.equal(count, 10);
  assert.equal(lines.flat().length, 5);
});
