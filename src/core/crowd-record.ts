// The record a crowd of deaths keeps in the state file (src/core/crowd.ts decides with it).

/** The trouble that ended a run after its start window. */
export type Trouble = 'died' | 'hung' | 'unhealthy' | 'memory';

const TROUBLES: readonly string[] = ['died', 'hung', 'unhealthy', 'memory'];

/** A crowd on record: since when, when it was last said, for what, and how many troubles since it began. */
export interface CrowdRecord {
  sinceMs: number;
  announcedMs: number;
  trouble: Trouble;
  /** Deaths and restarts since `sinceMs`, the first crowded ones included. */
  count: number;
  /** The launch that follows a death said (or kept quiet) by the crowd rule does not say "started". */
  quietLaunch: boolean;
}

/** Reads a kept crowd defensively: anything off is no crowd (the next death starts one afresh). */
export function parseCrowd(raw: unknown): CrowdRecord | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!num(r.sinceMs) || !num(r.announcedMs) || !num(r.count) || typeof r.trouble !== 'string' || !TROUBLES.includes(r.trouble)) return undefined;
  return {
    sinceMs: r.sinceMs,
    announcedMs: r.announcedMs,
    trouble: r.trouble as Trouble,
    count: Math.max(0, Math.floor(r.count)),
    quietLaunch: r.quietLaunch === true,
  };
}
