// A healthy full check with duties beyond liveness (here --interval, which has the check look
// at its cadence) loads the duties' code, but not what only an HTTP probe uses: node:http and
// node:https (with tls, crypto, net and the streams) are loaded by the probe itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { JS_BIN, NODE, Sandbox, fixture, runProcess } from '../helpers.ts';

const PROBE_ONLY = ['http', 'https', 'tls', 'net', 'crypto', 'stream'];

/** Runs node's path of the installed command with the quiet promise off; returns its exit, stderr and the built-in modules it loaded. */
async function fullCheck(box: Sandbox, args: string[]): Promise<{ code: number | null; stderr: string; loaded: Set<string> }> {
  const record = box.path('loaded.txt');
  const preload = box.path('record-loads.cjs');
  writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.RECORD_LOADS, process.moduleLoadList.join('\\n')));\n");
  const run = await runProcess(NODE, ['-r', preload, JS_BIN, ...args], {
    cwd: box.dir,
    env: box.env({ ENSURE_RUNNING_NO_FAST_PATH: '1', RECORD_LOADS: record }),
  });
  const loaded = new Set(
    readFileSync(record, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('NativeModule '))
      .map((line) => line.slice('NativeModule '.length)),
  );
  return { code: run.code, stderr: run.stderr, loaded };
}

test('a healthy full check with duties (--interval) loads no HTTP, TLS, crypto, net or stream module', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--interval', '1m', '--', fixture('forever.js')];
  assert.equal((await fullCheck(box, args)).code, 0);
  box.pidOf();
  const healthy = await fullCheck(box, args);
  assert.deepEqual([healthy.code, healthy.stderr], [0, '']);
  assert.ok(healthy.loaded.has('fs'), 'the trace lists what was loaded');
  assert.deepEqual(
    PROBE_ONLY.filter((name) => healthy.loaded.has(name)),
    [],
    'built-in modules loaded by a healthy full check with --interval',
  );
});
