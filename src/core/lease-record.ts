// What a program's records keep of its lease (--lease): the store's last answer, this host's
// role, its last successful renewal on the monotonic clock, and the fencing token its
// running copy was launched with. Pure: parsed defensively like the rest of the state file.

import { parseSaid, type Said } from './said-once.js';

/** What the store said of one lease: its holder, token and time left by the store's own clock. */
export interface LeaseView {
  /** The holder's host id; '' when nobody ever held it. */
  holder: string;
  hostname: string;
  /** The fencing token, a decimal integer (a bigint in the store). */
  token: string;
  /** Time left before the store lets another host take it, as the store counted at its answer. */
  expiresInMs: number;
  /** Set by --stop on any host: the host that asked, and the program is held stopped everywhere. */
  heldBy: string | null;
  /** The holder's machine beyond its id: its hostname and boot id ('' from a record of an older version). */
  instance?: string;
  /** Another machine seen renewing under the holder's id within the last TTL (a shared or cloned home), or null. */
  clash?: string | null;
  /** When this call took the lease: who held it last (another host, or this one), as the store had it; never recorded. */
  previous?: { holder: string; hostname: string } | null;
}

/** This host's role as of its last check: holder, standby, or unknown (the store did not answer). */
export type LeaseRole = 'holder' | 'standby' | 'unknown';

export interface LeaseRecord {
  /** The store's URL without any password, and the lease's name: for --status. */
  url: string;
  name: string;
  role: LeaseRole;
  /** The last answer of the store and when it came (wall clock, for --status only). */
  seen: LeaseView | null;
  seenAtMs: number | null;
  /**
   * The last renewal that succeeded, counted from the moment it was asked on the monotonic
   * clock of this boot: the lease is surely ours until monoMs + ttlMs, whatever the wall clock does.
   */
  renewed: { bootId: string; monoMs: number; ttlMs: number } | null;
  /** The fencing token the running copy was launched with, tied to its launch token. */
  ranWith: { launch: string; token: string } | null;
  /** A store error, said once (then once a day) while it lasts. */
  trouble: Said | null;
  /** Two machines under one host id, said once (then once a day) while it lasts. */
  clash?: Said | null;
}

/** A record for a lease never asked yet. */
export function emptyLeaseRecord(url: string, name: string): LeaseRecord {
  return { url, name, role: 'unknown', seen: null, seenAtMs: null, renewed: null, ranWith: null, trouble: null };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const TOKEN = /^(0|[1-9][0-9]{0,18})$/;

function parseView(raw: unknown): LeaseView | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (!isStr(r.holder) || !isStr(r.hostname) || !isStr(r.token) || !TOKEN.test(r.token) || !isNum(r.expiresInMs)) return null;
  return { holder: r.holder, hostname: r.hostname, token: r.token, expiresInMs: r.expiresInMs, heldBy: isStr(r.heldBy) ? r.heldBy : null };
}

/** Reads a recorded lease defensively; anything malformed is no record (the next check asks the store again). */
export function parseLeaseRecord(raw: unknown): LeaseRecord | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  if (!isStr(r.url) || !isStr(r.name)) return null;
  const role: LeaseRole = r.role === 'holder' || r.role === 'standby' ? r.role : 'unknown';
  const renewedRaw = r.renewed as Record<string, unknown> | null | undefined;
  const renewed =
    renewedRaw && isStr(renewedRaw.bootId) && isNum(renewedRaw.monoMs) && isNum(renewedRaw.ttlMs)
      ? { bootId: renewedRaw.bootId, monoMs: renewedRaw.monoMs, ttlMs: renewedRaw.ttlMs }
      : null;
  const ranRaw = r.ranWith as Record<string, unknown> | null | undefined;
  const ranWith = ranRaw && isStr(ranRaw.launch) && isStr(ranRaw.token) && TOKEN.test(ranRaw.token) ? { launch: ranRaw.launch, token: ranRaw.token } : null;
  return {
    url: r.url,
    name: r.name,
    role,
    seen: parseView(r.seen),
    seenAtMs: isNum(r.seenAtMs) ? r.seenAtMs : null,
    renewed,
    ranWith,
    trouble: parseSaid(r.trouble),
    ...(parseSaid(r.clash) ? { clash: parseSaid(r.clash) } : {}),
  };
}

/** What a host id may be (--host-id, ENSURE_RUNNING_HOST_ID, the id kept in ENSURE_RUNNING_HOME). */
export const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** A host as people read it: its id and, when known, its hostname. */
export function hostText(id: string, hostname: string): string {
  return hostname && hostname !== id ? `host ${id} (${hostname})` : `host ${id}`;
}

/**
 * The variables a lease store's password may come from (src/lease/secret.ts): never passed on
 * to the program, which may run as another user (--user) who can read /proc/PID/environ.
 */
export const LEASE_SECRET_VARS = ['PGPASSWORD', 'REDISCLI_AUTH'] as const;

/** The caller's environment without the lease's secrets, for the program of a check under --lease. */
export function withoutLeaseSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = { ...env };
  for (const name of LEASE_SECRET_VARS) delete kept[name];
  return kept;
}

/** --lease and its options, as resolved for one call (src/cli/lease-settings.ts). */
export interface LeaseOptions {
  /** The URL as given: it may hold a password, so it is never printed. */
  url: string;
  /** The same URL without any password: what lines, --status and the records show. */
  shownUrl: string;
  name: string;
  ttlMs: number;
  timeoutMs: number;
  /** --host-id or ENSURE_RUNNING_HOST_ID; null: the id kept in ENSURE_RUNNING_HOME. */
  hostId: string | null;
  /** --lease-password-file, absolute; null: the engine's usual places (src/lease/secret.ts). */
  passwordFile?: string | null;
}
