// The manual actions with --lease: --stop holds the program stopped on every host (recorded
// with the lease), --start clears that, --release stops the copy here and lets the lease run
// out now so that another host takes it at its next check.

import { formatDuration } from '../core/duration.js';
import { hostText } from '../core/lease-record.js';
import { quoteArgv } from '../core/shell-quote.js';
import { emptyState } from '../core/state.js';
import { EXIT, RunError } from '../errors.js';
import { takeLock } from '../os/lock.js';
import { observe } from '../os/observe.js';
import { readStateFile, writeStateFile } from '../os/state-file.js';
import { loadState } from '../commands/check.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { leaseHost } from './host.js';
import { openStore, StoreError, type LeaseStore } from './lease.js';
import { recordOf, stopCopy } from './step.js';

/** Runs one store call for a manual action; a store error is a RunError naming the action (exit 1). */
async function withStore<T>(config: ProgramConfig, action: string, work: (store: LeaseStore) => Promise<T>): Promise<T> {
  const lease = config.lease!;
  const store = await openStore(lease);
  try {
    return await work(store);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new RunError({ action, subject: `lease ${lease.name}`, reason: error.message, hint: 'nothing was changed; try again once the store answers' });
  } finally {
    await store.close();
  }
}

/**
 * --stop with --lease: the hold goes on record with the lease first (so that no other host
 * starts the program), then the caller stops the copy here. --start clears it (`held` false).
 */
export async function holdEverywhere(config: ProgramConfig, world: World, held: boolean): Promise<void> {
  const lease = config.lease!;
  const host = leaseHost(lease.hostId, config.registryDir);
  await withStore(config, held ? 'hold the program stopped on every host with' : 'clear the hold on every host of', (store) =>
    store.hold(lease.name, held ? host.id : null),
  );
  if (held) {
    const start = quoteArgv(['ensure-running', '--pid', config.paths.pidFile, '--lease', lease.shownUrl, '--lease-name', lease.name, '--start']);
    world.say(`${config.paths.name}: held stopped on every host (lease ${lease.name}) until, on any host: ${start}`);
  }
}

/** --release: stops the copy here, then lets the lease run out now; another host takes it at its next check. */
export async function releaseCommand(config: ProgramConfig, world: World): Promise<number> {
  const lease = config.lease!;
  const { paths } = config;
  const lock = await takeLock(paths.pidFile, lockWaitMs(config), world.now);
  try {
    const loaded = loadState(readStateFile(paths.stateFile), world, paths.name, paths.stateFile);
    const record = recordOf(loaded, lease);
    const host = leaseHost(lease.hostId, config.registryDir);
    const token = record.role === 'holder' ? record.seen?.token : undefined;
    if (token === undefined) {
      const holder = record.seen?.holder ? `; it was last held by ${hostText(record.seen.holder, record.seen.hostname)} (token ${record.seen.token})` : '';
      world.say(`${paths.name}: lease ${lease.name} is not held by this host (${hostText(host.id, host.hostname)}), nothing to release${holder}`);
      return EXIT.ok;
    }
    // The copy first: once the lease is released another host may start its own at once.
    const state = loaded ?? emptyState();
    if (observe(paths, state, { tail: false, scan: false, lost: false }).obs.kind === 'ours')
      await stopCopy(config, world, `${paths.name}: releasing lease ${lease.name}`);
    const released = await withStore(config, 'release', (store) => store.release(lease.name, host, token, lease.ttlMs));
    const after = loadState(readStateFile(paths.stateFile), world, paths.name, paths.stateFile) ?? state;
    writeStateFile(paths.stateFile, { ...after, lease: { ...recordOf(after, lease), role: 'standby', renewed: null } });
    if (released)
      world.say(
        `${paths.name}: released lease ${lease.name} (token ${token}); another host takes it ` +
          `at its next check (this one only after ${formatDuration(lease.ttlMs)} if none does)`,
      );
    else world.say(`${paths.name}: lease ${lease.name} had already run out or changed hands; the copy here is stopped`);
    return EXIT.ok;
  } finally {
    await lock.release();
  }
}
