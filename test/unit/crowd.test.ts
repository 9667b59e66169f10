// Crowded deaths as a table at a fixed `now` (src/core/crowd.ts): a death after the start
// window is relaunched at the check that finds it, always; crowding only quiets the mail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tablePolicy, MIN } from './policy-fixture.ts';
import { launchCount, reportLines } from '../helpers.ts';
import { decideAfterLaunch, decideCheck, recordSpawn, type Decision, type Policy } from '../../src/core/policy.ts';
import { decide } from '../../src/core/tick.ts';
import type { Observation } from '../../src/core/observation.ts';
import type { CrowdRecord } from '../../src/core/crowd.ts';
import { emptyState, parseState, type Identity, type ProgramState } from '../../src/core/state.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const CMD = ['./server.js'];
const REQ = { command: CMD, cwd: '/srv' };
const LOGS = { stdout: '/srv/app.log', stderr: '/srv/app.log' };
const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start' });
const identity = (pid: number, launchedAtMs: number): Identity => ({ pid, startTime: '1', bootId: 'b', launchedAtMs, token: 'abcdef0123456789' });
const running = (launchedAt: number, extra: Partial<ProgramState> = {}): ProgramState => ({
  ...emptyState(CMD, '/srv'),
  identity: identity(4242, launchedAt),
  launches: 3,
  lastSeenAliveMs: launchedAt,
  ...extra,
});
const crowd = (fields: Partial<CrowdRecord> = {}): CrowdRecord => ({
  sinceMs: T0 - 4 * MIN,
  announcedMs: T0 - 4 * MIN,
  trouble: 'died',
  count: 3,
  quietLaunch: false,
  ...fields,
});
const GONE: Observation = { kind: 'gone', pid: 4242, why: 'exited', logTail: ['Error: out of memory'] };
const OURS: Observation = { kind: 'ours', pid: 4242, repairPidFile: false };
const lines = (d: Decision) => reportLines(d);
const launches = (d: Decision) => launchCount(d.effects);

interface Row {
  name: string;
  state: ProgramState;
  obs?: Observation;
  policy?: Policy;
  now?: number;
  launch: boolean;
  lines: RegExp[];
  also?: (d: Decision) => void;
}

const rows: Row[] = [
  {
    name: 'RUNNING + second death within 10 minutes → not crowded: said alone, relaunched',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 3 * MIN] }),
    launch: true,
    lines: [/^app: died \(pid 4242; .*\); last log lines: "Error: out of memory"$/],
    also: (d) => assert.equal(d.state.crowd, undefined),
  },
  {
    name: 'RUNNING + third death within 10 minutes → relaunched at once, the one crowd line',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }),
    launch: true,
    lines: [
      new RegExp(
        '^app: died \\(pid 4242; .*\\); 3 deaths within 10m 0s: relaunched each time; ' +
          'said again hourly or when it changes; last log lines: "Error: out of memory"$',
      ),
    ],
    also: (d) => {
      assert.deepEqual(d.state.crowd, { sinceMs: T0, announcedMs: T0, trouble: 'died', count: 3, quietLaunch: true });
      assert.equal(d.state.backoff, null);
      assert.equal(d.state.events.at(-1)?.kind, 'death');
    },
  },
  {
    name: 'RUNNING + fourth death, the crowd said 4 minutes ago → relaunched, silent; the history and the tally keep it',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 8 * MIN, T0 - 6 * MIN, T0 - 4 * MIN], crowd: crowd() }),
    launch: true,
    lines: [],
    also: (d) => {
      assert.equal(d.state.crowd?.count, 4);
      assert.equal(d.state.crowd?.announcedMs, T0 - 4 * MIN);
      assert.equal(d.state.deathTimesMs.length, 4);
      assert.equal(d.state.events.at(-1)?.kind, 'death');
      assert.deepEqual(
        d.effects.map((e) => e.kind),
        ['remove-pid', 'launch'],
      );
    },
  },
  {
    name: 'RUNNING + a death an hour after the crowd was said → said again, with the count since it began',
    state: running(T0 - 2 * MIN, {
      deathTimesMs: [T0 - 6 * MIN, T0 - 4 * MIN],
      crowd: crowd({ sinceMs: T0 - 90 * MIN, announcedMs: T0 - 60 * MIN, count: 30 }),
    }),
    launch: true,
    lines: [
      new RegExp(
        '^app: died \\(pid 4242; .*\\); 31 deaths and restarts since \\d\\d:\\d\\d:\\d\\d \\(3 deaths within ' +
          '10m 0s\\): relaunched each time; said again hourly or when it changes; last log lines: ',
      ),
    ],
    also: (d) => assert.equal(d.state.crowd?.announcedMs, T0),
  },
  {
    name: 'RUNNING + a death 59 minutes after the crowd was said → still silent',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 4 * MIN], crowd: crowd({ announcedMs: T0 - 59 * MIN }) }),
    launch: true,
    lines: [],
  },
  {
    name: 'RUNNING + a death after hung restarts crowded → the trouble changed: said again',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 4 * MIN], crowd: crowd({ trouble: 'hung' }) }),
    launch: true,
    lines: [/^app: died .*; 4 deaths and restarts since .*: relaunched each time/],
    also: (d) => assert.equal(d.state.crowd?.trouble, 'died'),
  },
  {
    name: 'RUNNING + a death with a crowd on record, the window holding it alone → no longer crowded: said alone, the crowd forgotten',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 30 * MIN], crowd: crowd({ announcedMs: T0 - 30 * MIN }) }),
    launch: true,
    lines: [/^app: died \(pid 4242; .*\); last log lines: /],
    also: (d) => assert.equal(d.state.crowd, undefined),
  },
  {
    name: 'RUNNING + a quiet crowded death leaving members of its run → stopped first, and that is said',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 4 * MIN], crowd: crowd() }),
    obs: { ...GONE, leftovers: [4300] },
    launch: true,
    lines: [/^app: died \(pid 4242; .*\); stopped 1 process left from its run \(pid 4300\)$/],
  },
  {
    name: '--crowd-deaths 5 + third death → not crowded: said alone',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }),
    policy: { ...POLICY, crowdCount: 5 },
    launch: true,
    lines: [/^app: died \(pid 4242; .*\); last log lines: /],
  },
  {
    name: '--crowd-window 2m + third death in 6 minutes → not crowded',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }),
    policy: { ...POLICY, crowdWindowMs: 2 * MIN },
    launch: true,
    lines: [/^app: died \(pid 4242; .*\); last log lines: /],
    also: (d) => assert.deepEqual(d.state.deathTimesMs, [T0]),
  },
  {
    name: '--crowd-backoff + third death → BACKOFF, not relaunched (the rule before)',
    state: running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }),
    policy: { ...POLICY, crowdBackoff: true },
    launch: false,
    lines: [/3 deaths within 10m 0s: backing off, next launch after /],
    also: (d) => assert.equal(d.state.crowd, undefined),
  },
  {
    name: 'RUNNING + alive past --min-uptime with a crowd on record → the tallies clear, the crowd ends with one line',
    state: running(T0 - 5 * MIN, { deathTimesMs: [T0 - 9 * MIN, T0 - 7 * MIN, T0 - 5 * MIN], crowd: crowd({ sinceMs: T0 - 20 * MIN, count: 9 }) }),
    obs: OURS,
    launch: false,
    lines: [/^app: running steadily again \(pid 4242 up 5m 0s\) after 9 deaths and restarts since \d\d:\d\d:\d\d$/],
    also: (d) => assert.deepEqual([d.state.crowd, d.state.deathTimesMs, d.state.settled], [undefined, [], true]),
  },
  {
    name: 'RUNNING + a changed launch request with a crowd on record → a new program: the crowd is forgotten',
    state: running(T0 - MIN, { deathTimesMs: [T0 - 5 * MIN, T0 - 3 * MIN, T0 - MIN], crowd: crowd() }),
    launch: true,
    lines: [/^app: died \(pid 4242; .*\); last log lines: /],
    also: (d) => assert.equal(d.state.crowd, undefined),
  },
];

for (const row of rows) {
  test(`crowd: ${row.name}`, () => {
    const request = row.name.includes('changed launch request') ? { command: ['./server.js', '--fixed'], cwd: '/srv' } : REQ;
    const d = decideCheck(row.state, row.obs ?? GONE, request, row.policy ?? POLICY, row.now ?? T0);
    assert.equal(launches(d), row.launch ? 1 : 0, 'launch');
    const said = lines(d);
    assert.equal(said.length, row.lines.length, JSON.stringify(said));
    for (const [i, pattern] of row.lines.entries()) assert.match(said[i]!, pattern);
    row.also?.(d);
  });
}

test('crowd: the launch after a crowded death says nothing when it comes up; the flag is cleared', () => {
  const died = decideCheck(running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }), GONE, REQ, POLICY, T0);
  const spawned = recordSpawn(died.state, identity(5151, T0), REQ, LOGS);
  const up = decideAfterLaunch(spawned, { kind: 'up', identity: identity(5151, T0) }, POLICY, T0 + 1_000);
  assert.deepEqual(lines(up), []);
  assert.equal(up.outcome, 'running');
  assert.equal(up.state.crowd?.quietLaunch, false);
  assert.equal(up.state.events.at(-1)?.kind, 'launch', 'the history keeps the launch');
});

test('crowd: the launch after a crowded death fails in its start window → the failed-start line and its backoff, unchanged', () => {
  const died = decideCheck(running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }), GONE, REQ, POLICY, T0);
  const spawned = recordSpawn(died.state, identity(5151, T0), REQ, LOGS);
  const failed = decideAfterLaunch(spawned, { kind: 'exited', pid: 5151, launchedAtMs: T0, code: 3, signal: null, ranMs: 40, logTail: [] }, POLICY, T0 + 1_000);
  assert.match(lines(failed).join('\n'), /^app: failed to start \(pid 5151 exited with code 3 after 40ms\); failed start 1 of 5, next attempt after /);
  assert.equal(failed.state.backoff?.untilMs, T0 + 1_000 + MIN);
});

test('crowd: --start clears the crowd with the tallies', () => {
  const t = decide(running(T0 - MIN, { crowd: crowd(), deathTimesMs: [T0 - 2 * MIN] }), { kind: 'start' }, REQ, POLICY, T0);
  assert.equal(t.state.crowd, undefined);
});

test('crowd: the record survives the state file, and a damaged one reads as no crowd', () => {
  const state = { ...running(T0), crowd: crowd() };
  const read = parseState(JSON.stringify(state));
  assert.ok(read.kind === 'ok');
  assert.deepEqual(read.state.crowd, crowd());
  const damaged = parseState(JSON.stringify({ ...state, crowd: { sinceMs: 'x', trouble: 'died' } }));
  assert.ok(damaged.kind === 'ok' && damaged.state.crowd === undefined);
});

test('crowd: a program dying 2 minutes after each start for 3 hours is relaunched at every death; cron mail gets 7 lines', () => {
  let state = running(T0);
  let now = T0;
  const said: string[] = [];
  let relaunched = 0;
  for (let pid = 5000; now < T0 + 180 * MIN; pid++) {
    now += 2 * MIN; // found dead by the check 2 minutes on
    const d = decideCheck(state, GONE, REQ, POLICY, now);
    said.push(...lines(d));
    assert.equal(launches(d), 1, `relaunched at ${(now - T0) / MIN} minutes`);
    const spawned = recordSpawn(d.state, identity(pid, now), REQ, LOGS);
    const up = decideAfterLaunch(spawned, { kind: 'up', identity: identity(pid, now) }, POLICY, now + 1_000);
    said.push(...lines(up));
    state = up.state;
    relaunched++;
  }
  assert.equal(relaunched, 90);
  // Two deaths said alone (each with its "started"), the crowd line, then once an hour.
  assert.equal(said.length, 7, said.join('\n'));
  assert.match(said[4]!, /3 deaths within 10m 0s: relaunched each time/);
  assert.match(said[5]!, /deaths and restarts since/);
  assert.equal(state.events.filter((e) => e.kind === 'death').length, 20, 'the history keeps the newest 40 events: deaths and launches');
});

test("--respawn: a waiter's check relaunches a death at once, but leaves crowded deaths to cron's next check, which relaunches", () => {
  const respawned: Policy = { ...POLICY, respawned: true };
  const seen: Observation = { ...GONE, status: { code: null, signal: 'SIGKILL' } };
  // A first death: relaunched at once, its signal recorded.
  const first = decideCheck(running(T0 - 2 * MIN), seen, REQ, respawned, T0);
  assert.equal(launches(first), 1);
  assert.deepEqual([first.state.lastExit?.signal, first.state.lastExit?.code], ['SIGKILL', null]);
  assert.match(lines(first)[0]!, /killed by SIGKILL, seen by its waiter/);
  // The third death within the window: recorded and said, not relaunched by the waiter's check.
  const crowded = decideCheck(running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }), seen, REQ, respawned, T0);
  assert.equal(launches(crowded), 0);
  assert.equal(crowded.outcome, 'not-running');
  assert.match(lines(crowded)[0]!, /relaunched at the next cron check/);
  // cron's next check launches it, quietly, as a crowded relaunch.
  const cron = decideCheck(crowded.state, { kind: 'gone', pid: null, why: 'no-record', logTail: [] }, REQ, POLICY, T0 + MIN);
  assert.equal(launches(cron), 1);
  assert.deepEqual(lines(cron), []);
  // Without --respawn the same death is relaunched at once.
  assert.equal(launches(decideCheck(running(T0 - 2 * MIN, { deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] }), GONE, REQ, POLICY, T0)), 1);
});
