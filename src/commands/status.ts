// --status: one program (LSB exit codes) or every program this user guards.

import type { Identity } from '../core/state.js';
import { existsSync } from 'node:fs';
import { checksOverdue, classify, statusJson, statusTable, statusText, type StatusInput, type StatusJson, type StatusState } from '../core/status-view.js';
import type { ProgramPaths } from '../core/paths.js';
import { EXIT } from '../errors.js';
import { observe } from '../os/observe.js';
import { readStateFile } from '../os/state-file.js';
import { listRegistry, unregister } from '../os/registry.js';
import type { World } from '../world.js';

/** The LSB exit code of each status: 0 running, 1 dead, 3 not running, 4 unknown. */
const STATUS_EXIT: Record<StatusState, number> = {
  running: EXIT.ok,
  held: EXIT.statusNotRunning,
  stopped: EXIT.statusNotRunning,
  fatal: EXIT.notRunning,
  misconfigured: EXIT.notRunning,
  backoff: EXIT.notRunning,
  crashed: EXIT.notRunning,
  unknown: EXIT.unknown,
};

/** The exit code of one program's status; a live PID that nothing proves is the program is unknown. */
function statusExit(input: StatusInput): number {
  const { state, proven } = classify(input);
  return proven ? STATUS_EXIT[state] : EXIT.unknown;
}

/**
 * Reads one program's files and process; never writes, never takes the lock. `scan` also
 * looks in /proc for a live program that no record names (one program, not the whole list).
 */
export function inspect(paths: ProgramPaths, world: World, scan: boolean): StatusInput {
  const base = { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile, now: world.now() };
  try {
    const read = readStateFile(paths.stateFile, true);
    const state = read.kind === 'ok' ? read.state : null;
    const note = read.kind === 'unusable' ? (read.future ? `state file ${paths.stateFile}: ${read.reason}; upgrade ensure-running` : read.reason) : null;
    const looked = observe(paths, state, { tail: false, scan, lost: state === null });
    const pidNote = looked.pidRead.kind === 'invalid' ? looked.pidRead.reason : null;
    // Without its state file, a program that does not run may be held, crashed or never started: unknown.
    const unknown = note !== null && looked.obs.kind === 'gone';
    if (read.kind === 'missing' && looked.pidRead.kind === 'missing' && looked.obs.kind === 'gone') {
      // No record at all: a mistyped path, or a program no check has seen yet. Not "stopped".
      const error = `no such program: neither ${paths.pidFile} nor ${paths.stateFile} exists (a mistyped --pid, or no check has run for it yet)`;
      return { ...base, pidFileExists: false, state: null, observation: looked.obs, log: null, error, note: null };
    }
    return {
      ...base,
      pidFileExists: looked.pidRead.kind !== 'missing',
      state,
      observation: looked.obs,
      log: state?.logs ?? null,
      error: unknown ? note : null,
      note: unknown ? null : (note ?? pidNote),
    };
  } catch (error) {
    return { ...base, pidFileExists: false, state: null, observation: null, log: null, error: (error as Error).message, note: null };
  }
}

/** Adds when the next check is due (programs that declared --schedule or --interval). */
async function withChecks(input: StatusInput): Promise<StatusInput> {
  if (!input.state?.health?.cadence) return input;
  const { checksOf } = await import('./status-cadence.js');
  return { ...input, checks: await checksOf(input) };
}

/** How a status finds the members of runs: one pass over /proc for every program of a bare --status. */
interface MemberScan {
  find?: (identity: Identity) => number[];
}

/** Adds the run's resident memory now (src/os/run-memory.ts), for a verified running program on Linux; and its waiter (--respawn). */
async function withMemory(input: StatusInput, scan: MemberScan = {}): Promise<StatusInput> {
  const identity = input.state?.identity;
  if (input.observation?.kind !== 'ours' || !identity || process.platform !== 'linux') return input;
  if (identity.waiter) {
    const { waiterAlive } = await import('../os/waiter.js');
    input = { ...input, waiter: { pid: identity.waiter.pid, alive: waiterAlive(identity.waiter) } };
  }
  const [{ runMemory }, { runMembersFinder }] = await Promise.all([import('../os/run-memory.js'), import('../os/run-members.js')]);
  scan.find ??= runMembersFinder();
  return { ...input, memory: runMemory(identity, scan.find) };
}

export interface StatusFlags {
  json: boolean;
  history: boolean;
  /** --format prometheus: the exposition text (src/notify/metrics.ts) instead of text or JSON. */
  prometheus?: boolean;
}

/** Says the rows as Prometheus metrics; nothing at all when there are none (an empty textfile is valid). */
async function sayMetrics(rows: StatusJson[], world: World): Promise<void> {
  const { metricsText } = await import('../notify/metrics.js');
  const text = metricsText(rows);
  if (text) world.say(text);
}

/** Status of one program as data, and its exit code: 0 running, 1 dead with PID file, 3 not running, 4 unknown. */
export async function statusRow(paths: ProgramPaths, history: boolean, world: World): Promise<{ json: StatusJson; code: number }> {
  const input = await withMemory(await withChecks(inspect(paths, world, true)));
  return { json: statusJson(input, history), code: statusExit(input) };
}

/** Status of one program; exit 0 running, 1 dead with PID file, 3 not running, 4 unknown. */
export async function statusOne(paths: ProgramPaths, flags: StatusFlags, world: World): Promise<number> {
  const { json, code } = await statusRow(paths, flags.history, world);
  if (flags.prometheus) await sayMetrics([json], world);
  else world.say(flags.json ? JSON.stringify(json, null, 2) : statusText(json));
  return code;
}

/**
 * Status of every registered program. Entries whose PID file and state file are both gone
 * are pruned. Exit 0 when every program runs or is stopped on purpose, 1 when one is dead
 * (a program that cannot be launched included), 4 when one could not be read or runs
 * unverified. With --history, each program's full status and history instead of the table.
 */
export async function statusAll(registryDir: string, flags: StatusFlags, world: World, pathsOf: (pidFile: string) => ProgramPaths): Promise<number> {
  const rows: StatusJson[] = [];
  let exit: number = EXIT.ok;
  const scan: MemberScan = {};
  for (const entry of listRegistry(registryDir)) {
    if (!existsSync(entry.pidFile) && !existsSync(entry.stateFile)) {
      unregister(entry);
      continue;
    }
    // The name it was registered under: a config table's name, else the PID file's.
    const input = await withMemory(await withChecks(inspect({ ...pathsOf(entry.pidFile), name: entry.name }, world, false)), scan);
    rows.push(statusJson(input, flags.history));
    const code = statusExit(input);
    if (code === EXIT.unknown) exit = EXIT.unknown;
    else if (code === EXIT.notRunning && exit === EXIT.ok) exit = EXIT.notRunning;
    // Checks stopped arriving (cron stopped, or its line removed): nothing guards the program now.
    if (checksOverdue(rows[rows.length - 1]!) && exit === EXIT.ok) exit = EXIT.notRunning;
  }
  if (flags.prometheus) await sayMetrics(rows, world);
  else if (flags.json) world.say(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) world.say(`no programs guarded by this user (registry: ${registryDir})`);
  else if (flags.history) world.say(rows.map(statusText).join('\n\n'));
  else world.say(statusTable(rows));
  return exit;
}
