// The first launch and the silent healthy path, end to end through the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, fixture, isAlive, readOr } from '../helpers.ts';

test('first launch starts the program once, and the healthy check prints nothing', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const first = await box.run(['--pid', 'app.pid', '--', fixture('forever.js')]);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  assert.match(first.stderr, new RegExp(`^app: started \\(pid ${pid}\\)\\n$`));
  assert.equal(first.stdout, '');
  assert.ok(isAlive(pid));
  assert.equal(readOr(box.path('app.pid')), `${pid}\n`);

  const second = await box.run(['--pid', 'app.pid', '--', fixture('forever.js')]);
  assert.deepEqual([second.code, second.stdout, second.stderr], [0, '', '']);
  assert.equal(box.pidOf(), pid);
});
