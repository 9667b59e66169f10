// The decision for a live PID on file without a launch record: never signalled, never a launch
// beside it; said once when the PID file is another user's, quiet when it is the caller's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideCheck, type Decision, type Policy } from '../../src/core/policy.ts';
import { emptyState } from '../../src/core/state.ts';
import { REPEAT_COMPLAINT_MS } from '../../src/core/said-once.ts';
import { reportLines } from '../helpers.ts';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const REQ = { command: ['./server.js'], cwd: '/srv' };
const POLICY: Policy = {
  name: 'app',
  periodMs: MIN,
  backoffMaxMs: 10 * MIN,
  maxRetries: 5,
  fatalRetryMs: null,
  crowdCount: 3,
  crowdWindowMs: 10 * MIN,
  minUptimeMs: 5 * MIN,
  startHint: 'ensure-running --pid app.pid --start',
};

const reports = (d: Decision) => reportLines(d);

test('UNVERIFIED + PID file of another user → one line naming pid and uid, no launch, running', () => {
  const d = decideCheck(emptyState(), { kind: 'unverified', pid: 4242, owner: 1001 }, REQ, POLICY, T0);
  assert.equal(d.outcome, 'running');
  assert.ok(!d.effects.some((e) => e.kind === 'launch'));
  const lines = reports(d);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /pid 4242/);
  assert.match(lines[0]!, /uid 1001/);
});

test('UNVERIFIED + same PID file next minute → quiet; a day later → said again', () => {
  const obs = { kind: 'unverified' as const, pid: 4242, owner: 1001 };
  const first = decideCheck(emptyState(), obs, REQ, POLICY, T0);
  const next = decideCheck(first.state, obs, REQ, POLICY, T0 + MIN);
  assert.deepEqual(reports(next), []);
  const later = decideCheck(next.state, obs, REQ, POLICY, T0 + REPEAT_COMPLAINT_MS);
  assert.equal(reports(later).length, 1);
});

test("UNVERIFIED + the caller's own PID file (another tool) → quiet, as documented", () => {
  const d = decideCheck(emptyState(), { kind: 'unverified', pid: 4242, owner: null }, REQ, POLICY, T0);
  assert.deepEqual(d.effects, []);
  assert.equal(d.outcome, 'running');
});

test('UNVERIFIED said, then the PID is gone → the complaint is forgotten and the program launched', () => {
  const first = decideCheck(emptyState(), { kind: 'unverified', pid: 4242, owner: 1001 }, REQ, POLICY, T0);
  const gone = decideCheck(first.state, { kind: 'gone', pid: null, why: 'no-record', logTail: [] }, REQ, POLICY, T0 + MIN);
  assert.equal(gone.state.unverified, null);
  assert.ok(gone.effects.some((e) => e.kind === 'launch'));
});
