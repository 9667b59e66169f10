// Small files read without following links and written atomically (temp file, fsync, rename).

import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ConfigError, RunError, errnoCode } from '../errors.js';

export type SmallRead = { kind: 'missing' } | { kind: 'ok'; text: string; mode: number; uid: number; mtimeMs: number } | { kind: 'bad'; reason: string };

/** Reads a small regular file with O_NOFOLLOW. A link, a non-file or an oversize file is "bad". */
export function readSmallFile(path: string, maxBytes: number, what: string): SmallRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'ELOOP')
      return { kind: 'bad', reason: `${what} ${path} is a symbolic link; ensure-running never follows one (remove it, or point --pid at a real file)` };
    throw new RunError({ action: `read the ${what}`, subject: path, code, hint: 'check the permissions of the file and its directory' }, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: 'bad', reason: `${what} ${path} is not a regular file` };
    if (stat.size > maxBytes) return { kind: 'bad', reason: `${what} ${path} is ${stat.size} bytes, larger than a ${what} can be` };
    const buffer = Buffer.alloc(Math.max(1, stat.size + 1));
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length >= buffer.length) return { kind: 'bad', reason: `${what} ${path} grew while it was read` };
    }
    return { kind: 'ok', text: buffer.toString('utf8', 0, length), mode: stat.mode, uid: stat.uid, mtimeMs: stat.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Refuses a path that is a symbolic link, naming the file. */
export function refuseSymlink(path: string, what: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) {
      throw new ConfigError({
        action: `write the ${what}`,
        subject: path,
        reason: 'it is a symbolic link, and ensure-running never writes through one',
        hint: 'remove the link or point the option at a real path',
      });
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
  }
}

/**
 * In a sticky directory (mode +t, like /tmp) a writable directory is not enough: only the
 * owner of a file may replace or remove it. Names the owner then, instead of blaming the
 * directory's permissions.
 */
function stickyOwner(dir: string, path: string): number | null {
  try {
    if ((statSync(dir).mode & 0o1000) === 0) return null;
    const owner = lstatSync(path).uid;
    return owner === process.getuid?.() ? null : owner;
  } catch {
    return null;
  }
}

function hintFor(code: string | undefined, dir: string, path: string): string {
  if (code === 'EACCES' || code === 'EPERM') {
    const owner = stickyOwner(dir, path);
    if (owner !== null)
      return (
        `${path} belongs to another user (uid ${owner}) and ${dir} is a sticky directory (like /tmp), where only a file's ` +
        `owner may replace or remove it: remove it as that user or root, or choose a path in a directory this user owns`
      );
    return `make ${dir} writable for this user (uid ${process.getuid?.() ?? '?'}) or choose a path in a directory it owns`;
  }
  if (code === 'ENOENT') return `create the directory ${dir} first`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `free some space on the file system of ${dir}`;
  if (code === 'EROFS') return `${dir} is on a read-only file system: choose a writable path`;
  return `check ${dir}`;
}

/** Longest file name most file systems take (NAME_MAX). */
const NAME_MAX = 255;

/**
 * A temporary name beside `path`, unique to this call. A long basename (legal up to NAME_MAX
 * bytes) would overflow NAME_MAX once prefixed and suffixed: it is replaced by its hash.
 */
export function tempNameFor(path: string): string {
  const suffix = `.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  let stem = basename(path);
  if (Buffer.byteLength(`.${stem}${suffix}`) > NAME_MAX) stem = createHash('sha256').update(stem).digest('hex').slice(0, 24);
  return join(dirname(path), `.${stem}${suffix}`);
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory opened
 * with O_CREAT|O_EXCL|O_NOFOLLOW, written, fsynced and renamed over the target, then the
 * directory fsynced. A reader sees the old content or the new, never a torn one; on
 * failure the temporary file is removed and the old content is left as it was.
 */
export function writeFileAtomic(path: string, text: string, what: string, mode = 0o644): void {
  refuseSymlink(path, what);
  const dir = dirname(path);
  const temp = tempNameFor(path);
  let fd: number | null = null;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    const data = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // the temporary file was never created, or is already renamed
    }
    const code = errnoCode(error);
    const Err = code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EROFS' ? ConfigError : RunError;
    throw new Err({ action: `write the ${what}`, subject: path, code, hint: hintFor(code, dir, path) }, { cause: error });
  }
  syncDir(dir);
}

/** fsyncs a directory so that a rename in it survives a power cut; best effort. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a directory; the rename itself is still atomic
  }
}

/** Removes a file; a missing one is fine. */
export function removeFile(path: string, what: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return;
    throw new RunError({ action: `remove the ${what}`, subject: path, code, hint: hintFor(code, dirname(path), path) }, { cause: error });
  }
}
