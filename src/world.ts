// The call's surroundings: the clock, the directory, the environment, the arguments and the
// terminal. Files, processes, the lock and HTTP are not behind it: the commands import the
// thin adapters of src/os directly, and their tests run the built CLI against real files,
// processes and locks (a fake world would test less than that). Policy needs no door: it is
// pure (src/core), and its tests are tables.

import type { PromiseBlock } from './core/promise.js';

/** Built once at the entry point (realWorld); a unit test may build one to call the settings or a command in-process. */
export interface World {
  now(): number;
  /** The caller's working directory and environment. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  home: string;
  /** The call's own arguments, when it came from a command line: a quiet promise answers exactly them. */
  argv?: string[];
  /** Set for the check a waiter (--respawn) runs, not cron (src/cli/main.ts). */
  respawned?: boolean;
  /** Set by a call of a config file: takes each program's promise block (null: none) under its lock (src/config/promise.ts). */
  promiseBlock?: (block: (PromiseBlock & { nowCs: number }) | null) => void;
  /** One line to stderr (cron mails it) or stdout. */
  warn(line: string): void;
  say(line: string): void;
}

/** The home directory from the password database, for a call without HOME (some cron setups, `env -i`). */
function passwdHome(): string {
  try {
    // node:os is loaded here, not at every start: most calls have HOME.
    const { userInfo } = process.getBuiltinModule('node:os') as typeof import('node:os');
    return userInfo().homedir || '/';
  } catch {
    return '/';
  }
}

/** The real world of a CLI call. */
export function realWorld(): World {
  return {
    now: () => Date.now(),
    cwd: process.cwd(),
    env: process.env,
    home: process.env.HOME || passwdHome(),
    argv: process.argv.slice(2),
    warn: (line) => process.stderr.write(`${line}\n`),
    say: (line) => process.stdout.write(`${line}\n`),
  };
}

/** The same world, counting the lines it says: a check that said nothing ended quiet. */
export function hearing(world: World): { world: World; silent: () => boolean } {
  let lines = 0;
  const heard: World = {
    ...world,
    warn: (line) => {
      lines++;
      world.warn(line);
    },
    say: (line) => {
      lines++;
      world.say(line);
    },
  };
  return { world: heard, silent: () => lines === 0 };
}
