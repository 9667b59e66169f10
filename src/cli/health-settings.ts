// The health, schedule and log-size options of one program, read through the option table.
// Cron expressions are only shape-checked here; cron-parser checks them lazily
// (src/cli/schedules.ts), so the cron path never loads it for an unchanged line.

import { resolve } from 'node:path';
import type { HealthOptions } from '../core/health.js';
import type { DeclaredCadence } from '../core/program-config.js';
import { OptionError } from './option-kinds.js';
import { MAX_HEALTH_TIMEOUT_MS } from './options.js';
import { checkNeeds, givenValue, optionValue, type GivenValues } from './option-values.js';

export interface HealthSettings {
  health?: HealthOptions;
  logRotate?: { maxBytes: number; keep: number };
  declaredCadence?: DeclaredCadence;
  /** Added to the program's environment: ENSURE_RUNNING_HEARTBEAT. */
  env: Record<string, string>;
}

/** Reads the health, schedule and log-size options; `base` resolves relative paths, `startWindowMs` bounds the grace. */
export function healthSettings(values: GivenValues, base: string, startWindowMs: number): HealthSettings {
  const settings: HealthSettings = { env: {} };
  const restartAt = givenValue(values, 'restart-at');
  const schedule = givenValue(values, 'schedule');
  const tz = givenValue(values, 'tz');
  checkNeeds(values);

  const beatFile = givenValue(values, 'heartbeat');
  const heartbeat = beatFile === undefined ? null : (() => {
    const file = resolve(base, beatFile);
    const timeoutMs = optionValue(values, 'heartbeat-timeout');
    settings.env.ENSURE_RUNNING_HEARTBEAT = file;
    return { file, timeoutMs, graceMs: Math.max(givenValue(values, 'heartbeat-grace') ?? timeoutMs, startWindowMs) };
  })();
  const http = values['health-url'] === undefined ? null : (() => {
    const timeoutMs = optionValue(values, 'health-timeout');
    if (timeoutMs > MAX_HEALTH_TIMEOUT_MS) {
      const given = String(values['health-timeout']);
      const problem = `is too long: a probe runs under the lock and may take at most ${MAX_HEALTH_TIMEOUT_MS / 1000}s`;
      throw new OptionError('health-timeout', given, problem, `--health-timeout ${given} ${problem}`);
    }
    return { url: givenValue(values, 'health-url')!, timeoutMs, failures: optionValue(values, 'health-failures') };
  })();
  if (heartbeat || http || restartAt) settings.health = { heartbeat, http, restartAt: restartAt === undefined ? null : { text: restartAt, tz: tz ?? null } };

  const maxBytes = givenValue(values, 'log-max-size');
  if (maxBytes !== undefined) settings.logRotate = { maxBytes, keep: optionValue(values, 'log-keep') };

  const interval = values.interval;
  if (schedule !== undefined || interval !== undefined) {
    const intervalText = typeof interval === 'string' ? interval : undefined;
    settings.declaredCadence = {
      key: JSON.stringify([schedule ?? null, schedule !== undefined ? (tz ?? null) : null, intervalText ?? null]),
      schedule: schedule ?? null,
      tz: schedule !== undefined ? (tz ?? null) : null,
      intervalMs: optionValue(values, 'interval'),
      intervalText,
    };
  }
  return settings;
}
