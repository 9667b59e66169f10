// A --user removed from the password database: the full check refuses (exit 2), and so the
// front door stops answering at once, since the password database changed after the promise.
// Serial: other tests add and remove users, and any change of /etc/passwd ends every promise
// made under --user, this test's included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { BIN, Sandbox, fixture, runProcess, waitUntil, isAlive } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';

const root = process.getuid?.() === 0;

test('--user removed from the password database: the front door goes to the full check at once, which says so', { skip: !root && 'needs root' }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('user-gone');
  const user = `er${process.pid % 100000}g`;
  execFileSync('useradd', ['-M', '-N', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', user]);
  let removed = false;
  t.after(async () => {
    cleanupMarked(box, marker)();
    if (!removed) {
      await waitUntil(() => ![...box.pids].some(isAlive), "the test user's processes to be gone");
      execFileSync('userdel', [user]);
    }
  });
  chmodSync(box.dir, 0o755);
  const args = ['--pid', 'app.pid', '--user', user, '--start-secs', '0', '--', fixture('forever.js'), marker];
  // The promise's time is the second before the check: the database must be older than that.
  await new Promise((done) => setTimeout(done, 2100));
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  const quiet = await box.run(args);
  assert.deepEqual([quiet.code, quiet.stderr], [0, ''], quiet.stderr);
  assert.ok(existsSync(box.path('app.promise')));
  const recorder = box.path('node-recorder');
  writeFileSync(recorder, '#!/bin/sh\nexit 99\n', { mode: 0o755 });
  const door = (shell: string[]) => runProcess(shell[0]!, [...shell.slice(1), BIN, ...args], { cwd: box.dir, env: box.env({ ENSURE_RUNNING_NODE: recorder }) });
  for (const shell of [['dash'], ['busybox', 'sh']]) assert.equal((await door(shell)).code, 0, `${shell.join(' ')}: the promise holds`);

  // -f: the program still runs as the user.
  execFileSync('userdel', ['-f', user]);
  removed = true;
  for (const shell of [['dash'], ['busybox', 'sh']]) assert.equal((await door(shell)).code, 99, `${shell.join(' ')}: the front door went to node`);
  const full = await box.run(args);
  assert.equal(full.code, 2, full.stderr);
  assert.match(full.stderr, new RegExp(`no user "${user}" in the password database`));
});
