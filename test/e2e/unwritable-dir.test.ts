// A PID directory the caller cannot write: exit 2 naming the directory, and no process left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { NODE, Sandbox, fixture, killHard, lines, runAsNobody, rootOnly } from '../helpers.ts';
import { pidsWithArg, uniqueMarker } from '../proc.ts';

const skip = rootOnly('to run the CLI as nobody on a root-owned directory');

/** Runs the built CLI as the user nobody (uid 65534). */
const nobody = (box: Sandbox, args: string[]) => runAsNobody(box, args, box.env({ ENSURE_RUNNING_HOME: box.path('nobody-home') }));

/** Asserts (and cleans up) that no process carries the marker. */
async function assertNoneLeft(marker: string): Promise<void> {
  const leftovers = pidsWithArg(marker);
  for (const pid of leftovers) killHard(pid);
  assert.deepEqual(leftovers, [], 'no process is left behind');
}

test('a root-owned 0755 PID directory: exit 2 naming the directory, nothing launched', { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('unwritable');
  t.after(() => {
    for (const pid of pidsWithArg(marker)) killHard(pid);
    box.cleanup();
  });
  chmodSync(box.dir, 0o755);
  const dir = box.path('run');
  mkdirSync(dir, { mode: 0o755 });
  mkdirSync(box.path('nobody-home'), { mode: 0o777 });
  chmodSync(box.path('nobody-home'), 0o777);
  const run = await nobody(box, ['--pid', `${dir}/app.pid`, '--start-secs', '0', '--', NODE, fixture('forever.js'), marker]);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(lines(run.stderr).length, 1, run.stderr);
  assert.ok(run.stderr.includes(dir), `names the directory: ${run.stderr}`);
  assert.match(run.stderr, /EACCES/);
  assert.doesNotMatch(run.stderr, /internal error/);
  await assertNoneLeft(marker);
  assert.ok(!existsSync(`${dir}/app.pid`));
});

test('a sticky directory where the PID file belongs to another user: exit 2, the launched process is not left behind', { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('sticky');
  t.after(() => {
    for (const pid of pidsWithArg(marker)) killHard(pid);
    box.cleanup();
  });
  chmodSync(box.dir, 0o755);
  const dir = box.path('shared');
  mkdirSync(dir);
  chmodSync(dir, 0o1777);
  mkdirSync(box.path('nobody-home'));
  chmodSync(box.path('nobody-home'), 0o777);
  // root's stale PID file: nobody can read it but, under the sticky bit, not replace it.
  writeFileSync(`${dir}/app.pid`, 'stale\n', { mode: 0o644 });
  const run = await nobody(box, [
    '--pid',
    `${dir}/app.pid`,
    '--log',
    box.path('nobody-home', 'app.log'),
    '--start-secs',
    '0',
    '--',
    NODE,
    fixture('forever.js'),
    marker,
  ]);
  assert.equal(run.code, 2, run.stderr);
  assert.ok(run.stderr.includes(`${dir}/app.pid`) || run.stderr.includes(dir), run.stderr);
  assert.doesNotMatch(run.stderr, /internal error/);
  // The directory is writable: the hint names the file's owner and the sticky bit, not writability.
  assert.match(run.stderr, /belongs to another user \(uid 0\)/);
  assert.match(run.stderr, /sticky/);
  assert.doesNotMatch(run.stderr, /make \S+ writable/);
  await assertNoneLeft(marker);
  assert.ok(!existsSync(`${dir}/app.pid.lock`), 'the lock is released');
});
