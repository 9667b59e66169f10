// The phase × event table (src/core/machine.ts), every cell: the edge each event takes from
// each phase and the handler that decides it, or none. A cell with an edge is decided by
// `decide` through its handler, its transitions from that phase; a cell without one is refused
// by `decide`, naming the phase and the event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN, REQ, T0, base, identity, tablePolicy } from './policy-fixture.ts';
import { HANDLERS } from '../../src/core/edges.ts';
import { machineTable, type Edge, type EventKind } from '../../src/core/machine.ts';

const MACHINE = machineTable();
import { phaseOf, type Phase } from '../../src/core/phase.ts';
import { decide, type TickEvent } from '../../src/core/tick.ts';
import type { ProgramState } from '../../src/core/state.ts';
import { emptyLeaseRecord } from '../../src/core/lease-record.ts';
import type { Policy } from '../../src/core/policy.ts';

const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start -- ./server.js' });

/** One record of each phase. */
const STATES: Record<Phase, ProgramState> = {
  starting: base({ pending: { token: 'feedfacefeedface', atMs: T0 - 2_000 } }),
  held: base({ held: true, identity: identity(4242, T0 - 10 * MIN) }),
  fatal: base({ failedStarts: 5, fatal: { sinceMs: T0 - 30 * MIN, reason: '5 failed starts in a row', lastTryMs: T0 - 30 * MIN, retryEveryMs: null } }),
  backoff: base({ failedStarts: 1, backoff: { fromMs: T0 - 30_000, untilMs: T0 + 30_000, reason: 'failed start 1 of 5' } }),
  running: base({ identity: identity(4242, T0 - 10 * MIN), lastSeenAliveMs: T0 - MIN, settled: true }),
  stopped: base(),
};

/** One event of each kind. */
const EVENTS: Record<EventKind, TickEvent> = {
  observed: { kind: 'observed', obs: { kind: 'gone', pid: null, why: 'no-record', logTail: [] } },
  launched: { kind: 'launched', result: { kind: 'up', identity: identity(5151, T0 - 1_000) } },
  'run-ended': { kind: 'run-ended', how: 'stopped pid 4242 with SIGTERM', after: { kind: 'relaunch', head: 'app: restarting (hung)' } },
  'launch-refused': { kind: 'launch-refused', text: 'command ./server.js not found' },
  start: { kind: 'start' },
  stop: { kind: 'stop', hold: true, how: 'SIGTERM, SIGKILL after 10s' },
  'stop-observed': {
    kind: 'stop-observed',
    obs: { kind: 'ours', pid: 4242, repairPidFile: false },
    hold: true,
    how: 'SIGTERM, SIGKILL after 10s',
    pidFile: '/srv/app.pid',
  },
  stopped: { kind: 'stopped', line: 'stopped (pid 4242, SIGTERM after 5ms)', hold: true, pid: 4242 },
  duties: {
    kind: 'duties',
    done: { cadence: { key: '--interval 1m', schedule: null, tz: null, periodMs: MIN } },
    health: {
      obs: { heartbeat: { kind: 'beat', mtimeMs: T0 - 10_000 }, probe: null, schedule: null },
      options: { heartbeat: { file: '/srv/app.beat', timeoutMs: 2 * MIN, graceMs: 2 * MIN }, http: null, restartAt: null },
    },
    outcome: 'running',
  },
  reload: { kind: 'reload', signal: 'SIGHUP' },
  'reload-observed': { kind: 'reload-observed', obs: { kind: 'ours', pid: 4242, repairPidFile: false }, signal: 'SIGHUP', pidFile: '/srv/app.pid' },
  reloaded: { kind: 'reloaded', pid: 4242, signal: 'SIGHUP', answer: { kind: 'sent' } },
  release: {
    kind: 'release',
    lease: {
      ...emptyLeaseRecord('redis://store:6379', 'app'),
      role: 'holder',
      seen: { holder: 'a', hostname: 'a', token: '3', expiresInMs: 30_000, heldBy: null },
    },
    host: { id: 'a', hostname: 'a' },
    running: true,
    found: null,
    how: 'SIGTERM, SIGKILL after 10s',
  },
  released: { kind: 'released', answer: { kind: 'released' }, name: 'app', token: '3', ttlMs: 30_000 },
  'lease-held': {
    kind: 'lease-held',
    held: true,
    answer: { kind: 'done' },
    name: 'app',
    shownUrl: 'redis://store:6379',
    ttlMs: 30_000,
    pidFile: '/srv/app.pid',
  },
  'lease-answered': {
    kind: 'lease-answered',
    role: {
      record: { ...emptyLeaseRecord('redis://store:6379', 'app'), role: 'standby' },
      stop: 'app: lease app is held by b (token 7); stopping the copy here',
      lines: [],
      go: { kind: 'idle', code: 0 },
    },
    found: null,
    how: 'SIGTERM, SIGKILL after 10s',
  },
};

const _ = null;
const [CHECK, SETTLE, JUDGE, ENDED, REFUSE] = ['check', 'settle-interrupted-launch', 'judge-launch', 'after-run-ended', 'refuse-launch'] as const;
const [START, LOOK, AIMSTOP, STOP, DUTIES, ASK, AIM, RELOAD, RELEASE, RELEASED] = [
  'clear-for-start',
  'ask-stop',
  'aim-stop',
  'record-stop',
  'record-duties',
  'ask-reload',
  'aim-reload',
  'record-reload',
  'ask-release',
  'record-release',
] as const;
const [HOLDS, LEASE] = ['record-hold', 'take-lease-role'] as const;
/** The table as it must read: phase by phase, event by event (the columns of EVENTS, in order); `_`: no edge. */
// biome-ignore format: a table reads as a table
const EXPECTED: Record<Phase, (Edge | null)[]> = {
  //        observed launched run-ended launch-refused start  stop  stop-observed stopped duties  reload reload-observed reloaded release  released  lease-held lease-answered
  starting: [SETTLE, _,       _,        _,             START, LOOK, AIMSTOP,      STOP,   _,      ASK,   AIM,            RELOAD,  RELEASE, RELEASED, HOLDS,     LEASE],
  held:     [CHECK,  _,       _,        _,             START, LOOK, AIMSTOP,      STOP,   DUTIES, ASK,   AIM,            RELOAD,  RELEASE, RELEASED, HOLDS,     LEASE],
  fatal:    [CHECK,  JUDGE,   ENDED,    REFUSE,        START, LOOK, AIMSTOP,      STOP,   DUTIES, ASK,   AIM,            RELOAD,  RELEASE, RELEASED, HOLDS,     LEASE],
  backoff:  [CHECK,  JUDGE,   ENDED,    REFUSE,        START, LOOK, AIMSTOP,      STOP,   DUTIES, ASK,   AIM,            RELOAD,  RELEASE, RELEASED, HOLDS,     LEASE],
  running:  [CHECK,  JUDGE,   _,        _,             START, LOOK, AIMSTOP,      STOP,   DUTIES, ASK,   AIM,            RELOAD,  RELEASE, RELEASED, HOLDS,     LEASE],
  stopped:  [CHECK,  _,       ENDED,    REFUSE,        START, LOOK, AIMSTOP,      STOP,   DUTIES, ASK,   AIM,            _,       RELEASE, RELEASED, HOLDS,     LEASE],
};

const KINDS = Object.keys(EVENTS) as EventKind[];
const PHASES = Object.keys(STATES) as Phase[];

test('the fixtures: one record of each phase, one event of each kind, and the table has a cell for each pair', () => {
  for (const phase of PHASES) assert.equal(phaseOf(STATES[phase]), phase);
  assert.deepEqual(Object.keys(MACHINE).sort(), [...PHASES].sort());
  for (const phase of PHASES) assert.deepEqual(Object.keys(MACHINE[phase]).sort(), [...KINDS].sort(), `the events of phase ${phase}`);
});

test('every edge has a handler, and every handler is the decision of some cell', () => {
  const named = new Set(PHASES.flatMap((phase) => KINDS.map((kind) => MACHINE[phase][kind]?.edge).filter((edge) => edge !== undefined)));
  for (const [edge, handler] of Object.entries(HANDLERS)) {
    assert.equal(typeof handler, 'function', `the handler of ${edge}`);
    assert.ok(named.has(edge as Edge), `the edge ${edge} is in some cell`);
  }
  assert.deepEqual([...named].sort(), Object.keys(HANDLERS).sort());
});

for (const phase of PHASES) {
  for (const [i, kind] of KINDS.entries()) {
    const edge = EXPECTED[phase][i] ?? null;
    const name = `${phase.toUpperCase()} + ${kind} → ${edge ?? 'refused: no such edge'}`;
    test(name, () => {
      const cell = MACHINE[phase][kind];
      assert.equal(cell?.edge ?? null, edge);
      // A cell with an edge holds that edge's handler; a cell without one holds nothing to run.
      if (edge !== null) assert.equal(cell?.decide, HANDLERS[edge], `the handler of ${edge}`);
      const decided = () => decide(STATES[phase], EVENTS[kind], REQ, POLICY, T0);
      if (edge === null) {
        assert.throws(decided, new RegExp(`no edge from phase ${phase} on event ${kind}`));
        return;
      }
      const tick = decided();
      // Every transition of the decision starts from this phase (a launch's outcome from STARTING: its process was on record before it was judged).
      const first = tick.transitions[0];
      if (first) assert.equal(first.from, kind === 'launched' ? 'starting' : phase);
    });
  }
}

// --lease: a holder's role asks, last, for the observation of the program (the `observe` effect), from whatever phase its records are in.
for (const phase of PHASES) {
  test(`${phase.toUpperCase()} + lease-answered, a holder that goes on → the observe effect, last`, () => {
    const role = {
      record: { ...emptyLeaseRecord('redis://store:6379', 'app'), role: 'holder' as const },
      stop: null,
      lines: [],
      go: { kind: 'run' as const, token: '7' },
    };
    const tick = decide(STATES[phase], { kind: 'lease-answered', role, found: null, how: 'SIGTERM, SIGKILL after 10s' }, REQ, POLICY, T0);
    assert.deepEqual(tick.effects.at(-1), { kind: 'observe' });
    // The standby of the table's fixture does not go on: nothing observed.
    assert.ok(!decide(STATES[phase], EVENTS['lease-answered'], REQ, POLICY, T0).effects.some((effect) => effect.kind === 'observe'));
  });
}
