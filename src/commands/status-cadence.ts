// The `checks` part of --status: the declared cadence from the state file, the time of the
// last check (on record, with the mark that the promise's checks rewrite folded in, or the
// state file's mtime for records without one), and cron-parser for --schedule, loaded only
// for a program that declared one.

import { statSync } from 'node:fs';
import { checksView, type ChecksView } from '../core/cadence.js';
import type { StatusInput } from '../core/status-view.js';

function mtimeMs(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** The checks view of one program, or null when it declared no cadence. */
export async function checksOf(input: StatusInput): Promise<ChecksView | null> {
  const cadence = input.state?.health?.cadence;
  if (!cadence) return null;
  // The records' own time, which holds the mark's already (src/os/state-file.ts); the state
  // file's mtime only where they have none: written after the check took its time, it is often
  // a millisecond later, and the last check would then be one time in `lastCheck` and another here.
  const lastCheckMs = input.state?.lastCheckMs ?? mtimeMs(input.stateFile);
  let nextAfter = (ms: number) => ms + cadence.periodMs;
  if (cadence.schedule) {
    const { nextAfter: cronNext } = await import('../core/schedule.js');
    const { expandAlias } = await import('../core/cron-text.js');
    const cron = { text: expandAlias(cadence.schedule), tz: cadence.tz };
    try {
      cronNext(cron, 0);
      nextAfter = (ms) => cronNext(cron, ms);
    } catch {
      // a state file edited by hand: fall back to the period
    }
  }
  return checksView(cadence, lastCheckMs, input.now, nextAfter);
}
