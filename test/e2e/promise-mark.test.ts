// A check answered by the quiet promise starts no node and writes only its mark; --status
// reads that mark as the time of the last check, and the records keep their bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, readOr } from '../helpers.ts';

test('--status counts a check answered by the promise (its mark), which starts no node and leaves the records alone', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--schedule', '* * * * *', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  const full = await box.run(args);
  assert.deepEqual([full.code, full.stdout, full.stderr], [0, '', ''], 'a quiet full check');

  // Every time on record twelve minutes old, as if cron had stopped then.
  const old = (Date.now() - 12 * 60_000) / 1000;
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  writeFileSync(box.path('app.state.json'), JSON.stringify({ ...state, lastCheckMs: old * 1000 }));
  for (const file of ['app.promise', 'app.state.json', 'app.pid']) utimesSync(box.path(file), old - 60, old - 60);
  utimesSync(box.path('app.checked'), old, old);
  const late = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(late.checks.overdue, true);

  // The promise answers (a node that would run is replaced by one that fails), and only the mark moves.
  const before = { state: readOr(box.path('app.state.json')), pid: readOr(box.path('app.pid')) };
  const door = await box.run(args, { env: box.env({ ENSURE_RUNNING_NODE: '/bin/false' }) });
  assert.deepEqual([door.code, door.stdout, door.stderr], [0, '', ''], 'answered without node');
  assert.deepEqual({ state: readOr(box.path('app.state.json')), pid: readOr(box.path('app.pid')) }, before);
  const again = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(again.checks.overdue, false, 'the mark says a check ran');
});
