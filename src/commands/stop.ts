// --stop, --start and --restart: manual management, under the same lock as the check.

import type { ProgramState } from '../core/state.js';
import { decide } from '../core/tick.js';
import { withLock } from '../os/lock.js';
import { removePromise } from '../os/promise-file.js';
import { checkLocked } from './check.js';
import { stopLocked } from './stopping.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { formatDuration } from '../core/duration.js';
import { EXIT } from '../errors.js';

/** Clears hold, backoff and FATAL: the manual start of supervisord, with the tallies reset. */
function clearForStart(config: ProgramConfig, now: number): (state: ProgramState) => ProgramState {
  return (state) => decide(state, { kind: 'start' }, config.request, config.policy, now).state;
}

/** --stop: the stop signal to the group, SIGKILL after the grace period, PID file removed, held. */
export async function stopCommand(config: ProgramConfig, world: World): Promise<number> {
  if (config.lease) await (await import('../lease/lease.js')).loadEngine(config.lease);
  return withLock(config.paths.pidFile, lockWaitMs(config), world.now, async () => {
    // --lease: held on every host, recorded with the lease first; the copy here is then stopped, not held here.
    const lease = config.lease;
    if (!lease) return stopLocked(config, world, true);
    const failed = await (await import('../lease/manual.js')).tryHoldEverywhere(config, world);
    if (failed === null) return stopLocked(config, world, false);
    // The store did not answer: the copy here is stopped all the same, and held here, so that
    // this host renews nothing and the lease runs out; the hold on every host is not on record.
    await stopLocked(config, world, true);
    world.warn(
      `${config.paths.name}: lease store did not answer (${failed}): the hold on every host is not on record; the copy here is stopped and held ` +
        `here only, and lease ${lease.name} is left to run out, so another host may take it over within ${formatDuration(lease.ttlMs)}; ` +
        'run this --stop again once the store answers to hold it everywhere',
    );
    return EXIT.notRunning;
  });
}

/** --start: clear hold, backoff and FATAL, then check (launching if needed). */
export function startCommand(config: ProgramConfig, world: World): Promise<number> {
  return withLock(config.paths.pidFile, lockWaitMs(config), world.now, async (lock) => {
    removePromise(config.paths.promiseFile);
    if (config.lease) await (await import('../lease/manual.js')).holdEverywhere(config, world, false);
    return checkLocked(config, world, lock, clearForStart(config, world.now()));
  });
}

/** --restart: stop, then start, under one lock so that no check launches in between. */
export async function restartCommand(config: ProgramConfig, world: World): Promise<number> {
  // Act first, print after: nothing written to a terminal or pipe (which may be gone) falls
  // between the stop and the relaunch's record. The lines keep their order and streams.
  const lines: { warn: boolean; text: string }[] = [];
  const quiet: World = { ...world, say: (text) => lines.push({ warn: false, text }), warn: (text) => lines.push({ warn: true, text }) };
  try {
    return await withLock(config.paths.pidFile, lockWaitMs(config), world.now, async (lock) => {
      await stopLocked(config, quiet, false);
      return checkLocked(config, quiet, lock, clearForStart(config, world.now()));
    });
  } finally {
    for (const line of lines) {
      if (line.warn) world.warn(line.text);
      else world.say(line.text);
    }
  }
}
