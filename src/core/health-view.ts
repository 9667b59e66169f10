// The health and cadence part of --status: JSON fields `health` and `checks`, and their text rows.

import type { ChecksView } from './cadence.js';
import { isoTime as iso, localFromIso as local } from './local-time.js';
import type { ProgramState } from './state.js';

/** The JSON field `health` of one program's status. */
export interface HealthView {
  /** Consecutive failed HTTP probes. */
  healthFailures: number;
  lastHealthFailure: string | null;
  restartAt: { schedule: string; tz: string | null; nextAt: string | null; lastRestartAt: string | null } | null;
}

/** The health record as JSON, or null for a program that never used health options. */
export function healthView(state: ProgramState | null): HealthView | null {
  const health = state?.health;
  if (!health || (!health.restartAt && health.failures === 0 && !health.lastFailure)) return null;
  const at = health.restartAt;
  return {
    healthFailures: health.failures,
    lastHealthFailure: health.lastFailure,
    restartAt: at ? { schedule: at.text, tz: at.tz, nextAt: iso(at.nextMs), lastRestartAt: iso(at.lastRestartMs) } : null,
  };
}

/** Rows for the text status: next check (and the overdue warning), failed probes, planned restarts. */
export function healthRows(json: { checks?: ChecksView; health?: HealthView }): [string, string][] {
  const rows: [string, string][] = [];
  const checks = json.checks;
  if (checks) {
    const cadence = checks.schedule ? `schedule ${checks.schedule}` : `every ${checks.everySeconds}s`;
    rows.push(['next check', checks.nextCheck ? `${local(checks.nextCheck)} (${cadence})` : `after the first check (${cadence})`]);
    if (checks.warning) rows.push(['WARNING', checks.warning]);
  }
  const health = json.health;
  if (health?.healthFailures)
    rows.push(['health', `${health.healthFailures} failed check${health.healthFailures === 1 ? '' : 's'} in a row (last: ${health.lastHealthFailure ?? '?'})`]);
  if (health?.restartAt) {
    const last = health.restartAt.lastRestartAt ? `; last planned restart ${local(health.restartAt.lastRestartAt)}` : '';
    rows.push([
      'restart at',
      `${health.restartAt.schedule}${health.restartAt.tz ? ` (${health.restartAt.tz})` : ''}, next due ${local(health.restartAt.nextAt)}${last}`,
    ]);
  }
  return rows;
}
