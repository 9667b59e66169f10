// Looks at one program's files and process and turns them into an Observation.

import { lstatSync } from 'node:fs';
import type { Observation } from '../core/observation.js';
import type { Identity, ProgramState } from '../core/state.js';
import type { ProgramPaths } from '../core/paths.js';
import type { Found } from '../core/tick.js';
import { readPidFile, type PidFileRead } from './pid-file.js';
import { bootId, identityOf, probePid, startedAtMs, verifyIdentity } from './proc-identity.js';
import { foreignOwner as recordsOwner } from './owner.js';
import { adoptableBy, findByPidFile, findByToken, launchedFor, type MayAdopt } from './orphan.js';
import { logTail } from './log-tail.js';
import type { RunAs } from './run-as.js';
import { runMembers } from './run-members.js';
import { readExitFile } from './waiter.js';

export interface Looked {
  obs: Observation;
  pidRead: PidFileRead;
  /** Lines for stderr (an invalid PID file), said once by the check that finds it. */
  warnings: string[];
  /** A process ensure-running launched but had not on record, found by its token: to be recorded. */
  found?: Found;
  /** The recorded identity, when this look verified it against /proc ("ours"): the quiet promise reuses the verdict. */
  verified?: Identity;
}

function tailOf(state: ProgramState | null, runAs: RunAs | undefined): string[] {
  const logs = state?.logs;
  return logs ? logTail(logs.stderr, runAs) : [];
}

/**
 * The recorded launch identity decides when there is one; the PID file alone (liveness
 * only) when a PID file was written by another tool. A recorded process that is alive and
 * verified wins over a missing or garbled PID file, which is then repaired.
 */
/** How hard to look: the log tail of a death, and the /proc scans that only a death, a launch or a stop pays for. */
export interface Looking {
  tail: boolean;
  /** Scan /proc (tens of ms): for what is left of a dead program's run, and for a program that lost records name. */
  scan: boolean;
  /** No state record could be read (none, or corrupt): a live program launched for this PID file is looked for. */
  lost?: boolean;
  /** --user of this call: its processes, like the caller's (and those of a --user on record), may be found by their environment. */
  user?: string | null;
  /** --user of this call, resolved: a log tail is read with its ids (src/os/log-tail.ts). */
  runAs?: RunAs;
}

/** The --user of a call, as given (NAME or NAME:GROUP), or null. */
export function userOf(config: { request: { options?: Record<string, unknown> } }): string | null {
  const user = config.request.options?.user;
  return typeof user === 'string' ? user : null;
}

export function observe(paths: ProgramPaths, state: ProgramState | null, looking: Looking): Looked {
  const recordedUser = state?.request?.options?.user;
  const may = adoptableBy([looking.user, typeof recordedUser === 'string' ? recordedUser : null], () => recordsOwner(paths, process.getuid?.())?.uid ?? null);
  const looked = look(paths, state, looking, may);
  if (looked.obs.kind !== 'gone' || !looking.scan) return looked;
  const identity = state?.identity;
  if (identity && looked.obs.pid === identity.pid) {
    // A death: are members of its run still alive? No new copy may run beside them.
    const leftovers = runMembers(identity);
    return leftovers.length ? { ...looked, obs: { ...looked.obs, leftovers } } : looked;
  }
  if (!looking.lost) return looked;
  if (looked.obs.pid !== null) {
    // Records lost, and the PID file names a process that is gone: the program is dead. What was
    // launched for this PID file is what is left of its run: stopped before a launch, never adopted.
    const run = unrecordedRun(paths, looked.obs.pid, may);
    return run ? { ...looked, obs: { ...looked.obs, leftovers: run.pids, run: run.identity } } : looked;
  }
  // Records lost: before "not running" leads to a launch, is there a live program that no record names?
  const found = unrecorded(paths, may);
  if (!found) return looked;
  return { ...looked, obs: { kind: 'ours', pid: found.pid, repairPidFile: true }, found: { identity: found, by: 'environment' } };
}

function look(paths: ProgramPaths, state: ProgramState | null, looking: Looking, may: MayAdopt): Looked {
  const withTail = looking.tail;
  const pidRead = readPidFile(paths.pidFile);
  const warnings: string[] = [];
  if (pidRead.kind === 'invalid') warnings.push(`${paths.name}: ignoring invalid PID file: ${pidRead.reason}`);
  const filePid = pidRead.kind === 'ok' ? pidRead.pid : null;
  const identity = state?.identity ?? null;

  // A check was killed between spawn and record: find its process before judging anything.
  if (state?.pending && !(identity && verifyIdentity(identity) === 'ours')) {
    const orphan = findByToken(state.pending.token, state.pending.atMs, may);
    if (orphan !== null) {
      const adopted = identityOf(orphan, state.pending.atMs, state.pending.token);
      return { obs: { kind: 'ours', pid: orphan, repairPidFile: filePid !== orphan }, pidRead, warnings, found: { identity: adopted, by: 'pending-token' } };
    }
  }

  if (identity) {
    const verdict = verifyIdentity(identity);
    if (verdict === 'ours') return { obs: { kind: 'ours', pid: identity.pid, repairPidFile: filePid !== identity.pid }, pidRead, warnings, verified: identity };
    if (filePid !== null && filePid !== identity.pid && probePid(filePid).kind === 'alive') {
      return { obs: { kind: 'unverified', pid: filePid, owner: foreignOwner(paths.pidFile) }, pidRead, warnings };
    }
    const why = verdict === 'gone' ? 'exited' : verdict;
    // --respawn: its waiter wrote how it ended (src/os/waiter.ts).
    const seen = identity.waiter && (why === 'exited' || why === 'zombie') ? readExitFile(paths.exitFile) : null;
    const status = seen && seen.pid === identity.pid && seen.token === identity.token ? { status: { code: seen.code, signal: seen.signal } } : {};
    return { obs: { kind: 'gone', pid: identity.pid, why, logTail: withTail ? tailOf(state, looking.runAs) : [], ...status }, pidRead, warnings };
  }

  if (filePid !== null) {
    const probe = probePid(filePid);
    if (probe.kind === 'alive') {
      // The PID file names only what ensure-running wrote there: the program it launched, or its daemon.
      const token = launchedFor(filePid, paths.pidFile, may);
      if (token && probe.startTime !== null) {
        const adopted = identityOf(filePid, startedAtMs(probe.startTime) ?? 0, token);
        return { obs: { kind: 'ours', pid: filePid, repairPidFile: false }, pidRead, warnings, found: { identity: adopted, by: 'environment' } };
      }
      return { obs: { kind: 'unverified', pid: filePid, owner: foreignOwner(paths.pidFile) }, pidRead, warnings };
    }
    return { obs: { kind: 'gone', pid: filePid, why: probe.kind === 'zombie' ? 'zombie' : 'exited', logTail: [] }, pidRead, warnings };
  }
  return { obs: { kind: 'gone', pid: null, why: state?.held ? 'stopped' : 'no-record', logTail: [] }, pidRead, warnings };
}

/** The owner of a PID file written by another user, for the words of an unverified PID; null when it is the caller's. */
function foreignOwner(pidFile: string): number | null {
  try {
    const owner = lstatSync(pidFile).uid;
    return owner === process.getuid?.() ? null : owner;
  } catch {
    return null;
  }
}

/** What is left of the run of a dead program that no record names, found by its environment. */
function unrecordedRun(paths: ProgramPaths, deadPid: number, may: MayAdopt): { identity: Identity; pids: number[] } | null {
  const carrier = findByPidFile(paths.pidFile, may);
  if (carrier === null) return null;
  // Its group (while members live, the number is not reused) and its token's carriers.
  const identity: Identity = { pid: deadPid, startTime: null, bootId: bootId(), launchedAtMs: 0, token: launchedFor(carrier, paths.pidFile, may) ?? '' };
  const pids = runMembers(identity);
  return pids.length ? { identity, pids } : null;
}

/** A live program launched for this PID file that no record names, adopted rather than launched twice. */
function unrecorded(paths: ProgramPaths, may: MayAdopt): Identity | null {
  const pid = findByPidFile(paths.pidFile, may);
  if (pid === null) return null;
  const probe = probePid(pid);
  if (probe.kind !== 'alive' || probe.startTime === null) return null;
  return identityOf(pid, startedAtMs(probe.startTime) ?? 0, launchedFor(pid, paths.pidFile, may) ?? '');
}
