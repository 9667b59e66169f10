// Many callers at once, round after round, with the target killed at random between rounds.
// STORM_ROUNDS and STORM_CALLERS scale it (npm run test:soak runs 100 rounds of 50).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
import { pidsWithArg, uniqueMarker, cleanupMarked } from '../proc.ts';

const ROUNDS = Number(process.env.STORM_ROUNDS ?? 8);
const CALLERS = Number(process.env.STORM_CALLERS ?? 50);

test(`${CALLERS} callers at once, ${ROUNDS} rounds with random kills: never two instances, every caller exits 0`, { timeout: 30 * 60_000 }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('storm');
  t.after(cleanupMarked(box, marker));
  // Failed starts back off (by design, and crowded deaths under --crowd-backoff); a short interval keeps those waits to a second.
  const args = ['--pid', 'app.pid', '--start-secs', '0.3', '--interval', '1s', '--backoff-max', '1s', '--', fixture('forever.js'), marker];
  let kills = 0;
  let backoffs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const results = await Promise.all(Array.from({ length: CALLERS }, () => box.run(args, { timeoutMs: 120_000 })));
    const live = pidsWithArg(marker);
    assert.ok(live.length <= 1, `round ${round}: never two instances, found ${live.join(' ')}`);
    // A caller may exit 1 only while the program backs off (crowded deaths, by design), and
    // then says nothing, or the one line that announces the backoff.
    const notRunning = results.filter((r) => r.code !== 0);
    for (const r of notRunning) {
      assert.equal(r.code, 1, `round ${round}: exit ${r.code}: ${r.stderr}`);
      assert.ok(r.stderr === '' || /backing off, next launch/.test(r.stderr), `round ${round}: unexpected: ${r.stderr}`);
    }
    const announced = results.filter((r) => /backing off, next launch/.test(r.stderr)).length;
    assert.ok(
      announced <= 1,
      `round ${round}: the backoff is announced once, not ${announced} times: ${results
        .map((r) => r.stderr)
        .filter(Boolean)
        .join(' | ')}`,
    );
    if (notRunning.length > 0) backoffs++;
    if (live.length === 0) {
      assert.ok(notRunning.length === CALLERS, `round ${round}: no instance, so every caller exits 1`);
      // The records say until when it backs off: poll until then rather than sleep a guess.
      await waitUntil(
        () => {
          const backoff = (JSON.parse(readOr(box.path('app.state.json')) || '{}') as { backoff?: { untilMs: number } | null }).backoff;
          return !backoff || Date.now() >= backoff.untilMs;
        },
        'the backoff to end',
        30_000,
      );
      continue;
    }
    const pid = live[0]!;
    box.track(pid);
    assert.equal(readOr(box.path('app.pid')), `${pid}\n`, `round ${round}: the PID file names it`);
    const started = results.filter((r) => /started/.test(r.stderr)).length;
    assert.ok(started <= 1, `round ${round}: at most one caller reports a start (${started})`);
    if (Math.random() < 0.6) {
      process.kill(pid, Math.random() < 0.5 ? 'SIGKILL' : 'SIGTERM');
      await waitUntil(() => !isAlive(pid), 'the killed target to die');
      kills++;
    }
  }
  const leftovers = readdirSync(box.dir).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'));
  assert.deepEqual(leftovers, [], 'no temporary files or lock directories left');
  t.diagnostic(`${ROUNDS} rounds of ${CALLERS} callers, ${kills} kills, ${backoffs} rounds backing off`);
});
