// The heartbeat file as the guard sees it: one stat, and a read only for a small file that
// may hold the "unregistered" mark (a beat from `touch` or the helper leaves it empty).

import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { UNREGISTERED_MARK, type HeartbeatSeen } from '../core/health.js';
import { errnoCode, RunError } from '../errors.js';

function startsWithMark(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const buffer = Buffer.alloc(UNREGISTERED_MARK.length);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, n) === UNREGISTERED_MARK;
  } finally {
    closeSync(fd);
  }
}

/** Looks at the heartbeat file: missing, beaten at its mtime, or unregistered. */
export function readHeartbeat(path: string): HeartbeatSeen {
  let size: number;
  let mtimeMs: number;
  try {
    const stat = statSync(path);
    size = stat.size;
    mtimeMs = stat.mtimeMs;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    throw new RunError(
      { action: 'look at the heartbeat file', subject: path, code, hint: 'make it and its directory readable by this user' },
      { cause: error },
    );
  }
  if (size >= UNREGISTERED_MARK.length && size <= 64 && startsWithMark(path)) return { kind: 'unregistered', mtimeMs };
  return { kind: 'beat', mtimeMs };
}
