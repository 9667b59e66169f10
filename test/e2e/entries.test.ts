// The two entries into node: bin/ensure-running.js (the node path) verifies the
// quiet promise itself and answers from it; dist/full.cjs, which the front door execs once it
// has verified the promise, runs the full check at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, lchownSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JS_BIN, NODE, ROOT, Sandbox, atProcessEnd, fixture, lines, preloaded, runProcess } from '../helpers.ts';
import { CACHE_HEADER } from '../../src/cli/code-cache.ts';

const DIST = join(ROOT, 'dist');
const built = existsSync(join(DIST, 'full.cjs')) || 'npm run build first';
/** The front door's first argument to node: dist/full.cjs by the path given, not resolved again. */
const PRESERVE = '--preserve-symlinks-main';

/** A node stand-in for the front door (nothing recorded yet): it writes the arguments it was given, one a line, and exits 0. */
function recorder(box: Sandbox): { env: NodeJS.ProcessEnv; ran: () => string[] | null } {
  const record = box.path('node-ran');
  const file = box.path('node-recorder');
  rmSync(record, { force: true });
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\n`, { mode: 0o755 });
  return { env: { ENSURE_RUNNING_NODE: file }, ran: () => (existsSync(record) ? lines(readFileSync(record, 'utf8')) : null) };
}

test('the front door execs dist/full.cjs when the promise does not answer, and with ENSURE_RUNNING_NO_FAST_PATH', {
  skip: built !== true && built,
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  const node = recorder(box);
  // No promise yet.
  const first = await box.run(args, { env: box.env(node.env) });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(node.ran(), [PRESERVE, `${ROOT}/bin/../dist/full.cjs`, ...args]);

  // A promise that answers this call: the front door answers; told to skip it, it goes to full.cjs.
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  assert.deepEqual(await box.run(args), { code: 0, signal: null, stdout: '', stderr: '' }, 'the quiet full check');
  const door = recorder(box);
  assert.equal((await box.run(args, { env: box.env(door.env) })).code, 0);
  assert.equal(door.ran(), null, 'answered from the promise, without node');
  const skipped = await box.run(args, { env: box.env({ ...door.env, ENSURE_RUNNING_NO_FAST_PATH: '1' }) });
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.deepEqual(door.ran(), [PRESERVE, `${ROOT}/bin/../dist/full.cjs`, ...args]);
});

test('bin/ensure-running.js answers a check from the promise; dist/full.cjs runs the full check, which records it', {
  skip: built !== true && built,
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  assert.deepEqual(await box.run(args), { code: 0, signal: null, stdout: '', stderr: '' }, 'the quiet full check');
  // A full check that gives the promise sets the records' mtimes to the second before it (docs/quiet-promise.md);
  // older ones do not stop the promise from answering.
  const hourAgo = Date.now() / 1000 - 3600;
  utimesSync(box.path('app.state.json'), hourAgo, hourAgo);
  const records = () => ({ state: readFileSync(box.path('app.state.json'), 'utf8'), mtimeMs: statSync(box.path('app.state.json')).mtimeMs });
  const before = records();
  const node = (entry: string) => runProcess(NODE, [entry, ...args], { cwd: box.dir, env: box.env() });

  assert.deepEqual(await node(JS_BIN), { code: 0, signal: null, stdout: '', stderr: '' });
  assert.deepEqual(records(), before, 'bin/ensure-running.js: answered from the promise, its records untouched');

  assert.deepEqual(await node(join(DIST, 'full.cjs')), { code: 0, signal: null, stdout: '', stderr: '' });
  assert.ok(records().mtimeMs > Date.now() - 5000, 'full.cjs: the full check gave the promise afresh');
});

test('bin/ensure-running.js holds the verifier and no loader: it requires dist/full.cjs only when the promise does not answer', {
  skip: built !== true && built,
}, async (t) => {
  const nodePath = readFileSync(JS_BIN, 'utf8');
  assert.ok(!nodePath.includes(CACHE_HEADER), 'the loader of the code cache is in full.cjs alone');
  assert.match(nodePath, /require\("\.\.\/dist\/full\.cjs"\)/);
  assert.ok(!existsSync(join(DIST, 'fast.cjs')), 'no second copy of the verifier in dist/');
  assert.ok(readFileSync(join(DIST, 'full.cjs'), 'utf8').includes(CACHE_HEADER));
  // The node path's full check goes through it: a launch.
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const launched = await runProcess(NODE, [JS_BIN, '--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')], { cwd: box.dir, env: box.env() });
  assert.equal(launched.code, 0, launched.stderr);
  assert.match(launched.stderr, /started/);
  box.pidOf();
});

test("the front door's full check: node takes dist/full.cjs by the path the front door gives, resolving none of its directories again", {
  skip: built !== true && built,
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // Each path node's own realpathSync was asked for (its loader resolves a main file so, lstat by lstat).
  const resolved = preloaded(
    box,
    'realpaths',
    (notes) => `const fs = require('node:fs');
const realpathSync = fs.realpathSync;
fs.realpathSync = function (path, ...rest) {
  fs.appendFileSync(${notes}, String(path) + '\\n');
  return realpathSync.call(this, path, ...rest);
};
`,
  );
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  const env = { ...resolved.env, ENSURE_RUNNING_NO_FAST_PATH: '1' };
  const launched = await box.run(args, { env });
  assert.equal(launched.code, 0, launched.stderr);
  assert.match(launched.stderr, /started/, 'a launch');
  box.pidOf();
  assert.deepEqual(await box.run(args, { env }), { code: 0, signal: null, stdout: '', stderr: '' }, 'the quiet full check');
  // (The launched program, a node script, resolves its own.)
  const ours = () => resolved.take().filter((path) => path.startsWith(`${ROOT}/`) && !path.startsWith(`${ROOT}/test/`));
  assert.deepEqual(ours(), [], 'no path of ours resolved with realpath in either');
  // The preload works: node run on full.cjs without the front door resolves it.
  assert.equal((await runProcess(NODE, [join(DIST, 'full.cjs'), ...args], { cwd: box.dir, env })).code, 0);
  assert.ok(ours().includes(join(DIST, 'full.cjs')), 'resolved when run by node directly');
});

test('node bin/ensure-running.js reads one file of ours when the promise answers: itself, the verifier bundled in', {
  skip: built !== true && built,
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // The CommonJS modules node loaded, noted at the process's end.
  const loads = preloaded(box, 'cjs-loads', (notes) =>
    atProcessEnd(`require('node:fs').appendFileSync(${notes}, Object.keys(require.cache).join('\\n') + '\\n');`),
  );
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  assert.equal((await box.run(args)).code, 0);
  box.pidOf();
  assert.equal((await box.run(args)).code, 0, 'the quiet full check gives the promise');
  loads.take();
  assert.deepEqual(await runProcess(NODE, [JS_BIN, ...args], { cwd: box.dir, env: loads.env }), { code: 0, signal: null, stdout: '', stderr: '' });
  const ours = loads.take().filter((file) => file.startsWith(`${ROOT}/`));
  assert.deepEqual(ours, [JS_BIN], 'answered from the promise');
  // Told to skip the promise, it goes on to dist/full.cjs (the full CLI's way in).
  const skipped = await runProcess(NODE, [JS_BIN, ...args], { cwd: box.dir, env: { ...loads.env, ENSURE_RUNNING_NO_FAST_PATH: '1' } });
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.deepEqual(
    loads.take().filter((file) => file.startsWith(`${ROOT}/`)),
    [JS_BIN, join(DIST, 'full.cjs')],
  );
});

test("through npm's links (a global install, a project's node_modules/.bin) the front door finds the package without starting readlink; any other link it follows", {
  skip: built !== true && built,
}, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['--pid', 'app.pid', '--start-secs', '0', '--', fixture('forever.js')];
  // readlink as the front door finds it on PATH: it notes each call, then does its work.
  const tools = box.path('tools');
  mkdirSync(tools);
  const readlinks = box.path('readlink-ran');
  writeFileSync(join(tools, 'readlink'), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${readlinks}'\nexec /usr/bin/readlink "$@"\n`, { mode: 0o755 });
  const calledReadlink = (): string[] => {
    const called = existsSync(readlinks) ? lines(readFileSync(readlinks, 'utf8')) : [];
    rmSync(readlinks, { force: true });
    return called;
  };
  const through = async (command: string) => {
    const node = recorder(box);
    const env = box.env({ ...node.env, ENSURE_RUNNING_NO_FAST_PATH: '1', PATH: `${tools}:${box.env().PATH}` });
    const ran = await runProcess(command, args, { cwd: box.dir, env });
    assert.equal(ran.code, 0, ran.stderr);
    return { node: node.ran(), readlink: calledReadlink() };
  };

  // npm install --global: PREFIX/bin/ensure-running -> ../lib/node_modules/ensure-running/bin/ensure-running.
  const prefix = box.path('prefix');
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(join(prefix, 'lib', 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(prefix, 'lib', 'node_modules', 'ensure-running'));
  symlinkSync('../lib/node_modules/ensure-running/bin/ensure-running', join(prefix, 'bin', 'ensure-running'));
  assert.deepEqual(await through(join(prefix, 'bin', 'ensure-running')), {
    node: [PRESERVE, `${prefix}/bin/../lib/node_modules/ensure-running/bin/../dist/full.cjs`, ...args],
    readlink: [],
  });

  // npm install in a project: node_modules/.bin/ensure-running -> ../ensure-running/bin/ensure-running.
  const project = box.path('project', 'node_modules');
  mkdirSync(join(project, '.bin'), { recursive: true });
  symlinkSync(ROOT, join(project, 'ensure-running'));
  symlinkSync('../ensure-running/bin/ensure-running', join(project, '.bin', 'ensure-running'));
  assert.deepEqual(await through(join(project, '.bin', 'ensure-running')), {
    node: [PRESERVE, `${project}/.bin/../ensure-running/bin/../dist/full.cjs`, ...args],
    readlink: [],
  });

  // A link of the operator's own, beside another copy laid out as npm's would be: the link is
  // followed to its own package, never the copy that merely sits where npm's would.
  const own = box.path('own');
  mkdirSync(join(own, 'bin'), { recursive: true });
  mkdirSync(join(own, 'lib', 'node_modules', 'ensure-running', 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin', 'ensure-running'), join(own, 'lib', 'node_modules', 'ensure-running', 'bin', 'ensure-running'));
  symlinkSync(join(ROOT, 'bin', 'ensure-running'), join(own, 'bin', 'ensure-running'));
  assert.deepEqual(await through(join(own, 'bin', 'ensure-running')), {
    node: [PRESERVE, `${ROOT}/bin/../dist/full.cjs`, ...args],
    readlink: [join(own, 'bin', 'ensure-running')],
  });

  // Another user who may write where npm's copy would be, though not the link: a package whose
  // bin/ is a link to the real one (so that its front door is the very file) and whose dist/ is
  // theirs. Node would read BIN/../dist as DIR/dist, theirs: the link is followed instead.
  const planted = box.path('planted');
  mkdirSync(join(planted, 'bin'), { recursive: true });
  mkdirSync(join(planted, 'lib', 'node_modules', 'ensure-running', 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'bin'), join(planted, 'lib', 'node_modules', 'ensure-running', 'bin'));
  writeFileSync(join(planted, 'lib', 'node_modules', 'ensure-running', 'dist', 'full.cjs'), 'process.exit(99);\n');
  symlinkSync(join(ROOT, 'bin', 'ensure-running'), join(planted, 'bin', 'ensure-running'));
  // Run by root: that user's (65534) files, in that user's directory.
  if (process.getuid?.() === 0) {
    const theirs = join(planted, 'lib');
    for (const path of [
      '',
      'node_modules',
      'node_modules/ensure-running',
      'node_modules/ensure-running/bin',
      'node_modules/ensure-running/dist',
      'node_modules/ensure-running/dist/full.cjs',
    ])
      lchownSync(join(theirs, path), 65534, 65534);
  }
  assert.deepEqual(await through(join(planted, 'bin', 'ensure-running')), {
    node: [PRESERVE, `${ROOT}/bin/../dist/full.cjs`, ...args],
    readlink: [join(planted, 'bin', 'ensure-running')],
  });

  // The global install's link, for real: node runs the package it leads to.
  const real = await runProcess(join(prefix, 'bin', 'ensure-running'), args, { cwd: box.dir, env: box.env({ PATH: `${tools}:${box.env().PATH}` }) });
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stderr, /started/);
  box.pidOf();
  assert.deepEqual(calledReadlink(), []);
});
