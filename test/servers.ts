// Private store servers for the lease tests: a PostgreSQL (from Debian's postgresql package)
// and a redis-server, each in a temporary folder on a free loopback port, stopped by PID at
// the end. initdb refuses to run as root, so PostgreSQL runs as `nobody` when we are root.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { createClient } from 'redis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './helpers.ts';

/** The user and password the private PostgreSQL knows (password auth on TCP, as on a real server). */
export const PG_USER = 'er';
export const PG_PASSWORD = 'er-secret-pw';
/** The password of the private redis-server (requirepass): AUTH as on a real server. */
export const REDIS_PASSWORD = 'er-redis-pw';

/** A free loopback port, for a server that cannot be asked to pick its own. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A running server that a test can stop, start again on the same port, pause and resume. */
export interface StoreServer {
  /** A URL without password (the password comes from `env`). */
  url: string;
  port: number;
  dir: string;
  pid(): number;
  /** The environment a host needs to log in: PGPASSFILE (a pgpass file, mode 0600) for PostgreSQL, REDISCLI_AUTH for Redis. */
  env: Record<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Stops it for good and removes its folder (resumes it first if paused). */
  cleanup(): Promise<void>;
  /** The lease `name` as the store has it, read by the test itself (its holder's id, token and ms left; null: none now). */
  lease(name: string): Promise<StoredLease | null>;
}

/** A lease as the store keeps it: the holder's id, the token and the time left by the store's clock (<= 0: run out). */
export interface StoredLease {
  holder: string;
  token: string;
  leftMs: number;
}

const alive = (child: ChildProcess | null) => child !== null && child.exitCode === null && child.signalCode === null;

/** Stops a child by PID (SIGQUIT: PostgreSQL's immediate shutdown; SIGINT: redis-server's exit), SIGKILL if it lingers. */
async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  if (!child || !alive(child) || !child.pid) return;
  const exited = new Promise((done) => child.once('exit', done));
  process.kill(child.pid, 'SIGCONT');
  process.kill(child.pid, signal);
  const timer = setTimeout(() => alive(child) && process.kill(child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(root, version, 'bin', 'postgres'))) return join(root, version, 'bin');
  throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql); .ci/run installs it');
}

/** Runs a command as `nobody` when we are root (initdb and postgres refuse root), else as ourselves. */
function asServerUser(file: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [file, args];
  return ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', file, ...args]];
}

/** Starts a private PostgreSQL with a password user `er` (trust on its unix socket, scram on TCP). */
export async function startPostgres(): Promise<StoreServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'er-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`);
  if (process.getuid?.() === 0) for (const path of [dir, pwfile]) chownSync(path, 65534, 65534);
  const [file, args] = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    PG_USER,
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const init = spawnSync(file, args, { encoding: 'utf8', cwd: dir });
  // The client's password file, as a host keeps it (its owner only); a colon in a field is escaped.
  const pgpass = join(dir, 'pgpass');
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  // TLS with a self-signed certificate, so that sslmode=require (encrypted, not verified, as libpq has it) can be tried.
  const key = join(dir, 'server.key');
  const cert = join(dir, 'server.crt');
  const tls = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=er-test', '-keyout', key, '-out', cert], {
    encoding: 'utf8',
  });
  const ssl = tls.status === 0 ? ['-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`] : [];
  if (process.getuid?.() === 0 && ssl.length) for (const path of [key, cert]) chownSync(path, 65534, 65534);
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    if (alive(child)) return;
    const [pgFile, pgArgs] = asServerUser(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=100',
      '-c',
      'shared_buffers=16MB',
      ...ssl,
    ]);
    child = spawn(pgFile, pgArgs, { cwd: dir, stdio: 'ignore' });
    const started = child;
    await waitUntil(
      () => !alive(started) || spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1']).status === 0,
      'PostgreSQL to accept connections',
      30_000,
      100,
    );
    if (!alive(started)) throw new Error('PostgreSQL exited at start');
  };
  await start();
  writeFileSync(pgpass, `# hosts of these tests\nelsewhere.example:*:*:*:not-this-one\n127.0.0.1:${port}:*:${PG_USER}:${PG_PASSWORD}\n`, { mode: 0o600 });
  return {
    url: `postgres://${PG_USER}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    pid: () => child?.pid ?? 0,
    env: { PGPASSFILE: pgpass, PGPASSWORD: '' },
    // An outage, not a maintenance: no shutdown checkpoint (the restart recovers in a moment).
    stop: () => stopChild(child, 'SIGQUIT'),
    start,
    pause: () => child?.pid && process.kill(child.pid, 'SIGSTOP'),
    resume: () => child?.pid && alive(child) && process.kill(child.pid, 'SIGCONT'),
    cleanup: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
    lease: async (name) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: PG_USER, password: PG_PASSWORD, database: 'postgres' });
      await client.connect();
      try {
        const sql = `SELECT holder, token::text AS token, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS left_ms
          FROM ensure_running_lease WHERE name = $1`;
        const row = (await client.query(sql, [name])).rows[0];
        return row ? { holder: row.holder, token: row.token, leftMs: Number(row.left_ms) } : null;
      } finally {
        await client.end();
      }
    },
  };
}

/** Starts a private redis-server without persistence on a free loopback port. */
export async function startRedis(): Promise<StoreServer> {
  const dir = mkdtempSync(join(tmpdir(), 'er-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    if (alive(child)) return;
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--unixsocket',
        join(dir, 'redis.sock'),
        '--requirepass',
        REDIS_PASSWORD,
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    const started = child;
    await waitUntil(() => !alive(started) || existsSync(join(dir, 'redis.sock')), 'redis-server to listen', 30_000, 50);
    if (!alive(started)) throw new Error('redis-server exited at start (is it installed? apt-get install redis-server)');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid ?? 0,
    env: { REDISCLI_AUTH: REDIS_PASSWORD },
    stop: async () => {
      await stopChild(child);
      rmSync(join(dir, 'redis.sock'), { force: true });
    },
    start,
    pause: () => child?.pid && process.kill(child.pid, 'SIGSTOP'),
    resume: () => child?.pid && alive(child) && process.kill(child.pid, 'SIGCONT'),
    cleanup: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
    // The lease key of src/lease/redis.ts (JSON with holder and token), expiring by the server's clock.
    lease: async (name) => {
      const client = createClient({ url: `redis://127.0.0.1:${port}`, password: REDIS_PASSWORD });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const key = `ensure-running:lease:{${name}}`;
        const [value, left] = (await client.multi().get(key).pTTL(key).exec()) as unknown as [string | null, number];
        if (value === null) return null;
        const { holder, token } = JSON.parse(value) as { holder: string; token: string };
        return { holder, token: String(token), leftMs: Number(left) };
      } finally {
        await client.close();
      }
    },
  };
}
