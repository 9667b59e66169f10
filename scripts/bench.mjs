// Measures ensure-running's cron path: the healthy check through the installed command (the
// sh front door keeping the quiet promise) against `node -e 0`, a bare `kill -0` shell line,
// the node path (node bin/ensure-running.js) and the full check (ENSURE_RUNNING_NO_FAST_PATH=1, also
// through npm's link as a global install runs it)
// in alternating rounds (wall time, medians of per-round ratios, peak RSS); the same with
// --heartbeat; relaunch latency; 50 concurrent calls on a dead program; a bare --status with
// 200 registered programs; a config file of 50 and 200 programs from cold and after a kill
// of all, and its healthy call; with --lease, a holder's and a standby's check, failover and overlap
// on PostgreSQL and Redis (scripts/bench-lease.ts); --respawn's recovery after SIGKILL and its waiter's memory
// beside supervisord and pm2 (scripts/bench-respawn.mjs). Every process it starts is killed
// by PID at the end.
// Usage: npm run bench [-- --rounds 40] [-- --only config]   (peak RSS needs GNU time: apt-get install time)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll } from './kill-all.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'ensure-running');
const JS_BIN = join(ROOT, 'bin', 'ensure-running.js');
const NODE = process.execPath;
const GNU_TIME = '/usr/bin/time';
const TARGET = { doorVsNode: 0.15, doorVsKill0: 1.5, doorRssMiB: 4, jsVsNode: 1.1, fullVsNode: 1.3, fullRssMiB: 45 };

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 40;
if (!Number.isInteger(ROUNDS) || ROUNDS < 2) throw new Error('--rounds needs a whole number of 2 or more');
// --only config: the --config figures alone; --only healthy: the healthy check's figures alone.
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg > 0 ? process.argv[onlyArg + 1] : null;
if (ONLY !== null && ONLY !== 'config' && ONLY !== 'healthy') throw new Error('--only takes: config, healthy');

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
function peakRssKiB(file, args, runEnv = env()) {
  const out = join(dir, 'time.out');
  const result = spawnSync(GNU_TIME, ['-f', '%M', '-o', out, file, ...args], { cwd: dir, env: runEnv, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.status} under ${GNU_TIME}`);
  return Number(readFileSync(out, 'utf8').trim().split('\n').pop());
}

const check = (pidFile, extra = []) => ['--pid', join(dir, pidFile), ...extra, '--', 'sleep', '86400'];
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
          const child = spawn(BIN, args, { cwd: dir, env: options.env ?? env(), stdio: ['ignore', 'ignore', 'pipe'] });
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

/** Runs the alternating rounds (`count` of them): each round runs every contender once, in a rotating order. */
function rounds(contenders, before = () => {}, count = ROUNDS) {
  const walls = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  const names = Object.keys(contenders);
  for (let i = 0; i < count; i++) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const who of order) {
      const [file, args, runEnv] = contenders[who];
      before(who);
      const run = timed(file, args, runEnv ? { env: runEnv } : {});
      if (run.status !== 0) throw new Error(`${who} exited ${run.status}: ${run.stderr}`);
      walls[who].push(run.wallMs);
    }
  }
  return walls;
}

/** Median of the per-round ratios a/b. */
const ratioOf = (walls, a, b) => median(walls[a].map((wall, i) => wall / walls[b][i]));

/** Median peak RSS in KiB over a few runs, or null without GNU time. */
function rssOf(hasGnuTime, file, args, before = () => {}, runEnv = env()) {
  if (!hasGnuTime) return null;
  const runs = [];
  for (let i = 0; i < Math.min(ROUNDS, 9); i++) {
    before();
    runs.push(peakRssKiB(file, args, runEnv));
  }
  return median(runs);
}

/**
 * A global install's command, laid out as `npm install --global` lays it out: the package copied
 * into PREFIX/lib/node_modules/ensure-running (what it runs: bin/, dist/ and package.json), and
 * PREFIX/bin/ensure-running a relative link to its front door.
 */
function npmLinked() {
  const prefix = join(dir, 'prefix');
  const home = join(prefix, 'lib', 'node_modules', 'ensure-running');
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(home, { recursive: true });
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(home, part), { recursive: true });
  symlinkSync('../lib/node_modules/ensure-running/bin/ensure-running', join(prefix, 'bin', 'ensure-running'));
  return join(prefix, 'bin', 'ensure-running');
}

/** True when the front door answers this call from the promise (node replaced by /bin/false would fail). */
function answeredByPromise(args) {
  return timed(BIN, args, { env: { ...env(), ENSURE_RUNNING_NODE: '/bin/false' } }).status === 0;
}

async function main() {
  const hasGnuTime = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
  console.log(
    `ensure-running bench: node ${process.version}, ${cpus().length} cores, ` +
      `${cpus()[0]?.model ?? 'unknown cpu'}, ${ROUNDS} rounds; /bin/sh is ${realpathSync('/bin/sh')}`,
  );
  if (ONLY === 'config') return configFigures();
  if (!hasGnuTime) console.log(`!! ${GNU_TIME} (GNU time) not found: peak RSS is NOT measured. Install it: apt-get install time`);

  // A guarded program, already running (past its 1 s start window); a full check leaves the quiet promise.
  const er = check('app.pid');
  const first = timed(BIN, er);
  if (first.status !== 0) throw new Error(`the first check failed (${first.status}): ${first.stderr}`);
  pidIn('app.pid');
  const full = timed(BIN, er, { env: { ...env(), ENSURE_RUNNING_NO_FAST_PATH: '1' } });
  if (full.status !== 0 || full.stdout !== '' || full.stderr !== '') throw new Error(`the full check was not silent or failed: ${JSON.stringify(full)}`);
  if (!answeredByPromise(er)) throw new Error('the front door did not answer the healthy check from the promise');

  const bare = ['-e', '0'];
  const KILL0 = ['-c', 'kill -0 "$(cat app.pid)"'];
  // The full check (node, under the lock) of the same healthy program, as every call without a promise runs it.
  const fullEnv = { ...env(), ENSURE_RUNNING_NO_FAST_PATH: '1' };
  // The same full check through npm's link, as a global install runs it (PREFIX/bin/ensure-running).
  const linked = npmLinked();
  // The targets' rounds, three times as many: on this machine the full check's ratio, a median
  // of 40 rounds, falls anywhere within +-0.04 of its value (5th to 95th percentile), and of 120
  // within +-0.02 (docs/speed.md); about 15 s more.
  const walls = rounds(
    {
      door: [BIN, er],
      node: [NODE, bare],
      kill0: ['/bin/sh', KILL0],
      js: [NODE, [JS_BIN, ...er]],
      full: [BIN, er, fullEnv],
      fullLinked: [linked, er, fullEnv],
    },
    () => {},
    3 * ROUNDS,
  );
  if (!answeredByPromise(er)) throw new Error('the promise stopped holding during the rounds');
  const rss = {
    door: rssOf(hasGnuTime, BIN, er),
    node: rssOf(hasGnuTime, NODE, bare),
    kill0: rssOf(hasGnuTime, '/bin/sh', KILL0),
    js: rssOf(hasGnuTime, NODE, [JS_BIN, ...er]),
    full: rssOf(hasGnuTime, BIN, er, () => {}, fullEnv),
  };
  const verdict = (value, target) => (value <= target ? 'ok' : 'OVER TARGET');
  const mib = (kib) => (kib === null ? 'not measured' : `${(kib / 1024).toFixed(1)} MiB`);
  console.log(`\nHealthy check of a running program (ensure-running --pid app.pid -- sleep 86400), medians of ${3 * ROUNDS} alternating rounds`);
  console.log(`  installed command (sh front door): ${ms(median(walls.door))}, peak RSS ${mib(rss.door)}`);
  console.log(`  node -e 0:                         ${ms(median(walls.node))}, peak RSS ${mib(rss.node)}`);
  console.log(`  sh kill -0 "$(cat app.pid)":        ${ms(median(walls.kill0))}, peak RSS ${mib(rss.kill0)}`);
  console.log(`  node bin/ensure-running.js:        ${ms(median(walls.js))}, peak RSS ${mib(rss.js)}`);
  console.log(`  full check (NO_FAST_PATH=1):       ${ms(median(walls.full))}, peak RSS ${mib(rss.full)}`);
  const doorNode = ratioOf(walls, 'door', 'node');
  const doorKill = ratioOf(walls, 'door', 'kill0');
  const jsNode = ratioOf(walls, 'js', 'node');
  console.log(`  front door / node -e 0:  ${doorNode.toFixed(3)} (target <= ${TARGET.doorVsNode}) ${verdict(doorNode, TARGET.doorVsNode)}`);
  console.log(`  front door / kill -0:    ${doorKill.toFixed(2)} (target <= ${TARGET.doorVsKill0}) ${verdict(doorKill, TARGET.doorVsKill0)}`);
  if (rss.door !== null)
    console.log(`  front door peak RSS:     ${mib(rss.door)} (target <= ${TARGET.doorRssMiB} MiB) ${verdict(rss.door / 1024, TARGET.doorRssMiB)}`);
  console.log(`  node path / node -e 0:   ${jsNode.toFixed(3)} (target <= ${TARGET.jsVsNode}) ${verdict(jsNode, TARGET.jsVsNode)}`);
  const fullNode = ratioOf(walls, 'full', 'node');
  console.log(`  full check / node -e 0:  ${fullNode.toFixed(3)} (target <= ${TARGET.fullVsNode}) ${verdict(fullNode, TARGET.fullVsNode)}`);
  if (rss.full !== null)
    console.log(`  full check peak RSS:     ${mib(rss.full)} (target <= ${TARGET.fullRssMiB} MiB) ${verdict(rss.full / 1024, TARGET.fullRssMiB)}`);
  console.log(
    `  the same through npm's link (PREFIX/bin/ensure-running): ${ms(median(walls.fullLinked))}, ${ratioOf(walls, 'fullLinked', 'node').toFixed(3)} x node -e 0`,
  );
  if (ONLY === 'healthy') return;

  // With --heartbeat: the program beats between checks (here the bench touches the file before each one).
  const beat = join(dir, 'hb');
  writeFileSync(beat, '');
  const hbArgs = check('beat.pid', ['--heartbeat', beat, '--heartbeat-timeout', '60s', '--heartbeat-grace', '1s']);
  if (timed(BIN, check('beat.pid', ['--start-secs', '0', '--heartbeat', beat, '--heartbeat-timeout', '60s', '--heartbeat-grace', '1s'])).status !== 0)
    throw new Error('heartbeat setup failed');
  pidIn('beat.pid');
  await new Promise((done) => setTimeout(done, 1200));
  const touchBeat = () => {
    const now = Date.now() / 1000;
    utimesSync(beat, now, now);
  };
  touchBeat();
  if (timed(BIN, hbArgs, { env: { ...env(), ENSURE_RUNNING_NO_FAST_PATH: '1' } }).status !== 0) throw new Error('heartbeat full check failed');
  touchBeat();
  if (!answeredByPromise(hbArgs)) throw new Error('the front door did not answer the heartbeat check from the promise');
  const hbWalls = rounds({ door: [BIN, hbArgs], node: [NODE, bare] }, (who) => who === 'door' && touchBeat());
  const hbRss = rssOf(hasGnuTime, BIN, hbArgs, touchBeat);
  console.log(
    `\nHealthy check with --heartbeat (fresh beat): ${ms(median(hbWalls.door))}, ratio ` +
      `to node -e 0 ${ratioOf(hbWalls, 'door', 'node').toFixed(3)}, peak RSS ${mib(hbRss)}`,
  );

  // Relaunch latency: a program found dead at a check (each round its own PID file, so that
  // the crash-loop policy never sees crowded deaths), through the installed command.
  const relaunch = [];
  for (let i = 0; i < 10; i++) {
    const pidFile = `relaunch-${i}.pid`;
    if (timed(BIN, check(pidFile, ['--start-secs', '0'])).status !== 0) throw new Error('relaunch setup failed');
    await killAndWait(pidIn(pidFile));
    const run = timed(BIN, check(pidFile, ['--start-secs', '0']));
    if (run.status !== 0) throw new Error(`relaunch failed: ${run.stderr}`);
    pidIn(pidFile);
    relaunch.push(run.wallMs);
  }
  console.log(`Relaunch of a dead program with --start-secs 0 (front door, then node): median ${ms(median(relaunch))} (10 rounds)`);

  // A herd: 50 calls at once on a program that has died.
  if (timed(BIN, check('herd.pid', ['--start-secs', '0'])).status !== 0) throw new Error('herd setup failed');
  await killAndWait(pidIn('herd.pid'));
  const t0 = process.hrtime.bigint();
  const codes = await runAll(Array.from({ length: 50 }, () => check('herd.pid')));
  const herdMs = Number(process.hrtime.bigint() - t0) / 1e6;
  pidIn('herd.pid');
  const instances = instancesOf(join(dir, 'herd.pid'));
  for (const pid of instances) started.add(pid);
  const codeCounts = Object.entries(codes.reduce((acc, code) => Object.assign(acc, { [code]: (acc[code] ?? 0) + 1 }), {})).map(
    ([code, n]) => `${n}x exit ${code}`,
  );
  console.log(
    `50 concurrent checks on a dead program (default --start-secs 1): all returned in ${ms(herdMs)}; ${codeCounts.join(', ')}; ` +
      `${instances.length} instance(s) running ${instances.length === 1 ? '(ok)' : '(WRONG: expected exactly one)'}`,
  );

  // Bare --status: 200 registered programs vs one (each home is a registry of its own).
  if (timed(BIN, check('solo.pid', ['--start-secs', '0']), { env: env('registry-1') }).status !== 0) throw new Error('solo setup failed');
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
      const run = timed(BIN, ['--status'], { env: env(home) });
      if (run.status !== 0) throw new Error(`--status exited ${run.status}: ${run.stderr}`);
      lines = run.stdout.trim().split('\n').length;
      runs.push(run.wallMs);
    }
    return { wall: median(runs), lines };
  };
  const one = statusOf('registry-1');
  const twoHundred = statusOf('registry-200');
  console.log(`Bare --status: 1 program ${ms(one.wall)} (${one.lines} lines), 200 programs ${ms(twoHundred.wall)} (${twoHundred.lines} lines)`);

  await configFigures();

  // --lease against a private PostgreSQL and Redis (scripts/bench-lease.ts, which reuses the tests' servers and proxy;
  // it says which store is not installed).
  spawnSync(NODE, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-lease.ts')], { cwd: ROOT, stdio: 'inherit' });

  // --respawn beside supervisord and pm2 (scripts/bench-respawn.mjs).
  await (await import('./bench-respawn.mjs')).benchRespawn();
}

/**
 * --config FILE: the programs of one file come up together. 50 programs from cold and again
 * after all of them were killed, 200 from cold, each in one call of the installed command
 * with the default --start-secs 1; then the healthy check of the 200, answered by the sh front
 * door from the file's promise. Each file has its own registry.
 */
async function configFigures() {
  const START_SECS = 1;
  const fileOf = (count) => {
    const name = `programs-${count}`;
    const tables = Array.from({ length: count }, (_, i) => `[programs.p${i}]\ncommand = ["sleep", "${86400 + i}"]\n`);
    writeFileSync(join(dir, `${name}.toml`), `[defaults]\nstate-dir = "${name}"\nstart-secs = ${START_SECS}\n\n${tables.join('\n')}`);
    return { args: ['--config', `${name}.toml`], env: env(`registry-${name}`), pidFiles: Array.from({ length: count }, (_, i) => `${name}/p${i}.pid`) };
  };
  const call = (file, what) => {
    const run = timed(BIN, file.args, { env: file.env });
    if (run.status !== 0) throw new Error(`${what}: the call exited ${run.status}: ${run.stderr.slice(0, 2000)}`);
    const pids = file.pidFiles.map(pidIn);
    const down = pids.filter((pid) => !alive(pid)).length;
    if (down > 0) throw new Error(`${what}: ${down} of ${pids.length} programs are not running after the call`);
    return { wallMs: run.wallMs, pids };
  };
  const verdict = (wallMs, slackSecs) => {
    const target = (START_SECS + slackSecs) * 1000;
    return `${(wallMs / 1000).toFixed(2)} s (target <= --start-secs + ${slackSecs} s = ${target / 1000} s) ${wallMs <= target ? 'ok' : 'OVER TARGET'}`;
  };
  console.log(`\n--config FILE, its programs checked together (--start-secs ${START_SECS}; one call of the installed command each)`);
  const fifty = fileOf(50);
  const cold = call(fifty, '50 from cold');
  console.log(`  50 programs from cold:               ${verdict(cold.wallMs, 3)}`);
  for (const pid of cold.pids) await killAndWait(pid);
  const back = call(fifty, '50 after a kill of all');
  console.log(`  50 programs after all were killed:   ${verdict(back.wallMs, 3)}`);
  const many = fileOf(200);
  const coldMany = call(many, '200 from cold');
  console.log(`  200 programs from cold:              ${verdict(coldMany.wallMs, 10)}`);
  // The next call is quiet and gives the file's promise; the front door then answers alone.
  call(many, '200, the quiet call');
  const door = (extra = {}) => timed(BIN, many.args, { env: { ...many.env, ...extra } });
  if (door({ ENSURE_RUNNING_NODE: '/bin/false' }).status !== 0)
    throw new Error('the front door did not answer the healthy call of 200 programs from its promise');
  const walls = [];
  for (let i = 0; i < Math.min(ROUNDS, 20); i++) {
    const run = door();
    if (run.status !== 0 || run.stderr !== '') throw new Error(`the healthy call of 200 programs failed: ${run.stderr}`);
    walls.push(run.wallMs);
  }
  console.log(`  healthy check of the 200 (sh front door, the file's promise): ${ms(median(walls))} (median of ${walls.length})`);
}

try {
  await main();
} finally {
  cleanup();
}
