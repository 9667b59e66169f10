// The resolved configuration of one program for one call, built once, from the option table:
// the given values (argv, or any {name: text} map) read and checked by their rows, the
// records a manual call reuses, then the cron expressions (src/cli/schedules.ts).

import { join, resolve } from 'node:path';
import { lstatSync, statSync } from 'node:fs';
import { programPaths, registryDir } from '../core/paths.js';
import { quoteArgv } from '../core/shell-quote.js';
import type { LaunchRequest } from '../core/request.js';
import { UsageError } from '../errors.js';
import {
  ownOptions,
  recordOnFile,
  recordedStop,
  refuseOtherOwner,
  refuseSpellingClash,
  refuseUnsafeRecords,
  requestArgv,
  withRecordedRequest,
} from './recorded.js';
import type { ProgramConfig, ProgramSettings } from '../core/program-config.js';
import type { World } from '../world.js';
import type { ParsedCall } from './parse.js';
import { givenValue, optionValue } from './option-values.js';
import { dutySettings } from './duty-settings.js';
import { reloadSignal } from './reload-signal.js';
import { memoryCeiling } from './memory-ceiling.js';
import { resolveRunAs, runAsEnv } from '../os/run-as.js';
import { notifySettings } from './notify-settings.js';
import { leaseSettings } from './lease-settings.js';
import { respawnSettings } from './respawn-settings.js';

function isDirectory(path: string): boolean {
  try {
    // lstat first: stat, a function of Node's own compiled at its first call, only for a link.
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return (stat?.isSymbolicLink() ? statSync(path, { throwIfNoEntry: false }) : stat)?.isDirectory() === true;
  } catch {
    return false;
  }
}

/**
 * What to resolve: `schedules` checks cron expressions with cron-parser and fixes the cadence;
 * `base` resolves relative paths (default: the caller's directory).
 */
export interface ResolveOptions {
  schedules: boolean;
  base?: string;
}

/** The configuration of one program for this call; --pid is required here. Built once per call, by the entry. */
export async function resolveConfig(call: ParsedCall, world: World, options: ResolveOptions): Promise<ProgramConfig> {
  const settings = programSettings(call, world, options.base ?? world.cwd);
  // cron-parser (and the module that reads it) loads only when a cron expression is given.
  if (options.schedules && (settings.health?.restartAt || settings.declaredCadence?.schedule)) {
    const { resolveSchedules } = await import('./schedules.js');
    return resolveSchedules(settings, world.now());
  }
  return withoutCron(settings);
}

/**
 * The configuration when no cron expression is read: the cadence is --interval's. A call
 * that never reads the cadence (--stop, --status) leaves a --schedule unread, and its cadence out.
 */
export function withoutCron({ declaredCadence, ...settings }: ProgramSettings): ProgramConfig {
  if (!declaredCadence || declaredCadence.schedule) return settings;
  const { key, schedule, tz, intervalMs } = declaredCadence;
  return { ...settings, cadence: { key, schedule, tz, periodMs: intervalMs } };
}

/** The options of one program, checked, before its cron expressions are read. */
export function programSettings(given: ParsedCall, world: World, base: string): ProgramSettings {
  let call = given;
  const pid = givenValue(call.values, 'pid');
  if (!pid) throw new UsageError(`--pid FILE is required${call.action === 'status' ? '' : ' (the PID file of the program to guard)'}`);
  if (/(^|\/)\.{0,2}$/.test(pid) || isDirectory(resolve(base, pid))) {
    throw new UsageError(`--pid ${JSON.stringify(pid)} names a directory; give the path of a file in it, such as ${join(pid, 'app.pid')}`);
  }
  const paths = programPaths(pid, base);
  const acts =
    call.action === 'check' ||
    call.action === 'stop' ||
    call.action === 'start' ||
    call.action === 'restart' ||
    call.action === 'reload' ||
    call.action === 'release' ||
    call.action === 'forget';
  let recordsClosed = false;
  if (acts) {
    refuseOtherOwner(call, paths);
    recordsClosed = refuseUnsafeRecords(paths);
    refuseSpellingClash(paths);
  }
  const manual = call.action === 'stop' || call.action === 'start' || call.action === 'restart' || call.action === 'reload' || call.action === 'release';
  const onFile = manual ? recordOnFile(paths.stateFile) : null;
  let reused = false;
  if ((call.action === 'start' || call.action === 'restart') && call.command.length === 0) {
    if (!onFile?.request) {
      const older = onFile?.command.length
        ? ` (its records, written by an older ensure-running, name ${quoteArgv(onFile.command)}${onFile.cwd ? ` in ${onFile.cwd}` : ''} but not its options)`
        : '';
      throw new UsageError(
        `no command given and no launch request on record for ${paths.name}${older}: put the ` +
          `program after --, as in: ensure-running --pid ${pid} --${call.action} -- ./server.js`,
      );
    }
    call = withRecordedRequest(call, onFile.request);
    reused = true;
  }
  const needsCommand =
    call.action === 'check' || call.action === 'start' || call.action === 'restart' || call.action === 'crontab' || call.action === 'install';
  if (needsCommand && call.command.length === 0) {
    const shown = call.action === 'check' ? '' : ` --${call.action}`;
    // A check (or --crontab) without a command, on a program whose launch request is on record: say what to run.
    const request = call.action === 'check' || call.action === 'crontab' || call.action === 'install' ? recordOnFile(paths.stateFile)?.request : null;
    if (request) {
      const line = quoteArgv(['ensure-running', '--pid', paths.pidFile, ...requestArgv(request)]);
      throw new UsageError(
        `no command given, but a launch request is on record for ${paths.name}: launch it as recorded with ` +
          `ensure-running --pid ${quoteArgv([paths.pidFile])} --start, or check it as cron does with the whole line: ${line}`,
      );
    }
    throw new UsageError(`no command given: put the program after --, as in: ensure-running --pid ${pid}${shown} -- ./server.js`);
  }
  if (needsCommand && call.command[0] === '') throw new UsageError('the command after -- is an empty string');
  const { values } = call;
  const cwd = resolve(base, givenValue(values, 'cwd') ?? '.');
  const log = givenValue(values, 'log');
  const [givenOut, givenErr] = [givenValue(values, 'stdout'), givenValue(values, 'stderr')];
  if (log && (givenOut || givenErr)) throw new UsageError('--log is both streams; use it alone, or --stdout and --stderr');
  const stdout = resolve(base, givenOut ?? log ?? paths.defaultLog);
  const stderr = resolve(base, givenErr ?? log ?? (givenOut ? stdout : paths.defaultLog));
  const fatalRetryMs = optionValue(values, 'fatal-retry');
  // Exact: every launch records its request, so --start alone relaunches the program the same way.
  const startHint = `ensure-running --pid ${quoteArgv([paths.pidFile])} --start`;
  const request: LaunchRequest = { command: call.command, cwd, env: givenValue(values, 'env') ?? {}, stdout, stderr, options: ownOptions(call), base };
  // A hand-run --stop or --restart stops with the recorded --signal and --kill-after unless this call gives them.
  const stopValues = manual && onFile?.request ? recordedStop(given, call, onFile.request).values : values;
  const startWindowMs = optionValue(values, 'start-secs');
  const killAfterMs = optionValue(stopValues, 'kill-after');
  const stopSignal = optionValue(stopValues, 'signal');
  const settings: ProgramSettings = {
    paths,
    request,
    extraEnv: { ...request.env },
    stdout,
    stderr,
    startWindowMs,
    killAfterMs,
    stopSignal,
    reloadSignal: reloadSignal(values['reload-signal'], onFile?.request?.options),
    policy: {
      name: paths.name,
      periodMs: Math.max(optionValue(values, 'interval'), 1000),
      backoffMaxMs: Math.max(optionValue(values, 'backoff-max'), 1000),
      maxRetries: optionValue(values, 'max-retries'),
      fatalRetryMs,
      crowdCount: optionValue(values, 'crowd-deaths'),
      crowdWindowMs: Math.max(optionValue(values, 'crowd-window'), 1000),
      crowdBackoff: givenValue(values, 'crowd-backoff') === true,
      minUptimeMs: optionValue(values, 'min-uptime'),
      startHint,
      restartHint: `ensure-running --pid ${quoteArgv([paths.pidFile])} --restart ${quoteArgv(requestArgv(request))}`,
      requestNote: reused
        ? `with the launch request on record (${quoteArgv(request.command)} in ` +
          `${request.cwd}${Object.keys(request.env).length ? `, --env ${Object.keys(request.env).join(' ')}` : ''})`
        : null,
    },
    registryDir: registryDir(world.env, world.home),
    ...(recordsClosed ? { recordsClosed: true as const } : {}),
  };
  // --user: resolved (root, user, group, setpriv) by every call that may launch; HOME, USER, LOGNAME under the --env pairs.
  const user = givenValue(values, 'user');
  if (needsCommand && user !== undefined) {
    settings.runAs = resolveRunAs(user, process.getuid?.());
    settings.extraEnv = { ...runAsEnv(settings.runAs), ...settings.extraEnv };
  }
  // --respawn: the waiter and the check it runs (src/cli/respawn-settings.ts); a check run by a waiter says so to the policy.
  if (needsCommand && givenValue(values, 'respawn') === true) settings.respawn = respawnSettings(call, world, paths.pidFile, request);
  if (world.respawned) settings.policy.respawned = true;
  const { env: dutyEnv, ...duties } = dutySettings(values, base, startWindowMs);
  const maxMemory = memoryCeiling(givenValue(values, 'max-memory'), values['max-memory']);
  if (maxMemory !== null) duties.health = { ...(duties.health ?? { heartbeat: null, http: null, restartAt: null }), maxMemory };
  Object.assign(settings.extraEnv, dutyEnv);
  const notify = notifySettings(values);
  const lease = leaseSettings(values, world.env, settings.policy.periodMs, killAfterMs, base);
  return { ...settings, ...duties, ...(notify ? { notify } : {}), ...(lease ? { lease } : {}) };
}
