// The check that launches, as the pending record names it: so that no other check launches
// beside one that is still alive, even after taking over its lock.

import type { ProgramState } from '../core/state.js';
import { probePid, readProcStat } from './proc-identity.js';

type Launcher = NonNullable<NonNullable<ProgramState['pending']>['by']>;

/** This process, as a pending record names its launcher; null where /proc cannot say. */
export function thisLauncher(): Launcher | null {
  const stat = readProcStat(process.pid);
  return stat ? { pid: process.pid, startTime: stat.startTime } : null;
}

/**
 * The PID of another check, still alive, that recorded a launch and has not recorded its
 * outcome. A check holds its lock while it launches; it can lose it only by standing still
 * (starved, swapped out, stopped) past the lock's stale period, and then wakes up and spawns
 * anyway. Launching beside it would make two copies.
 */
export function otherLauncherAlive(pending: ProgramState['pending']): number | null {
  const by = pending?.by;
  if (!by || by.pid === process.pid) return null;
  const probe = probePid(by.pid);
  return probe.kind === 'alive' && probe.startTime === by.startTime ? by.pid : null;
}
