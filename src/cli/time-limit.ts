// The overall time bound of a call that may act: whatever hangs, the call ends, says so in
// one line and exits 1, so that cron's calls never pile up behind one stuck check.

import { formatDuration } from '../core/duration.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import { failpointTimeLimitMs } from '../os/failpoint.js';
import type { World } from '../world.js';
import { atFirstTurn } from '../os/first-turn.js';

/** Time a call may take beyond the longest waits its own options allow. */
export const CHECK_TIME_MARGIN_MS = 2 * 60_000;

/** The bound: the lock wait, the start window, a stop with its --kill-after (twice: a restart and a health restart), plus the margin. */
export function timeLimitMs(config: ProgramConfig): number {
  return failpointTimeLimitMs() ?? lockWaitMs(config) + config.startWindowMs + 2 * config.killAfterMs + CHECK_TIME_MARGIN_MS;
}

/**
 * Arms the bound for one call, counted from now. The timer is unref'd: it never keeps a
 * finished call alive. On expiry the process exits at once; the lock's exit hook
 * removes the lock, and the records are as consistent as after a kill (every write is
 * atomic, a launch token is on record before every spawn).
 *
 * A timer can fire only while the call waits on Node's event loop, never during its
 * synchronous steps; so it is set at the loop's first turn once the call may wait, before the
 * loop first waits (src/os/first-turn.ts). A healthy check only looks, runs through without a
 * turn and exits: it sets no timer.
 */
export function armTimeLimit(config: ProgramConfig, what: string, world: World, exit: (code: number) => void): void {
  const limit = timeLimitMs(config);
  // process.uptime, a monotonic clock: not performance, whose global loads Node's performance
  // modules when first read, nor process.hrtime, a function of Node's own compiled at its first call.
  const from = process.uptime();
  const expire = () => {
    world.warn(
      `ensure-running: ${config.paths.name}: ${what} did not finish within ${formatDuration(limit)}; gave ` +
        `up so that the next call can run (the lock is released; look for a hung file system or process)`,
    );
    exit(1);
  };
  atFirstTurn(() => {
    const spent = Math.round((process.uptime() - from) * 1000);
    setTimeout(expire, Math.max(0, limit - spent)).unref();
  });
}
