// --stop, --start and --restart: manual management, each one pass (src/commands/check.ts)
// whose first events are the stop, the start, or both; with --lease, --stop and --start ask the
// store first (the `hold-lease` effect: the hold on every host), its answer decided as an event.

import { removePromise } from '../os/promise-file.js';
import { runPass, tickLocked } from './check.js';
import { restartStop, stopStep } from './stopping.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { EXIT } from '../errors.js';
import { emptyState } from '../core/state.js';
import type { Tick } from '../core/tick.js';
import { linesOf, type Transition } from '../core/transition.js';
import { execute } from './executor.js';
import type { Pass } from './pass.js';
import type { Records } from './records.js';

/** --stop: the stop signal to the group, SIGKILL after the grace period, PID file removed, held. */
export async function stopCommand(config: ProgramConfig, world: World): Promise<number> {
  if (config.lease) await (await import('../lease/lease.js')).loadEngine(config.lease);
  return runPass(config, world, async (pass, { records }) => {
    if (!config.lease) {
      records.save(await stopStep(config, world, records, records.onFile, true, pass.transitions));
      return { code: EXIT.ok };
    }
    // --lease: held on every host, recorded with the lease first (said now); the copy here is then stopped, not held here.
    const asked = await holdOnEveryHost(config, pass, records, true);
    for (const line of linesOf(asked.transitions.filter((transition) => transition.kind === 'notice'))) world.say(line);
    // The store did not answer: the copy here is stopped all the same, and held here, so that
    // this host renews nothing and the lease runs out; the hold on every host is not on record.
    const answered = asked.outcome === 'held';
    records.save(await stopStep(config, world, records, records.onFile, !answered, pass.transitions));
    // What the store's silence leaves (said once the copy here is stopped).
    for (const line of linesOf(asked.transitions.filter((transition) => transition.kind !== 'notice'))) world.warn(line);
    return { code: answered ? EXIT.ok : EXIT.notRunning };
  });
}

/** --start: clear hold, backoff and FATAL (the `start` event, first), then check (launching if needed). */
export function startCommand(config: ProgramConfig, world: World): Promise<number> {
  return runPass(config, world, async (pass, hold) => {
    removePromise(config.paths.promiseFile);
    // --lease: the hold on every host cleared first; a store that does not answer is an error, nothing changed.
    if (config.lease) await holdOnEveryHost(config, pass, hold.records, false);
    return { code: (await tickLocked(config, pass, hold, hold.records.onFile, true)).code };
  });
}

/**
 * --lease: the hold on every host put on record with the lease (`held`: --stop) or cleared
 * (--start). The store call is the `hold-lease` effect, performed by the executor; its answer
 * comes back as `lease-held` (src/core/lease-hold.ts). Returns that decision, its transitions
 * (also the pass's) for the caller to say where they belong.
 */
async function holdOnEveryHost(config: ProgramConfig, pass: Pass, records: Records, held: boolean): Promise<Tick> {
  const state = records.onFile ?? emptyState();
  const made: Transition[] = [];
  const first: Tick = { state, effects: [{ kind: 'hold-lease', held }], transitions: [], outcome: 'not-running' };
  const tick = await execute(first, {
    config,
    world: pass.world,
    records,
    lock: null,
    pending: state.pending,
    collect: (transitions) => made.push(...transitions),
  });
  pass.transitions.push(...made);
  return { ...tick, transitions: made };
}

/**
 * --restart: stop, then start, in one pass so that no check launches in between, and in one loop
 * of the executor: the stop's effects, the stop put on file (a crash checkpoint), the start.
 */
export async function restartCommand(config: ProgramConfig, world: World): Promise<number> {
  // Act first, print after: nothing written to a terminal or pipe (which may be gone) falls
  // between the stop and the relaunch's record. The lines keep their order and streams.
  const lines: { warn: boolean; text: string }[] = [];
  const quiet: World = { ...world, say: (text) => lines.push({ warn: false, text }), warn: (text) => lines.push({ warn: true, text }) };
  try {
    return await runPass(config, quiet, async (pass, hold) => {
      const stopFirst = restartStop(config, quiet, hold.records.onFile ?? emptyState(), pass);
      return { code: (await tickLocked(config, pass, hold, hold.records.onFile, true, stopFirst)).code };
    });
  } finally {
    for (const line of lines) {
      if (line.warn) world.warn(line.text);
      else world.say(line.text);
    }
  }
}
