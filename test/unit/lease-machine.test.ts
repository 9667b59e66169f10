// The lease as part of a check's machine (src/core/edges.ts, `take-lease-role`): this host's
// role comes back to `decide` as the `lease-answered` event; a copy that must not run here is
// stopped by the effects of a --stop (the checkpoint, then `signal-stop`), whose `stopped`
// event says one line headed by the role's; a holder's or an idle host's role stops nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tablePolicy } from './policy-fixture.ts';
import { decide, type TickEvent } from '../../src/core/tick.ts';
import { emptyState, type Identity, type ProgramState } from '../../src/core/state.ts';
import { emptyLeaseRecord, type LeaseRecord } from '../../src/core/lease-record.ts';
import type { LeaseDecision } from '../../src/core/lease-role.ts';
import type { ReleaseAnswer } from '../../src/core/tick.ts';
import type { Policy } from '../../src/core/policy.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const REQ = { command: ['./server.js'], cwd: '/srv' };
const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start -- ./server.js' });
const ID: Identity = { pid: 4242, startTime: '12345', bootId: 'boot', launchedAtMs: T0 - 60_000, token: 'abcdef0123456789' };
const RUNNING: ProgramState = { ...emptyState(REQ.command, REQ.cwd), launches: 1, identity: ID, lastSeenAliveMs: T0 - 60_000, settled: true };
const HOLDER: LeaseRecord = {
  ...emptyLeaseRecord('redis://store:6379', 'app'),
  role: 'holder',
  seen: { holder: 'a', hostname: 'a', token: '3', expiresInMs: 30_000, heldBy: null },
};
const STANDBY: LeaseRecord = { ...HOLDER, role: 'standby', seen: { holder: 'b', hostname: 'b', token: '4', expiresInMs: 30_000, heldBy: null } };
const HEAD = 'app: lease app is held by b (token 4); stopping the copy here';

const answered = (role: LeaseDecision, found: Identity | null = null): TickEvent => ({
  kind: 'lease-answered',
  role,
  found,
  how: 'SIGTERM, SIGKILL after 10s',
});

test('a copy that must not run here: the role on record, then the checkpoint and the signals of a --stop, not held', () => {
  const before = { ...RUNNING, lease: HOLDER };
  const tick = decide(before, answered({ record: STANDBY, stop: HEAD, lines: [], go: { kind: 'idle', code: 0 } }), REQ, POLICY, T0);
  assert.deepEqual(tick.state.lease, STANDBY);
  assert.equal(tick.state.held, false);
  assert.deepEqual(tick.effects, [{ kind: 'checkpoint' }, { kind: 'signal-stop', identity: ID, hold: false, head: HEAD }]);
  assert.deepEqual(
    tick.transitions.map((transition) => transition.kind),
    ['stopping', 'lease-lost'],
  );
  // How the signals went comes back as `stopped`, with the role's head: one line, the stop's transition's.
  const stopped = decide(tick.state, { kind: 'stopped', line: 'stopped (pid 4242, SIGTERM after 5ms)', hold: false, pid: 4242, head: HEAD }, REQ, POLICY, T0);
  assert.deepEqual(
    stopped.transitions.map((transition) => [transition.kind, transition.line]),
    [['stop', `${HEAD}: stopped (pid 4242, SIGTERM after 5ms)`]],
  );
  assert.equal(stopped.state.identity, null);
  assert.equal(stopped.state.held, false);
  assert.deepEqual(stopped.effects, [{ kind: 'remove-pid' }]);
});

test('a copy found by its environment goes on record, so that the stop reaches it', () => {
  const found = { ...ID, pid: 5151 };
  const tick = decide(emptyState(), answered({ record: STANDBY, stop: HEAD, lines: [], go: { kind: 'idle', code: 0 } }, found), REQ, POLICY, T0);
  assert.deepEqual(tick.state.identity, found);
  assert.deepEqual(tick.effects.at(-1), { kind: 'signal-stop', identity: found, hold: false, head: HEAD });
});

test("a holder's role stops nothing: its record and its lines, as notices beside the change of role", () => {
  const line = 'app: holding lease app (token 3) as a';
  const tick = decide(RUNNING, answered({ record: HOLDER, stop: null, lines: [line], go: { kind: 'run', token: '3' } }), REQ, POLICY, T0);
  // Its check goes on in the same loop: the program observed, its check decided from there.
  assert.deepEqual(tick.effects, [{ kind: 'observe' }]);
  assert.deepEqual(tick.state, { ...RUNNING, lease: HOLDER });
  assert.deepEqual(
    tick.transitions.map((transition) => [transition.kind, transition.line]),
    [
      ['notice', line],
      ['lease-taken', null],
    ],
  );
});

// The rows of what a role asks next: the observation of the program only when the holder goes on, after any stop.
const ROLES: { name: string; role: LeaseDecision; effects: string[] }[] = [
  { name: 'a holder, no copy to stop → observe', role: { record: HOLDER, stop: null, lines: [], go: { kind: 'run', token: '3' } }, effects: ['observe'] },
  {
    name: 'a holder whose copy runs under another token → stop it, then observe',
    role: {
      record: HOLDER,
      stop: "app: pid 4242 runs under fencing token 2, the lease's token is now 3; restarting it",
      lines: [],
      go: { kind: 'run', token: '3' },
    },
    effects: ['checkpoint', 'signal-stop', 'observe'],
  },
  { name: 'a standby with no copy → nothing: its check ends', role: { record: STANDBY, stop: null, lines: [], go: { kind: 'idle', code: 0 } }, effects: [] },
  {
    name: 'a standby with a copy → stop it, no observation',
    role: { record: STANDBY, stop: HEAD, lines: [], go: { kind: 'idle', code: 0 } },
    effects: ['checkpoint', 'signal-stop'],
  },
  {
    name: 'a holder that stepped down (the store did not answer) → nothing observed',
    role: { record: { ...HOLDER, role: 'standby' }, stop: null, lines: ['app: lease store did not answer'], go: { kind: 'idle', code: 2 } },
    effects: [],
  },
];

for (const row of ROLES) {
  test(`lease-answered: ${row.name}`, () => {
    const tick = decide({ ...RUNNING, lease: HOLDER }, answered(row.role), REQ, POLICY, T0);
    assert.deepEqual(
      tick.effects.map((effect) => effect.kind),
      row.effects,
    );
  });
}

// --release as the first event of its pass (`ask-release`): a lease this host holds is let go,
// the copy here stopped first by the effects of a --stop (not held), the stop on file before
// the store call (`release-lease`, keyed to the host id on record), whose answer comes back as
// `released` (`record-release`): this host a standby, or, the store silent, the lease kept.
const RELEASE_HEAD = 'app: releasing lease app';
const MINE: LeaseRecord = { ...HOLDER, renewed: { bootId: 'boot', monoMs: 1_000, ttlMs: 60_000 } };
const release = (lease: LeaseRecord, running: boolean, host = { id: 'a', hostname: 'a' }, found: Identity | null = null): TickEvent => ({
  kind: 'release',
  lease,
  host,
  running,
  found,
  how: 'SIGTERM, SIGKILL after 10s',
});

test('release, held here with a copy running: its stop (not held) and the stop on file, then the store call', () => {
  const tick = decide({ ...RUNNING, lease: MINE }, release(MINE, true), REQ, POLICY, T0);
  assert.deepEqual(tick.effects, [
    { kind: 'checkpoint' },
    { kind: 'signal-stop', identity: ID, hold: false, head: RELEASE_HEAD },
    { kind: 'checkpoint' },
    { kind: 'release-lease', holder: 'a', token: '3' },
  ]);
  assert.equal(tick.state.held, false);
  assert.deepEqual(tick.state.lease, MINE);
  assert.deepEqual(
    tick.transitions.map((transition) => [transition.kind, transition.line]),
    [['stopping', null]],
  );
});

test('release, held here with no copy running: the store call alone, nothing said yet', () => {
  const tick = decide({ ...emptyState(REQ.command, REQ.cwd), lease: MINE }, release(MINE, false), REQ, POLICY, T0);
  assert.deepEqual(tick.effects, [{ kind: 'release-lease', holder: 'a', token: '3' }]);
  assert.deepEqual(tick.transitions, []);
});

test('release is keyed to the host id on record, whatever id this call would make (another ENSURE_RUNNING_HOME)', () => {
  const tick = decide({ ...emptyState(), lease: MINE }, release(MINE, false, { id: 'f00dfeedf00dfeed', hostname: 'a' }), REQ, POLICY, T0);
  assert.deepEqual(tick.effects, [{ kind: 'release-lease', holder: 'a', token: '3' }]);
});

test('release, a copy found by its environment: put on record, so that the stop reaches it', () => {
  const found = { ...ID, pid: 5151 };
  const tick = decide({ ...emptyState(), lease: MINE }, release(MINE, true, undefined, found), REQ, POLICY, T0);
  assert.deepEqual(tick.state.identity, found);
  assert.deepEqual(tick.effects[1], { kind: 'signal-stop', identity: found, hold: false, head: RELEASE_HEAD });
});

// The lease not held here: one line, nothing done; with the holder last seen when there was one.
const NOT_HELD: { name: string; lease: LeaseRecord; line: string }[] = [
  {
    name: 'a standby',
    lease: STANDBY,
    line: 'app: lease app is not held by this host (host a), nothing to release; it was last held by host b (token 4)',
  },
  { name: 'never asked', lease: emptyLeaseRecord('redis://store:6379', 'app'), line: 'app: lease app is not held by this host (host a), nothing to release' },
  {
    name: 'a holder with no token seen',
    lease: { ...HOLDER, seen: null },
    line: 'app: lease app is not held by this host (host a), nothing to release',
  },
];
for (const row of NOT_HELD) {
  test(`release, not held here (${row.name}): one line, no effect, the records unchanged`, () => {
    const before = { ...RUNNING, lease: row.lease };
    const tick = decide(before, release(row.lease, true), REQ, POLICY, T0);
    assert.deepEqual(tick.effects, []);
    assert.equal(tick.state, before);
    assert.deepEqual(
      tick.transitions.map((transition) => [transition.kind, transition.line]),
      [['notice', row.line]],
    );
  });
}

// The store's answer (`released`), from the records as the stop left them.
const STOPPED: ProgramState = { ...emptyState(REQ.command, REQ.cwd), launches: 1, lease: MINE };
const ANSWERS: { name: string; answer: ReleaseAnswer; line: string; kinds: string[]; standby: boolean }[] = [
  {
    name: 'released',
    answer: { kind: 'released' },
    line: 'app: released lease app (token 3); another host takes it at its next check (this one only after 1m 0s if none does)',
    kinds: ['notice', 'lease-lost'],
    standby: true,
  },
  {
    name: 'already gone',
    answer: { kind: 'gone' },
    line: 'app: lease app had already run out or changed hands; the copy here is stopped',
    kinds: ['notice', 'lease-lost'],
    standby: true,
  },
  {
    name: 'the store did not answer',
    answer: { kind: 'failed', error: 'no answer within 2s to release the lease at redis://store:6379' },
    line:
      "app: the copy here is stopped, but lease app is not released (no answer within 2s to release the lease at redis://store:6379); it stays this host's until it " +
      'runs out (within 1m 0s), and the next check here renews it and starts the copy again: run --release again once the store answers',
    kinds: ['store-unreachable'],
    standby: false,
  },
];
for (const row of ANSWERS) {
  test(`released, ${row.name}: ${row.standby ? 'a standby, renewed never' : 'the lease kept, the records unchanged'}; its line`, () => {
    const tick = decide(STOPPED, { kind: 'released', answer: row.answer, name: 'app', token: '3', ttlMs: 60_000 }, REQ, POLICY, T0);
    assert.deepEqual(tick.effects, []);
    if (row.standby) assert.deepEqual(tick.state, { ...STOPPED, lease: { ...MINE, role: 'standby', renewed: null } });
    else assert.equal(tick.state, STOPPED);
    assert.deepEqual(
      tick.transitions.map((transition) => transition.kind),
      row.kinds,
    );
    assert.deepEqual(
      tick.transitions.flatMap((transition) => (transition.line === null ? [] : [transition.line])),
      [row.line],
    );
  });
}

test('release, one pass: the stop line headed by the release, then the answer; the records a standby with no copy', () => {
  const first = decide({ ...RUNNING, lease: MINE }, release(MINE, true), REQ, POLICY, T0);
  const stopped = decide(
    first.state,
    { kind: 'stopped', line: 'stopped (pid 4242, SIGTERM after 5ms)', hold: false, pid: 4242, head: RELEASE_HEAD },
    REQ,
    POLICY,
    T0,
  );
  assert.deepEqual(stopped.effects, [{ kind: 'remove-pid' }]);
  const released = decide(stopped.state, { kind: 'released', answer: { kind: 'released' }, name: 'app', token: '3', ttlMs: 60_000 }, REQ, POLICY, T0);
  assert.deepEqual(
    [...first.transitions, ...stopped.transitions, ...released.transitions].flatMap((transition) => (transition.line === null ? [] : [transition.line])),
    [
      'app: releasing lease app: stopped (pid 4242, SIGTERM after 5ms)',
      'app: released lease app (token 3); another host takes it at its next check (this one only after 1m 0s if none does)',
    ],
  );
  assert.equal(released.state.identity, null);
  assert.equal(released.state.held, false);
  assert.equal(released.state.lease?.role, 'standby');
});
