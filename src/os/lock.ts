// Mutual exclusion between overlapping calls on one PID file (proper-lockfile's mkdir lock).

import lockfile from 'proper-lockfile';
import { ConfigError, RunError, errnoCode } from '../errors.js';
import { stallpoint } from './failpoint.js';
import { beforeWaiting } from './first-turn.js';
import { dirname } from 'node:path';
import { lstatSync, statSync } from 'node:fs';

import { LOCK_STALE_MS } from './lock-stale.js';
import { LOCK_DIRECTORY_CALLS, kindOf } from './door.js';

export interface Held {
  /** Releases the lock; throws a RunError if it was compromised while held. */
  release(): Promise<void>;
  /** True once proper-lockfile found the lock taken over or removed. */
  compromised(): boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock on `pidFile` (the directory `<pidFile>.lock`), waiting at most `waitMs`
 * for another caller to finish. A holder killed with SIGKILL leaves the lock behind;
 * proper-lockfile takes it over once it is older than LOCK_STALE_MS.
 */
export async function takeLock(pidFile: string, waitMs: number, now: () => number): Promise<Held> {
  const deadline = now() + waitMs;
  let compromisedBy: Error | null = null;
  const notLock = notALockDir(`${pidFile}.lock`);
  if (notLock) throw notLock;
  for (;;) {
    try {
      // Synchronous (proper-lockfile's own lockSync: the same mkdir lock, stale period, refresh
      // timer and exit hook): a check thus starts no thread pool for a few calls on a directory.
      const release = lockfile.lockSync(pidFile, {
        fs: LOCK_DIRECTORY_CALLS,
        realpath: false,
        stale: LOCK_STALE_MS,
        retries: 0,
        onCompromised: (error) => {
          compromisedBy = error;
        },
      });
      const lockDir = `${pidFile}.lock`;
      const made = lockDirId(lockDir);
      await stallpoint('after-lock');
      return {
        // Looked at now, not only by proper-lockfile's refresh timer: a check that was stopped
        // past the stale period runs on from where it stood before that timer can fire.
        compromised: () => compromisedBy !== null || (made !== null && lockDirId(lockDir) !== made),
        release: async () => {
          try {
            release();
          } catch (error) {
            if (errnoCode(error) !== 'ERELEASED' && errnoCode(error) !== 'ENOENT') {
              throw new RunError(
                {
                  action: 'release the lock',
                  subject: `${pidFile}.lock`,
                  code: errnoCode(error),
                  hint: 'remove the directory by hand if no ensure-running call is running',
                },
                { cause: error },
              );
            }
          }
          if (compromisedBy) {
            throw new RunError({
              action: 'keep the lock',
              subject: `${pidFile}.lock`,
              reason: (compromisedBy as Error).message,
              hint: 'another call took it over; check that no other tool removes it',
            });
          }
        },
      };
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ELOCKED') {
        if (now() >= deadline) {
          const planted = foreignLock(`${pidFile}.lock`);
          if (planted) throw planted;
          throw new RunError({
            action: 'take the lock',
            subject: `${pidFile}.lock`,
            reason: `another ensure-running call held it for more than ${Math.round(waitMs / 1000)}s`,
            hint: `if no call is running, remove the directory ${pidFile}.lock`,
          });
        }
        // A wait on the event loop: the time bound is set from here on (src/os/first-turn.ts).
        beforeWaiting();
        await sleep(40 + Math.floor(Math.random() * 60));
        continue;
      }
      const dir = dirname(pidFile);
      const planted = notALockDir(`${pidFile}.lock`) ?? foreignLock(`${pidFile}.lock`);
      if (planted) throw planted;
      if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EROFS') {
        const hint =
          code === 'ENOENT'
            ? `create the directory ${dir} first`
            : `make ${dir} writable for this user (uid ${process.getuid?.() ?? '?'}) or put the PID file elsewhere`;
        throw new ConfigError({ action: 'take the lock', subject: `${pidFile}.lock`, code, hint }, { cause: error });
      }
      throw new RunError({ action: 'take the lock', subject: `${pidFile}.lock`, code, hint: `check the directory ${dir}` }, { cause: error });
    }
  }
}

/**
 * The lock directory as one call made it: device, inode and birth time. Another call that
 * took the lock over removed it and made its own; a released lock has none.
 */
function lockDirId(lockDir: string): string | null {
  try {
    const stat = statSync(lockDir, { bigint: true });
    return `${stat.dev}:${stat.ino}:${stat.birthtimeNs}`;
  } catch {
    return null;
  }
}

/** Runs `work` under the lock on `pidFile`, released in any case (takeLock's wait and errors apply). */
export async function withLock<T>(pidFile: string, waitMs: number, now: () => number, work: (lock: Held) => Promise<T>): Promise<T> {
  const lock = await takeLock(pidFile, waitMs, now);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}

/**
 * A lock directory owned by another user: in a shared (sticky, world-writable) directory
 * anyone can create it first, and this user can never remove it. Say so, rather than wait.
 */
function foreignLock(lockDir: string): ConfigError | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  try {
    const owner = statSync(lockDir).uid;
    if (owner === uid || uid === 0) return null;
    return new ConfigError({
      action: 'take the lock',
      subject: lockDir,
      reason: `it was created by uid ${owner}, not by this user (uid ${uid}), and only its owner can remove it`,
      hint: `have uid ${owner} or root remove it, and keep the PID file in a directory only you can write (e.g. ~/.local/state), not a shared one`,
    });
  } catch {
    return null;
  }
}

/**
 * Something other than a directory where the lock goes (a FIFO, a link, a file another user
 * planted in a shared directory): never a lock, and never followed. Said at once, with its
 * owner and the fix, instead of waiting for it to go stale.
 */
function notALockDir(lockDir: string): ConfigError | null {
  let stat: ReturnType<typeof lstatSync>;
  try {
    // Nearly always missing (no call holds the lock): told without an exception, which costs more than the look.
    stat = lstatSync(lockDir, { throwIfNoEntry: false });
  } catch {
    return null;
  }
  if (!stat || stat.isDirectory()) return null;
  const what = stat.isFile() ? 'a regular file' : kindOf(stat);
  return new ConfigError({
    action: 'take the lock',
    subject: lockDir,
    reason: `it is ${what} of uid ${stat.uid}, not a lock directory`,
    hint: `remove it (rm ${lockDir}) and keep the PID file in a directory no other user can write`,
  });
}
