// --config FILE: several programs checked in one call (one crashing, one with a bad command,
// one held), each on its own records; by name: --status, --stop, --start, --restart; a file
// changed between checks (a changed command said once and applied by --restart NAME, a
// removed program reported once and left running).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

/** A [programs.NAME] table. */
const table = (name: string, command: string[], extra = '') => `[programs.${name}]\ncommand = ${JSON.stringify(command)}\n${extra}`;

test('one call checks every program of the file: each on its own records, failures independent, exit code the worst', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config');
  t.after(cleanupMarked(box, marker));
  const file = box.path('apps.toml');
  const state = (name: string, ext = 'pid') => `registry/configs/apps/${name}.${ext}`;
  writeFileSync(file, [
    '[defaults]\nstart-secs = 1\nmax-retries = 3\n',
    table('web', [fixture('forever.js'), marker, 'web']),
    table('bad', ['no-such-command-for-ensure-running']),
    table('crash', [fixture('crash-after.js'), '0', '3', marker]),
    table('held', [fixture('forever.js'), marker, 'held']),
  ].join('\n'));
  // Held first, by name: stopped before it ever ran, the file's check leaves it alone.
  const stop = await box.run(['--config', 'apps.toml', '--stop', 'held']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /^held: was not running; held stopped until: ensure-running --config \S+apps\.toml --start held$/m);

  const first = await box.run(['--config', 'apps.toml']);
  assert.equal(first.code, 2, 'the worst: the bad command is a configuration error');
  assert.match(first.stderr, /^web: started \(pid \d+\)$/m);
  assert.match(first.stderr, /^ensure-running: bad: cannot find the command no-such-command-for-ensure-running/m);
  assert.match(first.stderr, /^crash: failed to start \(pid \d+ exited with code 3/m);
  assert.doesNotMatch(first.stderr, /held/);
  const web = box.pidOf(state('web'));
  assert.ok(isAlive(web));
  assert.deepEqual(pidsWithArg(marker).filter((pid) => pid !== web), [], 'held not launched, crash gone');
  assert.ok(['web', 'crash', 'held'].every((name) => existsSync(box.path(state(name, 'state.json')))));

  // The next call: web quiet; bad said once already (exit 2 without a line); crash backing off.
  const second = await box.run(['--config', 'apps.toml']);
  assert.equal(second.code, 2);
  assert.doesNotMatch(second.stderr, /web|bad/, second.stderr);

  // Status of all (exit 1: one is dead) and of one by name; JSON is an array.
  const all = await box.run(['--config', 'apps.toml', '--status']);
  assert.equal(all.code, 1, all.stdout);
  assert.match(all.stdout, /^web: running/m);
  assert.match(all.stdout, /^bad: misconfigured/m);
  assert.match(all.stdout, /^crash: backoff/m);
  assert.match(all.stdout, /^held: held/m);
  const one = await box.run(['--config', 'apps.toml', '--status', 'web', '--json']);
  assert.equal(one.code, 0);
  const json = JSON.parse(one.stdout) as { name: string; pid: number }[];
  assert.deepEqual(json.map((row) => [row.name, row.pid]), [['web', web]]);
  const unknown = await box.run(['--config', 'apps.toml', '--status', 'nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no program "nope" in \S+apps\.toml; its programs are: web, bad, crash, held/);

  // --start NAME clears the hold and launches; --restart NAME gives a new pid; --stop NAME holds.
  const start = await box.run(['--config', 'apps.toml', '--start', 'held']);
  assert.equal(start.code, 0, start.stderr);
  const held = box.pidOf(state('held'));
  assert.ok(isAlive(held));
  const restart = await box.run(['--config', 'apps.toml', '--restart', 'web', 'held']);
  assert.equal(restart.code, 0, restart.stderr);
  assert.match(restart.stdout, /^web: stopped \(pid \d+/m);
  assert.match(restart.stdout, /^held: stopped \(pid \d+/m);
  await waitUntil(() => !isAlive(web) && !isAlive(held), 'the old runs to end');
  const [web2, held2] = [box.pidOf(state('web')), box.pidOf(state('held'))];
  assert.ok(isAlive(web2) && isAlive(held2) && web2 !== web && held2 !== held);
  const stopBoth = await box.run(['--config', 'apps.toml', '--stop', 'web', 'held']);
  assert.equal(stopBoth.code, 0, stopBoth.stderr);
  await waitUntil(() => !isAlive(web2) && !isAlive(held2), 'both to stop');
  const after = await box.run(['--config', 'apps.toml']);
  assert.doesNotMatch(after.stderr, /web|held/, 'held programs are left alone');
  assert.equal((await box.run(['--config', 'apps.toml', '--stop'])).code, 2, '--stop needs names');
});

test('a file changed between checks: a changed command is said once and applied by --restart NAME; a removed program is reported once and left running', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config-changed');
  t.after(cleanupMarked(box, marker));
  const file = box.path('apps.toml');
  const pidFile = (name: string) => `registry/configs/apps/${name}.pid`;
  const write = (webArg: string, withJob = true) =>
    writeFileSync(file, ['[defaults]\nstart-secs = 0\n', table('web', [fixture('forever.js'), marker, webArg]), withJob ? table('job', [fixture('forever.js'), marker, 'job']) : ''].join('\n'));
  write('v1');
  assert.equal((await box.run(['--config', 'apps.toml'])).code, 0);
  const [web, job] = [box.pidOf(pidFile('web')), box.pidOf(pidFile('job'))];

  write('v2');
  const changed = await box.run(['--config', 'apps.toml']);
  assert.equal(changed.code, 0, changed.stderr);
  assert.deepEqual(lines(changed.stderr), [`web: this call's launch request differs from the running program's (pid ${web}): command; it keeps running as launched until: ensure-running --config ${file} --restart web`]);
  assert.deepEqual([(await box.run(['--config', 'apps.toml'])).stderr], [''], 'said once');
  assert.match((await box.run(['--config', 'apps.toml', '--status', 'web'])).stdout, /differs\s+since .*command; it runs as launched until --restart/);
  const restart = await box.run(['--config', 'apps.toml', '--restart', 'web']);
  assert.equal(restart.code, 0, restart.stderr);
  const web2 = box.pidOf(pidFile('web'));
  await waitUntil(() => readOr(box.path('registry', 'configs', 'apps', 'web.log')).includes('"v2"'), 'the new command to run');
  assert.ok(!isAlive(web));

  write('v2', false);
  const removed = await box.run(['--config', 'apps.toml']);
  assert.equal(removed.code, 0);
  assert.deepEqual(lines(removed.stderr), [`job: no longer in ${file}; it keeps running as launched (pid ${job}) and is no longer checked: stop it with ensure-running --pid ${box.path(pidFile('job'))} --stop, or put its table back`]);
  assert.equal((await box.run(['--config', 'apps.toml'])).stderr, '', 'said once');
  assert.ok(isAlive(job) && isAlive(web2), 'nothing is stopped by an edit');
  const stopped = await box.run(['--pid', pidFile('job'), '--stop']);
  assert.equal(stopped.code, 0, stopped.stderr);
  await waitUntil(() => !isAlive(job), 'the removed program to stop by its PID file');
});

test('overlapping calls of the file and of a single-program line on the same program never start two', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config-overlap');
  t.after(cleanupMarked(box, marker));
  // The single-program line needs the directory of its PID file; the file's call makes it too.
  mkdirSync(box.path('run'), { mode: 0o700 });
  writeFileSync(box.path('apps.toml'), `[defaults]\nstate-dir = "run"\nstart-secs = "0.3"\n\n${table('web', [fixture('forever.js'), marker])}`);
  const single = ['--pid', 'run/web.pid', '--start-secs', '0.3', '--', fixture('forever.js'), marker];
  const calls = Array.from({ length: 16 }, (_, i) => box.run(i % 2 ? single : ['--config', 'apps.toml'], { timeoutMs: 120_000 }));
  const runs = await Promise.all(calls);
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(pidsWithArg(marker), [box.pidOf('run/web.pid')], 'exactly one instance, the one in the PID file');
  assert.equal(runs.filter((run) => /started/.test(run.stderr)).length, 1);
});

test('the promise covers the whole file: a healthy call costs one shell, and a kill of any one program makes the very next call relaunch it', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config-promise');
  t.after(cleanupMarked(box, marker));
  writeFileSync(box.path('apps.toml'), ['[defaults]\nstart-secs = 0\n', table('a', [fixture('forever.js'), marker, 'a']), table('b', [fixture('forever.js'), marker, 'b']), table('c', [fixture('forever.js'), marker, 'c'])].join('\n'));
  const pidFile = (name: string) => `registry/configs/apps/${name}.pid`;
  const recorder = box.path('node-recorder');
  writeFileSync(recorder, `#!/bin/sh\necho ran >> '${box.path('node-ran')}'\nexit 1\n`, { mode: 0o755 });
  assert.equal((await box.run(['--config', 'apps.toml'])).code, 0);
  assert.deepEqual(await box.run(['--config', 'apps.toml']).then((r) => [r.code, r.stderr]), [0, ''], 'quiet: the promise is given');
  // Without node at all: the front door answers for the three programs.
  const shell = await box.run(['--config', 'apps.toml'], { env: box.env({ ENSURE_RUNNING_NODE: recorder }) });
  assert.deepEqual([shell.code, shell.stdout, shell.stderr, existsSync(box.path('node-ran'))], [0, '', '', false]);
  for (const name of ['a', 'b', 'c']) {
    const pid = box.pidOf(pidFile(name));
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), `${name} to die`);
    const next = await box.run(['--config', 'apps.toml']);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`^${name}: .*started pid \\d+|^${name}: started`, 'm'), `the very next call relaunches ${name}`);
    assert.ok(isAlive(box.pidOf(pidFile(name))));
    assert.equal((await box.run(['--config', 'apps.toml'])).stderr, '', 'then quiet again, with a new promise');
  }
});
