// The lock's stale period, apart from the lock module so the healthy path can read it without loading proper-lockfile.

/** Every caller must use the same stale period, or one would steal a live lock. */
export const LOCK_STALE_MS = 10_000;
