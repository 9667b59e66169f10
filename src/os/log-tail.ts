// The last lines of a log, for reports of a death.

import { LOG_TAIL_LINES } from '../core/state.js';
import { readTail } from './door.js';

/** The last lines of a log file, read from its end; empty when it cannot be read. */
export function logTail(path: string, lines = LOG_TAIL_LINES): string[] {
  const tail = readTail(path, 8192);
  if (tail === null) return [];
  return tail
    .toString('utf8')
    .replace(/\r/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}...` : line));
}
