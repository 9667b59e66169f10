// Stopping the program in a pass (src/commands/check.ts): --stop and the stop half of --restart.
// (A copy that a check's lease says must not run here, or that --release stops before it lets
// the lease go, is stopped by that pass's own decision: src/core/edges.ts, take-lease-role and
// ask-release.)

import { emptyState, type Identity, type ProgramState } from '../core/state.js';
import { decide, type Tick } from '../core/tick.js';
import { formatDuration } from '../core/duration.js';
import { RunError } from '../errors.js';
import { observe, userOf } from '../os/observe.js';
import { execute, type Executing } from './executor.js';
import { leftoversText } from '../core/policy.js';
import { removePromise } from '../os/promise-file.js';
import { register } from '../os/registry.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import type { Transition } from '../core/transition.js';
import type { Records } from './records.js';

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
  const { paths } = config;
  // Before any signal: no call may take the quiet path on the promise of a run being stopped.
  removePromise(paths.promiseFile);
  let state = current ?? emptyState();
  const looked = observe(paths, state, {
    tail: true,
    scan: true,
    lost: current === null,
    user: userOf(config),
    ...(config.runAs ? { runAs: config.runAs } : {}),
  });
  if (looked.obs.kind === 'unverified') {
    throw new RunError({
      action: 'stop',
      subject: `pid ${looked.obs.pid}`,
      reason: `${paths.pidFile} names a live process that ensure-running did not launch (no launch record), so it is not signalled`,
      hint: `if you are sure it is the program, stop it by hand: kill ${looked.obs.pid}`,
    });
  }
  // A program found by its launch token or environment (records lost) is stopped like a recorded one.
  if (looked.found) state = { ...state, identity: looked.found.identity, pending: null };
  // The transitions of the stop's decisions, kept until its effects are performed: those of a
  // run already gone count once its leftovers are stopped (an error if they survive SIGKILL).
  const made: Transition[] = [];
  const stopping: Executing = { config, world, records, lock: null, pending: state.pending, collect: (tick) => made.push(...tick) };
  const stopped = (from: ProgramState, line: string, leftovers?: { identity: Identity; pids: number[] }): Tick =>
    decide(
      from,
      { kind: 'stopped', line, hold, pid: from.identity?.pid ?? null, ...(leftovers ? { leftovers } : {}) },
      config.request,
      config.policy,
      world.now(),
    );
  let first: Tick;
  let leftovers = false;
  if (looked.obs.kind === 'ours' && state.identity) {
    // Hold first: on record under the lock before the first signal (the decision's checkpoint),
    // so that Ctrl-C or a lost SSH session during the wait leaves the program held, not "died"
    // and relaunched; then the signals, an effect of that decision.
    const how = `${config.stopSignal}, SIGKILL after ${formatDuration(config.killAfterMs)}`;
    first = decide(state, { kind: 'stopping', pid: state.identity.pid, how, hold }, config.request, config.policy, world.now());
  } else if (looked.obs.kind === 'gone' && (state.identity || looked.obs.run)) {
    // The program is gone but its run may not be (a wrapper's child, a detached helper): stopped all the same.
    const pids = looked.obs.leftovers ?? [];
    const run = state.identity ?? looked.obs.run!;
    // It crashed since the last check: its death (and log tail) is recorded, not lost behind the stop.
    const dead = state.identity
      ? decide(state, { kind: 'found-dead', obs: looked.obs }, config.request, config.policy, world.now())
      : { state, effects: [], transitions: [] };
    made.push(...dead.transitions);
    state = dead.state;
    const words = dead.transitions.flatMap((transition) => (transition.line === null ? [] : [`; ${transition.line}`])).join('');
    // Its leftovers are stopped first, an effect of the stop's decision.
    leftovers = pids.length > 0;
    first = stopped(state, `was not running${leftovers ? leftoversText(pids) : ''}${words}`, leftovers ? { identity: run, pids } : undefined);
  } else {
    first = stopped(state, 'was not running');
  }
  // The stop's decision performed; the signals' outcome goes back to `decide` as the `stopped` event.
  let tick: Tick;
  try {
    tick = await execute(first, stopping);
  } catch (error) {
    // Signals sent after the hold went on file are a change; leftovers that could not be stopped leave the records as they were.
    if (!leftovers) transitions.push(...made);
    throw error;
  }
  transitions.push(...made);
  register(config.registryDir, { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile });
  // The stop's line is its transition's (with, when held, the command that starts it again).
  for (const transition of tick.transitions) if (transition.line !== null) world.say(transition.line);
  return tick.state;
}
