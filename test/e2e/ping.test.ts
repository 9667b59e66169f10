// --ping-url: a dead-man's switch. A check that finds the program running requests it at most
// once per --ping-every, and the quiet promise ends when the next ping is due; FATAL requests
// --ping-fail-url once; an unreachable URL is said once, not at every ping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, waitUntil } from '../helpers.ts';
import { HttpRecorder } from '../http-recorder.ts';

test('pings at most once per --ping-every while running, and the quiet promise gives way to the next ping', async (t) => {
  const box = new Sandbox();
  const server = await new HttpRecorder().start();
  t.after(async () => {
    box.cleanup();
    await server.stop();
  });
  const cmd = [
    '--pid',
    'app.pid',
    '--start-secs',
    '0',
    '--min-uptime',
    '1s',
    '--ping-url',
    server.url('/ping'),
    '--ping-every',
    '10s',
    '--',
    fixture('forever.js'),
  ];
  assert.equal((await box.run(cmd)).code, 0);
  box.pidOf();
  await waitUntil(() => server.to('/ping').length === 1, 'the first ping', 30_000);
  assert.equal(server.to('/ping')[0]!.method, 'GET');
  // Checks every moment: none pings again before --ping-every, the healthy ones leave a quiet
  // promise (answered without node), and the second ping still comes once it is due.
  let promised = false;
  await waitUntil(
    async () => {
      const run = await box.run(cmd);
      assert.equal(run.stderr, '');
      promised ||= existsSync(box.path('app.promise'));
      return server.to('/ping').length >= 2;
    },
    'the second ping',
    60_000,
    250,
  );
  assert.ok(promised, 'healthy checks were answered by a quiet promise meanwhile');
  assert.equal(server.to('/ping').length, 2);
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  assert.equal(typeof state.ping.lastMs, 'number');
});

test('FATAL requests --ping-fail-url once; a running program again pings at once', async (t) => {
  const box = new Sandbox();
  const server = await new HttpRecorder().start();
  t.after(async () => {
    box.cleanup();
    await server.stop();
  });
  const ping = ['--ping-url', server.url('/ping'), '--ping-fail-url', server.url('/fail')];
  const failing = ['--pid', 'app.pid', '--start-secs', '1', '--max-retries', '1', ...ping, '--', fixture('exit-now.js'), '3'];
  const fatal = await box.run(failing);
  assert.match(fatal.stderr, /app: fatal: /);
  await waitUntil(() => server.to('/fail').length === 1, 'the fail ping', 30_000);
  for (let i = 0; i < 3; i++) assert.equal((await box.run(failing)).code, 1);
  // A changed command clears FATAL: the program runs, and the ping that tells so goes at once.
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0', ...ping, '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  await waitUntil(() => server.to('/ping').length === 1, 'the ping after recovery', 30_000);
  assert.equal(server.to('/fail').length, 1, 'one fail ping for one FATAL');
});

test('an unreachable ping URL is said once, not at every ping', async (t) => {
  const box = new Sandbox();
  const gone = await new HttpRecorder().start();
  const url = gone.url('/ping');
  await gone.stop();
  t.after(() => box.cleanup());
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--ping-url', url, '--', fixture('forever.js')];
  assert.equal((await box.run(cmd)).code, 0);
  box.pidOf();
  const failures = box.path('.app.notify-failures');
  await waitUntil(() => existsSync(failures), 'the failed ping on record', 30_000);
  const told = await box.run(cmd);
  assert.equal(told.stderr, `app: --ping-url ${url} failed: ECONNREFUSED\n`);
  // The next ping is made due at once (as if --ping-every had passed): it fails the same way, unsaid.
  const stateFile = box.path('app.state.json');
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  state.ping.lastMs -= 3_600_000;
  writeFileSync(stateFile, JSON.stringify(state));
  assert.equal((await box.run(cmd)).stderr, '');
  await waitUntil(() => existsSync(failures), 'the second failed ping on record', 30_000);
  const quiet = await box.run(cmd);
  assert.equal(quiet.code, 0);
  assert.equal(quiet.stderr, '');
  assert.ok(!existsSync(failures), 'taken and kept silent');
});
