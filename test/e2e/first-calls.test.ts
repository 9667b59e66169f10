// What a newcomer meets first: a bare call, typos, a --pid line without its command, and a
// config file with several mistakes, all reported in one go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Sandbox, fixture } from '../helpers.ts';

test('a bare ensure-running gives the short usage with both --pid and --config, exit 2', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = await box.run([]);
  assert.equal(out.code, 2);
  assert.equal(out.stdout, '');
  assert.match(out.stderr, /ensure-running --pid FILE -- COMMAND/);
  assert.match(out.stderr, /ensure-running --config FILE/);
  assert.match(out.stderr, /ensure-running --help/);
});

test('a mistyped option and a mistyped TOML key get a suggestion', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const option = await box.run(['--stauts']);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /^ensure-running: unknown option --stauts \(did you mean --status\?\); see ensure-running --help/);
  writeFileSync(box.path('apps.toml'), `[programs.web]\ncommand = ["${fixture('forever.js')}"]\nmax_retries = 3\n`);
  const key = await box.run(['--check-config', 'apps.toml']);
  assert.equal(key.code, 2);
  assert.match(key.stderr, /apps\.toml:3: key "max_retries" in \[programs\.web\]: unknown key \(did you mean max-retries\?\)/);
});

test('--pid FILE alone, with a launch request on record, says what to run', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0.2', '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  const alone = await box.run(['--pid', 'app.pid']);
  assert.equal(alone.code, 2);
  assert.doesNotMatch(alone.stderr, /put the program after --/);
  assert.match(alone.stderr, new RegExp(`launch it as recorded with ensure-running --pid ${box.path('app.pid')} --start`));
  assert.ok(alone.stderr.includes(`--start-secs 0.2 -- ${fixture('forever.js')}`), alone.stderr);
});

test('--check-config reports every problem of a table at once, each with its line', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  writeFileSync(
    box.path('apps.toml'),
    [
      '[defaults]',
      'colour = "red"',
      '',
      '[programs.web]',
      `command = ["${fixture('forever.js')}"]`,
      'start-secs = true',
      'restart-at = "4"',
      'max-memory = "lots"',
      'interval = "fast"',
      'heartbeat-timeout = "5s"',
      'health-failures = "0"',
      '',
    ].join('\n'),
  );
  const out = await box.run(['--check-config', 'apps.toml']);
  assert.equal(out.code, 2);
  const file = box.path('apps.toml');
  for (const [line, key] of [
    [2, 'colour'],
    [6, 'start-secs'],
    [7, 'restart-at'],
    [8, 'max-memory'],
    [9, 'interval'],
    [10, 'heartbeat-timeout'],
    [11, 'health-failures'],
  ] as const) {
    assert.ok(out.stderr.includes(`${file}:${line}: key "${key}" in [`), `${key} reported:\n${out.stderr}`);
  }
  assert.match(out.stderr, /: 7 problems\n$/);
});
