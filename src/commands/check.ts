// One pass per call: lock, load, observe, decide, act, save, unlock; the cron check and, with
// their first events, the manual actions (src/commands/stop.ts, reload.ts, release.ts).

import { randomBytes } from 'node:crypto';
import { recordSpawn, type LaunchResult, type Relaunch } from '../core/policy.js';
import { emptyState, type Identity, type ProgramState } from '../core/state.js';
import { decide, type Tick, type TickEvent } from '../core/tick.js';
import { ConfigError, EXIT, RunError } from '../errors.js';
import { takeLock, type Held } from '../os/lock.js';
import { observe, userOf } from '../os/observe.js';
import { removePidFile, writePidFile } from '../os/pid-file.js';
import { identityOf, readProcStat } from '../os/proc-identity.js';
import { readStateFile } from '../os/state-file.js';
import { loadRecords, type Records } from './records.js';
import { checkCwd, detach, resolveCommand, spawnDetached } from '../os/launch.js';
import { logTail } from '../os/log-tail.js';
import { killUnrecorded, stopLeftovers, terminate } from '../os/terminate.js';
import { runMembers } from '../os/run-members.js';
import { formatDuration } from '../core/duration.js';
import { register } from '../os/registry.js';
import { failpoint, pausepoint } from '../os/failpoint.js';
import { otherLauncherAlive, thisLauncher } from '../os/launcher.js';
import { lockWaitMs, type ProgramConfig } from '../core/program-config.js';
import { withoutLeaseSecrets } from '../core/lease-record.js';
import type { World } from '../world.js';
import type { LeaseStep } from '../lease/step.js';
import { settlePromise } from './promise.js';
import { Pass } from './pass.js';
import { takeRecordFile } from '../os/door.js';
import { RESPAWNED, findSetsid, hasWaiterShell, readExitFile, removeExitFile } from '../os/waiter.js';

/** What the action of a pass did: its exit code, and (a plain check) whether it ended quiet, for the quiet promise. */
export interface Acted {
  code: number;
  quiet?: boolean;
}

/** What one pass holds beside what it says (`Pass`): its lock, and its records, read once. */
export interface Hold {
  lock: Held;
  records: Records;
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
  const pass = new Pass(world);
  try {
    records = loadRecords(config.paths.stateFile, config.paths.name, (line) => pass.world.warn(line));
    const acted = await act(pass, { lock, records });
    quiet = acted.quiet === true;
    return acted.code;
  } finally {
    // Under the lock, after the save: the quiet promise is given by a quiet check, removed by any other pass (src/commands/promise.ts).
    // It answers for the records as this pass saved them, unless the notify or lease step (which write their own) may have written since.
    settlePromise(config, world, quiet, config.notify || config.lease ? null : (records?.onFile ?? null));
    await lock.release();
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
    let ended: { code: number };
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
    return { code: ended.code, quiet };
  };
}

/** A manual start's first event: hold, backoff and FATAL cleared (`start`); its transitions go with the pass's. */
export function started(config: ProgramConfig, pass: Pass): (state: ProgramState) => ProgramState {
  return (state) => {
    const tick = decide(state, { kind: 'start' }, config.request, config.policy, pass.world.now());
    pass.transitions.push(...tick.transitions);
    return tick.state;
  };
}

/**
 * One tick of a pass: observe, decide, act, save. `current` is the records this tick starts
 * from (as loaded, or as a --restart's stop left them; null: none), `prepare` the first event
 * of a manual start. Returns the exit code; the transitions of every decision it performed
 * go to `pass` as they come, their lines said (whether the check was quiet is read from `pass`).
 */
export async function tickLocked(
  given: ProgramConfig,
  pass: Pass,
  hold: Hold,
  current: ProgramState | null = hold.records.onFile,
  prepare?: (state: ProgramState) => ProgramState,
): Promise<{ code: number }> {
  const { paths } = given;
  // The world the check's steps warn through: what they say is a warning of this pass.
  const world = pass.world;
  // --respawn: a waiter's check acts only on its own run. When the records name another run (a
  // --stop, --restart, --forget, health restart or cron check came first), it does nothing: the
  // check is the waiter itself, exec'd, so its PID is the waiter's on record.
  if (given.policy.respawned && current?.identity?.waiter?.pid !== process.pid) return { code: EXIT.ok };
  // --lease: acquire or renew first; a host that does not hold the lease ends its check here (src/lease/step.ts).
  const leased = given.lease ? await leaseStep(given, pass, hold, current, prepare !== undefined) : null;
  if (leased?.idle) return { code: leased.code };
  const config = leased ? leased.config : given;
  const loaded = leased ? leased.loaded : current;
  const base = leased ? leased.state : loaded;
  const recorded = prepare ? prepare(base ?? emptyState()) : (base ?? emptyState());
  const looked = observe(paths, recorded, {
    tail: true,
    scan: true,
    lost: loaded === null,
    user: userOf(config),
    ...(config.runAs ? { runAs: config.runAs } : {}),
  });
  for (const line of looked.warnings) world.warn(line);
  const event: TickEvent = { kind: 'observed', obs: looked.obs, ...(looked.found ? { found: looked.found } : {}) };
  let tick = decide(recorded, event, config.request, config.policy, world.now());
  const launching = tick.effects.some((effect) => effect.kind === 'launch');
  tick = await perform(tick, recorded, config, pass, hold);
  if (config.health || config.logRotate || config.cadence || tick.state.health) {
    // Heartbeat, HTTP probe, planned restart, log size: loaded only when used.
    const { afterDecision } = await import('./check-duties.js');
    const seen = await afterDecision(config, world, tick, launching);
    const judged = seen.event ? decide(seen.state, seen.event, config.request, config.policy, seen.now) : null;
    // A health rule that ends the run is performed like any tick; a healthy one only moves its record.
    if (judged && judged.effects.length > 0) tick = await perform(judged, seen.state, config, pass, hold);
    else {
      if (judged) pass.collect(judged.transitions);
      tick = { ...tick, state: judged ? judged.state : seen.state };
    }
  }
  // The pass's one save (crash checkpoints aside).
  hold.records.save(leased ? leased.settle(tick.state) : tick.state);
  if ((config.respawn || recorded.identity?.waiter) && (looked.obs.kind !== 'ours' || launching)) tidyExitFile(paths.exitFile, tick.state.identity);
  return { code: tick.outcome === 'not-running' ? EXIT.notRunning : EXIT.ok };
}

/**
 * --lease: the store call and the role (src/lease/step.ts), loaded only then; its effects (a
 * copy that must not run here, stopped) are performed here, then the step says how the check goes on.
 */
async function leaseStep(config: ProgramConfig, pass: Pass, hold: Hold, current: ProgramState | null, manualStart: boolean): Promise<LeaseStep> {
  const { records } = hold;
  const asked = await (await import('../lease/step.js')).leaseStep(config, pass.world, current, manualStart);
  if (!asked.decided) return asked.step;
  // The role's lines are its transitions', said as they are collected.
  pass.collect(asked.transitions);
  let state = asked.state;
  for (const effect of asked.effects) {
    // A crash checkpoint: the new lease record goes on file before the stop's first signal.
    records.write(state);
    state = await (await import('./stopping.js')).stopCopy(config, pass.world, hold, state, effect.head, pass.transitions);
  }
  return asked.after(records.onFile, state);
}

/**
 * The executor: performs a decision's effects in order. An effect with an outcome (a launch, a
 * run ended by a health rule) goes back to `decide` as an event, and that decision's effects
 * are performed next, until none remain. Returns the last decision: the one that ends this check.
 */
async function perform(first: Tick, recorded: ProgramState, config: ProgramConfig, pass: Pass, hold: Hold): Promise<Tick> {
  const { paths, request, policy } = config;
  const world = pass.world;
  let tick = first;
  // Every line a check says of its program is a transition's, said as the transition is collected.
  pass.collect(tick.transitions);
  const queue = [...tick.effects];
  // A launch refused for a configuration error, raised once its decision is on record.
  let refusal: ConfigError | null = null;
  for (let effect = queue.shift(); effect; effect = queue.shift()) {
    let next: { from: ProgramState; event: TickEvent } | null = null;
    switch (effect.kind) {
      case 'checkpoint':
        hold.records.write(tick.state);
        break;
      case 'write-pid':
        writePidFile(paths.pidFile, effect.pid);
        break;
      case 'remove-pid':
        removePidFile(paths.pidFile);
        break;
      case 'stop-run':
        await stopRun(effect.identity, effect.pids, config, world);
        break;
      case 'end-run':
        next = { from: tick.state, event: { kind: 'run-ended', how: await endRun(effect.identity, effect.reason, config, world), after: effect.after } };
        break;
      case 'launch': {
        const launched = await launchOnce(config, world, hold, tick.state, recorded.pending, effect.relaunch);
        if (launched.refusal) refusal = launched.refusal;
        next = launched;
        break;
      }
      case 'refuse':
        // Listed by a bare --status from the first check on, with its launch error: never launched is not "nothing guarded".
        register(config.registryDir, { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile });
        if (refusal) {
          refusal.quiet = !effect.say;
          throw refusal;
        }
        break;
      case 'signal-stop':
        // Only a stop's decision asks for it, and the stop performs it (src/commands/stopping.ts).
        throw new Error('internal error: a stop signal asked by a check (src/commands/check.ts)');
    }
    if (next) {
      tick = decide(next.from, next.event, request, policy, world.now());
      pass.collect(tick.transitions);
      queue.unshift(...tick.effects);
    }
  }
  return tick;
}

/** Ends a live run for a health rule; says how ("stopped pid 4242 with SIGTERM"), an error if it survives SIGKILL. */
async function endRun(identity: Identity, reason: string, config: ProgramConfig, world: World): Promise<string> {
  const stopped = await terminate(identity, config.stopSignal, config.killAfterMs, world.now);
  if (stopped.kind === 'survived') {
    throw new RunError({
      action: 'restart',
      subject: `pid ${identity.pid}`,
      reason: `${reason}, but it was still alive ${formatDuration(stopped.afterMs)} after SIGKILL`,
      hint: 'it may be stuck in the kernel (state D); look at /proc/<pid>/stat',
    });
  }
  if (stopped.kind === 'stopped') return `stopped pid ${identity.pid} with ${stopped.signal}`;
  if (stopped.kind === 'killed')
    return `killed pid ${identity.pid} (${stopped.graceMs > 0 ? `it ignored ${config.stopSignal}` : 'no wait with --kill-after 0'})`;
  return `pid ${identity.pid} was already gone`;
}

/** Stops what is left of a dead program's run; an error if it cannot, since nothing may be launched beside it. */
async function stopRun(identity: Identity, pids: number[], config: ProgramConfig, world: World): Promise<void> {
  const stopped = await stopLeftovers(identity, pids, config.stopSignal, config.killAfterMs, world.now);
  if (stopped.kind !== 'survived') return;
  throw new RunError({
    action: 'stop what is left of the run of',
    subject: `pid ${identity.pid}`,
    reason: `pids ${pids.join(' ')} still alive ${formatDuration(stopped.afterMs)} after SIGKILL`,
    hint: 'nothing was launched beside them; they may be stuck in the kernel (state D): look at /proc/<pid>/stat',
  });
}

/**
 * One launch and its start window; returns the event to decide and the state it is decided from
 * (the one recorded at the spawn). A configuration error comes back as `launch-refused`, with the error to raise.
 */
async function launchOnce(
  config: ProgramConfig,
  world: World,
  { lock, records }: Hold,
  state: ProgramState,
  pending: ProgramState['pending'],
  relaunch: Relaunch | undefined,
): Promise<{ from: ProgramState; event: TickEvent; refusal?: ConfigError }> {
  const { paths, request } = config;
  pausepoint('before-launch');
  // A lock taken over while this check waited (its refresh timer starved) must not launch.
  if (lock.compromised())
    throw new RunError({
      action: 'launch',
      subject: request.command[0],
      reason: `the lock ${paths.lockDir} was taken over by another call`,
      hint: 'nothing was launched; the next check decides again',
    });
  // --lease: the time left on the lease, checked again right before the spawn (the check may have stood still since the store answered).
  const leased = config.leaseLaunch;
  if (leased) {
    const leftMs = leased.untilMonoMs - Number(process.hrtime.bigint() / 1_000_000n);
    if (leftMs < leased.needMs)
      throw new RunError({
        action: 'launch',
        subject: request.command[0],
        reason: `lease ${leased.leaseName} is surely this host's for ${formatDuration(Math.max(0, leftMs))} more, less than a store call and a stop (${formatDuration(leased.needMs)}): this check stood still since the store answered`,
        hint: 'nothing was launched; the next check asks the store again',
      });
  }
  // Nor may this check launch beside a check that recorded a launch and still lives: it took
  // that check's lock only because the check stood still past the stale period.
  // Read again here: two calls that both took over one stale lock each loaded the records before the other wrote.
  const now = readStateFile(paths.stateFile);
  const other = otherLauncherAlive(pending) ?? otherLauncherAlive(now.kind === 'ok' ? now.state.pending : null);
  if (other !== null) {
    throw new RunError({
      action: 'launch',
      subject: request.command[0],
      reason: `check pid ${other} recorded a launch and is still alive: it stood still past the lock's stale period and lost its lock`,
      hint: 'nothing was launched beside it; the next check decides again',
    });
  }
  try {
    const { result, spawned } = await launchAndWatch(config, world, records, state);
    return { from: spawned, event: { kind: 'launched', result, ...(relaunch ? { relaunch } : {}) } };
  } catch (error) {
    if (error instanceof ConfigError) return { from: state, event: { kind: 'launch-refused', text: error.message }, refusal: error };
    throw error;
  }
}

/** Launches, records, and watches the start window; returns what came of it and the state recorded at the spawn. */
async function launchAndWatch(
  config: ProgramConfig,
  world: World,
  records: Records,
  state: ProgramState,
): Promise<{ result: LaunchResult; spawned: ProgramState }> {
  const { paths, request } = config;
  checkCwd(request.cwd);
  // Under --lease the store's password stays with the check (--env may still give the program one on purpose).
  const env: NodeJS.ProcessEnv = { ...(config.lease ? withoutLeaseSecrets(world.env) : world.env), ...config.extraEnv };
  const file = resolveCommand(request.command[0]!, request.cwd, env.PATH);
  const token = randomBytes(12).toString('hex');
  env.ENSURE_RUNNING_TOKEN = token;
  env.ENSURE_RUNNING_PIDFILE = paths.pidFile;
  env.ENSURE_RUNNING_RESTARTS = String(state.launches);
  // A check run by a waiter passes nothing of it on.
  delete env[RESPAWNED];
  delete env.ENSURE_RUNNING_KEEP;
  const logs = { stdout: config.stdout, stderr: config.stderr };
  const waiter = config.respawn
    ? {
        spec: config.respawn,
        exitFile: paths.exitFile,
        keptFile: paths.keptFile,
        setsid: waiterTools(request.command[0]!),
        callerEnv: world.env,
        launchVars: { ENSURE_RUNNING_TOKEN: token, ENSURE_RUNNING_PIDFILE: paths.pidFile, ENSURE_RUNNING_RESTARTS: String(state.launches) },
      }
    : null;

  const launchedAtMs = world.now();
  // The token goes on record before the spawn, so a check killed right after it can be followed.
  const by = thisLauncher();
  records.write({ ...state, pending: { token, atMs: launchedAtMs, ...(by ? { by } : {}) } });
  failpoint('before-spawn');
  pausepoint('before-spawn');
  // A status left by an older run's waiter is not this run's.
  if (waiter) removeExitFile(paths.exitFile);
  const launched = await spawnDetached({
    file,
    argv: request.command,
    cwd: request.cwd,
    env,
    ...logs,
    ...(config.runAs ? { runAs: config.runAs } : {}),
    ...(waiter ? { waiter } : {}),
  });
  failpoint('after-spawn');
  const identity = withWaiter(identityOf(launched.pid, launchedAtMs, token), launched.waiterPid);
  const spawned = recordSpawn(state, identity, request, logs);
  try {
    // Record it at once: from here on the process is never unrecorded.
    writePidFile(paths.pidFile, launched.pid);
    failpoint('after-pid-file');
    records.write(spawned);
    failpoint('after-state');
  } catch (error) {
    killUnrecorded(launched.pid);
    if (launched.waiterPid) killUnrecorded(launched.waiterPid);
    await launched.exited;
    throw error;
  }
  const warning = register(config.registryDir, { name: paths.name, pidFile: paths.pidFile, stateFile: paths.stateFile });
  if (warning) world.warn(`${paths.name}: ${warning}`);

  let result: LaunchResult = { kind: 'up', identity };
  if (config.startWindowMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    const windowOver = new Promise<null>((done) => {
      timer = setTimeout(() => done(null), config.startWindowMs);
    });
    const midWindow = setTimeout(() => failpoint('in-window'), config.startWindowMs / 2);
    midWindow.unref();
    const early = await Promise.race([launched.exited, windowOver]);
    clearTimeout(midWindow);
    if (early) {
      const ranMs = world.now() - launchedAtMs;
      // Exit 0 inside the window: a launcher that daemonized. Its daemon is what is left of the
      // run once the window is over (the intermediate processes of a double fork are gone by then).
      if (early.code === 0) await windowOver;
      // The waiter (--respawn) is of the run, but never the program nor its daemon.
      const left = runMembers(identity).filter((pid) => pid !== launched.waiterPid);
      if (waiter) removeExitFile(paths.exitFile);
      // A daemon has no waiter: its parent is gone. cron is its backstop.
      if (early.code === 0 && left.length > 0) result = { kind: 'up', identity: identityOf(left[0]!, launchedAtMs, token), daemonizedFrom: launched.pid };
      else
        result = {
          kind: 'exited',
          pid: launched.pid,
          launchedAtMs,
          code: early.code,
          signal: early.signal,
          ranMs,
          logTail: logTail(config.stderr, config.runAs),
          leftovers: left,
        };
    }
    clearTimeout(timer);
  }
  if (result.kind === 'up') detach(launched);
  return { result, spawned };
}

/** The identity of a program launched beside a waiter (--respawn), with the waiter's. */
function withWaiter(identity: Identity, waiterPid: number | undefined): Identity {
  if (waiterPid === undefined) return identity;
  return { ...identity, waiter: { pid: waiterPid, startTime: readProcStat(waiterPid)?.startTime ?? null } };
}

/** --respawn needs /bin/sh and setsid at fixed places: a configuration error naming them, before anything is spawned. */
function waiterTools(command: string): string {
  const setsid = findSetsid();
  if (!hasWaiterShell() || setsid === null) {
    throw new ConfigError({
      action: 'launch with --respawn',
      subject: command,
      reason: hasWaiterShell() ? 'setsid was not found in /usr/bin, /bin, /usr/sbin or /sbin' : '/bin/sh was not found',
      hint: 'install util-linux (or BusyBox) for setsid, or drop --respawn',
    });
  }
  return setsid;
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
