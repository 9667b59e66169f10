// A real cron daemon (Debian's cron) runs the line printed by --crontab: the program is
// launched, killed, relaunched within the next minute, and cron's mail holds one line per
// change of state. Opt-in (npm run test:cron): it needs root, installs cron if missing,
// takes about three minutes, and restores everything it touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Sandbox, fixture, isAlive, readOr, waitUntil, rootOnly } from '../helpers.ts';

const CRON_FILE = '/etc/cron.d/ensure-running-test';
const SENDMAIL = '/usr/sbin/sendmail';
const STAND_IN = '# ensure-running test:cron stand-in';

function ensureCron(): string | null {
  if (existsSync('/usr/sbin/cron')) return null;
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cron'], { stdio: 'ignore' });
  return install.status === 0 && existsSync('/usr/sbin/cron') ? null : 'could not install Debian cron';
}

test('a real cron launches, relaunches within a minute, and mails one line per change', {
  skip: rootOnly('to run a cron daemon'),
  timeout: 6 * 60_000,
}, async (t) => {
  // Run as root, this test fails rather than skips: a skip would hide a broken promise.
  const missing = ensureCron();
  if (missing) throw new Error(`${missing}: install it (apt-get install cron) and run npm run test:cron again`);
  const box = new Sandbox();
  const mailbox = box.path('mail.txt');
  // What an interrupted earlier run may have left: our cron.d files and our sendmail stand-in.
  rmSync(CRON_FILE, { force: true });
  for (const name of readdirSync('/etc/cron.d')) {
    if (name.startsWith('ensure-running-app-') && readOr(`/etc/cron.d/${name}`).includes('/er-test-')) rmSync(`/etc/cron.d/${name}`);
  }
  if (existsSync(SENDMAIL) && readOr(SENDMAIL).includes(STAND_IN)) rmSync(SENDMAIL);
  const runningCron = spawnSync('pgrep', ['-x', 'cron']).status === 0;
  const fakeSendmail = !existsSync(SENDMAIL);
  let cron: ChildProcess | null = null;
  t.after(() => {
    rmSync(CRON_FILE, { force: true });
    if (cron?.pid) process.kill(cron.pid, 'SIGTERM');
    if (fakeSendmail) rmSync(SENDMAIL, { force: true });
    box.cleanup();
  });
  // cron mails through sendmail; a stand-in appends each mail to a file we can read.
  if (fakeSendmail) {
    writeFileSync(SENDMAIL, `#!/bin/sh\n${STAND_IN}\n{ cat; echo '----- end of mail'; } >> ${mailbox}\n`);
    chmodSync(SENDMAIL, 0o755);
  }
  copyFileSync(fixture('forever.js'), box.path('server.js'));
  chmodSync(box.path('server.js'), 0o755);
  // Installed as a newcomer would: --install, which as root writes a cron.d file of its own (user field root).
  const cli = (args: string[]) => execFileSync(process.execPath, [`${process.cwd()}/bin/ensure-running.js`, ...args], { cwd: box.dir, encoding: 'utf8' });
  const installed = cli(['--install', '--pid', 'app.pid', '--start-secs', '0.5', '--', './server.js']);
  const cronFile = /^app: added to (\/etc\/cron\.d\/ensure-running-app-[0-9a-f]{8}):$/m.exec(installed)?.[1];
  assert.ok(cronFile, `--install added a cron.d file: ${installed}`);
  t.after(() => rmSync(cronFile, { force: true }));
  assert.match(readOr(cronFile), /^\* \* \* \* \* root PATH=\S+ \S+ --pid \S+ .*--schedule '\* \* \* \* \*' -- \.\/server\.js$/m);
  // Our own cron in the foreground, logging every job it starts, stopped by its PID at the end.
  if (!runningCron)
    cron = spawn('/usr/sbin/cron', ['-f', '-L', '15'], { stdio: ['ignore', openSync(box.path('cron.log'), 'a'), openSync(box.path('cron.log'), 'a')] });

  const first = await waitUntil(() => Number(readOr(box.path('app.pid'))) || 0, 'cron to launch the program', 130_000, 500).catch((error: Error) => {
    throw new Error(`${error.message}\ncrontab: ${readOr(CRON_FILE)}\ncron log: ${readOr(box.path('cron.log'))}\nmail: ${readOr(mailbox)}`);
  });
  box.track(first);
  // The check that launched it ends after the start window, and cron then mails its line.
  await waitUntil(() => readOr(mailbox).includes('app: started'), 'the mail of the first launch', 30_000, 250);
  assert.ok(isAlive(first));
  process.kill(first, 'SIGKILL');
  const second = await waitUntil(
    () => {
      const pid = Number(readOr(box.path('app.pid'))) || 0;
      return pid !== first && isAlive(pid) ? pid : 0;
    },
    'cron to relaunch the program',
    130_000,
    500,
  );
  box.track(second);
  // cron mails a job's output when the job ends: wait for the relaunch's mail, then one more
  // minute of healthy checks, which must mail nothing.
  await waitUntil(
    () =>
      readOr(mailbox)
        .split('\n')
        .filter((l) => l.startsWith('app: started')).length >= 2,
    'the mail of the relaunch',
    30_000,
    250,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nmail: ${readOr(mailbox)}\nlog: ${readOr(box.path('app.log'))}`);
  });
  const mailsAfterRelaunch = readOr(mailbox).split('----- end of mail').length;
  await new Promise((r) => setTimeout(r, 65_000));
  assert.equal(readOr(mailbox).split('----- end of mail').length, mailsAfterRelaunch, 'healthy minutes mail nothing');
  const body = readOr(mailbox)
    .split('\n')
    .filter((l) => /^app: /.test(l));
  assert.deepEqual(
    body.map((l) => l.replace(/\(.*$/, '').trim()),
    ['app: started', 'app: died', 'app: started'],
    readOr(mailbox),
  );
  // The line records its schedule: --status watches that checks keep arriving.
  const status = JSON.parse(cli(['--pid', 'app.pid', '--status', '--json']));
  assert.equal(status.checks.schedule, '* * * * *');
  assert.equal(status.checks.overdue, false);
  assert.match(cli(['--uninstall', '--pid', 'app.pid']), /^app: removed from \/etc\/cron\.d\//);
  assert.ok(!existsSync(cronFile), '--uninstall removed the file');
});
