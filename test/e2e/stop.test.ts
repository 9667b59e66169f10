// --stop kills the whole group (SIGKILL after --kill-after), removes the PID file and holds; --start and --restart undo it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil } from '../helpers.ts';
import { pidsWithArg, uniqueMarker } from '../proc.ts';

test('a program that ignores SIGTERM is stopped with its child, held, and started again on demand', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('stop');
  const cmd = ['--', fixture('ignore-term.cjs'), box.path('pids.txt'), marker];
  const pidArgs = ['--pid', 'app.pid', '--start-secs', '0'];

  assert.equal((await box.run([...pidArgs, ...cmd])).code, 0);
  const pid = box.pidOf();
  const [parent, child] = (await waitUntil(() => readOr(box.path('pids.txt')), 'the fixture to report its pids')).trim().split(' ').map(Number);
  assert.equal(parent, pid);
  box.track(child!);
  assert.ok(isAlive(child!));

  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '1s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /SIGKILL/);
  assert.equal(lines(stop.stdout).length, 1, stop.stdout);
  assert.ok(!isAlive(pid), 'the program is gone');
  assert.ok(!isAlive(child!), 'its child in the same group is gone');
  assert.match(readOr(box.path('app.log')), /ignoring SIGTERM/, 'SIGTERM was sent first');
  assert.ok(!existsSync(box.path('app.pid')), 'the PID file is removed');
  assert.equal(JSON.parse(readFileSync(box.path('app.state.json'), 'utf8')).held, true);

  // Held: a plain check launches nothing and says nothing.
  const check = await box.run([...pidArgs, ...cmd]);
  assert.deepEqual([check.code, check.stdout, check.stderr], [0, '', '']);
  assert.ok(!existsSync(box.path('app.pid')));
  assert.deepEqual(pidsWithArg(marker), []);

  const start = await box.run(['--pid', 'app.pid', '--start', '--start-secs', '0', ...cmd]);
  assert.equal(start.code, 0, start.stderr);
  const started = box.pidOf();
  assert.notEqual(started, pid);
  assert.ok(isAlive(started));
  await waitUntil(() => readOr(box.path('pids.txt')).startsWith(`${started} `), 'the new run to report its pids');
  box.track(Number(readOr(box.path('pids.txt')).trim().split(' ')[1]));

  const restart = await box.run(['--pid', 'app.pid', '--restart', '--kill-after', '1s', '--start-secs', '0', ...cmd]);
  assert.equal(restart.code, 0, restart.stderr);
  const restarted = box.pidOf();
  assert.notEqual(restarted, started);
  assert.ok(isAlive(restarted));
  assert.ok(!isAlive(started));
  assert.equal(JSON.parse(readFileSync(box.path('app.state.json'), 'utf8')).held, false);
  await waitUntil(() => readOr(box.path('pids.txt')).startsWith(`${restarted} `), 'the restarted run to report its pids');
  box.track(Number(readOr(box.path('pids.txt')).trim().split(' ')[1]));
  // Only the restarted program and its child carry the marker.
  assert.equal(pidsWithArg(marker).length, 1);
});

test('--stop of a program that is not running holds it and exits 0', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /not running/);
  const check = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')]);
  assert.deepEqual([check.code, check.stdout, check.stderr], [0, '', '']);
  assert.ok(!existsSync(box.path('app.pid')));
});

test('--stop also kills a TERM-ignoring child left in the group after its leader quit', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const run = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('leader-quits.cjs'), box.path('pids.txt')]);
  assert.equal(run.code, 0, run.stderr);
  const pid = box.pidOf();
  const [, child] = (await waitUntil(() => readOr(box.path('pids.txt')), 'the fixture to report its pids')).trim().split(' ').map(Number);
  box.track(child!);
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '1s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.ok(!isAlive(pid), 'the leader is gone');
  assert.ok(!isAlive(child!), 'the orphaned group member is gone too');
  assert.ok(!existsSync(box.path('app.pid')));
});
