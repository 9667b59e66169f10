// Durations on the command line: "10s", "1.5m", "2h", "500ms", "1d"; a bare number is seconds.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest wait a timer can hold (about 24.8 days); longer durations are refused. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** Parses a duration into milliseconds, or returns null when the text is not one (or is longer than MAX_DURATION_MS). */
export function parseDurationMs(text: string): number | null {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const value = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
  return Number.isFinite(value) && value <= MAX_DURATION_MS ? value : null;
}

/** Formats milliseconds for people: "45s", "3m 12s", "2h 5m", "3d 4h". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${minutes}m`;
  if (minutes) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

/** Parses a byte size: "10M", "512k", "1G", or a bare number of bytes. */
export function parseSizeBytes(text: string): number | null {
  const match = /^([0-9]+(?:\.[0-9]+)?)([kKmMgG]?)[bB]?$/.exec(text.trim());
  if (!match) return null;
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase()]!;
  return Math.round(Number(match[1]) * scale);
}
