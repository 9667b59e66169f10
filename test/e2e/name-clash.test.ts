// Names that would share records: PID files `x` and `x.pid` (the same x.state.json, x.log,
// x.promise, but two locks), and two config files of the same base name (the same records'
// directory, roster and promise). Each clash is refused with exit 2, naming both, before
// anything runs; --check-config reports the PID files of one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('PID files x and x.pid: the second is refused (exit 2, both named), never launched on the first one’s records; --check-config says so', async (t) => {
  const box = new Sandbox();
  const [one, two] = [uniqueMarker('x'), uniqueMarker('x-pid')];
  t.after(() => {
    cleanupMarked(box, one)();
    cleanupMarked(box, two)();
  });
  mkdirSync(box.path('run'));
  const first = await box.run(['--pid', 'run/x', '--start-secs', '0', '--', fixture('forever.js'), one]);
  assert.equal(first.code, 0, first.stderr);
  box.pidOf('run/x');
  const second = await box.run(['--pid', 'run/x.pid', '--start-secs', '0', '--', fixture('forever.js'), two]);
  assert.equal(second.code, 2, second.stderr);
  assert.ok(second.stderr.includes(`--pid ${box.path('run/x.pid')} and ${box.path('run/x')}`), second.stderr);
  assert.match(second.stderr, /would take different locks/);
  assert.deepEqual(pidsWithArg(two), [], 'never launched');
  assert.equal(pidsWithArg(one).length, 1);

  const file = box.path('apps.toml');
  writeFileSync(
    file,
    `[defaults]\nstart-secs = 0\n\n[programs.web]\npid = "run/y"\ncommand = ["${fixture('forever.js')}"]\n\n[programs.api]\npid = "run/y.pid"\ncommand = ["${fixture('forever.js')}"]\n`,
  );
  const check = await box.run(['--check-config', file]);
  assert.equal(check.code, 2, check.stderr);
  assert.match(check.stderr, /apps\.toml:\d+: .*programs web and api have PID files .*run\/y and .*run\/y\.pid, which name the same records/);
});

test('two config files of the same base name: the second is refused (exit 2, both named); once the first is gone, it runs', async (t) => {
  const box = new Sandbox();
  const [a, b] = [uniqueMarker('base-a'), uniqueMarker('base-b')];
  t.after(() => {
    cleanupMarked(box, a)();
    cleanupMarked(box, b)();
  });
  for (const [dir, marker] of [
    ['A', a],
    ['B', b],
  ] as const) {
    mkdirSync(box.path(dir));
    writeFileSync(box.path(dir, 'apps.toml'), `[defaults]\nstart-secs = 0\n\n[programs.web]\ncommand = ["${fixture('forever.js')}", "${marker}"]\n`);
  }
  const first = await box.run(['--config', box.path('A', 'apps.toml')]);
  assert.equal(first.code, 0, first.stderr);
  const clash = await box.run(['--config', box.path('B', 'apps.toml')]);
  assert.equal(clash.code, 2, clash.stderr);
  assert.ok(clash.stderr.includes(`${box.path('B', 'apps.toml')} and ${box.path('A', 'apps.toml')} are both named "apps"`), clash.stderr);
  assert.deepEqual(pidsWithArg(b), [], "B's program never runs on A's records");
  const status = await box.run(['--config', box.path('B', 'apps.toml'), '--status']);
  assert.equal(status.code, 2, 'its --status would show the other file’s programs: refused too');
  assert.equal((await box.run(['--config', box.path('A', 'apps.toml')])).code, 0, 'the first file is still checked');

  rmSync(box.path('A', 'apps.toml'));
  const moved = await box.run(['--config', box.path('B', 'apps.toml')]);
  assert.equal(moved.code, 0, moved.stderr);
});
