// Mutual exclusion between overlapping calls on one PID file: the lock `<pidFile>.lock`, an
// empty file made with O_CREAT|O_EXCL, which of two calls only one can do. While a call holds
// it, its modification time is refreshed every half stale period (once the call waits on the
// event loop: a timer runs only then, and a check that only looks never waits,
// src/os/first-turn.ts). A call that finds it older than LOCK_STALE_MS takes it over: its holder
// was killed with SIGKILL, or stood still that long (the holder then finds it taken over and
// acts no more). A holder removes it only while it is still its own (device, inode, birth
// time): never the lock another call has taken over.
//
// The versions before made the lock a directory (proper-lockfile's mkdir lock, with the same
// stale period and refresh): either kind at the name is a lock to the other, and a stale
// directory is taken over as a stale file is. A file is made and removed in less than half the
// time of a directory here (measured in docs/speed.md), and every check takes one lock.

import { ConfigError, RunError, errnoCode } from '../errors.js';
import { pausepoint, stallpoint } from './failpoint.js';
import { beforeWaiting, clearLaterTimeout, laterTimeout, type LaterTimeout } from './first-turn.js';
import { onExit } from './exit-hook.js';
import { dirname } from 'node:path';
import { lstatSync, unlinkSync } from 'node:fs';

import { LOCK_STALE_MS } from './lock-stale.js';
import { LOCK_CALLS, kindOf, makeLockFile, setOwnFileTimes } from './door.js';

export interface Held {
  /** Releases the lock; throws a RunError if it was compromised while held. */
  release(): Promise<void>;
  /** True once the lock was found taken over, removed, or not refreshed within its stale period. */
  compromised(): boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock on `pidFile` (the file `<pidFile>.lock`), waiting at most `waitMs`
 * for another caller to finish. A holder killed with SIGKILL leaves the lock behind; it is
 * taken over once it is older than LOCK_STALE_MS.
 */
export async function takeLock(pidFile: string, waitMs: number, now: () => number): Promise<Held> {
  const deadline = now() + waitMs;
  const lockPath = `${pidFile}.lock`;
  const planted = plantedLock(lockPath);
  if (planted) throw planted;
  for (;;) {
    let made: string | null;
    try {
      // Synchronous: a check thus starts no thread pool for a few calls on one file.
      made = makeLock(lockPath);
    } catch (error) {
      const code = errnoCode(error);
      const dir = dirname(pidFile);
      const planted = plantedLock(lockPath);
      if (planted) throw planted;
      if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EROFS') {
        const hint =
          code === 'ENOENT'
            ? `create the directory ${dir} first`
            : `make ${dir} writable for this user (uid ${process.getuid?.() ?? '?'}) or put the PID file elsewhere`;
        throw new ConfigError({ action: 'take the lock', subject: lockPath, code, hint }, { cause: error });
      }
      throw new RunError({ action: 'take the lock', subject: lockPath, code, hint: `check the directory ${dir}` }, { cause: error });
    }
    if (made !== null) {
      const held = holdLock(lockPath, made);
      await stallpoint('after-lock');
      return held;
    }
    if (now() >= deadline) {
      const foreign = plantedLock(lockPath);
      if (foreign) throw foreign;
      throw new RunError({
        action: 'take the lock',
        subject: lockPath,
        reason: `another ensure-running call held it for more than ${Math.round(waitMs / 1000)}s`,
        hint: `if no call is running, remove ${lockPath}`,
      });
    }
    // A wait on the event loop: the time bound is set from here on (src/os/first-turn.ts).
    beforeWaiting();
    await sleep(40 + Math.floor(Math.random() * 60));
  }
}

/**
 * Makes the lock: its identity (`lockId`), or null while another call holds it. One left
 * behind longer than the stale period (a file, or the directory of a version before) is removed
 * and made again, once: of two calls that find it stale, the second to make it finds it held
 * (and the first, if the second removed the one it had made, finds its own gone before it acts:
 * `compromised`).
 */
function makeLock(lockPath: string): string | null {
  if (makeLockFile(lockPath)) return lockId(lockPath);
  // Held, or left behind: its time tells (the clock of file times, not the call's own).
  const stat = lstatSync(lockPath, { throwIfNoEntry: false });
  if (stat && stat.mtimeMs >= Date.now() - LOCK_STALE_MS) return null;
  pausepoint('before-stale-removal');
  try {
    if (stat?.isDirectory()) LOCK_CALLS.rmdirSync(lockPath);
    else unlinkSync(lockPath);
  } catch (error) {
    const code = errnoCode(error);
    // Another call took it over first, with a lock of the other kind (a file where a directory
    // was): held, tried again after the wait. Gone: made below.
    if (code === 'ENOTDIR' || code === 'EISDIR') return null;
    if (code !== 'ENOENT') throw error;
  }
  return makeLockFile(lockPath) ? lockId(lockPath) : null;
}

/** The lock as this call holds it: refreshed while it waits, removed at its release or exit, while still its own. */
function holdLock(lockPath: string, made: string | null): Held {
  let compromisedBy: string | null = null;
  let released = false;
  let refreshed = Date.now();
  let timer: LaterTimeout | null = null;
  const own = () => made !== null && lockId(lockPath) === made;
  const removeOwn = () => {
    if (own()) unlinkSync(lockPath);
  };
  // A call that ends without releasing it (an error, a signal, its time bound) removes it at its exit.
  const unhook = onExit(() => {
    if (released) return;
    released = true;
    try {
      removeOwn();
    } catch {
      // left behind: taken over once stale
    }
  });
  const refresh = (): void => {
    timer = null;
    if (released || compromisedBy !== null) return;
    const at = Date.now();
    if (!own()) compromisedBy = 'another call took it over (or removed it)';
    else if (at - refreshed > LOCK_STALE_MS) compromisedBy = `it was not refreshed for ${Math.round((at - refreshed) / 1000)}s, past its stale period`;
    else {
      try {
        // By its name, never through a link: it was this call's own regular file a moment ago.
        setOwnFileTimes(lockPath, at / 1000);
        refreshed = at;
      } catch {
        // Tried again soon, while the stale period allows.
        timer = laterTimeout(refresh, 1000).unref();
        return;
      }
    }
    if (compromisedBy === null) timer = laterTimeout(refresh, LOCK_STALE_MS / 2).unref();
  };
  timer = laterTimeout(refresh, LOCK_STALE_MS / 2).unref();
  return {
    // Looked at now, not only by the refresh timer: a check that was stopped past the stale
    // period runs on from where it stood before that timer can fire.
    compromised: () => compromisedBy !== null || !own(),
    release: async () => {
      if (released) return;
      released = true;
      unhook();
      clearLaterTimeout(timer);
      try {
        removeOwn();
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') {
          throw new RunError(
            { action: 'release the lock', subject: lockPath, code: errnoCode(error), hint: 'remove it by hand if no ensure-running call is running' },
            { cause: error },
          );
        }
      }
      if (compromisedBy !== null) {
        throw new RunError({
          action: 'keep the lock',
          subject: lockPath,
          reason: compromisedBy,
          hint: 'another call took it over; check that no other tool removes it',
        });
      }
    },
  };
}

/**
 * The lock as one call made it: device, inode and birth time. Another call that took the lock
 * over removed it and made its own; a released lock has none.
 */
function lockId(lockPath: string): string | null {
  try {
    // Not Node's BigInt stats (compiled for this alone): the inode is exact below 2^53, the birth time to a fraction of a microsecond.
    const stat = lstatSync(lockPath);
    return `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`;
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
 * Something at the lock's name that this call can never take: not a lock (a FIFO, a link, a
 * device: never followed), or a lock of another user, which in a shared (sticky,
 * world-writable) directory this user can never remove (root can, and takes it as any lock).
 * Said at once, with its owner and the fix, instead of waiting for it to go stale.
 */
function plantedLock(lockPath: string): ConfigError | null {
  let stat: ReturnType<typeof lstatSync>;
  try {
    // Nearly always missing (no call holds the lock): told without an exception, which costs more than the look.
    stat = lstatSync(lockPath, { throwIfNoEntry: false });
  } catch {
    return null;
  }
  if (!stat) return null;
  if (!stat.isFile() && !stat.isDirectory()) {
    return new ConfigError({
      action: 'take the lock',
      subject: lockPath,
      reason: `it is ${kindOf(stat)} of uid ${stat.uid}, not a lock`,
      hint: `remove it (rm ${lockPath}) and keep the PID file in a directory no other user can write`,
    });
  }
  const uid = process.getuid?.();
  if (uid === undefined || stat.uid === uid || uid === 0) return null;
  return new ConfigError({
    action: 'take the lock',
    subject: lockPath,
    reason: `it was created by uid ${stat.uid}, not by this user (uid ${uid}), and only its owner can remove it`,
    hint: `have uid ${stat.uid} or root remove it, and keep the PID file in a directory only you can write (e.g. ~/.local/state), not a shared one`,
  });
}
