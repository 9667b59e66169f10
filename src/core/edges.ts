// The handlers of the phase × event table (src/core/machine.ts): one per edge, each deciding
// one kind of event from the phases whose cells name it. Pure; `decide` (src/core/tick.ts)
// looks the cell up, runs its handler and names the transitions.

import { decideHealth, type HealthObservation, type HealthOptions } from './health.js';
import { decideHealthRestart } from './health-restart.js';
import {
  decideAfterLaunch,
  decideCheck,
  recordLaunchError,
  withoutCrowd,
  type AfterEnd,
  type Effect,
  type Policy,
  type Relaunch,
  type Request,
} from './policy.js';
import { withEvent, type ProgramState } from './state.js';
import type { Decided, Edge, EdgeEvent, EventKind, Found, TickEvent } from './events.js';
import { aside, leaseTransitions } from './transition.js';
import { formatDuration } from './duration.js';
import { hostText } from './lease-record.js';
import { recordDuties } from './duties.js';
import { aimReload, askReload, recordReload } from './reload.js';
import { recordHold } from './lease-hold.js';
import { aimStop, askStop, holdBeforeSignal, recordStop } from './stop.js';

/** The handler of a cell: decides an event of kind `K` from the record `previous`. */
export type Handler<K extends EventKind = EventKind> = (
  previous: ProgramState,
  event: Extract<TickEvent, { kind: K }>,
  request: Request,
  policy: Policy,
  now: number,
) => Decided;

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

/** A check's observation, from a record with no launch pending (`settle` cleared it). */
function check(
  previous: ProgramState,
  event: Extract<TickEvent, { kind: 'observed' }>,
  request: Request,
  policy: Policy,
  now: number,
  settled = previous,
): Decided {
  let state = settled;
  let line: string | null = null;
  if (event.found) ({ state, line } = adopt(previous, event.found, policy, now));
  const decision = decideCheck(state, event.obs, request, policy, now);
  if (line !== null) decision.said = [{ text: line, of: 'adopt' }, ...(decision.said ?? [])];
  // A death found by this check goes on record before the launch: a launch that throws must not get it reported again.
  const launch = decision.effects.findIndex((effect) => effect.kind === 'launch');
  if (launch >= 0 && decision.state.lastExit !== previous.lastExit) decision.effects.splice(launch, 0, { kind: 'checkpoint' });
  // Its duties (a health record on file keeps them) are observed last, once what it decided is performed.
  if (event.duties || previous.health) decision.effects.push({ kind: 'duties', launchedNow: launch >= 0 });
  return decision;
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

/** Each edge's handler, typed by the kind of event its cells take: one missing, or of another kind, does not compile. */
export const HANDLERS: { [E in Edge]: Handler<EdgeEvent[E]> } = {
  check,
  // STARTING + nothing found: the interrupted launch left no process; its token is forgotten.
  'settle-interrupted-launch': (previous, event, request, policy, now) =>
    check(previous, event, request, policy, now, event.found ? previous : { ...previous, pending: null }),
  'judge-launch': (previous, event, _request, policy, now) => {
    const decided = decideAfterLaunch(previous, event.result, policy, now);
    return event.relaunch ? relaunchLine(decided, event.relaunch) : decided;
  },
  'after-run-ended': (previous, event) => decideRunEnded(previous, event.how, event.after),
  'refuse-launch': (previous, event, _request, _policy, now) => {
    // A wrong command or directory fails at every check: said once (and daily), not every minute.
    const { state, say } = recordLaunchError(previous, event.text, now);
    // No event of the history (it never started), but a change when it is said.
    const transitions = say ? [aside(state, 'launch-refused', event.text, now)] : [];
    return { state, effects: [{ kind: 'checkpoint' }, { kind: 'refuse', say }], outcome: 'not-running', transitions };
  },
  'clear-for-start': (previous, _event, _request, _policy, now) => {
    // Then the program is looked at, as a check looks (its decision launches it if it is not running).
    return { state: clearedForStart(previous, now), effects: [{ kind: 'observe' }], outcome: 'not-running' };
  },
  'record-stop': (previous, event, _request, policy, now) => recordStop(previous, event, policy, now),
  // A stop (src/core/stop.ts): a look, then the hold and the signals, or the death and the leftovers, or nothing.
  'ask-stop': (previous, event) => askStop(previous, event),
  'aim-stop': (previous, event, _request, policy, now) => aimStop(previous, event, policy, now),
  'record-duties': (previous, event, _request, policy, now) => {
    // What the duties did goes on their record (a rotation's trouble, the cadence, a launch's options), then a live run's health is judged on it.
    const { record, warning } = event.done ? recordDuties(previous.health, event.done, policy.name, now) : { record: previous.health, warning: null };
    const state = record !== previous.health ? { ...previous, health: record } : previous;
    const decided: Decided = event.health
      ? decideHealthEvent(state, event.health.obs, event.health.options, policy, now)
      : { state, effects: [], outcome: event.outcome };
    // A failed rotation is said first, as its own transition: the logs' trouble, not the program's.
    return warning === null ? decided : { ...decided, said: [{ text: warning, of: 'rotation-failed' }, ...(decided.said ?? [])] };
  },
  // --reload (src/core/reload.ts): a look, then the signal to the verified program, then how it went.
  'ask-reload': (previous, event) => askReload(previous, event),
  'aim-reload': (previous, event, _request, policy) => aimReload(previous, event, policy),
  'record-reload': (previous, event, _request, policy, now) => recordReload(previous, event, policy, now),
  'ask-release': askRelease,
  'record-release': recordRelease,
  'record-hold': recordHold,
  'take-lease-role': takeLeaseRole,
};

/**
 * --release, its first event: a lease this host holds (on record, with its token) is let go. The
 * copy here, if it runs, is stopped first as the lease stops it (the effects of a --stop, not
 * held, its line headed by "releasing lease"), and the stop goes on file before the store is
 * asked (a crash checkpoint: once the lease is released another host may start its own copy at
 * once); then the store call, `release-lease`, whose answer comes back as `released`. A lease
 * this host does not hold: said, nothing done.
 */
function askRelease(previous: ProgramState, event: Extract<TickEvent, { kind: 'release' }>, _request: Request, policy: Policy, now: number): Decided {
  const { lease, host } = event;
  const token = lease.role === 'holder' ? lease.seen?.token : undefined;
  if (token === undefined) {
    const seen = lease.seen;
    const last = seen?.holder ? `; it was last held by ${hostText(seen.holder, seen.hostname)} (token ${seen.token})` : '';
    const text = `${policy.name}: lease ${lease.name} is not held by this host (${hostText(host.id, host.hostname)}), nothing to release${last}`;
    return { state: previous, effects: [], outcome: 'not-running', said: [{ text, of: 'notice' }] };
  }
  // Keyed to the id this host held it under (on record), whatever id this call would make (another ENSURE_RUNNING_HOME).
  const release: Effect = { kind: 'release-lease', holder: lease.seen?.holder || host.id, token };
  const state: ProgramState = { ...previous, ...(event.found ? { identity: event.found, pending: null } : {}), lease };
  if (!event.running || !state.identity) return { state, effects: [release], outcome: 'not-running' };
  const head = `${policy.name}: releasing lease ${lease.name}`;
  const stopping = holdBeforeSignal(state, { pid: state.identity.pid, how: event.how, hold: false }, now);
  const effects = stopping.effects.map((effect): Effect => (effect.kind === 'signal-stop' ? { ...effect, head } : effect));
  return { ...stopping, effects: [...effects, { kind: 'checkpoint' }, release] };
}

/**
 * --release's store call answered: the lease let run out (or found gone) makes this host a
 * standby, renewed never (its `lease-lost`), said in a line; a store that did not answer leaves
 * the lease this host's until it runs out, said as a `store-unreachable` whose line warns.
 */
function recordRelease(previous: ProgramState, event: Extract<TickEvent, { kind: 'released' }>, _request: Request, policy: Policy, now: number): Decided {
  const { answer, name, token, ttlMs } = event;
  if (answer.kind === 'failed') {
    const text =
      `${policy.name}: the copy here is stopped, but lease ${name} is not released (${answer.error}); it stays this host's until it ` +
      `runs out (within ${formatDuration(ttlMs)}), and the next check here renews it and starts the copy again: run --release again once the store answers`;
    return { state: previous, effects: [], outcome: 'not-running', transitions: [aside(previous, 'store-unreachable', answer.error, now, text)] };
  }
  const state: ProgramState = previous.lease ? { ...previous, lease: { ...previous.lease, role: 'standby', renewed: null } } : previous;
  const text =
    answer.kind === 'released'
      ? `${policy.name}: released lease ${name} (token ${token}); another host takes it ` +
        `at its next check (this one only after ${formatDuration(ttlMs)} if none does)`
      : `${policy.name}: lease ${name} had already run out or changed hands; the copy here is stopped`;
  return { state, effects: [], outcome: 'not-running', transitions: leaseTransitions(state, previous.lease, state.lease, now), said: [{ text, of: 'notice' }] };
}

/**
 * --lease: this host's role goes on record (with a copy found by its environment, so that a stop
 * reaches it), its lines as notices beside its changes of role and store; a copy that must not
 * run here is stopped as --stop stops it (not held: the lease decides), its line headed by the
 * role's; a holder's check goes on with the `observe` effect.
 */
/** What a manual start clears (--start, --restart): the hold here and the crash-loop tallies, on the history. */
function clearedForStart(previous: ProgramState, now: number): ProgramState {
  const cleared = withoutCrowd({ ...previous, held: false, fatal: null, backoff: null, failedStarts: 0, deathTimesMs: [] });
  return withEvent(cleared, { atMs: now, kind: 'start', detail: 'manual start: hold and crash-loop tallies cleared' });
}

function takeLeaseRole(
  previous: ProgramState,
  event: Extract<TickEvent, { kind: 'lease-answered' }>,
  _request: Request,
  _policy: Policy,
  now: number,
): Decided {
  const { role } = event;
  const answered: ProgramState = { ...previous, ...(event.found ? { identity: event.found, pending: null } : {}), lease: role.record };
  // A manual start on a host that does not run the program (a standby) clears what it clears
  // here all the same: held, this host would never ask the store again, and never take the
  // lease over. A holder's start clears them itself (the `start` effect below).
  const state = event.start && role.go.kind !== 'run' ? clearedForStart(answered, now) : answered;
  const transitions = leaseTransitions(state, previous.lease, role.record, now);
  const said = role.lines.map((text) => ({ text, of: 'notice' as const }));
  const outcome = role.go.kind === 'run' ? 'running' : 'not-running';
  // A holder's check goes on: the program is observed (once a copy under another token is stopped), its check decided from there;
  // a manual start's, once its start (the `start` event, whose decision asks for the look).
  const goOn: Effect[] = role.go.kind === 'run' ? [{ kind: event.start ? 'start' : 'observe' }] : [];
  const head = role.stop;
  if (head === null || !state.identity) return { state, effects: goOn, outcome, transitions, said };
  const stopping = holdBeforeSignal(state, { pid: state.identity.pid, how: event.how, hold: false }, now);
  const effects = stopping.effects.map((effect): Effect => (effect.kind === 'signal-stop' ? { ...effect, head } : effect));
  return { ...stopping, effects: [...effects, ...goOn], transitions, said };
}
