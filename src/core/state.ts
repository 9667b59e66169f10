// The sidecar state of one program: identity, counters, hold flag and recent events.

import { parseDuties, type DutiesRecord } from './duties-record.js';
import { parseRequest, type LaunchRequest } from './request.js';
import { parseSaid, type Said } from './said-once.js';
import { parseCrowd, type CrowdRecord } from './crowd-record.js';
import { parseMemoryReading, type MemoryReading } from './memory.js';
import { parsePing, type PingRecord } from './ping.js';
import { parseLeaseRecord, type LeaseRecord } from './lease-record.js';

/** The on-disk format version; a newer file is reported, never overwritten blindly. */
export const STATE_VERSION = 1;
/** How many events the sidecar keeps; older ones are dropped, so the file stays small. */
export const MAX_EVENTS = 40;
/** How many log lines are kept with a death. */
export const LOG_TAIL_LINES = 5;

/** What identifies the launched process beyond its PID. */
export interface Identity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), or `ps` lstart text elsewhere. */
  startTime: string | null;
  /** /proc/sys/kernel/random/boot_id at launch, null where there is none. */
  bootId: string | null;
  launchedAtMs: number;
  /** Random token put in the target's environment as ENSURE_RUNNING_TOKEN. */
  token: string;
  /** --respawn: the waiter left beside the program (src/os/waiter.ts), its parent. */
  waiter?: WaiterIdentity;
}

/** The waiter of a run: a shell, the program's parent, waiting for it. */
export interface WaiterIdentity {
  pid: number;
  startTime: string | null;
}

/** What is known about one death. Never an invented exit code. */
export interface ExitInfo {
  atMs: number;
  pid: number;
  /** Exit code, when the check saw the exit itself (inside the start window). */
  code: number | null;
  signal: string | null;
  /** True when the program died inside its start window (a failed start). */
  inStartWindow: boolean;
  /** For a death found at a later check: when it was last seen alive. */
  lastSeenAliveMs: number | null;
  /** How long it had run, when known. */
  ranMs: number | null;
  logTail: string[];
}

export type EventKind =
  | 'launch'
  | 'start-failed'
  | 'death'
  | 'backoff'
  | 'fatal'
  | 'recovered'
  | 'stop'
  /** Written under the lock before the first stop signal: an interrupted --stop still leaves the program held. */
  | 'stopping'
  | 'start'
  | 'adopt'
  | 'restart'
  /** --reload sent the reload signal to the verified program. */
  | 'reload'
  /** Restarted by a health rule: heartbeat too old, HTTP probe failing, --restart-at due. */
  | 'hung'
  | 'unhealthy'
  | 'scheduled-restart'
  /** Restarted for --max-memory: the run's resident memory was above the ceiling. */
  | 'memory';

export interface ProgramEvent {
  atMs: number;
  kind: EventKind;
  pid?: number;
  detail?: string;
}

export interface ProgramState {
  version: number;
  /** The command line, directory and logs of the last launch. */
  command: string[];
  cwd: string | null;
  logs: { stdout: string; stderr: string } | null;
  /** The process launched last; null before the first launch and after a stop. */
  identity: Identity | null;
  /** Held stopped by --stop: plain checks leave it alone. */
  held: boolean;
  launches: number;
  /** Consecutive failed starts; reset by a start that passes its window. */
  failedStarts: number;
  /** Times of recent deaths (failed starts included), for the crowding rule. */
  deathTimesMs: number[];
  /** Set while backing off: no launch before this time. */
  backoff: { fromMs: number; untilMs: number; reason: string } | null;
  /** FATAL: why, since when, the last slow retry and its period (--fatal-retry), so --status can say when the next one is. */
  fatal: { sinceMs: number; reason: string; lastTryMs: number; retryEveryMs: number | null } | null;
  lastExit: ExitInfo | null;
  /** The configuration error that stops launches (command not found, missing cwd), said once a day, not every minute. */
  launchError: { text: string; sinceMs: number; announcedMs: number } | null;
  /** A live PID on file without a launch record keeps the program from starting: said once (src/core/said-once.ts). */
  unverified?: Said | null;
  /**
   * Written before a spawn and cleared once the spawned PID is recorded: if the check is
   * killed in between, the next one finds the orphan by this token in its environment.
   * `by` is the check that launches (its PID and start time): while it lives, no other check
   * launches beside it, even one that took over its lock after it went stale.
   */
  pending: { token: string; atMs: number; by?: { pid: number; startTime: string } } | null;
  /** When a check last saw the program alive. */
  lastSeenAliveMs: number | null;
  /** When a check last ran. */
  lastCheckMs: number | null;
  /** Tallies are cleared once; this marks that the run has passed the minimum uptime. */
  settled: boolean;
  events: ProgramEvent[];
  /** Health probes and schedules (src/core/duties-record.ts); absent in files written before them. */
  health?: DutiesRecord;
  /** The launch request of the last launch (src/core/request.ts): what --start reuses; absent in older files. */
  request?: LaunchRequest;
  /** A call whose request differs from the running program's, announced once: what differs and since when. */
  changed?: { key: string; differences: string[]; sinceMs: number };
  /** Deaths crowding (src/core/crowd.ts): relaunched each time, said once, then hourly or when it changes. */
  crowd?: CrowdRecord;
  /** --max-memory: the run's resident memory at the last full check (a clock of the tick, like lastCheckMs). */
  memory?: MemoryReading;
  /** --ping-url: the last ping and the trouble last sent to --ping-fail-url (src/core/ping.ts); absent without it. */
  ping?: PingRecord;
  /** The lease of a program run on one host of several (--lease, src/core/lease-record.ts); absent without it. */
  lease?: LeaseRecord;
  /**
   * The notification runner started last (src/notify/runner.ts), by PID and start time: while it
   * runs, no quiet promise is given, so that its failure is said at the very next check.
   */
  notifier?: { pid: number; startTime: string };
}

/** A fresh state for a program never launched. */
export function emptyState(command: string[] = [], cwd: string | null = null): ProgramState {
  return {
    version: STATE_VERSION,
    command,
    cwd,
    logs: null,
    identity: null,
    held: false,
    launches: 0,
    failedStarts: 0,
    deathTimesMs: [],
    backoff: null,
    fatal: null,
    lastExit: null,
    launchError: null,
    pending: null,
    lastSeenAliveMs: null,
    lastCheckMs: null,
    settled: false,
    events: [],
  };
}

/** Appends an event, keeping only the newest MAX_EVENTS. Returns a new state. */
export function withEvent(state: ProgramState, event: ProgramEvent): ProgramState {
  const events = [...state.events, event];
  return { ...state, events: events.slice(-MAX_EVENTS) };
}

export type StateParse = { kind: 'ok'; state: ProgramState } | { kind: 'corrupt'; reason: string } | { kind: 'future'; version: number };

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);
const strOrNull = (v: unknown): string | null => (isStr(v) ? v : null);

function parseIdentity(raw: unknown): Identity | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (!isNum(r.pid) || !Number.isInteger(r.pid) || r.pid < 2) return null;
  return {
    pid: r.pid,
    startTime: strOrNull(r.startTime),
    bootId: strOrNull(r.bootId),
    launchedAtMs: isNum(r.launchedAtMs) ? r.launchedAtMs : 0,
    token: isStr(r.token) ? r.token : '',
    ...(parseWaiter(r.waiter) ? { waiter: parseWaiter(r.waiter)! } : {}),
  };
}

function parseWaiter(raw: unknown): WaiterIdentity | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  return isNum(r.pid) && Number.isInteger(r.pid) && r.pid > 1 ? { pid: r.pid, startTime: strOrNull(r.startTime) } : null;
}

function parseExit(raw: unknown): ExitInfo | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (!isNum(r.atMs) || !isNum(r.pid)) return null;
  return {
    atMs: r.atMs,
    pid: r.pid,
    code: numOrNull(r.code),
    signal: strOrNull(r.signal),
    inStartWindow: r.inStartWindow === true,
    lastSeenAliveMs: numOrNull(r.lastSeenAliveMs),
    ranMs: numOrNull(r.ranMs),
    logTail: Array.isArray(r.logTail) ? r.logTail.filter(isStr).slice(-LOG_TAIL_LINES) : [],
  };
}

function parseLaunchError(raw: unknown): ProgramState['launchError'] {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  return isStr(r.text) && isNum(r.sinceMs) && isNum(r.announcedMs) ? { text: r.text, sinceMs: r.sinceMs, announcedMs: r.announcedMs } : null;
}

function parsePending(raw: unknown): ProgramState['pending'] {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (!(isStr(r.token) && /^[0-9a-f]{8,64}$/.test(r.token) && isNum(r.atMs))) return null;
  const by = r.by && typeof r.by === 'object' ? (r.by as Record<string, unknown>) : null;
  const launcher = by && isNum(by.pid) && by.pid > 1 && isStr(by.startTime) && /^[0-9]+$/.test(by.startTime) ? { pid: by.pid, startTime: by.startTime } : null;
  return { token: r.token, atMs: r.atMs, ...(launcher ? { by: launcher } : {}) };
}

function parseNotifier(raw: unknown): ProgramState['notifier'] {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  return isNum(r.pid) && Number.isInteger(r.pid) && r.pid > 1 && isStr(r.startTime) ? { pid: r.pid, startTime: r.startTime } : undefined;
}

function parseLogs(raw: unknown): ProgramState['logs'] {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  return isStr(r.stdout) && isStr(r.stderr) ? { stdout: r.stdout, stderr: r.stderr } : null;
}

function parseChanged(raw: unknown): ProgramState['changed'] {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (!isStr(r.key) || !isNum(r.sinceMs) || !Array.isArray(r.differences)) return undefined;
  return { key: r.key, differences: r.differences.filter(isStr), sinceMs: r.sinceMs };
}

function parseEvents(raw: unknown): ProgramEvent[] {
  if (!Array.isArray(raw)) return [];
  const events: ProgramEvent[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const r = item as Record<string, unknown>;
    if (!isNum(r.atMs) || !isStr(r.kind)) continue;
    const event: ProgramEvent = { atMs: r.atMs, kind: r.kind as EventKind };
    if (isNum(r.pid)) event.pid = r.pid;
    if (isStr(r.detail)) event.detail = r.detail;
    events.push(event);
  }
  return events.slice(-MAX_EVENTS);
}

/**
 * Reads sidecar JSON defensively: wrong types fall back to defaults field by field,
 * truncated JSON is "corrupt", and a newer version is "future" (left untouched by checks).
 */
export function parseState(text: string): StateParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { kind: 'corrupt', reason: `not valid JSON (${(error as Error).message})` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { kind: 'corrupt', reason: 'not a JSON object' };
  const r = raw as Record<string, unknown>;
  if (!isNum(r.version)) return { kind: 'corrupt', reason: 'no version number' };
  if (r.version > STATE_VERSION) return { kind: 'future', version: r.version };
  const backoffRaw = r.backoff as Record<string, unknown> | null | undefined;
  const fatalRaw = r.fatal as Record<string, unknown> | null | undefined;
  const state: ProgramState = {
    ...emptyState(),
    command: Array.isArray(r.command) ? r.command.filter(isStr) : [],
    cwd: strOrNull(r.cwd),
    logs: parseLogs(r.logs),
    identity: parseIdentity(r.identity),
    held: r.held === true,
    launches: isNum(r.launches) && r.launches >= 0 ? Math.floor(r.launches) : 0,
    failedStarts: isNum(r.failedStarts) && r.failedStarts >= 0 ? Math.floor(r.failedStarts) : 0,
    deathTimesMs: Array.isArray(r.deathTimesMs) ? r.deathTimesMs.filter(isNum).slice(-MAX_EVENTS) : [],
    backoff:
      backoffRaw && isNum(backoffRaw.fromMs) && isNum(backoffRaw.untilMs)
        ? { fromMs: backoffRaw.fromMs, untilMs: backoffRaw.untilMs, reason: isStr(backoffRaw.reason) ? backoffRaw.reason : '' }
        : null,
    fatal:
      fatalRaw && isNum(fatalRaw.sinceMs)
        ? {
            sinceMs: fatalRaw.sinceMs,
            reason: isStr(fatalRaw.reason) ? fatalRaw.reason : 'too many failed starts',
            lastTryMs: isNum(fatalRaw.lastTryMs) ? fatalRaw.lastTryMs : fatalRaw.sinceMs,
            retryEveryMs: isNum(fatalRaw.retryEveryMs) && fatalRaw.retryEveryMs > 0 ? fatalRaw.retryEveryMs : null,
          }
        : null,
    lastExit: parseExit(r.lastExit),
    launchError: parseLaunchError(r.launchError),
    // Kept only when present, so that a state written without it reads back the same.
    ...(r.unverified !== undefined ? { unverified: parseSaid(r.unverified) } : {}),
    pending: parsePending(r.pending),
    lastSeenAliveMs: numOrNull(r.lastSeenAliveMs),
    lastCheckMs: numOrNull(r.lastCheckMs),
    settled: r.settled === true,
    events: parseEvents(r.events),
    ...(parseDuties(r.health) ? { health: parseDuties(r.health)! } : {}),
    ...(parseRequest(r.request) ? { request: parseRequest(r.request)! } : {}),
    ...(parseChanged(r.changed) ? { changed: parseChanged(r.changed)! } : {}),
    ...(parseCrowd(r.crowd) ? { crowd: parseCrowd(r.crowd)! } : {}),
    ...(parseMemoryReading(r.memory) ? { memory: parseMemoryReading(r.memory)! } : {}),
    ...(parsePing(r.ping) ? { ping: parsePing(r.ping)! } : {}),
    ...(parseLeaseRecord(r.lease) ? { lease: parseLeaseRecord(r.lease)! } : {}),
    ...(parseNotifier(r.notifier) ? { notifier: parseNotifier(r.notifier)! } : {}),
  };
  return { kind: 'ok', state };
}
