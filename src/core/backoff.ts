// How long a program backs off: one period after its first trouble, doubling with each
// one more, capped by --backoff-max. Shared by failed starts (src/core/policy.ts) and
// crowded deaths (src/core/crowd.ts).

/** Delay before the next launch after `level` troubles: one period, doubling, capped. */
export function backoffDelayMs(policy: { periodMs: number; backoffMaxMs: number }, level: number): number {
  const doubled = policy.periodMs * 2 ** Math.max(0, Math.min(level, 30));
  return Math.min(policy.backoffMaxMs, doubled);
}
