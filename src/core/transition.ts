// The changes of state a decision made, as data: one transition for each event it put on the
// program's history (a launch, a death, a backoff, a stop...), with the phase before and after
// it, the process, how it ended, the launch token, why, and the line a check says of it (a
// notice is a transition that changes no phase: a crowd's summary, a changed request). `decide`
// (src/core/tick.ts) returns them beside the next state and the effects; the check prints
// their lines as it collects them, and what tells people and monitors of a change
// (--on-change, --notify-url: src/core/change-event.ts) and "quiet" read them, never printed text.

import type { LeaseRecord } from './lease-record.js';
import { phaseOf, type Phase } from './phase.js';
import type { EventKind, ProgramEvent, ProgramState } from './state.js';

/**
 * A line about no change of phase, as a transition of its own: a notice (a crowd's end, a
 * changed request, another tool's PID file...), or a log rotation that failed (--log-max-size).
 */
export type AsideLine = 'notice' | 'rotation-failed';

/** The kinds of transition that say a line of their own, never put on an event of the history. */
const ASIDE_LINES: ReadonlySet<string> = new Set<AsideLine>(['notice', 'rotation-failed']);

/**
 * What changed: an event of the history, a launch refused for its configuration, the lease's
 * role or store, or a line about no change of phase (a notice, a rotation that failed).
 */
export type TransitionKind = EventKind | 'launch-refused' | 'lease-taken' | 'lease-lost' | 'store-unreachable' | 'store-back' | AsideLine;

export interface Transition {
  from: Phase;
  to: Phase;
  kind: TransitionKind;
  /** The process the change is about, when there is one. */
  pid: number | null;
  /** How a run ended (a death, a failed start): its exit code or signal, as far as known. */
  exit: { code: number | null; signal: string | null } | null;
  /** The launch token of the run that started (a launch, a process found again). */
  token: string | null;
  /** Why, in the words of the history. */
  reason: string;
  /** The line a check says of it for cron's mail, or null: a silent change (a quiet crowd, a failed retry while FATAL). */
  line: string | null;
  atMs: number;
}

/** What one check told: the transitions of its decisions, and the lines it said (theirs and its warnings), in order. */
export interface Told {
  transitions: Transition[];
  said: string[];
}

/** A line a decision says, and the event of its history it is the line of (the first such event of that decision without one), or a line of its own. */
export interface Said {
  text: string;
  of: EventKind | AsideLine;
}

/** The events `after` has that `before` did not (the list is bounded, so compared by content). */
function addedEvents(before: ProgramEvent[], after: ProgramEvent[]): ProgramEvent[] {
  if (before === after) return [];
  const seen = new Set(before.map((e) => JSON.stringify(e)));
  return after.filter((e) => !seen.has(JSON.stringify(e)));
}

/** The phase an event leaves the program in, when more follow it in the same decision. */
const PHASE_AFTER: Partial<Record<EventKind, Phase>> = {
  launch: 'running',
  adopt: 'running',
  recovered: 'running',
  'start-failed': 'stopped',
  death: 'stopped',
  backoff: 'backoff',
  fatal: 'fatal',
  stop: 'stopped',
  start: 'stopped',
  hung: 'stopped',
  unhealthy: 'stopped',
  memory: 'stopped',
  'scheduled-restart': 'stopped',
};

/**
 * The transitions from `previous` to `next`: one per event `next` put on record, in order,
 * the first from the phase of `previous` (or `fromPhase`), the last to the phase of `next`.
 */
export function transitionsOf(previous: ProgramState, next: ProgramState, fromPhase: Phase = phaseOf(previous)): Transition[] {
  const events = addedEvents(previous.events, next.events);
  let from = fromPhase;
  return events.map((event, i) => {
    const to = i === events.length - 1 ? phaseOf(next) : (PHASE_AFTER[event.kind] ?? from);
    const pid = event.pid ?? null;
    const ended = (event.kind === 'death' || event.kind === 'start-failed') && next.lastExit && next.lastExit.pid === pid ? next.lastExit : null;
    const started = (event.kind === 'launch' || event.kind === 'adopt' || event.kind === 'recovered') && next.identity?.pid === pid ? next.identity : null;
    const transition: Transition = {
      from,
      to,
      kind: event.kind,
      pid,
      exit: ended ? { code: ended.code, signal: ended.signal } : null,
      token: started ? started.token : null,
      reason: event.detail ?? '',
      line: null,
      atMs: event.atMs,
    };
    from = to;
    return transition;
  });
}

/** A transition that is no event of the history (a launch refused, the lease's, a notice): the phase stays. */
export function aside(state: ProgramState, kind: TransitionKind, reason: string, atMs: number, line: string | null = null): Transition {
  const phase = phaseOf(state);
  return { from: phase, to: phase, kind, pid: state.identity?.pid ?? null, exit: null, token: null, reason, line, atMs };
}

/**
 * The transitions of a decision with its lines put on them, in the order said: a line of an
 * event goes on the first transition of that kind still without one; a line of its own (a
 * notice, a rotation that failed) becomes a transition of its kind, and a line whose event is
 * not among them a notice, right after the last line placed.
 */
export function withLines(transitions: Transition[], said: readonly Said[], state: ProgramState, atMs: number): Transition[] {
  const out = transitions.map((transition) => ({ ...transition }));
  let at = 0;
  for (const { text, of } of said) {
    const alone = ASIDE_LINES.has(of);
    const own = alone ? -1 : out.findIndex((transition) => transition.kind === of && transition.line === null);
    if (own >= 0) {
      out[own]!.line = text;
      at = Math.max(at, own + 1);
    } else {
      // Said between two changes, it is in the phase the first left the program in.
      const phase = at > 0 ? out[at - 1]!.to : (out[0]?.from ?? phaseOf(state));
      out.splice(at, 0, { ...aside(state, alone ? (of as AsideLine) : 'notice', text, atMs, text), from: phase, to: phase });
      at++;
    }
  }
  return out;
}

/** The lines the transitions say, in order. */
export function linesOf(transitions: readonly Transition[]): string[] {
  return transitions.flatMap((transition) => (transition.line === null ? [] : [transition.line]));
}

/** The lease's changes between two records of one program: of role, and of the store's health. */
export function leaseTransitions(state: ProgramState, before: LeaseRecord | undefined, after: LeaseRecord | undefined, now: number): Transition[] {
  if (!after) return [];
  const kinds: TransitionKind[] = [];
  const was = before?.role ?? 'unknown';
  if (after.role === 'holder' && was !== 'holder') kinds.push('lease-taken');
  if (was === 'holder' && after.role !== 'holder') kinds.push('lease-lost');
  if (after.trouble && !before?.trouble) kinds.push('store-unreachable');
  if (!after.trouble && before?.trouble) kinds.push('store-back');
  return kinds.map((kind) => aside(state, kind, `lease ${after.name}: ${after.role}`, now));
}
