// The check's duties after its crash-loop decision, the `duties` effect (src/commands/executor.ts):
// rotate logs, record the declared cadence, and observe a live program's health (heartbeat
// file, HTTP probe, planned restart, memory). What they saw is the `duties` event of the tick
// (src/core/tick.ts), decided like any other, its effects (a run ended, then relaunched or
// backing off) performed by the same executor.

import { noteLaunchedWith, restartAtBaseMs, type HealthObservation, type HealthOptions } from '../core/health.js';
import { emptyDuties } from '../core/duties-record.js';
import type { Decision } from '../core/policy.js';
import type { ProgramState } from '../core/state.js';
import type { TickEvent } from '../core/tick.js';
import { sayOnce } from '../core/said-once.js';
import { readHeartbeat } from '../os/heartbeat-file.js';
import { probeHttp } from '../os/http-probe.js';
import { rotateLog } from '../os/log-rotate.js';
import { logOpener } from '../os/run-as.js';
import type { ProgramConfig } from '../core/program-config.js';
import type { World } from '../world.js';

async function observeHealth(config: ProgramConfig, options: HealthOptions, state: ProgramState, now: number): Promise<HealthObservation> {
  const launchedAtMs = state.identity?.launchedAtMs ?? now;
  const obs: HealthObservation = { heartbeat: null, probe: null, schedule: null };
  if (options.heartbeat) obs.heartbeat = readHeartbeat(options.heartbeat.file);
  if (options.maxMemory && state.identity) obs.memory = (await import('../os/run-memory.js')).runMemory(state.identity);
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
      // A --user program's log outside root's own directories is rotated with the user's ids.
      logOpener(config.runAs, log).run(() => rotateLog(log, maxBytes, keep));
    } catch (error) {
      failure ??= (error as Error).message;
    }
  }
  const before = state.health?.rotateError ?? null;
  if (failure === null) return before ? { ...state, health: { ...state.health!, rotateError: null } } : state;
  const { said, say } = sayOnce(before, failure, world.now());
  if (say) world.warn(`${config.paths.name}: warning: ${failure} (the log keeps growing; the program is guarded as usual)`);
  return { ...state, health: { ...(state.health ?? emptyDuties()), rotateError: said } };
}

/** What the duties saw, as the `duties` event, and when (its verdict is decided as of then). */
export interface DutiesSeen {
  event: Extract<TickEvent, { kind: 'duties' }>;
  now: number;
}

/**
 * The `duties` effect, performed by the executor once the check's decision is, under the lock:
 * rotates the logs and observes; `decide` puts the record on the state and judges the health.
 * `outcome` is the check's so far: only a run that is up (not held, not launched by this very
 * check) has its health observed.
 */
export async function observeDuties(
  config: ProgramConfig,
  world: World,
  decided: ProgramState,
  outcome: Decision['outcome'],
  launchedNow: boolean,
): Promise<DutiesSeen> {
  let state = rotateLogs(config, world, decided);
  const cadence = config.cadence ?? null;
  if (JSON.stringify(state.health?.cadence ?? null) !== JSON.stringify(cadence)) state = { ...state, health: { ...(state.health ?? emptyDuties()), cadence } };
  const options = config.health ?? { heartbeat: null, http: null, restartAt: null };
  // A program launched by this very check is judged from the next one on, its health options from its launch.
  if (launchedNow && state.identity && config.health) {
    const launchedAtMs = state.identity.launchedAtMs;
    const at = config.health.restartAt;
    const due = at ? (await import('../core/schedule.js')).nextAfter({ text: at.text, tz: at.tz }, launchedAtMs) : null;
    state = { ...state, health: noteLaunchedWith(state.health ?? emptyDuties(), config.health, launchedAtMs, due) };
  }
  const now = world.now();
  const record = state.health && state.health !== decided.health ? { record: state.health } : {};
  if (outcome !== 'running' || !state.identity || state.held || launchedNow) return { event: { kind: 'duties', ...record, outcome }, now };
  const health = { obs: await observeHealth(config, options, state, now), options };
  return { event: { kind: 'duties', ...record, health, outcome }, now };
}
