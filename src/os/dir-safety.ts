// The directory rule on the real file system (src/core/dir-safety.ts): walks a directory's
// path from / as the kernel resolves it, component by component with lstat, following each
// symbolic link in place (the link lives in a directory already judged, so it cannot be
// changed by anyone else), and judges every directory it passes through.

import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { judgeDirectory, type DirDoubt } from '../core/dir-safety.js';
import { errnoCode } from '../errors.js';

/** As the kernel's limit on links in one resolution. */
const MAX_LINKS = 40;

const parts = (path: string): string[] => path.split('/').filter((part) => part !== '' && part !== '.');

/**
 * Null when every directory from / down to `dir` (which must be absolute) is safe for `user`
 * (default: this process's effective uid); otherwise the first doubt on the way.
 */
export function unsafeDirectory(dir: string, user: number = process.geteuid?.() ?? -1): DirDoubt | null {
  let here = '/';
  let stat: Stats;
  try {
    stat = lstatSync('/');
  } catch {
    return { why: 'missing', dir: '/' };
  }
  // The directories passed through, so that ".." goes back without a second lookup.
  const trail: { path: string; stat: Stats }[] = [];
  let todo = parts(dir);
  let links = 0;
  while (todo.length) {
    const name = todo.shift()!;
    if (name === '..') {
      const up = trail.pop();
      if (up) ({ path: here, stat } = up);
      continue;
    }
    const next = join(here, name);
    let entry: Stats;
    try {
      entry = lstatSync(next);
    } catch (error) {
      // Missing: judged as far as it goes. Any other error: doubt, the same way.
      const doubt = judgeDirectory(here, stat, null, user);
      return doubt ?? { why: errnoCode(error) === 'ENOTDIR' ? 'not-directory' : 'missing', dir: next };
    }
    const doubt = judgeDirectory(here, stat, { path: next, uid: entry.uid }, user);
    if (doubt) return doubt;
    if (entry.isSymbolicLink()) {
      if (++links > MAX_LINKS) return { why: 'links', dir };
      let target: string;
      try {
        target = readlinkSync(next);
      } catch {
        return { why: 'missing', dir: next };
      }
      if (target.startsWith('/')) {
        trail.length = 0;
        here = '/';
        stat = lstatSync('/');
      }
      todo = [...parts(target), ...todo];
      continue;
    }
    if (!entry.isDirectory()) return { why: 'not-directory', dir: next };
    trail.push({ path: here, stat });
    here = next;
    stat = entry;
  }
  return judgeDirectory(here, stat, null, user);
}
