// One tick of supervision as one pure decision: the phase a program is in, the events that
// move it, and `decide`, which returns the next state, the effects to perform and the
// transitions it made (src/core/transition.ts) as data.
// The check command (src/commands/check.ts) performs the effects (src/commands/executor.ts), its look at the program (`observe`) first.

import type { Tick, TickEvent } from './events.js';
import { cellOf } from './machine.js';
import type { Policy, Request } from './policy.js';
import { phaseOf } from './phase.js';
import type { ProgramState } from './state.js';
import { transitionsOf, withLines } from './transition.js';

export type { Decided, Found, HoldAnswer, ReleaseAnswer, ReloadAnswer, Tick, TickEvent } from './events.js';

/**
 * Decides one event. Pure: the world came in as `event`, the clock as `now`. Every change of
 * state goes through here: its transitions are named from the events the decision put on record.
 */
export function decide(previous: ProgramState, event: TickEvent, request: Request, policy: Policy, now: number): Tick {
  // The table's cell for this event from this phase (refused there if it has none), and its handler.
  const cell = cellOf(phaseOf(previous), event.kind);
  const decided = cell.decide(previous, event, request, policy, now);
  // A launch's outcome is decided from the state recorded at the spawn: STARTING, though its process is on record.
  const from = event.kind === 'launched' ? 'starting' : phaseOf(previous);
  const { said, ...rest } = decided;
  // Each line it says is the line of one of its transitions, or a notice of its own.
  const transitions = withLines([...transitionsOf(previous, decided.state, from), ...(decided.transitions ?? [])], said ?? [], decided.state, now);
  return { ...rest, transitions };
}
