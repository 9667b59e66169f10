// Stopping a program's run: the stop signal to its process group and to every other live
// carrier of its launch token, SIGCONT right after (a stopped process then runs its own
// shutdown), SIGKILL after the grace period; each target verified right before every signal.

import { RunError, errnoCode } from '../errors.js';
import { isSignallablePid } from '../core/pid-text.js';
import type { Identity } from '../core/state.js';
import { groupMembers, readProcStat, verifyIdentity } from './proc-identity.js';
import { isMember, runMembers } from './run-members.js';

export type Termination =
  /** Gone after the stop signal; `others`: the run's processes besides the program that were signalled too. */
  | { kind: 'stopped'; signal: string; afterMs: number; others: number[] }
  /** SIGKILL was needed: something outlived `graceMs` (0 with --kill-after 0: nothing was waited for). */
  | { kind: 'killed'; afterMs: number; graceMs: number; others: number[] }
  /** It was not running, or the PID belongs to someone else now: nothing was signalled. */
  | { kind: 'not-running'; why: string }
  | { kind: 'survived'; afterMs: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long the processes of a run get to vanish after SIGKILL before the stop is reported as failed. */
const AFTER_KILL_WAIT_MS = 5_000;

function send(target: number, signal: NodeJS.Signals, pid: number): void {
  try {
    process.kill(target, signal);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ESRCH') return;
    throw new RunError(
      { action: `send ${signal} to`, subject: `pid ${pid}`, code, hint: code === 'EPERM' ? 'run the stop as the user that launched the program' : undefined },
      { cause: error },
    );
  }
}

/**
 * Signals the program's process group if the program leads one (ensure-running launches it
 * in a new session, so it does), else the program alone. Never a PID under 2.
 */
function signalProgram(identity: Identity, signal: NodeJS.Signals): boolean {
  if (!isSignallablePid(identity.pid)) return false;
  // Verify right before the signal: a mismatch means the PID was reused.
  if (verifyIdentity(identity) !== 'ours') return false;
  const stat = readProcStat(identity.pid);
  const leads = stat === null || stat.pgrp === identity.pid;
  send(leads ? -identity.pid : identity.pid, signal, identity.pid);
  return true;
}

/**
 * Signals every process of the run: the program's group, then each other member, each
 * verified first; members of the program's group are not signalled twice.
 */
function signalRun(identity: Identity, others: number[], signal: NodeJS.Signals): void {
  const groupSignalled = signalProgram(identity, signal) && readProcStat(identity.pid)?.pgrp === identity.pid;
  for (const pid of others) {
    if (groupSignalled && readProcStat(pid)?.pgrp === identity.pid) continue;
    if (isMember(identity, pid)) send(pid, signal, pid);
  }
}

/** The run's processes still alive among those known, the program's group included. */
function alive(identity: Identity, others: number[]): number[] {
  const left = others.filter((pid) => isMember(identity, pid));
  if (verifyIdentity(identity) === 'ours') left.push(identity.pid);
  for (const pid of groupMembers(identity.pid)) if (!left.includes(pid) && isMember(identity, pid)) left.push(pid);
  return left;
}

async function waitGone(identity: Identity, others: number[], forMs: number, now: () => number): Promise<boolean> {
  const from = now();
  for (;;) {
    if (alive(identity, others).length === 0) return true;
    if (now() - from >= forMs) return false;
    await sleep(50);
  }
}

/** Stop signal and SIGCONT to the run, wait up to `killAfterMs`, SIGKILL what is left, wait again. */
async function stopRun(identity: Identity, others: number[], signal: NodeJS.Signals, killAfterMs: number, now: () => number): Promise<Termination> {
  const started = now();
  signalRun(identity, others, signal);
  // A SIGSTOPped process holds the stop signal until it runs again: let it run its shutdown.
  if (signal !== 'SIGKILL' && signal !== 'SIGCONT') signalRun(identity, others, 'SIGCONT');
  if (await waitGone(identity, others, killAfterMs, now)) return { kind: 'stopped', signal, afterMs: now() - started, others };
  // Whatever the run started meanwhile is found again before SIGKILL.
  const rest = [...new Set([...others, ...runMembers(identity)])];
  signalRun(identity, rest, 'SIGKILL');
  if (await waitGone(identity, rest, AFTER_KILL_WAIT_MS, now)) return { kind: 'killed', afterMs: now() - started, graceMs: killAfterMs, others };
  return { kind: 'survived', afterMs: now() - started };
}

/** Stops a live program and every other process of its run. */
export async function terminate(identity: Identity, signal: NodeJS.Signals, killAfterMs: number, now: () => number): Promise<Termination> {
  const verdict = verifyIdentity(identity);
  if (verdict !== 'ours') return { kind: 'not-running', why: verdict };
  return stopRun(identity, runMembers(identity), signal, killAfterMs, now);
}

/**
 * Stops what is left of a run whose program is gone (a wrapper's orphaned child, a crashed
 * program's detached helper), so that no new copy runs beside them. `pids` from `runMembers`.
 */
export async function stopLeftovers(identity: Identity, pids: number[], signal: NodeJS.Signals, killAfterMs: number, now: () => number): Promise<Termination> {
  if (verifyIdentity(identity) === 'ours') throw new Error(`internal: pid ${identity.pid} is alive, not a leftover run`);
  if (pids.length === 0) return { kind: 'not-running', why: 'gone' };
  return stopRun(identity, pids, signal, killAfterMs, now);
}

/** Kills a process this check has just spawned and not yet recorded (its PID cannot be reused: we have not reaped it). */
export function killUnrecorded(pid: number): void {
  if (!isSignallablePid(pid)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
