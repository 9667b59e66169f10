// The sidecar state: defensive parsing and the bound on recorded events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_EVENTS, STATE_VERSION, emptyState, parseState, withEvent, type ProgramState } from '../../src/core/state.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

function sample(): ProgramState {
  let state: ProgramState = {
    ...emptyState(['./server.js'], '/srv'),
    launches: 4,
    failedStarts: 2,
    deathTimesMs: [T0, T0 + 1000],
    backoff: { fromMs: T0, untilMs: T0 + 120_000, reason: 'failed start 2 of 5' },
    lastExit: { atMs: T0, pid: 99, code: 3, signal: null, inStartWindow: true, lastSeenAliveMs: null, ranMs: 40, logTail: ['boom'] },
  };
  state = withEvent(state, { atMs: T0, kind: 'backoff', detail: 'failed start 2 of 5' });
  return state;
}

test('parseState: a written state reads back the same', () => {
  const state = sample();
  assert.deepEqual(parseState(JSON.stringify(state)), { kind: 'ok', state });
});

test('parseState: truncated JSON is corrupt, with the reason', () => {
  const text = JSON.stringify(sample());
  const parsed = parseState(text.slice(0, text.length / 2));
  assert.equal(parsed.kind, 'corrupt');
  assert.match((parsed as { reason: string }).reason, /not valid JSON/);
});

test('parseState: not an object, or no version → corrupt', () => {
  for (const text of ['[]', 'null', '42', '"x"', '{}', '{"version":"1"}']) assert.equal(parseState(text).kind, 'corrupt', text);
});

test('parseState: a newer version is "future", never read as ours', () => {
  assert.deepEqual(parseState(JSON.stringify({ ...sample(), version: STATE_VERSION + 1 })), { kind: 'future', version: STATE_VERSION + 1 });
});

test('parseState: wrong types fall back field by field, never crash nor invent', () => {
  const raw = {
    version: STATE_VERSION,
    command: ['./a', 7, null, '--x'],
    held: 'yes',
    launches: -3,
    failedStarts: 'many',
    deathTimesMs: [T0, 'soon', null, T0 + 1],
    backoff: { fromMs: 'now', untilMs: T0 },
    fatal: { reason: 'no time' },
    identity: { pid: 1, startTime: 5 },
    lastExit: { atMs: T0, pid: 7, code: '3', signal: 9, logTail: 'boom' },
    events: [{ atMs: T0, kind: 'launch', pid: 'x' }, 'junk', { kind: 'death' }],
  };
  const parsed = parseState(JSON.stringify(raw));
  assert.equal(parsed.kind, 'ok');
  const state = (parsed as { state: ProgramState }).state;
  assert.deepEqual(state.command, ['./a', '--x']);
  assert.equal(state.held, false);
  assert.equal(state.launches, 0);
  assert.equal(state.failedStarts, 0);
  assert.deepEqual(state.deathTimesMs, [T0, T0 + 1]);
  assert.equal(state.backoff, null);
  assert.equal(state.fatal, null);
  assert.equal(state.identity, null, 'PID 1 is never a recorded program');
  // An exit code of the wrong type is dropped, never turned into a number.
  assert.deepEqual([state.lastExit?.code, state.lastExit?.signal, state.lastExit?.logTail], [null, null, []]);
  assert.deepEqual(state.events, [{ atMs: T0, kind: 'launch' }]);
});

test(`withEvent keeps only the newest ${MAX_EVENTS} events`, () => {
  let state = emptyState();
  for (let i = 0; i < MAX_EVENTS * 3; i++) state = withEvent(state, { atMs: T0 + i, kind: 'death', pid: 100 + i });
  assert.equal(state.events.length, MAX_EVENTS);
  assert.equal(state.events[0]?.atMs, T0 + MAX_EVENTS * 2);
  assert.equal(state.events.at(-1)?.atMs, T0 + MAX_EVENTS * 3 - 1);
});

test('parseState: an oversized event list from disk is cut to the bound', () => {
  const events = Array.from({ length: MAX_EVENTS + 25 }, (_, i) => ({ atMs: T0 + i, kind: 'launch' }));
  const parsed = parseState(JSON.stringify({ ...emptyState(), events, deathTimesMs: events.map((e) => e.atMs) }));
  const state = (parsed as { state: ProgramState }).state;
  assert.equal(state.events.length, MAX_EVENTS);
  assert.equal(state.events.at(-1)?.atMs, T0 + MAX_EVENTS + 24);
  assert.ok(state.deathTimesMs.length <= MAX_EVENTS);
});
