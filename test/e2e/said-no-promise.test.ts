// The quiet promise is given only by a check that said nothing: a check that printed any
// line (a relaunch, a warning) exits 0 but leaves no promise behind, so the next call runs
// the full check instead of the shell answering "quiet" for it. "Said nothing" is read from the
// check's transitions and warnings (src/commands/pass.ts): silent transitions give the promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
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

test('a check whose transitions said nothing (a crowded death relaunched in silence) prints nothing, exits 0 and gives the promise', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('silent');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  let pid = box.pidOf();
  // Two deaths said alone, the third with the crowd line: each said something, none leaves a promise.
  for (let kill = 1; kill <= 3; kill++) {
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), `kill ${kill} to take`);
    const loud = await box.run(args);
    assert.equal(loud.code, 0, loud.stderr);
    assert.match(loud.stderr, kill < 3 ? /died/ : /relaunched each time/);
    assert.ok(!existsSync(box.path('app.promise')), `kill ${kill}: the check said a line: no promise`);
    pid = box.pidOf();
  }
  // The fourth: its death and its launch are on record, and neither says a line.
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'kill 4 to take');
  const silent = await box.run(args);
  assert.deepEqual([silent.code, silent.stdout, silent.stderr], [0, '', ''], 'the crowded death and its relaunch are silent');
  const relaunched = box.pidOf();
  assert.notEqual(relaunched, pid, 'a new run');
  assert.ok(existsSync(box.path('app.promise')), 'silent transitions leave the promise');
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8')) as { events: { kind: string; pid?: number }[] };
  assert.deepEqual(
    state.events.slice(-2).map((e) => [e.kind, e.pid]),
    [
      ['death', pid],
      ['launch', relaunched],
    ],
    'the history keeps both',
  );
});
