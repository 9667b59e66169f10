// The cron check: lock, load, observe, decide, act, save, unlock.

import { randomBytes } from 'node:crypto';
import { decideAfterLaunch, decideCheck, recordLaunchError, recordSpawn, type Decision, type LaunchResult } from '../core/policy.js';
import { emptyState, withEvent, type ProgramState } from '../core/state.js';
import { ConfigError, EXIT, RunError } from '../errors.js';
import { takeLock, type Held } from '../os/lock.js';
import { observe } from '../os/observe.js';
import { removePidFile, writePidFile } from '../os/pid-file.js';
import { identityOf } from '../os/proc-identity.js';
import { readStateFile, writeStateFile, type StateRead } from '../os/state-file.js';
import { checkCwd, detach, resolveCommand, spawnDetached } from '../os/launch.js';
import { logTail } from '../os/log-tail.js';
import { killUnrecorded } from '../os/terminate.js';
import { register } from '../os/registry.js';
import { failpoint } from '../os/failpoint.js';
import { lockWaitMs, type ProgramConfig } from './config.js';
import type { World } from './world.js';

/** Turns a sidecar read into a state, saying once why an unusable one is set aside. */
export function loadState(read: StateRead, world: World, name: string, path: string): ProgramState | null {
  if (read.kind === 'ok') return read.state;
  if (read.kind === 'missing') return null;
  if (read.future) {
    throw new RunError({ action: 'use the state file', subject: path, reason: read.reason, hint: 'upgrade ensure-running (the program itself is left alone), or remove the file to start its records afresh' });
  }
  world.warn(`${name}: ${read.reason}`);
  return null;
}

/** Runs one check under the lock; `prepare` lets --start clear hold and tallies first. Returns the exit code. */
export async function runCheck(config: ProgramConfig, world: World, prepare?: (state: ProgramState) => ProgramState): Promise<number> {
  const lock = await takeLock(config.paths.pidFile, lockWaitMs(config), world.now);
  failpoint('after-lock');
  try {
    return await checkLocked(config, world, lock, prepare);
  } finally {
    await lock.release();
  }
}

/** The check proper, for callers that already hold the lock (--start, --restart). */
export async function checkLocked(config: ProgramConfig, world: World, lock: Held, prepare?: (state: ProgramState) => ProgramState): Promise<number> {
  const { paths } = config;
  // A lock taken over while this check waited (its refresh timer starved) must not launch.
  const launch: typeof launchAndDecide = (c, w, s) => {
    if (lock.compromised()) throw new RunError({ action: 'launch', subject: c.request.command[0], reason: `the lock ${paths.lockDir} was taken over by another call`, hint: 'nothing was launched; the next check decides again' });
    return launchAndDecide(c, w, s).catch((error: unknown) => {
      if (error instanceof ConfigError) {
        // A wrong command or directory fails at every check: say it once (and daily), not every minute.
        const recorded = recordLaunchError(s, error.message, w.now());
        writeStateFile(paths.stateFile, recorded.state);
        error.quiet = !recorded.say;
      }
      throw error;
    });
  };
  const loaded = loadState(readStateFile(paths.stateFile), world, paths.name, paths.stateFile);
  let state = loaded ?? emptyState();
  if (prepare) state = prepare(state);
  const looked = observe(paths, state, { tail: true, scan: true });
  for (const line of looked.warnings) world.warn(line);
  if (looked.adopted) {
    // The launch of an interrupted check: record it now, as that check would have.
    // A run found again starts with no failed HTTP probes, as a launched one does.
    const health = state.health ? { ...state.health, failures: 0, lastFailure: null } : state.health;
    state = withEvent({ ...state, identity: looked.adopted, pending: null, health, launches: state.launches + 1, lastSeenAliveMs: world.now() }, { atMs: world.now(), kind: 'adopt', pid: looked.adopted.pid, detail: looked.adoptedBy === 'environment' ? 'found by its environment; state record rebuilt' : 'launched by an interrupted check; recorded now' });
    const how = looked.adoptedBy === 'environment' ? 'found by its environment after its state record was lost' : 'launched by a check that was interrupted before it could record it';
    world.warn(`${paths.name}: recorded pid ${looked.adopted.pid}, ${how}`);
  } else if (state.pending) {
    state = { ...state, pending: null };
  }

  let decision: Decision = decideCheck(state, looked.obs, config.request, config.policy, world.now());
  const launching = decision.effects.some((effect) => effect.kind === 'launch');
  for (const effect of decision.effects) {
    if (effect.kind === 'report') world.warn(effect.text);
    else if (effect.kind === 'write-pid') writePidFile(paths.pidFile, effect.pid);
    else if (effect.kind === 'remove-pid') removePidFile(paths.pidFile);
    else if (effect.kind === 'launch') {
      // A death found by this check is saved first: a launch that throws must not get it reported again.
      if (decision.state.lastExit !== state.lastExit) writeStateFile(paths.stateFile, decision.state);
      decision = await launch(config, world, decision.state);
      // A launch's decision only reports and removes the PID of a failed start.
      for (const next of decision.effects) {
        if (next.kind === 'report') world.warn(next.text);
        else if (next.kind === 'remove-pid') removePidFile(paths.pidFile);
      }
    }
  }
  if (config.health || config.logRotate || config.cadence || decision.state.health) {
    // Heartbeat, HTTP probe, planned restart, log size: loaded only when used.
    const { afterDecision } = await import('./health-step.js');
    decision = await afterDecision(config, world, decision, launching, launch);
  }
  const before = loaded ? JSON.stringify(loaded) : '';
  if (JSON.stringify(decision.state) !== before) writeStateFile(paths.stateFile, decision.state);
  return decision.outcome === 'not-running' ? EXIT.notRunning : EXIT.ok;
}

/** Launches, records, watches the start window, and decides what came of it. */
async function launchAndDecide(config: ProgramConfig, world: World, state: ProgramState): Promise<Decision> {
  const { paths, request } = config;
  checkCwd(request.cwd);
  const env: NodeJS.ProcessEnv = { ...world.env, ...config.extraEnv };
  const file = resolveCommand(request.command[0]!, request.cwd, env.PATH);
  const token = randomBytes(12).toString('hex');
  env.ENSURE_RUNNING_TOKEN = token;
  env.ENSURE_RUNNING_PIDFILE = paths.pidFile;
  env.ENSURE_RUNNING_RESTARTS = String(state.launches);
  const logs = { stdout: config.stdout, stderr: config.stderr };

  const launchedAtMs = world.now();
  // The token goes on record before the spawn, so a check killed right after it can be followed.
  writeStateFile(paths.stateFile, { ...state, pending: { token, atMs: launchedAtMs } });
  failpoint('before-spawn');
  const launched = await spawnDetached({ file, argv: request.command, cwd: request.cwd, env, ...logs });
  failpoint('after-spawn');
  const identity = identityOf(launched.pid, launchedAtMs, token);
  const spawned = recordSpawn(state, identity, request, logs);
  try {
    // Record it at once: from here on the process is never unrecorded.
    writePidFile(paths.pidFile, launched.pid);
    failpoint('after-pid-file');
    writeStateFile(paths.stateFile, spawned);
    failpoint('after-state');
  } catch (error) {
    killUnrecorded(launched.pid);
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
    clearTimeout(timer);
    clearTimeout(midWindow);
    if (early) {
      result = {
        kind: 'exited',
        pid: launched.pid,
        launchedAtMs,
        code: early.code,
        signal: early.signal,
        ranMs: world.now() - launchedAtMs,
        logTail: logTail(config.stderr),
      };
    }
  }
  if (result.kind === 'up') detach(launched);
  return decideAfterLaunch(spawned, result, config.policy, world.now());
}
