// --release with --lease: stops the copy here, then lets the lease run out now so that
// another host takes it at its next check. One pass whose first event is `release`: the stop,
// the checkpoint and the store call (`release-lease`) are its decision's effects, performed by
// the executor; the store's answer comes back as `released`, whose decision makes this host a
// standby (src/core/edges.ts). Every line said is a transition's.

import { formatDuration } from '../core/duration.js';
import { emptyState } from '../core/state.js';
import { decide } from '../core/tick.js';
import type { Transition } from '../core/transition.js';
import { EXIT } from '../errors.js';
import { observe } from '../os/observe.js';
import { removePromise } from '../os/promise-file.js';
import { register } from '../os/registry.js';
import type { ProgramConfig } from '../core/program-config.js';
import { leaseHost } from '../lease/host.js';
import { recordOf } from '../lease/step.js';
import type { World } from '../world.js';
import { runPass } from './check.js';
import { execute } from './executor.js';

/** --release: one pass (src/commands/check.ts) that stops the copy here, then lets the lease run out now; another host takes it at its next check. */
export function releaseCommand(config: ProgramConfig, world: World): Promise<number> {
  const lease = config.lease!;
  const { paths } = config;
  return runPass(config, world, async (pass, { records }) => {
    const loaded = records.onFile;
    const state = loaded ?? emptyState();
    const host = leaseHost(lease.hostId, config.registryDir);
    // The copy first: once the lease is released another host may start its own at once.
    const looked = observe(paths, state, { tail: false, scan: false, lost: false });
    const running = looked.obs.kind === 'ours';
    const how = `${config.stopSignal}, SIGKILL after ${formatDuration(config.killAfterMs)}`;
    const first = decide(
      state,
      { kind: 'release', lease: recordOf(loaded, lease), host: { id: host.id, hostname: host.hostname }, running, found: looked.found?.identity ?? null, how },
      config.request,
      config.policy,
      world.now(),
    );
    // Before any signal: no call may take the quiet path on the promise of a copy being stopped.
    const stopping = first.effects.some((effect) => effect.kind === 'signal-stop');
    if (stopping) removePromise(paths.promiseFile);
    const made: Transition[] = [];
    const collect = (transitions: readonly Transition[]): void => {
      made.push(...transitions);
      for (const transition of transitions) if (transition.line !== null) sayOf(transition, pass.world)(transition.line);
    };
    const tick = await execute(first, { config, world: pass.world, records, lock: null, pending: state.pending, collect });
    pass.transitions.push(...made);
    if (stopping) register(config.registryDir, { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile });
    // The pass's one save (the stop's crash checkpoints aside): a standby's record, or (the store silent) the records as the stop left them.
    if (tick.state !== state) records.save(tick.state);
    // The store did not answer: the lease stays this host's until it runs out.
    return { code: made.some((transition) => transition.kind === 'store-unreachable') ? EXIT.notRunning : EXIT.ok };
  });
}

/**
 * Where a transition's line goes: the answer of --release (its notices: released, already gone,
 * not held here) to stdout; the stop of the copy (as a check under --lease says it) and a store
 * that did not answer, to stderr.
 */
function sayOf(transition: Transition, world: World): (line: string) => void {
  return transition.kind === 'notice' ? world.say : world.warn;
}
