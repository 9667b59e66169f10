// The hold on every host with --lease as an edge of the machine (src/core/lease-hold.ts): the
// store's answer to --stop's or --start's `hold-lease` effect comes back as `lease-held`. --stop's
// hold on record is said with the command that clears it (outcome `held`: the copy here is not
// held here); the store silent, a `store-unreachable` whose line warns. --start's hold cleared
// says nothing; the store silent, an error (`fail`): nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQ, T0, base, identity, tablePolicy } from './policy-fixture.ts';
import { decide, type HoldAnswer } from '../../src/core/tick.ts';
import type { Effect, Policy, Request } from '../../src/core/policy.ts';
import { emptyState, type ProgramState } from '../../src/core/state.ts';
import { formatError } from '../../src/errors.ts';

const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start -- ./server.js' });
const LAUNCHED: ProgramState = base({
  identity: identity(4242, T0 - 600_000),
  settled: true,
  request: { command: ['./server.js'], cwd: '/srv', env: {}, stdout: '/dev/null', stderr: '/dev/null', options: {}, base: '/srv' },
});
const held = (isHeld: boolean, answer: HoldAnswer, state: ProgramState, request: Request = REQ) =>
  decide(
    state,
    { kind: 'lease-held', held: isHeld, answer, name: 'app', shownUrl: 'redis://store:6379/0', ttlMs: 30_000, pidFile: '/srv/app pid' },
    request,
    POLICY,
    T0,
  );
const lines = (tick: ReturnType<typeof decide>) => tick.transitions.map((transition) => [transition.kind, transition.line]);

test('--stop, the hold on every host on record: said with the --start that clears it on any host; outcome held, nothing else done', () => {
  const hint = "ensure-running --pid '/srv/app pid' --lease redis://store:6379/0 --lease-name app --start";
  // A request on record: --start reuses it.
  const tick = held(true, { kind: 'done' }, LAUNCHED);
  assert.equal(tick.state, LAUNCHED);
  assert.deepEqual(tick.effects, []);
  assert.equal(tick.outcome, 'held');
  assert.deepEqual(lines(tick), [['notice', `app: held stopped on every host (lease app) until, on any host: ${hint}`]]);
  // None (a standby that never launched it): the command to give, this call's or a placeholder.
  assert.deepEqual(lines(held(true, { kind: 'done' }, emptyState())), [
    ['notice', `app: held stopped on every host (lease app) until, on any host: ${hint} -- ./server.js`],
  ]);
  assert.deepEqual(lines(held(true, { kind: 'done' }, emptyState(), { command: [], cwd: '/srv' })), [
    ['notice', `app: held stopped on every host (lease app) until, on any host: ${hint} -- COMMAND`],
  ]);
});

test('--stop, the store silent: a store-unreachable transition whose line says the copy here is held here only and the lease left to run out', () => {
  const tick = held(true, { kind: 'failed', error: 'redis://store:6379/0: timed out after 2s' }, LAUNCHED);
  assert.equal(tick.state, LAUNCHED);
  assert.deepEqual(tick.effects, []);
  assert.equal(tick.outcome, 'not-running');
  assert.deepEqual(lines(tick), [
    [
      'store-unreachable',
      'app: lease store did not answer (redis://store:6379/0: timed out after 2s): the hold on every host is not on record; the copy here is ' +
        'stopped and held here only, and lease app is left to run out, so another host may take it over within 30s; ' +
        'run this --stop again once the store answers to hold it everywhere',
    ],
  ]);
});

test('--start, the hold cleared: nothing said, nothing done; the store silent: an error, nothing changed', () => {
  const cleared = held(false, { kind: 'done' }, LAUNCHED);
  assert.equal(cleared.state, LAUNCHED);
  assert.deepEqual([cleared.effects, cleared.transitions], [[], []]);
  const silent = held(false, { kind: 'failed', error: 'redis://store:6379/0: timed out after 2s' }, LAUNCHED);
  assert.equal(silent.state, LAUNCHED);
  assert.deepEqual(silent.transitions, []);
  assert.equal(silent.effects.length, 1);
  const effect = silent.effects[0] as Extract<Effect, { kind: 'fail' }>;
  assert.equal(effect.kind, 'fail');
  assert.equal(
    formatError(effect.error),
    'cannot clear the hold on every host of lease app (redis://store:6379/0: timed out after 2s); nothing was changed; try again once the store answers',
  );
});
