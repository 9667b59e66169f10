// Finds a process launched by a check that was killed before it could record the PID.

import { readFileSync, readdirSync } from 'node:fs';
import { readProcStat } from './proc-identity.js';

/**
 * Scans /proc for the process whose environment holds ENSURE_RUNNING_TOKEN=<token> and
 * which leads its own session (its children inherit the token too, but not the session
 * leadership). Only processes of this user (or all, as root) are readable; that is enough,
 * since the check that launched it ran as this user. Linux only; elsewhere null.
 */
export function findByToken(token: string): number | null {
  if (process.platform !== 'linux') return null;
  const needle = Buffer.from(`ENSURE_RUNNING_TOKEN=${token}\0`);
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    const pid = Number(name);
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    if (!environ.includes(needle)) continue;
    const stat = readProcStat(pid);
    if (stat && stat.session === pid && stat.state !== 'Z' && stat.state !== 'X') return pid;
  }
  return null;
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
