// --status exit codes (LSB: 0 running, 1 dead with PID file, 3 not running, 4 unknown), its JSON, and the bare listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, rmSync } from 'node:fs';
import { Sandbox, fixture, isAlive, runAsNobody, waitUntil, rootOnly } from '../helpers.ts';

/** Runs the built CLI as the user nobody (uid 65534), with the sandbox's environment. */
async function statusJson(box: Sandbox, pidFile = 'app.pid') {
  const run = await box.run(['--pid', pidFile, '--status', '--json']);
  return { code: run.code, json: JSON.parse(run.stdout), stderr: run.stderr };
}

test('status of one program walks through no such program (4), running (0), crashed (1) and held (3)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // No records at all (a mistyped path, or no check yet): unknown, 4, never "stopped".
  const never = await statusJson(box);
  assert.equal(never.code, 4);
  assert.equal(never.json.state, 'unknown');
  assert.equal(never.json.pid, null);
  assert.equal(never.json.launches, 0);
  const plain = await box.run(['--pid', 'app.pid', '--status']);
  assert.equal(plain.code, 4);
  assert.match(plain.stdout, /app/);

  const cmd = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js'), 'status-test'];
  assert.equal((await box.run(cmd)).code, 0);
  const pid = box.pidOf();
  const running = await statusJson(box);
  assert.equal(running.code, 0, running.stderr);
  assert.equal(running.json.name, 'app');
  assert.equal(running.json.state, 'running');
  assert.equal(running.json.pid, pid);
  assert.equal(running.json.verified, true);
  assert.equal(running.json.launches, 1);
  assert.equal(running.json.held, false);
  assert.equal(typeof running.json.uptimeSeconds, 'number');
  assert.ok(!Number.isNaN(Date.parse(running.json.startedAt)));
  assert.deepEqual(running.json.command, [fixture('forever.js'), 'status-test']);
  assert.equal(running.json.pidFile, box.path('app.pid'));
  assert.deepEqual(running.json.log, { stdout: box.path('app.log'), stderr: box.path('app.log') });
  assert.equal((await box.run(['--pid', 'app.pid', '--status'])).code, 0);

  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isAlive(pid), 'the target to die');
  const crashed = await statusJson(box);
  assert.equal(crashed.code, 1);
  assert.equal(crashed.json.state, 'crashed');
  assert.equal(crashed.json.verified, false);
  assert.equal((await box.run(['--pid', 'app.pid', '--status'])).code, 1);

  // A check relaunches it and records the death; --stop then holds it.
  assert.equal((await box.run(cmd)).code, 0);
  const second = box.pidOf();
  const relaunched = await statusJson(box);
  assert.equal(relaunched.json.launches, 2);
  assert.equal(relaunched.json.lastExit.pid, pid);
  assert.equal((await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '1s'])).code, 0);
  assert.ok(!isAlive(second));
  const held = await statusJson(box);
  assert.equal(held.code, 3);
  assert.equal(held.json.state, 'held');
  assert.equal(held.json.held, true);
  assert.equal(held.json.pid, null);
});

test('status is unknown (4) when the state file or the PID directory cannot be read', {
  skip: rootOnly('to run the CLI as nobody'),
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.dir, 0o755);
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  const pidFile = box.path('app.pid');

  chmodSync(box.path('app.state.json'), 0o600);
  const unreadable = await runAsNobody(box, ['--pid', pidFile, '--status', '--json']);
  assert.equal(unreadable.code, 4, unreadable.stderr);
  const json = JSON.parse(unreadable.stdout);
  assert.equal(json.state, 'unknown');
  assert.match(json.error, /app\.state\.json/);
  assert.match(json.error, /EACCES/);
  chmodSync(box.path('app.state.json'), 0o644);

  chmodSync(box.dir, 0o700);
  const closedDir = await runAsNobody(box, ['--pid', pidFile, '--status', '--json']);
  assert.equal(closedDir.code, 4, closedDir.stderr);
  assert.equal(JSON.parse(closedDir.stdout).state, 'unknown');
});

test('bare --status lists every guarded program as a table or a JSON array, and prunes vanished ones', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const empty = await box.run(['--status']);
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /no programs/);
  assert.deepEqual(JSON.parse((await box.run(['--status', '--json'])).stdout), []);

  for (const name of ['alpha', 'beta', 'gamma']) {
    const run = await box.run(['--pid', `${name}.pid`, '--start-secs', '0', '--', fixture('forever.js'), name]);
    assert.equal(run.code, 0, run.stderr);
    box.pidOf(`${name}.pid`);
  }
  const table = await box.run(['--status']);
  assert.equal(table.code, 0, table.stderr);
  for (const name of ['alpha', 'beta', 'gamma']) assert.match(table.stdout, new RegExp(`\\b${name}\\b`));
  const all = JSON.parse((await box.run(['--status', '--json'])).stdout);
  assert.deepEqual(
    all.map((row: { name: string }) => row.name),
    ['alpha', 'beta', 'gamma'],
  );
  assert.ok(all.every((row: { state: string }) => row.state === 'running'));

  // gamma crashes: the listing says so and exits 1.
  const gamma = box.pidOf('gamma.pid');
  process.kill(gamma, 'SIGKILL');
  await waitUntil(() => !isAlive(gamma), 'gamma to die');
  const withCrash = await box.run(['--status', '--json']);
  assert.equal(withCrash.code, 1);
  assert.equal(JSON.parse(withCrash.stdout).find((row: { name: string }) => row.name === 'gamma').state, 'crashed');

  // beta's files vanish: it is pruned from the registry, for good.
  process.kill(box.pidOf('beta.pid'), 'SIGKILL');
  rmSync(box.path('beta.pid'));
  rmSync(box.path('beta.state.json'));
  const pruned = JSON.parse((await box.run(['--status', '--json'])).stdout);
  assert.deepEqual(
    pruned.map((row: { name: string }) => row.name),
    ['alpha', 'gamma'],
  );
  const table2 = await box.run(['--status']);
  assert.doesNotMatch(table2.stdout, /\bbeta\b/);
});
