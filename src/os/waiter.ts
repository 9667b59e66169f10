// --respawn: the waiter, a POSIX sh process left beside the program. It starts the program as
// its own child, in a session of the program's own (setsid: what a launch without --respawn
// gives it, so that the stop signal to the program's group never reaches the waiter), waits
// for it, writes its wait status beside the records (in a directory of its own, then a rename),
// then replaces itself with the same check cron runs. Until then it carries the launch token
// (a member of the run, stopped with it) and ENSURE_RUNNING_WAITER=1 (never taken for the
// program, never adopted); after its exec into the check it carries neither.

import { accessSync, constants as fsConstants } from 'node:fs';
import { readProcBytes, readSmallFile, removeFile } from './door.js';
import { probePid } from './proc-identity.js';
import { envEntry, holds } from './proc-scan.js';
import { quoteArgv } from '../core/shell-quote.js';
import type { WaiterIdentity } from '../core/state.js';

/** The shell of the waiter and the setsid it runs, at fixed places, never from the caller's PATH. */
export const WAITER_SHELL = '/bin/sh';
const SETSID_PLACES = ['/usr/bin/setsid', '/bin/setsid', '/usr/sbin/setsid', '/sbin/setsid'];

/** The variables only the waiter has (the program never inherits them). */
const OWN = [
  'ENSURE_RUNNING_WAITER',
  'ENSURE_RUNNING_WAITER_SCRIPT',
  'ENSURE_RUNNING_WAITER_EXIT',
  'ENSURE_RUNNING_WAITER_CHECK',
  'ENSURE_RUNNING_WAITER_DIR',
  'ENSURE_RUNNING_WAITER_ENV',
  'ENSURE_RUNNING_WAITER_CWD',
  'ENSURE_RUNNING_WAITER_KEEP',
];
/** Set by the waiter for the check it runs: that check was not called by cron (read once by src/cli/main.ts). */
export const RESPAWNED = 'ENSURE_RUNNING_RESPAWNED';

/**
 * The waiter's script. $@ is the program (setsid first; setpriv for --user); the rest comes in
 * the environment. fd 3 is a pipe to the launching check: the program's PID goes there once,
 * then it is closed, so nothing is ever written to it later. The status of `wait` is 128+N for
 * a program killed by signal N.
 */
export const WAITER_SCRIPT = [
  'er_x=$ENSURE_RUNNING_WAITER_EXIT er_c=$ENSURE_RUNNING_WAITER_CHECK er_d=$ENSURE_RUNNING_WAITER_DIR er_t=$ENSURE_RUNNING_TOKEN er_k=$ENSURE_RUNNING_WAITER_KEEP',
  `(eval "$ENSURE_RUNNING_WAITER_ENV" && cd -- "$ENSURE_RUNNING_WAITER_CWD" && unset ${OWN.join(' ')} && exec 3>&- && exec "$@"; exit 127) &`,
  'er_p=$!',
  'echo "$er_p" >&3',
  'exec 3>&-',
  'wait "$er_p"',
  'er_s=$?',
  `unset ${OWN.join(' ')} ENSURE_RUNNING_TOKEN ENSURE_RUNNING_PIDFILE ENSURE_RUNNING_RESTARTS`,
  // The status goes through a directory of the waiter's own (mkdir fails on any name planted
  // before it: a FIFO there would block a plain `>` for ever, noclobber or not), then a rename.
  'er_f="$er_x.$$"',
  `if mkdir -m 700 -- "$er_f"; then printf '%s %s %s\\n' "$er_p" "$er_t" "$er_s" >"$er_f/s" && mv -f -- "$er_f/s" "$er_x"; rm -f -- "$er_f/s"; rmdir -- "$er_f"; fi 2>/dev/null`,
  'cd -- "$er_d" || exit 0',
  'eval "set -- $er_c"',
  `${RESPAWNED}=1 ENSURE_RUNNING_KEEP=$er_k exec "$@"`,
].join('\n');

/** What the waiter needs besides the program (src/cli/respawn-settings.ts). */
export interface WaiterSpec {
  /** The installed command and the arguments of the check cron runs (never --start or --restart). */
  check: string[];
  /** The caller's directory: the check's arguments may be relative to it. */
  dir: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** setsid (util-linux or BusyBox), at a fixed place; null where there is none. */
export function findSetsid(): string | null {
  return SETSID_PLACES.find(isExecutable) ?? null;
}

/** Whether the waiter's shell is there. */
export function hasWaiterShell(): boolean {
  return isExecutable(WAITER_SHELL);
}

/**
 * The waiter's environment: the caller's (the check it runs must see what cron's sees), the
 * launch's own variables, and its own; the program's additions (--env, --user's HOME, the
 * heartbeat, the fencing token) go to the program alone, exported by the waiter's subshell,
 * which also unsets what the launch left out of the caller's (`programUnset`: the lease's password).
 */
export function waiterEnv(
  callerEnv: NodeJS.ProcessEnv,
  launchVars: Record<string, string>,
  programVars: Record<string, string>,
  spec: WaiterSpec,
  exitFile: string,
  keptFile: string,
  programCwd: string,
  programUnset: string[] = [],
): NodeJS.ProcessEnv {
  const exports = Object.entries(programVars).map(([key, value]) => `${key}=${value}`);
  // Only names the shell can unset (an odd name in the environment would fail the subshell).
  const unset = programUnset.filter((key) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !(key in programVars));
  const steps = [...(unset.length ? [`unset ${unset.join(' ')}`] : []), ...(exports.length ? [`export ${quoteArgv(exports)}`] : [])];
  const env: NodeJS.ProcessEnv = { ...callerEnv };
  delete env[RESPAWNED];
  delete env.ENSURE_RUNNING_KEEP;
  return {
    ...env,
    ...launchVars,
    ENSURE_RUNNING_WAITER: '1',
    ENSURE_RUNNING_WAITER_SCRIPT: WAITER_SCRIPT,
    ENSURE_RUNNING_WAITER_EXIT: exitFile,
    ENSURE_RUNNING_WAITER_CHECK: quoteArgv(spec.check),
    ENSURE_RUNNING_WAITER_DIR: spec.dir,
    ENSURE_RUNNING_WAITER_ENV: steps.length ? steps.join(' && ') : ':',
    ENSURE_RUNNING_WAITER_CWD: programCwd,
    ENSURE_RUNNING_WAITER_KEEP: keptFile,
  };
}

const MARK = envEntry('ENSURE_RUNNING_WAITER', '1');

/** Whether a live process is a waiter (its environment carries the mark): never the program. */
export function isWaiter(pid: number): boolean {
  try {
    return holds(readProcBytes(`/proc/${pid}/environ`), MARK);
  } catch {
    return false;
  }
}

/** Whether the waiter on record is still there, waiting (not yet replaced by its check). */
export function waiterAlive(waiter: WaiterIdentity): boolean {
  const probe = probePid(waiter.pid);
  return probe.kind === 'alive' && probe.startTime === waiter.startTime && isWaiter(waiter.pid);
}

/** A wait status as the waiter wrote it: an exit code, or the signal that ended the program. */
export interface WaitStatus {
  pid: number;
  token: string;
  code: number | null;
  signal: string | null;
}

/** Signal names by number: node:os is loaded when a status names one, not at every start. */
let signals: Map<number, string> | null = null;
function signalName(n: number): string | null {
  signals ??= new Map(Object.entries((process.getBuiltinModule('node:os') as typeof import('node:os')).constants.signals).map(([name, k]) => [k, name]));
  return signals.get(n) ?? null;
}

/**
 * The status the waiter wrote for the program, or null (none, unreadable, not the caller's).
 * The shell reports a program killed by signal N as 128+N: a status above 128 that names a
 * signal is read as that signal (a program that exits with such a code on its own reads the same).
 */
export function readExitFile(path: string): WaitStatus | null {
  let read: ReturnType<typeof readSmallFile>;
  try {
    read = readSmallFile(path, 200, 'exit file');
  } catch {
    return null;
  }
  if (read.kind !== 'ok' || read.uid !== process.getuid?.()) return null;
  const match = /^([0-9]{1,10}) ([0-9a-f]{8,64}) ([0-9]{1,3})\n$/.exec(read.text);
  if (!match) return null;
  const status = Number(match[3]);
  const signal = status > 128 ? signalName(status - 128) : null;
  return { pid: Number(match[1]), token: match[2]!, code: signal ? null : status, signal };
}

/** Removes the exit file (read, or left by an older run). */
export function removeExitFile(path: string): void {
  try {
    removeFile(path, 'exit file');
  } catch {
    // the next check tries again
  }
}
