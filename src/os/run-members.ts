// The run of a launch: the spawned process's process group and every live process whose
// environment carries the launch's token (ENSURE_RUNNING_TOKEN), the way systemd's
// KillMode=control-group treats a cgroup, with the token as the cgroup. A process that both
// cleared its environment and left the group escapes; the README says so.

import type { Identity } from '../core/state.js';
import { isSignallablePid } from '../core/pid-text.js';
import { bootId, procPids, readProcStat, verifyIdentity, type ProcStat } from './proc-identity.js';
import { carries, compareStart, envEntry, environOf, holds } from './proc-scan.js';

/** The token's environment entry, or null for a record without a token (nothing carries it). */
function tokenEntry(identity: Identity): Buffer | null {
  return /^[0-9a-f]{8,64}$/.test(identity.token) ? envEntry('ENSURE_RUNNING_TOKEN', identity.token) : null;
}

/**
 * Whether the process group numbered like the program is still the program's. While the
 * program lives, or while its group has members, Linux does not give that number to another
 * process; once the PID is reused or from another boot, the group is someone else's.
 */
function groupIsOurs(identity: Identity): boolean {
  const verdict = verifyIdentity(identity);
  return verdict === 'ours' || verdict === 'gone' || verdict === 'zombie';
}

/** Whether `pid` belongs to the run right now: in the program's group (started after it) or carrying its token. */
export function isMember(identity: Identity, pid: number): boolean {
  if (!isSignallablePid(pid) || pid === process.pid) return false;
  if (identity.bootId && bootId() && identity.bootId !== bootId()) return false;
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  const entry = tokenEntry(identity);
  if (entry && carries(pid, entry)) return true;
  if (stat.pgrp !== identity.pid || !groupIsOurs(identity)) return false;
  // A member of the group started no earlier than the program it was launched with.
  return identity.startTime === null || compareStart(stat.startTime, identity.startTime) >= 0;
}

/** A live process as a pass over /proc saw it: its stat, and whether it carries a token (read lazily, once). */
interface Seen {
  pid: number;
  stat: ProcStat;
  carries: (entry: Buffer) => boolean;
}

/** Whether a live process seen in /proc belongs to the run: in the program's group (started after it) or carrying its token. */
function inRun(identity: Identity, group: boolean, entry: Buffer | null, seen: Seen): boolean {
  const { stat } = seen;
  if (seen.pid === identity.pid) return false;
  const inGroup = group && stat.pgrp === identity.pid && (identity.startTime === null || compareStart(stat.startTime, identity.startTime) >= 0);
  return inGroup || (entry !== null && seen.carries(entry));
}

/** The live processes of /proc but this one, each read once. */
function* liveProcesses(): Generator<Seen> {
  for (const pid of procPids()) {
    if (pid === process.pid || !isSignallablePid(pid)) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    let environ: Buffer | null | undefined;
    yield {
      pid,
      stat,
      carries: (entry) => {
        if (environ === undefined) environ = environOf(pid);
        return environ !== null && holds(environ, entry);
      },
    };
  }
}

/** The members found among `seen`, oldest first. */
function membersAmong(identity: Identity, seen: Iterable<Seen>): number[] {
  if (process.platform !== 'linux') return [];
  if (identity.bootId && bootId() && identity.bootId !== bootId()) return [];
  const entry = tokenEntry(identity);
  const group = groupIsOurs(identity);
  const found: Seen[] = [];
  for (const one of seen) if (inRun(identity, group, entry, one)) found.push(one);
  return found.sort((a, b) => compareStart(a.stat.startTime, b.stat.startTime) || a.pid - b.pid).map((member) => member.pid);
}

/** The live members of a run other than the program itself, oldest first: what a stop must reach. One pass over /proc. */
export function runMembers(identity: Identity): number[] {
  return process.platform === 'linux' ? membersAmong(identity, liveProcesses()) : [];
}

/**
 * For many runs at once (a bare --status of every program): one pass over /proc, each
 * process's stat and environment read once, then the members of any run found in it.
 */
export function runMembersFinder(): (identity: Identity) => number[] {
  let seen: Seen[] | null = null;
  return (identity) => {
    if (process.platform !== 'linux') return [];
    seen ??= [...liveProcesses()];
    return membersAmong(identity, seen);
  };
}
