// --user NAME[:GROUP] (root only): the program runs as the user with its supplementary groups,
// HOME, USER and LOGNAME set, and logs it can reopen; the records stay root's; identity
// verification, quiet checks and --stop work across the uid. Refused when not root or when
// the user or group does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { BIN, Sandbox, fixture, isAlive, lines, readOr, runProcess, waitUntil, rootOnly } from '../helpers.ts';

const skip = rootOnly('to switch user');
const NOBODY = 65534;

interface Who {
  uid: number;
  gid: number;
  groups: number[];
  HOME: string;
  USER: string;
  LOGNAME: string;
}

/** The program's own report of who it runs as: the first JSON line of its log. */
async function whoRuns(box: Sandbox): Promise<Who> {
  const line = await waitUntil(() => lines(readOr(box.path('app.log'))).find((l) => l.startsWith('{')), 'the program to say who it is');
  return JSON.parse(line);
}

/** A sandbox the user can reach (mkdtemp makes it 0700). */
function openBox(): Sandbox {
  const box = new Sandbox();
  chmodSync(box.dir, 0o755);
  return box;
}

const passwdOf = (name: string) =>
  readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`))!
    .split(':');

test("--user nobody: runs as uid 65534 with HOME, USER, LOGNAME; its log is its own; records stay root's; checks verify it and stay quiet; --stop reaches it", {
  skip,
}, async (t) => {
  const box = openBox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--user', 'nobody', '--start-secs', '0.3', '--', fixture('whoami.cjs'), box.path('app.log')];
  const first = await box.run(args);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  const who = await whoRuns(box);
  const pw = passwdOf('nobody');
  assert.deepEqual([who.uid, who.gid, who.HOME, who.USER, who.LOGNAME], [NOBODY, Number(pw[3]), pw[5], 'nobody', 'nobody']);
  await waitUntil(() => readOr(box.path('app.log')).includes('reopened by the program'), 'the program to reopen its own log');
  assert.equal(statSync(box.path('app.log')).uid, NOBODY, 'the log is given to the user');
  for (const record of ['app.pid', 'app.state.json']) assert.equal(statSync(box.path(record)).uid, 0, `${record} stays root's`);

  const again = await box.run(args);
  assert.deepEqual([again.code, again.stderr], [0, ''], 'verified across the uid: a quiet check');
  const status = JSON.parse((await box.run(['--pid', 'app.pid', '--status', '--json'])).stdout);
  assert.deepEqual([status.state, status.pid, status.verified], ['running', pid, true]);
  const stop = await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s']);
  assert.equal(stop.code, 0, stop.stderr);
  await waitUntil(() => !isAlive(pid), 'the stopped program to be gone');
});

test('--user with a user made for the test: its supplementary group is seen by the program; NAME:GROUP sets the primary group', { skip }, async (t) => {
  const box = openBox();
  const tag = `er${process.pid % 100000}`;
  const [user, primary, extra] = [`${tag}u`, `${tag}p`, `${tag}s`];
  execFileSync('groupadd', [primary]);
  execFileSync('groupadd', [extra]);
  execFileSync('useradd', ['-M', '-N', '-g', primary, '-G', extra, '-d', '/nonexistent', '-s', '/usr/sbin/nologin', user]);
  t.after(async () => {
    box.cleanup();
    await waitUntil(() => ![...box.pids].some(isAlive), "the test user's processes to be gone");
    execFileSync('userdel', [user]);
    execFileSync('groupdel', [primary]);
    execFileSync('groupdel', [extra]);
  });
  const gidOf = (name: string) =>
    Number(
      readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`))!
        .split(':')[2],
    );
  const uid = Number(passwdOf(user)[2]);

  const args = ['--pid', 'app.pid', '--user', user, '--start-secs', '0.3', '--', fixture('whoami.cjs')];
  assert.equal((await box.run(args)).code, 0);
  const pid = box.pidOf();
  const who = await whoRuns(box);
  assert.deepEqual([who.uid, who.gid, who.USER], [uid, gidOf(primary), user]);
  assert.ok(who.groups.includes(gidOf(extra)), `the supplementary group ${extra} (${gidOf(extra)}) is in Groups: ${who.groups.join(' ')}`);
  assert.ok(!who.groups.includes(0), "none of root's groups");
  assert.equal((await box.run(['--pid', 'app.pid', '--stop', '--kill-after', '2s'])).code, 0);
  await waitUntil(() => !isAlive(pid), 'the first run to be gone');

  const withGroup = ['--pid', 'app.pid', '--user', `${user}:${extra}`, '--start-secs', '0.3', '--log', 'two.log', '--', fixture('whoami.cjs')];
  assert.equal((await box.run(['--pid', 'app.pid', '--start', ...withGroup.slice(2)])).code, 0);
  box.pidOf();
  const line = await waitUntil(() => lines(readOr(box.path('two.log'))).find((l) => l.startsWith('{')), 'the second run to say who it is');
  const second: Who = JSON.parse(line);
  assert.deepEqual([second.uid, second.gid], [uid, gidOf(extra)]);
  assert.ok(second.groups.includes(gidOf(extra)));
  assert.equal(statSync(box.path('two.log')).gid, gidOf(extra), 'the log is given to the user and the group');
});

test('--user is refused (exit 2, one line, nothing launched) for an unknown user or group, and when not root', { skip }, async (t) => {
  const box = openBox();
  t.after(() => box.cleanup());
  const target = ['--', fixture('whoami.cjs')];
  const noUser = await box.run(['--pid', 'app.pid', '--user', 'no-such-user-here', ...target]);
  assert.deepEqual(
    [noUser.code, noUser.stderr],
    [2, 'ensure-running: --user no-such-user-here: no user "no-such-user-here" in the password database (/etc/passwd, getent passwd)\n'],
  );
  const noGroup = await box.run(['--pid', 'app.pid', '--user', 'nobody:no-such-group-here', ...target]);
  assert.deepEqual(
    [noGroup.code, noGroup.stderr],
    [2, 'ensure-running: --user nobody:no-such-group-here: no group "no-such-group-here" in the group database (/etc/group, getent group)\n'],
  );
  // Not root: the same line from uid 65534 (in a directory it owns).
  execFileSync('chown', [`${NOBODY}:${NOBODY}`, box.dir]);
  const asNobody = await runProcess(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', BIN, '--pid', 'app.pid', '--user', 'daemon', ...target],
    { cwd: box.dir, env: box.env() },
  );
  assert.equal(asNobody.code, 2, asNobody.stderr);
  assert.match(
    asNobody.stderr,
    new RegExp(
      '^ensure-running: --user daemon needs root \\(this call runs as uid 65534\\); put ' +
        "the line in root's crontab, or drop --user and put it in the crontab of daemon\\n$",
    ),
  );
  assert.equal(readOr(box.path('app.pid')), '', 'nothing launched');
});
