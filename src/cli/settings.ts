// Turns a parsed call into a ProgramConfig, checking every value and naming the option at fault.

import { join, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { parseDurationMs } from '../core/duration.js';
import { programPaths, registryDir } from '../core/paths.js';
import {
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_CROWD_COUNT,
  DEFAULT_CROWD_WINDOW_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MIN_UPTIME_MS,
  DEFAULT_PERIOD_MS,
  DEFAULT_START_WINDOW_MS,
} from '../core/policy.js';
import { quoteArgv } from '../core/status-view.js';
import { requestArgv, type LaunchRequest } from '../core/request.js';
import { UsageError } from '../errors.js';
import { ownOptions, recordOnFile, recordedStop, refuseOtherOwner, withRecordedRequest } from './recorded.js';
import type { ProgramConfig } from '../commands/config.js';
import type { World } from '../commands/world.js';
import type { ParsedCall } from './parse.js';
import { healthSettings } from './health-settings.js';

export const DEFAULT_KILL_AFTER_MS = 10_000;
const STOP_SIGNALS = ['TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'KILL'];

function duration(call: ParsedCall, name: 'start-secs' | 'kill-after' | 'backoff-max' | 'fatal-retry' | 'min-uptime' | 'interval' | 'crowd-window', fallback: number): number {
  const text = call.values[name];
  if (typeof text !== 'string') return fallback;
  const ms = parseDurationMs(text);
  if (ms === null) throw new UsageError(`--${name} ${JSON.stringify(text)} is not a duration; use a number of seconds or a number with ms, s, m, h or d (e.g. 10s, 5m), at most 24d`);
  return ms;
}

function count(call: ParsedCall, name: 'max-retries' | 'crowd-deaths', fallback: number): number {
  const text = call.values[name];
  if (typeof text !== 'string') return fallback;
  if (!/^[1-9][0-9]{0,5}$/.test(text)) throw new UsageError(`--${name} ${JSON.stringify(text)} must be a whole number of 1 or more`);
  return Number(text);
}

function stopSignal(call: ParsedCall): NodeJS.Signals {
  const raw = typeof call.values.signal === 'string' ? call.values.signal : 'TERM';
  const name = raw.toUpperCase().replace(/^SIG/, '');
  // Every name in the list is a POSIX signal; not asking node:os keeps it off the cron path.
  if (!STOP_SIGNALS.includes(name)) {
    throw new UsageError(`--signal ${JSON.stringify(raw)} is not a stop signal; use one of ${STOP_SIGNALS.join(', ')}`);
  }
  return `SIG${name}` as NodeJS.Signals;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function envPairs(call: ParsedCall): Record<string, string> {
  const pairs: Record<string, string> = {};
  const list = call.values.env;
  for (const item of Array.isArray(list) ? list : []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${JSON.stringify(item)} must be KEY=VALUE`);
    pairs[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return pairs;
}

function text(call: ParsedCall, name: 'pid' | 'cwd' | 'log' | 'stdout' | 'stderr'): string | undefined {
  const value = call.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Builds the configuration of one program; --pid is required here. */
export function programConfig(given: ParsedCall, world: World): ProgramConfig {
  let call = given;
  const pid = text(call, 'pid');
  if (!pid) throw new UsageError(`--pid FILE is required${call.action === 'status' ? '' : ' (the PID file of the program to guard)'}`);
  if (/(^|\/)\.{0,2}$/.test(pid) || isDirectory(resolve(world.cwd, pid))) {
    throw new UsageError(`--pid ${JSON.stringify(pid)} names a directory; give the path of a file in it, such as ${join(pid, 'app.pid')}`);
  }
  const paths = programPaths(pid, world.cwd);
  const acts = call.action === 'check' || call.action === 'stop' || call.action === 'start' || call.action === 'restart';
  if (acts) refuseOtherOwner(call, paths);
  const manual = call.action === 'stop' || call.action === 'start' || call.action === 'restart';
  const onFile = manual ? recordOnFile(paths.stateFile) : null;
  let reused = false;
  if ((call.action === 'start' || call.action === 'restart') && call.command.length === 0) {
    if (!onFile?.request) {
      const older = onFile && onFile.command.length ? ` (its records, written by an older ensure-running, name ${quoteArgv(onFile.command)}${onFile.cwd ? ` in ${onFile.cwd}` : ''} but not its options)` : '';
      throw new UsageError(`no command given and no launch request on record for ${paths.name}${older}: put the program after --, as in: ensure-running --pid ${pid} --${call.action} -- ./server.js`);
    }
    call = withRecordedRequest(call, onFile.request);
    reused = true;
  }
  const needsCommand = call.action === 'check' || call.action === 'start' || call.action === 'restart' || call.action === 'crontab';
  if (needsCommand && call.command.length === 0) {
    const shown = call.action === 'check' ? '' : ` --${call.action}`;
    throw new UsageError(`no command given: put the program after --, as in: ensure-running --pid ${pid}${shown} -- ./server.js`);
  }
  if (needsCommand && call.command[0] === '') throw new UsageError('the command after -- is an empty string');
  const cwd = resolve(world.cwd, text(call, 'cwd') ?? '.');
  const log = text(call, 'log');
  if (log && (text(call, 'stdout') || text(call, 'stderr'))) throw new UsageError('--log is both streams; use it alone, or --stdout and --stderr');
  const stdout = resolve(world.cwd, text(call, 'stdout') ?? log ?? paths.defaultLog);
  const stderr = resolve(world.cwd, text(call, 'stderr') ?? log ?? (text(call, 'stdout') ? stdout : paths.defaultLog));
  const fatalRetry = call.values['fatal-retry'] === 'off' ? null : duration(call, 'fatal-retry', -1);
  // Exact: every launch records its request, so --start alone relaunches the program the same way.
  const startHint = `ensure-running --pid ${quoteArgv([paths.pidFile])} --start`;
  const request: LaunchRequest = { command: call.command, cwd, env: envPairs(call), stdout, stderr, options: ownOptions(call), base: world.cwd };
  // A hand-run --stop or --restart stops with the recorded --signal and --kill-after unless this call gives them.
  const stopCall = manual && onFile?.request ? recordedStop(given, call, onFile.request) : call;
  const config: ProgramConfig = {
    paths,
    request,
    extraEnv: { ...request.env },
    stdout,
    stderr,
    startWindowMs: duration(call, 'start-secs', DEFAULT_START_WINDOW_MS),
    killAfterMs: duration(stopCall, 'kill-after', DEFAULT_KILL_AFTER_MS),
    stopSignal: stopSignal(stopCall),
    policy: {
      name: paths.name,
      periodMs: Math.max(duration(call, 'interval', DEFAULT_PERIOD_MS), 1000),
      backoffMaxMs: Math.max(duration(call, 'backoff-max', DEFAULT_BACKOFF_MAX_MS), 1000),
      maxRetries: count(call, 'max-retries', DEFAULT_MAX_RETRIES),
      fatalRetryMs: fatalRetry !== null && fatalRetry > 0 ? fatalRetry : null,
      crowdCount: count(call, 'crowd-deaths', DEFAULT_CROWD_COUNT),
      crowdWindowMs: Math.max(duration(call, 'crowd-window', DEFAULT_CROWD_WINDOW_MS), 1000),
      crowdBackoff: call.values['crowd-backoff'] === true,
      minUptimeMs: duration(call, 'min-uptime', DEFAULT_MIN_UPTIME_MS),
      startHint,
      restartHint: `ensure-running --pid ${quoteArgv([paths.pidFile])} --restart ${quoteArgv(requestArgv(request))}`,
      requestNote: reused ? `with the launch request on record (${quoteArgv(request.command)} in ${request.cwd}${Object.keys(request.env).length ? `, --env ${Object.keys(request.env).join(' ')}` : ''})` : null,
    },
    registryDir: registryDir(world.env, world.home),
  };
  const { env: healthEnv, ...health } = healthSettings(call, world.cwd, config.startWindowMs);
  Object.assign(config.extraEnv, healthEnv);
  return { ...config, ...health };
}
