// How long a quiet promise may last: no later than the next thing the full check must do
// itself, and never longer than the horizon. A pure function of (state, options, now).

import type { HealthOptions } from './health.js';
import { phaseOf } from './phase.js';
import type { ProgramState } from './state.js';
import { PROMISE_HORIZON_MS, PROMISE_MIN_MS } from './promise.js';
import { memoryPromiseUntilMs } from './memory.js';
import { nextPingMs } from './ping.js';

/** The options that give the full check duties of its own. */
export interface PromiseDuties {
  startWindowMs: number;
  minUptimeMs: number;
  health?: HealthOptions;
  /** --log-max-size: a size needs a stat, which a shell cannot make without a process. */
  logRotate?: unknown;
  /** --ping-url: the full check must request it again --ping-every after the last ping. */
  ping?: { everyMs: number };
  /** --lease: every check renews the lease in the store, so no call may be answered without one. */
  lease?: unknown;
}

/**
 * The wall-clock time until which "nothing to do" stays true, or null for no promise: the
 * program is not a verified, settled-or-settling run with nothing pending, an HTTP probe,
 * a log size or a lease (--lease) must be looked at by every check, or a planned restart is
 * not on record.
 */
export function promiseUntilMs(state: ProgramState, duties: PromiseDuties, now: number): number | null {
  const identity = state.identity;
  if (!identity || identity.startTime === null || identity.bootId === null) return null;
  if (phaseOf(state) !== 'running' || state.launchError) return null;
  if (duties.health?.http || duties.logRotate || duties.lease) return null;
  let until = now + PROMISE_HORIZON_MS;
  const due = (at: number) => {
    if (at > now) until = Math.min(until, at);
  };
  // The start window and the minimum uptime that clears the tallies: the full check settles them.
  due(identity.launchedAtMs + duties.startWindowMs);
  if (!state.settled) {
    const settleAt = identity.launchedAtMs + duties.minUptimeMs;
    if (settleAt <= now) return null;
    due(settleAt);
  }
  // --max-memory: no promise near the ceiling; otherwise the memory is looked at again within MEMORY_PROMISE_MS.
  const maxMemory = duties.health?.maxMemory;
  if (maxMemory) {
    const cap = memoryPromiseUntilMs(state.memory, maxMemory);
    if (cap === null || cap <= now) return null;
    due(cap);
  }
  if (duties.ping) {
    // No promise before the first ping is on record; otherwise the promise ends when the next is due.
    const next = nextPingMs(state.ping, duties.ping.everyMs);
    if (next === null || next <= now) return null;
    due(next);
  }
  const restartAt = duties.health?.restartAt;
  if (restartAt) {
    const kept = state.health?.restartAt;
    if (!kept || kept.text !== restartAt.text || kept.tz !== restartAt.tz || kept.nextMs <= now) return null;
    due(kept.nextMs);
  } else if (state.health?.restartAt) {
    return null;
  }
  return until - now >= PROMISE_MIN_MS ? until : null;
}
