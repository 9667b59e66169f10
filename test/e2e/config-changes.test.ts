// --config FILE over time: a file changed between checks (a changed command said once and
// applied by --restart NAME, a removed program reported once and left running); calls of the
// file and of a single-program line overlapping on one program; the promise of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

/** A [programs.NAME] table. */
const table = (name: string, command: string[], extra = '') => `[programs.${name}]\ncommand = ${JSON.stringify(command)}\n${extra}`;

test(
  'a file changed between checks: a changed command is said once and applied ' + 'by --restart NAME; a removed program is reported once and left running',
  async (t) => {
    const box = new Sandbox();
    const marker = uniqueMarker('config-changed');
    t.after(cleanupMarked(box, marker));
    const file = box.path('apps.toml');
    const pidFile = (name: string) => `registry/configs/apps/${name}.pid`;
    const write = (webArg: string, withJob = true) =>
      writeFileSync(
        file,
        [
          '[defaults]\nstart-secs = 0\n',
          table('web', [fixture('forever.js'), marker, webArg]),
          withJob ? table('job', [fixture('forever.js'), marker, 'job']) : '',
        ].join('\n'),
      );
    write('v1');
    assert.equal((await box.run(['--config', 'apps.toml'])).code, 0);
    const [web, job] = [box.pidOf(pidFile('web')), box.pidOf(pidFile('job'))];

    write('v2');
    const changed = await box.run(['--config', 'apps.toml']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual(lines(changed.stderr), [
      `web: this call's launch request differs from the running program's (pid ${web}): ` +
        `command; it keeps running as launched until: ensure-running --config ${file} --restart web`,
    ]);
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
    assert.deepEqual(lines(removed.stderr), [
      `job: no longer in ${file}; it keeps running as launched (pid ${job}) and is no longer checked: ` +
        `stop it with ensure-running --pid ${box.path(pidFile('job'))} --stop, or put its table back`,
    ]);
    assert.equal((await box.run(['--config', 'apps.toml'])).stderr, '', 'said once');
    assert.ok(isAlive(job) && isAlive(web2), 'nothing is stopped by an edit');
    const stopped = await box.run(['--pid', pidFile('job'), '--stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    await waitUntil(() => !isAlive(job), 'the removed program to stop by its PID file');
  },
);

test('overlapping calls of the file and of a single-program line on the same program never start two', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config-overlap');
  t.after(cleanupMarked(box, marker));
  // The single-program line needs the directory of its PID file; the file's call makes it too.
  mkdirSync(box.path('run'), { mode: 0o700 });
  writeFileSync(box.path('apps.toml'), `[defaults]\nstate-dir = "run"\nstart-secs = "0.3"\n\n${table('web', [fixture('forever.js'), marker])}`);
  const single = ['--pid', 'run/web.pid', '--start-secs', '0.3', '--', fixture('forever.js'), marker];
  const calls = Array.from({ length: 10 }, (_, i) => box.run(i % 2 ? single : ['--config', 'apps.toml'], { timeoutMs: 120_000 }));
  const runs = await Promise.all(calls);
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(pidsWithArg(marker), [box.pidOf('run/web.pid')], 'exactly one instance, the one in the PID file');
  assert.equal(runs.filter((run) => /started/.test(run.stderr)).length, 1);
});

test('the promise covers the whole file: a healthy call costs one shell, and a kill of any one program makes the very next call relaunch it', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('config-promise');
  t.after(cleanupMarked(box, marker));
  writeFileSync(
    box.path('apps.toml'),
    [
      '[defaults]\nstart-secs = 0\n',
      table('a', [fixture('forever.js'), marker, 'a']),
      table('b', [fixture('forever.js'), marker, 'b']),
      table('c', [fixture('forever.js'), marker, 'c']),
    ].join('\n'),
  );
  // A file changed within the last second or two gives no promise yet: in whole seconds
  // (BusyBox) its mtime could not be told from the promise's. This one was written a while ago.
  const past = Date.now() / 1000 - 60;
  utimesSync(box.path('apps.toml'), past, past);
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
