// /proc readers for the end-to-end tests: a process's stat fields, and processes found by a marker argument.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { BIN, killHard, waitUntil, type Sandbox } from './helpers.ts';

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

/**
 * The after-hook of a --respawn test whose processes carry `marker`: kills them by PID, the
 * waiters first (so that none relaunches its program), until none is left; then the sandbox.
 */
export function endRespawned(box: Sandbox, marker: string): () => Promise<void> {
  return async () => {
    await waitUntil(
      () => {
        const left = pidsWithArg(marker);
        const waiters = left.filter((pid) => cmdline(pid)?.includes('ensure-running-waiter'));
        for (const pid of waiters.length ? waiters : left) {
          box.track(pid);
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        return left.length === 0;
      },
      'every process of the test to be gone',
      20_000,
      50,
    );
    box.cleanup();
  };
}

const NS_LAST_PID = '/proc/sys/kernel/ns_last_pid';

/**
 * The `skip` of the real PID-reuse tests: one line when not root. As root they always run,
 * and fail (by impostorAt) rather than skip when the kernel has no ns_last_pid.
 */
export const pidReuseSkip: string | false = process.getuid?.() !== 0 ? `needs root to write ${NS_LAST_PID}` : false;

/**
 * Starts a plain `sleep` that gets exactly `pid` (a true impostor), retrying when another
 * fork races for it. Each sleep is tracked for cleanup from its spawn, whatever PID it got;
 * throws (the test fails, never skips) when the PID cannot be taken.
 */
export async function impostorAt(box: Sandbox, pid: number): Promise<number> {
  if (!existsSync(NS_LAST_PID))
    throw new Error(`${NS_LAST_PID} is missing (kernel without CONFIG_CHECKPOINT_RESTORE): no impostor can be placed on pid ${pid}`);
  for (let attempt = 0; attempt < 30; attempt += 1) {
    writeFileSync(NS_LAST_PID, String(pid - 1));
    const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid === undefined) continue;
    box.spawned(child.pid);
    if (child.pid === pid) return pid;
    killHard(child.pid);
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`pid ${pid} could not be taken by an impostor in 30 attempts: other processes kept racing for it`);
}

/** A call of the installed command left running in `box` (its PID tracked): what it said so far on stdout and stderr, and its exit code once it ends. */
export function startCall(
  box: Sandbox,
  args: string[],
  env: NodeJS.ProcessEnv = box.env(),
): { pid: number; said: () => string; ended: Promise<number | null> } {
  const child = spawn(BIN, args, { cwd: box.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  box.spawned(child.pid!);
  let said = '';
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const ended = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { pid: child.pid!, said: () => said, ended };
}

/** `startCall` with ENSURE_RUNNING_FAILPOINT=pause:POINT, once it stands stopped there (SIGCONT goes on). */
export async function pausedCall(box: Sandbox, args: string[], point: string): Promise<ReturnType<typeof startCall>> {
  const call = startCall(box, args, box.env({ ENSURE_RUNNING_FAILPOINT: `pause:${point}` }));
  await waitUntil(() => call.said().includes(`paused at ${point}`) && procStat(call.pid)?.state === 'T', `the call to stop at ${point}`, 60_000);
  return call;
}
