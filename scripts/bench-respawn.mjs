// --respawn beside supervisord and pm2 on the same machine: the median time from SIGKILL of the
// program to its new process running, and the resident memory of what stays resident (the
// waiter; supervisord's daemon; pm2's daemon), with the waiter's CPU while the program runs.
// supervisord comes from Debian's package unpacked into a temporary prefix (apt-get download,
// dpkg -x: no service is installed or started), pm2 from npm into a temporary prefix; where
// either cannot be had, the bench says so and prints the others. Every process it starts is
// killed by PID at the end. Run alone: node scripts/bench-respawn.mjs (after npm run build).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll } from './kill-all.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'ensure-running');
const NODE = process.execPath;
const ROUNDS = 9;
const TARGET = { recoveryMs: 1000, waiterMiB: 2 };

const dir = mkdtempSync(join(tmpdir(), 'er-bench-respawn-'));
const started = new Set();
const env = { PATH: `${join(NODE, '..')}:/usr/bin:/bin`, HOME: dir, ENSURE_RUNNING_HOME: join(dir, 'registry'), LANG: 'C' };
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]) };
  } catch {
    return null;
  }
}
const alive = (pid) => {
  const s = stat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
};
function rssKiB(pid) {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}
function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
/** The live process whose parent is `parent` and whose argv holds `arg`. */
function childWith(parent, arg) {
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const pid = Number(name);
    const s = stat(pid);
    if (s && s.ppid === parent && s.state !== 'Z' && cmdline(pid).includes(arg)) return pid;
  }
  return null;
}
async function until(probe, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/**
 * Kills the program `ROUNDS` times with SIGKILL; `current()` names the program now (null while
 * none runs). Each round waits until the new one has run a while (past its start window).
 */
async function recovery(current, settleMs, running = current) {
  const times = [];
  for (let i = 0; i < ROUNDS; i++) {
    const pid = await until(current, 'the program');
    started.add(pid);
    await sleep(settleMs);
    const t0 = process.hrtime.bigint();
    process.kill(pid, 'SIGKILL');
    const next = await until(() => {
      const now = running();
      return now && now !== pid && alive(now) ? now : null;
    }, 'the program back');
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    started.add(next);
  }
  return times;
}

const mib = (kib) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'not measured');
const rows = [];

async function ensureRunning() {
  const pidFile = join(dir, 'app.pid');
  // Deaths of this bench crowd on purpose: --crowd-deaths keeps each relaunch the waiter's, as a first death is.
  const args = ['--pid', pidFile, '--respawn', '--start-secs', '0.2', '--crowd-deaths', '1000', '--', 'sleep', '86411'];
  const first = spawnSync(BIN, args, { cwd: dir, env, encoding: 'utf8' });
  if (first.status !== 0) throw new Error(`ensure-running --respawn failed: ${first.stderr}`);
  const current = () => {
    try {
      const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
      return pid > 1 && alive(pid) && !existsSync(`${pidFile}.lock`) ? pid : null;
    } catch {
      return null;
    }
  };
  // Settled: no check holds the lock (the waiter's check has ended its start window). Back: a new program runs.
  const running = () => {
    try {
      const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
      return pid > 1 && alive(pid) ? pid : null;
    } catch {
      return null;
    }
  };
  const times = await recovery(current, 400, running);
  const pid = await until(current, 'the program');
  await sleep(400);
  const waiter = stat(pid)?.ppid ?? 0;
  if (!cmdline(waiter).includes('ensure-running-waiter')) throw new Error(`the parent of pid ${pid} is not its waiter`);
  const before = stat(waiter);
  await sleep(2000);
  const after = stat(waiter);
  const ticks = after && before ? after.utime + after.stime - (before.utime + before.stime) : Number.NaN;
  rows.push({ who: 'ensure-running --respawn (sh waiter)', times, rss: rssKiB(waiter), note: `waiter CPU over 2 s: ${ticks} clock ticks` });
  spawnSync(BIN, ['--pid', pidFile, '--stop'], { cwd: dir, env, stdio: 'ignore' });
}

/** supervisord from Debian's package, unpacked (no maintainer scripts, no service). */
async function supervisord() {
  const prefix = join(dir, 'supervisor');
  mkdirSync(prefix);
  const got = spawnSync('apt-get', ['download', 'supervisor'], { cwd: prefix, encoding: 'utf8', timeout: 120_000 });
  const deb = readdirSync(prefix).find((name) => name.endsWith('.deb'));
  if (got.status !== 0 || !deb) return `supervisord not measured: apt-get download supervisor failed (${(got.stderr || got.error?.message || '').trim()})`;
  spawnSync('dpkg', ['-x', join(prefix, deb), join(prefix, 'root')]);
  const conf = join(prefix, 'supervisord.conf');
  writeFileSync(
    conf,
    [
      '[supervisord]',
      `logfile=${join(prefix, 'supervisord.log')}`,
      `pidfile=${join(prefix, 'supervisord.pid')}`,
      'nodaemon=true',
      '[program:app]',
      'command=/bin/sleep 86412',
      'autorestart=true',
      'startsecs=0',
      '',
    ].join('\n'),
  );
  const child = spawn('python3', ['-m', 'supervisor.supervisord', '-c', conf], {
    cwd: prefix,
    env: { ...env, PYTHONPATH: join(prefix, 'root', 'usr', 'lib', 'python3', 'dist-packages') },
    stdio: 'ignore',
    detached: true,
  });
  started.add(child.pid);
  try {
    const times = await recovery(() => childWith(child.pid, '86412'), 400);
    rows.push({ who: 'supervisord 4 (its daemon)', times, rss: rssKiB(child.pid), note: 'one daemon for all its programs' });
  } catch (error) {
    return `supervisord not measured: ${error.message} (see ${join(prefix, 'supervisord.log')})`;
  } finally {
    killAll([child.pid]);
  }
  return null;
}

/** pm2 from npm, in a temporary prefix, with its own PM2_HOME. */
async function pm2() {
  const prefix = join(dir, 'pm2');
  mkdirSync(prefix);
  const got = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', prefix, 'pm2'], { encoding: 'utf8', timeout: 300_000, env: process.env });
  const cli = join(prefix, 'node_modules', '.bin', 'pm2');
  if (got.status !== 0 || !existsSync(cli)) return `pm2 not measured: npm install pm2 failed (${(got.stderr || '').trim().split('\n').pop()})`;
  const home = join(prefix, 'home');
  const pm2Env = { ...process.env, PM2_HOME: home };
  const run = spawnSync(cli, ['start', '/bin/sleep', '--name', 'app', '--interpreter', 'none', '--', '86413'], {
    env: pm2Env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const god = Number.parseInt(existsSync(join(home, 'pm2.pid')) ? readFileSync(join(home, 'pm2.pid'), 'utf8') : '', 10);
  if (Number.isInteger(god) && god > 1) started.add(god);
  try {
    if (run.status !== 0 || !(god > 1)) return `pm2 not measured: pm2 start failed (${run.stderr.trim().split('\n').pop()})`;
    const times = await recovery(() => childWith(god, '86413'), 400);
    rows.push({ who: `pm2 ${readVersion(prefix)} (its daemon)`, times, rss: rssKiB(god), note: 'one daemon for all its programs' });
  } finally {
    spawnSync(cli, ['kill'], { env: pm2Env, stdio: 'ignore', timeout: 30_000 });
    if (god > 1) killAll([god]);
  }
  return null;
}
function readVersion(prefix) {
  try {
    return JSON.parse(readFileSync(join(prefix, 'node_modules', 'pm2', 'package.json'), 'utf8')).version;
  } catch {
    return '';
  }
}

export async function benchRespawn() {
  console.log('\nRecovery after SIGKILL (median of 9 kills; each program ran at least 0.4 s) and what stays resident, on this machine');
  const notes = [];
  try {
    await ensureRunning();
    for (const other of [supervisord, pm2]) {
      const note = await other().catch((error) => `${other.name} not measured: ${error.message}`);
      if (note) notes.push(note);
    }
  } finally {
    killAll(started);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const row of rows) {
    console.log(
      `  ${row.who.padEnd(40)} ${median(row.times).toFixed(0).padStart(5)} ms  (min ${Math.min(...row.times).toFixed(0)}, max ${Math.max(...row.times).toFixed(0)}), resident ${mib(row.rss)}; ${row.note}`,
    );
  }
  for (const note of notes) console.log(`  !! ${note}`);
  const ours = rows[0];
  if (ours) {
    const recoveryMs = median(ours.times);
    const verdict = (ok) => (ok ? 'ok' : 'OVER TARGET');
    console.log(`  --respawn recovery: ${recoveryMs.toFixed(0)} ms (target <= ${TARGET.recoveryMs} ms) ${verdict(recoveryMs <= TARGET.recoveryMs)}`);
    console.log(`  waiter resident:    ${mib(ours.rss)} (target <= ${TARGET.waiterMiB} MiB) ${verdict(ours.rss / 1024 <= TARGET.waiterMiB)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchRespawn();
