// After the crash-loop decision of a full check: rotate logs, record the declared cadence,
// then judge a live program's health (observe → decideHealth → act) and, when it must go,
// stop it with a verified signal and relaunch it through the ordinary launch path (unless
// hung or unhealthy runs crowd: then it backs off, see src/core/health-restart.ts).

import { decideHealth, noteLaunchedWith, restartAtBaseMs, type HealthObservation, type HealthOptions } from '../core/health.js';
import { emptyHealth } from '../core/health-state.js';
import { decideHealthRestart } from '../core/health-restart.js';
import type { Decision } from '../core/policy.js';
import type { ProgramState } from '../core/state.js';
import { formatDuration } from '../core/duration.js';
import { sayOnce } from '../core/said-once.js';
import { RunError } from '../errors.js';
import { readHeartbeat } from '../os/heartbeat-file.js';
import { probeHttp } from '../os/http-probe.js';
import { rotateLog } from '../os/log-rotate.js';
import { writeStateFile } from '../os/state-file.js';
import { removePidFile } from '../os/pid-file.js';
import { terminate } from '../os/terminate.js';
import type { ProgramConfig } from './config.js';
import type { World } from './world.js';

/** The check's launch path, passed in so that a health restart launches exactly as a check does. */
export type Launch = (config: ProgramConfig, world: World, state: ProgramState) => Promise<Decision>;

async function observeHealth(config: ProgramConfig, options: HealthOptions, state: ProgramState, now: number): Promise<HealthObservation> {
  const launchedAtMs = state.identity?.launchedAtMs ?? now;
  const obs: HealthObservation = { heartbeat: null, probe: null, schedule: null };
  if (options.heartbeat) obs.heartbeat = readHeartbeat(options.heartbeat.file);
  // Inside its start window a program may not listen yet: no probe, no failure counted.
  if (options.http && now - launchedAtMs >= config.startWindowMs) obs.probe = await probeHttp(options.http.url, options.http.timeoutMs);
  if (options.restartAt) {
    const { nextAfter } = await import('../core/schedule.js');
    const cron = { text: options.restartAt.text, tz: options.restartAt.tz };
    obs.schedule = { dueMs: nextAfter(cron, restartAtBaseMs(state.health?.restartAt, cron, launchedAtMs, now)), followingMs: nextAfter(cron, now) };
  }
  return obs;
}

/**
 * Rotates the logs past --log-max-size. A rotation that fails (a full disk during the copy)
 * is the logs' trouble, not the check's: it is said once (then once a day while it lasts),
 * and the decision, the health rules and the save go on. Returns the state with the
 * complaint on record (cleared once a rotation works again).
 */
function rotateLogs(config: ProgramConfig, world: World, state: ProgramState): ProgramState {
  if (!config.logRotate) return state;
  const { maxBytes, keep } = config.logRotate;
  let failure: string | null = null;
  for (const log of config.stderr !== config.stdout ? [config.stdout, config.stderr] : [config.stdout]) {
    try {
      rotateLog(log, maxBytes, keep);
    } catch (error) {
      failure ??= (error as Error).message;
    }
  }
  const before = state.health?.rotateError ?? null;
  if (failure === null) return before ? { ...state, health: { ...state.health!, rotateError: null } } : state;
  const { said, say } = sayOnce(before, failure, world.now());
  if (say) world.warn(`${config.paths.name}: warning: ${failure} (the log keeps growing; the program is guarded as usual)`);
  return { ...state, health: { ...(state.health ?? emptyHealth()), rotateError: said } };
}

/** Runs after the crash-loop decision of a full check, under the lock; returns the final decision. */
export async function afterDecision(config: ProgramConfig, world: World, decision: Decision, launchedNow: boolean, launch: Launch): Promise<Decision> {
  let state = rotateLogs(config, world, decision.state);
  const cadence = config.cadence ?? null;
  if (JSON.stringify(state.health?.cadence ?? null) !== JSON.stringify(cadence)) state = { ...state, health: { ...(state.health ?? emptyHealth()), cadence } };
  const options = config.health ?? { heartbeat: null, http: null, restartAt: null };
  // A program launched by this very check is judged from the next one on, its health options from its launch.
  if (launchedNow && state.identity && config.health) {
    const launchedAtMs = state.identity.launchedAtMs;
    const at = config.health.restartAt;
    const due = at ? (await import('../core/schedule.js')).nextAfter({ text: at.text, tz: at.tz }, launchedAtMs) : null;
    state = { ...state, health: noteLaunchedWith(state.health ?? emptyHealth(), config.health, launchedAtMs, due) };
  }
  if (decision.outcome !== 'running' || !state.identity || state.held || launchedNow) return { ...decision, state };

  const now = world.now();
  const verdict = decideHealth(state, await observeHealth(config, options, state, now), options, now);
  if (!verdict.restart) return { ...decision, state: verdict.state };

  const { name, stateFile } = config.paths;
  const identity = state.identity;
  const stopped = await terminate(identity, config.stopSignal, config.killAfterMs, world.now);
  if (stopped.kind === 'survived') {
    throw new RunError({ action: 'restart', subject: `pid ${identity.pid}`, reason: `${verdict.restart.reason}, but it was still alive ${formatDuration(stopped.afterMs)} after SIGKILL`, hint: 'it may be stuck in the kernel (state D); look at /proc/<pid>/stat' });
  }
  const how =
    stopped.kind === 'stopped' ? `stopped pid ${identity.pid} with ${stopped.signal}` : stopped.kind === 'killed' ? `killed pid ${identity.pid} (${stopped.graceMs > 0 ? `it ignored ${config.stopSignal}` : 'no wait with --kill-after 0'})` : `pid ${identity.pid} was already gone`;
  // Not a crash (the last exit stays as it was), but a hung or unhealthy run counts in the
  // death tally: crowded, the program stays stopped and backs off instead of being relaunched.
  const next = decideHealthRestart(verdict.state, verdict.restart, how, config.policy, world.now());
  const before: ProgramState = next.state;
  writeStateFile(stateFile, before);
  if (!next.relaunch) {
    removePidFile(config.paths.pidFile);
    world.warn(next.line);
    return { state: before, effects: [{ kind: 'remove-pid' }, { kind: 'report', text: next.line }], outcome: 'not-running' };
  }
  const after = await launch(config, world, before);
  const head = `${name}: restarting (${verdict.restart.reason}); ${how}`;
  if (after.outcome === 'running' && after.state.identity) {
    world.warn(`${head}, started pid ${after.state.identity.pid}`);
  } else {
    world.warn(head);
    for (const effect of after.effects) {
      if (effect.kind === 'report') world.warn(effect.text);
      else if (effect.kind === 'remove-pid') removePidFile(config.paths.pidFile);
    }
  }
  return after;
}
