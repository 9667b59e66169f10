// --ping-url, a dead-man's switch for the guard itself: when to request the URL (at most once
// per --ping-every while the program runs) and the fail URL (once per FATAL or launch error).
// Pure: the record, what the check ended with, and the clock come in as arguments.

import { parseSaid, type Said } from './said-once.js';
import type { ProgramState } from './state.js';

/** The ping on record in the program's state file. */
export interface PingRecord {
  /** When a ping was last requested (its answer is not awaited). */
  lastMs: number | null;
  /** The trouble the fail URL was last requested for (FATAL or a launch error, by when it began), null once healthy again. */
  failKey: string | null;
  /** A failed ping, said once a day while it stays the same (src/core/said-once.ts). */
  said?: Said | null;
}

export interface PingOptions {
  everyMs: number;
  failUrl: boolean;
}

/** The trouble that calls for the fail URL: FATAL, or a launch that cannot even spawn. */
export function troubleOf(state: ProgramState): string | null {
  if (state.fatal) return `fatal:${state.fatal.sinceMs}`;
  if (state.launchError) return `cannot-start:${state.launchError.sinceMs}`;
  return null;
}

/**
 * What this check requests: `ping` when the program runs and the last ping is --ping-every old
 * (or from the future, after the clock went back, or before trouble that has now passed);
 * `fail` once per trouble. The record to keep goes with it.
 */
export function decidePing(
  record: PingRecord | undefined,
  state: ProgramState,
  running: boolean,
  options: PingOptions,
  now: number,
): { request: 'ping' | 'fail' | null; record: PingRecord } {
  const kept: PingRecord = { lastMs: record?.lastMs ?? null, failKey: record?.failKey ?? null, said: record?.said ?? null };
  const trouble = troubleOf(state);
  if (trouble) {
    if (!options.failUrl || trouble === kept.failKey) return { request: null, record: kept };
    return { request: 'fail', record: { ...kept, failKey: trouble } };
  }
  if (!running) return { request: null, record: kept };
  const recovered = kept.failKey !== null;
  const due = kept.lastMs === null || recovered || now - kept.lastMs >= options.everyMs || now < kept.lastMs;
  return due ? { request: 'ping', record: { ...kept, lastMs: now, failKey: null } } : { request: null, record: kept };
}

/** When the next ping is due, for the quiet promise (src/core/promise-deadline.ts); null before the first. */
export function nextPingMs(record: PingRecord | undefined, everyMs: number): number | null {
  return record?.lastMs === null || record?.lastMs === undefined ? null : record.lastMs + everyMs;
}

/** Reads the record defensively (a hand-edited file falls back to "never pinged"). */
export function parsePing(raw: unknown): PingRecord | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { lastMs: num(r.lastMs), failKey: typeof r.failKey === 'string' ? r.failKey : null, said: parseSaid(r.said) };
}
