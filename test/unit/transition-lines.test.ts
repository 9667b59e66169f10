// What a check says, as a table of decisions: for each event, the transitions it makes and the
// line each one says (null: silent). Every line a check prints for its program is one of these
// (src/core/transition.ts); a decision whose transitions say nothing prints nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tablePolicy, MIN } from './policy-fixture.ts';
import type { Policy } from '../../src/core/policy.ts';
import type { CrowdRecord } from '../../src/core/crowd.ts';
import { decide, type Tick, type TickEvent } from '../../src/core/tick.ts';
import { emptyState, type Identity, type ProgramState } from '../../src/core/state.ts';
import { linesOf, withLines, type Transition } from '../../src/core/transition.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const CMD = ['./server.js'];
const REQ = { command: CMD, cwd: '/srv' };
const POLICY: Policy = tablePolicy({ startHint: 'ensure-running --pid app.pid --start -- ./server.js' });
const identity = (pid: number, launchedAtMs: number): Identity => ({ pid, startTime: '1', bootId: 'b', launchedAtMs, token: 'abcdef0123456789' });
const base = (extra: Partial<ProgramState> = {}): ProgramState => ({ ...emptyState(CMD, '/srv'), launches: 1, ...extra });
const RUNNING = base({ identity: identity(4242, T0 - 10 * MIN), lastSeenAliveMs: T0 - MIN, lastCheckMs: T0 - MIN, settled: true });
const CROWD: CrowdRecord = { sinceMs: T0 - 4 * MIN, announcedMs: T0 - 4 * MIN, trouble: 'died', count: 3, quietLaunch: false };
const SPAWNED = base({ identity: identity(5151, T0 - 2_000), launches: 2 });
const GONE: TickEvent = { kind: 'observed', obs: { kind: 'gone', pid: 4242, why: 'exited', logTail: [] } };
const OURS: TickEvent = { kind: 'observed', obs: { kind: 'ours', pid: 4242, repairPidFile: false } };
const up = (pid: number): TickEvent => ({ kind: 'launched', result: { kind: 'up', identity: identity(pid, T0 - 2_000) } });
const exited: TickEvent = {
  kind: 'launched',
  result: { kind: 'exited', pid: 5151, launchedAtMs: T0 - 2_000, code: 3, signal: null, ranMs: 50, logTail: ['boom'] },
};

/** Each transition as "from->to kind", and its line (null: silent). */
const said = (t: Tick): [string, string | null][] => t.transitions.map((x) => [`${x.from}->${x.to} ${x.kind}`, x.line]);

interface Row {
  name: string;
  state: ProgramState;
  event: TickEvent;
  /** Each transition and a pattern for its line, or null for a silent one. */
  says: [string, RegExp | null][];
  policy?: Policy;
}

const rows: Row[] = [
  { name: 'RUNNING + alive → no transition, nothing said', state: RUNNING, event: OURS, says: [] },
  {
    name: 'RUNNING + gone → a death, its line',
    state: RUNNING,
    event: GONE,
    says: [['running->stopped death', /^app: died \(pid 4242; last seen alive .*; exit status unknown: it died between checks\)$/]],
  },
  {
    name: 'STARTING + launched, up → a launch, "started"',
    state: SPAWNED,
    event: up(5151),
    says: [['starting->running launch', /^app: started \(pid 5151\)$/]],
  },
  {
    name: 'STARTING + launched, exited → a failed start (silent) and the backoff, which says both',
    state: SPAWNED,
    event: exited,
    says: [
      ['starting->stopped start-failed', null],
      [
        'stopped->backoff backoff',
        /^app: failed to start \(pid 5151 exited with code 3 after .*\); failed start 1 of 5, next attempt after .*; last log lines: "boom"$/,
      ],
    ],
  },
  {
    name: 'STARTING after 4 failed starts + exited → the failed start (silent) and FATAL, which says it',
    state: { ...SPAWNED, failedStarts: 4 },
    event: exited,
    says: [
      ['starting->stopped start-failed', null],
      [
        'stopped->fatal fatal',
        /^app: fatal: failed to start 5 times in a row .*no more launches until: ensure-running --pid app.pid --start -- \.\/server\.js/,
      ],
    ],
  },
  {
    name: 'STARTING (slow retry out of FATAL) + exited → a failed start, silent: nothing changed',
    state: { ...SPAWNED, failedStarts: 5, fatal: { sinceMs: T0 - 30 * MIN, reason: '5 failed starts', lastTryMs: T0 - 30 * MIN, retryEveryMs: 10 * MIN } },
    event: exited,
    says: [['starting->fatal start-failed', null]],
  },
  {
    name: 'STARTING after failed starts + up → the launch (silent) and "recovered", which says it',
    state: { ...SPAWNED, failedStarts: 2 },
    event: up(5151),
    says: [
      ['starting->running launch', null],
      ['running->running recovered', /^app: recovered: started \(pid 5151\) after 2 failed starts$/],
    ],
  },
  {
    name: 'RUNNING + third death in 10 minutes → a death with the one crowd line',
    state: { ...RUNNING, deathTimesMs: [T0 - 6 * MIN, T0 - 3 * MIN] },
    event: GONE,
    says: [['running->stopped death', /^app: died \(pid 4242; .*\); 3 deaths within 10m 0s: relaunched each time; said again hourly or when it changes$/]],
  },
  {
    name: 'RUNNING + fourth death, the crowd said 4 minutes ago → a death, silent',
    state: { ...RUNNING, deathTimesMs: [T0 - 8 * MIN, T0 - 6 * MIN, T0 - 4 * MIN], crowd: CROWD },
    event: GONE,
    says: [['running->stopped death', null]],
  },
  {
    name: 'STARTING after a quiet crowded death + up → a launch, silent',
    state: { ...SPAWNED, crowd: { ...CROWD, quietLaunch: true } },
    event: up(5151),
    says: [['starting->running launch', null]],
  },
  {
    name: 'RUNNING past --min-uptime with a crowd on record → no change of phase: a notice says the crowd is over',
    state: { ...RUNNING, settled: false, crowd: CROWD },
    event: OURS,
    says: [['running->running notice', /^app: /]],
  },
  {
    name: 'STOPPED + a live PID of another user in the PID file → a notice',
    state: base(),
    event: { kind: 'observed', obs: { kind: 'unverified', pid: 777, owner: 1001 } },
    says: [['stopped->stopped notice', /^app: pid 777 is alive but has no launch record, and the PID file belongs to uid 1001/]],
  },
  {
    name: "STARTING + the interrupted launch's process found → the adoption says it",
    state: base({ pending: { token: 'feedfacefeedface', atMs: T0 - 2_000 } }),
    event: { kind: 'observed', obs: { kind: 'ours', pid: 5151, repairPidFile: true }, found: { identity: identity(5151, T0 - 2_000), by: 'pending-token' } },
    says: [['starting->running adopt', /^app: recorded pid 5151, launched by a check that was interrupted before it could record it$/]],
  },
  {
    name: 'HELD + gone → the death on record, silent (it was stopped on purpose)',
    state: { ...RUNNING, held: true },
    event: GONE,
    says: [['held->held death', null]],
  },
  {
    name: 'RUNNING + stopped by --stop → the stop says how, and the exact command that starts it again',
    state: RUNNING,
    event: { kind: 'stopped', line: 'stopped (pid 4242, SIGTERM after 20ms)', hold: true, pid: 4242 },
    policy: tablePolicy({ startHint: 'ensure-running --pid app.pid --start' }),
    says: [
      ['running->held stop', /^app: stopped \(pid 4242, SIGTERM after 20ms\); held stopped until: ensure-running --pid app\.pid --start -- \.\/server\.js$/],
    ],
  },
  {
    name: 'RUNNING + stopped by a --restart or the lease (not held) → the stop says how, nothing more',
    state: RUNNING,
    event: { kind: 'stopped', line: 'stopped (pid 4242, SIGTERM after 20ms)', hold: false, pid: 4242 },
    says: [['running->stopped stop', /^app: stopped \(pid 4242, SIGTERM after 20ms\)$/]],
  },
  {
    name: 'STOPPED + launch refused, first time → a change that is no line of the check (the error is said by the entry point)',
    state: base(),
    event: { kind: 'launch-refused', text: 'cannot find ./server.js' },
    says: [['stopped->stopped launch-refused', null]],
  },
];

for (const row of rows) {
  test(`says: ${row.name}`, () => {
    const t = decide(row.state, row.event, REQ, row.policy ?? POLICY, T0);
    const got = said(t);
    assert.deepEqual(
      got.map(([move]) => move),
      row.says.map(([move]) => move),
      'transitions',
    );
    for (const [i, [, pattern]] of row.says.entries()) {
      const line = got[i]![1];
      if (pattern === null) assert.equal(line, null, `transition ${i} is silent`);
      else assert.match(line ?? '(silent)', pattern);
    }
  });
}

test('withLines: a line goes on its event, a notice after the last line placed, in the order said', () => {
  const at = (kind: Transition['kind'], from: Transition['from'], to: Transition['to']): Transition => ({
    from,
    to,
    kind,
    pid: null,
    exit: null,
    token: null,
    reason: '',
    line: null,
    atMs: T0,
  });
  const made = [at('start-failed', 'starting', 'stopped'), at('backoff', 'stopped', 'backoff')];
  const out = withLines(
    made,
    [
      { text: 'head', of: 'notice' },
      { text: 'failed', of: 'backoff' },
      { text: 'after', of: 'notice' },
    ],
    base(),
    T0,
  );
  assert.deepEqual(
    out.map((x) => `${x.from}->${x.to} ${x.kind} ${x.line}`),
    ['starting->starting notice head', 'starting->stopped start-failed null', 'stopped->backoff backoff failed', 'backoff->backoff notice after'],
  );
  assert.deepEqual(linesOf(out), ['head', 'failed', 'after']);
  assert.equal(made[1]!.line, null, 'the transitions given are not changed');
});
