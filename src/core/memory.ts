// --max-memory: the resident memory of a program's run (src/os/run-memory.ts) against its
// ceiling, and what the quiet promise may say about it. Pure.

/** The last reading a full check made, on record for --status and the quiet promise. */
export interface MemoryReading {
  bytes: number;
  processes: number;
  atMs: number;
  /** The --max-memory it was judged against. */
  maxBytes: number;
}

/** A program using this share of its ceiling or more gets no promise: every check looks at it. */
export const MEMORY_NEAR_CEILING = 0.8;
/** Below that, a promise lasts at most this long after the reading: memory is looked at again by then. */
export const MEMORY_PROMISE_MS = 5 * 60_000;

/** "612.4 MiB": bytes in binary units, one decimal from KiB on. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Why the run must be restarted for its memory, or null while it is under the ceiling. */
export function memoryProblem(reading: { bytes: number; processes: number }, maxBytes: number): string | null {
  if (reading.bytes <= maxBytes) return null;
  const where = reading.processes === 1 ? '1 process' : `${reading.processes} processes`;
  return `resident memory ${formatBytes(reading.bytes)} in ${where}, above --max-memory ${formatBytes(maxBytes)}`;
}

/**
 * The latest time a quiet promise may last to for a program under --max-memory, or null for
 * no promise: no reading on record, or one near the ceiling.
 */
export function memoryPromiseUntilMs(reading: MemoryReading | undefined, maxBytes: number): number | null {
  if (!reading || reading.bytes >= maxBytes * MEMORY_NEAR_CEILING) return null;
  return reading.atMs + MEMORY_PROMISE_MS;
}

/** Reads a kept reading defensively: anything off is no reading. */
export function parseMemoryReading(raw: unknown): MemoryReading | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  return ok(r.bytes) && ok(r.processes) && ok(r.atMs) && ok(r.maxBytes)
    ? { bytes: r.bytes, processes: r.processes, atMs: r.atMs, maxBytes: r.maxBytes }
    : undefined;
}
