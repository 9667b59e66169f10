// The store calls of the manual actions with --lease: --stop holds the program stopped on
// every host (recorded with the lease), --start clears that, --release lets the lease run out
// now (the `release-lease` effect of src/commands/release.ts's pass) so that another host takes
// it at its next check.

import type { ReleaseAnswer, TickEvent } from '../core/tick.js';
import { quoteArgv } from '../core/shell-quote.js';
import { readStateFile } from '../os/state-file.js';
import { RunError } from '../errors.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { leaseHost } from './host.js';
import { openStore, StoreError, type LeaseStore } from './lease.js';

/** Runs one store call for a manual action; a store error is a RunError naming the action (exit 1). */
export async function withStore<T>(config: ProgramConfig, action: string, work: (store: LeaseStore) => Promise<T>): Promise<T> {
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
  if (held) sayHeld(config, world);
}

/**
 * --stop with --lease when the store does not answer: the hold on every host cannot be
 * recorded, but the copy here is still stopped (and held here: this host renews nothing, so
 * the lease runs out). Returns the store's error, or null when the hold is on record.
 */
export async function tryHoldEverywhere(config: ProgramConfig, world: World): Promise<string | null> {
  const lease = config.lease!;
  const host = leaseHost(lease.hostId, config.registryDir);
  const store = await openStore(lease);
  try {
    await store.hold(lease.name, host.id);
  } catch (error) {
    if (error instanceof StoreError) return error.message;
    throw error;
  } finally {
    await store.close();
  }
  sayHeld(config, world);
  return null;
}

/** The hold on record: said with the line that clears it, on any host. */
function sayHeld(config: ProgramConfig, world: World): void {
  const lease = config.lease!;
  // --start reuses the launch request on record; a host that never launched it (a standby) needs the command.
  const read = readStateFile(config.paths.stateFile);
  const recorded = read.kind === 'ok' && read.state.request !== undefined;
  const given = config.request.command;
  const command = recorded ? [] : ['--', ...(given.length ? given : ['COMMAND'])];
  const start = quoteArgv(['ensure-running', '--pid', config.paths.pidFile, '--lease', lease.shownUrl, '--lease-name', lease.name, '--start', ...command]);
  world.say(`${config.paths.name}: held stopped on every host (lease ${lease.name}) until, on any host: ${start}`);
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
