// Beyond "is the PID alive": decides whether a live, verified program must be restarted
// because it is hung (old heartbeat), unhealthy (failed HTTP probes) or due for a planned
// restart (--restart-at). A pure function of (state, observations, options, now);
// src/commands/check-duties.ts observes, `decide` (src/core/tick.ts) takes it as the `health`
// event, and the check performs what it decides.

import { formatDuration } from './duration.js';
import { emptyDuties, type DutiesRecord } from './duties-record.js';
import { withEvent, type EventKind, type ProgramState } from './state.js';
import { memoryProblem } from './memory.js';

/** Heartbeat files written up to this long before the launch still count as written by this run (coarse file clocks). */
export const HEARTBEAT_MTIME_SLACK_MS = 1_000;
/** The text helper's stop() writes into the heartbeat file: the program has unregistered. */
export const UNREGISTERED_MARK = 'unregistered';

export interface HeartbeatOptions {
  file: string;
  timeoutMs: number;
  /** No judgement this long after launch, before the first beat (default: the timeout). */
  graceMs: number;
}

export interface HttpOptions {
  url: string;
  timeoutMs: number;
  failures: number;
}

/** The health options of one program; every part is optional. */
export interface HealthOptions {
  heartbeat: HeartbeatOptions | null;
  http: HttpOptions | null;
  restartAt: { text: string; tz: string | null } | null;
  /** --max-memory in bytes (src/core/memory.ts); absent or null without it. */
  maxMemory?: number | null;
}

/** What a stat of the heartbeat file showed. */
export type HeartbeatSeen =
  | { kind: 'missing' }
  | { kind: 'beat'; mtimeMs: number }
  /** The program called stop() (or wrote the mark itself): not judged until it beats again. */
  | { kind: 'unregistered'; mtimeMs: number };

export type ProbeResult = { ok: true } | { ok: false; detail: string };

export interface HealthObservation {
  /** null when --heartbeat is not used. */
  heartbeat: HeartbeatSeen | null;
  /** null when not probed: no --health-url, or the program is inside its start window. */
  probe: ProbeResult | null;
  /** --restart-at: the first scheduled time after the program's start (or after the last planned restart), and the first after now. */
  schedule: { dueMs: number; followingMs: number } | null;
  /** With --max-memory: the run's resident memory now; null when it could not be read. */
  memory?: { bytes: number; processes: number } | null;
}

export type RestartKind = 'hung' | 'unhealthy' | 'memory' | 'scheduled';

export interface HealthVerdict {
  state: ProgramState;
  restart: { kind: RestartKind; reason: string } | null;
}

/** Why a live program's heartbeat says it is hung, or null while it is fine (or not judged). */
export function heartbeatProblem(seen: HeartbeatSeen, launchedAtMs: number, options: HeartbeatOptions, now: number): string | null {
  if (now - launchedAtMs < options.graceMs) return null;
  const thisRun = seen.kind !== 'missing' && seen.mtimeMs >= launchedAtMs - HEARTBEAT_MTIME_SLACK_MS;
  if (seen.kind === 'unregistered' && thisRun) return null;
  if (seen.kind === 'beat' && thisRun) {
    const age = now - seen.mtimeMs;
    return age > options.timeoutMs ? `heartbeat ${formatDuration(age)} old, timeout ${formatDuration(options.timeoutMs)}` : null;
  }
  return `no heartbeat ${formatDuration(now - launchedAtMs)} after launch (grace ${formatDuration(options.graceMs)}, file ${options.file})`;
}

/**
 * Records when --heartbeat (with this file) was first seen for the program, so that adding it
 * to a running program starts its clock then; a program launched with it starts at its launch.
 */
export function noteHeartbeatSeen(health: DutiesRecord, options: HealthOptions | undefined, sinceMs: number): DutiesRecord {
  const file = options?.heartbeat?.file ?? null;
  if (file === null) return health.heartbeatSeen ? { ...health, heartbeatSeen: null } : health;
  if (health.heartbeatSeen?.file === file) return health;
  return { ...health, heartbeatSeen: { file, sinceMs } };
}

/**
 * What a program launched by this check is judged from: its heartbeat and its --restart-at
 * from the launch (a record with no `seenSinceMs`), unlike options added to a running program.
 */
export function noteLaunchedWith(health: DutiesRecord, options: HealthOptions | undefined, launchedAtMs: number, restartDueMs: number | null): DutiesRecord {
  let next = noteHeartbeatSeen(health, options, launchedAtMs);
  const at = options?.restartAt;
  if (at && !(next.restartAt && next.restartAt.text === at.text && next.restartAt.tz === at.tz)) {
    next = { ...next, restartAt: { text: at.text, tz: at.tz, nextMs: restartDueMs ?? launchedAtMs, lastScheduledMs: null, lastRestartMs: null } };
  }
  return next;
}

/** The time from which --restart-at's next due time counts: the launch, the last planned restart, or when the option was first seen on a running program. */
export function restartAtBaseMs(
  kept: DutiesRecord['restartAt'] | undefined,
  cron: { text: string; tz: string | null },
  launchedAtMs: number,
  now: number,
): number {
  const same = kept && kept.text === cron.text && kept.tz === cron.tz ? kept : null;
  if (!same) return Math.max(launchedAtMs, now);
  return Math.max(launchedAtMs, same.lastScheduledMs ?? -Infinity, same.seenSinceMs ?? -Infinity);
}

const EVENT_OF: Record<RestartKind, EventKind> = { hung: 'hung', unhealthy: 'unhealthy', memory: 'memory', scheduled: 'scheduled-restart' };

/** Decides the health of a live, verified program. Heartbeat first, then HTTP, then the schedule: one restart at most. */
export function decideHealth(previous: ProgramState, obs: HealthObservation, options: HealthOptions, now: number): HealthVerdict {
  const launchedAtMs = previous.identity?.launchedAtMs ?? now;
  let health: DutiesRecord = { ...(previous.health ?? emptyDuties()) };
  let restart: HealthVerdict['restart'] = null;

  if (options.heartbeat && obs.heartbeat) {
    // Judged from the launch, or from when the option was first seen if it came later.
    const since = health.heartbeatSeen?.file === options.heartbeat.file ? health.heartbeatSeen.sinceMs : now;
    const problem = heartbeatProblem(obs.heartbeat, Math.max(launchedAtMs, since), options.heartbeat, now);
    if (problem) restart = { kind: 'hung', reason: problem };
  }
  health = noteHeartbeatSeen(health, options, now);

  if (options.http && obs.probe) {
    if (obs.probe.ok) {
      health = { ...health, failures: 0, lastFailure: null };
    } else {
      const failures = health.failures + 1;
      health = { ...health, failures, lastFailure: obs.probe.detail };
      if (!restart && failures >= options.http.failures) {
        restart = { kind: 'unhealthy', reason: `health check failed ${failures} times in a row, last: ${obs.probe.detail}` };
      }
    }
  } else if (!options.http && health.failures > 0) {
    health = { ...health, failures: 0, lastFailure: null };
  }

  // --max-memory: the run's resident memory above the ceiling (src/core/memory.ts), after hung and unhealthy.
  if (options.maxMemory && obs.memory && !restart) {
    const problem = memoryProblem(obs.memory, options.maxMemory);
    if (problem) restart = { kind: 'memory', reason: problem };
  }

  if (options.restartAt && obs.schedule) {
    const { text, tz } = options.restartAt;
    const kept = health.restartAt && health.restartAt.text === text && health.restartAt.tz === tz ? health.restartAt : null;
    const due = obs.schedule.dueMs <= now;
    if (due && !restart) {
      restart = { kind: 'scheduled', reason: `planned restart, --restart-at "${text}" was due at ${new Date(obs.schedule.dueMs).toISOString()}` };
    }
    const acted = due && restart?.kind === 'scheduled';
    health = {
      ...health,
      restartAt: {
        text,
        tz,
        // Not acted on while due (another restart won): the next call looks again, after the relaunch.
        nextMs: acted ? obs.schedule.followingMs : obs.schedule.dueMs,
        lastScheduledMs: acted ? obs.schedule.dueMs : (kept?.lastScheduledMs ?? null),
        lastRestartMs: acted ? now : (kept?.lastRestartMs ?? null),
        // First seen on a running program: scheduled times before now are not its due (see restartAtBaseMs).
        ...(kept ? (kept.seenSinceMs !== undefined ? { seenSinceMs: kept.seenSinceMs } : {}) : { seenSinceMs: now }),
      },
    };
  } else if (!options.restartAt && health.restartAt) {
    health = { ...health, restartAt: null };
  }

  if (restart) health = { ...health, failures: 0 };
  let state: ProgramState = { ...previous, health };
  // The reading goes on record (for --status and the quiet promise); without --max-memory, none is kept.
  if (options.maxMemory && obs.memory) state = { ...state, memory: { ...obs.memory, atMs: now, maxBytes: options.maxMemory } };
  else if (!options.maxMemory && state.memory) {
    const { memory: _gone, ...rest } = state;
    state = rest;
  }
  if (restart)
    state = withEvent(state, { atMs: now, kind: EVENT_OF[restart.kind], ...(previous.identity ? { pid: previous.identity.pid } : {}), detail: restart.reason });
  return { state, restart };
}
