// Times in report lines and JSON: ISO for machines, the local date and time for people.

/** ISO 8601 in UTC, or null for no time. */
export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

const two = (n: number) => String(n).padStart(2, '0');

/** Local HH:MM:SS. */
export function localClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Local YYYY-MM-DD HH:MM:SS. */
export function localDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${localClock(ms)}`;
}

/** An ISO time from a record shown as local date and time; "-" for none. */
export function localFromIso(isoText: string | null): string {
  return isoText ? localDateTime(new Date(isoText).getTime()) : '-';
}

/** Clock time for report lines: local HH:MM:SS, with the date when it is not within a day of `now`. */
export function clock(ms: number, now: number): string {
  return Math.abs(ms - now) < 20 * 3_600_000 ? localClock(ms) : localDateTime(ms);
}
