// The heartbeat file as the guard sees it: one stat, and a read only for a small file that
// may hold the "unregistered" mark (a beat from `touch` or the helper leaves it empty).

import { statSync } from 'node:fs';
import { readHead } from './door.js';
import { UNREGISTERED_MARK, type HeartbeatSeen } from '../core/health.js';
import { errnoCode, RunError } from '../errors.js';

function startsWithMark(path: string): boolean {
  return readHead(path, UNREGISTERED_MARK.length)?.toString('utf8') === UNREGISTERED_MARK;
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
