// The crash-loop policy the decision tables share: the documented defaults, a one-minute cadence.
import type { Policy } from '../../src/core/policy.ts';

export const MIN = 60_000;

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
