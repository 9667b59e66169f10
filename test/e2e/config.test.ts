// --config FILE: several programs checked in one call (one crashing, one with a bad command,
// one held), each on its own records; by name: --status, --stop, --start, --restart.
// (A file changed between checks, overlapping calls and the file's promise: config-changes.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

/** A [programs.NAME] table. */
const table = (name: string, command: string[], extra = '') => `[programs.${name}]\ncommand = ${JSON.stringify(command)}\n${extra}`;

test('one call checks every program of the file: each on its own records, failures independent, exit code the worst', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config');
  t.after(cleanupMarked(box, marker));
  const file = box.path('apps.toml');
  const state = (name: string, ext = 'pid') => `registry/configs/apps/${name}.${ext}`;
  writeFileSync(
    file,
    [
      '[defaults]\nstart-secs = 1\nmax-retries = 3\n',
      table('web', [fixture('forever.js'), marker, 'web']),
      table('bad', ['no-such-command-for-ensure-running']),
      table('crash', [fixture('crash-after.js'), '0', '3', marker]),
      table('held', [fixture('forever.js'), marker, 'held']),
    ].join('\n'),
  );
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
  assert.deepEqual(
    pidsWithArg(marker).filter((pid) => pid !== web),
    [],
    'held not launched, crash gone',
  );
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
  assert.deepEqual(
    json.map((row) => [row.name, row.pid]),
    [['web', web]],
  );
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

test('--reload NAME sends the reload signal to the named program of the file, nothing else', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  writeFileSync(box.path('apps.toml'), `[defaults]\nstart-secs = "0.3"\n\n${table('sig', [fixture('count-signals.cjs'), box.path('counts.json')])}`);
  assert.equal((await box.run(['--config', 'apps.toml'])).code, 0);
  await waitUntil(() => existsSync(box.path('counts.json')), 'the program to write its counts');
  const pid = box.pidOf('registry/configs/apps/sig.pid');
  const reload = await box.run(['--config', 'apps.toml', '--reload', 'sig']);
  assert.deepEqual([reload.code, reload.stdout, reload.stderr], [0, `sig: reloaded (pid ${pid}, SIGHUP)\n`, '']);
  await waitUntil(() => readOr(box.path('counts.json')).includes('"SIGHUP":1'), 'SIGHUP to be counted');
  assert.ok(isAlive(pid));
  assert.equal((await box.run(['--config', 'apps.toml', '--reload'])).code, 2, '--reload needs names');
});
