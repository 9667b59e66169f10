// The store calls of the manual actions with --lease, each an effect of their pass's machine:
// --stop holds the program stopped on every host (recorded with the lease), --start clears
// that (the `hold-lease` effect of src/commands/stop.ts's passes), --release lets the lease run
// out now (the `release-lease` effect of src/commands/release.ts's pass) so that another host
// takes it at its next check.

import type { HoldAnswer, ReleaseAnswer, TickEvent } from '../core/tick.js';
import type { ProgramConfig } from '../core/program-config.js';
import { leaseHost } from './host.js';
import { openStore, StoreError } from './lease.js';

/**
 * The `hold-lease` effect of --stop (`held`) and --start with --lease (src/commands/stop.ts):
 * asks the store to hold the program stopped on every host (recorded with the lease, so that no
 * other host starts it), or to clear that. Its answer (a store that does not answer included)
 * goes back to `decide` as the `lease-held` event.
 */
export async function holdLease(config: ProgramConfig, { held }: { held: boolean }): Promise<TickEvent> {
  const lease = config.lease!;
  const host = leaseHost(lease.hostId, config.registryDir);
  let answer: HoldAnswer = { kind: 'done' };
  const store = await openStore(lease);
  try {
    await store.hold(lease.name, held ? host.id : null);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    answer = { kind: 'failed', error: error.message };
  } finally {
    await store.close();
  }
  return { kind: 'lease-held', held, answer, name: lease.name, shownUrl: lease.shownUrl, ttlMs: lease.ttlMs, pidFile: config.paths.pidFile };
}

/**
 * The `release-lease` effect of --release (src/commands/executor.ts): asks the store to let the
 * lease run out now if `holder` (the host id on record) holds it under `token`. Its answer (a
 * store that does not answer included) goes back to `decide` as the `released` event.
 */
export async function releaseLease(config: ProgramConfig, { holder, token }: { holder: string; token: string }): Promise<TickEvent> {
  const lease = config.lease!;
  const host = leaseHost(lease.hostId, config.registryDir);
  let answer: ReleaseAnswer;
  const store = await openStore(lease);
  try {
    answer = (await store.release(lease.name, { ...host, id: holder }, token, lease.ttlMs)) ? { kind: 'released' } : { kind: 'gone' };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    answer = { kind: 'failed', error: error.message };
  } finally {
    await store.close();
  }
  return { kind: 'released', answer, name: lease.name, token, ttlMs: lease.ttlMs };
}
