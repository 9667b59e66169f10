// The README and docs/*.md link only to files the package ships (so the links work in an
// installed copy as on the repository's page), and every #anchor names a heading of its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../helpers.ts';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(path, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set(
    text
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => slug(line.replace(/^#+ /, ''))),
  );
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
const shipped = (path: string) => pkg.files.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) : path === entry)) || path === 'package.json';

test('README and docs link only to shipped files and existing headings', () => {
  const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => join('docs', name))].filter((page) => page.endsWith('.md'));
  assert.ok(pages.length > 5, 'the docs are found');
  for (const page of pages) assert.ok(shipped(page), `${page} is in package.json's "files"`);
  const problems: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const text = readFileSync(join(ROOT, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/.test(target)) continue;
      checked++;
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const path = file === '' ? page : relative(ROOT, join(ROOT, dirname(page), file));
      if (!existsSync(join(ROOT, path))) problems.push(`${page}: ${target}: no such file`);
      else if (!shipped(path)) problems.push(`${page}: ${target}: ${path} is not in package.json's "files" (dead in an installed copy)`);
      else if (anchor !== undefined && !anchorsOf(join(ROOT, path)).has(anchor)) problems.push(`${page}: ${target}: no such heading in ${path}`);
    }
  }
  assert.ok(checked > 20, `links are found (${checked})`);
  assert.deepEqual(problems, []);
});

test('docs/options.md has a row for every option of the table', async () => {
  const { OPTIONS } = await import('../../src/cli/options.ts');
  const page = readFileSync(join(ROOT, 'docs', 'options.md'), 'utf8');
  const missing = Object.keys(OPTIONS).filter((name) => !new RegExp(`^\\| \`--${name}\\b|, \`--${name}[\` ]`, 'm').test(page));
  assert.deepEqual(missing, [], 'options without a row in docs/options.md');
});
