// The programs a file held at its last check, so that one removed from the file is reported
// once by the next check (it is not stopped: a file edit must never kill a program silently).

import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { quoteArgv } from '../core/shell-quote.js';
import { readStateFile } from '../os/state-file.js';
import { verifyIdentity } from '../os/proc-identity.js';
import { readSmallFile, writeFileAtomic } from '../os/door.js';
import { programPaths } from '../core/paths.js';
import type { World } from '../world.js';

/** The roster: the file it belongs to, and each program's PID file by name. */
interface Roster {
  file: string;
  programs: Record<string, string>;
}

function readRoster(path: string): Roster | null {
  try {
    const read = readSmallFile(path, 1024 * 1024, 'program roster');
    if (read.kind !== 'ok') return null;
    const raw = JSON.parse(read.text) as Roster;
    return typeof raw.file === 'string' && raw.programs && typeof raw.programs === 'object' ? raw : null;
  } catch {
    return null;
  }
}

/** The roster's path, beside the file's promise: `<registry>/configs/<base>.programs.json`. */
export function rosterPath(configsDir: string, base: string): string {
  return join(configsDir, `${base}.programs.json`);
}

/**
 * Another config file of the same base name whose roster this is, while that file still
 * exists (another name for the same file is not another file): the two would share their
 * records' directory, roster and quiet promise. Null when there is none.
 */
export function otherFileOfBase(path: string, file: string, real: string): string | null {
  const last = readRoster(path);
  if (!last || last.file === file) return null;
  try {
    return realpathSync(last.file) === real ? null : last.file;
  } catch {
    // gone (the file was moved): this file takes the roster over
    return null;
  }
}

/**
 * Says one line for each program of the last roster that the file no longer has, then
 * records the new roster. A roster of another file (same base name) is simply replaced.
 * Returns the number of lines said.
 */
export function noteRemoved(path: string, file: string, present: string[], pidFiles: Record<string, string>, world: World): number {
  const last = readRoster(path);
  const mine = last && last.file === file ? last.programs : {};
  // A program whose table failed to resolve this time keeps its last PID file.
  const now = Object.fromEntries(present.flatMap((name) => ((pidFiles[name] ?? mine[name]) ? [[name, pidFiles[name] ?? mine[name]!]] : [])));
  let said = 0;
  if (last && last.file === file) {
    for (const [name, pidFile] of Object.entries(last.programs)) {
      if (present.includes(name)) continue;
      const state = readStateFile(programPaths(pidFile, '/').stateFile);
      const identity = state.kind === 'ok' ? state.state.identity : null;
      const running = identity && verifyIdentity(identity) === 'ours' ? identity.pid : null;
      const stop = `ensure-running --pid ${quoteArgv([pidFile])} --stop`;
      world.warn(
        running !== null
          ? `${name}: no longer in ${file}; it keeps running as launched (pid ${running}) and is no longer checked: stop it with ${stop}, or put its table back`
          : `${name}: no longer in ${file}; it is not running and is no longer checked (its records stay beside ${pidFile}; ` +
              `ensure-running --pid ${quoteArgv([pidFile])} --forget removes them)`,
      );
      said++;
    }
  }
  const changed = !last || last.file !== file || JSON.stringify(last.programs) !== JSON.stringify(now);
  if (changed) {
    try {
      writeFileAtomic(path, `${JSON.stringify({ file, programs: now })}\n`, 'program roster', 0o600);
    } catch {
      // best effort: without it, a removal is not reported; every program still is checked
    }
  }
  return said;
}
