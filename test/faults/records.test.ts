// Damaged records: a corrupt, mistyped, newer or lost state file, a lock left or planted,
// the PID directory removed, and the check interrupted by a signal mid-launch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, rmdirSync, utimesSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, runProcess, waitUntil, BIN, rootOnly } from '../helpers.ts';
import { pausedCall, pidsWithArg, procStat, startCall, uniqueMarker, cleanupMarked } from '../proc.ts';

/** Launches a guarded program and returns its PID and the check arguments. */
async function running(box: Sandbox, marker: string): Promise<{ pid: number; args: string[] }> {
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  return { pid: box.pidOf(), args };
}

const damaged: [string, string][] = [
  ['truncated JSON', '{"version":1,"identity":{"pid":'],
  ['wrong types', '{"version":1,"identity":{"pid":"x"},"launches":"many","events":5,"held":"yes","backoff":7}'],
  ['not an object', '[1,2,3]'],
  ['empty', ''],
];

for (const [label, content] of damaged) {
  test(`state file ${label}: one clear line, the running program is re-recorded from its environment, never a duplicate`, async (t) => {
    const box = new Sandbox();
    const marker = uniqueMarker('corrupt');
    t.after(() => box.cleanup());
    const { pid, args } = await running(box, marker);
    writeFileSync(box.path('app.state.json'), content);
    const check = await box.run(args);
    assert.equal(check.code, 0, check.stderr);
    assert.doesNotMatch(check.stderr, /internal error|at .*\.js:\d+/, 'no stack trace');
    assert.match(check.stderr, new RegExp(`recorded pid ${pid}, found by its environment`));
    assert.deepEqual(pidsWithArg(marker), [pid], 'still one instance, the same');
    const state = JSON.parse(readOr(box.path('app.state.json')));
    assert.equal(state.identity.pid, pid, 'the state file is rebuilt');
    const quiet = await box.run(args);
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], 'and the next check is quiet again');
    const status = await box.run(['--pid', 'app.pid', '--status', '--json']);
    assert.equal(status.code, 0);
    assert.equal(JSON.parse(status.stdout).verified, true, 'the identity is verified again');
  });
}

test('state file lost while the program runs: re-recorded, not relaunched', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('lost');
  t.after(() => box.cleanup());
  const { pid, args } = await running(box, marker);
  rmSync(box.path('app.state.json'));
  const check = await box.run(args);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stderr, /found by its environment/);
  assert.deepEqual(pidsWithArg(marker), [pid]);
});

test('state file from a newer version: reported with what to do, left untouched, the program left alone', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('future');
  t.after(() => box.cleanup());
  const { pid, args } = await running(box, marker);
  const future = '{"version":99,"whatever":true}\n';
  writeFileSync(box.path('app.state.json'), future);
  const check = await box.run(args);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /format version 99 is newer/);
  assert.match(check.stderr, /upgrade ensure-running/);
  assert.ok(check.stderr.includes(box.path('app.state.json')), check.stderr);
  assert.equal(check.stderr.trim().split('\n').length, 1);
  assert.equal(readOr(box.path('app.state.json')), future, 'never overwritten');
  assert.deepEqual(pidsWithArg(marker), [pid]);
  const status = await box.run(['--pid', 'app.pid', '--status']);
  assert.match(status.stdout, /format version 99/);
});

test('the PID directory removed while the program runs: a clear error naming it, no duplicate', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('rmdir');
  t.after(() => box.cleanup());
  mkdirSync(box.path('run'));
  const args = ['--pid', 'run/app.pid', '--log', 'app.log', '--start-secs', '0', '--', fixture('forever.js'), marker];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf('run/app.pid');
  rmSync(box.path('run'), { recursive: true });
  const check = await box.run(args);
  assert.equal(check.code, 2, check.stderr);
  assert.ok(check.stderr.includes(box.path('run')), check.stderr);
  assert.match(check.stderr, /create the directory/);
  assert.deepEqual(pidsWithArg(marker), [pid], 'the running program is left alone, nothing else launched');
});

test('a lock left by a killed check older than the stale period is taken over at once', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('stale');
  t.after(cleanupMarked(box, marker));
  mkdirSync(box.path('app.pid.lock'));
  const old = new Date(Date.now() - 60_000);
  utimesSync(box.path('app.pid.lock'), old, old);
  const check = await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(pidsWithArg(marker).length, 1);
  assert.ok(!readdirSync(box.dir).includes('app.pid.lock'), 'the lock is gone after the check');
});

test('a lock held by a check of an earlier version (a directory, made by mkdir) keeps a check waiting until it is removed', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('dir-lock');
  t.after(cleanupMarked(box, marker));
  // The lock as versions before made it: a directory, its time fresh (held, and refreshed while held).
  mkdirSync(box.path('app.pid.lock'));
  const check = startCall(box, ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  await new Promise((done) => setTimeout(done, 1500));
  assert.ok(isAlive(check.pid), `the check waits for the lock: ${check.said()}`);
  assert.deepEqual(
    pidsWithArg(marker).filter((pid) => pid !== check.pid),
    [],
    'nothing launched while the lock is held',
  );
  rmdirSync(box.path('app.pid.lock'));
  assert.equal(await check.ended, 0, check.said());
  assert.equal(pidsWithArg(marker).length, 1);
  assert.ok(!readdirSync(box.dir).includes('app.pid.lock'), 'the lock is gone after the check');
});

test('a stale lock that another call takes over first, with a lock of the other kind, is waited for', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('stale-race');
  t.after(cleanupMarked(box, marker));
  // A stale directory (an earlier version's, left by a killed check); the check stops right before it removes it.
  mkdirSync(box.path('app.pid.lock'));
  const old = new Date(Date.now() - 60_000);
  utimesSync(box.path('app.pid.lock'), old, old);
  const check = await pausedCall(box, ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), marker], 'before-stale-removal');
  // Meanwhile another call took the stale lock over: its lock is a file, fresh.
  rmdirSync(box.path('app.pid.lock'));
  writeFileSync(box.path('app.pid.lock'), '');
  process.kill(check.pid, 'SIGCONT');
  await new Promise((done) => setTimeout(done, 1000));
  assert.ok(isAlive(check.pid), `the check waits for the other call's lock: ${check.said()}`);
  rmSync(box.path('app.pid.lock'));
  assert.equal(await check.ended, 0, check.said());
  assert.equal(pidsWithArg(marker).filter((pid) => pid !== check.pid).length, 1);
});

test('a lock planted by another user in a shared sticky directory: a clear error naming the owner, nothing launched', {
  skip: rootOnly('to act as two users'),
}, async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('planted');
  t.after(cleanupMarked(box, marker));
  const shared = box.path('shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  chmodSync(box.dir, 0o755);
  const as = (uid: number, args: string[]) => ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', ...args];
  execFileSync('setpriv', as(65533, ['mkdir', `${shared}/app.pid.lock`]));
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${shared}/app.pid.lock`, old, old);
  const result = await runProcess(
    'setpriv',
    as(65534, [BIN, '--pid', `${shared}/app.pid`, '--log', `${shared}/app.log`, '--start-secs', '0', '--', fixture('forever.js'), marker]),
    {
      cwd: shared,
      env: box.env({ HOME: shared, ENSURE_RUNNING_HOME: `${shared}/registry` }),
    },
  );
  assert.equal(result.code, 2, result.stderr);
  assert.ok(result.stderr.includes(`${shared}/app.pid.lock`), result.stderr);
  assert.match(result.stderr, /uid 65533/);
  assert.match(result.stderr, /directory only you can write/);
  assert.deepEqual(pidsWithArg(marker), []);
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  // Before the check first waits on Node's event loop (stopped right before its spawn, a moment
  // after its launch token went on record): a signal listener runs only when the loop turns, so
  // one must already be there, or the signal ends the check at once and leaves the lock behind.
  test(`${signal} to the check before it first waits (right before its spawn): lock released, records consistent, one instance`, async (t) => {
    const box = new Sandbox();
    const marker = uniqueMarker(`${signal}-early`);
    t.after(cleanupMarked(box, marker));
    const args = ['--pid', 'app.pid', '--start-secs', '1', '--', fixture('forever.js'), marker];
    const { spawn } = await import('node:child_process');
    const guard = spawn(BIN, args, { cwd: box.dir, env: box.env({ ENSURE_RUNNING_FAILPOINT: 'pause:before-spawn' }), stdio: ['ignore', 'ignore', 'pipe'] });
    box.spawned(guard.pid!);
    let stderr = '';
    guard.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<string | null>((done) => guard.once('exit', (_code, sig) => done(sig)));
    await waitUntil(() => stderr.includes('paused at before-spawn') && procStat(guard.pid!)?.state === 'T', 'the check to stop right before its spawn', 60_000);
    guard.kill(signal);
    guard.kill('SIGCONT');
    assert.equal(await exited, signal, 'the check ends by the signal');
    assert.ok(!readdirSync(box.dir).includes('app.pid.lock'), 'the lock is released');
    const next = await box.run(args);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(pidsWithArg(marker).length, 1, 'one instance');
  });

  test(`${signal} to the check inside the start window: lock released, records consistent, one instance`, async (t) => {
    const box = new Sandbox();
    const marker = uniqueMarker(signal);
    t.after(cleanupMarked(box, marker));
    const args = ['--pid', 'app.pid', '--start-secs', '5', '--', fixture('forever.js'), marker];
    const { spawn } = await import('node:child_process');
    const guard = spawn(BIN, [...args], { cwd: box.dir, env: box.env(), stdio: 'ignore' });
    box.spawned(guard.pid!);
    const exited = new Promise<string | null>((done) => guard.once('exit', (_code, sig) => done(sig)));
    const pid = await waitUntil(() => (readOr(box.path('app.pid')) ? Number(readOr(box.path('app.pid'))) : 0), 'the PID file');
    box.track(pid);
    await waitUntil(() => JSON.parse(readOr(box.path('app.state.json')) || '{}').identity?.pid === pid, 'the launch on record');
    guard.kill(signal);
    await exited;
    assert.ok(!readdirSync(box.dir).includes('app.pid.lock'), 'the lock is released');
    assert.ok(isAlive(pid), 'the program survives its guard');
    const next = await box.run(args);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stderr, '', 'nothing to report: the launch was on record');
    assert.deepEqual(pidsWithArg(marker), [pid]);
  });
}
