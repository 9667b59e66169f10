// The health side of the lock-free cron path: what a healthy-looking program still needs
// the full check for, and the one metadata write that records that a check ran.

import { utimesSync } from 'node:fs';
import { heartbeatProblem } from '../core/health.js';
import type { ProgramState } from '../core/state.js';
import { readHeartbeat } from '../os/heartbeat-file.js';
import { logSize } from '../os/log-rotate.js';
import type { ProgramConfig } from './config.js';

/**
 * True when the full (locked) check must run: the heartbeat is too old (one stat), an HTTP
 * probe is configured (it runs under the lock), a planned restart is due by the time the
 * last full check worked out, the declared cadence changed, or a log outgrew its size.
 */
export function healthNeedsFullCheck(config: ProgramConfig, state: ProgramState, now: number): boolean {
  const health = config.health;
  const record = state.health;
  if ((config.cadence?.key ?? null) !== (record?.cadence?.key ?? null)) return true;
  if (health?.http) return true;
  if (health?.restartAt) {
    const at = record?.restartAt;
    if (!at || at.text !== health.restartAt.text || at.tz !== health.restartAt.tz || now >= at.nextMs) return true;
  } else if (record?.restartAt) {
    return true;
  }
  if (health?.heartbeat && state.identity) {
    if (heartbeatProblem(readHeartbeat(health.heartbeat.file), state.identity.launchedAtMs, health.heartbeat, now)) return true;
  }
  if (config.logRotate) {
    const { maxBytes } = config.logRotate;
    if (logSize(config.stdout) > maxBytes || (config.stderr !== config.stdout && logSize(config.stderr) > maxBytes)) return true;
  }
  return false;
}

/**
 * Records that a check ran by setting the state file's mtime: no JSON rewrite and no lock
 * (a metadata update cannot tear the file). --status reads it to warn when checks stop.
 * Best effort: a failure here must not turn a healthy check into an error.
 */
export function markCheckRan(stateFile: string, now: number): void {
  try {
    const seconds = now / 1000;
    utimesSync(stateFile, seconds, seconds);
  } catch {
    // the next full check rewrites the file, and with it the time
  }
}
