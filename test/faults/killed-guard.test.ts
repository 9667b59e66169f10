// The check itself killed with SIGKILL at every step of a launch: the next checks, once the
// lock left behind is stale, end with exactly one instance and consistent records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Sandbox, fixture, readOr, waitUntil } from '../helpers.ts';
import { pidsWithArg, cleanupMarked } from '../proc.ts';

const POINTS = ['after-lock', 'before-spawn', 'after-spawn', 'after-pid-file', 'after-state', 'in-window'];

for (const point of POINTS) {
  test(`check killed ${point}: the next checks leave exactly one recorded instance`, async (t) => {
    const box = new Sandbox();
    const marker = `marker-${point}-${process.pid}-${Date.now()}`;
    t.after(cleanupMarked(box, marker));
    const args = ['--pid', 'app.pid', '--start-secs', '0.6', '--', fixture('forever.js'), marker];
    const killed = await box.run(args, { env: box.env({ ENSURE_RUNNING_FAILPOINT: point }) });
    assert.equal(killed.signal, 'SIGKILL', `the failpoint ${point} was reached`);

    // Checks as cron would make them, until one succeeds (the first ones may wait for the stale lock).
    const after = await box.run(args, { timeoutMs: 60_000 });
    assert.equal(after.code, 0, after.stderr);
    const again = await box.run(args);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', ''], 'the check after recovery is quiet');

    const live = await waitUntil(() => {
      const found = pidsWithArg(marker);
      return found.length >= 1 ? found : null;
    }, 'an instance');
    assert.equal(live.length, 1, `exactly one instance after a kill ${point}: ${live.join(' ')}`);
    const pid = live[0]!;
    box.track(pid);
    assert.equal(readOr(box.path('app.pid')), `${pid}\n`, 'the PID file names the instance');
    const state = JSON.parse(readOr(box.path('app.state.json')));
    assert.equal(state.identity.pid, pid, 'the sidecar records the instance');
    assert.equal(state.pending, null, 'no launch is left pending');
    // The lock left by the killed check goes once it is stale, at the next check (fast path included).
    await waitUntil(
      async () => {
        const check = await box.run(args);
        assert.equal(check.code, 0, check.stderr);
        return !readdirSync(box.dir).includes('app.pid.lock');
      },
      'the stale lock to be cleared by a check',
      40_000,
      500,
    );
    assert.deepEqual(pidsWithArg(marker), [pid], 'still the same single instance');
    const leftovers = readdirSync(box.dir).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'));
    assert.deepEqual(leftovers, [], 'no temporary files or lock left');
  });
}

// A relaunch, unlike a first launch, has records: the process of a relaunch killed between
// its spawn and its record can be found only by the launch token put on record before the spawn.
test('check killed after-spawn during a relaunch: found by its launch token, exactly one instance', async (t) => {
  const box = new Sandbox();
  const marker = `marker-relaunch-${process.pid}-${Date.now()}`;
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const old = box.pidOf();
  process.kill(old, 'SIGKILL');
  await waitUntil(() => !pidsWithArg(marker).includes(old), `pid ${old} to die`);

  const killed = await box.run(args, { env: box.env({ ENSURE_RUNNING_FAILPOINT: 'after-spawn' }) });
  assert.equal(killed.signal, 'SIGKILL', 'the failpoint after-spawn was reached');
  const orphan = await waitUntil(() => pidsWithArg(marker)[0], 'the relaunched process');
  box.track(orphan);

  const after = await box.run(args, { timeoutMs: 60_000 });
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(pidsWithArg(marker), [orphan], 'the orphan was found, nothing launched beside it');
  assert.equal(readOr(box.path('app.pid')), `${orphan}\n`, 'the PID file names it');
  const state = JSON.parse(readOr(box.path('app.state.json')));
  assert.equal(state.identity.pid, orphan, 'the sidecar records it');
  assert.equal(state.pending, null, 'no launch is left pending');
});
