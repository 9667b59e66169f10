// What a health restart does to the crash-loop tallies. A program that hangs (old heartbeat),
// fails its HTTP probe or grows past --max-memory at every check counts such restarts in the
// same tally as deaths, under the same crowding rule (src/core/crowd.ts): relaunched each time,
// the mail quieted once they crowd; with --crowd-backoff, stopped but not relaunched, backing
// off exactly as crowded deaths do. Planned restarts (--restart-at) are ensure-running's own
// doing and stay out of the tally.
// Kept apart from health.ts, which the lock-free cron path loads, so that path stays small.

import { crowdVerdict, type Trouble } from './crowd.js';
import type { RestartKind } from './health.js';
import { clock } from './local-time.js';
import { recentDeaths, type Policy } from './policy.js';
import { withEvent, type ProgramState } from './state.js';

/**
 * What comes of stopping a program for a health rule: the state once the old run is stopped
 * (the relaunch, if any, starts from it); relaunch false under --crowd-backoff when the tally
 * crowds, with the one line to print (when relaunching, the launch reports). `crowd`, when
 * relaunching a crowded restart, ends the relaunch line, or is null for silence.
 */
export type HealthRestartDecision =
  | { state: ProgramState; relaunch: true; line: null; crowd?: string | null }
  | { state: ProgramState; relaunch: false; line: string };

/**
 * Decides whether a program stopped by a health rule is relaunched now. `previous` is the
 * state after decideHealth (still holding the stopped run's identity); `stopped` says how it
 * was stopped ("stopped pid 4242 with SIGTERM"), quoted in the line.
 */
export function decideHealthRestart(
  previous: ProgramState,
  restart: { kind: RestartKind; reason: string },
  stopped: string,
  policy: Policy,
  now: number,
): HealthRestartDecision {
  // The run is over either way; the last exit stays as it was (ensure-running ended it, no crash).
  let state: ProgramState = { ...previous, identity: null };
  // PLANNED restart: not a trouble of the program, never counted, always relaunched.
  if (restart.kind === 'scheduled') return { state, relaunch: true, line: null };

  state = { ...state, deathTimesMs: [...recentDeaths(previous, policy, now), now] };
  const crowded = crowdVerdict(state, restart.kind as Trouble, policy, now);
  state = crowded.state;
  const verdict = crowded.verdict;
  // HUNG/UNHEALTHY/MEMORY + not crowded: relaunched at once, like a first death, with its own line.
  if (verdict.kind === 'plain') return { state, relaunch: true, line: null };
  // Crowded: relaunched all the same; the crowd line, or silence.
  if (verdict.kind === 'quiet') return { state, relaunch: true, line: null, crowd: verdict.say };

  // --crowd-backoff + tally crowded → BACKOFF: one period, doubling, capped; one line for both changes.
  const { untilMs: until, reason } = verdict;
  state = { ...state, backoff: { fromMs: now, untilMs: until, reason } };
  state = withEvent(state, { atMs: now, kind: 'backoff', detail: `${reason}; next launch after ${clock(until, now)}` });
  const line =
    `${policy.name}: ${restart.kind} (${restart.reason}); ${stopped}; restarted ` +
    `too often (${reason}): backing off, next launch after ${clock(until, now)}`;
  return { state, relaunch: false, line };
}
