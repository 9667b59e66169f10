// The last lines of a log, for reports of a death.

import { LOG_TAIL_LINES } from '../core/state.js';
import { readTail } from './door.js';
import { logOpener, type RunAs } from './run-as.js';

/**
 * The last lines of a log file, read from its end; empty when it cannot be read. A --user
 * program's log outside root's own directories is read with the user's ids, as it is opened
 * (src/os/run-as.ts): its lines go to the state file, the hook and the webhook, so root must
 * not read there what the user could not (a hard link or a swapped directory planted there).
 */
export function logTail(path: string, runAs?: RunAs, lines = LOG_TAIL_LINES): string[] {
  const tail = logOpener(runAs, path).run(() => readTail(path, 8192));
  if (tail === null) return [];
  return tail
    .toString('utf8')
    .replace(/\r/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}...` : line));
}
