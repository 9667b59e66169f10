// The directory rule (src/core/dir-safety.ts), one row per case, and its walk from / on real
// directories (src/os/dir-safety.ts): links followed in place, every directory on the way judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doubtText, judgeDirectory } from '../../src/core/dir-safety.ts';
import { unsafeDirectory } from '../../src/os/dir-safety.ts';

const ME = 1000;
const ROWS: [string, { uid: number; mode: number }, { path: string; uid: number } | null, string | null][] = [
  ['root 755 → safe', { uid: 0, mode: 0o40755 }, { path: '/d/e', uid: 5 }, null],
  ["the user's own 700 → safe", { uid: ME, mode: 0o40700 }, null, null],
  ["another user's 755 → owner", { uid: 5, mode: 0o40755 }, { path: '/d/e', uid: ME }, 'owner'],
  ['root 775 → writable', { uid: 0, mode: 0o40775 }, { path: '/d/e', uid: ME }, 'writable'],
  ['root 757 → writable', { uid: 0, mode: 0o40757 }, null, 'writable'],
  ["sticky 1777 on the way to the user's entry → safe", { uid: 0, mode: 0o41777 }, { path: '/d/e', uid: ME }, null],
  ["sticky 1777 on the way to root's entry → safe", { uid: 0, mode: 0o41777 }, { path: '/d/e', uid: 0 }, null],
  ["sticky 1777 on the way to another user's entry → owner (of the entry)", { uid: 0, mode: 0o41777 }, { path: '/d/e', uid: 5 }, 'owner'],
  ['sticky 1777 as the last directory (files the user created) → safe', { uid: 0, mode: 0o41777 }, null, null],
  ["another user's sticky 1777 → owner", { uid: 5, mode: 0o41777 }, { path: '/d/e', uid: ME }, 'owner'],
];

for (const [name, stat, next, why] of ROWS) {
  test(`directory rule: ${name}`, () => {
    assert.equal(judgeDirectory('/d', stat, next, ME)?.why ?? null, why);
  });
}

test('directory rule: the doubt in words names the directory, the owner and the mode', () => {
  assert.equal(
    doubtText({ why: 'owner', dir: '/home/a', uid: 5 }, () => 'alice'),
    '/home/a belongs to uid 5 (alice)',
  );
  assert.equal(doubtText({ why: 'writable', dir: '/srv', mode: 0o775 }), '/srv is writable by group or others (mode 0775)');
});

const root = process.getuid?.() === 0;

test('directory walk: from /, through links, every directory judged; the first doubt named', { skip: !root && 'needs root to chown' }, (t) => {
  const top = mkdtempSync(join(tmpdir(), 'er-dirs-'));
  t.after(() => rmSync(top, { recursive: true, force: true }));
  chmodSync(top, 0o755);
  mkdirSync(join(top, 'safe', 'run'), { recursive: true });
  assert.equal(unsafeDirectory(join(top, 'safe', 'run'), 0), null, 'root all the way (through sticky /tmp)');
  // Another user's directory on the way.
  mkdirSync(join(top, 'theirs', 'run'), { recursive: true });
  chownSync(join(top, 'theirs'), 65534, 65534);
  assert.deepEqual(unsafeDirectory(join(top, 'theirs', 'run'), 0), { why: 'owner', dir: join(top, 'theirs'), uid: 65534 });
  assert.equal(unsafeDirectory(join(top, 'theirs', 'run'), 65534), null, 'the same path is safe for that user');
  // A link in a safe directory to a safe one is safe; a link into (or through) an unsafe one is not.
  symlinkSync(join(top, 'safe'), join(top, 'link'));
  assert.equal(unsafeDirectory(join(top, 'link', 'run'), 0), null);
  symlinkSync('theirs/run', join(top, 'rel'));
  assert.equal(unsafeDirectory(join(top, 'rel'), 0)?.dir, join(top, 'theirs'));
  // A link that another user could change: in their directory.
  symlinkSync(join(top, 'safe'), join(top, 'theirs', 'to-safe'));
  assert.equal(unsafeDirectory(join(top, 'theirs', 'to-safe', 'run'), 0)?.why, 'owner');
  // ".." goes back up the real path.
  assert.equal(unsafeDirectory(join(top, 'link', '..', 'safe'), 0), null);
  // Group-writable on the way; a missing directory below a safe one.
  mkdirSync(join(top, 'group', 'run'), { recursive: true });
  chmodSync(join(top, 'group'), 0o775);
  assert.deepEqual(unsafeDirectory(join(top, 'group', 'run'), 0), { why: 'writable', dir: join(top, 'group'), mode: 0o775 });
  assert.deepEqual(unsafeDirectory(join(top, 'none', 'run'), 0), { why: 'missing', dir: join(top, 'none') });
  // A loop of links.
  symlinkSync(join(top, 'loop'), join(top, 'loop'));
  assert.equal(unsafeDirectory(join(top, 'loop'), 0)?.why, 'links');
});
