// Measures ensure-running's cron path: the healthy check against `node -e 0` (wall time and
// peak RSS, alternating pairs, median of per-pair ratios), against a bare `kill -0` shell
// script, relaunch latency, 50 concurrent calls on a dead program, and a bare --status with
// 200 registered programs. Every process it starts is killed by PID at the end.
// Usage: npm run bench [-- --rounds 40]   (peak RSS needs GNU time: apt-get install time)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll } from './kill-all.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'ensure-running.js');
const NODE = process.execPath;
const GNU_TIME = '/usr/bin/time';
const TARGET = { wall: 1.25, memory: 1.15 };

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 40;
if (!Number.isInteger(ROUNDS) || ROUNDS < 2) throw new Error('--rounds needs a whole number of 2 or more');

const dir = mkdtempSync(join(tmpdir(), 'er-bench-'));
const started = new Set();
const env = (home = 'registry') => ({ PATH: `${join(NODE, '..')}:/usr/bin:/bin`, HOME: dir, ENSURE_RUNNING_HOME: join(dir, home), LANG: 'C' });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (value) => `${value.toFixed(1)} ms`;

/** Runs a process to completion and returns its wall time in ms and its exit status. */
function timed(file, args, options = {}) {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(file, args, { cwd: dir, env: options.env ?? env(), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { wallMs, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The child's own peak RSS in KiB, from GNU time (the parent's rusage would not be the child's). */
function peakRssKiB(file, args) {
  const out = join(dir, 'time.out');
  const result = spawnSync(GNU_TIME, ['-f', '%M', '-o', out, file, ...args], { cwd: dir, env: env(), stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.status} under ${GNU_TIME}`);
  return Number(readFileSync(out, 'utf8').trim().split('\n').pop());
}

const check = (pidFile, extra = []) => [BIN, '--pid', join(dir, pidFile), ...extra, '--', 'sleep', '86400'];
const pidIn = (pidFile) => {
  const pid = Number.parseInt(readFileSync(join(dir, pidFile), 'utf8'), 10);
  if (Number.isInteger(pid) && pid > 1) started.add(pid);
  return pid;
};
const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
};
async function killAndWait(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((done) => setTimeout(done, 10));
}

/** Live processes (not zombies) whose environment says they guard `pidFile`: the launched instances. */
function instancesOf(pidFile) {
  const marker = `ENSURE_RUNNING_PIDFILE=${pidFile}\0`;
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(marker) && alive(Number(name))) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Runs processes concurrently; resolves with their exit codes once all have returned. */
function runAll(argsList, options = {}) {
  return Promise.all(
    argsList.map(
      (args) =>
        new Promise((done) => {
          const child = spawn(NODE, args, { cwd: dir, env: options.env ?? env(), stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (chunk) => (stderr += chunk));
          child.on('close', (code) => {
            if (code !== 0 && options.failures) options.failures.push(stderr.trim());
            done(code);
          });
        }),
    ),
  );
}

function cleanup() {
  for (const file of existsSync(dir) ? readdirSync(dir) : []) if (file.endsWith('.pid')) pidIn(file);
  killAll(started);
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

async function main() {
  const hasGnuTime = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
  console.log(`ensure-running bench: node ${process.version}, ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, ${ROUNDS} rounds`);
  if (!hasGnuTime) console.log(`!! ${GNU_TIME} (GNU time) not found: peak RSS is NOT measured. Install it: apt-get install time`);

  // A guarded program, already running: every later check of it takes the healthy path.
  const first = timed(NODE, check('app.pid', ['--start-secs', '0']));
  if (first.status !== 0) throw new Error(`the first check failed (${first.status}): ${first.stderr}`);
  pidIn('app.pid');
  const healthy = timed(NODE, check('app.pid'));
  if (healthy.status !== 0 || healthy.stdout !== '' || healthy.stderr !== '') throw new Error(`the healthy check was not silent or failed: ${JSON.stringify(healthy)}`);

  const er = check('app.pid');
  const bare = ['-e', '0'];
  writeFileSync(join(dir, 'kill0.sh'), '#!/bin/sh\nkill -0 "$(cat app.pid)" 2>/dev/null || echo "app is not running"\n');
  const walls = { er: [], node: [], sh: [] };
  const ratios = { wall: [], memory: [], sh: [] };
  const rss = { er: [], node: [] };
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate who goes first, so that drift and caching do not favour one side.
    const order = i % 2 === 0 ? ['er', 'node'] : ['node', 'er'];
    const wall = {};
    for (const who of order) {
      const run = timed(NODE, who === 'er' ? er : bare);
      if (run.status !== 0) throw new Error(`${who} exited ${run.status}: ${run.stderr}`);
      wall[who] = run.wallMs;
      walls[who].push(run.wallMs);
    }
    ratios.wall.push(wall.er / wall.node);
    const sh = timed('/bin/sh', ['kill0.sh']);
    walls.sh.push(sh.wallMs);
    ratios.sh.push(wall.er / sh.wallMs);
    if (hasGnuTime) {
      const mem = {};
      for (const who of order) mem[who] = peakRssKiB(NODE, who === 'er' ? er : bare);
      rss.er.push(mem.er);
      rss.node.push(mem.node);
      ratios.memory.push(mem.er / mem.node);
    }
  }
  const verdict = (ratio, target) => (ratio <= target ? 'ok' : 'OVER TARGET');
  console.log('\nHealthy check (ensure-running --pid app.pid -- sleep 86400, program running) vs node -e 0');
  const wallRatio = median(ratios.wall);
  console.log(`  wall:   ratio ${wallRatio.toFixed(3)} (target <= ${TARGET.wall}) ${verdict(wallRatio, TARGET.wall)}; medians ${ms(median(walls.er))} vs ${ms(median(walls.node))}`);
  if (hasGnuTime) {
    const memRatio = median(ratios.memory);
    console.log(`  memory: ratio ${memRatio.toFixed(3)} (target <= ${TARGET.memory}) ${verdict(memRatio, TARGET.memory)}; peak RSS medians ${(median(rss.er) / 1024).toFixed(1)} MiB vs ${(median(rss.node) / 1024).toFixed(1)} MiB`);
  } else {
    console.log('  memory: not measured (GNU time missing: apt-get install time)');
  }
  console.log(`  vs a shell script "kill -0 $(cat app.pid)": ratio ${median(ratios.sh).toFixed(2)}; median ${ms(median(walls.sh))}`);

  // Relaunch latency: a program found dead at a check (each round its own PID file, so that
  // the crash-loop policy never sees crowded deaths).
  const relaunch = [];
  for (let i = 0; i < 10; i++) {
    const pidFile = `relaunch-${i}.pid`;
    if (timed(NODE, check(pidFile, ['--start-secs', '0'])).status !== 0) throw new Error('relaunch setup failed');
    await killAndWait(pidIn(pidFile));
    const run = timed(NODE, check(pidFile, ['--start-secs', '0']));
    if (run.status !== 0) throw new Error(`relaunch failed: ${run.stderr}`);
    pidIn(pidFile);
    relaunch.push(run.wallMs);
  }
  console.log(`\nRelaunch of a dead program with --start-secs 0: median ${ms(median(relaunch))} (10 rounds)`);

  // A herd: 50 calls at once on a program that has died.
  if (timed(NODE, check('herd.pid', ['--start-secs', '0'])).status !== 0) throw new Error('herd setup failed');
  await killAndWait(pidIn('herd.pid'));
  const t0 = process.hrtime.bigint();
  const codes = await runAll(Array.from({ length: 50 }, () => check('herd.pid')));
  const herdMs = Number(process.hrtime.bigint() - t0) / 1e6;
  pidIn('herd.pid');
  const instances = instancesOf(join(dir, 'herd.pid'));
  for (const pid of instances) started.add(pid);
  const codeCounts = Object.entries(codes.reduce((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {})).map(([code, n]) => `${n}x exit ${code}`);
  console.log(`50 concurrent checks on a dead program (default --start-secs 1): all returned in ${ms(herdMs)}; ${codeCounts.join(', ')}; ${instances.length} instance(s) running ${instances.length === 1 ? '(ok)' : '(WRONG: expected exactly one)'}`);

  // Bare --status: 200 registered programs vs one (each home is a registry of its own).
  if (timed(NODE, check('solo.pid', ['--start-secs', '0']), { env: env('registry-1') }).status !== 0) throw new Error('solo setup failed');
  pidIn('solo.pid');
  const many = Array.from({ length: 200 }, (_, i) => check(`many-${i}.pid`, ['--start-secs', '0']));
  for (let i = 0; i < many.length; i += 10) {
    const failures = [];
    await runAll(many.slice(i, i + 10), { env: env('registry-200'), failures });
    if (failures.length > 0) throw new Error(`launching the 200 programs failed: ${failures[0]}`);
  }
  for (let i = 0; i < 200; i++) pidIn(`many-${i}.pid`);
  const statusOf = (home) => {
    const runs = [];
    let lines = 0;
    for (let i = 0; i < 7; i++) {
      const run = timed(NODE, [BIN, '--status'], { env: env(home) });
      if (run.status !== 0) throw new Error(`--status exited ${run.status}: ${run.stderr}`);
      lines = run.stdout.trim().split('\n').length;
      runs.push(run.wallMs);
    }
    return { wall: median(runs), lines };
  };
  const one = statusOf('registry-1');
  const twoHundred = statusOf('registry-200');
  console.log(`Bare --status: 1 program ${ms(one.wall)} (${one.lines} lines), 200 programs ${ms(twoHundred.wall)} (${twoHundred.lines} lines)`);
}

try {
  await main();
} finally {
  cleanup();
}
