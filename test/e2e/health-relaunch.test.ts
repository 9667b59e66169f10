// The launch that follows a health restart is performed as any launch: a daemon it leaves is
// put on file, what a failed start leaves of its run is stopped, all within the same check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil } from '../helpers.ts';

/** A program that never beats: the check after its grace (1 s) restarts it as hung. */
function argsFor(box: Sandbox): string[] {
  return [
    '--pid',
    'app.pid',
    '--start-secs',
    '1',
    '--heartbeat',
    'hb',
    '--heartbeat-timeout',
    '1s',
    '--',
    fixture('by-mode.cjs'),
    box.path('mode'),
    box.path('helpers'),
  ];
}

/** Launches the program running, then waits until its heartbeat grace is over. */
async function launchedAndOverdue(box: Sandbox, args: string[]): Promise<number> {
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  const launchedAtMs: number = state.identity.launchedAtMs;
  await waitUntil(() => Date.now() - launchedAtMs > 1500, 'the heartbeat grace to be over');
  return pid;
}

test('a relaunch after a health restart that daemonizes puts the daemon on file in the same check', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = argsFor(box);
  const old = await launchedAndOverdue(box, args);
  writeFileSync(box.path('mode'), 'daemon');
  const restart = await box.run(args);
  assert.equal(restart.code, 0, restart.stderr);
  const said = lines(restart.stderr);
  assert.equal(said.length, 1, restart.stderr);
  const match = new RegExp(`^app: restarting \\(no heartbeat .*\\); stopped pid ${old} with SIGTERM, started pid (\\d+)$`).exec(said[0]!);
  assert.ok(match, restart.stderr);
  const daemon = box.track(Number(match[1]));
  assert.ok(isAlive(daemon), 'the daemon runs');
  assert.equal(box.pidOf(), daemon, 'the PID file names the daemon, not the launcher that exited');
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  assert.equal(state.identity.pid, daemon);
});

test('a relaunch after a health restart that fails stops what its run left, in the same check', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = argsFor(box);
  const old = await launchedAndOverdue(box, args);
  writeFileSync(box.path('mode'), 'fail-leaving-helper');
  const restart = await box.run(args);
  assert.equal(restart.code, 1, restart.stderr);
  const helpers = lines(readOr(box.path('helpers'))).map((pid) => box.track(Number(pid)));
  assert.equal(helpers.length, 1, 'one failed launch');
  const helper = helpers[0]!;
  assert.ok(!isAlive(helper), `the helper ${helper} left by the failed start was stopped by the check`);
  assert.ok(!existsSync(box.path('app.pid')), 'no PID file for a failed start');
  const said = lines(restart.stderr);
  assert.match(said[0]!, new RegExp(`^app: restarting \\(no heartbeat .*\\); stopped pid ${old} with SIGTERM$`));
  assert.match(
    said[1]!,
    new RegExp(`^app: failed to start \\(pid \\d+ exited with code 3 after .*; stopped 1 process left from its run \\(pid ${helper}\\)\\)`),
  );
  assert.equal(said.length, 2, restart.stderr);
});
