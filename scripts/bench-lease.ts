// The lease part of `npm run bench` (run by scripts/bench.mjs with tsx): against a private
// PostgreSQL, the wall time of a holder's check and of a standby's check (node and one store
// call each, no quiet promise), next to a full node check without --lease; then, on
// PostgreSQL and on Redis, failover and overlap measured from the copies' own records: a
// holder that crashed, and a holder cut off from the store by a TCP proxy (test/tcp-proxy.ts)
// while its checks go on. Prints only.
// Usage: node --import tsx scripts/bench-lease.ts [--failover-only] [--rounds N]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monotonicMs, overlap, recordedCopies } from '../test/overlap.ts';
import { PG_PASSWORD, PG_USER, startPostgres, startRedis, type StoreServer } from '../test/servers.ts';
import { TcpProxy } from '../test/tcp-proxy.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'ensure-running');
const dir = mkdtempSync(join(tmpdir(), 'er-bench-lease-'));
const started = new Set<number>();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const argv = process.argv.slice(2);
const ROUNDS = argv.includes('--rounds') ? Number(argv[argv.indexOf('--rounds') + 1]) : 3;

const env = (server: StoreServer, host: string, extra: Record<string, string> = {}) => ({
  PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`,
  HOME: dir,
  ENSURE_RUNNING_HOME: join(dir, host),
  ENSURE_RUNNING_HOST_ID: host,
  LANG: 'C',
  ...server.env,
  ...extra,
});

/** Kills every copy seen, the ones never asked about included. */
function stopAll(): void {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  started.clear();
}

/** The wall time of a holder's, a standby's and a plain check on PostgreSQL. */
function checkTimes(server: StoreServer): void {
  const check = (host: string, lease: string | null) => {
    mkdirSync(join(dir, host), { recursive: true });
    const leaseArgs = lease ? ['--lease', server.url, '--lease-name', lease] : [];
    const args = ['--pid', join(dir, host, 'app.pid'), ...leaseArgs, '--interval', '1m', '--start-secs', '0', '--', 'sleep', '86400'];
    const t0 = process.hrtime.bigint();
    const result = spawnSync(BIN, args, { cwd: dir, env: env(server, host, lease ? {} : { ENSURE_RUNNING_NO_FAST_PATH: '1' }), encoding: 'utf8' });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { wallMs, status: result.status, stderr: result.stderr };
  };
  const running = (host: string) => {
    try {
      const pid = Number.parseInt(readFileSync(join(dir, host, 'app.pid'), 'utf8'), 10);
      if (!(pid > 1)) return 0;
      started.add(pid);
      process.kill(pid, 0);
      return pid;
    } catch {
      return 0;
    }
  };
  console.log(`\nLease (--lease postgres://, a private PostgreSQL on loopback, password auth)`);
  const hosts = [
    ['h', 'holder'],
    ['s', 'standby'],
    ['p', 'plain'],
  ] as const;
  const walls: Record<'holder' | 'standby' | 'plain', number[]> = { holder: [], standby: [], plain: [] };
  for (const [host, kind] of hosts) check(host, kind === 'plain' ? null : 'bench');
  try {
    if (!running('h') || running('s')) throw new Error('setup: h should hold the lease and s be a standby');
    for (let i = 0; i < 15; i++) {
      for (const [host, kind] of hosts) {
        const run = check(host, kind === 'plain' ? null : 'bench');
        if (run.status !== 0) throw new Error(`${kind} check exited ${run.status}: ${run.stderr}`);
        walls[kind].push(run.wallMs);
      }
    }
  } finally {
    for (const [host] of hosts) running(host);
    stopAll();
  }
  console.log(`  holder's check (renewal, program running):   ${ms(median(walls.holder))} (median of 15)`);
  console.log(`  standby's check (another host holds it):     ${ms(median(walls.standby))}`);
  console.log(`  full node check without --lease (no promise): ${ms(median(walls.plain))}`);
}

const TIMES = ['--interval', '2s', '--lease-ttl', '6s', '--lease-timeout', '2s', '--kill-after', '1s', '--start-secs', '0'];
const INTERVAL_MS = 2000;
const sleep = (msecs: number) => new Promise((done) => setTimeout(done, Math.max(0, msecs)));

/** A host's cron: a check every interval (right after the last one when it took longer), until `until()`. */
async function cron(check: () => Promise<unknown>, until: () => boolean): Promise<void> {
  while (!until()) {
    const next = monotonicMs() + INTERVAL_MS;
    await check();
    if (!until()) await sleep(next - monotonicMs());
  }
}

/**
 * Failover and overlap on one store, each of two hosts through a TCP proxy of its own; the
 * program records its start and stop (test/fixtures/overlap.js). crash: the holder's checks
 * stop and its copy dies at once (a host gone), measured from the end of its last check.
 * partition: the holder's path is blackholed right after a renewal and its checks go on;
 * measured from then: when its copy stopped, when the standby's started, the overlap of the
 * two and the gap between them; and how long the store still counted the lease as the
 * holder's after its copy had stopped.
 */
async function failover(label: string, server: StoreServer): Promise<void> {
  const figures: Record<'crash' | 'stepDown' | 'takeover' | 'gap' | 'overlap' | 'storeLeft', number[]> = {
    crash: [],
    stepDown: [],
    takeover: [],
    gap: [],
    overlap: [],
    storeLeft: [],
  };
  // A pgpass line names a port: one for any port, the proxies' included.
  const pgpass = join(dir, 'pgpass');
  writeFileSync(pgpass, `127.0.0.1:*:*:${PG_USER}:${PG_PASSWORD}\n`, { mode: 0o600 });
  const extra: Record<string, string> = 'PGPASSFILE' in server.env ? { PGPASSFILE: pgpass } : {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['crash', 'partition'] as const) {
      const name = `${label.toLowerCase()}-${kind}-${round}`;
      const records = join(dir, `${name}.records`);
      const copies = () => {
        const all = recordedCopies(records);
        for (const copy of all) started.add(copy.pid);
        return all;
      };
      const proxies = { a: await TcpProxy.start(server.port), b: await TcpProxy.start(server.port) };
      const check = (host: 'a' | 'b'): Promise<number | null> => {
        const home = join(dir, name, host);
        mkdirSync(home, { recursive: true });
        const program = [join(ROOT, 'test', 'fixtures', 'overlap.js'), records, host];
        const args = ['--pid', join(home, 'app.pid'), '--lease', proxies[host].url(server.url), '--lease-name', name, ...TIMES, '--', ...program];
        const child = spawn(BIN, args, { cwd: dir, env: env(server, host, { ENSURE_RUNNING_HOME: home, ...extra }), stdio: 'ignore' });
        return new Promise((done) => child.on('exit', (code) => done(code)));
      };
      try {
        await check('a');
        await check('b');
        if (copies().length !== 1 || copies()[0]!.host !== 'a') throw new Error(`${label} ${kind}: a should hold the lease and run the only copy`);
        await check('a');
        const from = monotonicMs();
        const over = () => copies().length > 1 || monotonicMs() - from > 60_000;
        if (kind === 'crash') {
          process.kill(copies()[0]!.pid, 'SIGKILL');
          await cron(() => check('b'), over);
          const taker = copies()[1];
          if (!taker) throw new Error(`${label} crash: no failover within 60 s`);
          figures.crash.push(taker.startMs - from);
          continue;
        }
        proxies.a.set('blackhole');
        let storeLeft: number | null = null;
        const holder = async () => {
          await check('a');
          const stopped = copies()[0]!.stopMs;
          if (stopped === null || storeLeft !== null) return;
          const before = monotonicMs();
          const lease = await server.lease(name);
          storeLeft = lease && lease.holder === 'a' ? before + lease.leftMs - stopped : 0;
        };
        await Promise.all([cron(holder, over), cron(() => check('b'), over)]);
        const [old, taker] = copies();
        if (!taker || old!.stopMs === null) throw new Error(`${label} partition: no failover within 60 s`);
        figures.stepDown.push(old!.stopMs - from);
        figures.takeover.push(taker.startMs - from);
        figures.gap.push(taker.startMs - old!.stopMs);
        figures.overlap.push(overlap(copies()).ms);
        figures.storeLeft.push(storeLeft ?? 0);
      } finally {
        copies();
        stopAll();
        await Promise.all([proxies.a.close(), proxies.b.close()]);
      }
    }
  }
  const range = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    const secs = (v: number) => (v / 1000).toFixed(1);
    return secs(sorted[0]!) === secs(sorted.at(-1)!) ? `${secs(sorted[0]!)} s` : `${secs(sorted[0]!)}-${secs(sorted.at(-1)!)} s`;
  };
  console.log(
    `\nFailover on ${label} (--interval 2s --lease-ttl 6s --lease-timeout 2s --kill-after 1s; two hosts, each through a TCP proxy; ${ROUNDS} rounds)`,
  );
  console.log(`  holder crashed (checks and copy gone) to the standby's copy running: ${range(figures.crash)} (bound: TTL + one interval = 8 s)`);
  console.log('  holder cut off (its path blackholed right after a renewal, its checks going on):');
  console.log(`    its copy stopped after                     ${range(figures.stepDown)} (bound: before the lease runs out, 6 s)`);
  console.log(`    the store still counted the lease its own  ${range(figures.storeLeft)} longer`);
  console.log(`    the standby's copy started after           ${range(figures.takeover)} (bound: TTL + one interval = 8 s)`);
  console.log(`    no copy running for                        ${range(figures.gap)}`);
  console.log(`    overlap (two copies at once)               ${Math.max(...figures.overlap).toFixed(0)} ms at most (bound: 0)`);
}

const servers: StoreServer[] = [];
try {
  if (existsSync('/usr/lib/postgresql')) {
    const pg = await startPostgres();
    servers.push(pg);
    if (!argv.includes('--failover-only')) checkTimes(pg);
    await failover('PostgreSQL', pg);
  } else console.log('\n!! PostgreSQL not installed: its lease figures are not measured (apt-get install postgresql)');
  if (spawnSync('redis-server', ['--version']).status === 0) {
    const redis = await startRedis();
    servers.push(redis);
    await failover('Redis', redis);
  } else console.log('\n!! redis-server not installed: its lease figures are not measured (apt-get install redis-server)');
} finally {
  stopAll();
  for (const server of servers) await server.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
