// Usage errors: exit 2, one stderr line naming the option or argument, no help dump, nothing created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Sandbox, fixture, lines } from '../helpers.ts';

const SERVER = fixture('forever.js');

const CASES: { label: string; args: string[]; names: RegExp }[] = [
  { label: 'missing --pid', args: ['--', SERVER], names: /--pid/ },
  { label: '--pid without a value', args: ['--pid'], names: /--pid/ },
  { label: 'no command after --', args: ['--pid', 'app.pid', '--'], names: /command/ },
  { label: 'no -- at all', args: ['--pid', 'app.pid'], names: /command/ },
  { label: 'a bad duration', args: ['--pid', 'app.pid', '--start-secs', 'abc', '--', SERVER], names: /--start-secs.*abc/ },
  { label: 'a negative duration', args: ['--pid', 'app.pid', '--kill-after', '-5', '--', SERVER], names: /--kill-after/ },
  { label: 'an unknown flag', args: ['--pid', 'app.pid', '--bogus', '--', SERVER], names: /--bogus/ },
  { label: 'an unknown short flag', args: ['--pid', 'app.pid', '-z', '--', SERVER], names: /-z/ },
  { label: 'a positional command without --', args: ['--pid', 'app.pid', SERVER], names: /forever\.js.*--/ },
  { label: 'a bad stop signal', args: ['--pid', 'app.pid', '--stop', '--signal', 'NOPE'], names: /--signal/ },
  { label: 'a bad --max-retries', args: ['--pid', 'app.pid', '--max-retries', 'many', '--', SERVER], names: /--max-retries/ },
  { label: 'two actions', args: ['--pid', 'app.pid', '--stop', '--start', '--', SERVER], names: /--stop.*--start|--start.*--stop/ },
  { label: '--pid given twice', args: ['--pid', 'a.pid', '--pid', 'b.pid', '--', SERVER], names: /--pid/ },
  { label: '--json on a plain check', args: ['--pid', 'app.pid', '--json', '--', SERVER], names: /--json goes with --status/ },
  { label: '--history with --stop', args: ['--pid', 'app.pid', '--stop', '--history'], names: /--history goes with --status/ },
  { label: '--pid naming a directory', args: ['--pid', '.', '--', SERVER], names: /--pid "\." names a directory/ },
  { label: '--pid ending in a slash', args: ['--pid', 'run/', '--', SERVER], names: /--pid "run\/" names a directory/ },
  { label: 'a duration longer than a timer can wait', args: ['--pid', 'app.pid', '--start-secs', '30d', '--', SERVER], names: /--start-secs.*at most 24d/ },
];

for (const { label, args, names } of CASES) {
  test(`usage error: ${label} → exit 2, one line naming it`, async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const run = await box.run(args);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '', 'no help text on stdout');
    const said = lines(run.stderr);
    assert.equal(said.length, 1, run.stderr);
    assert.match(said[0]!, /^ensure-running: /);
    assert.match(said[0]!, names);
    assert.doesNotMatch(run.stderr, /Options:|Usage|internal error/);
    assert.deepEqual(readdirSync(box.dir), [], 'nothing was created or launched');
  });
}

test('usage error: --pid naming a link to a directory → exit 2, one line naming it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  mkdirSync(box.path('run'));
  symlinkSync('run', box.path('here'));
  const run = await box.run(['--pid', 'here', '--', SERVER]);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(lines(run.stderr).length, 1, run.stderr);
  assert.match(run.stderr, /--pid "here" names a directory/);
  assert.deepEqual(readdirSync(box.dir).sort(), ['here', 'run'], 'nothing was created or launched');
});

test('--help prints the help on stdout and exits 0', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const run = await box.run(['--help']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  for (const option of ['--pid', '--status', '--stop', '--start', '--restart', '--start-secs', '--help-all'])
    assert.ok(run.stdout.includes(option), `help mentions ${option}`);
  // --schedule has no default that applies (without it no cadence is watched): none is shown.
  // Its entry, wrapped lines included (up to the next option).
  const schedule = /^ {2}--schedule\b[\s\S]*?(?=^ {2}--)/m.exec(run.stdout)?.[0] ?? '';
  assert.match(schedule, /when cron calls/);
  assert.doesNotMatch(schedule, /default/, schedule);
  // --help wins even next to other options, and never launches.
  const mixed = await box.run(['--pid', 'app.pid', '--help', '--', SERVER]);
  assert.equal(mixed.code, 0);
  assert.equal(mixed.stdout, run.stdout);
  assert.deepEqual(readdirSync(box.dir), []);
});

test("--version prints package.json's version", async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const run = await box.run(['--version']);
  assert.deepEqual([run.code, run.stdout, run.stderr], [0, `${version}\n`, '']);
});
