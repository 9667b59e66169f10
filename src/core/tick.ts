// One tick of supervision as one pure decision: the phase a program is in, the events that
// move it, and `decide`, which returns the next state, the effects to perform and the
// transitions it made (src/core/transition.ts) as data.
// The check command (src/commands/check.ts) observes, calls `decide`, and performs the effects.

import type { HealthObservation, HealthOptions } from './health.js';
import type { LeaseRecord } from './lease-record.js';
import { cellOf } from './machine.js';
import type { Observation } from './observation.js';
import type { AfterEnd, Decision, LaunchResult, Relaunch, Policy, Request } from './policy.js';
import { phaseOf } from './phase.js';
import type { Identity, ProgramState } from './state.js';
import { transitionsOf, withLines, type Said, type Transition } from './transition.js';

/** A process found for an interrupted launch, to be put on record (see src/os/observe.ts). */
export interface Found {
  identity: Identity;
  /** The pending token of an interrupted launch, or its environment (its records were lost). */
  by: 'pending-token' | 'environment';
}

/** What moves a program from one phase to the next. */
export type TickEvent =
  /** What a check saw: the recorded process alive, gone, or another tool's; and a launch found again. */
  | { kind: 'observed'; obs: Observation; found?: Found }
  /** What a launch asked for by this tick produced: up past its start window, or exited inside it (`relaunch`: the launch effect's). */
  | { kind: 'launched'; result: LaunchResult; relaunch?: Relaunch }
  /** A run ended by a health rule is gone: `how` says how ("stopped pid 4242 with SIGTERM"); `after` is the end-run effect's. */
  | { kind: 'run-ended'; how: string; after: AfterEnd }
  /** A launch that could not even spawn for a configuration error (command or directory not found). */
  | { kind: 'launch-refused'; text: string }
  /** --start (and the start half of --restart): hold and crash-loop tallies cleared. */
  | { kind: 'start' }
  /** --stop (and --restart) is about to send its first signal: the hold goes on record first. */
  | { kind: 'stopping'; pid: number; how: string; hold: boolean }
  /** --stop (and --restart) found the recorded process already dead: its death is recorded as a check would. */
  | { kind: 'found-dead'; obs: Extract<Observation, { kind: 'gone' }> }
  /** --stop (and the stop half of --restart) has ended the run: `line` says how. */
  | { kind: 'stopped'; line: string; hold: boolean; pid: number | null }
  /** What a check saw of a live program's health (heartbeat, HTTP probe, schedule), under its options. */
  | { kind: 'health'; obs: HealthObservation; options: HealthOptions }
  /** --reload has sent `signal` to the verified program `pid`: on its history, nothing else changes. */
  | { kind: 'reloaded'; pid: number; signal: string }
  /** --release has let the lease run out (or found it gone): this host's lease record, a standby's from now on. */
  | { kind: 'released'; lease: LeaseRecord };

/**
 * A decision with the transitions it made. Whether a check was quiet (for the quiet promise) is
 * not a decision's: it is read from all the transitions and warnings of the check (src/commands/pass.ts).
 */
export interface Tick extends Omit<Decision, 'said'> {
  /** The changes of state this decision made, in order (one per event it put on record, one per notice), with the lines they say. */
  transitions: Transition[];
}

/** A decision before its transitions are named (see `decide`). */
export type Decided = Omit<Tick, 'transitions'> & { transitions?: Transition[]; said?: Said[] };

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
