// A check that stands still (starved, swapped out, stopped) between its look and its launch,
// past the lock's stale period, loses its lock to the next call, which finds the program dead
// and launches it. When the first check runs again it must see that its lock was taken over
// and launch nothing: it would otherwise start a second copy beside the one just launched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { Sandbox, BIN, fixture, isAlive, waitUntil } from '../helpers.ts';
import { cleanupMarked, pausedCall, pidsWithArg, procStat, uniqueMarker } from '../proc.ts';

const STALE_MS = 10_000;

test('a check stopped between its look and its launch while another takes its stale lock and launches: one copy, the first says "taken over"', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('taken-over');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = spawn(BIN, args, { cwd: box.dir, env: box.env({ ENSURE_RUNNING_FAILPOINT: 'pause:before-launch' }), stdio: ['ignore', 'pipe', 'pipe'] });
  box.spawned(first.pid!);
  let said = '';
  for (const stream of [first.stdout!, first.stderr!]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const ended = new Promise<number | null>((done) => first.once('exit', (code) => done(code)));
  await waitUntil(
    () => said.includes('paused at before-launch') && procStat(first.pid!)?.state === 'T',
    'the first check to stop right before its launch',
    60_000,
  );
  // Its lock is no longer refreshed: wait until any caller may take it over.
  await waitUntil(() => Date.now() - statSync(box.path('app.pid.lock')).mtimeMs > STALE_MS + 500, 'the lock to go stale', 60_000, 200);

  const second = await box.run(args);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /started/);
  const launched = box.pidOf();
  assert.deepEqual(
    pidsWithArg(marker).filter((pid) => pid !== first.pid),
    [launched],
    'the second check launched the program',
  );

  process.kill(first.pid!, 'SIGCONT');
  const code = await ended;
  assert.deepEqual(
    pidsWithArg(marker).filter((pid) => pid !== first.pid),
    [launched],
    'the first check, woken up, launched nothing beside it',
  );
  assert.equal(code, 1, said);
  assert.match(said, /taken over/);
  assert.ok(isAlive(launched));
  const third = await box.run(args);
  assert.deepEqual([third.code, third.stdout, third.stderr], [0, '', ''], 'the next check finds the one copy, quietly');
});

test('a check whose lock was taken over leaves the lock of the call that took it: it removes only its own', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('taken-over-kept');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  // Each check stops itself right before its launch.
  const first = await pausedCall(box, args, 'before-launch');
  await waitUntil(() => Date.now() - statSync(box.path('app.pid.lock')).mtimeMs > STALE_MS + 500, 'the lock to go stale', 60_000, 200);
  // The second takes the stale lock over and stops too, holding it.
  const second = await pausedCall(box, args, 'before-launch');
  const held = statSync(box.path('app.pid.lock')).ino;
  process.kill(first.pid, 'SIGCONT');
  assert.equal(await first.ended, 1, first.said());
  assert.match(first.said(), /taken over/);
  assert.equal(statSync(box.path('app.pid.lock'), { throwIfNoEntry: false })?.ino, held, "the second check's lock is still there");
  process.kill(second.pid, 'SIGCONT');
  assert.equal(await second.ended, 0, second.said());
  assert.equal(pidsWithArg(marker).length, 1, 'one copy');
});
