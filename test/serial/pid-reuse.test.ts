// Real PID reuse: the target dies and an unrelated process gets its PID (as root, via ns_last_pid).
// A check must relaunch, and neither the check nor --stop may touch the impostor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Sandbox, fixture, isAlive, waitUntil } from '../helpers.ts';
import { pidsWithArg, uniqueMarker, cleanupMarked, impostorAt, pidReuseSkip } from '../proc.ts';

const skip = pidReuseSkip;

/** Launches the guarded program, kills it, waits until its PID is free, and puts an impostor there. */
async function launchKillAndReuse(box: Sandbox, marker: string): Promise<{ old: number; impostor: number }> {
  const run = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(run.code, 0, run.stderr);
  const old = box.pidOf();
  process.kill(old, 'SIGKILL');
  // The PID is free only once the zombie is reaped (by init, which may take a moment).
  await waitUntil(() => !existsSync(`/proc/${old}`), `pid ${old} to be reaped`, 20_000);
  const impostor = await impostorAt(box, old);
  assert.ok(isAlive(impostor));
  return { old, impostor };
}

test('a check relaunches when the recorded PID now belongs to an impostor, and leaves the impostor alone', { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('reuse');
  t.after(cleanupMarked(box, marker));
  const reuse = await launchKillAndReuse(box, marker);
  const check = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, /started/);
  const fresh = box.pidOf();
  assert.notEqual(fresh, reuse.old);
  assert.deepEqual(pidsWithArg(marker), [fresh]);
  assert.ok(isAlive(reuse.impostor), 'the impostor is untouched');

  // Stopping the new instance does not touch the impostor either.
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '1s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.ok(!isAlive(fresh));
  assert.ok(isAlive(reuse.impostor), 'the impostor survived --stop');
});

test('--stop finds the recorded PID reused and signals nobody', { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('reuse-stop');
  t.after(cleanupMarked(box, marker));
  const reuse = await launchKillAndReuse(box, marker);
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '1s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /not running/);
  assert.ok(isAlive(reuse.impostor), 'the impostor was not signalled');
  // Once held, --start launches a real instance; the impostor still runs.
  const start = await box.run(['--pid', 'app.pid', '--start', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(start.code, 0, start.stderr);
  const fresh = box.pidOf();
  assert.notEqual(fresh, reuse.old);
  assert.deepEqual(pidsWithArg(marker), [fresh]);
  assert.ok(isAlive(reuse.impostor));
  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  assert.equal(JSON.parse(status.stdout).pid, fresh);
});
