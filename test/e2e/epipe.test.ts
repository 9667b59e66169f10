// A reader that went away (`--status | head -c0`) is not a crash: no stack trace, and a
// --restart whose stdout is closed still stops, relaunches and records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';
import { runProcess } from '../helpers.ts';

/** Runs the CLI with its stdout on a pipe that is closed at once, the way `| head -c0` does. */
function runClosedStdout(box: Sandbox, args: string[]) {
  const quoted = [BIN, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  // The exit code of ensure-running, not of head; its stderr goes to the file.
  return runProcess('sh', ['-c', `{ ${quoted} 2>"$ERR"; echo $? >"$CODE"; } | head -c0`], {
    cwd: box.dir,
    env: box.env({ ERR: box.path('err.txt'), CODE: box.path('code.txt') }),
  });
}

test('--status and a bare --status into a closed pipe: no stack trace, the exit code kept', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('epipe');
  t.after(cleanupMarked(box, marker));
  for (const name of ['a', 'b', 'c']) {
    assert.equal((await box.run(['--pid', `${name}.pid`, '--start-secs', '0', '--', fixture('forever.js'), marker])).code, 0);
    box.pidOf(`${name}.pid`);
  }
  for (const args of [['--status'], ['--status', '--json', '--history'], ['--pid', 'a.pid', '--status', '--history']]) {
    await runClosedStdout(box, args);
    assert.equal(readOr(box.path('err.txt')), '', `no error for ${args.join(' ')}`);
    assert.equal(readOr(box.path('code.txt')).trim(), '0');
  }
});

test('--restart with a closed stdout: stopped, relaunched and recorded, no stack trace', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('epipe-restart');
  t.after(cleanupMarked(box, marker));
  const cmd = ['--start-secs', '0', '--kill-after', '2s', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(['--pid', 'app.pid', ...cmd])).code, 0);
  const old = box.pidOf();
  await runClosedStdout(box, ['--pid', 'app.pid', '--restart', ...cmd]);
  assert.doesNotMatch(readOr(box.path('err.txt')), /internal error|EPIPE|at /);
  assert.equal(readOr(box.path('code.txt')).trim(), '0');
  await waitUntil(() => !isAlive(old), 'the old run to be gone');
  const fresh = box.pidOf();
  assert.notEqual(fresh, old);
  assert.deepEqual(pidsWithArg(marker), [fresh], 'exactly one run, the recorded one');
  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).pid, fresh);
});
