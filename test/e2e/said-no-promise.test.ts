// The quiet promise is given only by a check that said nothing: a check that printed any
// line (a relaunch, a warning) exits 0 but leaves no promise behind, so the next call runs
// the full check instead of the shell answering "quiet" for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { Sandbox, fixture, isAlive, waitUntil } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';

async function quietWithPromise(box: Sandbox, args: string[]): Promise<void> {
  const quiet = await box.run(args);
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], 'a healthy check is quiet');
  assert.ok(existsSync(box.path('app.promise')), 'a quiet check leaves a promise');
}

test('a check that said something leaves no promise: a relaunch, then a warning, each exit 0', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('said');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /started/);
  assert.ok(!existsSync(box.path('app.promise')), 'the launch said "started": no promise');
  const pid = box.pidOf();
  await quietWithPromise(box, args);

  // A relaunch: one line, exit 0.
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), `pid ${pid} to die`);
  const relaunch = await box.run(args);
  assert.equal(relaunch.code, 0, relaunch.stderr);
  assert.match(relaunch.stderr, /started/);
  assert.ok(!existsSync(box.path('app.promise')), 'the relaunch said a line: no promise left');
  box.pidOf();
  await quietWithPromise(box, args);

  // A warning: the state file was made writable by others; said once, exit 0, the program kept.
  // (The promise is removed first, so that this call is a full check: it is what is tested.)
  rmSync(box.path('app.promise'));
  chmodSync(box.path('app.state.json'), 0o666);
  const warned = await box.run(args);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /not trusted/);
  assert.ok(!existsSync(box.path('app.promise')), 'the warning was a line: no promise left');
  await quietWithPromise(box, args);
});
