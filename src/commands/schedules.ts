// Checks --restart-at and --schedule with cron-parser (loaded here, lazily) and makes
// --schedule and --interval agree: the period backoff counts in is the schedule's.

import { formatDuration } from '../core/duration.js';
import { UsageError } from '../errors.js';
import type { ProgramConfig } from './config.js';

/** True when the configuration uses a cron expression, so cron-parser must be loaded. */
export function usesCron(config: ProgramConfig): boolean {
  return Boolean(config.health?.restartAt || config.cadence?.schedule);
}

/** Validates the cron options (exit 2 naming the option and the field) and derives the period from --schedule. */
export async function resolveSchedules(config: ProgramConfig, intervalGiven: string | undefined, now: number): Promise<ProgramConfig> {
  if (!usesCron(config)) return config;
  const { checkCron, shortestGapMs } = await import('../core/schedule.js');
  const restartAt = config.health?.restartAt;
  if (restartAt) checkCron('restart-at', restartAt.text, restartAt.tz);
  const cadence = config.cadence;
  if (!cadence?.schedule) return config;
  const cron = checkCron('schedule', cadence.schedule, cadence.tz);
  const periodMs = shortestGapMs(cron, now);
  if (intervalGiven !== undefined && periodMs !== cadence.periodMs) {
    throw new UsageError(
      `--interval ${intervalGiven} and --schedule ${JSON.stringify(cadence.schedule)} (every ${formatDuration(periodMs)} at its shortest) disagree; give only --schedule, or an --interval that matches it`,
    );
  }
  return { ...config, cadence: { ...cadence, periodMs }, policy: { ...config.policy, periodMs: Math.max(periodMs, 1000) } };
}
