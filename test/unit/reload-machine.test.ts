// --reload as a pass of the machine (src/core/reload.ts): its first event, `reload`, asks for a
// look (the `observe` effect of a reload); what the look saw, `reload-observed`, aims the signal
// (`signal-reload`) at the verified program on record, or at nothing (one line), or is an error
// (`fail`: a live PID ensure-running did not launch); how the signal went, `reloaded`, goes on
// the program's history with its line, or is said, or (refused) is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQ, T0, base, identity, tablePolicy } from './policy-fixture.ts';
import { decide, type ReloadAnswer, type TickEvent } from '../../src/core/tick.ts';
import type { Observation } from '../../src/core/observation.ts';
import type { Effect, Policy } from '../../src/core/policy.ts';
import type { ProgramState } from '../../src/core/state.ts';
import { formatError } from '../../src/errors.ts';

const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start -- ./server.js' });
const ID = identity(4242, T0 - 600_000);
const RUNNING: ProgramState = base({ identity: ID, lastSeenAliveMs: T0 - 60_000, settled: true });
const HELD: ProgramState = base({ held: true });
const OURS: Observation = { kind: 'ours', pid: 4242, repairPidFile: false };

const observed = (obs: Observation, signal = 'SIGHUP'): TickEvent => ({ kind: 'reload-observed', obs, signal, pidFile: '/srv/app.pid' });
const reloaded = (answer: ReloadAnswer, signal = 'SIGHUP'): TickEvent => ({ kind: 'reloaded', pid: 4242, signal, answer });
const lines = (tick: ReturnType<typeof decide>) => tick.transitions.map((transition) => [transition.kind, transition.line]);
const failure = (effects: Effect[]): string => {
  assert.equal(effects.length, 1);
  const [effect] = effects;
  assert.equal(effect?.kind, 'fail');
  return formatError((effect as Extract<Effect, { kind: 'fail' }>).error);
};

test('reload, the first event, from any records: the look (observe for the signal), nothing changed, nothing said', () => {
  for (const state of [RUNNING, HELD, base()]) {
    const tick = decide(state, { kind: 'reload', signal: 'SIGUSR1' }, REQ, POLICY, T0);
    assert.equal(tick.state, state);
    assert.deepEqual(tick.effects, [{ kind: 'observe', reload: 'SIGUSR1' }]);
    assert.deepEqual(tick.transitions, []);
  }
});

test('reload-observed: the program on record alive and ours gets the signal, its identity verified again by the effect', () => {
  const tick = decide(RUNNING, observed(OURS, 'SIGUSR2'), REQ, POLICY, T0);
  assert.equal(tick.state, RUNNING);
  assert.deepEqual(tick.effects, [{ kind: 'signal-reload', identity: ID, signal: 'SIGUSR2' }]);
  assert.deepEqual(tick.transitions, []);
});

test('reload-observed: nothing verified on record gets nothing, one line; held stopped is said', () => {
  const cases: [ProgramState, Observation, string][] = [
    [
      HELD,
      { kind: 'gone', pid: null, why: 'stopped', logTail: [] },
      'app: not running (held stopped); nothing reloaded (the next check launches it unless held)',
    ],
    [base(), { kind: 'gone', pid: null, why: 'no-record', logTail: [] }, 'app: not running; nothing reloaded (the next check launches it unless held)'],
    [RUNNING, { kind: 'gone', pid: 4242, why: 'reused', logTail: [] }, 'app: not running; nothing reloaded (the next check launches it unless held)'],
    // A live process found by its environment, but no identity on record: no signal on the strength of a PID file.
    [base(), { kind: 'ours', pid: 5151, repairPidFile: false }, 'app: not running; nothing reloaded (the next check launches it unless held)'],
  ];
  for (const [state, obs, line] of cases) {
    const tick = decide(state, observed(obs), REQ, POLICY, T0);
    assert.equal(tick.state, state);
    assert.deepEqual(tick.effects, []);
    assert.equal(tick.outcome, 'not-running');
    assert.deepEqual(lines(tick), [['notice', line]]);
  }
});

test('reload-observed: a live PID that ensure-running did not launch is an error, naming the PID file and the command that signals it by hand', () => {
  const tick = decide(base(), observed({ kind: 'unverified', pid: 777 }, 'SIGUSR1'), REQ, POLICY, T0);
  assert.equal(
    failure(tick.effects),
    'cannot send SIGUSR1 to pid 777 (/srv/app.pid names a live process that ensure-running did not launch (no launch record), so it is not signalled); ' +
      'if you are sure it is the program, signal it by hand: kill -USR1 777',
  );
  assert.deepEqual(tick.transitions, []);
});

test("reloaded, sent: the reload on the history, its line the transition's (stdout: src/commands/reload.ts)", () => {
  const tick = decide(RUNNING, reloaded({ kind: 'sent' }), REQ, POLICY, T0);
  assert.deepEqual(tick.state.events.at(-1), { atMs: T0, kind: 'reload', pid: 4242, detail: 'SIGHUP' });
  assert.deepEqual({ ...tick.state, events: RUNNING.events }, RUNNING);
  assert.deepEqual(tick.effects, []);
  assert.equal(tick.outcome, 'running');
  assert.deepEqual(lines(tick), [['reload', 'app: reloaded (pid 4242, SIGHUP)']]);
});

test('reloaded, not sent: the PID is no longer the program, or it exited right before the signal; nothing on record, one line', () => {
  const cases: [ReloadAnswer, string][] = [
    [{ kind: 'not-ours', verdict: 'reused' }, 'app: not running (pid 4242 is another process now); nothing reloaded'],
    [{ kind: 'not-ours', verdict: 'gone' }, 'app: not running (pid 4242 is gone); nothing reloaded'],
    [{ kind: 'not-ours', verdict: 'rebooted' }, 'app: not running (pid 4242 is rebooted); nothing reloaded'],
    [{ kind: 'exited' }, 'app: not running (pid 4242 exited just now); nothing reloaded'],
  ];
  for (const [answer, line] of cases) {
    const tick = decide(RUNNING, reloaded(answer), REQ, POLICY, T0);
    assert.equal(tick.state, RUNNING);
    assert.deepEqual(tick.effects, []);
    assert.equal(tick.outcome, 'not-running');
    assert.deepEqual(lines(tick), [['notice', line]]);
  }
});

test('reloaded, refused by the system: an error naming the signal, the PID and the code (EPERM: who may send it)', () => {
  const eperm = decide(RUNNING, reloaded({ kind: 'refused', code: 'EPERM' }), REQ, POLICY, T0);
  assert.equal(failure(eperm.effects), 'cannot send SIGHUP to pid 4242 (EPERM); run --reload as the user that launched the program');
  assert.equal(eperm.state, RUNNING);
  assert.deepEqual(eperm.transitions, []);
  const other = decide(RUNNING, reloaded({ kind: 'refused', code: 'EINVAL' }, 'SIGUSR1'), REQ, POLICY, T0);
  assert.equal(failure(other.effects), 'cannot send SIGUSR1 to pid 4242 (EINVAL)');
});
