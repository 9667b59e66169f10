// What a check's duties leave on its records, as one pure decision, the `duties` event's
// (src/core/edges.ts, record-duties): a failed log rotation said once (then once a day), the
// declared cadence, a launch's health options noted. The `duties` effect
// (src/commands/check-duties.ts) only rotates, reads and probes, and hands this what it did.

import { emptyDuties, type CadenceRecord, type DutiesRecord } from './duties-record.js';
import { noteLaunchedWith, type HealthOptions } from './health.js';
import type { Decision } from './policy.js';
import { sayOnce } from './said-once.js';
import type { ProgramState } from './state.js';

/** What the `duties` effect did, before any record is made of it. */
export interface DutiesDone {
  /** --log-max-size: the first error of this check's rotations (null: they went well); absent: no rotation asked. */
  rotation?: { failure: string | null };
  /** The cadence this call declares (--schedule, --interval), recorded so that --status can watch for missing checks; null: none. */
  cadence: CadenceRecord | null;
  /** A launch by this very check, with health options: when, its options, and its first planned restart (--restart-at), if any. */
  launched?: { atMs: number; options: HealthOptions; restartDueMs: number | null };
}

/**
 * The duties record after what the duties did (the same record when nothing changed), and the
 * warning of a rotation that failed: the logs' trouble, not the check's, said the first time,
 * when it changes and once a day while it lasts, and cleared once a rotation works again.
 */
export function recordDuties(
  before: DutiesRecord | undefined,
  done: DutiesDone,
  name: string,
  now: number,
): { record: DutiesRecord | undefined; warning: string | null } {
  let record = before;
  let warning: string | null = null;
  if (done.rotation) {
    const was = record?.rotateError ?? null;
    const failure = done.rotation.failure;
    if (failure === null) {
      if (was) record = { ...record!, rotateError: null };
    } else {
      const { said, say } = sayOnce(was, failure, now);
      if (say) warning = `${name}: warning: ${failure} (the log keeps growing; the program is guarded as usual)`;
      record = { ...(record ?? emptyDuties()), rotateError: said };
    }
  }
  if (JSON.stringify(record?.cadence ?? null) !== JSON.stringify(done.cadence)) record = { ...(record ?? emptyDuties()), cadence: done.cadence };
  const launched = done.launched;
  if (launched) record = noteLaunchedWith(record ?? emptyDuties(), launched.options, launched.atMs, launched.restartDueMs);
  return { record, warning };
}

/**
 * Whether the duties observe a run's health: only a run that is up, on record and not held, and
 * not launched by this very check (judged from the next one on). `outcome` is the check's so far.
 */
export function healthObserved(state: ProgramState, outcome: Decision['outcome'], launchedNow: boolean): boolean {
  return outcome === 'running' && !!state.identity && !state.held && !launchedNow;
}
