// --reload: the reload signal (--reload-signal, default HUP) to the verified program, and to
// nothing else: no restart, no hold, one line. The program alone gets it, as systemd's
// `kill -HUP $MAINPID` does: a master that reloads its workers must not see them signalled too.
// One pass whose first event is `reload`: the look (`observe`), the signal (`signal-reload`,
// verified right before it) and how it went (`reloaded`) are its decisions' effects and events,
// performed by the executor (src/core/reload.ts). Every line said is a transition's.

import { emptyState } from '../core/state.js';
import { decide } from '../core/tick.js';
import type { Transition } from '../core/transition.js';
import { EXIT } from '../errors.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { runPass } from './check.js';
import { execute } from './executor.js';

/** --reload: one pass (src/commands/check.ts), so that no check relaunches the program between the look and the signal. */
export function reloadCommand(config: ProgramConfig, world: World): Promise<number> {
  return runPass(config, world, async (pass, { records }) => {
    const state = records.onFile ?? emptyState();
    const signal = config.reloadSignal ?? 'SIGHUP';
    const first = decide(state, { kind: 'reload', signal }, config.request, config.policy, world.now());
    const made: Transition[] = [];
    const collect = (transitions: readonly Transition[]): void => {
      made.push(...transitions);
      // The reload, done, on stdout; nothing reloaded, on stderr.
      for (const transition of transitions) if (transition.line !== null) (transition.kind === 'reload' ? pass.world.say : pass.world.warn)(transition.line);
    };
    const tick = await execute(first, { config, world: pass.world, records, lock: null, pending: state.pending, collect });
    pass.transitions.push(...made);
    // The pass's one save: the reload on the program's history (nothing reloaded: nothing changed).
    if (tick.state !== state) records.save(tick.state);
    return { code: tick.outcome === 'running' ? EXIT.ok : EXIT.notRunning };
  });
}
