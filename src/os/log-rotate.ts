// Size-based log rotation by copy-then-truncate. The program keeps its file descriptor,
// opened with O_APPEND by the launch, so after the truncation its next write lands at the
// new end of the same file: no signal, no reopen. Lines written between the copy and the
// truncation are lost (a window of a few milliseconds per rotation).

import { copyFileSync, renameSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode, RunError } from '../errors.js';

/** The size of a file, or 0 when it is missing. One stat: cheap enough for the cron path. */
export function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Rotates `path` when it is larger than `maxBytes`: backups shift up (`.1` → `.2`, ...,
 * the oldest beyond `keep` removed), the log is copied to `.1`, then truncated in place
 * (`keep` 0: truncated only).
 * Returns true when it rotated.
 */
export function rotateLog(path: string, maxBytes: number, keep: number): boolean {
  if (logSize(path) <= maxBytes) return false;
  try {
    if (keep > 0) {
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
      try {
        copyFileSync(path, `${path}.1`);
      } catch (error) {
        // A copy cut short (a full disk) is removed: it would hold the space the log needs.
        try {
          unlinkSync(`${path}.1`);
        } catch {
          // never created
        }
        throw error;
      }
    }
    truncateSync(path, 0);
  } catch (error) {
    const code = errnoCode(error);
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? `the file system of ${dirname(path)} is full: free some space there, or lower --log-keep`
        : code === 'EACCES' || code === 'EPERM'
          ? `make ${dirname(path)} and the rotated files writable for this user, or drop --log-max-size`
          : `check ${dirname(path)}, or drop --log-max-size`;
    throw new RunError({ action: 'rotate the log', subject: path, code, hint }, { cause: error });
  }
  return true;
}
