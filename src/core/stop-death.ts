// A program found dead by --stop or --restart: the death is recorded as a check would have
// recorded it (last exit, log tail, the death tally), not lost behind the stop.

import { describeGone, type Observation } from './observation.js';
import { clock } from './policy.js';
import { withEvent, type ProgramState } from './state.js';

/** The state after a manual stop finds the recorded program already dead, and the words for its line. */
export function deathFoundByStop(previous: ProgramState, obs: Extract<Observation, { kind: 'gone' }>, now: number): { state: ProgramState; words: string } {
  const identity = previous.identity;
  if (!identity) return { state: previous, words: '' };
  const lastSeen = previous.lastSeenAliveMs;
  const seen = lastSeen !== null ? `last seen alive ${clock(lastSeen, now)}` : 'never seen alive by a check';
  const cause = obs.why === 'exited' ? 'exit status unknown: it died between checks' : describeGone(obs.why, identity.pid);
  let state: ProgramState = {
    ...previous,
    identity: null,
    lastExit: {
      atMs: now,
      pid: identity.pid,
      code: null,
      signal: null,
      inStartWindow: false,
      lastSeenAliveMs: lastSeen,
      ranMs: lastSeen !== null ? Math.max(0, lastSeen - identity.launchedAtMs) : null,
      logTail: obs.logTail,
    },
    deathTimesMs: [...previous.deathTimesMs, now],
  };
  state = withEvent(state, { atMs: now, kind: 'death', pid: identity.pid, detail: `${seen}; ${cause}; found by a manual stop` });
  return { state, words: `pid ${identity.pid} had died (${seen}; ${cause})` };
}
