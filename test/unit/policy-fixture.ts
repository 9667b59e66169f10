// What the decision tables share: the crash-loop policy (the documented defaults, a one-minute
// cadence), the clock, the command and the records of a program that has launched once.
import type { Policy } from '../../src/core/policy.ts';
import { emptyState, type Identity, type ProgramState } from '../../src/core/state.ts';

export const MIN = 60_000;
export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
export const CMD = ['./server.js'];
export const REQ = { command: CMD, cwd: '/srv' };

/** A verified identity of `pid`, launched at `launchedAtMs`. */
export const identity = (pid: number, launchedAtMs: number): Identity => ({ pid, startTime: '12345', bootId: 'boot', launchedAtMs, token: 'abcdef0123456789' });
/** The records of the program after one launch, with `extra`. */
export const base = (extra: Partial<ProgramState> = {}): ProgramState => ({ ...emptyState(CMD, '/srv'), launches: 1, ...extra });

/** The default policy of a program named `app`, with `startHint` (and any other field) given by the table. */
export function tablePolicy(fields: Partial<Policy> & Pick<Policy, 'startHint'>): Policy {
  return {
    name: 'app',
    periodMs: MIN,
    backoffMaxMs: 10 * MIN,
    maxRetries: 5,
    fatalRetryMs: null,
    crowdCount: 3,
    crowdWindowMs: 10 * MIN,
    minUptimeMs: 5 * MIN,
    ...fields,
  };
}
