// The heartbeat helper for Node programs guarded with --heartbeat: register (start),
// refresh (beat), unregister (stop). `import { heartbeat } from 'ensure-running'`.
// ensure-running passes the file's path as ENSURE_RUNNING_HEARTBEAT; a beat sets its mtime.

import { rewriteFile, setFileTimes } from './os/door.js';

/** The mark stop() writes: the guard stops judging the heartbeat until the next beat. Same text as src/core/health.ts. */
const UNREGISTERED = 'unregistered\n';
/** Default beat interval: well under the guard's default 60 s timeout. */
export const DEFAULT_BEAT_INTERVAL_MS = 10_000;

export interface HeartbeatOptions {
  /** The heartbeat file; default: process.env.ENSURE_RUNNING_HEARTBEAT. Without one, every call is a no-op. */
  path?: string | null;
  /** Interval of the automatic beats after start(), in ms (default 10 000); keep it well under --heartbeat-timeout. */
  intervalMs?: number;
  /** Called when a beat cannot be written; default: one process warning, then silence. */
  onError?: (error: Error) => void;
}

export interface Heartbeat {
  /** The file beaten, or null when there is none (not run by ensure-running): then nothing is written. */
  readonly path: string | null;
  /** True between start() and stop(). */
  readonly running: boolean;
  /** Registers and beats now, then every intervalMs on a timer that never keeps the event loop alive. Returns this. */
  start(): Heartbeat;
  /** Beats now: call it from the work loop to say "still making progress". Registers again after stop(). */
  beat(): void;
  /** Stops the timer and unregisters: the guard no longer judges the heartbeat (the process is still watched for death). */
  stop(): void;
}

/** Creates a heartbeat for this process; nothing happens until start() or beat(). */
export function heartbeat(options: HeartbeatOptions = {}): Heartbeat {
  const path = options.path === undefined ? (process.env.ENSURE_RUNNING_HEARTBEAT ?? null) : options.path;
  const intervalMs = options.intervalMs ?? DEFAULT_BEAT_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new RangeError(`heartbeat: intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
  let warned = false;
  const onError =
    options.onError ??
    ((error: Error) => {
      if (warned) return;
      warned = true;
      process.emitWarning(
        `cannot write the heartbeat file ${path}: ${error.message}; ensure-running will judge this program hung`,
        'EnsureRunningHeartbeatWarning',
      );
    });
  let timer: NodeJS.Timeout | null = null;
  // The first beat after creation or stop() rewrites the file, so that an "unregistered" mark is cleared.
  let registered = false;

  const write = (run: () => void) => {
    if (!path) return;
    try {
      run();
    } catch (error) {
      onError(error as Error);
    }
  };

  const self: Heartbeat = {
    path: path || null,
    get running() {
      return timer !== null;
    },
    start() {
      self.beat();
      if (timer === null && path) {
        timer = setInterval(() => self.beat(), intervalMs);
        // A heartbeat must never be the reason a program stays up.
        timer.unref();
      }
      return self;
    },
    beat() {
      write(() => {
        if (registered) {
          const now = new Date();
          try {
            setFileTimes(path!, now);
            return;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          }
        }
        rewriteFile(path!, '');
        registered = true;
      });
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      write(() => rewriteFile(path!, UNREGISTERED));
      registered = false;
    },
  };
  return self;
}
