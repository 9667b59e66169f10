// A healthy check throws nothing: the files it expects to be missing (the lock directory, the
// kept lines of a waiter, ...) are told by a look that returns, not by a failed call, whose
// error and stack Node builds at a cost of about 0.1 ms each (docs/speed.md). A preloaded
// script notes every synchronous node:fs call that throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { JS_BIN, NODE, Sandbox, fixture, preloaded, runProcess } from '../helpers.ts';

/** NODE_OPTIONS that preload the noting of throwing node:fs calls; `thrown()` returns (and clears) what was noted. */
function throwNoter(box: Sandbox): { env: NodeJS.ProcessEnv; thrown: () => string[] } {
  const { env, take } = preloaded(
    box,
    'fs-throws',
    (notes) => `const fs = require('node:fs');
const append = fs.appendFileSync;
for (const name of Object.keys(fs)) {
  const call = fs[name];
  if (!name.endsWith('Sync') || typeof call !== 'function') continue;
  fs[name] = function (...args) {
    try {
      return call.apply(this, args);
    } catch (error) {
      append(${notes}, name + ' ' + error.code + ' ' + String(args[0]) + '\\n');
      throw error;
    }
  };
}
`,
  );
  return { env, thrown: take };
}

test('the healthy full check and the node path answered from the promise make no node:fs call that throws', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const noter = throwNoter(box);
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  assert.equal((await box.run(args)).code, 0, 'the quiet full check gives the promise');

  const full = await box.run(args, { env: { ...noter.env, ENSURE_RUNNING_NO_FAST_PATH: '1' } });
  assert.deepEqual(full, { code: 0, signal: null, stdout: '', stderr: '' });
  assert.deepEqual(noter.thrown(), [], 'the full check');
  assert.ok(existsSync(box.path('app.promise')), 'a promise to answer from');
  const answered = await runProcess(NODE, [JS_BIN, ...args], { cwd: box.dir, env: noter.env });
  assert.deepEqual(answered, { code: 0, signal: null, stdout: '', stderr: '' });
  assert.deepEqual(noter.thrown(), [], 'the node path');

  // The noter sees a throw when there is one: a check whose --cwd is missing fails on it.
  const failing = await box.run(['--pid', 'other.pid', '--cwd', box.path('gone'), '--', fixture('forever.js')], { env: noter.env });
  assert.equal(failing.code, 2, failing.stderr);
  assert.notDeepEqual(noter.thrown(), [], 'a failed call is noted');
});
