// A PID file that is a symbolic link is refused: exit 2 naming it, nothing launched, the link's target untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, lines } from '../helpers.ts';
import { pidsWithArg, uniqueMarker } from '../proc.ts';

for (const [label, content] of [
  ['a file with text', 'precious data\n'],
  ['a file with a PID', '4242\n'],
  ['nothing (dangling)', null],
] as const) {
  test(`a PID file linked to ${label} is refused and nothing is launched`, async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const marker = uniqueMarker('symlink');
    const target = box.path('elsewhere.txt');
    if (content !== null) writeFileSync(target, content);
    symlinkSync(target, box.path('app.pid'));
    const run = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(lines(run.stderr).length, 1, run.stderr);
    assert.ok(run.stderr.includes(box.path('app.pid')), run.stderr);
    assert.match(run.stderr, /symbolic link/);
    assert.deepEqual(pidsWithArg(marker), [], 'nothing was launched, not even briefly left behind');
    assert.ok(lstatSync(box.path('app.pid')).isSymbolicLink(), 'the link is left as it was');
    if (content !== null) assert.equal(readFileSync(target, 'utf8'), content, 'the target is untouched');
    else assert.throws(() => lstatSync(target), 'no file was created through the dangling link');
  });
}

test('--stop and --status refuse a symlinked PID file too, and leave the link in place', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  writeFileSync(box.path('elsewhere.txt'), '4242\n');
  symlinkSync(box.path('elsewhere.txt'), box.path('app.pid'));
  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 2, stop.stderr);
  assert.ok(stop.stderr.includes(box.path('app.pid')));
  assert.ok(lstatSync(box.path('app.pid')).isSymbolicLink());
  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  assert.equal(status.code, 4, status.stderr);
  assert.match(JSON.parse(status.stdout).error, /symbolic link/);
  assert.equal(readFileSync(box.path('elsewhere.txt'), 'utf8'), '4242\n');
});
