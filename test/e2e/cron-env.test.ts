// Under cron's thin environment (env -i, PATH=/usr/bin:/bin): quiet when healthy, clear when a command is not found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { BIN, NODE, Sandbox, fixture, lines, runProcess } from '../helpers.ts';
import { pidsWithArg, uniqueMarker } from '../proc.ts';

/** Runs the installed command the way cron does: `env -i PATH=/usr/bin:/bin HOME=...`; node named only where that PATH lacks it. */
function cronRun(box: Sandbox, args: string[]) {
  const node = ['/usr/bin/node', '/bin/node'].includes(NODE) ? [] : [`ENSURE_RUNNING_NODE=${NODE}`];
  return runProcess('/usr/bin/env', ['-i', 'PATH=/usr/bin:/bin', `HOME=${box.dir}`, ...node, BIN, ...args], { cwd: box.dir });
}

test('under cron the launch says one line, and every healthy check after it prints nothing at all', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const marker = uniqueMarker('cron');
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', NODE, fixture('forever.js'), marker];
  const first = await cronRun(box, args);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, '');
  assert.equal(lines(first.stderr).length, 1, first.stderr);
  const pid = box.pidOf();
  assert.deepEqual(pidsWithArg(marker), [pid]);
  for (let i = 0; i < 3; i += 1) {
    const again = await cronRun(box, args);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', ''], 'a healthy check is silent');
  }
  assert.deepEqual(pidsWithArg(marker), [pid]);
  // Without ENSURE_RUNNING_HOME or XDG_STATE_HOME the registry lives under HOME.
  assert.ok(existsSync(box.path('.local', 'state', 'ensure-running', 'programs')));
});

test('a bare command name is looked up in cron PATH; a missing one names the command and the PATH searched', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const missing = await cronRun(box, ['--pid', 'app.pid', '--start-secs', '0', '--', 'no-such-command-er', 'x']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
  assert.equal(lines(missing.stderr).length, 1, missing.stderr);
  assert.match(missing.stderr, /no-such-command-er/);
  assert.match(missing.stderr, /PATH=\/usr\/bin:\/bin/);
  assert.ok(!existsSync(box.path('app.pid')), 'nothing was launched');

  // A bare name that is in /usr/bin or /bin is found there.
  const found = await cronRun(box, ['--pid', 'sleep.pid', '--start-secs', '0', '--', 'sleep', '300']);
  assert.equal(found.code, 0, found.stderr);
  const pid = box.pidOf('sleep.pid');
  assert.deepEqual(
    pidsWithArg('300').filter((p) => p === pid),
    [pid],
  );
});
