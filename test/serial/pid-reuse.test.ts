// Real PID reuse: the target dies and an unrelated process gets its PID (as root, via ns_last_pid).
// A check must relaunch, and neither the check nor --stop may touch the impostor, even one
// that takes the PID in the middle of a stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
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

test('identity is checked again before SIGKILL: an impostor placed on the PID between the stop signal and SIGKILL survives', { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('reuse-mid-stop');
  t.after(cleanupMarked(box, marker));
  const run = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('helper-stays.cjs'), box.path('pids.txt'), marker]);
  assert.equal(run.code, 0, run.stderr);
  const pid = box.pidOf();
  const [, helper] = (await waitUntil(() => readOr(box.path('pids.txt')), 'the program to report its helper')).trim().split(' ').map(Number);
  box.track(helper!);

  // The program leaves at SIGTERM; its helper (another session, same launch token) stays, so
  // the stop waits out --kill-after, then sends SIGKILL to the run.
  const stop = spawn(BIN, ['--pid', 'app.pid', '--stop', '--kill-after', '15s'], { cwd: box.dir, env: box.env(), stdio: ['ignore', 'pipe', 'pipe'] });
  box.spawned(stop.pid!);
  let said = '';
  for (const stream of [stop.stdout!, stop.stderr!]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const ended = new Promise<number | null>((done) => stop.once('exit', (code) => done(code)));
  await waitUntil(() => !existsSync(`/proc/${pid}`), `pid ${pid} to end at SIGTERM and be reaped`, 20_000);
  const impostor = await impostorAt(box, pid);
  assert.equal(stop.exitCode, null, 'the impostor took the PID while the stop still waited for the helper');

  assert.equal(await ended, 0, said);
  assert.ok(!isAlive(helper!), 'the helper got SIGKILL');
  assert.ok(isAlive(impostor), 'the impostor on the PID was not signalled: its identity was checked before SIGKILL');
});
