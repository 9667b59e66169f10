// Keeps the Guarantees table (docs/guarantees.md) honest: for each row, removes the row's
// guard in a scratch copy of the tree (the mutations declared in scripts/guarantees.json),
// builds, runs the tests the row names, and checks that each of them FAILS. Reports rows
// whose test still passes, guard text that is no longer in the source, and credited tests
// that no mutation shows failing.
// Usage: node scripts/guarantees.mjs [--row TEXT] [--list] [--strict]   (npm run test:guarantees)
//   --row TEXT  only the rows whose promise contains TEXT;  --guard TEXT  only the guards so named (TEXT|TEXT: either);
//   --list  the plan, nothing run;
//   --strict    a row with no guard declared is a failure too.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TABLE = join(ROOT, 'docs', 'guarantees.md');
const MUTATIONS = join(ROOT, 'scripts', 'guarantees.json');
const TEST_TIMEOUT_MS = process.env.TEST_TIMEOUT_MS ?? '180000';

const argv = process.argv.slice(2);
const only = argv.includes('--row') ? argv[argv.indexOf('--row') + 1] : null;
const listOnly = argv.includes('--list');
const strict = argv.includes('--strict');
const onlyGuard = argv.includes('--guard') ? argv[argv.indexOf('--guard') + 1] : null;

/** The table's rows: the promise cell and the tests its "shown by" cell names (globs expanded). */
function tableRows() {
  const rows = [];
  const lines = readFileSync(TABLE, 'utf8').split('\n');
  const from = lines.findIndex((line) => line.startsWith('| promise | shown by |'));
  if (from < 0) throw new Error(`${TABLE}: no table with the header "| promise | shown by |"`);
  for (const line of lines.slice(from + 2)) {
    if (!line.startsWith('| ')) break;
    const cells = line.slice(2, -2).split(' | ');
    const shownBy = cells.at(-1);
    const promise = cells.slice(0, -1).join(' | ');
    const named = [...shownBy.matchAll(/`((?:unit|e2e|faults|serial|cron)\/[a-z0-9*-]+)`/g)].map((m) => m[1]);
    rows.push({ promise, tests: [...new Set(named.flatMap(expand))] });
  }
  return rows;
}

/** `e2e/crash-loop*` → the test files it names, as `dir/name`. */
function expand(name) {
  const [dir, stem] = name.split('/');
  const files = existsSync(join(ROOT, 'test', dir)) ? readdirSync(join(ROOT, 'test', dir)) : [];
  const pattern = new RegExp(`^${stem.replaceAll('*', '[a-z0-9-]*')}\\.test\\.ts$`);
  const found = files.filter((f) => pattern.test(f)).map((f) => `${dir}/${f.replace(/\.test\.ts$/, '')}`);
  return found.length > 0 ? found : [name];
}

const problems = [];
/** Rows with no guard declared yet: listed, and a failure only with --strict. */
const unchecked = [];
const say = (line) => process.stdout.write(`${line}\n`);

const declared = JSON.parse(readFileSync(MUTATIONS, 'utf8')).rows;
const rows = tableRows();

// Each declared row names exactly one row of the table; each row credits only tests some mutation shows failing.
const plan = [];
for (const row of rows) {
  const entries = declared.filter((d) => row.promise.includes(d.row));
  if (only && !row.promise.includes(only)) continue;
  if (entries.length === 0) {
    unchecked.push(row.promise.slice(0, 100));
    continue;
  }
  const checked = new Set(entries.flatMap((e) => e.guards.flatMap((g) => g.tests)));
  for (const test of row.tests) {
    if (!checked.has(test)) problems.push(`row "${entries[0].row}" credits ${test}, but no declared guard is shown to fail it`);
    if (!existsSync(join(ROOT, 'test', `${test}.test.ts`))) problems.push(`row "${entries[0].row}" credits ${test}, which is not a test file`);
  }
  for (const entry of entries)
    for (const guard of entry.guards) if (!onlyGuard || onlyGuard.split('|').some((part) => guard.name.includes(part))) plan.push({ row: entry.row, guard });
}
for (const d of declared) {
  const matches = rows.filter((row) => row.promise.includes(d.row)).length;
  if (matches !== 1) problems.push(`scripts/guarantees.json row "${d.row}" matches ${matches} rows of the table, not one`);
}

if (listOnly) {
  // The plan, and whether each guard's text is still in the source (nothing built or run).
  for (const p of plan) {
    say(`${p.row} | ${p.guard.name} | ${p.guard.tests.join(' ')}`);
    for (const edit of p.guard.edits) {
      const path = join(ROOT, edit.file);
      const count = existsSync(path) ? readFileSync(path, 'utf8').split(edit.find).length - 1 : 0;
      if (count !== 1)
        problems.push(`${p.row} / ${p.guard.name}: guard text not found: ${count === 0 ? 'no' : count} occurrence(s) in ${edit.file} of: ${edit.find}`);
    }
  }
  finish();
}

// One scratch copy of the tree; each guard is removed, built and tested, then put back.
const scratch = mkdtempSync(join(tmpdir(), 'er-guarantees-'));
// Open like a checkout: some tests run the copied CLI as another user (nobody, a user they make).
chmodSync(scratch, 0o755);
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
for (const name of readdirSync(ROOT)) {
  if (name === 'node_modules' || name === '.git' || name === 'dist' || name.startsWith('dist.build-')) continue;
  cpSync(join(ROOT, name), join(scratch, name), { recursive: true });
}
symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));

for (const { row, guard } of plan) {
  const label = `${row} / ${guard.name}`;
  const originals = new Map();
  let applied = true;
  for (const edit of guard.edits) {
    const path = join(scratch, edit.file);
    const text = originals.get(path) ?? (existsSync(path) ? readFileSync(path, 'utf8') : null);
    if (text === null) {
      problems.push(`${label}: guard text not found: ${edit.file} does not exist`);
      applied = false;
      break;
    }
    if (!originals.has(path)) originals.set(path, text);
    const current = readFileSync(path, 'utf8');
    const count = current.split(edit.find).length - 1;
    if (count !== 1) {
      problems.push(`${label}: guard text not found: ${count === 0 ? 'no' : count} occurrence(s) in ${edit.file} of: ${edit.find}`);
      applied = false;
      break;
    }
    writeFileSync(
      path,
      current.replace(edit.find, () => edit.replace),
    );
  }
  if (applied) {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: scratch, encoding: 'utf8' });
    if (build.status !== 0) problems.push(`${label}: the mutant does not build: ${build.stderr.trim().split('\n')[0]}`);
    else {
      for (const test of guard.tests) {
        const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-timeout=${TEST_TIMEOUT_MS}`, `test/${test}.test.ts`], {
          cwd: scratch,
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        if (run.status === 0) {
          problems.push(`${label}: ${test} still passes with the guard removed`);
          say(`PASSES  ${label}: ${test}`);
        } else {
          // The first assertion that failed, so that a reader can tell the guard's failure from another.
          const why = /^\s+error: (?:\|-?\n\s+)?'?(.{0,120})/m.exec(run.stdout)?.[1] ?? `exit ${run.status}`;
          say(`fails   ${label}: ${test}: ${why}`);
        }
      }
    }
  }
  for (const [path, text] of originals) writeFileSync(path, text);
}
finish();

function finish() {
  if (unchecked.length > 0) {
    say(`\n${unchecked.length} row(s) with no guard declared in scripts/guarantees.json yet (not checked):`);
    for (const row of unchecked) say(`  ${row}`);
    if (strict) problems.push(`${unchecked.length} row(s) with no guard declared (--strict)`);
  }
  if (problems.length > 0) {
    say(`\n${problems.length} problem(s):`);
    for (const p of problems) say(`  ${p}`);
    process.exit(1);
  }
  say(
    listOnly
      ? `\n${plan.length} guards declared, each one's text found in the source (nothing run: --list)`
      : `\nevery checked row's tests fail with its guard removed (${plan.length} guards)`,
  );
  process.exit(0);
}
