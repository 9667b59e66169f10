// Named points where the fault suite kills the check, to prove each step leaves consistent records.

import { beforeWaiting } from './first-turn.js';

const wanted = process.env.ENSURE_RUNNING_FAILPOINT;

/**
 * When ENSURE_RUNNING_FAILPOINT names this point, the check kills itself with SIGKILL,
 * exactly as the OOM killer or a power cut would stop it: no cleanup, lock left behind.
 * Unset (always, outside the fault suite), this is one string comparison.
 */
export function failpoint(name: string): void {
  if (wanted === name) process.kill(process.pid, 'SIGKILL');
}

/**
 * When ENSURE_RUNNING_FAILPOINT is `stall:<name>`, the call waits here forever (until its
 * time bound ends it), as a check stuck on a hung file system or peer would.
 */
export function stallpoint(name: string): Promise<void> {
  if (wanted !== `stall:${name}`) return Promise.resolve();
  // A wait on the event loop, as a hung peer's: the time bound and the signal listeners are set (src/os/first-turn.ts).
  beforeWaiting();
  // Said, so that the fault suite signals the call only once it is truly here.
  process.stderr.write(`failpoint: stalled at ${name}\n`);
  return new Promise(() => {
    setInterval(() => undefined, 60_000);
  });
}

/**
 * When ENSURE_RUNNING_FAILPOINT is `pause:<name>`, the call stops itself here with SIGSTOP,
 * as a check starved of CPU or swapped out would stand still, until the fault suite sends
 * SIGCONT. Its lock is then not refreshed, and goes stale for the other calls.
 */
export function pausepoint(name: string): void {
  if (wanted !== `pause:${name}`) return;
  process.stderr.write(`failpoint: paused at ${name}\n`);
  process.kill(process.pid, 'SIGSTOP');
}

/** The fault suite's shorter overall time bound (ENSURE_RUNNING_FAILPOINT_LIMIT_MS), so that its test does not wait minutes. */
export function failpointTimeLimitMs(): number | null {
  const text = process.env.ENSURE_RUNNING_FAILPOINT_LIMIT_MS;
  return text && /^[1-9][0-9]*$/.test(text) ? Number(text) : null;
}
