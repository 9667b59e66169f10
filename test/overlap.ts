// The copies of a program as the shared file of test/fixtures/overlap.js records them, and the
// overlap measured from those records: the time during which two or more copies ran at once.

import { existsSync, readFileSync } from 'node:fs';

/** One copy: when it started and stopped (ms on the machine's monotonic clock; null: still running or killed). */
export interface Copy {
  pid: number;
  host: string;
  hostname: string;
  token: string;
  startMs: number;
  stopMs: number | null;
}

/** The copies the file records, in the order they started. */
export function recordedCopies(file: string): Copy[] {
  if (!existsSync(file)) return [];
  const copies = new Map<number, Copy>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [ms, pid, host, hostname, token, event] = line.split(' ') as [string, string, string, string, string, string];
    if (event === 'start') copies.set(Number(pid), { pid: Number(pid), host, hostname, token, startMs: Number(ms), stopMs: null });
    else if (event === 'stop') {
      const copy = copies.get(Number(pid));
      if (copy) copy.stopMs = Number(ms);
    }
  }
  return [...copies.values()].sort((a, b) => a.startMs - b.startMs);
}

/** The machine's monotonic clock in ms, as the fixture writes it. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/**
 * The overlap of the copies: the time (ms) two or more ran at once, and the most that ran at
 * once; a copy with no stop counts as running until `nowMs` (a copy killed without a word is
 * taken as running to the end: the measure never flatters).
 */
export function overlap(copies: Copy[], nowMs = monotonicMs()): { ms: number; most: number } {
  const events = copies.flatMap((copy) => [
    { at: copy.startMs, step: 1 },
    { at: copy.stopMs ?? nowMs, step: -1 },
  ]);
  // At one instant, a stop before a start: a copy that stopped when another started did not overlap it.
  events.sort((a, b) => a.at - b.at || a.step - b.step);
  let running = 0;
  let most = 0;
  let ms = 0;
  let since = 0;
  for (const event of events) {
    if (running >= 2) ms += event.at - since;
    running += event.step;
    most = Math.max(most, running);
    since = event.at;
  }
  return { ms, most };
}
