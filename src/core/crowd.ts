// Crowded deaths: what a check does when a program that passed its start window keeps dying
// (or is restarted for a hung heartbeat, a failing probe, too much memory). By default it is
// relaunched at the check that finds it, always: a check relaunches at most once per interval,
// so a crash loop can never become a restart storm. Crowding only quiets the mail: the first
// deaths are said one by one, then one line for the crowd, then silence until the kind of
// trouble changes or an hour has passed; the history keeps every death. With --crowd-backoff
// the old rule holds instead: crowded deaths back off, one interval doubling up to --backoff-max.

import { formatDuration } from './duration.js';
import { backoffDelayMs } from './backoff.js';
import { clock } from './local-time.js';
import type { Policy } from './policy.js';
import type { ProgramState } from './state.js';
import type { CrowdRecord, Trouble } from './crowd-record.js';

export type { CrowdRecord, Trouble };

/** How often a crowd that goes on is said again when nothing else about it changes. */
export const CROWD_REPEAT_MS = 3_600_000;

/**
 * What comes of one more trouble, `state.deathTimesMs` already holding it:
 * - plain: not crowded; said as one death, relaunched;
 * - backoff (--crowd-backoff): no relaunch before `untilMs`;
 * - quiet: crowded; relaunched, and `say` is the end of the line to print, or null for silence.
 */
export type CrowdVerdict = { kind: 'plain' } | { kind: 'backoff'; untilMs: number; reason: string } | { kind: 'quiet'; say: string | null };

function tally(n: number, trouble: Trouble, policy: Policy): string {
  const what = trouble === 'died' ? 'deaths' : 'restarts and deaths';
  return `${n} ${what} within ${formatDuration(policy.crowdWindowMs)}`;
}

/** Decides one more trouble against the crowding rule; returns the state with its crowd record and the verdict. */
export function crowdVerdict(previous: ProgramState, trouble: Trouble, policy: Policy, now: number): { state: ProgramState; verdict: CrowdVerdict } {
  const n = previous.deathTimesMs.length;
  if (n < policy.crowdCount) {
    // Not (or no longer) crowded: said as it is, and a later crowd starts afresh.
    const { crowd: _gone, ...rest } = previous;
    return { state: rest, verdict: { kind: 'plain' } };
  }
  if (policy.crowdBackoff) {
    const untilMs = now + backoffDelayMs(policy, n - policy.crowdCount);
    return { state: previous, verdict: { kind: 'backoff', untilMs, reason: tally(n, trouble, policy) } };
  }
  const before = previous.crowd;
  const repeat = `relaunched each time; said again hourly or when it changes`;
  if (!before) {
    const crowd: CrowdRecord = { sinceMs: now, announcedMs: now, trouble, count: n, quietLaunch: true };
    return { state: { ...previous, crowd }, verdict: { kind: 'quiet', say: `${tally(n, trouble, policy)}: ${repeat}` } };
  }
  const count = before.count + 1;
  // Said again when the trouble is of another kind, an hour after it was last said, or after the clock went back.
  const say = before.trouble !== trouble || now - before.announcedMs >= CROWD_REPEAT_MS || now < before.announcedMs;
  const crowd: CrowdRecord = { ...before, count, trouble, announcedMs: say ? now : before.announcedMs, quietLaunch: true };
  const text = say ? `${count} deaths and restarts since ${clock(before.sinceMs, now)} (${tally(n, trouble, policy)}): ${repeat}` : null;
  return { state: { ...previous, crowd }, verdict: { kind: 'quiet', say: text } };
}

/** The line that ends a crowd, said once, when a run of the program has lasted --min-uptime. */
export function crowdOverText(crowd: CrowdRecord, pid: number | null, policy: Policy, now: number): string {
  const who = pid !== null ? `pid ${pid} ` : '';
  return `running steadily again (${who}up ${formatDuration(policy.minUptimeMs)}) after ${crowd.count} deaths and restarts since ${clock(crowd.sinceMs, now)}`;
}
