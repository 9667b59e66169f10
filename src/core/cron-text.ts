// Checks the shape of a cron expression without loading cron-parser: the field count and
// the aliases, because cron-parser pads short expressions silently ("5" would mean Fridays).

/** The five fields of a crontab time, in order, for messages. */
export const CRON_FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

/** The @aliases crontab(5) and cron-parser both understand; @reboot has no next time. */
const ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Returns why `text` is not a five-field cron expression (or a known @alias), or null when its shape is right. */
export function cronShapeError(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return 'is empty; give five fields: minute hour day-of-month month day-of-week (e.g. "0 3 * * *")';
  if (trimmed.startsWith('@')) {
    if (trimmed === '@reboot') return 'uses @reboot, which has no next time; use a time such as "0 3 * * *"';
    if (!ALIASES.includes(trimmed)) return `uses an unknown alias ${trimmed}; use one of ${ALIASES.join(', ')} or five fields`;
    return null;
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    const seen = fields.length < 5 ? `only ${fields.length}` : `${fields.length}`;
    const missing =
      fields.length < 5
        ? `; the ${CRON_FIELDS.slice(fields.length).join(', ')} field${5 - fields.length === 1 ? ' is' : 's are'} missing`
        : '; seconds are not supported';
    return `has ${seen} field${fields.length === 1 ? '' : 's'}, not 5 (minute hour day-of-month month day-of-week)${missing}`;
  }
  return null;
}

/** The crontab aliases as five fields, so that a line can always be printed with explicit fields. */
export function expandAlias(text: string): string {
  const map: Record<string, string> = {
    '@yearly': '0 0 1 1 *',
    '@annually': '0 0 1 1 *',
    '@monthly': '0 0 1 * *',
    '@weekly': '0 0 * * 0',
    '@daily': '0 0 * * *',
    '@midnight': '0 0 * * *',
    '@hourly': '0 * * * *',
  };
  return map[text.trim()] ?? text.trim().split(/\s+/).join(' ');
}
