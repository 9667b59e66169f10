// Finds a program that no record names yet: the process of a launch interrupted before it
// was recorded (by its pending token), or, when the records are lost, the program launched
// for this PID file (by its environment). Linux only; both scan /proc (tens of ms).

import { readSystemFile } from './door.js';
import { readProcStat, startedAtMs } from './proc-identity.js';
import { envEntry, processesCarrying, realUid } from './proc-scan.js';
import { userUid } from './run-as.js';
import { isWaiter } from './waiter.js';

/** /proc's start time is in ticks after a boot time known to the second: compare with this much slack. */
const START_SLACK_MS = 2_000;

/** Whether a process found by its environment may be taken for the program. */
export type MayAdopt = (pid: number) => boolean;

/**
 * Whose processes may be taken for the program: those whose real uid is the caller's, that of
 * a --user given or on record, or that of the owner of the records (a call with --force takes
 * another user's program over: their process is the program). Any user can put
 * ENSURE_RUNNING_PIDFILE=<root's PID file> in the environment of a process of their own; root
 * must never take it for its program. Looked up only when a carrier is found.
 */
export function adoptableBy(users: readonly (string | null | undefined)[], owner: () => number | null = () => null): MayAdopt {
  let uids: Set<number> | null = null;
  return (pid) => {
    const uid = realUid(pid);
    if (uid === null) return false;
    if (uid === process.getuid?.()) return true;
    uids ??= new Set([...users.flatMap((user) => (user ? [userUid(user)] : [])), owner()].filter((u): u is number => u !== null));
    return uids.has(uid);
  };
}

/**
 * The process spawned by a check that was killed before it could record it: the oldest
 * carrier of that launch's token, provided it leads its own session (the launch made one)
 * and started no earlier than the launch. Its helpers and children carry the token too, but
 * are younger, and are never taken for the program.
 */
export function findByToken(token: string, launchedAtMs: number, may: MayAdopt): number | null {
  // A waiter (--respawn) carries the token too, and is older: never the program.
  const oldest = processesCarrying(envEntry('ENSURE_RUNNING_TOKEN', token), may).find((one) => !isWaiter(one.pid));
  if (!oldest || oldest.stat.session !== oldest.pid) return null;
  const started = startedAtMs(oldest.stat.startTime);
  if (started !== null && started < launchedAtMs - START_SLACK_MS) return null;
  return oldest.pid;
}

/**
 * The program launched for this PID file (ENSURE_RUNNING_PIDFILE) when nothing records it any
 * more: no state file, or one that cannot be read (a directory removed and made again, files
 * deleted by hand). Only then: the oldest carrier, that is the spawned process or the daemon it
 * left, rather than a second copy beside it. With records, a carrier is never adopted this way.
 */
export function findByPidFile(pidFile: string, may: MayAdopt): number | null {
  return processesCarrying(envEntry('ENSURE_RUNNING_PIDFILE', pidFile), may).find((one) => !isWaiter(one.pid))?.pid ?? null;
}

/**
 * The launch token of a live process whose environment says it was launched by
 * ensure-running for this very PID file (ENSURE_RUNNING_PIDFILE), or null. This lets a check
 * whose records are lost rebuild them instead of judging the program by liveness only.
 */
export function launchedFor(pid: number, pidFile: string, may: MayAdopt): string | null {
  if (process.platform !== 'linux' || !may(pid)) return null;
  let environ: string;
  try {
    environ = readSystemFile(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return null;
  }
  const vars = environ.split('\0');
  if (!vars.includes(`ENSURE_RUNNING_PIDFILE=${pidFile}`) || vars.includes('ENSURE_RUNNING_WAITER=1')) return null;
  const token = vars.find((v) => v.startsWith('ENSURE_RUNNING_TOKEN='))?.slice('ENSURE_RUNNING_TOKEN='.length);
  const stat = readProcStat(pid);
  if (!token || !stat || stat.state === 'Z') return null;
  return token;
}

/** The fencing token in a live process's environment (ENSURE_RUNNING_FENCING_TOKEN, --lease), or null. */
export function fencingTokenOf(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const vars = readSystemFile(`/proc/${pid}/environ`, 'utf8').split('\0');
    const token = vars.find((v) => v.startsWith('ENSURE_RUNNING_FENCING_TOKEN='))?.slice('ENSURE_RUNNING_FENCING_TOKEN='.length);
    return token && /^(0|[1-9][0-9]{0,18})$/.test(token) ? token : null;
  } catch {
    return null;
  }
}
