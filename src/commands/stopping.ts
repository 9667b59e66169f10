// Stopping the program in a pass (src/commands/check.ts): --stop and the stop half of --restart
// (and --forget --stop). One run of the executor whose first event is `stop`: the look
// (`observe`), then what it saw (`stop-observed`) decides the stop (src/core/stop.ts): the hold
// on file and the signals, whose outcome comes back as `stopped`; a run already gone, its death
// on record and its leftovers stopped; nothing there; or a live PID it did not launch, an error
// (the `fail` effect). (A copy that a check's lease says must not run here, or that --release
// stops before it lets the lease go, is stopped by that pass's own decision: src/core/edges.ts,
// take-lease-role and ask-release.)

import { emptyState, type ProgramState } from '../core/state.js';
import { decide, type Tick, type TickEvent } from '../core/tick.js';
import { formatDuration } from '../core/duration.js';
import { execute } from './executor.js';
import { removePromise } from '../os/promise-file.js';
import { register } from '../os/registry.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import type { Transition } from '../core/transition.js';
import type { Records } from './records.js';
import type { Pass } from './pass.js';
import type { StopFirst } from './check.js';

/**
 * The stop of a pass (--stop, the stop half of --restart): the program
 * (if it runs) stopped and, with `hold`, held stopped. `current` is the records as the pass
 * has them (null: none); the hold goes on file before the first signal (a crash checkpoint),
 * and the records after the stop are returned for the pass to save. The transitions it makes
 * are added to `transitions`.
 */
export async function stopStep(
  config: ProgramConfig,
  world: World,
  records: Records,
  current: ProgramState | null,
  hold: boolean,
  transitions: Transition[] = [],
): Promise<ProgramState> {
  const state = current ?? emptyState();
  const first = stopDecision(config, world, state, hold);
  // The transitions of the stop's decisions, kept until its effects are performed.
  const made: Transition[] = [];
  const collect = (decided: readonly Transition[]): void => {
    made.push(...decided);
  };
  let stopped: ProgramState;
  try {
    stopped = (await execute(first, { config, world, records, lock: null, pending: state.pending, collect })).state;
  } catch (error) {
    // Signals sent after the hold went on file are a change; a stop that failed before (leftovers
    // that survived SIGKILL, a PID it may not signal) leaves the records as they were.
    if (made.some((transition) => transition.kind === 'stopping')) transitions.push(...made);
    throw error;
  }
  stopOver(config, world, made, transitions);
  return stopped;
}

/** The events a stop's decisions are made on after its first (its look, its signals' outcome). */
const STOP_EVENTS: ReadonlySet<TickEvent['kind']> = new Set(['stop-observed', 'stopped']);

/**
 * A --restart's stop, to run before its start in one loop of the executor (src/commands/check.ts,
 * `tickLocked`): its first decision from the pass's records, and the collector of both halves'
 * transitions. The stop's are said as --stop says them once the stop is over (at the start's
 * first decision; a stop that fails says none), the start's as a check's, as they come.
 */
export function restartStop(config: ProgramConfig, world: World, state: ProgramState, pass: Pass): StopFirst {
  const decided = stopDecision(config, world, state, false);
  let stopping: Transition[] | null = [];
  const collect = (transitions: readonly Transition[], after?: TickEvent['kind']): void => {
    if (stopping && (after === undefined || STOP_EVENTS.has(after))) {
      stopping.push(...transitions);
      return;
    }
    if (stopping) stopOver(config, world, stopping, pass.transitions);
    stopping = null;
    pass.collect(transitions);
  };
  return { decided, collect };
}

/**
 * A stop's first decision, from the records as the pass has them (`state`); the promise goes
 * first: before any signal, no call may take the quiet path on the promise of a run being stopped.
 */
function stopDecision(config: ProgramConfig, world: World, state: ProgramState, hold: boolean): Tick {
  removePromise(config.paths.promiseFile);
  const how = `${config.stopSignal}, SIGKILL after ${formatDuration(config.killAfterMs)}`;
  return decide(state, { kind: 'stop', hold, how }, config.request, config.policy, world.now());
}

/**
 * A stop that went through: its transitions (`made`) join the pass's, the program is listed by a
 * bare --status, and its lines are said.
 */
function stopOver(config: ProgramConfig, world: World, made: readonly Transition[], transitions: Transition[]): void {
  const { paths } = config;
  transitions.push(...made);
  register(config.registryDir, { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile });
  // The stop's line is its transition's (with, when held, the command that starts it again); a
  // death it found on the way ends that line (its words), not said apart.
  for (const transition of made) if (transition.line !== null && transition.kind !== 'death') world.say(transition.line);
}
