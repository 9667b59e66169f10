// --forget: a program's records (state file, PID file, quiet promise and mark) and its row in
// a bare --status removed, under its lock. A running program is never left unguarded
// silently: it is refused, or stopped first when --stop is given too. Its logs are kept.

import { existsSync } from 'node:fs';
import { quoteArgv } from '../core/shell-quote.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import { EXIT, UsageError } from '../errors.js';
import { removeFile } from '../os/door.js';
import { withLock } from '../os/lock.js';
import { observe } from '../os/observe.js';
import { removePromise } from '../os/promise-file.js';
import { forgetEntry } from '../os/registry.js';
import { readStateFile } from '../os/state-file.js';
import type { World } from '../world.js';

/** Removes the program's records; with `stop`, a running program is stopped first (as --stop does, without the hold). */
export async function forgetCommand(config: ProgramConfig, stop: boolean, world: World): Promise<number> {
  const { paths } = config;
  return withLock(paths.pidFile, lockWaitMs(config), world.now, async () => {
    removePromise(paths.promiseFile);
    const read = readStateFile(paths.stateFile);
    const state = read.kind === 'ok' ? read.state : null;
    const looked = observe(paths, state, { tail: false, scan: true, lost: state === null });
    const running = looked.obs.kind === 'ours' ? looked.obs.pid : (looked.found?.identity.pid ?? null);
    if (running !== null) {
      if (!stop) {
        throw new UsageError(
          `${paths.name} is running (pid ${running}); forgetting it would leave it running unguarded: ` +
            `stop it first (ensure-running --pid ${quoteArgv([paths.pidFile])} --stop), or give --forget --stop to do both`,
        );
      }
      // Stopped as a --stop's pass stops it (its records loaded as a pass loads them); they are removed next.
      const [{ stopStep }, { loadRecords }] = await Promise.all([import('./stopping.js'), import('./records.js')]);
      const records = loadRecords(paths.stateFile, paths.name, (line) => world.warn(line));
      records.save(await stopStep(config, world, records, records.onFile, false));
    }
    // A live PID that no record proves is ours (another tool's PID file): the file is not ours to remove.
    const foreign = looked.obs.kind === 'unverified';
    const removed: string[] = [];
    for (const file of [paths.stateFile, ...(foreign ? [] : [paths.pidFile]), paths.promiseFile, paths.markFile]) {
      if (!existsSync(file)) continue;
      removeFile(file, 'record');
      removed.push(file);
    }
    const row = forgetEntry(config.registryDir, paths.pidFile);
    const logs = state?.logs ? [...new Set([state.logs.stdout, state.logs.stderr])] : [];
    if (!removed.length && !row) {
      world.say(`${paths.name}: nothing to forget (no records beside ${paths.pidFile})`);
      return EXIT.ok;
    }
    world.say(
      `${paths.name}: forgotten (removed ${removed.length ? removed.join(', ') : 'its --status row'})` +
        `${foreign ? `; ${paths.pidFile} names a live process that ensure-running did not launch, and is left` : ''}` +
        `${logs.length ? `; its log${logs.length === 1 ? '' : 's'} stay${logs.length === 1 ? 's' : ''}: ${logs.join(', ')}` : ''}`,
    );
    return EXIT.ok;
  });
}
