// The records behind a manual call: the launch request on record (what --start and
// --restart without a command reuse, and the stop settings a hand-run --stop follows), and
// the refusal to act on another uid's program.

import { dirname, resolve } from 'node:path';
import { quoteArgv } from '../core/shell-quote.js';
import type { LaunchRequest, RecordedOptions } from '../core/request.js';
import type { ProgramPaths } from '../core/paths.js';
import { ConfigError, UsageError } from '../errors.js';
import { anythingAt, readPidFile } from '../os/pid-file.js';
import { readStateFile } from '../os/state-file.js';
import { foreignOwner, userName } from '../os/owner.js';
import { unsafeDirectory } from '../os/dir-safety.js';
import { doubtText } from '../core/dir-safety.js';
import { OPTIONS, isPathOption, type OptionName } from './options.js';
import { withoutPassword } from './lease-settings.js';
import type { ParsedCall } from './parse.js';

/** The call's own options that shape the program and its stop: everything but --pid, the actions and the output flags. */
export function ownOptions(call: ParsedCall): RecordedOptions {
  const options: RecordedOptions = {};
  for (const [name, value] of Object.entries(call.values)) {
    // A flag is kept when given (--crowd-backoff); an absent one is the default again.
    if (name === 'pid' || value === false || value === undefined) continue;
    const group = OPTIONS[name as OptionName].group;
    // A --lease URL is recorded without its password: records and hints are shown to people.
    if (name === 'lease' && typeof value === 'string') options[name] = withoutPassword(value);
    else if (group !== 'Actions' && group !== 'Output') options[name] = value;
  }
  return options;
}

/** The options of a record with their paths made absolute, ready to be merged into another call. */
export function absoluteOptions(request: LaunchRequest): RecordedOptions {
  const options: RecordedOptions = {};
  for (const [name, value] of Object.entries(request.options)) {
    options[name] = isPathOption(name) && typeof value === 'string' ? resolve(request.base, value) : value;
  }
  return options;
}

/**
 * Option names in the order localeCompare gives them: they are lowercase ASCII letters and
 * hyphens, which sort the same by code unit (unit/request). localeCompare itself would build
 * ICU's collator, about 8 ms the first time, at every check with two options or more (for the
 * --restart hint of its policy).
 */
const byName = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/** The argv (options, then `--` and the command) that asks for this request again from any directory. */
export function requestArgv(request: LaunchRequest): string[] {
  const options = absoluteOptions(request);
  const args: string[] = ['--cwd', request.cwd];
  if (request.stdout === request.stderr) args.push('--log', request.stdout);
  else args.push('--stdout', request.stdout, '--stderr', request.stderr);
  for (const [key, value] of Object.entries(request.env)) args.push('--env', `${key}=${value}`);
  for (const [name, value] of Object.entries(options).sort(byName)) {
    if (['cwd', 'log', 'stdout', 'stderr', 'env'].includes(name)) continue;
    if (value === true) args.push(`--${name}`);
    else for (const item of Array.isArray(value) ? value : [value]) args.push(`--${name}`, item);
  }
  return [...args, '--', ...request.command];
}

/** The call as an argv again, for a hint that repeats it (as another user). */
function callArgv(call: ParsedCall, pidFile: string): string[] {
  const args = ['--pid', pidFile];
  for (const [name, value] of Object.entries(call.values)) {
    if (name === 'pid' || value === undefined || value === false) continue;
    if (value === true) args.push(`--${name}`);
    else for (const item of Array.isArray(value) ? value : [value]) args.push(`--${name}`, item);
  }
  return call.command.length ? [...args, '--', ...call.command] : args;
}

/** The records on file, read only by the manual actions (a check gets them under its lock). */
export function recordOnFile(stateFile: string): { request: LaunchRequest | null; command: string[]; cwd: string | null } | null {
  const read = readStateFile(stateFile);
  return read.kind === 'ok' ? { request: read.state.request ?? null, command: read.state.command, cwd: read.state.cwd } : null;
}

/**
 * --start and --restart without a command: the request on record, with what this call gives
 * on top (a given --log replaces the recorded log options, --env pairs add to the recorded
 * ones). Paths in the record are made absolute.
 */
export function withRecordedRequest(call: ParsedCall, request: LaunchRequest): ParsedCall {
  const recorded = absoluteOptions(request);
  if (['log', 'stdout', 'stderr'].some((name) => call.values[name as OptionName] !== undefined)) {
    delete recorded.log;
    delete recorded.stdout;
    delete recorded.stderr;
  }
  const values: ParsedCall['values'] = { ...(recorded as ParsedCall['values']), ...call.values };
  // --env pairs add to the recorded ones (a key given again wins), rather than replacing them all.
  const env = [...(Array.isArray(recorded.env) ? recorded.env : []), ...(Array.isArray(call.values.env) ? call.values.env : [])];
  if (env.length) values.env = env;
  return { ...call, values, command: request.command };
}

/** Refuses to act on another uid's program unless --force: root must never silently relaunch a user's program as root. */
export function refuseOtherOwner(call: ParsedCall, paths: ProgramPaths): void {
  if (call.values.force === true) return;
  const uid = process.getuid?.();
  const owner = foreignOwner(paths, uid);
  if (!owner) return;
  const who = owner.user ? `user ${owner.user} (uid ${owner.uid})` : `uid ${owner.uid}`;
  const me = uid === 0 ? 'root' : `uid ${uid}`;
  const again = quoteArgv(['ensure-running', ...callArgv(call, paths.pidFile)]);
  const asOwner = uid === 0 && owner.user ? `act as that user: runuser -u ${quoteArgv([owner.user])} -- ${again}` : `act as ${who}`;
  throw new ConfigError({
    action: call.action === 'check' ? 'check' : call.action,
    subject: paths.pidFile,
    reason: `its records belong to ${who}, not to ${me}; acting would stop it and relaunch it as ${me}, and its history would be lost`,
    hint: `${asOwner}; or add --force to take the program over as ${me}`,
  });
}

/**
 * Root writes a program's records (PID file, state, lock, promise, mark) only where no other
 * user can swap them: every directory from / down to the PID file's must be root's and
 * writable by no one else (src/core/dir-safety.ts). Otherwise another user could put a link,
 * or a whole directory, in place of a record between root's test and its write. Returns true
 * when root found them all closed (the quiet promise then need not walk them again).
 */
export function refuseUnsafeRecords(paths: ProgramPaths): boolean {
  if (process.geteuid?.() !== 0) return false;
  const dir = dirname(paths.pidFile);
  const doubt = unsafeDirectory(dir, 0);
  if (!doubt) return true;
  // A missing directory is said by the write that needs it.
  if (doubt.why === 'missing') return false;
  const fix =
    doubt.why === 'writable'
      ? `chmod go-w ${quoteArgv([doubt.dir])}, or keep the PID file in a directory only root can change (such as /var/lib/ensure-running/)`
      : "keep the PID file in a directory only root can change, such as /var/lib/ensure-running/ (with --user the program still runs as that user), or run the line from that user's crontab without --user";
  throw new ConfigError({
    action: 'keep the records of',
    subject: paths.pidFile,
    reason: `${doubtText(doubt, userName)}: another user could swap a record, or a directory on the way, for a link to any file, and root would write through it`,
    hint: fix,
  });
}

/**
 * One rule for names: `x` and `x.pid` are the same program's records (x.state.json, x.log,
 * x.promise) but would take different locks, so two programs could run on one set of records.
 * A call is refused while the other spelling is a live PID file.
 */
export function refuseSpellingClash(paths: ProgramPaths): void {
  const other = paths.pidFile.endsWith('.pid') ? paths.pidFile.slice(0, -'.pid'.length) : `${paths.pidFile}.pid`;
  // Nearly always missing: told by lstat, without an open that throws.
  if (!anythingAt(other)) return;
  let read: ReturnType<typeof readPidFile>;
  try {
    read = readPidFile(other);
  } catch {
    return;
  }
  if (read.kind !== 'ok') return;
  throw new UsageError(
    `--pid ${paths.pidFile} and ${other} (a PID file, pid ${read.pid}) name the same records (${paths.stateFile}) but would take different locks: ` +
      `give one program another name, or remove ${other} if it is no longer used`,
  );
}

/** The call with the recorded --signal and --kill-after under its own options: what a hand-run stop uses. */
export function recordedStop(given: ParsedCall, call: ParsedCall, request: LaunchRequest): ParsedCall {
  const recorded = Object.entries(absoluteOptions(request)).filter(([name]) => name === 'signal' || name === 'kill-after');
  return { ...call, values: { ...(Object.fromEntries(recorded) as ParsedCall['values']), ...given.values } };
}
