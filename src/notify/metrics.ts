// The Prometheus view of --status: the pure formatter (src/core/prometheus.ts) fed with the
// status rows and the resident memory of a verified running program.

import { readSystemFile } from '../os/door.js';
import { prometheusText } from '../core/prometheus.js';
import type { StatusJson } from '../core/status-view.js';

/** VmRSS of a PID in bytes, or null where /proc has none (another OS, a process just gone). */
function residentBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readSystemFile(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The exposition text of these status rows, without its final line feed (the caller says it as a line). */
export function metricsText(rows: StatusJson[]): string {
  const withMemory = rows.map((status) => ({
    status,
    // The run's memory as --status reads it; else the verified PID's own (never another process's).
    memoryBytes: status.memory?.bytes ?? (status.state === 'running' && status.verified && status.pid !== null ? residentBytes(status.pid) : null),
  }));
  return prometheusText(withMemory).replace(/\n$/, '');
}
