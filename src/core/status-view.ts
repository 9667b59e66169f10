// What --status says about one program: a pure view of (state, observation, files, now).

import type { Observation } from './observation.js';
import { describeGone } from './observation.js';
import type { ProgramEvent, ProgramState } from './state.js';
import { formatDuration } from './duration.js';
import { formatBytes } from './memory.js';
import { isoTime, localFromIso } from './local-time.js';
import { quoteArgv } from './shell-quote.js';
import type { ChecksView } from './cadence.js';
import { healthRows, healthView, type HealthView } from './health-view.js';
import { leaseCells, leaseRows, leaseStatus, type LeaseStatus } from './lease-view.js';

export type StatusState = 'running' | 'held' | 'stopped' | 'crashed' | 'backoff' | 'fatal' | 'misconfigured' | 'unknown';

/** The stable JSON shape of one program's status, documented in the README. */
export interface StatusJson {
  name: string;
  state: StatusState;
  pid: number | null;
  verified: boolean;
  startedAt: string | null;
  uptimeSeconds: number | null;
  launches: number;
  failedStarts: number;
  recentDeaths: number;
  backoffUntil: string | null;
  /** --user of the launch request on record: who the program runs as; null: the caller. */
  user: string | null;
  /** The run's resident memory now (its process group and launch-token carriers), with the --max-memory of the last check; null when not running. */
  memory: { bytes: number; processes: number; maxBytes: number | null } | null;
  /** --respawn: the waiter of the run on record, and whether it is still there (cron is the backstop when it is not); absent without one. */
  waiter?: { pid: number; alive: boolean } | null;
  /** Deaths crowding (src/core/crowd.ts): relaunched each time, the mail quieted; since when, how many, the last kind, when last said. */
  crowd: { since: string; deaths: number; trouble: string; saidAt: string } | null;
  fatalReason: string | null;
  /** FATAL with --fatal-retry: when the next slow retry is due. */
  fatalRetryAt: string | null;
  /** The configuration error that stops launches (said once a day on stderr), with when it began. */
  launchError: { text: string; since: string } | null;
  held: boolean;
  /** A check's launch request differs from the running program's (said once on stderr): what, and since when; --restart applies it. */
  requestDiffers: { since: string; differences: string[] } | null;
  lastExit: {
    at: string;
    pid: number;
    code: number | null;
    signal: string | null;
    inStartWindow: boolean;
    lastSeenAlive: string | null;
    logTail: string[];
  } | null;
  lastCheck: string | null;
  command: string[];
  cwd: string | null;
  pidFile: string;
  stateFile: string;
  log: { stdout: string; stderr: string } | null;
  note: string | null;
  error: string | null;
  events?: { at: string; kind: string; pid: number | null; detail: string | null }[];
  /** With --schedule or --interval: when the next check is due, and a warning when checks stopped arriving. */
  checks?: ChecksView;
  /** With health options: failed probes in a row, planned restarts. */
  health?: HealthView;
  /** With --lease: this host's role, the holder, the fencing token and the expiry (src/core/lease-view.ts). */
  lease?: LeaseStatus;
}

export interface StatusInput {
  name: string;
  pidFile: string;
  stateFile: string;
  pidFileExists: boolean;
  state: ProgramState | null;
  observation: Observation | null;
  log: { stdout: string; stderr: string } | null;
  /** Set when the files could not be read: the status is unknown (exit 4). */
  error: string | null;
  note: string | null;
  now: number;
  /** Computed by the status command from the declared cadence (needs cron-parser for --schedule). */
  checks?: ChecksView | null;
  /** The run's resident memory now, read by the status command (a verified running program on Linux). */
  memory?: { bytes: number; processes: number } | null;
  /** --respawn: whether the run's waiter is still there, read by the status command. */
  waiter?: { pid: number; alive: boolean } | null;
}

const iso = isoTime;

/** Classifies the program; `proven` is false for a live PID that nothing proves is the program (the status is then unknown). */
export function classify(input: StatusInput): { state: StatusState; proven: boolean } {
  const { state, observation: obs } = input;
  const is = (label: StatusState) => ({ state: label, proven: true });
  if (input.error || !obs) return is('unknown');
  if (obs.kind === 'ours') return is('running');
  // Alive, but nothing proves it is the program (a PID file from another tool or user): unknown.
  if (obs.kind === 'unverified') return { state: 'running', proven: false };
  if (state?.held) return is('held');
  if (state?.fatal) return is('fatal');
  // It cannot even be launched (command, interpreter, directory or log missing): dead, and why.
  if (state?.launchError) return is('misconfigured');
  if (state?.backoff && state.backoff.untilMs > input.now) return is('backoff');
  // A recorded death counts as "dead but the PID file exists" even though the check removed the
  // dead PID from the file (so that a reused PID could never pass for the program).
  if (input.pidFileExists || state?.identity || state?.lastExit) return is('crashed');
  return is('stopped');
}

/** Builds the JSON object of one program. */
export function statusJson(input: StatusInput, withEvents: boolean): StatusJson {
  const { state, observation: obs } = input;
  const { state: label } = classify(input);
  const running = obs?.kind === 'ours' || obs?.kind === 'unverified';
  // Not running: the PID on file, else the dead one last recorded (a check removes it from the PID file).
  const pid = running
    ? obs.pid
    : ((obs?.kind === 'gone' ? obs.pid : null) ?? (label === 'stopped' || label === 'held' ? null : (state?.lastExit?.pid ?? null)));
  const launchedAt = obs?.kind === 'ours' ? (state?.identity?.launchedAtMs ?? null) : null;
  const last = state?.lastExit ?? null;
  let note = input.note;
  if (obs?.kind === 'unverified') note = 'no launch record for this PID: judged by liveness alone (PID file written by another tool?)';
  else if (obs?.kind === 'gone' && obs.why !== 'no-record' && obs.why !== 'stopped' && !note) note = describeGone(obs.why, obs.pid);
  const json: StatusJson = {
    name: input.name,
    state: label,
    pid,
    verified: obs?.kind === 'ours',
    startedAt: iso(launchedAt),
    uptimeSeconds: launchedAt !== null ? Math.max(0, Math.floor((input.now - launchedAt) / 1000)) : null,
    launches: state?.launches ?? 0,
    failedStarts: state?.failedStarts ?? 0,
    recentDeaths: state?.deathTimesMs.length ?? 0,
    backoffUntil: label === 'backoff' ? iso(state?.backoff?.untilMs) : null,
    user: typeof state?.request?.options.user === 'string' ? state.request.options.user : null,
    memory: input.memory ? { ...input.memory, maxBytes: state?.memory?.maxBytes ?? null } : null,
    ...(obs?.kind === 'ours' && input.waiter ? { waiter: input.waiter } : {}),
    crowd: state?.crowd
      ? { since: iso(state.crowd.sinceMs)!, deaths: state.crowd.count, trouble: state.crowd.trouble, saidAt: iso(state.crowd.announcedMs)! }
      : null,
    fatalReason: state?.fatal?.reason ?? null,
    fatalRetryAt: state?.fatal?.retryEveryMs ? iso(state.fatal.lastTryMs + state.fatal.retryEveryMs) : null,
    launchError: state?.launchError ? { text: state.launchError.text, since: iso(state.launchError.sinceMs)! } : null,
    held: state?.held ?? false,
    requestDiffers: obs?.kind === 'ours' && state?.changed ? { since: iso(state.changed.sinceMs)!, differences: state.changed.differences } : null,
    lastExit: last
      ? {
          at: iso(last.atMs)!,
          pid: last.pid,
          code: last.code,
          signal: last.signal,
          inStartWindow: last.inStartWindow,
          lastSeenAlive: iso(last.lastSeenAliveMs),
          logTail: last.logTail,
        }
      : null,
    lastCheck: iso(state?.lastCheckMs),
    command: state?.command ?? [],
    cwd: state?.cwd ?? null,
    pidFile: input.pidFile,
    stateFile: input.stateFile,
    log: input.log,
    note,
    error: input.error,
  };
  if (input.checks) json.checks = input.checks;
  const health = healthView(state);
  if (health) json.health = health;
  // The program's token only where it runs: a standby, a held host or one that released the lease runs nothing under any token.
  const lease = leaseStatus(state?.lease, json.state === 'running', input.now);
  if (lease) json.lease = lease;
  if (withEvents)
    json.events = (state?.events ?? []).map((e: ProgramEvent) => ({ at: iso(e.atMs)!, kind: e.kind, pid: e.pid ?? null, detail: e.detail ?? null }));
  return json;
}

function describeLastExit(last: NonNullable<StatusJson['lastExit']>): string {
  const how = last.signal ? `killed by ${last.signal}` : last.code !== null ? `exit code ${last.code}` : 'exit status unknown';
  const when = last.inStartWindow
    ? 'inside its start window'
    : last.lastSeenAlive
      ? `found dead; last seen alive ${localFromIso(last.lastSeenAlive)}`
      : 'found dead';
  return `${how}, pid ${last.pid}, ${localFromIso(last.at)} (${when})`;
}

/** An uptime counted in whole seconds, never "0ms". */
function uptimeText(seconds: number): string {
  return formatDuration(Math.max(1, seconds) * 1000).replace(/^1s$/, seconds < 1 ? '<1s' : '1s');
}

/** The human text of one program's status. */
export function statusText(json: StatusJson): string {
  const lines: string[] = [];
  const row = (key: string, value: string) => lines.push(`  ${key.padEnd(11)}${value}`);
  let head = `${json.name}: ${json.state}`;
  if (json.state === 'backoff' && json.backoffUntil) head += ` (next launch after ${localFromIso(json.backoffUntil)})`;
  if (json.state === 'fatal' && json.fatalReason)
    head += ` (${json.fatalReason}${json.fatalRetryAt ? `; next retry after ${localFromIso(json.fatalRetryAt)}` : ''})`;
  lines.push(head);
  if (json.error) row('error', json.error);
  if (json.launchError) row('cannot', `launch since ${localFromIso(json.launchError.since)}: ${json.launchError.text}`);
  if (json.pid !== null)
    row(
      'pid',
      `${json.pid}${json.state === 'running' ? (json.verified ? ' (identity verified)' : ' (not verified)') : ' (the last one recorded; not running)'}`,
    );
  if (json.startedAt) row('since', `${localFromIso(json.startedAt)} (up ${uptimeText(json.uptimeSeconds ?? 0)})`);
  row('launches', String(json.launches));
  if (json.memory)
    row(
      'memory',
      `${formatBytes(json.memory.bytes)} resident in ` +
        `${json.memory.processes === 1 ? '1 process' : `${json.memory.processes} processes`}` +
        `${json.memory.maxBytes !== null ? ` (--max-memory ${formatBytes(json.memory.maxBytes)})` : ''}`,
    );
  if (json.waiter)
    row(
      'waiter',
      json.waiter.alive
        ? `pid ${json.waiter.pid} (--respawn: a death is seen and checked at once)`
        : `gone (pid ${json.waiter.pid}): a death is found by the next cron check`,
    );
  if (json.crowd)
    row(
      'crowded',
      `${json.crowd.deaths} deaths and restarts since ${localFromIso(json.crowd.since)} (last: ` +
        `${json.crowd.trouble}), relaunched each time; last said ${localFromIso(json.crowd.saidAt)}`,
    );
  if (json.failedStarts) row('failed', `${json.failedStarts} failed start${json.failedStarts === 1 ? '' : 's'} in a row`);
  if (json.lastExit) {
    row('last exit', describeLastExit(json.lastExit));
    for (const line of json.lastExit.logTail) lines.push(`  ${''.padEnd(11)}| ${line}`);
  }
  if (json.note) row('note', json.note);
  if (json.requestDiffers)
    row(
      'differs',
      `since ${localFromIso(json.requestDiffers.since)}, a check asked for: ${json.requestDiffers.differences.join('; ')}; it runs as launched until --restart`,
    );
  if (json.command.length) row('command', quoteArgv(json.command));
  if (json.user) row('user', json.user);
  if (json.cwd) row('cwd', json.cwd);
  if (json.log) row('log', json.log.stdout === json.log.stderr ? json.log.stdout : `${json.log.stdout} (stdout), ${json.log.stderr} (stderr)`);
  row('pid file', json.pidFile);
  if (json.lastCheck) row('last check', localFromIso(json.lastCheck));
  for (const [key, value] of healthRows(json)) row(key, value);
  for (const [key, value] of leaseRows(json.lease, localFromIso)) row(key, value);
  if (json.events) {
    lines.push('  history');
    if (!json.events.length) lines.push('    (no events)');
    for (const e of json.events)
      lines.push(`    ${localFromIso(e.at)}  ${e.kind.padEnd(13)}${e.pid !== null ? `pid ${e.pid}  ` : ''}${e.detail ?? ''}`.trimEnd());
  }
  return lines.join('\n');
}

/** Whether checks stopped arriving on the program's recorded cadence: nothing guards it now. */
export const checksOverdue = (json: StatusJson): boolean => json.checks?.overdue === true;

/**
 * The aligned table of every guarded program. A program whose checks stopped arriving has
 * `?` after its state (`running?`: it ran at the last check, and nothing checks it now) and a
 * NOTE column saying since when. With a program under --lease, its role here, the holder, the
 * fencing token and the time left as the last check saw them (ROLE, HOLDER, TOKEN, LEFT).
 */
export function statusTable(rows: StatusJson[]): string {
  const notes = rows.map((j) => (checksOverdue(j) ? (j.checks!.warning?.split(';')[0] ?? 'checks stopped arriving') : ''));
  const noted = notes.some((note) => note !== '');
  const leased = rows.some((j) => j.lease);
  const header = ['NAME', 'STATE', 'PID', 'UPTIME', 'LAUNCHES', ...(leased ? ['ROLE', 'HOLDER', 'TOKEN', 'LEFT'] : []), 'PID FILE', ...(noted ? ['NOTE'] : [])];
  const body = rows.map((j, i) => [
    j.name,
    checksOverdue(j) ? `${j.state}?` : j.state,
    j.pid !== null && j.state === 'running' ? String(j.pid) : '-',
    j.uptimeSeconds !== null ? uptimeText(j.uptimeSeconds) : '-',
    String(j.launches),
    ...(leased ? leaseCells(j.lease) : []),
    j.pidFile,
    ...(noted ? [notes[i]!] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [fmt(header), ...body.map(fmt)].join('\n');
}
