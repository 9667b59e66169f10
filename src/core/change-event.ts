// What --on-change and --notify-url are told: one change event per check that said lines,
// named from the transitions its decisions made (src/core/transition.ts), its exit from the
// transition of the run that ended, its message the lines the check said (the transitions'
// and its warnings). Pure: what the check told and the state after in, facts out.

import type { ProgramState } from './state.js';
import type { Told, TransitionKind } from './transition.js';

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

/** How each transition is called for a hook; those that are no news (stopping, start, reload) are null. */
const NAMES: Record<TransitionKind, ChangeKind | null> = {
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
  stopping: null,
  start: null,
  reload: null,
  // A line about no change of phase (a crowd's summary, a changed request): the event is `notice` when nothing else changed.
  notice: null,
  // A log rotation that failed (--log-max-size) is the logs' trouble, no change of the program: `notice` when nothing else changed.
  'rotation-failed': null,
  // A launch refused for a configuration error puts no event on record: it cannot start.
  'launch-refused': 'failed-start',
  'lease-taken': 'lease-taken',
  'lease-lost': 'lease-lost',
  'store-unreachable': 'store-unreachable',
  'store-back': 'store-back',
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

/**
 * The change a check made, or null for a check that said nothing: a hook runs exactly when a
 * line goes to cron's mail, never on a quiet check.
 */
export function changeOf(told: Told, after: ProgramState, facts: { name: string; pidFile: string }, now: number): ChangeEvent | null {
  const { transitions, said: lines } = told;
  if (lines.length === 0) return null;
  const kinds = new Set<ChangeKind>();
  for (const transition of transitions) {
    const name = NAMES[transition.kind];
    if (name) kinds.add(name);
  }
  if (kinds.size === 0) kinds.add('notice');
  const events = RANK.filter((k) => kinds.has(k));
  // The run that ended in this check, if one did: its exit as its transition says, its log tail as recorded.
  const ended = [...transitions].reverse().find((transition) => transition.exit !== null);
  const recorded = ended && after.lastExit && after.lastExit.pid === ended.pid ? after.lastExit : null;
  return {
    event: events[0]!,
    events,
    name: facts.name,
    pidFile: facts.pidFile,
    pid: after.identity?.pid ?? ended?.pid ?? null,
    exitCode: ended?.exit?.code ?? null,
    signal: ended?.exit?.signal ?? null,
    message: lines.join('\n').slice(0, MESSAGE_MAX),
    log: after.logs?.stderr ?? null,
    logTail: recorded?.logTail ?? [],
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
