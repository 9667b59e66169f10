// The full check's bundle is compiled with the V8 code cache the build made (dist/check.cjs.cache,
// src/cli/code-cache.ts), and only with one it may trust: a regular file of the bundle's owner
// that no one else may write, made for this very build. Anything else is compiled as without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { NODE, ROOT, Sandbox, rootOnly } from '../helpers.ts';
import { BUILD_LINE, BUNDLE_OPENING, CACHED_SCRIPT_NAME, CACHE_HEADER, cacheHeaderFor } from '../../src/cli/code-cache.ts';

const BUNDLE = join(ROOT, 'dist', 'check.cjs');
const built = existsSync(`${BUNDLE}.cache`) || 'npm run build first';

/** A copy of the built bundle and its cache in a sandbox; returns the bundle's path there. */
function copyOfBundle(box: Sandbox): string {
  const file = box.path('check.cjs');
  copyFileSync(BUNDLE, file);
  copyFileSync(`${BUNDLE}.cache`, `${file}.cache`);
  chmodSync(`${file}.cache`, 0o644);
  return file;
}

const LOADER = join(ROOT, 'src', 'cli', 'code-cache.ts');

/**
 * Loads `file` with its cache in a fresh node (V8 keeps what one process compiled and would
 * answer a second load of the same text from memory, cache or not), as `loaded`, then runs
 * `then` (module code); returns what it printed.
 */
function loadThen(file: string, then: string): string {
  const script =
    `import { createRequire } from 'node:module';\n` +
    `import { requireWithCache } from ${JSON.stringify(LOADER)};\n` +
    `const loaded = requireWithCache(${JSON.stringify(file)}, createRequire(${JSON.stringify(file)}));\n${then}`;
  const run = spawnSync(NODE, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

/** What a fresh node makes of the bundle's cache: used, rejected, refused, absent, or not read. */
function loads(file: string): string {
  return loadThen(file, "console.log(loaded === null ? 'not read' : typeof loaded.exports.runCall === 'function' ? loaded.cache : 'no runCall');\n");
}

/** The build id a bundle's text ends with (scripts/build.mjs writes it last). */
function idOf(text: string): string {
  const id = text.slice(text.lastIndexOf(BUILD_LINE) + BUILD_LINE.length).trim();
  assert.match(id, /^[0-9a-f]{16,64}$/);
  return id;
}

/** The header of a cache made for the build `id`. */
const headerOf = (id: string): string => cacheHeaderFor(`bundle\n${BUILD_LINE}${id}\n`)!;

test('code cache: the built bundle is compiled from the cache the build made for it', { skip: built !== true && built }, (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  assert.equal(loads(BUNDLE), 'used');
  const file = copyOfBundle(box);
  assert.equal(loads(file), 'used', 'a copy of both files');
  unlinkSync(`${file}.cache`);
  assert.equal(loads(file), 'absent');
});

test("code cache: one that others may write, that is a link, or that is not this build's is not used", { skip: built !== true && built }, (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const file = copyOfBundle(box);
  for (const mode of [0o664, 0o646]) {
    chmodSync(`${file}.cache`, mode);
    assert.equal(loads(file), 'refused', `mode ${mode.toString(8)}`);
  }
  chmodSync(`${file}.cache`, 0o644);

  // A link to a cache of the same build, owned and kept as it should be.
  renameSync(`${file}.cache`, box.path('kept.cache'));
  symlinkSync(box.path('kept.cache'), `${file}.cache`);
  assert.equal(loads(file), 'refused', 'a link');
  unlinkSync(`${file}.cache`);
  renameSync(box.path('kept.cache'), `${file}.cache`);
  assert.equal(loads(file), 'used');

  // The bundle of another build (same length, another id): the cache names the one it was made for.
  const text = readFileSync(file, 'utf8');
  const id = idOf(text);
  assert.ok(text.endsWith(`${BUILD_LINE}${id}\n`));
  const other = id.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  writeFileSync(file, `${text.slice(0, -id.length - 1)}${other}\n`);
  assert.equal(loads(file), 'refused', 'another build id');
  writeFileSync(file, text);
  assert.equal(loads(file), 'used');

  // This build's header over data that V8 cannot take: V8 refuses it, the bundle compiles anyway.
  writeFileSync(`${file}.cache`, `${headerOf(id)}not a code cache`, { mode: 0o644 });
  assert.equal(loads(file), 'rejected');
});

test("code cache: V8's data starts 8-byte aligned, which V8 reads in place (it copies data that is not)", { skip: built !== true && built }, (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  for (const id of ['0123456789abcdef', 'a'.repeat(21), 'b'.repeat(32), 'c'.repeat(37), 'd'.repeat(64)]) {
    const header = headerOf(id);
    assert.equal(header.length % 8, 0, `the header for an id of ${id.length}`);
    assert.match(header, new RegExp(`^${CACHE_HEADER}${id} *\n$`));
  }
  // No header for a bundle that names no build: no cache is ever trusted for it.
  for (const text of ['bundle\n', `bundle\n${BUILD_LINE}not-an-id\n`, `bundle${BUILD_LINE}0123456789abcdef\n`, `bundle\n${BUILD_LINE}${'e'.repeat(65)}\n`])
    assert.equal(cacheHeaderFor(text), null, JSON.stringify(text));
  const id = idOf(readFileSync(BUNDLE, 'latin1'));
  assert.equal(readFileSync(`${BUNDLE}.cache`).toString('latin1', 0, headerOf(id).length), headerOf(id), 'the built cache opens so');
  // A cache that opens without the padding (as builds before it wrote theirs) is not read at the wrong place.
  const file = copyOfBundle(box);
  const data = readFileSync(`${file}.cache`).subarray(headerOf(id).length);
  writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(`${CACHE_HEADER}${id}\n`, 'latin1'), data]), { mode: 0o644 });
  assert.equal(loads(file), 'refused');
});

test("code cache: a cache owned by another user than the bundle's is not used", { skip: (built !== true && built) || rootOnly('chown') }, (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const file = copyOfBundle(box);
  chownSync(`${file}.cache`, 65534, 65534);
  assert.equal(loads(file), 'refused');
});

test('code cache: a stack trace through the bundle compiled from its cache names the bundle, not the path it was built in', {
  skip: built !== true && built,
}, (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const file = copyOfBundle(box);
  // runCall hands a call that is not a plain check to the full CLI: the error made there has runCall's frame under it.
  const printed = loadThen(
    file,
    "const error = await loaded.exports.runCall(['--status'], () => { throw new Error('the full CLI'); }).catch((e) => e);\n" +
      'console.log(JSON.stringify({ cache: loaded.cache, stack: error.stack }));\n',
  );
  const { cache, stack } = JSON.parse(printed) as { cache: string; stack: string };
  assert.equal(cache, 'used');
  const frame = stack.split('\n').find((line) => line.includes('runCall'));
  assert.ok(frame?.includes(`(${CACHED_SCRIPT_NAME}:`), `the bundle's frame: ${stack}`);
  assert.ok(!stack.includes('dist.build-'), stack);
});

test('code cache: the bundle wraps itself, so that it is compiled as it is on disk, and still runs when require()d', { skip: built !== true && built }, (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  assert.ok(readFileSync(BUNDLE, 'latin1').startsWith(BUNDLE_OPENING), 'dist/check.cjs opens as src/cli/code-cache.ts expects');
  const file = copyOfBundle(box);
  // Node 22.1+ require()s it (with its own compile cache), as do the entries when the bundle cannot be read in place.
  const script = `const loaded = require(${JSON.stringify(file)}); console.log(typeof loaded.runCall);`;
  const run = spawnSync(NODE, ['-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'function');
  // Opened otherwise (a bundle of another layout), it is not compiled in place but left to require().
  writeFileSync(file, readFileSync(file, 'latin1').slice(BUNDLE_OPENING.length - 1), 'latin1');
  assert.equal(loads(file), 'not read');
});
