// The tick as a table: one row per phase × event, named after the edge. The crash-loop
// edges of an observation are in policy.test.ts; these rows cover the phase itself, the
// events the tick adds (a launch found again, a refused launch, a manual stop or start)
// and whether its transitions say a line.
import { test } from 'node:test';
import { MIN, REQ, T0, base, identity, tablePolicy } from './policy-fixture.ts';
import { reportLines } from '../helpers.ts';
import assert from 'node:assert/strict';
import { phaseOf } from '../../src/core/phase.ts';
import { decide, type Tick, type TickEvent } from '../../src/core/tick.ts';
import type { Policy } from '../../src/core/policy.ts';
import type { ProgramState } from '../../src/core/state.ts';
import { emptyDuties } from '../../src/core/duties-record.ts';
import type { HealthOptions } from '../../src/core/health.ts';

const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start -- ./server.js' });
const RUNNING = base({ identity: identity(4242, T0 - 10 * MIN), lastSeenAliveMs: T0 - MIN, lastCheckMs: T0 - MIN, settled: true });
const STARTING = base({ pending: { token: 'feedfacefeedface', atMs: T0 - 2_000 } });
const HELD = base({ held: true });
const FATAL = base({ failedStarts: 5, fatal: { sinceMs: T0 - 30 * MIN, reason: '5 failed starts in a row', lastTryMs: T0 - 30 * MIN, retryEveryMs: null } });
const BACKOFF = base({ failedStarts: 1, backoff: { fromMs: T0 - 30_000, untilMs: T0 + 30_000, reason: 'failed start 1 of 5' } });
const STOPPED = base();

const OURS: TickEvent = { kind: 'observed', obs: { kind: 'ours', pid: 4242, repairPidFile: false } };
const NOTHING: TickEvent = { kind: 'observed', obs: { kind: 'gone', pid: null, why: 'no-record', logTail: [] } };
const FOUND: TickEvent = {
  kind: 'observed',
  obs: { kind: 'ours', pid: 5151, repairPidFile: true },
  found: { identity: identity(5151, T0 - 2_000), by: 'pending-token' },
};

// --heartbeat on a program already judged by earlier checks; a beat and no beat for 5 minutes.
const BEAT_OPTIONS: HealthOptions = { heartbeat: { file: '/srv/app.beat', timeoutMs: 2 * MIN, graceMs: 2 * MIN }, http: null, restartAt: null };
const JUDGED = { ...RUNNING, health: { ...emptyDuties(), heartbeatSeen: { file: '/srv/app.beat', sinceMs: T0 - 10 * MIN } } };
const beat = (mtimeMs: number): TickEvent => ({
  kind: 'duties',
  health: { obs: { heartbeat: { kind: 'beat', mtimeMs }, probe: null, schedule: null }, options: BEAT_OPTIONS },
  outcome: 'running',
});
const HEALTHY = beat(T0 - 10_000);
const HUNG = beat(T0 - 5 * MIN);

/** What follows the run a health rule ends: the `after` of the decision's one `end-run` effect. */
function afterEnd(t: { effects: readonly { kind: string }[] }): { head?: string; crowd?: string | null; parts?: string[] } {
  const end = t.effects[0] as { kind: string; after?: { head?: string; crowd?: string | null; parts?: string[] } };
  assert.equal(end.kind, 'end-run');
  return end.after!;
}

const lines = (t: Tick) => reportLines(t);
const kinds = (t: Tick) => t.effects.map((e) => e.kind);

test('phase: a pending launch comes first, then hold, FATAL, backoff, a process on record, nothing', () => {
  assert.deepEqual([STARTING, HELD, FATAL, BACKOFF, RUNNING, STOPPED].map(phaseOf), ['starting', 'held', 'fatal', 'backoff', 'running', 'stopped']);
  assert.equal(phaseOf({ ...FATAL, pending: STARTING.pending }), 'starting', 'an interrupted slow retry is looked for first');
  assert.equal(phaseOf({ ...HELD, fatal: FATAL.fatal }), 'held', 'held wins over FATAL');
  assert.equal(phaseOf({ ...FATAL, backoff: BACKOFF.backoff }), 'fatal', 'FATAL wins over backoff');
});

interface Row {
  name: string;
  state: ProgramState;
  event: TickEvent;
  effects: string[];
  outcome: Tick['outcome'];
  /** No transition of the decision says a line. */
  silent: boolean;
  lines?: RegExp[];
  policy?: Policy;
  also?: (t: Tick) => void;
}

const rows: Row[] = [
  {
    name: 'RUNNING + alive and verified → nothing to do, nothing said: only the clocks move',
    state: RUNNING,
    event: OURS,
    effects: [],
    outcome: 'running',
    silent: true,
  },
  {
    name: 'RUNNING + alive, PID file to repair → rewritten, silently',
    state: RUNNING,
    event: { kind: 'observed', obs: { kind: 'ours', pid: 4242, repairPidFile: true } },
    effects: ['write-pid'],
    outcome: 'running',
    silent: true,
  },
  {
    name: 'RUNNING + alive past the minimum uptime, first time → tallies settle, silently',
    state: { ...RUNNING, settled: false },
    event: OURS,
    effects: [],
    outcome: 'running',
    silent: true,
    also: (t) => assert.equal(t.state.settled, true),
  },
  {
    name: "RUNNING + another tool's live PID (the caller's own file) → running, left alone, silent",
    state: STOPPED,
    event: { kind: 'observed', obs: { kind: 'unverified', pid: 777 } },
    effects: [],
    outcome: 'running',
    silent: true,
  },
  {
    name: 'RUNNING + gone → death reported, PID removed, the death on record (checkpoint), launch',
    state: RUNNING,
    event: { kind: 'observed', obs: { kind: 'gone', pid: 4242, why: 'exited', logTail: [] } },
    effects: ['remove-pid', 'checkpoint', 'launch'],
    outcome: 'not-running',
    silent: false,
    lines: [/^app: died \(pid 4242;/],
  },
  {
    name: "STARTING + the interrupted launch's process found → recorded (one line), PID file repaired",
    state: STARTING,
    event: FOUND,
    effects: ['write-pid'],
    outcome: 'running',
    silent: false,
    lines: [/^app: recorded pid 5151, launched by a check that was interrupted before it could record it$/],
    also: (t) => {
      assert.equal(t.state.pending, null);
      assert.equal(t.state.identity?.pid, 5151);
      assert.equal(t.state.launches, 2);
      assert.equal(t.state.events.at(-1)?.kind, 'adopt');
    },
  },
  {
    name: 'STARTING + nothing found → the token is forgotten, launch',
    state: STARTING,
    event: NOTHING,
    effects: ['launch'],
    outcome: 'not-running',
    silent: true,
    also: (t) => assert.equal(t.state.pending, null),
  },
  {
    name: 'STARTING (slow retry out of FATAL) + nothing found → FATAL again, no launch',
    state: { ...FATAL, pending: STARTING.pending },
    event: NOTHING,
    effects: [],
    outcome: 'not-running',
    silent: true,
    also: (t) => assert.equal(phaseOf(t.state), 'fatal'),
  },
  { name: 'HELD + nothing → left alone, silent', state: HELD, event: NOTHING, effects: [], outcome: 'held', silent: true },
  { name: 'FATAL + nothing → no launch, silent', state: FATAL, event: NOTHING, effects: [], outcome: 'not-running', silent: true },
  { name: 'BACKOFF + nothing, not due → no launch, silent', state: BACKOFF, event: NOTHING, effects: [], outcome: 'not-running', silent: true },
  { name: 'STOPPED + nothing → launch', state: STOPPED, event: NOTHING, effects: ['launch'], outcome: 'not-running', silent: true },
  {
    name: 'STOPPED + launch refused (command not found), first time → said',
    state: STOPPED,
    event: { kind: 'launch-refused', text: 'cannot find ./server.js' },
    effects: ['checkpoint', 'refuse'],
    outcome: 'not-running',
    silent: true,
    also: (t) => assert.deepEqual(t.effects[1], { kind: 'refuse', say: true }),
  },
  {
    name: 'STOPPED + the same launch refused a minute later → raised quietly',
    state: base({ launchError: { text: 'cannot find ./server.js', sinceMs: T0 - MIN, announcedMs: T0 - MIN } }),
    event: { kind: 'launch-refused', text: 'cannot find ./server.js' },
    effects: ['checkpoint', 'refuse'],
    outcome: 'not-running',
    silent: true,
    also: (t) => assert.deepEqual(t.effects[1], { kind: 'refuse', say: false }),
  },
  {
    name: 'STARTING + launched, up → RUNNING, one "started" line',
    state: base({ identity: identity(5151, T0 - 1_000), launches: 2 }),
    event: { kind: 'launched', result: { kind: 'up', identity: identity(5151, T0 - 1_000) } },
    effects: [],
    outcome: 'running',
    silent: false,
    lines: [/^app: started \(pid 5151\)$/],
  },
  {
    name: 'STARTING + launched, exited in its window → BACKOFF, PID removed',
    state: base({ identity: identity(5151, T0 - 1_000), launches: 2 }),
    event: { kind: 'launched', result: { kind: 'exited', pid: 5151, launchedAtMs: T0 - 1_000, code: 3, signal: null, ranMs: 200, logTail: [] } },
    effects: ['remove-pid'],
    outcome: 'not-running',
    silent: false,
    also: (t) => assert.equal(phaseOf(t.state), 'backoff'),
  },
  {
    name: 'STARTING + launched, exited 0 leaving its daemon → RUNNING as the daemon: PID file rewritten, "daemonized from" said',
    state: base({ identity: identity(5151, T0 - 1_000), launches: 2 }),
    event: { kind: 'launched', result: { kind: 'up', identity: identity(5160, T0 - 1_000), daemonizedFrom: 5151 } },
    effects: ['write-pid'],
    outcome: 'running',
    silent: false,
    lines: [/^app: started \(pid 5160, daemonized from 5151\)$/],
    also: (t) => {
      assert.equal(t.state.identity?.pid, 5160);
      assert.deepEqual(t.effects[0], { kind: 'write-pid', pid: 5160 });
    },
  },
  {
    name: 'STARTING + launched, exited in its window leaving members of its run → they are stopped, said in the failed-start line',
    state: base({ identity: identity(5151, T0 - 1_000), launches: 2 }),
    event: {
      kind: 'launched',
      result: { kind: 'exited', pid: 5151, launchedAtMs: T0 - 1_000, code: 1, signal: null, ranMs: 300, logTail: [], leftovers: [5152] },
    },
    effects: ['remove-pid', 'stop-run'],
    outcome: 'not-running',
    silent: false,
    lines: [/^app: failed to start \(pid 5151 exited with code 1 after .*; stopped 1 process left from its run \(pid 5152\)\)/],
    also: (t) => assert.deepEqual(t.effects[1], { kind: 'stop-run', identity: identity(5151, T0 - 1_000), pids: [5152] }),
  },
  {
    name: 'STARTING + launched, exited 0 leaving nothing → a failed start that points to the foreground option',
    state: base({ identity: identity(5151, T0 - 1_000), launches: 2 }),
    event: { kind: 'launched', result: { kind: 'exited', pid: 5151, launchedAtMs: T0 - 1_000, code: 0, signal: null, ranMs: 300, logTail: [], leftovers: [] } },
    effects: ['remove-pid'],
    outcome: 'not-running',
    silent: false,
    lines: [/exited with code 0 .*run it in the foreground/],
  },
  ...[FATAL, BACKOFF, HELD].map(
    (state): Row => ({
      name: `${phaseOf(state).toUpperCase()} + manual start → STOPPED: hold and tallies cleared, a "start" event, then the look`,
      state,
      event: { kind: 'start' },
      effects: ['observe'],
      outcome: 'not-running',
      silent: true,
      also: (t) => {
        assert.equal(phaseOf(t.state), 'stopped');
        assert.equal(t.state.failedStarts, 0);
        assert.deepEqual(t.state.deathTimesMs, []);
        assert.equal(t.state.events.at(-1)?.kind, 'start');
      },
    }),
  ),
  {
    name: 'RUNNING + manual stop → HELD, PID removed, a "stop" event with how; its line names what starts it again',
    state: RUNNING,
    event: { kind: 'stopped', line: 'stopped (pid 4242, SIGTERM after 20ms)', hold: true, pid: 4242 },
    effects: ['remove-pid'],
    outcome: 'held',
    silent: false,
    lines: [/^app: stopped \(pid 4242, SIGTERM after 20ms\); held stopped until: ensure-running --pid app\.pid --start -- /],
    also: (t) => {
      assert.equal(phaseOf(t.state), 'held');
      assert.deepEqual(t.state.events.at(-1), { atMs: T0, kind: 'stop', pid: 4242, detail: 'stopped (pid 4242, SIGTERM after 20ms); held stopped' });
    },
  },
  {
    name: 'RUNNING + observed by a check with duties → its duties observed last, an effect; the run not launched by this check',
    state: RUNNING,
    event: { ...OURS, duties: true },
    effects: ['duties'],
    outcome: 'running',
    silent: true,
    also: (t) => assert.deepEqual(t.effects.at(-1), { kind: 'duties', launchedNow: false }),
  },
  {
    name: 'STOPPED + observed by a check with duties → the launch, then its duties (the run launched by this check, judged from the next one on)',
    state: STOPPED,
    event: { ...NOTHING, duties: true },
    effects: ['launch', 'duties'],
    outcome: 'not-running',
    silent: true,
    also: (t) => assert.deepEqual(t.effects.at(-1), { kind: 'duties', launchedNow: true }),
  },
  {
    name: 'RUNNING with a duties record on file + observed by a check without duties options → its duties observed all the same (the record kept up)',
    state: JUDGED,
    event: OURS,
    effects: ['duties'],
    outcome: 'running',
    silent: true,
  },
  {
    name: 'RUNNING + observed by a check without duties and no duties record → no duties (their code is not even loaded)',
    state: RUNNING,
    event: OURS,
    effects: [],
    outcome: 'running',
    silent: true,
  },
  {
    name: 'HELD + duties observed, nothing to judge → their record goes on the state, the outcome kept, silent',
    state: HELD,
    event: { kind: 'duties', done: { cadence: { key: '--interval 1m', schedule: null, tz: null, periodMs: MIN } }, outcome: 'held' },
    effects: [],
    outcome: 'held',
    silent: true,
    also: (t) =>
      assert.deepEqual(t.state, { ...HELD, health: { ...emptyDuties(), cadence: { key: '--interval 1m', schedule: null, tz: null, periodMs: MIN } } }),
  },
  {
    name: 'HELD + duties observed, a log rotation failed → on record, said once as its own transition (rotation-failed), the outcome kept',
    state: HELD,
    event: { kind: 'duties', done: { rotation: { failure: 'disk full' }, cadence: null }, outcome: 'held' },
    effects: [],
    outcome: 'held',
    silent: false,
    lines: [/^app: warning: disk full \(the log keeps growing; the program is guarded as usual\)$/],
    also: (t) => {
      assert.deepEqual(t.state, { ...HELD, health: { ...emptyDuties(), rotateError: { text: 'disk full', announcedMs: T0 } } });
      assert.deepEqual(
        t.transitions.map((x) => `${x.from}->${x.to} ${x.kind}`),
        ['held->held rotation-failed'],
      );
    },
  },
  {
    name: 'RUNNING + duties observed, the same rotation failed again within the day → silent, its record kept',
    state: { ...JUDGED, health: { ...JUDGED.health, rotateError: { text: 'disk full', announcedMs: T0 - 60 * MIN } } },
    event: { kind: 'duties', done: { rotation: { failure: 'disk full' }, cadence: null }, outcome: 'running' },
    effects: [],
    outcome: 'running',
    silent: true,
    also: (t) => assert.deepEqual(t.state.health?.rotateError, { text: 'disk full', announcedMs: T0 - 60 * MIN }),
  },
  {
    name: 'RUNNING + duties observed, a rotation failed then a hang → the warning first, then the restart',
    state: JUDGED,
    event: {
      kind: 'duties',
      done: { rotation: { failure: 'disk full' }, cadence: null },
      health: { obs: { heartbeat: { kind: 'beat', mtimeMs: T0 - 5 * MIN }, probe: null, schedule: null }, options: BEAT_OPTIONS },
      outcome: 'running',
    },
    effects: ['end-run'],
    outcome: 'running',
    silent: false,
    lines: [/^app: warning: disk full/],
    also: (t) =>
      assert.deepEqual(
        t.transitions.map((x) => x.kind),
        ['rotation-failed', 'hung'],
      ),
  },
  {
    name: 'RUNNING + duties observed, hung → judged on the new record: the run is ended, then relaunched',
    state: JUDGED,
    event: {
      kind: 'duties',
      done: { cadence: { key: '--interval 1m', schedule: null, tz: null, periodMs: MIN } },
      health: { obs: { heartbeat: { kind: 'beat', mtimeMs: T0 - 5 * MIN }, probe: null, schedule: null }, options: BEAT_OPTIONS },
      outcome: 'running',
    },
    effects: ['end-run'],
    outcome: 'running',
    silent: true,
    also: (t) => {
      assert.match(afterEnd(t).head!, /^app: restarting \(heartbeat 5m 0s old, timeout 2m 0s\)$/);
      assert.deepEqual(t.state.health?.cadence, { key: '--interval 1m', schedule: null, tz: null, periodMs: MIN });
      assert.equal(t.state.events.at(-1)?.kind, 'hung');
    },
  },
  {
    name: 'RUNNING + health observed, heartbeat fresh → nothing to do, silent',
    state: JUDGED,
    event: HEALTHY,
    effects: [],
    outcome: 'running',
    silent: true,
    also: (t) => assert.deepEqual(t.state, JUDGED),
  },
  {
    name: 'RUNNING + health observed, hung (old heartbeat) → the run is ended, then relaunched with one "restarting" line',
    state: JUDGED,
    event: HUNG,
    effects: ['end-run'],
    outcome: 'running',
    silent: true,
    also: (t) => {
      assert.deepEqual(
        { ...t.effects[0], after: null },
        { kind: 'end-run', identity: identity(4242, T0 - 10 * MIN), reason: t.state.events.at(-1)?.detail, after: null },
      );
      assert.match(afterEnd(t).head!, /^app: restarting \(heartbeat 5m 0s old, timeout 2m 0s\)$/);
      assert.equal(t.state.identity, null);
      assert.deepEqual(t.state.deathTimesMs, [T0], 'a hung run counts in the crash-loop tally');
      assert.equal(t.state.events.at(-1)?.kind, 'hung');
    },
  },
  {
    name: 'RUNNING + health observed, hung while restarts crowd → the run is ended and relaunched all the same; the relaunch line ends with the crowd line',
    state: { ...JUDGED, deathTimesMs: [T0 - 3 * MIN, T0 - 2 * MIN] },
    event: HUNG,
    effects: ['end-run'],
    outcome: 'running',
    silent: true,
    also: (t) => {
      assert.match(afterEnd(t).crowd ?? '', /^3 restarts and deaths within 10m 0s: relaunched each time; said again hourly or when it changes$/);
      assert.equal(t.state.crowd?.trouble, 'hung');
      assert.equal(t.state.backoff, null);
    },
  },
  {
    name: 'RUNNING + health observed, hung while a crowd of hangs was said 10 minutes ago → ended and relaunched silently',
    state: {
      ...JUDGED,
      deathTimesMs: [T0 - 3 * MIN, T0 - 2 * MIN],
      crowd: { sinceMs: T0 - 10 * MIN, announcedMs: T0 - 10 * MIN, trouble: 'hung', count: 5, quietLaunch: false },
    },
    event: HUNG,
    effects: ['end-run'],
    outcome: 'running',
    silent: true,
    also: (t) => {
      assert.equal(afterEnd(t).crowd, null);
      assert.equal(t.state.crowd?.count, 6);
      assert.equal(t.state.events.at(-1)?.kind, 'hung', 'the history keeps every restart');
    },
  },
  {
    name: '--crowd-backoff: RUNNING + health observed, hung while restarts crowd → the run is ended, PID removed, the backoff line, no launch',
    policy: { ...POLICY, crowdBackoff: true },
    state: { ...JUDGED, deathTimesMs: [T0 - 3 * MIN, T0 - 2 * MIN] },
    event: HUNG,
    effects: ['end-run'],
    outcome: 'not-running',
    silent: true,
    also: (t) => {
      const parts = afterEnd(t).parts!;
      assert.equal(parts.length, 2, 'how the run ended is said once, in the middle');
      assert.match(
        parts.join('stopped pid 4242 with SIGTERM'),
        new RegExp(
          '^app: hung \\(heartbeat 5m 0s old, timeout 2m 0s\\); stopped pid 4242 with SIGTERM; restarted too ' +
            'often \\(3 restarts and deaths within 10m 0s\\): backing off, next launch after \\d\\d:\\d\\d:\\d\\d$',
        ),
      );
      assert.equal(phaseOf(t.state), 'backoff');
      assert.equal(t.state.identity, null);
    },
  },
  {
    name: 'BACKOFF + stop half of --restart → STOPPED (not held), backoff cleared',
    state: BACKOFF,
    event: { kind: 'stopped', line: 'was not running', hold: false, pid: null },
    effects: ['remove-pid'],
    outcome: 'not-running',
    silent: false,
    lines: [/^app: was not running$/],
    also: (t) => assert.equal(phaseOf(t.state), 'stopped'),
  },
  {
    name: 'STOPPED + manual stop of a run already gone, its processes left behind → those processes stopped (as a stop), then the PID removed',
    state: STOPPED,
    event: {
      kind: 'stopped',
      line: 'was not running; stopped 2 processes left from its run (pids 5152 5153)',
      hold: true,
      pid: null,
      leftovers: { identity: identity(5151, T0 - 10 * MIN), pids: [5152, 5153] },
    },
    effects: ['stop-run', 'remove-pid'],
    outcome: 'held',
    silent: false,
    lines: [/^app: was not running; stopped 2 processes left from its run \(pids 5152 5153\); held stopped until: /],
    also: (t) => assert.deepEqual(t.effects[0], { kind: 'stop-run', identity: identity(5151, T0 - 10 * MIN), pids: [5152, 5153], stop: true }),
  },
];

for (const row of rows) {
  test(`tick: ${row.name}`, () => {
    const t = decide(row.state, row.event, REQ, row.policy ?? POLICY, T0);
    assert.deepEqual(kinds(t), row.effects, 'effects');
    assert.equal(t.outcome, row.outcome, 'outcome');
    assert.equal(lines(t).length === 0, row.silent, 'silent');
    if (row.lines) {
      const said = lines(t);
      assert.equal(said.length, row.lines.length, JSON.stringify(said));
      for (const [i, pattern] of row.lines.entries()) assert.match(said[i]!, pattern);
    }
    row.also?.(t);
  });
}

test('tick: a healthy check changes nothing but lastCheckMs and lastSeenAliveMs', () => {
  const t = decide(RUNNING, OURS, REQ, POLICY, T0);
  assert.deepEqual({ ...t.state, lastCheckMs: null, lastSeenAliveMs: null }, { ...RUNNING, lastCheckMs: null, lastSeenAliveMs: null });
  assert.equal(t.state.lastCheckMs, T0);
});

// The transitions a decision returns (src/core/transition.ts): one per change of state, typed.
const moves = (t: Tick) => t.transitions.map((x) => `${x.from}->${x.to} ${x.kind}`);

test('transitions: a healthy check makes none', () => {
  assert.deepEqual(decide(RUNNING, OURS, REQ, POLICY, T0).transitions, []);
});

test('transitions: RUNNING + found gone → a death, from running to stopped, its pid and unknown exit', () => {
  const t = decide(RUNNING, { kind: 'observed', obs: { kind: 'gone', pid: 4242, why: 'exited', logTail: [] } }, REQ, POLICY, T0);
  assert.deepEqual(moves(t), ['running->stopped death']);
  assert.deepEqual([t.transitions[0]!.pid, t.transitions[0]!.exit, t.transitions[0]!.atMs], [4242, { code: null, signal: null }, T0]);
});

test('transitions: a launch up → STARTING to RUNNING with the launch token; exited → a failed start, then BACKOFF', () => {
  const spawned = { ...STOPPED, identity: identity(5151, T0 - 2_000) };
  const up = decide(spawned, { kind: 'launched', result: { kind: 'up', identity: identity(5151, T0 - 2_000) } }, REQ, POLICY, T0);
  assert.deepEqual(moves(up), ['starting->running launch']);
  assert.deepEqual([up.transitions[0]!.pid, up.transitions[0]!.token], [5151, 'abcdef0123456789']);
  const result = { kind: 'exited' as const, pid: 5151, launchedAtMs: T0 - 2_000, code: 3, signal: null, ranMs: 50, logTail: [] };
  const failed = decide(spawned, { kind: 'launched', result }, REQ, POLICY, T0);
  assert.deepEqual(moves(failed), ['starting->stopped start-failed', 'stopped->backoff backoff']);
  assert.deepEqual(failed.transitions[0]!.exit, { code: 3, signal: null });
});

test('transitions: a launch refused is one when said, none when quiet on repeat', () => {
  const said = decide(STOPPED, { kind: 'launch-refused', text: 'command not found' }, REQ, POLICY, T0);
  assert.deepEqual(moves(said), ['stopped->stopped launch-refused']);
  assert.deepEqual(decide(said.state, { kind: 'launch-refused', text: 'command not found' }, REQ, POLICY, T0 + MIN).transitions, []);
});

test('transitions: a hung run ended and relaunched → hung, from running to stopped', () => {
  const t = decide(JUDGED, HUNG, REQ, POLICY, T0);
  assert.deepEqual(moves(t), ['running->stopped hung']);
});

// The executor's loop: a run ended by a health rule, and the launch after it, come back as events.
test('tick: run-ended, relaunch → on record, then a launch that carries the restart line with how the run ended', () => {
  const t = decide(
    STOPPED,
    { kind: 'run-ended', how: 'stopped pid 4242 with SIGTERM', after: { kind: 'relaunch', head: 'app: restarting (hung)' } },
    REQ,
    POLICY,
    T0,
  );
  assert.deepEqual(t.effects, [{ kind: 'checkpoint' }, { kind: 'launch', relaunch: { head: 'app: restarting (hung); stopped pid 4242 with SIGTERM' } }]);
  assert.equal(t.state, STOPPED);
});

test('tick: run-ended, backing off → on record, PID removed, the backoff line with how the run ended', () => {
  const after = { kind: 'back-off' as const, parts: ['app: hung; ', '; backing off'] };
  const t = decide(STOPPED, { kind: 'run-ended', how: 'stopped pid 4242 with SIGTERM', after }, REQ, POLICY, T0);
  assert.deepEqual(t.effects, [{ kind: 'checkpoint' }, { kind: 'remove-pid' }]);
  assert.deepEqual(lines(t), ['app: hung; stopped pid 4242 with SIGTERM; backing off']);
  assert.deepEqual(moves(t), ['stopped->stopped notice'], 'its events went on record with the health decision: the line is a notice');
  assert.equal(t.outcome, 'not-running');
});

test('tick: a relaunch up → its one line instead of the launch line, every other effect kept (a daemon goes on file)', () => {
  const spawned = { ...STOPPED, identity: identity(5151, T0 - 2_000) };
  const result = { kind: 'up' as const, identity: identity(6161, T0 - 2_000), daemonizedFrom: 5151 };
  const t = decide(spawned, { kind: 'launched', result, relaunch: { head: 'app: restarting (hung); stopped pid 4242 with SIGTERM' } }, REQ, POLICY, T0);
  assert.deepEqual(t.effects, [{ kind: 'write-pid', pid: 6161 }]);
  assert.deepEqual(
    t.transitions.map((x) => [x.kind, x.line]),
    [['launch', 'app: restarting (hung); stopped pid 4242 with SIGTERM, started pid 6161']],
  );
  const crowded = decide(spawned, { kind: 'launched', result, relaunch: { head: 'app: restarting (hung)', crowd: null } }, REQ, POLICY, T0);
  assert.deepEqual(crowded.effects, [{ kind: 'write-pid', pid: 6161 }], 'the PID file still right');
  assert.deepEqual(
    crowded.transitions.map((x) => [x.kind, x.line]),
    [['launch', null]],
    'silent while restarts crowd: the launch is on record, its line is none',
  );
});

test('tick: a relaunch that fails → the restart line, then the failed start with its leftovers stopped', () => {
  const spawned = { ...STOPPED, identity: identity(5151, T0 - 2_000) };
  const result = { kind: 'exited' as const, pid: 5151, launchedAtMs: T0 - 2_000, code: 3, signal: null, ranMs: 50, logTail: [], leftovers: [5152] };
  const t = decide(spawned, { kind: 'launched', result, relaunch: { head: 'app: restarting (hung)' } }, REQ, POLICY, T0);
  assert.deepEqual(kinds(t), ['remove-pid', 'stop-run']);
  assert.deepEqual(moves(t), ['starting->starting notice', 'starting->stopped start-failed', 'stopped->backoff backoff']);
  assert.deepEqual(
    t.transitions.map((x) => x.line?.replace(/after .*$/, 'after …') ?? null),
    ['app: restarting (hung)', null, 'app: failed to start (pid 5151 exited with code 3 after …'],
  );
});
