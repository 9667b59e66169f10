// --config FILE checks its programs together: every launch first, then every start window at
// once. Shown without timing anything: the programs of these files need each other up beside
// them (test/fixtures/barrier.sh), each giving up inside its own start window; programs
// checked one start window after another never all come up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sandbox, fixture, isAlive, killHard, lines } from '../helpers.ts';
import { cleanupMarked, cmdline, pidsWithArg, uniqueMarker } from '../proc.ts';
import { PROBES_AT_ONCE } from '../../src/os/http-probe.ts';

/** A [programs.NAME] table. */
const table = (name: string, command: string[], extra = '') => `[programs.${name}]\ncommand = ${JSON.stringify(command)}\n${extra}`;

/** Programs that each wait (at most 4 s, inside a 6 s start window) until all `names` have started. */
function barrierTables(box: Sandbox, names: string[], marker: string): string[] {
  return names.map((name) => table(name, [fixture('barrier.sh'), box.path('barrier'), String(names.length), name, '40', marker]));
}

/** A new round of the barrier: the programs of the last one no longer count. */
function newBarrier(box: Sandbox): void {
  rmSync(box.path('barrier'), { recursive: true, force: true });
  mkdirSync(box.path('barrier'));
}

/** The lines that name `name` as their program. */
const linesOf = (stderr: string, name: string) => lines(stderr).filter((line) => line.startsWith(`${name}: `) || line.startsWith(`ensure-running: ${name}: `));

test('a file of many programs comes up in one call: together, each outcome right and said once, in file order', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('together');
  t.after(cleanupMarked(box, marker));
  newBarrier(box);
  const up = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
  // The file proper: six that need each other, two that fail at once, a daemonizing launcher, one held.
  const all = barrierTables(box, up, marker);
  writeFileSync(
    box.path('apps.toml'),
    [
      '[defaults]\nstate-dir = "run"\nstart-secs = 6\nmax-retries = 3\n',
      ...all.slice(0, 3),
      table('fail1', ['/bin/sh', '-c', 'echo fail1 is broken >&2; exit 3', marker]),
      ...all.slice(3, 5),
      table('daemon', [fixture('daemon.cjs'), box.path('daemon.own.pid'), marker]),
      table('held', [fixture('forever.js'), marker, 'held']),
      table('fail2', ['/bin/sh', '-c', 'exit 4', marker]),
      all[5]!,
    ].join('\n'),
  );
  const order = ['b1', 'b2', 'b3', 'fail1', 'b4', 'b5', 'daemon', 'fail2', 'b6'];
  const stop = await box.run(['--config', 'apps.toml', '--stop', 'held']);
  assert.equal(stop.code, 0, stop.stderr);

  const first = await box.run(['--config', 'apps.toml']);
  assert.equal(first.code, 1, `the failed starts make it 1\n${first.stderr}`);
  for (const name of up) assert.deepEqual(linesOf(first.stderr, name).length, 1, `${name} said once:\n${first.stderr}`);
  for (const name of up) assert.match(first.stderr, new RegExp(`^${name}: started \\(pid \\d+\\)$`, 'm'), first.stderr);
  assert.match(first.stderr, /^fail1: failed to start \(pid \d+ exited with code 3 .*fail1 is broken/m);
  assert.match(first.stderr, /^fail2: failed to start \(pid \d+ exited with code 4/m);
  assert.match(first.stderr, /^daemon: started \(pid \d+, daemonized from \d+\)$/m);
  assert.deepEqual(linesOf(first.stderr, 'held'), [], 'held is left alone');
  assert.deepEqual(
    lines(first.stderr).map((line) => line.split(':')[0]),
    order,
    'one line each, in the order of the file',
  );
  const pids = () => Object.fromEntries([...up, 'daemon'].map((name) => [name, box.pidOf(`run/${name}.pid`)]));
  const before = pids();
  for (const [name, pid] of Object.entries(before)) assert.ok(isAlive(pid), `${name} runs`);
  assert.ok(!existsSync(box.path('run', 'held.pid')), 'held was not launched');

  // All killed at once (a reboot, an OOM sweep): one call brings every one of them back, together.
  for (const pid of Object.values(before)) killHard(pid);
  newBarrier(box);
  const again = await box.run(['--config', 'apps.toml']);
  assert.equal(again.code, 1, again.stderr);
  for (const name of [...up, 'daemon']) {
    const said = linesOf(again.stderr, name);
    assert.equal(said.length, 2, `${name}: died, then started, each once:\n${again.stderr}`);
    assert.match(said[0]!, /^\S+: died \(pid \d+/);
    assert.match(said[1]!, /^\S+: started \(pid \d+/);
  }
  const after = pids();
  for (const [name, pid] of Object.entries(after)) {
    assert.ok(isAlive(pid), `${name} runs again`);
    assert.notEqual(pid, before[name], `${name} is a new process`);
  }
  assert.deepEqual(linesOf(again.stderr, 'held'), []);
});

test('overlapping calls of one file never start a second copy of any program', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('together-overlap');
  t.after(cleanupMarked(box, marker));
  newBarrier(box);
  const names = ['a', 'b', 'c', 'd', 'e'];
  writeFileSync(box.path('apps.toml'), ['[defaults]\nstate-dir = "run"\nstart-secs = 6\n', ...barrierTables(box, names, marker)].join('\n'));
  const calls = await Promise.all([1, 2, 3].map(() => box.run(['--config', 'apps.toml'])));
  for (const call of calls) assert.equal(call.code, 0, call.stderr);
  const said = calls.map((call) => call.stderr).join('');
  for (const name of names) assert.deepEqual(linesOf(said, name), [linesOf(said, name)[0]], `${name} started by one call only:\n${said}`);
  const instances = names.map((name) => pidsWithArg(marker).filter((pid) => cmdline(pid)?.includes(name)));
  assert.deepEqual(
    instances.map((pids) => pids.length),
    names.map(() => 1),
    'one instance of each',
  );
  for (const name of names) assert.ok(isAlive(box.pidOf(`run/${name}.pid`)));
});

test('the HTTP probes of many programs go out together, at most PROBES_AT_ONCE at a time', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('together-probes');
  // Each probe is answered 2.5 s after it came: probes sent one at a time never overlap, all at once would all overlap.
  let inFlight = 0;
  let most = 0;
  const server = createServer((_req, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, 2500);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => {
    server.close();
    cleanupMarked(box, marker)();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  const names = Array.from({ length: PROBES_AT_ONCE + 4 }, (_, i) => `p${i}`);
  writeFileSync(
    box.path('apps.toml'),
    [
      `[defaults]\nstate-dir = "run"\nstart-secs = 0\nhealth-url = "${url}"\nhealth-timeout = "5s"\n`,
      ...names.map((name) => table(name, ['/bin/sh', '-c', 'while :; do sleep 1; done', marker, name])),
    ].join('\n'),
  );
  const first = await box.run(['--config', 'apps.toml']);
  assert.equal(first.code, 0, first.stderr);
  for (const name of names) box.pidOf(`run/${name}.pid`);
  const second = await box.run(['--config', 'apps.toml']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stderr, '', 'every probe answered 200: quiet');
  assert.equal(most, PROBES_AT_ONCE, `probes in flight at once: ${most}`);
});

test('the check of a file ends before the next call of its declared interval, saying so once; the lines kept are said first', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('together-interval');
  t.after(cleanupMarked(box, marker));
  writeFileSync(
    box.path('apps.toml'),
    [
      '[defaults]\nstate-dir = "run"\ninterval = "4s"\nstart-secs = 0\n',
      table('quick', [fixture('forever.js'), marker, 'quick']),
      table('slow', [fixture('forever.js'), marker, 'slow'], 'start-secs = "30s"\n'),
      table('later', [fixture('forever.js'), marker, 'later']),
    ].join('\n'),
  );
  const run = await box.run(['--config', 'apps.toml']);
  assert.equal(run.code, 1, run.stderr);
  const said = lines(run.stderr).map((line) => line.replace(/pid \d+/, 'pid N'));
  assert.deepEqual(said, [
    'quick: started (pid N)',
    'later: started (pid N)',
    'ensure-running: slow: the check did not finish within 2s, before the next call of the file (its interval is 4s); gave up so that ' +
      'the next call can run (the lock is released; the other programs of the file were checked; a start window or a wait longer than ' +
      'the interval allows, or a hung file system or process)',
  ]);
  assert.ok(!existsSync(box.path('run', 'slow.pid.lock')), 'the lock is released');
  assert.ok(isAlive(box.pidOf('run/slow.pid')), 'the launch stands: the next call finds it');
  for (const name of ['quick', 'later']) assert.ok(isAlive(box.pidOf(`run/${name}.pid`)));
});

test("a program added beside another of the file with the same command runs its own copy: a sibling's is never taken over", async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('together-siblings');
  t.after(cleanupMarked(box, marker));
  const worker = table('one', [fixture('forever.js'), marker]);
  writeFileSync(box.path('apps.toml'), `[defaults]\nstate-dir = "run"\nstart-secs = 0\n\n${worker}`);
  const first = await box.run(['--config', 'apps.toml']);
  assert.equal(first.code, 0, first.stderr);
  const one = box.pidOf('run/one.pid');
  writeFileSync(box.path('apps.toml'), `[defaults]\nstate-dir = "run"\nstart-secs = 0\n\n${worker}\n${worker.replace('[programs.one]', '[programs.two]')}`);
  const second = await box.run(['--config', 'apps.toml']);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(
    lines(second.stderr).map((line) => line.replace(/pid \d+/, 'pid N')),
    ['two: started (pid N)'],
  );
  assert.equal(box.pidOf('run/one.pid'), one);
  assert.notEqual(box.pidOf('run/two.pid'), one);
  assert.equal(pidsWithArg(marker).length, 2);
});

test('priority: the programs of the lowest priority are checked together first, the next ones once those have ended', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('together-priority');
  t.after(cleanupMarked(box, marker));
  const up = box.path('db.up');
  // web needs db's mark at its start; db makes it half a second after its own.
  const db = ['/bin/sh', '-c', `sleep 0.5; : >'${up}'; while :; do sleep 1; done`, marker, 'db'];
  const web = ['/bin/sh', '-c', `test -e '${up}' || { echo 'web: db is not up' >&2; exit 3; }; while :; do sleep 1; done`, marker, 'web'];
  writeFileSync(
    box.path('apps.toml'),
    [
      '[defaults]\nstate-dir = "run"\nstart-secs = 1\n',
      table('web', web, 'priority = 20\n'),
      table('cache', [fixture('forever.js'), marker, 'cache']),
      table('db', db, 'priority = 10\n'),
    ].join('\n'),
  );
  const run = await box.run(['--config', 'apps.toml']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    lines(run.stderr).map((line) => line.replace(/pid \d+/, 'pid N')),
    ['web: started (pid N)', 'cache: started (pid N)', 'db: started (pid N)'],
    'said in the order of the file',
  );
  for (const name of ['web', 'cache', 'db']) assert.ok(isAlive(box.pidOf(`run/${name}.pid`)));

  writeFileSync(box.path('bad.toml'), `[programs.x]\ncommand = ["true"]\npriority = "high"\n`);
  const bad = await box.run(['--check-config', 'bad.toml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.toml:3: key "priority" in \[programs\.x\]: expected an integer/);
});
