// The directory rule: may a user trust the names in a directory? A name is only as safe as
// every directory the path passes through, from / down: whoever can rename an ancestor can
// swap the whole tree below it (renameat2 RENAME_EXCHANGE) between a test and a write. As in
// OpenSSH's StrictModes and systemd's chase() with CHASE_SAFE, each directory must be owned by
// root or the user and writable by no one else. A sticky directory (/tmp) is writable by all,
// but there only an entry's owner (or the directory's, or root) may rename or remove it: it is
// safe to pass through to an entry that root or the user owns, and to keep files in that the
// user created (the files themselves are checked by whoever reads them).

/** What the rule needs of one directory on the way, from lstat. */
export interface DirStat {
  uid: number;
  /** st_mode: the permission bits and the sticky bit are read. */
  mode: number;
}

/** Why a directory cannot be trusted. */
export type DirDoubt =
  | { why: 'owner'; dir: string; uid: number }
  | { why: 'writable'; dir: string; mode: number }
  | { why: 'links'; dir: string }
  | { why: 'not-directory'; dir: string }
  | { why: 'missing'; dir: string };

const STICKY = 0o1000;
const GROUP_OR_OTHER_WRITE = 0o022;

/**
 * Judges one directory `dir` on the way to `next` (the entry looked up in it, and its owner),
 * or the last directory (`next` null: where the records live). Null when it is safe for `user`.
 */
export function judgeDirectory(dir: string, stat: DirStat, next: { path: string; uid: number } | null, user: number): DirDoubt | null {
  if (stat.uid !== 0 && stat.uid !== user) return { why: 'owner', dir, uid: stat.uid };
  if ((stat.mode & GROUP_OR_OTHER_WRITE) === 0) return null;
  if ((stat.mode & STICKY) === 0) return { why: 'writable', dir, mode: stat.mode & 0o7777 };
  // Sticky: the entry's owner may rename it, so it must be root or the user.
  if (next === null || next.uid === 0 || next.uid === user) return null;
  return { why: 'owner', dir: next.path, uid: next.uid };
}

/** The doubt in words, for a message: "/home/alice is owned by uid 1001 (alice)". */
export function doubtText(doubt: DirDoubt, userName: (uid: number) => string | null = () => null): string {
  switch (doubt.why) {
    case 'owner': {
      const name = userName(doubt.uid);
      return `${doubt.dir} belongs to uid ${doubt.uid}${name ? ` (${name})` : ''}`;
    }
    case 'writable':
      return `${doubt.dir} is writable by group or others (mode ${doubt.mode.toString(8).padStart(4, '0')})`;
    case 'links':
      return `${doubt.dir} is reached through too many symbolic links`;
    case 'not-directory':
      return `${doubt.dir} is not a directory`;
    case 'missing':
      return `${doubt.dir} does not exist`;
  }
}
