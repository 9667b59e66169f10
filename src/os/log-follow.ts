// Reading a program's log for --logs: the last N lines, then (--follow) what is appended,
// across rotations. A log is rotated either by copy and truncate (--log-max-size: the same
// file gets shorter) or by rename (logrotate's create: the path names a new file); both
// start the reading again at the top of what the path now names. Never follows a link.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** One log being read: its path, the file last read (device and inode) and how far. */
export interface LogCursor {
  path: string;
  file: string | null;
  offset: number;
  /** The start of a line not yet ended by a newline. */
  partial: string;
}

function openLog(path: string): number | null {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
}

function readRange(fd: number, from: number, to: number): string {
  const chunks: Buffer[] = [];
  let at = from;
  while (at < to) {
    const buffer = Buffer.alloc(Math.min(to - at, 1 << 20));
    const n = readSync(fd, buffer, 0, buffer.length, at);
    if (n === 0) break;
    chunks.push(buffer.subarray(0, n));
    at += n;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The last `count` lines of the log (0: none), and a cursor at its end; null lines when the
 * path names no regular file (missing, a link, a FIFO): the cursor then waits for one.
 */
export function lastLines(path: string, count: number): { lines: string[] | null; cursor: LogCursor } {
  const cursor: LogCursor = { path, file: null, offset: 0, partial: '' };
  const fd = openLog(path);
  if (fd === null) return { lines: null, cursor };
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { lines: null, cursor };
    cursor.file = `${stat.dev}:${stat.ino}`;
    cursor.offset = stat.size;
    if (count === 0 || stat.size === 0) return { lines: [], cursor };
    // Read back from the end in growing steps until enough lines are in hand.
    let from = stat.size;
    let text = '';
    let step = 8192;
    while (from > 0) {
      const start = Math.max(0, from - step);
      text = readRange(fd, start, from) + text;
      from = start;
      if (text.split('\n').length > count + 1) break;
      step *= 2;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return { lines: lines.slice(-count), cursor };
  } finally {
    closeSync(fd);
  }
}

/** The whole lines appended since the cursor, and the cursor moved on; a rotated log is read again from its top. */
export function appended(cursor: LogCursor): { lines: string[]; rotated: boolean } {
  const fd = openLog(cursor.path);
  if (fd === null) return { lines: [], rotated: false };
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { lines: [], rotated: false };
    const file = `${stat.dev}:${stat.ino}`;
    let rotated = false;
    if (file !== cursor.file || stat.size < cursor.offset) {
      rotated = cursor.file !== null;
      cursor.file = file;
      cursor.offset = 0;
      cursor.partial = '';
    }
    if (stat.size === cursor.offset) return { lines: [], rotated };
    const text = cursor.partial + readRange(fd, cursor.offset, stat.size);
    cursor.offset = stat.size;
    const lines = text.split('\n');
    cursor.partial = lines.pop() ?? '';
    return { lines, rotated };
  } finally {
    closeSync(fd);
  }
}
