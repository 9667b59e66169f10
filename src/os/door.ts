// The one door to the file system: every file ensure-running keeps or touches (PID file, state,
// promise, mark, logs and their rotations, hook log, notification failures, heartbeat, registry,
// config, --output) is opened here and nowhere else (test/unit/file-door.test.ts scans src/ for
// it). An open is O_NOFOLLOW (a planted link is refused, never followed) and O_NONBLOCK (a
// planted FIFO answers at once instead of hanging the call, deaf to SIGTERM); fstat on the
// descriptor then decides: a regular file (or /dev/null where a log may be one), else a refusal
// that names the file and the fix. Writes go to a temporary file created O_EXCL beside the
// target, renamed over it; appends use O_APPEND on a checked descriptor. A file with more than
// one link is never written in place (it may be a hard link to someone else's file), and a file
// is given to another user (chown) only when this call created it, or when it has one link and
// belongs to the caller.

import {
  closeSync,
  constants,
  fchownSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  futimesSync,
  lstatSync,
  lutimesSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ConfigError, RunError, errnoCode } from '../errors.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;
/** Every open of a record: never through a link, never blocking on a FIFO. */
const SAFE = O_NOFOLLOW | O_NONBLOCK;

const euid = (): number => process.geteuid?.() ?? -1;

/** What a file that is not a regular one is, in words. */
export function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'a device';
}

/** The one character device a log may be: output thrown away on purpose. */
export function isDevNull(stat: Stats): boolean {
  try {
    return stat.isCharacterDevice() && stat.rdev === statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/** Closes a descriptor, ignoring a failure (it is being given up anyway). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written);
}

export type SmallRead = { kind: 'missing' } | { kind: 'ok'; text: string; mode: number; uid: number; mtimeMs: number } | { kind: 'bad'; reason: string };

type SmallBytes = { kind: 'ok'; bytes: Buffer; mode: number; uid: number; mtimeMs: number } | { kind: 'bad'; reason: string };

/** Reads the whole file. */
function readWholeBytes(fd: number, path: string, maxBytes: number, what: string): SmallBytes {
  const stat = fstatSync(fd);
  if (!stat.isFile()) return { kind: 'bad', reason: `${what} ${path} is ${kindOf(stat)}, not a regular file` };
  if (stat.size > maxBytes) return { kind: 'bad', reason: `${what} ${path} is ${stat.size} bytes, larger than a ${what} can be` };
  // One byte more than the size, to see a file that grows while it is read.
  const capacity = Math.max(1, stat.size + 1);
  // Every byte up to `length` is read into before it is used: nothing needs zeroing.
  const buffer = Buffer.allocUnsafe(capacity);
  let length = 0;
  for (;;) {
    const n = readSync(fd, buffer, length, capacity - length, null);
    if (n === 0) break;
    length += n;
    if (length >= capacity) return { kind: 'bad', reason: `${what} ${path} grew while it was read` };
  }
  return { kind: 'ok', bytes: buffer.subarray(0, length), mode: stat.mode, uid: stat.uid, mtimeMs: stat.mtimeMs };
}

function readWhole(fd: number, path: string, maxBytes: number, what: string, encoding: BufferEncoding = 'utf8'): SmallRead {
  const read = readWholeBytes(fd, path, maxBytes, what);
  if (read.kind !== 'ok') return read;
  const { bytes, ...rest } = read;
  return { ...rest, text: bytes.toString(encoding) };
}

/** What `readBundle` found beside a bundle: its code cache, with its owner and mode, or why none. */
export type BundleCache = { bytes: Buffer; uid: number; mode: number } | 'absent' | 'refused';

/**
 * The full check's bundle (its text, decoded as Latin-1, and its owner) and the code cache
 * beside it, each opened as a record is (no link, no FIFO) and sized by fstat on its
 * descriptor; null when the bundle cannot be read so. Both files are read into one piece of
 * memory, the bundle's text decoded out of it before the cache is read in: each is a quarter of
 * a megabyte, and fresh memory costs a page fault for every 4 KiB touched. The cache is then
 * a view of that memory. A cache that is not a regular file, is too large or is not read whole
 * is 'refused'; whether it may be trusted is the caller's to say (src/cli/code-cache.ts).
 * One function, each file read by one call: this runs before any code cache, at every full
 * check, and each function of it is compiled then (a few hundredths of a millisecond each).
 */
export function readBundle(file: string, cacheFile: string, maxBytes: number): { text: string; uid: number; cache: BundleCache } | null {
  let fd: number;
  try {
    fd = openSync(file, O_RDONLY | SAFE);
  } catch {
    return null;
  }
  let cacheFd: number | BundleCache = 'absent';
  try {
    const bundle = fstatSync(fd);
    if (!bundle.isFile() || bundle.size > maxBytes) return null;
    try {
      cacheFd = openSync(cacheFile, O_RDONLY | SAFE);
    } catch (error) {
      const code = errnoCode(error);
      cacheFd = code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'refused';
    }
    const cache = typeof cacheFd === 'number' ? fstatSync(cacheFd) : null;
    // The cache's size when it may be read: a regular file, not too large.
    const cacheSize = cache?.isFile() && cache.size <= maxBytes ? cache.size : -1;
    // One byte more than the larger file: a read that fills it saw a file that grew.
    const room = Buffer.allocUnsafe(Math.max(bundle.size, cacheSize) + 1);
    // A regular file is read whole by one read(2) (a short count is its end).
    const length = readSync(fd, room, 0, room.length, 0);
    if (length !== bundle.size) return null;
    const text = room.toString('latin1', 0, length);
    if (cache === null || typeof cacheFd !== 'number') return { text, uid: bundle.uid, cache: typeof cacheFd === 'number' ? 'refused' : cacheFd };
    if (cacheSize < 0 || readSync(cacheFd, room, 0, room.length, 0) !== cacheSize) return { text, uid: bundle.uid, cache: 'refused' };
    return { text, uid: bundle.uid, cache: { bytes: room.subarray(0, cacheSize), uid: cache.uid, mode: cache.mode } };
  } finally {
    closeSync(fd);
    if (typeof cacheFd === 'number') closeSync(cacheFd);
  }
}

/** Reads a small regular file with O_NOFOLLOW. A link, a non-file or an oversize file is "bad". */
export function readSmallFile(path: string, maxBytes: number, what: string, encoding: BufferEncoding = 'utf8'): SmallRead {
  const fd = openSmallFile(path, what);
  if (typeof fd !== 'number') return fd;
  try {
    return readWhole(fd, path, maxBytes, what, encoding);
  } finally {
    closeSync(fd);
  }
}

/** A small file's descriptor, opened O_NOFOLLOW and O_NONBLOCK; missing, or a link ("bad"). */
function openSmallFile(path: string, what: string): number | { kind: 'missing' } | { kind: 'bad'; reason: string } {
  try {
    return openSync(path, O_RDONLY | SAFE);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'ELOOP')
      return { kind: 'bad', reason: `${what} ${path} is a symbolic link; ensure-running never follows one (remove it, or point --pid at a real file)` };
    throw new RunError({ action: `read the ${what}`, subject: path, code, hint: 'check the permissions of the file and its directory' }, { cause: error });
  }
}

/**
 * Reads a file the operator named (the config file), which may be a symbolic link to where it
 * is kept: followed, but still never blocking, and only a regular file is read.
 */
export function readNamedFile(path: string, maxBytes: number, what: string): SmallRead {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'bad', reason: code ?? (error as Error).message };
  }
  try {
    return readWhole(fd, path, maxBytes, what);
  } finally {
    closeSync(fd);
  }
}

/**
 * The first `bytes` of a file, or null when it cannot be read or is not a regular file.
 * `follow` for a file the operator named (the program's own script); records never.
 */
export function readHead(path: string, bytes: number, follow = false): Buffer | null {
  return withRegularFile(path, O_RDONLY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW), (fd) => readAt(fd, 0, bytes));
}

/** The last `bytes` of a regular file (a log), or null when it cannot be read. */
export function readTail(path: string, bytes: number): Buffer | null {
  return withRegularFile(path, O_RDONLY | SAFE, (fd, stat) => readAt(fd, Math.max(0, stat.size - bytes), Math.min(stat.size, bytes)));
}

/** Opens `path` with `flags` and gives a regular file's descriptor to `read`; null when it cannot be opened, is not a regular file, or `read` throws. */
function withRegularFile<T>(path: string, flags: number, read: (fd: number, stat: Stats) => T): T | null {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    return stat.isFile() ? read(fd, stat) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Up to `length` bytes of a descriptor from `from`, fewer where the file ends first. */
function readAt(fd: number, from: number, length: number): Buffer {
  const data = Buffer.alloc(length);
  let at = 0;
  while (at < length) {
    const n = readSync(fd, data, at, length - at, from + at);
    if (n === 0) break;
    at += n;
  }
  return data.subarray(0, at);
}

/**
 * Reads a file of the kernel's (/proc) or the system's user and group databases: files no
 * user can plant, read whole. Any other path is a programming error.
 */
export function readSystemFile(path: string, encoding: BufferEncoding = 'latin1'): string {
  if (!path.startsWith('/proc/') && path !== '/etc/passwd' && path !== '/etc/group') throw new Error(`readSystemFile: ${path} is not a system file`);
  // readFileSync finds a /proc file's size 0 and reads it in chunks that it then joins: one
  // buffer kept across reads does the few reads of a check in about half the time.
  const fd = openSync(path, O_RDONLY);
  try {
    let buffer = systemBuffer ?? Buffer.allocUnsafe(16 * 1024);
    systemBuffer = buffer;
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
        systemBuffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.toString(encoding, 0, length);
  } finally {
    closeSync(fd);
  }
}
let systemBuffer: Buffer | null = null;

/** The raw bytes of a /proc file (a process's environment). */
export function readProcBytes(path: string): Buffer {
  if (!path.startsWith('/proc/')) throw new Error(`readProcBytes: ${path} is not under /proc`);
  return readFileSync(path);
}

/** A refusal: the file is not what the tool may open, said with the fix. */
function refusal(action: string, path: string, reason: string, hint: string): ConfigError {
  return new ConfigError({ action, subject: path, reason, hint });
}

/**
 * Opens a file for appending (a log, the hook log): O_APPEND|O_NOFOLLOW|O_NONBLOCK, created
 * O_EXCL when missing (`created` then says so), else opened as it is and checked on the
 * descriptor: a regular file with one link, or /dev/null when `devNull` allows it. Anything
 * else is refused (ConfigError) naming the file, what it is and the fix.
 */
export function openAppend(
  path: string,
  what: string,
  options: { devNull: boolean; mode?: number; action?: string; blocking?: boolean },
): { fd: number; created: boolean } {
  const action = options.action ?? `open the ${what}`;
  let fd: number;
  let created = true;
  try {
    try {
      fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | SAFE, options.mode ?? 0o644);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
      created = false;
      fd = openSync(path, O_WRONLY | O_APPEND | SAFE);
    }
  } catch (error) {
    const code = errnoCode(error);
    const dir = dirname(path);
    if (code === 'ELOOP')
      throw new ConfigError(
        {
          action,
          subject: path,
          code,
          hint: `it is a symbolic link, and ensure-running never writes through one; remove it (rm ${path}) or point the option at a real file`,
        },
        { cause: error },
      );
    if (code === 'ENXIO')
      throw new ConfigError(
        {
          action,
          subject: path,
          code,
          reason: 'it is a FIFO (named pipe), not a regular file',
          hint: `remove it (rm ${path}) or point the option at a regular file`,
        },
        { cause: error },
      );
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new ConfigError(
        {
          action,
          subject: path,
          code,
          reason: `the directory ${dir} does not exist`,
          hint: `create it (mkdir -p ${dir}) or point the option at an existing directory`,
        },
        { cause: error },
      );
    throw new ConfigError(
      { action, subject: path, code, hint: `check that ${dir} is writable by this user (uid ${euid()}) and that ${path} is a regular file` },
      { cause: error },
    );
  }
  try {
    const stat = fstatSync(fd);
    if (options.devNull && isDevNull(stat)) return { fd: options.blocking ? reopenBlocking(fd) : fd, created: false };
    if (!stat.isFile())
      throw refusal(
        action,
        path,
        `it is ${kindOf(stat)}, and ${options.devNull ? 'it must be a regular file or /dev/null' : 'it must be a regular file'}`,
        `remove it (rm ${path}) or point the option at a regular file`,
      );
    if (stat.nlink !== 1)
      throw refusal(
        action,
        path,
        `it has ${stat.nlink} hard links, so it may be another file's other name, and ensure-running writes only a file of its own`,
        `remove it (rm ${path}); a new one is created`,
      );
    return { fd: options.blocking ? reopenBlocking(fd) : fd, created };
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

/**
 * The same open file again without O_NONBLOCK, for a program's output: reopened through
 * /proc/self/fd, which names the open file, not the path, so nothing can be swapped in
 * between. Where there is no /proc the first descriptor is kept: O_NONBLOCK has no effect on
 * a regular file or /dev/null.
 */
function reopenBlocking(fd: number): number {
  try {
    const plain = openSync(`/proc/self/fd/${fd}`, O_WRONLY | O_APPEND);
    closeSync(fd);
    return plain;
  } catch {
    return fd;
  }
}

/**
 * Gives an open file to another user (a --user program's log, so that it can reopen it):
 * only a file this call created, or one with exactly one link that belongs to the caller.
 * Returns whether it was given.
 */
export function giveFile(fd: number, created: boolean, uid: number, gid: number): boolean {
  const stat = fstatSync(fd);
  if (!stat.isFile()) return false;
  if (!created && (stat.nlink !== 1 || stat.uid !== euid())) return false;
  fchownSync(fd, uid, gid);
  return true;
}

/**
 * Appends one record (a line) to a file of the caller's own: created 0600 when missing; an
 * existing one must be a regular file with one link, owned by the caller. Throws a
 * ConfigError naming the file otherwise; never blocks.
 */
export function appendRecord(path: string, text: string, what: string): void {
  const { fd, created } = openAppend(path, what, { devNull: false, mode: 0o600, action: `append to the ${what}` });
  try {
    if (!created && fstatSync(fd).uid !== euid())
      throw refusal(`append to the ${what}`, path, 'it belongs to another user', `remove it (rm ${path}); ensure-running creates its own`);
    writeAll(fd, Buffer.from(text, 'utf8'));
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Takes a record file away whole: renamed aside first (so a writer that appends meanwhile
 * starts a new file), then read through a checked descriptor, then removed. `missing` when
 * there is none; `bad` (with the reason) when what was there is not a regular file of the
 * caller's with one link: it is removed all the same, so the refusal is said once.
 */
export function takeRecordFile(path: string, maxBytes: number, what: string): SmallRead {
  // Nearly always missing (a healthy check's kept lines): told by lstat, without a rename that throws.
  try {
    if (!lstatSync(path, { throwIfNoEntry: false })) return { kind: 'missing' };
  } catch {
    // the rename below fails the same way
  }
  // A name of this call's own: one planted in advance (a directory, another user's file in a
  // sticky directory) could make the rename fail, and the record be never said.
  const taken = tempNameFor(path);
  try {
    renameSync(path, taken);
  } catch {
    return { kind: 'missing' };
  }
  try {
    const read = readSmallFile(taken, maxBytes, what);
    if (read.kind !== 'ok') return read.kind === 'missing' ? read : { kind: 'bad', reason: read.reason.replace(taken, path) };
    return read;
  } catch (error) {
    return { kind: 'bad', reason: `${what} ${path} could not be read (${errnoCode(error) ?? (error as Error).message})` };
  } finally {
    try {
      unlinkSync(taken);
    } catch {
      // already gone
    }
  }
}

/**
 * Rewrites a file of the caller's own in place (the mark of a check): never creating it,
 * never through a link, only a regular file with one link owned by the caller. False otherwise.
 * Written over from its start and cut only where it was longer, never emptied first: on ext4
 * a file cut to nothing and written again is pushed to the disk at its close (auto_da_alloc),
 * which was a disk write a minute for a healthy program, and a fifth of a millisecond.
 */
export function rewriteOwnFile(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | SAFE);
  } catch {
    return false;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink !== 1 || stat.uid !== euid()) return false;
    const bytes = Buffer.from(text, 'utf8');
    writeAll(fd, bytes);
    if (stat.size > bytes.length) ftruncateSync(fd, bytes.length);
    return true;
  } catch {
    return false;
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Writes a file the caller keeps for itself where it may already exist with another owner's
 * permissions (the heartbeat a program beats): created when missing, else rewritten in place
 * if it is a regular file with one link. Throws the OS error or a refusal.
 */
export function rewriteFile(path: string, text: string, mode = 0o644): void {
  const fd = openSync(path, O_WRONLY | O_CREAT | SAFE, mode);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink !== 1)
      throw refusal(
        'write',
        path,
        stat.isFile() ? `it has ${stat.nlink} hard links` : `it is ${kindOf(stat)}`,
        `remove it (rm ${path}) or choose another path`,
      );
    ftruncateSync(fd, 0);
    writeAll(fd, Buffer.from(text, 'utf8'));
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Makes the lock, `<pid file>.lock`, an empty file (src/os/lock.ts): O_CREAT|O_EXCL, so that of
 * two calls one makes it, and O_NOFOLLOW. True when this call made it, false when something is
 * there already (a lock, a link, a FIFO: the caller looks). Throws any other error.
 */
export function makeLockFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | SAFE, 0o644);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  closeSync(fd);
  return true;
}

/**
 * The removal of a directory at the lock's name (src/os/lock.ts): the lock of the versions
 * before, taken over once stale. Synchronous: no thread pool is started for it.
 */
export const LOCK_CALLS = { rmdirSync };

/** Sets a regular file's access and modification times (seconds, or a Date) through an O_NOFOLLOW descriptor. Throws the OS error. */
export function setFileTimes(path: string, time: number | Date): void {
  const fd = openSync(path, O_RDONLY | SAFE);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw refusal('set the times of', path, `it is ${kindOf(stat)}`, `remove it (rm ${path})`);
    futimesSync(fd, time, time);
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Sets the times of a file this call has just found to be its own regular file, not a link, in
 * a directory no other user can change (the records under a quiet promise: src/os/promise-file.ts):
 * nobody can have put anything else in its place, so the name is used as it is, with one
 * lutimes (a link would get its own times, never its target's), where setFileTimes opens,
 * checks and closes. Throws the OS error.
 */
export function setOwnFileTimes(path: string, seconds: number): void {
  lutimesSync(path, seconds, seconds);
}

/**
 * Copy-then-truncate of a log past `maxBytes`, on one O_RDWR|O_NOFOLLOW|O_NONBLOCK descriptor:
 * a regular file with one link, else a refusal. `beforeCopy` runs once the rotation is due
 * (the backups shift); the copy goes to a temporary file created O_EXCL beside `copyTo` and
 * renamed over it (a link planted at `copyTo` is replaced, never followed), then the log is
 * truncated through the same descriptor. Returns false when no rotation was due (missing,
 * /dev/null, small enough).
 */
export function copyThenTruncate(path: string, maxBytes: number, copyTo: string | null, beforeCopy: () => void): boolean {
  let fd: number;
  try {
    fd = openSync(path, O_RDWR | SAFE);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return false;
    if (code === 'ELOOP')
      throw refusal(
        'rotate the log',
        path,
        'it is a symbolic link, and ensure-running never writes through one',
        `remove the link (rm ${path}); the program's next launch creates the log`,
      );
    if (code === 'ENXIO') throw refusal('rotate the log', path, 'it is a FIFO (named pipe), not a regular file', `remove it (rm ${path})`);
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (isDevNull(stat)) return false;
    if (!stat.isFile()) throw refusal('rotate the log', path, `it is ${kindOf(stat)}`, `remove it (rm ${path}) or drop --log-max-size`);
    if (stat.nlink !== 1)
      throw refusal(
        'rotate the log',
        path,
        `it has ${stat.nlink} hard links, so it may be another file's other name`,
        `remove it (rm ${path}); the program's next launch creates the log`,
      );
    if (stat.size <= maxBytes) return false;
    beforeCopy();
    if (copyTo !== null) copyInto(fd, stat, copyTo);
    ftruncateSync(fd, 0);
    return true;
  } finally {
    closeQuietly(fd);
  }
}

/** Copies an open file to a new file renamed to `dest`; a copy cut short (a full disk) is removed. */
function copyInto(fd: number, stat: Stats, dest: string): void {
  const temp = tempNameFor(dest);
  const out = openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, stat.mode & 0o666);
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let at = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, at);
      if (n === 0) break;
      writeAll(out, buffer.subarray(0, n));
      at += n;
    }
    closeSync(out);
    renameSync(temp, dest);
  } catch (error) {
    closeQuietly(out);
    try {
      unlinkSync(temp);
    } catch {
      // renamed already, or never there
    }
    throw error;
  }
}

/** Refuses a path that is a symbolic link, naming the file. */
export function refuseSymlink(path: string, what: string): void {
  let stat: Stats | undefined;
  try {
    // A missing file (a promise just removed) is the usual answer: told without an exception.
    stat = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return;
  }
  if (stat?.isSymbolicLink()) {
    throw new ConfigError({
      action: `write the ${what}`,
      subject: path,
      reason: 'it is a symbolic link, and ensure-running never writes through one',
      hint: 'remove the link or point the option at a real path',
    });
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
export function writeFileAtomic(path: string, text: string, what: string, mode = 0o644, options: { sync?: boolean } = {}): void {
  const sync = options.sync ?? true;
  refuseSymlink(path, what);
  const dir = dirname(path);
  const temp = tempNameFor(path);
  let fd: number | null = null;
  try {
    fd = openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    writeAll(fd, Buffer.from(text, 'utf8'));
    if (sync) fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== null) closeQuietly(fd);
    try {
      unlinkSync(temp);
    } catch {
      // the temporary file was never created, or is already renamed
    }
    const code = errnoCode(error);
    const Err = code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EROFS' ? ConfigError : RunError;
    throw new Err({ action: `write the ${what}`, subject: path, code, hint: hintFor(code, dir, path) }, { cause: error });
  }
  if (sync) syncDir(dir);
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

/** A log as --logs reads it: what the path names now (device:inode, size) and the bytes of the range `want` picks. */
export interface LogRead {
  file: string;
  size: number;
  from: number;
  data: Buffer;
}

/**
 * Reads a range of a log (--logs): opened like every log, never through a link and never
 * blocking, a regular file only (null otherwise), and not one `refuse` names a reason for
 * (root reads only a log of its own or of the program's user); `want` picks the range from
 * what the descriptor names (a rotated log is another file, or a shorter one).
 */
export function readLogRange(
  path: string,
  want: (file: string, size: number) => { from: number; to: number },
  refuse: (stat: Stats) => string | null = () => null,
): LogRead | { refused: string } | null {
  return withRegularFile(path, O_RDONLY | SAFE, (fd, stat): LogRead | { refused: string } => {
    const refused = refuse(stat);
    if (refused) return { refused };
    const file = `${stat.dev}:${stat.ino}`;
    const range = want(file, stat.size);
    const from = Math.max(0, Math.min(range.from, stat.size));
    const to = Math.max(from, Math.min(range.to, stat.size));
    return { file, size: stat.size, from, data: readAt(fd, from, to - from) };
  });
}
