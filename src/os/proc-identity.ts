// Is this PID still the process we launched? /proc on Linux, `ps` elsewhere.

import { readdirSync } from 'node:fs';
import { readSystemFile } from './door.js';
import { errnoCode } from '../errors.js';
import { PID_MAX_LIMIT } from '../core/pid-text.js';
import type { Identity } from '../core/state.js';

const LINUX = process.platform === 'linux';

/** The fields of /proc/<pid>/stat that ensure-running uses. */
export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Field 22: start time in clock ticks since boot, kept as text (it can exceed 2**53 in theory). */
  startTime: string;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) may hold spaces and ")" itself,
 * so the fields are read after the LAST ")".
 */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text.slice(close + 2).split(' ');
  const startTime = rest[19];
  if (!rest[0] || !startTime || !/^[0-9]+$/.test(startTime)) return null;
  return { state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]), startTime };
}

/** Reads /proc/<pid>/stat, or null when the process is gone. */
export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readSystemFile(`/proc/${pid}/stat`));
  } catch {
    return null;
  }
}

let cachedBootId: string | null | undefined;
/** This boot's id, constant until the next reboot; null where the kernel does not offer one. */
export function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readSystemFile('/proc/sys/kernel/random/boot_id').trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

/** The kernel's pid_max, or the Linux ceiling when it cannot be read. */
export function pidMax(): number {
  try {
    const value = Number.parseInt(readSystemFile('/proc/sys/kernel/pid_max'), 10);
    return Number.isInteger(value) && value > 1 ? value : PID_MAX_LIMIT;
  } catch {
    return PID_MAX_LIMIT;
  }
}

/** Start time and state from `ps`, for systems without /proc (macOS, the BSDs). */
function psStat(pid: number): { state: string; startTime: string } | null {
  try {
    const { execFileSync } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
    const out = execFileSync('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)], {
      encoding: 'latin1',
      env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const match = /^(\S+)\s+(.+)$/.exec(out);
    return match ? { state: match[1]!.charAt(0), startTime: match[2]!.trim() } : null;
  } catch {
    return null;
  }
}

export type Probe = { kind: 'alive'; startTime: string | null } | { kind: 'zombie' } | { kind: 'gone' };

/** Looks at one PID: alive (kill 0 succeeds or EPERM), a zombie, or gone. */
export function probePid(pid: number): Probe {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) !== 'EPERM') return { kind: 'gone' };
  }
  if (LINUX) {
    const stat = readProcStat(pid);
    if (!stat) return { kind: 'gone' };
    if (stat.state === 'Z' || stat.state === 'X') return { kind: 'zombie' };
    return { kind: 'alive', startTime: stat.startTime };
  }
  const ps = psStat(pid);
  if (!ps) return { kind: 'alive', startTime: null };
  if (ps.state === 'Z') return { kind: 'zombie' };
  return { kind: 'alive', startTime: ps.startTime };
}

/** Reads the identity of a process just launched. */
export function identityOf(pid: number, launchedAtMs: number, token: string): Identity {
  // Read the stat directly: a program that already exited (a zombie) still has its start time.
  const startTime = LINUX ? (readProcStat(pid)?.startTime ?? null) : (psStat(pid)?.startTime ?? null);
  return {
    pid,
    startTime,
    bootId: bootId(),
    launchedAtMs,
    token,
  };
}

export type Verdict = 'ours' | 'gone' | 'zombie' | 'reused' | 'rebooted';

/** Compares a live PID with its launch record: a different boot or start time means another process. */
export function verifyIdentity(identity: Identity): Verdict {
  const probe = probePid(identity.pid);
  if (probe.kind !== 'alive') return probe.kind;
  const boot = bootId();
  if (identity.bootId && boot && identity.bootId !== boot) return 'rebooted';
  // On Linux a record without a start time proves nothing about a live PID: never "ours".
  if (LINUX && (identity.startTime === null || probe.startTime === null)) return 'reused';
  if (identity.startTime !== null && probe.startTime !== null && identity.startTime !== probe.startTime) return 'reused';
  return 'ours';
}

/** Every PID in /proc, in /proc's order (Linux only; empty elsewhere or when /proc cannot be read). */
export function procPids(): number[] {
  if (!LINUX) return [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((name) => /^[0-9]+$/.test(name)).map(Number);
}

/** PIDs of live members of a process group, from /proc (Linux only; empty elsewhere). */
export function groupMembers(pgid: number): number[] {
  return procPids().filter((pid) => {
    const stat = readProcStat(pid);
    return stat !== null && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
  });
}

/**
 * Wall-clock start of a process from its /proc start time (in USER_HZ ticks, 100 on Linux)
 * and the boot time in /proc/stat; null where either is missing.
 */
export function startedAtMs(startTime: string): number | null {
  try {
    const btime = /^btime (\d+)$/m.exec(readSystemFile('/proc/stat'));
    if (!btime || !/^[0-9]+$/.test(startTime)) return null;
    return Number(btime[1]) * 1000 + Number(startTime) * 10;
  } catch {
    return null;
  }
}
