// What a lease engine implements (postgres.ts, redis.ts): a small interface, its errors and
// the bound of one call. Every engine keeps the expiry by its own clock and a fencing token
// that grows at each change of holder only.

import type { LeaseView } from '../core/lease-record.js';
import { formatDuration } from '../core/duration.js';

/** Who asks: this host's id (kept in ENSURE_RUNNING_HOME unless given), hostname for people, and machine (hostname and boot id). */
export interface LeaseHost {
  id: string;
  hostname: string;
  /** What tells two machines (or two boots) under one id apart: recorded with the lease, never given by the user. */
  instance: string;
}

/** One engine's connection for one check; every call is bounded by the engine's timeout. */
export interface LeaseStore {
  /**
   * Takes the lease if it is free (or ran out), renews it if it is ours; one store call. The
   * token counter is first raised to `floor` (the highest token this host has recorded, '0'
   * when none) so that tokens never go backwards; `raisedFrom` is the counter found below it.
   */
  acquireOrRenew(name: string, host: LeaseHost, ttlMs: number, floor: string): Promise<{ view: LeaseView; mine: boolean; raisedFrom: string | null }>;
  /** Lets the lease run out now if `host` holds it under `token`; `host` itself may take it again only after `ttlMs`. */
  release(name: string, host: LeaseHost, token: string, ttlMs: number): Promise<boolean>;
  /** The lease as the store has it, without taking it; null when no host ever asked for it. */
  read(name: string): Promise<LeaseView | null>;
  /** Holds the program stopped on every host (`by`: the host that asked), or clears that (null). */
  hold(name: string, by: string | null): Promise<void>;
  /** Closes the connection, bounded: a hung store never keeps the check alive. */
  close(): Promise<void>;
}

/**
 * A store error, classified: `config` when the store refused us (exit 2), else an outage (exit
 * 1). `restarting`: the connection was refused at once, or the server said it is starting up:
 * a store that restarts, worth a quick retry within --lease-timeout.
 */
export class StoreError extends Error {
  readonly config: boolean;
  readonly restarting: boolean;
  constructor(message: string, config: boolean, restarting = false) {
    super(message);
    this.name = 'StoreError';
    this.config = config;
    this.restarting = restarting;
  }
}

/** Whether a socket error is a connection refused at once (every address refused, when there were several). */
export function refusedAtOnce(error: unknown): boolean {
  const e = error as { code?: string; errors?: unknown[] } | null;
  if (e?.code === 'ECONNREFUSED') return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every((inner) => (inner as { code?: string })?.code === 'ECONNREFUSED');
}

/** How an engine is reached: the URL (never printed), the same URL without password, the bound of one call. */
export interface StoreTarget {
  url: string;
  shownUrl: string;
  timeoutMs: number;
  /**
   * The bound the operator set (--lease-timeout), said when a call runs out: a call after a
   * refused try gets only what is left of it (`timeoutMs`), which is not the figure to name.
   */
  saidTimeoutMs?: number;
  /** --lease-password-file, absolute; null or absent: the engine's usual places. */
  passwordFile?: string | null;
}

/**
 * Runs `work` within `ms`; on expiry rejects with an outage error (naming `saidMs`, the bound
 * set for the whole request) and calls `abandon` (which must free its sockets).
 */
export async function within<T>(ms: number, what: string, work: Promise<T>, abandon: () => void, saidMs = ms): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      abandon();
      fail(new StoreError(`no answer within ${formatDuration(saidMs)} to ${what}`, false));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
