// The PID file: plain decimal PID and a newline, read strictly, written atomically, never through a link.

import { parsePidText, type PidText } from '../core/pid-text.js';
import { readSmallFile, removeFile, writeFileAtomic } from './files.js';
import { pidMax } from './proc-identity.js';

export type PidFileRead = { kind: 'missing' } | PidText;

/** Reads and validates a PID file. A world-writable one is not trusted. */
export function readPidFile(path: string): PidFileRead {
  const read = readSmallFile(path, 64, 'PID file');
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') return { kind: 'invalid', reason: read.reason };
  if (read.mode & 0o002) return { kind: 'invalid', reason: `PID file ${path} is world-writable, so anyone could have written it; it is not trusted` };
  const parsed = parsePidText(read.text, pidMax(), process.pid);
  if (parsed.kind === 'invalid') return { kind: 'invalid', reason: `PID file ${path}: ${parsed.reason}` };
  return parsed;
}

/** Writes the PID file atomically. */
export function writePidFile(path: string, pid: number): void {
  writeFileAtomic(path, `${pid}\n`, 'PID file');
}

/** Removes the PID file. */
export function removePidFile(path: string): void {
  removeFile(path, 'PID file');
}
