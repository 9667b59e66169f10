// Whose program is it? The records of a program belong to the uid that launched it; another
// uid (root included) acting on them would relaunch the program as itself and take over its
// history, so a call that may act first asks who owns them.

import { lstatSync } from 'node:fs';
import { readSystemFile } from './door.js';
import { dirname } from 'node:path';
import type { ProgramPaths } from '../core/paths.js';

/** The owner of a program's records, when it is not the caller. */
export interface ForeignOwner {
  uid: number;
  /** The user name from the password database, or null when it has none. */
  user: string | null;
}

function ownerUid(path: string): number | null {
  try {
    return lstatSync(path).uid;
  } catch {
    return null;
  }
}

/** The name of a uid from /etc/passwd (Node has no getpwuid), or null. */
export function userName(uid: number): string | null {
  try {
    for (const line of readSystemFile('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields.length >= 3 && Number(fields[2]) === uid && /^[1-9]?[0-9]+$/.test(fields[2]!)) return fields[0] || null;
    }
  } catch {
    // no password database (a minimal container): the uid alone is named
  }
  return null;
}

/**
 * The other uid whose program this is, or null when it is the caller's (or has no records).
 * The state file must belong to that uid AND so must the PID file or the directory: a state
 * file alone planted by another user in the caller's own directory is not its program (that
 * file is merely untrusted, see src/os/state-file.ts).
 */
export function foreignOwner(paths: ProgramPaths, callerUid: number | undefined): ForeignOwner | null {
  if (callerUid === undefined) return null;
  const uid = ownerUid(paths.stateFile);
  if (uid === null || uid === callerUid) return null;
  if (ownerUid(paths.pidFile) !== uid && ownerUid(dirname(paths.stateFile)) !== uid) return null;
  return { uid, user: userName(uid) };
}
