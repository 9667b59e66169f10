// --user NAME[:GROUP]: root runs the program as another user, with that user's supplementary
// groups. Node's spawn({uid, gid}) cannot do it: libuv calls setgroups(0, NULL) before
// setgid/setuid, so the program would lose every supplementary group (a service user in
// `ssl-cert` or `docker` could no longer read its key or reach its socket). util-linux's
// setpriv (--reuid, --regid, --init-groups) does it in place and then execs the program, so
// the PID spawned is the program's own: its start window, its exit code and its identity are
// the program's, exactly as without --user. BusyBox's setpriv has no --reuid and is refused.

import { realpathSync } from 'node:fs';
import { giveFile, readSystemFile } from './door.js';
import { basename, dirname } from 'node:path';
import { unsafeDirectory } from './dir-safety.js';
import { spawnSync } from 'node:child_process';
import { ConfigError, UsageError } from '../errors.js';
import type { RunAs } from '../core/program-config.js';

export type { RunAs };

/** Where setpriv is looked for: fixed places, never the caller's PATH (root runs it). */
const SETPRIV_PLACES = ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv'];

/** A `name:x:id:...` entry from a database file, then from getent (NSS: LDAP, sssd), or null. */
function lookup(database: 'passwd' | 'group', name: string): string[] | null {
  const pick = (text: string) =>
    text
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[0] === name && fields.length >= 4) ?? null;
  try {
    const found = pick(readSystemFile(`/etc/${database}`, 'utf8'));
    if (found) return found;
  } catch {
    // no such file (a minimal container): getent may still know
  }
  const getent = spawnSync('getent', [database, name], { encoding: 'utf8', timeout: 5_000 });
  return getent.status === 0 ? pick(getent.stdout) : null;
}

function findSetpriv(): string | null {
  for (const place of SETPRIV_PLACES) {
    try {
      const real = realpathSync(place);
      // BusyBox's applet has no --reuid/--regid/--init-groups.
      if (basename(real) !== 'busybox') return place;
    } catch {
      // not there
    }
  }
  return null;
}

/** The uid of --user NAME[:GROUP], or null when there is no such user. */
export function userUid(text: string): number | null {
  const pw = lookup('passwd', text.split(':')[0]!);
  return pw && /^[0-9]+$/.test(pw[2]!) ? Number(pw[2]) : null;
}

/** Resolves --user NAME[:GROUP] for a launch; refuses (exit 2) when not root or when the user or group does not exist. */
export function resolveRunAs(text: string, callerUid: number | undefined): RunAs {
  const match = /^([^:\s]+)(?::([^:\s]+))?$/.exec(text);
  if (!match) throw new UsageError(`--user ${JSON.stringify(text)} must be NAME or NAME:GROUP`);
  const [, user, group] = match as unknown as [string, string, string | undefined];
  if (callerUid !== 0) {
    throw new UsageError(
      `--user ${text} needs root (this call runs as uid ${callerUid ?? 'unknown'}); put ` +
        `the line in root's crontab, or drop --user and put it in the crontab of ${user}`,
    );
  }
  const pw = lookup('passwd', user);
  if (!pw || !/^[0-9]+$/.test(pw[2]!) || !/^[0-9]+$/.test(pw[3]!))
    throw new UsageError(`--user ${text}: no user ${JSON.stringify(user)} in the password database (/etc/passwd, getent passwd)`);
  let gid = Number(pw[3]);
  if (group !== undefined) {
    const gr = lookup('group', group);
    if (!gr || !/^[0-9]+$/.test(gr[2]!))
      throw new UsageError(`--user ${text}: no group ${JSON.stringify(group)} in the group database (/etc/group, getent group)`);
    gid = Number(gr[2]);
  }
  const setpriv = findSetpriv();
  if (!setpriv) {
    throw new ConfigError({
      action: 'run the program as',
      subject: user,
      reason: "util-linux's setpriv was not found (BusyBox's cannot switch users), and Node alone cannot keep the user's supplementary groups",
      hint: 'install it (Debian, Ubuntu: util-linux; Alpine: apk add setpriv; Fedora: util-linux-core)',
    });
  }
  return { user, uid: Number(pw[2]), gid, group: group ?? null, home: pw[5] || '/', setpriv };
}

/** The environment a login as the user would give: HOME, USER, LOGNAME (an --env pair still wins). */
export function runAsEnv(runAs: RunAs): Record<string, string> {
  return { HOME: runAs.home, USER: runAs.user, LOGNAME: runAs.user };
}

/** What to spawn: setpriv, which becomes the program itself (same PID) once it has switched. */
export function runAsCommand(runAs: RunAs, file: string, args: string[]): { file: string; args: string[] } {
  return { file: runAs.setpriv, args: [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--init-groups', '--', file, ...args] };
}

/**
 * Runs `fn` with the user's own ids as the effective ones (its supplementary groups, as the
 * program gets them, then its group, then its uid), and puts root's back whatever happens:
 * a file `fn` opens, creates, renames or truncates is reached with exactly the user's rights,
 * so nothing the user plants (a link, a hard link, a swapped directory) can make root write
 * where the user could not. The real and saved uid stay root's, so the switch back cannot
 * fail. Synchronous only: no other work of this process runs meanwhile.
 */
export function withUserIds<T>(runAs: RunAs, fn: () => T): T {
  const groups = process.getgroups?.() ?? [];
  const egid = process.getegid?.() ?? 0;
  const euid = process.geteuid?.() ?? 0;
  try {
    // initgroups(3), as setpriv --init-groups does for the program (missing from Node's types).
    (process as { initgroups?: (user: string, extra: number) => void }).initgroups?.(runAs.user, runAs.gid);
    process.setegid?.(runAs.gid);
    process.seteuid?.(runAs.uid);
    return fn();
  } finally {
    process.seteuid?.(euid);
    process.setegid?.(egid);
    process.setgroups?.(groups);
  }
}

/**
 * Where a --user program's log is opened and rotated: by root only in a directory that every
 * directory from / down is root's and closed to others (src/os/dir-safety.ts), where no user
 * can plant or swap anything; anywhere else (the user's home, a directory the user may write)
 * with the user's own ids (withUserIds).
 */
export function logOpener(runAs: RunAs | undefined, log: string): LogOpener {
  if (!runAs || unsafeDirectory(dirname(log), 0) === null) return { user: null, run: (fn) => fn() };
  return { user: runAs, run: (fn) => withUserIds(runAs, fn) };
}

/** Who opens a log (null: the caller, root) and how. */
export interface LogOpener {
  user: RunAs | null;
  run<T>(fn: () => T): T;
}

/**
 * Gives a log the caller opened to the user, so that a program that reopens its log (on
 * SIGHUP, after a rotation by another tool) can still write it: only a log this call created,
 * or one with a single link that belongs to the caller (src/os/door.ts). A hard link to
 * another file, or a log that already belongs to someone else, is left as it is.
 */
export function giveLog(log: { fd: number; created: boolean }, runAs: RunAs): void {
  giveFile(log.fd, log.created, runAs.uid, runAs.gid);
}
