// --notify-url URL: one JSON POST per change (a human `text` and the facts), detached; a dead
// or failing URL is said once at the next check and never fails a check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Sandbox, fixture, isAlive, waitUntil } from '../helpers.ts';
import { HttpRecorder } from '../http-recorder.ts';

test('one POST per change with a text field and the facts; none on quiet checks', async (t) => {
  const box = new Sandbox();
  const server = await new HttpRecorder().start();
  t.after(async () => {
    box.cleanup();
    await server.stop();
  });
  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--notify-url', server.url('/hook'), '--', fixture('forever.js')];
  const first = await box.run(cmd);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  await waitUntil(() => server.to('/hook').length === 1, 'the first POST', 30_000);
  const [post] = server.to('/hook');
  assert.equal(post!.method, 'POST');
  assert.match(String(post!.headers['content-type']), /^application\/json/);
  const body = JSON.parse(post!.body);
  assert.equal(body.text, first.stderr.trimEnd());
  assert.equal(body.event, 'started');
  assert.equal(body.name, 'app');
  assert.equal(body.pid, pid);
  assert.equal(body.pidFile, box.path('app.pid'));
  for (let i = 0; i < 3; i++) assert.equal((await box.run(cmd)).stderr, '');

  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the program to die');
  const relaunch = await box.run(cmd);
  box.pidOf();
  await waitUntil(() => server.to('/hook').length >= 2, 'the second POST', 30_000);
  assert.equal(server.to('/hook').length, 2, 'no POST for the quiet checks');
  const died = JSON.parse(server.to('/hook')[1]!.body);
  assert.equal(died.event, 'died');
  assert.deepEqual(died.events, ['died', 'started']);
  assert.equal(died.text, relaunch.stderr.trimEnd());
});

test('an unreachable URL and an HTTP error are each said once, at the next check', async (t) => {
  const box = new Sandbox();
  const server = await new HttpRecorder().start();
  t.after(async () => {
    box.cleanup();
    await server.stop();
  });
  // A port nothing listens on any more: the connection is refused at once.
  const gone = await new HttpRecorder().start();
  const deadUrl = gone.url('/hook');
  await gone.stop();
  const dead = ['--pid', 'dead.pid', '--start-secs', '0', '--notify-url', deadUrl, '--', fixture('forever.js')];
  assert.equal((await box.run(dead)).code, 0);
  box.pidOf('dead.pid');
  await waitUntil(() => existsSync(box.path('.dead.notify-failures')), 'the failure on record', 30_000);
  const told = await box.run(dead);
  assert.equal(told.code, 0);
  assert.equal(told.stderr, `dead: --notify-url ${deadUrl} for "started" failed: ECONNREFUSED\n`);
  assert.equal((await box.run(dead)).stderr, '');

  server.status.set('/broken', 500);
  const broken = ['--pid', 'broken.pid', '--start-secs', '0', '--notify-url', server.url('/broken'), '--', fixture('forever.js')];
  assert.equal((await box.run(broken)).code, 0);
  box.pidOf('broken.pid');
  await waitUntil(() => existsSync(box.path('.broken.notify-failures')), 'the failure on record', 30_000);
  const said = await box.run(broken);
  assert.equal(said.stderr, `broken: --notify-url ${server.url('/broken')} for "started" failed: HTTP 500\n`);
  assert.equal((await box.run(broken)).stderr, '');

  const bad = await box.run(['--pid', 'x.pid', '--notify-url', 'ftp://example.org/', '--', fixture('forever.js')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--notify-url "ftp:\/\/example.org\/": the scheme "ftp" is not supported/);
});
