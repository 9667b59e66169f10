// Shared test helpers: a temporary directory per test, the built CLI run as a real process,
// bounded polling instead of sleeps, and cleanup of every process a test started, by PID.

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The installed command: the POSIX sh front door, which runs node on the bundle when it must. */
export const BIN = join(ROOT, 'bin', 'ensure-running');
/** The bundle's JS entry, for calls that run node on it directly. */
export const JS_BIN = join(ROOT, 'bin', 'ensure-running.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const NODE = process.execPath;

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A temporary directory with its own registry; `cleanup()` kills the tracked PIDs and removes it. */
export class Sandbox {
  readonly dir: string;
  readonly pids = new Set<number>();
  /** The start time of each tracked PID when it was tracked (null: already gone), so that a reused PID is never killed. */
  private readonly starts = new Map<number, string | null>();
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'er-test-'));
  }
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
  /** The environment of a call: a cron-like PATH plus node's directory, HOME and registry in the sandbox. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${join(NODE, '..')}:/usr/bin:/bin`,
      HOME: this.dir,
      ENSURE_RUNNING_HOME: this.path('registry'),
      LANG: 'C',
      ...extra,
    };
  }
  /** Runs the installed command (the front door, then node when it must) as a real process in the sandbox. */
  run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
    return runProcess(BIN, args, { cwd: options.cwd ?? this.dir, env: options.env ?? this.env(), timeoutMs: options.timeoutMs ?? 60_000 });
  }
  /** Reads a PID file and tracks the PID for cleanup. */
  pidOf(pidFile = 'app.pid'): number {
    const pid = Number.parseInt(readFileSync(this.path(pidFile), 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 1) this.track(pid);
    return pid;
  }
  /** Tracks a PID found (in a PID file, in /proc): the process it names now, or the first one it named if already tracked. */
  track(pid: number): number {
    if (!this.starts.has(pid)) this.starts.set(pid, startTimeOf(pid));
    this.pids.add(pid);
    return pid;
  }
  /**
   * Tracks a process the test itself has just spawned: this process, even when its PID was
   * tracked before for another one (an impostor placed on a dead program's PID).
   */
  spawned(pid: number): number {
    this.starts.set(pid, startTimeOf(pid));
    this.pids.add(pid);
    return pid;
  }
  /** Kills every tracked process that is still the one tracked, and its group, with SIGKILL; then removes the directory. */
  cleanup(): void {
    for (const pid of this.pids) killTracked(pid, this.starts.has(pid) ? this.starts.get(pid)! : startTimeOf(pid));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when the process is gone. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * SIGKILL to a tracked process and its group, unless its PID now names another process:
 * tests run in parallel on a busy machine, and PIDs wrap within minutes. A group whose
 * leader is gone keeps its number reserved, so with no process on the PID the group is ours.
 */
function killTracked(pid: number, start: string | null): void {
  const now = startTimeOf(pid);
  if (now === null) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // no such group
    }
  } else if (now === start) killHard(pid);
}

/** SIGKILL to a process group and to the process itself; gone ones are fine. */
export function killHard(pid: number): void {
  if (!Number.isInteger(pid) || pid < 2) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Runs a process to completion, collecting its output; kills it after `timeoutMs`. */
export function runProcess(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as NodeJS.ErrnoException & { code?: unknown }).code === 'number'
            ? (error as unknown as { code: number }).code
            : null
          : 0;
        done({ code: child.exitCode ?? code, signal: child.signalCode, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** True while the PID exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls `probe` until it returns a truthy value, at most `timeoutMs`; throws naming `what`. */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, null | undefined | false | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Reads a file, or '' when it is missing (also when it goes between a look and the read: a PID file removed before a relaunch). */
export function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** The fixture script's absolute path. */
export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/**
 * A script preloaded into every node a call starts (NODE_OPTIONS --require) that notes what it
 * sees, one line each, into the file whose path `script` is given (as a JS string literal).
 * `take()` returns the lines noted since it was last called, and clears them.
 */
export function preloaded(box: Sandbox, name: string, script: (notes: string) => string): { env: NodeJS.ProcessEnv; take: () => string[] } {
  const notes = box.path(`${name}.notes`);
  const file = box.path(`${name}.cjs`);
  writeFileSync(file, script(JSON.stringify(notes)));
  return {
    env: box.env({ NODE_OPTIONS: `--require ${file}` }),
    take: () => {
      const found = existsSync(notes) ? lines(readFileSync(notes, 'utf8')) : [];
      rmSync(notes, { force: true });
      return found;
    },
  };
}

/**
 * Preloaded script text that runs `body` (statements) once, at the process's end: its exit
 * event, or process.reallyExit, by which a call that is over ends without that event
 * (src/cli/end-now.ts).
 */
export function atProcessEnd(body: string): string {
  return `let ended = false;
const atEnd = () => {
  if (ended) return;
  ended = true;
  ${body}
};
process.on('exit', atEnd);
const reallyExit = process.reallyExit;
process.reallyExit = function (code) {
  atEnd();
  return reallyExit.call(this, code);
};
`;
}

/** Starts a plain background process (not through ensure-running), tracked by the sandbox. */
export function startPlain(box: Sandbox, file: string, args: string[], options: { detached?: boolean } = {}): number {
  const child = spawn(file, args, { detached: options.detached ?? true, stdio: 'ignore', cwd: box.dir });
  child.unref();
  return box.spawned(child.pid!);
}

/** Lines of text without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** The lines a decision says: its transitions' (a tick), or the lines it gives them (policy's decisions). The pure tables compare them. */
export function reportLines(decided: { said?: readonly { text: string }[]; transitions?: readonly { line: string | null }[] }): string[] {
  if (decided.transitions) return decided.transitions.flatMap((t) => (t.line === null ? [] : [t.line]));
  return (decided.said ?? []).map((said) => said.text);
}

/** How many launches a decision asks for. */
export function launchCount(effects: readonly { kind: string }[]): number {
  return effects.filter((e) => e.kind === 'launch').length;
}

const ROOT_USER = process.getuid?.() === 0;

/**
 * The `skip` of a test that needs root: one line saying why when not root, and never a skip
 * as root (as CI runs), so that there a broken promise fails instead of hiding.
 */
export function rootOnly(why: string): string | false {
  return ROOT_USER ? false : `needs root ${why}`;
}

/** Runs the installed command as nobody (uid and gid 65534, no groups), from /. */
export function runAsNobody(box: Sandbox, args: string[], env: NodeJS.ProcessEnv = box.env()): Promise<RunResult> {
  return runProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', BIN, ...args], { cwd: '/', env });
}
