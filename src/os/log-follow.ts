// Reading a program's log for --logs: the last N lines, then (--follow) what is appended,
// across rotations. A log is rotated either by copy and truncate (--log-max-size: the same
// file gets shorter) or by rename (logrotate's create: the path names a new file); both
// start the reading again at the top of what the path now names. Opened through the door.

import type { Stats } from 'node:fs';
import { readLogRange } from './door.js';

/** Why a log may not be read by this caller (see readLogRange), or null. */
export type LogRefusal = (stat: Stats) => string | null;

/** One log being read: its path, the file last read (device and inode) and how far. */
export interface LogCursor {
  path: string;
  file: string | null;
  offset: number;
  /** The start of a line not yet ended by a newline. */
  partial: string;
}

/** Most bytes read at once while following (a log that grew more is read over several turns). */
const FOLLOW_CHUNK = 1 << 20;

/**
 * The last `count` lines of the log (0: none), and a cursor at its end; null lines when the
 * path names no regular file (missing, a link, a FIFO): the cursor then waits for one.
 */
export function lastLines(
  path: string,
  count: number,
  refuse?: LogRefusal,
): { lines: string[] | null; refused?: string; cursor: LogCursor & { refuse?: LogRefusal } } {
  const cursor: LogCursor & { refuse?: LogRefusal } = { path, file: null, offset: 0, partial: '', ...(refuse ? { refuse } : {}) };
  // Read back from the end in growing steps until enough lines are in hand.
  for (let step = 8192; ; step *= 4) {
    const read = readLogRange(path, (_file, size) => ({ from: count === 0 ? size : size - step, to: size }), refuse);
    if (!read) return { lines: null, cursor };
    if ('refused' in read) return { lines: null, refused: read.refused, cursor };
    cursor.file = read.file;
    cursor.offset = read.size;
    const lines = read.data.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (read.from === 0 || lines.length > count) return { lines: count === 0 ? [] : lines.slice(-count), cursor };
  }
}

/** The whole lines appended since the cursor, and the cursor moved on; a rotated log is read again from its top. */
export function appended(cursor: LogCursor & { refuse?: LogRefusal }): { lines: string[]; rotated: boolean } {
  let rotated = false;
  const read = readLogRange(
    cursor.path,
    (file, size) => {
      if (file !== cursor.file || size < cursor.offset) {
        rotated = cursor.file !== null;
        cursor.file = file;
        cursor.offset = 0;
        cursor.partial = '';
      }
      return { from: cursor.offset, to: cursor.offset + FOLLOW_CHUNK };
    },
    cursor.refuse,
  );
  if (!read || 'refused' in read || read.data.length === 0) return { lines: [], rotated };
  cursor.offset = read.from + read.data.length;
  const lines = (cursor.partial + read.data.toString('utf8')).split('\n');
  cursor.partial = lines.pop() ?? '';
  return { lines, rotated };
}
