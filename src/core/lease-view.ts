// The lease part of --status (--lease): the JSON field `lease` and its text rows, from what
// the last check recorded (a status never asks the store: it must answer when the store does not).

import { formatDuration } from './duration.js';
import { hostText, type LeaseRecord } from './lease-record.js';

/** The JSON field `lease` of one program's status. */
export interface LeaseStatus {
  /** The store, without any password, and the lease's name. */
  url: string;
  name: string;
  /** This host's role at its last check: holder, standby, or unknown (the store did not answer). */
  role: LeaseRecord['role'];
  /** The holder's host id and hostname, its fencing token and the lease's expiry, as the store said at `checkedAt`. */
  holder: string | null;
  hostname: string | null;
  token: string | null;
  expiresAt: string | null;
  /** Whole seconds from the status's time to `expiresAt` (0 once past); null when no expiry was seen. */
  leftSeconds: number | null;
  checkedAt: string | null;
  /** The fencing token the copy running here was launched with; null when nothing runs here. */
  programToken: string | null;
  /** Held stopped on every host by --stop on this host id. */
  heldBy: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The lease record as JSON at `now`, or null for a program run without --lease. */
export function leaseStatus(record: LeaseRecord | undefined, running = true, now: number | null = null): LeaseStatus | null {
  if (!record) return null;
  const seen = record.seen;
  const expiresMs = seen && record.seenAtMs !== null ? record.seenAtMs + seen.expiresInMs : null;
  return {
    url: record.url,
    name: record.name,
    role: record.role,
    holder: seen?.holder || null,
    hostname: seen?.hostname || null,
    token: seen?.token ?? null,
    expiresAt: iso(expiresMs),
    leftSeconds: expiresMs !== null && now !== null ? Math.max(0, Math.floor((expiresMs - now) / 1000)) : null,
    checkedAt: iso(record.seenAtMs),
    programToken: running ? (record.ranWith?.token ?? null) : null,
    heldBy: seen?.heldBy ?? null,
  };
}

/** The text rows of the lease, with times shown by `time`. */
export function leaseRows(lease: LeaseStatus | undefined, time: (iso: string | null) => string): [string, string][] {
  if (!lease) return [];
  const holder = lease.holder
    ? `${hostText(lease.holder, lease.hostname ?? '')}, token ${lease.token}, until ${time(lease.expiresAt)} (as seen ${time(lease.checkedAt)})`
    : 'nobody yet';
  const rows: [string, string][] = [
    [
      'lease',
      `${lease.name} at ${lease.url}: ` +
        `${lease.role === 'holder' ? 'held by this host' : lease.role === 'standby' ? 'standby here' : 'store not answering at the last check'}`,
    ],
    ['holder', holder],
  ];
  if (lease.programToken) rows.push(['token', `the program here runs under fencing token ${lease.programToken}`]);
  if (lease.heldBy) rows.push(['held', `stopped on every host by --stop on host ${lease.heldBy}`]);
  return rows;
}

/**
 * The lease columns of the table of every program (ROLE, HOLDER, TOKEN, LEFT), from the same
 * JSON as --status --json, so that zero or two holders across hosts show at a glance.
 */
export function leaseCells(lease: LeaseStatus | undefined): [string, string, string, string] {
  if (!lease) return ['-', '-', '-', '-'];
  const left = lease.leftSeconds === null ? '-' : lease.leftSeconds === 0 ? 'ran out' : formatDuration(lease.leftSeconds * 1000);
  return [lease.role, lease.holder ? hostText(lease.holder, lease.hostname ?? '') : '-', lease.token ?? '-', left];
}
