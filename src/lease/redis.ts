// The lease on one Redis server: SET NX PX to take it and a compare-and-renew step, both in
// one Lua script (atomic on the server), with the expiry kept by the server. The fencing
// token is a counter key that is never deleted. Efficiency-grade only (README): the counter
// is only as durable as the server's persistence, a failover can lose the lease key, and
// Redis counts TTLs on its wall clock.

import { createClient } from 'redis';
import type { LeaseView } from '../core/lease-record.js';
import { passwordFromFile } from './secret.js';
import { boundedLookup } from '../os/host-lookup.js';
import { refusedAtOnce, StoreError, within, type LeaseStore, type StoreTarget } from './store.js';

/** The keys of one lease; the braces keep them in one slot of a cluster. */
function keys(name: string): string[] {
  const base = `ensure-running:lease:{${name}}`;
  return [base, `${base}:token`, `${base}:held`, `${base}:released`, `${base}:last`, `${base}:clash`, `${base}:last-instance`];
}

// KEYS: lease, token counter, held, released, last holder, clash, last holder's machine. ARGV:
// host id, hostname, TTL in ms, the highest token the host has recorded, the machine (hostname
// and boot id). Returns {mine, holder, hostname, token, ms left, held by, the counter found
// below that floor ('' when it was not), the holder's machine, another machine seen under the
// holder's id within a TTL, and when it took the lease: the last holder and its machine}. The same id from another machine renews nothing while the lease lives. A counter below the floor
// (a server restarted without persistence) is raised to it first: tokens never go backwards.
const ACQUIRE = `
local floor = tonumber(ARGV[4]) or 0
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
local raised = ''
if count < floor then
  redis.call('SET', KEYS[2], ARGV[4])
  raised = tostring(count)
end
local held = redis.call('GET', KEYS[3]) or ''
local cur = redis.call('GET', KEYS[1])
if cur then
  local h = cjson.decode(cur)
  local inst = h.instance or ''
  if h.holder == ARGV[1] and (inst == '' or inst == ARGV[5]) then
    h.instance = ARGV[5]
    redis.call('SET', KEYS[1], cjson.encode(h), 'PX', ARGV[3])
    return {1, h.holder, h.hostname, h.token, tonumber(ARGV[3]), held, raised, ARGV[5], redis.call('GET', KEYS[6]) or ''}
  end
  if h.holder == ARGV[1] then redis.call('SET', KEYS[6], ARGV[5], 'PX', ARGV[3]) end
  return {0, h.holder, h.hostname, h.token, redis.call('PTTL', KEYS[1]), held, raised, inst, ''}
end
if redis.call('GET', KEYS[4]) == ARGV[1] then
  return {0, redis.call('GET', KEYS[5]) or '', '', redis.call('GET', KEYS[2]) or '0', 0, held, raised, '', ''}
end
local token = redis.call('GET', KEYS[2])
if not token or raised ~= '' or redis.call('GET', KEYS[5]) ~= ARGV[1] or redis.call('GET', KEYS[7]) ~= ARGV[5] then
  token = tostring(redis.call('INCR', KEYS[2]))
end
local prev, prevInst = redis.call('GET', KEYS[5]) or '', redis.call('GET', KEYS[7]) or ''
redis.call('SET', KEYS[1], cjson.encode({holder = ARGV[1], hostname = ARGV[2], token = token, instance = ARGV[5]}), 'NX', 'PX', ARGV[3])
redis.call('SET', KEYS[5], ARGV[1])
redis.call('SET', KEYS[7], ARGV[5])
redis.call('DEL', KEYS[4])
return {1, ARGV[1], ARGV[2], token, tonumber(ARGV[3]), held, raised, ARGV[5], '', prev, prevInst}`;

// KEYS as above. ARGV: host id, token, TTL in ms. The releaser leaves it to others for one TTL.
const RELEASE = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local h = cjson.decode(cur)
if h.holder ~= ARGV[1] or h.token ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[3])
return 1`;

type Reply = [number, string, string, string, number, string, string, string, string, string?, string?];

const viewOf = (r: Reply): LeaseView => ({
  holder: String(r[1]),
  hostname: String(r[2]),
  token: String(r[3]),
  expiresInMs: Number(r[4]),
  heldBy: r[5] ? String(r[5]) : null,
  instance: r[7] ? String(r[7]) : '',
  clash: r[8] ? String(r[8]) : null,
  // The last holder's machine is "HOSTNAME boot BOOT-ID" (src/lease/host.ts).
  previous: r[9] ? { holder: String(r[9]), hostname: String(r[10] ?? '').replace(/ boot .*$/, '') } : null,
});

/** One line for a Redis or socket error: never the URL's password. */
function classify(error: unknown, shownUrl: string): StoreError {
  if (error instanceof StoreError) return error;
  const message = ((error as Error)?.message ?? String(error)).split('\n')[0]!;
  const refused = /WRONGPASS|NOAUTH|NOPERM|invalid password|ERR AUTH|DB index is out of range/i.test(message);
  const hint = /NOAUTH/.test(message) ? ' (give the password in REDISCLI_AUTH or --lease-password-file FILE)' : '';
  // LOADING: the server is reading its data set after a start; a refused connection: it is not up yet.
  return new StoreError(`${shownUrl}: ${message}${hint}`, refused, !refused && (refusedAtOnce(error) || /^LOADING\b/.test(message)));
}

/** The password when the URL has none: --lease-password-file, else REDISCLI_AUTH (as redis-cli reads it). */
function passwordOf(target: StoreTarget): string | undefined {
  if (new URL(target.url).password !== '') return undefined;
  if (target.passwordFile) return passwordFromFile(target.passwordFile);
  return process.env.REDISCLI_AUTH || undefined;
}

/** Connects to Redis for one check; every call is bounded by the target's timeout. */
export async function openRedis(target: StoreTarget): Promise<LeaseStore> {
  // No reconnection: a check is one short visit, and a lost server is an answer.
  // A password file that cannot be read is the answer of the first call (a refusal, exit 2).
  let password: string | undefined;
  let refusal: unknown = null;
  try {
    password = passwordOf(target);
  } catch (error) {
    refusal = error;
  }
  const client = createClient({
    url: target.url,
    ...(password === undefined ? {} : { password }),
    // The host name looked up within the bound (src/os/host-lookup.ts): a hung resolver never outlives the check.
    // Its own connect timeout a little later than the bound: the bound's line ("no answer within ...") is the one said.
    socket: { connectTimeout: target.timeoutMs + 1000, reconnectStrategy: false, lookup: boundedLookup(target.timeoutMs) },
  });
  client.on('error', () => undefined);
  const abandon = () => {
    try {
      client.destroy();
    } catch {
      // not open yet
    }
  };
  let connected: Promise<unknown> | null = null;
  const bounded = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const once = async () => {
      if (refusal) throw refusal;
      connected ??= client.connect();
      await connected;
      return work();
    };
    try {
      return await within(target.timeoutMs, `${what} at ${target.shownUrl}`, once(), abandon, target.saidTimeoutMs);
    } catch (error) {
      throw classify(error, target.shownUrl);
    }
  };
  return {
    acquireOrRenew: (name, host, ttlMs, floor) =>
      bounded('renew the lease', async () => {
        const reply = (await client.eval(ACQUIRE, {
          keys: keys(name),
          arguments: [host.id, host.hostname, String(Math.max(1, Math.round(ttlMs))), floor, host.instance],
        })) as unknown as Reply;
        return { view: viewOf(reply), mine: Number(reply[0]) === 1, raisedFrom: reply[6] ? String(reply[6]) : null };
      }),
    release: (name, host, token, ttlMs) =>
      bounded(
        'release the lease',
        async () => Number(await client.eval(RELEASE, { keys: keys(name), arguments: [host.id, token, String(Math.max(1, Math.round(ttlMs)))] })) === 1,
      ),
    read: (name) =>
      bounded('read the lease', async () => {
        const [lease, token, held, , last] = keys(name) as [string, string, string, string, string];
        const [cur, count, by, left, lastHolder] = (await client.multi().get(lease).get(token).get(held).pTTL(lease).get(last).exec()) as unknown as [
          string | null,
          string | null,
          string | null,
          number,
          string | null,
        ];
        if (!cur && !count) return null;
        const h = cur
          ? (JSON.parse(cur) as { holder: string; hostname: string; token: string })
          : { holder: lastHolder ?? '', hostname: '', token: count ?? '0' };
        return { holder: h.holder, hostname: h.hostname, token: h.token, expiresInMs: cur ? Number(left) : 0, heldBy: by };
      }),
    hold: (name, by) =>
      bounded('record the hold', async () => {
        const held = keys(name)[2]!;
        if (by === null) await client.del(held);
        else await client.set(held, by);
      }),
    close: async () => {
      if (!connected) return;
      try {
        await within(
          Math.min(target.timeoutMs, 1000),
          'close',
          connected.then(() => client.close()),
          abandon,
        );
      } catch {
        abandon();
      }
    },
  };
}
