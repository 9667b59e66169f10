// Records lost or untrustworthy: the program is still found (never launched twice, never
// left running by --stop), a record someone else could have written is not trusted, a
// launch record without a start time proves nothing, and a launch error is said once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, startPlain, waitUntil, rootOnly } from '../helpers.ts';
import { pidsWithArg, uniqueMarker, cleanupMarked, startTimeOf } from '../proc.ts';

async function launched(box: Sandbox, marker: string, pidFile = 'app.pid'): Promise<{ pid: number; args: string[] }> {
  const args = ['--pid', pidFile, '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  return { pid: box.pidOf(pidFile), args };
}

test('--stop after the state file is lost stops the program, and --start then makes exactly one', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('stop-lost');
  t.after(cleanupMarked(box, marker));
  const { pid } = await launched(box, marker);
  rmSync(box.path('app.state.json'));
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`stopped \\(pid ${pid}`));
  await waitUntil(() => !isAlive(pid), 'the program to be stopped');
  const start = await box.run(['--pid', 'app.pid', '--start', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(start.code, 0, start.stderr);
  assert.equal(pidsWithArg(marker).length, 1);
});

test('the PID directory removed and made again: the next check finds the running program instead of launching a second', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('remade');
  t.after(cleanupMarked(box, marker));
  mkdirSync(box.path('run'));
  const { pid, args } = await launched(box, marker, 'run/app.pid');
  rmSync(box.path('run'), { recursive: true });
  mkdirSync(box.path('run'));
  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, new RegExp(`recorded pid ${pid}, found by its environment`));
  assert.deepEqual(pidsWithArg(marker), [pid], 'one instance, the same');
  assert.equal(readOr(box.path('run/app.pid')), `${pid}\n`, 'the PID file is written again');
});

for (const how of ['world-writable', 'group-writable', 'owned by another user'] as const) {
  test(`a state file ${how} is not trusted: the PID it names is never signalled`, {
    skip: how === 'owned by another user' && rootOnly('to chown'),
  }, async (t) => {
    const box = new Sandbox();
    const marker = uniqueMarker('untrusted');
    t.after(cleanupMarked(box, marker));
    const { pid, args } = await launched(box, marker);
    // A planted record naming a bystander, complete with its real start time and boot id.
    const bystander = startPlain(box, process.execPath, [fixture('forever.js'), 'bystander']);
    const state = JSON.parse(readOr(box.path('app.state.json')));
    state.identity = { ...state.identity, pid: bystander, startTime: startTimeOf(bystander) };
    const file = box.path('app.state.json');
    rmSync(file);
    writeFileSync(file, JSON.stringify(state), { mode: 0o644 });
    if (how === 'world-writable') chmodSync(file, 0o666);
    else if (how === 'group-writable') chmodSync(file, 0o664);
    else chownSync(file, 65534, 65534);

    const check = await box.run(args);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, how === 'owned by another user' ? /belongs to uid 65534/ : /writable by other users \(mode 66[46]\), so it is not trusted/);
    const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`stopped \\(pid ${pid}`), 'the program itself was stopped');
    assert.ok(isAlive(bystander), 'the bystander named by the planted record was never signalled');
  });
}

test('a launch record without a start time proves nothing: its PID is never signalled', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('no-start-time');
  t.after(cleanupMarked(box, marker));
  const { pid, args } = await launched(box, marker);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');
  const bystander = startPlain(box, process.execPath, [fixture('forever.js'), 'bystander']);
  const state = JSON.parse(readOr(box.path('app.state.json')));
  state.identity = { ...state.identity, pid: bystander, startTime: null };
  writeFileSync(box.path('app.state.json'), JSON.stringify(state));
  writeFileSync(box.path('app.pid'), `${bystander}\n`);
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /was not running/);
  assert.ok(isAlive(bystander));
  const start = await box.run(['--pid', 'app.pid', '--start', ...args.slice(2)]);
  assert.equal(start.code, 0, start.stderr);
  assert.equal(pidsWithArg(marker).length, 1, 'the program is launched again');
  assert.ok(isAlive(bystander));
});

test('healthy checks count as "seen alive": a later death reports the last healthy check, not the launch', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('seen');
  t.after(cleanupMarked(box, marker));
  const { pid, args } = await launched(box, marker);
  const launchedAt = JSON.parse(readOr(box.path('app.state.json'))).identity.launchedAtMs as number;
  await waitUntil(() => Date.now() - launchedAt > 1_500, 'time to pass');
  const healthyAt = Date.now();
  const healthy = await box.run(args);
  assert.deepEqual([healthy.code, healthy.stderr], [0, '']);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');
  const check = await box.run(args);
  assert.match(check.stderr, /died/);
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  const seen = Date.parse(status.lastExit.lastSeenAlive);
  assert.ok(seen >= healthyAt - 1_000, `last seen alive ${status.lastExit.lastSeenAlive} is the healthy check, not the launch`);
});

test('a launch error that does not change is said once, then checks exit 2 quietly; --status shows it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--', 'no-such-command-er'];
  const first = await box.run(args);
  assert.equal(first.code, 2);
  assert.match(first.stderr, /no-such-command-er/);
  const second = await box.run(args);
  assert.deepEqual([second.code, second.stderr], [2, ''], 'the same complaint is not mailed again');
  const other = await box.run(['--pid', 'app.pid', '--', 'other-missing-command-er']);
  assert.match(other.stderr, /other-missing-command-er/, 'a different error is said at once');
  const status = await box.run(['--pid', 'app.pid', '--status']);
  assert.match(status.stdout, /cannot\s+launch since .*other-missing-command-er/);
});
