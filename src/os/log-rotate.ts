// Size-based log rotation by copy-then-truncate. The program keeps its file descriptor,
// opened with O_APPEND by the launch, so after the truncation its next write lands at the
// new end of the same file: no signal, no reopen. Lines written between the copy and the
// truncation are lost (a window of a few milliseconds per rotation). The log is opened once,
// through the file door (src/os/door.ts): never through a link, never a FIFO or a file with
// another name; the copy is a new file renamed over `.1`, so a link planted there is replaced.

import { renameSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, errnoCode, RunError } from '../errors.js';
import { copyThenTruncate } from './door.js';
import { pausepoint } from './failpoint.js';

/** Shifts the backups up (`.1` → `.2`, ...), the oldest beyond `keep` removed; rename and unlink never follow a link. */
function shiftBackups(path: string, keep: number): void {
  try {
    unlinkSync(`${path}.${keep}`);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  for (let n = keep - 1; n >= 1; n--) {
    try {
      renameSync(`${path}.${n}`, `${path}.${n + 1}`);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }
}

/**
 * Rotates `path` when it is larger than `maxBytes`: backups shift up, the log is copied to
 * `.1`, then truncated in place (`keep` 0: truncated only). Returns true when it rotated.
 */
export function rotateLog(path: string, maxBytes: number, keep: number): boolean {
  try {
    return copyThenTruncate(path, maxBytes, keep > 0 ? `${path}.1` : null, () => {
      if (keep > 0) shiftBackups(path, keep);
      // Where a planter would put a link at `.1` between the shift and the copy (test/e2e/hostile-files.test.ts).
      pausepoint('rotate-before-copy');
    });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = errnoCode(error);
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? `the file system of ${dirname(path)} is full: free some space there, or lower --log-keep`
        : code === 'EACCES' || code === 'EPERM'
          ? `make ${dirname(path)} and the rotated files writable for this user, or drop --log-max-size`
          : `check ${dirname(path)}, or drop --log-max-size`;
    throw new RunError({ action: 'rotate the log', subject: path, code, hint }, { cause: error });
  }
}
