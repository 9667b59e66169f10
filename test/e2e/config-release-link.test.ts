// A config file reached through a symbolic link to a release directory (`current ->
// releases/r2`), as deploys by tar or `rsync -a` leave them (file times kept): pointing the
// link at another release is seen by the front door at once, since the promise names the
// file itself and the front door compares files (-ef), not names, even when the new file is
// older than the promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { BIN, Sandbox, fixture, runProcess } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

const table = (name: string, marker: string) => `[programs.${name}]\ncommand = ${JSON.stringify([fixture('forever.js'), marker, name])}\n`;

test('a config file behind a release link: the link pointed at an older release means the full check, at once', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('release');
  t.after(cleanupMarked(box, marker));
  const old = new Date('2026-01-01T00:00:00Z');
  for (const [release, text] of [
    ['r2', `[defaults]\nstart-secs = 0\n\n${table('web', marker)}`],
    ['r3', `[defaults]\nstart-secs = 0\n\n${table('web', marker)}\n${table('mailer', marker)}`],
  ] as const) {
    mkdirSync(box.path('dep', 'releases', release), { recursive: true });
    writeFileSync(box.path('dep', 'releases', release, 'apps.toml'), text);
    utimesSync(box.path('dep', 'releases', release, 'apps.toml'), old, old);
  }
  symlinkSync('releases/r2', box.path('dep', 'current'));
  const call = ['--config', 'dep/current/apps.toml'];
  assert.equal((await box.run(call)).code, 0);
  const quiet = await box.run(call);
  assert.deepEqual([quiet.code, quiet.stderr], [0, ''], quiet.stderr);
  assert.ok(existsSync(box.path('registry', 'configs', 'apps.promise')), 'a promise for the file');
  const recorder = box.path('node-ran');
  writeFileSync(box.path('node-recorder'), `#!/bin/sh\necho "$@" >> '${recorder}'\nexit 99\n`, { mode: 0o755 });
  const door = (shell: string[]) =>
    runProcess(shell[0]!, [...shell.slice(1), BIN, ...call], { cwd: box.dir, env: box.env({ ENSURE_RUNNING_NODE: box.path('node-recorder') }) });
  for (const shell of [['dash'], ['busybox', 'sh']]) {
    const quiet = await door(shell);
    assert.deepEqual([quiet.code, existsSync(recorder)], [0, false], `${shell.join(' ')}: the promise holds for the same release`);
  }

  symlinkSync('releases/r3', box.path('dep', 'current.new'));
  renameSync(box.path('dep', 'current.new'), box.path('dep', 'current'));
  for (const shell of [['dash'], ['busybox', 'sh']]) {
    const moved = await door(shell);
    assert.equal(moved.code, 99, `${shell.join(' ')}: the front door went to node`);
  }
  const full = await box.run(call);
  assert.equal(full.code, 0, full.stderr);
  assert.equal(pidsWithArg('mailer').filter((pid) => pidsWithArg(marker).includes(pid)).length, 1, "the new release's program runs");
});
