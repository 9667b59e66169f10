// --reload: the reload signal to the verified program only, no restart, one line; never to an
// unverified or reused PID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, readOr, rootOnly, runProcess, startPlain, waitUntil } from '../helpers.ts';

const counts = (box: Sandbox) => JSON.parse(readOr(box.path('counts.json')) || 'null') as Record<string, number> | null;

/**
 * Asserts that each process (counting its signals into its file) got no signal: a SIGUSR2 sent
 * now is a barrier, since a pending SIGHUP (a lower number) would be delivered before it.
 */
async function gotNothing(box: Sandbox, counted: readonly (readonly [number, string])[]): Promise<void> {
  for (const [target, file] of counted) {
    process.kill(target, 'SIGUSR2');
    const seen = await waitUntil(
      () => (JSON.parse(readOr(box.path(file)) || '{}').SIGUSR2 === 1 ? JSON.parse(readOr(box.path(file))) : null),
      `the barrier to reach ${file}`,
    );
    assert.deepEqual(seen, { SIGHUP: 0, SIGUSR1: 0, SIGUSR2: 1 }, file);
  }
}

async function started(box: Sandbox, extra: string[] = []): Promise<{ check: string[]; pid: number }> {
  const check = ['--pid', 'app.pid', '--start-secs', '0.3', ...extra, '--', fixture('count-signals.cjs'), box.path('counts.json')];
  const first = await box.run(check);
  assert.equal(first.code, 0, first.stderr);
  await waitUntil(() => counts(box), 'the program to write its counts');
  return { check, pid: box.pidOf() };
}

test('--reload sends SIGHUP to the verified program: no restart, one line, exit 0; the history keeps it; the next check is quiet', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { check, pid } = await started(box);
  for (const n of [1, 2]) {
    const reload = await box.run(['--pid', 'app.pid', '--reload']);
    assert.deepEqual([reload.code, reload.stdout, reload.stderr], [0, `app: reloaded (pid ${pid}, SIGHUP)\n`, '']);
    await waitUntil(() => counts(box)?.SIGHUP === n, `SIGHUP ${n} to be counted`);
  }
  assert.equal(box.pidOf(), pid, 'the same process');
  assert.ok(isAlive(pid));
  assert.deepEqual(counts(box), { SIGHUP: 2, SIGUSR1: 0, SIGUSR2: 0 });
  const after = await box.run(check);
  assert.deepEqual([after.code, after.stdout, after.stderr], [0, '', '']);
  const json = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
  assert.deepEqual(
    json.events.filter((e: { kind: string }) => e.kind === 'reload').map((e: { pid: number; detail: string }) => [e.pid, e.detail]),
    [
      [pid, 'SIGHUP'],
      [pid, 'SIGHUP'],
    ],
  );
});

test('--reload-signal on the crontab line is recorded: --reload alone sends it; given on the call, it wins', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { pid } = await started(box, ['--reload-signal', 'USR1']);
  const reload = await box.run(['--pid', 'app.pid', '--reload']);
  assert.equal(reload.stdout, `app: reloaded (pid ${pid}, SIGUSR1)\n`);
  await waitUntil(() => counts(box)?.SIGUSR1 === 1, 'SIGUSR1 to be counted');
  const given = await box.run(['--pid', 'app.pid', '--reload', '--reload-signal', 'sigusr2']);
  assert.equal(given.stdout, `app: reloaded (pid ${pid}, SIGUSR2)\n`);
  await waitUntil(() => counts(box)?.SIGUSR2 === 1, 'SIGUSR2 to be counted');
  assert.deepEqual(counts(box), { SIGHUP: 0, SIGUSR1: 1, SIGUSR2: 1 });
});

test('--reload to a program that does not run (held stopped, or crashed) sends nothing: one line, exit 1', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { pid } = await started(box);
  assert.equal((await box.run(['--pid', 'app.pid', '--stop'])).code, 0);
  await waitUntil(() => !isAlive(pid), 'the stopped program to be gone');
  const held = await box.run(['--pid', 'app.pid', '--reload']);
  assert.deepEqual(
    [held.code, held.stdout, held.stderr],
    [1, '', 'app: not running (held stopped); nothing reloaded (the next check launches it unless held)\n'],
  );
  const none = await box.run(['--pid', 'none.pid', '--reload']);
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /^none: not running; nothing reloaded/);
});

test('--reload never signals a PID it cannot verify: a PID file of another tool, and a recorded PID now held by another process', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // Another tool's PID file: alive, no launch record.
  const other = startPlain(box, fixture('count-signals.cjs'), [box.path('other.json')]);
  await waitUntil(() => readOr(box.path('other.json')), 'the other process to start');
  writeFileSync(box.path('tool.pid'), `${other}\n`);
  const tool = await box.run(['--pid', 'tool.pid', '--reload']);
  assert.equal(tool.code, 1);
  assert.match(
    tool.stderr,
    new RegExp(
      `^ensure-running: cannot send SIGHUP to pid ${other} \\(.*did not launch \\(no launch record\\), so ` +
        `it is not signalled\\); if you are sure it is the program, signal it by hand: kill -HUP ${other}\\n$`,
    ),
  );

  // A reused PID: the record names the live process `other`, but with another start time.
  const { pid } = await started(box);
  const stateFile = box.path('app.state.json');
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  state.identity.pid = other;
  state.identity.startTime = String(Number(state.identity.startTime) + 1);
  writeFileSync(stateFile, JSON.stringify(state));
  writeFileSync(box.path('app.pid'), `${other}\n`);
  const reused = await box.run(['--pid', 'app.pid', '--reload']);
  assert.equal(reused.code, 1, reused.stderr);
  assert.match(reused.stderr, /^app: not running.*; nothing reloaded/);
  // Neither the impostor nor the real program got anything.
  await gotNothing(box, [
    [other, 'other.json'],
    [pid, 'counts.json'],
  ]);
  assert.ok(isAlive(other) && isAlive(pid));
});

test('--reload-signal KILL or a made-up name is refused (exit 2), also on a check', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  for (const args of [
    ['--reload', '--reload-signal', 'KILL'],
    ['--reload-signal', 'NOPE', '--', fixture('forever.js')],
  ]) {
    const run = await box.run(['--pid', 'app.pid', ...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^ensure-running: --reload-signal "(KILL|NOPE)" is not a reload signal; use one of HUP, USR1/);
  }
});

test('--reload that the system refuses (EPERM: the program runs as another user) says so, with whom to run it as, and signals nothing: exit 1', {
  skip: rootOnly('to act as another user'),
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const NOBODY = 65534;
  chownSync(box.dir, NOBODY, NOBODY);
  const asNobody = (args: string[]) =>
    runProcess('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', BIN, ...args], { cwd: box.dir, env: box.env() });
  const first = await asNobody(['--pid', 'app.pid', '--start-secs', '0.3', '--', fixture('count-signals.cjs'), box.path('counts.json')]);
  assert.equal(first.code, 0, first.stderr);
  await waitUntil(() => counts(box), 'the program to write its counts');
  const pid = box.pidOf();
  // Records of uid 65534 that name, with its very start time, a process of root's (as a program
  // that took another user's identity would be): verified as the program, then refused by the system.
  const other = startPlain(box, fixture('count-signals.cjs'), [box.path('other.json')]);
  await waitUntil(() => readOr(box.path('other.json')), 'the other process to start');
  const stat = readFileSync(`/proc/${other}/stat`, 'utf8');
  const stateFile = box.path('app.state.json');
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  state.identity.pid = other;
  state.identity.startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  writeFileSync(stateFile, JSON.stringify(state));
  writeFileSync(box.path('app.pid'), `${other}\n`);
  assert.equal(statSync(stateFile).uid, NOBODY, "the records are still uid 65534's");

  const refused = await asNobody(['--pid', 'app.pid', '--reload']);
  assert.deepEqual(
    [refused.code, refused.stdout, refused.stderr],
    [1, '', `ensure-running: cannot send SIGHUP to pid ${other} (EPERM); run --reload as the user that launched the program\n`],
  );
  // Nothing reached either process.
  await gotNothing(box, [
    [other, 'other.json'],
    [pid, 'counts.json'],
  ]);
  const history = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json', '--history'])).stdout);
  assert.deepEqual(
    history.events.filter((e: { kind: string }) => e.kind === 'reload'),
    [],
    'nothing reloaded, nothing on the history',
  );
});
