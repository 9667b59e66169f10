// The one door through which commands reach the clock, the environment and the terminal.

import { userInfo } from 'node:os';

/** Built once at the entry point; tests build their own. */
export interface World {
  now(): number;
  /** The caller's working directory and environment. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  home: string;
  /** One line to stderr (cron mails it) or stdout. */
  warn(line: string): void;
  say(line: string): void;
}

/** The home directory from the password database, for a call without HOME (some cron setups, `env -i`). */
function passwdHome(): string {
  try {
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
    warn: (line) => process.stderr.write(`${line}\n`),
    say: (line) => process.stdout.write(`${line}\n`),
  };
}
