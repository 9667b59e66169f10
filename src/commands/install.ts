// --install and --uninstall: the line --crontab prints, put in the caller's crontab (root: a
// file of its own in /etc/cron.d, with the user field) under a marker comment naming the PID
// file or config file, or taken out again. Every other line is left as it was.

import { userInfo } from 'node:os';
import { installMarker, withInstalled, withoutInstalled, withUserField } from '../core/crontab-edit.js';
import { EXIT } from '../errors.js';
import { cronDaemonRuns, cronDFile, userCrontab, type CrontabStore } from '../os/crontab-store.js';
import type { World } from '../world.js';
import type { CrontabEntry } from './crontab.js';

/** What the line is for: `--pid /abs/app.pid` or `--config /abs/apps.toml`, and a short name. */
export interface InstallTarget {
  /** The option and absolute path that name the program or file, as the line gives them. */
  key: string;
  name: string;
  /** Root with --user NAME: that user's crontab (the line then runs as NAME, without --user). */
  user?: string;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.()}`;
  }
}

/** The caller's crontab, or root's own file in /etc/cron.d. */
function storeFor(target: InstallTarget, world: World): CrontabStore {
  if (process.getuid?.() !== 0) return userCrontab(userName(), world.env);
  return target.user ? userCrontab(target.user, world.env, true) : cronDFile(target.name, target.key, world.env);
}

/** Lines that name the same PID file or config file, outside our marker. */
function mentions(target: InstallTarget): (line: string) => boolean {
  return (line) => line.includes(` ${target.key} `) || line.endsWith(` ${target.key}`);
}

function sayOthers(similar: number[], target: InstallTarget, store: CrontabStore, world: World): void {
  if (!similar.length) return;
  world.warn(
    `ensure-running: note: line${similar.length === 1 ? '' : 's'} ${similar.join(', ')} of ${store.where} also ` +
      `name${similar.length === 1 ? 's' : ''} ${target.key} without the --install marker; left as ${similar.length === 1 ? 'it is' : 'they are'} ` +
      '(remove an older copy by hand: crontab -e)',
  );
}

/** --install: adds or updates the line; exit 0. */
export function installCommand(target: InstallTarget, entry: CrontabEntry, world: World): number {
  const store = storeFor(target, world);
  const line = store.userField ? withUserField(entry.line, store.userField) : entry.line;
  const edit = withInstalled(store.read(), installMarker(target.key), line, mentions(target));
  if (edit.outcome !== 'unchanged') store.write(edit.text);
  const done = {
    added: `added to ${store.where}`,
    updated: `updated in ${store.where}`,
    adopted: `already in ${store.where}; marked as installed`,
    unchanged: `already in ${store.where}; unchanged`,
  }[edit.outcome as 'added' | 'updated' | 'adopted' | 'unchanged'];
  world.say(`${target.name}: ${done}:`);
  for (const comment of entry.comments) world.say(comment);
  world.say(line);
  sayOthers(edit.similar, target, store, world);
  if (cronDaemonRuns() === false)
    world.warn(
      'ensure-running: warning: no cron daemon runs on this machine (no process named cron or crond): ' +
        'the line does nothing until one does (Debian: service cron start); ensure-running --status will say that checks stopped arriving',
    );
  return EXIT.ok;
}

/**
 * --uninstall: removes the line under our marker, and only it (or, given the entry, the same
 * line pasted by hand without a marker); exit 0 also when there was none.
 */
export function uninstallCommand(target: InstallTarget, world: World, entry?: CrontabEntry): number {
  const store = storeFor(target, world);
  const line = entry && (store.userField ? withUserField(entry.line, store.userField) : entry.line);
  const edit = withoutInstalled(store.read(), installMarker(target.key), mentions(target), line);
  if (edit.outcome === 'removed') {
    // Root's own file: nothing of ours left, no file left.
    store.write(store.userField && edit.text.trim() === '' ? '' : edit.text);
    world.say(`${target.name}: removed from ${store.where}`);
  } else world.say(`${target.name}: no line installed for ${target.key} in ${store.where}; nothing to remove`);
  sayOthers(edit.similar, target, store, world);
  return EXIT.ok;
}
