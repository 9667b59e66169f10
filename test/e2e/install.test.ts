// --install and --uninstall: the line --crontab prints goes into a real crontab (a user's,
// through Debian's crontab command, as a user the test creates) or root's own file in a
// cron.d directory, under a marker; other lines stay byte for byte, a second --install
// changes nothing, --uninstall takes out exactly that line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BIN, Sandbox, fixture, runProcess } from '../helpers.ts';
import { needs } from '../tools.ts';

const root = process.getuid?.() === 0;

const BEFORE = 'MAILTO=""\n# my own jobs\n*/5 * * * * /bin/true first\n';
const AFTER = '0 4 * * * /bin/true last # keep me\n';

test('--install adds the line to a user crontab under a marker, once; --uninstall takes out exactly it', {
  skip: (!root && 'needs root (creates a user)') || needs('crontab'),
}, async (t) => {
  const box = new Sandbox();
  const user = `er-cron-${process.pid % 100000}`;
  execFileSync('useradd', ['-M', '-N', '-d', box.dir, '-s', '/bin/sh', user]);
  t.after(() => {
    spawnSync('crontab', ['-r', '-u', user], { stdio: 'ignore' });
    spawnSync('userdel', [user], { stdio: 'ignore' });
    box.cleanup();
  });
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
  chownSync(box.dir, uid, gid);
  copyFileSync(fixture('forever.js'), box.path('server.js'));
  chmodSync(box.path('server.js'), 0o755);
  const crontab = () => execFileSync('crontab', ['-l', '-u', user], { encoding: 'utf8' });
  // Lines before and after, as the user keeps them: a second install must land between nothing and touch neither.
  execFileSync('crontab', ['-u', user, '-'], { input: BEFORE + AFTER });
  const original = crontab();
  const asUser = (args: string[]) =>
    runProcess('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', BIN, ...args], { cwd: box.dir, env: box.env() });
  const args = ['--pid', 'app.pid', '--start-secs', '0.2', '--', './server.js'];

  const printed = await asUser(['--crontab', ...args]);
  assert.equal(printed.code, 0, printed.stderr);
  const line = printed.stdout.split('\n').find((l) => /^\* \* \* \* \* /.test(l))!;
  assert.match(line, / --schedule '\* \* \* \* \*' /, 'the line records its schedule, so that --status notices a stopped cron');

  const added = await asUser(['--install', ...args]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, new RegExp(`^app: added to the crontab of ${user}:`));
  const marker = `# ensure-running --install: --pid ${box.path('app.pid')}`;
  assert.equal(crontab(), `${original}${marker}\n${line}\n`, 'appended after the other lines, which are unchanged');

  const again = await asUser(['--install', ...args]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already in the crontab of .*; unchanged/);
  assert.equal(crontab(), `${original}${marker}\n${line}\n`, 'a second --install adds nothing');

  // The user adds a line of their own after ours; a changed option updates our line in place.
  execFileSync('crontab', ['-u', user, '-'], { input: `${crontab()}${AFTER}` });
  const changed = await asUser(['--install', '--pid', 'app.pid', '--start-secs', '0.3', '--', './server.js']);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /updated in the crontab/);
  const updated = crontab().split('\n');
  assert.equal(updated.filter((l) => l.includes('ensure-running')).length, 2, 'one marker and one line');
  assert.equal(updated[updated.indexOf(marker) + 1], line.replace('--start-secs 0.2', '--start-secs 0.3'));
  assert.ok(crontab().startsWith(original) && crontab().endsWith(AFTER), 'the lines before and after are untouched');

  const removed = await asUser(['--uninstall', '--pid', 'app.pid']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /^app: removed from the crontab of /);
  assert.equal(crontab(), original + AFTER, 'exactly the marker and our line are gone');
  const twice = await asUser(['--uninstall', '--pid', 'app.pid']);
  assert.equal(twice.code, 0);
  assert.match(twice.stdout, /nothing to remove/);
  assert.equal(crontab(), original + AFTER);

  // Root with --user NAME: the line goes into NAME's crontab, and runs as NAME (so without --user).
  const forUser = await box.run(['--install', '--user', user, ...args]);
  assert.equal(forUser.code, 0, forUser.stderr);
  assert.match(forUser.stdout, new RegExp(`added to the crontab of ${user}`));
  assert.equal(crontab(), `${original}${AFTER}${marker}\n${line}\n`, 'the same line as the user installs');
  const gone = await box.run(['--uninstall', '--user', user, '--pid', 'app.pid']);
  assert.equal(gone.code, 0, gone.stderr);
  assert.equal(crontab(), original + AFTER);

  // The line --crontab printed, pasted by hand before --install existed: --uninstall with the line's options finds it.
  execFileSync('crontab', ['-u', user, '-'], { input: `${original}${line}\n${AFTER}` });
  const bare = await asUser(['--uninstall', '--pid', 'app.pid']);
  assert.match(bare.stderr, /line 5 of the crontab of .* also names .*without the --install marker; left as it is/);
  assert.equal(crontab(), `${original}${line}\n${AFTER}`, 'without the options, an unmarked line is only pointed at');
  const pasted = await asUser(['--uninstall', ...args]);
  assert.equal(pasted.code, 0, pasted.stderr);
  assert.match(pasted.stdout, /^app: removed from the crontab of /);
  assert.equal(crontab(), original + AFTER);
});

test('root: --install writes a cron.d file of its own with the user field; --uninstall removes it', { skip: !root && 'needs root' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const cronD = box.path('cron.d');
  mkdirSync(cronD);
  writeFileSync(`${cronD}/other`, '* * * * * root /bin/true\n');
  const env = box.env({ ENSURE_RUNNING_CRON_D: cronD });
  copyFileSync(fixture('forever.js'), box.path('server.js'));
  chmodSync(box.path('server.js'), 0o755);
  const config = box.path('apps.toml');
  writeFileSync(config, '[programs.web]\ncommand = ["./server.js"]\n');
  const added = await box.run(['--config', config, '--install'], { env });
  assert.equal(added.code, 0, added.stderr);
  const files = readdirSync(cronD).filter((f) => f !== 'other');
  assert.equal(files.length, 1, 'one file of its own');
  assert.match(files[0]!, /^ensure-running-apps-[0-9a-f]{8}$/, 'a name cron accepts (no dot)');
  const text = readFileSync(`${cronD}/${files[0]}`, 'utf8');
  const [marker, line, ...rest] = text.split('\n');
  assert.equal(marker, `# ensure-running --install: --config ${config}`);
  assert.match(line!, new RegExp(`^\\* \\* \\* \\* \\* root PATH=\\S+ \\S+ --config ${config} --schedule '\\* \\* \\* \\* \\*'$`));
  assert.deepEqual(rest, ['']);
  const again = await box.run(['--config', config, '--install'], { env });
  assert.match(again.stdout, /unchanged/);
  assert.equal(readFileSync(`${cronD}/${files[0]}`, 'utf8'), text);
  const removed = await box.run(['--config', config, '--uninstall'], { env });
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(readdirSync(cronD), ['other'], 'our file is gone, the other one stays');
  assert.equal(readFileSync(`${cronD}/other`, 'utf8'), '* * * * * root /bin/true\n');
});

test('--install refuses a command that does not resolve, and writes nothing', { skip: !root && 'needs root' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  mkdirSync(box.path('cron.d'));
  const out = await box.run(['--install', '--pid', 'app.pid', '--', 'no-such-command-er'], { env: box.env({ ENSURE_RUNNING_CRON_D: box.path('cron.d') }) });
  assert.equal(out.code, 2);
  assert.match(out.stderr, /no-such-command-er/);
  assert.deepEqual(readdirSync(box.path('cron.d')), []);
});
