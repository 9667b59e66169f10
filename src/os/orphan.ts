// Finds a program that no record names yet: the process of a launch interrupted before it
// was recorded (by its pending token), or, when the records are lost, the program launched
// for this PID file (by its environment). Linux only; both scan /proc (tens of ms).

import { readSystemFile } from './door.js';
import { readProcStat, startedAtMs } from './proc-identity.js';
import { envEntry, processesCarrying } from './proc-scan.js';

/** /proc's start time is in ticks after a boot time known to the second: compare with this much slack. */
const START_SLACK_MS = 2_000;

/**
 * The process spawned by a check that was killed before it could record it: the oldest
 * carrier of that launch's token, provided it leads its own session (the launch made one)
 * and started no earlier than the launch. Its helpers and children carry the token too, but
 * are younger, and are never taken for the program.
 */
export function findByToken(token: string, launchedAtMs: number): number | null {
  const oldest = processesCarrying(envEntry('ENSURE_RUNNING_TOKEN', token))[0];
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
export function findByPidFile(pidFile: string): number | null {
  return processesCarrying(envEntry('ENSURE_RUNNING_PIDFILE', pidFile))[0]?.pid ?? null;
}

/**
 * The launch token of a live process whose environment says it was launched by
 * ensure-running for this very PID file (ENSURE_RUNNING_PIDFILE), or null. This lets a check
 * whose records are lost rebuild them instead of judging the program by liveness only.
 */
export function launchedFor(pid: number, pidFile: string): string | null {
  if (process.platform !== 'linux') return null;
  let environ: string;
  try {
    environ = readSystemFile(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return null;
  }
  const vars = environ.split('\0');
  if (!vars.includes(`ENSURE_RUNNING_PIDFILE=${pidFile}`)) return null;
  const token = vars.find((v) => v.startsWith('ENSURE_RUNNING_TOKEN='))?.slice('ENSURE_RUNNING_TOKEN='.length);
  const stat = readProcStat(pid);
  if (!token || !stat || stat.state === 'Z') return null;
  return token;
}
