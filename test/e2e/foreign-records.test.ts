// Records that do not prove identity: a PID file written by another tool, and a launch record
// from before a reboot. ensure-running never signals such a process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, startPlain } from '../helpers.ts';
import { pidsWithArg, uniqueMarker, cleanupMarked, startTimeOf } from '../proc.ts';

test('a PID file written by another tool: judged by liveness only, said so, never signalled', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('foreign');
  t.after(() => box.cleanup());
  const other = startPlain(box, process.execPath, [fixture('forever.js'), 'not-ours']);
  writeFileSync(box.path('app.pid'), `${other}\n`);
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];

  const check = await box.run(args);
  assert.deepEqual([check.code, check.stdout, check.stderr], [0, '', ''], 'alive: nothing to do');
  assert.deepEqual(pidsWithArg(marker), [], 'nothing launched beside it');

  // Alive but unproven: --status exits 4 (unknown), so that a monitor does not take it for the program.
  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  assert.equal(status.code, 4);
  const json = JSON.parse(status.stdout);
  assert.equal(json.verified, false);
  assert.match(json.note, /liveness alone/);

  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '1s']);
  assert.equal(stop.code, 1, stop.stderr);
  assert.match(stop.stderr, new RegExp(`pid ${other}.*not signalled`));
  assert.match(stop.stderr, new RegExp(`kill ${other}`), 'says how to stop it by hand');
  assert.ok(isAlive(other), 'the process is untouched');
});

test('a launch record from before a reboot: not running, relaunched, the PID holder never signalled', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('reboot');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(args)).code, 0);
  const ours = box.pidOf();
  process.kill(ours, 'SIGKILL');
  // After a reboot the recorded PID may belong to anything: here, a live bystander whose
  // start time even matches the record. Only the boot id tells it apart.
  const bystander = startPlain(box, process.execPath, [fixture('forever.js'), 'bystander']);
  const state = JSON.parse(readOr(box.path('app.state.json')));
  state.identity = { ...state.identity, pid: bystander, startTime: startTimeOf(bystander), bootId: '00000000-0000-4000-8000-000000000000' };
  writeFileSync(box.path('app.state.json'), JSON.stringify(state));
  writeFileSync(box.path('app.pid'), `${bystander}\n`);

  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  assert.notEqual(JSON.parse(status.stdout).state, 'running', 'status does not take it for the program');

  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '1s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /was not running/);
  assert.ok(isAlive(bystander), '--stop did not signal the bystander');

  const start = await box.run(['--pid', 'app.pid', '--start', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stderr, /started/);
  assert.equal(pidsWithArg(marker).length, 1, 'relaunched');
  assert.ok(isAlive(bystander), 'the check did not signal the bystander either');
});
