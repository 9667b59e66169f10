// --stop, --start and --restart: manual management, each one pass (src/commands/check.ts)
// whose first events are the stop, the start, or both.

import { removePromise } from '../os/promise-file.js';
import { runPass, started, tickLocked } from './check.js';
import { stopStep } from './stopping.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { formatDuration } from '../core/duration.js';
import { EXIT } from '../errors.js';

/** --stop: the stop signal to the group, SIGKILL after the grace period, PID file removed, held. */
export async function stopCommand(config: ProgramConfig, world: World): Promise<number> {
  if (config.lease) await (await import('../lease/lease.js')).loadEngine(config.lease);
  return runPass(config, world, async (pass, { records }) => {
    // --lease: held on every host, recorded with the lease first; the copy here is then stopped, not held here.
    const lease = config.lease;
    if (!lease) {
      records.save(await stopStep(config, world, records, records.onFile, true, pass.transitions));
      return { code: EXIT.ok };
    }
    const failed = await (await import('../lease/manual.js')).tryHoldEverywhere(config, world);
    if (failed === null) {
      records.save(await stopStep(config, world, records, records.onFile, false, pass.transitions));
      return { code: EXIT.ok };
    }
    // The store did not answer: the copy here is stopped all the same, and held here, so that
    // this host renews nothing and the lease runs out; the hold on every host is not on record.
    records.save(await stopStep(config, world, records, records.onFile, true, pass.transitions));
    world.warn(
      `${config.paths.name}: lease store did not answer (${failed}): the hold on every host is not on record; the copy here is stopped and held ` +
        `here only, and lease ${lease.name} is left to run out, so another host may take it over within ${formatDuration(lease.ttlMs)}; ` +
        'run this --stop again once the store answers to hold it everywhere',
    );
    return { code: EXIT.notRunning };
  });
}

/** --start: clear hold, backoff and FATAL (the `start` event), then check (launching if needed). */
export function startCommand(config: ProgramConfig, world: World): Promise<number> {
  return runPass(config, world, async (pass, hold) => {
    removePromise(config.paths.promiseFile);
    if (config.lease) await (await import('../lease/manual.js')).holdEverywhere(config, world, false);
    return { code: (await tickLocked(config, pass, hold, hold.records.onFile, started(config, pass))).code };
  });
}

/** --restart: stop, then start, in one pass so that no check launches in between. */
export async function restartCommand(config: ProgramConfig, world: World): Promise<number> {
  // Act first, print after: nothing written to a terminal or pipe (which may be gone) falls
  // between the stop and the relaunch's record. The lines keep their order and streams.
  const lines: { warn: boolean; text: string }[] = [];
  const quiet: World = { ...world, say: (text) => lines.push({ warn: false, text }), warn: (text) => lines.push({ warn: true, text }) };
  try {
    return await runPass(config, quiet, async (pass, hold) => {
      const stopped = await stopStep(config, quiet, hold.records, hold.records.onFile, false, pass.transitions);
      // A crash checkpoint: the stop goes on file before the start, as an interrupted --stop would leave it.
      hold.records.write(stopped);
      return { code: (await tickLocked(config, pass, hold, stopped, started(config, pass))).code };
    });
  } finally {
    for (const line of lines) {
      if (line.warn) world.warn(line.text);
      else world.say(line.text);
    }
  }
}
