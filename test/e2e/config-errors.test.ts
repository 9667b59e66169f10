// A config file's problems: every one at once, each with the file, line and key; exit 2.
// Malformed TOML, an unknown key, a wrong type, a bad value (the option's own check), a
// duplicate program; the commented example file loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { ROOT, Sandbox, lines } from '../helpers.ts';

test('--check-config reports every problem at once with file, line and key, and exits 2; --config checks nothing then', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const file = box.path('apps.toml');
  writeFileSync(
    file,
    [
      '[defaults]', //                                   1
      'start-secs = 2', //                               2  an integer is seconds: fine
      'colour = "blue"', //                              3  unknown
      '', //                                             4
      '[programs.web]', //                               5
      'command = "./server.js"', //                      6  wrong type
      'max-retries = true', //                           7  wrong type
      '', //                                             8
      '[programs.api]', //                               9
      'command = ["./api.js"]', //                       10
      'kill-after = "soon"', //                          11 not a duration
      '', //                                             12
      '[programs.job]', //                               13 no command
      'status = true', //                                14 an action, not a program key
    ].join('\n'),
  );
  const checked = await box.run(['--check-config', 'apps.toml']);
  assert.equal(checked.code, 2);
  assert.deepEqual(lines(checked.stderr), [
    `${file}:3: key "colour" in [defaults]: unknown key; the keys are the long options (ensure-running --help) without --, plus command, priority and state-dir`,
    `${file}:6: key "command" in [programs.web]: expected a non-empty array of strings (the program ` +
      `and its arguments, no shell), as in command = ["./server.js", "--port", "8080"]; got a string`,
    `${file}:7: key "max-retries" in [programs.web]: expected a string or an integer (N), got a boolean`,
    `${file}:11: key "kill-after" in [programs.api]: "soon" is not a duration; use a ` +
      `number of seconds or a number with ms, s, m, h or d (e.g. 10s, 5m), at most 24d`,
    `${file}:14: key "status" in [programs.job]: --status is given on the command line, not in the file`,
    `${file}:13: key "command" in [programs.job]: missing: each program needs command = ["program", "arg", ...]`,
    `${file}: 6 problems`,
  ]);
  assert.equal(checked.stdout, '');
  const run = await box.run(['--config', 'apps.toml']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /apps\.toml:11: key "kill-after" in \[programs\.api\]/);
});

test('malformed TOML and a program defined twice: said with their lines', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const file = box.path('apps.toml');
  writeFileSync(file, '[programs.web]\ncommand = ["a"]\n\n[programs.web]\ncommand = ["b"]\n\n[programs.api]\ncommand = ["c"]\n[programs.api]\n');
  const twice = await box.run(['--check-config', file]);
  assert.equal(twice.code, 2);
  assert.deepEqual(lines(twice.stderr).slice(0, 2), [
    `${file}:4: program "web" is defined twice (first on line 1); give each program one table`,
    `${file}:9: program "api" is defined twice (first on line 7); give each program one table`,
  ]);
  writeFileSync(file, '[programs.web]\ncommand = ["a"\nstart-secs = 1\n');
  const broken = await box.run(['--check-config', file]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, new RegExp(`^${file.replaceAll('.', '\\.')}:\\d: not valid TOML: `, 'm'));
});

test('the example file loads', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const run = await box.run(['--check-config', `${ROOT}/examples/programs.toml`]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /3 programs \(web, worker, queue\), no problems/);
});
