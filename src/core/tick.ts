// One tick of supervision as one pure decision: the phase a program is in, the events that
// move it, and `decide`, which returns the next state, the effects to perform and the
// transitions it made (src/core/transition.ts) as data.
// The check command (src/commands/check.ts) observes, calls `decide`, and performs the effects.

import { decideHealth, type HealthObservation, type HealthOptions } from './health.js';
import { decideHealthRestart } from './health-restart.js';
import type { LeaseRecord } from './lease-record.js';
import type { Observation } from './observation.js';
import {
  decideAfterLaunch,
  decideCheck,
  recordLaunchError,
  withoutCrowd,
  type AfterEnd,
  type Decision,
  type Effect,
  type LaunchResult,
  type Relaunch,
  type Policy,
  type Request,
} from './policy.js';
import { edgeOf } from './machine.js';
import { phaseOf } from './phase.js';
import { withEvent, type Identity, type ProgramState } from './state.js';
import { deathFoundByStop } from './stop-death.js';
import { stopLine } from './stop-line.js';
import { aside, transitionsOf, withLines, type Said, type Transition } from './transition.js';

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
type Decided = Omit<Tick, 'transitions'> & { transitions?: Transition[]; said?: Said[] };

/** STARTING + the interrupted launch's process found → RUNNING: recorded now, as that check would have. */
function adopt(previous: ProgramState, found: Found, policy: Policy, now: number): { state: ProgramState; line: string } {
  // A run found again starts with no failed HTTP probes, as a launched one does.
  const health = previous.health ? { ...previous.health, failures: 0, lastFailure: null } : previous.health;
  const byEnv = found.by === 'environment';
  const state = withEvent(
    { ...previous, identity: found.identity, pending: null, health, launches: previous.launches + 1, lastSeenAliveMs: now },
    {
      atMs: now,
      kind: 'adopt',
      pid: found.identity.pid,
      detail: byEnv ? 'found by its environment; state record rebuilt' : 'launched by an interrupted check; recorded now',
    },
  );
  const how = byEnv ? 'found by its environment after its state record was lost' : 'launched by a check that was interrupted before it could record it';
  return { state, line: `${policy.name}: recorded pid ${found.identity.pid}, ${how}` };
}

/** Stands for how the run was ended in a line decided before the stop (see `run-ended`). */
const ENDED = '\u0000';

/**
 * RUNNING + its health observed: healthy → nothing but the health record; hung, unhealthy or
 * a planned restart → the run is ended, then relaunched, or (hung or unhealthy runs crowding)
 * left stopped with the backoff line (src/core/health-restart.ts).
 */
function decideHealthEvent(previous: ProgramState, obs: HealthObservation, options: HealthOptions, policy: Policy, now: number): Decided {
  const verdict = decideHealth(previous, obs, options, now);
  if (!verdict.restart || !previous.identity) {
    return { state: verdict.state, effects: [], outcome: 'running' };
  }
  const next = decideHealthRestart(verdict.state, verdict.restart, ENDED, policy, now);
  const after: AfterEnd = next.relaunch
    ? { kind: 'relaunch', head: `${policy.name}: restarting (${verdict.restart.reason})`, crowd: next.crowd }
    : { kind: 'back-off', parts: next.line.split(ENDED) };
  const end: Effect = { kind: 'end-run', identity: previous.identity, reason: verdict.restart.reason, after };
  return { state: next.state, effects: [end], outcome: next.relaunch ? 'running' : 'not-running' };
}

/**
 * The run ended by a health rule is gone: its state goes on record, then it is relaunched with
 * one line that says how it ended, or (crowding, --crowd-backoff) its PID leaves the file and
 * the backoff line says how it ended.
 */
function decideRunEnded(previous: ProgramState, how: string, after: AfterEnd): Decided {
  if (after.kind === 'relaunch') {
    const relaunch: Relaunch = { head: `${after.head}; ${how}`, ...(after.crowd !== undefined ? { crowd: after.crowd } : {}) };
    return { state: previous, effects: [{ kind: 'checkpoint' }, { kind: 'launch', relaunch }], outcome: 'running' };
  }
  // Its events (the restart, the backoff) went on record with the health decision: its line, with how it ended, is a notice.
  const effects: Effect[] = [{ kind: 'checkpoint' }, { kind: 'remove-pid' }];
  return { state: previous, effects, outcome: 'not-running', said: [{ text: after.parts.join(how), of: 'notice' }] };
}

/**
 * A relaunch after a health restart: up, its one line (the crowd line at its end, or silence
 * while restarts crowd) takes the place of the launch's own; failed, the restart's line comes
 * first, then the launch's. Every other effect of the launch's decision stays.
 */
function relaunchLine(decided: Decided, relaunch: Relaunch): Decided {
  const identity = decided.state.identity;
  if (decided.outcome !== 'running' || !identity) return { ...decided, said: [{ text: relaunch.head, of: 'notice' }, ...(decided.said ?? [])] };
  const { said: _own, ...rest } = decided;
  if (relaunch.crowd === null) return rest;
  const text = `${relaunch.head}, started pid ${identity.pid}${relaunch.crowd ? `; ${relaunch.crowd}` : ''}`;
  return { ...rest, said: [{ text, of: 'launch' }] };
}

/**
 * Decides one event. Pure: the world came in as `event`, the clock as `now`. Every change of
 * state goes through here: its transitions are named from the events the decision put on record.
 */
export function decide(previous: ProgramState, event: TickEvent, request: Request, policy: Policy, now: number): Tick {
  const decided = decideEvent(previous, event, request, policy, now);
  // A launch's outcome is decided from the state recorded at the spawn: STARTING, though its process is on record.
  const from = event.kind === 'launched' ? 'starting' : phaseOf(previous);
  const { said, ...rest } = decided;
  // Each line it says is the line of one of its transitions, or a notice of its own.
  const transitions = withLines([...transitionsOf(previous, decided.state, from), ...(decided.transitions ?? [])], said ?? [], decided.state, now);
  return { ...rest, transitions };
}

/**
 * The edge the event takes from the phase of `previous`, in the table of src/core/machine.ts
 * (a combination it has no edge for is refused there), then that edge: one case per event.
 */
function decideEvent(previous: ProgramState, event: TickEvent, request: Request, policy: Policy, now: number): Decided {
  // Every kind of event is a column of the table: one it lacks does not compile here.
  const edge = edgeOf(phaseOf(previous), event.kind);
  switch (event.kind) {
    case 'observed': {
      let state = previous;
      let line: string | null = null;
      if (event.found) ({ state, line } = adopt(previous, event.found, policy, now));
      // STARTING + nothing found: the interrupted launch left no process; its token is forgotten.
      else if (edge === 'settle-interrupted-launch') state = { ...state, pending: null };
      const decision = decideCheck(state, event.obs, request, policy, now);
      if (line !== null) decision.said = [{ text: line, of: 'adopt' }, ...(decision.said ?? [])];
      // A death found by this check goes on record before the launch: a launch that throws must not get it reported again.
      const launch = decision.effects.findIndex((effect) => effect.kind === 'launch');
      if (launch >= 0 && decision.state.lastExit !== previous.lastExit) decision.effects.splice(launch, 0, { kind: 'checkpoint' });
      return decision;
    }
    case 'launched': {
      const decided = decideAfterLaunch(previous, event.result, policy, now);
      return event.relaunch ? relaunchLine(decided, event.relaunch) : decided;
    }
    case 'run-ended':
      return decideRunEnded(previous, event.how, event.after);
    case 'launch-refused': {
      // A wrong command or directory fails at every check: said once (and daily), not every minute.
      const { state, say } = recordLaunchError(previous, event.text, now);
      // No event of the history (it never started), but a change when it is said.
      const transitions = say ? [aside(state, 'launch-refused', event.text, now)] : [];
      return { state, effects: [{ kind: 'checkpoint' }, { kind: 'refuse', say }], outcome: 'not-running', transitions };
    }
    case 'start': {
      const cleared = withoutCrowd({ ...previous, held: false, fatal: null, backoff: null, failedStarts: 0, deathTimesMs: [] });
      const state = withEvent(cleared, { atMs: now, kind: 'start', detail: 'manual start: hold and crash-loop tallies cleared' });
      return { state, effects: [], outcome: 'not-running' };
    }
    case 'stopping': {
      // Hold first: an interrupted stop (Ctrl-C, a lost SSH session) leaves the program held, not "died".
      const state = withEvent(
        { ...previous, held: event.hold, backoff: null },
        { atMs: now, kind: 'stopping', pid: event.pid, detail: event.hold ? `${event.how}; held stopped` : event.how },
      );
      return { state, effects: [], outcome: event.hold ? 'held' : 'not-running' };
    }
    case 'found-dead': {
      // Its words end the stop's own line (src/commands/stopping.ts).
      const { state, words } = deathFoundByStop(previous, event.obs, now);
      return { state, effects: [], outcome: 'not-running', ...(words ? { said: [{ text: words, of: 'death' as const }] } : {}) };
    }
    case 'stopped': {
      const ended = { ...previous, identity: null, pending: null, held: event.hold, backoff: null };
      const detail = event.hold ? `${event.line}; held stopped` : event.line;
      const state = withEvent(ended, { atMs: now, kind: 'stop', ...(event.pid ? { pid: event.pid } : {}), detail });
      // Its line is the stop's transition's: the stop says it (src/commands/stopping.ts).
      const said = [{ text: stopLine(policy, state, event.line, event.hold), of: 'stop' as const }];
      return { state, effects: [{ kind: 'remove-pid' }], outcome: event.hold ? 'held' : 'not-running', said };
    }
    case 'health':
      return decideHealthEvent(previous, event.obs, event.options, policy, now);
    case 'reloaded': {
      const state = withEvent(previous, { atMs: now, kind: 'reload', pid: event.pid, detail: event.signal });
      return { state, effects: [], outcome: 'running' };
    }
    case 'released':
      return { state: { ...previous, lease: event.lease }, effects: [], outcome: 'not-running' };
  }
}
