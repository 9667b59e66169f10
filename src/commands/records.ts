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
  /** Writes `state` when it differs from what is on file: the pass's one save. */
  save(state: ProgramState): void;
}

/** Loads the records of a pass, once; an unusable file is said through `warn` and counts as none. */
export function loadRecords(stateFile: string, name: string, warn: (line: string) => void): Records {
  const records: Records = {
    onFile: loadStateFile(stateFile, name, warn),
    write(state) {
      writeStateFile(stateFile, state);
      records.onFile = state;
    },
    save(state) {
      if (JSON.stringify(state) !== (records.onFile ? JSON.stringify(records.onFile) : '')) records.write(state);
    },
  };
  return records;
}
