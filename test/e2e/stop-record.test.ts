// A hand-run --stop follows the crontab line: the recorded --signal and --kill-after apply
// unless given; the hold is on record before the first signal, so an interrupted --stop
// leaves the program held; a program that crashed just before --stop leaves its death.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, killHard, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

const state = (box: Sandbox) => JSON.parse(readOr(box.path('app.state.json')) || '{}');

test('plain --stop and --restart send the recorded --signal INT, not TERM', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('sigint');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--signal', 'INT', '--kill-after', '30s', '--start-secs', '0', '--', fixture('tell-env.js'), marker];
  // With --start-secs 0 a call returns at the spawn: each run is signalled only once it has said it is up (its handlers are then set).
  const up = (runs: number) => waitUntil(() => (readOr(box.path('app.log')).match(/"pid":/g) ?? []).length === runs, `run ${runs} to be up`);
  assert.equal((await box.run(args)).code, 0);
  const pid = box.pidOf();
  await up(1);
  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped \\(pid ${pid}, SIGINT after`));
  assert.match(readOr(box.path('app.log')), /tell-env: got SIGINT/);
  assert.doesNotMatch(readOr(box.path('app.log')), /got SIGTERM/);

  // --restart with the command (as the crontab line has it, without --signal): the old run still gets INT.
  assert.equal((await box.run(['--pid', 'app.pid', '--start', ...args.slice(2)])).code, 0);
  const started = box.pidOf();
  await up(2);
  const restart = await box.run(['--pid', 'app.pid', '--restart', '--start-secs', '0', '--', fixture('tell-env.js'), marker]);
  assert.equal(restart.code, 0, restart.stderr);
  assert.match(restart.stdout, new RegExp(`stopped \\(pid ${started}, SIGINT after`));
  // Given on the call, the option wins.
  box.pidOf();
  await up(3);
  const term = await box.run(['--pid', 'app.pid', '--stop', '--signal', 'TERM']);
  assert.match(term.stdout, /SIGTERM after/);
  assert.match(readOr(box.path('app.log')), /tell-env: got SIGTERM/);
});

test("Ctrl-C during --stop's wait leaves the program held: the next check does not relaunch it", async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('hold-first');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('ignore-term.cjs'), box.path('pids.txt'), marker];
  assert.equal((await box.run(args)).code, 0);
  const pid = box.pidOf();
  const [, child] = (await waitUntil(() => readOr(box.path('pids.txt')), 'the fixture to report its pids')).trim().split(' ').map(Number);
  box.track(child!);

  // A stop that waits (the program ignores SIGTERM), interrupted as Ctrl-C would.
  const stop = spawn(BIN, ['--pid', 'app.pid', '--stop', '--kill-after', '60s'], { cwd: box.dir, env: box.env(), stdio: 'ignore' });
  box.spawned(stop.pid!);
  const exited = new Promise((done) => stop.on('exit', done));
  await waitUntil(() => readOr(box.path('app.log')).includes('ignoring SIGTERM'), 'the stop signal to arrive');
  const recorded = state(box);
  assert.equal(recorded.held, true, 'held before the first signal');
  assert.equal(recorded.events.at(-1).kind, 'stopping');
  stop.kill('SIGINT');
  await exited;
  // Its graceful shutdown ends later (here: killed by hand); the next check must not relaunch it.
  killHard(pid);
  await waitUntil(() => !isAlive(pid), 'the program to end');
  const check = await box.run(args);
  assert.deepEqual([check.code, check.stdout, check.stderr], [0, '', ''], 'held: quiet, nothing launched');
  assert.deepEqual(
    pidsWithArg(marker).filter((p) => p !== child),
    [],
  );
  assert.equal(state(box).held, true);
});

test('a program that crashed just before --stop leaves a death with its log tail', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('crash-stop');
  t.after(cleanupMarked(box, marker));
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('tell-env.js'), marker])).code, 0);
  const pid = box.pidOf();
  await waitUntil(() => readOr(box.path('app.log')).includes(marker), 'the program to log');
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');

  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`was not running; pid ${pid} had died`));
  assert.ok(!existsSync(box.path('app.pid')));
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
  assert.equal(status.state, 'held');
  assert.equal(status.lastExit.pid, pid);
  assert.ok(
    status.lastExit.logTail.some((line: string) => line.includes(marker)),
    'the log tail is kept',
  );
  assert.ok(status.events.some((e: { kind: string; pid: number }) => e.kind === 'death' && e.pid === pid));
  assert.equal(JSON.parse(readFileSync(box.path('app.state.json'), 'utf8')).held, true);
});
