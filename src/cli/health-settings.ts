// The health, schedule and log-size options of one program, checked and named on error.
// Cron expressions are only shape-checked here; cron-parser checks them lazily
// (src/commands/schedules.ts), so the cron path never loads it for an unchanged line.

import { resolve } from 'node:path';
import { parseDurationMs, parseSizeBytes } from '../core/duration.js';
import { cronShapeError } from '../core/cron-text.js';
import { DEFAULT_HEALTH_FAILURES, DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS, MAX_HEALTH_TIMEOUT_MS, type HealthOptions } from '../core/health.js';
import type { CadenceRecord } from '../core/health-state.js';
import { DEFAULT_PERIOD_MS } from '../core/policy.js';
import { UsageError } from '../errors.js';
import type { ParsedCall } from './parse.js';

/** Default --log-keep. */
export const DEFAULT_LOG_KEEP = 5;

type Name = 'heartbeat' | 'heartbeat-timeout' | 'heartbeat-grace' | 'health-url' | 'health-timeout' | 'health-failures' | 'restart-at' | 'schedule' | 'tz' | 'log-max-size' | 'log-keep' | 'interval';

function text(call: ParsedCall, name: Name): string | undefined {
  const value = call.values[name];
  return typeof value === 'string' ? value : undefined;
}

function duration(call: ParsedCall, name: Name, fallback: number): number {
  const given = text(call, name);
  if (given === undefined) return fallback;
  const ms = parseDurationMs(given);
  if (ms === null || ms <= 0) throw new UsageError(`--${name} ${JSON.stringify(given)} is not a duration above zero; use a number of seconds or a number with ms, s, m, h or d (e.g. 60s, 2m), at most 24d`);
  return ms;
}

function whole(call: ParsedCall, name: Name, fallback: number, min: number): number {
  const given = text(call, name);
  if (given === undefined) return fallback;
  if (!/^[0-9]{1,6}$/.test(given) || Number(given) < min) throw new UsageError(`--${name} ${JSON.stringify(given)} must be a whole number of ${min} or more`);
  return Number(given);
}

function healthUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--health-url ${JSON.stringify(given)} is not a URL; give a full one such as http://127.0.0.1:8080/health`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--health-url ${JSON.stringify(given)}: the scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))} is not supported; use http or https`);
  if (!url.hostname) throw new UsageError(`--health-url ${JSON.stringify(given)} has no host; give one such as http://127.0.0.1:8080/health`);
  if (url.username || url.password) throw new UsageError(`--health-url ${JSON.stringify(given)}: credentials in the URL would be stored in the crontab and the state file; use an unauthenticated health endpoint`);
  return url.href;
}

function cron(call: ParsedCall, name: 'restart-at' | 'schedule'): string | undefined {
  const given = text(call, name);
  if (given === undefined) return undefined;
  const problem = cronShapeError(given);
  if (problem) throw new UsageError(`--${name} ${JSON.stringify(given)} ${problem}`);
  return given;
}

export interface HealthSettings {
  health?: HealthOptions;
  logRotate?: { maxBytes: number; keep: number };
  cadence?: CadenceRecord;
  /** Added to the program's environment: ENSURE_RUNNING_HEARTBEAT. */
  env: Record<string, string>;
}

/** Reads the health, schedule and log-size options; `cwd` resolves relative paths, `startWindowMs` bounds the grace. */
export function healthSettings(call: ParsedCall, cwd: string, startWindowMs: number): HealthSettings {
  const settings: HealthSettings = { env: {} };
  const beatFile = text(call, 'heartbeat');
  const url = text(call, 'health-url');
  const restartAt = cron(call, 'restart-at');
  const schedule = cron(call, 'schedule');
  const tz = text(call, 'tz');
  for (const [name, needs] of [['heartbeat-timeout', 'heartbeat'], ['heartbeat-grace', 'heartbeat'], ['health-timeout', 'health-url'], ['health-failures', 'health-url'], ['log-keep', 'log-max-size']] as const) {
    if (text(call, name) !== undefined && text(call, needs) === undefined) throw new UsageError(`--${name} needs --${needs}`);
  }
  if (tz !== undefined && restartAt === undefined && schedule === undefined) throw new UsageError('--tz needs --restart-at or --schedule');

  const heartbeat = beatFile === undefined ? null : (() => {
    const file = resolve(cwd, beatFile);
    const timeoutMs = duration(call, 'heartbeat-timeout', DEFAULT_HEARTBEAT_TIMEOUT_MS);
    settings.env.ENSURE_RUNNING_HEARTBEAT = file;
    return { file, timeoutMs, graceMs: Math.max(duration(call, 'heartbeat-grace', timeoutMs), startWindowMs) };
  })();
  const http = url === undefined ? null : (() => {
    const timeoutMs = duration(call, 'health-timeout', DEFAULT_HEALTH_TIMEOUT_MS);
    if (timeoutMs > MAX_HEALTH_TIMEOUT_MS) throw new UsageError(`--health-timeout ${text(call, 'health-timeout')} is too long: a probe runs under the lock and may take at most ${MAX_HEALTH_TIMEOUT_MS / 1000}s`);
    return { url: healthUrl(url), timeoutMs, failures: whole(call, 'health-failures', DEFAULT_HEALTH_FAILURES, 1) };
  })();
  if (heartbeat || http || restartAt) settings.health = { heartbeat, http, restartAt: restartAt === undefined ? null : { text: restartAt, tz: tz ?? null } };

  const size = text(call, 'log-max-size');
  if (size !== undefined) {
    const maxBytes = parseSizeBytes(size);
    if (maxBytes === null || maxBytes < 1024) throw new UsageError(`--log-max-size ${JSON.stringify(size)} is not a size of 1k or more; use bytes or a number with k, M or G (e.g. 10M)`);
    settings.logRotate = { maxBytes, keep: whole(call, 'log-keep', DEFAULT_LOG_KEEP, 0) };
  }

  const interval = text(call, 'interval');
  if (schedule !== undefined || interval !== undefined) {
    settings.cadence = {
      key: JSON.stringify([schedule ?? null, schedule !== undefined ? (tz ?? null) : null, interval ?? null]),
      schedule: schedule ?? null,
      tz: schedule !== undefined ? (tz ?? null) : null,
      periodMs: duration(call, 'interval', DEFAULT_PERIOD_MS),
    };
  }
  return settings;
}
