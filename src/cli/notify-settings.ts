// --on-change, --notify-url, --ping-url and their bounds, read through the option table.

import type { NotifyOptions } from '../core/program-config.js';
import { OptionError } from './option-kinds.js';
import { givenValue, optionValue, type GivenValues } from './option-values.js';

/** Longest --on-change-timeout: a hook is a notification, not a job. */
const MAX_ON_CHANGE_TIMEOUT_MS = 10 * 60_000;
/** Shortest --ping-every: pinging at every check would make the quiet promise impossible for nothing. */
const MIN_PING_EVERY_MS = 10_000;

/** A duration of the table, refused outside [min, max] with the option named. */
function within(values: GivenValues, name: 'on-change-timeout' | 'ping-every', min: number, max: number): number {
  const ms = optionValue(values, name);
  if (ms < min || ms > max) {
    const given = String(values[name]);
    throw new OptionError(
      name,
      given,
      `must be from ${min >= 1000 ? `${min / 1000}s` : `${min}ms`} to ${max / 60_000 >= 60 ? `${max / 3_600_000}h` : `${max / 60_000}m`}`,
    );
  }
  return ms;
}

/** The notification options of a check, or undefined when none is given (nothing is loaded then). */
export function notifySettings(values: GivenValues): NotifyOptions | undefined {
  const onChange = givenValue(values, 'on-change');
  const notifyUrl = givenValue(values, 'notify-url');
  const pingUrl = givenValue(values, 'ping-url');
  const pingFailUrl = givenValue(values, 'ping-fail-url');
  if (onChange !== undefined && onChange.trim() === '')
    throw new OptionError('on-change', onChange, 'is blank; give a command, as in: --on-change \'mail -s "$ENSURE_RUNNING_MESSAGE" root </dev/null\'');
  if (onChange === undefined && notifyUrl === undefined && pingUrl === undefined) return undefined;
  return {
    ...(onChange !== undefined ? { onChange } : {}),
    ...(notifyUrl !== undefined ? { notifyUrl } : {}),
    ...(pingUrl !== undefined ? { pingUrl } : {}),
    ...(pingFailUrl !== undefined ? { pingFailUrl } : {}),
    timeoutMs: within(values, 'on-change-timeout', 100, MAX_ON_CHANGE_TIMEOUT_MS),
    pingEveryMs: within(values, 'ping-every', MIN_PING_EVERY_MS, 24 * 3_600_000),
  };
}
