// The PID file: plain decimal PID and a newline, read strictly, written atomically, never through a link.

import { parsePidText, type PidText } from '../core/pid-text.js';
import { lstatSync } from 'node:fs';
import { readSmallFile, removeFile, writeFileAtomic } from './door.js';
import { pidMax } from './proc-identity.js';
import { ConfigError } from '../errors.js';

export type PidFileRead = { kind: 'missing' } | PidText;

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Whether `path` names anything (a link counts); false for a missing file without an exception, true when unsure. */
export function anythingAt(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}

/**
 * Reads and validates a PID file. A world-writable one is not trusted. A symbolic link is
 * refused outright (a ConfigError), before anything is launched: treated as merely invalid,
 * a check would launch and only then fail to write the PID file.
 */
export function readPidFile(path: string): PidFileRead {
  const read = readSmallFile(path, 64, 'PID file');
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') {
    if (isSymlink(path)) {
      throw new ConfigError({
        action: 'use the PID file',
        subject: path,
        reason: 'it is a symbolic link, and ensure-running never reads or writes through one',
        hint: 'remove the link and point --pid at a real file',
      });
    }
    return { kind: 'invalid', reason: read.reason };
  }
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
