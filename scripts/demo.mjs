// A guided run of ensure-running on examples/server.js in a temporary folder: launch, a
// silent healthy check, --status, a crash, the relaunch, --status --history, --stop.
// Usage: npm run demo. It kills what it started, by PID, and removes the folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll } from './kill-all.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
// The installed command: the POSIX sh front door, which runs node only when it must.
const BIN = join(ROOT, 'bin', 'ensure-running');
const SERVER = join(ROOT, 'examples', 'server.js');
const dir = mkdtempSync(join(tmpdir(), 'ensure-running-demo-'));
const pidFile = join(dir, 'server.pid');
const started = new Set();
const env = { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? '/usr/bin:/bin'}`, ENSURE_RUNNING_HOME: join(dir, 'registry') };
const command = ['--', process.execPath, SERVER];

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const shown = (args) =>
  [
    'ensure-running',
    ...args.map((a) => (a === process.execPath ? 'node' : a === SERVER ? 'examples/server.js' : a.startsWith(dir) ? a.slice(dir.length + 1) : a)),
  ].join(' ');

function step(title) {
  console.log(`\n${bold(`== ${title}`)}`);
}

/** Runs the CLI as cron would, shows what it printed and its exit code. */
function cli(args, extraEnv = {}) {
  console.log(`$ ${shown(args)}`);
  const result = spawnSync(BIN, args, { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  const out = `${result.stdout}${result.stderr}`.trimEnd();
  console.log(out ? out.replace(/^/gm, '  ') : '  (nothing printed)');
  console.log(`  exit code ${result.status}`);
  trackPid();
  return result.status;
}

function trackPid() {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 1) started.add(pid);
    return pid;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function waitUntil(what, predicate, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`demo: gave up waiting until ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

async function get(port) {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return (await response.text()).trim();
}

function portOf(pid) {
  const log = readFileSync(join(dir, 'server.log'), 'utf8');
  const line = log.split('\n').find((l) => l.includes(`pid ${pid} listening on`));
  return line ? Number(line.match(/:(\d+)\/$/)?.[1]) : null;
}

function cleanup() {
  killAll(started);
  rmSync(dir, { recursive: true, force: true });
}

async function demo() {
  console.log(`ensure-running demo in ${dir}`);
  console.log('Each call below is what cron would run every minute (stdin closed, output mailed).');

  step('1. The first check finds nothing running and launches the server, detached');
  cli(['--pid', pidFile, ...command]);
  const first = trackPid();
  await waitUntil('the server listens', () => portOf(first) !== null);
  console.log(`  the server answers: ${await get(portOf(first))}`);

  step('2. The next check finds it running: exit 0, nothing printed (cron mails nothing)');
  cli(['--pid', pidFile, ...command]);

  step('2b. That check left a quiet promise (server.promise), so the next one is answered by the shell alone');
  console.log('  (for this call only, node is replaced by /bin/false: exit code 0 shows that node was not needed)');
  cli(['--pid', pidFile, ...command], { ENSURE_RUNNING_NODE: '/bin/false' });

  step('3. --status says what runs, since when, and where its log is');
  cli(['--pid', pidFile, '--status']);

  step(`4. The server crashes (here: kill -KILL ${first})`);
  process.kill(first, 'SIGKILL');
  await waitUntil('the server is gone', () => !alive(first));
  console.log(`  pid ${first} is gone; server.pid still says ${first}`);

  step('5. The next check notices, says so once, and launches it again');
  cli(['--pid', pidFile, ...command]);
  const second = trackPid();
  await waitUntil('the new server listens', () => portOf(second) !== null);
  console.log(`  the new server answers: ${await get(portOf(second))}`);

  step('6. --status --history lists launches and deaths');
  cli(['--pid', pidFile, '--status', '--history']);

  step('7. --stop stops it and holds it stopped: checks leave it alone until --start');
  cli(['--pid', pidFile, '--stop']);
  await waitUntil('the server has stopped', () => !alive(second));
  cli(['--pid', pidFile, ...command]);
  cli(['--pid', pidFile, '--status']);

  step('8. Every program this user guards (here: the demo registry), as a table');
  cli(['--status']);

  const leftover = [...started].filter(alive);
  console.log(`\nDone: ${leftover.length === 0 ? 'no process left behind' : `still alive: ${leftover.join(', ')} (killing them now)`}; removing ${dir}.`);
  console.log('Next: npm test, or read README.md for the crontab line.');
}

if (!existsSync(join(ROOT, 'dist', 'full.cjs'))) {
  console.log('demo: building first (npm run build)');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  await demo();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  cleanup();
}
