// Health restarts and the crash-loop tally, as a table at a fixed `now`: hung and unhealthy
// restarts count with deaths; once they crowd they are still relaunched, the mail quieted
// (with --crowd-backoff they back off instead); planned restarts never count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideHealthRestart, type HealthRestartDecision } from '../../src/core/health-restart.ts';
import { decideHealth, type HealthOptions, type RestartKind } from '../../src/core/health.ts';
import { decideAfterLaunch, decideCheck, recordSpawn, type Policy } from '../../src/core/policy.ts';
import { emptyState, type ExitInfo, type Identity, type ProgramState } from '../../src/core/state.ts';

const MIN = 60_000;
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const CMD = ['./server.js'];
const REQ = { command: CMD, cwd: '/srv' };
const LOGS = { stdout: '/srv/app.log', stderr: '/srv/app.log' };
const POLICY: Policy = {
  name: 'app',
  periodMs: MIN,
  backoffMaxMs: 10 * MIN,
  maxRetries: 5,
  fatalRetryMs: null,
  crowdCount: 3,
  crowdWindowMs: 10 * MIN,
  minUptimeMs: 5 * MIN,
  startHint: 'ensure-running --pid app.pid --start -- ./server.js',
};
/** --crowd-backoff: the rule before crowded deaths were kept up. */
const BACKOFF_POLICY: Policy = { ...POLICY, crowdBackoff: true };
const STOPPED = 'stopped pid 4242 with SIGTERM';
const HUNG = { kind: 'hung' as RestartKind, reason: 'no heartbeat 5s after launch (grace 2s, file /srv/hb)' };
const UNHEALTHY = { kind: 'unhealthy' as RestartKind, reason: 'health check failed 3 times in a row, last: HTTP 500 from http://h/' };
const PLANNED = { kind: 'scheduled' as RestartKind, reason: 'planned restart, --restart-at "0 4 * * *" was due at 2030-01-01T04:00:00.000Z' };
const LAST_EXIT: ExitInfo = {
  atMs: NOW - 30 * MIN,
  pid: 4000,
  code: 1,
  signal: null,
  inStartWindow: false,
  lastSeenAliveMs: NOW - 31 * MIN,
  ranMs: MIN,
  logTail: [],
};

const identity = (pid: number, launchedAtMs: number): Identity => ({ pid, startTime: '1', bootId: 'b', launchedAtMs, token: 'abcdef0123456789' });
/** A live, verified run launched a minute ago, with these recent deaths (and restarts) on the tally. */
const live = (deathTimesMs: number[], extra: Partial<ProgramState> = {}): ProgramState => ({
  ...emptyState(CMD, '/srv'),
  identity: identity(4242, NOW - MIN),
  launches: 4,
  lastExit: LAST_EXIT,
  deathTimesMs,
  ...extra,
});

interface Row {
  name: string;
  state: ProgramState;
  restart: { kind: RestartKind; reason: string };
  policy?: Policy;
  relaunch: boolean;
  tally: number[];
  /** The backoff's end, when one is entered. */
  until?: number;
  line?: RegExp;
  /** Relaunched while crowded: the end of the relaunch line (null: silent); undefined: not crowded. */
  crowd?: RegExp | null;
}

const rows: Row[] = [
  {
    name: 'PLANNED restart (--restart-at) → relaunched, tally untouched',
    state: live([NOW - 2 * MIN, NOW - MIN]),
    restart: PLANNED,
    relaunch: true,
    tally: [NOW - 2 * MIN, NOW - MIN],
  },
  { name: 'HUNG + empty tally → relaunched, the restart counted', state: live([]), restart: HUNG, relaunch: true, tally: [NOW] },
  {
    name: 'UNHEALTHY + one recent death → relaunched, two counted',
    state: live([NOW - 3 * MIN]),
    restart: UNHEALTHY,
    relaunch: true,
    tally: [NOW - 3 * MIN, NOW],
  },
  {
    name: '--crowd-backoff: HUNG + two recent restarts → third crowds: BACKOFF one period, not relaunched, one line',
    state: live([NOW - 2 * MIN, NOW - MIN]),
    policy: BACKOFF_POLICY,
    restart: HUNG,
    relaunch: false,
    tally: [NOW - 2 * MIN, NOW - MIN, NOW],
    until: NOW + MIN,
    line: new RegExp(
      '^app: hung \\(no heartbeat 5s after launch \\(grace 2s, file \\/srv\\/hb\\)\\); stopped pid 4242 with SIGTERM; ' +
        'restarted too often \\(3 restarts and deaths within 10m 0s\\): backing off, next launch after \\d\\d:\\d\\d:\\d\\d$',
    ),
  },
  {
    name: '--crowd-backoff: UNHEALTHY + three recent → fourth crowds: BACKOFF doubled to two periods',
    state: live([NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN]),
    policy: BACKOFF_POLICY,
    restart: UNHEALTHY,
    relaunch: false,
    tally: [NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN, NOW],
    until: NOW + 2 * MIN,
    line: new RegExp(
      '^app: unhealthy \\(health check failed 3 times in a row, last: HTTP 500 from http:\\/\\/h\\/\\); stopped ' +
        'pid 4242 with SIGTERM; restarted too often \\(4 restarts and deaths within 10m 0s\\): backing off',
    ),
  },
  {
    name: '--crowd-backoff: HUNG + many crowded → BACKOFF capped at --backoff-max',
    state: live([1, 2, 3, 4, 5, 6, 7].map((n) => NOW - n * MIN)),
    policy: BACKOFF_POLICY,
    restart: HUNG,
    relaunch: false,
    tally: [7, 6, 5, 4, 3, 2, 1]
      .map((n) => NOW - n * MIN)
      .concat(NOW)
      .sort((a, b) => a - b),
    until: NOW + 10 * MIN,
    line: /restarted too often \(8 restarts and deaths within 10m 0s\)/,
  },
  {
    name: 'HUNG + two recent restarts → third crowds: relaunched all the same, the one crowd line',
    state: live([NOW - 2 * MIN, NOW - MIN]),
    restart: HUNG,
    relaunch: true,
    tally: [NOW - 2 * MIN, NOW - MIN, NOW],
    crowd: /^3 restarts and deaths within 10m 0s: relaunched each time; said again hourly or when it changes$/,
  },
  {
    name: 'UNHEALTHY + crowd already said for the same trouble 5 minutes ago → relaunched, silent',
    state: live([NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN], {
      crowd: { sinceMs: NOW - 5 * MIN, announcedMs: NOW - 5 * MIN, trouble: 'unhealthy', count: 3, quietLaunch: false },
    }),
    restart: UNHEALTHY,
    relaunch: true,
    tally: [NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN, NOW],
    crowd: null,
  },
  {
    name: 'HUNG + crowd said for deaths → the trouble changed: said again, relaunched',
    state: live([NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN], {
      crowd: { sinceMs: NOW - 5 * MIN, announcedMs: NOW - 5 * MIN, trouble: 'died', count: 3, quietLaunch: false },
    }),
    restart: HUNG,
    relaunch: true,
    tally: [NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN, NOW],
    crowd: /^4 deaths and restarts since \d\d:\d\d:\d\d \(4 restarts and deaths within 10m 0s\): relaunched each time/,
  },
  {
    name: 'HUNG + crowd said an hour ago → said again, relaunched',
    state: live([NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN], {
      crowd: { sinceMs: NOW - 90 * MIN, announcedMs: NOW - 60 * MIN, trouble: 'hung', count: 40, quietLaunch: false },
    }),
    restart: HUNG,
    relaunch: true,
    tally: [NOW - 6 * MIN, NOW - 4 * MIN, NOW - 2 * MIN, NOW],
    crowd: /^41 deaths and restarts since /,
  },
  {
    name: 'HUNG + crowd said "in the future" (clock went back) → said again',
    state: live([NOW - 2 * MIN, NOW - MIN], { crowd: { sinceMs: NOW + 5 * MIN, announcedMs: NOW + 5 * MIN, trouble: 'hung', count: 5, quietLaunch: false } }),
    restart: HUNG,
    relaunch: true,
    tally: [NOW - 2 * MIN, NOW - MIN, NOW],
    crowd: /^6 deaths and restarts since /,
  },
  {
    name: 'HUNG + two restarts older than the window → expired, relaunched',
    state: live([NOW - 12 * MIN, NOW - 11 * MIN]),
    restart: HUNG,
    relaunch: true,
    tally: [NOW],
  },
  {
    name: '--crowd-backoff: HUNG + two restarts "in the future" (clock went back) → counted as now, crowds',
    state: live([NOW + 5 * MIN, NOW + 6 * MIN]),
    policy: BACKOFF_POLICY,
    restart: HUNG,
    relaunch: false,
    tally: [NOW, NOW, NOW],
    until: NOW + MIN,
    line: /3 restarts and deaths within 10m 0s/,
  },
  {
    name: 'HUNG + a policy crowding at 4 → relaunched while under it',
    state: live([NOW - 2 * MIN, NOW - MIN]),
    restart: HUNG,
    policy: { ...POLICY, crowdCount: 4 },
    relaunch: true,
    tally: [NOW - 2 * MIN, NOW - MIN, NOW],
  },
];

for (const row of rows) {
  test(row.name, () => {
    const d: HealthRestartDecision = decideHealthRestart(row.state, row.restart, STOPPED, row.policy ?? POLICY, NOW);
    assert.equal(d.relaunch, row.relaunch);
    assert.deepEqual(
      [...d.state.deathTimesMs].sort((a, b) => a - b),
      row.tally,
    );
    assert.equal(d.state.identity, null, 'the stopped run is no longer recorded');
    assert.equal(d.state.lastExit, LAST_EXIT, 'a health restart invents no exit');
    if (row.relaunch) {
      assert.equal(d.line, null);
      const crowd = d.relaunch ? d.crowd : undefined;
      if (row.crowd === undefined) assert.equal(crowd, undefined, 'not crowded: the relaunch line as always');
      else if (row.crowd === null) assert.equal(crowd, null, 'crowded and said already: silent');
      else assert.match(crowd ?? '', row.crowd);
      assert.equal(d.state.backoff, null);
      assert.equal(d.state.events.length, row.state.events.length, 'no backoff event');
    } else {
      assert.match(d.line ?? '', row.line!);
      assert.deepEqual(d.state.backoff && [d.state.backoff.fromMs, d.state.backoff.untilMs], [NOW, row.until]);
      assert.equal(d.state.events.at(-1)?.kind, 'backoff');
    }
  });
}

test(
  '--crowd-backoff: BACKOFF after crowded health restarts → silent and not ' +
    'launched inside the delay; launched after it, with the "after backing off" line',
  () => {
    const crowded = decideHealthRestart(live([NOW - 2 * MIN, NOW - MIN]), HUNG, STOPPED, BACKOFF_POLICY, NOW);
    assert.equal(crowded.relaunch, false);
    const gone = { kind: 'gone' as const, pid: null, why: 'no-record' as const, logTail: [] };
    const inside = decideCheck(crowded.state, gone, REQ, BACKOFF_POLICY, NOW + 30_000);
    assert.deepEqual([inside.effects, inside.outcome], [[], 'not-running']);
    const after = decideCheck(inside.state, gone, REQ, BACKOFF_POLICY, NOW + MIN);
    assert.deepEqual(after.effects, [{ kind: 'launch' }]);
    const spawned = recordSpawn(after.state, identity(5151, NOW + MIN), REQ, LOGS);
    const up = decideAfterLaunch(spawned, { kind: 'up', identity: identity(5151, NOW + MIN) }, BACKOFF_POLICY, NOW + MIN + 1_000);
    assert.deepEqual(up.effects, []);
    assert.deepEqual(up.said, [{ text: 'app: started (pid 5151) after backing off (3 restarts and deaths within 10m 0s)', of: 'launch' }]);
    assert.equal(up.state.backoff, null);
  },
);

test('a relaunch after a crash starts with zero failed HTTP probes, so the new run is not restarted early', () => {
  const options: HealthOptions = { heartbeat: null, http: { url: 'http://h/', timeoutMs: 2_000, failures: 3 }, restartAt: null };
  const failing = { heartbeat: null, probe: { ok: false as const, detail: 'HTTP 500 from http://h/' }, schedule: null };
  // Two failed probes on the old run, then it crashes and a check relaunches it.
  let state = live([]);
  for (const at of [NOW + MIN, NOW + 2 * MIN]) state = decideHealth(state, failing, options, at).state;
  assert.equal(state.health?.failures, 2);
  const died = decideCheck(state, { kind: 'gone', pid: 4242, why: 'exited', logTail: [] }, REQ, POLICY, NOW + 3 * MIN);
  assert.ok(died.effects.some((e) => e.kind === 'launch'));
  const spawned = recordSpawn(died.state, identity(5151, NOW + 3 * MIN), REQ, LOGS);
  assert.deepEqual([spawned.health?.failures, spawned.health?.lastFailure], [0, null], 'fresh launch, fresh count');
  const up = decideAfterLaunch(spawned, { kind: 'up', identity: identity(5151, NOW + 3 * MIN) }, POLICY, NOW + 3 * MIN + 1_000);
  const first = decideHealth(up.state, failing, options, NOW + 4 * MIN);
  assert.equal(first.restart, null, 'one failure of the new run is not three');
  assert.equal(first.state.health?.failures, 1);
});

test('a launch of a program without health records adds none', () => {
  const spawned = recordSpawn(emptyState(CMD, '/srv'), identity(5151, NOW), REQ, LOGS);
  assert.equal('health' in spawned, false);
});
