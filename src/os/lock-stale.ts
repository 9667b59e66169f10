// The lock's stale period (src/os/lock.ts), a value of its own: calls of every version must agree on it.

/** Every caller must use the same stale period, or one would steal a live lock. */
export const LOCK_STALE_MS = 10_000;
