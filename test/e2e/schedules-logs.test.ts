// --crontab lines, log rotation under a writing program, and exit 2 for bad health/schedule options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, runProcess, waitUntil } from '../helpers.ts';

test("--crontab prints a line that parses as a crontab entry and runs under cron's bare environment", async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = await box.run(['--crontab', '--pid', 'app.pid', '--schedule', '*/5 * * * *', '--start-secs', '0.2', '--', 'node', fixture('forever.js'), '50%']);
  assert.equal(out.code, 0, out.stderr);
  const entries = out.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.equal(entries.length, 1, out.stdout);
  const match = /^(\S+) (\S+) (\S+) (\S+) (\S+) (.+)$/.exec(entries[0]!);
  assert.ok(match, entries[0]);
  assert.deepEqual(match.slice(1, 6), ['*/5', '*', '*', '*', '*']);
  assert.ok(match[6]!.includes(`--pid ${box.path('app.pid')}`), 'absolute PID file');
  assert.ok(match[6]!.includes(`--log ${box.path('app.log')}`), 'absolute log');
  // cron turns % into a newline unless escaped; it removes the backslash before running sh.
  assert.ok(match[6]!.endsWith(' 50\\%'), match[6]);
  const command = match[6]!.replaceAll('\\%', '%');
  // As cron would: sh -c, PATH=/usr/bin:/bin, the directory HOME, nothing else.
  const ran = await runProcess('/bin/sh', ['-c', command], { cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: box.dir, SHELL: '/bin/sh' } });
  assert.equal(ran.code, 0, ran.stderr);
  const pid = box.pidOf();
  assert.ok(isAlive(pid));
  await waitUntil(() => readOr(box.path('app.log')).includes('"argv":["50%"]'), 'the program to log its argv');
});

test('--crontab refuses a command that does not resolve, naming the PATH', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = await box.run(['--crontab', '--pid', 'app.pid', '--', 'no-such-command-er']);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /no-such-command-er.*not found in PATH=/);
});

test('--crontab never prints the password of a --lease URL, and says where to put it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = await box.run([
    '--crontab',
    '--pid',
    'app.pid',
    '--lease',
    'postgres://app:s3cret-pw@db.example/app',
    '--lease-name',
    'app',
    '--',
    'node',
    fixture('forever.js'),
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(!`${out.stdout}${out.stderr}`.includes('s3cret-pw'), out.stdout);
  assert.match(out.stdout, /--lease postgres:\/\/app@db\.example\/app --lease-name app/);
  assert.match(out.stdout, /^# the password of --lease is left out of this line.*~\/\.pgpass/m);
});

test('a log past --log-max-size is rotated at a check and the program keeps writing to the live log', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--log-max-size', '8k', '--log-keep', '2', '--', fixture('chatter.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  const log = box.path('app.log');
  for (let round = 1; round <= 3; round++) {
    await waitUntil(() => statSync(log).size > 8192, `the log to pass 8k (round ${round})`);
    const r = await box.run(args);
    assert.deepEqual([r.code, r.stderr], [0, ''], `round ${round}`);
    assert.ok(statSync(`${log}.1`).size > 8192, 'the copy holds the old lines');
  }
  assert.ok(existsSync(`${log}.2`));
  assert.ok(!existsSync(`${log}.3`), '--log-keep 2');
  await waitUntil(() => readOr(log).split('\n').length > 5, 'new lines in the live log');
  const live = readFileSync(log);
  assert.equal(live.indexOf(0), -1, 'no NUL hole: the log was opened with O_APPEND');
  const lastOld = readFileSync(`${log}.1`, 'utf8').trim().split('\n').at(-1)!;
  const firstNew = readFileSync(log, 'utf8').split('\n')[0]!;
  assert.ok(firstNew.slice(5, 13) > lastOld.slice(5, 13), `${firstNew.slice(0, 13)} follows ${lastOld.slice(0, 13)}`);
});

test('bad health and schedule options exit 2 naming the option and the field', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const cases: [string[], RegExp][] = [
    [['--restart-at', '61 * * * *'], /--restart-at "61 \* \* \* \*": the minute field "61" is invalid/],
    [['--restart-at', '0 3 * * 9'], /the day of week field "9" is invalid/],
    [['--schedule', '5'], /--schedule "5" has only 1 field, not 5 .*hour, day of month, month, day of week fields are missing/],
    [['--schedule', '0 3 * *'], /has only 4 fields/],
    [['--schedule', '  '], /is empty/],
    [['--restart-at', '@reboot'], /@reboot/],
    [['--restart-at', '0 3 * * *', '--tz', 'Nowhere/Atlantis'], /--tz "Nowhere\/Atlantis" is not a time zone/],
    [['--schedule', '*/5 * * * *', '--interval', '1m'], /--interval 1m and --schedule "\*\/5 \* \* \* \*" \(every 5m 0s at its shortest\) disagree/],
    [['--health-url', 'ftp://127.0.0.1/'], /--health-url .*the scheme "ftp" is not supported/],
    [['--health-url', 'not a url'], /--health-url "not a url" is not a URL/],
    [['--health-url', 'http://127.0.0.1/', '--health-timeout', '30s'], /--health-timeout 30s is too long/],
    [['--heartbeat-timeout', '5s'], /--heartbeat-timeout needs --heartbeat/],
    [['--log-max-size', 'ten'], /--log-max-size "ten" is not a size/],
  ];
  for (const [options, message] of cases) {
    const r = await box.run(['--pid', 'app.pid', ...options, '--', fixture('forever.js')]);
    assert.equal(r.code, 2, `${options.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!existsSync(box.path('app.pid')), 'nothing launched');
  }
  // Agreement is fine.
  const ok = await box.run(['--pid', 'app.pid', '--start-secs', '0.2', '--schedule', '*/5 * * * *', '--interval', '5m', '--', fixture('forever.js')]);
  assert.equal(ok.code, 0, ok.stderr);
  box.pidOf();
});
