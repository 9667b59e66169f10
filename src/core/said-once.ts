// "Said once, then once a day": the rule for a complaint that does not change from one check
// to the next (cron mails every line), as data so that any record can keep it.

/** How often a complaint that does not change is said again; in between, checks stay quiet. */
export const REPEAT_COMPLAINT_MS = 24 * 3_600_000;

/** A complaint on record: its text and when it was last said. */
export interface Said {
  text: string;
  announcedMs: number;
}

/** Whether to say `text` now, and the record to keep: said the first time, when it changes, and once a day. */
export function sayOnce(before: Said | null | undefined, text: string, now: number): { said: Said; say: boolean } {
  const same = !!before && before.text === text;
  const say = !same || now - before.announcedMs >= REPEAT_COMPLAINT_MS || now < before.announcedMs;
  return { said: { text, announcedMs: say ? now : before!.announcedMs }, say };
}

/** Reads a kept complaint defensively (a hand-edited file falls back to "never said"). */
export function parseSaid(raw: unknown): Said | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  return typeof r.text === 'string' && typeof r.announcedMs === 'number' && Number.isFinite(r.announcedMs)
    ? { text: r.text, announcedMs: r.announcedMs }
    : null;
}
