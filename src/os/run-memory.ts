// The resident memory of a program's run: the program and every member of its run (its
// process group and the carriers of its launch token, as src/os/run-members.ts finds them),
// summed from VmRSS in /proc/PID/status (kB, so no page size is needed). Linux only.

import { readSystemFile } from './door.js';
import type { Identity } from '../core/state.js';
import { verifyIdentity } from './proc-identity.js';
import { runMembers } from './run-members.js';

/** What a check saw of a run's memory: bytes resident, and in how many processes. */
export interface RunMemory {
  bytes: number;
  processes: number;
}

/** VmRSS of one process in bytes; null when it is gone or has none (a kernel thread, a zombie). */
export function residentBytes(pid: number): number | null {
  let text: string;
  try {
    text = readSystemFile(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const match = /^VmRSS:\s+([0-9]+) kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

/** The run's resident memory now, or null when the program is not the verified one (or not on Linux). */
export function runMemory(identity: Identity, members: (identity: Identity) => number[] = runMembers): RunMemory | null {
  if (process.platform !== 'linux' || verifyIdentity(identity) !== 'ours') return null;
  let bytes = 0;
  let processes = 0;
  for (const pid of [identity.pid, ...members(identity)]) {
    const rss = residentBytes(pid);
    if (rss === null) continue;
    bytes += rss;
    processes++;
  }
  return processes > 0 ? { bytes, processes } : null;
}
