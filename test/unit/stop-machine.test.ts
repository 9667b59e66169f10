// A stop as a pass of the machine (src/core/stop.ts): its first event, `stop`, asks for a look
// (the `observe` effect of a stop); what the look saw, `stop-observed`, decides the stop: the
// program ours, the hold on record and on file (a checkpoint) before the signals; gone with a
// run, its death on record and its leftovers stopped, one line; nothing, "was not running";
// a live PID that ensure-running did not launch, an error (`fail`), nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQ, T0, base, identity, tablePolicy } from './policy-fixture.ts';
import { decide, type TickEvent } from '../../src/core/tick.ts';
import type { Found } from '../../src/core/events.ts';
import type { Observation } from '../../src/core/observation.ts';
import type { Effect, Policy } from '../../src/core/policy.ts';
import type { ProgramState } from '../../src/core/state.ts';
import { formatError } from '../../src/errors.ts';

const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid /srv/app.pid --start' });
const ID = identity(4242, T0 - 600_000);
const RUNNING: ProgramState = base({ identity: ID, lastSeenAliveMs: T0 - 60_000, settled: true });
const HOW = 'SIGTERM, SIGKILL after 10s';
const OURS: Observation = { kind: 'ours', pid: 4242, repairPidFile: false };
const HELD_HINT = 'held stopped until: ensure-running --pid /srv/app.pid --start -- ./server.js';

const observed = (obs: Observation, hold = true, found?: Found): TickEvent => ({
  kind: 'stop-observed',
  obs,
  hold,
  how: HOW,
  pidFile: '/srv/app.pid',
  ...(found ? { found } : {}),
});
const lines = (tick: ReturnType<typeof decide>) => tick.transitions.map((transition) => [transition.kind, transition.line]);

test('stop, the first event, from any records: the look (observe, with the hold and how the signals go), nothing changed, nothing said', () => {
  for (const state of [RUNNING, base({ held: true }), base(), base({ pending: { token: 'feedfacefeedface', atMs: T0 - 2_000 } })]) {
    for (const hold of [true, false]) {
      const tick = decide(state, { kind: 'stop', hold, how: HOW }, REQ, POLICY, T0);
      assert.equal(tick.state, state);
      assert.deepEqual(tick.effects, [{ kind: 'observe', stop: { hold, how: HOW } }]);
      assert.deepEqual(tick.transitions, []);
    }
  }
});

test('stop-observed, the program ours: the hold on record, then the checkpoint (the hold on file) before the signals; no line yet', () => {
  const tick = decide(RUNNING, observed(OURS), REQ, POLICY, T0);
  assert.equal(tick.state.held, true);
  assert.equal(tick.state.identity, ID, 'on record until it is gone');
  assert.deepEqual(tick.state.events.at(-1), { atMs: T0, kind: 'stopping', pid: 4242, detail: `${HOW}; held stopped` });
  assert.deepEqual(tick.effects, [{ kind: 'checkpoint' }, { kind: 'signal-stop', identity: ID, hold: true }]);
  assert.equal(tick.outcome, 'held');
  assert.deepEqual(lines(tick), [['stopping', null]]);
  // --restart: not held.
  const restart = decide(RUNNING, observed(OURS, false), REQ, POLICY, T0);
  assert.equal(restart.state.held, false);
  assert.deepEqual(restart.effects, [{ kind: 'checkpoint' }, { kind: 'signal-stop', identity: ID, hold: false }]);
});

test('stop-observed, a launch found again (by its token, or its environment with the records lost): put on record and stopped like a recorded one', () => {
  const found = identity(5151, T0 - 1_000);
  const starting = base({ pending: { token: 'abcdef0123456789', atMs: T0 - 2_000 } });
  for (const [state, by] of [
    [starting, 'pending-token'],
    [base(), 'environment'],
  ] as const) {
    const tick = decide(state, observed({ kind: 'ours', pid: 5151, repairPidFile: true }, true, { identity: found, by }), REQ, POLICY, T0);
    assert.equal(tick.state.identity, found);
    assert.equal(tick.state.pending, null);
    assert.deepEqual(tick.effects, [{ kind: 'checkpoint' }, { kind: 'signal-stop', identity: found, hold: true }]);
  }
});

test('stop-observed, gone with processes of its run left: its death on record, then the stop, one line; the leftovers stopped before the PID file goes', () => {
  const obs: Observation = { kind: 'gone', pid: 4242, why: 'exited', logTail: ['boom'], leftovers: [4243, 4244] };
  const tick = decide(RUNNING, observed(obs), REQ, POLICY, T0);
  assert.equal(tick.state.identity, null);
  assert.equal(tick.state.held, true);
  assert.deepEqual(tick.state.lastExit?.logTail, ['boom']);
  assert.deepEqual(tick.effects, [{ kind: 'stop-run', identity: ID, pids: [4243, 4244], stop: true }, { kind: 'remove-pid' }]);
  const death = 'pid 4242 had died (last seen alive 11:59:00; exit status unknown: it died between checks)';
  assert.deepEqual(lines(tick), [
    ['death', death],
    ['stop', `app: was not running; stopped 2 processes left from its run (pids 4243 4244); ${death}; ${HELD_HINT}`],
  ]);
  assert.deepEqual(
    tick.transitions.map((transition) => [transition.from, transition.to]),
    [
      ['running', 'stopped'],
      ['stopped', 'held'],
    ],
  );
});

test('stop-observed, records lost and the PID file naming a dead program whose run lives on: that run stopped, no death recorded', () => {
  const run = identity(4242, T0 - 600_000);
  const obs: Observation = { kind: 'gone', pid: 4242, why: 'exited', logTail: [], leftovers: [4250], run };
  const tick = decide(base(), observed(obs, false), REQ, POLICY, T0);
  assert.deepEqual(tick.effects, [{ kind: 'stop-run', identity: run, pids: [4250], stop: true }, { kind: 'remove-pid' }]);
  assert.deepEqual(lines(tick), [['stop', 'app: was not running; stopped 1 process left from its run (pid 4250)']]);
  assert.equal(tick.state.lastExit, null);
});

test('stop-observed, nothing there: "was not running", on record, the PID file removed; held, with the command that starts it again', () => {
  const gone: Observation = { kind: 'gone', pid: null, why: 'no-record', logTail: [] };
  const stopped = base();
  const held = decide(stopped, observed(gone), REQ, POLICY, T0);
  assert.deepEqual(held.effects, [{ kind: 'remove-pid' }]);
  assert.equal(held.outcome, 'held');
  assert.deepEqual(held.state.events.at(-1), { atMs: T0, kind: 'stop', detail: 'was not running; held stopped' });
  assert.deepEqual(lines(held), [['stop', `app: was not running; ${HELD_HINT}`]]);
  const restart = decide(stopped, observed(gone, false), REQ, POLICY, T0);
  assert.deepEqual(lines(restart), [['stop', 'app: was not running']]);
  assert.equal(restart.outcome, 'not-running');
});

test('stop-observed, a live PID that ensure-running did not launch: an error naming the PID file and the command that stops it by hand, nothing changed', () => {
  const tick = decide(RUNNING, observed({ kind: 'unverified', pid: 777 }), REQ, POLICY, T0);
  assert.equal(tick.state, RUNNING);
  assert.equal(tick.effects.length, 1);
  const [effect] = tick.effects;
  assert.equal(effect?.kind, 'fail');
  assert.equal(
    formatError((effect as Extract<Effect, { kind: 'fail' }>).error),
    'cannot stop pid 777 (/srv/app.pid names a live process that ensure-running did not launch (no launch record), so it is not signalled); ' +
      'if you are sure it is the program, stop it by hand: kill 777',
  );
  assert.deepEqual(tick.transitions, []);
});
