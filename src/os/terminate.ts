// Stopping a program: the stop signal to its process group, SIGKILL after a grace period,
// and its identity verified right before every signal.

import { RunError, errnoCode } from '../errors.js';
import { isSignallablePid } from '../core/pid-text.js';
import type { Identity } from '../core/state.js';
import { groupMembers, readProcStat, verifyIdentity } from './proc-identity.js';

export type Termination =
  | { kind: 'stopped'; signal: string; afterMs: number }
  | { kind: 'killed'; afterMs: number }
  /** It was not running, or the PID belongs to someone else now: nothing was signalled. */
  | { kind: 'not-running'; why: string }
  | { kind: 'survived'; afterMs: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(target: number, signal: NodeJS.Signals, pid: number): void {
  try {
    process.kill(target, signal);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ESRCH') return;
    throw new RunError({ action: `send ${signal} to`, subject: `pid ${pid}`, code, hint: code === 'EPERM' ? 'run the stop as the user that launched the program' : undefined }, { cause: error });
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
 * The group after its leader is gone. Linux does not hand out a PID again while a process
 * group of that number still has members, so the members found here are the program's.
 */
function killOrphanedGroup(pgid: number): boolean {
  if (!isSignallablePid(pgid) || groupMembers(pgid).length === 0) return false;
  send(-pgid, 'SIGKILL', pgid);
  return true;
}

function groupGone(identity: Identity): boolean {
  return verifyIdentity(identity) !== 'ours' && groupMembers(identity.pid).length === 0;
}

/** Stops a program: signal, wait up to `killAfterMs`, then SIGKILL the group, wait again. */
export async function terminate(identity: Identity, signal: NodeJS.Signals, killAfterMs: number, now: () => number): Promise<Termination> {
  const verdict = verifyIdentity(identity);
  if (verdict !== 'ours') return { kind: 'not-running', why: verdict };
  const started = now();
  if (!signalProgram(identity, signal)) return { kind: 'not-running', why: 'gone' };
  while (now() - started < killAfterMs) {
    if (groupGone(identity)) return { kind: 'stopped', signal, afterMs: now() - started };
    await sleep(50);
  }
  if (!signalProgram(identity, 'SIGKILL')) killOrphanedGroup(identity.pid);
  const killedAt = now();
  while (now() - killedAt < 5_000) {
    if (groupGone(identity)) return { kind: 'killed', afterMs: now() - started };
    await sleep(50);
  }
  return { kind: 'survived', afterMs: now() - started };
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
