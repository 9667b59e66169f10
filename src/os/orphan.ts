// Finds a process launched by a check that was killed before it could record the PID.

import { readFileSync, readdirSync } from 'node:fs';
import { readProcStat } from './proc-identity.js';

/** Session leaders in /proc whose environment holds `needle` (a NUL-terminated VAR=value). */
function leadersWith(needle: Buffer): number[] {
  if (process.platform !== 'linux') return [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    // A check's own environment never holds these; its children's does, but only the
    // program itself leads the session that the launch created.
    if (!environ.includes(needle)) continue;
    const stat = readProcStat(pid);
    if (stat && stat.session === pid && stat.state !== 'Z' && stat.state !== 'X') found.push(pid);
  }
  return found;
}

/**
 * The process launched with this token (ENSURE_RUNNING_TOKEN), by a check that was killed
 * before it could record it. Only processes of this user (or all, as root) are readable;
 * that is enough, since the check that launched it ran as this user. Linux only.
 */
export function findByToken(token: string): number | null {
  return leadersWith(Buffer.from(`ENSURE_RUNNING_TOKEN=${token}\0`))[0] ?? null;
}

/**
 * A live program launched by ensure-running for this PID file (ENSURE_RUNNING_PIDFILE) that
 * nothing records any more: its PID file and state file were lost (a directory removed and
 * made again, files deleted by hand). Looked for before every launch, so that following such
 * a loss never starts a second instance. Null when there is none or more than one.
 */
export function findByPidFile(pidFile: string): number | null {
  const found = leadersWith(Buffer.from(`ENSURE_RUNNING_PIDFILE=${pidFile}\0`));
  return found.length === 1 ? found[0]! : null;
}

/**
 * The launch token of a live session leader whose environment says it was launched by
 * ensure-running for this very PID file (ENSURE_RUNNING_PIDFILE), or null. This lets a
 * check rebuild a lost or corrupt state file instead of judging the program by liveness only.
 */
export function launchedFor(pid: number, pidFile: string): string | null {
  if (process.platform !== 'linux') return null;
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return null;
  }
  const vars = environ.split('\0');
  if (!vars.includes(`ENSURE_RUNNING_PIDFILE=${pidFile}`)) return null;
  const token = vars.find((v) => v.startsWith('ENSURE_RUNNING_TOKEN='))?.slice('ENSURE_RUNNING_TOKEN='.length);
  const stat = readProcStat(pid);
  if (!token || !stat || stat.session !== pid) return null;
  return token;
}
