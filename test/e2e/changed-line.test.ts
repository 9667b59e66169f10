// A changed crontab line: said once (not every minute), shown by --status, applied by
// --restart; a changed --env clears a crash loop as a changed command does; --heartbeat
// added to a running program starts its clock when first seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Sandbox, fixture, lines, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('a changed --env on a running program is said once across checks, shown in --status, applied by --restart', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('changed');
  t.after(cleanupMarked(box, marker));
  const line = (mode: string) => ['--pid', 'app.pid', '--env', `APP_MODE=${mode}`, '--start-secs', '0', '--', fixture('tell-env.js'), marker];
  assert.equal((await box.run(line('blue'))).code, 0);
  const pid = box.pidOf();

  const first = await box.run(line('green'));
  assert.equal(first.code, 0, first.stderr);
  assert.equal(lines(first.stderr).length, 1, first.stderr);
  assert.match(
    first.stderr,
    new RegExp(
      `app: this call's launch request differs from the running program's \\(pid ${pid}\\): --env APP_MODE changed; ` +
        `it keeps running as launched until: ensure-running --pid ${box.path('app.pid')} --restart .*--env APP_MODE=green`,
    ),
  );
  assert.doesNotMatch(first.stderr, /blue|green.*green/, 'values are not mailed, only the exact --restart line');
  const second = await box.run(line('green'));
  assert.deepEqual([second.code, second.stdout, second.stderr], [0, '', ''], 'said once, not every minute');
  assert.deepEqual(pidsWithArg(marker), [pid], 'still the program as launched');

  const text = await box.run(['--pid', 'app.pid', '--status']);
  assert.match(text.stdout, /differs\s+since .*--env APP_MODE changed; it runs as launched until --restart/);
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.deepEqual(json.requestDiffers.differences, ['--env APP_MODE changed']);

  // Applying it: the --restart line the check printed.
  const hint = /until: ensure-running (.*)$/.exec(first.stderr.trim())![1]!;
  const restart = await box.run(hint.split(' '));
  assert.equal(restart.code, 0, restart.stderr);
  const again = box.pidOf();
  await waitUntil(() => readOr(box.path('app.log')).includes('"mode":"green"'), 'the restarted program to log');
  const after = await box.run(line('green'));
  assert.deepEqual([after.code, after.stderr], [0, '']);
  assert.equal(JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout).requestDiffers, null);
  assert.deepEqual(pidsWithArg(marker), [again]);

  // --start with another command on a running program: the same case, said once.
  const start = await box.run(['--pid', 'app.pid', '--start', '--env', 'APP_MODE=green', '--start-secs', '0', '--', fixture('tell-env.js'), marker, 'v2']);
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stderr, /differs from the running program's.*: command;/);
  assert.deepEqual(pidsWithArg(marker), [again]);
});

test('a crash loop fixed by --env is a new program: FATAL is cleared as for a changed command', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('fix-env');
  t.after(cleanupMarked(box, marker));
  const base = ['--pid', 'app.pid', '--max-retries', '1', '--start-secs', '1s'];
  const cmd = ['--', fixture('tell-env.js'), 'need-mode', marker];
  const failing = await box.run([...base, ...cmd]);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /fatal/);
  assert.deepEqual((await box.run([...base, ...cmd])).code, 1, 'FATAL stays');
  const fixed = await box.run([...base, '--env', 'APP_MODE=ok', ...cmd]);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stderr, /started/);
  assert.equal(pidsWithArg(marker).length, 1);
  const history = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout).events;
  assert.ok(history.some((e: { detail: string | null }) => /changed \(--env\): crash-loop tallies cleared/.test(e.detail ?? '')));
});

test('--heartbeat added to a running program is judged from when it was first seen, not from the old launch', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('hb-added');
  t.after(cleanupMarked(box, marker));
  const plain = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('tell-env.js'), marker];
  assert.equal((await box.run(plain)).code, 0);
  const pid = box.pidOf();
  const launchedAt = JSON.parse(readOr(box.path('app.state.json'))).identity.launchedAtMs as number;
  await waitUntil(() => Date.now() - launchedAt > 3_000, 'the run to be older than the heartbeat grace');

  const withBeat = ['--pid', 'app.pid', '--heartbeat', 'hb', '--heartbeat-timeout', '2s', '--start-secs', '0', '--', fixture('tell-env.js'), marker];
  const first = await box.run(withBeat);
  assert.deepEqual([first.code, first.stderr], [0, ''], 'no immediate false "hung" restart');
  assert.deepEqual(pidsWithArg(marker), [pid]);
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(status.recentDeaths, 0);

  // The clock does run: past the grace from when it was first seen, a program that never beats is hung.
  const seenAt = JSON.parse(readOr(box.path('app.state.json'))).health.heartbeatSeen.sinceMs as number;
  await waitUntil(() => Date.now() - seenAt > 2_500, 'the grace from first seen to pass');
  const later = await box.run(withBeat);
  assert.match(later.stderr, /restarting \(no heartbeat/);
});

test('--restart-at added to a program running for days is due at its next time, not at once', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('at-added');
  t.after(cleanupMarked(box, marker));
  const plain = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('tell-env.js'), marker];
  assert.equal((await box.run(plain)).code, 0);
  const pid = box.pidOf();
  // As if it had been running for two days: a 03:00 UTC has passed since its launch.
  const state = JSON.parse(readOr(box.path('app.state.json')));
  state.identity.launchedAtMs = Date.now() - 2 * 86_400_000;
  writeFileSync(box.path('app.state.json'), JSON.stringify(state));

  const withAt = ['--pid', 'app.pid', '--restart-at', '0 3 * * *', '--tz', 'UTC', '--start-secs', '0', '--', fixture('tell-env.js'), marker];
  for (const n of [1, 2]) {
    const check = await box.run(withAt);
    assert.deepEqual([check.code, check.stderr], [0, ''], `check ${n}: no planned restart for a time before the option was given`);
  }
  assert.deepEqual(pidsWithArg(marker), [pid]);
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.ok(Date.parse(json.health.restartAt.nextAt) > Date.now(), 'due at its next 03:00');
});
