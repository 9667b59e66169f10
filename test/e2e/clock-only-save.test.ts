// A healthy full check moves only its clocks (when it last looked, when it saw the program
// alive): that save is renamed over the state file like every other, but not fsynced, since a
// power cut can cost nothing but those clocks. A check that records a change (a death, a
// launch) still fsyncs its records before it says anything. Counted with strace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, runProcess, waitUntil } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';
import { needs, tool } from '../tools.ts';

/** Runs one check under strace (the check itself, not the program it launches: no -f); returns its result and its fsync/fdatasync calls. */
async function tracedCheck(box: Sandbox, args: string[], name: string) {
  const trace = box.path(`${name}.strace`);
  const run = await runProcess(tool('strace'), ['-qq', '-e', 'trace=fsync,fdatasync', '-o', trace, BIN, ...args], {
    cwd: box.dir,
    env: box.env({ ENSURE_RUNNING_NO_FAST_PATH: '1' }),
  });
  const syncs = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => /\b(fsync|fdatasync)\(/.test(line)).length;
  return { run, syncs };
}

test('a healthy check saves its clocks without fsync; a check that records a relaunch fsyncs', { skip: needs('strace') }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('clocks');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const before = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));

  const healthy = await tracedCheck(box, args, 'healthy');
  assert.equal(healthy.run.code, 0, healthy.run.stderr);
  assert.equal(healthy.run.stderr, '', 'a healthy check says nothing');
  const after = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  assert.ok(after.lastCheckMs > before.lastCheckMs, 'the healthy check saved its clock');
  assert.equal(healthy.syncs, 0, 'a save of the clocks alone is not fsynced');

  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), `pid ${pid} to die`);
  const relaunch = await tracedCheck(box, args, 'relaunch');
  assert.equal(relaunch.run.code, 0, relaunch.run.stderr);
  assert.match(relaunch.run.stderr, /started/);
  assert.notEqual(box.pidOf(), pid);
  assert.ok(relaunch.syncs > 0, 'the records of a death and a launch are fsynced');
});
