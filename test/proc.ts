// /proc readers for the end-to-end tests: a process's stat fields, and processes found by a marker argument.
import { readFileSync, readdirSync } from 'node:fs';
import type { Sandbox } from './helpers.ts';

export interface Stat {
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  ttyNr: number;
}

/** /proc/<pid>/stat fields, read after the last ")" (the command name may hold spaces); null when gone. */
export function procStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), ttyNr: Number(f[4]) };
  } catch {
    return null;
  }
}

/** The argv of a process, or null when it is gone (or a zombie: its cmdline is empty). */
export function cmdline(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text === '' ? null : text.split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

/** Live, non-zombie processes that have `marker` as one of their arguments. */
export function pidsWithArg(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const pid = Number(name);
    const argv = cmdline(pid);
    const stat = procStat(pid);
    if (argv?.includes(marker) && stat && stat.state !== 'Z' && stat.state !== 'X') found.push(pid);
  }
  return found;
}

/** A marker argument unique to one test run. */
export function uniqueMarker(label: string): string {
  return `er-mark-${label}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot, as a launch record keeps it. */
export function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** The after-hook of a test whose processes carry `marker`: kills them and what the sandbox tracks, by PID. */
export function cleanupMarked(box: Sandbox, marker: string): () => void {
  return () => {
    for (const pid of pidsWithArg(marker)) box.track(pid);
    box.cleanup();
  };
}
