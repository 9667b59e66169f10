// A check has an overall time bound and ends on SIGTERM: whatever hangs, it ends, releases
// its lock and says so in one line, so that cron's calls never pile up behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, Sandbox, fixture, lines, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('a check stalled under the lock ends at its time bound: one line, exit 1, lock released', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('stall');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const run = await box.run(args, {
    env: box.env({ ENSURE_RUNNING_FAILPOINT: 'stall:after-lock', ENSURE_RUNNING_FAILPOINT_LIMIT_MS: '1500' }),
    timeoutMs: 30_000,
  });
  assert.equal(run.signal, null, 'it ended by itself');
  assert.equal(run.code, 1, run.stderr);
  assert.equal(lines(run.stderr).filter((line) => !line.startsWith('failpoint:')).length, 1, run.stderr);
  assert.match(run.stderr, /did not finish within/);
  assert.ok(!existsSync(box.path('app.pid.lock')), 'the lock is released');
  // The next check is not blocked by it.
  const next = await box.run(args);
  assert.equal(next.code, 0, next.stderr);
  assert.equal(pidsWithArg(marker).length, 1);
});

test('SIGTERM ends a stalled check at once and releases its lock', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('stall-term');
  t.after(cleanupMarked(box, marker));
  const child = spawn(BIN, ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker], {
    cwd: box.dir,
    env: box.env({ ENSURE_RUNNING_FAILPOINT: 'stall:after-lock' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  box.spawned(child.pid!);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ended = new Promise<{ code: number | null; signal: string | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  await waitUntil(() => stderr.includes('stalled at after-lock'), 'the check to stall under the lock', 60_000);
  assert.ok(existsSync(box.path('app.pid.lock')), 'it holds the lock');
  child.kill('SIGTERM');
  const result = await Promise.race([ended, new Promise<null>((done) => setTimeout(() => done(null), 15_000))]);
  assert.ok(result, 'the check ended after SIGTERM');
  assert.ok(!existsSync(box.path('app.pid.lock')), 'the lock is released');
});
