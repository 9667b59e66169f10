// A --restart killed (SIGKILL: the OOM killer, a power cut) after its stop and before its
// launch leaves records that say the program was stopped, not a run that died: its pass puts
// the stop on file before the start (a crash checkpoint), and the next check launches the
// program with its "started" line, never a "died" one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { Sandbox, BIN, fixture, isAlive, waitUntil } from '../helpers.ts';
import { cleanupMarked, procStat, uniqueMarker } from '../proc.ts';

const STALE_MS = 10_000;

test('a --restart killed between its stop and its launch: the stop is on record, and the next check starts the program without a "died" line', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('restart-killed');
  t.after(cleanupMarked(box, marker));
  const command = ['--', fixture('forever.js'), marker];
  const first = await box.run(['--pid', 'app.pid', '--start-secs', '0', ...command]);
  assert.equal(first.code, 0, first.stderr);
  const old = box.pidOf();

  const restart = spawn(BIN, ['--pid', 'app.pid', '--start-secs', '0', '--restart', ...command], {
    cwd: box.dir,
    env: box.env({ ENSURE_RUNNING_FAILPOINT: 'pause:before-launch' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  box.spawned(restart.pid!);
  let said = '';
  for (const stream of [restart.stdout!, restart.stderr!]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const ended = new Promise<void>((done) => restart.once('exit', () => done()));
  await waitUntil(
    () => said.includes('paused at before-launch') && procStat(restart.pid!)?.state === 'T',
    'the --restart to stand still right before its launch',
    60_000,
  );
  process.kill(restart.pid!, 'SIGKILL');
  await ended;
  assert.equal(isAlive(old), false, 'the stop was done');

  const records = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8')) as { identity: unknown; events: { kind: string }[] };
  assert.equal(records.identity, null, 'no run on record: the stop is');
  assert.equal(records.events.at(-1)?.kind, 'stop');

  // The killed call's lock is left behind: the next check may take it once it is stale.
  await waitUntil(() => Date.now() - statSync(box.path('app.pid.lock')).mtimeMs > STALE_MS + 500, 'the lock to go stale', 60_000, 200);
  const next = await box.run(['--pid', 'app.pid', '--start-secs', '0', ...command]);
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stderr, /started/);
  assert.doesNotMatch(next.stderr, /died/);
});
