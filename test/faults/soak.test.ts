// Consecutive checks with random kills of the target: the records stay bounded and clean.
// SOAK_CHECKS scales it (npm run test:soak runs 2,000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
import { pidsWithArg, uniqueMarker, cleanupMarked } from '../proc.ts';

const CHECKS = Number(process.env.SOAK_CHECKS ?? 150);

test(`${CHECKS} consecutive checks with random kills: bounded sidecar, no leaked locks or temp files, one instance`, { timeout: 60 * 60_000 }, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('soak');
  t.after(cleanupMarked(box, marker));
  // Kills inside the start window are failed starts, which back off: --interval 1s keeps the
  // delays short enough to ride through within the soak.
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--interval', '1s', '--backoff-max', '1s', '--', fixture('forever.js'), marker];
  let largest = 0;
  let kills = 0;
  for (let i = 0; i < CHECKS; i++) {
    const result = await box.run(args);
    assert.ok(result.code === 0 || result.code === 1, `check ${i}: exit ${result.code}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /internal error|ensure-running: cannot/, `check ${i}`);
    const live = pidsWithArg(marker);
    assert.ok(live.length <= 1, `check ${i}: never two instances (${live.join(' ')})`);
    for (const pid of live) box.track(pid);
    largest = Math.max(largest, statSync(box.path('app.state.json')).size);
    if (live.length === 1 && Math.random() < 0.3) {
      process.kill(live[0]!, 'SIGKILL');
      await waitUntil(() => !isAlive(live[0]!), 'the target to die');
      kills++;
    }
  }
  const leftovers = readdirSync(box.dir).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'));
  assert.deepEqual(leftovers, [], 'no temporary files or lock directories left');
  assert.ok(largest < 24 * 1024, `the sidecar stays small: largest ${largest} bytes`);
  const events = JSON.parse(readOr(box.path('app.state.json'))).events as unknown[];
  assert.ok(events.length <= 40, `events are bounded: ${events.length}`);
  t.diagnostic(`${CHECKS} checks, ${kills} kills, largest sidecar ${largest} bytes`);
});
