// The lease store behind --lease: the engine for a URL's scheme (postgres.ts, redis.ts), each
// loaded by dynamic import only when --lease is given. What an engine implements is in store.ts.

import type { LeaseStore, StoreTarget } from './store.js';
export type { LeaseOptions } from '../core/lease-record.js';
export { StoreError, type LeaseHost, type LeaseStore, type StoreTarget } from './store.js';

/** The engine for a URL's scheme; its module (and its client library) is loaded only now. */
export async function loadEngine(target: Pick<StoreTarget, 'url'>): Promise<(target: StoreTarget) => Promise<LeaseStore>> {
  const scheme = new URL(target.url).protocol;
  if (scheme === 'redis:' || scheme === 'rediss:') return (await import('./redis.js')).openRedis;
  return (await import('./postgres.js')).openPostgres;
}

/** Opens the store for a URL's scheme. */
export async function openStore(target: StoreTarget): Promise<LeaseStore> {
  return (await loadEngine(target))(target);
}
