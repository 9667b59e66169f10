// The Guarantees table (docs/guarantees.md) and its guards (scripts/guarantees.json) stay in
// step with the code: every row has a declared guard, and every guard's text is still in the
// source, so that `npm run test:guarantees` removes what it means to. A refactor that moves or
// rewords guarded code fails here, in a second, and updates the guard in the same change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Sandbox, runProcess } from '../helpers.ts';

interface Edit {
  file: string;
  find: string;
}

const plan = (root: string) => runProcess(process.execPath, [join(root, 'scripts', 'guarantees.mjs'), '--list', '--strict'], { cwd: root, timeoutMs: 60_000 });

test("every row of the Guarantees table has a guard, and every guard's text is in the source", async () => {
  const listed = await plan(ROOT);
  assert.equal(listed.code, 0, `node scripts/guarantees.mjs --list --strict:\n${listed.stdout}${listed.stderr}`);
  assert.match(listed.stdout, /\d+ guards declared, each one's text found in the source/);
});

test('a guard whose text moved and a row with no guard are both caught', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const copy = box.path('tree');
  for (const part of ['src', 'scripts', 'docs', 'test', 'package.json']) cpSync(join(ROOT, part), join(copy, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  // A refactor rewords a guarded line (the first guard declared in the tree, whichever it is;
  // node_modules is the checkout's own, and stays untouched)...
  const declared = JSON.parse(readFileSync(join(ROOT, 'scripts', 'guarantees.json'), 'utf8')) as { rows: { guards: { edits: Edit[] }[] }[] };
  const edit = declared.rows.flatMap((row) => row.guards.flatMap((guard) => guard.edits)).find((e) => !e.file.startsWith('node_modules/'))!;
  const guarded = join(copy, edit.file);
  writeFileSync(
    guarded,
    readFileSync(guarded, 'utf8').replace(edit.find, () => `${edit.find.slice(0, -1)}\u00a0${edit.find.slice(-1)}`),
  );
  // ...and a new promise comes without a guard.
  const table = join(copy, 'docs', 'guarantees.md');
  writeFileSync(table, readFileSync(table, 'utf8').replace('| --- | --- |\n', '| --- | --- |\n| A promise nobody guards yet. | `unit/promise` |\n'));
  const listed = await plan(copy);
  assert.equal(listed.code, 1, listed.stdout);
  assert.ok(listed.stdout.includes(`guard text not found: no occurrence(s) in ${edit.file} of: ${edit.find}`), listed.stdout);
  assert.match(listed.stdout, /1 row\(s\) with no guard declared[^\n]*\n {2}A promise nobody guards yet\./);
  assert.match(listed.stdout, /1 row\(s\) with no guard declared \(--strict\)/);
});

test('--help prints the usage and an unknown argument is refused, before any guard is removed or run', async () => {
  const script = join(ROOT, 'scripts', 'guarantees.mjs');
  const help = await runProcess(process.execPath, [script, '--help'], { cwd: ROOT, timeoutMs: 60_000 });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: node scripts\/guarantees\.mjs/);
  assert.doesNotMatch(help.stdout, /guard\(s\)/, 'no run started');
  const unknown = await runProcess(process.execPath, [script, '--bogus'], { cwd: ROOT, timeoutMs: 60_000 });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown or incomplete argument "--bogus"/);
  assert.equal(unknown.stdout, '', 'no run started');
});
