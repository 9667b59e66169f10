// One pass per call: the check and the manual actions (--stop, --start, --restart, --reload,
// --release) read a program's records once, through src/commands/records.ts, and write them
// only through it (its crash checkpoints and its one save). No command reads or writes the
// state file on its own. The steps that are no command's keep their own read or write: the
// notify step's, the move of a program's records to another
// name (--config), and the read-only views (status, logs, forget, the promise's fallback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers.ts';

const SRC = join(ROOT, 'src');

/** Where each of the state file's functions may be imported, outside src/os/state-file.ts. */
const ALLOWED: Record<string, Set<string>> = {
  loadStateFile: new Set(['src/commands/records.ts']),
  writeStateFile: new Set(['src/commands/records.ts', 'src/notify/notify-step.ts', 'src/config/take-over.ts']),
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

test('the records of a program are loaded and written by the pass alone (src/commands/records.ts)', () => {
  const found: string[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(ROOT, file);
    if (rel === 'src/os/state-file.ts') continue;
    const text = readFileSync(file, 'utf8');
    for (const [name, allowed] of Object.entries(ALLOWED)) {
      if (new RegExp(`\\b${name}\\b`).test(text) && !allowed.has(rel)) found.push(`${rel} uses ${name}`);
    }
  }
  assert.deepEqual(found, [], 'a command reads or writes the state file outside its pass: go through the Records of src/commands/records.ts');
});

test('the state file is read at most once by a command, under the lock: only the launch guard reads it again', () => {
  // readStateFile in a command: the launch's guard against a second check that took over a
  // stale lock (src/commands/executor.ts), the promise's fallback, and the read-only views.
  const reads = sources(join(SRC, 'commands')).filter((file) => /\breadStateFile\(/.test(readFileSync(file, 'utf8')));
  assert.deepEqual(reads.map((file) => relative(ROOT, file)).sort(), [
    'src/commands/executor.ts',
    'src/commands/forget.ts',
    'src/commands/logs.ts',
    'src/commands/promise.ts',
    'src/commands/status.ts',
  ]);
  const executor = readFileSync(join(SRC, 'commands/executor.ts'), 'utf8');
  assert.equal(executor.match(/\breadStateFile\(/g)?.length, 1, 'executor.ts reads the state file again only in the launch guard');
});

test("crash checkpoints are the executor's effects: no command writes the records before its pass's one save on its own", () => {
  // Records.write (at once, before the save) is the `checkpoint` effect and the launch's records
  // (src/commands/executor.ts); a --restart's stop goes on file before its start that way too.
  const writers = sources(SRC).filter((file) => /\brecords\??\.write\(/.test(readFileSync(file, 'utf8')));
  assert.deepEqual(
    writers.map((file) => relative(ROOT, file)),
    ['src/commands/executor.ts'],
  );
});
