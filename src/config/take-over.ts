// Moving from `--pid` lines to a config file without a second copy: a program of the file
// that has no records yet, whose command and directory are those of a program running under
// the records of a `--pid` line (found in the registry), takes that program over. Its records
// move to the table's PID file (under both locks), the old PID file and row go, and the check
// that follows finds it running. A table that names the old PID file (`pid = …`) needs none of
// this: the records are already the same.

import { existsSync } from 'node:fs';
import { quoteArgv } from '../core/shell-quote.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import type { ProgramState } from '../core/state.js';
import { programPaths } from '../core/paths.js';
import { removeFile } from '../os/door.js';
import { withLock } from '../os/lock.js';
import { writePidFile } from '../os/pid-file.js';
import { verifyIdentity } from '../os/proc-identity.js';
import { removePromise } from '../os/promise-file.js';
import { forgetEntry, listRegistry, register } from '../os/registry.js';
import { readStateFile, writeStateFile } from '../os/state-file.js';
import type { World } from '../world.js';

const sameArgv = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, i) => item === b[i]);

/**
 * The running program of another PID file with this command and directory, with its records;
 * null when there is none. The file's own programs (`siblings`) are never taken over: two
 * tables may well run the same command in the same directory.
 */
function runningLine(config: ProgramConfig, siblings: ReadonlySet<string>): { pidFile: string; state: ProgramState } | null {
  for (const entry of listRegistry(config.registryDir)) {
    if (entry.pidFile === config.paths.pidFile || siblings.has(entry.pidFile)) continue;
    const read = readStateFile(entry.stateFile);
    if (read.kind !== 'ok' || !read.state.identity || read.state.held) continue;
    const command = read.state.request?.command ?? read.state.command;
    const cwd = read.state.request?.cwd ?? read.state.cwd;
    if (!sameArgv(command, config.request.command) || cwd !== config.request.cwd) continue;
    if (verifyIdentity(read.state.identity) === 'ours') return { pidFile: entry.pidFile, state: read.state };
  }
  return null;
}

/**
 * Before the first check of a program of the file: takes over the same program running under
 * a `--pid` line's records, if there is one (never one of the file's own programs, whose PID
 * files are `siblings`); says one line when it does. Never launches, never signals.
 */
export async function takeOverLine(config: ProgramConfig, world: World, siblings: ReadonlySet<string>): Promise<void> {
  const { paths } = config;
  if (existsSync(paths.stateFile) || existsSync(paths.pidFile)) return;
  const found = runningLine(config, siblings);
  if (!found) return;
  const old = programPaths(found.pidFile, '/');
  await withLock(paths.pidFile, lockWaitMs(config), world.now, () =>
    withLock(old.pidFile, lockWaitMs(config), world.now, async () => {
      // Again under both locks: a check of either may have acted meanwhile.
      if (existsSync(paths.stateFile) || existsSync(paths.pidFile)) return;
      const read = readStateFile(old.stateFile);
      if (read.kind !== 'ok' || !read.state.identity || verifyIdentity(read.state.identity) !== 'ours') return;
      const { state } = read;
      const pid = state.identity!.pid;
      writeStateFile(paths.stateFile, state);
      writePidFile(paths.pidFile, pid);
      removePromise(old.promiseFile);
      for (const file of [old.pidFile, old.stateFile, old.markFile]) removeFile(file, 'record');
      forgetEntry(config.registryDir, old.pidFile);
      register(config.registryDir, { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile });
      world.warn(
        `${paths.name}: took over pid ${pid} (same command and directory) from ${old.pidFile}, whose records move to ` +
          `${paths.pidFile}; remove that file's own crontab line: ensure-running --uninstall --pid ${quoteArgv([old.pidFile])}`,
      );
    }),
  );
}
