// The sidecar state file next to the PID file: JSON, written atomically under the lock.

import { lstatSync } from 'node:fs';
import { parseState, STATE_VERSION, type ProgramState } from '../core/state.js';
import { promisePaths } from '../core/paths.js';
import { readSmallFile, writeFileAtomic } from './door.js';
import { removePromise } from './promise-file.js';
import { RunError } from '../errors.js';

/**
 * When a check answered by the quiet promise, or the full check that gave it, last ran: the
 * mark's mtime; 0 when there is none, or when it is not a regular file of `owner` (the state
 * file's): a mark another user planted, or a link, says nothing of this program's checks.
 */
function markedAtMs(stateFile: string, owner: number): number {
  try {
    const mark = lstatSync(promisePaths(stateFile).markFile, { throwIfNoEntry: false });
    return mark?.isFile() && mark.uid === owner ? mark.mtimeMs : 0;
  } catch {
    return 0;
  }
}

/** The sidecar never grows past this; events are bounded well below it. */
const MAX_STATE_BYTES = 256 * 1024;

export type StateRead =
  | { kind: 'missing' }
  | { kind: 'ok'; state: ProgramState }
  /** Unreadable or from a newer version: `reason` says which, for one line on stderr. */
  | { kind: 'unusable'; reason: string; future: boolean };

/**
 * Reads the sidecar. Its launch record decides which PID may be signalled, so a file that
 * someone else could have written (another owner, or group or world write permission) is
 * not trusted; `anyOwner` relaxes the owner rule for --status, which never signals.
 */
export function readStateFile(path: string, anyOwner = false): StateRead {
  const read = readSmallFile(path, MAX_STATE_BYTES, 'state file');
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') return { kind: 'unusable', reason: read.reason, future: false };
  const uid = process.getuid?.();
  if (read.mode & 0o022) {
    return {
      kind: 'unusable',
      reason: `state file ${path} is writable by other users (mode ${(read.mode & 0o777).toString(8)}), so it is not trusted; it will be rewritten`,
      future: false,
    };
  }
  if (!anyOwner && uid !== undefined && read.uid !== uid) {
    return {
      kind: 'unusable',
      reason:
        `state file ${path} belongs to uid ${read.uid}, not to this user (uid ${uid}), ` +
        `so it is not trusted; keep the PID file in a directory only you can write`,
      future: false,
    };
  }
  const parsed = parseState(read.text);
  if (parsed.kind === 'ok') {
    // A check answered by the quiet promise, and the quiet full check that gave it, record that
    // they ran and saw the program alive only in the mark's mtime (no rewrite of this file every
    // minute): fold that into the last check and "last seen alive" here.
    const state = parsed.state;
    const markedMs = Math.floor(markedAtMs(path, read.uid));
    if (markedMs > (state.lastCheckMs ?? 0)) state.lastCheckMs = markedMs;
    const seenMs = Math.max(read.mtimeMs, markedMs);
    if (state.identity && seenMs > (state.lastSeenAliveMs ?? 0)) state.lastSeenAliveMs = Math.floor(seenMs);
    return parsed;
  }
  if (parsed.kind === 'future') {
    return { kind: 'unusable', reason: `its format version ${parsed.version} is newer than this ensure-running understands (${STATE_VERSION})`, future: true };
  }
  return { kind: 'unusable', reason: `state file ${path} is corrupt (${parsed.reason}); it will be rewritten`, future: false };
}

/**
 * Writes the sidecar atomically. The quiet promise goes first: it answered for the old records.
 * `durable: false` (a healthy check that moved only its clocks) skips the two fsyncs: the
 * rename is still atomic, and a power cut can cost at most that check's clocks. Returns
 * whether the promise is gone (removed, or there was none).
 */
export function writeStateFile(path: string, state: ProgramState, durable = true): boolean {
  const promiseGone = removePromise(promisePaths(path).promiseFile);
  writeFileAtomic(path, `${JSON.stringify(state, null, 1)}\n`, 'state file', 0o644, { sync: durable });
  return promiseGone;
}

/**
 * The records of a call that may act: null when there are none, or when the file is unusable
 * (set aside, said once through `warn`). A file of a newer version stops the call instead.
 */
export function loadStateFile(path: string, name: string, warn: (line: string) => void): ProgramState | null {
  const read = readStateFile(path);
  if (read.kind === 'ok') return read.state;
  if (read.kind === 'missing') return null;
  if (read.future) {
    throw new RunError({
      action: 'use the state file',
      subject: path,
      reason: read.reason,
      hint: 'upgrade ensure-running (the program itself is left alone), or remove the file to start its records afresh',
    });
  }
  warn(`${name}: ${read.reason}`);
  return null;
}
