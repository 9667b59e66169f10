// The sidecar state file next to the PID file: JSON, written atomically under the lock.

import { parseState, STATE_VERSION, type ProgramState } from '../core/state.js';
import { readSmallFile, writeFileAtomic } from './files.js';

/** The sidecar never grows past this; events are bounded well below it. */
const MAX_STATE_BYTES = 256 * 1024;

export type StateRead =
  | { kind: 'missing' }
  | { kind: 'ok'; state: ProgramState }
  /** Unreadable or from a newer version: `reason` says which, for one line on stderr. */
  | { kind: 'unusable'; reason: string; future: boolean };

/** Reads the sidecar. */
export function readStateFile(path: string): StateRead {
  const read = readSmallFile(path, MAX_STATE_BYTES, 'state file');
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') return { kind: 'unusable', reason: read.reason, future: false };
  const parsed = parseState(read.text);
  if (parsed.kind === 'ok') return parsed;
  if (parsed.kind === 'future') {
    return { kind: 'unusable', reason: `its format version ${parsed.version} is newer than this ensure-running understands (${STATE_VERSION})`, future: true };
  }
  return { kind: 'unusable', reason: `state file ${path} is corrupt (${parsed.reason}); it will be rewritten`, future: false };
}

/** Writes the sidecar atomically. */
export function writeStateFile(path: string, state: ProgramState): void {
  writeFileAtomic(path, `${JSON.stringify(state, null, 1)}\n`, 'state file');
}
