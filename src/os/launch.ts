// Launching the target detached: new session, stdin /dev/null, output appended to log files.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, RunError, errnoCode } from '../errors.js';

/** Checks that the working directory exists and is a directory. */
export function checkCwd(cwd: string): void {
  let ok = false;
  try {
    ok = statSync(cwd).isDirectory();
  } catch (error) {
    throw new ConfigError({ action: 'use the working directory', subject: cwd, code: errnoCode(error), hint: 'create it or give an existing one with --cwd' }, { cause: error });
  }
  if (!ok) throw new ConfigError({ action: 'use the working directory', subject: cwd, reason: 'not a directory', hint: 'give a directory with --cwd' });
}

function executable(path: string): 'ok' | 'missing' | 'not-executable' | 'directory' {
  try {
    if (statSync(path).isDirectory()) return 'directory';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch {
    return 'not-executable';
  }
}

/**
 * Resolves the command the way execvp would, but before spawning, so that the error can
 * name what was looked up where. A path with a slash is relative to `cwd`; a bare name
 * is looked up in the target's PATH (under cron, only /usr/bin:/bin).
 */
export function resolveCommand(command: string, cwd: string, path: string | undefined): string {
  if (command.includes('/')) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    const found = executable(full);
    if (found === 'ok') return full;
    const where = isAbsolute(command) ? full : `${full}, relative to the working directory ${cwd}`;
    if (found === 'missing') throw new ConfigError({ action: 'find the command', subject: command, reason: `no file at ${where}`, hint: 'check the path, or set --cwd to the directory it is relative to' });
    if (found === 'directory') throw new ConfigError({ action: 'run the command', subject: command, reason: `${full} is a directory`, hint: 'name the program file itself' });
    throw new ConfigError({ action: 'run the command', subject: command, reason: `${full} is not executable`, hint: `chmod +x ${full}, or run it through its interpreter (-- node ${command})` });
  }
  const dirs = (path ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const full = join(resolve(cwd, dir), command);
    if (executable(full) === 'ok') return full;
  }
  const shown = path === undefined ? 'no PATH set' : `PATH=${path}`;
  throw new ConfigError({
    action: 'find the command',
    subject: command,
    reason: `not found in ${shown}`,
    hint: `give its absolute path (find it with: command -v ${command}) or set PATH in the crontab; cron's own PATH is only /usr/bin:/bin`,
  });
}

function openLog(path: string): number {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    const code = errnoCode(error);
    const hint = code === 'ELOOP' ? 'the log path is a symbolic link; point the option at a real file' : `check that the directory of ${path} exists and is writable`;
    throw new ConfigError({ action: 'open the log file', subject: path, code, hint }, { cause: error });
  }
}

export interface LaunchSpec {
  file: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: string;
  stderr: string;
}

/** A launched process still attached to this check, so that its start window can be watched. */
export interface Launched {
  pid: number;
  child: ChildProcess;
  /** Resolves when it exits; never rejects. */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Spawns the target detached, in its own session, with logs opened O_APPEND. */
export async function spawnDetached(spec: LaunchSpec): Promise<Launched> {
  const outFd = openLog(spec.stdout);
  let errFd = outFd;
  try {
    if (spec.stderr !== spec.stdout) errFd = openLog(spec.stderr);
    const child = spawn(spec.file, spec.argv.slice(1), {
      argv0: spec.argv[0],
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', outFd, errFd],
      windowsHide: true,
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) => {
      child.once('exit', (code, signal) => done({ code, signal }));
    });
    await new Promise<void>((done, fail) => {
      child.once('spawn', () => done());
      child.once('error', (error) => fail(error));
    });
    if (child.pid === undefined) throw new Error('spawn reported no PID');
    return { pid: child.pid, child, exited };
  } catch (error) {
    const code = errnoCode(error);
    throw new RunError({ action: 'launch', subject: spec.file, code, reason: code ? undefined : (error as Error).message, hint: 'check the command and the working directory' }, { cause: error });
  } finally {
    closeSync(outFd);
    if (errFd !== outFd) closeSync(errFd);
  }
}

/** Lets this check exit without waiting for the target. */
export function detach(launched: Launched): void {
  launched.child.removeAllListeners('exit');
  launched.child.unref();
}
