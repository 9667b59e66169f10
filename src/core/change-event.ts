// What --on-change and --notify-url are told: one change event per check that said lines,
// named from the events the check put on record. Pure: two states and the lines in, facts out.

import type { LeaseRecord } from './lease-record.js';
import type { EventKind, ProgramEvent, ProgramState } from './state.js';

/** The names a hook sees in ENSURE_RUNNING_EVENT; `notice` is a line that is no change of state. */
export type ChangeKind =
  | 'started'
  | 'died'
  | 'failed-start'
  | 'backoff'
  | 'fatal'
  | 'recovered'
  | 'stopped'
  | 'hung'
  | 'unhealthy'
  | 'restarted'
  | 'notice'
  /** --lease: this host took the lease, lost it (to another host, or stepped down), the store stopped or came back. */
  | 'lease-taken'
  | 'lease-lost'
  | 'store-unreachable'
  | 'store-back';

/** How each recorded event is called for a hook; events that are no news (stopping, start) are absent. */
const NAMES: Partial<Record<EventKind, ChangeKind>> = {
  launch: 'started',
  adopt: 'started',
  'start-failed': 'failed-start',
  death: 'died',
  backoff: 'backoff',
  fatal: 'fatal',
  recovered: 'recovered',
  stop: 'stopped',
  hung: 'hung',
  unhealthy: 'unhealthy',
  restart: 'restarted',
  'scheduled-restart': 'restarted',
  memory: 'restarted',
};

/** Which change names the event when a check made several (died, then started): the worst first. */
const RANK: ChangeKind[] = [
  'fatal',
  'lease-lost',
  'store-unreachable',
  'failed-start',
  'backoff',
  'hung',
  'unhealthy',
  'died',
  'restarted',
  'recovered',
  'store-back',
  'lease-taken',
  'started',
  'stopped',
  'notice',
];

/** The lease's changes between two records of one program: of role, and of the store's health. */
function leaseChanges(before: LeaseRecord | undefined, after: LeaseRecord | undefined): ChangeKind[] {
  if (!after) return [];
  const kinds: ChangeKind[] = [];
  const was = before?.role ?? 'unknown';
  if (after.role === 'holder' && was !== 'holder') kinds.push('lease-taken');
  if (was === 'holder' && after.role !== 'holder') kinds.push('lease-lost');
  if (after.trouble && !before?.trouble) kinds.push('store-unreachable');
  if (!after.trouble && before?.trouble) kinds.push('store-back');
  return kinds;
}

/** Longest message and log tail a hook gets in its environment: a line for people, not a log. */
export const MESSAGE_MAX = 4000;

/** One change: what the hook's environment and the webhook's JSON say. */
export interface ChangeEvent {
  event: ChangeKind;
  /** Every change of this check, worst first (`died started` for a crash and its relaunch). */
  events: ChangeKind[];
  name: string;
  pidFile: string;
  /** The running PID after the check, else the PID that died. */
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  /** The lines the check said, as cron mails them. */
  message: string;
  /** The program's log (stderr), and its last lines recorded with a death of this check. */
  log: string | null;
  logTail: string[];
  atMs: number;
}

/** The events `after` has that `before` did not (the list is bounded, so compare by content). */
function added(before: ProgramEvent[], after: ProgramEvent[]): ProgramEvent[] {
  const seen = new Set(before.map((e) => JSON.stringify(e)));
  return after.filter((e) => !seen.has(JSON.stringify(e)));
}

/**
 * The change a check made, or null for a check that said nothing: a hook runs exactly when a
 * line goes to cron's mail, never on a quiet check.
 */
export function changeOf(
  before: ProgramState,
  after: ProgramState,
  lines: string[],
  facts: { name: string; pidFile: string },
  now: number,
): ChangeEvent | null {
  if (lines.length === 0) return null;
  const kinds = new Set<ChangeKind>();
  for (const e of added(before.events, after.events)) {
    const name = NAMES[e.kind];
    if (name) kinds.add(name);
  }
  // A launch refused for a configuration error puts no event on record: it cannot start.
  if (after.launchError && after.launchError.announcedMs !== before.launchError?.announcedMs) kinds.add('failed-start');
  for (const kind of leaseChanges(before.lease, after.lease)) kinds.add(kind);
  if (kinds.size === 0) kinds.add('notice');
  const events = RANK.filter((k) => kinds.has(k));
  const exit = after.lastExit && JSON.stringify(after.lastExit) !== JSON.stringify(before.lastExit) ? after.lastExit : null;
  return {
    event: events[0]!,
    events,
    name: facts.name,
    pidFile: facts.pidFile,
    pid: after.identity?.pid ?? exit?.pid ?? null,
    exitCode: exit?.code ?? null,
    signal: exit?.signal ?? null,
    message: lines.join('\n').slice(0, MESSAGE_MAX),
    log: after.logs?.stderr ?? null,
    logTail: exit?.logTail ?? [],
    atMs: now,
  };
}

/** The hook's environment: ENSURE_RUNNING_* facts, unknown ones left out. */
export function hookEnv(change: ChangeEvent): Record<string, string> {
  const env: Record<string, string> = {
    ENSURE_RUNNING_EVENT: change.event,
    ENSURE_RUNNING_EVENTS: change.events.join(' '),
    ENSURE_RUNNING_NAME: change.name,
    ENSURE_RUNNING_PIDFILE: change.pidFile,
    ENSURE_RUNNING_MESSAGE: change.message,
    ENSURE_RUNNING_TIME: String(Math.floor(change.atMs / 1000)),
  };
  if (change.pid !== null) env.ENSURE_RUNNING_PID = String(change.pid);
  if (change.exitCode !== null) env.ENSURE_RUNNING_EXIT_CODE = String(change.exitCode);
  if (change.signal !== null) env.ENSURE_RUNNING_SIGNAL = change.signal;
  if (change.log !== null) env.ENSURE_RUNNING_LOG = change.log;
  if (change.logTail.length) env.ENSURE_RUNNING_LOG_TAIL = change.logTail.join('\n').slice(-MESSAGE_MAX);
  return env;
}

/** The webhook's JSON body: a human `text` (what chat webhooks show) and the same facts as fields. */
export function webhookBody(change: ChangeEvent): Record<string, unknown> {
  return {
    text: change.message,
    event: change.event,
    events: change.events,
    name: change.name,
    pid: change.pid,
    exitCode: change.exitCode,
    signal: change.signal,
    pidFile: change.pidFile,
    log: change.log,
    logTail: change.logTail,
    at: new Date(change.atMs).toISOString(),
  };
}
