// Finds processes by a variable in their environment, from /proc (Linux only). A scan reads
// every process's environ: tens of milliseconds, so only a death, a launch or a stop pays it.

import { readProcBytes, readSystemFile } from './door.js';
import { procPids, readProcStat, type ProcStat } from './proc-identity.js';

/** A live process found by a scan, with its /proc stat. */
export interface Scanned {
  pid: number;
  stat: ProcStat;
}

/** The NUL-terminated `NAME=value` entry that a scan looks for. */
export function envEntry(name: string, value: string): Buffer {
  return Buffer.from(`${name}=${value}\0`);
}

/** A process's environment, NUL-separated; null when it is gone or unreadable. */
export function environOf(pid: number): Buffer | null {
  try {
    return readProcBytes(`/proc/${pid}/environ`);
  } catch {
    return null;
  }
}

/** Whether an environment holds `entry`: it ends in NUL, and must also start one or be the first. */
export function holds(environ: Buffer, entry: Buffer): boolean {
  const at = environ.indexOf(entry);
  return at === 0 || (at > 0 && environ.includes(Buffer.concat([Buffer.from([0]), entry])));
}

/** Whether a process's environment holds `entry` (false when it is gone or unreadable). */
export function carries(pid: number, entry: Buffer): boolean {
  const environ = environOf(pid);
  return environ !== null && holds(environ, entry);
}

/** The real uid of a process (the Uid line of /proc/PID/status), or null when it is gone. */
export function realUid(pid: number): number | null {
  try {
    const line = /^Uid:\s+([0-9]+)/m.exec(readSystemFile(`/proc/${pid}/status`));
    return line ? Number(line[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Live processes (not zombies) whose environment holds `entry`, oldest first, among those that
 * `keep` accepts (by default all). Only processes of this user (or all, as root) are readable.
 */
export function processesCarrying(entry: Buffer, keep: (pid: number) => boolean = () => true): Scanned[] {
  const found: Scanned[] = [];
  for (const pid of procPids()) {
    // A check's own environment never holds these, but a check launched by a guarded program would.
    if (pid === process.pid || !carries(pid, entry) || !keep(pid)) continue;
    const stat = readProcStat(pid);
    if (stat && stat.state !== 'Z' && stat.state !== 'X') found.push({ pid, stat });
  }
  return found.sort((a, b) => compareStart(a.stat.startTime, b.stat.startTime) || a.pid - b.pid);
}

/** Orders /proc start times (decimal clock ticks, compared as numbers of any length). */
export function compareStart(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
