// Keeps the Guarantees table (docs/guarantees.md) honest: for each row, removes the row's
// guard in a scratch copy of the tree (the mutations declared in scripts/guarantees.json),
// builds, runs the tests the row names, and checks that each of them FAILS. Reports rows
// whose test still passes, guard text that is no longer in the source, and credited tests
// that no mutation shows failing.
// Usage: node scripts/guarantees.mjs [--row TEXT] [--guard TEXT] [--jobs N] [--list] [--strict]   (npm run test:guarantees)
//   --row TEXT  only the rows whose promise contains TEXT (TEXT|TEXT: either);  --guard TEXT  only the guards so named (TEXT|TEXT: either);
//   --list  the plan, nothing run;
//   --jobs N  N guards at once, each in its own scratch copy (default 2; a guard of a serial test runs alone);
//   --strict    a row with no guard declared is a failure too.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TABLE = join(ROOT, 'docs', 'guarantees.md');
const MUTATIONS = join(ROOT, 'scripts', 'guarantees.json');
const TEST_TIMEOUT_MS = process.env.TEST_TIMEOUT_MS ?? '180000';

const argv = process.argv.slice(2);
// --help prints the usage above; anything unknown is refused before a run of about half an hour starts.
const USAGE = 'usage: node scripts/guarantees.mjs [--row TEXT] [--guard TEXT] [--jobs N] [--list] [--strict]';
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${USAGE}\n(npm run test:guarantees; see docs/development.md)\n`);
  process.exit(0);
}
for (let i = 0; i < argv.length; i++) {
  if (['--row', '--guard', '--jobs'].includes(argv[i]) && i + 1 < argv.length) i++;
  else if (!['--list', '--strict'].includes(argv[i])) {
    process.stderr.write(`scripts/guarantees.mjs: unknown or incomplete argument ${JSON.stringify(argv[i])}\n${USAGE}\n`);
    process.exit(2);
  }
}
const only = argv.includes('--row') ? argv[argv.indexOf('--row') + 1] : null;
const listOnly = argv.includes('--list');
const strict = argv.includes('--strict');
const onlyGuard = argv.includes('--guard') ? argv[argv.indexOf('--guard') + 1] : null;
const jobs = argv.includes('--jobs') ? Number(argv[argv.indexOf('--jobs') + 1]) : 2;
if (!Number.isInteger(jobs) || jobs < 1) {
  process.stderr.write('scripts/guarantees.mjs: --jobs takes a whole number of at least 1 (scratch copies run at once)\n');
  process.exit(2);
}

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
  if (only && !only.split('|').some((part) => row.promise.includes(part))) continue;
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

// N scratch copies of the tree (--jobs N); each guard is removed in one, built and tested,
// then put back. A guard whose tests include a serial test (machine-wide settings) runs alone.
const started = Date.now();
const elapsed = () => formatSeconds((Date.now() - started) / 1000);
const scratches = Array.from({ length: Math.max(1, Math.min(jobs, plan.length)) }, () => makeScratch());
process.on('exit', () => {
  for (const scratch of scratches) for (const dir of [scratch, tmpOf(scratch)]) rmSync(dir, { recursive: true, force: true });
});
// Interrupted: the scratch copies go all the same (each test ends the processes it started).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));
say(`${plan.length} guard(s), ${scratches.length} at a time (--jobs ${jobs})`);

let next = 0;
let done = 0;
let running = 0;
let exclusive = false;
const waiting = [];
const wake = () => {
  for (const resolve of waiting.splice(0)) resolve();
};
const isSerial = (guard) => guard.tests.some((test) => test.startsWith('serial/'));
await Promise.all(
  scratches.map(async (scratch) => {
    for (;;) {
      // A serial guard waits until nothing else runs, and nothing starts beside it.
      while (next < plan.length && (exclusive || (isSerial(plan[next].guard) && running > 0))) await new Promise((r) => waiting.push(r));
      if (next >= plan.length) return;
      const item = plan[next++];
      running++;
      exclusive = isSerial(item.guard);
      try {
        const lines = await checkGuard(scratch, item);
        done++;
        for (const line of lines) say(`[${done}/${plan.length} ${elapsed()}] ${line}`);
      } finally {
        running--;
        exclusive = false;
        wake();
      }
    }
  }),
);
say(`\nall ${plan.length} guard(s) in ${elapsed()}`);
finish();

/** A copy of the tree to mutate, opened like a checkout (some tests run its CLI as another user). */
function makeScratch() {
  const scratch = mkdtempSync(join(tmpdir(), 'er-guarantees-'));
  chmodSync(scratch, 0o755);
  for (const name of readdirSync(ROOT)) {
    if (name === 'node_modules' || name === '.git' || name === 'dist' || name.startsWith('dist.build-')) continue;
    cpSync(join(ROOT, name), join(scratch, name), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
  return scratch;
}

/**
 * Makes `file` (relative to the scratch copy) a file of the copy's own: a node_modules (a link
 * to the checkout's) on its way becomes a directory of links to its packages, and the package
 * that holds the file a copy (the bundler resolves a package's own files from its real path).
 * A guard in a dependency is then removed in the copy only.
 */
function ownFile(scratch, file) {
  let at = scratch;
  const parts = file.split('/');
  for (const part of parts) {
    at = join(at, part);
    if (!existsSync(at) || !lstatSync(at).isSymbolicLink()) continue;
    const target = realpathSync(at);
    unlinkSync(at);
    if (part === 'node_modules' || part.startsWith('@')) {
      mkdirSync(at);
      for (const entry of readdirSync(target)) symlinkSync(join(target, entry), join(at, entry));
    } else cpSync(target, at, { recursive: true, dereference: true });
  }
  if (!realpathSync(join(scratch, file)).startsWith(`${realpathSync(scratch)}/`)) throw new Error(`${file} is not inside the scratch copy`);
}

/** Removes one guard in `scratch`, builds and runs its tests; the lines to say. The guard is put back. */
async function checkGuard(scratch, { row, guard }) {
  const label = `${row} / ${guard.name}`;
  const lines = [];
  const originals = new Map();
  try {
    for (const edit of guard.edits) {
      const path = join(scratch, edit.file);
      if (!existsSync(path)) {
        problems.push(`${label}: guard text not found: ${edit.file} does not exist`);
        return [`MISSING ${label}: ${edit.file}`];
      }
      if (!originals.has(path)) {
        ownFile(scratch, edit.file);
        originals.set(path, readFileSync(path, 'utf8'));
      }
      const current = readFileSync(path, 'utf8');
      const count = current.split(edit.find).length - 1;
      if (count !== 1) {
        problems.push(`${label}: guard text not found: ${count === 0 ? 'no' : count} occurrence(s) in ${edit.file} of: ${edit.find}`);
        return [`MISSING ${label}: ${edit.file}`];
      }
      writeFileSync(
        path,
        current.replace(edit.find, () => edit.replace),
      );
    }
    const build = await run([process.execPath, 'scripts/build.mjs'], scratch);
    if (build.code !== 0) {
      problems.push(`${label}: the mutant does not build: ${build.stderr.trim().split('\n')[0]}`);
      return [`NOBUILD ${label}`];
    }
    for (const test of guard.tests) {
      // The test's temporary folders (its sandboxes) go in a folder of the scratch copy's own,
      // so that what a process of the test left running there (a hook waiting in a sandbox) is
      // found below. Beside the copy, not in it: a package installed in a sandbox must not find
      // the copy's node_modules on its way up (e2e/pack).
      const tmp = tmpOf(scratch);
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
      chmodSync(tmp, 0o1777);
      const result = await run([process.execPath, '--import', 'tsx', '--test', `--test-timeout=${TEST_TIMEOUT_MS}`, `test/${test}.test.ts`], scratch, {
        ...process.env,
        TMPDIR: tmp,
      });
      // A test run against a mutant may fail before its own cleanup: what it left is ended here.
      const left = endLeftovers([scratch, tmp]);
      rmSync(tmp, { recursive: true, force: true });
      if (left.length > 0) lines.push(`        ${label}: ${test} left pid ${left.join(' ')} running under the scratch copy; killed`);
      if (result.code === 0) {
        problems.push(`${label}: ${test} still passes with the guard removed`);
        lines.push(`PASSES  ${label}: ${test}`);
      } else {
        // The first assertion that failed, so that a reader can tell the guard's failure from another.
        const why = /^\s+error: (?:\|-?\n\s+)?'?(.{0,120})/m.exec(result.stdout)?.[1] ?? `exit ${result.code}`;
        lines.push(`fails   ${label}: ${test}: ${why}`);
      }
    }
    return lines;
  } finally {
    for (const [path, text] of originals) writeFileSync(path, text);
  }
}

/** The temporary folder of a scratch copy's tests, beside it. */
function tmpOf(scratch) {
  return `${scratch}.tmp`;
}

/**
 * Kills (SIGKILL) every process whose command line names a file in one of `dirs` (the scratch
 * copy, its tests' temporary folder) or whose working directory is inside one: what a test left
 * when the mutant broke its cleanup. Each PID's command line and directory are read right
 * before its signal. Returns the PIDs killed.
 */
function endLeftovers(dirs) {
  const insides = dirs.filter((dir) => existsSync(dir)).map((dir) => `${realpathSync(dir)}/`);
  const killed = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    let hit = false;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const cwd = `${readlinkSync(`/proc/${pid}/cwd`)}/`;
      hit = insides.some((inside) => cmdline.includes(inside) || cwd.startsWith(inside));
    } catch {
      // gone, or not ours to read
    }
    if (!hit) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone in between
    }
  }
  return killed;
}

/** Runs a command in `cwd` to its end: exit code (or 128 + signal), stdout, stderr. */
function run([command, ...args], cwd, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('close', (code, signal) =>
      resolve({ code: code ?? 128, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

function formatSeconds(seconds) {
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

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
