// Where --install puts its line: the caller's crontab through the `crontab` command (-l to
// read, - to replace), or, for root, a file of its own in /etc/cron.d (ENSURE_RUNNING_CRON_D
// names another directory, for tests and for images with their cron files elsewhere).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError, RunError } from '../errors.js';
import { readSmallFile, removeFile, writeFileAtomic } from './door.js';
import { readSystemFile } from './door.js';

/** A crontab's text and how to write it back. */
export interface CrontabStore {
  /** For messages: "the crontab of alice" or "/etc/cron.d/ensure-running-web-1a2b3c4d". */
  where: string;
  read(): string;
  /** Writes the whole text; '' removes a cron.d file of our own. */
  write(text: string): void;
  /** Lines of /etc/cron.d carry the user the job runs as. */
  userField: string | null;
}

const NOT_INSTALLED =
  "the crontab command is part of cron (Debian: apt-get install cron); without cron, put the line that --crontab prints in your system's scheduler";

/** The caller's own crontab, through the `crontab` command; `other`: root edits that user's crontab (crontab -u). */
export function userCrontab(user: string, env: NodeJS.ProcessEnv, other = false): CrontabStore {
  const run = (given: string[], input?: string) => {
    const args = other ? ['-u', user, ...given] : given;
    const result = spawnSync('crontab', args, { encoding: 'utf8', env, input, timeout: 30_000 });
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      throw new ConfigError({ action: `run crontab ${args.join(' ')}`, code, hint: code === 'ENOENT' ? NOT_INSTALLED : 'check that cron is installed' });
    }
    return result;
  };
  return {
    where: `the crontab of ${user}`,
    userField: null,
    read() {
      const listed = run(['-l']);
      if (listed.status === 0) return listed.stdout;
      // "no crontab for alice": an empty one.
      if (/no crontab/i.test(listed.stderr)) return '';
      throw new RunError({ action: `read the crontab of ${user} with crontab -l`, reason: listed.stderr.trim() || `exit status ${listed.status}` });
    },
    write(text) {
      const written = run(['-'], text);
      if (written.status !== 0)
        throw new RunError({
          action: `write the crontab of ${user} with crontab -`,
          reason: written.stderr.trim() || `exit status ${written.status}`,
          hint: 'the crontab is unchanged',
        });
    },
  };
}

/** A name cron accepts in /etc/cron.d (run-parts rules: letters, digits, _ and -; no dot). */
function cronFileName(name: string, key: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'program';
  return `ensure-running-${safe}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** Root's file of its own in /etc/cron.d for one program or config file, named after it. */
export function cronDFile(name: string, key: string, env: NodeJS.ProcessEnv): CrontabStore {
  const dir = env.ENSURE_RUNNING_CRON_D || '/etc/cron.d';
  const file = join(dir, cronFileName(name, key));
  return {
    where: file,
    userField: 'root',
    read() {
      if (!existsSync(dir)) throw new ConfigError({ action: 'install the cron line in', subject: dir, reason: 'no such directory', hint: NOT_INSTALLED });
      const read = readSmallFile(file, 1 << 20, 'cron file');
      if (read.kind === 'bad') throw new ConfigError({ action: 'read the cron file', subject: file, reason: read.reason });
      return read.kind === 'ok' ? read.text : '';
    },
    write(text) {
      // cron ignores a file that group or others may write.
      if (text === '') removeFile(file, 'cron file');
      else writeFileAtomic(file, text, 'cron file', 0o644);
    },
  };
}

/** Whether a cron daemon runs on this machine (a process named cron or crond), from /proc; null when /proc cannot tell. */
export function cronDaemonRuns(): boolean | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const comm = readSystemFile(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'cron' || comm === 'crond' || comm === 'busybox-crond') return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}
