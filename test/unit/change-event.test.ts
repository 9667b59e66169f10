// The change a check made (src/core/change-event.ts): named from the transitions of its decisions, only when it said a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeOf, hookEnv, webhookBody } from '../../src/core/change-event.ts';
import { emptyState, withEvent, type EventKind, type ExitInfo, type ProgramState } from '../../src/core/state.ts';
import { emptyLeaseRecord, type LeaseRecord } from '../../src/core/lease-record.ts';
import { aside, leaseTransitions, transitionsOf } from '../../src/core/transition.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const FACTS = { name: 'app', pidFile: '/srv/app.pid' };
const base = withEvent(emptyState(['x'], '/srv'), { atMs: T0 - 1000, kind: 'launch', pid: 10 });
const after = (kinds: EventKind[], over: Partial<ProgramState> = {}): ProgramState =>
  kinds.reduce((s, kind, i) => withEvent(s, { atMs: T0 + i, kind, pid: 11 }), { ...base, ...over });
const exit: ExitInfo = { atMs: T0, pid: 11, code: 3, signal: null, inStartWindow: true, lastSeenAliveMs: null, ranMs: 50, logTail: ['boom'] };

test('change table: the worst change names the event, every change is listed', () => {
  const rows: [string, ProgramState, string, string[]][] = [
    ['launch -> started', after(['launch']), 'started', ['started']],
    ['death + launch -> died', after(['death', 'launch']), 'died', ['died', 'started']],
    ['failed start + backoff -> failed-start', after(['start-failed', 'backoff']), 'failed-start', ['failed-start', 'backoff']],
    ['failed start + fatal -> fatal', after(['start-failed', 'fatal']), 'fatal', ['fatal', 'failed-start']],
    ['launch + recovered -> recovered', after(['launch', 'recovered']), 'recovered', ['recovered', 'started']],
    ['hung + launch -> hung', after(['hung', 'launch']), 'hung', ['hung', 'started']],
    ['unhealthy -> unhealthy', after(['unhealthy']), 'unhealthy', ['unhealthy']],
    ['scheduled restart -> restarted', after(['scheduled-restart', 'launch']), 'restarted', ['restarted', 'started']],
    ['adopted after an interrupted launch -> started', after(['adopt']), 'started', ['started']],
    ['a line with no event (changed crontab line) -> notice', after([]), 'notice', ['notice']],
  ];
  for (const [name, next, event, events] of rows) {
    const change = changeOf({ transitions: transitionsOf(base, next), said: ['app: something'] }, next, FACTS, T0);
    assert.equal(change?.event, event, name);
    assert.deepEqual(change?.events, events, name);
  }
  // A notice (a crowd's end, a changed request) is no change of its own: `notice` when nothing else changed.
  const notice = changeOf({ transitions: [aside(base, 'notice', 'changed', T0, 'app: changed')], said: ['app: changed'] }, base, FACTS, T0);
  assert.deepEqual([notice?.event, notice?.events], ['notice', ['notice']]);
  // A log rotation that failed is a transition of its own (rotation-failed), told to hooks as `notice`, as other lines about no change.
  const rotation = changeOf(
    { transitions: [aside(base, 'rotation-failed', 'disk full', T0, 'app: warning: disk full')], said: ['app: warning: disk full'] },
    base,
    FACTS,
    T0,
  );
  assert.deepEqual([rotation?.event, rotation?.events], ['notice', ['notice']]);
  const both = after(['death', 'launch']);
  const withNotice = changeOf({ transitions: [...transitionsOf(base, both), aside(both, 'notice', 'crowd', T0, 'app: crowd')], said: ['x'] }, both, FACTS, T0);
  assert.deepEqual(withNotice?.events, ['died', 'started'], 'a notice beside a change adds nothing');
  // A launch refused for a configuration error puts no event on record, but is a transition when said.
  const refused = changeOf({ transitions: [aside(base, 'launch-refused', 'not found', T0)], said: ['app: not found'] }, base, FACTS, T0);
  assert.deepEqual([refused?.event, refused?.events], ['failed-start', ['failed-start']]);
  for (const [name, next, event, events] of rows) {
    // Stopping, a manual start, a reload: no news of their own.
    const change = changeOf(
      { transitions: [...transitionsOf(base, withEvent(base, { atMs: T0, kind: 'stopping' })), ...transitionsOf(base, next)], said: ['x'] },
      next,
      FACTS,
      T0,
    );
    assert.equal(change?.event, event, name);
    assert.deepEqual(change?.events, events, name);
  }
});

test('no line said -> no change, whatever was recorded (a quiet check never runs a hook)', () => {
  assert.equal(changeOf({ transitions: transitionsOf(base, after(['launch'])), said: [] }, after(['launch']), FACTS, T0), null);
});

test('the facts: exit code, signal and log tail of a death of this check only; the environment leaves unknowns out', () => {
  const failed = after(['start-failed'], { lastExit: exit, identity: null, logs: { stdout: '/srv/app.log', stderr: '/srv/app.log' } });
  const died = changeOf({ transitions: transitionsOf(base, failed), said: ['app: failed to start', 'second line'] }, failed, FACTS, T0)!;
  assert.deepEqual([died.pid, died.exitCode, died.signal, died.logTail], [11, 3, null, ['boom']]);
  const env = hookEnv(died);
  assert.equal(env.ENSURE_RUNNING_EVENT, 'failed-start');
  assert.equal(env.ENSURE_RUNNING_EXIT_CODE, '3');
  assert.equal(env.ENSURE_RUNNING_SIGNAL, undefined);
  assert.equal(env.ENSURE_RUNNING_MESSAGE, 'app: failed to start\nsecond line');
  assert.equal(env.ENSURE_RUNNING_LOG_TAIL, 'boom');
  assert.equal(env.ENSURE_RUNNING_LOG, '/srv/app.log');
  // An older death on record is not this change's.
  const launched = after(['launch'], { lastExit: exit });
  const old = changeOf({ transitions: transitionsOf({ ...base, lastExit: exit }, launched), said: ['app: started'] }, launched, FACTS, T0)!;
  assert.deepEqual([old.exitCode, old.logTail], [null, []]);
  const body = webhookBody(died);
  assert.equal(body.text, 'app: failed to start\nsecond line');
  assert.equal(body.at, new Date(T0).toISOString());
});

test("lease table: a change of role or of the store's health is named for the hook", () => {
  const lease = (role: LeaseRecord['role'], trouble: boolean): LeaseRecord => ({
    ...emptyLeaseRecord('postgres://db/app', 'app'),
    role,
    trouble: trouble ? { text: 'store unreachable', announcedMs: T0 } : null,
  });
  const rows: [string, LeaseRecord | undefined, LeaseRecord, string[]][] = [
    ['first answer, holder -> lease-taken', undefined, lease('holder', false), ['lease-taken']],
    ['standby -> holder: lease-taken', lease('standby', false), lease('holder', false), ['lease-taken']],
    ['holder -> standby: lease-lost', lease('holder', false), lease('standby', false), ['lease-lost']],
    ['holder, store unreachable, still holding -> store-unreachable', lease('holder', false), lease('holder', true), ['store-unreachable']],
    ['holder steps down while the store is unreachable -> lease-lost first', lease('holder', true), lease('unknown', true), ['lease-lost']],
    ['store back, holder again -> store-back', lease('unknown', true), lease('holder', false), ['store-back', 'lease-taken']],
    ['standby stays standby -> notice only', lease('standby', false), lease('standby', false), ['notice']],
  ];
  for (const [name, was, now, events] of rows) {
    const change = changeOf({ transitions: leaseTransitions(base, was, now, T0), said: ['app: lease line'] }, { ...base, lease: now }, FACTS, T0);
    assert.deepEqual(change?.events, events, name);
  }
});
