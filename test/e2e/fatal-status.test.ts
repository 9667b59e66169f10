// --status of a FATAL program says why, and when the next slow retry (--fatal-retry) is due.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, fixture } from '../helpers.ts';

test('FATAL with --fatal-retry 1h: --status gives the reason and the next retry, about an hour on', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const before = Date.now();
  const check = await box.run(['--pid', 'app.pid', '--max-retries', '1', '--fatal-retry', '1h', '--start-secs', '0.5', '--', fixture('exit-now.js'), '3']);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /fatal: .*one retry every 1h/);
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(json.state, 'fatal');
  assert.match(json.fatalReason, /code 3/);
  const next = Date.parse(json.fatalRetryAt);
  assert.ok(next >= before + 3_600_000 && next <= Date.now() + 3_600_000, `next retry ${json.fatalRetryAt} is an hour after the failure`);
  const text = await box.run(['--pid', 'app.pid', '--status']);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^app: fatal \(.*; next retry after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)/);
});

test('FATAL without --fatal-retry: no retry time', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  await box.run(['--pid', 'app.pid', '--max-retries', '1', '--start-secs', '0.5', '--', fixture('exit-now.js'), '3']);
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(json.state, 'fatal');
  assert.equal(json.fatalRetryAt, null);
});
