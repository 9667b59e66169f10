// --status says what is true: no program at a mistyped path, the dead PID last recorded,
// programs that never launched listed as dead with their error, history without --pid,
// uptimes in seconds, and the registry under the passwd home when HOME is unset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BIN, Sandbox, fixture, runProcess, rootOnly } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

test('--status on a path with no records says "no such program", exit 4, not "stopped"', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const json = await box.run(['--pid', 'mistyped.pid', '--status', '--json']);
  assert.equal(json.code, 4);
  const row = JSON.parse(json.stdout);
  assert.equal(row.state, 'unknown');
  assert.match(row.error, /no such program/);
  const text = await box.run(['--pid', 'mistyped.pid', '--status']);
  assert.equal(text.code, 4);
  assert.match(text.stdout, /no such program/);
  assert.doesNotMatch(text.stdout, /stopped/);
});

test('backoff and fatal: --status --json gives the dead PID last recorded', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const run = await box.run(['--pid', 'app.pid', '--max-retries', '2', '--', fixture('exit-now.js'), '3']);
  assert.equal(run.code, 1, run.stderr);
  const backoff = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(backoff.state, 'backoff');
  assert.equal(typeof backoff.pid, 'number');
  assert.equal(backoff.pid, backoff.lastExit.pid);
  // --start clears the tallies; with one retry allowed, the next failed start is FATAL.
  assert.equal((await box.run(['--pid', 'app.pid', '--start', '--max-retries', '1', '--', fixture('exit-now.js'), '3'])).code, 1);
  const fatal = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(fatal.state, 'fatal');
  assert.equal(typeof fatal.pid, 'number');
  assert.equal(fatal.pid, fatal.lastExit.pid);
  assert.notEqual(fatal.pid, backoff.pid);
});

test('a program that never launched is listed by the bare --status with its error and counted as dead', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('never');
  t.after(cleanupMarked(box, marker));
  assert.equal((await box.run(['--pid', 'good.pid', '--start-secs', '0', '--', fixture('forever.js'), marker])).code, 0);
  box.pidOf('good.pid');
  const bad = await box.run(['--pid', 'bad.pid', '--', './no-such-server.js', marker]);
  assert.equal(bad.code, 2, bad.stderr);
  const missingCwd = await box.run(['--pid', 'nocwd.pid', '--cwd', box.path('gone'), '--', fixture('forever.js'), marker]);
  assert.equal(missingCwd.code, 2, missingCwd.stderr);

  const all = await box.run(['--status', '--json']);
  assert.equal(all.code, 1, 'a program that cannot launch is dead');
  const rows = JSON.parse(all.stdout) as { name: string; state: string; launchError: { text: string } | null }[];
  assert.deepEqual(
    rows.map((r) => r.name),
    ['bad', 'good', 'nocwd'],
  );
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.equal(byName.bad!.state, 'misconfigured');
  assert.match(byName.bad!.launchError!.text, /no-such-server\.js/);
  assert.match(byName.nocwd!.launchError!.text, /gone/);
  const table = await box.run(['--status']);
  assert.equal(table.code, 1);
  assert.match(table.stdout, /\bbad\s+misconfigured\b/);
  assert.deepEqual(pidsWithArg(marker).length, 1);
});

test('bare --status --history shows each program with its history; the table never says 0ms', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('history');
  t.after(cleanupMarked(box, marker));
  for (const name of ['one', 'two']) {
    assert.equal((await box.run(['--pid', `${name}.pid`, '--start-secs', '0', '--', fixture('forever.js'), marker])).code, 0);
    box.pidOf(`${name}.pid`);
  }
  const table = await box.run(['--status']);
  assert.equal(table.code, 0, table.stderr);
  assert.doesNotMatch(table.stdout, /\b[0-9]+ms\b/);
  const history = await box.run(['--status', '--history']);
  assert.equal(history.code, 0, history.stderr);
  assert.equal(history.stdout.match(/^ {2}history$/gm)?.length, 2, history.stdout);
  assert.match(history.stdout, /launch/);
});

test('HOME unset: the registry is under the home directory of the password database, not /.local', {
  skip: rootOnly('to run as nobody'),
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const env = box.env();
  delete env.HOME;
  delete env.ENSURE_RUNNING_HOME;
  // As nobody, whose passwd home is known and holds no registry: nothing real is read or pruned.
  const home = execFileSync('getent', ['passwd', '65534'], { encoding: 'utf8' }).split(':')[5]!;
  const run = await runProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', BIN, '--status'], { cwd: '/', env });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(`registry: ${home}/.local/state/ensure-running`), run.stdout);
});
