// A call of a config file has the time bound of its programs: a check stalled under one
// program's lock ends, says so in one line naming the program, exits 1 and releases the lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, lines } from '../helpers.ts';
import { cleanupMarked, uniqueMarker } from '../proc.ts';

test("a config call stalled under a program's lock ends at its programs' bound: one line naming it, exit 1, lock released", async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config-stall');
  t.after(cleanupMarked(box, marker));
  writeFileSync(
    box.path('apps.toml'),
    `[defaults]\nstate-dir = "run"\nstart-secs = 0\n\n[programs.web]\ncommand = ${JSON.stringify([fixture('forever.js'), marker])}\n`,
  );
  const run = await box.run(['--config', 'apps.toml'], {
    env: box.env({ ENSURE_RUNNING_FAILPOINT: 'stall:after-lock', ENSURE_RUNNING_FAILPOINT_LIMIT_MS: '1500' }),
    timeoutMs: 30_000,
  });
  assert.equal(run.signal, null, 'it ended by itself');
  assert.equal(run.code, 1, run.stderr);
  assert.deepEqual(
    lines(run.stderr)
      .filter((line) => !line.startsWith('failpoint:'))
      .map((line) => line.replace(/within .*?;/, 'within T;')),
    [
      'ensure-running: web: the check did not finish within T; gave up so that the next call can run (the lock ' +
        'is released; look for a hung file system or process)',
    ],
  );
  assert.ok(!existsSync(box.path('run', 'web.pid.lock')), 'the lock is released');
  const next = await box.run(['--config', 'apps.toml']);
  assert.equal(next.code, 0, next.stderr);
});
