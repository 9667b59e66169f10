// The records of one pass (src/commands/check.ts): read once under the lock, written at the
// crash checkpoints (before a signal or a spawn, so that an interrupted call leaves records
// that say what it did), and saved once at the end of the pass.

import type { ProgramState } from '../core/state.js';
import { loadStateFile, writeStateFile } from '../os/state-file.js';

export interface Records {
  /** The records as now on file: as loaded, or as the last checkpoint wrote them; null when there are none (lost, or never written). */
  onFile: ProgramState | null;
  /** Writes `state` now: a crash checkpoint. */
  write(state: ProgramState): void;
  /**
   * Writes `state` when it differs from what is on file: the pass's one save. A save that moves
   * nothing but the clocks of a healthy check is not fsynced (a lost write of these costs nothing); one that
   * moves only its times may wait for `settle`.
   */
  save(state: ProgramState): void;
  /**
   * True once a write of this pass removed the quiet promise (or found none): under the lock
   * nothing but the pass's own end writes one, so it need not be removed again there.
   */
  promiseGone: boolean;
  /**
   * The end of the pass, after its quiet promise: a save that moved only the check's times (with
   * `timesInMark`) is written now, unless `promised`: the promise's mark was written with it,
   * and the records read the times from the mark (src/os/state-file.ts).
   */
  settle(promised: boolean): void;
}

/** What a healthy check moves without anything having happened: when it last looked, and what it saw. */
const CLOCKS = new Set(['lastCheckMs', 'lastSeenAliveMs', 'memory']);

/**
 * Of the clocks, the times: when it last looked and saw the program alive. The mark that the
 * quiet promise's checks rewrite has them both in its mtime, which the records fold in.
 */
const TIMES = new Set(['lastCheckMs', 'lastSeenAliveMs']);

/** The keys of the records in which `next` differs from `previous`. */
function movedKeys(previous: ProgramState, next: ProgramState): string[] {
  const moved: string[] = [];
  for (const key of new Set([...Object.keys(previous), ...Object.keys(next)])) {
    const a = (previous as unknown as Record<string, unknown>)[key];
    const b = (next as unknown as Record<string, unknown>)[key];
    if (a !== b && JSON.stringify(a) !== JSON.stringify(b)) moved.push(key);
  }
  return moved;
}

/**
 * Loads the records of a pass, once; an unusable file is said through `warn` and counts as none.
 * `timesInMark`: the pass ends with `settle`, and nothing but these records writes the state
 * file meanwhile (no notification step, no lease): a save of the times alone may then wait for it.
 */
export function loadRecords(stateFile: string, name: string, warn: (line: string) => void, timesInMark = false): Records {
  // A save of the times alone, not yet written.
  let waiting: ProgramState | null = null;
  const records: Records = {
    onFile: loadStateFile(stateFile, name, warn),
    promiseGone: false,
    write(state) {
      waiting = null;
      if (writeStateFile(stateFile, state)) records.promiseGone = true;
      records.onFile = state;
    },
    save(state) {
      const moved = records.onFile ? movedKeys(records.onFile, state) : null;
      if (moved?.length === 0) return;
      waiting = null;
      // A healthy check's times: the rename over the state file costs a third of a millisecond
      // on ext4 (auto_da_alloc), and a quiet check's mark says the same (see `settle`).
      if (timesInMark && moved?.every((key) => TIMES.has(key))) waiting = state;
      else if (writeStateFile(stateFile, state, !moved?.every((key) => CLOCKS.has(key)))) records.promiseGone = true;
      records.onFile = state;
    },
    settle(promised) {
      const times = waiting;
      waiting = null;
      if (times && !promised && writeStateFile(stateFile, times, false)) records.promiseGone = true;
    },
  };
  return records;
}
