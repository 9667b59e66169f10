// The executor of one check (src/commands/check.ts), of a stop (src/commands/stopping.ts), of
// --reload and of --release (src/commands/reload.ts, release.ts): performs a decision's effects
// in order; an effect with an outcome (the program observed, a launch, a run ended by a health
// rule, a stop's or a reload's signals, the check's duties observed, the lease's store calls)
// goes back to `decide` as an event, and that decision's effects are performed next, until none
// remain. The one place where a decision's effects are performed.

import { randomBytes } from 'node:crypto';
import { recordSpawn, type LaunchResult, type Relaunch } from '../core/policy.js';
import type { Identity, ProgramState } from '../core/state.js';
import { decide, type Tick, type TickEvent } from '../core/tick.js';
import { ConfigError, RunError } from '../errors.js';
import type { Held } from '../os/lock.js';
import { removePidFile, writePidFile } from '../os/pid-file.js';
import { identityOf, readProcStat } from '../os/proc-identity.js';
import { readStateFile } from '../os/state-file.js';
import { checkCwd, detach, resolveCommand, spawnDetached } from '../os/launch.js';
import { logTail } from '../os/log-tail.js';
import { killUnrecorded, stopLeftovers, terminate, type Termination } from '../os/terminate.js';
import { runMembers } from '../os/run-members.js';
import { signalVerified } from '../os/signal-verified.js';
import { formatDuration } from '../core/duration.js';
import { register } from '../os/registry.js';
import { failpoint, pausepoint } from '../os/failpoint.js';
import { beforeWaiting } from '../os/first-turn.js';
import { otherLauncherAlive, thisLauncher } from '../os/launcher.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { Observation } from '../core/observation.js';
import { observe, userOf } from '../os/observe.js';
import { withoutLeaseSecrets } from '../core/lease-record.js';
import type { LeaseGo } from '../core/lease-role.js';
import type { World } from '../world.js';
import type { Transition } from '../core/transition.js';
import { RESPAWNED, findSetsid, hasWaiterShell, removeExitFile } from '../os/waiter.js';
import type { Records } from './records.js';

/** What one pass holds beside what it says (`Pass`): its lock, and its records, read once. */
export interface Hold {
  lock: Held;
  records: Records;
}

/** What the executor performs effects with. */
export interface Executing {
  config: ProgramConfig;
  world: World;
  records: Records;
  /** The pass's lock, checked again before a launch (a stop launches nothing and needs none). */
  lock: Held | null;
  /** The launch the records named when the pass began (another check's, perhaps), checked before a launch. */
  pending: ProgramState['pending'];
  /**
   * Takes each decision's transitions as it comes (a check says their lines as they come; a stop
   * keeps them), with the kind of event it was decided on (none for the first decision, the caller's).
   */
  collect: (transitions: readonly Transition[], after?: TickEvent['kind']) => void;
}

/** What the `observe` effect looked at: the records it observed from, what it saw, and whether the check's decision on it launched. */
export interface Looked {
  recorded: ProgramState;
  obs: Observation['kind'];
  launching: boolean;
  /** The recorded identity, when the look verified it as the program's own process. */
  verified: Identity | null;
}

/**
 * The executor: performs a decision's effects in order. An effect with an outcome (the check's
 * observation, a launch, a run ended by a health rule, a stop's signals, the check's duties, the
 * lease's store calls: a check's and --release's) goes back to `decide` as an event, and that decision's effects are
 * performed next, until none remain. Returns the last decision: the one that ends this check or
 * stop (with, when the lease was asked, how the check goes on: `go`; and, when the program was
 * observed, what was seen: `looked`).
 */
export async function execute(first: Tick, run: Executing): Promise<Tick & { go?: LeaseGo; looked?: Looked }> {
  const { world, records } = run;
  // --lease: a holder's check goes on with the lease's variables in the program's environment (set once the role is decided).
  let { config } = run;
  const { paths, request, policy } = config;
  let tick = first;
  run.collect(tick.transitions);
  const queue = [...tick.effects];
  // A launch refused for a configuration error, raised once its decision is on record.
  let refusal: ConfigError | null = null;
  let pending = run.pending;
  // --lease: how the check goes on once the role is decided (and a copy stopped, if it had to be).
  let go: LeaseGo | undefined;
  let looked: Looked | undefined;
  for (let effect = queue.shift(); effect; effect = queue.shift()) {
    // The event an effect's outcome is, the state it is decided from and (observed earlier) when.
    let next: { from: ProgramState; event: TickEvent; now?: number } | null = null;
    // Any effect but the look may wait on the event loop (a launch, a stop, a store call, a probe):
    // the time bound, the lock's refresh and the signal listeners are set from here on
    // (src/os/first-turn.ts). A check that only looks, the healthy one, sets none of them.
    if (effect.kind !== 'observe') beforeWaiting();
    switch (effect.kind) {
      case 'checkpoint':
        records.write(tick.state);
        break;
      case 'write-pid':
        writePidFile(paths.pidFile, effect.pid);
        break;
      case 'remove-pid':
        removePidFile(paths.pidFile);
        break;
      case 'stop-run':
        await stopRun(effect.identity, effect.pids, effect.stop === true, config, world);
        break;
      case 'end-run':
        next = { from: tick.state, event: { kind: 'run-ended', how: await endRun(effect.identity, effect.reason, config, world), after: effect.after } };
        break;
      case 'signal-stop': {
        const result = await terminate(effect.identity, config.stopSignal, config.killAfterMs, world.now);
        const line = stopLineOf(effect.identity.pid, result, config.stopSignal);
        const head = effect.head !== undefined ? { head: effect.head } : {};
        next = { from: tick.state, event: { kind: 'stopped', line, hold: effect.hold, pid: tick.state.identity?.pid ?? null, ...head } };
        break;
      }
      case 'ask-lease': {
        // --lease: the store call, loaded only then (a check without --lease never loads pg or redis); its role comes back as an event.
        const asked = await (await import('../lease/step.js')).askLease(config, world, tick.state, effect);
        go = asked.go;
        if (go.kind === 'run') config = { ...config, extraEnv: { ...config.extraEnv, ...go.env }, ...(go.launch ? { leaseLaunch: go.launch } : {}) };
        next = { from: tick.state, event: asked.event };
        break;
      }
      case 'release-lease':
        // --release: the store call, loaded only then; its answer comes back as the `released` event.
        next = { from: tick.state, event: await (await import('../lease/manual.js')).releaseLease(config, effect) };
        break;
      case 'start':
        // A manual start's turn: its event, decided from the records as they are now (a --restart's stop, a lease's role, done).
        next = { from: tick.state, event: { kind: 'start' } };
        break;
      case 'observe': {
        // The PID file and the process, from the records as the last decision left them (a manual start's: cleared);
        // --reload's look: the process on record alone, nothing scanned (its decision aims the signal).
        const { reload } = effect;
        const recorded = tick.state;
        const looking =
          reload !== undefined
            ? { tail: false, scan: false }
            : { tail: true, scan: true, lost: records.onFile === null, user: userOf(config), ...(config.runAs ? { runAs: config.runAs } : {}) };
        const seen = observe(paths, recorded, looking);
        if (reload !== undefined) {
          next = { from: recorded, event: { kind: 'reload-observed', obs: seen.obs, signal: reload, pidFile: paths.pidFile } };
          break;
        }
        if (effect.stop) {
          // A stop's look, as a check's: what it saw goes to the stop's decision (its warnings are a check's to say).
          const found = seen.found ? { found: seen.found } : {};
          next = { from: recorded, event: { kind: 'stop-observed', obs: seen.obs, ...found, ...effect.stop, pidFile: paths.pidFile } };
          break;
        }
        for (const line of seen.warnings) world.warn(line);
        // Heartbeat, HTTP probe, planned restart, memory, log size, cadence: observed last, an effect of the decision.
        const duties = config.health || config.logRotate || config.cadence ? { duties: true as const } : {};
        next = { from: recorded, event: { kind: 'observed', obs: seen.obs, ...(seen.found ? { found: seen.found } : {}), ...duties } };
        // A launch is checked against the launch the records name as the check observes them (a lease's role may have settled one).
        pending = recorded.pending;
        looked = { recorded, obs: seen.obs.kind, launching: false, verified: seen.verified ?? null };
        break;
      }
      case 'hold-lease':
        // --stop, --start with --lease: the store call, loaded only then; its answer comes back as the `lease-held` event.
        next = { from: tick.state, event: await (await import('../lease/manual.js')).holdLease(config, effect) };
        break;
      case 'signal-reload':
        // --reload: verified right before the signal; how it went comes back as `reloaded`.
        next = {
          from: tick.state,
          event: { kind: 'reloaded', pid: effect.identity.pid, signal: effect.signal, answer: signalVerified(effect.identity, effect.signal) },
        };
        break;
      case 'fail':
        throw new RunError(effect.error);
      case 'launch': {
        if (!run.lock) throw new Error('internal error: a launch asked without the lock (src/commands/executor.ts)');
        const launched = await launchOnce(config, world, { lock: run.lock, records }, tick.state, pending, effect.relaunch);
        if (launched.refusal) refusal = launched.refusal;
        next = launched;
        break;
      }
      case 'duties': {
        // Heartbeat, HTTP probe, planned restart, memory, log size, cadence: loaded only when used; judged as of when observed.
        const seen = await (await import('./check-duties.js')).observeDuties(config, world, tick.state, tick.outcome, effect.launchedNow);
        next = { from: tick.state, event: seen.event, now: seen.now };
        // A relaunch after a health verdict is checked against the launch the records name now (the check's own settled any).
        pending = tick.state.pending;
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
    }
    if (next) {
      tick = decide(next.from, next.event, request, policy, next.now ?? world.now());
      run.collect(tick.transitions, next.event.kind);
      queue.unshift(...tick.effects);
      if (next.event.kind === 'observed' && looked) looked.launching = tick.effects.some((effect) => effect.kind === 'launch');
    }
  }
  return { ...tick, ...(go ? { go } : {}), ...(looked ? { looked } : {}) };
}

/** The end of a stop line naming the other processes of the run that the stop reached. */
function othersText(others: number[]): string {
  return others.length
    ? `, with ${others.length === 1 ? '1 other process' : `${others.length} other processes`} ` +
        `of its run (pid${others.length === 1 ? '' : 's'} ${others.join(' ')})`
    : '';
}

/** How the signals of a stop went, for its line; an error if the program survived SIGKILL. */
function stopLineOf(pid: number, result: Termination, stopSignal: string): string {
  if (result.kind === 'survived') {
    throw new RunError({
      action: 'stop',
      subject: `pid ${pid}`,
      reason: `still alive ${formatDuration(result.afterMs)} after SIGKILL`,
      hint: 'it may be stuck in the kernel (state D); look at /proc/<pid>/stat',
    });
  }
  const others = result.kind === 'stopped' || result.kind === 'killed' ? othersText(result.others) : '';
  if (result.kind === 'stopped') return `stopped (pid ${pid}, ${result.signal} after ${formatDuration(result.afterMs)}${others})`;
  if (result.kind === 'killed')
    return (
      `stopped (pid ${pid}, SIGKILL after ${formatDuration(result.afterMs)}: ` +
      `${result.graceMs > 0 ? `it ignored ${stopSignal}` : 'no wait with --kill-after 0'}${others})`
    );
  return 'was not running';
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

/**
 * Stops what is left of a dead program's run; an error if it cannot, since nothing may be
 * launched beside it (in a stop: since it is not stopped).
 */
async function stopRun(identity: Identity, pids: number[], stop: boolean, config: ProgramConfig, world: World): Promise<void> {
  const stopped = await stopLeftovers(identity, pids, config.stopSignal, config.killAfterMs, world.now);
  if (stopped.kind !== 'survived') return;
  if (stop)
    throw new RunError({
      action: 'stop',
      subject: `pids ${pids.join(' ')}`,
      reason: `still alive ${formatDuration(stopped.afterMs)} after SIGKILL`,
      hint: 'they may be stuck in the kernel (state D); look at /proc/<pid>/stat',
    });
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
