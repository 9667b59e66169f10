// The lease's decision (src/core/lease-role.ts), one row per edge: role × store answer × the copy here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLease, stepDownMarginMs, type LeaseInput, type StoreAnswer } from '../../src/core/lease-role.ts';
import { emptyLeaseRecord, parseLeaseRecord, type LeaseRecord, type LeaseView } from '../../src/core/lease-record.ts';
import { promiseUntilMs } from '../../src/core/promise-deadline.ts';
import { emptyState } from '../../src/core/state.ts';
import { parseArgs } from '../../src/cli/parse.ts';
import { leaseSettings, withoutPassword } from '../../src/cli/lease-settings.ts';

const rules = { name: 'app', leaseName: 'L', intervalMs: 60_000, ttlMs: 150_000, timeoutMs: 5_000, stopMs: 10_000 };
const me = { id: 'a', hostname: 'ha' };
const view = (holder: string, token: string, extra: Partial<LeaseView> = {}): LeaseView => ({
  holder,
  hostname: `h${holder}`,
  token,
  expiresInMs: 150_000,
  heldBy: null,
  ...extra,
});
const mine = (token: string, extra: Partial<LeaseView> = {}): StoreAnswer => ({ kind: 'ok', view: view('a', token, extra), mine: true });
const theirs = (token: string): StoreAnswer => ({ kind: 'ok', view: view('b', token), mine: false });
const down: StoreAnswer = { kind: 'error', text: 'connect ECONNREFUSED', config: false };
const holder = (token: string, renewedMonoMs: number): LeaseRecord => ({
  ...emptyLeaseRecord('postgres://db/x', 'L'),
  role: 'holder',
  seen: view('a', token),
  seenAtMs: 0,
  renewed: { bootId: 'B', monoMs: renewedMonoMs, ttlMs: 150_000 },
});
const standby = (): LeaseRecord => ({ ...emptyLeaseRecord('postgres://db/x', 'L'), role: 'standby', seen: view('b', '4'), seenAtMs: 0 });

function input(record: LeaseRecord, answer: StoreAnswer, running: LeaseInput['running'], monoMs = 1_000_000): LeaseInput {
  return { record, answer, me, running, clock: { now: 5_000, bootId: 'B', askedMonoMs: monoMs - 10, monoMs }, rules };
}

test('lease: first holder → one line, the check goes on under token 1, renewal counted from when it was asked', () => {
  const d = decideLease(input(emptyLeaseRecord('u', 'L'), mine('1'), null));
  assert.deepEqual(d.go, { kind: 'run', token: '1' });
  assert.equal(d.stop, null);
  assert.deepEqual(d.lines, ['app: holding lease L (token 1) as host a (ha)']);
  assert.deepEqual(d.record.renewed, { bootId: 'B', monoMs: 1_000_000 - 10, ttlMs: 150_000 });
});

test('lease: HOLDER + renewed under the same token → silent, the copy under that token keeps running', () => {
  const d = decideLease(input(holder('3', 0), mine('3'), { pid: 42, token: '3' }));
  assert.deepEqual([d.go, d.stop, d.lines], [{ kind: 'run', token: '3' }, null, []]);
});

test('lease: STANDBY + won → "took over from host b", one line', () => {
  const d = decideLease(input(standby(), mine('5'), null));
  assert.deepEqual(d.lines, ['app: took over lease L from host b (hb) (token 5) as host a (ha)']);
  assert.equal(d.record.role, 'holder');
});

test('lease: HOLDER + copy under an old token (lost and won again) → restarted under the new token', () => {
  const d = decideLease(input(holder('3', 0), mine('5'), { pid: 42, token: '3' }));
  assert.match(d.stop ?? '', /pid 42 runs under fencing token 3, the lease's token is now 5; restarting it/);
  assert.deepEqual(d.go, { kind: 'run', token: '5' });
});

test('lease: HOLDER + copy with no known token (launched before --lease) → restarted', () => {
  const d = decideLease(input(holder('3', 0), mine('3'), { pid: 42, token: null }));
  assert.match(d.stop ?? '', /no known fencing token/);
});

test('lease: STANDBY + held by another, nothing here → silent and idle, exit 0', () => {
  const d = decideLease(input(standby(), theirs('4'), null));
  assert.deepEqual([d.go, d.stop, d.lines], [{ kind: 'idle', code: 0 }, null, []]);
});

test('lease: HOLDER + now held by another, copy here → stopped with one line naming the new holder', () => {
  const d = decideLease(input(holder('3', 0), theirs('4'), { pid: 42, token: '3' }));
  assert.equal(d.stop, 'app: lease L is held by host b (hb) (token 4); stopping the copy here');
  assert.deepEqual([d.go, d.lines, d.record.role], [{ kind: 'idle', code: 0 }, [], 'standby']);
});

test('lease: held on every host → the holder stops its copy and launches nothing', () => {
  const d = decideLease(input(holder('3', 0), mine('3', { heldBy: 'b' }), { pid: 42, token: '3' }));
  assert.match(d.stop ?? '', /held stopped on every host \(--stop on host b\)/);
  assert.deepEqual(d.go, { kind: 'idle', code: 0 });
});

test('lease: HOLDER + store down, lease outlives the next check plus a stop → keeps the copy, says so once', () => {
  const margin = stepDownMarginMs(rules);
  const now = 150_000 - margin; // exactly the margin left
  const first = decideLease(input(holder('3', 0), down, { pid: 42, token: '3' }, now));
  assert.deepEqual([first.go, first.stop], [{ kind: 'run', token: '3' }, null]);
  assert.equal(first.lines.length, 1);
  assert.match(first.lines[0]!, /lease store unreachable \(connect ECONNREFUSED\); keeping the program/);
  const again = decideLease(input(first.record, down, { pid: 42, token: '3' }, now + 1));
  assert.deepEqual(again.lines, [], 'said once');
});

test('lease: HOLDER + store down, less than one interval, store call and stop left → steps down (even when the trouble was said)', () => {
  const margin = stepDownMarginMs(rules);
  const d = decideLease(
    input({ ...holder('3', 0), trouble: { text: 'connect ECONNREFUSED', announcedMs: 5_000 } }, down, { pid: 42, token: '3' }, 150_000 - margin + 1),
  );
  assert.match(d.stop ?? '', /stepping down before lease L can run out/);
  assert.deepEqual([d.go, d.record.role, d.record.renewed], [{ kind: 'idle', code: 1 }, 'unknown', null]);
});

test('lease: HOLDER + store down after a reboot (another boot id) → the renewal is not trusted: steps down', () => {
  const record = { ...holder('3', 0), renewed: { bootId: 'OTHER', monoMs: 0, ttlMs: 150_000 } };
  const d = decideLease(input(record, down, { pid: 42, token: '3' }, 10));
  assert.match(d.stop ?? '', /does not run here until it answers/);
});

test('lease: STANDBY + store down → one line, then quiet; exit 1 (2 when the store refused us)', () => {
  const first = decideLease(input(standby(), down, null));
  assert.deepEqual([first.go, first.stop, first.lines.length], [{ kind: 'idle', code: 1 }, null, 1]);
  assert.deepEqual(decideLease(input(first.record, down, null)).lines, []);
  assert.deepEqual(decideLease(input(standby(), { kind: 'error', text: 'password authentication failed', config: true }, null)).go, { kind: 'idle', code: 2 });
});

test('lease: UNKNOWN + store back, held by another → one line "answers again"', () => {
  const record = { ...standby(), role: 'unknown' as const, trouble: { text: 'x', announcedMs: 1 } };
  const d = decideLease(input(record, theirs('4'), null));
  assert.equal(d.lines.length, 1);
  assert.match(d.lines[0]!, /lease store answers again; standby/);
  assert.equal(d.record.trouble, null);
});

test('lease record: read back as written; malformed parts fall back to nothing', () => {
  const record = { ...holder('7', 12), ranWith: { launch: 'abc', token: '7' } };
  assert.deepEqual(parseLeaseRecord(JSON.parse(JSON.stringify(record))), record);
  assert.equal(parseLeaseRecord({ url: 1 }), null);
  assert.equal(parseLeaseRecord({ ...record, seen: { ...record.seen, token: '-1' } })?.seen, null);
});

test('lease: no quiet promise is given for a program run with --lease (every check renews in the store)', () => {
  const state = { ...emptyState(['x']), identity: { pid: 42, startTime: '1', bootId: 'B', launchedAtMs: 0, token: 't' }, settled: true };
  const duties = { startWindowMs: 1000, minUptimeMs: 1000 };
  assert.notEqual(promiseUntilMs(state, duties, 10_000), null, 'without --lease a promise is given');
  assert.equal(promiseUntilMs(state, { ...duties, lease: { name: 'L' } }, 10_000), null);
});

test('lease settings: TTL defaults to 2.5 intervals, refuses one that cannot outlive an interval plus a check; no password shown', () => {
  const call = (...args: string[]) => parseArgs(['--pid', 'a.pid', ...args, '--', 'x']).values;
  assert.equal(leaseSettings(call('--lease', 'postgres://u@db/x', '--lease-name', 'L'), {}, 60_000, 10_000)?.ttlMs, 150_000);
  assert.throws(
    () => leaseSettings(call('--lease', 'postgres://u@db/x', '--lease-name', 'L', '--lease-ttl', '70s'), {}, 60_000, 10_000),
    /--lease-ttl 1m 10s cannot outlive one interval \(1m 0s\).*give at least 1m 15s/,
  );
  assert.throws(() => leaseSettings(call('--lease', 'postgres://u@db/x'), {}, 60_000, 10_000), /--lease needs --lease-name/);
  assert.throws(
    () => leaseSettings(call('--lease', 'mysql://u:secret@db/x', '--lease-name', 'L'), {}, 60_000, 10_000),
    (e: Error) => /unknown scheme mysql/.test(e.message) && !e.message.includes('secret'),
  );
  assert.equal(withoutPassword('postgres://u:secret@db/x?sslmode=require&password=p2'), 'postgres://u@db/x?sslmode=require');
  assert.equal(leaseSettings(call('--lease', 'redis://db', '--lease-name', 'L'), { ENSURE_RUNNING_HOST_ID: 'h1' }, 60_000, 10_000)?.hostId, 'h1');
});

test('lease: HOLDER + store down, renewal recorded ahead of the monotonic clock → "ours" is capped at the TTL', () => {
  // The renewal's monotonic time is a day ahead of now (a clock that went back, a record from elsewhere).
  const d = decideLease(input(holder('3', 1_000_000 + 86_400_000), down, { pid: 42, token: '3' }));
  assert.match(d.lines[0] ?? '', /lease L is ours for 2m 30s more/);
});

test('lease: an answer older than --lease-timeout (the check stood still) counts as no answer', () => {
  const stale: LeaseInput = { ...input(emptyLeaseRecord('u', 'L'), mine('1'), null), clock: { now: 5_000, bootId: 'B', askedMonoMs: 0, monoMs: 13_000 } };
  const d = decideLease(stale);
  assert.deepEqual(d.go, { kind: 'idle', code: 1 });
  assert.match(d.lines[0] ?? '', /its answer came 13s after the request, later than --lease-timeout 5s: counted as no answer/);
});

test('lease: held under this id by the same hostname under another boot id → "this host rebooted", waiting, not the shared-id line', () => {
  const here = { ...me, instance: 'ha boot NEW' };
  const old: StoreAnswer = { kind: 'ok', view: view('a', '3', { instance: 'ha boot OLD', expiresInMs: 40_000 }), mine: false };
  const d = decideLease({ ...input(holder('3', 0), old, null), me: here });
  assert.deepEqual([d.go, d.record.role], [{ kind: 'idle', code: 0 }, 'standby']);
  assert.equal(d.lines.length, 1);
  assert.match(d.lines[0]!, /lease L is still held by this host's previous boot \(ha boot OLD; this is ha boot NEW\): this host rebooted/);
  assert.doesNotMatch(d.lines[0]!, /two machines share the id/);
  // Another hostname under the same id: the shared id, as before.
  const other: StoreAnswer = { kind: 'ok', view: view('a', '3', { instance: 'hz boot OLD' }), mine: false };
  assert.match(decideLease({ ...input(holder('3', 0), other, null), me: here }).lines[0]!, /two machines share the id/);
});

test('lease: HOLDER on record, another host held it between two checks, taken back → "took over from host b" (the store names b), not "holding"', () => {
  const back: StoreAnswer = { kind: 'ok', view: view('a', '3', { previous: { holder: 'b', hostname: 'hb' } }), mine: true };
  const d = decideLease(input(holder('1', 0), back, null));
  assert.deepEqual(d.lines, ['app: took over lease L from host b (hb) (token 3) as host a (ha)']);
  assert.equal(d.record.seen?.previous, undefined, 'who held it before is said, not recorded');
});
