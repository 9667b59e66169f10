// The check's one hook into the quiet promise: a check that ended quiet leaves a promise for
// exactly its command line; any other ending removes it. Runs under the check's lock.

import { dirname } from 'node:path';
import { promiseUntilMs } from '../core/promise-deadline.js';
import { programPaths } from '../core/paths.js';
import { parsePlainCheck } from '../cli/fast-parse.js';
import { readStateFile } from '../os/state-file.js';
import { bootId, probePid, verifyIdentity } from '../os/proc-identity.js';
import { notifyFiles } from '../notify/files.js';
import { pausepoint } from '../os/failpoint.js';
import type { Identity, ProgramState } from '../core/state.js';
import { closedDirectory, isOwnFile, readUptimeCs, removePromise, writePromise } from '../os/promise-file.js';
import type { PromiseBlock } from '../core/promise.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';

/**
 * What the pass found under the lock that the promise need not find again: the promise already
 * removed by its save, and the recorded identity its look verified (milliseconds ago, under the
 * same lock; the verifiers check liveness at every call themselves).
 */
export interface PassFacts {
  promiseGone?: boolean;
  verified?: Identity | null;
}

/**
 * After a check: `quiet` (exit 0, nothing said) writes a promise when one can be given,
 * otherwise the promise goes. Best effort: a promise that cannot be written only costs the
 * next call a full check, so no error of its own ever fails the check. True when this program's
 * promise and its mark were written (a config call's blocks are written by the call, later).
 */
export function settlePromise(config: ProgramConfig, world: World, quiet: boolean, onFile: ProgramState | null = null, facts: PassFacts = {}): boolean {
  const { promiseFile } = config.paths;
  // The fault suite stops a quiet check here, to change the world between its tick and its promise.
  if (quiet) pausepoint('before-promise');
  try {
    if (!facts.promiseGone) removePromise(promiseFile);
    // A call of a config file gathers its programs' blocks into one promise (src/config/promise.ts).
    if (world.promiseBlock) world.promiseBlock(quiet ? promiseBlock(config, world, onFile, facts.verified) : null);
    else if (quiet) return givePromise(config, world, onFile, facts.verified ?? null);
    return false;
  } catch {
    try {
      removePromise(promiseFile);
    } catch {
      // the directory refuses changes: the state write of the next check says so
    }
    return false;
  }
}

/** Writes this program's promise and mark; true when it did. */
function givePromise(config: ProgramConfig, world: World, onFile: ProgramState | null, verified: Identity | null): boolean {
  const { paths } = config;
  const argv = world.argv;
  // Only a plain check of this very PID file, from a command line, is answered by a promise.
  const call = argv ? parsePlainCheck(argv) : null;
  if (!argv || !call || typeof call.values.pid !== 'string' || programPaths(call.values.pid, world.cwd).pidFile !== paths.pidFile) return false;
  const block = promiseBlock(config, world, onFile, verified);
  return block !== null && writePromise(paths.promiseFile, { cwd: world.cwd, tz: world.env.TZ ?? null, argv, ...block }, block.nowCs, world.now());
}

/**
 * A notification of this program may still end in a failure the next check must say: its runner
 * still runs (same PID, same start time), or a failure it left is on record. No promise then, so
 * that the failure is said at the very next check, not when the promise runs out.
 */
function notifying(state: ProgramState, pidFile: string): boolean {
  const runner = state.notifier;
  if (runner) {
    const probe = probePid(runner.pid);
    if (probe.kind === 'alive' && probe.startTime === runner.startTime) return true;
  }
  return isOwnFile(notifyFiles(pidFile).failures);
}

/**
 * What a promise of this program must find true, read under the lock after a quiet check;
 * null when no promise can be given (its directory open to others, no verified identity, a
 * duty of the full check too near: src/core/promise-deadline.ts). `onFile`: the records as the
 * check's pass saved them (read from the file when it has none); `verified`, the identity the
 * check's look verified, whose verdict holds for the same process (else it is verified here).
 */
export function promiseBlock(
  config: ProgramConfig,
  world: World,
  onFile: ProgramState | null = null,
  verified: Identity | null = null,
): (PromiseBlock & { nowCs: number }) | null {
  const { paths } = config;
  // Root's call found the directories closed a moment ago (before the lock, refusing otherwise); anyone else's walks them here.
  if (!(config.recordsClosed || closedDirectory(dirname(paths.pidFile))) || !isOwnFile(paths.pidFile) || !isOwnFile(paths.stateFile)) return null;
  const read = onFile ? ({ kind: 'ok', state: onFile } as const) : readStateFile(paths.stateFile);
  if (read.kind !== 'ok') return null;
  const state = read.state;
  const identity = state.identity;
  const boot = bootId();
  const duties = {
    startWindowMs: config.startWindowMs,
    minUptimeMs: config.policy.minUptimeMs,
    health: config.health,
    logRotate: config.logRotate,
    ...(config.notify?.pingUrl ? { ping: { everyMs: config.notify.pingEveryMs } } : {}),
    lease: config.lease,
  };
  if (!identity || identity.startTime === null || boot === null || identity.bootId !== boot) return null;
  if (!(verified && sameProcess(verified, identity)) && verifyIdentity(identity) !== 'ours') return null;
  if (notifying(state, paths.pidFile)) return null;
  // Uptime first, then the clock: the deadline in uptime is then never later than in wall time.
  const nowCs = readUptimeCs();
  const now = world.now();
  const untilMs = promiseUntilMs(state, duties, now);
  if (nowCs === null || untilMs === null) return null;
  const toCs = (ms: number) => Math.floor(ms / 10);
  const beat = config.health?.heartbeat ?? null;
  return {
    nowCs,
    pid: identity.pid,
    startTime: identity.startTime,
    bootId: boot,
    untilCs: nowCs + toCs(untilMs - now),
    pidFile: paths.pidFile,
    stateFile: paths.stateFile,
    lockDir: paths.lockDir,
    markFile: paths.markFile,
    // The front door cannot look a user up; any change of the database means the full check.
    users: config.runAs ? '/etc/passwd' : null,
    heartbeat: beat ? { file: beat.file, fromCs: Math.max(1, nowCs + toCs(identity.launchedAtMs + beat.graceMs - now)), withinCs: toCs(beat.timeoutMs) } : null,
  };
}

/** The same process by what verifyIdentity compares: PID, start time and boot. */
function sameProcess(a: Identity, b: Identity): boolean {
  return a.pid === b.pid && a.startTime === b.startTime && a.bootId === b.bootId;
}
