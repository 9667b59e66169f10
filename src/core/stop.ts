// A stop as edges of the machine (src/core/machine.ts): --stop, the stop half of --restart and
// --forget --stop. Its first event asks for a look at the program; what the look saw decides the
// stop: the program ours, the hold on file then the signals; gone with a run, its death on record
// and its leftovers stopped; nothing, "was not running"; a live PID it did not launch, an error.
// How the signals went comes back as `stopped`. Pure; the executor (src/commands/executor.ts)
// performs the look, the checkpoint, the signals and a failure.

import type { Decided, TickEvent } from './events.js';
import { leftoversText, type Effect, type Policy } from './policy.js';
import { withEvent, type ProgramState } from './state.js';
import { deathFoundByStop } from './stop-death.js';
import { stopLine } from './stop-line.js';

/** A stop, its first event: the program is looked at (the `observe` effect of a stop), nothing else. */
export function askStop(previous: ProgramState, event: Extract<TickEvent, { kind: 'stop' }>): Decided {
  return { state: previous, effects: [{ kind: 'observe', stop: { hold: event.hold, how: event.how } }], outcome: 'not-running' };
}

/**
 * A stop's look: the program ours (on record, or found by its launch token or environment) is
 * held first, then signalled; gone, its death goes on record and what is left of its run is
 * stopped; nothing there, "was not running". A live PID that ensure-running did not launch is
 * never signalled: an error.
 */
export function aimStop(previous: ProgramState, event: Extract<TickEvent, { kind: 'stop-observed' }>, policy: Policy, now: number): Decided {
  const { obs, hold, how } = event;
  if (obs.kind === 'unverified') {
    const error = {
      action: 'stop',
      subject: `pid ${obs.pid}`,
      reason: `${event.pidFile} names a live process that ensure-running did not launch (no launch record), so it is not signalled`,
      hint: `if you are sure it is the program, stop it by hand: kill ${obs.pid}`,
    };
    return { state: previous, effects: [{ kind: 'fail', error }], outcome: 'not-running' };
  }
  // A program found by its launch token or environment (records lost) is stopped like a recorded one.
  const state: ProgramState = event.found ? { ...previous, identity: event.found.identity, pending: null } : previous;
  if (obs.kind === 'ours' && state.identity) return holdBeforeSignal(state, { pid: state.identity.pid, how, hold }, now);
  if (obs.kind !== 'gone' || (!state.identity && !obs.run)) {
    return recordStop(state, { kind: 'stopped', line: 'was not running', hold, pid: state.identity?.pid ?? null }, policy, now);
  }
  // The program is gone but its run may not be (a wrapper's child, a detached helper): stopped all the same.
  const pids = obs.leftovers ?? [];
  const run = state.identity ?? obs.run!;
  // It crashed since the last check: its death (and log tail) is recorded, not lost behind the stop; its words end the stop's line.
  const { state: dead, words } = deathFoundByStop(state, obs, now);
  const left = pids.length > 0 ? leftoversText(pids) : '';
  const line = `was not running${left}${words ? `; ${words}` : ''}`;
  const leftovers = pids.length > 0 ? { leftovers: { identity: run, pids } } : {};
  const stopped = recordStop(dead, { kind: 'stopped', line, hold, pid: dead.identity?.pid ?? null, ...leftovers }, policy, now);
  return words ? { ...stopped, said: [{ text: words, of: 'death' }, ...(stopped.said ?? [])] } : stopped;
}

/**
 * A stop of the program `pid` (`how` its signals go; `hold`, held stopped after it), about to
 * send its first signal: no event of its own, but part of the decision that aims it (a stop's
 * look, `aim-stop`; a copy that a lease's role or --release stops, `take-lease-role` and
 * `ask-release`).
 */
export interface Stopping {
  pid: number;
  how: string;
  hold: boolean;
}

/**
 * A stop is about to send its first signal: the hold goes on record first, the process still on
 * record until it is gone; then the checkpoint (the hold on file) and the signals, whose outcome
 * comes back as `stopped`.
 */
export function holdBeforeSignal(previous: ProgramState, event: Stopping, now: number): Decided {
  // Hold first: an interrupted stop (Ctrl-C, a lost SSH session) leaves the program held, not "died".
  const state = withEvent(
    { ...previous, held: event.hold, backoff: null },
    { atMs: now, kind: 'stopping', pid: event.pid, detail: event.hold ? `${event.how}; held stopped` : event.how },
  );
  // The hold goes on file before the first signal (a crash checkpoint); how the signals went comes back as `stopped`.
  const effects: Effect[] = previous.identity ? [{ kind: 'checkpoint' }, { kind: 'signal-stop', identity: previous.identity, hold: event.hold }] : [];
  return { state, effects, outcome: event.hold ? 'held' : 'not-running' };
}

/** A stop has ended the run (or found none): on record, its one line said; leftovers of a run already gone stopped first, then the PID file removed. */
export function recordStop(previous: ProgramState, event: Extract<TickEvent, { kind: 'stopped' }>, policy: Policy, now: number): Decided {
  const ended = { ...previous, identity: null, pending: null, held: event.hold, backoff: null };
  const detail = event.hold ? `${event.line}; held stopped` : event.line;
  const state = withEvent(ended, { atMs: now, kind: 'stop', ...(event.pid ? { pid: event.pid } : {}), detail });
  // Its line is the stop's transition's: the stop says it (src/commands/stopping.ts); a copy the lease stops, after the lease's head.
  const said = [{ text: event.head ? `${event.head}: ${event.line}` : stopLine(policy, state, event.line, event.hold), of: 'stop' as const }];
  // A run already gone may have left processes behind (a wrapper's child, a detached helper): stopped first, an error if they survive SIGKILL.
  const leftovers: Effect[] = event.leftovers ? [{ kind: 'stop-run', identity: event.leftovers.identity, pids: event.leftovers.pids, stop: true }] : [];
  return { state, effects: [...leftovers, { kind: 'remove-pid' }], outcome: event.hold ? 'held' : 'not-running', said };
}
