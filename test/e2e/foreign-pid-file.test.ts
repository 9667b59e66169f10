// A PID file owned by another user, naming a live process that ensure-running never launched:
// the program is never started beside it, and that is said once, not kept silent (nor mailed
// every minute); --status exits 4 (unverified).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, startPlain, rootOnly } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('a live PID in a PID file of another user, no launch record: said once, never signalled, --status 4', {
  skip: rootOnly('to chown the PID file'),
}, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('foreign-owner');
  t.after(cleanupMarked(box, marker));
  const other = startPlain(box, process.execPath, [fixture('forever.js'), 'someone-else']);
  writeFileSync(box.path('app.pid'), `${other}\n`, { mode: 0o644 });
  chownSync(box.path('app.pid'), 65534, 65534);
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];

  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, '');
  assert.equal(lines(first.stderr).length, 1, first.stderr);
  assert.match(first.stderr, new RegExp(`pid ${other}`));
  assert.match(first.stderr, /no launch record/);
  assert.match(first.stderr, /uid 65534/);
  assert.deepEqual(pidsWithArg(marker), [], 'nothing launched beside it');

  const second = await box.run(args);
  assert.deepEqual([second.code, second.stdout, second.stderr], [0, '', ''], 'said once, not every minute');

  const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
  assert.equal(status.code, 4, 'unverified: unknown, not running');
  const json = JSON.parse(status.stdout);
  assert.equal(json.pid, other);
  assert.equal(json.verified, false);
  assert.ok(isAlive(other), 'never signalled');
});
