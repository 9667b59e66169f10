// --status --format prometheus, checked by Prometheus' own parser (promtool check metrics), and
// --output FILE, written atomically for node_exporter's textfile collector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, runProcess } from '../helpers.ts';
import { needs, tool } from '../tools.ts';

/** Without promtool the metrics would pass unchecked: skipped then (CI=1: failed). */
const skip = needs('promtool');

/** Runs `promtool check metrics` on the text: its parser and its linter (naming conventions). */
async function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  const run = await runProcess(tool('promtool'), ['check', 'metrics'], { input: text, timeoutMs: 30_000 });
  return { code: run.code, output: run.stdout + run.stderr };
}

/** name{labels} value lines as a map, for reading values back. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

test('every guarded program as Prometheus metrics that promtool parses and lints clean, with awkward names escaped', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // The checker itself refuses a broken text: its silence below means something.
  assert.notEqual((await promtoolCheck('ensure_running_up{name="a} 1\n')).code, 0);

  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  // A name with a double quote and a backslash, and a program that fails to start.
  const odd = 'we"ird\\name.pid';
  await box.run(['--pid', odd, '--start-secs', '1', '--', fixture('exit-now.js'), '3']);
  const all = await box.run(['--status', '--format', 'prometheus']);
  assert.equal(all.stderr, '');
  const checked = await promtoolCheck(all.stdout);
  assert.equal(checked.code, 0, `${checked.output}\n${all.stdout}`);
  assert.equal(checked.output.trim(), '');

  const values = samples(all.stdout);
  const app = `name="app",pid_file="${box.path('app.pid')}"`;
  const weird = `name="we\\"ird\\\\name",pid_file="${box.path('we\\"ird\\\\name.pid')}"`;
  assert.equal(values.get(`ensure_running_up{${app}}`), 1);
  assert.equal(values.get(`ensure_running_state{${app},state="running"}`), 1);
  assert.equal(values.get(`ensure_running_launches_total{${app}}`), 1);
  assert.ok((values.get(`ensure_running_memory_resident_bytes{${app}}`) ?? 0) > 0);
  assert.equal(values.get(`ensure_running_up{${weird}}`), 0);
  assert.equal(values.get(`ensure_running_failed_starts{${weird}}`), 1);
  assert.equal(values.get(`ensure_running_last_exit_code{${weird}}`), 3);
  assert.match(all.stdout, /^# HELP ensure_running_up .+\n# TYPE ensure_running_up gauge$/m);

  // One program with --pid: only its series.
  const one = await box.run(['--pid', 'app.pid', '--status', '--format', 'prometheus']);
  assert.equal(one.code, 0);
  assert.equal((await promtoolCheck(one.stdout)).code, 0);
  assert.doesNotMatch(one.stdout, /ird/);
  // --format json is --json; --json with another format is refused.
  const json = await box.run(['--pid', 'app.pid', '--status', '--format', 'json']);
  assert.equal(JSON.parse(json.stdout).state, 'running');
  const clash = await box.run(['--pid', 'app.pid', '--status', '--json', '--format', 'prometheus']);
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /--json and --format prometheus/);
  const bad = await box.run(['--status', '--format', 'yaml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format yaml/);
});

test('--output FILE replaces the file atomically with what --status would print, and leaves no temporary file', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  const target = box.path('textfile', 'ensure-running.prom');
  await runProcess('mkdir', ['-p', box.path('textfile')]);
  writeFileSync(target, 'old content\n');
  const run = await box.run(['--status', '--format', 'prometheus', '--output', target]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  const text = readFileSync(target, 'utf8');
  assert.equal((await promtoolCheck(text)).code, 0);
  assert.match(text, /^ensure_running_up\{name="app",.*\} 1$/m);
  assert.deepEqual(readdirSync(box.path('textfile')), ['ensure-running.prom']);
  // Any status format: the JSON of one program, relative to the caller's directory.
  assert.equal((await box.run(['--pid', 'app.pid', '--status', '--json', '--output', 'status.json'])).code, 0);
  assert.equal(JSON.parse(readFileSync(box.path('status.json'), 'utf8')).state, 'running');
  // A symlink in place of the file is refused, never followed; the error names the file.
  symlinkSync('/etc/passwd', box.path('link.prom'));
  const refused = await box.run(['--status', '--format', 'prometheus', '--output', 'link.prom']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /link\.prom/);
  // --output goes with --status only.
  const misplaced = await box.run(['--pid', 'app.pid', '--output', 'x.prom', '--', fixture('forever.js')]);
  assert.equal(misplaced.code, 2);
  assert.match(misplaced.stderr, /--output goes with --status/);
});
