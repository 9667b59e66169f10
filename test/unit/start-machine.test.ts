// A manual start as a pass of the machine (src/core/edges.ts, `clear-for-start`): --start and the
// start half of --restart. Its first event, `start` (the executor's `start` effect), clears the
// hold, the backoff, FATAL and the crash-loop tallies and asks for the look at the program (the
// `observe` effect), as a check looks; under --lease, the store is asked first and a holder's
// role goes on with the `start` effect, not the look; a standby's starts nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQ, T0, base, identity, tablePolicy } from './policy-fixture.ts';
import { decide, type TickEvent } from '../../src/core/tick.ts';
import { emptyLeaseRecord, type LeaseRecord } from '../../src/core/lease-record.ts';
import type { LeaseDecision } from '../../src/core/lease-role.ts';
import type { Policy } from '../../src/core/policy.ts';
import type { ProgramState } from '../../src/core/state.ts';
import { phaseOf } from '../../src/core/phase.ts';

const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid /srv/app.pid --start' });
const ID = identity(4242, T0 - 600_000);
const HOLDER: LeaseRecord = {
  ...emptyLeaseRecord('redis://store:6379', 'app'),
  role: 'holder',
  seen: { holder: 'a', hostname: 'a', token: '3', expiresInMs: 30_000, heldBy: null },
};
const STANDBY: LeaseRecord = { ...HOLDER, role: 'standby', seen: { holder: 'b', hostname: 'b', token: '4', expiresInMs: 30_000, heldBy: null } };
const HEAD = 'app: lease app was lost and won again; stopping the copy here';

const answered = (role: LeaseDecision, start: boolean): TickEvent => ({
  kind: 'lease-answered',
  role,
  found: null,
  how: 'SIGTERM, SIGKILL after 10s',
  ...(start ? { start: true as const } : {}),
});

test('start, the first event of a manual start, from every phase: hold and tallies cleared, then the look at the program (observe)', () => {
  const states: ProgramState[] = [
    base({ held: true }),
    base({ fatal: { sinceMs: T0 - 60_000, reason: 'failed to start 5 times', lastTryMs: T0 - 60_000, retryEveryMs: null }, failedStarts: 5 }),
    base({ backoff: { fromMs: T0 - 60_000, untilMs: T0 + 60_000, reason: 'exited' }, failedStarts: 2, deathTimesMs: [T0 - 120_000] }),
    base({ identity: ID, lastSeenAliveMs: T0 - 60_000, settled: true }),
    base({ pending: { token: 'feedfacefeedface', atMs: T0 - 2_000 } }),
    base(),
  ];
  const phases = new Set(states.map(phaseOf));
  assert.equal(phases.size, 6, 'every phase');
  for (const state of states) {
    const tick = decide(state, { kind: 'start' }, REQ, POLICY, T0);
    assert.deepEqual(tick.effects, [{ kind: 'observe' }], phaseOf(state));
    assert.equal(tick.state.held, false);
    assert.equal(tick.state.fatal, null);
    assert.equal(tick.state.backoff, null);
    assert.equal(tick.state.failedStarts, 0);
    assert.deepEqual(tick.state.deathTimesMs, []);
    assert.equal(tick.state.identity, state.identity, 'what runs stays on record for the look');
    assert.deepEqual(tick.state.events.at(-1), { atMs: T0, kind: 'start', detail: 'manual start: hold and crash-loop tallies cleared' });
    // No line of its own: what the check then does says it (a launch, "started pid ...").
    assert.deepEqual(
      tick.transitions.map((transition) => [transition.kind, transition.line]),
      [['start', null]],
    );
  }
});

test("--lease, a manual start: a holder's role goes on with the start (the `start` effect), not the look; a check's with the look", () => {
  const run: LeaseDecision = { record: HOLDER, stop: null, lines: [], go: { kind: 'run', token: '3' } };
  const state = base({ held: true });
  const start = decide(state, answered(run, true), REQ, POLICY, T0);
  assert.deepEqual(start.effects, [{ kind: 'start' }]);
  // The start is decided after the role, from the records the role left (the hold is cleared by the start, not by the role).
  assert.equal(start.state.held, true);
  assert.deepEqual(start.state.lease, HOLDER);
  assert.deepEqual(decide(state, answered(run, false), REQ, POLICY, T0).effects, [{ kind: 'observe' }]);
});

test('--lease, a manual start: a copy under another token is stopped first, then the start; a standby starts nothing', () => {
  const running = base({ identity: ID, lastSeenAliveMs: T0 - 60_000, settled: true });
  const again: LeaseDecision = { record: HOLDER, stop: HEAD, lines: [], go: { kind: 'run', token: '5' } };
  const tick = decide(running, answered(again, true), REQ, POLICY, T0);
  assert.deepEqual(tick.effects, [{ kind: 'checkpoint' }, { kind: 'signal-stop', identity: ID, hold: false, head: HEAD }, { kind: 'start' }]);
  const standby: LeaseDecision = { record: STANDBY, stop: null, lines: [], go: { kind: 'idle', code: 0 } };
  const idle = decide(base({ held: true, failedStarts: 3 }), answered(standby, true), REQ, POLICY, T0);
  assert.deepEqual(idle.effects, []);
  // Its hold here cleared, as on a holder: held, its next check would never ask the store, and it would never take the lease over.
  assert.equal(idle.state.held, false, 'a standby host clears its hold here');
  assert.equal(idle.state.failedStarts, 0);
  assert.deepEqual(idle.state.events.at(-1), { atMs: T0, kind: 'start', detail: 'manual start: hold and crash-loop tallies cleared' });
  // A cron check of a standby clears nothing.
  assert.equal(decide(base({ held: true }), answered(standby, false), REQ, POLICY, T0).state.held, true);
});
