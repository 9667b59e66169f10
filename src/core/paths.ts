// The files of one program, all derived from its PID file's path.

import { basename, dirname, join, resolve } from 'node:path';

export interface ProgramPaths {
  name: string;
  pidFile: string;
  stateFile: string;
  lockDir: string;
  defaultLog: string;
  /** The quiet promise of the last full check (docs/quiet-promise.md). */
  promiseFile: string;
  /** Rewritten by every check that the promise answered: when checks ran, for --status. */
  markFile: string;
  /** --respawn: the program's wait status, written by its waiter (src/os/waiter.ts). */
  exitFile: string;
  /** --respawn: the lines its waiter's check said, said again by the next check cron runs. */
  keptFile: string;
}

function stem(pidFile: string): string {
  return pidFile.endsWith('.pid') ? pidFile.slice(0, -'.pid'.length) : pidFile;
}

/** Derives the sidecar, lock and default log paths from the PID file (made absolute against `cwd`). */
export function programPaths(pidFile: string, cwd: string): ProgramPaths {
  const absolute = resolve(cwd, pidFile);
  const base = stem(absolute);
  return {
    name: basename(base) || basename(absolute),
    pidFile: absolute,
    stateFile: `${base}.state.json`,
    lockDir: `${absolute}.lock`,
    defaultLog: `${base}.log`,
    exitFile: `${base}.exit`,
    keptFile: `${base}.kept`,
    ...promisePaths(`${base}.state.json`),
  };
}

/** The promise and mark files that go with a state file (same stem). */
export function promisePaths(stateFile: string): { promiseFile: string; markFile: string } {
  const base = stateFile.endsWith('.state.json') ? stateFile.slice(0, -'.state.json'.length) : stateFile;
  return { promiseFile: `${base}.promise`, markFile: `${base}.checked` };
}

/** The registry directory: $ENSURE_RUNNING_HOME, else $XDG_STATE_HOME/ensure-running, else ~/.local/state/ensure-running. */
export function registryDir(env: NodeJS.ProcessEnv, home: string): string {
  if (env.ENSURE_RUNNING_HOME) return resolve(env.ENSURE_RUNNING_HOME);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'ensure-running');
  return join(home, '.local', 'state', 'ensure-running');
}

/** The directory of a path, for messages. */
export const dirOf = dirname;
