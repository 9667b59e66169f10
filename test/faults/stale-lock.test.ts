// A check that stands still (starved, swapped out, stopped) past the lock's stale period
// loses its lock to the next call. If it had recorded a launch, that call must not launch
// beside it: when the first one wakes up, it spawns, and there would be two copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { Sandbox, BIN, fixture, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, procStat, uniqueMarker } from '../proc.ts';

const STALE_MS = 10_000;

test('a check that stood still past the stale period with a launch on record: no copy launched beside it', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('stale-lock');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = spawn(BIN, args, { cwd: box.dir, env: box.env({ ENSURE_RUNNING_FAILPOINT: 'pause:before-spawn' }), stdio: ['ignore', 'ignore', 'pipe'] });
  box.spawned(first.pid!);
  let stderr = '';
  first.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ended = new Promise<number | null>((done) => first.once('exit', (code) => done(code)));
  await waitUntil(
    () => stderr.includes('paused at before-spawn') && procStat(first.pid!)?.state === 'T',
    'the first check to stop right before its spawn',
    60_000,
  );
  // Its lock is no longer refreshed: wait until any caller may take it over.
  await waitUntil(() => Date.now() - statSync(box.path('app.pid.lock')).mtimeMs > STALE_MS + 500, 'the lock to go stale', 60_000, 200);

  const second = await box.run(args);
  // The stopped check itself carries the marker in its arguments; the program would be another PID.
  assert.deepEqual(
    pidsWithArg(marker).filter((pid) => pid !== first.pid),
    [],
    'the second check launched nothing beside the stopped one',
  );
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`check pid ${first.pid} recorded a launch and is still alive`));

  process.kill(first.pid!, 'SIGCONT');
  await ended;
  const third = await box.run(args);
  assert.ok(third.code === 0, third.stderr);
  assert.equal(pidsWithArg(marker).length, 1, 'exactly one copy, the one the first check launched when it woke up');
});
