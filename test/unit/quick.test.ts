// The node half of the fast path (src/commands/quick.ts): which promise file a call names,
// and that any doubt sends the call on to the full check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { keepsPromise, promiseFileOf } from '../../src/commands/quick.ts';
import { Sandbox } from '../helpers.ts';

test('promiseFileOf: the first --pid before --, with .pid replaced by .promise, from the call directory', () => {
  assert.equal(promiseFileOf(['--pid', 'app.pid', '--', 'x'], '/srv'), '/srv/app.promise');
  assert.equal(promiseFileOf(['--pid=/run/app.pid', '--pid', 'b.pid'], '/srv'), '/run/app.promise');
  assert.equal(promiseFileOf(['--pid', 'app', '--', 'x'], '/srv'), '/srv/app.promise', 'a PID file without .pid');
  assert.equal(promiseFileOf(['--', '--pid', 'app.pid'], '/srv'), null, "the program's own --pid is not ours");
  assert.equal(promiseFileOf(['--pid='], '/srv'), null);
  assert.equal(promiseFileOf(['--status'], '/srv'), null);
});

test('keepsPromise: no promise, a garbled one, or the opt-out variable → the full check decides', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const call = { argv: ['--pid', 'app.pid', '--', 'x'], cwd: box.dir, tz: null };
  assert.equal(keepsPromise(call, {}), false, 'no promise file');
  writeFileSync(box.path('app.promise'), 'not a promise\n');
  assert.equal(keepsPromise(call, {}), false, 'a promise that does not parse');
  assert.equal(keepsPromise(call, { ENSURE_RUNNING_NO_FAST_PATH: '1' }), false, 'the opt-out');
});
