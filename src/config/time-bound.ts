// The time bound of a call of a config file: each program in turn gets the bound its own
// line would have (src/cli/time-limit.ts), counted from when its turn starts, so that a call
// of N programs is never cut short by the sum, and a hung one still ends.

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
