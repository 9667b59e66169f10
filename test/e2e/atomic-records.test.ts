// The records are replaced, never rewritten in place: a reader that opened the old PID or
// state file (here, a hard link kept to it) still holds the old content after a relaunch,
// which only a new file renamed over the name can give. Written in place, it would change
// under the reader, and a reader could see it empty or half written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, statSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('a hard link to the PID and state files kept across a relaunch still holds the old run: both were replaced by a rename', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('atomic');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const old = box.pidOf();
  const oldState = readOr(box.path('app.state.json'));
  linkSync(box.path('app.pid'), box.path('held.pid'));
  linkSync(box.path('app.state.json'), box.path('held.state.json'));

  process.kill(old, 'SIGKILL');
  await waitUntil(() => !isAlive(old), `pid ${old} to die`);
  const relaunch = await box.run(args);
  assert.equal(relaunch.code, 0, relaunch.stderr);
  assert.match(relaunch.stderr, /started/);
  const fresh = box.pidOf();
  assert.notEqual(fresh, old);
  assert.deepEqual(pidsWithArg(marker), [fresh]);

  assert.equal(readOr(box.path('app.pid')), `${fresh}\n`, 'the PID file names the new run');
  assert.equal(readOr(box.path('held.pid')), `${old}\n`, 'the old PID file, held open by a link, was not written over');
  assert.notEqual(statSync(box.path('app.pid')).ino, statSync(box.path('held.pid')).ino, 'the PID file is a new file');
  assert.equal(readOr(box.path('held.state.json')), oldState, 'the old state file, held by a link, was not written over');
  assert.notEqual(statSync(box.path('app.state.json')).ino, statSync(box.path('held.state.json')).ino, 'the state file is a new file');
});
