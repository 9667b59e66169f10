// One pass per call: lock, load, observe, decide, act, save, unlock; the cron check and, with
// their first events, the manual actions (src/commands/stop.ts, reload.ts, release.ts).

import { emptyState, type Identity, type ProgramState } from '../core/state.js';
import type { Tick } from '../core/tick.js';
import type { Effect } from '../core/policy.js';
import type { LeaseGo } from '../core/lease-role.js';
import type { Transition } from '../core/transition.js';
import { EXIT } from '../errors.js';
import { takeLock } from '../os/lock.js';
import { loadRecords, type Records } from './records.js';
import { failpoint } from '../os/failpoint.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';
import { register } from '../os/registry.js';
import { settlePromise } from './promise.js';
import { Pass } from './pass.js';
import { execute, type Executing, type Hold } from './executor.js';
import { takeRecordFile } from '../os/door.js';
import { readExitFile, removeExitFile } from '../os/waiter.js';

/** What the action of a pass did: its exit code, and (a plain check) whether it ended quiet, for the quiet promise. */
export interface Acted {
  code: number;
  quiet?: boolean;
  /** The recorded identity the check's look verified as the program's own (the promise reuses the verdict). */
  verified?: Identity | null;
}

/**
 * One pass per call: lock, load once, the action (a plain check, or a manual action whose
 * first events are --stop, --start, --restart, --reload or --release, followed by the
 * executor loop), save once, the quiet promise, unlock. Returns the exit code.
 */
export async function runPass(config: ProgramConfig, world: World, act: (pass: Pass, hold: Hold) => Promise<Acted>): Promise<number> {
  const lock = await takeLock(config.paths.pidFile, lockWaitMs(config), world.now);
  failpoint('after-lock');
  // False unless a plain check ran to its end and said nothing (see `plainCheck`).
  let quiet = false;
  let records: Records | null = null;
  let verified: Identity | null = null;
  const pass = new Pass(world);
  try {
    // A save of the check's times alone may wait for the promise, whose mark then carries them,
    // where no notification step (which writes the records itself) or lease follows the tick.
    const timesInMark = !config.notify && !config.lease && !world.promiseBlock;
    records = loadRecords(config.paths.stateFile, config.paths.name, (line) => pass.world.warn(line), timesInMark);
    const acted = await act(pass, { lock, records });
    quiet = acted.quiet === true;
    verified = acted.verified ?? null;
    return acted.code;
  } finally {
    // Under the lock, after the save: the quiet promise is given by a quiet check, removed by any other pass (src/commands/promise.ts).
    // It answers for the records as this pass saved them, unless the notify step (which writes its own) may have written since; under --lease it reads them again.
    const onFile = config.notify || config.lease ? null : (records?.onFile ?? null);
    const promised = settlePromise(config, world, quiet, onFile, { promiseGone: records?.promiseGone === true, verified });
    try {
      records?.settle(promised);
    } finally {
      await lock.release();
    }
  }
}

/** Runs one check in its own pass. Returns the exit code. */
export function runCheck(config: ProgramConfig, world: World): Promise<number> {
  return runPass(config, world, plainCheck(config));
}

/** The action of a plain check: the tick, told to --on-change, --notify-url and --ping-url when given. */
function plainCheck(config: ProgramConfig): (pass: Pass, hold: Hold) => Promise<Acted> {
  return async (pass, hold) => {
    // --respawn: what the waiter's check said is said once by a check cron runs (and mailed); its hooks have run.
    if (!config.policy.respawned) sayKept(config.paths.keptFile, pass.asideWorld());
    // --on-change, --notify-url, --ping-url: loaded only when given; told the check's transitions, under the lock.
    const tell = config.notify ? (await import('../notify/notify-step.js')).tellChanges : null;
    let ended: { code: number; verified?: Identity | null };
    try {
      ended = await tickLocked(config, pass, hold);
    } catch (error) {
      tell?.(config, config.notify!, pass, pass.asideWorld(), { error });
      throw error;
    }
    // A check that sent a notification gives no promise: the next check is full and says its failure.
    const sent = tell ? tell(config, config.notify!, pass, pass.asideWorld(), { code: ended.code }) : false;
    // False unless the tick ran to its end, exit 0, and said nothing: none of its transitions had a
    // line, nothing warned, no notification went out. A silent tick may still have recorded something
    // (a run settled, a health record begun): the promise is written after the save and answers for
    // the records as they are now, so it needs only that nothing was done.
    const quiet = ended.code === EXIT.ok && pass.silent() && !sent;
    return { code: ended.code, quiet, verified: ended.verified ?? null };
  };
}

/** A --restart's stop, run before its start in the same loop of the executor: its first decision, and who collects the transitions of both. */
export interface StopFirst {
  decided: Tick;
  collect: Executing['collect'];
}

/**
 * One tick of a pass: observe, decide, act, save. `current` is the records this tick starts
 * from (as loaded; null: none); `manualStart`, a manual start's (--start, --restart), whose
 * first event is `start` (hold, backoff and FATAL cleared); `stopFirst`, a --restart's stop
 * (src/commands/stopping.ts, `restartStop`), whose effects come first in the same loop.
 * Returns the exit code (and the identity its look verified); the transitions of every decision
 * it performed go to `pass` as they come, their lines said (whether the check was quiet is read from `pass`).
 */
export async function tickLocked(
  given: ProgramConfig,
  pass: Pass,
  hold: Hold,
  current: ProgramState | null = hold.records.onFile,
  manualStart = false,
  stopFirst?: StopFirst,
): Promise<{ code: number; verified?: Identity | null }> {
  const { paths } = given;
  // --respawn: a waiter's check acts only on its own run. When the records name another run (a
  // --stop, --restart, --forget, health restart or cron check came first), it does nothing: the
  // check is the waiter itself, exec'd, so its PID is the waiter's on record.
  if (given.policy.respawned && current?.identity?.waiter?.pid !== process.pid) return { code: EXIT.ok };
  // --lease: the store asked first, then (a holder) the program observed; a plain check observes first, a manual
  // start starts first (its `start` event asks for the look). One loop of the executor.
  const from = current ?? emptyState();
  // Held here by a --stop without --lease: this host does not take the lease, which another can then hold.
  if (given.lease && from.held && !manualStart) return { code: EXIT.ok };
  const effect: Effect = given.lease ? { kind: 'ask-lease', manualStart, lost: !stopFirst && current === null } : { kind: manualStart ? 'start' : 'observe' };
  // A --restart: its stop's effects first, the stop then put on file (a crash checkpoint: a restart
  // killed before its launch leaves a stop on record, not a death), then the start.
  const first: Tick = stopFirst
    ? { ...stopFirst.decided, effects: [...stopFirst.decided.effects, { kind: 'checkpoint' }, effect] }
    : { state: from, effects: [effect], transitions: [], outcome: 'not-running' };
  const performing = executing(given, pass, hold, from);
  const tick = await execute(first, stopFirst ? { ...performing, collect: stopFirst.collect } : performing);
  const { go, looked } = tick;
  if (given.lease && !go) throw new Error('internal error: the lease was not asked (src/commands/check.ts)');
  // --lease: a host that does not hold the lease ends its check with its role on record.
  if (go?.kind === 'idle') return { code: standby(given, pass, hold, tick.state, go) };
  if (!looked) throw new Error('internal error: the program was not observed (src/commands/check.ts)');
  // The pass's one save (crash checkpoints aside).
  hold.records.save(go ? ranUnder(tick.state, go.token) : tick.state);
  if ((given.respawn || looked.recorded.identity?.waiter) && (looked.obs !== 'ours' || looked.launching)) tidyExitFile(paths.exitFile, tick.state.identity);
  return { code: tick.outcome === 'not-running' ? EXIT.notRunning : EXIT.ok, verified: looked.verified };
}

/** --lease: a standby's check (or a host that stepped down) ends with its role on record, saying what a manual start says of it. Returns its exit code. */
function standby(config: ProgramConfig, pass: Pass, hold: Hold, state: ProgramState, go: Extract<LeaseGo, { kind: 'idle' }>): number {
  // A standby's check is a check: --status shows it as the last one, and the next one from it.
  hold.records.save({ ...state, lastCheckMs: pass.world.now() });
  // A standby is listed by a bare --status too (its role is on record).
  register(config.registryDir, { name: config.paths.name, pidFile: config.paths.pidFile, stateFile: config.paths.stateFile });
  for (const line of go.say) pass.world.say(line);
  return go.code;
}

/** --lease: a holder's check that launched a copy puts the fencing token it runs under on record with its launch token, before the save. */
function ranUnder(state: ProgramState, token: string): ProgramState {
  const kept = state.lease;
  if (!state.identity || !kept || kept.ranWith?.launch === state.identity.token) return state;
  return { ...state, lease: { ...kept, ranWith: { launch: state.identity.token, token } } };
}

/** What the executor performs a check's effects with: every line a check says of its program is a transition's, said as the transition is collected. */
function executing(config: ProgramConfig, pass: Pass, hold: Hold, recorded: ProgramState): Executing {
  const collect = (transitions: readonly Transition[]): void => pass.collect(transitions);
  return { config, world: pass.world, records: hold.records, lock: hold.lock, pending: recorded.pending, collect };
}

/**
 * --respawn: the status a waiter wrote is removed once it is no longer news: read by this
 * check, or left by a run that is not the one on record. One written for the run on record
 * (it died after this check looked) is kept for its waiter's check.
 */
function tidyExitFile(exitFile: string, identity: Identity | null): void {
  const seen = readExitFile(exitFile);
  if (seen && identity && seen.pid === identity.pid && seen.token === identity.token) return;
  removeExitFile(exitFile);
}

/** Says the lines a waiter's check kept (src/cli/main.ts), once: the file is taken away whole. */
function sayKept(keptFile: string, world: World): void {
  const kept = takeRecordFile(keptFile, 64 * 1024, 'kept lines file');
  if (kept.kind === 'ok') for (const line of kept.text.split('\n')) if (line) world.warn(line);
}
