// Heartbeat, HTTP health and planned restarts, end to end through the built CLI with real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { Sandbox, fixture, isAlive, readOr, waitUntil, lines } from '../helpers.ts';

const quiet = (r: { code: number | null; stdout: string; stderr: string }) => assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function editState(box: Sandbox, edit: (state: Record<string, any>) => void): void {
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  edit(state);
  writeFileSync(box.path('app.state.json'), JSON.stringify(state));
}

test('a live program whose heartbeat stops is restarted after the timeout, with one line', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // A 3 s timeout: the program beats every 100 ms, and a loaded machine may starve it for a second.
  const args = [
    '--pid',
    'app.pid',
    '--start-secs',
    '0.2',
    '--heartbeat',
    'hb',
    '--heartbeat-timeout',
    '3s',
    '--',
    fixture('heartbeat-stall.js'),
    box.path('stall'),
  ];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  quiet(await box.run(args));
  // It stops beating when told to and stays alive; wait until the beat is older than the timeout.
  writeFileSync(box.path('stall'), '');
  await waitUntil(() => existsSync(box.path('hb')) && Date.now() - statSync(box.path('hb')).mtimeMs > 3300, 'the heartbeat to go stale');
  assert.ok(isAlive(pid), 'hung, not dead');
  const restart = await box.run(args);
  assert.equal(restart.code, 0, restart.stderr);
  const match = new RegExp(`^app: restarting \\(heartbeat \\d+s old, timeout 3s\\); stopped pid ${pid} with SIGTERM, started pid (\\d+)\\n$`).exec(
    restart.stderr,
  );
  assert.ok(match, restart.stderr);
  const fresh = box.pidOf();
  assert.equal(fresh, Number(match[1]));
  await waitUntil(() => !isAlive(pid), 'the hung process to be gone');
  quiet(await box.run(args));
  assert.equal(box.pidOf(), fresh);
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
  assert.ok(status.events.some((e: { kind: string; pid: number }) => e.kind === 'hung' && e.pid === pid));
  assert.equal(status.recentDeaths, 1, 'a hung restart counts towards crowding');
  assert.equal(status.lastExit, null, 'but invents no exit: ensure-running ended the run');
});

test('the Node helper keeps a program healthy, and after stop() the guard no longer judges it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // A 3 s timeout: the helper beats every 100 ms, and a loaded machine may starve it for a second.
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--heartbeat', 'hb', '--heartbeat-timeout', '3s', '--', fixture('heartbeat-helper.js'), '1800'];
  assert.equal((await box.run(args)).code, 0);
  const pid = box.pidOf();
  // Checks spread over more than the timeout, while the helper beats: all quiet, same PID.
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    quiet(await box.run(args));
    await new Promise((r) => setTimeout(r, 150));
  }
  await waitUntil(() => readOr(box.path('hb')).startsWith('unregistered'), 'stop() to unregister');
  await waitUntil(() => Date.now() - statSync(box.path('hb')).mtimeMs > 3300, 'the unregistered file to be older than the timeout');
  quiet(await box.run(args));
  assert.equal(box.pidOf(), pid);
  assert.ok(isAlive(pid));
});

test('the helper does not keep the event loop alive', async () => {
  const box = new Sandbox();
  try {
    const file = box.path('hb');
    const { runProcess, NODE, ROOT } = await import('../helpers.ts');
    const code = `import { heartbeat } from 'ensure-running'; heartbeat({ path: ${JSON.stringify(file)}, intervalMs: 50 }).start();`;
    const result = await runProcess(NODE, ['--input-type=module', '-e', code], { cwd: ROOT, timeoutMs: 10_000 });
    assert.deepEqual([result.code, result.signal, result.stderr], [0, null, '']);
    assert.equal(readFileSync(file, 'utf8'), '', 'registered by an empty beat');
  } finally {
    box.cleanup();
  }
});

test('an HTTP health check that starts failing restarts the program after N checks, not before', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/health`;
  const args = ['--pid', 'app.pid', '--start-secs', '0.3', '--health-url', url, '--health-failures', '3', '--', fixture('http-health.js'), String(port)];
  const probes = () => lines(readOr(box.path('requests.log'))).filter((l) => l.endsWith(' /health')).length;
  assert.equal((await box.run(args)).code, 0);
  const pid = box.pidOf();
  await waitUntil(
    async () =>
      await fetch(`http://127.0.0.1:${port}/ready`)
        .then((r) => r.ok)
        .catch(() => false),
    'the fixture to listen',
  );
  quiet(await box.run(args));
  assert.equal(probes(), 1);
  writeFileSync(box.path('fail'), '');
  for (let n = 1; n < 3; n++) {
    quiet(await box.run(args));
    assert.equal(box.pidOf(), pid, `still the same program after ${n} failed checks`);
  }
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(status.health.healthFailures, 2);
  const third = await box.run(args);
  assert.equal(third.code, 0, third.stderr);
  assert.match(
    third.stderr,
    new RegExp(
      `^app: restarting \\(health check failed 3 times in a row, last: HTTP 500 from ` +
        `${url.replaceAll('.', '\\.')}\\); stopped pid ${pid} with SIGTERM, started pid \\d+\\n$`,
    ),
  );
  assert.equal(probes(), 4);
  const fresh = box.pidOf();
  assert.notEqual(fresh, pid);
  rmSync(box.path('fail'));
  await waitUntil(
    async () =>
      await fetch(`http://127.0.0.1:${port}/ready`)
        .then((r) => r.ok)
        .catch(() => false),
    'the new instance to listen',
  );
  quiet(await box.run(args));
  assert.equal(box.pidOf(), fresh);
});

test('--restart-at with a scheduled time passed since the start restarts once, not twice', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--restart-at', '0 3 * * *', '--tz', 'UTC', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  const pid = box.pidOf();
  quiet(await box.run(args));
  // As if it had been launched two days ago: a 03:00 UTC has passed since.
  const twoDaysAgo = Date.now() - 2 * 86_400_000;
  const next3am = new Date(twoDaysAgo);
  next3am.setUTCHours(3, 0, 0, 0);
  if (next3am.getTime() <= twoDaysAgo) next3am.setUTCDate(next3am.getUTCDate() + 1);
  editState(box, (s) => {
    s.identity.launchedAtMs = twoDaysAgo;
    s.health.restartAt.nextMs = next3am.getTime();
  });
  const planned = await box.run(args);
  assert.equal(planned.code, 0, planned.stderr);
  assert.match(
    planned.stderr,
    new RegExp(
      `^app: restarting \\(planned restart, --restart-at "0 3 \\* \\* \\*" was due at ` +
        `\\S+T03:00:00\\.000Z\\); stopped pid ${pid} with SIGTERM, started pid \\d+\\n$`,
    ),
  );
  const fresh = box.pidOf();
  quiet(await box.run(args));
  quiet(await box.run(args));
  assert.equal(box.pidOf(), fresh);
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.ok(status.health.restartAt.lastRestartAt);
  assert.ok(Date.parse(status.health.restartAt.nextAt) > Date.now());
});

test('--status warns when checks stop arriving, and a check clears the warning', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--schedule', '* * * * *', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  const fine = await box.run(['--pid', 'app.pid', '--status']);
  assert.match(fine.stdout, /next check +\S+ \S+ \(schedule \* \* \* \* \*\)/);
  assert.doesNotMatch(fine.stdout, /WARNING/);
  // Twelve minutes without a check: the last full check and the state file's mtime both that old.
  const old = Date.now() - 12 * 60_000;
  editState(box, (s) => {
    s.lastCheckMs = old;
  });
  const { utimesSync } = await import('node:fs');
  utimesSync(box.path('app.state.json'), old / 1000, old / 1000);
  const late = await box.run(['--pid', 'app.pid', '--status']);
  assert.equal(late.code, 0);
  assert.match(late.stdout, /WARNING +no check for 12 min; expected every 1 min — is cron running and is the crontab line right\?/);
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(json.checks.overdue, true);
  quiet(await box.run(args));
  const again = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(again.checks.overdue, false, 'the lock-free check recorded itself');
});
