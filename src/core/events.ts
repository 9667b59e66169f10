// The events that move a program and the decisions they get, as types only: what `decide`
// (src/core/tick.ts), the phase × event table (src/core/machine.ts) and its handlers
// (src/core/edges.ts) share, kept apart so that none of them imports another in a circle.

import type { DutiesDone } from './duties.js';
import type { HealthObservation, HealthOptions } from './health.js';
import type { LeaseRecord } from './lease-record.js';
import type { LeaseDecision } from './lease-role.js';
import type { Observation } from './observation.js';
import type { AfterEnd, Decision, LaunchResult, Relaunch } from './policy.js';
import type { Identity } from './state.js';
import type { Said, Transition } from './transition.js';

/** A process found for an interrupted launch, to be put on record (see src/os/observe.ts). */
export interface Found {
  identity: Identity;
  /** The pending token of an interrupted launch, or its environment (its records were lost). */
  by: 'pending-token' | 'environment';
}

/** What moves a program from one phase to the next. */
export type TickEvent =
  /**
   * What a check saw: the recorded process alive, gone, or another tool's; and a launch found
   * again. `duties`: the check has duties (--heartbeat, --health-url, --restart-at, --max-memory,
   * --log-max-size, --cadence) to observe once its decision is performed.
   */
  | { kind: 'observed'; obs: Observation; found?: Found; duties?: true }
  /** What a launch asked for by this tick produced: up past its start window, or exited inside it (`relaunch`: the launch effect's). */
  | { kind: 'launched'; result: LaunchResult; relaunch?: Relaunch }
  /** A run ended by a health rule is gone: `how` says how ("stopped pid 4242 with SIGTERM"); `after` is the end-run effect's. */
  | { kind: 'run-ended'; how: string; after: AfterEnd }
  /** A launch that could not even spawn for a configuration error (command or directory not found). */
  | { kind: 'launch-refused'; text: string }
  /**
   * --start (and the start half of --restart), its first event (the `start` effect; under
   * --lease, once the role lets a holder go on): hold and crash-loop tallies cleared, then the
   * program looked at (the `observe` effect), as a check looks.
   */
  | { kind: 'start' }
  /**
   * A stop, its first event (--stop, the stop half of --restart, --forget --stop): the program is
   * looked at (the `observe` effect of a stop); `hold`, held stopped after it; `how`, how its
   * signals go ("SIGTERM, SIGKILL after 10s").
   */
  | { kind: 'stop'; hold: boolean; how: string }
  /**
   * What a stop's look saw (the `observe` effect of a stop: the PID file, the process, its run
   * scanned, a launch found again by its token or environment, `found`), to stop; `hold` and
   * `how` are the stop's, `pidFile` names the PID file for an error.
   */
  | { kind: 'stop-observed'; obs: Observation; found?: Found; hold: boolean; how: string; pidFile: string }
  /**
   * --stop (and the stop half of --restart, a copy the lease stops) has ended the run: `line`
   * says how; `head` (the lease's) heads the one line said of it. `leftovers`: the program was
   * already gone but these processes of its run `identity` live on, to be stopped.
   */
  | { kind: 'stopped'; line: string; hold: boolean; pid: number | null; leftovers?: { identity: Identity; pids: number[] }; head?: string }
  /**
   * What the `duties` effect did and observed once the check's decision was performed: the
   * logs rotated (or not), the cadence declared, a launch's health options (`done`, put on the
   * duties record by src/core/duties.ts; absent: the record unchanged), and what it saw of a
   * live run's health (heartbeat, HTTP probe, schedule, memory), under its options, to judge
   * (absent: nothing to judge). `outcome` is the check's so far, kept when there is nothing to judge.
   */
  | { kind: 'duties'; done?: DutiesDone; health?: { obs: HealthObservation; options: HealthOptions }; outcome: Decision['outcome'] }
  /** --reload, its first event: the program is to get `signal` (--reload-signal), once looked at (the `observe` effect). */
  | { kind: 'reload'; signal: string }
  /**
   * What --reload's look saw (the `observe` effect of a reload: the PID file `pidFile` and the
   * process on record, nothing scanned), to aim `signal` at.
   */
  | { kind: 'reload-observed'; obs: Observation; signal: string; pidFile: string }
  /** --reload's `signal-reload` effect: `signal` to the program `pid` on record, verified right before it; `answer`, how it went. */
  | { kind: 'reloaded'; pid: number; signal: string; answer: ReloadAnswer }
  /**
   * --release, its first event: `lease`, this host's lease record (as src/lease/step.ts's
   * `recordOf` gives it); `host`, this host's id and hostname for the line of a lease it does not
   * hold; `running`, the copy here is verified as ours (`found`: found by its environment, to be
   * put on record so that the stop reaches it); `how`, how a stop of the copy signals.
   */
  | { kind: 'release'; lease: LeaseRecord; host: { id: string; hostname: string }; running: boolean; found: Identity | null; how: string }
  /**
   * The `release-lease` effect's store call answered: the lease `name` let run out under `token`
   * (`released`), found already run out or in other hands (`gone`), or the store did not answer
   * (`failed`, its error); `ttlMs`, the lease's TTL (--lease-ttl), for the lines.
   */
  | { kind: 'released'; answer: ReleaseAnswer; name: string; token: string; ttlMs: number }
  /**
   * The `hold-lease` effect's store call answered (`done`) or not (`failed`, its error): the
   * hold on every host put on record (`held`: --stop) or cleared (--start) with the lease
   * `name` (shown as `shownUrl`; `ttlMs`, its TTL), for the program of `pidFile`.
   */
  | { kind: 'lease-held'; held: boolean; answer: HoldAnswer; name: string; shownUrl: string; ttlMs: number; pidFile: string }
  /**
   * --lease: the store answered (or did not) and `role` is this host's role (src/core/lease-role.ts);
   * `found`, a copy found by its environment to put on record; `how`, how a stop of the copy signals;
   * `start`, a manual start's (--start, --restart): a holder goes on with the `start` event, not the look.
   */
  | { kind: 'lease-answered'; role: LeaseDecision; found: Identity | null; how: string; start?: true };

/**
 * How --reload's signal went (src/os/signal-verified.ts): sent; not sent, the PID no longer
 * the program launched (`verdict`: gone, a zombie, reused, from before a reboot); gone between
 * the check of its identity and the signal; or refused by the system (`code`: EPERM...).
 */
export type ReloadAnswer = { kind: 'sent' } | { kind: 'not-ours'; verdict: string } | { kind: 'exited' } | { kind: 'refused'; code?: string };

/** How the store answered the call of a hold on every host (src/lease/manual.ts): done, or no answer. */
export type HoldAnswer = { kind: 'done' } | { kind: 'failed'; error: string };

/** How the store answered --release's call (src/lease/manual.ts): let run out, already gone, or no answer. */
export type ReleaseAnswer = { kind: 'released' } | { kind: 'gone' } | { kind: 'failed'; error: string };

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

/** The kinds of event that move a program: those of `TickEvent` (src/core/tick.ts), which can have no other. */
export type EventKind =
  | 'observed'
  | 'launched'
  | 'run-ended'
  | 'launch-refused'
  | 'start'
  | 'stop'
  | 'stop-observed'
  | 'stopped'
  | 'duties'
  | 'reload'
  | 'reload-observed'
  | 'reloaded'
  | 'release'
  | 'released'
  | 'lease-held'
  | 'lease-answered';

/** The edges of the machine, named for what they decide, each with the kind of event it takes. */
export interface EdgeEvent {
  /** A check's observation: the program alive, gone or another tool's (src/core/policy.ts decideCheck). */
  check: 'observed';
  /** STARTING: a check was interrupted mid-launch; its process, found, goes on record, or its token is forgotten; then the check. */
  'settle-interrupted-launch': 'observed';
  /** What the launch of this check produced: RUNNING, BACKOFF or FATAL. */
  'judge-launch': 'launched';
  /** A run a health rule ended is gone: relaunch, or back off. */
  'after-run-ended': 'run-ended';
  /** The launch could not spawn for a configuration error: said once, then daily. */
  'refuse-launch': 'launch-refused';
  /** --start: hold, backoff, FATAL and tallies cleared; then the program looked at (the `observe` effect). */
  'clear-for-start': 'start';
  /** A stop: the program is looked at first (the `observe` effect). */
  'ask-stop': 'stop';
  /** A stop's look: the program ours, held then signalled; gone, its death recorded and its leftovers stopped; nothing, said; a live PID it did not launch, an error. */
  'aim-stop': 'stop-observed';
  /** --stop has ended the run. */
  'record-stop': 'stopped';
  /** What the check's duties observed: their record, then a live run's health judged: healthy, or the run is ended. */
  'record-duties': 'duties';
  /** --reload: the program is looked at first (the `observe` effect). */
  'ask-reload': 'reload';
  /** --reload's look: the signal to the program on record, verified; none to an unverified PID, none when it does not run. */
  'aim-reload': 'reload-observed';
  /** --reload's signal went (on its history), or did not. */
  'record-reload': 'reloaded';
  /** --release: a lease this host holds is let go (its copy stopped first, the stop on file); one it does not hold, said so. */
  'ask-release': 'release';
  /** --release's store call answered: this host is a standby; or, the store silent, the lease stays this host's. */
  'record-release': 'released';
  /** --stop, --start with --lease: the hold on every host on record (said), or cleared; the store silent, said (--stop) or an error (--start). */
  'record-hold': 'lease-held';
  /** --lease: this host's role on record; a copy that must not run here stopped. */
  'take-lease-role': 'lease-answered';
}

/** An edge of the machine, named for what it decides. */
export type Edge = keyof EdgeEvent;
