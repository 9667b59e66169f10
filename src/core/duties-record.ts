// What a check keeps of its duties beyond liveness, in the sidecar's `health` field (named
// before it held more than health): the health rules' tally (failed probes, the planned
// restart done, when a heartbeat was first seen), the declared cadence of cron's calls, and a
// failed log rotation.

import { parseSaid, type Said } from './said-once.js';

/** What --restart-at has done and when it is next due (so the lock-free path needs no cron-parser). */
export interface RestartAtRecord {
  text: string;
  tz: string | null;
  /** The first scheduled time not yet acted on; the fast path sends the call to the full check from then. */
  nextMs: number;
  /** The scheduled time of the last planned restart, so that each is done once. */
  lastScheduledMs: number | null;
  lastRestartMs: number | null;
  /** Set when the option was first seen on a program already running: scheduled times before it do not count. */
  seenSinceMs?: number;
}

/** The cadence declared with --schedule or --interval, recorded so that --status can watch for missing checks. */
export interface CadenceRecord {
  /** The option texts as given: a change sends the call to the full check. */
  key: string;
  schedule: string | null;
  tz: string | null;
  periodMs: number;
}

/** The sidecar's `health` field: health tally, declared cadence, log rotation trouble. */
export interface DutiesRecord {
  /** Consecutive failed HTTP probes; reset by a good one and by a relaunch. */
  failures: number;
  lastFailure: string | null;
  restartAt: RestartAtRecord | null;
  cadence: CadenceRecord | null;
  /** When a check first saw --heartbeat with this file: a heartbeat added to a running program is judged from then, not from its launch. */
  heartbeatSeen?: { file: string; sinceMs: number } | null;
  /** A failed log rotation (--log-max-size), said once: the check goes on without it. */
  rotateError?: Said | null;
}

/** The record of a program that never had health, cadence or log options. */
export function emptyDuties(): DutiesRecord {
  return { failures: 0, lastFailure: null, restartAt: null, cadence: null };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Reads the record defensively: anything missing or mistyped falls back to the empty value, field by field. */
export function parseDuties(raw: unknown): DutiesRecord | undefined {
  const r = obj(raw);
  if (!r) return undefined;
  const at = obj(r.restartAt);
  const cadence = obj(r.cadence);
  const seen = obj(r.heartbeatSeen);
  return {
    ...(seen && isStr(seen.file) && isNum(seen.sinceMs) ? { heartbeatSeen: { file: seen.file, sinceMs: seen.sinceMs } } : {}),
    failures: isNum(r.failures) && r.failures >= 0 ? Math.floor(r.failures) : 0,
    lastFailure: isStr(r.lastFailure) ? r.lastFailure : null,
    restartAt:
      at && isStr(at.text) && isNum(at.nextMs)
        ? {
            text: at.text,
            tz: isStr(at.tz) ? at.tz : null,
            nextMs: at.nextMs,
            lastScheduledMs: isNum(at.lastScheduledMs) ? at.lastScheduledMs : null,
            lastRestartMs: isNum(at.lastRestartMs) ? at.lastRestartMs : null,
            ...(isNum(at.seenSinceMs) ? { seenSinceMs: at.seenSinceMs } : {}),
          }
        : null,
    cadence:
      cadence && isStr(cadence.key) && isNum(cadence.periodMs) && cadence.periodMs > 0
        ? {
            key: cadence.key,
            schedule: isStr(cadence.schedule) ? cadence.schedule : null,
            tz: isStr(cadence.tz) ? cadence.tz : null,
            periodMs: cadence.periodMs,
          }
        : null,
    ...(r.rotateError !== undefined ? { rotateError: parseSaid(r.rotateError) } : {}),
  };
}
