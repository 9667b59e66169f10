// Moving from --pid lines to a config file: the program already running under a line's
// records is taken over by its table, never launched beside it, and shows under one name
// (the table's) in the bare --status, its JSON and the metrics; no ghost row stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive } from '../helpers.ts';

const program = fixture('forever.js');

test("a table naming the line's PID file keeps the running program, and its name wins everywhere", async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  mkdirSync(box.path('www'));
  assert.equal((await box.run(['--pid', 'www/http.pid', '--start-secs', '0.2', '--', program])).code, 0);
  const pid = box.pidOf('www/http.pid');
  writeFileSync(box.path('apps.toml'), `[programs.web]\npid = "www/http.pid"\nstart-secs = "0.2"\ncommand = ["${program}"]\n`);
  const moved = await box.run(['--config', 'apps.toml']);
  assert.equal(moved.code, 0, moved.stderr);
  assert.equal(box.pidOf('www/http.pid'), pid, 'the same process, not a second one');
  const table = await box.run(['--status']);
  assert.equal(table.code, 0, table.stdout);
  assert.match(table.stdout, new RegExp(`^web +running +${pid} `, 'm'));
  assert.doesNotMatch(table.stdout, /^http /m, "one name: the table's");
  const json = JSON.parse((await box.run(['--status', '--json'])).stdout);
  assert.deepEqual(
    json.map((row: { name: string }) => row.name),
    ['web'],
  );
  const metrics = (await box.run(['--status', '--format', 'prometheus'])).stdout;
  assert.match(metrics, /^ensure_running_up\{name="web",pid_file="[^"]+www\/http\.pid"\} 1$/m);
  assert.doesNotMatch(metrics, /name="http"/);
});

test('a table without pid takes over the program running under a line with the same command and directory', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const line = ['--pid', 'app.pid', '--start-secs', '0.2', '--', program];
  assert.equal((await box.run(line)).code, 0);
  const pid = box.pidOf('app.pid');
  writeFileSync(box.path('apps.toml'), `[defaults]\nstate-dir = "state"\nstart-secs = "0.2"\n[programs.web]\ncommand = ["${program}"]\n`);
  const moved = await box.run(['--config', 'apps.toml']);
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stderr, new RegExp(`^web: took over pid ${pid} \\(same command and directory\\) from ${box.path('app.pid')}`, 'm'));
  assert.equal(Number(readFileSync(box.path('state/web.pid'), 'utf8')), pid, "the table's PID file names the running program");
  assert.ok(isAlive(pid));
  const state = JSON.parse(readFileSync(box.path('state/web.state.json'), 'utf8'));
  assert.equal(state.launches, 1, 'nothing launched beside it');
  assert.ok(!existsSync(box.path('app.pid')) && !existsSync(box.path('app.state.json')), 'the old records moved');
  const table = await box.run(['--status']);
  assert.equal(table.code, 0, table.stdout);
  assert.deepEqual(
    table.stdout
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((row) => row.split(/ +/).slice(0, 3)),
    [['web', 'running', String(pid)]],
    'one row, no ghost of the old line',
  );
  // Quiet from then on.
  const again = await box.run(['--config', 'apps.toml']);
  assert.equal(again.code, 0);
  assert.equal(again.stdout + again.stderr, '');
  // The old line, not yet removed from the crontab, finds the program by its launch environment: no second copy.
  const old = await box.run(line);
  assert.equal(old.code, 0, old.stderr);
  assert.equal(Number(readFileSync(box.path('app.pid'), 'utf8')), pid, 'the old line sees the same process');
});
