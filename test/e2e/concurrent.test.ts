// Overlapping checks never both launch: 30 at once on a dead program leave exactly one instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, fixture, isAlive, lines, waitUntil } from '../helpers.ts';
import { pidsWithArg, uniqueMarker, cleanupMarked } from '../proc.ts';

const CALLERS = 30;

test(`${CALLERS} concurrent checks on a dead program launch exactly one instance and all exit 0`, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('concurrent');
  t.after(cleanupMarked(box, marker));
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  assert.equal((await box.run(cmd)).code, 0);
  const first = box.pidOf();
  process.kill(first, 'SIGKILL');
  await waitUntil(() => !isAlive(first), 'the first instance to die');

  const runs = await Promise.all(Array.from({ length: CALLERS }, () => box.run(cmd, { timeoutMs: 120_000 })));
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const live = pidsWithArg(marker);
  const pid = box.pidOf();
  assert.deepEqual(live, [pid], 'exactly one instance, the one in the PID file');
  assert.notEqual(pid, first);
  // One caller relaunched and said so; the others found it running and were silent.
  const talkers = runs.filter((run) => run.stderr !== '');
  assert.equal(talkers.length, 1, talkers.map((run) => run.stderr).join('---\n'));
  assert.equal(lines(talkers[0]!.stderr).filter((line) => line.startsWith('app: started')).length, 1);
  assert.ok(runs.every((run) => run.stdout === ''));
});

test(`${CALLERS} concurrent first checks, with a start window, launch exactly one instance`, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('concurrent-first');
  t.after(cleanupMarked(box, marker));
  const cmd = ['--pid', 'app.pid', '--start-secs', '0.3', '--', fixture('forever.js'), marker];
  const runs = await Promise.all(Array.from({ length: CALLERS }, () => box.run(cmd, { timeoutMs: 120_000 })));
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(pidsWithArg(marker), [box.pidOf()]);
});
