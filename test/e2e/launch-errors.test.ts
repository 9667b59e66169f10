// Commands that cannot be launched: exit 2, one line naming the command or directory, no PID file, nothing running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readlinkSync } from 'node:fs';
import { Sandbox, fixture, lines, readOr, waitUntil } from '../helpers.ts';
import { pidsWithArg, uniqueMarker } from '../proc.ts';

async function expectConfigError(box: Sandbox, args: string[], names: string[], marker: string): Promise<void> {
  const run = await box.run(['--pid', 'app.pid', '--start-secs', '0', ...args]);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(lines(run.stderr).length, 1, run.stderr);
  for (const name of names) assert.ok(run.stderr.includes(name), `the message names ${name}: ${run.stderr}`);
  assert.ok(!existsSync(box.path('app.pid')), 'no PID file');
  assert.deepEqual(pidsWithArg(marker), []);
}

test('a missing --cwd is named, not reported as a missing command', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('cwd');
  await expectConfigError(box, ['--cwd', box.path('nowhere'), '--', fixture('forever.js'), marker], [box.path('nowhere'), '--cwd'], marker);
});

test('a command file that is missing, not executable, or a directory is named with what to do', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('badcmd');
  await expectConfigError(box, ['--', './missing.js', marker], ['./missing.js', box.dir], marker);
  copyFileSync(fixture('forever.js'), box.path('plain.js'));
  chmodSync(box.path('plain.js'), 0o644);
  await expectConfigError(box, ['--', './plain.js', marker], [box.path('plain.js'), 'chmod +x'], marker);
  mkdirSync(box.path('adir'));
  await expectConfigError(box, ['--', './adir', marker], [box.path('adir')], marker);
});

test('a relative command resolves against --cwd, and the program runs there', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('relative');
  mkdirSync(box.path('app'));
  copyFileSync(fixture('forever.js'), box.path('app', 'server.js'));
  chmodSync(box.path('app', 'server.js'), 0o755);
  const run = await box.run(['--pid', 'app.pid', '--cwd', 'app', '--start-secs', '0', '--', './server.js', marker]);
  assert.equal(run.code, 0, run.stderr);
  const pid = box.pidOf();
  assert.deepEqual(pidsWithArg(marker), [pid]);
  assert.equal(readlinkSync(`/proc/${pid}/cwd`), box.path('app'));
  // The log stays next to the PID file, not in --cwd.
  await waitUntil(() => readOr(box.path('app.log')).includes(marker), 'the program to log');
});
