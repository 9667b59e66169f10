// --release with --lease: stops the copy here, then lets the lease run out now so that
// another host takes it at its next check.

import { formatDuration } from '../core/duration.js';
import { hostText } from '../core/lease-record.js';
import { emptyState } from '../core/state.js';
import { decide } from '../core/tick.js';
import { EXIT } from '../errors.js';
import { observe } from '../os/observe.js';
import type { ProgramConfig } from '../core/program-config.js';
import { leaseHost } from '../lease/host.js';
import { openStore, StoreError } from '../lease/lease.js';
import { recordOf } from '../lease/step.js';
import type { World } from '../world.js';
import { runPass } from './check.js';
import { stopCopy } from './stopping.js';

/** --release: one pass (src/commands/check.ts) that stops the copy here, then lets the lease run out now; another host takes it at its next check. */
export function releaseCommand(config: ProgramConfig, world: World): Promise<number> {
  const lease = config.lease!;
  const { paths } = config;
  return runPass(config, world, async (pass, { records }) => {
    const loaded = records.onFile;
    const record = recordOf(loaded, lease);
    const host = leaseHost(lease.hostId, config.registryDir);
    const token = record.role === 'holder' ? record.seen?.token : undefined;
    if (token === undefined) {
      const holder = record.seen?.holder ? `; it was last held by ${hostText(record.seen.holder, record.seen.hostname)} (token ${record.seen.token})` : '';
      world.say(`${paths.name}: lease ${lease.name} is not held by this host (${hostText(host.id, host.hostname)}), nothing to release${holder}`);
      return { code: EXIT.ok };
    }
    // The copy first: once the lease is released another host may start its own at once.
    let state = loaded ?? emptyState();
    if (observe(paths, state, { tail: false, scan: false, lost: false }).obs.kind === 'ours') {
      state = await stopCopy(config, world, { records }, loaded, `${paths.name}: releasing lease ${lease.name}`, pass.transitions);
      // A crash checkpoint: the stop goes on file before the store is asked.
      records.write(state);
    }
    // Keyed to the id this host held it under (on record), whatever id this call would make (another ENSURE_RUNNING_HOME).
    const holderId = record.seen?.holder || host.id;
    let released: boolean;
    const store = await openStore(lease);
    try {
      released = await store.release(lease.name, { ...host, id: holderId }, token, lease.ttlMs);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      world.warn(
        `${paths.name}: the copy here is stopped, but lease ${lease.name} is not released (${error.message}); it stays this host's until it ` +
          `runs out (within ${formatDuration(lease.ttlMs)}), and the next check here renews it and starts the copy again: run --release again once the store answers`,
      );
      return { code: EXIT.notRunning };
    } finally {
      await store.close();
    }
    const standby = decide(
      state,
      { kind: 'released', lease: { ...recordOf(state, lease), role: 'standby', renewed: null } },
      config.request,
      config.policy,
      world.now(),
    );
    pass.transitions.push(...standby.transitions);
    records.save(standby.state);
    if (released)
      world.say(
        `${paths.name}: released lease ${lease.name} (token ${token}); another host takes it ` +
          `at its next check (this one only after ${formatDuration(lease.ttlMs)} if none does)`,
      );
    else world.say(`${paths.name}: lease ${lease.name} had already run out or changed hands; the copy here is stopped`);
    return { code: EXIT.ok };
  });
}
