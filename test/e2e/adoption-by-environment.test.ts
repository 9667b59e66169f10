// Adoption by environment: a process whose environment says ENSURE_RUNNING_PIDFILE=<this PID
// file> is taken for the program only when its real uid is the caller's or the --user user's.
// Any local user can start a process with that environment before root's first check, or
// after root's records are lost; root must launch its own program, and --status must never
// name the other user's process as the program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { Sandbox, fixture, isAlive, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

const root = process.getuid?.() === 0;
const skip = !root && 'needs root to act as two users';
const NOBODY = 65534;

/** A process of uid `uid` carrying the environment of a launch for `pidFile`: what a hostile user can start. */
function intruder(box: Sandbox, uid: number, pidFile: string): number {
  const child = spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'setsid', 'sleep', '3600'], {
    env: { PATH: '/usr/bin:/bin', ENSURE_RUNNING_PIDFILE: pidFile, ENSURE_RUNNING_TOKEN: 'x' },
    stdio: 'ignore',
  });
  child.unref();
  return box.track(child.pid!);
}

test("root's first check, and --status, never take another user's process carrying the PID file in its environment for the program", {
  skip,
}, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('adopt-other');
  t.after(cleanupMarked(box, marker));
  chmodSync(box.dir, 0o755);
  const other = intruder(box, NOBODY, box.path('app.pid'));
  await waitUntil(() => isAlive(other) && pidsWithArg('3600').includes(other), "the other user's process");
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /found by its environment/);
  const pid = box.pidOf();
  assert.notEqual(pid, other, "the PID file names root's own launch");
  assert.deepEqual(pidsWithArg(marker), [pid], 'the real program runs');

  // Records lost: the other user's process is older than the program, and still not taken for it.
  rmSync(box.path('app.state.json'));
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.notEqual(status.pid, other, `--status named another user's process: ${JSON.stringify(status)}`);
  rmSync(box.path('app.pid'));
  const lost = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.notEqual(lost.pid, other, `--status named another user's process: ${JSON.stringify(lost)}`);
  const again = await box.run(args);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(box.pidOf(), pid, 'the program found again by its environment is root’s own');
  assert.deepEqual(pidsWithArg(marker), [pid], 'never launched twice');
  assert.ok(isAlive(other), "the other user's process is left alone");
});

test("the --user user's own process is still found by its environment when the records are lost", { skip }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('adopt-user');
  t.after(cleanupMarked(box, marker));
  chmodSync(box.dir, 0o755);
  const args = ['--pid', 'app.pid', '--user', 'nobody', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  rmSync(box.path('app.state.json'));
  rmSync(box.path('app.pid'));
  const again = await box.run(args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`recorded pid ${pid}, found by its environment`));
  assert.deepEqual(pidsWithArg(marker), [pid], 'one instance, the same');
});
