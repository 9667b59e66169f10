// One door to the file system: only src/os/door.ts opens, reads, writes, truncates, chowns or
// sets the times of a file by its path. Every other module under src/ may import from node:fs
// only what names or moves a file without opening it (stat, lstat, rename, unlink, mkdir,
// readdir, realpath) and what acts on a descriptor the door handed out. The door itself opens
// records with O_NOFOLLOW|O_NONBLOCK and checks them on the descriptor (test/e2e/planted.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers.ts';

const SRC = join(ROOT, 'src');
const DOOR = 'src/os/door.ts';

/** What a module may take from node:fs besides the door: nothing here opens a file by its path. */
const ALLOWED = new Set([
  // look at a path or move a name, never open it (rename and unlink act on a link itself)
  'statSync',
  'lstatSync',
  'existsSync',
  'accessSync',
  'realpathSync',
  'readlinkSync',
  'readdirSync',
  'mkdirSync',
  'renameSync',
  'unlinkSync',
  'rmSync',
  // act on a descriptor the door handed out
  'closeSync',
  'writeSync',
  'fstatSync',
  'constants',
  // types
  'Stats',
  'BigIntStats',
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The names a module imports from node:fs, or the reason its import cannot be checked. */
function fsImports(text: string): { names: string[]; bad: string[] } {
  const names: string[] = [];
  const bad: string[] = [];
  for (const match of text.matchAll(/import\s+(type\s+)?([^;]*?)\s+from\s+'(node:)?(fs|fs\/promises)'/g)) {
    const [whole, , what, , module] = match as unknown as [string, string | undefined, string, string | undefined, string];
    if (module === 'fs/promises') {
      bad.push(`${whole}: node:fs/promises opens files by path`);
      continue;
    }
    const named = /^\{([^}]*)\}$/s.exec(what.trim());
    if (!named) {
      bad.push(`${whole}: import the names, so that this test can check them`);
      continue;
    }
    for (const part of named[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]!;
      if (name) names.push(name);
    }
  }
  if (/\brequire\(\s*'(node:)?fs/.test(text) || /import\(\s*'(node:)?fs/.test(text)) bad.push('a dynamic import of node:fs');
  return { names, bad };
}

const files = sources(SRC);

test('the file door scan sees the modules it must (a scan that finds nothing proves nothing)', () => {
  const paths = files.map((file) => relative(ROOT, file));
  for (const known of [DOOR, 'src/os/launch.ts', 'src/os/log-rotate.ts', 'src/notify/jobs.ts', 'src/notify/runner.ts', 'src/heartbeat.ts'])
    assert.ok(paths.includes(known), `${known} is scanned`);
  assert.ok(fsImports(readFileSync(join(ROOT, DOOR), 'utf8')).names.includes('openSync'), 'the door itself opens files');
});

for (const file of files) {
  const path = relative(ROOT, file);
  if (path === DOOR) continue;
  test(`file door: ${path} opens no file by its path`, () => {
    const { names, bad } = fsImports(readFileSync(file, 'utf8'));
    assert.deepEqual(bad, [], `${path}: an import from node:fs that cannot be checked`);
    const opening = names.filter((name) => !ALLOWED.has(name));
    assert.deepEqual(opening, [], `${path} imports ${opening.join(', ')} from node:fs: open files through src/os/door.ts`);
  });
}
