// Launching the target detached: new session, stdin /dev/null, output appended to log files.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, statSync } from 'node:fs';
import { openAppend, readHead } from './door.js';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, RunError, errnoCode } from '../errors.js';
import { giveLog, logOpener, runAsCommand, type RunAs } from './run-as.js';
import { WAITER_SHELL, readExitFile, waiterEnv, type WaiterSpec } from './waiter.js';
import { probePid } from './proc-identity.js';

/** Checks that the working directory exists and is a directory. */
export function checkCwd(cwd: string): void {
  let ok = false;
  try {
    ok = statSync(cwd).isDirectory();
  } catch (error) {
    throw new ConfigError(
      { action: 'use the working directory', subject: cwd, code: errnoCode(error), hint: 'create it or give an existing one with --cwd' },
      { cause: error },
    );
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
    if (found === 'ok') return checkedScript(full, command, path);
    const where = isAbsolute(command) ? full : `${full}, relative to the working directory ${cwd}`;
    if (found === 'missing')
      throw new ConfigError({
        action: 'find the command',
        subject: command,
        reason: `no file at ${where}`,
        hint: 'check the path, or set --cwd to the directory it is relative to',
      });
    if (found === 'directory')
      throw new ConfigError({ action: 'run the command', subject: command, reason: `${full} is a directory`, hint: 'name the program file itself' });
    throw new ConfigError({
      action: 'run the command',
      subject: command,
      reason: `${full} is not executable`,
      hint: `chmod +x ${full}, or run it through its interpreter (-- node ${command})`,
    });
  }
  const dirs = (path ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const full = join(resolve(cwd, dir), command);
    if (executable(full) === 'ok') return checkedScript(full, command, path);
  }
  const shown = path === undefined ? 'no PATH set' : `PATH=${path}`;
  throw new ConfigError({
    action: 'find the command',
    subject: command,
    reason: `not found in ${shown}`,
    hint: `give its absolute path (find it with: command -v ${command}) or set PATH in the crontab; cron's own PATH is only /usr/bin:/bin`,
  });
}

/**
 * Opens a log for appending without ever blocking or following a link (src/os/door.ts): a FIFO
 * at the log path (planted, or left by mistake) would block a plain open until a reader comes,
 * and the check with it, deaf to SIGTERM. Anything but a regular file with one link or
 * /dev/null is refused. The program gets a descriptor without O_NONBLOCK. A --user program's
 * log outside root's own directories is opened with the user's ids (src/os/run-as.ts).
 */
function openLog(path: string, runAs: RunAs | undefined): { fd: number; created: boolean } {
  const opener = logOpener(runAs, path);
  const action = opener.user ? `open, as ${opener.user.user} (uid ${opener.user.uid}), the log file` : 'open the log file';
  return opener.run(() => openAppend(path, 'log file', { devNull: true, blocking: true, action }));
}

/** The program's two logs, one descriptor when they are one file; nothing left open on a refusal. */
function openLogs(spec: LaunchSpec): { out: { fd: number; created: boolean }; err: { fd: number; created: boolean } } {
  const out = openLog(spec.stdout, spec.runAs);
  if (spec.stderr === spec.stdout) return { out, err: out };
  try {
    return { out, err: openLog(spec.stderr, spec.runAs) };
  } catch (error) {
    closeSync(out.fd);
    throw error;
  }
}

export interface LaunchSpec {
  file: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: string;
  stderr: string;
  /** --user: run as this user, through setpriv (src/os/run-as.ts); the logs are given to it. */
  runAs?: RunAs;
  /**
   * --respawn: spawn the waiter (src/os/waiter.ts), which starts the program as its child. `env`
   * is then the program's; `callerEnv` and `launchVars` make the waiter's.
   */
  waiter?: { spec: WaiterSpec; exitFile: string; keptFile: string; setsid: string; callerEnv: NodeJS.ProcessEnv; launchVars: Record<string, string> };
}

/** A launched process still attached to this check, so that its start window can be watched. */
export interface Launched {
  pid: number;
  child: ChildProcess;
  /** Resolves when it exits; never rejects. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** --respawn: the waiter, the program's parent (`child` is the waiter then). */
  waiterPid?: number;
  /** Ends what watches the program (a waiter's program is watched by polling). */
  release?: () => void;
}

/** The `#!` line of a script (up to 256 bytes), or null for a binary or an unreadable file. */
function shebangLine(file: string): string | null {
  const head = readHead(file, 256, true);
  if (head === null) return null;
  const first = head.toString('latin1').split('\n')[0] ?? '';
  return first.startsWith('#!') ? first : null;
}

function crlfProblem(file: string, first: string, interpreter: string): { reason: string; hint: string } {
  return {
    reason:
      `its first line ${JSON.stringify(first)} ends with a carriage return (CRLF line endings), ` +
      `so the interpreter looked up is ${JSON.stringify(interpreter)}, which does not exist`,
    hint: `convert the script to LF line endings: sed -i 's/\\r$//' ${file}`,
  };
}

/**
 * Why exec failed with ENOENT on a file that exists: the kernel could not find its `#!`
 * interpreter (or, for a binary, its loader). Reads the first line to name it; a `\r` left by
 * CRLF line endings is the classic invisible cause.
 */
export function interpreterProblem(file: string): { reason: string; hint: string } {
  const first = shebangLine(file);
  if (first === null) {
    return { reason: 'the file exists, but a program it needs to start (its ELF interpreter or loader) is missing', hint: `check it with: file ${file}` };
  }
  const interpreter =
    first
      .slice(2)
      .replace(/^[ \t]+/, '')
      .split(/[ \t]/)[0] ?? '';
  if (first.endsWith('\r')) return crlfProblem(file, first, interpreter);
  return { reason: `its interpreter ${interpreter} (from the #! line) does not exist`, hint: `install ${interpreter} or fix the first line of ${file}` };
}

/**
 * Checks a script's `#!` line before the spawn, so that a launch that can only fail is a
 * configuration error naming the cause: a CRLF line, a missing interpreter, or a program
 * that `#!/usr/bin/env NAME` will not find in the target's PATH (cron's is /usr/bin:/bin,
 * where node usually is not). Only sure failures are refused; anything unusual is left to
 * exec. Returns the file.
 */
function checkedScript(file: string, command: string, path: string | undefined): string {
  const first = shebangLine(file);
  if (first === null) return file;
  const words = first
    .slice(2)
    .trim()
    .split(/[ \t]+/);
  const interpreter =
    first
      .slice(2)
      .replace(/^[ \t]+/, '')
      .split(/[ \t]/)[0] ?? '';
  if (first.endsWith('\r')) throw new ConfigError({ action: 'run the command', subject: command, ...crlfProblem(file, first, interpreter) });
  if (!isAbsolute(interpreter)) return file;
  if (executable(interpreter) === 'missing') throw new ConfigError({ action: 'run the command', subject: command, ...interpreterProblem(file) });
  // `#!/usr/bin/env NAME` (or `env -S NAME ...`): NAME is looked up in the target's PATH.
  if (basename(interpreter) !== 'env') return file;
  const rest = words[1] === '-S' ? words.slice(2) : words.slice(1);
  const program = rest[0];
  if (!program || program.startsWith('-') || program.includes('=') || program.includes('/')) return file;
  // No PATH, or an empty or relative entry (env then searches elsewhere or in the cwd): not judged.
  const dirs = (path ?? '').split(delimiter);
  if (dirs.some((dir) => !isAbsolute(dir))) return file;
  if (dirs.some((dir) => executable(join(dir, program)) === 'ok')) return file;
  throw new ConfigError({
    action: 'run the command',
    subject: command,
    reason: `its #! line runs "env ${program}", and ${program} is not in PATH=${path}`,
    hint:
      `put the absolute path of ${program} in the #! line of ${file} (find it with: command ` +
      `-v ${program}) or set PATH in the crontab; cron's own PATH is only /usr/bin:/bin`,
  });
}

/** Turns a spawn failure into an error that names what is wrong; exec errors are configuration errors. */
function spawnError(spec: LaunchSpec, error: unknown): RunError {
  const code = errnoCode(error);
  const fields = { action: 'launch', subject: spec.file, code };
  // resolveCommand found the file executable a moment ago: ENOENT now is its interpreter.
  if (code === 'ENOENT') return new ConfigError({ ...fields, ...interpreterProblem(spec.file) }, { cause: error });
  if (code === 'EACCES' || code === 'ENOEXEC' || code === 'ENOTDIR') {
    return new ConfigError({ ...fields, hint: `check that ${spec.file} and its interpreter are executable and not on a noexec mount` }, { cause: error });
  }
  return new RunError(
    { ...fields, reason: code ? undefined : (error as Error).message, hint: 'check the command and the working directory' },
    { cause: error },
  );
}

/** Spawns the target detached, in its own session, with logs opened O_APPEND. */
export async function spawnDetached(spec: LaunchSpec): Promise<Launched> {
  if (spec.waiter) return spawnWithWaiter(spec, spec.waiter);
  const { out, err } = openLogs(spec);
  const [outFd, errFd] = [out.fd, err.fd];
  try {
    if (spec.runAs) for (const log of new Set([out, err])) giveLog(log, spec.runAs);
    // With --user, setpriv switches and execs the program: the PID spawned is the program's.
    const how = spec.runAs ? runAsCommand(spec.runAs, spec.file, spec.argv.slice(1)) : { file: spec.file, args: spec.argv.slice(1) };
    const child = spawn(how.file, how.args, {
      argv0: spec.runAs ? 'setpriv' : spec.argv[0],
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
    throw spawnError(spec, error);
  } finally {
    closeSync(outFd);
    if (errFd !== outFd) closeSync(errFd);
  }
}

/** Lets this check exit without waiting for the target. */
export function detach(launched: Launched): void {
  launched.release?.();
  launched.child.removeAllListeners('exit');
  launched.child.unref();
}

/** How often a waiter's program is looked at during its start window, and how long its status may take to be written. */
const WATCH_MS = 25;
const STATUS_WAIT_MS = 1_000;

/**
 * --respawn: spawns the waiter, which starts the program as its child in a session of its own
 * (setsid; setpriv after it for --user) and writes the program's PID to fd 3. The PID returned
 * is the program's. Its exit is seen by polling its PID, and its status read from the exit file
 * the waiter writes at once; the waiter's own check waits for this check's lock meanwhile.
 */
async function spawnWithWaiter(spec: LaunchSpec, waiter: NonNullable<LaunchSpec['waiter']>): Promise<Launched> {
  const { out, err } = openLogs(spec);
  const [outFd, errFd] = [out.fd, err.fd];
  try {
    if (spec.runAs) for (const log of new Set([out, err])) giveLog(log, spec.runAs);
    const program = spec.runAs ? runAsCommand(spec.runAs, spec.file, spec.argv.slice(1)) : { file: spec.file, args: spec.argv.slice(1) };
    const programVars: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.env))
      if (value !== undefined && waiter.callerEnv[key] !== value && !(key in waiter.launchVars)) programVars[key] = value;
    // What the launch left out of the caller's environment (the lease's password): the waiter keeps it for its check, the program never gets it.
    const removed = Object.keys(waiter.callerEnv).filter((key) => spec.env[key] === undefined);
    const env = waiterEnv(waiter.callerEnv, waiter.launchVars, programVars, waiter.spec, waiter.exitFile, waiter.keptFile, spec.cwd, removed);
    // The script travels in the environment, so that ps shows the waiter and its program plainly.
    const child = spawn(WAITER_SHELL, ['-c', 'eval "$ENSURE_RUNNING_WAITER_SCRIPT"', 'ensure-running-waiter', waiter.setsid, program.file, ...program.args], {
      cwd: waiter.spec.dir,
      env,
      detached: true,
      stdio: ['ignore', outFd, errFd, 'pipe'],
      windowsHide: true,
    });
    await new Promise<void>((done, fail) => {
      child.once('spawn', () => done());
      child.once('error', (error) => fail(error));
    });
    const pipe = child.stdio[3] as NodeJS.ReadableStream | null;
    let text = '';
    if (pipe) for await (const chunk of pipe) text += String(chunk);
    const pid = Number(text.trim());
    if (!/^[0-9]+\n?$/.test(text) || !Number.isInteger(pid) || pid < 2) throw new Error(`the waiter (pid ${child.pid}) gave no program PID`);
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) => {
      let goneAt: number | null = null;
      const look = () => {
        if (stopped) return;
        if (goneAt === null && probePid(pid).kind === 'alive') {
          timer = setTimeout(look, WATCH_MS);
          return;
        }
        goneAt ??= Date.now();
        const status = readExitFile(waiter.exitFile);
        if (status && status.pid === pid) return done({ code: status.code, signal: status.signal });
        if (Date.now() - goneAt >= STATUS_WAIT_MS) return done({ code: null, signal: null });
        timer = setTimeout(look, WATCH_MS);
      };
      look();
    });
    const release = () => {
      stopped = true;
      clearTimeout(timer);
    };
    return { pid, child, exited, waiterPid: child.pid!, release };
  } catch (error) {
    throw spawnError(spec, error);
  } finally {
    closeSync(outFd);
    if (errFd !== outFd) closeSync(errFd);
  }
}
