// Root's check walks the directories down to the records once (the directory rule, refusing
// when one is open to others); its quiet promise reuses that walk instead of making it again.
// Counted with strace: the records' directory is looked at (lstat) once by a healthy full check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BIN, Sandbox, fixture, rootOnly, runProcess } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';
import { needs, tool } from '../tools.ts';

test("root's healthy full check walks the records' directories once, for its options and its promise", {
  skip: needs('strace') || rootOnly("(the walk of the options is root's)"),
}, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('walk');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  box.pidOf();
  const trace = box.path('check.strace');
  const run = await runProcess(tool('strace'), ['-qq', '-e', 'trace=lstat,newfstatat,statx', '-o', trace, BIN, ...args], {
    cwd: box.dir,
    env: box.env({ ENSURE_RUNNING_NO_FAST_PATH: '1' }),
  });
  assert.deepEqual([run.code, run.stderr], [0, ''], 'a quiet check');
  assert.ok(readFileSync(box.path('app.promise'), 'utf8').startsWith('ensure-running promise '), 'it gave its promise');
  const looks = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"${box.dir}",`) && line.includes('AT_SYMLINK_NOFOLLOW'));
  assert.equal(looks.length, 1, `the records' directory looked at once:\n${looks.join('\n')}`);
});
