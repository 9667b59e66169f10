// The decision of one check: a pure function of (recorded state, observation, request, policy, now).
// It returns the next state, what to print and what to do; src/commands/check.ts performs it.

import type { Observation } from './observation.js';
import { describeGone } from './observation.js';
import type { ExitInfo, Identity, ProgramState } from './state.js';
import { withEvent } from './state.js';
import { formatDuration } from './duration.js';

/** Default cadence of cron's calls, the unit of backoff delays. */
export const DEFAULT_PERIOD_MS = 60_000;
export const DEFAULT_START_WINDOW_MS = 1_000;
export const DEFAULT_BACKOFF_MAX_MS = 10 * 60_000;
export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_CROWD_COUNT = 3;
export const DEFAULT_CROWD_WINDOW_MS = 10 * 60_000;
export const DEFAULT_MIN_UPTIME_MS = 5 * 60_000;

/** The crash-loop policy of one program, all waits in milliseconds. */
export interface Policy {
  name: string;
  periodMs: number;
  backoffMaxMs: number;
  maxRetries: number;
  /** Once FATAL, try once per this period forever; null: stay FATAL until --start. */
  fatalRetryMs: number | null;
  crowdCount: number;
  crowdWindowMs: number;
  minUptimeMs: number;
  /** The command that clears FATAL, quoted in the report. */
  startHint: string;
}

/** What the check was asked to run. */
export interface Request {
  command: string[];
  cwd: string;
}

export type Effect =
  | { kind: 'report'; text: string }
  | { kind: 'launch' }
  | { kind: 'write-pid'; pid: number };

/** The outcome of a check, before any launch it asks for. */
export interface Decision {
  state: ProgramState;
  effects: Effect[];
  /** running: exit 0; held: exit 0; not-running: exit 1. */
  outcome: 'running' | 'held' | 'not-running';
}

/** Records a process just spawned, before its start window: from here on it is never unrecorded. */
export function recordSpawn(previous: ProgramState, identity: Identity, request: Request, logs: { stdout: string; stderr: string }): ProgramState {
  return { ...previous, identity, command: request.command, cwd: request.cwd, logs, launches: previous.launches + 1, lastSeenAliveMs: identity.launchedAtMs, settled: false };
}

/** What a launch produced, fed back to `decideAfterLaunch`. */
export type LaunchResult =
  | { kind: 'up'; identity: Identity }
  | { kind: 'exited'; pid: number; launchedAtMs: number; code: number | null; signal: string | null; ranMs: number; logTail: string[] };

/** Slack when comparing a due time with cron's tick, which may come a little early. */
export function slackMs(policy: Policy): number {
  return Math.min(5_000, policy.periodMs / 4);
}

/** Delay before the next launch after `level` troubles: one period, doubling, capped. */
export function backoffDelayMs(policy: Policy, level: number): number {
  const doubled = policy.periodMs * 2 ** Math.max(0, Math.min(level, 30));
  return Math.min(policy.backoffMaxMs, doubled);
}

/** Clock time for report lines: local HH:MM:SS. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function sameCommand(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}

function recentDeaths(state: ProgramState, policy: Policy, now: number): number[] {
  // A death "in the future" means the clock went back: keep it, it happened recently.
  return state.deathTimesMs.filter((t) => now - t < policy.crowdWindowMs);
}

function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code !== null) return `exited with code ${code}`;
  return 'exit status unknown';
}

function tailLines(logTail: string[]): string[] {
  return logTail.map((line) => `  | ${line}`);
}

/** Decides one check. */
export function decideCheck(previous: ProgramState, obs: Observation, request: Request, policy: Policy, now: number): Decision {
  const effects: Effect[] = [];
  const report = (text: string) => effects.push({ kind: 'report', text: `${policy.name}: ${text}` });
  let state: ProgramState = { ...previous, lastCheckMs: now };

  // A changed command line is a new program as far as crash loops go (supervisord keeps FATAL; we do not).
  if (state.command.length > 0 && !sameCommand(state.command, request.command)) {
    if (state.fatal || state.backoff || state.failedStarts > 0) {
      state = withEvent(state, { atMs: now, kind: 'start', detail: 'command line changed: crash-loop tallies cleared' });
    }
    state = { ...state, fatal: null, backoff: null, failedStarts: 0, deathTimesMs: [] };
  }

  if (obs.kind === 'unverified') return { state, effects, outcome: 'running' };

  if (obs.kind === 'ours') {
    // RUNNING + alive and verified: nothing to do; past the minimum uptime the tallies clear once.
    state = { ...state, lastSeenAliveMs: now };
    const launchedAt = state.identity?.launchedAtMs ?? now;
    if (!state.settled && now - launchedAt >= policy.minUptimeMs) {
      state = { ...state, settled: true, deathTimesMs: [], failedStarts: 0, backoff: null, fatal: null };
    }
    if (obs.repairPidFile) effects.push({ kind: 'write-pid', pid: obs.pid });
    return { state, effects, outcome: 'running' };
  }

  // Not running. A recorded process that is gone is a death found at this check.
  if (state.identity) {
    const identity = state.identity;
    const lastSeen = state.lastSeenAliveMs;
    const death: ExitInfo = {
      atMs: now,
      pid: identity.pid,
      code: null,
      signal: null,
      inStartWindow: false,
      lastSeenAliveMs: lastSeen,
      ranMs: lastSeen !== null ? Math.max(0, lastSeen - identity.launchedAtMs) : null,
      logTail: obs.logTail,
    };
    state = {
      ...state,
      identity: null,
      lastExit: death,
      deathTimesMs: [...recentDeaths(state, policy, now), now],
    };
    state = withEvent(state, { atMs: now, kind: 'death', pid: identity.pid, detail: describeGone(obs.why, identity.pid) });
    const seen = lastSeen !== null ? `last seen alive ${clock(lastSeen)}` : 'never seen alive by a check';
    const cause = obs.why === 'exited' ? 'exit status unknown: it died between checks' : describeGone(obs.why, identity.pid);
    if (!state.held) {
      report(`died (pid ${identity.pid}; ${seen}; ${cause})`);
      for (const line of tailLines(obs.logTail)) effects.push({ kind: 'report', text: line });
    }
    const crowd = state.deathTimesMs.length;
    if (!state.held && !state.fatal && !state.backoff && crowd >= policy.crowdCount) {
      // Deaths crowd: back off instead of relaunching at every tick.
      const delay = backoffDelayMs(policy, crowd - policy.crowdCount + 1);
      const reason = `${crowd} deaths within ${formatDuration(policy.crowdWindowMs)}`;
      state = { ...state, backoff: { fromMs: now, untilMs: now + delay, reason } };
      state = withEvent(state, { atMs: now, kind: 'backoff', detail: `${reason}; next launch after ${clock(now + delay)}` });
      report(`backing off: ${reason}; next launch after ${clock(now + delay)}`);
      return { state, effects, outcome: 'not-running' };
    }
  }

  // HELD: stopped on purpose, left alone.
  if (state.held) return { state, effects, outcome: 'held' };

  // FATAL: no launch, unless the optional slow retry is due.
  if (state.fatal) {
    const fatal = state.fatal;
    const sinceTry = now - fatal.lastTryMs;
    const due = policy.fatalRetryMs !== null && (sinceTry >= policy.fatalRetryMs - slackMs(policy) || sinceTry < 0);
    if (!due) return { state, effects, outcome: 'not-running' };
    state = { ...state, fatal: { ...fatal, lastTryMs: now } };
    effects.push({ kind: 'launch' });
    return { state, effects, outcome: 'not-running' };
  }

  // BACKOFF: wait until the delay has passed. A clock that went back restarts the wait, never lengthens it.
  if (state.backoff) {
    let backoff = state.backoff;
    if (now < backoff.fromMs) {
      const length = Math.min(backoff.untilMs - backoff.fromMs, policy.backoffMaxMs);
      backoff = { ...backoff, fromMs: now, untilMs: now + Math.max(0, length) };
      state = { ...state, backoff };
    }
    if (backoff.untilMs - now > policy.backoffMaxMs) {
      backoff = { ...backoff, untilMs: now + policy.backoffMaxMs };
      state = { ...state, backoff };
    }
    if (now < backoff.untilMs - slackMs(policy)) return { state, effects, outcome: 'not-running' };
  }

  effects.push({ kind: 'launch' });
  return { state, effects, outcome: 'not-running' };
}

/** Decides what a launch's outcome means: RUNNING, BACKOFF or FATAL. `previous` comes from `recordSpawn`. */
export function decideAfterLaunch(previous: ProgramState, result: LaunchResult, policy: Policy, now: number): Decision {
  const effects: Effect[] = [];
  const report = (text: string) => effects.push({ kind: 'report', text: `${policy.name}: ${text}` });
  const launches = previous.launches;

  if (result.kind === 'up') {
    const troubled = previous.failedStarts > 0 || previous.backoff !== null || previous.fatal !== null;
    let state: ProgramState = {
      ...previous,
      identity: result.identity,
      lastSeenAliveMs: now,
      failedStarts: 0,
      backoff: null,
      fatal: null,
    };
    state = withEvent(state, { atMs: now, kind: 'launch', pid: result.identity.pid, detail: `launch ${launches}` });
    if (troubled) {
      const attempts = previous.failedStarts > 0 ? ` after ${previous.failedStarts} failed start${previous.failedStarts === 1 ? '' : 's'}` : ' after backing off';
      state = withEvent(state, { atMs: now, kind: 'recovered', pid: result.identity.pid, detail: attempts.trim() });
      report(`recovered: started (pid ${result.identity.pid})${attempts}`);
    } else {
      report(`started (pid ${result.identity.pid})`);
    }
    return { state, effects, outcome: 'running' };
  }

  // A failed start: it exited inside its start window.
  const failedStarts = previous.failedStarts + 1;
  const how = `${describeExit(result.code, result.signal)} after ${formatDuration(result.ranMs)}`;
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
  state = withEvent(state, { atMs: now, kind: 'start-failed', pid: result.pid, detail: how });
  const tail = tailLines(result.logTail);

  if (previous.fatal) {
    // A slow retry out of FATAL failed: stay FATAL, say when the next one is.
    state = { ...state, fatal: { ...previous.fatal, lastTryMs: now } };
    const next = policy.fatalRetryMs !== null ? `; next try after ${clock(now + policy.fatalRetryMs)}` : '';
    report(`still fatal: retry failed (pid ${result.pid} ${how})${next}`);
    for (const line of tail) effects.push({ kind: 'report', text: line });
    return { state, effects, outcome: 'not-running' };
  }

  if (failedStarts >= policy.maxRetries) {
    const reason = `${failedStarts} failed starts in a row (last: ${how})`;
    state = { ...state, fatal: { sinceMs: now, reason, lastTryMs: now } };
    state = withEvent(state, { atMs: now, kind: 'fatal', detail: reason });
    report(`failed to start (pid ${result.pid} ${how})`);
    for (const line of tail) effects.push({ kind: 'report', text: line });
    const retry = policy.fatalRetryMs !== null ? `one retry every ${formatDuration(policy.fatalRetryMs)}; ` : '';
    report(`fatal: ${failedStarts} failed starts in a row; ${retry}no more launches until: ${policy.startHint}`);
    return { state, effects, outcome: 'not-running' };
  }

  const delay = backoffDelayMs(policy, failedStarts - 1);
  const reason = `failed start ${failedStarts} of ${policy.maxRetries}`;
  state = { ...state, backoff: { fromMs: now, untilMs: now + delay, reason } };
  state = withEvent(state, { atMs: now, kind: 'backoff', detail: `${reason}; next launch after ${clock(now + delay)}` });
  report(`failed to start (pid ${result.pid} ${how}); ${reason}, next attempt after ${clock(now + delay)}`);
  for (const line of tail) effects.push({ kind: 'report', text: line });
  return { state, effects, outcome: 'not-running' };
}
