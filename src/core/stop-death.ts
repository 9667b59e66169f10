// A program found dead by --stop or --restart: the death is recorded as a check would have
// recorded it (last exit, log tail, the death tally), not lost behind the stop.

import type { Observation } from './observation.js';
import { recordDeathFound } from './policy.js';
import type { ProgramState } from './state.js';

/** The state after a manual stop finds the recorded program already dead, and the words for its line. */
export function deathFoundByStop(previous: ProgramState, obs: Extract<Observation, { kind: 'gone' }>, now: number): { state: ProgramState; words: string } {
  const identity = previous.identity;
  if (!identity) return { state: previous, words: '' };
  const { state, seen, cause } = recordDeathFound(previous, identity, obs, previous.deathTimesMs, now, '; found by a manual stop');
  return { state, words: `pid ${identity.pid} had died (${seen}; ${cause})` };
}
