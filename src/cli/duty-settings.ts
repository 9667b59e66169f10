// The options of a check's duties beyond liveness, read through the option table: health
// (heartbeat, HTTP probe, planned restart), log rotation, and the declared cadence of cron's
// calls. Cron expressions are only shape-checked here; cron-parser checks them lazily
// (src/cli/schedules.ts), so the cron path never loads it for an unchanged line.

import { resolve } from 'node:path';
import type { HealthOptions } from '../core/health.js';
import type { DeclaredCadence } from '../core/program-config.js';
import { OptionError } from './option-kinds.js';
import { MAX_HEALTH_TIMEOUT_MS } from './options.js';
import { checkNeeds, givenValue, optionValue, type GivenValues } from './option-values.js';

export interface DutySettings {
  health?: HealthOptions;
  logRotate?: { maxBytes: number; keep: number };
  declaredCadence?: DeclaredCadence;
  /** Added to the program's environment: ENSURE_RUNNING_HEARTBEAT. */
  env: Record<string, string>;
}

/** --heartbeat, --health-url and --restart-at; `base` resolves the heartbeat file, `startWindowMs` bounds the grace. */
function healthOptions(values: GivenValues, base: string, startWindowMs: number, env: Record<string, string>): HealthOptions | undefined {
  const restartAt = givenValue(values, 'restart-at');
  const beatFile = givenValue(values, 'heartbeat');
  const heartbeat =
    beatFile === undefined
      ? null
      : (() => {
          const file = resolve(base, beatFile);
          const timeoutMs = optionValue(values, 'heartbeat-timeout');
          env.ENSURE_RUNNING_HEARTBEAT = file;
          return { file, timeoutMs, graceMs: Math.max(givenValue(values, 'heartbeat-grace') ?? timeoutMs, startWindowMs) };
        })();
  const http =
    values['health-url'] === undefined
      ? null
      : (() => {
          const timeoutMs = optionValue(values, 'health-timeout');
          if (timeoutMs > MAX_HEALTH_TIMEOUT_MS) {
            const given = String(values['health-timeout']);
            const problem = `is too long: a probe runs under the lock and may take at most ${MAX_HEALTH_TIMEOUT_MS / 1000}s`;
            throw new OptionError('health-timeout', given, problem, `--health-timeout ${given} ${problem}`);
          }
          return { url: givenValue(values, 'health-url')!, timeoutMs, failures: optionValue(values, 'health-failures') };
        })();
  if (!heartbeat && !http && !restartAt) return undefined;
  return { heartbeat, http, restartAt: restartAt === undefined ? null : { text: restartAt, tz: givenValue(values, 'tz') ?? null } };
}

/** --log-max-size and --log-keep. */
function logRotation(values: GivenValues): DutySettings['logRotate'] {
  const maxBytes = givenValue(values, 'log-max-size');
  return maxBytes === undefined ? undefined : { maxBytes, keep: optionValue(values, 'log-keep') };
}

/** --schedule (with --tz) and --interval, as declared: the period is final once --schedule is read. */
function declaredCadence(values: GivenValues): DeclaredCadence | undefined {
  const schedule = givenValue(values, 'schedule');
  const interval = values.interval;
  if (schedule === undefined && interval === undefined) return undefined;
  const tz = schedule !== undefined ? (givenValue(values, 'tz') ?? null) : null;
  const intervalText = typeof interval === 'string' ? interval : undefined;
  return {
    key: JSON.stringify([schedule ?? null, tz, intervalText ?? null]),
    schedule: schedule ?? null,
    tz,
    intervalMs: optionValue(values, 'interval'),
    intervalText,
  };
}

/** Reads the duty options of one program; `base` resolves relative paths, `startWindowMs` bounds the heartbeat grace. */
export function dutySettings(values: GivenValues, base: string, startWindowMs: number): DutySettings {
  // Checked first, in this order, as they always were: the cron shapes, then what needs what.
  givenValue(values, 'restart-at');
  givenValue(values, 'schedule');
  checkNeeds(values);
  const settings: DutySettings = { env: {} };
  const health = healthOptions(values, base, startWindowMs, settings.env);
  if (health) settings.health = health;
  const logRotate = logRotation(values);
  if (logRotate) settings.logRotate = logRotate;
  const cadence = declaredCadence(values);
  if (cadence) settings.declaredCadence = cadence;
  return settings;
}
