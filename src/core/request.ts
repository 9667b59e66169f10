// The launch request: what one call asked to run and how (command, directory, --env pairs,
// logs, stop settings, health options). It is recorded at each launch, so that --start can
// relaunch the program the same way, --stop follows its stop settings, and a changed crontab
// line is told apart from the running program's.

import type { ProgramState } from './state.js';

/** Options as given: a value, the values of a repeatable option, or `true` for a flag (--crowd-backoff). */
export type RecordedOptions = Record<string, string | string[] | true>;

/** One call's request, with its paths resolved and its options as given. */
export interface LaunchRequest {
  command: string[];
  /** The program's working directory, absolute. */
  cwd: string;
  /** The --env pairs (not the caller's whole environment). */
  env: Record<string, string>;
  /** Log files, absolute. */
  stdout: string;
  stderr: string;
  /** The call's own options that shape the program and its stop, as given (--cwd, --env, --signal, --heartbeat, ...). */
  options: RecordedOptions;
  /** The directory the call ran in: what relative paths in `options` are resolved against. */
  base: string;
}

/** What a record knows of the last launch: state files written before the request field lack env and options. */
export interface LaunchedShape {
  command: string[];
  cwd: string | null;
  env: Record<string, string> | null;
  logs: { stdout: string; stderr: string } | null;
  /** --user (null: the caller); undefined where the request's options are not known. */
  user?: string | null;
}

/** Keys only: values may be secrets, and this text goes to mail and --status. */
function envText(was: Record<string, string>, now: Record<string, string>, keys: string[]): string {
  return keys.map((key) => `${key} ${!(key in was) ? 'added' : !(key in now) ? 'removed' : 'changed'}`).join(', ');
}

/** The part of a request that the running process was made of; null where a record does not know. */
export function shapeOf(request: Pick<LaunchRequest, 'command' | 'cwd'> & Partial<LaunchRequest>): LaunchedShape {
  return {
    command: request.command,
    cwd: request.cwd,
    env: request.env ?? null,
    logs: request.stdout !== undefined && request.stderr !== undefined ? { stdout: request.stdout, stderr: request.stderr } : null,
    ...(request.options ? { user: typeof request.options.user === 'string' ? request.options.user : null } : {}),
  };
}

/** What the record says the running program was launched with (older records lack env). */
export function launchedShape(state: ProgramState): LaunchedShape {
  if (state.request) return shapeOf(state.request);
  return { command: state.command, cwd: state.cwd, env: null, logs: state.logs };
}

/** True when a request carries everything a record needs (the unit tables pass bare command and cwd). */
export function isFullRequest(request: Pick<LaunchRequest, 'command' | 'cwd'> & Partial<LaunchRequest>): request is LaunchRequest {
  return (
    request.env !== undefined && request.stdout !== undefined && request.stderr !== undefined && request.options !== undefined && request.base !== undefined
  );
}

/**
 * What differs between the running program's launch and this call's request, one short
 * item per part: the command, --cwd, --env (the keys that changed) and the logs. Empty when
 * they match. A part that either side does not know (a record written before --env was
 * recorded) is not compared.
 */
export function requestDifferences(launched: LaunchedShape, call: LaunchedShape): string[] {
  const differences: string[] = [];
  if (JSON.stringify(launched.command) !== JSON.stringify(call.command)) differences.push('command');
  if (launched.cwd !== null && call.cwd !== null && launched.cwd !== call.cwd) differences.push(`--cwd ${call.cwd} (running: ${launched.cwd})`);
  const [was, now] = [launched.env, call.env];
  if (was !== null && now !== null) {
    const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((key) => was[key] !== now[key]).sort();
    if (keys.length) differences.push(`--env ${envText(was, now, keys)}`);
  }
  const [old, next] = [launched.logs, call.logs];
  if (old !== null && next !== null && (old.stdout !== next.stdout || old.stderr !== next.stderr)) {
    const shown = (logs: { stdout: string; stderr: string }) => (logs.stdout === logs.stderr ? logs.stdout : `${logs.stdout} and ${logs.stderr}`);
    differences.push(`logs ${shown(next)} (running: ${shown(old)})`);
  }
  // Who it runs as shapes the process as much as its command does.
  if (launched.user !== undefined && call.user !== undefined && launched.user !== call.user) {
    differences.push(`--user ${call.user ?? '(none: the caller)'} (running: ${launched.user ?? 'as the caller'})`);
  }
  return differences;
}

/** A key for one call's request: the same change is announced once. */
export function requestKey(call: LaunchedShape): string {
  return JSON.stringify([call.command, call.cwd, Object.entries(call.env ?? {}).sort(), call.logs, ...(call.user ? [call.user] : [])]);
}

const isStr = (v: unknown): v is string => typeof v === 'string';

/** Reads a recorded request defensively; anything malformed is no record at all. */
export function parseRequest(raw: unknown): LaunchRequest | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.command) || !r.command.every(isStr) || r.command.length === 0) return null;
  if (!isStr(r.cwd) || !isStr(r.stdout) || !isStr(r.stderr) || !isStr(r.base)) return null;
  const env: Record<string, string> = {};
  if (r.env && typeof r.env === 'object' && !Array.isArray(r.env)) {
    for (const [key, value] of Object.entries(r.env)) if (isStr(value)) env[key] = value;
  }
  const options: RecordedOptions = {};
  if (r.options && typeof r.options === 'object' && !Array.isArray(r.options)) {
    for (const [key, value] of Object.entries(r.options)) {
      if (isStr(value) || value === true) options[key] = value;
      else if (Array.isArray(value) && value.every(isStr)) options[key] = value;
    }
  }
  return { command: r.command, cwd: r.cwd, env, stdout: r.stdout, stderr: r.stderr, options, base: r.base };
}
