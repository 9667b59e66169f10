// The decision of one check: a pure function of (recorded state, observation, request, policy, now).
// It returns the next state, what to do and the lines to say (each the line of an event it put
// on record, or a notice: src/core/transition.ts); src/commands/executor.ts performs it.

import type { Observation } from './observation.js';
import { describeGone } from './observation.js';
import type { EventKind, ExitInfo, Identity, ProgramState } from './state.js';
import { withEvent } from './state.js';
import { formatDuration } from './duration.js';
import { sayOnce } from './said-once.js';
import { phaseOf } from './phase.js';
import { crowdOverText, crowdVerdict } from './crowd.js';
import { clock } from './local-time.js';
import { backoffDelayMs } from './backoff.js';
import type { Said } from './transition.js';
import { isFullRequest, launchedShape, requestDifferences, requestKey, shapeOf, type LaunchRequest } from './request.js';

// The defaults of the options behind the policy are in the option table (src/cli/options.ts).

/** The crash-loop policy of one program, all waits in milliseconds. */
export interface Policy {
  name: string;
  periodMs: number;
  backoffMaxMs: number;
  maxRetries: number;
  /** Once FATAL, try once per this period forever; null: stay FATAL until --start. */
  fatalRetryMs: number | null;
  /** Deaths (and hung, unhealthy, memory restarts) within `crowdWindowMs` that crowd (src/core/crowd.ts). */
  crowdCount: number;
  crowdWindowMs: number;
  /** --crowd-backoff: crowded deaths back off instead of being relaunched at once (the rule of 1.0). */
  crowdBackoff?: boolean;
  minUptimeMs: number;
  /** The command that clears FATAL, quoted in the report. */
  startHint: string;
  /** The command that applies this call's request to a running program that differs from it. */
  restartHint?: string;
  /** Said in the launch line when --start or --restart reuse the request on record. */
  requestNote?: string | null;
  /** This check was run by a waiter (--respawn), not by cron: crowded deaths are left to cron's next check. */
  respawned?: boolean;
}

/** What the check was asked to run: command and cwd, and the rest of the launch request (src/core/request.ts). */
export type Request = Pick<LaunchRequest, 'command' | 'cwd'> & Partial<LaunchRequest>;

/**
 * A launch after a health rule ended the run: one line, `head` (how the run ended included),
 * and the new pid; while restarts crowd (src/core/crowd.ts), `crowd` ends that line, or (null)
 * nothing is said unless the launch fails. Undefined: not crowded.
 */
export interface Relaunch {
  head: string;
  crowd?: string | null;
}

/** What follows a run ended by a health rule: a relaunch, or (restarts crowding, --crowd-backoff) the backoff line, `parts` joined by how it ended. */
export type AfterEnd = ({ kind: 'relaunch' } & Relaunch) | { kind: 'back-off'; parts: string[] };

/**
 * What a decision asks the executor to do, in order. An effect with an outcome (a launch, a run
 * ended) comes back to `decide` as an event (`launched`, `run-ended`), whose decision is performed in turn.
 */
export type Effect =
  /** Launch; after a health restart, `relaunch` shapes its line. Its outcome comes back as `launched`. */
  | { kind: 'launch'; relaunch?: Relaunch }
  /** A crash checkpoint: the state of this decision goes on record now, before what follows it (a launch, a raised error). */
  | { kind: 'checkpoint' }
  | { kind: 'write-pid'; pid: number }
  /** The recorded process is dead: its PID must not stay on file, where a reused PID would pass for it. */
  | { kind: 'remove-pid' }
  /** A launch failed for a configuration error: raise it, said aloud or (the same error again) quietly. */
  | { kind: 'refuse'; say: boolean }
  /**
   * The program of `identity` is gone but these processes of its run live on (a wrapper's
   * child, a detached helper): stop them (stop signal, SIGCONT, SIGKILL after --kill-after),
   * each verified right before each signal, before anything is launched beside them. With
   * `stop`, they are what a stop (--stop, a copy --release stops) finds of a run already gone.
   */
  | { kind: 'stop-run'; identity: Identity; pids: number[]; stop?: true }
  /**
   * A health rule ends the live run of `identity` (stop signal, SIGKILL after --kill-after,
   * verified right before each signal); `reason` is quoted if it survives. How it went comes
   * back as the `run-ended` event, with `after`.
   */
  | { kind: 'end-run'; identity: Identity; reason: string; after: AfterEnd }
  /**
   * --stop (and the stop half of --restart, a copy the lease stops) signals the program of
   * `identity` (stop signal, SIGCONT, SIGKILL after --kill-after, verified right before each
   * signal), after the hold went on record. How it went comes back as the `stopped` event
   * (with `head`, a copy the lease stops: the head of its line).
   */
  | { kind: 'signal-stop'; identity: Identity; hold: boolean; head?: string }
  /**
   * A check with duties, its decision performed: its logs rotated (--log-max-size), its cadence
   * and a launch's health options put on record, a live run's health observed (heartbeat, HTTP
   * probe, planned restart, memory) unless `launchedNow` (judged from the next check on). What
   * they saw comes back as the `duties` event.
   */
  | { kind: 'duties'; launchedNow: boolean }
  /**
   * --lease: ask the store (acquire or renew, within --lease-timeout) and decide this host's role
   * (src/lease/step.ts, loaded only then). The role comes back as the `lease-answered` event.
   * `manualStart`: --start, which clears a local hold; `lost`: the check has no records.
   */
  | { kind: 'ask-lease'; manualStart: boolean; lost: boolean }
  /**
   * A manual start's turn (--start, the start half of --restart): nothing to perform, it comes
   * back as the `start` event, whose decision clears the hold and asks for the look at the
   * program (`observe`). First in a manual start; under --lease, once the role lets a holder go on.
   */
  | { kind: 'start' }
  /**
   * --release: ask the store to let the lease run out now if `holder` (the host id on record)
   * holds it under `token` (src/lease/manual.ts, loaded only then). The answer comes back as the
   * `released` event.
   */
  | { kind: 'release-lease'; holder: string; token: string }
  /**
   * --stop with --lease (`held`) and --start (not `held`): ask the store to hold the program
   * stopped on every host, or to clear that (src/lease/manual.ts, loaded only then). The answer
   * comes back as the `lease-held` event.
   */
  | { kind: 'hold-lease'; held: boolean }
  /**
   * --reload: `signal` to the program of `identity` alone (not its group), its identity verified
   * right before it (src/os/signal-verified.ts): never a signal to a reused PID. How it went comes
   * back as the `reloaded` event.
   */
  | { kind: 'signal-reload'; identity: Identity; signal: string }
  /** ensure-running cannot do its job (a PID it may not signal): raise this error (a RunError), nothing more done. */
  | { kind: 'fail'; error: Failure }
  /**
   * A check looks at its program (src/os/observe.ts): the PID file and the process, alive, gone
   * or another tool's, and a launch found again; first in a plain check, asked by a manual
   * start's `start` event, and once the lease's role lets a holder go on. What it saw comes back as the `observed` event; with `reload`
   * (--reload's signal), what the PID file and the process on record are, nothing scanned, as
   * the `reload-observed` event; with `stop` (a stop's `hold` and `how`), what the check would
   * see, as the `stop-observed` event.
   */
  | { kind: 'observe'; reload?: string; stop?: { hold: boolean; how: string } };

/** An error of ensure-running's own, as fields (src/errors.ts builds its one line from them). */
export interface Failure {
  action: string;
  subject?: string;
  code?: string;
  reason?: string;
  hint?: string;
}

/** The outcome of a check, before any launch it asks for. */
export interface Decision {
  state: ProgramState;
  effects: Effect[];
  /** running: exit 0; held: exit 0; not-running: exit 1. */
  outcome: 'running' | 'held' | 'not-running';
  /** The lines this decision says, in order, each of an event it put on record or a notice (none: silent). */
  said?: Said[];
}

/** Records a process just spawned, before its start window: from here on it is never unrecorded. */
export function recordSpawn(previous: ProgramState, identity: Identity, request: Request, logs: { stdout: string; stderr: string }): ProgramState {
  const state: ProgramState = {
    ...previous,
    identity,
    pending: null,
    launchError: null,
    command: request.command,
    cwd: request.cwd,
    logs,
    launches: previous.launches + 1,
    lastSeenAliveMs: identity.launchedAtMs,
    settled: false,
  };
  // The request goes on record with every launch: --start reuses it, --stop follows its stop settings.
  if (isFullRequest(request)) state.request = request;
  delete state.changed;
  // A fresh run starts with no failed HTTP probes: those of the previous run are not its own.
  if (previous.health && (previous.health.failures > 0 || previous.health.lastFailure !== null))
    state.health = { ...previous.health, failures: 0, lastFailure: null };
  return state;
}

/** How often a launch error that does not change is said again; in between, checks exit 2 quietly. */
export const LAUNCH_ERROR_REPEAT_MS = 24 * 3_600_000;

/**
 * Records a configuration error that stopped a launch. Returns the next state and whether to
 * say it: the first time, when its text changes, and once a day while it lasts.
 */
export function recordLaunchError(previous: ProgramState, text: string, now: number): { state: ProgramState; say: boolean } {
  const before = previous.launchError;
  const same = before !== null && before.text === text;
  const say = !same || now - before.announcedMs >= LAUNCH_ERROR_REPEAT_MS || now < before.announcedMs;
  const launchError = { text, sinceMs: same ? before.sinceMs : now, announcedMs: say ? now : before.announcedMs };
  return { state: { ...previous, launchError }, say };
}

/**
 * What a launch produced, fed back to `decideAfterLaunch`: up past its start window (the
 * spawned process, or the daemon it left when it exited 0 inside the window: `daemonizedFrom`
 * names the spawned process then), or exited inside the window, `leftovers` of its run alive.
 */
export type LaunchResult =
  | { kind: 'up'; identity: Identity; daemonizedFrom?: number }
  | { kind: 'exited'; pid: number; launchedAtMs: number; code: number | null; signal: string | null; ranMs: number; logTail: string[]; leftovers?: number[] };

/** Slack when comparing a due time with cron's tick, which may come a little early. */
export function slackMs(policy: Policy): number {
  return Math.min(5_000, policy.periodMs / 4);
}

/**
 * A recorded program found gone by a check or a manual stop: its last exit (the status is
 * lost, never invented), the death tally and the death event. `tally` is the kept deaths.
 */
export function recordDeathFound(
  previous: ProgramState,
  identity: Identity,
  obs: Extract<Observation, { kind: 'gone' }>,
  tally: number[],
  now: number,
  detailSuffix = '',
): { state: ProgramState; seen: string; cause: string } {
  const lastSeen = previous.lastSeenAliveMs;
  const status = obs.status ?? null;
  const lastExit: ExitInfo = {
    atMs: now,
    pid: identity.pid,
    code: status?.code ?? null,
    signal: status?.signal ?? null,
    inStartWindow: false,
    lastSeenAliveMs: lastSeen,
    ranMs: lastSeen !== null ? Math.max(0, lastSeen - identity.launchedAtMs) : null,
    logTail: obs.logTail,
  };
  const seen = lastSeen !== null ? `last seen alive ${clock(lastSeen, now)}` : 'never seen alive by a check';
  // Found later, the exit status is lost: say so, never invent one.
  // Seen by its waiter (--respawn): the exact status.
  const cause = status
    ? `${status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`}, seen by its waiter`
    : obs.why === 'exited'
      ? 'exit status unknown: it died between checks'
      : describeGone(obs.why, identity.pid);
  let state: ProgramState = { ...previous, identity: null, lastExit, deathTimesMs: [...tally, now] };
  state = withEvent(state, { atMs: now, kind: 'death', pid: identity.pid, detail: `${seen}; ${cause}${detailSuffix}` });
  return { state, seen, cause };
}

/** How many log lines a report line quotes; --status shows the whole kept tail. */
export const REPORT_TAIL_LINES = 3;

/** The deaths (and health restarts) still inside the crowding window, oldest first. */
export function recentDeaths(state: ProgramState, policy: Policy, now: number): number[] {
  // A death a little "in the future" means the clock went back a little: it happened recently,
  // so it counts as now. One a whole window or more away, either way, is not recent.
  return state.deathTimesMs.filter((t) => Math.abs(now - t) < policy.crowdWindowMs).map((t) => Math.min(t, now));
}

/** The end of a death's line when processes of its run outlived it: stopped before any relaunch. */
export function leftoversText(pids: number[]): string {
  return `; stopped ${plural(pids.length, 'process')} left from its run (pid${pids.length === 1 ? '' : 's'} ${pids.join(' ')})`;
}

function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  // A daemon that kept ENSURE_RUNNING_TOKEN is followed (`daemonizedFrom`); one that cleared its environment cannot be.
  if (code === 0)
    return (
      'exited with code 0 (a program that forks into the background cannot be followed when no process of its launch is left carrying ' +
      'ENSURE_RUNNING_TOKEN, as with a daemon that clears its environment: run it in the foreground, with its foreground or no-daemon option)'
    );
  if (code !== null) return `exited with code ${code}`;
  return 'exit status unknown';
}

/** The end of a report line: the last log lines, quoted, so that one change of state stays one line. */
function tailSuffix(logTail: string[]): string {
  const shown = logTail.slice(-REPORT_TAIL_LINES);
  return shown.length ? `; last log lines: ${shown.map((line) => JSON.stringify(line)).join(' ')}` : '';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
}

/**
 * Decides one check's observation (through `decide` in src/core/tick.ts, which has already
 * put an interrupted launch's process on record or forgotten its token). Every branch is one
 * edge of the state table (RUNNING, BACKOFF, FATAL, HELD, and a death found); a branch prints
 * at most one line, and only when the state changes.
 */
export function decideCheck(previous: ProgramState, obs: Observation, request: Request, policy: Policy, now: number): Decision {
  const effects: Effect[] = [];
  const said: Said[] = [];
  const report = (text: string, of: EventKind | 'notice' = 'notice') => said.push({ text: `${policy.name}: ${text}`, of });
  const decided = (decision: Decision): Decision => (said.length > 0 ? { ...decision, said } : decision);
  let state: ProgramState = { ...previous, lastCheckMs: now, pending: null };

  // A changed launch request (command, --cwd, --env, logs) is a new program as far as crash
  // loops go (supervisord keeps FATAL; we do not): fixing the crontab line is enough.
  const differences = state.command.length > 0 ? requestDifferences(launchedShape(state), shapeOf(request)) : [];
  if (differences.length > 0) {
    if (state.fatal || state.backoff || state.failedStarts > 0) {
      state = withEvent(state, {
        atMs: now,
        kind: 'start',
        detail: `command line changed (${differences.map((d) => d.split(' ')[0]).join(', ')}): crash-loop tallies cleared`,
      });
    }
    state = withoutCrowd({ ...state, fatal: null, backoff: null, failedStarts: 0, deathTimesMs: [] });
  }

  // Alive, but launched by another tool: judged by liveness alone, never signalled, left alone.
  // A PID file of another user (planted, or stale from another account) keeps the program from
  // ever starting: that is said once (and daily), never kept silent. The caller's own file
  // (another tool of the same user) stays quiet, as documented; --status shows both.
  if (obs.kind === 'unverified') {
    if (obs.owner === undefined || obs.owner === null) return decided({ state, effects, outcome: 'running' });
    const text =
      `pid ${obs.pid} is alive but has no launch record, and the PID file belongs to uid ${obs.owner}: taken for ` +
      `the program, never signalled, nothing launched beside it; if it is not the program, remove the PID file`;
    const { said, say } = sayOnce(state.unverified, text, now);
    state = { ...state, unverified: said };
    if (say) report(text);
    return decided({ state, effects, outcome: 'running' });
  }
  if (state.unverified) state = { ...state, unverified: null };

  if (obs.kind === 'ours') {
    // RUNNING + alive and verified: nothing to do; past the minimum uptime the tallies clear once.
    state = { ...state, lastSeenAliveMs: now };
    const launchedAt = state.identity?.launchedAtMs ?? now;
    if (!state.settled && now - launchedAt >= policy.minUptimeMs) {
      // A crowd of deaths ends here: said once, since its line promised to say when it changes.
      if (state.crowd) report(crowdOverText(state.crowd, state.identity?.pid ?? obs.pid, policy, now));
      state = withoutCrowd({ ...state, settled: true, deathTimesMs: [], failedStarts: 0, backoff: null, fatal: null });
    }
    if (obs.repairPidFile) effects.push({ kind: 'write-pid', pid: obs.pid });
    state = noteChangedRequest(state, differences, request, policy, now, report);
    return decided({ state, effects, outcome: 'running' });
  }

  // Not running. A recorded process that is gone (exited, zombie, PID reused, rebooted) is a
  // death found at this check; it is never signalled, and its PID leaves the PID file.
  if (state.identity) {
    const identity = state.identity;
    const found = recordDeathFound(state, identity, obs, recentDeaths(state, policy, now), now);
    state = found.state;
    const { seen, cause } = found;
    effects.push({ kind: 'remove-pid' });
    // No new copy beside what is left of its run: stopped first, said in the same line.
    const leftovers = obs.leftovers ?? [];
    if (leftovers.length) effects.push({ kind: 'stop-run', identity, pids: leftovers });
    const died = `died (pid ${identity.pid}; ${seen}; ${cause})${leftovers.length ? leftoversText(leftovers) : ''}`;

    // HELD + death: recorded, not reported (it was stopped on purpose).
    if (state.held) return decided({ state, effects, outcome: 'held' });

    // FATAL + death (a slow retry that passed its window): recorded, said, and FATAL decides below.
    const crowded = state.fatal ? null : crowdVerdict(state, 'died', policy, now);
    const verdict = crowded?.verdict ?? { kind: 'plain' as const };
    if (crowded) state = crowded.state;
    if (verdict.kind === 'backoff') {
      // --crowd-backoff: back off instead of relaunching (and mailing) at every tick. One line for both changes.
      const { untilMs: until, reason } = verdict;
      state = { ...state, backoff: { fromMs: now, untilMs: until, reason } };
      state = withEvent(state, { atMs: now, kind: 'backoff', detail: `${reason}; next launch after ${clock(until, now)}` });
      report(`${died}; ${reason}: backing off, next launch after ${clock(until, now)}${tailSuffix(obs.logTail)}`, 'death');
      return decided({ state, effects, outcome: 'not-running' });
    }
    // --respawn: a waiter's check relaunches a death at once, unless deaths crowd; then the
    // relaunch is left to cron's next check (at most one per interval, as without --respawn).
    if (policy.respawned && verdict.kind === 'quiet') {
      if (verdict.say)
        report(`${died}; ${verdict.say.replace('relaunched each time', 'relaunched at the next cron check')}${tailSuffix(obs.logTail)}`, 'death');
      return decided({ state: { ...state, backoff: null }, effects, outcome: 'not-running' });
    }
    // Relaunched at once (below): a death said alone (the launch reports its own line), or, once
    // deaths crowd, the one crowd line then silence (the launch says nothing; the history keeps all).
    if (verdict.kind === 'plain') report(`${died}${tailSuffix(obs.logTail)}`, 'death');
    else if (verdict.say) report(`${died}; ${verdict.say}${tailSuffix(obs.logTail)}`, 'death');
    // Processes stopped beside a quiet death are an act of this check: said all the same.
    else if (leftovers.length) report(died, 'death');
    state = { ...state, backoff: null };
  } else if (obs.kind === 'gone' && obs.run && obs.leftovers?.length) {
    // Records lost and the program dead: what is left of its run is stopped first, never taken for the program.
    effects.push({ kind: 'stop-run', identity: obs.run, pids: obs.leftovers });
    report(`not running (pid ${obs.pid} of the PID file is gone and its records are lost)${leftoversText(obs.leftovers)}`);
  }

  // Nothing runs: the phase decides, in the one order of src/core/phase.ts.
  switch (phaseOf(state)) {
    case 'held':
      // HELD: stopped on purpose, left alone.
      return decided({ state, effects, outcome: 'held' });
    case 'fatal':
      return decided(fatalTick(state, effects, policy, now));
    case 'backoff':
      return decided(backoffTick(state, effects, policy, now));
    default:
      // STOPPED (or a death just recorded): launch.
      effects.push({ kind: 'launch' });
      return decided({ state, effects, outcome: 'not-running' });
  }
}

/** FATAL: no launch, unless the optional slow retry is due. A clock that went back restarts the wait. */
function fatalTick(previous: ProgramState, effects: Effect[], policy: Policy, now: number): Decision {
  let state = previous;
  let fatal = previous.fatal!;
  // The slow retry follows the options of the latest call (--fatal-retry may be added or changed).
  if (fatal.retryEveryMs !== policy.fatalRetryMs) {
    fatal = { ...fatal, retryEveryMs: policy.fatalRetryMs };
    state = { ...state, fatal };
  }
  if (policy.fatalRetryMs === null) return { state, effects, outcome: 'not-running' };
  if (now < fatal.lastTryMs) {
    state = { ...state, fatal: { ...fatal, lastTryMs: now } };
    return { state, effects, outcome: 'not-running' };
  }
  if (now - fatal.lastTryMs < policy.fatalRetryMs - slackMs(policy)) return { state, effects, outcome: 'not-running' };
  state = { ...state, fatal: { ...fatal, lastTryMs: now } };
  effects.push({ kind: 'launch' });
  return { state, effects, outcome: 'not-running' };
}

/**
 * BACKOFF: wait until the delay has passed, silently. A clock that went back restarts the
 * wait (never lengthens it past the cap); a clock that jumped forward makes it due once.
 */
function backoffTick(previous: ProgramState, effects: Effect[], policy: Policy, now: number): Decision {
  let backoff = previous.backoff!;
  if (now < backoff.fromMs) {
    const length = Math.max(0, Math.min(backoff.untilMs - backoff.fromMs, policy.backoffMaxMs));
    backoff = { ...backoff, fromMs: now, untilMs: now + length };
  }
  if (backoff.untilMs - now > policy.backoffMaxMs) backoff = { ...backoff, untilMs: now + policy.backoffMaxMs };
  const state = { ...previous, backoff };
  if (now < backoff.untilMs - slackMs(policy)) return { state, effects, outcome: 'not-running' };
  effects.push({ kind: 'launch' });
  return { state, effects, outcome: 'not-running' };
}

/** The state with no crowd on record: the tallies were cleared. */
export function withoutCrowd(state: ProgramState): ProgramState {
  if (state.crowd === undefined) return state;
  const { crowd: _gone, ...rest } = state;
  return rest;
}

/**
 * RUNNING + a call whose request differs from the running program's: said once per distinct
 * change (remembered in `changed`, shown by --status), applied only by --restart.
 */
function noteChangedRequest(
  state: ProgramState,
  differences: string[],
  request: Request,
  policy: Policy,
  now: number,
  report: (text: string) => void,
): ProgramState {
  if (differences.length === 0) {
    if (!state.changed) return state;
    const { changed: _gone, ...rest } = state;
    return rest;
  }
  const key = requestKey(shapeOf(request));
  if (state.changed?.key === key) return state;
  const pid = state.identity ? ` (pid ${state.identity.pid})` : '';
  report(
    `this call's launch request differs from the running program's${pid}: ${differences.join('; ')}; ` +
      `it keeps running as launched until: ${policy.restartHint ?? '--restart with this call'}`,
  );
  return { ...state, changed: { key, differences, sinceMs: now } };
}

/**
 * Decides what a launch's outcome means: RUNNING, BACKOFF or FATAL. `previous` comes from
 * `recordSpawn`. One line per outcome; a failed slow retry out of FATAL stays FATAL and silent.
 */
export function decideAfterLaunch(previous: ProgramState, result: LaunchResult, policy: Policy, now: number): Decision {
  const effects: Effect[] = [];
  const said: Said[] = [];
  const report = (text: string, of: EventKind) => said.push({ text: `${policy.name}: ${text}`, of });
  const decided = (decision: Decision): Decision => (said.length > 0 ? { ...decision, said } : decision);
  const launches = previous.launches;

  if (result.kind === 'up') {
    let state: ProgramState = { ...previous, identity: result.identity, lastSeenAliveMs: now, failedStarts: 0, backoff: null, fatal: null };
    if (state.crowd?.quietLaunch) state = { ...state, crowd: { ...state.crowd, quietLaunch: false } };
    const from = result.daemonizedFrom;
    state = withEvent(state, {
      atMs: now,
      kind: 'launch',
      pid: result.identity.pid,
      detail: from ? `launch ${launches}, daemonized from pid ${from}` : `launch ${launches}`,
    });
    // STARTING + exited 0 leaving its daemon → RUNNING as the daemon: guarded, and on file, from now on.
    if (from) effects.push({ kind: 'write-pid', pid: result.identity.pid });
    const started = from ? `started (pid ${result.identity.pid}, daemonized from ${from})` : `started (pid ${result.identity.pid})`;
    if (previous.failedStarts > 0 || previous.fatal) {
      // STARTING after failed starts → RUNNING: the "recovered" line.
      const after = `after ${plural(previous.failedStarts, 'failed start')}`;
      state = withEvent(state, { atMs: now, kind: 'recovered', pid: result.identity.pid, detail: after });
      report(`recovered: ${started} ${after}`, 'recovered');
    } else if (previous.backoff) {
      report(`${started} after backing off (${previous.backoff.reason})`, 'launch');
    } else if (previous.crowd?.quietLaunch) {
      // Relaunched after a crowded death: its line said "relaunched each time" (src/core/crowd.ts).
    } else {
      report(`${started}${policy.requestNote ? `, ${policy.requestNote}` : ''}`, 'launch');
    }
    return decided({ state, effects, outcome: 'running' });
  }

  // A failed start: it exited inside its start window, and the check saw how.
  const failedStarts = previous.failedStarts + 1;
  // What it left running is stopped with it: a failed start leaves no process behind.
  const leftovers = previous.identity ? (result.leftovers ?? []) : [];
  const how = `${describeExit(result.code, result.signal)} after ${formatDuration(result.ranMs)}${leftovers.length ? leftoversText(leftovers) : ''}`;
  const lastExit: ExitInfo = {
    atMs: now,
    pid: result.pid,
    code: result.code,
    signal: result.signal,
    inStartWindow: true,
    lastSeenAliveMs: null,
    ranMs: result.ranMs,
    logTail: result.logTail,
  };
  let state: ProgramState = {
    ...previous,
    identity: null,
    failedStarts,
    lastExit,
    deathTimesMs: [...recentDeaths(previous, policy, now), now],
    backoff: null,
  };
  effects.push({ kind: 'remove-pid' });
  if (previous.identity && leftovers.length) effects.push({ kind: 'stop-run', identity: previous.identity, pids: leftovers });
  const tail = tailSuffix(result.logTail);

  if (previous.fatal) {
    // FATAL + slow retry failed: still FATAL; no line (nothing changed), the history keeps it.
    state = { ...state, fatal: { ...previous.fatal, lastTryMs: now } };
    state = withEvent(state, { atMs: now, kind: 'start-failed', pid: result.pid, detail: `retry while fatal: ${how}` });
    return decided({ state, effects, outcome: 'not-running' });
  }
  state = withEvent(state, { atMs: now, kind: 'start-failed', pid: result.pid, detail: how });

  if (failedStarts >= policy.maxRetries) {
    // STARTING + last allowed failure → FATAL: one line, with why and what clears it.
    const reason = `${failedStarts} failed starts in a row (last: ${how})`;
    state = { ...state, fatal: { sinceMs: now, reason, lastTryMs: now, retryEveryMs: policy.fatalRetryMs } };
    state = withEvent(state, { atMs: now, kind: 'fatal', detail: reason });
    const retry = policy.fatalRetryMs !== null ? `one retry every ${formatDuration(policy.fatalRetryMs)}; ` : '';
    report(
      `fatal: failed to start ${failedStarts} times in a row (last: pid ${result.pid} ${how}); ${retry}no more launches until: ${policy.startHint}${tail}`,
      'fatal',
    );
    return decided({ state, effects, outcome: 'not-running' });
  }

  // STARTING + failure → BACKOFF: one period, doubling with each failed start, capped.
  const until = now + backoffDelayMs(policy, failedStarts - 1);
  const reason = `failed start ${failedStarts} of ${policy.maxRetries}`;
  state = { ...state, backoff: { fromMs: now, untilMs: until, reason } };
  state = withEvent(state, { atMs: now, kind: 'backoff', detail: `${reason}; next launch after ${clock(until, now)}` });
  report(`failed to start (pid ${result.pid} ${how}); ${reason}, next attempt after ${clock(until, now)}${tail}`, 'backoff');
  return decided({ state, effects, outcome: 'not-running' });
}
