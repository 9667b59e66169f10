// Wall-clock jumps, with libfaketime (Debian's faketime): backoff stays sane both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, fixture, readOr } from '../helpers.ts';
import { needs, tool } from '../tools.ts';

const skip = needs('faketime');

/** Runs a check with the wall clock shifted by `offset` (libfaketime syntax: "-1h", "+1d"). */
function at(box: Sandbox, offset: string, args: string[]) {
  return box.run(args, { env: box.env({ LD_PRELOAD: tool('faketime'), FAKETIME: offset, FAKETIME_DONT_RESET: '1' }) });
}

const untilOf = (box: Sandbox): number => JSON.parse(readOr(box.path('app.state.json'))).backoff?.untilMs ?? 0;

test('clock set back an hour during a backoff: the wait restarts from the new now, never an hour longer', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--interval', '1m', '--start-secs', '0.5', '--', fixture('exit-now.js'), '3'];
  const first = await box.run(args);
  assert.equal(first.code, 1);
  assert.match(first.stderr, /failed to start/);
  const realUntil = untilOf(box);
  assert.ok(realUntil > Date.now(), 'backing off on the real clock');

  const back = await at(box, '-1h', args);
  assert.deepEqual([back.code, back.stderr], [1, ''], 'inside the (restarted) wait: silent, exit 1');
  const restarted = untilOf(box);
  assert.ok(restarted < realUntil - 30 * 60_000, 'the wait was moved back with the clock, not left an hour ahead');

  const later = await at(box, '-58m', args);
  assert.equal(later.code, 1);
  assert.match(later.stderr, /failed to start/, 'two minutes later on the new clock, the next attempt happens');
});

test('clock jumps a day forward: one launch attempt, then silence; no storm, no negative wait', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--interval', '1m', '--start-secs', '0.5', '--', fixture('exit-now.js'), '3'];
  assert.equal((await box.run(args)).code, 1);
  const jumped = await at(box, '+1d', args);
  assert.match(jumped.stderr, /failed to start/, 'the backoff is over: one attempt');
  assert.equal(jumped.stderr.trim().split('\n').length, 1);
  for (let i = 0; i < 3; i++) {
    const again = await at(box, '+1d', args);
    assert.deepEqual([again.code, again.stderr], [1, ''], 'then silence while backing off again');
  }
  const status = await at(box, '+1d', ['--pid', 'app.pid', '--status', '--json']);
  const json = JSON.parse(status.stdout);
  assert.equal(json.state, 'backoff');
  const fakeNow = Date.now() + 86_400_000;
  const wait = Date.parse(json.backoffUntil) - fakeNow;
  assert.ok(wait > 0 && wait <= 10 * 60_000, `a positive wait within the cap: ${wait} ms`);
});
