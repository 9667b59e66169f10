// The lease part of `npm run bench` (run by scripts/bench.mjs with tsx): against a private
// PostgreSQL, the wall time of a holder's check and of a standby's check (node and one store
// call each, no quiet promise), next to a full node check without --lease; then the measured
// failover time after the holder's checks stop (bound: TTL + one interval). Prints only.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../test/servers.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'ensure-running');
const dir = mkdtempSync(join(tmpdir(), 'er-bench-lease-'));
const started = new Set<number>();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

const server = await startPostgres();
const env = (host: string, extra: Record<string, string> = {}) => ({
  PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`,
  HOME: dir,
  ENSURE_RUNNING_HOME: join(dir, host),
  ENSURE_RUNNING_HOST_ID: host,
  LANG: 'C',
  ...server.env,
  ...extra,
});

function check(host: string, lease: string[] | null, times: string[]): { wallMs: number; status: number | null; stderr: string } {
  mkdirSync(join(dir, host), { recursive: true });
  const leaseArgs = lease ? ['--lease', server.url, '--lease-name', lease[0]!] : [];
  const args = ['--pid', join(dir, host, 'app.pid'), ...leaseArgs, ...times, '--start-secs', '0', '--', 'sleep', '86400'];
  const t0 = process.hrtime.bigint();
  const result = spawnSync(BIN, args, { cwd: dir, env: env(host, lease ? {} : { ENSURE_RUNNING_NO_FAST_PATH: '1' }), encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { wallMs, status: result.status, stderr: result.stderr };
}

function running(host: string): number {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, host, 'app.pid'), 'utf8'), 10);
    if (!(pid > 1)) return 0;
    started.add(pid);
    process.kill(pid, 0);
    return pid;
  } catch {
    return 0;
  }
}

try {
  console.log(`\nLease (--lease postgres://, a private PostgreSQL on loopback, password auth)`);
  const rounds = 15;
  const times = ['--interval', '1m'];
  const walls: Record<'holder' | 'standby' | 'plain', number[]> = { holder: [], standby: [], plain: [] };
  for (const [host, kind] of [
    ['h', 'holder'],
    ['s', 'standby'],
    ['p', 'plain'],
  ] as const)
    check(host, kind === 'plain' ? null : ['bench'], times);
  if (!running('h') || running('s')) throw new Error('setup: h should hold the lease and s be a standby');
  for (let i = 0; i < rounds; i++) {
    for (const [host, kind] of [
      ['h', 'holder'],
      ['s', 'standby'],
      ['p', 'plain'],
    ] as const) {
      const run = check(host, kind === 'plain' ? null : ['bench'], times);
      if (run.status !== 0) throw new Error(`${kind} check exited ${run.status}: ${run.stderr}`);
      walls[kind].push(run.wallMs);
    }
  }
  console.log(`  holder's check (renewal, program running):   ${ms(median(walls.holder))} (median of ${rounds})`);
  console.log(`  standby's check (another host holds it):     ${ms(median(walls.standby))}`);
  console.log(`  full node check without --lease (no promise): ${ms(median(walls.plain))}`);

  // Failover: the holder's checks stop; the standby checks every interval until its copy runs.
  const fast = ['--interval', '2s', '--lease-ttl', '6s', '--lease-timeout', '2s', '--kill-after', '1s'];
  check('fa', ['failover'], fast);
  check('fb', ['failover'], fast);
  check('fa', ['failover'], fast);
  const renewedAt = Date.now();
  let takenAt = 0;
  while (!takenAt) {
    const next = Date.now() + 2000;
    check('fb', ['failover'], fast);
    if (running('fb')) takenAt = Date.now();
    else spawnSync('sleep', [String(Math.max(0, next - Date.now()) / 1000)]);
    if (Date.now() - renewedAt > 60_000) throw new Error('no failover within 60 s');
  }
  console.log(
    `  failover, from the end of the holder's last check to the standby's copy running (TTL 6s, ` +
      `interval 2s): ${((takenAt - renewedAt) / 1000).toFixed(1)} s (bound: TTL + one interval = 8 s)`,
  );
} finally {
  // Every host's copy, the ones never asked about included (the plain check's, the old holder's).
  for (const host of ['h', 's', 'p', 'fa', 'fb']) running(host);
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await server.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
