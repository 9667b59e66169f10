// The cron check: lock, load, observe, decide, act, save, unlock.

import { randomBytes } from 'node:crypto';
import { decideAfterLaunch, decideCheck, recordSpawn, type Decision, type LaunchResult } from '../core/policy.js';
import { emptyState, type ProgramState } from '../core/state.js';
import { EXIT, RunError } from '../errors.js';
import { takeLock } from '../os/lock.js';
import { observe } from '../os/observe.js';
import { writePidFile } from '../os/pid-file.js';
import { identityOf } from '../os/proc-identity.js';
import { readStateFile, writeStateFile, type StateRead } from '../os/state-file.js';
import { checkCwd, detach, resolveCommand, spawnDetached } from '../os/launch.js';
import { logTail } from '../os/log-tail.js';
import { killUnrecorded } from '../os/terminate.js';
import { register } from '../os/registry.js';
import { lockWaitMs, type ProgramConfig } from './config.js';
import type { World } from './world.js';

/** Turns a sidecar read into a state, saying once why an unusable one is set aside. */
export function loadState(read: StateRead, world: World, name: string): ProgramState | null {
  if (read.kind === 'ok') return read.state;
  if (read.kind === 'missing') return null;
  if (read.future) throw new RunError({ action: 'use the state file', reason: read.reason });
  world.warn(`${name}: ${read.reason}`);
  return null;
}

/** Runs one check under the lock; `prepare` lets --start clear hold and tallies first. Returns the exit code. */
export async function runCheck(config: ProgramConfig, world: World, prepare?: (state: ProgramState) => ProgramState): Promise<number> {
  const lock = await takeLock(config.paths.pidFile, lockWaitMs(config), world.now);
  try {
    return await checkLocked(config, world, prepare);
  } finally {
    await lock.release();
  }
}

/** The check proper, for callers that already hold the lock (--restart). */
export async function checkLocked(config: ProgramConfig, world: World, prepare?: (state: ProgramState) => ProgramState): Promise<number> {
  const { paths } = config;
  const loaded = loadState(readStateFile(paths.stateFile), world, paths.name);
  let state = loaded ?? emptyState();
  if (prepare) state = prepare(state);
  const looked = observe(paths, state, true);
  for (const line of looked.warnings) world.warn(line);

  let decision: Decision = decideCheck(state, looked.obs, config.request, config.policy, world.now());
  for (const effect of decision.effects) {
    if (effect.kind === 'report') world.warn(effect.text);
    else if (effect.kind === 'write-pid') writePidFile(paths.pidFile, effect.pid);
    else if (effect.kind === 'launch') {
      decision = await launchAndDecide(config, world, decision.state);
      // A launch's decision only ever reports.
      for (const next of decision.effects) if (next.kind === 'report') world.warn(next.text);
    }
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
  const launched = await spawnDetached({ file, argv: request.command, cwd: request.cwd, env, ...logs });
  const identity = identityOf(launched.pid, launchedAtMs, token);
  const spawned = recordSpawn(state, identity, request, logs);
  try {
    // Record it at once: from here on the process is never unrecorded.
    writePidFile(paths.pidFile, launched.pid);
    writeStateFile(paths.stateFile, spawned);
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
    const early = await Promise.race([launched.exited, windowOver]);
    clearTimeout(timer);
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
