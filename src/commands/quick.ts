// The healthy path of the cron check, without the lock: the one cron takes every minute.

import { statSync } from 'node:fs';
import { phaseOf } from '../core/phase.js';
import { observe } from '../os/observe.js';
import { LOCK_STALE_MS } from '../os/lock-stale.js';
import { readStateFile } from '../os/state-file.js';
import type { ProgramConfig } from './config.js';
import type { World } from './world.js';
import { healthNeedsFullCheck, markCheckRan } from './health-quick.js';
import { changeToAnnounce } from '../core/request.js';

/**
 * A verified live program with nothing due is left alone at the cost of two small reads
 * and a /proc lookup; the lock, the spawner and the writers are not even loaded. Anything
 * else goes to the full check, which takes the lock and looks again, so this path can
 * never launch or signal, and its one write is a timestamp (the state file's mtime).
 */
export function isHealthyWithoutLock(config: ProgramConfig, world: World): boolean {
  const read = readStateFile(config.paths.stateFile);
  if (read.kind !== 'ok') return false;
  const state = read.state;
  if (phaseOf(state) !== 'running') return false;
  // A changed crontab line is said once by the full check.
  if (changeToAnnounce(state, config.request)) return false;
  const { obs } = observe(config.paths, state, { tail: false, scan: false });
  if (obs.kind !== 'ours' || obs.repairPidFile) return false;
  const launchedAt = state.identity?.launchedAtMs ?? 0;
  const settleDue = !state.settled && world.now() - launchedAt >= config.policy.minUptimeMs;
  if (settleDue || staleLockLeft(config.paths.lockDir, world.now()) || healthNeedsFullCheck(config, state, world.now())) return false;
  // The one write of this path, metadata only: the state file's mtime says when checks ran (--status).
  markCheckRan(config.paths.stateFile, world.now());
  return true;
}

/** A lock left by a killed check: the full check takes it over and removes it. One stat. */
function staleLockLeft(lockDir: string, now: number): boolean {
  try {
    return now - statSync(lockDir).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false;
  }
}
