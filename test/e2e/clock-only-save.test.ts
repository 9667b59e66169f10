// A healthy full check moves only its clocks (when it last looked, when it saw the program
// alive). When it gives the quiet promise, the promise's mark holds those times and the state
// file is left as it was (no rename over it, which ext4 pushes to the disk at once); --status
// reads them from the mark. When it gives none, the save is renamed over the state file like
// every other, but not fsynced, since a power cut can cost nothing but those clocks. A check
// that records a change (a death, a launch) still fsyncs its records before it says anything.
// Counted with strace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, runProcess, waitUntil } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';
import { needs, tool } from '../tools.ts';

/** Runs one full check under strace (the check itself, not the program it launches: no -f); returns its result, its fsync/fdatasync calls and its renames onto the state file. */
async function tracedCheck(box: Sandbox, args: string[], name: string) {
  const trace = box.path(`${name}.strace`);
  const run = await runProcess(tool('strace'), ['-qq', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', trace, BIN, ...args], {
    cwd: box.dir,
    env: box.env({ ENSURE_RUNNING_NO_FAST_PATH: '1' }),
  });
  const calls = readFileSync(trace, 'utf8').split('\n');
  const syncs = calls.filter((line) => /\b(fsync|fdatasync)\(/.test(line)).length;
  const stateRenames = calls.filter((line) => /\brename(at2?)?\(.*app\.state\.json"/.test(line)).length;
  return { run, syncs, stateRenames };
}

const stateFileOf = (box: Sandbox) => {
  const path = box.path('app.state.json');
  return { text: readFileSync(path, 'utf8'), ino: statSync(path).ino };
};

/** --status --json: the last check, in ms. */
async function lastCheckMs(box: Sandbox): Promise<number> {
  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  return Date.parse((JSON.parse(status.stdout) as { lastCheck: string }).lastCheck);
}

test('a quiet full check leaves the state file alone and its time in the mark, which --status reads', { skip: needs('strace') }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('clocks');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  box.pidOf();
  const before = stateFileOf(box);
  const since = Date.now();

  const healthy = await tracedCheck(box, args, 'healthy');
  assert.deepEqual([healthy.run.code, healthy.run.stdout, healthy.run.stderr], [0, '', ''], 'a quiet check');
  assert.ok(statSync(box.path('app.promise')).isFile(), 'it gave the promise');
  assert.equal(healthy.stateRenames, 0, 'nothing renamed over the state file');
  assert.deepEqual(stateFileOf(box), before, 'the state file as it was');
  assert.equal(healthy.syncs, 0);
  assert.ok((await lastCheckMs(box)) >= since - 5, '--status says when the check ran');
});

test('a healthy check that gives no promise saves its clocks without fsync; a check that records a relaunch fsyncs', { skip: needs('strace') }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('clocks');
  t.after(cleanupMarked(box, marker));
  // --log-max-size: no promise (a shell cannot learn a file's size), so the full check saves.
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--log-max-size', '1M', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  // The first check of the run begins its health record (a change, fsynced); the next moves only the clocks.
  assert.deepEqual(await box.run(args), { code: 0, signal: null, stdout: '', stderr: '' });
  const before = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));

  const healthy = await tracedCheck(box, args, 'healthy');
  assert.deepEqual([healthy.run.code, healthy.run.stdout, healthy.run.stderr], [0, '', ''], 'a quiet check');
  const after = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  assert.ok(after.lastCheckMs > before.lastCheckMs, 'the healthy check saved its clock');
  assert.equal(healthy.stateRenames, 1);
  assert.equal(healthy.syncs, 0, 'a save of the clocks alone is not fsynced');

  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), `pid ${pid} to die`);
  const relaunch = await tracedCheck(box, args, 'relaunch');
  assert.equal(relaunch.run.code, 0, relaunch.run.stderr);
  assert.match(relaunch.run.stderr, /started/);
  assert.notEqual(box.pidOf(), pid);
  assert.ok(relaunch.syncs > 0, 'the records of a death and a launch are fsynced');
});
