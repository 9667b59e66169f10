// The published package: npm pack, a global install into a temporary prefix with no network
// and an empty npm cache (the package needs nothing but itself), then a real check / status /
// stop round trip run from the installed copy, not from the working tree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Sandbox, fixture, isAlive, runProcess, waitUntil } from '../helpers.ts';

interface PackedFile {
  path: string;
}

test('npm pack ships what the CLI needs and nothing else; the installed copy guards a program', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

  // dist/ is built by `npm test` before the suites run; --ignore-scripts keeps pack from rebuilding it.
  const packed = await runProcess('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', box.dir], { cwd: ROOT, env: npmEnv, timeoutMs: 60_000 });
  assert.equal(packed.code, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: PackedFile[] }[];
  assert.ok(info);
  const paths = info.files.map((file) => file.path);

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
    scripts: Record<string, string>;
    bin: Record<string, string>;
    exports: Record<string, Record<string, string>>;
  };
  const needed = [
    'README.md',
    'CHANGELOG.md',
    'crontab.example',
    'docs/getting-started.md',
    'docs/guarantees.md',
    'examples/programs.toml',
    'bin/package.json',
    // The node path, made by the build (kept out of git): the package must still carry it.
    'bin/ensure-running.js',
    'dist/full.cjs',
    'dist/cli.js',
    ...Object.values(pkg.bin),
  ];
  for (const target of Object.values(pkg.exports).flatMap((entry) => Object.values(entry))) needed.push(target.replace(/^\.\//, ''));
  for (const path of needed) assert.ok(paths.includes(path), `${path} is missing from the package`);
  const stray = paths.filter(
    (path) =>
      !/^(bin|dist|docs)\//.test(path) && !['package.json', 'README.md', 'CHANGELOG.md', 'crontab.example', 'examples/programs.toml', 'LICENSE'].includes(path),
  );
  assert.deepEqual(stray, [], 'only bin/, dist/, the docs and the example config are published');
  assert.ok(
    paths.some((path) => path.startsWith('dist/chunks/')),
    'the lazily loaded chunks are published',
  );

  // Nothing to fetch, nothing to build at install time: no runtime dependencies, no install scripts.
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'what the CLI needs is bundled in dist/, not installed from the registry');
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
    assert.equal(pkg.scripts[script], undefined, `no ${script} script runs when the tarball is installed`);

  // Offline: an empty cache and --offline, and as root also a network namespace with no network at all.
  const prefix = box.path('prefix');
  const npmArgs = [
    'install',
    '--global',
    '--prefix',
    prefix,
    '--offline',
    '--cache',
    box.path('npm-cache'),
    '--no-audit',
    '--no-fund',
    join(box.dir, info.filename),
  ];
  // (A container may refuse a network namespace even to root: then --offline and the empty cache alone.)
  const noNetwork = process.getuid?.() === 0 && spawnSync('unshare', ['--net', 'true']).status === 0;
  const installed = await runProcess(noNetwork ? 'unshare' : 'npm', noNetwork ? ['--net', 'npm', ...npmArgs] : npmArgs, {
    cwd: box.dir,
    env: npmEnv,
    timeoutMs: 60_000,
  });
  assert.equal(installed.code, 0, installed.stderr);

  const bin = join(prefix, 'bin', 'ensure-running');
  const home = join(prefix, 'lib', 'node_modules', 'ensure-running');
  assert.equal(realpathSync(bin), join(home, 'bin', 'ensure-running'), "the command is the installed copy's front door");
  const run = (args: string[]) => runProcess(bin, args, { cwd: box.dir, env: box.env(), timeoutMs: 30_000 });

  const version = await run(['--version']);
  assert.deepEqual([version.code, version.stdout.trim()], [0, pkg.version]);
  const nodePath = await runProcess(process.execPath, [join(home, 'bin', 'ensure-running.js'), '--version'], {
    cwd: box.dir,
    env: box.env(),
    timeoutMs: 30_000,
  });
  assert.deepEqual([nodePath.code, nodePath.stdout.trim()], [0, pkg.version], "the installed copy's node path");
  const help = await run(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--pid/);
  assert.ok(help.stdout.includes(`Guides: ${join(home, 'docs')} `), `--help names the installed copy's docs: ${help.stdout}`);

  // npm links the man page beside the command, where man finds it from PATH alone.
  const manPage = join(prefix, 'share', 'man', 'man1', 'ensure-running.1');
  assert.ok(existsSync(manPage), 'npm installed the man page named in package.json');
  if (spawnSync('sh', ['-c', 'command -v man']).status === 0) {
    const env = { PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`, HOME: box.dir, LANG: 'C' };
    const found = spawnSync('man', ['-w', 'ensure-running'], { encoding: 'utf8', env });
    assert.equal(found.status, 0, `man -w ensure-running: ${found.stderr}`);
    assert.equal(realpathSync(found.stdout.trim()), realpathSync(manPage));
  }
  assert.ok(!existsSync(join(home, 'node_modules')), 'the installed copy has no node_modules of its own');

  // The lazily loaded parts run from the bundle: smol-toml and cron-parser (the example config
  // file, whose programs have schedules), and the lease clients (a store that refuses: one line, exit 1).
  const example = await run(['--check-config', join(home, 'examples', 'programs.toml')]);
  assert.deepEqual([example.code, example.stderr], [0, '']);
  for (const url of ['postgres://app@127.0.0.1:1/app', 'redis://127.0.0.1:1']) {
    const lease = await run(['--pid', 'lease.pid', '--lease', url, '--lease-name', 'app', '--', process.execPath, fixture('forever.js')]);
    assert.equal(lease.code, 1, lease.stderr);
    assert.doesNotMatch(lease.stderr, /Cannot find|ERR_MODULE_NOT_FOUND|internal error/, url);
    assert.match(lease.stderr, /lease store unreachable/, url);
  }

  const command = ['--', process.execPath, fixture('forever.js')];
  const first = await run(['--pid', 'app.pid', ...command]);
  assert.equal(first.code, 0, first.stderr);
  const pid = box.pidOf();
  assert.match(first.stderr, new RegExp(`app: started \\(pid ${pid}\\)`));
  const healthy = await run(['--pid', 'app.pid', ...command]);
  assert.deepEqual([healthy.code, healthy.stdout, healthy.stderr], [0, '', '']);

  const status = await run(['--pid', 'app.pid', '--status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const json = JSON.parse(status.stdout) as { state: string; pid: number };
  assert.deepEqual([json.state, json.pid], ['running', pid]);

  const stop = await run(['--pid', 'app.pid', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  await waitUntil(() => !isAlive(pid), `pid ${pid} to stop`);
  const after = await run(['--pid', 'app.pid', '--status']);
  assert.equal(after.code, 3, after.stdout);
});
