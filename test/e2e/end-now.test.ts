// A call that is over ends at once (src/cli/end-now.ts): a plain check and an answer from the
// promise end with their exit code and without Node's 'exit' event, whose first emission was
// 1-2% of a check. A preloaded listener of that event tells whether it was emitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { JS_BIN, NODE, Sandbox, fixture, preloaded, runProcess } from '../helpers.ts';

/** NODE_OPTIONS that preload a listener of 'exit'; `emitted()` says whether it ran since the last call. */
function exitListener(box: Sandbox): { env: NodeJS.ProcessEnv; emitted: () => boolean } {
  const { env, take } = preloaded(
    box,
    'exit-listener',
    (notes) => `process.on('exit', (code) => require('node:fs').appendFileSync(${notes}, code + '\\n'));\n`,
  );
  return { env, emitted: () => take().length > 0 };
}

test('a plain check ends with its exit code and without the exit event; other calls still emit it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const listener = exitListener(box);
  const full = box.env({ ...listener.env, ENSURE_RUNNING_NO_FAST_PATH: '1' });
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];

  const launched = await box.run(args, { env: full });
  assert.equal(launched.code, 0, launched.stderr);
  assert.match(launched.stdout + launched.stderr, /started/, JSON.stringify(launched));
  box.pidOf();
  assert.equal(listener.emitted(), false, 'the check that launched');
  assert.deepEqual(await box.run(args, { env: full }), { code: 0, signal: null, stdout: '', stderr: '' });
  assert.equal(listener.emitted(), false, 'the quiet full check');

  // A call that does not go through the plain check (dist/cli.js) ends as Node ends: the listener works.
  const status = await box.run(['--pid', 'app.pid', '--status'], { env: listener.env });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(listener.emitted(), true, '--status emits the exit event');

  // A check that fails keeps its exit code (2: a command that cannot be launched).
  const failed = await box.run(['--pid', 'other.pid', '--start-secs', '0', '--', box.path('no-such-program')], { env: full });
  assert.equal(failed.code, 2, failed.stderr);
  assert.match(failed.stderr, /no-such-program/);
  assert.equal(listener.emitted(), false, 'the check that failed');
});

test('the node path answered from the promise ends with exit 0 and without the exit event', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const listener = exitListener(box);
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  assert.equal((await box.run(args)).code, 0, 'the quiet full check gives the promise');
  assert.ok(existsSync(box.path('app.promise')), 'a promise to answer from');
  const answered = await runProcess(NODE, [JS_BIN, ...args], { cwd: box.dir, env: listener.env });
  assert.deepEqual(answered, { code: 0, signal: null, stdout: '', stderr: '' });
  assert.equal(listener.emitted(), false);
  // The same call told to skip the promise runs the full check, which ends the same way.
  const skipped = await runProcess(NODE, [JS_BIN, ...args], { cwd: box.dir, env: { ...listener.env, ENSURE_RUNNING_NO_FAST_PATH: '1' } });
  assert.deepEqual(skipped, { code: 0, signal: null, stdout: '', stderr: '' });
  assert.equal(listener.emitted(), false);
});
