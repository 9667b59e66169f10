// --on-change COMMAND: run once per change of state (exactly when a line is said), detached,
// with the facts in its environment; bounded by --on-change-timeout; its failure said once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { BIN, Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
import { procStat } from '../proc.ts';

/** The ENSURE_RUNNING_* variables a call saw, and whether its stdin was a terminal. */
type Facts = Record<string, string> & { stdinIsTty?: boolean };

/** The hook calls recorded so far by test/fixtures/hook-record.cjs, oldest first. */
function calls(box: Sandbox): Facts[] {
  const dir = box.path('calls');
  return readdirSync(dir)
    .filter((name) => name.startsWith('call-'))
    .sort((a, b) => (BigInt(a.split('-')[1]!) < BigInt(b.split('-')[1]!) ? -1 : 1))
    .map((name) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8')) as Facts);
}

function recorder(box: Sandbox): string[] {
  mkdirSync(box.path('calls'), { recursive: true });
  return ['--on-change', `${fixture('hook-record.cjs')} ${box.path('calls')}`];
}

async function callsReach(box: Sandbox, count: number): Promise<Facts[]> {
  return waitUntil(() => (calls(box).length >= count ? calls(box) : null), `${count} hook call(s)`, 30_000);
}

test('the hook runs once per change with the facts in its environment, never on a quiet check', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', ...recorder(box), '--', fixture('forever.js')];
  const first = await box.run(cmd);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const [started] = await callsReach(box, 1);
  assert.equal(started!.ENSURE_RUNNING_EVENT, 'started');
  assert.equal(started!.ENSURE_RUNNING_NAME, 'app');
  assert.equal(started!.ENSURE_RUNNING_PID, String(pid));
  assert.equal(started!.ENSURE_RUNNING_PIDFILE, box.path('app.pid'));
  assert.equal(started!.ENSURE_RUNNING_MESSAGE, first.stderr.trimEnd());
  assert.equal(started!.ENSURE_RUNNING_LOG, box.path('app.log'));
  assert.equal(started!.stdinIsTty, false);
  // The hook's output is appended to the hook log beside the program's log, not to the check's.
  await waitUntil(() => readOr(box.path('app.hook.log')).includes('recorded started'), 'the hook log');

  // Quiet checks: no line, so no hook.
  for (let i = 0; i < 3; i++) {
    const quiet = await box.run(cmd);
    assert.equal(quiet.stderr + quiet.stdout, '');
  }
  // A death found by a check, and its relaunch: one change, one call, both named.
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');
  const relaunch = await box.run(cmd);
  box.pidOf();
  const all = await callsReach(box, 2);
  assert.equal(all.length, 2, 'no call for the quiet checks');
  assert.equal(all[1]!.ENSURE_RUNNING_EVENT, 'died');
  assert.equal(all[1]!.ENSURE_RUNNING_EVENTS, 'died started');
  assert.equal(all[1]!.ENSURE_RUNNING_MESSAGE, relaunch.stderr.trimEnd());
});

test('a failed start gives the hook its exit code and log tail', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const run = await box.run(['--pid', 'app.pid', '--start-secs', '1', ...recorder(box), '--', fixture('exit-now.js'), '7']);
  assert.equal(run.code, 1);
  const [failed] = await callsReach(box, 1);
  assert.equal(failed!.ENSURE_RUNNING_EVENT, 'failed-start');
  assert.equal(failed!.ENSURE_RUNNING_EXIT_CODE, '7');
  assert.match(failed!.ENSURE_RUNNING_LOG_TAIL!, /exit-now: failing with code 7/);
  assert.equal(failed!.ENSURE_RUNNING_SIGNAL, undefined);
});

test('20 overlapping checks on a dead program run the hook once', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', ...recorder(box), '--', fixture('forever.js')];
  assert.equal((await box.run(cmd)).code, 0);
  const first = box.pidOf();
  await callsReach(box, 1);
  process.kill(first, 'SIGKILL');
  await waitUntil(() => !isAlive(first), 'the program to die');
  const runs = await Promise.all(Array.from({ length: 20 }, () => box.run(cmd, { timeoutMs: 120_000 })));
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const second = box.pidOf();
  // One more change after them: once its call is in, any duplicate of the relaunch's would be too.
  process.kill(second, 'SIGKILL');
  await waitUntil(() => !isAlive(second), 'the second instance to die');
  await box.run(cmd);
  box.pidOf();
  const all = await callsReach(box, 3);
  assert.deepEqual(
    all.map((c) => c.ENSURE_RUNNING_PID),
    [String(first), String(second), box.pidOf().toString()],
  );
  assert.equal(all.length, 3, 'one call for the relaunch by 20 overlapping checks');
});

test('a hook that hangs is killed at --on-change-timeout, the check does not wait for it, and it is said once', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const hook = ['--on-change', `echo $$ > ${box.path('hook.pid')}; exec sleep 300`, '--on-change-timeout', '1s'];
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', ...hook, '--', fixture('forever.js')];
  const run = await box.run(cmd);
  assert.equal(run.code, 0, run.stderr);
  const pid = box.pidOf();
  assert.ok(isAlive(pid), 'launched although the hook hangs');
  const hookPid = await waitUntil(() => (existsSync(box.path('hook.pid')) ? Number(readFileSync(box.path('hook.pid'), 'utf8')) : 0), 'the hook to start');
  box.track(hookPid);
  await waitUntil(() => !isAlive(hookPid), 'the hook to be killed at its timeout', 30_000);
  await waitUntil(() => existsSync(box.path('.app.notify-failures')), 'the failure on record');
  // The next check says it once (and so is no quiet check); the one after is quiet again.
  const told = await box.run(cmd);
  assert.equal(told.code, 0);
  assert.match(told.stderr, /^app: --on-change for "started" was killed after 1s \(--on-change-timeout\); its output is in .*app\.hook\.log\n$/);
  const after = await box.run(cmd);
  assert.equal(after.stderr, '');
});

test('a failing hook is said once, at the next check, and never fails a check', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--on-change', 'echo oops >&2; exit 3', '--', fixture('forever.js')];
  assert.equal((await box.run(cmd)).code, 0);
  box.pidOf();
  await waitUntil(() => existsSync(box.path('.app.notify-failures')), 'the failure on record', 30_000);
  const told = await box.run(cmd);
  assert.equal(told.code, 0);
  assert.equal(told.stderr, `app: --on-change for "started" exited with code 3; its output is in ${box.path('app.hook.log')}\n`);
  assert.match(readFileSync(box.path('app.hook.log'), 'utf8'), /oops/);
  const quiet = await box.run(cmd);
  assert.equal(quiet.stderr, '');
  // Bad option values are named.
  const bad = await box.run(['--pid', 'app.pid', '--on-change-timeout', '0', '--on-change', 'true', '--', fixture('forever.js')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--on-change-timeout "0"/);
});

test('a hook still running at the next check forbids the quiet promise: its failure is said at the very next check, even by the front door', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // The hook ends (with code 3) only once the test lets it: it is surely still running at the second check.
  const hook = `while [ ! -e ${box.path('go')} ]; do sleep 0.05; done; exit 3`;
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--min-uptime', '1s', '--on-change-timeout', '2m', '--on-change', hook, '--', fixture('forever.js')];
  const first = await box.run(cmd);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const launchedAt = Date.now();
  // Past --min-uptime, a quiet check would give a promise (src/commands/promise.ts).
  await waitUntil(() => Date.now() - launchedAt > 1500, 'the run to pass --min-uptime');
  const second = await box.run(cmd);
  assert.deepEqual([second.code, second.stderr], [0, ''], 'quiet');
  assert.ok(!existsSync(box.path('app.promise')), 'no promise while the hook runs');
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  box.track(state.notifier.pid);
  assert.ok(isAlive(state.notifier.pid), 'the runner on record still runs');
  mkdirSync(box.path('go'));
  await waitUntil(() => existsSync(box.path('.app.notify-failures')), 'the hook to fail');
  // Through the front door, as cron calls it.
  const third = await box.run(cmd);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /--on-change for "started" exited with code 3/);
  assert.ok(isAlive(pid));
});

test("a failure a runner left on record while a quiet check ran forbids that check's promise: said at the very next check, even by the front door", async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const hook = `while [ ! -e ${box.path('go')} ]; do sleep 0.05; done; exit 3`;
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--min-uptime', '1s', '--on-change-timeout', '2m', '--on-change', hook, '--', fixture('forever.js')];
  const first = await box.run(cmd);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const launchedAt = Date.now();
  await waitUntil(() => Date.now() - launchedAt > 1500, 'the run to pass --min-uptime');
  // A quiet check, stopped (SIGSTOP) after its tick, right before it settles its promise.
  const second = spawn(BIN, cmd, { cwd: box.dir, env: box.env({ ENSURE_RUNNING_FAILPOINT: 'pause:before-promise' }), stdio: ['ignore', 'ignore', 'pipe'] });
  box.spawned(second.pid!);
  let stderr = '';
  second.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ended = new Promise<number | null>((done) => second.once('exit', (code) => done(code)));
  await waitUntil(
    () => stderr.includes('paused at before-promise') && procStat(second.pid!)?.state === 'T',
    'the second check to stop before its promise',
    60_000,
  );
  // Meanwhile the first check's runner fails and ends: only its failure is left, on record.
  const runner = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8')).notifier.pid as number;
  box.track(runner);
  mkdirSync(box.path('go'));
  await waitUntil(() => existsSync(box.path('.app.notify-failures')) && !isAlive(runner), 'the hook to fail and its runner to end');
  process.kill(second.pid!, 'SIGCONT');
  assert.equal(await ended, 0, stderr);
  assert.equal(stderr, 'failpoint: paused at before-promise\n', 'the second check was quiet');
  assert.ok(!existsSync(box.path('app.promise')), 'no promise while a failure is on record');
  const third = await box.run(cmd);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /--on-change for "started" exited with code 3/);
  assert.ok(isAlive(pid));
});
