// The lease on PostgreSQL: one row per lease in ensure_running_lease, acquired or renewed by
// one upsert whose expiry comes from the server's clock_timestamp(), never from a host's
// clock. The bigint token grows in the same statement when the holder changes, and only
// then; the row is never deleted (that would restart the token).

import { Socket } from 'node:net';
import pg from 'pg';
import { boundedLookup } from '../os/host-lookup.js';
import type { LeaseView } from '../core/lease-record.js';
import { passwordFromFile, pgpassPassword } from './secret.js';
import { refusedAtOnce, StoreError, within, type LeaseHost, type LeaseStore, type StoreTarget } from './store.js';

const TABLE = 'ensure_running_lease';

const CREATE = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  name text PRIMARY KEY,
  holder text NOT NULL,
  hostname text NOT NULL,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  released boolean NOT NULL DEFAULT false,
  held_by text,
  instance text NOT NULL DEFAULT '',
  clash text,
  clash_until timestamptz
)`;

// A table made by an older version: the columns that tell two machines under one host id apart.
const UPGRADE = `ALTER TABLE ${TABLE} ADD COLUMN IF NOT EXISTS instance text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS clash text, ADD COLUMN IF NOT EXISTS clash_until timestamptz`;

const VIEW = `holder, hostname, token::text AS token, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS expires_in_ms, held_by,
  instance, CASE WHEN clash_until > clock_timestamp() THEN clash END AS clash`;

// Taken when it is ours and running, or when it ran out; a host that released it takes it
// back only after a whole TTL (so that --release hands over). Zero rows from `up`: another
// host holds it, and the second half reads its row in the same statement.
// $5: the highest token this host has recorded; a token below it (a restored database) is raised past it.
// $6: the machine (hostname and boot id): the same id from another machine renews nothing while the lease lives.
const ACQUIRE = `WITH old AS (SELECT token, holder, hostname FROM ${TABLE} WHERE name = $1), up AS (
  INSERT INTO ${TABLE} AS l (name, holder, hostname, token, expires_at, instance)
  VALUES ($1, $2, $3, $5::bigint + 1, clock_timestamp() + make_interval(secs => $4::float8 / 1000), $6)
  ON CONFLICT (name) DO UPDATE
    SET holder = EXCLUDED.holder, hostname = EXCLUDED.hostname, released = false, instance = EXCLUDED.instance,
        expires_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000),
        token = CASE WHEN l.holder = EXCLUDED.holder AND l.instance IN (EXCLUDED.instance, '') AND l.token >= $5::bigint
                     THEN l.token ELSE greatest(l.token, $5::bigint) + 1 END
    WHERE (l.holder = EXCLUDED.holder AND l.instance IN (EXCLUDED.instance, '') AND l.expires_at > clock_timestamp())
       OR (l.expires_at <= clock_timestamp()
           AND NOT (l.released AND l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp() - make_interval(secs => $4::float8 / 1000)))
  RETURNING ${VIEW}
)
SELECT *, true AS mine, (SELECT token::text FROM old WHERE token < $5::bigint) AS raised_from,
  (SELECT holder FROM old) AS prev_holder, (SELECT hostname FROM old) AS prev_hostname FROM up
UNION ALL
SELECT ${VIEW}, false AS mine, NULL AS raised_from, NULL AS prev_holder, NULL AS prev_hostname
  FROM ${TABLE} WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM up)`;

const READ = `SELECT ${VIEW} FROM ${TABLE} WHERE name = $1`;
// Another machine under the holder's id: put on the row for one TTL, so that the holder says it too.
const CLASH = `UPDATE ${TABLE} SET clash = $3, clash_until = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
  WHERE name = $1 AND holder = $2 AND instance NOT IN ($3, '')`;
const RELEASE = `UPDATE ${TABLE} SET expires_at = clock_timestamp(), released = true
  WHERE name = $1 AND holder = $2 AND token = $3::bigint AND expires_at > clock_timestamp()`;
const HOLD = `INSERT INTO ${TABLE} (name, holder, hostname, token, expires_at, held_by) VALUES ($1, '', '', 0, clock_timestamp(), $2)
  ON CONFLICT (name) DO UPDATE SET held_by = EXCLUDED.held_by`;

interface Row {
  holder: string;
  hostname: string;
  token: string;
  expires_in_ms: number;
  held_by: string | null;
  instance?: string | null;
  clash?: string | null;
  mine?: boolean;
  raised_from?: string | null;
  prev_holder?: string | null;
  prev_hostname?: string | null;
}

const viewOf = (row: Row): LeaseView => ({
  holder: row.holder,
  hostname: row.hostname,
  token: row.token,
  expiresInMs: Math.round(row.expires_in_ms),
  heldBy: row.held_by,
  instance: row.instance ?? '',
  clash: row.clash ?? null,
  previous: row.prev_holder ? { holder: row.prev_holder, hostname: row.prev_hostname ?? '' } : null,
});

// SQLSTATE classes that mean "the store refused us": fix the URL, password, database or grants.
const REFUSED = ['28000', '28P01', '3D000', '42501', '3F000'];

/** One line for a pg or socket error: never the URL or a password, always what to look at. */
function classify(error: unknown, shownUrl: string): StoreError {
  if (error instanceof StoreError) return error;
  const e = error as { code?: string; message?: string };
  const message = (e.message ?? String(error)).split('\n')[0]!;
  if (e.code && REFUSED.includes(e.code)) return new StoreError(`${shownUrl}: ${message}`, true);
  if (/password must be a string|SASL|no pg_hba\.conf entry/i.test(message))
    return new StoreError(`${shownUrl}: ${message} (give the password in ~/.pgpass, the file PGPASSFILE names, or --lease-password-file FILE)`, true);
  // 57P03: the database system is starting up (or shutting down): a restart, as a refused connection is.
  const restarting = refusedAtOnce(error) || e.code === '57P03';
  return new StoreError(`${shownUrl}: ${e.code && !message.includes(e.code) ? `${e.code} ` : ''}${message}`, false, restarting);
}

/** sslmode as libpq means it (require: encrypted, verify-ca/verify-full: checked), without pg's warning that its own reading differs. */
function libpqSsl(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('sslmode') || parsed.searchParams.has('uselibpqcompat')) return url;
  parsed.searchParams.set('uselibpqcompat', 'true');
  return parsed.toString();
}

/**
 * The password, asked for only when the server wants one: the URL's, else --lease-password-file,
 * else PGPASSWORD (pg reads it), else the pgpass file, read here (src/lease/secret.ts) so that
 * pg's deprecated reading of it never runs.
 */
function givePassword(client: pg.Client, target: StoreTarget): void {
  const own = client as unknown as { password: unknown };
  if (new URL(target.url).password !== '') return;
  const file = target.passwordFile;
  if (file) {
    own.password = async () => passwordFromFile(file);
    return;
  }
  if (typeof own.password === 'string' && own.password !== '') return;
  own.password = async (params: { host?: string; port?: number; database?: string; user?: string }) => {
    const user = params.user ?? '';
    return pgpassPassword(process.env, { host: params.host ?? '', port: String(params.port ?? 5432), database: params.database || user, user });
  };
}

/** pg's socket, whose host name is looked up within the bound (src/os/host-lookup.ts): a hung resolver never outlives the check. */
function boundedSocket(timeoutMs: number): () => Socket {
  return () => {
    const socket = new Socket();
    const connect = socket.connect.bind(socket) as (...args: unknown[]) => Socket;
    // pg calls connect(port, host), or connect(path) for a unix socket.
    (socket as unknown as { connect: (...args: unknown[]) => Socket }).connect = (port: unknown, host?: unknown) =>
      typeof host === 'string' ? connect({ port: Number(port), host, lookup: boundedLookup(timeoutMs) }) : connect(port);
    return socket;
  };
}

/** Connects to PostgreSQL for one check; every call is bounded by the target's timeout. */
export async function openPostgres(target: StoreTarget): Promise<LeaseStore> {
  // No timeouts of pg's own: one bound (`within`) covers the connection and the statement together.
  const client = new pg.Client({ connectionString: libpqSsl(target.url), application_name: 'ensure-running', stream: boundedSocket(target.timeoutMs) });
  givePassword(client, target);
  // Errors after a query settled (the server went away) are reported by the next call, not thrown.
  client.on('error', () => undefined);
  const abandon = () => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  let connected: Promise<unknown> | null = null;
  const bounded = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const once = async () => {
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
  const query = async (sql: string, values: unknown[]): Promise<Row[]> => {
    try {
      return (await client.query<Row>(sql, values)).rows;
    } catch (error) {
      // A table of an older version gets its new columns, once.
      if ((error as { code?: string }).code === '42703') {
        await client.query(UPGRADE);
        return (await client.query<Row>(sql, values)).rows;
      }
      // The table is made on first use, by the first host that needs it.
      if ((error as { code?: string }).code !== '42P01') throw error;
      // Two hosts creating it at once: the loser's duplicate is fine. PostgreSQL names it by
      // what collided: a key of its catalog (23505), the table (42P07) or its row type (42710).
      await client.query(CREATE).catch((created: { code?: string }) => {
        if (created.code !== '23505' && created.code !== '42P07' && created.code !== '42710') throw created;
      });
      return (await client.query<Row>(sql, values)).rows;
    }
  };
  return {
    acquireOrRenew: (name, host, ttlMs, floor) =>
      bounded('renew the lease', async () => {
        let rows = await query(ACQUIRE, [name, host.id, host.hostname, ttlMs, floor, host.instance]);
        // A row inserted by another host after this statement's snapshot: read it now.
        if (rows.length === 0) rows = await query(READ, [name]);
        const row = rows[0];
        if (!row) throw new StoreError(`${target.shownUrl}: lease ${name} has no row after an upsert`, false);
        if (row.mine !== true && row.holder === host.id && row.instance && row.instance !== host.instance)
          await query(CLASH, [name, host.id, host.instance, ttlMs]);
        return { view: viewOf(row), mine: row.mine === true, raisedFrom: row.raised_from ?? null };
      }),
    release: (name: string, host: LeaseHost, token: string) =>
      bounded('release the lease', async () => (await client.query(RELEASE, [name, host.id, token])).rowCount === 1),
    read: (name) =>
      bounded('read the lease', async () => {
        const rows = await query(READ, [name]);
        return rows[0] ? viewOf(rows[0]) : null;
      }),
    hold: (name, by) => bounded('record the hold', async () => void (await query(HOLD, [name, by]))),
    close: async () => {
      if (!connected) return;
      try {
        // A connection that never came up has nothing to end: its socket is simply dropped.
        await within(
          Math.min(target.timeoutMs, 1000),
          'close',
          connected.then(() => client.end()),
          abandon,
        );
      } catch {
        abandon();
      }
    },
  };
}
