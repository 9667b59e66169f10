// The time bound of a call of a config file. By name (--stop, --start...), each program in
// turn gets the bound its own line would have (src/cli/time-limit.ts), counted from when its
// turn starts, so that a call of N programs is never cut short by the sum, and a hung one
// still ends. The file's check runs its programs together: one bound for the call, the
// longest of theirs, and never past the interval the file declares for its line.

import { formatDuration } from '../core/duration.js';
import { timeLimitMs } from '../cli/time-limit.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';

/** A bound that moves on with each program; `exit` is the entry point's (one exit outside its catch). */
export function programBound(world: World, what: string, exit: (code: number) => void): { start(config: ProgramConfig): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    start(config) {
      clearTimeout(timer);
      const limit = timeLimitMs(config);
      timer = setTimeout(() => {
        world.warn(
          `ensure-running: ${config.paths.name}: ${what} did not finish within ${formatDuration(limit)}; gave up so that the next call ` +
            `can run (the lock is released; the programs after it in the file were not checked; look for a hung file system or process)`,
        );
        exit(1);
      }, limit);
      timer.unref();
    },
  };
}

/** How long before the next call of the file its check ends at the latest. */
export const BEFORE_NEXT_CALL_MS = 2000;

/** The names in a line: the first ten, then how many more. */
function named(names: string[]): string {
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

/**
 * The bound of the file's check, its programs checked together: the longest bound any of them
 * would have on its own line, counted from now, cut to end before the next call when the file
 * declares its interval (`periodMs`). On expiry, `ending` says the lines kept so far, then one
 * line names the programs not finished (`unfinished`), and the call exits 1.
 */
export function fileBound(
  world: World,
  programs: ProgramConfig[],
  periodMs: number | null,
  ending: { unfinished(): string[]; flush(): void },
  exit: (code: number) => void,
): { clear(): void } {
  if (programs.length === 0) return { clear: () => undefined };
  const limit = Math.max(...programs.map(timeLimitMs));
  const beforeNext = periodMs === null ? null : Math.max(periodMs - BEFORE_NEXT_CALL_MS, Math.ceil(periodMs / 2));
  const byInterval = beforeNext !== null && beforeNext < limit;
  const boundMs = byInterval ? beforeNext : limit;
  const timer = setTimeout(() => {
    ending.flush();
    const names = ending.unfinished();
    const one = names.length === 1;
    const when = byInterval
      ? `within ${formatDuration(boundMs)}, before the next call of the file (its interval is ${formatDuration(periodMs!)})`
      : `within ${formatDuration(boundMs)}`;
    world.warn(
      `ensure-running: ${named(names)}: the check did not finish ${when}; gave up so that the next call can run ` +
        `(${one ? 'the lock is' : 'their locks are'} released; ${names.length < programs.length ? 'the other programs of the file were checked; ' : ''}` +
        `${byInterval ? 'a start window or a wait longer than the interval allows, or a hung file system or process' : 'look for a hung file system or process'})`,
    );
    exit(1);
  }, boundMs);
  timer.unref();
  return { clear: () => clearTimeout(timer) };
}
