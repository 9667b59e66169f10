// What a check's duties leave on its records (src/core/duties.ts), as a table: a log rotation
// that failed said once (then when it changes, and once a day), cleared once one works; the
// declared cadence; a launch's health options noted. Pure: what the duties effect did in, the
// record and the warning out. The record is the same object when nothing changed (no save).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN, T0, base, identity } from './policy-fixture.ts';
import { healthObserved, recordDuties, type DutiesDone } from '../../src/core/duties.ts';
import { emptyDuties, type CadenceRecord, type DutiesRecord } from '../../src/core/duties-record.ts';
import type { HealthOptions } from '../../src/core/health.ts';

const DAY = 24 * 60 * MIN;
const CADENCE: CadenceRecord = { key: '--interval 1m', schedule: null, tz: null, periodMs: MIN };
const FULL = 'copy of /srv/app.log: ENOSPC: no space left on device';
const WARNING = `app: warning: ${FULL} (the log keeps growing; the program is guarded as usual)`;
const KEPT: DutiesRecord = { ...emptyDuties(), cadence: CADENCE };
const TROUBLED: DutiesRecord = { ...KEPT, rotateError: { text: FULL, announcedMs: T0 - 60 * MIN } };
const AT: HealthOptions = { heartbeat: null, http: null, restartAt: { text: '0 4 * * *', tz: null } };
const BEAT: HealthOptions = { heartbeat: { file: '/srv/app.beat', timeoutMs: 2 * MIN, graceMs: 2 * MIN }, http: null, restartAt: null };

interface Row {
  name: string;
  before: DutiesRecord | undefined;
  done: DutiesDone;
  /** The record after; `same`: the very record before. */
  after: DutiesRecord | undefined | 'same';
  warning: string | null;
  now?: number;
}

const rows: Row[] = [
  { name: 'nothing asked, nothing on record → no record, nothing said', before: undefined, done: { cadence: null }, after: 'same', warning: null },
  { name: 'the same cadence, no rotation → the same record', before: KEPT, done: { cadence: CADENCE }, after: 'same', warning: null },
  {
    name: 'a cadence declared → a record with it',
    before: undefined,
    done: { cadence: CADENCE },
    after: { ...emptyDuties(), cadence: CADENCE },
    warning: null,
  },
  { name: 'the cadence no longer declared → off record', before: KEPT, done: { cadence: null }, after: { ...KEPT, cadence: null }, warning: null },
  {
    name: 'rotations that went well, no trouble on record → the same record',
    before: KEPT,
    done: { rotation: { failure: null }, cadence: CADENCE },
    after: 'same',
    warning: null,
  },
  {
    name: 'a rotation failed, first time → on record and said',
    before: KEPT,
    done: { rotation: { failure: FULL }, cadence: CADENCE },
    after: { ...KEPT, rotateError: { text: FULL, announcedMs: T0 } },
    warning: WARNING,
  },
  {
    name: 'a rotation failed, first time, no record yet → a record with it, said',
    before: undefined,
    done: { rotation: { failure: FULL }, cadence: null },
    after: { ...emptyDuties(), rotateError: { text: FULL, announcedMs: T0 } },
    warning: WARNING,
  },
  {
    name: 'the same failure within the day → kept as said, silent',
    before: TROUBLED,
    done: { rotation: { failure: FULL }, cadence: CADENCE },
    after: TROUBLED,
    warning: null,
  },
  {
    name: 'the same failure a day later → said again',
    before: TROUBLED,
    done: { rotation: { failure: FULL }, cadence: CADENCE },
    after: { ...KEPT, rotateError: { text: FULL, announcedMs: T0 - 60 * MIN + DAY } },
    warning: WARNING,
    now: T0 - 60 * MIN + DAY,
  },
  {
    name: 'another failure → said at once',
    before: TROUBLED,
    done: { rotation: { failure: 'EACCES' }, cadence: CADENCE },
    after: { ...KEPT, rotateError: { text: 'EACCES', announcedMs: T0 } },
    warning: 'app: warning: EACCES (the log keeps growing; the program is guarded as usual)',
  },
  {
    name: 'rotations work again → the trouble cleared, silent',
    before: TROUBLED,
    done: { rotation: { failure: null }, cadence: CADENCE },
    after: { ...KEPT, rotateError: null },
    warning: null,
  },
  {
    name: 'no rotation asked any more → the trouble left as it was',
    before: TROUBLED,
    done: { cadence: CADENCE },
    after: 'same',
    warning: null,
  },
  {
    name: 'launched now with --restart-at → its first planned restart on record, from the launch',
    before: KEPT,
    done: { cadence: CADENCE, launched: { atMs: T0 - 2_000, options: AT, restartDueMs: T0 + 16 * 60 * MIN } },
    after: { ...KEPT, restartAt: { text: '0 4 * * *', tz: null, nextMs: T0 + 16 * 60 * MIN, lastScheduledMs: null, lastRestartMs: null } },
    warning: null,
  },
  {
    name: 'launched now with --heartbeat → the heartbeat judged from the launch',
    before: undefined,
    done: { cadence: null, launched: { atMs: T0 - 2_000, options: BEAT, restartDueMs: null } },
    after: { ...emptyDuties(), heartbeatSeen: { file: '/srv/app.beat', sinceMs: T0 - 2_000 } },
    warning: null,
  },
];

for (const row of rows) {
  test(`duties: ${row.name}`, () => {
    const { record, warning } = recordDuties(row.before, row.done, 'app', row.now ?? T0);
    if (row.after === 'same') assert.equal(record, row.before);
    else assert.deepEqual(record, row.after);
    assert.equal(warning, row.warning);
  });
}

// Whose health the duties observe: a run up, on record, not held, not launched by this very check.
const RUNNING = base({ identity: identity(4242, T0 - 10 * MIN) });
const OBSERVED: [string, Parameters<typeof healthObserved>, boolean][] = [
  ['a run up', [RUNNING, 'running', false], true],
  ['a run launched by this check', [RUNNING, 'running', true], false],
  ['a run held', [{ ...RUNNING, held: true }, 'held', false], false],
  ['a run on record, held, the outcome running', [{ ...RUNNING, held: true }, 'running', false], false],
  ['nothing on record', [base(), 'running', false], false],
  ['a check that ends not running', [RUNNING, 'not-running', false], false],
];
for (const [name, args, observed] of OBSERVED) {
  test(`duties: health observed for ${name} → ${observed}`, () => assert.equal(healthObserved(...args), observed));
}
