// Commands that cannot be launched: exit 2, one line naming the command or directory, no PID file, nothing running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
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

test('a log in a missing directory, a missing #! interpreter and a CRLF #! line: exit 2 naming the cause, said once, shown by --status', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('interp');
  // --stderr in a directory that does not exist: the directory is named.
  await expectConfigError(box, ['--stderr', box.path('nodir', 'err.log'), '--', fixture('forever.js'), marker], [box.path('nodir'), 'does not exist'], marker);

  writeFileSync(box.path('nope.sh'), '#!/usr/bin/no-such-shell\necho hi\n', { mode: 0o755 });
  await expectConfigError(box, ['--', './nope.sh', marker], ['/usr/bin/no-such-shell', 'interpreter'], marker);

  writeFileSync(box.path('crlf.sh'), '#!/bin/sh\r\necho hi\r\n', { mode: 0o755 });
  await expectConfigError(box, ['--', './crlf.sh', marker], ['carriage return', 'CRLF', box.path('crlf.sh')], marker);
  // The same error at the next check: exit 2, no line (cron would mail it every minute).
  const again = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', './crlf.sh', marker]);
  assert.deepEqual([again.code, again.stdout, again.stderr], [2, '', '']);
  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  assert.equal(status.code, 1, 'a program that cannot launch is dead, not stopped');
  const json = JSON.parse(status.stdout);
  assert.equal(json.state, 'misconfigured');
  assert.match(json.launchError.text, /carriage return/);
});

test('#!/usr/bin/env NAME with NAME not in the PATH (cron has no node in /usr/bin:/bin): exit 2 naming NAME and the PATH', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('envname');
  writeFileSync(box.path('server.js'), '#!/usr/bin/env no-such-runtime-xyz\nconsole.log(1)\n', { mode: 0o755 });
  await expectConfigError(box, ['--', './server.js', marker], ['no-such-runtime-xyz', 'PATH=', 'command -v'], marker);
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(status.state, 'misconfigured');
  assert.equal(status.failedStarts, 0, 'refused before any spawn: not a failed start counting towards FATAL');
});
