// Checks --restart-at and --schedule with cron-parser (loaded here, lazily) and fixes the
// cadence: the period backoff counts in is the schedule's, and --interval must agree with it.

import { formatDuration } from '../core/duration.js';
import { UsageError } from '../errors.js';
import type { ProgramConfig, ProgramSettings } from '../core/program-config.js';
import { CronError, checkCron, shortestGapMs, type Cron } from '../core/schedule.js';
import { OptionError } from './option-kinds.js';

/** Checks the cron expression of `--option` (and --tz); a refusal names the option, the value and the field. */
export function checkCronOption(option: 'restart-at' | 'schedule', text: string, tz: string | null): Cron {
  try {
    return checkCron(text, tz);
  } catch (error) {
    if (!(error instanceof CronError)) throw error;
    const name = error.part === 'tz' ? 'tz' : option;
    throw new OptionError(name, error.value, error.said.replace(/^:? /, ''), `--${name} ${error.message}`);
  }
}

/** Validates the cron options (exit 2 naming the option and the field) and derives the period from --schedule. */
export async function resolveSchedules({ declaredCadence: declared, ...settings }: ProgramSettings, now: number): Promise<ProgramConfig> {
  const restartAt = settings.health?.restartAt;
  if (restartAt) checkCronOption('restart-at', restartAt.text, restartAt.tz);
  if (!declared) return settings;
  const { key, schedule, tz, intervalMs, intervalText } = declared;
  if (!schedule) return { ...settings, cadence: { key, schedule, tz, periodMs: intervalMs } };
  const cron = checkCronOption('schedule', schedule, tz);
  const periodMs = shortestGapMs(cron, now);
  if (intervalText !== undefined && periodMs !== intervalMs) {
    throw new UsageError(
      `--interval ${intervalText} and --schedule ${JSON.stringify(schedule)} (every ${formatDuration(periodMs)} ` +
        `at its shortest) disagree; give only --schedule, or an --interval that matches it`,
    );
  }
  return { ...settings, cadence: { key, schedule, tz, periodMs }, policy: { ...settings.policy, periodMs: Math.max(periodMs, 1000) } };
}
