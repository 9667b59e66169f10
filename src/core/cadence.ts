// When the next check is due and whether checks stopped arriving: a pure view of the
// declared cadence (--schedule or --interval), the time of the last check, and now.

import type { CadenceRecord } from './duties-record.js';
import { isoTime as iso } from './local-time.js';

/** Slack on top of one missed call before --status warns: cron starts jobs a little late on a busy machine. */
export const OVERDUE_SLACK_MS = 30_000;

/** What --status says about cron's calls (JSON field `checks`). */
export interface ChecksView {
  schedule: string | null;
  everySeconds: number;
  lastCheck: string | null;
  nextCheck: string | null;
  overdue: boolean;
  warning: string | null;
}

/** "45 s", "12 min", "3 h", "2 days": the rough words of the warning line. */
export function roughly(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/**
 * Next check: the first scheduled time after the last check. Overdue: a whole expected
 * call was missed (now is past the call after the next one, plus slack). `nextAfter`
 * gives the first scheduled time after a moment (cron-parser for --schedule).
 */
export function checksView(cadence: CadenceRecord, lastCheckMs: number | null, now: number, nextAfter: (ms: number) => number): ChecksView {
  const view: ChecksView = {
    schedule: cadence.schedule,
    everySeconds: Math.round(cadence.periodMs / 1000),
    lastCheck: iso(lastCheckMs),
    nextCheck: null,
    overdue: false,
    warning: null,
  };
  if (lastCheckMs === null) return view;
  const next = nextAfter(lastCheckMs);
  view.nextCheck = iso(next);
  if (now > nextAfter(next) + OVERDUE_SLACK_MS) {
    view.overdue = true;
    view.warning = `no check for ${roughly(now - lastCheckMs)}; expected every ${roughly(cadence.periodMs)} — is cron running and is the crontab line right?`;
  }
  return view;
}
