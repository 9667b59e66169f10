// Cron expressions through cron-parser: validation that names the field at fault, and the
// scheduled times around a moment. Callers import this module lazily (cron-parser pulls in
// luxon, ~50 ms), only when --restart-at or --schedule is used.

import { CronExpressionParser } from 'cron-parser';
import { CRON_FIELDS, cronShapeError, expandAlias } from './cron-text.js';

/** A checked cron expression with its time zone (null: the machine's local zone). */
export interface Cron {
  text: string;
  tz: string | null;
}

function parse(text: string, tz: string | null, currentMs: number) {
  return CronExpressionParser.parse(text, { currentDate: new Date(currentMs), ...(tz ? { tz } : {}) });
}

/**
 * A cron expression or time zone refused. The words name no option: the caller does, as
 * `<option> "<value>"` followed by `said` (which starts with a space or a colon).
 */
export class CronError extends Error {
  constructor(
    readonly part: 'expression' | 'tz',
    readonly value: string,
    readonly said: string,
  ) {
    super(`${JSON.stringify(value)}${said}`);
    this.name = 'CronError';
  }
}

/** Throws a CronError when `tz` is not an IANA time zone. */
export function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new CronError('tz', tz, ' is not a time zone; use an IANA name such as Europe/Paris or UTC (see /usr/share/zoneinfo)');
  }
}

/**
 * Checks `text`: five fields (counted here, since cron-parser pads short expressions), then
 * each field on its own, so that the error names the field at fault.
 */
export function checkCron(text: string, tz: string | null): Cron {
  const refuse = (said: string) => new CronError('expression', text, said);
  const shape = cronShapeError(text);
  if (shape) throw refuse(` ${shape}`);
  if (tz) checkTimeZone(tz);
  const expanded = expandAlias(text);
  const fields = expanded.split(' ');
  for (let i = 0; i < fields.length; i++) {
    const alone = ['*', '*', '*', '*', '*'];
    alone[i] = fields[i]!;
    try {
      parse(alone.join(' '), tz, 0).next();
    } catch (error) {
      throw refuse(`: the ${CRON_FIELDS[i]} field ${JSON.stringify(fields[i])} is invalid (${(error as Error).message}); see man 5 crontab`);
    }
  }
  try {
    parse(expanded, tz, 0).next();
  } catch (error) {
    throw refuse(` never matches (${(error as Error).message}); check the day of month against the month`);
  }
  return { text: expanded, tz };
}

/** The latest scheduled time at or before `nowMs`. */
export function lastAtOrBefore(cron: Cron, nowMs: number): number {
  return parse(cron.text, cron.tz, nowMs + 1)
    .prev()
    .toDate()
    .getTime();
}

/** The first scheduled time strictly after `afterMs`. */
export function nextAfter(cron: Cron, afterMs: number): number {
  return parse(cron.text, cron.tz, afterMs).next().toDate().getTime();
}

/** The shortest gap between the next few scheduled times: the cadence that backoff counts in. */
export function shortestGapMs(cron: Cron, fromMs: number, samples = 8): number {
  const times = parse(cron.text, cron.tz, fromMs);
  let previous = times.next().toDate().getTime();
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < samples; i++) {
    const next = times.next().toDate().getTime();
    shortest = Math.min(shortest, next - previous);
    previous = next;
  }
  return shortest;
}
