// --lease URL and its options, checked and resolved for one call. The URL may hold a
// password: no message, record or status ever shows it (`withoutPassword`).

import { resolve } from 'node:path';
import { formatDuration } from '../core/duration.js';
import { HOST_ID, type LeaseOptions } from '../core/lease-record.js';
import { UsageError } from '../errors.js';
import { givenValue, optionValue, type GivenValues } from './option-values.js';
const SCHEMES = ['postgres:', 'postgresql:', 'redis:', 'rediss:'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** The URL with its password (and any password parameter) taken out: safe to print and record. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.delete(key);
    return parsed.toString();
  } catch {
    return '(an unreadable URL)';
  }
}

/**
 * The lease options of a call, or undefined without --lease. `intervalMs` and `killAfterMs`
 * are the call's own: the TTL must outlive one interval plus one check's store call and stop,
 * so that a holder that cannot renew has stopped its copy before another host may start one.
 */
export function leaseSettings(values: GivenValues, env: NodeJS.ProcessEnv, intervalMs: number, killAfterMs: number, cwd = '.'): LeaseOptions | undefined {
  const url = givenValue(values, 'lease');
  if (url === undefined) return undefined;
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new UsageError(
      "--lease is not a URL; use postgres://USER@HOST/DATABASE or redis://HOST:PORT (the password from --lease-password-file FILE or the engine's usual places, never the command line)",
    );
  }
  if (!SCHEMES.includes(scheme))
    throw new UsageError(`--lease ${withoutPassword(url)}: unknown scheme ${scheme.replace(/:$/, '')}; use postgres:// (or postgresql://) or redis://`);
  const name = givenValue(values, 'lease-name');
  if (name === undefined) throw new UsageError('--lease needs --lease-name NAME, the same on every host (one lease per program)');
  if (!NAME.test(name))
    throw new UsageError(`--lease-name ${JSON.stringify(name)} must be 1 to 200 letters, digits and . _ : / - (starting with a letter or digit)`);
  const hostId = givenValue(values, 'host-id') ?? env.ENSURE_RUNNING_HOST_ID ?? null;
  if (hostId !== null && !HOST_ID.test(hostId))
    throw new UsageError(
      `--host-id (or ENSURE_RUNNING_HOST_ID) ${JSON.stringify(hostId)} must be 1 to 100 letters, digits and . _ : - (starting with a letter or digit)`,
    );
  const timeoutMs = optionValue(values, 'lease-timeout');
  // Outliving one interval plus a check (its store call and a stop) is the least; the default
  // also tolerates one missed renewal (2.5 intervals with cron's minute).
  const leastMs = intervalMs + timeoutMs + killAfterMs;
  const ttlMs = givenValue(values, 'lease-ttl') ?? Math.max(Math.round(2.5 * intervalMs), leastMs + intervalMs);
  if (ttlMs < leastMs) {
    throw new UsageError(
      `--lease-ttl ${formatDuration(ttlMs)} cannot outlive one interval (${formatDuration(intervalMs)}) plus a check's store call (--lease-timeout ` +
        `${formatDuration(timeoutMs)}) and stop (--kill-after ${formatDuration(killAfterMs)}): give at least ${formatDuration(leastMs)}, or shorten those`,
    );
  }
  const passwordFile = givenValue(values, 'lease-password-file');
  return { url, shownUrl: withoutPassword(url), name, ttlMs, timeoutMs, hostId, passwordFile: passwordFile === undefined ? null : resolve(cwd, passwordFile) };
}
