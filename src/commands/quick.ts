// The JS verifier of the quiet promise: what the shell front door (bin/ensure-running) checks,
// for callers that run the bundle with node directly. Same fields, same order, same rules.

import { lstatSync, statSync, type BigIntStats } from 'node:fs';
import { resolve } from 'node:path';
import { answersCall, heartbeatFresh, parsePromise, sameLiveProcess, type Caller, type PromiseBlock } from '../core/promise.js';
import { parseConfigPromise } from '../core/config-promise.js';
import { markCheck, ownFile, readUptimeCs } from '../os/promise-file.js';
import { readSmallFile, readSystemFile } from '../os/door.js';

/** The promise file for these arguments: the first `--pid FILE` or `--pid=FILE` before `--`. */
export function promiseFileOf(argv: string[], cwd: string): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return null;
    const value = arg === '--pid' ? argv[i + 1] : arg.startsWith('--pid=') ? arg.slice('--pid='.length) : undefined;
    if (value === undefined) continue;
    if (value === '') return null;
    const stem = value.endsWith('.pid') ? value.slice(0, -'.pid'.length) : value;
    return resolve(cwd, `${stem}.promise`);
  }
  return null;
}

/** The most a promise may hold: a call's arguments and one block per program of a config file. */
const MAX_PROMISE_BYTES = 1024 * 1024;

const read = (path: string): string | null => {
  try {
    const found = readSmallFile(path, MAX_PROMISE_BYTES, 'promise', 'latin1');
    return found.kind === 'ok' ? found.text : null;
  } catch {
    return null;
  }
};

const readProc = (path: string): string | null => {
  try {
    return readSystemFile(path);
  } catch {
    return null;
  }
};

// The lock directory is nearly always missing: told without an exception, whose error and
// stack a failed lstatSync builds at every answered call.
const exists = (path: string): boolean => {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
};

/** The first `--config FILE` or `--config=FILE` before `--`, as given. */
function configArgOf(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return null;
    const file = arg === '--config' ? argv[i + 1] : arg.startsWith('--config=') ? arg.slice('--config='.length) : undefined;
    if (file !== undefined) return file;
  }
  return null;
}

/**
 * The promise of a config call (`<registry>/configs/<base>.promise`, src/config/promise.ts),
 * from the first `--config FILE` or `--config=FILE` before `--` and the environment, as the
 * front door finds it; null without HOME (the front door has no other way to the home).
 */
export function configPromiseFileOf(argv: string[], cwd: string, env: NodeJS.ProcessEnv): string | null {
  const file = configArgOf(argv);
  if (!file || file.endsWith('/')) return null;
  const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.toml$/, '') || 'config';
  const dir = env.ENSURE_RUNNING_HOME
    ? resolve(cwd, env.ENSURE_RUNNING_HOME)
    : env.XDG_STATE_HOME
      ? resolve(cwd, env.XDG_STATE_HOME, 'ensure-running')
      : env.HOME
        ? resolve(env.HOME, '.local', 'state', 'ensure-running')
        : null;
  return dir ? resolve(dir, 'configs', `${base}.promise`) : null;
}

/** A regular file (links followed) not written since the promise. */
function notNewer(path: string, own: BigIntStats): boolean {
  try {
    const stat = statSync(path, { bigint: true });
    return stat.isFile() && stat.mtimeNs <= own.mtimeNs;
  } catch {
    return false;
  }
}

/** One program's block holds: the checks of docs/quiet-promise.md, steps 3 to 7 (the mark is not written here). */
function blockHolds(p: PromiseBlock, own: BigIntStats, nowCs: number): boolean {
  if (exists(p.lockDir)) return false;
  // The records are as the full check left them: ours, not links, the PID file naming the
  // process, the state file not written since the promise.
  const pidFile = ownFile(p.pidFile);
  const stateFile = ownFile(p.stateFile);
  if (!pidFile || (Number(pidFile.mode) & 0o002) !== 0 || pidFile.mtimeNs > own.mtimeNs || read(p.pidFile) !== `${p.pid}\n`) return false;
  // With --user: the password database unchanged since the promise (a user removed means the full check).
  if (p.users !== null && !notNewer(p.users, own)) return false;
  if (!stateFile || stateFile.mtimeNs > own.mtimeNs || (Number(stateFile.mode) & 0o022) !== 0) return false;
  const stat = readProc(`/proc/${p.pid}/stat`);
  const boot = readProc('/proc/sys/kernel/random/boot_id');
  if (stat === null || boot === null || !sameLiveProcess(p, stat, boot.trim())) return false;
  if (nowCs >= p.untilCs) return false;
  // A mark older than the promise was not written by a check that followed it.
  const mark = ownFile(p.markFile);
  if (!mark || own.mtimeNs > mark.mtimeNs) return false;
  if (p.heartbeat && nowCs >= p.heartbeat.fromCs) {
    const markText = read(p.markFile);
    const markCs = markText !== null && /^[1-9][0-9]{0,14}\n$/.test(markText) ? Number(markText) : null;
    let newer = false;
    try {
      const beat = statSync(p.heartbeat.file, { bigint: true });
      newer = beat.isFile() && beat.mtimeNs > mark.mtimeNs;
    } catch {
      newer = false;
    }
    if (!heartbeatFresh(p, nowCs, markCs, newer)) return false;
  }
  return true;
}

/** A config call's promise holds: it answers the call, the config file is not newer, and every block holds. */
function configHolds(call: Caller, env: NodeJS.ProcessEnv, nowCs: number): PromiseBlock[] | null {
  const promiseFile = configPromiseFileOf(call.argv, call.cwd, env);
  const own = promiseFile ? ownFile(promiseFile) : null;
  const text = own ? read(promiseFile!) : null;
  const p = text === null ? null : parseConfigPromise(text);
  if (!own || !p || !answersCall(p, call)) return null;
  let config: BigIntStats;
  try {
    config = lstatSync(p.config, { bigint: true });
  } catch {
    return null;
  }
  if (!config.isFile() || config.mtimeNs > own.mtimeNs) return null;
  // The call names that very file (links followed), as the front door's -ef compares them.
  let named: BigIntStats;
  try {
    named = statSync(resolve(call.cwd, configArgOf(call.argv) ?? ''), { bigint: true });
  } catch {
    return null;
  }
  if (named.dev !== config.dev || named.ino !== config.ino) return null;
  return p.programs.every((block) => blockHolds(block, own, nowCs)) ? p.programs : null;
}

/**
 * True when the promise of the last full check answers this call and still holds; then the
 * mark (every program's, for a config call) is rewritten and the call is done. Any doubt is
 * false: the full check decides.
 */
export function keepsPromise(call: Caller, env: NodeJS.ProcessEnv): boolean {
  if (env.ENSURE_RUNNING_NO_FAST_PATH) return false;
  const promiseFile = promiseFileOf(call.argv, call.cwd);
  const nowCs = readUptimeCs();
  if (nowCs === null) return false;
  if (!promiseFile) {
    const blocks = configHolds(call, env, nowCs);
    return blocks?.map((block) => markCheck(block.markFile, nowCs)).every(Boolean) ?? false;
  }
  const own = ownFile(promiseFile);
  const text = own ? read(promiseFile) : null;
  const p = text === null ? null : parsePromise(text);
  if (!own || !p || !answersCall(p, call) || !blockHolds(p, own, nowCs)) return false;
  return markCheck(p.markFile, nowCs);
}
