// A FIFO at a log path (planted in a shared directory, or left by mistake) must not hang the
// check: it is refused in one line, exit 2, said once, and the check ends at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Sandbox, fixture, lines } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('a FIFO at the log path: exit 2 in one line naming it, no hang, nothing launched, said once', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('fifo');
  t.after(cleanupMarked(box, marker));
  execFileSync('mkfifo', [box.path('app.log')]);
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  // Before the fix the open blocked for ever (and SIGTERM could not end it): the timeout shows it.
  const first = await box.run(args, { timeoutMs: 20_000 });
  assert.equal(first.signal, null, 'the check ended by itself');
  assert.equal(first.code, 2, first.stderr);
  assert.equal(lines(first.stderr).length, 1, first.stderr);
  assert.ok(first.stderr.includes(box.path('app.log')), first.stderr);
  assert.match(first.stderr, /FIFO/);
  assert.deepEqual(pidsWithArg(marker), [], 'nothing launched');
  assert.ok(!existsSync(box.path('app.pid.lock')), 'the lock is released');

  const second = await box.run(args, { timeoutMs: 20_000 });
  assert.deepEqual([second.code, second.stdout, second.stderr], [2, '', ''], 'said once, not every minute');
});

test('a FIFO with a reader at a --stderr path is refused too; /dev/null is a fine log', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('fifo-reader');
  t.after(cleanupMarked(box, marker));
  execFileSync('mkfifo', [box.path('err.log')]);
  // A reader holds the FIFO open, so a non-blocking open for writing succeeds: the type check refuses it.
  const reader = box.track(Number(execFileSync('sh', ['-c', `cat ${box.path('err.log')} >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim()));
  assert.ok(reader > 1);
  const run = await box.run(['--pid', 'app.pid', '--stderr', box.path('err.log'), '--start-secs', '0', '--', fixture('forever.js'), marker], {
    timeoutMs: 20_000,
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /FIFO/);
  assert.deepEqual(pidsWithArg(marker), []);

  const quiet = await box.run(['--pid', 'quiet.pid', '--log', '/dev/null', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(quiet.code, 0, quiet.stderr);
  const pid = box.pidOf('quiet.pid');
  assert.deepEqual(pidsWithArg(marker), [pid]);
});
