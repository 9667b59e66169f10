// --max-memory as pure decisions: the ceiling against a reading, the restart it leads to (one
// line with the figure, counted with deaths), and how long a quiet promise may last with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tablePolicy, MIN } from './policy-fixture.ts';
import { decideHealth, type HealthObservation, type HealthOptions } from '../../src/core/health.ts';
import { formatBytes, memoryProblem, MEMORY_PROMISE_MS } from '../../src/core/memory.ts';
import { promiseUntilMs } from '../../src/core/promise-deadline.ts';
import { decide } from '../../src/core/tick.ts';
import { emptyDuties } from '../../src/core/duties-record.ts';
import { emptyState, parseState, type Identity, type ProgramState } from '../../src/core/state.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const MIB = 1024 * 1024;
const POLICY = tablePolicy({ startHint: 'ensure-running --pid app.pid --start' });
const REQ = { command: ['./server.js'], cwd: '/srv' };
const OPTIONS: HealthOptions = { heartbeat: null, http: null, restartAt: null, maxMemory: 500 * MIB };
const identity: Identity = { pid: 4242, startTime: '1', bootId: 'b', launchedAtMs: T0 - 30 * MIN, token: 'abcdef0123456789' };
const RUNNING: ProgramState = { ...emptyState(REQ.command, '/srv'), identity, launches: 1, settled: true, lastSeenAliveMs: T0 - MIN };
const seen = (bytes: number | null, processes = 3): HealthObservation => ({
  heartbeat: null,
  probe: null,
  schedule: null,
  memory: bytes === null ? null : { bytes, processes },
});
const DUTIES = { startWindowMs: 1_000, minUptimeMs: 5 * MIN, health: OPTIONS };

/** What follows the run a health rule ends: the `after` of the decision's one `end-run` effect. */
function afterEnd(t: { effects: readonly { kind: string }[] }): { head?: string; crowd?: string | null; parts?: string[] } {
  const end = t.effects[0] as { kind: string; after?: { head?: string; crowd?: string | null; parts?: string[] } };
  assert.equal(end.kind, 'end-run');
  return end.after!;
}

test('memory: sizes are said in binary units', () => {
  assert.deepEqual([formatBytes(512), formatBytes(1536), formatBytes(612.4 * MIB), formatBytes(3 * 1024 * MIB)], ['512 B', '1.5 KiB', '612.4 MiB', '3.0 GiB']);
});

test('memory: at the ceiling is fine; above it, the reason gives the figure, the processes and the ceiling', () => {
  assert.equal(memoryProblem({ bytes: 500 * MIB, processes: 1 }, 500 * MIB), null);
  assert.equal(memoryProblem({ bytes: 612.4 * MIB, processes: 3 }, 500 * MIB), 'resident memory 612.4 MiB in 3 processes, above --max-memory 500.0 MiB');
});

test('memory: RUNNING + a reading above --max-memory → a memory restart, recorded in the history with the figure', () => {
  const verdict = decideHealth(RUNNING, seen(612.4 * MIB), OPTIONS, T0);
  assert.deepEqual(verdict.restart, { kind: 'memory', reason: 'resident memory 612.4 MiB in 3 processes, above --max-memory 500.0 MiB' });
  assert.deepEqual([verdict.state.events.at(-1)?.kind, verdict.state.events.at(-1)?.pid], ['memory', 4242]);
  assert.deepEqual(verdict.state.memory, { bytes: 612.4 * MIB, processes: 3, atMs: T0, maxBytes: 500 * MIB });
});

test('memory: RUNNING + a reading under the ceiling → no restart, the reading on record; a missing reading restarts nothing', () => {
  const under = decideHealth(RUNNING, seen(100 * MIB), OPTIONS, T0);
  assert.equal(under.restart, null);
  assert.deepEqual(under.state.memory, { bytes: 100 * MIB, processes: 3, atMs: T0, maxBytes: 500 * MIB });
  const next = decideHealth(under.state, seen(120 * MIB), OPTIONS, T0 + MIN);
  assert.deepEqual({ ...next.state, memory: null }, { ...under.state, memory: null }, 'a new reading moves nothing but the reading');
  assert.equal(decideHealth(RUNNING, seen(null), OPTIONS, T0).restart, null);
});

test('memory: a hung heartbeat wins over memory (one restart at most)', () => {
  const options: HealthOptions = { ...OPTIONS, heartbeat: { file: '/srv/hb', timeoutMs: MIN, graceMs: MIN } };
  const judged = { ...RUNNING, health: { ...emptyDuties(), heartbeatSeen: { file: '/srv/hb', sinceMs: T0 - 30 * MIN } } };
  const verdict = decideHealth(judged, { ...seen(900 * MIB), heartbeat: { kind: 'beat', mtimeMs: T0 - 10 * MIN } }, options, T0);
  assert.equal(verdict.restart?.kind, 'hung');
});

test('memory: the tick ends the run and relaunches it with one "restarting" line giving the figure; counted with deaths', () => {
  const t = decide(RUNNING, { kind: 'duties', health: { obs: seen(612.4 * MIB), options: OPTIONS }, outcome: 'running' }, REQ, POLICY, T0);
  assert.deepEqual(
    t.effects.map((e) => e.kind),
    ['end-run'],
  );
  assert.equal(afterEnd(t).head, 'app: restarting (resident memory 612.4 MiB in 3 processes, above --max-memory 500.0 MiB)');
  assert.deepEqual(t.state.deathTimesMs, [T0]);
});

test('memory: the third memory restart within 10 minutes crowds: relaunched, the crowd line once; the fourth silent', () => {
  const crowded = decide(
    { ...RUNNING, deathTimesMs: [T0 - 4 * MIN, T0 - 2 * MIN] },
    { kind: 'duties', health: { obs: seen(612 * MIB), options: OPTIONS }, outcome: 'running' },
    REQ,
    POLICY,
    T0,
  );
  assert.match(afterEnd(crowded).crowd ?? '', /^3 restarts and deaths within 10m 0s: relaunched each time/);
  const again = decide(
    { ...RUNNING, deathTimesMs: [T0 - 4 * MIN, T0 - 2 * MIN, T0 - MIN], crowd: crowded.state.crowd! },
    { kind: 'duties', health: { obs: seen(612 * MIB), options: OPTIONS }, outcome: 'running' },
    REQ,
    POLICY,
    T0 + 30_000,
  );
  assert.equal(afterEnd(again).crowd, null);
});

test('memory: the quiet promise with --max-memory — none without a reading, none near the ceiling, else at most 5 minutes after the reading', () => {
  const at = (bytes: number, atMs = T0): ProgramState => ({ ...RUNNING, memory: { bytes, processes: 1, atMs, maxBytes: 500 * MIB } });
  assert.equal(promiseUntilMs(RUNNING, DUTIES, T0), null, 'no reading on record');
  assert.equal(promiseUntilMs(at(400 * MIB), DUTIES, T0), null, 'at 80% of the ceiling: every check looks');
  assert.equal(promiseUntilMs(at(399 * MIB), DUTIES, T0), T0 + MEMORY_PROMISE_MS);
  assert.equal(promiseUntilMs(at(100 * MIB, T0 - 4 * MIN), DUTIES, T0), T0 + MIN, 'counted from the reading');
  assert.equal(promiseUntilMs(at(100 * MIB, T0 - 6 * MIN), DUTIES, T0), null, 'a reading older than that: no promise');
  assert.equal(promiseUntilMs(at(100 * MIB), { ...DUTIES, health: { ...OPTIONS, maxMemory: null } }, T0), T0 + 10 * MIN, 'without --max-memory: the horizon');
});

test('memory: the reading survives the state file; a damaged one reads as none; without --max-memory it is dropped', () => {
  const state = { ...RUNNING, memory: { bytes: 5 * MIB, processes: 2, atMs: T0, maxBytes: 500 * MIB } };
  const read = parseState(JSON.stringify(state));
  assert.ok(read.kind === 'ok');
  assert.deepEqual(read.state.memory, state.memory);
  const damaged = parseState(JSON.stringify({ ...state, memory: { bytes: -1 } }));
  assert.ok(damaged.kind === 'ok' && damaged.state.memory === undefined);
  const dropped = decideHealth(state, seen(null), { ...OPTIONS, maxMemory: null }, T0);
  assert.equal(dropped.state.memory, undefined);
});
