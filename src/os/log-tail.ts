// The last lines of a log, for reports of a death.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { LOG_TAIL_LINES } from '../core/state.js';

/** The last lines of a log file, read from its end; empty when it cannot be read. */
export function logTail(path: string, lines = LOG_TAIL_LINES): string[] {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 8192);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8').replace(/\r/g, '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-lines)
      .map((line) => (line.length > 200 ? `${line.slice(0, 200)}...` : line));
  } catch {
    return [];
  } finally {
    closeSync(fd);
  }
}
