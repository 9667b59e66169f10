// The launch request on record: the hint that --stop prints, pasted from anywhere, relaunches
// the program with its --cwd, --env and logs; --start and --restart without a command reuse
// the record and say so; with no record they are a usage error that says what to give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, lines, readOr, waitUntil } from '../helpers.ts';
import { cleanupMarked, pidsWithArg, uniqueMarker } from '../proc.ts';

/** The JSON lines tell-env.js printed into a log. */
function told(log: string): { pid: number; cwd: string; mode: string | null }[] {
  return lines(log)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

test('the line --stop prints, pasted in another directory, relaunches with the same --cwd, --env and log', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('hint');
  t.after(cleanupMarked(box, marker));
  mkdirSync(box.path('work'));
  mkdirSync(box.path('logs'));
  mkdirSync(box.path('elsewhere'));
  const first = await box.run([
    '--pid',
    'app.pid',
    '--cwd',
    'work',
    '--env',
    'APP_MODE=blue',
    '--log',
    'logs/app.log',
    '--start-secs',
    '0',
    '--',
    fixture('tell-env.js'),
    marker,
  ]);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();

  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  const hint = /held stopped until: (.*)$/.exec(stop.stdout.trim())?.[1];
  assert.equal(hint, `ensure-running --pid ${box.path('app.pid')} --start`, 'the hint is exact and short');
  assert.ok(!isAlive(pid));

  // Pasted as printed, from another directory.
  const start = await box.run(hint!.split(' ').slice(1), { cwd: box.path('elsewhere') });
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stderr, /started \(pid \d+\), with the launch request on record/);
  const again = box.pidOf();
  assert.notEqual(again, pid);
  const runs = await waitUntil(
    () => told(readOr(box.path('logs/app.log'))).length === 2 && told(readOr(box.path('logs/app.log'))),
    'the relaunched program to log',
  );
  assert.deepEqual(runs[1], { pid: again, cwd: box.path('work'), mode: 'blue', argv: [marker] });
  assert.equal(readOr(box.path('elsewhere/app.log')), '', 'nothing logs elsewhere');
  assert.equal(pidsWithArg(marker).length, 1);

  // --restart without a command: the same request again.
  const restart = await box.run(['--pid', box.path('app.pid'), '--restart'], { cwd: box.path('elsewhere') });
  assert.equal(restart.code, 0, restart.stderr);
  assert.match(restart.stderr, /with the launch request on record/);
  const third = box.pidOf();
  const after = await waitUntil(
    () => told(readOr(box.path('logs/app.log'))).length === 3 && told(readOr(box.path('logs/app.log'))),
    'the restarted program to log',
  );
  assert.deepEqual(after[2], { pid: third, cwd: box.path('work'), mode: 'blue', argv: [marker] });
  assert.equal(pidsWithArg(marker).length, 1);
});

test('the FATAL line names the same exact --start, which relaunches with the recorded --env', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('fatal-hint');
  t.after(cleanupMarked(box, marker));
  const args = ['--pid', 'app.pid', '--max-retries', '1', '--start-secs', '1s', '--env', 'KEEP=1', '--', fixture('tell-env.js'), 'need-mode', marker];
  const check = await box.run(args);
  assert.equal(check.code, 1);
  assert.match(check.stderr, new RegExp(`no more launches until: ensure-running --pid ${box.path('app.pid')} --start(;|$)`, 'm'));
  // The record keeps what was asked; --start with an --env pair on top adds it to the recorded ones.
  const start = await box.run(['--pid', 'app.pid', '--start', '--env', 'APP_MODE=red', '--start-secs', '0']);
  assert.equal(start.code, 0, start.stderr);
  const pid = box.pidOf();
  const run = await waitUntil(() => told(readOr(box.path('app.log')))[0], 'the program to log');
  assert.deepEqual(run, { pid, cwd: box.dir, mode: 'red', argv: ['need-mode', marker] });
  assert.ok(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('KEEP=1'), 'the recorded --env pair is kept');
});

test('--start or --restart without a command and without a record: exit 2, saying what to give', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  for (const action of ['--start', '--restart']) {
    const run = await box.run(['--pid', 'app.pid', action]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`no launch request on record for app.*ensure-running --pid app.pid ${action} -- ./server.js`));
  }
});

test('a state file from before the record: checks stay quiet, --stop names the command, --start alone asks for it', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('old-record');
  t.after(cleanupMarked(box, marker));
  const line = ['--pid', 'app.pid', '--env', 'APP_MODE=blue', '--start-secs', '0', '--', fixture('tell-env.js'), marker];
  assert.equal((await box.run(line)).code, 0);
  const pid = box.pidOf();
  const state = JSON.parse(readOr(box.path('app.state.json')));
  delete state.request;
  writeFileSync(box.path('app.state.json'), JSON.stringify(state));

  const check = await box.run(line);
  assert.deepEqual([check.code, check.stdout, check.stderr], [0, '', ''], 'no false "differs" for an unknown --env');
  const stop = await box.run(['--pid', 'app.pid', '--stop']);
  assert.match(stop.stdout, new RegExp(`held stopped until: ensure-running --pid ${box.path('app.pid')} --start -- \\S*tell-env\\.js ${marker}$`, 'm'));
  assert.ok(!isAlive(pid));
  const start = await box.run(['--pid', 'app.pid', '--start']);
  assert.equal(start.code, 2);
  assert.match(start.stderr, /written by an older ensure-running, name \S*tell-env\.js/);
  assert.deepEqual(pidsWithArg(marker), []);
});

test('a flag of the crontab line (--crowd-backoff) is on record, and kept by --stop then --start without a command', async (t) => {
  const box = new Sandbox();
  const marker = uniqueMarker('flag');
  t.after(cleanupMarked(box, marker));
  const first = await box.run(['--pid', 'app.pid', '--crowd-backoff', '--start-secs', '0', '--', fixture('forever.js'), marker]);
  assert.equal(first.code, 0, first.stderr);
  const options = () => JSON.parse(readFileSync(box.path('app.state.json'), 'utf8')).request.options;
  assert.equal(options()['crowd-backoff'], true, 'the flag is on record');
  box.pidOf();
  assert.equal((await box.run(['--pid', 'app.pid', '--stop'])).code, 0);
  const start = await box.run(['--pid', 'app.pid', '--start']);
  assert.equal(start.code, 0, start.stderr);
  box.pidOf();
  assert.equal(options()['crowd-backoff'], true, 'the relaunch from the record kept the flag');
  assert.equal(options()['start-secs'], '0');
});
