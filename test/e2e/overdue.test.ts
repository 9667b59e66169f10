// A guard that stopped guarding says so: when checks stop arriving on the schedule the cron
// line records (cron stopped, the line removed), the bare --status table marks the program
// `running?` with since when, exits non-zero, and the metrics carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture } from '../helpers.ts';

/** Makes the last check (full, and answered by the promise) twelve minutes old, as if cron had stopped then. */
function stopCron(box: Sandbox, stateFile: string): void {
  const old = Date.now() - 12 * 60_000;
  const state = JSON.parse(readFileSync(box.path(stateFile), 'utf8'));
  state.lastCheckMs = old;
  writeFileSync(box.path(stateFile), JSON.stringify(state));
  for (const file of [stateFile, stateFile.replace('.state.json', '.checked')])
    if (existsSync(box.path(file))) utimesSync(box.path(file), old / 1000, old / 1000);
}

test('bare --status: a program whose checks stopped arriving is running? with "no check for", exit 1, and in the metrics', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // The line --crontab and --install give records its schedule.
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--schedule', '* * * * *', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  const pid = box.pidOf();
  const fine = await box.run(['--status']);
  assert.equal(fine.code, 0, fine.stdout);
  assert.match(fine.stdout, new RegExp(`^app +running +${pid} `, 'm'));
  assert.doesNotMatch(fine.stdout, /NOTE/);

  stopCron(box, 'app.state.json');
  const late = await box.run(['--status']);
  assert.equal(late.code, 1, 'non-zero: nothing guards the program now');
  assert.match(late.stdout, /^NAME +STATE +PID +UPTIME +LAUNCHES +PID FILE +NOTE$/m);
  assert.match(late.stdout, new RegExp(`^app +running\\? +${pid} .*app\\.pid +no check for 12 min$`, 'm'));
  const json = JSON.parse((await box.run(['--status', '--json'])).stdout);
  assert.equal(json[0].state, 'running', 'the JSON state stays a state; checks.overdue says the rest');
  assert.equal(json[0].checks.overdue, true);
  const metrics = (await box.run(['--status', '--format', 'prometheus'])).stdout;
  assert.match(metrics, /^ensure_running_checks_overdue\{name="app",pid_file="[^"]+"\} 1$/m);
  const lastCheck = Number(/^ensure_running_last_check_timestamp_seconds\{[^}]*\} (\S+)$/m.exec(metrics)![1]);
  assert.ok(Date.now() / 1000 - lastCheck > 11 * 60, 'the last check is the old one');

  // The next check (cron back) clears it.
  assert.equal((await box.run(args)).code, 0);
  const again = await box.run(['--status']);
  assert.equal(again.code, 0, again.stdout);
  assert.doesNotMatch(again.stdout, /running\?|NOTE/);
});

test('a config file checked with --schedule on its line: every program records it, and a stopped cron shows', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  writeFileSync(box.path('apps.toml'), `[defaults]\nstart-secs = "0.2"\nstate-dir = "state"\n[programs.web]\ncommand = ["${fixture('forever.js')}"]\n`);
  const line = ['--config', 'apps.toml', '--schedule', '* * * * *'];
  const first = await box.run(line);
  assert.equal(first.code, 0, first.stderr);
  box.pidOf('state/web.pid');
  stopCron(box, 'state/web.state.json');
  const late = await box.run(['--status']);
  assert.equal(late.code, 1);
  assert.match(late.stdout, /^web +running\? .*no check for 12 min$/m);
  // The file's own --status says the same, and exits as the bare one does (all its programs).
  const byFile = await box.run(['--config', 'apps.toml', '--status']);
  assert.equal(byFile.code, 1, byFile.stdout);
  assert.match(byFile.stdout, /WARNING +no check for 12 min/);
  // A quiet check of the file (the front door answers it from the promise) counts as a check.
  assert.equal((await box.run(line)).code, 0);
  assert.equal((await box.run(line)).code, 0);
  const again = await box.run(['--status']);
  assert.equal(again.code, 0, again.stdout);
});

test('--status --json: the last check is one time, not the state file written a moment after it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--schedule', '* * * * *', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  // The records of a full check, written (as a busy disk or a coarse file clock may leave them)
  // a few seconds after the time the check took; no check answered by the promise since.
  const at = Date.now() - 60_000;
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  writeFileSync(box.path('app.state.json'), JSON.stringify({ ...state, lastCheckMs: at }));
  utimesSync(box.path('app.state.json'), (at + 3000) / 1000, (at + 3000) / 1000);
  if (existsSync(box.path('app.checked'))) utimesSync(box.path('app.checked'), at / 1000 - 60, at / 1000 - 60);
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.equal(status.lastCheck, new Date(at).toISOString());
  assert.equal(status.checks.lastCheck, status.lastCheck, 'the next check is counted from the last check on record');
});
