// --logs (by --pid, or every program of a config file merged with their names; --lines,
// --follow across rotations) and --forget (records and the --status row removed; a running
// program refused unless --stop is given too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, killHard, runAsNobody, runProcess, waitUntil } from '../helpers.ts';

const numbered = (from: number, to: number) => `${Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`).join('\n')}\n`;

test('--logs --lines N prints the end of the log of the last launch; --follow follows it across both kinds of rotation', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // The log of the launch on record, not the default one: --log elsewhere.
  assert.equal((await box.run(['--pid', 'app.pid', '--log', 'out.log', '--start-secs', '0.2', '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  appendFileSync(box.path('out.log'), numbered(1, 30));
  const last = await box.run(['--pid', 'app.pid', '--logs', '--lines', '3']);
  assert.equal(last.code, 0, last.stderr);
  assert.equal(last.stdout, 'line 28\nline 29\nline 30\n');
  assert.equal((await box.run(['--pid', 'app.pid', '--logs'])).stdout, numbered(21, 30), '10 lines by default');

  let out = '';
  const follower = spawn(BIN, ['--pid', 'app.pid', '--logs', '--follow', '--lines', '1'], { cwd: box.dir, env: box.env(), stdio: ['ignore', 'pipe', 'pipe'] });
  box.track(follower.pid!);
  t.after(() => killHard(follower.pid!));
  follower.stdout.on('data', (chunk) => {
    out += chunk;
  });
  await waitUntil(() => out === 'line 30\n', 'the last line');
  appendFileSync(box.path('out.log'), numbered(31, 32));
  await waitUntil(() => out.endsWith('line 32\n'), 'appended lines');
  // Copy and truncate (--log-max-size): the same file, shorter.
  copyFileSync(box.path('out.log'), box.path('out.log.1'));
  truncateSync(box.path('out.log'), 0);
  appendFileSync(box.path('out.log'), 'after truncate\n');
  await waitUntil(() => out.endsWith('after truncate\n'), 'the line after a copy-and-truncate rotation');
  // Rename and create (logrotate's default): the path names another file.
  renameSync(box.path('out.log'), box.path('out.log.2'));
  writeFileSync(box.path('out.log'), 'after rename, in a file longer than the one before\n');
  await waitUntil(() => out.endsWith('after rename, in a file longer than the one before\n'), 'the line after a rename rotation');
  assert.equal(out, 'line 30\nline 31\nline 32\nafter truncate\nafter rename, in a file longer than the one before\n', 'each line once, none lost');
  follower.kill('SIGTERM');
  await waitUntil(() => follower.exitCode !== null || follower.signalCode !== null, 'the follower to end');
});

test('--config FILE --logs merges the logs of every program, each line prefixed with its name', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  writeFileSync(
    box.path('apps.toml'),
    `[defaults]\nstart-secs = "0.2"\nstate-dir = "state"\n[programs.web]\ncommand = ["${fixture('forever.js')}", "w"]\n[programs.api-2]\ncommand = ["${fixture('forever.js')}", "a"]\n`,
  );
  assert.equal((await box.run(['--config', 'apps.toml'])).code, 0);
  box.pidOf('state/web.pid');
  box.pidOf('state/api-2.pid');
  await waitUntil(() => existsSync(box.path('state/api-2.log')), 'the logs');
  appendFileSync(box.path('state/web.log'), 'from web\n');
  appendFileSync(box.path('state/api-2.log'), 'from api\n');
  const out = await box.run(['--config', 'apps.toml', '--logs', '--lines', '1']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'web   | from web\napi-2 | from api\n');
  const one = await box.run(['--config', 'apps.toml', '--logs', 'api-2', '--lines', '1']);
  assert.equal(one.stdout, 'api-2 | from api\n');
});

test('--forget refuses a running program, --forget --stop stops it and leaves no row in --status', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0.2', '--', fixture('forever.js')])).code, 0);
  const pid = box.pidOf();
  const refused = await box.run(['--pid', 'app.pid', '--forget']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, new RegExp(`app is running \\(pid ${pid}\\).*--forget --stop`));
  assert.ok(isAlive(pid) && existsSync(box.path('app.state.json')), 'nothing done');
  const forgot = await box.run(['--pid', 'app.pid', '--forget', '--stop']);
  assert.equal(forgot.code, 0, forgot.stderr);
  assert.match(forgot.stdout, /^app: stopped \(pid \d+, SIGTERM/m);
  assert.match(forgot.stdout, /^app: forgotten \(removed .*app\.state\.json.*\); its log stays: .*app\.log$/m);
  await waitUntil(() => !isAlive(pid), 'the program to end');
  for (const file of ['app.pid', 'app.state.json', 'app.promise', 'app.checked']) assert.ok(!existsSync(box.path(file)), `${file} removed`);
  assert.ok(existsSync(box.path('app.log')), 'the log stays');
  const status = await box.run(['--status']);
  assert.equal(status.code, 0);
  assert.match(status.stdout, /^no programs guarded by this user/);
  const json = await box.run(['--status', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), []);
});

test('--forget of a stopped program removes its held row at once', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0.2', '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  assert.equal((await box.run(['--pid', 'app.pid', '--stop'])).code, 0);
  assert.match((await box.run(['--status'])).stdout, /app +held/);
  const forgot = await box.run(['--pid', 'app.pid', '--forget']);
  assert.equal(forgot.code, 0, forgot.stderr);
  assert.doesNotMatch((await box.run(['--status'])).stdout, /app/);
  const again = await box.run(['--pid', 'app.pid', '--forget']);
  assert.match(again.stdout, /nothing to forget/);
});

test('root: --logs reads no file a local user could point it at (their records, a hard link, their file)', {
  skip: process.getuid?.() !== 0 && 'needs root',
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  writeFileSync(box.path('secret'), 'TOP SECRET\n', { mode: 0o600 });
  assert.equal((await box.run(['--pid', 'app.pid', '--start-secs', '0.2', '--', fixture('forever.js')])).code, 0);
  box.pidOf();
  const state = JSON.parse(readFileSync(box.path('app.state.json'), 'utf8'));
  // A hard link to a root-only file in place of the log.
  unlinkSync(box.path('app.log'));
  linkSync(box.path('secret'), box.path('app.log'));
  const linked = await box.run(['--pid', 'app.pid', '--logs']);
  assert.equal(linked.stdout, '');
  assert.match(linked.stderr, /not reading .*app\.log: it has 2 links/);
  // A log that belongs to another user.
  unlinkSync(box.path('app.log'));
  writeFileSync(box.path('app.log'), 'theirs\n');
  chownSync(box.path('app.log'), 65534, 65534);
  const theirs = await box.run(['--pid', 'app.pid', '--logs']);
  assert.equal(theirs.stdout, '');
  assert.match(theirs.stderr, /it belongs to uid 65534, not to root/);
  // Records a local user wrote, in a directory of theirs, naming the secret as the log.
  mkdirSync(box.path('u'));
  chownSync(box.path('u'), 65534, 65534);
  chmodSync(box.dir, 0o755);
  const planted = JSON.stringify({ ...state, logs: { stdout: box.path('secret'), stderr: box.path('secret') } });
  const wrote = await runProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', 'cat > u/app.state.json'], {
    cwd: box.dir,
    input: planted,
  });
  assert.equal(wrote.code, 0, wrote.stderr);
  const records = await box.run(['--pid', 'u/app.pid', '--logs']);
  assert.doesNotMatch(records.stdout, /SECRET/);
});

test("root: --forget refuses another user's records unless --force", { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.dir, 0o755);
  mkdirSync(box.path('u'));
  chownSync(box.path('u'), 65534, 65534);
  const env = box.env({ ENSURE_RUNNING_HOME: box.path('u', 'registry') });
  const ran = await runAsNobody(box, ['--pid', box.path('u/app.pid'), '--start-secs', '0.2', '--', fixture('forever.js')], env);
  assert.equal(ran.code, 0, ran.stderr);
  const pid = box.pidOf('u/app.pid');
  const refused = await box.run(['--pid', 'u/app.pid', '--forget']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /its records belong to user nobody/);
  assert.ok(existsSync(box.path('u/app.state.json')) && isAlive(pid));
});
