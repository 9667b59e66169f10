// What a health restart does to the crash-loop tallies. A program that hangs (old heartbeat)
// or fails its HTTP probe at every check would otherwise be restarted, and mailed about,
// every minute: such restarts count in the same tally as deaths, and once they crowd the
// program is stopped but not relaunched, backing off exactly as crowded deaths do.
// Planned restarts (--restart-at) are ensure-running's own doing and stay out of the tally.
// Kept apart from health.ts, which the lock-free cron path loads, so that path stays small.

import { formatDuration } from './duration.js';
import type { RestartKind } from './health.js';
import { backoffDelayMs, clock, recentDeaths, type Policy } from './policy.js';
import { withEvent, type ProgramState } from './state.js';

/**
 * What comes of stopping a program for a health rule: the state once the old run is stopped
 * (the relaunch, if any, starts from it); relaunch false when the tally crowds, with the one
 * line to print (when relaunching, the launch reports).
 */
export type HealthRestartDecision = { state: ProgramState; relaunch: true; line: null } | { state: ProgramState; relaunch: false; line: string };

/**
 * Decides whether a program stopped by a health rule is relaunched now. `previous` is the
 * state after decideHealth (still holding the stopped run's identity); `stopped` says how it
 * was stopped ("stopped pid 4242 with SIGTERM"), quoted in the line.
 */
export function decideHealthRestart(previous: ProgramState, restart: { kind: RestartKind; reason: string }, stopped: string, policy: Policy, now: number): HealthRestartDecision {
  // The run is over either way; the last exit stays as it was (ensure-running ended it, no crash).
  let state: ProgramState = { ...previous, identity: null };
  // PLANNED restart: not a trouble of the program, never counted, always relaunched.
  if (restart.kind === 'scheduled') return { state, relaunch: true, line: null };

  const deathTimesMs = [...recentDeaths(previous, policy, now), now];
  state = { ...state, deathTimesMs };
  const crowd = deathTimesMs.length;
  // HUNG/UNHEALTHY + tally not crowded: relaunched at once, like a first death.
  if (crowd < policy.crowdCount) return { state, relaunch: true, line: null };

  // HUNG/UNHEALTHY + tally crowded → BACKOFF: one period, doubling, capped; one line for both changes.
  const until = now + backoffDelayMs(policy, crowd - policy.crowdCount);
  const reason = `${crowd} restarts and deaths within ${formatDuration(policy.crowdWindowMs)}`;
  state = { ...state, backoff: { fromMs: now, untilMs: until, reason } };
  state = withEvent(state, { atMs: now, kind: 'backoff', detail: `${reason}; next launch after ${clock(until, now)}` });
  const line = `${policy.name}: ${restart.kind} (${restart.reason}); ${stopped}; restarted too often (${reason}): backing off, next launch after ${clock(until, now)}`;
  return { state, relaunch: false, line };
}
