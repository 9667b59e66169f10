// The check's duties after its crash-loop decision, the `duties` effect (src/commands/executor.ts):
// rotate logs and observe a live program's health (heartbeat file, HTTP probe, planned restart,
// memory). What they did and saw is the `duties` event of the tick (src/core/tick.ts), decided
// like any other: the duties record (a rotation's trouble, the declared cadence, a launch's
// health options) is made by src/core/duties.ts, and the effects of a verdict (a run ended, then
// relaunched or backing off) are performed by the same executor.

import { restartAtBaseMs, type HealthObservation, type HealthOptions } from '../core/health.js';
import { healthObserved, type DutiesDone } from '../core/duties.js';
import type { Decision } from '../core/policy.js';
import type { ProgramState } from '../core/state.js';
import type { TickEvent } from '../core/tick.js';
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
 * Rotates the logs past --log-max-size; the first error of a rotation that failed (a full disk
 * during the copy), or null; none when no rotation is asked. What it means for the records and
 * whether it is said is decided (src/core/duties.ts): the check goes on all the same.
 */
function rotateLogs(config: ProgramConfig): { failure: string | null } | null {
  if (!config.logRotate) return null;
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
  return { failure };
}

/** What the duties saw, as the `duties` event, and when (its verdict is decided as of then). */
export interface DutiesSeen {
  event: Extract<TickEvent, { kind: 'duties' }>;
  now: number;
}

/**
 * The `duties` effect, performed by the executor once the check's decision is, under the lock:
 * rotates the logs and observes; `decide` puts what they did on the duties record
 * (src/core/duties.ts) and judges the health. `outcome` is the check's so far: only a run that
 * is up (not held, not launched by this very check) has its health observed.
 */
export async function observeDuties(
  config: ProgramConfig,
  world: World,
  decided: ProgramState,
  outcome: Decision['outcome'],
  launchedNow: boolean,
): Promise<DutiesSeen> {
  const rotation = rotateLogs(config);
  const done: DutiesDone = { ...(rotation ? { rotation } : {}), cadence: config.cadence ?? null };
  if (healthObserved(decided, outcome, launchedNow)) {
    const now = world.now();
    const options = config.health ?? { heartbeat: null, http: null, restartAt: null };
    const health = { obs: await observeHealth(config, options, decided, now), options };
    return { event: { kind: 'duties', done, health, outcome }, now };
  }
  // A program launched by this very check is judged from the next one on, its health options from its launch.
  const options = launchedNow && decided.identity ? config.health : undefined;
  if (!options || !decided.identity) return { event: { kind: 'duties', done, outcome }, now: world.now() };
  const atMs = decided.identity.launchedAtMs;
  const at = options.restartAt;
  const restartDueMs = at ? (await import('../core/schedule.js')).nextAfter({ text: at.text, tz: at.tz }, atMs) : null;
  return { event: { kind: 'duties', done: { ...done, launched: { atMs, options, restartDueMs } }, outcome }, now: world.now() };
}
