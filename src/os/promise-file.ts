// The quiet promise and its mark on disk: written atomically under the lock by a full check,
// removed by anything that changes the records, read without the lock by the verifiers.

import { lstatSync, unlinkSync, type BigIntStats } from 'node:fs';
import { dirname } from 'node:path';
import { promiseText, uptimeCs, type QuietPromise } from '../core/promise.js';
import { errnoCode } from '../errors.js';
import { readSystemFile, rewriteOwnFile, setFileTimes, setOwnFileTimes, writeFileAtomic } from './door.js';
import { unsafeDirectory } from './dir-safety.js';

/** Boot-relative centiseconds from /proc/uptime, or null where there is none. */
export function readUptimeCs(): number | null {
  try {
    return uptimeCs(readSystemFile('/proc/uptime'));
  } catch {
    return null;
  }
}

const euid = () => process.geteuid?.() ?? -1;

/**
 * lstat of a file this user may trust: a regular file (not a link), owned by this user.
 * The shell front door can test exactly this (`-f`, `! -L`, `-O`), and no more.
 */
export function ownFile(path: string): BigIntStats | null {
  try {
    const stat = lstatSync(path, { bigint: true, throwIfNoEntry: false });
    return stat?.isFile() && Number(stat.uid) === euid() ? stat : null;
  } catch {
    return null;
  }
}

/**
 * Whether `ownFile` finds `path` a file this user may trust, for a caller that needs no times:
 * the full check, where Node's BigInt stats would be compiled for this alone.
 */
export function isOwnFile(path: string): boolean {
  try {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat?.isFile() === true && stat.uid === euid();
  } catch {
    return false;
  }
}

/**
 * A directory where only this user (or root) can create, replace or remove files, and so can
 * its every ancestor (src/core/dir-safety.ts: owned by one of them, not writable by group or
 * others, or sticky). The shell cannot read mode bits, so the writer gives a promise only in
 * such a directory; there, a file that is this user's and not a link stays so until this
 * user changes it, and no one can swap a directory on the way between the shell's test of a
 * file and its write.
 */
export function closedDirectory(dir: string): boolean {
  return unsafeDirectory(dir) === null;
}

/**
 * Writes the mark (the boot-relative time, which the heartbeat rule reads; in place, as the
 * front door writes it), then the promise, atomically. The state file, the PID file and the promise then get the same mtime, one
 * second in the past: any later write to either record makes it newer than the promise, even
 * for a shell whose `test -nt` compares whole seconds (BusyBox), and whose `read` would drop
 * a NUL byte written into the PID file. Called only once the caller found the directory closed
 * and the two records its own regular files (src/commands/promise.ts), so their names are set
 * with one lutimes each (setOwnFileTimes).
 */
export function writePromise(promiseFile: string, promise: QuietPromise, nowCs: number, nowMs: number): boolean {
  const text = promiseText(promise);
  if (text === null) return false;
  writeMark(promise.markFile, nowCs);
  replaceFile(promiseFile, text);
  const past = Math.floor(nowMs / 1000) - 1;
  setOwnFileTimes(promise.stateFile, past);
  setOwnFileTimes(promise.pidFile, past);
  setOwnFileTimes(promiseFile, past);
  return true;
}

/**
 * Writes a program's mark (the boot-relative time of this check): in place when it is this
 * user's regular file (no rename over it, which ext4 pushes to the disk at once: see
 * rewriteOwnFile), else a new file put in its place atomically.
 */
export function writeMark(markFile: string, nowCs: number): void {
  if (!rewriteOwnFile(markFile, `${nowCs}\n`)) replaceFile(markFile, `${nowCs}\n`);
}

/** Sets a file's times to `seconds` (a state file under its lock, a config call's promise): see writePromise. */
export function backdate(path: string, seconds: number): void {
  setFileTimes(path, seconds);
}

/** Writes a config call's promise atomically with the mtime `seconds`, no later than the reading of its config file. */
export function writePromiseText(promiseFile: string, text: string, seconds: number): void {
  replaceFile(promiseFile, text);
  setFileTimes(promiseFile, seconds);
}

/**
 * Temporary file, then rename: a reader sees the old file or the new one. No fsync: after a
 * power cut a lost or empty promise only means one full check.
 */
function replaceFile(path: string, text: string): void {
  writeFileAtomic(path, text, 'promise', 0o644, { sync: false });
}

/**
 * Removes a promise: the next call goes to the full check. Never throws: where it cannot be
 * removed, the records written next are newer than it, and the verifiers refuse it for that.
 */
export function removePromise(promiseFile: string): boolean {
  try {
    unlinkSync(promiseFile);
    return true;
  } catch (error) {
    return errnoCode(error) === 'ENOENT';
  }
}

/** Rewrites the mark in place (never through a link, never creating it): a check ran at `nowCs`. */
export function markCheck(markFile: string, nowCs: number): boolean {
  return rewriteOwnFile(markFile, `${nowCs}\n`);
}

/** The directory whose closedness decides whether a promise may be written. */
export const promiseDir = dirname;
