// The full check of a healthy program (node under the lock, no quiet promise) loads only what
// it needs: no hash (crypto), no launch (child_process), no stream modules (an
// output stream on a pipe), no assert. Seen in the built-in modules Node has loaded when the
// check exits (process.moduleLoadList), recorded by a preloaded script; and no thread pool.
// Node's path answering from the promise loads nothing an empty CommonJS script does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JS_BIN, NODE, ROOT, Sandbox, atProcessEnd, fixture, runProcess } from '../helpers.ts';

/** Built-in modules that a healthy check must not load (each cost measured in docs/speed.md). */
const NOT_ON_THE_HEALTHY_PATH = ['crypto', 'child_process', 'stream', 'net', 'assert', 'os', 'internal/readline/interface', 'internal/fs/promises'];

/**
 * Runs node's path of the installed command with the quiet promise off (no arguments: `node
 * -e 0`); returns the built-in modules it loaded and its threads at exit.
 */
async function loadsOf(
  box: Sandbox,
  args: string[],
  { fullCheck = true, script = JS_BIN }: { fullCheck?: boolean; script?: string } = {},
): Promise<{ code: number | null; stderr: string; loaded: Set<string>; threads: number; waits: { resources: string[]; signals: string[] } }> {
  const record = box.path('loaded.txt');
  const preload = box.path('record-loads.cjs');
  writeFileSync(
    preload,
    atProcessEnd(
      "const fs = require('node:fs'); " +
        "fs.writeFileSync(process.env.RECORD_LOADS, process.moduleLoadList.join('\\n')); " +
        "fs.writeFileSync(process.env.RECORD_LOADS + '.threads', String(fs.readdirSync('/proc/self/task').length)); " +
        "fs.writeFileSync(process.env.RECORD_LOADS + '.waits', JSON.stringify({ resources: process.getActiveResourcesInfo(), " +
        "signals: ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'].filter((name) => process.listenerCount(name) > 0) }));",
    ),
  );
  // Pipes for stdout and stderr, as cron gives them.
  const run = await runProcess(NODE, ['-r', preload, ...(args.length || script !== JS_BIN ? [script, ...args] : ['-e', '0'])], {
    cwd: box.dir,
    env: box.env({ ...(fullCheck ? { ENSURE_RUNNING_NO_FAST_PATH: '1' } : {}), RECORD_LOADS: record }),
  });
  const loaded = new Set(
    readFileSync(record, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('NativeModule '))
      .map((line) => line.slice('NativeModule '.length)),
  );
  return {
    code: run.code,
    stderr: run.stderr,
    loaded,
    threads: Number(readFileSync(`${record}.threads`, 'utf8')),
    waits: JSON.parse(readFileSync(`${record}.waits`, 'utf8')),
  };
}

test('check bundle: the full check of a healthy program loads no hash, launch, stream or assert module, and starts no thread pool', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];

  // The first check launches: the same trace sees child_process and crypto then.
  const launch = await loadsOf(box, args);
  assert.equal(launch.code, 0, launch.stderr);
  box.pidOf();
  for (const name of ['child_process', 'crypto']) assert.ok(launch.loaded.has(name), `a launch loads ${name}`);

  const healthy = await loadsOf(box, args);
  assert.deepEqual([healthy.code, healthy.stderr], [0, '']);
  assert.ok(healthy.loaded.has('fs'), 'the trace lists what was loaded');
  assert.deepEqual(
    NOT_ON_THE_HEALTHY_PATH.filter((name) => healthy.loaded.has(name)),
    [],
    'built-in modules loaded by a healthy full check',
  );
  // The lock's calls are synchronous (src/os/lock.ts): no thread pool, as many threads as `node -e 0`.
  assert.equal(healthy.threads, (await loadsOf(box, [])).threads, 'threads at the exit of a healthy full check and of node -e 0');
  // Synchronous from start to end, it only looks and never turns the event loop: its time bound,
  // the lock's refresh timer and the lock's signal listeners, which only a turn can run, are never
  // set, nor the immediate that would set them at the first turn (src/os/first-turn.ts). A check
  // that goes on to act (a launch, above; a start window, below) listens from its first effect on.
  assert.deepEqual(healthy.waits, { resources: [], signals: [] }, 'timers, immediates and signal listeners at the exit of a healthy full check');
});

/** What only an HTTP probe (--health-url) uses: the probe loads them itself (src/os/http-probe.ts). */
const PROBE_ONLY = ['http', 'https', 'tls', 'net', 'crypto', 'stream'];

test('check bundle: a healthy full check with duties (--interval) loads no HTTP, TLS, crypto, net or stream module', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--interval', '1m', '--', fixture('forever.js')];
  assert.equal((await loadsOf(box, args)).code, 0);
  box.pidOf();
  const healthy = await loadsOf(box, args);
  assert.deepEqual([healthy.code, healthy.stderr], [0, '']);
  assert.ok(healthy.loaded.has('fs'), 'the trace lists what was loaded');
  assert.deepEqual(
    PROBE_ONLY.filter((name) => healthy.loaded.has(name)),
    [],
    'built-in modules loaded by a healthy full check with --interval',
  );
});

test('check bundle: a check that waits (a start window) has its lock listen for the rarer signals too once the event loop turns', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const launch = await loadsOf(box, ['--pid', 'app.pid', '--start-secs', '1', '--', fixture('forever.js')]);
  assert.equal(launch.code, 0, launch.stderr);
  box.pidOf();
  assert.deepEqual(launch.waits.signals, ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'], JSON.stringify(launch.waits));
});

test('node path: a call answered from the quiet promise loads no built-in module that an empty CommonJS script does not', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  assert.equal((await loadsOf(box, args)).code, 0);
  box.pidOf();
  // The second full check is quiet and leaves the promise the third call is answered from.
  const quiet = await loadsOf(box, args);
  assert.deepEqual([quiet.code, quiet.stderr], [0, '']);
  const promise = box.path('app.promise');
  const before = readFileSync(promise, 'utf8');
  const answered = await loadsOf(box, args, { fullCheck: false });
  assert.deepEqual([answered.code, answered.stderr], [0, '']);
  assert.equal(readFileSync(promise, 'utf8'), before, 'answered from the promise: no full check wrote a new one');
  assert.ok(!answered.loaded.has('vm'), 'the full check (compiled through node:vm) did not run');
  const empty = box.path('empty.cjs');
  writeFileSync(empty, '');
  const floor = await loadsOf(box, [], { fullCheck: false, script: empty });
  assert.deepEqual(
    [...answered.loaded].filter((name) => !floor.loaded.has(name)),
    [],
    'built-in modules loaded by the node path beyond an empty script',
  );
});

test('check bundle: its modules are laid out to run in order at load, none wrapped to run at its first use, and what it import()s is bound by name', () => {
  const text = readFileSync(join(ROOT, 'dist', 'check.cjs'), 'latin1');
  // esbuild wraps a module that is import()ed, and every module it imports, in a function run at first use.
  const wrapped = [...text.matchAll(/__esm\(\{"(src\/[^"]+)"/g)].map((found) => found[1]);
  assert.deepEqual(wrapped, [], 'modules of src/ wrapped');
  // A namespace used as a value is an object of getters, made at load.
  const namespaces = [...text.matchAll(/\b(\w+)_exports=\{\}/g)].map((found) => found[1]);
  assert.deepEqual(namespaces.sort(), ['check_entry', 'lib'], "namespace objects (the bundle's own exports, yargs-parser's)");
  // An import()ed module that reaches one left out of the bundle is left out with it: its import() fails aloud.
  assert.ok(text.includes('src/cli/schedules.js is not in dist/check.cjs'), 'schedules.ts left out');
  assert.ok(!text.includes('function resolveSchedules('), 'schedules.ts not bundled');
});
